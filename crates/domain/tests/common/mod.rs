//! Shared harness of the domain's integration tests: a [`Service`] over the embedded
//! SQLite engine in a temporary directory, a [`TestClock`] to move time, and builders
//! for pools, clients and users in a given state.
//!
//! Every call that passes a stringly-typed argument of the domain API (auth flow and
//! challenge names, explicit auth flows, tiers, token units, message actions) or builds
//! `PoolSettings` / `ClientSettings` goes through a helper here, so that an API change is
//! adapted in this module
//! (`mod.rs` for pools, clients and users, `flows.rs` for sign-in, `fixtures.rs` for
//! settings).

#![allow(dead_code)] // each test binary uses a different part of the harness

mod fixtures;
mod flows;
pub mod srp_client;

pub use fixtures::*;

use std::sync::{Arc, OnceLock};

use serde_json::Value;
use userpools_domain::clock::{Clock, TestClock};
use userpools_domain::model::{
    AppClient, MessageAction, NewClientSecret, User, UserPool, UserStatus,
};
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::seal::MasterKey;
use userpools_domain::service::{ClientSettings, PoolSettings, Service, ServiceConfig};
use userpools_domain::tokens::PoolSigningKeys;
use userpools_domain::DomainResult;
use userpools_storage::{SqliteStore, Store};

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

/// A temporary directory in memory (`/dev/shm`) where there is one: the engine syncs
/// every commit, and the tests need no durability.
fn temporary_directory() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::Builder::new()
            .prefix("userpools-domain-test")
            .tempdir_in(shm)
    } else {
        tempfile::tempdir()
    };
    dir.expect("temporary directory")
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
        let dir = temporary_directory();
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
            prevent_user_existence_errors: Some(wire("ENABLED")),
            ..client_settings(ALL_FLOWS)
        };
        self.create_client(pool, settings).await.expect("client")
    }

    /// A client allowing every flow, with a generated secret.
    pub async fn secret_client(&self, pool: &UserPool) -> (AppClient, String) {
        let client = self
            .svc
            .create_client(
                &pool.id,
                client_settings(ALL_FLOWS),
                Some(NewClientSecret::Generate),
            )
            .await
            .expect("client");
        let secret = self
            .svc
            .client_secret(&client)
            .unwrap()
            .expect("secret")
            .expose()
            .to_owned();
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
                Some(MessageAction::Resend),
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

    /// A default pool, a client allowing every flow, and the CONFIRMED user `alice`
    /// with [`PASSWORD`]: the start of most sign-in tests.
    pub async fn pool_client_and_alice(&self) -> (UserPool, AppClient) {
        let pool = self.pool().await;
        let client = self.client(&pool).await;
        self.confirmed_user(&pool, "alice", PASSWORD).await;
        (pool, client)
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
}
