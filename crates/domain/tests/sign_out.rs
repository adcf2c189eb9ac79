//! Ending sessions (GlobalSignOut, AdminUserGlobalSignOut, RevokeToken) and the other
//! access-token operations (ChangePassword, DeleteUser).

mod common;

use common::*;
use userpools_domain::auth::AuthTokens;
use userpools_domain::model::{AppClient, UserPool};
use userpools_domain::DomainError;

async fn signed_in(h: &Harness) -> (UserPool, AppClient, AuthTokens) {
    let (pool, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    (pool, client, tokens)
}

fn refresh_of(tokens: &AuthTokens) -> &str {
    tokens.refresh_token.as_deref().unwrap()
}

#[tokio::test]
async fn global_sign_out_revokes_refresh_tokens() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    h.svc.global_sign_out(&tokens.access_token).await.unwrap();
    let err = error_of(h.refresh(&client, refresh_of(&tokens)).await);
    assert_eq!(err, not_authorized("Refresh Token has been revoked"));
}

#[tokio::test]
async fn global_sign_out_revokes_access_tokens() {
    let h = Harness::new();
    let (_, _, tokens) = signed_in(&h).await;
    h.svc.global_sign_out(&tokens.access_token).await.unwrap();
    let err = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(err, not_authorized("Access Token has been revoked"));
}

#[tokio::test]
async fn global_sign_out_ends_every_session() {
    let h = Harness::new();
    let (pool, client, first) = signed_in(&h).await;
    let second = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc.global_sign_out(&first.access_token).await.unwrap();
    let err = error_of(h.refresh(&client, refresh_of(&second)).await);
    assert_eq!(err, not_authorized("Refresh Token has been revoked"));
    assert!(h.get_user(&pool, "alice").await.sessions.is_empty());
}

#[tokio::test]
async fn signing_in_again_after_sign_out_works() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    h.svc.global_sign_out(&tokens.access_token).await.unwrap();
    let fresh = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc.get_user(&fresh.access_token).await.unwrap();
    h.refresh(&client, refresh_of(&fresh)).await.unwrap();
}

#[tokio::test]
async fn admin_global_sign_out_revokes_everything() {
    let h = Harness::new();
    let (pool, client, tokens) = signed_in(&h).await;
    h.svc
        .admin_user_global_sign_out(&pool.id, "alice")
        .await
        .unwrap();
    let access = error_of(h.svc.get_user(&tokens.access_token).await);
    assert_eq!(access, not_authorized("Access Token has been revoked"));
    let refresh = error_of(h.refresh(&client, refresh_of(&tokens)).await);
    assert_eq!(refresh, not_authorized("Refresh Token has been revoked"));
}

#[tokio::test]
async fn admin_global_sign_out_of_unknown_user() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.svc.admin_user_global_sign_out(&pool.id, "ghost").await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn global_sign_out_leaves_other_users_alone() {
    let h = Harness::new();
    let (pool, client, tokens) = signed_in(&h).await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    let bob = h.sign_in(&client, "bob", PASSWORD).await;
    h.svc.global_sign_out(&tokens.access_token).await.unwrap();
    h.svc.get_user(&bob.access_token).await.unwrap();
}

#[tokio::test]
async fn revoke_token_ends_only_its_session() {
    let h = Harness::new();
    let (_, client, first) = signed_in(&h).await;
    let second = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc
        .revoke_token(refresh_of(&first), &client.client_id, None)
        .await
        .unwrap();
    let err = error_of(h.refresh(&client, refresh_of(&first)).await);
    assert_eq!(err, not_authorized("Refresh Token has been revoked"));
    let access = error_of(h.svc.get_user(&first.access_token).await);
    assert_eq!(access, not_authorized("Access Token has been revoked"));
    h.refresh(&client, refresh_of(&second)).await.unwrap();
    h.svc.get_user(&second.access_token).await.unwrap();
}

#[tokio::test]
async fn revoking_twice_is_fine() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    for _ in 0..2 {
        h.svc
            .revoke_token(refresh_of(&tokens), &client.client_id, None)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn revoke_needs_revocation_enabled() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client_without_revocation(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .revoke_token(refresh_of(&tokens), &client.client_id, None)
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Token revocation is not enabled for this client.")
    );
}

#[tokio::test]
async fn only_refresh_tokens_can_be_revoked() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    let err = error_of(
        h.svc
            .revoke_token(&tokens.access_token, &client.client_id, None)
            .await,
    );
    assert_eq!(
        err,
        DomainError::UnsupportedTokenType("The token type is not supported.".into())
    );
}

#[tokio::test]
async fn revoke_through_another_client_is_refused() {
    let h = Harness::new();
    let (pool, client, tokens) = signed_in(&h).await;
    let other = h.client(&pool).await;
    let err = error_of(
        h.svc
            .revoke_token(refresh_of(&tokens), &other.client_id, None)
            .await,
    );
    assert_eq!(err, not_authorized("Invalid Refresh Token."));
    h.refresh(&client, refresh_of(&tokens)).await.unwrap();
}

#[tokio::test]
async fn revoke_for_a_secret_client_needs_the_secret() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, secret) = h.secret_client(&pool).await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let outcome = h
        .secret_sign_in(&client, &secret, "alice", PASSWORD)
        .await
        .unwrap();
    let refresh = tokens_of(outcome).refresh_token.unwrap();
    let err = error_of(
        h.svc
            .revoke_token(&refresh, &client.client_id, Some("nope"))
            .await,
    );
    assert_eq!(
        err,
        not_authorized(&format!(
            "Client {} is configured with secret but the secret was not received or does not match.",
            client.client_id
        ))
    );
    h.svc
        .revoke_token(&refresh, &client.client_id, Some(&secret))
        .await
        .unwrap();
}

#[tokio::test]
async fn change_password_replaces_the_password() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    h.svc
        .change_password(&tokens.access_token, Some(PASSWORD), OTHER_PASSWORD)
        .await
        .unwrap();
    h.sign_in(&client, "alice", OTHER_PASSWORD).await;
    let old = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(old, not_authorized(INCORRECT));
}

#[tokio::test]
async fn change_password_needs_the_previous_password() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    let wrong = error_of(
        h.svc
            .change_password(&tokens.access_token, Some("Wr0ng!pass"), OTHER_PASSWORD)
            .await,
    );
    assert_eq!(wrong, not_authorized(INCORRECT));
    let absent = error_of(
        h.svc
            .change_password(&tokens.access_token, None, OTHER_PASSWORD)
            .await,
    );
    assert_eq!(absent, not_authorized(INCORRECT));
    h.sign_in(&client, "alice", PASSWORD).await;
}

#[tokio::test]
async fn change_password_is_limited_to_five_per_hour() {
    let h = Harness::new();
    let (_, _, tokens) = signed_in(&h).await;
    let passwords = [
        "Passw0rd!1",
        "Passw0rd!2",
        "Passw0rd!3",
        "Passw0rd!4",
        "Passw0rd!5",
    ];
    let mut current = PASSWORD;
    for next in passwords {
        h.svc
            .change_password(&tokens.access_token, Some(current), next)
            .await
            .unwrap();
        current = next;
    }
    let err = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(current), "Passw0rd!6")
            .await,
    );
    assert_eq!(
        err,
        DomainError::LimitExceeded("Attempt limit exceeded, please try after some time.".into())
    );
}

#[tokio::test]
async fn change_password_limit_resets_after_an_hour() {
    let h = Harness::new();
    let (_, client, tokens) = signed_in(&h).await;
    let passwords = [
        "Passw0rd!1",
        "Passw0rd!2",
        "Passw0rd!3",
        "Passw0rd!4",
        "Passw0rd!5",
    ];
    let mut current = PASSWORD;
    for next in passwords {
        h.svc
            .change_password(&tokens.access_token, Some(current), next)
            .await
            .unwrap();
        current = next;
    }
    h.clock.advance(3601).unwrap();
    // The first access token has expired by now: sign in again.
    let fresh = h.sign_in(&client, "alice", current).await;
    h.svc
        .change_password(&fresh.access_token, Some(current), "Passw0rd!6")
        .await
        .unwrap();
}

#[tokio::test]
async fn change_password_after_sign_out_is_refused() {
    let h = Harness::new();
    let (_, _, tokens) = signed_in(&h).await;
    h.svc.global_sign_out(&tokens.access_token).await.unwrap();
    let err = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(PASSWORD), OTHER_PASSWORD)
            .await,
    );
    assert_eq!(err, not_authorized("Access Token has been revoked"));
}

#[tokio::test]
async fn delete_user_with_an_access_token() {
    let h = Harness::new();
    let (pool, client, tokens) = signed_in(&h).await;
    h.svc.delete_user(&tokens.access_token).await.unwrap();
    let err = error_of(h.svc.admin_get_user(&pool.id, "alice").await);
    assert_eq!(err, user_not_found());
    let refresh = error_of(h.refresh(&client, refresh_of(&tokens)).await);
    assert_eq!(refresh, not_authorized("User does not exist."));
}
