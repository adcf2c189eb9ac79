//! Sign-in hardening (issue 12 items 2 and 3): with PreventUserExistenceErrors
//! ENABLED an unknown name is answered like a real user (SRP round 1 shape, stable
//! simulated salt, status refusals only after the password is proven), and an SRP
//! round-2 SECRET_BLOCK is single-use.

mod common;

use common::srp_client::timestamp_now;
use common::*;
use userpools_domain::model::{AppClient, UserPool};

const WRONG: &str = "Wr0ng!pass";

fn is_min_hex(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('0')
        && s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

async fn hiding_pool_and_alice(h: &Harness) -> (UserPool, AppClient) {
    let pool = h.case_insensitive_pool().await;
    let client = h.hiding_client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    (pool, client)
}

#[tokio::test]
async fn unknown_user_round_one_has_the_shape_of_a_real_users() {
    let h = Harness::new();
    let (_, client) = hiding_pool_and_alice(&h).await;
    let (_, real) = h.srp_start(&client, "alice").await.unwrap();
    let (_, ghost) = h.srp_start(&client, "GHOST").await.unwrap();
    let keys =
        |p: &std::collections::BTreeMap<String, String>| p.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&real), keys(&ghost));
    // The normalised name, as a real user's username (not a UUID).
    assert_eq!(ghost["USER_ID_FOR_SRP"], "ghost");
    assert_eq!(ghost["USERNAME"], "ghost");
    assert_eq!(real["USER_ID_FOR_SRP"], "alice");
    for p in [&real, &ghost] {
        assert!(
            is_min_hex(&p["SALT"]) && p["SALT"].len() > 20,
            "{}",
            p["SALT"]
        );
        assert!(
            is_min_hex(&p["SRP_B"]) && p["SRP_B"].len() > 700,
            "{}",
            p["SRP_B"]
        );
    }
    assert!((real["SECRET_BLOCK"].len() as i64 - ghost["SECRET_BLOCK"].len() as i64).abs() < 16);
}

#[tokio::test]
async fn simulated_salt_is_stable_and_srp_b_fresh_like_a_real_users() {
    let h = Harness::new();
    let (_, client) = hiding_pool_and_alice(&h).await;
    for name in ["alice", "ghost"] {
        let (_, first) = h.srp_start(&client, name).await.unwrap();
        let (_, second) = h.srp_start(&client, name).await.unwrap();
        assert_eq!(first["SALT"], second["SALT"], "{name}: stable salt");
        assert_eq!(first["USER_ID_FOR_SRP"], second["USER_ID_FOR_SRP"]);
        assert_ne!(
            first["SRP_B"], second["SRP_B"],
            "{name}: a fresh b every time"
        );
    }
    let (_, ghost) = h.srp_start(&client, "ghost").await.unwrap();
    let (_, other) = h.srp_start(&client, "ghost2").await.unwrap();
    assert_ne!(ghost["SALT"], other["SALT"]);
}

#[tokio::test]
async fn simulated_salt_depends_on_the_pool() {
    let h = Harness::new();
    let (_, a) = hiding_pool_and_alice(&h).await;
    let (_, b) = hiding_pool_and_alice(&h).await;
    let (_, in_a) = h.srp_start(&a, "ghost").await.unwrap();
    let (_, in_b) = h.srp_start(&b, "ghost").await.unwrap();
    assert_ne!(in_a["SALT"], in_b["SALT"]);
}

#[tokio::test]
async fn email_sign_in_pool_gives_an_unknown_email_a_stable_uuid() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let client = h.hiding_client(&pool).await;
    let (_, first) = h.srp_start(&client, "nobody@example.com").await.unwrap();
    let (_, second) = h.srp_start(&client, "nobody@example.com").await.unwrap();
    assert!(uuid::Uuid::parse_str(&first["USER_ID_FOR_SRP"]).is_ok());
    assert_eq!(first["USER_ID_FOR_SRP"], second["USER_ID_FOR_SRP"]);
    assert_eq!(first["SALT"], second["SALT"]);
}

#[tokio::test]
async fn unknown_user_password_sign_in_is_incorrect_on_every_flow() {
    let h = Harness::new();
    let (pool, client) = hiding_pool_and_alice(&h).await;
    let err = error_of(h.password_sign_in(&client, "ghost", WRONG).await);
    assert_eq!(err, not_authorized(INCORRECT));
    let err = error_of(
        h.admin_password_sign_in(&pool, &client, "ghost", WRONG)
            .await,
    );
    assert_eq!(err, not_authorized(INCORRECT));
    let err = error_of(h.srp_sign_in(&pool, &client, "ghost", WRONG).await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn disabled_user_is_told_only_after_the_password_is_proven() {
    let h = Harness::new();
    let (pool, client) = hiding_pool_and_alice(&h).await;
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", false)
        .await
        .unwrap();
    for password in [WRONG, PASSWORD] {
        let expected = if password == WRONG {
            not_authorized(INCORRECT)
        } else {
            not_authorized("User is disabled.")
        };
        let err = error_of(h.password_sign_in(&client, "alice", password).await);
        assert_eq!(err, expected);
        // SRP round 1 answers like for anyone; round 2 decides.
        let err = error_of(h.srp_sign_in(&pool, &client, "alice", password).await);
        assert_eq!(err, expected);
    }
    // A proven password forgets the failures counted before the checks.
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", true)
        .await
        .unwrap();
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 0);
}

#[tokio::test]
async fn unconfirmed_user_is_told_only_after_the_password_is_proven() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.hiding_client(&pool).await;
    h.signed_up_user(&client, "carol", PASSWORD).await;
    let err = error_of(h.password_sign_in(&client, "carol", WRONG).await);
    assert_eq!(err, not_authorized(INCORRECT));
    let err = error_of(h.srp_sign_in(&pool, &client, "carol", WRONG).await);
    assert_eq!(err, not_authorized(INCORRECT));
    let err = error_of(h.password_sign_in(&client, "carol", PASSWORD).await);
    assert_eq!(err.type_name(), "UserNotConfirmedException");
    let err = error_of(h.srp_sign_in(&pool, &client, "carol", PASSWORD).await);
    assert_eq!(err.type_name(), "UserNotConfirmedException");
}

#[tokio::test]
async fn an_srp_answer_cannot_be_replayed() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let (srp, parameters) = h.srp_start(&client, "alice").await.unwrap();
    let timestamp = timestamp_now();
    let first = h
        .srp_prove(&pool, &client, &srp, &parameters, PASSWORD, &timestamp)
        .await;
    tokens_of(first.unwrap());
    let replay = h
        .srp_prove(&pool, &client, &srp, &parameters, PASSWORD, &timestamp)
        .await;
    assert_eq!(error_of(replay), not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn one_round_one_allows_a_single_guess() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let (srp, parameters) = h.srp_start(&client, "alice").await.unwrap();
    let wrong = h
        .srp_prove(&pool, &client, &srp, &parameters, WRONG, &timestamp_now())
        .await;
    assert_eq!(error_of(wrong), not_authorized(INCORRECT));
    let right = h
        .srp_prove(
            &pool,
            &client,
            &srp,
            &parameters,
            PASSWORD,
            &timestamp_now(),
        )
        .await;
    assert_eq!(error_of(right), not_authorized(SESSION_EXPIRED));
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 1);
    // A fresh round 1 still works.
    tokens_of(
        h.srp_sign_in(&pool, &client, "alice", PASSWORD)
            .await
            .unwrap(),
    );
}

#[tokio::test]
async fn a_simulated_block_is_single_use_too() {
    let h = Harness::new();
    let (pool, client) = hiding_pool_and_alice(&h).await;
    let (srp, parameters) = h.srp_start(&client, "ghost").await.unwrap();
    let timestamp = timestamp_now();
    let first = h
        .srp_prove(&pool, &client, &srp, &parameters, WRONG, &timestamp)
        .await;
    assert_eq!(error_of(first), not_authorized(INCORRECT));
    let again = h
        .srp_prove(&pool, &client, &srp, &parameters, WRONG, &timestamp)
        .await;
    assert_eq!(error_of(again), not_authorized(SESSION_EXPIRED));
}
