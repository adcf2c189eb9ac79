//! USER_PASSWORD_AUTH and ADMIN_USER_PASSWORD_AUTH: the password sent as is.

use super::{not_authorized, AuthOutcome, INCORRECT};
use crate::error::DomainResult;
use crate::model::{AppClient, UserPool};
use crate::service::Service;

impl Service {
    pub(super) async fn password_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> DomainResult<AuthOutcome> {
        let Some(loaded) = self.find_user(pool, username).await? else {
            return Err(Self::unknown_user(client));
        };
        let user = loaded.user;
        Self::check_can_sign_in(client, &user)?;
        self.check_lockout(&user)?;
        let matches = match &user.credential {
            Some(sealed) => self.credential_matches(&pool.id, &user.username, sealed, password)?,
            None => false,
        };
        if !matches {
            self.record_failure(pool, &user.username).await?;
            return Err(not_authorized(INCORRECT));
        }
        self.after_password_proven(pool, client, &user).await
    }
}
