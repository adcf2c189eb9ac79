//! REFRESH_TOKEN_AUTH: new ID and access tokens for the same session.

mod common;

use common::*;

const DAY: i64 = 86_400;

#[tokio::test]
async fn refresh_returns_new_tokens_of_the_same_session() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let refreshed = h
        .refresh(&client, tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    assert!(refreshed.refresh_token.is_none());
    assert_eq!(refreshed.expires_in, 3600);
    let before = h.access_claims(&pool, &tokens).await;
    let after = h.access_claims(&pool, &refreshed).await;
    assert_eq!(before["origin_jti"], after["origin_jti"]);
    assert_ne!(before["jti"], after["jti"]);
    assert_eq!(after["username"], "alice");
    let id = h.id_claims(&pool, &refreshed).await;
    assert_eq!(id["aud"], client.client_id);
}

#[tokio::test]
async fn refresh_keeps_auth_time_and_moves_iat() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let first = h.access_claims(&pool, &tokens).await;
    h.clock.advance(2 * DAY).unwrap();
    let refreshed = h
        .refresh(&client, tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    let second = h.access_claims(&pool, &refreshed).await;
    assert_eq!(second["auth_time"], first["auth_time"]);
    let moved = second["iat"].as_i64().unwrap() - first["iat"].as_i64().unwrap();
    assert!(moved >= 2 * DAY, "{moved}");
}

#[tokio::test]
async fn refreshed_access_token_works() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.clock.advance(2 * 3600).unwrap();
    let refreshed = h
        .refresh(&client, tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    h.svc.get_user(&refreshed.access_token).await.unwrap();
}

#[tokio::test]
async fn refresh_token_expires_after_thirty_days() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let refresh = tokens.refresh_token.unwrap();
    h.clock.advance(30 * DAY - 600).unwrap();
    h.refresh(&client, &refresh).await.unwrap();
    h.clock.advance(601).unwrap();
    let err = error_of(h.refresh(&client, &refresh).await);
    assert_eq!(err, not_authorized("Refresh Token has expired"));
}

#[tokio::test]
async fn refresh_validity_follows_the_client() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_validity(&pool, (5, "minutes"), (5, "minutes"), (1, "hours"))
        .await
        .unwrap();
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.clock.advance(3601).unwrap();
    let err = error_of(
        h.refresh(&client, tokens.refresh_token.as_deref().unwrap())
            .await,
    );
    assert_eq!(err, not_authorized("Refresh Token has expired"));
}

#[tokio::test]
async fn garbled_refresh_token_is_invalid() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.refresh(&client, "garbage.token").await);
    assert_eq!(err, not_authorized("Invalid Refresh Token."));
}

#[tokio::test]
async fn refresh_token_of_another_client_is_invalid() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let other = h.client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.refresh(&other, tokens.refresh_token.as_deref().unwrap())
            .await,
    );
    assert_eq!(err, not_authorized("Invalid Refresh Token."));
}

#[tokio::test]
async fn missing_refresh_token_is_named() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.refresh_with(&client, &[]).await);
    assert_eq!(err, missing("REFRESH_TOKEN"));
}

#[tokio::test]
async fn refresh_token_flow_name_is_accepted() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let refresh = tokens.refresh_token.unwrap();
    let outcome = h
        .initiate(
            None,
            &client,
            "REFRESH_TOKEN",
            &[("REFRESH_TOKEN", &refresh)],
        )
        .await
        .unwrap();
    tokens_of(outcome);
}

#[tokio::test]
async fn refresh_flow_must_be_enabled() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_flows(&pool, &["ALLOW_USER_PASSWORD_AUTH"])
        .await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.refresh(&client, tokens.refresh_token.as_deref().unwrap())
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Auth flow not enabled for this client")
    );
}

#[tokio::test]
async fn refresh_for_a_disabled_user_is_refused() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", false)
        .await
        .unwrap();
    let err = error_of(
        h.refresh(&client, tokens.refresh_token.as_deref().unwrap())
            .await,
    );
    assert_eq!(err, not_authorized("User is disabled."));
}

#[tokio::test]
async fn refresh_for_a_deleted_user_is_refused() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc.admin_delete_user(&pool.id, "alice").await.unwrap();
    let err = error_of(
        h.refresh(&client, tokens.refresh_token.as_deref().unwrap())
            .await,
    );
    assert_eq!(err, not_authorized("User does not exist."));
}

#[tokio::test]
async fn secret_client_refresh_needs_the_secret_hash() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, secret) = h.secret_client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let outcome = h
        .secret_sign_in(&client, &secret, "alice", PASSWORD)
        .await
        .unwrap();
    let refresh = tokens_of(outcome).refresh_token.unwrap();
    let hash = userpools_domain::srp::secret_hash(&secret, "alice", &client.client_id);
    let without = error_of(h.refresh(&client, &refresh).await);
    assert_eq!(
        without,
        not_authorized(&format!(
            "Client {} is configured for secret but secret was not received",
            client.client_id
        ))
    );
    let wrong = userpools_domain::srp::secret_hash(&secret, "bob", &client.client_id);
    let mismatch = error_of(
        h.refresh_with(
            &client,
            &[("REFRESH_TOKEN", &refresh), ("SECRET_HASH", &wrong)],
        )
        .await,
    );
    assert_eq!(
        mismatch,
        not_authorized(&format!(
            "SecretHash does not match for the client: {}",
            client.client_id
        ))
    );
    h.refresh_with(
        &client,
        &[("REFRESH_TOKEN", &refresh), ("SECRET_HASH", &hash)],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn refresh_after_a_password_change_still_works() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.set_password(&pool, "alice", OTHER_PASSWORD, true)
        .await
        .unwrap();
    h.refresh(&client, tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
}
