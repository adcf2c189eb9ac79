//! Sign-in flows and token checks of the [`Harness`]: every auth flow and challenge
//! name the tests use is spelled here.

use std::collections::BTreeMap;

use serde_json::Value;
use userpools_domain::auth::{AuthOutcome, AuthTokens, Caller};
use userpools_domain::model::{AppClient, UserPool};
use userpools_domain::tokens::{self, TokenUse};
use userpools_domain::DomainResult;

use super::srp_client::{self, SrpClient};
use super::{auth_flow, challenge_of, map, tokens_of, wire, Harness, TEMP_PASSWORD};

/// The admin API on `pool` when given, else the client API.
fn caller(admin: Option<&UserPool>) -> Caller<'_> {
    match admin {
        Some(pool) => Caller::Admin(&pool.id),
        None => Caller::Client,
    }
}

impl Harness {
    // ----- sign-in ----------------------------------------------------------------

    /// InitiateAuth (or AdminInitiateAuth with `admin`) with `flow` and `parameters`.
    pub async fn initiate(
        &self,
        admin: Option<&UserPool>,
        client: &AppClient,
        flow: &str,
        parameters: &[(&str, &str)],
    ) -> DomainResult<AuthOutcome> {
        self.svc
            .initiate_auth(
                caller(admin),
                &client.client_id,
                auth_flow(flow),
                &map(parameters),
            )
            .await
    }

    /// InitiateAuth USER_PASSWORD_AUTH.
    pub async fn password_sign_in(
        &self,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> DomainResult<AuthOutcome> {
        self.initiate(
            None,
            client,
            "USER_PASSWORD_AUTH",
            &[("USERNAME", username), ("PASSWORD", password)],
        )
        .await
    }

    /// InitiateAuth USER_PASSWORD_AUTH through a client with a secret (SECRET_HASH
    /// computed from `secret` for `username`).
    pub async fn secret_sign_in(
        &self,
        client: &AppClient,
        secret: &str,
        username: &str,
        password: &str,
    ) -> DomainResult<AuthOutcome> {
        let hash = userpools_domain::srp::secret_hash(secret, username, &client.client_id);
        self.initiate(
            None,
            client,
            "USER_PASSWORD_AUTH",
            &[
                ("USERNAME", username),
                ("PASSWORD", password),
                ("SECRET_HASH", &hash),
            ],
        )
        .await
    }

    /// AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH.
    pub async fn admin_password_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> DomainResult<AuthOutcome> {
        self.initiate(
            Some(pool),
            client,
            "ADMIN_USER_PASSWORD_AUTH",
            &[("USERNAME", username), ("PASSWORD", password)],
        )
        .await
    }

    /// A password sign-in that must end with tokens.
    pub async fn sign_in(&self, client: &AppClient, username: &str, password: &str) -> AuthTokens {
        tokens_of(
            self.password_sign_in(client, username, password)
                .await
                .expect("sign in"),
        )
    }

    /// InitiateAuth REFRESH_TOKEN_AUTH.
    pub async fn refresh(
        &self,
        client: &AppClient,
        refresh_token: &str,
    ) -> DomainResult<AuthTokens> {
        self.refresh_with(client, &[("REFRESH_TOKEN", refresh_token)])
            .await
    }

    /// InitiateAuth REFRESH_TOKEN_AUTH with the given parameters.
    pub async fn refresh_with(
        &self,
        client: &AppClient,
        parameters: &[(&str, &str)],
    ) -> DomainResult<AuthTokens> {
        self.initiate(None, client, "REFRESH_TOKEN_AUTH", parameters)
            .await
            .map(tokens_of)
    }

    /// RespondToAuthChallenge (or the admin variant) to `challenge` with `responses`.
    pub async fn respond(
        &self,
        admin: Option<&UserPool>,
        client: &AppClient,
        challenge: &str,
        session: Option<&str>,
        responses: &[(&str, &str)],
    ) -> DomainResult<AuthOutcome> {
        self.svc
            .respond_to_auth_challenge(
                caller(admin),
                &client.client_id,
                wire(challenge),
                session,
                &map(responses),
            )
            .await
    }

    /// Answers NEW_PASSWORD_REQUIRED with `new_password` and `userAttributes.*` answers.
    pub async fn respond_new_password(
        &self,
        client: &AppClient,
        username: &str,
        session: Option<&str>,
        new_password: &str,
        attributes: &[(&str, &str)],
    ) -> DomainResult<AuthOutcome> {
        let keys: Vec<String> = attributes
            .iter()
            .map(|(name, _)| format!("userAttributes.{name}"))
            .collect();
        let mut responses = vec![("USERNAME", username), ("NEW_PASSWORD", new_password)];
        responses.extend(
            keys.iter()
                .map(String::as_str)
                .zip(attributes.iter().map(|a| a.1)),
        );
        self.respond(None, client, "NEW_PASSWORD_REQUIRED", session, &responses)
            .await
    }

    /// Signs in with a temporary password and returns the NEW_PASSWORD_REQUIRED
    /// session and parameters.
    pub async fn new_password_challenge(
        &self,
        client: &AppClient,
        username: &str,
        temporary: &str,
    ) -> (String, BTreeMap<String, String>) {
        let outcome = self
            .password_sign_in(client, username, temporary)
            .await
            .expect("temporary sign in");
        let (session, parameters) = challenge_of(outcome, "NEW_PASSWORD_REQUIRED");
        (session.expect("session"), parameters)
    }

    /// A default pool and client, and `bob` holding [`TEMP_PASSWORD`] who signed in
    /// and got the NEW_PASSWORD_REQUIRED session.
    pub async fn bob_at_new_password(&self) -> (UserPool, AppClient, String) {
        let pool = self.pool().await;
        let client = self.client(&pool).await;
        self.temp_user(&pool, "bob", TEMP_PASSWORD).await;
        let (session, _) = self
            .new_password_challenge(&client, "bob", TEMP_PASSWORD)
            .await;
        (pool, client, session)
    }

    /// SRP round 1 (USER_SRP_AUTH) for `username`: the client and the challenge parameters.
    pub async fn srp_start(
        &self,
        client: &AppClient,
        username: &str,
    ) -> DomainResult<(SrpClient, BTreeMap<String, String>)> {
        let srp = SrpClient::new();
        let outcome = self
            .initiate(
                None,
                client,
                "USER_SRP_AUTH",
                &[("USERNAME", username), ("SRP_A", &srp.srp_a())],
            )
            .await?;
        Ok((srp, challenge_of(outcome, "PASSWORD_VERIFIER").1))
    }

    /// SRP round 2 (PASSWORD_VERIFIER) with explicit responses.
    pub async fn srp_answer(
        &self,
        client: &AppClient,
        responses: &[(&str, &str)],
    ) -> DomainResult<AuthOutcome> {
        self.respond(None, client, "PASSWORD_VERIFIER", None, responses)
            .await
    }

    /// SRP round 2 proving `password` for the challenge `parameters` at `timestamp`.
    pub async fn srp_prove(
        &self,
        pool: &UserPool,
        client: &AppClient,
        srp: &SrpClient,
        parameters: &BTreeMap<String, String>,
        password: &str,
        timestamp: &str,
    ) -> DomainResult<AuthOutcome> {
        let user_id = &parameters["USER_ID_FOR_SRP"];
        let block = &parameters["SECRET_BLOCK"];
        let signature = srp.signature(
            &pool.id,
            user_id,
            password,
            &parameters["SALT"],
            &parameters["SRP_B"],
            block,
            timestamp,
        );
        self.srp_answer(
            client,
            &[
                ("USERNAME", &parameters["USERNAME"]),
                ("PASSWORD_CLAIM_SECRET_BLOCK", block),
                ("PASSWORD_CLAIM_SIGNATURE", &signature),
                ("TIMESTAMP", timestamp),
            ],
        )
        .await
    }

    /// A whole SRP sign-in (both rounds) with the current time as TIMESTAMP.
    pub async fn srp_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        username: &str,
        password: &str,
    ) -> DomainResult<AuthOutcome> {
        let (srp, parameters) = self.srp_start(client, username).await?;
        self.srp_prove(
            pool,
            client,
            &srp,
            &parameters,
            password,
            &srp_client::timestamp_now(),
        )
        .await
    }

    // ----- tokens -----------------------------------------------------------------

    /// Verifies a JWT with the pool's key for `use_` and returns its claims.
    pub async fn claims(&self, pool: &UserPool, use_: TokenUse, token: &str) -> Value {
        let keys = self.svc.signing_keys(&pool.id).await.expect("keys");
        tokens::verify_jwt(&keys, use_, token).expect("token verifies")
    }

    /// Claims of an access token.
    pub async fn access_claims(&self, pool: &UserPool, tokens: &AuthTokens) -> Value {
        self.claims(pool, TokenUse::Access, &tokens.access_token)
            .await
    }

    /// Claims of an ID token.
    pub async fn id_claims(&self, pool: &UserPool, tokens: &AuthTokens) -> Value {
        self.claims(pool, TokenUse::Id, &tokens.id_token).await
    }
}
