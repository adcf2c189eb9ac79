//! What a user may write and read through an app client (issue 12 item 1):
//! WriteAttributes on SignUp, NEW_PASSWORD_REQUIRED, UpdateUserAttributes and
//! DeleteUserAttributes; ReadAttributes on GetUser and the ID token.

mod common;

use common::*;
use userpools_domain::model::{AttributeDataType, SchemaAttribute, UserPool};

const UNAUTHORIZED: &str = "A client attempted to write unauthorized attribute";

fn custom(name: &str, developer_only: bool) -> SchemaAttribute {
    SchemaAttribute {
        name: format!("custom:{name}"),
        data_type: AttributeDataType::String,
        developer_only,
        mutable: true,
        required: false,
        string_constraints: None,
        number_constraints: None,
    }
}

/// A default pool with `custom:role` and the developer-only `custom:secret`.
async fn pool_with_customs(h: &Harness) -> UserPool {
    let pool = h.pool().await;
    h.svc
        .add_custom_attributes(&pool.id, &[custom("role", false), custom("secret", true)])
        .await
        .unwrap();
    h.svc.describe_pool(&pool.id).await.unwrap()
}

#[tokio::test]
async fn sign_up_refuses_what_the_client_may_not_write_and_creates_nothing() {
    let h = Harness::new();
    let pool = pool_with_customs(&h).await;
    let client = h
        .client_with_permissions(&pool, "WriteAttributes", &["name"])
        .await;
    let attacks: &[&[(&str, &str)]] = &[
        &[("name", "Eve"), ("email_verified", "true")],
        &[("name", "Eve"), ("custom:role", "admin")],
        &[("name", "Eve"), ("identities", "[]")],
        &[("email", "eve@example.com")],
    ];
    for attributes in attacks {
        let err = error_of(h.sign_up(&client, "eve", PASSWORD, attributes).await);
        assert_eq!(err, not_authorized(UNAUTHORIZED), "{attributes:?}");
        assert_eq!(
            error_of(h.svc.admin_get_user(&pool.id, "eve").await),
            user_not_found()
        );
    }
    let user = h
        .sign_up(&client, "eve", PASSWORD, &[("name", "Eve")])
        .await
        .unwrap();
    assert_eq!(user.attribute("name"), Some("Eve"));
}

#[tokio::test]
async fn a_client_naming_no_attributes_still_never_writes_protected_ones() {
    let h = Harness::new();
    let pool = pool_with_customs(&h).await;
    let client = h.client(&pool).await;
    for name in [
        "email_verified",
        "phone_number_verified",
        "identities",
        "sub",
        "custom:secret",
        "dev:custom:secret",
    ] {
        let err = error_of(h.sign_up(&client, "eve", PASSWORD, &[(name, "true")]).await);
        assert_eq!(err, not_authorized(UNAUTHORIZED), "{name}");
    }
    // Everything else is writable, custom attributes included.
    let user = h
        .sign_up(
            &client,
            "eve",
            PASSWORD,
            &[("email", "eve@example.com"), ("custom:role", "reader")],
        )
        .await
        .unwrap();
    assert_eq!(user.attribute("custom:role"), Some("reader"));
}

#[tokio::test]
async fn required_attributes_are_always_writable() {
    let h = Harness::new();
    let pool = h.pool_requiring("email").await;
    let client = h
        .client_with_permissions(&pool, "WriteAttributes", &["name"])
        .await;
    h.sign_up(&client, "eve", PASSWORD, &[("email", "eve@example.com")])
        .await
        .unwrap();
}

#[tokio::test]
async fn new_password_answer_obeys_write_attributes() {
    let h = Harness::new();
    let pool = pool_with_customs(&h).await;
    let client = h
        .client_with_permissions(&pool, "WriteAttributes", &["name"])
        .await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let (session, _) = h
        .new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    for attribute in [("email_verified", "true"), ("custom:role", "admin")] {
        let err = error_of(
            h.respond_new_password(&client, "bob", Some(&session), PASSWORD, &[attribute])
                .await,
        );
        assert_eq!(err, not_authorized(UNAUTHORIZED), "{attribute:?}");
    }
    assert_eq!(
        h.status(&pool, "bob").await.as_str(),
        "FORCE_CHANGE_PASSWORD"
    );
    let outcome = h
        .respond_new_password(&client, "bob", Some(&session), PASSWORD, &[("name", "Bob")])
        .await
        .unwrap();
    tokens_of(outcome);
    let user = h.get_user(&pool, "bob").await;
    assert_eq!(user.attribute("name"), Some("Bob"));
    assert_eq!(user.attribute("custom:role"), None);
}

#[tokio::test]
async fn update_and_delete_obey_the_rule() {
    let h = Harness::new();
    let pool = pool_with_customs(&h).await;
    let client = h
        .client_with_permissions(&pool, "WriteAttributes", &["name", "custom:role"])
        .await;
    h.confirmed_user_with(
        &pool,
        "alice",
        &[
            ("name", "Al"),
            ("custom:role", "reader"),
            ("nickname", "al"),
        ],
        PASSWORD,
    )
    .await;
    let token = h.sign_in(&client, "alice", PASSWORD).await.access_token;
    for attribute in [
        ("identities", "[]"),
        ("custom:secret", "x"),
        ("dev:custom:secret", "x"),
        ("nickname", "x"),
    ] {
        let err = error_of(
            h.svc
                .update_user_attributes(&token, &pairs(&[attribute]))
                .await,
        );
        assert_eq!(err, not_authorized(UNAUTHORIZED), "{attribute:?}");
    }
    let err = error_of(
        h.svc
            .delete_user_attributes(&token, &strings(&["nickname"]))
            .await,
    );
    assert_eq!(err, not_authorized(UNAUTHORIZED));
    h.svc
        .delete_user_attributes(&token, &strings(&["custom:role"]))
        .await
        .unwrap();
    let user = h.get_user(&pool, "alice").await;
    assert_eq!(user.attribute("nickname"), Some("al"));
    assert_eq!(user.attribute("custom:role"), None);
}

#[tokio::test]
async fn delete_user_attributes_removes_writable_attributes() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.confirmed_user_with(&pool, "alice", &[("nickname", "al")], PASSWORD)
        .await;
    let token = h.sign_in(&client, "alice", PASSWORD).await.access_token;
    h.svc
        .delete_user_attributes(&token, &strings(&["nickname"]))
        .await
        .unwrap();
    assert_eq!(h.get_user(&pool, "alice").await.attribute("nickname"), None);
    let err = error_of(
        h.svc
            .delete_user_attributes(&token, &strings(&["sub"]))
            .await,
    );
    assert_eq!(err, not_authorized(UNAUTHORIZED));
}

#[tokio::test]
async fn read_attributes_filter_get_user_and_the_id_token() {
    let h = Harness::new();
    let pool = pool_with_customs(&h).await;
    let client = h
        .client_with_permissions(&pool, "ReadAttributes", &["email"])
        .await;
    h.confirmed_user_with(
        &pool,
        "alice",
        &[
            ("email", "a@example.com"),
            ("name", "Al"),
            ("custom:role", "x"),
        ],
        PASSWORD,
    )
    .await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let user = h.svc.get_user(&tokens.access_token).await.unwrap();
    let names: Vec<&str> = user.attributes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["sub", "email"]);
    let claims = h.id_claims(&pool, &tokens).await;
    assert_eq!(claims["email"], "a@example.com");
    assert!(claims.get("name").is_none());
    assert!(claims.get("custom:role").is_none());
    // A client naming none reads everything.
    let open = h.client(&pool).await;
    let tokens = h.sign_in(&open, "alice", PASSWORD).await;
    let user = h.svc.get_user(&tokens.access_token).await.unwrap();
    assert_eq!(user.attribute("custom:role"), Some("x"));
    assert_eq!(h.id_claims(&pool, &tokens).await["name"], "Al");
}

#[tokio::test]
async fn clients_may_only_name_attributes_of_the_schema() {
    let h = Harness::new();
    let pool = pool_with_customs(&h).await;
    for (key, names, message) in [
        (
            "ReadAttributes",
            &["email", "custom:nope"][..],
            "Invalid read attributes specified while creating a client",
        ),
        (
            "WriteAttributes",
            &["nickname", "nope"][..],
            "Invalid write attributes specified while creating a client",
        ),
        (
            "WriteAttributes",
            &["sub"][..],
            "Invalid write attributes specified while creating a client",
        ),
        (
            "WriteAttributes",
            &["identities"][..],
            "Invalid write attributes specified while creating a client",
        ),
        (
            "WriteAttributes",
            &["custom:secret"][..],
            "Invalid write attributes specified while creating a client",
        ),
        (
            "WriteAttributes",
            &["dev:custom:secret"][..],
            "Invalid write attributes specified while creating a client",
        ),
    ] {
        let mut settings = client_settings(ALL_FLOWS);
        settings
            .extra
            .insert(key.into(), serde_json::Value::from(strings(names)));
        let err = error_of(h.create_client(&pool, settings).await);
        assert_eq!(err, invalid_parameter(message), "{key} {names:?}");
    }
    // Developer-only attributes are readable when listed, under either name.
    let client = h
        .client_with_permissions(&pool, "ReadAttributes", &["dev:custom:secret"])
        .await;
    h.confirmed_user_with(
        &pool,
        "alice",
        &[("custom:secret", "s"), ("name", "Al")],
        PASSWORD,
    )
    .await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let user = h.svc.get_user(&tokens.access_token).await.unwrap();
    assert_eq!(user.attribute("custom:secret"), Some("s"));
    assert_eq!(user.attribute("name"), None);
}
