//! SRP sign-in (USER_SRP_AUTH, then PASSWORD_VERIFIER) with an independent client.

mod common;

use common::srp_client::{prime_hex, timestamp_now};
use common::*;
use userpools_domain::auth::AuthOutcome;
use userpools_domain::DomainResult;

#[tokio::test]
async fn srp_sign_in_returns_tokens() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let outcome = h
        .srp_sign_in(&pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
    let tokens = tokens_of(outcome);
    let claims = h.access_claims(&pool, &tokens).await;
    assert_eq!(claims["username"], "alice");
}

#[tokio::test]
async fn round_one_parameters() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let (_, parameters) = h.srp_start(&client, "alice").await.unwrap();
    let names: Vec<&str> = parameters.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "SALT",
            "SECRET_BLOCK",
            "SRP_B",
            "USERNAME",
            "USER_ID_FOR_SRP"
        ]
    );
    assert_eq!(parameters["USER_ID_FOR_SRP"], "alice");
    assert_eq!(parameters["USERNAME"], "alice");
    assert!(parameters["SRP_B"].chars().all(|c| c.is_ascii_hexdigit()));
}

#[tokio::test]
async fn wrong_password_is_incorrect() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let err = error_of(h.srp_sign_in(&pool, &client, "alice", OTHER_PASSWORD).await);
    assert_eq!(err, not_authorized(INCORRECT));
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 1);
}

#[tokio::test]
async fn email_username_signs_in_with_the_sub_as_srp_id() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let client = h.client(&pool).await;
    let user = h.confirmed_user(&pool, "alice@example.com", PASSWORD).await;
    let (srp, parameters) = h.srp_start(&client, "alice@example.com").await.unwrap();
    assert_eq!(parameters["USER_ID_FOR_SRP"], user.username);
    let outcome = h
        .srp_prove(
            &pool,
            &client,
            &srp,
            &parameters,
            PASSWORD,
            &timestamp_now(),
        )
        .await
        .unwrap();
    tokens_of(outcome);
}

#[tokio::test]
async fn temporary_password_leads_to_new_password_required() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let outcome = h
        .srp_sign_in(&pool, &client, "bob", TEMP_PASSWORD)
        .await
        .unwrap();
    let (session, _) = challenge_of(outcome, "NEW_PASSWORD_REQUIRED");
    let answer = h
        .respond_new_password(&client, "bob", session.as_deref(), PASSWORD, &[])
        .await
        .unwrap();
    tokens_of(answer);
}

#[tokio::test]
async fn srp_a_of_zero_is_invalid() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    for srp_a in ["0", prime_hex()] {
        let err = error_of(
            h.initiate(
                None,
                &client,
                "USER_SRP_AUTH",
                &[("USERNAME", "alice"), ("SRP_A", srp_a)],
            )
            .await,
        );
        assert_eq!(err, invalid_parameter("Invalid SRP_A value."));
    }
}

#[tokio::test]
async fn missing_srp_a_is_named() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(
        h.initiate(None, &client, "USER_SRP_AUTH", &[("USERNAME", "alice")])
            .await,
    );
    assert_eq!(err, missing("SRP_A"));
}

#[tokio::test]
async fn unknown_user_is_user_not_found_by_default() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.srp_start(&client, "ghost").await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn unknown_user_gets_a_simulated_challenge_when_existence_is_hidden() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.hiding_client(&pool).await;
    let (_, first) = h.srp_start(&client, "ghost").await.unwrap();
    let (_, second) = h.srp_start(&client, "ghost").await.unwrap();
    assert_eq!(first["SALT"], second["SALT"], "stable simulated salt");
    assert_eq!(first["USER_ID_FOR_SRP"], second["USER_ID_FOR_SRP"]);
    // Like a real user's: the (normalised) name given (issue 12 item 2).
    assert_eq!(first["USER_ID_FOR_SRP"], "ghost");
    let err = error_of(h.srp_sign_in(&pool, &client, "ghost", PASSWORD).await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn federated_user_cannot_complete_srp() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.svc
        .create_federated_user(&pool.id, "Google", "42", &[])
        .await
        .unwrap();
    let err = error_of(h.srp_sign_in(&pool, &client, "Google_42", "").await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn unconfirmed_user_is_refused_in_round_one() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    let err = error_of(h.srp_start(&client, "alice").await);
    assert_eq!(err.type_name(), "UserNotConfirmedException");
}

#[tokio::test]
async fn disabled_user_is_refused_in_round_one() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", false)
        .await
        .unwrap();
    let err = error_of(h.srp_start(&client, "alice").await);
    assert_eq!(err, not_authorized("User is disabled."));
}

/// Round 1 for alice, then round 2 with `timestamp` after `advance` seconds.
async fn prove_later(h: &Harness, advance: i64, timestamp: &str) -> DomainResult<AuthOutcome> {
    let (pool, client) = h.pool_client_and_alice().await;
    let (srp, parameters) = h.srp_start(&client, "alice").await.unwrap();
    h.clock.advance(advance).unwrap();
    h.srp_prove(&pool, &client, &srp, &parameters, PASSWORD, timestamp)
        .await
}

#[tokio::test]
async fn round_two_within_five_minutes_succeeds() {
    let h = Harness::new();
    tokens_of(prove_later(&h, 4 * 60, &timestamp_now()).await.unwrap());
}

#[tokio::test]
async fn round_two_after_five_minutes_is_expired() {
    let h = Harness::new();
    let err = error_of(prove_later(&h, 5 * 60 + 2, &timestamp_now()).await);
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn malformed_timestamp_is_invalid() {
    let h = Harness::new();
    let err = error_of(prove_later(&h, 0, "2024-11-05T09:03:04Z").await);
    assert_eq!(
        err,
        invalid_parameter("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
    );
}

#[tokio::test]
async fn a_timestamp_far_from_real_time_is_incorrect() {
    let h = Harness::new();
    let err = error_of(prove_later(&h, 0, "Tue Nov 5 09:03:04 UTC 2024").await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn the_timestamp_is_checked_against_real_time_not_the_test_clock() {
    let h = Harness::new();
    // The service clock moves two minutes; the client stamps real time.
    tokens_of(prove_later(&h, 120, &timestamp_now()).await.unwrap());
}

#[tokio::test]
async fn a_tampered_secret_block_is_incorrect() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let (srp, mut parameters) = h.srp_start(&client, "alice").await.unwrap();
    let block = parameters["SECRET_BLOCK"].clone();
    let flipped = if block.starts_with('A') { "B" } else { "A" };
    parameters.insert("SECRET_BLOCK".into(), format!("{flipped}{}", &block[1..]));
    let err = error_of(
        h.srp_prove(
            &pool,
            &client,
            &srp,
            &parameters,
            PASSWORD,
            &timestamp_now(),
        )
        .await,
    );
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn a_secret_block_of_another_client_is_incorrect() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let other = h.client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let (srp, parameters) = h.srp_start(&client, "alice").await.unwrap();
    let err = error_of(
        h.srp_prove(&pool, &other, &srp, &parameters, PASSWORD, &timestamp_now())
            .await,
    );
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn a_secret_block_for_another_user_is_incorrect() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    let (srp, mut parameters) = h.srp_start(&client, "alice").await.unwrap();
    parameters.insert("USERNAME".into(), "bob".into());
    let err = error_of(
        h.srp_prove(
            &pool,
            &client,
            &srp,
            &parameters,
            PASSWORD,
            &timestamp_now(),
        )
        .await,
    );
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn missing_round_two_answers_are_named() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let now = timestamp_now();
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("USERNAME", "alice")], "PASSWORD_CLAIM_SECRET_BLOCK"),
        (
            &[("USERNAME", "alice"), ("PASSWORD_CLAIM_SECRET_BLOCK", "x")],
            "PASSWORD_CLAIM_SIGNATURE",
        ),
        (
            &[
                ("USERNAME", "alice"),
                ("PASSWORD_CLAIM_SECRET_BLOCK", "x"),
                ("PASSWORD_CLAIM_SIGNATURE", "y"),
            ],
            "TIMESTAMP",
        ),
    ];
    for (responses, name) in cases {
        let err = error_of(h.srp_answer(&client, responses).await);
        assert_eq!(err, missing(name));
    }
    let garbage = error_of(
        h.srp_answer(
            &client,
            &[
                ("USERNAME", "alice"),
                ("PASSWORD_CLAIM_SECRET_BLOCK", "x"),
                ("PASSWORD_CLAIM_SIGNATURE", "y"),
                ("TIMESTAMP", &now),
            ],
        )
        .await,
    );
    assert_eq!(garbage, not_authorized(INCORRECT));
}
