//! Ending sign-in sessions: GlobalSignOut, AdminUserGlobalSignOut, RevokeToken.

use super::not_authorized;
use crate::error::{DomainError, DomainResult};
use crate::model::UserPool;
use crate::service::Service;
use crate::tokens;

impl Service {
    /// GlobalSignOut with an access token.
    pub async fn global_sign_out(&self, access_token: &str) -> DomainResult<()> {
        let (pool, user, _) = self.authenticate_access_token(access_token).await?;
        self.end_sessions(&pool, &user.username, None).await
    }

    /// AdminUserGlobalSignOut.
    pub async fn admin_user_global_sign_out(
        &self,
        pool_id: &str,
        username: &str,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        self.require_user(&pool, username).await?;
        self.end_sessions(&pool, username, None).await
    }

    pub(super) async fn end_sessions(
        &self,
        pool: &UserPool,
        username: &str,
        only: Option<&str>,
    ) -> DomainResult<()> {
        self.modify_user(pool, username, |user| {
            match only {
                Some(jti) => user.sessions.retain(|s| s.origin_jti != jti),
                None => user.sessions.clear(),
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// RevokeToken: ends the session of a refresh token (and its access tokens).
    pub async fn revoke_token(
        &self,
        token: &str,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> DomainResult<()> {
        let (pool, client) = self.client_by_id(client_id).await?;
        if let Some(secret) = self.client_secret(&client)? {
            let given = client_secret.unwrap_or_default();
            if !bool::from(subtle::ConstantTimeEq::ct_eq(
                secret.expose().as_bytes(),
                given.as_bytes(),
            )) {
                return Err(not_authorized(&format!(
                    "Client {} is configured with secret but the secret was not received or does not match.",
                    client.client_id
                )));
            }
        }
        if !client.enable_token_revocation {
            return Err(DomainError::InvalidParameter(
                "Token revocation is not enabled for this client.".into(),
            ));
        }
        let Some(claims) = tokens::open_refresh_token(self.master_key(), token) else {
            return Err(DomainError::UnsupportedTokenType(
                "The token type is not supported.".into(),
            ));
        };
        if claims.client_id != client.client_id || claims.pool_id != pool.id {
            return Err(not_authorized("Invalid Refresh Token."));
        }
        if self.find_user(&pool, &claims.username).await?.is_some() {
            self.end_sessions(&pool, &claims.username, Some(&claims.origin_jti))
                .await?;
        }
        Ok(())
    }
}
