//! Shared harness of the domain's integration tests: a [`Service`] over the embedded
//! SQLite engine in a temporary directory, a [`TestClock`] to move time, and builders
//! for pools, clients and users in a given state.
//!
//! Every call that passes a stringly-typed argument of the domain API (auth flow and
//! challenge names, explicit auth flows, tiers, token units, message actions) or builds
//! `PoolSettings` / `ClientSettings` goes through a helper here, so that an API change is
//! adapted in this one file.

#![allow(dead_code)] // each test binary uses a different part of the harness

pub mod srp_client;

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde_json::Value;
use userpools_domain::auth::{AuthOutcome, AuthTokens, Caller};
use userpools_domain::clock::{Clock, TestClock};
use userpools_domain::model::{AppClient, SchemaAttribute, User, UserPool, UserStatus};
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::seal::MasterKey;
use userpools_domain::service::{ClientSettings, PoolSettings, Service, ServiceConfig};
use userpools_domain::tokens::{self, PoolSigningKeys, TokenUse};
use userpools_domain::{DomainError, DomainResult};
use userpools_storage::{SqliteStore, Store};

pub use srp_client::SrpClient;

/// Issuer base URL of the test service.
pub const ISSUER_BASE: &str = "https://cognito-idp.us-east-1.amazonaws.com";
/// Region of the test service.
pub const REGION: &str = "us-east-1";
/// A password that satisfies the default policy.
pub const PASSWORD: &str = "Passw0rd!";
/// Another password that satisfies the default policy.
pub const OTHER_PASSWORD: &str = "0therPass!";
/// A temporary password that satisfies the default policy.
pub const TEMP_PASSWORD: &str = "Temp0rary!";
/// `NotAuthorizedException` message of a wrong password or unknown user.
pub const INCORRECT: &str = "Incorrect username or password.";
/// `NotAuthorizedException` message of a dead challenge session.
pub const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";

/// Flows of the standard test client: every password flow plus refresh.
pub const ALL_FLOWS: &[&str] = &[
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

/// A service over a fresh SQLite store in a temporary directory, with its test clock.
pub struct Harness {
    /// The service under test.
    pub svc: Service,
    /// Its clock; [`TestClock::advance`] moves time.
    pub clock: Arc<TestClock>,
    /// The store beneath the service.
    pub store: Arc<dyn Store>,
    /// The master key the service seals with.
    pub master: Arc<MasterKey>,
    _dir: tempfile::TempDir,
}

fn master_key() -> Arc<MasterKey> {
    Arc::new(MasterKey::from_bytes([7u8; 32]))
}

/// One pair of RSA signing keys per test binary: generating them per pool would
/// dominate the run time. [`Harness::pool`] stores them sealed for each new pool.
fn shared_signing_keys() -> &'static PoolSigningKeys {
    static KEYS: OnceLock<PoolSigningKeys> = OnceLock::new();
    KEYS.get_or_init(|| PoolSigningKeys::generate().expect("signing keys"))
}

impl Harness {
    /// A fresh service in a new temporary directory.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.path()).expect("sqlite store"));
        let clock = Arc::new(TestClock::new());
        let master = master_key();
        let config = ServiceConfig {
            region: REGION.into(),
            account_id: "123456789012".into(),
            issuer_base_url: ISSUER_BASE.into(),
        };
        let svc = Service::new(store.clone(), clock.clone(), master.clone(), config);
        Self {
            svc,
            clock,
            store,
            master,
            _dir: dir,
        }
    }

    /// Now on the service clock, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Now on the service clock, epoch seconds.
    pub fn now_secs(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    // ----- pools ------------------------------------------------------------------

    /// Creates a pool and hands it the shared signing keys.
    pub async fn create_pool(&self, settings: PoolSettings) -> DomainResult<UserPool> {
        let pool = self.svc.create_pool(settings).await?;
        let sealed = shared_signing_keys().to_sealed(&self.master, &pool.id);
        self.store
            .put_setting_if_absent(&format!("signing-keys/{}", pool.id), &sealed)
            .await
            .expect("store signing keys");
        Ok(pool)
    }

    /// A pool with the default settings.
    pub async fn pool(&self) -> UserPool {
        self.create_pool(pool_settings()).await.expect("pool")
    }

    /// A pool with `policy`.
    pub async fn pool_with_policy(&self, policy: PasswordPolicy) -> UserPool {
        let settings = PoolSettings {
            policy: Some(policy),
            ..pool_settings()
        };
        self.create_pool(settings).await.expect("pool")
    }

    /// A pool whose AliasAttributes are `aliases`.
    pub async fn pool_with_aliases(&self, aliases: &[&str]) -> UserPool {
        let settings = PoolSettings {
            alias_attributes: strings(aliases),
            ..pool_settings()
        };
        self.create_pool(settings).await.expect("pool")
    }

    /// A pool whose UsernameAttributes are `attributes`.
    pub async fn pool_with_username_attributes(&self, attributes: &[&str]) -> UserPool {
        let settings = PoolSettings {
            username_attributes: strings(attributes),
            ..pool_settings()
        };
        self.create_pool(settings).await.expect("pool")
    }

    /// A pool whose sign-in names are case-insensitive.
    pub async fn case_insensitive_pool(&self) -> UserPool {
        let settings = PoolSettings {
            case_sensitive: Some(false),
            ..pool_settings()
        };
        self.create_pool(settings).await.expect("pool")
    }

    /// A pool where the standard attribute `name` is required.
    pub async fn pool_requiring(&self, name: &str) -> UserPool {
        let settings = PoolSettings {
            schema: vec![required_attribute(name)],
            ..pool_settings()
        };
        self.create_pool(settings).await.expect("pool")
    }

    /// UpdateUserPool with a new password policy (everything else default).
    pub async fn update_policy(&self, pool: &UserPool, policy: PasswordPolicy) {
        let settings = PoolSettings {
            policy: Some(policy),
            ..pool_settings()
        };
        self.svc
            .update_pool(&pool.id, settings)
            .await
            .expect("update pool");
    }

    // ----- clients ----------------------------------------------------------------

    /// Creates a client with `settings`, without a secret.
    pub async fn create_client(
        &self,
        pool: &UserPool,
        settings: ClientSettings,
    ) -> DomainResult<AppClient> {
        self.svc.create_client(&pool.id, settings, None).await
    }

    /// A client with the explicit auth flows `flows`.
    pub async fn client_with_flows(&self, pool: &UserPool, flows: &[&str]) -> AppClient {
        self.create_client(pool, client_settings(flows))
            .await
            .expect("client")
    }

    /// A client allowing every password flow and refresh ([`ALL_FLOWS`]).
    pub async fn client(&self, pool: &UserPool) -> AppClient {
        self.client_with_flows(pool, ALL_FLOWS).await
    }

    /// A client allowing every flow, with PreventUserExistenceErrors ENABLED.
    pub async fn hiding_client(&self, pool: &UserPool) -> AppClient {
        let settings = ClientSettings {
            prevent_user_existence_errors: Some("ENABLED".into()),
            ..client_settings(ALL_FLOWS)
        };
        self.create_client(pool, settings).await.expect("client")
    }

    /// A client allowing every flow, with a generated secret.
    pub async fn secret_client(&self, pool: &UserPool) -> (AppClient, String) {
        let client = self
            .svc
            .create_client(&pool.id, client_settings(ALL_FLOWS), Some(None))
            .await
            .expect("client");
        let secret = self.svc.client_secret(&client).unwrap().expect("secret");
        (client, secret)
    }

    /// A client allowing every flow with token validities in the given units
    /// (`seconds`, `minutes`, `hours` or `days`; `None`: the defaults).
    pub async fn client_with_validity(
        &self,
        pool: &UserPool,
        access: (u64, &str),
        id: (u64, &str),
        refresh: (u64, &str),
    ) -> DomainResult<AppClient> {
        self.create_client(pool, validity_settings(access, id, refresh))
            .await
    }

    /// A client allowing every flow whose extra member `key` (ReadAttributes or
    /// WriteAttributes) lists `names`.
    pub async fn client_with_permissions(
        &self,
        pool: &UserPool,
        key: &str,
        names: &[&str],
    ) -> AppClient {
        let mut settings = client_settings(ALL_FLOWS);
        settings
            .extra
            .insert(key.into(), Value::from(strings(names)));
        self.create_client(pool, settings).await.expect("client")
    }

    /// A client allowing every flow with token revocation off.
    pub async fn client_without_revocation(&self, pool: &UserPool) -> AppClient {
        let settings = ClientSettings {
            enable_token_revocation: Some(false),
            ..client_settings(ALL_FLOWS)
        };
        self.create_client(pool, settings).await.expect("client")
    }

    // ----- users ------------------------------------------------------------------

    /// AdminCreateUser with `attributes` and a temporary password (no message action).
    pub async fn create_user(
        &self,
        pool: &UserPool,
        username: &str,
        attributes: &[(&str, &str)],
        temporary_password: Option<&str>,
    ) -> DomainResult<User> {
        self.svc
            .admin_create_user(
                &pool.id,
                username,
                &pairs(attributes),
                temporary_password,
                None,
                false,
            )
            .await
    }

    /// AdminCreateUser with ForceAliasCreation.
    pub async fn create_user_forcing_alias(
        &self,
        pool: &UserPool,
        username: &str,
        attributes: &[(&str, &str)],
    ) -> DomainResult<User> {
        self.svc
            .admin_create_user(
                &pool.id,
                username,
                &pairs(attributes),
                Some(TEMP_PASSWORD),
                None,
                true,
            )
            .await
    }

    /// AdminCreateUser with MessageAction RESEND and a new temporary password.
    pub async fn resend_invitation(
        &self,
        pool: &UserPool,
        username: &str,
        temporary_password: &str,
    ) -> DomainResult<User> {
        self.svc
            .admin_create_user(
                &pool.id,
                username,
                &[],
                Some(temporary_password),
                Some("RESEND"),
                false,
            )
            .await
    }

    /// A FORCE_CHANGE_PASSWORD user holding the temporary password `temporary`.
    pub async fn temp_user(&self, pool: &UserPool, username: &str, temporary: &str) -> User {
        self.create_user(pool, username, &[], Some(temporary))
            .await
            .expect("admin create user")
    }

    /// A CONFIRMED user with `attributes` and the permanent `password`.
    pub async fn confirmed_user_with(
        &self,
        pool: &UserPool,
        username: &str,
        attributes: &[(&str, &str)],
        password: &str,
    ) -> User {
        let user = self
            .create_user(pool, username, attributes, Some(TEMP_PASSWORD))
            .await
            .expect("admin create user");
        self.set_password(pool, &user.username, password, true)
            .await
            .expect("set password");
        self.get_user(pool, &user.username).await
    }

    /// A CONFIRMED user with the permanent `password`.
    pub async fn confirmed_user(&self, pool: &UserPool, username: &str, password: &str) -> User {
        self.confirmed_user_with(pool, username, &[], password)
            .await
    }

    /// An UNCONFIRMED user signed up through `client`.
    pub async fn signed_up_user(&self, client: &AppClient, username: &str, password: &str) -> User {
        self.sign_up(client, username, password, &[])
            .await
            .expect("sign up")
    }

    /// SignUp without a secret hash.
    pub async fn sign_up(
        &self,
        client: &AppClient,
        username: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) -> DomainResult<User> {
        self.svc
            .sign_up(
                &client.client_id,
                username,
                password,
                &pairs(attributes),
                None,
            )
            .await
    }

    /// AdminSetUserPassword.
    pub async fn set_password(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> DomainResult<()> {
        self.svc
            .admin_set_user_password(&pool.id, username, password, permanent)
            .await
    }

    /// AdminGetUser, which must succeed.
    pub async fn get_user(&self, pool: &UserPool, username: &str) -> User {
        self.svc
            .admin_get_user(&pool.id, username)
            .await
            .expect("admin get user")
    }

    /// The status of a user.
    pub async fn status(&self, pool: &UserPool, username: &str) -> UserStatus {
        self.get_user(pool, username).await.status
    }

    /// AdminUpdateUserAttributes.
    pub async fn update_attributes(
        &self,
        pool: &UserPool,
        username: &str,
        attributes: &[(&str, &str)],
    ) -> DomainResult<()> {
        self.svc
            .admin_update_user_attributes(&pool.id, username, &pairs(attributes))
            .await
    }

    // ----- sign-in ----------------------------------------------------------------

    /// InitiateAuth (or AdminInitiateAuth with `admin`) with `flow` and `parameters`.
    pub async fn initiate(
        &self,
        admin: Option<&UserPool>,
        client: &AppClient,
        flow: &str,
        parameters: &[(&str, &str)],
    ) -> DomainResult<AuthOutcome> {
        let caller = match admin {
            Some(pool) => Caller::Admin(&pool.id),
            None => Caller::Client,
        };
        self.svc
            .initiate_auth(caller, &client.client_id, flow, &map(parameters))
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
        let caller = match admin {
            Some(pool) => Caller::Admin(&pool.id),
            None => Caller::Client,
        };
        self.svc
            .respond_to_auth_challenge(
                caller,
                &client.client_id,
                challenge,
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

// ----- settings builders ------------------------------------------------------------

/// Pool settings with only a name.
pub fn pool_settings() -> PoolSettings {
    PoolSettings {
        name: "test-pool".into(),
        ..Default::default()
    }
}

/// Pool settings in `tier` (`LITE`, `ESSENTIALS`, `PLUS`) with `policy`.
pub fn tier_settings(tier: &str, policy: Option<PasswordPolicy>) -> PoolSettings {
    PoolSettings {
        tier: Some(tier.into()),
        policy,
        ..pool_settings()
    }
}

/// Client settings with the explicit auth flows `flows`.
pub fn client_settings(flows: &[&str]) -> ClientSettings {
    ClientSettings {
        name: "test-client".into(),
        explicit_auth_flows: Some(strings(flows)),
        ..Default::default()
    }
}

/// Client settings (every flow) with token validities as (value, unit).
pub fn validity_settings(
    access: (u64, &str),
    id: (u64, &str),
    refresh: (u64, &str),
) -> ClientSettings {
    ClientSettings {
        access_token_validity: Some(access.0),
        id_token_validity: Some(id.0),
        refresh_token_validity: Some(refresh.0),
        units: (
            Some(access.1.into()),
            Some(id.1.into()),
            Some(refresh.1.into()),
        ),
        ..client_settings(ALL_FLOWS)
    }
}

/// A policy with no character classes and the given minimum length.
pub fn relaxed_policy(minimum_length: u32) -> PasswordPolicy {
    PasswordPolicy {
        minimum_length,
        require_uppercase: false,
        require_lowercase: false,
        require_numbers: false,
        require_symbols: false,
        password_history_size: 0,
        temporary_password_validity_days: 7,
    }
}

/// The default policy with a password history of `size`.
pub fn history_policy(size: u32) -> PasswordPolicy {
    PasswordPolicy {
        password_history_size: size,
        ..PasswordPolicy::default()
    }
}

/// A required, mutable String attribute `name` (standard or `custom:`).
pub fn required_attribute(name: &str) -> SchemaAttribute {
    SchemaAttribute {
        name: name.into(),
        data_type: "String".into(),
        developer_only: false,
        mutable: true,
        required: true,
        string_constraints: None,
        number_constraints: None,
    }
}

// ----- outcomes and errors ------------------------------------------------------------

/// The tokens of an outcome that must be tokens.
pub fn tokens_of(outcome: AuthOutcome) -> AuthTokens {
    match outcome {
        AuthOutcome::Tokens(tokens) => tokens,
        AuthOutcome::Challenge { name, .. } => panic!("expected tokens, got challenge {name}"),
    }
}

/// Session and parameters of an outcome that must be the challenge `expected`.
pub fn challenge_of(
    outcome: AuthOutcome,
    expected: &str,
) -> (Option<String>, BTreeMap<String, String>) {
    match outcome {
        AuthOutcome::Challenge {
            name,
            session,
            parameters,
        } => {
            assert_eq!(name, expected, "challenge name");
            (session, parameters)
        }
        AuthOutcome::Tokens(_) => panic!("expected challenge {expected}, got tokens"),
    }
}

/// The error of a result that must fail.
pub fn error_of<T>(result: DomainResult<T>) -> DomainError {
    match result {
        Ok(_) => panic!("expected an error, the call succeeded"),
        Err(e) => e,
    }
}

/// `NotAuthorizedException` with `message`.
pub fn not_authorized(message: &str) -> DomainError {
    DomainError::NotAuthorized(message.into())
}

/// `InvalidParameterException` with `message`.
pub fn invalid_parameter(message: &str) -> DomainError {
    DomainError::InvalidParameter(message.into())
}

/// `InvalidPasswordException` with the admin prefix and `rule`.
pub fn policy_violation(rule: &str) -> DomainError {
    DomainError::InvalidPassword(format!("Password does not conform to policy: {rule}"))
}

/// The validation error of a password with whitespace at an edge, for `member`.
pub fn edge_whitespace(member: &str) -> DomainError {
    invalid_parameter(&format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
    ))
}

/// `Missing required parameter <name>`.
pub fn missing(name: &str) -> DomainError {
    invalid_parameter(&format!("Missing required parameter {name}"))
}

/// `UserNotFoundException: User does not exist.`
pub fn user_not_found() -> DomainError {
    DomainError::UserNotFound("User does not exist.".into())
}

// ----- small conversions --------------------------------------------------------------

/// Owned strings.
pub fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// Owned (name, value) pairs.
pub fn pairs(values: &[(&str, &str)]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// A parameter map.
pub fn map(values: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs(values).into_iter().collect()
}
