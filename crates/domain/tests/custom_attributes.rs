//! AddCustomAttributes: the schema grows by `custom:` attributes, under the
//! schema rules of CreateUserPool and the 50-attribute limit.

mod common;

use common::*;
use userpools_domain::model::{AttributeDataType, SchemaAttribute};
use userpools_domain::DomainError;

/// An optional, mutable custom attribute `custom:<name>` of `data_type`.
fn custom(name: &str, data_type: AttributeDataType) -> SchemaAttribute {
    SchemaAttribute {
        name: format!("custom:{name}"),
        data_type,
        developer_only: false,
        mutable: true,
        required: false,
        string_constraints: None,
        number_constraints: None,
    }
}

fn custom_names(pool: &userpools_domain::model::UserPool) -> Vec<String> {
    pool.schema
        .iter()
        .filter(|a| a.name.starts_with("custom:"))
        .map(|a| a.name.clone())
        .collect()
}

#[tokio::test]
async fn added_attributes_join_the_schema() {
    let h = Harness::new();
    let pool = h.pool().await;
    let added = [
        custom("tenant", AttributeDataType::String),
        custom("level", AttributeDataType::Number),
    ];
    h.svc.add_custom_attributes(&pool.id, &added).await.unwrap();
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(custom_names(&described), ["custom:tenant", "custom:level"]);
    assert_eq!(
        described.attribute("custom:level").map(|a| a.data_type),
        Some(AttributeDataType::Number)
    );
}

#[tokio::test]
async fn a_later_call_appends() {
    let h = Harness::new();
    let pool = h.pool().await;
    let first = [custom("a", AttributeDataType::String)];
    let second = [custom("b", AttributeDataType::Boolean)];
    h.svc.add_custom_attributes(&pool.id, &first).await.unwrap();
    h.svc
        .add_custom_attributes(&pool.id, &second)
        .await
        .unwrap();
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(custom_names(&described), ["custom:a", "custom:b"]);
}

#[tokio::test]
async fn modification_date_moves() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.clock.advance(60).unwrap();
    let added = [custom("a", AttributeDataType::String)];
    h.svc.add_custom_attributes(&pool.id, &added).await.unwrap();
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert!(described.modified_ms >= pool.modified_ms + 60_000);
    assert_eq!(described.created_ms, pool.created_ms);
}

#[tokio::test]
async fn an_existing_name_is_refused_and_nothing_changes() {
    let h = Harness::new();
    let pool = h.pool().await;
    let first = [custom("tenant", AttributeDataType::String)];
    h.svc.add_custom_attributes(&pool.id, &first).await.unwrap();
    let again = [
        custom("other", AttributeDataType::String),
        custom("tenant", AttributeDataType::Number),
    ];
    let err = error_of(h.svc.add_custom_attributes(&pool.id, &again).await);
    assert_eq!(
        err,
        invalid_parameter("Existing attribute already has name tenant.")
    );
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(custom_names(&described), ["custom:tenant"]);
}

#[tokio::test]
async fn a_required_custom_attribute_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    let required = [SchemaAttribute {
        required: true,
        ..custom("must", AttributeDataType::String)
    }];
    let err = error_of(h.svc.add_custom_attributes(&pool.id, &required).await);
    assert_eq!(
        err,
        invalid_parameter(
            "Required custom attributes are not supported currently. Attribute: custom:must"
        )
    );
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert!(custom_names(&described).is_empty());
}

#[tokio::test]
async fn fifty_is_the_limit() {
    let h = Harness::new();
    let pool = h.pool().await;
    let fifty: Vec<_> = (0..50)
        .map(|i| custom(&format!("a{i}"), AttributeDataType::String))
        .collect();
    h.svc.add_custom_attributes(&pool.id, &fifty).await.unwrap();
    let one_more = [custom("a50", AttributeDataType::String)];
    let err = error_of(h.svc.add_custom_attributes(&pool.id, &one_more).await);
    assert_eq!(
        err,
        invalid_parameter("A user pool can have at most 50 custom attributes.")
    );
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(custom_names(&described).len(), 50);
}

#[tokio::test]
async fn an_unknown_pool_is_not_found() {
    let h = Harness::new();
    let added = [custom("a", AttributeDataType::String)];
    let err = error_of(
        h.svc
            .add_custom_attributes("us-east-1_Zz9Zz9Zz9", &added)
            .await,
    );
    assert!(matches!(err, DomainError::ResourceNotFound(_)), "{err:?}");
    assert_eq!(
        err.message(),
        "User pool us-east-1_Zz9Zz9Zz9 does not exist."
    );
}

#[tokio::test]
async fn users_can_hold_an_added_attribute() {
    let h = Harness::new();
    let pool = h.pool().await;
    let added = [custom("tenant", AttributeDataType::String)];
    h.svc.add_custom_attributes(&pool.id, &added).await.unwrap();
    h.create_user(
        &pool,
        "alice",
        &[("custom:tenant", "acme")],
        Some(TEMP_PASSWORD),
    )
    .await
    .unwrap();
    let user = h.svc.admin_get_user(&pool.id, "alice").await.unwrap();
    assert_eq!(user.attribute("custom:tenant"), Some("acme"));
}
