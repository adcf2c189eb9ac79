//! User attributes against the schema, and ListUsers filters.

mod common;

use common::*;

#[tokio::test]
async fn changing_email_unverifies_it() {
    let h = Harness::new();
    let pool = h.pool().await;
    let attributes = [("email", "a@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    h.update_attributes(&pool, "alice", &[("email", "b@example.com")])
        .await
        .unwrap();
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.attribute("email"), Some("b@example.com"));
    assert_eq!(user.attribute("email_verified"), Some("false"));
}

#[tokio::test]
async fn changing_email_with_explicit_verification_keeps_it() {
    let h = Harness::new();
    let pool = h.pool().await;
    let attributes = [("email", "a@example.com"), ("email_verified", "true")];
    h.confirmed_user_with(&pool, "alice", &attributes, PASSWORD)
        .await;
    h.update_attributes(
        &pool,
        "alice",
        &[("email", "b@example.com"), ("email_verified", "true")],
    )
    .await
    .unwrap();
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.attribute("email_verified"), Some("true"));
}

#[tokio::test]
async fn unknown_attribute_does_not_conform_to_the_schema() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.create_user(&pool, "alice", &[("shoe_size", "9")], None)
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Attributes did not conform to the schema: shoe_size: Attribute does not exist in the schema.")
    );
}

#[tokio::test]
async fn sub_cannot_be_set() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(h.update_attributes(&pool, "alice", &[("sub", "x")]).await);
    assert_eq!(
        err,
        invalid_parameter("Cannot modify the non-mutable attribute sub")
    );
}

#[tokio::test]
async fn boolean_attribute_must_be_true_or_false() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(
        h.update_attributes(&pool, "alice", &[("email_verified", "yes")])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Attributes did not conform to the schema: email_verified: Attribute value must be true or false.")
    );
}

#[tokio::test]
async fn number_attribute_must_be_a_number() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(
        h.update_attributes(&pool, "alice", &[("updated_at", "soon")])
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter(
            "Attributes did not conform to the schema: updated_at: Number must be a valid number."
        )
    );
    h.update_attributes(&pool, "alice", &[("updated_at", "1700000000")])
        .await
        .unwrap();
}

#[tokio::test]
async fn email_format_is_checked() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.create_user(&pool, "alice", &[("email", "nope")], None)
            .await,
    );
    assert_eq!(err, invalid_parameter("Invalid email address format."));
}

#[tokio::test]
async fn phone_format_is_checked() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.create_user(&pool, "alice", &[("phone_number", "555-1234")], None)
            .await,
    );
    assert_eq!(err, invalid_parameter("Invalid phone number format."));
}

#[tokio::test]
async fn empty_value_removes_an_attribute() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user_with(&pool, "alice", &[("name", "Alice")], PASSWORD)
        .await;
    h.update_attributes(&pool, "alice", &[("name", "")])
        .await
        .unwrap();
    assert_eq!(h.get_user(&pool, "alice").await.attribute("name"), None);
}

#[tokio::test]
async fn delete_attributes_removes_them() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user_with(
        &pool,
        "alice",
        &[("name", "Alice"), ("locale", "fr")],
        PASSWORD,
    )
    .await;
    h.svc
        .admin_delete_user_attributes(&pool.id, "alice", &strings(&["name"]))
        .await
        .unwrap();
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.attribute("name"), None);
    assert_eq!(user.attribute("locale"), Some("fr"));
}

#[tokio::test]
async fn required_attribute_cannot_be_deleted() {
    let h = Harness::new();
    let pool = h.pool_requiring("name").await;
    h.confirmed_user_with(&pool, "alice", &[("name", "Alice")], PASSWORD)
        .await;
    let err = error_of(
        h.svc
            .admin_delete_user_attributes(&pool.id, "alice", &strings(&["name"]))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter(
            "Attributes did not conform to the schema: name: The attribute is required"
        )
    );
}

#[tokio::test]
async fn deleting_an_unknown_attribute_is_a_schema_error() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .admin_delete_user_attributes(&pool.id, "alice", &strings(&["custom:nope"]))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Attributes did not conform to the schema: custom:nope: Attribute does not exist in the schema.")
    );
}

#[tokio::test]
async fn sign_in_email_cannot_be_deleted() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let user = h.confirmed_user(&pool, "alice@example.com", PASSWORD).await;
    let err = error_of(
        h.svc
            .admin_delete_user_attributes(&pool.id, &user.username, &strings(&["email"]))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Cannot delete email: it is the user's sign-in name.")
    );
}

#[tokio::test]
async fn self_service_cannot_set_verification_flags() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .update_user_attributes(&tokens.access_token, &pairs(&[("email_verified", "true")]))
            .await,
    );
    // A user never writes a verified flag (issue 12 item 1).
    assert_eq!(
        err,
        not_authorized("A client attempted to write unauthorized attribute")
    );
}

#[tokio::test]
async fn self_service_update_changes_the_attribute() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    h.svc
        .update_user_attributes(&tokens.access_token, &pairs(&[("nickname", "Al")]))
        .await
        .unwrap();
    let user = h.svc.get_user(&tokens.access_token).await.unwrap();
    assert_eq!(user.attribute("nickname"), Some("Al"));
}

#[tokio::test]
async fn write_attributes_restrict_self_service_updates() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_permissions(&pool, "WriteAttributes", &["nickname"])
        .await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .update_user_attributes(&tokens.access_token, &pairs(&[("name", "Alice")]))
            .await,
    );
    assert_eq!(
        err,
        not_authorized("A client attempted to write unauthorized attribute")
    );
    h.svc
        .update_user_attributes(&tokens.access_token, &pairs(&[("nickname", "Al")]))
        .await
        .unwrap();
}

#[tokio::test]
async fn list_users_filters_status_whatever_the_case() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.signed_up_user(&client, "alice", PASSWORD).await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    let (users, next) = h
        .svc
        .list_users(
            &pool.id,
            Some(r#"cognito:user_status = "unconfirmed""#),
            10,
            None,
        )
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, "alice");
    assert!(next.is_none());
}

#[tokio::test]
async fn list_users_filters_disabled_users() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    h.svc
        .admin_set_user_enabled(&pool.id, "bob", false)
        .await
        .unwrap();
    let (users, _) = h
        .svc
        .list_users(&pool.id, Some(r#"status = "Disabled""#), 10, None)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, "bob");
}

#[tokio::test]
async fn list_users_prefix_filter_on_email() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user_with(&pool, "alice", &[("email", "alice@example.com")], PASSWORD)
        .await;
    h.confirmed_user_with(&pool, "bob", &[("email", "bob@example.com")], PASSWORD)
        .await;
    let (users, _) = h
        .svc
        .list_users(&pool.id, Some(r#"email ^= "ali""#), 10, None)
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].username, "alice");
}

#[tokio::test]
async fn list_users_pages_with_a_token() {
    let h = Harness::new();
    let pool = h.pool().await;
    let names = strings(&["u1", "u2", "u3"]);
    h.svc
        .seed_confirmed_users(&pool.id, &names, PASSWORD)
        .await
        .unwrap();
    let (first, token) = h.svc.list_users(&pool.id, None, 2, None).await.unwrap();
    assert_eq!(first.len(), 2);
    let (second, end) = h
        .svc
        .list_users(&pool.id, None, 2, token.as_deref())
        .await
        .unwrap();
    let mut all: Vec<String> = first
        .into_iter()
        .chain(second)
        .map(|u| u.username)
        .collect();
    all.sort();
    assert_eq!(all, names);
    assert!(end.is_none());
}

#[tokio::test]
async fn list_users_rejects_unknown_filter_attributes() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.svc
            .list_users(&pool.id, Some(r#"locale = "fr""#), 10, None)
            .await,
    );
    assert_eq!(err, invalid_parameter("Invalid search attribute: locale"));
    let garbled = error_of(
        h.svc
            .list_users(&pool.id, Some("email = x"), 10, None)
            .await,
    );
    assert_eq!(garbled, invalid_parameter("Error while parsing filter."));
}
