//! Groups: the operations' rules, the limits, memberships removed with their group or
//! user, and the group claims of tokens.

mod common;

use common::*;
use userpools_domain::groups::{GroupChanges, MAX_GROUPS_PER_POOL};
use userpools_domain::service::{Service, ServiceConfig};
use userpools_domain::DomainError;

const ROLE_A: &str = "arn:aws:iam::000000000000:role/A";
const ROLE_B: &str = "arn:aws:iam::000000000000:role/B";

fn group_not_found() -> DomainError {
    DomainError::ResourceNotFound("Group not found.".into())
}

#[tokio::test]
async fn a_group_is_created_read_updated_and_deleted() {
    let h = Harness::new();
    let pool = h.pool().await;
    let before = h.now_ms();
    let created = h
        .svc
        .create_group(&pool.id, "admins", Some("Admins."), Some(ROLE_A), Some(3))
        .await
        .unwrap();
    // The test clock runs in real time: the creation time lies between the two readings.
    assert!((before..=h.now_ms()).contains(&created.created_ms));
    assert_eq!(h.svc.get_group(&pool.id, "admins").await.unwrap(), created);

    h.clock.advance(60).unwrap();
    let changes = GroupChanges {
        precedence: Some(0),
        ..GroupChanges::default()
    };
    let before = h.now_ms();
    let updated = h
        .svc
        .update_group(&pool.id, "admins", changes)
        .await
        .unwrap();
    assert_eq!(updated.precedence, Some(0));
    assert_eq!(updated.description.as_deref(), Some("Admins."));
    assert_eq!(updated.role_arn.as_deref(), Some(ROLE_A));
    assert_eq!(updated.created_ms, created.created_ms);
    assert!((before..=h.now_ms()).contains(&updated.modified_ms));

    h.svc.delete_group(&pool.id, "admins").await.unwrap();
    let gone = error_of(h.svc.get_group(&pool.id, "admins").await);
    assert_eq!(gone, group_not_found());
    let again = error_of(h.svc.delete_group(&pool.id, "admins").await);
    assert_eq!(again, group_not_found());
    let update = error_of(
        h.svc
            .update_group(&pool.id, "admins", GroupChanges::default())
            .await,
    );
    assert_eq!(update, group_not_found());
}

#[tokio::test]
async fn a_duplicate_name_is_refused_and_names_are_case_sensitive() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.svc
        .create_group(&pool.id, "team", Some("first"), None, None)
        .await
        .unwrap();
    let duplicate = error_of(
        h.svc
            .create_group(&pool.id, "team", Some("second"), None, None)
            .await,
    );
    assert_eq!(
        duplicate,
        DomainError::GroupExists("A group with the name already exists.".into())
    );
    assert_eq!(
        h.svc
            .get_group(&pool.id, "team")
            .await
            .unwrap()
            .description
            .as_deref(),
        Some("first")
    );
    h.svc
        .create_group(&pool.id, "Team", None, None, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_negative_precedence_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    let e = error_of(
        h.svc
            .create_group(&pool.id, "g", None, None, Some(-1))
            .await,
    );
    assert!(matches!(e, DomainError::InvalidParameter(_)), "{e:?}");
    assert!(h
        .svc
        .list_groups(&pool.id, 60, None)
        .await
        .unwrap()
        .0
        .is_empty());
}

#[tokio::test]
async fn operations_on_a_missing_pool_name_the_pool() {
    let h = Harness::new();
    let missing = "us-east-1_Missing1";
    let expected = DomainError::pool_not_found(missing);
    let e = error_of(h.svc.create_group(missing, "g", None, None, None).await);
    assert_eq!(e, expected);
    assert_eq!(
        error_of(h.svc.list_groups(missing, 10, None).await),
        expected
    );
    assert_eq!(
        error_of(h.svc.admin_add_user_to_group(missing, "u", "g").await),
        expected
    );
}

#[tokio::test]
async fn a_pool_has_at_most_ten_thousand_groups() {
    let h = Harness::new();
    let pool = h.pool().await;
    // Concurrently (a second service over the same store, shared by the tasks), so that
    // the store commits them in a few batches.
    let svc = std::sync::Arc::new(Service::new(
        h.store.clone(),
        h.clock.clone(),
        h.master.clone(),
        ServiceConfig {
            region: REGION.into(),
            account_id: "123456789012".into(),
            issuer_base_url: ISSUER_BASE.into(),
        },
    ));
    let mut creates = tokio::task::JoinSet::new();
    for i in 0..MAX_GROUPS_PER_POOL {
        let (svc, pool_id) = (svc.clone(), pool.id.clone());
        creates.spawn(async move {
            svc.create_group(&pool_id, &format!("g{i:05}"), None, None, None)
                .await
        });
    }
    while let Some(created) = creates.join_next().await {
        created.unwrap().unwrap();
    }
    let e = error_of(
        h.svc
            .create_group(&pool.id, "one-more", None, None, None)
            .await,
    );
    assert_eq!(
        e,
        DomainError::LimitExceeded("The user pool has reached its limit of 10000 groups.".into())
    );
    h.svc.delete_group(&pool.id, "g00000").await.unwrap();
    h.svc
        .create_group(&pool.id, "one-more", None, None, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn memberships_go_with_their_group_and_their_user() {
    let h = Harness::new();
    let pool = h.pool().await;
    for name in ["alice", "bob"] {
        h.confirmed_user(&pool, name, PASSWORD).await;
    }
    for group in ["keep", "drop"] {
        h.svc
            .create_group(&pool.id, group, None, None, None)
            .await
            .unwrap();
        for name in ["alice", "bob"] {
            h.svc
                .admin_add_user_to_group(&pool.id, name, group)
                .await
                .unwrap();
        }
    }
    h.svc.delete_group(&pool.id, "drop").await.unwrap();
    let (groups, _) = h
        .svc
        .admin_list_groups_for_user(&pool.id, "alice", 60, None)
        .await
        .unwrap();
    assert_eq!(
        groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["keep"]
    );

    h.svc.admin_delete_user(&pool.id, "bob").await.unwrap();
    let (members, _) = h
        .svc
        .list_users_in_group(&pool.id, "keep", 60, None)
        .await
        .unwrap();
    assert_eq!(
        members
            .iter()
            .map(|u| u.username.as_str())
            .collect::<Vec<_>>(),
        ["alice"]
    );
    h.confirmed_user(&pool, "bob", PASSWORD).await;
    let (groups, _) = h
        .svc
        .admin_list_groups_for_user(&pool.id, "bob", 60, None)
        .await
        .unwrap();
    assert!(groups.is_empty());
}

#[tokio::test]
async fn unknown_groups_and_users_are_reported() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.confirmed_user(&pool, "alice", PASSWORD).await;
    h.svc
        .create_group(&pool.id, "g", None, None, None)
        .await
        .unwrap();
    let e = error_of(
        h.svc
            .admin_add_user_to_group(&pool.id, "alice", "nope")
            .await,
    );
    assert_eq!(e, group_not_found());
    let e = error_of(h.svc.admin_add_user_to_group(&pool.id, "ghost", "g").await);
    assert_eq!(e, user_not_found());
    let e = error_of(
        h.svc
            .admin_remove_user_from_group(&pool.id, "ghost", "g")
            .await,
    );
    assert_eq!(e, user_not_found());
    let e = error_of(h.svc.list_users_in_group(&pool.id, "nope", 60, None).await);
    assert_eq!(e, group_not_found());
    let e = error_of(
        h.svc
            .admin_list_groups_for_user(&pool.id, "ghost", 60, None)
            .await,
    );
    assert_eq!(e, user_not_found());
    let e = error_of(h.svc.list_groups(&pool.id, 60, Some("*bad*")).await);
    assert_eq!(e, invalid_parameter("Invalid pagination token."));
}

#[tokio::test]
async fn list_groups_pages_in_name_order() {
    let h = Harness::new();
    let pool = h.pool().await;
    for name in ["c", "a", "e", "b", "d"] {
        h.svc
            .create_group(&pool.id, name, None, None, None)
            .await
            .unwrap();
    }
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let (groups, next) = h
            .svc
            .list_groups(&pool.id, 2, token.as_deref())
            .await
            .unwrap();
        assert!(groups.len() <= 2);
        seen.extend(groups.into_iter().map(|g| g.name));
        match next {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, ["a", "b", "c", "d", "e"]);
}

#[tokio::test]
async fn tokens_carry_the_groups_as_they_are_when_issued() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    let svc = &h.svc;
    svc.create_group(&pool.id, "readers", None, Some(ROLE_B), Some(5))
        .await
        .unwrap();
    svc.create_group(&pool.id, "admins", None, Some(ROLE_A), Some(1))
        .await
        .unwrap();
    svc.create_group(&pool.id, "all", None, None, None)
        .await
        .unwrap();
    let before = h.sign_in(&client, "alice", PASSWORD).await;
    assert!(h
        .id_claims(&pool, &before)
        .await
        .get("cognito:groups")
        .is_none());
    for group in ["readers", "admins", "all"] {
        svc.admin_add_user_to_group(&pool.id, "alice", group)
            .await
            .unwrap();
    }
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let id = h.id_claims(&pool, &tokens).await;
    let access = h.access_claims(&pool, &tokens).await;
    let order = serde_json::json!(["admins", "readers", "all"]);
    assert_eq!(id["cognito:groups"], order);
    assert_eq!(access["cognito:groups"], order);
    assert_eq!(id["cognito:roles"], serde_json::json!([ROLE_A, ROLE_B]));
    assert_eq!(id["cognito:preferred_role"], ROLE_A);
    assert!(access.get("cognito:roles").is_none());
    assert!(access.get("cognito:preferred_role").is_none());

    svc.admin_remove_user_from_group(&pool.id, "alice", "admins")
        .await
        .unwrap();
    let refreshed = h
        .refresh(&client, tokens.refresh_token.as_deref().unwrap())
        .await
        .unwrap();
    let id = h.id_claims(&pool, &refreshed).await;
    assert_eq!(id["cognito:groups"], serde_json::json!(["readers", "all"]));
    assert_eq!(id["cognito:preferred_role"], ROLE_B);
    // The earlier tokens keep what they said.
    let old = h.id_claims(&pool, &tokens).await;
    assert_eq!(old["cognito:preferred_role"], ROLE_A);
}
