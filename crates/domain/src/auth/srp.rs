//! USER_SRP_AUTH: round one answers the PASSWORD_VERIFIER challenge with SRP_B
//! and a sealed SECRET_BLOCK; round two checks the client's signature.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::{missing, not_authorized, AuthOutcome, ChallengeName, INCORRECT, SESSION_EXPIRED};
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, UserPool};
use crate::service::Service;
use crate::srp;

/// How long SRP round 2 may follow round 1.
const SRP_ROUND_TRIP_MS: i64 = 5 * 60 * 1000;
/// Accepted skew of the client's SRP TIMESTAMP against real time.
const SRP_TIMESTAMP_SKEW: time::Duration = time::Duration::minutes(15);
const SRP_BLOCK_CONTEXT: &[u8] = b"srp-secret-block";

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

impl Service {
    pub(super) async fn srp_round_one(
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
                            &self.master_key().derive("srp-fake"),
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
                    &self.master_key().derive("srp-fake"),
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
            issued_ms: self.now_ms(),
            state: B64.encode(challenge.to_state_bytes()),
        };
        let secret_block = self.master_key().seal(
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
            name: ChallengeName::PasswordVerifier,
            session: None,
            parameters,
        })
    }

    pub(super) async fn srp_round_two(
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
        let wall = self.wall_clock().now();
        if (client_time - wall).abs() > SRP_TIMESTAMP_SKEW {
            return Err(not_authorized(INCORRECT));
        }
        let block: SrpBlock = self
            .master_key()
            .open(SRP_BLOCK_CONTEXT, block_text)
            .ok()
            .and_then(|plain| serde_json::from_slice(&plain).ok())
            .ok_or_else(|| not_authorized(INCORRECT))?;
        if block.pool_id != pool.id || block.client_id != client.client_id {
            return Err(not_authorized(INCORRECT));
        }
        if self.now_ms() - block.issued_ms > SRP_ROUND_TRIP_MS {
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
}
