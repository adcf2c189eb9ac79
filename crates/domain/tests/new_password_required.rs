//! The NEW_PASSWORD_REQUIRED challenge: its parameters, its single-use session, and
//! the required attributes supplied with the answer.

mod common;

use common::*;
use userpools_domain::model::UserStatus;

#[tokio::test]
async fn challenge_parameters_describe_the_user() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.create_user(&pool, "bob", &[("name", "Bob")], Some(TEMP_PASSWORD))
        .await
        .unwrap();
    let (_, parameters) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    assert_eq!(parameters["USER_ID_FOR_SRP"], "bob");
    assert_eq!(parameters["requiredAttributes"], "[]");
    let attributes: serde_json::Value =
        serde_json::from_str(&parameters["userAttributes"]).unwrap();
    assert_eq!(attributes, serde_json::json!({ "name": "Bob" }), "no sub");
}

#[tokio::test]
async fn missing_required_attributes_are_listed() {
    let h = Harness::new();
    let pool = h.pool_requiring("email").await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let (_, parameters) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    assert_eq!(
        parameters["requiredAttributes"],
        r#"["userAttributes.email"]"#
    );
}

#[tokio::test]
async fn answering_confirms_and_signs_in() {
    let h = Harness::new();
    let (pool, client, session) = h.bob_at_new_password().await;
    let outcome = h
        .respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
        .await
        .unwrap();
    assert!(tokens_of(outcome).refresh_token.is_some());
    let user = h.get_user(&pool, "bob").await;
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.temporary_password_expires_ms, None);
    h.sign_in(&client, "bob", PASSWORD).await;
    let old = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
    assert_eq!(old, not_authorized(INCORRECT));
}

#[tokio::test]
async fn admin_respond_answers_too() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let outcome = h
        .admin_password_sign_in(&pool, &client, "bob", TEMP_PASSWORD)
        .await
        .unwrap();
    let (session, _) = challenge_of(outcome, "NEW_PASSWORD_REQUIRED");
    let answer = h
        .respond(
            Some(&pool),
            &client,
            "NEW_PASSWORD_REQUIRED",
            session.as_deref(),
            &[("USERNAME", "bob"), ("NEW_PASSWORD", PASSWORD)],
        )
        .await
        .unwrap();
    tokens_of(answer);
}

#[tokio::test]
async fn the_session_is_single_use() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
        .await
        .unwrap();
    let replay = error_of(
        h.respond_new_password(&client, "bob", Some(&session), OTHER_PASSWORD, &[])
            .await,
    );
    assert_eq!(replay, not_authorized(SESSION_EXPIRED));
    h.sign_in(&client, "bob", PASSWORD).await;
}

#[tokio::test]
async fn the_session_expires_with_the_auth_session_validity() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    h.clock.advance(3 * 60 + 1).unwrap();
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn the_session_is_valid_within_the_auth_session_validity() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    h.clock.advance(2 * 60).unwrap();
    let outcome = h
        .respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
        .await
        .unwrap();
    tokens_of(outcome);
}

#[tokio::test]
async fn a_session_belongs_to_its_client() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let other = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    let err = error_of(
        h.respond_new_password(&other, "bob", Some(&session), PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn a_session_belongs_to_its_user() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.temp_user(&pool, "carol", TEMP_PASSWORD).await;
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    let err = error_of(
        h.respond_new_password(&client, "carol", Some(&session), PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
    assert_eq!(
        h.status(&pool, "carol").await,
        UserStatus::ForceChangePassword
    );
}

#[tokio::test]
async fn a_garbled_session_is_expired() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(
        h.respond_new_password(&client, "bob", Some("bm90LWEtc2Vzc2lvbg"), PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn a_missing_session_is_named() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(
        h.respond_new_password(&client, "bob", None, PASSWORD, &[])
            .await,
    );
    assert_eq!(err, missing("Session"));
}

#[tokio::test]
async fn missing_answers_are_named() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    let no_password = error_of(
        h.respond(
            None,
            &client,
            "NEW_PASSWORD_REQUIRED",
            Some(&session),
            &[("USERNAME", "bob")],
        )
        .await,
    );
    assert_eq!(no_password, missing("NEW_PASSWORD"));
    let no_username = error_of(
        h.respond(
            None,
            &client,
            "NEW_PASSWORD_REQUIRED",
            Some(&session),
            &[("NEW_PASSWORD", PASSWORD)],
        )
        .await,
    );
    assert_eq!(no_username, missing("USERNAME"));
}

#[tokio::test]
async fn an_admin_password_reset_kills_the_session() {
    let h = Harness::new();
    let (pool, client, session) = h.bob_at_new_password().await;
    h.set_password(&pool, "bob", "An0ther!temp", false)
        .await
        .unwrap();
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn a_confirmed_user_cannot_answer() {
    let h = Harness::new();
    let (pool, client, session) = h.bob_at_new_password().await;
    h.set_password(&pool, "bob", PASSWORD, true).await.unwrap();
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), OTHER_PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized(SESSION_EXPIRED));
}

#[tokio::test]
async fn a_disabled_user_cannot_answer() {
    let h = Harness::new();
    let (pool, client, session) = h.bob_at_new_password().await;
    h.svc
        .admin_set_user_enabled(&pool.id, "bob", false)
        .await
        .unwrap();
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
            .await,
    );
    assert_eq!(err, not_authorized("User is disabled."));
}

#[tokio::test]
async fn required_attribute_must_be_supplied() {
    let h = Harness::new();
    let pool = h.pool_requiring("email").await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Invalid attributes given, email is missing")
    );
    assert_eq!(
        h.status(&pool, "bob").await,
        UserStatus::ForceChangePassword
    );
}

#[tokio::test]
async fn supplied_required_attribute_is_stored() {
    let h = Harness::new();
    let pool = h.pool_requiring("email").await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    h.respond_new_password(
        &client,
        "bob",
        Some(&session),
        PASSWORD,
        &[("email", "bob@example.com")],
    )
    .await
    .unwrap();
    let user = h.get_user(&pool, "bob").await;
    assert_eq!(user.attribute("email"), Some("bob@example.com"));
}

#[tokio::test]
async fn a_provided_required_attribute_cannot_be_changed() {
    let h = Harness::new();
    let pool = h.pool_requiring("email").await;
    let client = h.client(&pool).await;
    h.create_user(
        &pool,
        "bob",
        &[("email", "bob@example.com")],
        Some(TEMP_PASSWORD),
    )
    .await
    .unwrap();
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    let err = error_of(
        h.respond_new_password(
            &client,
            "bob",
            Some(&session),
            PASSWORD,
            &[("email", "new@example.com")],
        )
        .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Cannot modify an already provided required attribute: email")
    );
}

#[tokio::test]
async fn answered_attributes_are_checked_against_the_schema() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[("shoe", "9")])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Attributes did not conform to the schema: shoe: Attribute does not exist in the schema.")
    );
}

#[tokio::test]
async fn a_refused_answer_keeps_the_session_usable() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    error_of(
        h.respond_new_password(&client, "bob", Some(&session), "weak", &[])
            .await,
    );
    let outcome = h
        .respond_new_password(&client, "bob", Some(&session), PASSWORD, &[])
        .await
        .unwrap();
    tokens_of(outcome);
}

#[tokio::test]
async fn unsupported_challenges_are_named() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(
        h.respond(None, &client, "SMS_MFA", None, &[("USERNAME", "bob")])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("The SMS_MFA challenge is not supported by userpools yet.")
    );
}
