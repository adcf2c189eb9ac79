//! User pools: creation defaults, validation, update, deletion, listing, JWKS.

mod common;

use common::*;
use userpools_domain::model::PoolTier;
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::service::PoolSettings;
use userpools_domain::DomainError;

#[tokio::test]
async fn pool_id_is_region_underscore_nine_alphanumerics() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (region, suffix) = pool.id.split_once('_').expect("underscore");
    assert_eq!(region, REGION);
    assert_eq!(suffix.len(), 9);
    assert!(
        suffix.chars().all(|c| c.is_ascii_alphanumeric()),
        "{suffix}"
    );
}

#[tokio::test]
async fn pool_without_policy_gets_the_default_policy() {
    let h = Harness::new();
    let pool = h.pool().await;
    assert_eq!(pool.policy, PasswordPolicy::default());
    assert_eq!(pool.policy.minimum_length, 8);
    assert_eq!(pool.policy.temporary_password_validity_days, 7);
    assert!(pool.policy.require_symbols);
}

#[tokio::test]
async fn pool_defaults_tier_case_sensitivity_and_name() {
    let h = Harness::new();
    let pool = h.pool().await;
    assert_eq!(pool.tier, PoolTier::Essentials);
    assert!(pool.case_sensitive);
    assert_eq!(pool.name, "test-pool");
    assert!(!pool.deletion_protection);
    assert_eq!(pool.created_ms, pool.modified_ms);
}

#[tokio::test]
async fn describe_returns_what_was_created() {
    let h = Harness::new();
    let pool = h.pool_with_policy(relaxed_policy(12)).await;
    let described = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(described.id, pool.id);
    assert_eq!(described.policy, relaxed_policy(12));
}

#[tokio::test]
async fn describe_unknown_pool_is_resource_not_found() {
    let h = Harness::new();
    let err = error_of(h.svc.describe_pool("us-east-1_nothere00").await);
    assert_eq!(
        err,
        DomainError::ResourceNotFound("User pool us-east-1_nothere00 does not exist.".into())
    );
}

#[tokio::test]
async fn aliases_and_username_attributes_are_exclusive() {
    let h = Harness::new();
    let settings = PoolSettings {
        alias_attributes: strings(&["email"]),
        username_attributes: strings(&["email"]),
        ..pool_settings()
    };
    let err = error_of(h.create_pool(settings).await);
    assert_eq!(
        err,
        invalid_parameter(
            "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
        )
    );
}

#[tokio::test]
async fn password_history_is_unavailable_in_lite() {
    let h = Harness::new();
    let err = error_of(
        h.create_pool(tier_settings("LITE", Some(history_policy(3))))
            .await,
    );
    assert_eq!(
        err,
        DomainError::FeatureUnavailableInTier(
            "Password history is not available in the LITE tier. Upgrade the user pool to the ESSENTIALS or PLUS tier.".into()
        )
    );
}

#[tokio::test]
async fn password_history_is_available_in_plus() {
    let h = Harness::new();
    let pool = h
        .create_pool(tier_settings("PLUS", Some(history_policy(3))))
        .await
        .unwrap();
    assert_eq!(pool.tier, PoolTier::Plus);
    assert_eq!(pool.policy.password_history_size, 3);
}

#[tokio::test]
async fn duplicate_schema_attribute_is_rejected() {
    let h = Harness::new();
    let mut attribute = required_attribute("custom:tenant");
    attribute.required = false;
    let settings = PoolSettings {
        schema: vec![attribute.clone(), attribute],
        ..pool_settings()
    };
    let err = error_of(h.create_pool(settings).await);
    assert_eq!(
        err,
        invalid_parameter("Existing attribute already has name tenant.")
    );
}

#[tokio::test]
async fn required_custom_attribute_is_rejected() {
    let h = Harness::new();
    let settings = PoolSettings {
        schema: vec![required_attribute("custom:tenant")],
        ..pool_settings()
    };
    let err = error_of(h.create_pool(settings).await);
    assert_eq!(
        err,
        invalid_parameter(
            "Required custom attributes are not supported currently. Attribute: custom:tenant"
        )
    );
}

#[tokio::test]
async fn full_schema_lists_standard_then_custom_attributes() {
    let h = Harness::new();
    let mut custom = required_attribute("custom:tenant");
    custom.required = false;
    let settings = PoolSettings {
        schema: vec![custom, required_attribute("email")],
        ..pool_settings()
    };
    let pool = h.create_pool(settings).await.unwrap();
    let schema = pool.full_schema();
    assert_eq!(schema[0].name, "sub");
    assert_eq!(schema.last().unwrap().name, "custom:tenant");
    let email = schema.iter().find(|a| a.name == "email").unwrap();
    assert!(email.required, "declared override wins");
}

#[tokio::test]
async fn update_replaces_policy_and_keeps_aliases() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email"]).await;
    h.update_policy(&pool, relaxed_policy(6)).await;
    let updated = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(updated.policy, relaxed_policy(6));
    assert_eq!(updated.alias_attributes, strings(&["email"]));
    assert_eq!(updated.name, "test-pool");
}

#[tokio::test]
async fn update_without_policy_restores_the_default_policy() {
    let h = Harness::new();
    let pool = h.pool_with_policy(relaxed_policy(6)).await;
    h.svc.update_pool(&pool.id, pool_settings()).await.unwrap();
    let updated = h.svc.describe_pool(&pool.id).await.unwrap();
    assert_eq!(updated.policy, PasswordPolicy::default());
}

#[tokio::test]
async fn update_with_empty_name_keeps_the_name() {
    let h = Harness::new();
    let pool = h.pool().await;
    let settings = PoolSettings {
        name: String::new(),
        ..pool_settings()
    };
    h.svc.update_pool(&pool.id, settings).await.unwrap();
    assert_eq!(
        h.svc.describe_pool(&pool.id).await.unwrap().name,
        "test-pool"
    );
}

#[tokio::test]
async fn update_to_lite_with_history_is_refused() {
    let h = Harness::new();
    let pool = h.pool_with_policy(history_policy(2)).await;
    let err = error_of(
        h.svc
            .update_pool(&pool.id, tier_settings("LITE", Some(history_policy(2))))
            .await,
    );
    assert_eq!(err.type_name(), "FeatureUnavailableInTierException");
    assert_eq!(
        h.svc.describe_pool(&pool.id).await.unwrap().tier,
        PoolTier::Essentials
    );
}

#[tokio::test]
async fn update_of_unknown_pool_is_resource_not_found() {
    let h = Harness::new();
    let err = error_of(
        h.svc
            .update_pool("us-east-1_missing01", pool_settings())
            .await,
    );
    assert_eq!(
        err.message(),
        "User pool us-east-1_missing01 does not exist."
    );
}

#[tokio::test]
async fn deletion_protection_blocks_delete() {
    let h = Harness::new();
    let settings = PoolSettings {
        deletion_protection: true,
        ..pool_settings()
    };
    let pool = h.create_pool(settings).await.unwrap();
    let err = error_of(h.svc.delete_pool(&pool.id).await);
    assert_eq!(
        err,
        invalid_parameter("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
    );
    h.svc.describe_pool(&pool.id).await.expect("still there");
}

#[tokio::test]
async fn deleted_pool_is_gone() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.svc.delete_pool(&pool.id).await.unwrap();
    let err = error_of(h.svc.describe_pool(&pool.id).await);
    assert_eq!(err, DomainError::pool_not_found(&pool.id));
    let again = error_of(h.svc.delete_pool(&pool.id).await);
    assert_eq!(again, DomainError::pool_not_found(&pool.id));
}

#[tokio::test]
async fn list_pools_pages_in_id_order() {
    let h = Harness::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(h.pool().await.id);
    }
    ids.sort();
    let (first, token) = h.svc.list_pools(2, None).await.unwrap();
    assert_eq!(
        first.iter().map(|p| &p.id).collect::<Vec<_>>(),
        vec![&ids[0], &ids[1]]
    );
    let token = token.expect("a next page");
    let (second, end) = h.svc.list_pools(2, Some(&token)).await.unwrap();
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].id, ids[2]);
    assert!(end.is_none());
}

#[tokio::test]
async fn list_pools_rejects_a_garbled_token() {
    let h = Harness::new();
    let err = error_of(h.svc.list_pools(10, Some("***")).await);
    assert_eq!(err, invalid_parameter("Invalid pagination token."));
}

#[tokio::test]
async fn jwks_publishes_two_rs256_keys() {
    let h = Harness::new();
    let pool = h.pool().await;
    let jwks = h.svc.jwks(&pool.id).await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
    for key in keys {
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
    }
}

#[tokio::test]
async fn jwks_of_unknown_pool_is_resource_not_found() {
    let h = Harness::new();
    let err = error_of(h.svc.jwks("us-east-1_nopool000").await);
    assert_eq!(err.type_name(), "ResourceNotFoundException");
}
