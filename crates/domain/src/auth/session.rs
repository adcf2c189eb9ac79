//! Tokens of a sign-in session: the pool's signing keys, issuing ID, access
//! and refresh tokens, and checking an access token.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde_json::Value;

use super::{not_authorized, AuthTokens};
use crate::error::DomainResult;
use crate::model::{AppClient, SignInSession, User, UserPool};
use crate::service::Service;
use crate::tokens::{self, PoolSigningKeys, RefreshClaims, TokenContext, TokenUse};

/// Sign-in sessions kept per user (oldest dropped first).
const MAX_SESSIONS: usize = 100;

impl Service {
    /// The issuer of a pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> String {
        tokens::issuer_for(self.issuer_base_url(), pool_id)
    }

    /// The pool's signing keys, created on first use (shared by every node
    /// through the store: the first stored pair wins).
    pub async fn signing_keys(&self, pool_id: &str) -> DomainResult<Arc<PoolSigningKeys>> {
        if let Some(keys) = self
            .signing_key_cache()
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(pool_id)
        {
            return Ok(keys.clone());
        }
        let name = format!("signing-keys/{pool_id}");
        let sealed = match self.store().get_setting(&name).await? {
            Some(sealed) => sealed,
            None => {
                let generated = PoolSigningKeys::generate()?.to_sealed(self.master_key(), pool_id);
                self.store()
                    .put_setting_if_absent(&name, &generated)
                    .await?
            }
        };
        let keys = Arc::new(PoolSigningKeys::from_sealed(
            self.master_key(),
            pool_id,
            &sealed,
        )?);
        self.signing_key_cache()
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(pool_id.to_owned(), keys.clone());
        Ok(keys)
    }

    /// The JWKS document of a pool.
    pub async fn jwks(&self, pool_id: &str) -> DomainResult<Value> {
        self.load_pool(pool_id).await?;
        Ok(self.signing_keys(pool_id).await?.jwks())
    }

    /// Issues ID, access and refresh tokens and records the sign-in session.
    pub(super) async fn issue_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
    ) -> DomainResult<AuthTokens> {
        let now_ms = self.now_ms();
        let origin_jti = uuid::Uuid::new_v4().to_string();
        let refresh_expires_ms = now_ms + client.refresh_token_validity_secs as i64 * 1000;
        let (user, ()) = self
            .modify_user(pool, username, |user| {
                user.failed_sign_ins = 0;
                user.locked_until_ms = 0;
                user.sessions.retain(|s| s.expires_ms > now_ms);
                if user.sessions.len() >= MAX_SESSIONS {
                    user.sessions.remove(0);
                }
                user.sessions.push(SignInSession {
                    origin_jti: origin_jti.clone(),
                    client_id: client.client_id.clone(),
                    expires_ms: refresh_expires_ms,
                });
                Ok(())
            })
            .await?;
        let auth_time = now_ms / 1000;
        let mut tokens = self
            .mint(pool, client, &user, &origin_jti, auth_time)
            .await?;
        tokens.refresh_token = Some(tokens::seal_refresh_token(
            self.master_key(),
            &RefreshClaims {
                pool_id: pool.id.clone(),
                client_id: client.client_id.clone(),
                username: user.username.clone(),
                origin_jti,
                auth_time,
                issued_at: auth_time,
                expires_at: refresh_expires_ms / 1000,
            },
        ));
        Ok(tokens)
    }

    /// Signs ID and access tokens for a session.
    pub(super) async fn mint(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        origin_jti: &str,
        auth_time: i64,
    ) -> DomainResult<AuthTokens> {
        let keys = self.signing_keys(&pool.id).await?;
        let event_id = uuid::Uuid::new_v4().to_string();
        // The ID token carries only what the client may read (ReadAttributes).
        let readable = crate::users::attribute_rights::readable(client, &user.attributes);
        // Group claims as the memberships are now (sign-in and refresh alike).
        let group_claims = self.group_claims(&pool.id, &user.username).await?;
        let context = TokenContext {
            issuer: self.issuer_base_url(),
            pool_id: &pool.id,
            client_id: &client.client_id,
            username: &user.username,
            sub: user.sub(),
            attributes: &readable,
            auth_time,
            now: self.clock().now().unix_timestamp(),
            id_validity_secs: client.id_token_validity_secs,
            access_validity_secs: client.access_token_validity_secs,
            origin_jti,
            event_id: &event_id,
            groups: &group_claims.groups,
            roles: &group_claims.roles,
            preferred_role: group_claims.preferred_role.as_deref(),
        };
        Ok(AuthTokens {
            access_token: tokens::sign_jwt(
                &keys,
                TokenUse::Access,
                &tokens::access_token_claims(&context),
            )?,
            id_token: tokens::sign_jwt(&keys, TokenUse::Id, &tokens::id_token_claims(&context))?,
            refresh_token: None,
            expires_in: client.access_token_validity_secs,
        })
    }

    /// Checks an access token and returns its pool and user (for the
    /// token-authorised operations).
    pub async fn authenticate_access_token(
        &self,
        token: &str,
    ) -> DomainResult<(UserPool, User, String)> {
        let invalid = || not_authorized("Invalid Access Token");
        let payload = token.split('.').nth(1).ok_or_else(invalid)?;
        let unverified: Value = B64URL
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(invalid)?;
        let issuer = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let pool_id = issuer.rsplit('/').next().ok_or_else(invalid)?;
        if issuer != self.issuer(pool_id) {
            return Err(invalid());
        }
        let Ok((pool, _)) = self.load_pool(pool_id).await else {
            return Err(invalid());
        };
        let keys = self.signing_keys(pool_id).await?;
        let claims = tokens::verify_jwt(&keys, TokenUse::Access, token).ok_or_else(invalid)?;
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Err(invalid());
        }
        let expires = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or_else(invalid)?;
        if expires <= self.clock().now().unix_timestamp() {
            return Err(not_authorized("Access Token has expired"));
        }
        let username = claims
            .get("username")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let origin_jti = claims
            .get("origin_jti")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let Some(loaded) = self.find_user(&pool, username).await? else {
            return Err(not_authorized("User does not exist."));
        };
        if loaded.user.username != username {
            return Err(invalid());
        }
        if !loaded
            .user
            .sessions
            .iter()
            .any(|s| s.origin_jti == origin_jti)
        {
            return Err(not_authorized("Access Token has been revoked"));
        }
        if !loaded.user.enabled {
            return Err(not_authorized("User is disabled."));
        }
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Ok((pool, loaded.user, client_id))
    }
}
