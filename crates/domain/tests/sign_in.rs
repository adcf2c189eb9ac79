//! Password sign-in (USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH): flows enabled per
//! client, callers, parameters, secrets and user-existence errors.

mod common;

use common::*;
use userpools_domain::DomainError;

#[tokio::test]
async fn password_sign_in_returns_tokens() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    assert!(tokens.refresh_token.is_some());
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.access_token.split('.').count(), 3);
}

#[tokio::test]
async fn admin_password_sign_in_returns_tokens() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let outcome = h
        .admin_password_sign_in(&pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
    assert!(tokens_of(outcome).refresh_token.is_some());
}

#[tokio::test]
async fn wrong_password_is_incorrect() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let err = error_of(h.password_sign_in(&client, "alice", OTHER_PASSWORD).await);
    assert_eq!(err, not_authorized(INCORRECT));
    assert_eq!(err.type_name(), "NotAuthorizedException");
}

#[tokio::test]
async fn unknown_user_is_user_not_found_by_default() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.password_sign_in(&client, "ghost", PASSWORD).await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn unknown_user_is_incorrect_when_existence_is_hidden() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.hiding_client(&pool).await;
    let err = error_of(h.password_sign_in(&client, "ghost", PASSWORD).await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn unconfirmed_user_is_reported_even_when_existence_is_hidden() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.hiding_client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(err.type_name(), "UserNotConfirmedException");
}

#[tokio::test]
async fn user_password_flow_must_be_enabled() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_with_flows(&pool, &["ALLOW_USER_SRP_AUTH"]).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(
        err,
        invalid_parameter("USER_PASSWORD_AUTH flow not enabled for this client")
    );
}

#[tokio::test]
async fn admin_password_flow_must_be_enabled() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_flows(&pool, &["ALLOW_USER_PASSWORD_AUTH"])
        .await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(
        h.admin_password_sign_in(&pool, &client, "alice", PASSWORD)
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Auth flow not enabled for this client")
    );
}

#[tokio::test]
async fn srp_flow_must_be_enabled() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_flows(&pool, &["ALLOW_USER_PASSWORD_AUTH"])
        .await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.srp_start(&client, "alice").await);
    assert_eq!(
        err,
        invalid_parameter("Auth flow not enabled for this client")
    );
}

#[tokio::test]
async fn admin_flow_through_the_client_api_is_not_supported() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(
        h.initiate(
            None,
            &client,
            "ADMIN_USER_PASSWORD_AUTH",
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Initiate Auth method not supported.")
    );
}

#[tokio::test]
async fn user_password_flow_through_the_admin_api_is_not_supported() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(
        h.initiate(
            Some(&pool),
            &client,
            "USER_PASSWORD_AUTH",
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Initiate Auth method not supported.")
    );
}

#[tokio::test]
async fn admin_caller_must_name_the_client_pool() {
    let h = Harness::new();
    let pool = h.pool().await;
    let other = h.pool().await;
    let client = h.client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(
        h.admin_password_sign_in(&other, &client, "alice", PASSWORD)
            .await,
    );
    assert_eq!(
        err,
        DomainError::ResourceNotFound(format!(
            "User pool client {} does not exist.",
            client.client_id
        ))
    );
}

#[tokio::test]
async fn unknown_client_is_resource_not_found() {
    let h = Harness::new();
    let pool = h.pool().await;
    let mut client = h.client(&pool).await;
    client.client_id = "nosuchclient0000000000000a".into();
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(
        err,
        DomainError::ResourceNotFound(
            "User pool client nosuchclient0000000000000a does not exist.".into()
        )
    );
}

#[tokio::test]
async fn missing_username_and_password_are_named() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let no_user = error_of(
        h.initiate(
            None,
            &client,
            "USER_PASSWORD_AUTH",
            &[("PASSWORD", PASSWORD)],
        )
        .await,
    );
    assert_eq!(no_user, missing("USERNAME"));
    let no_password = error_of(
        h.initiate(
            None,
            &client,
            "USER_PASSWORD_AUTH",
            &[("USERNAME", "alice")],
        )
        .await,
    );
    assert_eq!(no_password, missing("PASSWORD"));
}

#[tokio::test]
async fn custom_auth_needs_a_trigger() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_with_flows(&pool, &["ALLOW_CUSTOM_AUTH"]).await;
    let err = error_of(
        h.initiate(None, &client, "CUSTOM_AUTH", &[("USERNAME", "alice")])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Custom auth lambda trigger is not configured for the user pool.")
    );
}

#[tokio::test]
async fn user_auth_flow_is_not_supported_yet() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_with_flows(&pool, &["ALLOW_USER_AUTH"]).await;
    let err = error_of(
        h.initiate(None, &client, "USER_AUTH", &[("USERNAME", "alice")])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("The USER_AUTH flow is not supported by userpools yet.")
    );
}

#[tokio::test]
async fn custom_auth_is_not_enabled() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.initiate(None, &client, "CUSTOM_AUTH", &[]).await);
    assert_eq!(
        err,
        invalid_parameter("Auth flow not enabled for this client")
    );
}

#[tokio::test]
async fn legacy_user_password_flow_is_honoured() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_with_flows(&pool, &["USER_PASSWORD_AUTH"]).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    h.sign_in(&client, "alice", PASSWORD).await;
}

#[tokio::test]
async fn legacy_admin_no_srp_flow_allows_admin_password_sign_in() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_with_flows(&pool, &["ADMIN_NO_SRP_AUTH"]).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let by_new_name = h
        .admin_password_sign_in(&pool, &client, "alice", PASSWORD)
        .await
        .unwrap();
    tokens_of(by_new_name);
    let by_old_name = h
        .initiate(
            Some(&pool),
            &client,
            "ADMIN_NO_SRP_AUTH",
            &[("USERNAME", "alice"), ("PASSWORD", PASSWORD)],
        )
        .await
        .unwrap();
    tokens_of(by_old_name);
}

#[tokio::test]
async fn legacy_clients_keep_srp_and_refresh() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_with_flows(&pool, &["ADMIN_NO_SRP_AUTH"]).await;
    let user = h.confirmed_user(&pool, "alice", PASSWORD).await;
    tokens_of(
        h.srp_sign_in(&pool, &client, "alice", PASSWORD)
            .await
            .unwrap(),
    );
    let tokens = tokens_of(
        h.admin_password_sign_in(&pool, &client, &user.username, PASSWORD)
            .await
            .unwrap(),
    );
    h.refresh(&client, tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn secret_client_requires_the_secret_hash() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, _) = h.secret_client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(
        err,
        not_authorized(&format!(
            "Client {} is configured for secret but secret was not received",
            client.client_id
        ))
    );
}

#[tokio::test]
async fn secret_hash_must_match_the_username() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, secret) = h.secret_client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let hash = userpools_domain::srp::secret_hash(&secret, "bob", &client.client_id);
    let err = error_of(
        h.initiate(
            None,
            &client,
            "USER_PASSWORD_AUTH",
            &[
                ("USERNAME", "alice"),
                ("PASSWORD", PASSWORD),
                ("SECRET_HASH", &hash),
            ],
        )
        .await,
    );
    assert_eq!(
        err,
        not_authorized(&format!(
            "Unable to verify secret hash for client {}",
            client.client_id
        ))
    );
}

#[tokio::test]
async fn correct_secret_hash_signs_in() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, secret) = h.secret_client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let outcome = h
        .secret_sign_in(&client, &secret, "alice", PASSWORD)
        .await
        .unwrap();
    tokens_of(outcome);
}

#[tokio::test]
async fn a_client_of_one_pool_does_not_see_users_of_another() {
    let h = Harness::new();
    let pool = h.pool().await;
    let other = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let client = h.client(&other).await;
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(err, user_not_found());
}
