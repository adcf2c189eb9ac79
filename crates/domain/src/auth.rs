//! Sign-in: InitiateAuth / AdminInitiateAuth, the PASSWORD_VERIFIER (SRP) and
//! NEW_PASSWORD_REQUIRED challenges, tokens, refresh, sign-out and the
//! access-token-authorised user operations.
//!
//! Nothing of a sign-in lives in a node's memory: SRP round-1 state travels
//! sealed in SECRET_BLOCK, challenge sessions are sealed too (with a one-time
//! marker in the store), and refresh tokens are sealed claims checked against
//! the user's live sessions.

use std::collections::BTreeMap;
use std::sync::Arc;

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, SignInSession, User, UserPool, UserStatus};
use crate::policy::{check_password_edges, PolicyMessagePrefix};
use crate::service::Service;
use crate::srp;
use crate::tokens::{self, PoolSigningKeys, RefreshClaims, TokenContext, TokenUse};

const INCORRECT: &str = "Incorrect username or password.";
const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";
/// How long SRP round 2 may follow round 1.
const SRP_ROUND_TRIP_MS: i64 = 5 * 60 * 1000;
/// Accepted skew of the client's SRP TIMESTAMP against real time.
const SRP_TIMESTAMP_SKEW: time::Duration = time::Duration::minutes(15);
/// Sign-in sessions kept per user (oldest dropped first).
const MAX_SESSIONS: usize = 100;
/// Failed sign-ins forgotten after this quiet period.
const FAILURE_RESET_MS: i64 = 15 * 60 * 1000;
/// ChangePassword calls allowed per user per hour.
const PASSWORD_CHANGES_PER_HOUR: usize = 5;

/// Tokens of a successful sign-in (`AuthenticationResult`).
#[derive(Clone)]
pub struct AuthTokens {
    /// Access token (JWT).
    pub access_token: String,
    /// ID token (JWT).
    pub id_token: String,
    /// Refresh token (opaque); None on refresh.
    pub refresh_token: Option<String>,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

impl std::fmt::Debug for AuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthTokens(*** redacted ***)")
    }
}

/// What a sign-in step answers: a challenge or tokens.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    /// A challenge to answer next.
    Challenge {
        /// ChallengeName.
        name: &'static str,
        /// Session to send back, if any.
        session: Option<String>,
        /// ChallengeParameters.
        parameters: BTreeMap<String, String>,
    },
    /// Signed in.
    Tokens(AuthTokens),
}

/// Who calls: the app-client API (InitiateAuth) or an administrator naming the pool.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// InitiateAuth / RespondToAuthChallenge.
    Client,
    /// AdminInitiateAuth / AdminRespondToAuthChallenge on this pool.
    Admin(&'a str),
}

/// Sealed SRP round-1 state, carried in SECRET_BLOCK.
#[derive(Serialize, Deserialize)]
struct SrpBlock {
    pool_id: String,
    client_id: String,
    /// Internal username, or the simulated id of an unknown user.
    username: String,
    /// The user does not exist (PreventUserExistenceErrors): round 2 always fails.
    simulated: bool,
    issued_ms: i64,
    /// Base64 of the SRP state bytes.
    state: String,
}

/// Sealed challenge session (NEW_PASSWORD_REQUIRED).
#[derive(Serialize, Deserialize)]
struct ChallengeSession {
    id: String,
    challenge: String,
    pool_id: String,
    client_id: String,
    username: String,
    expires_ms: i64,
    /// Digest of the credential the challenge was issued for: a session dies
    /// when the password changes (answered, or reset by an administrator).
    credential: String,
}

/// A short digest identifying a sealed credential (not secret by itself).
fn credential_digest(user: &User) -> String {
    let sealed = user.credential.as_deref().unwrap_or_default();
    hex::encode(
        &aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, sealed.as_bytes()).as_ref()[..16],
    )
}

const SRP_BLOCK_CONTEXT: &[u8] = b"srp-secret-block";
const SESSION_CONTEXT: &[u8] = b"challenge-session";

fn not_authorized(message: &str) -> DomainError {
    DomainError::NotAuthorized(message.into())
}

fn missing(parameter: &str) -> DomainError {
    DomainError::InvalidParameter(format!("Missing required parameter {parameter}"))
}

fn flow_enabled(client: &AppClient, flow: &str) -> bool {
    let has = |f: &str| client.explicit_auth_flows.iter().any(|x| x == f);
    let legacy = client
        .explicit_auth_flows
        .iter()
        .all(|f| !f.starts_with("ALLOW_"));
    match flow {
        "USER_PASSWORD_AUTH" => has("ALLOW_USER_PASSWORD_AUTH") || has("USER_PASSWORD_AUTH"),
        "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
            has("ALLOW_ADMIN_USER_PASSWORD_AUTH") || has("ADMIN_NO_SRP_AUTH")
        }
        "USER_SRP_AUTH" => has("ALLOW_USER_SRP_AUTH") || legacy,
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => has("ALLOW_REFRESH_TOKEN_AUTH") || legacy,
        "CUSTOM_AUTH" => has("ALLOW_CUSTOM_AUTH") || has("CUSTOM_AUTH_FLOW_ONLY"),
        "USER_AUTH" => has("ALLOW_USER_AUTH"),
        _ => false,
    }
}

impl Service {
    /// The issuer of a pool's tokens.
    pub fn issuer(&self, pool_id: &str) -> String {
        tokens::issuer_for(&self.issuer_base_url, pool_id)
    }

    /// The pool's signing keys, created on first use (shared by every node
    /// through the store: the first stored pair wins).
    pub async fn signing_keys(&self, pool_id: &str) -> DomainResult<Arc<PoolSigningKeys>> {
        if let Some(keys) = self
            .signing_keys
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(pool_id)
        {
            return Ok(keys.clone());
        }
        let name = format!("signing-keys/{pool_id}");
        let sealed = match self.store.get_setting(&name).await? {
            Some(sealed) => sealed,
            None => {
                let generated = PoolSigningKeys::generate()?.to_sealed(&self.master_key, pool_id);
                self.store.put_setting_if_absent(&name, &generated).await?
            }
        };
        let keys = Arc::new(PoolSigningKeys::from_sealed(
            &self.master_key,
            pool_id,
            &sealed,
        )?);
        self.signing_keys
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

    /// The client named by a sign-in call; for admin calls it must belong to the pool.
    async fn sign_in_client(
        &self,
        caller: Caller<'_>,
        client_id: &str,
    ) -> DomainResult<(UserPool, AppClient)> {
        if let Caller::Admin(pool_id) = caller {
            self.load_pool(pool_id).await?;
        }
        let (pool, client) = self.client_by_id(client_id).await?;
        if let Caller::Admin(pool_id) = caller {
            if pool.id != pool_id {
                return Err(DomainError::ResourceNotFound(format!(
                    "User pool client {client_id} does not exist."
                )));
            }
        }
        Ok((pool, client))
    }

    fn hides_user_existence(client: &AppClient) -> bool {
        client.prevent_user_existence_errors == "ENABLED"
    }

    /// The error for an unknown user in a sign-in flow.
    fn unknown_user(client: &AppClient) -> DomainError {
        if Self::hides_user_existence(client) {
            not_authorized(INCORRECT)
        } else {
            DomainError::user_not_found()
        }
    }

    /// Refusals that do not depend on the password: disabled, unconfirmed, reset required.
    fn check_can_sign_in(client: &AppClient, user: &User) -> DomainResult<()> {
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

    /// Records a failed sign-in (and the lockout it may start).
    async fn record_failure(&self, pool: &UserPool, username: &str) -> DomainResult<()> {
        let now = self.clock.now_millis();
        self.modify_user(pool, username, |user| {
            if now - user.last_failed_sign_in_ms > FAILURE_RESET_MS {
                user.failed_sign_ins = 0;
            }
            user.failed_sign_ins += 1;
            user.last_failed_sign_in_ms = now;
            if user.failed_sign_ins >= 5 {
                let seconds = 1i64 << (user.failed_sign_ins - 5).min(10);
                user.locked_until_ms = now + seconds.min(900) * 1000;
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    fn check_lockout(&self, user: &User) -> DomainResult<()> {
        if user.locked_until_ms > self.clock.now_millis() {
            return Err(not_authorized("Password attempts exceeded"));
        }
        Ok(())
    }

    /// After the password was proven: the temporary-password rules, then a
    /// NEW_PASSWORD_REQUIRED challenge or tokens.
    async fn after_password_proven(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> DomainResult<AuthOutcome> {
        if user.status == UserStatus::ForceChangePassword {
            if user
                .temporary_password_expires_ms
                .is_some_and(|expires| expires <= self.clock.now_millis())
            {
                return Err(not_authorized(
                    "Temporary password has expired and must be reset by an administrator.",
                ));
            }
            self.reset_failures(pool, &user.username).await?;
            return self.new_password_challenge(pool, client, user);
        }
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

    fn new_password_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> DomainResult<AuthOutcome> {
        let session = ChallengeSession {
            id: uuid::Uuid::new_v4().to_string(),
            challenge: "NEW_PASSWORD_REQUIRED".into(),
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            username: user.username.clone(),
            expires_ms: self.clock.now_millis()
                + i64::from(client.auth_session_validity_minutes) * 60_000,
            credential: credential_digest(user),
        };
        let sealed = self.master_key.seal(
            SESSION_CONTEXT,
            &serde_json::to_vec(&session).unwrap_or_default(),
        );
        let session_token = B64URL.encode(B64.decode(sealed).unwrap_or_default());
        let attributes: serde_json::Map<String, Value> = user
            .attributes
            .iter()
            .filter(|(name, _)| name != "sub")
            .map(|(name, value)| (name.clone(), Value::String(value.clone())))
            .collect();
        let required: Vec<String> = pool
            .full_schema()
            .iter()
            .filter(|a| a.required && a.name != "sub" && user.attribute(&a.name).is_none())
            .map(|a| format!("userAttributes.{}", a.name))
            .collect();
        let mut parameters = BTreeMap::new();
        parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        parameters.insert(
            "requiredAttributes".into(),
            Value::from(required).to_string(),
        );
        parameters.insert(
            "userAttributes".into(),
            Value::Object(attributes).to_string(),
        );
        Ok(AuthOutcome::Challenge {
            name: "NEW_PASSWORD_REQUIRED",
            session: Some(session_token),
            parameters,
        })
    }

    fn open_session(
        &self,
        session: Option<&str>,
        challenge: &str,
        client: &AppClient,
    ) -> DomainResult<ChallengeSession> {
        let expired = || not_authorized(SESSION_EXPIRED);
        let raw = B64URL
            .decode(session.ok_or_else(|| missing("Session"))?)
            .map_err(|_| expired())?;
        let plain = self
            .master_key
            .open(SESSION_CONTEXT, &B64.encode(raw))
            .map_err(|_| expired())?;
        let session: ChallengeSession = serde_json::from_slice(&plain).map_err(|_| expired())?;
        if session.challenge != challenge
            || session.client_id != client.client_id
            || session.expires_ms <= self.clock.now_millis()
        {
            return Err(expired());
        }
        Ok(session)
    }

    /// Issues ID, access and refresh tokens and records the sign-in session.
    async fn issue_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
    ) -> DomainResult<AuthTokens> {
        let now_ms = self.clock.now_millis();
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
            &self.master_key,
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
    async fn mint(
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
        let readable: Vec<(String, String)> = match client.attribute_permissions("ReadAttributes") {
            Some(allowed) => user
                .attributes
                .iter()
                .filter(|(name, _)| allowed.contains(name))
                .cloned()
                .collect(),
            None => user.attributes.clone(),
        };
        let context = TokenContext {
            issuer: &self.issuer_base_url,
            pool_id: &pool.id,
            client_id: &client.client_id,
            username: &user.username,
            sub: user.sub(),
            attributes: &readable,
            auth_time,
            now: self.clock.now().unix_timestamp(),
            id_validity_secs: client.id_token_validity_secs,
            access_validity_secs: client.access_token_validity_secs,
            origin_jti,
            event_id: &event_id,
            groups: &[],
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

    /// InitiateAuth and AdminInitiateAuth.
    pub async fn initiate_auth(
        &self,
        caller: Caller<'_>,
        client_id: &str,
        flow: &str,
        parameters: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let (pool, client) = self.sign_in_client(caller, client_id).await?;
        let admin_flow = matches!(flow, "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH");
        if admin_flow && matches!(caller, Caller::Client) {
            return Err(DomainError::InvalidParameter(
                "Initiate Auth method not supported.".into(),
            ));
        }
        if flow == "USER_PASSWORD_AUTH" && matches!(caller, Caller::Admin(_)) {
            return Err(DomainError::InvalidParameter(
                "Initiate Auth method not supported.".into(),
            ));
        }
        if !flow_enabled(&client, flow) {
            return Err(DomainError::InvalidParameter(match flow {
                "USER_PASSWORD_AUTH" => {
                    "USER_PASSWORD_AUTH flow not enabled for this client".into()
                }
                _ => "Auth flow not enabled for this client".into(),
            }));
        }
        let parameter = |name: &str| parameters.get(name).map(String::as_str);
        match flow {
            "USER_PASSWORD_AUTH" | "ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH" => {
                let username = parameter("USERNAME").ok_or_else(|| missing("USERNAME"))?;
                let password = parameter("PASSWORD").ok_or_else(|| missing("PASSWORD"))?;
                self.check_secret_hash(&client, username, parameter("SECRET_HASH"))?;
                self.password_sign_in(&pool, &client, username, password)
                    .await
            }
            "USER_SRP_AUTH" => {
                let username = parameter("USERNAME").ok_or_else(|| missing("USERNAME"))?;
                let srp_a = parameter("SRP_A").ok_or_else(|| missing("SRP_A"))?;
                self.check_secret_hash(&client, username, parameter("SECRET_HASH"))?;
                self.srp_round_one(&pool, &client, username, srp_a).await
            }
            "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => {
                let token = parameter("REFRESH_TOKEN").ok_or_else(|| missing("REFRESH_TOKEN"))?;
                self.refresh(
                    &pool,
                    &client,
                    token,
                    parameter("SECRET_HASH"),
                    parameter("USERNAME"),
                )
                .await
                .map(AuthOutcome::Tokens)
            }
            "CUSTOM_AUTH" => Err(DomainError::InvalidParameter(
                "Custom auth lambda trigger is not configured for the user pool.".into(),
            )),
            _ => Err(DomainError::InvalidParameter(format!(
                "The {flow} flow is not supported by userpools yet."
            ))),
        }
    }

    async fn password_sign_in(
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

    async fn srp_round_one(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        srp_a: &str,
    ) -> DomainResult<AuthOutcome> {
        let bad_a = |_| DomainError::InvalidParameter("Invalid SRP_A value.".into());
        let found = self.find_user(pool, username).await?;
        let (user_id, salt, verifier, simulated) = match found {
            Some(loaded) => {
                let user = loaded.user;
                Self::check_can_sign_in(client, &user)?;
                match &user.credential {
                    Some(sealed) => {
                        let (salt, verifier) =
                            self.open_credential(&pool.id, &user.username, sealed)?;
                        (user.username.clone(), salt, verifier, false)
                    }
                    None => {
                        // No password (federated user): answer like an unknown user would.
                        let (salt, _) = srp::fake_salt_and_user_id(
                            &self.master_key.derive("srp-fake"),
                            &pool.id,
                            &user.username,
                        );
                        let verifier = srp::compute_verifier(
                            &pool.id,
                            &user.username,
                            &uuid::Uuid::new_v4().to_string(),
                            &salt,
                        );
                        (user.username.clone(), salt, verifier, true)
                    }
                }
            }
            None if Self::hides_user_existence(client) => {
                let normalised = pool.normalise(username);
                let (salt, fake_id) = srp::fake_salt_and_user_id(
                    &self.master_key.derive("srp-fake"),
                    &pool.id,
                    &normalised,
                );
                let verifier = srp::compute_verifier(
                    &pool.id,
                    &fake_id,
                    &uuid::Uuid::new_v4().to_string(),
                    &salt,
                );
                (fake_id, salt, verifier, true)
            }
            None => return Err(DomainError::user_not_found()),
        };
        let challenge = srp::start(&verifier, srp_a).map_err(bad_a)?;
        let block = SrpBlock {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            username: user_id.clone(),
            simulated,
            issued_ms: self.clock.now_millis(),
            state: B64.encode(challenge.to_state_bytes()),
        };
        let secret_block = self.master_key.seal(
            SRP_BLOCK_CONTEXT,
            &serde_json::to_vec(&block).unwrap_or_default(),
        );
        let mut parameters = BTreeMap::new();
        parameters.insert("SALT".into(), salt.to_min_hex());
        parameters.insert("SRP_B".into(), challenge.srp_b_hex());
        parameters.insert("SECRET_BLOCK".into(), secret_block);
        parameters.insert("USER_ID_FOR_SRP".into(), user_id.clone());
        parameters.insert("USERNAME".into(), user_id);
        Ok(AuthOutcome::Challenge {
            name: "PASSWORD_VERIFIER",
            session: None,
            parameters,
        })
    }

    /// RespondToAuthChallenge and AdminRespondToAuthChallenge.
    pub async fn respond_to_auth_challenge(
        &self,
        caller: Caller<'_>,
        client_id: &str,
        challenge: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let (pool, client) = self.sign_in_client(caller, client_id).await?;
        let response = |name: &str| responses.get(name).map(String::as_str);
        let username = response("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        self.check_secret_hash(&client, username, response("SECRET_HASH"))?;
        match challenge {
            "PASSWORD_VERIFIER" => {
                self.srp_round_two(&pool, &client, username, responses)
                    .await
            }
            "NEW_PASSWORD_REQUIRED" => {
                self.answer_new_password(&pool, &client, username, session, responses)
                    .await
            }
            other => Err(DomainError::InvalidParameter(format!(
                "The {other} challenge is not supported by userpools yet."
            ))),
        }
    }

    async fn srp_round_two(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        responses: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let response = |name: &str| responses.get(name).map(String::as_str);
        let block_text = response("PASSWORD_CLAIM_SECRET_BLOCK")
            .ok_or_else(|| missing("PASSWORD_CLAIM_SECRET_BLOCK"))?;
        let signature = response("PASSWORD_CLAIM_SIGNATURE")
            .ok_or_else(|| missing("PASSWORD_CLAIM_SIGNATURE"))?;
        let timestamp = response("TIMESTAMP").ok_or_else(|| missing("TIMESTAMP"))?;
        let client_time = srp::parse_timestamp(timestamp).ok_or_else(|| {
            DomainError::InvalidParameter(
                "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.".into(),
            )
        })?;
        let wall = self.wall_clock.now();
        if (client_time - wall).abs() > SRP_TIMESTAMP_SKEW {
            return Err(not_authorized(INCORRECT));
        }
        let block: SrpBlock = self
            .master_key
            .open(SRP_BLOCK_CONTEXT, block_text)
            .ok()
            .and_then(|plain| serde_json::from_slice(&plain).ok())
            .ok_or_else(|| not_authorized(INCORRECT))?;
        if block.pool_id != pool.id || block.client_id != client.client_id {
            return Err(not_authorized(INCORRECT));
        }
        if self.clock.now_millis() - block.issued_ms > SRP_ROUND_TRIP_MS {
            return Err(not_authorized(SESSION_EXPIRED));
        }
        if block.simulated {
            return Err(not_authorized(INCORRECT));
        }
        let Some(loaded) = self.find_user(pool, username).await? else {
            return Err(Self::unknown_user(client));
        };
        let user = loaded.user;
        if user.username != block.username {
            return Err(not_authorized(INCORRECT));
        }
        Self::check_can_sign_in(client, &user)?;
        self.check_lockout(&user)?;
        let state = B64
            .decode(&block.state)
            .ok()
            .and_then(|bytes| srp::ServerChallenge::from_state_bytes(&bytes).ok())
            .ok_or_else(|| DomainError::Internal("bad SRP state".into()))?;
        let raw_block = B64
            .decode(block_text)
            .map_err(|_| not_authorized(INCORRECT))?;
        if !srp::verify_signature(
            &state,
            &pool.id,
            &user.username,
            &raw_block,
            timestamp,
            signature,
        ) {
            self.record_failure(pool, &user.username).await?;
            return Err(not_authorized(INCORRECT));
        }
        self.after_password_proven(pool, client, &user).await
    }

    async fn answer_new_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let session = self.open_session(session, "NEW_PASSWORD_REQUIRED", client)?;
        let new_password = responses
            .get("NEW_PASSWORD")
            .ok_or_else(|| missing("NEW_PASSWORD"))?;
        let Some(loaded) = self.find_user(pool, username).await? else {
            return Err(not_authorized(SESSION_EXPIRED));
        };
        if loaded.user.username != session.username
            || loaded.user.status != UserStatus::ForceChangePassword
        {
            return Err(not_authorized(SESSION_EXPIRED));
        }
        Self::check_can_sign_in(client, &loaded.user)?;
        let attributes: Vec<(String, String)> = responses
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("userAttributes.")
                    .map(|name| (name.to_owned(), v.clone()))
            })
            .collect();
        Self::check_attributes(pool, &attributes, false)?;
        for (name, _) in &attributes {
            let required = pool.attribute(name).is_some_and(|a| a.required);
            if required && loaded.user.attribute(name).is_some() {
                return Err(DomainError::InvalidParameter(format!(
                    "Cannot modify an already provided required attribute: {name}"
                )));
            }
        }
        // The challenge answer reports edge whitespace as a policy failure
        // (InvalidPasswordException), not as a validation error.
        if check_password_edges(new_password, "newPassword").is_err() {
            return Err(DomainError::InvalidPassword(
                "Password does not conform to policy: Password must not start or end with whitespace"
                    .into(),
            ));
        }
        pool.policy
            .check(new_password, PolicyMessagePrefix::DoesNotConformTo)?;
        let credential = self.seal_credential(&pool.id, &loaded.user.username, new_password);
        let (user, ()) = self
            .modify_user(pool, &loaded.user.username, |user| {
                if user.status != UserStatus::ForceChangePassword
                    || credential_digest(user) != session.credential
                {
                    return Err(not_authorized(SESSION_EXPIRED));
                }
                for (name, value) in &attributes {
                    user.set_attribute(name, (!value.is_empty()).then_some(value.as_str()));
                }
                Self::check_required(pool, user).map_err(|_| {
                    let missing = pool
                        .full_schema()
                        .into_iter()
                        .find(|a| {
                            a.required && a.name != "sub" && user.attribute(&a.name).is_none()
                        })
                        .map(|a| a.name)
                        .unwrap_or_default();
                    DomainError::InvalidParameter(format!(
                        "Invalid attributes given, {missing} is missing"
                    ))
                })?;
                self.apply_password(pool, user, &credential, new_password, true)
            })
            .await?;
        // The session is single-use: a replay after success is refused.
        if !self
            .store
            .put_marker(&format!("session:{}", session.id), session.expires_ms)
            .await?
        {
            return Err(not_authorized(SESSION_EXPIRED));
        }
        self.issue_tokens(pool, client, &user.username)
            .await
            .map(AuthOutcome::Tokens)
    }

    async fn refresh(
        &self,
        pool: &UserPool,
        client: &AppClient,
        token: &str,
        secret_hash: Option<&str>,
        username: Option<&str>,
    ) -> DomainResult<AuthTokens> {
        let invalid = || not_authorized("Invalid Refresh Token.");
        let claims = tokens::open_refresh_token(&self.master_key, token).ok_or_else(invalid)?;
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
        if claims.expires_at * 1000 <= self.clock.now_millis() {
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
        if expires <= self.clock.now().unix_timestamp() {
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

    /// GetUser.
    pub async fn get_user(&self, access_token: &str) -> DomainResult<User> {
        Ok(self.authenticate_access_token(access_token).await?.1)
    }

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
        let now = self.clock.now_millis();
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
        self.check_lockout(&user)?;
        let previous_ok = match (&user.credential, previous) {
            (Some(sealed), Some(previous)) => {
                self.credential_matches(&pool.id, &user.username, sealed, previous)?
            }
            (None, None) => true,
            _ => false,
        };
        if !previous_ok {
            self.record_failure(&pool, &user.username).await?;
            return Err(not_authorized(INCORRECT));
        }
        let credential = self.seal_credential(&pool.id, &user.username, proposed);
        self.modify_user(&pool, &user.username, |user| {
            user.password_changes_ms.retain(|t| now - *t < 3_600_000);
            user.password_changes_ms.push(now);
            self.apply_password(&pool, user, &credential, proposed, true)
        })
        .await?;
        Ok(())
    }

    /// UpdateUserAttributes with an access token.
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attributes: &[(String, String)],
    ) -> DomainResult<()> {
        let (pool, user, client_id) = self.authenticate_access_token(access_token).await?;
        if let Ok((_, client)) = self.client_by_id(&client_id).await {
            if let Some(allowed) = client.attribute_permissions("WriteAttributes") {
                if attributes.iter().any(|(name, _)| !allowed.contains(name)) {
                    return Err(not_authorized(
                        "A client attempted to write unauthorized attribute",
                    ));
                }
            }
        }
        for (name, _) in attributes {
            if name.ends_with("_verified") {
                return Err(DomainError::InvalidParameter(format!(
                    "Cannot modify the non-mutable attribute {name}"
                )));
            }
        }
        self.admin_update_user_attributes(&pool.id, &user.username, attributes)
            .await
    }

    /// DeleteUser with an access token.
    pub async fn delete_user(&self, access_token: &str) -> DomainResult<()> {
        let (pool, user, _) = self.authenticate_access_token(access_token).await?;
        self.admin_delete_user(&pool.id, &user.username).await
    }

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

    async fn end_sessions(
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
                secret.as_bytes(),
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
        let Some(claims) = tokens::open_refresh_token(&self.master_key, token) else {
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
