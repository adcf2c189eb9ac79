//! REFRESH_TOKEN_AUTH: new ID and access tokens for a live sign-in session.

use super::{not_authorized, AuthTokens};
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, UserPool};
use crate::service::Service;
use crate::tokens;

impl Service {
    pub(super) async fn refresh(
        &self,
        pool: &UserPool,
        client: &AppClient,
        token: &str,
        secret_hash: Option<&str>,
        username: Option<&str>,
    ) -> DomainResult<AuthTokens> {
        let invalid = || not_authorized("Invalid Refresh Token.");
        let claims = tokens::open_refresh_token(self.master_key(), token).ok_or_else(invalid)?;
        if claims.pool_id != pool.id || claims.client_id != client.client_id {
            return Err(invalid());
        }
        if self.client_secret(client)?.is_some() {
            let name = username.unwrap_or(&claims.username);
            self.check_secret_hash(client, name, secret_hash)
                .map_err(|e| match e {
                    DomainError::NotAuthorized(_) if secret_hash.is_some() => {
                        not_authorized(&format!(
                            "SecretHash does not match for the client: {}",
                            client.client_id
                        ))
                    }
                    other => other,
                })?;
        }
        if claims.expires_at * 1000 <= self.now_ms() {
            return Err(not_authorized("Refresh Token has expired"));
        }
        let user = self
            .find_user(pool, &claims.username)
            .await?
            .ok_or_else(|| not_authorized("User does not exist."))?
            .user;
        if !user.enabled {
            return Err(not_authorized("User is disabled."));
        }
        if !user
            .sessions
            .iter()
            .any(|s| s.origin_jti == claims.origin_jti)
        {
            return Err(not_authorized("Refresh Token has been revoked"));
        }
        self.mint(pool, client, &user, &claims.origin_jti, claims.auth_time)
            .await
    }
}
