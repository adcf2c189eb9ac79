//! The user status machine: UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD,
//! EXTERNAL_PROVIDER, enabled/disabled, creation and deletion.

mod common;

use common::*;
use userpools_domain::model::UserStatus;
use userpools_domain::service::PoolSettings;
use userpools_domain::DomainError;

#[tokio::test]
async fn sign_up_starts_unconfirmed_with_a_uuid_sub() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let user = h.signed_up_user(&client, "alice", PASSWORD).await;
    assert_eq!(user.status, UserStatus::Unconfirmed);
    assert!(user.enabled);
    assert_eq!(user.attributes[0].0, "sub");
    assert!(uuid::Uuid::parse_str(user.sub()).is_ok(), "{}", user.sub());
    assert_eq!(h.status(&pool, "alice").await, UserStatus::Unconfirmed);
}

#[tokio::test]
async fn unconfirmed_user_cannot_sign_in() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(
        err,
        DomainError::UserNotConfirmed("User is not confirmed.".into())
    );
}

#[tokio::test]
async fn confirm_sign_up_makes_the_user_confirmed() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    h.svc
        .admin_confirm_sign_up(&pool.id, "alice")
        .await
        .unwrap();
    assert_eq!(h.status(&pool, "alice").await, UserStatus::Confirmed);
    h.sign_in(&client, "alice", PASSWORD).await;
}

#[tokio::test]
async fn confirming_a_confirmed_user_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.svc.admin_confirm_sign_up(&pool.id, "alice").await);
    assert_eq!(
        err,
        not_authorized("User cannot be confirmed. Current status is CONFIRMED")
    );
}

#[tokio::test]
async fn confirming_a_force_change_password_user_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.svc.admin_confirm_sign_up(&pool.id, "bob").await);
    assert_eq!(
        err,
        not_authorized("User cannot be confirmed. Current status is FORCE_CHANGE_PASSWORD")
    );
}

#[tokio::test]
async fn confirming_an_unknown_user_is_user_not_found() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.svc.admin_confirm_sign_up(&pool.id, "ghost").await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn admin_created_user_must_change_password() {
    let h = Harness::new();
    let pool = h.pool().await;
    let user = h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    assert_eq!(user.status, UserStatus::ForceChangePassword);
    assert!(user.temporary_password_expires_ms.is_some());
    assert!(user.credential.is_some());
}

#[tokio::test]
async fn admin_created_user_without_password_gets_a_generated_one() {
    let h = Harness::new();
    let pool = h.pool().await;
    let user = h.create_user(&pool, "bob", &[], None).await.unwrap();
    assert_eq!(user.status, UserStatus::ForceChangePassword);
    assert!(user.credential.is_some());
}

#[tokio::test]
async fn permanent_password_confirms() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.set_password(&pool, "bob", PASSWORD, true).await.unwrap();
    let user = h.get_user(&pool, "bob").await;
    assert_eq!(user.status, UserStatus::Confirmed);
    assert_eq!(user.temporary_password_expires_ms, None);
}

#[tokio::test]
async fn temporary_password_moves_a_confirmed_user_back() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    h.set_password(&pool, "bob", OTHER_PASSWORD, false)
        .await
        .unwrap();
    let user = h.get_user(&pool, "bob").await;
    assert_eq!(user.status, UserStatus::ForceChangePassword);
    assert!(user.temporary_password_expires_ms.is_some());
}

#[tokio::test]
async fn permanent_password_confirms_an_unconfirmed_user() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    h.set_password(&pool, "alice", OTHER_PASSWORD, true)
        .await
        .unwrap();
    assert_eq!(h.status(&pool, "alice").await, UserStatus::Confirmed);
    h.sign_in(&client, "alice", OTHER_PASSWORD).await;
}

#[tokio::test]
async fn set_password_of_unknown_user_is_user_not_found() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.set_password(&pool, "ghost", PASSWORD, true).await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn duplicate_admin_create_is_username_exists() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.create_user(&pool, "bob", &[], Some(TEMP_PASSWORD)).await);
    assert_eq!(
        err,
        DomainError::UsernameExists("User account already exists".into())
    );
}

#[tokio::test]
async fn duplicate_sign_up_is_username_exists() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    let err = error_of(h.sign_up(&client, "alice", PASSWORD, &[]).await);
    assert_eq!(
        err,
        DomainError::UsernameExists("User already exists".into())
    );
}

#[tokio::test]
async fn sign_up_is_refused_when_only_admins_create_users() {
    let h = Harness::new();
    let settings = PoolSettings {
        allow_admin_create_user_only: true,
        ..pool_settings()
    };
    let pool = h.create_pool(settings).await.unwrap();
    let client = h.client(&pool).await;
    let err = error_of(h.sign_up(&client, "alice", PASSWORD, &[]).await);
    assert_eq!(
        err,
        not_authorized("SignUp is not permitted for this user pool")
    );
}

#[tokio::test]
async fn sign_up_requires_required_attributes() {
    let h = Harness::new();
    let pool = h.pool_requiring("email").await;
    let client = h.client(&pool).await;
    let err = error_of(h.sign_up(&client, "alice", PASSWORD, &[]).await);
    assert_eq!(
        err,
        invalid_parameter(
            "Attributes did not conform to the schema: email: The attribute is required"
        )
    );
    h.sign_up(&client, "alice", PASSWORD, &[("email", "a@example.com")])
        .await
        .unwrap();
}

#[tokio::test]
async fn sign_up_with_a_secret_client_needs_the_secret_hash() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, secret) = h.secret_client(&pool).await;
    let missing = error_of(h.sign_up(&client, "alice", PASSWORD, &[]).await);
    assert_eq!(
        missing,
        not_authorized(&format!(
            "Client {} is configured for secret but secret was not received",
            client.client_id
        ))
    );
    let wrong_hash = userpools_domain::srp::secret_hash(&secret, "mallory", &client.client_id);
    let wrong = error_of(
        h.svc
            .sign_up(&client.client_id, "alice", PASSWORD, &[], Some(&wrong_hash))
            .await,
    );
    assert_eq!(
        wrong,
        not_authorized(&format!(
            "Unable to verify secret hash for client {}",
            client.client_id
        ))
    );
    let hash = userpools_domain::srp::secret_hash(&secret, "alice", &client.client_id);
    h.svc
        .sign_up(&client.client_id, "alice", PASSWORD, &[], Some(&hash))
        .await
        .unwrap();
}

#[tokio::test]
async fn disabled_user_cannot_sign_in_and_reenabled_can() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", false)
        .await
        .unwrap();
    assert!(!h.get_user(&pool, "alice").await.enabled);
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(err, not_authorized("User is disabled."));
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", true)
        .await
        .unwrap();
    h.sign_in(&client, "alice", PASSWORD).await;
}

#[tokio::test]
async fn disabled_user_is_refused_before_the_password_is_checked() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.svc
        .admin_set_user_enabled(&pool.id, "alice", false)
        .await
        .unwrap();
    let err = error_of(h.password_sign_in(&client, "alice", "Wr0ng!pass").await);
    assert_eq!(err, not_authorized("User is disabled."));
    assert_eq!(h.get_user(&pool, "alice").await.failed_sign_ins, 0);
}

#[tokio::test]
async fn resend_to_a_confirmed_user_is_unsupported() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.resend_invitation(&pool, "alice", TEMP_PASSWORD).await);
    assert_eq!(
        err,
        DomainError::UnsupportedUserState(
            "Resend not possible. User has already been confirmed.".into()
        )
    );
}

#[tokio::test]
async fn resend_replaces_the_temporary_password() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let user = h
        .resend_invitation(&pool, "bob", "Fresh7emp!")
        .await
        .unwrap();
    assert_eq!(user.status, UserStatus::ForceChangePassword);
    let old = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
    assert_eq!(old, not_authorized(INCORRECT));
    h.new_password_challenge(&client, "bob", "Fresh7emp!").await;
}

#[tokio::test]
async fn resend_to_unknown_user_is_user_not_found() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.resend_invitation(&pool, "ghost", TEMP_PASSWORD).await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn deleted_user_is_gone() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    h.svc.admin_delete_user(&pool.id, "alice").await.unwrap();
    let err = error_of(h.svc.admin_get_user(&pool.id, "alice").await);
    assert_eq!(err, user_not_found());
    let again = error_of(h.svc.admin_delete_user(&pool.id, "alice").await);
    assert_eq!(again, user_not_found());
}

#[tokio::test]
async fn a_deleted_username_can_be_reused() {
    let h = Harness::new();
    let pool = h.pool().await;
    let first = h.confirmed_user(&pool, "alice", PASSWORD).await;
    h.svc.admin_delete_user(&pool.id, "alice").await.unwrap();
    let second = h.temp_user(&pool, "alice", TEMP_PASSWORD).await;
    assert_ne!(first.sub(), second.sub());
}

#[tokio::test]
async fn get_user_of_unknown_pool_is_pool_not_found() {
    let h = Harness::new();
    let err = error_of(h.svc.admin_get_user("us-east-1_nopool000", "alice").await);
    assert_eq!(err, DomainError::pool_not_found("us-east-1_nopool000"));
}

#[tokio::test]
async fn federated_user_is_external_provider_without_password() {
    let h = Harness::new();
    let pool = h.pool().await;
    let user = h
        .svc
        .create_federated_user(&pool.id, "Google", "1234", &[])
        .await
        .unwrap();
    assert_eq!(user.username, "Google_1234");
    assert_eq!(user.status, UserStatus::ExternalProvider);
    assert!(user.credential.is_none());
    let identities: serde_json::Value =
        serde_json::from_str(user.attribute("identities").unwrap()).unwrap();
    assert_eq!(identities[0]["userId"], "1234");
    assert_eq!(identities[0]["providerName"], "Google");
}

#[tokio::test]
async fn federated_user_cannot_sign_in_with_a_password() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.svc
        .create_federated_user(&pool.id, "Google", "1234", &[])
        .await
        .unwrap();
    let err = error_of(h.password_sign_in(&client, "Google_1234", "").await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn federated_user_needs_provider_and_subject() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.svc.create_federated_user(&pool.id, "", "1234", &[]).await);
    assert_eq!(
        err,
        invalid_parameter("ProviderName and ProviderUserId are required.")
    );
}

#[tokio::test]
async fn seeded_users_are_confirmed_and_sign_in() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.svc
        .seed_confirmed_users(&pool.id, &strings(&["u1", "u2"]), PASSWORD)
        .await
        .unwrap();
    assert_eq!(h.status(&pool, "u2").await, UserStatus::Confirmed);
    h.sign_in(&client, "u1", PASSWORD).await;
    let err = error_of(
        h.svc
            .seed_confirmed_users(&pool.id, &strings(&["u3", "u1"]), PASSWORD)
            .await,
    );
    assert_eq!(
        err,
        DomainError::UsernameExists("User account already exists".into())
    );
    let missing = error_of(h.svc.admin_get_user(&pool.id, "u3").await);
    assert_eq!(missing, user_not_found(), "the batch is atomic");
}
