//! NEW_PASSWORD_REQUIRED: the challenge a temporary password leads to, its
//! sealed single-use session, and the answer that sets the new password.

use std::collections::BTreeMap;

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{missing, not_authorized, AuthOutcome, ChallengeName, SESSION_EXPIRED};
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::policy::{check_password_edges, PolicyMessagePrefix};
use crate::service::Service;
use crate::users::attribute_rights;

const SESSION_CONTEXT: &[u8] = b"challenge-session";

/// Sealed challenge session (NEW_PASSWORD_REQUIRED).
#[derive(Serialize, Deserialize)]
struct ChallengeSession {
    id: String,
    challenge: ChallengeName,
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

impl Service {
    pub(super) fn new_password_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> DomainResult<AuthOutcome> {
        let session = ChallengeSession {
            id: uuid::Uuid::new_v4().to_string(),
            challenge: ChallengeName::NewPasswordRequired,
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            username: user.username.clone(),
            expires_ms: self.now_ms() + i64::from(client.auth_session_validity_minutes) * 60_000,
            credential: credential_digest(user),
        };
        let sealed = self.master_key().seal(
            SESSION_CONTEXT,
            &serde_json::to_vec(&session).unwrap_or_default(),
        );
        let session_token = B64URL.encode(B64.decode(sealed).unwrap_or_default());
        // What the client may read, as GetUser would show it.
        let attributes: serde_json::Map<String, Value> =
            attribute_rights::readable(client, &user.attributes)
                .into_iter()
                .filter(|(name, _)| name != "sub")
                .map(|(name, value)| (name, Value::String(value)))
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
            name: ChallengeName::NewPasswordRequired,
            session: Some(session_token),
            parameters,
        })
    }

    fn open_session(
        &self,
        session: Option<&str>,
        challenge: ChallengeName,
        client: &AppClient,
    ) -> DomainResult<ChallengeSession> {
        let expired = || not_authorized(SESSION_EXPIRED);
        let raw = B64URL
            .decode(session.ok_or_else(|| missing("Session"))?)
            .map_err(|_| expired())?;
        let plain = self
            .master_key()
            .open(SESSION_CONTEXT, &B64.encode(raw))
            .map_err(|_| expired())?;
        let session: ChallengeSession = serde_json::from_slice(&plain).map_err(|_| expired())?;
        if session.challenge != challenge
            || session.client_id != client.client_id
            || session.expires_ms <= self.now_ms()
        {
            return Err(expired());
        }
        Ok(session)
    }

    pub(super) async fn answer_new_password(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let session = self.open_session(session, ChallengeName::NewPasswordRequired, client)?;
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
        attribute_rights::check_user_writes(
            pool,
            client,
            attributes.iter().map(|(name, _)| name.as_str()),
        )?;
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
            .store()
            .put_marker(&format!("session:{}", session.id), session.expires_ms)
            .await?
        {
            return Err(not_authorized(SESSION_EXPIRED));
        }
        self.issue_tokens(pool, client, &user.username)
            .await
            .map(AuthOutcome::Tokens)
    }
}
