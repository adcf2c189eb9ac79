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
    /// Round 1. With PreventUserExistenceErrors ENABLED an unknown name gets
    /// the same answer as a real user (see [`Service::simulated_identity`])
    /// and status refusals wait for round 2.
    pub(super) async fn srp_round_one(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        srp_a: &str,
    ) -> DomainResult<AuthOutcome> {
        let bad_a = |_| DomainError::InvalidParameter("Invalid SRP_A value.".into());
        let hide = Self::hides_user_existence(client);
        let found = self.find_user(pool, username).await?;
        let (user_id, salt, verifier, simulated) = match found {
            Some(loaded) => {
                let user = loaded.user;
                if !hide {
                    Self::check_can_sign_in(client, &user)?;
                }
                match &user.credential {
                    Some(sealed) => {
                        let (salt, verifier) =
                            self.open_credential(&pool.id, &user.username, sealed)?;
                        (user.username.clone(), salt, verifier, false)
                    }
                    None => {
                        // No password (federated user): answer like an unknown user would.
                        let (salt, verifier) = self.simulated_credential(pool, &user.username);
                        (user.username.clone(), salt, verifier, true)
                    }
                }
            }
            None if hide => {
                let (user_id, normalised) = self.simulated_identity(pool, username);
                let (salt, verifier) = self.simulated_credential(pool, &normalised);
                (user_id, salt, verifier, true)
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

    /// `USER_ID_FOR_SRP` of an unknown name, and the normalised name its
    /// simulated credential derives from: the normalised name itself, as a
    /// real user's username would be; but where a real user's would differ
    /// from what was typed (pools signing in by email or phone, whose internal
    /// usernames are UUIDs, or an email/phone given to a pool with that
    /// alias) a stable UUID derived from the master key, pool and name.
    fn simulated_identity(&self, pool: &UserPool, name: &str) -> (String, String) {
        let normalised = pool.normalise(name);
        let alias_shaped = (name.contains('@') && pool.has_alias("email"))
            || (name.starts_with('+') && pool.has_alias("phone_number"));
        if pool.username_attributes.is_empty() && !alias_shaped {
            return (normalised.clone(), normalised);
        }
        let key = self
            .master_key()
            .derive(super::attempts::SIMULATED_KEY_LABEL);
        let (_, uuid) = srp::fake_salt_and_user_id(&key, &pool.id, &normalised);
        (uuid, normalised)
    }

    /// Round 2. The SECRET_BLOCK is single-use: a marker keyed by its digest
    /// is recorded before anything is verified, so a replayed answer and a
    /// second guess on one round 1 are refused, on every node. Then the
    /// attempt is counted (lockout) and the signature checked; a simulated
    /// block costs the same reads, writes and verification, and always fails.
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
        let raw_block = B64
            .decode(block_text)
            .map_err(|_| not_authorized(INCORRECT))?;
        // Keyed by the decoded bytes: another spelling of the same block is the same block.
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &raw_block);
        let marker = format!("srp-block/{}", hex::encode(digest.as_ref()));
        if !self
            .store()
            .put_marker(&marker, block.issued_ms + SRP_ROUND_TRIP_MS)
            .await?
        {
            return Err(not_authorized(SESSION_EXPIRED));
        }
        let state = B64
            .decode(&block.state)
            .ok()
            .and_then(|bytes| srp::ServerChallenge::from_state_bytes(&bytes).ok())
            .ok_or_else(|| DomainError::Internal("bad SRP state".into()))?;
        let verify = |user_id: &str| {
            srp::verify_signature(&state, &pool.id, user_id, &raw_block, timestamp, signature)
        };
        let hide = Self::hides_user_existence(client);
        let found = self.find_user(pool, username).await?;
        let user = match found {
            Some(loaded) if !block.simulated => loaded.user,
            None if !block.simulated && !hide => return Err(DomainError::user_not_found()),
            _ => {
                if hide {
                    self.simulate_attempt(pool, username, None).await?;
                }
                std::hint::black_box(verify(&block.username));
                return Err(not_authorized(INCORRECT));
            }
        };
        if user.username != block.username {
            return Err(not_authorized(INCORRECT));
        }
        if !hide {
            Self::check_can_sign_in(client, &user)?;
        }
        let user = self.count_attempt(pool, &user.username).await?;
        if !verify(&user.username) {
            return Err(not_authorized(INCORRECT));
        }
        self.after_password_proven(pool, client, &user).await
    }
}
