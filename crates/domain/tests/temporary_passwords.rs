//! Temporary passwords: their validity, its renewal, and what expiry refuses.

mod common;

use common::*;
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::service::PoolSettings;

const DAY: i64 = 86_400;

fn expired() -> userpools_domain::DomainError {
    not_authorized("Temporary password has expired and must be reset by an administrator.")
}

fn policy_with_validity(days: u32) -> PasswordPolicy {
    PasswordPolicy {
        temporary_password_validity_days: days,
        ..PasswordPolicy::default()
    }
}

#[tokio::test]
async fn temporary_password_leads_to_the_new_password_challenge() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let outcome = h
        .password_sign_in(&client, "bob", TEMP_PASSWORD)
        .await
        .unwrap();
    let (session, _) = challenge_of(outcome, "NEW_PASSWORD_REQUIRED");
    assert!(session.is_some());
}

#[tokio::test]
async fn default_validity_is_seven_days() {
    let h = Harness::new();
    let pool = h.pool().await;
    let before = h.now_ms();
    let user = h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    let after = h.now_ms();
    let expires = user.temporary_password_expires_ms.unwrap();
    let seven_days = 7 * DAY * 1000;
    assert!(
        (before + seven_days..=after + seven_days).contains(&expires),
        "{expires}"
    );
}

#[tokio::test]
async fn valid_until_just_before_expiry() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(7 * DAY - 600).unwrap();
    h.new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
}

#[tokio::test]
async fn expired_after_seven_days() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(7 * DAY + 1).unwrap();
    let err = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
    assert_eq!(err, expired());
}

#[tokio::test]
async fn expired_through_the_admin_flow_too() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(8 * DAY).unwrap();
    let err = error_of(
        h.admin_password_sign_in(&pool, &client, "bob", TEMP_PASSWORD)
            .await,
    );
    assert_eq!(err, expired());
}

#[tokio::test]
async fn wrong_password_on_an_expired_temporary_password_is_incorrect() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(8 * DAY).unwrap();
    let err = error_of(h.password_sign_in(&client, "bob", "Wr0ng!pass").await);
    assert_eq!(err, not_authorized(INCORRECT));
}

#[tokio::test]
async fn policy_validity_days_are_honoured() {
    let h = Harness::new();
    let pool = h.pool_with_policy(policy_with_validity(1)).await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(DAY - 600).unwrap();
    h.new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    h.clock.advance(601).unwrap();
    let err = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
    assert_eq!(err, expired());
}

#[tokio::test]
async fn zero_validity_falls_back_to_unused_account_validity_days() {
    let h = Harness::new();
    let settings = PoolSettings {
        policy: Some(policy_with_validity(0)),
        unused_account_validity_days: Some(2),
        ..pool_settings()
    };
    let pool = h.create_pool(settings).await.unwrap();
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(2 * DAY - 600).unwrap();
    h.new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    h.clock.advance(601).unwrap();
    let err = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
    assert_eq!(err, expired());
}

#[tokio::test]
async fn zero_validity_without_legacy_setting_means_seven_days() {
    let h = Harness::new();
    let pool = h.pool_with_policy(policy_with_validity(0)).await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(7 * DAY - 600).unwrap();
    h.new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
    h.clock.advance(601).unwrap();
    let err = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
    assert_eq!(err, expired());
}

#[tokio::test]
async fn policy_validity_wins_over_unused_account_validity() {
    let h = Harness::new();
    let settings = PoolSettings {
        policy: Some(policy_with_validity(3)),
        unused_account_validity_days: Some(1),
        ..pool_settings()
    };
    let pool = h.create_pool(settings).await.unwrap();
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(2 * DAY).unwrap();
    h.new_password_challenge(&client, "bob", TEMP_PASSWORD)
        .await;
}

#[tokio::test]
async fn resend_restarts_the_validity() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(6 * DAY).unwrap();
    h.resend_invitation(&pool, "bob", "Fresh7emp!")
        .await
        .unwrap();
    h.clock.advance(6 * DAY).unwrap();
    h.new_password_challenge(&client, "bob", "Fresh7emp!").await;
}

#[tokio::test]
async fn resend_renews_an_expired_temporary_password() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(8 * DAY).unwrap();
    h.resend_invitation(&pool, "bob", "Fresh7emp!")
        .await
        .unwrap();
    h.new_password_challenge(&client, "bob", "Fresh7emp!").await;
}

#[tokio::test]
async fn admin_temporary_password_restarts_the_validity() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(8 * DAY).unwrap();
    h.set_password(&pool, "bob", OTHER_PASSWORD, false)
        .await
        .unwrap();
    h.new_password_challenge(&client, "bob", OTHER_PASSWORD)
        .await;
}

#[tokio::test]
async fn permanent_password_clears_the_expiry() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(8 * DAY).unwrap();
    h.set_password(&pool, "bob", PASSWORD, true).await.unwrap();
    assert_eq!(
        h.get_user(&pool, "bob").await.temporary_password_expires_ms,
        None
    );
    h.clock.advance(30 * DAY).unwrap();
    h.sign_in(&client, "bob", PASSWORD).await;
}

#[tokio::test]
async fn expiry_does_not_touch_confirmed_users() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    let user = h.confirmed_user(&pool, "alice", PASSWORD).await;
    assert_eq!(user.temporary_password_expires_ms, None);
    h.clock.advance(365 * DAY).unwrap();
    h.sign_in(&client, "alice", PASSWORD).await;
}

#[tokio::test]
async fn expired_sign_in_is_not_a_failed_attempt() {
    let h = Harness::new();
    let pool = h.pool().await;
    let client = h.client(&pool).await;
    h.temp_user(&pool, "bob", TEMP_PASSWORD).await;
    h.clock.advance(8 * DAY).unwrap();
    for _ in 0..6 {
        let err = error_of(h.password_sign_in(&client, "bob", TEMP_PASSWORD).await);
        assert_eq!(err, expired());
    }
    assert_eq!(h.get_user(&pool, "bob").await.failed_sign_ins, 0);
}
