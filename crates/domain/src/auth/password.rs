//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password sent as is.

use super::{not_authorized, AuthOutcome, INCORRECT};
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, UserPool};
use crate::service::Service;

impl Service {
    /// Checks the password of `username`. The attempt is counted before the
    /// check (lockout); with PreventUserExistenceErrors ENABLED, an unknown
    /// name costs the same work and write as a wrong password, and the status
    /// refusals wait until the password is proven.
    pub(super) async fn password_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> DomainResult<AuthOutcome> {
        let hide = Self::hides_user_existence(client);
        let Some(loaded) = self.find_user(pool, username).await? else {
            if !hide {
                return Err(DomainError::user_not_found());
            }
            self.simulate_attempt(pool, username, Some(password))
                .await?;
            return Err(not_authorized(INCORRECT));
        };
        if !hide {
            Self::check_can_sign_in(client, &loaded.user)?;
        }
        let user = self.count_attempt(pool, &loaded.user.username).await?;
        let matches = match &user.credential {
            Some(sealed) => self.credential_matches(&pool.id, &user.username, sealed, password)?,
            None => {
                // No password (federated user): the same work, never a match.
                let (salt, verifier) = self.simulated_credential(pool, &user.username);
                std::hint::black_box(crate::srp::verify_password(
                    &pool.id,
                    &user.username,
                    password,
                    &salt,
                    &verifier,
                ));
                false
            }
        };
        if !matches {
            return Err(not_authorized(INCORRECT));
        }
        self.after_password_proven(pool, client, &user).await
    }
}
