//! The password policy on every way of setting a password, with Cognito's messages.

mod common;

use common::*;
use userpools_domain::DomainError;

#[tokio::test]
async fn short_password_is_not_long_enough() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "Ab1!", true).await);
    assert_eq!(err, policy_violation("Password not long enough"));
}

#[tokio::test]
async fn uppercase_is_required() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "abcdefg1!", true).await);
    assert_eq!(
        err,
        policy_violation("Password must have uppercase characters")
    );
}

#[tokio::test]
async fn lowercase_is_required() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "ABCDEFG1!", true).await);
    assert_eq!(
        err,
        policy_violation("Password must have lowercase characters")
    );
}

#[tokio::test]
async fn numbers_are_required() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "ABCdefgh!", true).await);
    assert_eq!(
        err,
        policy_violation("Password must have numeric characters")
    );
}

#[tokio::test]
async fn symbols_are_required() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "ABCdefgh1", true).await);
    assert_eq!(
        err,
        policy_violation("Password must have symbol characters")
    );
}

#[tokio::test]
async fn length_is_reported_before_classes() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "abc", true).await);
    assert_eq!(err, policy_violation("Password not long enough"));
}

#[tokio::test]
async fn an_inner_space_counts_as_a_symbol() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.set_password(&pool, "bob", "Abc def12", true)
        .await
        .unwrap();
    h.sign_in(&client, "bob", "Abc def12").await;
}

#[tokio::test]
async fn edge_whitespace_is_a_validation_error() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", " Passw0rd!", true).await);
    assert_eq!(err, edge_whitespace("password"));
    let trailing = error_of(h.set_password(&pool, "bob", "Passw0rd! ", true).await);
    assert_eq!(trailing, edge_whitespace("password"));
}

#[tokio::test]
async fn temporary_password_violating_the_policy_is_refused() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.create_user(&pool, "bob", &[], Some("short")).await);
    assert_eq!(err, policy_violation("Password not long enough"));
    let missing = error_of(h.svc.admin_get_user(&pool.id, "bob").await);
    assert_eq!(missing, user_not_found(), "no user was created");
}

#[tokio::test]
async fn temporary_password_edge_whitespace_names_the_member() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(h.create_user(&pool, "bob", &[], Some("Temp0rary! ")).await);
    assert_eq!(err, edge_whitespace("temporaryPassword"));
}

#[tokio::test]
async fn sign_up_uses_the_did_not_conform_wording() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let err = error_of(h.sign_up(&client, "alice", "password", &[]).await);
    assert_eq!(
        err,
        DomainError::InvalidPassword(
            "Password did not conform with policy: Password must have uppercase characters".into()
        )
    );
}

#[tokio::test]
async fn relaxed_policy_accepts_plain_passwords() {
    let h = Harness::new();
    let pool = h.pool_with_policy(relaxed_policy(6)).await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", "aaaaaa").await;
    h.set_password(&pool, "bob", "bbbbbb", true).await.unwrap();
    h.sign_in(&client, "bob", "bbbbbb").await;
    let err = error_of(h.set_password(&pool, "bob", "ccccc", true).await);
    assert_eq!(err, policy_violation("Password not long enough"));
}

#[tokio::test]
async fn length_counts_characters_not_bytes() {
    let h = Harness::new();
    let pool = h.pool_with_policy(relaxed_policy(8)).await;
    h.temp_user(&pool, "bob", "aaaaaaaa").await;
    // Seven two-byte characters: 14 bytes, still too short.
    let err = error_of(h.set_password(&pool, "bob", "ééééééé", true).await);
    assert_eq!(err, policy_violation("Password not long enough"));
    h.set_password(&pool, "bob", "éééééééé", true)
        .await
        .unwrap();
}

#[tokio::test]
async fn non_ascii_letters_do_not_satisfy_case_rules() {
    let h = Harness::new();
    let pool = h.pool().await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let err = error_of(h.set_password(&pool, "bob", "ÉCOLE123!", true).await);
    assert_eq!(
        err,
        policy_violation("Password must have lowercase characters")
    );
}

#[tokio::test]
async fn a_policy_update_applies_to_the_next_password() {
    let h = Harness::new();
    let pool = h.pool_with_policy(relaxed_policy(6)).await;
    h.temp_user(&pool, "bob", "aaaaaa").await;
    let mut policy = relaxed_policy(10);
    policy.require_numbers = true;
    h.update_policy(&pool, policy).await;
    let err = error_of(h.set_password(&pool, "bob", "abcdefghij", true).await);
    assert_eq!(
        err,
        policy_violation("Password must have numeric characters")
    );
    h.set_password(&pool, "bob", "abcdefghi1", true)
        .await
        .unwrap();
}

#[tokio::test]
async fn refused_password_leaves_the_old_one_working() {
    let h = Harness::new();
    let (pool, client) = h.pool_client_and_alice().await;
    error_of(h.set_password(&pool, "alice", "weak", true).await);
    h.sign_in(&client, "alice", PASSWORD).await;
}

#[tokio::test]
async fn seeding_checks_the_policy() {
    let h = Harness::new();
    let pool = h.pool().await;
    let err = error_of(
        h.svc
            .seed_confirmed_users(&pool.id, &strings(&["u1"]), "weakpass")
            .await,
    );
    assert_eq!(
        err,
        policy_violation("Password must have uppercase characters")
    );
}

#[tokio::test]
async fn change_password_checks_the_policy() {
    let h = Harness::new();
    let (_, client) = h.pool_client_and_alice().await;
    let tokens = h.sign_in(&client, "alice", PASSWORD).await;
    let err = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(PASSWORD), "Sh0rt!")
            .await,
    );
    assert_eq!(err, policy_violation("Password not long enough"));
    let edge = error_of(
        h.svc
            .change_password(&tokens.access_token, Some(PASSWORD), " 0therPass!")
            .await,
    );
    assert_eq!(edge, edge_whitespace("proposedPassword"));
}

#[tokio::test]
async fn new_password_challenge_checks_the_policy() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), "nouppercase1!", &[])
            .await,
    );
    assert_eq!(
        err,
        policy_violation("Password must have uppercase characters")
    );
}

#[tokio::test]
async fn new_password_challenge_reports_edge_whitespace_as_policy() {
    let h = Harness::new();
    let (_, client, session) = h.bob_at_new_password().await;
    let err = error_of(
        h.respond_new_password(&client, "bob", Some(&session), "Passw0rd! ", &[])
            .await,
    );
    assert_eq!(
        err,
        DomainError::InvalidPassword(
            "Password does not conform to policy: Password must not start or end with whitespace"
                .into()
        )
    );
}
