//! Lockout after repeated failed sign-ins: five failures lock, the lock doubles with
//! each further failure, a success or 15 quiet minutes forget the failures.

mod common;

use common::*;
use userpools_domain::auth::AuthOutcome;
use userpools_domain::model::UserPool;
use userpools_domain::DomainResult;

const WRONG: &str = "Wr0ng!pass";

fn exceeded() -> userpools_domain::DomainError {
    not_authorized("Password attempts exceeded")
}

/// Fails `times` password sign-ins, each answered "Incorrect".
async fn fail(h: &Harness, client: &userpools_domain::model::AppClient, times: usize) {
    for _ in 0..times {
        let err = error_of(h.password_sign_in(client, "alice", WRONG).await);
        assert_eq!(err, not_authorized(INCORRECT));
    }
}

async fn setup(h: &Harness) -> (UserPool, userpools_domain::model::AppClient) {
    let (pool, client) = h.pool_client_and_alice().await;
    (pool, client)
}

async fn right_password(
    h: &Harness,
    client: &userpools_domain::model::AppClient,
) -> DomainResult<AuthOutcome> {
    h.password_sign_in(client, "alice", PASSWORD).await
}

#[tokio::test]
async fn five_failures_lock_the_account() {
    let h = Harness::new();
    let (_, client) = setup(&h).await;
    fail(&h, &client, 5).await;
    let err = error_of(right_password(&h, &client).await);
    assert_eq!(err, exceeded());
}

#[tokio::test]
async fn four_failures_do_not_lock() {
    let h = Harness::new();
    let (_, client) = setup(&h).await;
    fail(&h, &client, 4).await;
    tokens_of(right_password(&h, &client).await.unwrap());
}

#[tokio::test]
async fn failures_are_counted_on_the_user() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    fail(&h, &client, 3).await;
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 3);
    tokens_of(right_password(&h, &client).await.unwrap());
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.failed_sign_ins, 0);
    assert_eq!(user.locked_until_ms, 0);
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let h = Harness::new();
    let (_, client) = setup(&h).await;
    fail(&h, &client, 4).await;
    tokens_of(right_password(&h, &client).await.unwrap());
    fail(&h, &client, 4).await;
    tokens_of(right_password(&h, &client).await.unwrap());
}

#[tokio::test]
async fn the_first_lock_ends_after_a_second() {
    let h = Harness::new();
    let (_, client) = setup(&h).await;
    fail(&h, &client, 5).await;
    h.clock.advance(2).unwrap();
    tokens_of(right_password(&h, &client).await.unwrap());
}

#[tokio::test]
async fn locked_sign_ins_with_a_wrong_password_say_exceeded() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    fail(&h, &client, 5).await;
    let err = error_of(h.password_sign_in(&client, "alice", WRONG).await);
    assert_eq!(err, exceeded());
    assert_eq!(
        h.get_user(&pool, "alice").await.failed_sign_ins,
        5,
        "refusals while locked are not counted"
    );
}

#[tokio::test]
async fn each_further_failure_doubles_the_lock() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    fail(&h, &client, 5).await; // locked 1 s
    h.clock.advance(2).unwrap();
    fail(&h, &client, 1).await; // locked 2 s
    h.clock.advance(3).unwrap();
    fail(&h, &client, 1).await; // locked 4 s
    h.clock.advance(5).unwrap();
    fail(&h, &client, 1).await; // locked 8 s
    let user = h.get_user(&pool, "alice").await;
    let lock_ms = user.locked_until_ms - user.last_failed_sign_in_ms;
    assert_eq!(lock_ms, 8_000);
    h.clock.advance(4).unwrap();
    assert_eq!(error_of(right_password(&h, &client).await), exceeded());
    h.clock.advance(5).unwrap();
    tokens_of(right_password(&h, &client).await.unwrap());
}

#[tokio::test]
async fn the_lock_is_capped_at_fifteen_minutes() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    fail(&h, &client, 5).await;
    // A failure every 10 minutes: each lock has ended, but never 15 quiet minutes.
    for _ in 0..10 {
        h.clock.advance(600).unwrap();
        fail(&h, &client, 1).await;
    }
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.failed_sign_ins, 15);
    // 2^10 s would be 1024 s; the lock stops at 900 s.
    assert_eq!(user.locked_until_ms - user.last_failed_sign_in_ms, 900_000);
}

#[tokio::test]
async fn fifteen_quiet_minutes_forget_earlier_failures() {
    let h = Harness::new();
    let (_, client) = setup(&h).await;
    fail(&h, &client, 4).await;
    h.clock.advance(16 * 60).unwrap();
    fail(&h, &client, 4).await;
    tokens_of(right_password(&h, &client).await.unwrap());
}

#[tokio::test]
async fn the_lock_applies_to_the_admin_flow() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    fail(&h, &client, 5).await;
    let err = error_of(
        h.admin_password_sign_in(&pool, &client, "alice", PASSWORD)
            .await,
    );
    assert_eq!(err, exceeded());
}

#[tokio::test]
async fn the_lock_applies_to_srp() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    fail(&h, &client, 5).await;
    let err = error_of(h.srp_sign_in(&pool, &client, "alice", PASSWORD).await);
    assert_eq!(err, exceeded());
}

#[tokio::test]
async fn srp_failures_count_towards_the_lock() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    for _ in 0..5 {
        let err = error_of(h.srp_sign_in(&pool, &client, "alice", WRONG).await);
        assert_eq!(err, not_authorized(INCORRECT));
    }
    assert_eq!(error_of(right_password(&h, &client).await), exceeded());
}

#[tokio::test]
async fn change_password_with_a_wrong_previous_password_counts() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(WRONG), OTHER_PASSWORD)
            .await,
    );
    assert_eq!(err, not_authorized(INCORRECT));
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 1);
}

#[tokio::test]
async fn a_locked_user_cannot_change_password() {
    let h = Harness::new();
    let (_, client) = setup(&h).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    fail(&h, &client, 5).await;
    let err = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(PASSWORD), OTHER_PASSWORD)
            .await,
    );
    assert_eq!(err, exceeded());
}

#[tokio::test]
async fn the_lock_is_per_user() {
    let h = Harness::new();
    let (pool, client) = setup(&h).await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    fail(&h, &client, 5).await;
    h.sign_in(&client, "bob", PASSWORD).await;
}
