//! ID and access tokens: signatures, claims, validity, and access-token authentication.

mod common;

use common::*;
use userpools_domain::tokens::{self, TokenUse};

#[tokio::test]
async fn tokens_verify_with_their_own_key_only() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let keys = h.svc.signing_keys(&pool.id).await.unwrap();
    assert!(tokens::verify_jwt(&keys, TokenUse::Access, &tokens.access_token).is_some());
    assert!(tokens::verify_jwt(&keys, TokenUse::Id, &tokens.id_token).is_some());
    assert!(tokens::verify_jwt(&keys, TokenUse::Id, &tokens.access_token).is_none());
    assert!(tokens::verify_jwt(&keys, TokenUse::Access, &tokens.id_token).is_none());
}

#[tokio::test]
async fn access_token_claims() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let user = h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let claims = h.access_claims(&pool, &tokens).await;
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["iss"], format!("{ISSUER_BASE}/{}", pool.id));
    assert_eq!(claims["client_id"], client.client_id);
    assert_eq!(claims["username"], "alice");
    assert_eq!(claims["sub"], user.sub());
    assert_eq!(claims["scope"], "aws.cognito.signin.user.admin");
    assert!(claims.get("aud").is_none());
}

#[tokio::test]
async fn id_token_claims() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let attributes = [("email", "alice@example.com"), ("email_verified", "true")];
    let user = h
        .confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let claims = h.id_claims(&pool, &tokens).await;
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["aud"], client.client_id);
    assert_eq!(claims["cognito:username"], "alice");
    assert_eq!(claims["sub"], user.sub());
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["email_verified"], true, "a boolean, not a string");
    assert_eq!(claims["iss"], format!("{ISSUER_BASE}/{}", pool.id));
}

#[tokio::test]
async fn expiry_follows_the_client_validity() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_validity(&pool, (5, "minutes"), (2, "hours"), (1, "days"))
        .await
        .unwrap();
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    assert_eq!(tokens.expires_in, 300);
    let access = h.access_claims(&pool, &tokens).await;
    let id = h.id_claims(&pool, &tokens).await;
    let iat = access["iat"].as_i64().unwrap();
    assert_eq!(access["exp"].as_i64().unwrap() - iat, 300);
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        7200
    );
}

#[tokio::test]
async fn issue_time_comes_from_the_service_clock() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.clock.advance(10 * 86_400).unwrap();
    let before = h.now_secs();
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let claims = h.access_claims(&pool, &tokens).await;
    let iat = claims["iat"].as_i64().unwrap();
    assert!((before..=h.now_secs()).contains(&iat), "{iat}");
    assert_eq!(claims["auth_time"].as_i64().unwrap(), iat);
}

#[tokio::test]
async fn both_tokens_share_origin_jti_but_not_jti() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let access = h.access_claims(&pool, &tokens).await;
    let id = h.id_claims(&pool, &tokens).await;
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_ne!(access["jti"], id["jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
}

#[tokio::test]
async fn each_sign_in_has_its_own_origin_jti() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let first = h.sign_in(&client, "alice", PASSWORD).await;
    let second = h.sign_in(&client, "alice", PASSWORD).await;
    let a = h.access_claims(&pool, &first).await;
    let b = h.access_claims(&pool, &second).await;
    assert_ne!(a["origin_jti"], b["origin_jti"]);
    assert_eq!(h.get_user(&pool, "alice").await.sessions.len(), 2);
}

#[tokio::test]
async fn header_kid_is_published_in_the_jwks() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let keys = h.svc.signing_keys(&pool.id).await.unwrap();
    let jwks = h.svc.jwks(&pool.id).await.unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [keys.kid(TokenUse::Id), keys.kid(TokenUse::Access)]);
    use base64::Engine as _;
    let header = tokens.access_token.split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], keys.kid(TokenUse::Access));
}

#[tokio::test]
async fn read_attributes_limit_the_id_token() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_permissions(&pool, "ReadAttributes", &["email"])
        .await;
    let attributes = [("email", "alice@example.com"), ("name", "Alice")];
    let user = h
        .confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let claims = h.id_claims(&pool, &tokens).await;
    assert_eq!(claims["email"], "alice@example.com");
    assert!(claims.get("name").is_none());
    assert_eq!(claims["sub"], user.sub(), "sub is always there");
}

#[tokio::test]
async fn alias_sign_in_names_the_internal_username() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let client = h.client(&pool).await;
    let user = h.confirmed_user(&pool, "alice@example.com", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice@example.com", PASSWORD).await;
    let id = h.id_claims(&pool, &tokens).await;
    assert_eq!(id["cognito:username"], user.username);
    let access = h.access_claims(&pool, &tokens).await;
    assert_eq!(access["username"], user.username);
}

#[tokio::test]
async fn access_token_authenticates_get_user() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let user = h.svc.get_user(&tokens.access_token).await.unwrap();
    assert_eq!(user.username, "alice");
    let (found_pool, _, client_id) = h
        .svc
        .authenticate_access_token(&tokens.access_token)
        .await
        .unwrap();
    assert_eq!(found_pool.id, pool.id);
    assert_eq!(client_id, client.client_id);
}

#[tokio::test]
async fn expired_access_token_is_refused() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.clock.advance(3601).unwrap();
    let err = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(err, not_authorized("Access Token has expired"));
}

#[tokio::test]
async fn access_token_is_valid_until_it_expires() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.clock.advance(3500).unwrap();
    h.svc.get_user(&tokens.access_token).await.unwrap();
}

#[tokio::test]
async fn id_token_is_not_an_access_token() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(h.svc.get_user(&tokens.id_token).await);
    assert_eq!(err, not_authorized("Invalid Access Token"));
}

#[tokio::test]
async fn tampered_access_token_is_invalid() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.confirmed_user(&pool, "mallory", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = tokens.access_token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["username"] = "mallory".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    let err = error_of(h.svc.get_user(&forged).await);
    assert_eq!(err, not_authorized("Invalid Access Token"));
    let garbage = error_of(h.svc.get_user("not-a-token").await);
    assert_eq!(garbage, not_authorized("Invalid Access Token"));
}

#[tokio::test]
async fn token_of_a_deleted_pool_is_invalid() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc.delete_pool(&pool.id).await.unwrap();
    let err = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(err, not_authorized("Invalid Access Token"));
}

#[tokio::test]
async fn token_of_a_deleted_user_is_refused() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc.admin_delete_user(&pool.id, "alice").await.unwrap();
    let err = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(err, not_authorized("User does not exist."));
}

#[tokio::test]
async fn token_of_a_disabled_user_is_refused() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", false)
        .await
        .unwrap();
    let err = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(err, not_authorized("User is disabled."));
}

#[tokio::test]
async fn a_recreated_user_does_not_inherit_tokens() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc.admin_delete_user(&pool.id, "alice").await.unwrap();
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(err, not_authorized("Access Token has been revoked"));
}
