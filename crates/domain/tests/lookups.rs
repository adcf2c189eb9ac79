//! Finding users: by username (case rules), alias, email/phone sign-in name and `sub`.

mod common;

use common::*;
use userpools_domain::DomainError;

#[tokio::test]
async fn case_sensitive_pool_distinguishes_case() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "Alice", PASSWORD).await;
    let err = error_of(h.svc.admin_get_user(&pool.id, "alice").await);
    assert_eq!(err, user_not_found());
    h.confirmed_user(&pool, "alice", OTHER_PASSWORD).await;
    let client = h.client(&pool).await;
    h.sign_in(&client, "Alice", PASSWORD).await;
    h.sign_in(&client, "alice", OTHER_PASSWORD).await;
}

#[tokio::test]
async fn case_insensitive_pool_finds_any_case() {
    let h = Harness::new();
    let pool = h.case_insensitive_pool().await;
    let client = h.client(&pool).await;
    h.confirmed_user(&pool, "Alice", PASSWORD).await;
    let user = h.get_user(&pool, "ALICE").await;
    assert_eq!(user.username, "Alice", "the username keeps its case");
    h.sign_in(&client, "aLiCe", PASSWORD).await;
}

#[tokio::test]
async fn case_insensitive_pool_refuses_a_case_variant() {
    let h = Harness::new();
    let pool = h.case_insensitive_pool().await;
    h.temp_user(&pool, "Alice", TEMP_PASSWORD).await;
    let err = error_of(
        h.create_user(&pool, "alice", &[], Some(TEMP_PASSWORD))
            .await,
    );
    assert_eq!(
        err,
        DomainError::UsernameExists("User account already exists".into())
    );
}

#[tokio::test]
async fn lookup_by_sub() {
    let h = Harness::new();
    let pool = h.pool().await;
    let user = h.confirmed_user(&pool, "alice", PASSWORD).await;
    let found = h.get_user(&pool, user.sub()).await;
    assert_eq!(found.username, "alice");
    let upper = h.get_user(&pool, &user.sub().to_uppercase()).await;
    assert_eq!(upper.username, "alice");
}

#[tokio::test]
async fn sign_in_by_sub() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let user = h.confirmed_user(&pool, "alice", PASSWORD).await;
    h.sign_in(&client, user.sub(), PASSWORD).await;
}

#[tokio::test]
async fn unknown_sub_is_user_not_found() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .admin_get_user(&pool.id, "00000000-0000-4000-8000-000000000000")
            .await,
    );
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn uuid_username_with_uppercase_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.create_user(&pool, "0000000A-0000-4000-8000-000000000000", &[], None)
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Username cannot be of UUID format with upper-case letters.")
    );
}

#[tokio::test]
async fn verified_email_alias_signs_in() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    let client = h.client(&pool).await;
    let attributes = [("email", "alice@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    h.sign_in(&client, "alice@example.com", PASSWORD).await;
    assert_eq!(
        h.get_user(&pool, "alice@example.com").await.username,
        "alice"
    );
}

#[tokio::test]
async fn unverified_email_is_not_an_alias() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    h.confirmed_user_with(&pool, "alice", &[("email", "alice@example.com")], PASSWORD)
        .await;
    let err = error_of(h.svc.admin_get_user(&pool.id, "alice@example.com").await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn email_without_alias_configuration_is_not_a_sign_in_name() {
    let h = Harness::new();
    let pool = h.pool().await;
    let attributes = [("email", "alice@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    let err = error_of(h.svc.admin_get_user(&pool.id, "alice@example.com").await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn email_alias_is_case_insensitive_in_a_case_insensitive_pool() {
    let h = Harness::new();
    let settings = userpools_domain::service::PoolSettings {
        alias_attributes: strings(&["email"]),
        case_sensitive: Some(false),
        ..pool_settings()
    };
    let pool = h.create_pool(settings).await.unwrap();
    let attributes = [("email", "Alice@Example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    assert_eq!(
        h.get_user(&pool, "ALICE@example.COM").await.username,
        "alice"
    );
}

#[tokio::test]
async fn email_shaped_username_is_refused_with_an_email_alias() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    let err = error_of(h.create_user(&pool, "alice@example.com", &[], None).await);
    assert_eq!(
        err,
        invalid_parameter(
            "Username cannot be of email format, since user pool is configured for email alias."
        )
    );
}

#[tokio::test]
async fn phone_shaped_username_is_refused_with_a_phone_alias() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["phone_number"]).await;
    let err = error_of(h.create_user(&pool, "+15555550100", &[], None).await);
    assert_eq!(
        err,
        invalid_parameter("Username cannot be of phone number format, since user pool is configured for phone number alias.")
    );
}

#[tokio::test]
async fn a_verified_email_alias_belongs_to_one_user() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    let attributes = [("email", "shared@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    let err = error_of(
        h.create_user(&pool, "bob", &attributes, Some(TEMP_PASSWORD))
            .await,
    );
    assert_eq!(
        err,
        DomainError::AliasExists("An account with the given email already exists.".into())
    );
}

#[tokio::test]
async fn verifying_a_taken_alias_by_update_is_refused() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    let attributes = [("email", "shared@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    let err = error_of(h.update_attributes(&pool, "bob", &attributes).await);
    assert_eq!(
        err,
        DomainError::AliasExists("An account with the given email already exists.".into())
    );
}

#[tokio::test]
async fn force_alias_creation_moves_the_alias() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    let attributes = [("email", "shared@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    h.create_user_forcing_alias(&pool, "bob", &attributes)
        .await
        .unwrap();
    assert_eq!(
        h.get_user(&pool, "shared@example.com").await.username,
        "bob"
    );
    let alice = h.get_user(&pool, "alice").await;
    assert_eq!(alice.attribute("email_verified"), Some("false"));
}

#[tokio::test]
async fn preferred_username_alias() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["preferred_username"]).await;
    let client = h.client(&pool).await;
    h.confirmed_user_with(&pool, "alice", &[("preferred_username", "ally")], PASSWORD)
        .await;
    h.sign_in(&client, "ally", PASSWORD).await;
    let err = error_of(
        h.create_user(&pool, "bob", &[("preferred_username", "ally")], None)
            .await,
    );
    assert_eq!(
        err,
        DomainError::AliasExists(
            "An account with the given preferred_username already exists.".into()
        )
    );
}

#[tokio::test]
async fn email_username_attribute_uses_the_sub_as_username() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let client = h.client(&pool).await;
    let user = h.confirmed_user(&pool, "alice@example.com", PASSWORD).await;
    assert_eq!(user.username, user.sub());
    assert_eq!(user.attribute("email"), Some("alice@example.com"));
    h.sign_in(&client, "alice@example.com", PASSWORD).await;
    assert_eq!(h.get_user(&pool, &user.username).await.sub(), user.sub());
}

#[tokio::test]
async fn email_username_attribute_requires_an_email() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let err = error_of(h.create_user(&pool, "alice", &[], None).await);
    assert_eq!(err, invalid_parameter("Username should be an email."));
}

#[tokio::test]
async fn phone_username_attribute_requires_a_phone_number() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["phone_number"]).await;
    let err = error_of(h.create_user(&pool, "alice", &[], None).await);
    assert_eq!(err, invalid_parameter("Username should be a phone number."));
    let user = h
        .create_user(&pool, "+15555550100", &[], None)
        .await
        .unwrap();
    assert_eq!(user.attribute("phone_number"), Some("+15555550100"));
}

#[tokio::test]
async fn email_or_phone_username_attributes_message() {
    let h = Harness::new();
    let pool = h
        .pool_with_username_attributes(&["email", "phone_number"])
        .await;
    let err = error_of(h.create_user(&pool, "alice", &[], None).await);
    assert_eq!(
        err,
        invalid_parameter("Username should be either an email or a phone number.")
    );
}

#[tokio::test]
async fn email_username_must_match_the_email_attribute() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let err = error_of(
        h.create_user(
            &pool,
            "alice@example.com",
            &[("email", "other@example.com")],
            None,
        )
        .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Username and email attribute must be the same.")
    );
}

#[tokio::test]
async fn duplicate_email_username_is_username_exists() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    h.temp_user(&pool, "alice@example.com", TEMP_PASSWORD).await;
    let err = error_of(
        h.create_user(&pool, "alice@example.com", &[], Some(TEMP_PASSWORD))
            .await,
    );
    assert_eq!(
        err,
        DomainError::UsernameExists("An account with the given email already exists.".into())
    );
}

#[tokio::test]
async fn admin_operations_reach_the_user_through_an_alias() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    let attributes = [("email", "alice@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    h.update_attributes(&pool, "alice@example.com", &[("name", "Alice")])
        .await
        .unwrap();
    assert_eq!(
        h.get_user(&pool, "alice").await.attribute("name"),
        Some("Alice")
    );
}

#[tokio::test]
async fn users_of_one_pool_are_invisible_in_another() {
    let h = Harness::new();
    let pool = h.pool().await;
    let other = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.svc.admin_get_user(&other.id, "alice").await);
    assert_eq!(err, user_not_found());
}

#[tokio::test]
async fn a_username_equal_to_another_users_sub_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    let victim = h.confirmed_user(&pool, "victim", PASSWORD).await;
    let err = error_of(
        h.create_user(&pool, victim.sub(), &[], Some(TEMP_PASSWORD))
            .await,
    );
    assert_eq!(
        err,
        DomainError::UsernameExists("User account already exists".into())
    );
    assert_eq!(h.get_user(&pool, victim.sub()).await.username, "victim");
}
