//! Passwords: sealed credentials (salt and SRP verifier), the policy and
//! history checks, AdminSetUserPassword and ChangePassword.

use crate::auth::{not_authorized, INCORRECT};
use crate::error::{DomainError, DomainResult};
use crate::model::{User, UserPool, UserStatus};
use crate::policy::{check_password_edges, PolicyMessagePrefix};
use crate::service::Service;
use crate::srp;

/// ChangePassword calls allowed per user per hour.
const PASSWORD_CHANGES_PER_HOUR: usize = 5;

/// Message of PasswordHistoryPolicyViolationException.
pub const PASSWORD_HISTORY_MESSAGE: &str =
    "The password does not meet password history requirements.";

fn credential_context(pool_id: &str, username: &str) -> Vec<u8> {
    format!("credential\0{pool_id}\0{username}").into_bytes()
}

impl Service {
    /// Seals a new credential (salt and SRP verifier) for `user`.
    pub(crate) fn seal_credential(&self, pool_id: &str, username: &str, password: &str) -> String {
        let salt = srp::Salt::random();
        let verifier = srp::compute_verifier(pool_id, username, password, &salt);
        let mut plain = salt.to_min_hex().into_bytes();
        plain.push(b':');
        plain.extend_from_slice(hex::encode(verifier.to_bytes()).as_bytes());
        self.master_key()
            .seal(&credential_context(pool_id, username), &plain)
    }

    /// Opens a sealed credential into its salt and verifier.
    pub(crate) fn open_credential(
        &self,
        pool_id: &str,
        username: &str,
        sealed: &str,
    ) -> DomainResult<(srp::Salt, srp::Verifier)> {
        let plain = self
            .master_key()
            .open(&credential_context(pool_id, username), sealed)?;
        let bad = || DomainError::Internal("malformed credential".into());
        let text = std::str::from_utf8(&plain).map_err(|_| bad())?;
        let (salt_hex, verifier_hex) = text.split_once(':').ok_or_else(bad)?;
        let salt = srp::Salt::from_hex(salt_hex).map_err(|_| bad())?;
        let verifier = srp::Verifier::from_bytes(&hex::decode(verifier_hex).map_err(|_| bad())?)
            .map_err(|_| bad())?;
        Ok((salt, verifier))
    }

    /// Does `password` match the sealed credential?
    pub fn credential_matches(
        &self,
        pool_id: &str,
        username: &str,
        sealed: &str,
        password: &str,
    ) -> DomainResult<bool> {
        let (salt, verifier) = self.open_credential(pool_id, username, sealed)?;
        Ok(srp::verify_password(
            pool_id, username, password, &salt, &verifier,
        ))
    }

    /// Replaces the user's password after the policy and history checks; the
    /// status becomes CONFIRMED (permanent) or FORCE_CHANGE_PASSWORD with a
    /// fresh temporary-password expiry.
    pub(crate) fn apply_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        new_credential: &str,
        password: &str,
        permanent: bool,
    ) -> DomainResult<()> {
        let history = pool.policy.password_history_size as usize;
        if history > 0 {
            let recent = user
                .credential
                .iter()
                .chain(user.previous_credentials.iter())
                .take(history);
            for sealed in recent {
                if self.credential_matches(&pool.id, &user.username, sealed, password)? {
                    return Err(DomainError::PasswordHistoryPolicyViolation(
                        PASSWORD_HISTORY_MESSAGE.into(),
                    ));
                }
            }
        }
        if let Some(old) = user.credential.take() {
            user.previous_credentials.insert(0, old);
        }
        user.previous_credentials
            .truncate(history.saturating_sub(1));
        user.credential = Some(new_credential.to_owned());
        if permanent {
            user.status = UserStatus::Confirmed;
            user.temporary_password_expires_ms = None;
        } else {
            user.status = UserStatus::ForceChangePassword;
            user.temporary_password_expires_ms = Some(self.temporary_password_expiry(pool));
        }
        Ok(())
    }

    pub(crate) fn temporary_password_expiry(&self, pool: &UserPool) -> i64 {
        let days = if pool.policy.temporary_password_validity_days == 0 {
            pool.unused_account_validity_days
                .filter(|d| *d > 0)
                .unwrap_or(7)
        } else {
            pool.policy.temporary_password_validity_days
        };
        self.now_ms() + i64::from(days) * 86_400_000
    }

    /// Policy and edge checks shared by every way of setting a password.
    pub(crate) fn check_new_password(
        pool: &UserPool,
        password: &str,
        member: &str,
        prefix: PolicyMessagePrefix,
    ) -> DomainResult<()> {
        check_password_edges(password, member)?;
        pool.policy.check(password, prefix)
    }

    /// AdminSetUserPassword: policy, history, then CONFIRMED (permanent) or
    /// FORCE_CHANGE_PASSWORD with the temporary-password clock restarted.
    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        Self::check_new_password(
            &pool,
            password,
            "password",
            PolicyMessagePrefix::DoesNotConformTo,
        )?;
        // The verifier is bound to the internal username, so it is computed for the user
        // the lookup finds, and only again if a retried write finds another one.
        let mut sealed: Option<(String, String)> = None;
        self.modify_user(&pool, username, |user| {
            let credential = match &sealed {
                Some((owner, credential)) if *owner == user.username => credential,
                _ => {
                    let credential = self.seal_credential(&pool.id, &user.username, password);
                    &sealed.insert((user.username.clone(), credential)).1
                }
            };
            self.apply_password(&pool, user, credential, password, permanent)
        })
        .await?;
        Ok(())
    }
}

impl Service {
    /// ChangePassword: the previous password must match; policy, history and
    /// 5 changes per hour apply.
    pub async fn change_password(
        &self,
        access_token: &str,
        previous: Option<&str>,
        proposed: &str,
    ) -> DomainResult<()> {
        let (pool, user, _) = self.authenticate_access_token(access_token).await?;
        Self::check_new_password(
            &pool,
            proposed,
            "proposedPassword",
            PolicyMessagePrefix::DoesNotConformTo,
        )?;
        let now = self.now_ms();
        let recent = user
            .password_changes_ms
            .iter()
            .filter(|t| now - **t < 3_600_000)
            .count();
        if recent >= PASSWORD_CHANGES_PER_HOUR {
            return Err(DomainError::LimitExceeded(
                "Attempt limit exceeded, please try after some time.".into(),
            ));
        }
        // Counted before the check, as a sign-in is: concurrent wrong guesses cannot
        // check more previous passwords than the lockout allows.
        let user = self.count_attempt(&pool, &user.username).await?;
        let previous_ok = match (&user.credential, previous) {
            (Some(sealed), Some(previous)) => {
                self.credential_matches(&pool.id, &user.username, sealed, previous)?
            }
            (None, None) => true,
            _ => false,
        };
        if !previous_ok {
            return Err(not_authorized(INCORRECT));
        }
        let credential = self.seal_credential(&pool.id, &user.username, proposed);
        self.modify_user(&pool, &user.username, |user| {
            user.failed_sign_ins = 0;
            user.locked_until_ms = 0;
            user.password_changes_ms.retain(|t| now - *t < 3_600_000);
            user.password_changes_ms.push(now);
            self.apply_password(&pool, user, &credential, proposed, true)
        })
        .await?;
        Ok(())
    }
}
