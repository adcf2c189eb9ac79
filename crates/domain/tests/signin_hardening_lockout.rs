//! Lockout under concurrency (issue 12 item 4): the attempt is counted in the
//! user's row before the password is checked, so concurrent wrong guesses are
//! checked no more often than the lockout allows.

mod common;

use std::sync::Arc;

use common::srp_client::timestamp_now;
use common::*;
use userpools_domain::model::{AppClient, UserPool};
use userpools_domain::DomainError;

const WRONG: &str = "Wr0ng!pass";
const EXCEEDED: &str = "Password attempts exceeded";
const GUESSES: usize = 40;

/// Fails sign-ins one after the other, moving the clock past each lock, until
/// the user has `failures` failures and no lock: the next failure locks it for
/// 15 minutes, far longer than any burst of requests takes.
async fn fail_up_to(h: &Harness, client: &AppClient, failures: u32) {
    for n in 1..=failures {
        let err = error_of(h.password_sign_in(client, "alice", WRONG).await);
        assert_eq!(err, not_authorized(INCORRECT), "failure {n}");
        if n >= 5 {
            h.clock.advance(1 << (n - 5)).unwrap();
        }
    }
}

/// Counts the answers: (incorrect, exceeded); anything else fails the test.
fn tally(errors: Vec<DomainError>, other: &str) -> (usize, usize) {
    let (mut incorrect, mut exceeded) = (0, 0);
    for err in errors {
        if err == not_authorized(INCORRECT) {
            incorrect += 1;
        } else if err == not_authorized(other) {
            exceeded += 1;
        } else {
            panic!("unexpected answer {err:?}");
        }
    }
    (incorrect, exceeded)
}

async fn setup() -> (Arc<Harness>, UserPool, AppClient) {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    (Arc::new(h), pool, client)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_are_checked_once_when_one_is_allowed() {
    let (h, pool, client) = setup().await;
    fail_up_to(&h, &client, 14).await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..GUESSES {
        let (h, client) = (h.clone(), client.clone());
        tasks.spawn(async move { h.password_sign_in(&client, "alice", WRONG).await });
    }
    let errors = tasks.join_all().await.into_iter().map(error_of).collect();
    assert_eq!(tally(errors, EXCEEDED), (1, GUESSES - 1));
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.failed_sign_ins, 15);
    // The right password is refused too while locked.
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(err, not_authorized(EXCEEDED));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_srp_guesses_on_separate_round_ones_respect_the_lockout() {
    let (h, pool, client) = setup().await;
    fail_up_to(&h, &client, 14).await;
    let mut starts = Vec::new();
    for _ in 0..GUESSES {
        starts.push(h.srp_start(&client, "alice").await.unwrap());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (srp, parameters) in starts {
        let (h, pool, client) = (h.clone(), pool.clone(), client.clone());
        tasks.spawn(async move {
            h.srp_prove(&pool, &client, &srp, &parameters, WRONG, &timestamp_now())
                .await
        });
    }
    let errors = tasks.join_all().await.into_iter().map(error_of).collect();
    assert_eq!(tally(errors, EXCEEDED), (1, GUESSES - 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_on_one_srp_block_check_one() {
    let (h, pool, client) = setup().await;
    let (srp, parameters) = h.srp_start(&client, "alice").await.unwrap();
    let (srp, parameters) = (Arc::new(srp), Arc::new(parameters));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..GUESSES {
        let (h, pool, client) = (h.clone(), pool.clone(), client.clone());
        let (srp, parameters) = (srp.clone(), parameters.clone());
        tasks.spawn(async move {
            let guess = format!("{WRONG}{i}");
            h.srp_prove(&pool, &client, &srp, &parameters, &guess, &timestamp_now())
                .await
        });
    }
    let errors = tasks.join_all().await.into_iter().map(error_of).collect();
    assert_eq!(tally(errors, SESSION_EXPIRED), (1, GUESSES - 1));
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 1);
}

#[tokio::test]
async fn a_locked_attempt_does_not_count_and_a_success_resets() {
    let (h, pool, client) = setup().await;
    fail_up_to(&h, &client, 4).await;
    let err = error_of(h.password_sign_in(&client, "alice", WRONG).await);
    assert_eq!(err, not_authorized(INCORRECT));
    let err = error_of(h.password_sign_in(&client, "alice", WRONG).await);
    assert_eq!(err, not_authorized(EXCEEDED));
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 5);
    h.clock.advance(1).unwrap();
    tokens_of(
        h.password_sign_in(&client, "alice", PASSWORD)
            .await
            .unwrap(),
    );
    let user = h.get_user(&pool, "alice").await;
    assert_eq!((user.failed_sign_ins, user.locked_until_ms), (0, 0));
}
