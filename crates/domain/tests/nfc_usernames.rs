//! Composed and decomposed spellings of a name are one user (issue 12 item 11):
//! usernames and alias values are normalised to Unicode NFC on create and lookup.

mod common;

use common::*;
use userpools_domain::DomainError;

/// `josé` with U+00E9.
const COMPOSED: &str = "jos\u{e9}";
/// `josé` with `e` + U+0301.
const DECOMPOSED: &str = "jose\u{301}";

#[tokio::test]
async fn both_spellings_find_the_user_created_with_either() {
    for (created, other) in [(COMPOSED, DECOMPOSED), (DECOMPOSED, COMPOSED)] {
        let h = Harness::new();
        let pool = h.pool().await;
        let client = h.client(&pool).await;
        let user = h.confirmed_user(&pool, created, PASSWORD).await;
        assert_eq!(user.username, COMPOSED, "stored in NFC");
        assert_eq!(h.get_user(&pool, other).await.sub(), user.sub());
        h.sign_in(&client, other, PASSWORD).await;
        let err = error_of(h.create_user(&pool, other, &[], Some(TEMP_PASSWORD)).await);
        assert_eq!(
            err,
            DomainError::UsernameExists("User account already exists".into())
        );
        let err = error_of(h.sign_up(&client, other, PASSWORD, &[]).await);
        assert_eq!(
            err,
            DomainError::UsernameExists("User already exists".into())
        );
    }
}

#[tokio::test]
async fn case_insensitive_pools_fold_both_spellings() {
    let h = Harness::new();
    let pool = h.case_insensitive_pool().await;
    h.confirmed_user(&pool, "JOSE\u{301}", PASSWORD).await;
    assert_eq!(h.get_user(&pool, "jos\u{e9}").await.username, "JOS\u{c9}");
}

#[tokio::test]
async fn alias_values_are_normalised() {
    let h = Harness::new();
    let pool = h.pool_with_aliases(&["email", "preferred_username"]).await;
    let client = h.client(&pool).await;
    let email_decomposed = "jose\u{301}@example.com";
    let user = h
        .confirmed_user_with(
            &pool,
            "u1",
            &[
                ("email", email_decomposed),
                ("email_verified", "true"),
                ("preferred_username", "Rene\u{301}e"),
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(user.attribute("email"), Some("jos\u{e9}@example.com"));
    assert_eq!(
        h.get_user(&pool, "jos\u{e9}@example.com").await.username,
        "u1"
    );
    assert_eq!(h.get_user(&pool, "Ren\u{e9}e").await.username, "u1");
    h.sign_in(&client, "jos\u{e9}@example.com", PASSWORD).await;
    let err = error_of(
        h.create_user(
            &pool,
            "u2",
            &[
                ("email", "jos\u{e9}@example.com"),
                ("email_verified", "true"),
            ],
            Some(TEMP_PASSWORD),
        )
        .await,
    );
    assert!(matches!(err, DomainError::AliasExists(_)), "{err:?}");
}

#[tokio::test]
async fn email_sign_in_names_are_normalised() {
    let h = Harness::new();
    let pool = h.pool_with_username_attributes(&["email"]).await;
    let client = h.client(&pool).await;
    h.confirmed_user(&pool, "jose\u{301}@example.com", PASSWORD)
        .await;
    h.sign_in(&client, "jos\u{e9}@example.com", PASSWORD).await;
    let err = error_of(
        h.sign_up(&client, "jos\u{e9}@example.com", PASSWORD, &[])
            .await,
    );
    assert_eq!(
        err,
        DomainError::UsernameExists("An account with the given email already exists.".into())
    );
}
