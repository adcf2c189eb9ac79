//! What every password check shares: the status refusals, the failed-attempt
//! count and lockout (counted before the password is checked), simulated
//! attempts for unknown names (PreventUserExistenceErrors), and what follows a
//! proven password.

use super::{not_authorized, AuthOutcome, INCORRECT};
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::service::Service;
use crate::srp as srp6a;

const LOCKED: &str = "Password attempts exceeded";
/// Failed sign-ins forgotten after this quiet period.
const FAILURE_RESET_MS: i64 = 15 * 60 * 1000;
/// Failed sign-ins before the first lock.
const FAILURES_BEFORE_LOCK: u32 = 5;
/// Label of the key simulated users' salts and USER_ID_FOR_SRP derive from.
pub(super) const SIMULATED_KEY_LABEL: &str = "srp-fake";

/// Counts one failed sign-in at `now`: failures are forgotten after a quiet
/// period; from the fifth on the user is locked for `2^(n-5)` seconds (at
/// most 15 minutes).
fn count_failure(user: &mut User, now: i64) {
    if now - user.last_failed_sign_in_ms > FAILURE_RESET_MS {
        user.failed_sign_ins = 0;
    }
    user.failed_sign_ins += 1;
    user.last_failed_sign_in_ms = now;
    if user.failed_sign_ins >= FAILURES_BEFORE_LOCK {
        let seconds = 1i64 << (user.failed_sign_ins - FAILURES_BEFORE_LOCK).min(10);
        user.locked_until_ms = now + seconds.min(900) * 1000;
    }
}

impl Service {
    /// Refusals that do not depend on the password: disabled, unconfirmed, reset required.
    pub(super) fn check_can_sign_in(client: &AppClient, user: &User) -> DomainResult<()> {
        if !user.enabled {
            return Err(not_authorized("User is disabled."));
        }
        match user.status {
            UserStatus::Unconfirmed => Err(DomainError::UserNotConfirmed(
                "User is not confirmed.".into(),
            )),
            UserStatus::ResetRequired if Self::hides_user_existence(client) => {
                Err(not_authorized(INCORRECT))
            }
            UserStatus::ResetRequired => Err(DomainError::PasswordResetRequired(
                "Password reset required for the user".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Counts a sign-in attempt as failed *before* its password is checked,
    /// in one conditional write of the user's row (retried on conflict), so
    /// that concurrent guesses, on any node, are checked one after the other
    /// against the lockout rule: a locked user is refused (and the attempt
    /// does not count). A proven password then resets the count. Returns the
    /// user as written.
    pub(crate) async fn count_attempt(
        &self,
        pool: &UserPool,
        username: &str,
    ) -> DomainResult<User> {
        let now = self.now_ms();
        let (user, ()) = self
            .modify_user(pool, username, |user| {
                if user.locked_until_ms > now {
                    return Err(not_authorized(LOCKED));
                }
                count_failure(user, now);
                Ok(())
            })
            .await?;
        Ok(user)
    }

    /// A sign-in by a name no user has, with PreventUserExistenceErrors
    /// ENABLED: the same kind of write (a one-time marker) and, given a
    /// password, the same verifier work as a wrong password for a real user,
    /// so that neither the answer nor its time tells the two apart.
    pub(super) async fn simulate_attempt(
        &self,
        pool: &UserPool,
        name: &str,
        password: Option<&str>,
    ) -> DomainResult<()> {
        // The steps of a real user's counted attempt (`modify_user`): the
        // user's locks, a read under them, then one write.
        let key = pool.normalise(name);
        let _local = self.user_locks().lock(format!("{}/{key}", pool.id)).await;
        let _shared = self
            .store()
            .lock_user(&pool.id, &key)
            .await
            .unwrap_or_else(|_| userpools_storage::UserLock::none());
        std::hint::black_box(self.find_user(pool, name).await?.is_some());
        let marker = format!("sign-in-unknown/{}", uuid::Uuid::new_v4());
        self.store()
            .put_marker(&marker, self.now_ms() + FAILURE_RESET_MS)
            .await?;
        drop((_local, _shared));
        if let Some(password) = password {
            let normalised = pool.normalise(name);
            let (salt, verifier) = self.simulated_credential(pool, &normalised);
            std::hint::black_box(srp6a::verify_password(
                &pool.id,
                &normalised,
                password,
                &salt,
                &verifier,
            ));
        }
        Ok(())
    }

    /// The salt and verifier of a simulated user (an unknown name, or a user
    /// without a password): the salt stable, derived from the master key, pool
    /// and name; the verifier [`srp6a::simulated_verifier`].
    pub(super) fn simulated_credential(
        &self,
        pool: &UserPool,
        name: &str,
    ) -> (srp6a::Salt, srp6a::Verifier) {
        let key = self.master_key().derive(SIMULATED_KEY_LABEL);
        let (salt, _) = srp6a::fake_salt_and_user_id(&key, &pool.id, name);
        (salt, srp6a::simulated_verifier())
    }

    /// After the password was proven: the refusals kept until now when
    /// existence is hidden (status, then an expired temporary password),
    /// then a NEW_PASSWORD_REQUIRED challenge or tokens. The failed-attempt
    /// count taken before the check is reset on every path.
    pub(super) async fn after_password_proven(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> DomainResult<AuthOutcome> {
        let mut refusal = if Self::hides_user_existence(client) {
            Self::check_can_sign_in(client, user).err()
        } else {
            None
        };
        if refusal.is_none()
            && user.status == UserStatus::ForceChangePassword
            && user
                .temporary_password_expires_ms
                .is_some_and(|expires| expires <= self.now_ms())
        {
            refusal = Some(not_authorized(
                "Temporary password has expired and must be reset by an administrator.",
            ));
        }
        if let Some(refusal) = refusal {
            self.reset_failures(pool, &user.username).await?;
            return Err(refusal);
        }
        if user.status == UserStatus::ForceChangePassword {
            self.reset_failures(pool, &user.username).await?;
            return self.new_password_challenge(pool, client, user);
        }
        // Issuing tokens resets the count in the same write.
        self.issue_tokens(pool, client, &user.username)
            .await
            .map(AuthOutcome::Tokens)
    }

    async fn reset_failures(&self, pool: &UserPool, username: &str) -> DomainResult<()> {
        self.modify_user(pool, username, |user| {
            user.failed_sign_ins = 0;
            user.locked_until_ms = 0;
            Ok(())
        })
        .await?;
        Ok(())
    }
}
