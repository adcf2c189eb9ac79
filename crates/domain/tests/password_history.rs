//! The password history: PasswordHistorySize previous passwords may not be reused.

mod common;

use common::*;
use userpools_domain::DomainError;

fn history_violation() -> DomainError {
    DomainError::PasswordHistoryPolicyViolation(
        "The password does not meet password history requirements.".into(),
    )
}

const P1: &str = "Passw0rd!1";
const P2: &str = "Passw0rd!2";
const P3: &str = "Passw0rd!3";
const P4: &str = "Passw0rd!4";

#[tokio::test]
async fn the_current_password_cannot_be_set_again() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(3)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    let err = error_of(h.set_password(&pool, "alice", P1, true).await);
    assert_eq!(err, history_violation());
}

#[tokio::test]
async fn a_recent_password_cannot_be_reused() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(3)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P2, true).await.unwrap();
    let err = error_of(h.set_password(&pool, "alice", P1, true).await);
    assert_eq!(err, history_violation());
}

#[tokio::test]
async fn a_password_older_than_the_history_is_allowed() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(3)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    for password in [P2, P3, P4] {
        h.set_password(&pool, "alice", password, true)
            .await
            .unwrap();
    }
    // History of 3: P4 (current), P3, P2. P1 fell out.
    h.set_password(&pool, "alice", P1, true).await.unwrap();
    let err = error_of(h.set_password(&pool, "alice", P3, true).await);
    assert_eq!(err, history_violation());
}

#[tokio::test]
async fn the_temporary_password_counts_in_the_history() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(2)).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", TEMP_PASSWORD, true).await);
    assert_eq!(err, history_violation());
}

#[tokio::test]
async fn without_history_passwords_may_repeat() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P1, true).await.unwrap();
    h.set_password(&pool, "alice", P1, false).await.unwrap();
    assert!(h
        .get_user(&pool, "alice")
        .await
        .previous_credentials
        .is_empty());
    h.new_password_challenge(&client, "alice", P1).await;
}

#[tokio::test]
async fn history_of_one_checks_only_the_current_password() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(1)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P2, true).await.unwrap();
    let err = error_of(h.set_password(&pool, "alice", P2, true).await);
    assert_eq!(err, history_violation());
    h.set_password(&pool, "alice", P1, true).await.unwrap();
}

#[tokio::test]
async fn stored_history_is_bounded_by_the_size() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(3)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    for password in [P2, P3, P4] {
        h.set_password(&pool, "alice", password, true)
            .await
            .unwrap();
    }
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(
        user.previous_credentials.len(),
        2,
        "current plus two earlier"
    );
}

#[tokio::test]
async fn a_refused_reuse_keeps_the_current_password() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(3)).await;
    let client = h.client(&pool).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P2, true).await.unwrap();
    error_of(h.set_password(&pool, "alice", P1, true).await);
    h.sign_in(&client, "alice", P2).await;
    let err = error_of(h.password_sign_in(&client, "alice", P1).await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn change_password_respects_the_history() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(2)).await;
    let client = h.client(&pool).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P2, true).await.unwrap();
    let tokens = h.sign_in(&client, "alice", P2).await;
    let err = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(P2), P1)
            .await,
    );
    assert_eq!(err, history_violation());
    h.svc
        .change_password(&tokens.access_token, Some(P2), P3)
        .await
        .unwrap();
}

#[tokio::test]
async fn new_password_challenge_respects_the_history() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(2)).await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), TEMP_PASSWORD, &[])
            .await,
    );
    assert_eq!(err, history_violation());
}

#[tokio::test]
async fn shrinking_the_history_frees_older_passwords() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(3)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P2, true).await.unwrap();
    h.set_password(&pool, "alice", P3, true).await.unwrap();
    h.update_policy(&pool, history_policy(1)).await;
    h.set_password(&pool, "alice", P1, true).await.unwrap();
}

#[tokio::test]
async fn growing_the_history_only_sees_what_was_kept() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(1)).await;
    h.confirmed_user(&pool, "alice", P1).await;
    h.set_password(&pool, "alice", P2, true).await.unwrap();
    h.update_policy(&pool, history_policy(5)).await;
    // With a history of 1 nothing before P2 was kept, so P1 is free.
    h.set_password(&pool, "alice", P1, true).await.unwrap();
    let err = error_of(h.set_password(&pool, "alice", P2, true).await);
    assert_eq!(err, history_violation());
}
