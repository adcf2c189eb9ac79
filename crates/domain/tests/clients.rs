//! App clients: defaults, auth-flow and token-validity validation, secrets, CRUD.

mod common;

use common::*;
use userpools_domain::model::{ClientSecret, NewClientSecret};
use userpools_domain::DomainError;

#[tokio::test]
async fn default_flows_are_refresh_srp_and_custom() {
    let h = Harness::new();
    let pool = h.pool().await;
    let settings = userpools_domain::service::ClientSettings {
        name: "defaults".into(),
        ..Default::default()
    };
    let client = h.create_client(&pool, settings).await.unwrap();
    assert_eq!(
        client.explicit_auth_flows,
        auth_flows(&[
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_CUSTOM_AUTH"
        ])
    );
}

#[tokio::test]
async fn client_id_is_26_lowercase_alphanumerics() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    assert_eq!(client.client_id.len(), 26);
    assert!(client
        .client_id
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
    assert_eq!(client.pool_id, pool.id);
}

#[tokio::test]
async fn client_defaults() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    assert_eq!(client.prevent_user_existence_errors, wire("LEGACY"));
    assert!(client.enable_token_revocation);
    assert_eq!(client.auth_session_validity_minutes, 3);
    assert_eq!(client.access_token_validity_secs, 3600);
    assert_eq!(client.id_token_validity_secs, 3600);
    assert_eq!(client.refresh_token_validity_secs, 30 * 86_400);
    assert!(client.sealed_secret.is_none());
    assert_eq!(h.svc.client_secret(&client).unwrap(), None);
}

#[tokio::test]
async fn legacy_flows_cannot_mix_with_allow_flows() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.create_client(
            &pool,
            client_settings(&["USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]),
        )
        .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Legacy auth flows (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) cannot be combined with ALLOW_* auth flows.")
    );
}

#[tokio::test]
async fn legacy_flows_alone_are_accepted() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_flows(&pool, &["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"])
        .await;
    assert_eq!(
        client.explicit_auth_flows,
        auth_flows(&["ADMIN_NO_SRP_AUTH", "USER_PASSWORD_AUTH"])
    );
}

#[tokio::test]
async fn validity_units_convert_to_seconds() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_validity(&pool, (10, "minutes"), (600, "seconds"), (2, "hours"))
        .await
        .unwrap();
    assert_eq!(client.access_token_validity_secs, 600);
    assert_eq!(client.id_token_validity_secs, 600);
    assert_eq!(client.refresh_token_validity_secs, 7200);
}

#[tokio::test]
async fn refresh_validity_in_days() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_validity(&pool, (1, "hours"), (1, "hours"), (10, "days"))
        .await
        .unwrap();
    assert_eq!(client.refresh_token_validity_secs, 10 * 86_400);
}

#[tokio::test]
async fn access_validity_below_five_minutes_is_rejected() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.client_with_validity(&pool, (299, "seconds"), (1, "hours"), (30, "days"))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Invalid range for token validity: AccessTokenValidity must be between 5 minutes and 1 day.")
    );
}

#[tokio::test]
async fn access_validity_of_exactly_five_minutes_is_accepted() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_validity(&pool, (5, "minutes"), (5, "minutes"), (1, "hours"))
        .await
        .unwrap();
    assert_eq!(client.access_token_validity_secs, 300);
}

#[tokio::test]
async fn id_validity_above_a_day_is_rejected() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.client_with_validity(&pool, (1, "hours"), (25, "hours"), (30, "days"))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Invalid range for token validity: IdTokenValidity must be between 5 minutes and 1 day.")
    );
}

#[tokio::test]
async fn refresh_validity_below_an_hour_is_rejected() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.client_with_validity(&pool, (5, "minutes"), (5, "minutes"), (59, "minutes"))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Invalid range for token validity: RefreshTokenValidity must be between 60 minutes and 10 years.")
    );
}

#[tokio::test]
async fn refresh_validity_above_ten_years_is_rejected() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.client_with_validity(&pool, (1, "hours"), (1, "hours"), (3651, "days"))
            .await,
    );
    assert_eq!(err.type_name(), "InvalidParameterException");
    assert!(err.message().contains("RefreshTokenValidity"), "{err}");
}

#[tokio::test]
async fn refresh_validity_shorter_than_access_validity_is_rejected() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.client_with_validity(&pool, (1, "days"), (1, "hours"), (2, "hours"))
            .await,
    );
    assert_eq!(
        err,
        invalid_parameter("Invalid range for token validity: RefreshTokenValidity must be greater than AccessTokenValidity and IdTokenValidity.")
    );
}

#[tokio::test]
async fn refresh_validity_zero_means_thirty_days() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .client_with_validity(&pool, (1, "hours"), (1, "hours"), (0, "days"))
        .await
        .unwrap();
    assert_eq!(client.refresh_token_validity_secs, 30 * 86_400);
}

#[tokio::test]
async fn generated_secret_is_51_lowercase_alphanumerics() {
    let h = Harness::new();
    let pool = h.pool().await;
    let (client, secret) = h.secret_client(&pool).await;
    assert_eq!(secret.len(), 51);
    assert!(secret
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
    let sealed = client.sealed_secret.as_deref().unwrap();
    assert!(!sealed.contains(&secret), "the stored secret is sealed");
}

#[tokio::test]
async fn given_secret_is_kept() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h
        .svc
        .create_client(
            &pool.id,
            client_settings(ALL_FLOWS),
            Some(NewClientSecret::Given(ClientSecret::new(
                "my-own-secret".into(),
            ))),
        )
        .await
        .unwrap();
    let described = h
        .svc
        .describe_client(&pool.id, &client.client_id)
        .await
        .unwrap();
    assert_eq!(
        h.svc
            .client_secret(&described)
            .unwrap()
            .as_ref()
            .map(ClientSecret::expose),
        Some("my-own-secret")
    );
}

#[tokio::test]
async fn client_of_unknown_pool_is_pool_not_found() {
    let h = Harness::new();
    let err = error_of(
        h.svc
            .create_client("us-east-1_nopool000", client_settings(ALL_FLOWS), None)
            .await,
    );
    assert_eq!(err, DomainError::pool_not_found("us-east-1_nopool000"));
}

#[tokio::test]
async fn describe_unknown_client_is_resource_not_found() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.svc.describe_client(&pool.id, "nosuchclient").await);
    assert_eq!(
        err,
        DomainError::ResourceNotFound("User pool client nosuchclient does not exist.".into())
    );
}

#[tokio::test]
async fn a_client_is_not_found_through_another_pool() {
    let h = Harness::new();
    let pool = h.pool().await;
    let other = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.svc.describe_client(&other.id, &client.client_id).await);
    assert_eq!(err.type_name(), "ResourceNotFoundException");
}

#[tokio::test]
async fn update_replaces_the_settings() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let updated = h
        .svc
        .update_client(
            &pool.id,
            &client.client_id,
            validity_settings((30, "minutes"), (1, "hours"), (1, "days")),
        )
        .await
        .unwrap();
    assert_eq!(updated.access_token_validity_secs, 1800);
    assert_eq!(updated.refresh_token_validity_secs, 86_400);
    let described = h
        .svc
        .describe_client(&pool.id, &client.client_id)
        .await
        .unwrap();
    assert_eq!(described.access_token_validity_secs, 1800);
}

#[tokio::test]
async fn invalid_update_leaves_the_client_unchanged() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(
        h.svc
            .update_client(
                &pool.id,
                &client.client_id,
                client_settings(&["ADMIN_NO_SRP_AUTH", "ALLOW_USER_SRP_AUTH"]),
            )
            .await,
    );
    assert_eq!(err.type_name(), "InvalidParameterException");
    let described = h
        .svc
        .describe_client(&pool.id, &client.client_id)
        .await
        .unwrap();
    assert_eq!(described.explicit_auth_flows, auth_flows(ALL_FLOWS));
}

#[tokio::test]
async fn deleted_client_cannot_sign_in() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    h.svc
        .delete_client(&pool.id, &client.client_id)
        .await
        .unwrap();
    let err = error_of(h.password_sign_in(&client, "alice", PASSWORD).await);
    assert_eq!(
        err,
        DomainError::ResourceNotFound(format!(
            "User pool client {} does not exist.",
            client.client_id
        ))
    );
}

#[tokio::test]
async fn list_clients_pages() {
    let h = Harness::new();
    let pool = h.pool().await;
    for _ in 0..3 {
        h.client(&pool).await;
    }
    let (first, token) = h.svc.list_clients(&pool.id, 2, None).await.unwrap();
    assert_eq!(first.len(), 2);
    let (second, end) = h
        .svc
        .list_clients(&pool.id, 2, token.as_deref())
        .await
        .unwrap();
    assert_eq!(second.len(), 1);
    assert!(end.is_none());
    assert!(first.iter().all(|c| c.client_id != second[0].client_id));
}
