//! API request-rate quotas: token buckets per account and API category
//! (spec §6.1), plus the per-user limits of the "read/write user profile"
//! operations.
//!
//! Every bucket holds up to one second's worth of requests (its rate) and
//! refills continuously at that rate. A request takes one token from each of
//! its buckets, all or none; when one is empty the request is refused with
//! `TooManyRequestsException` `Rate exceeded` before anything else happens.
//! RespondToAuthChallenge and AdminRespondToAuthChallenge first use their own
//! allowance of three times the UserAuthentication rate and then count
//! against UserAuthentication, as the service documents.
//!
//! The unauthenticated operations (those the model marks noAuth: InitiateAuth,
//! SignUp, …) also count against a bucket of their app client (`ClientId`),
//! holding [`QuotaConfig::per_client_percent`] of the category's rate, so that
//! one client flooding cannot take the whole account's allowance. Requests
//! that fail SigV4, IAM or input validation never reach the quotas.
//!
//! Quotas are off unless switched on (`[quotas] enabled = true` or
//! `serve --aws-quotas`): a development server should not throttle seeding.
//!
//! Which category, per-user limit and allowance an operation counts against
//! is metadata of the generated operation table ([`userpools_wire::QuotaSpec`],
//! from `crates/codegen/operation-metadata.toml`).
//!
//! Buckets live behind [`BucketStore`] so that a deployment of several nodes
//! can share them (e.g. in PostgreSQL); [`InMemoryBuckets`] is the
//! single-node store.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::digest;
use userpools_wire::WireError;
pub use userpools_wire::{ProfileAccess, QuotaCategory as Category};

use crate::request::{RequestContext, Subject};

/// The message of a throttled request.
pub const RATE_EXCEEDED: &str = "Rate exceeded";

/// Per-user limit of the "read/write user profile" operations (requests per second).
pub const DEFAULT_PER_USER_RPS: u32 = 10;

/// Share of a category's rate one app client may use on the unauthenticated
/// operations (percent).
pub const DEFAULT_PER_CLIENT_PERCENT: u32 = 50;

/// Quota settings (the `[quotas]` table of the config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaConfig {
    /// False (the default) switches every quota off.
    pub enabled: bool,
    /// Requests per second per category, where not the default.
    pub overrides: BTreeMap<Category, u32>,
    /// Per-user limit of the "read/write user profile" operations.
    pub per_user_rps: u32,
    /// Percentage (1–100) of a category's rate that one app client may use on
    /// the unauthenticated operations.
    pub per_client_percent: u32,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            enabled: false,
            overrides: BTreeMap::new(),
            per_user_rps: DEFAULT_PER_USER_RPS,
            per_client_percent: DEFAULT_PER_CLIENT_PERCENT,
        }
    }
}

impl QuotaConfig {
    /// The rate of a category: its override, else the service default.
    pub fn rps(&self, category: Category) -> u32 {
        self.overrides
            .get(&category)
            .copied()
            .unwrap_or(category.default_rps())
    }

    /// The per-client share of `rate` (at least 1).
    pub fn per_client_rps(&self, rate: u32) -> u32 {
        let share = u64::from(rate) * u64::from(self.per_client_percent.clamp(1, 100));
        u32::try_from(share.div_ceil(100)).unwrap_or(rate).max(1)
    }
}

pub use userpools_storage::Bucket;

/// Where buckets live. An implementation must take from all the buckets of
/// one call atomically: all of them or none.
#[async_trait]
pub trait BucketStore: Send + Sync {
    /// Takes one token from each of `buckets` and returns true, or takes
    /// nothing and returns false when one of them is empty.
    async fn try_take(&self, buckets: &[Bucket]) -> Result<bool, String>;
}

/// Request rates are real rates: buckets run on the wall clock, not the test clock.
fn now_ms() -> i64 {
    use userpools_domain::clock::{Clock, SystemClock};
    SystemClock.now_millis()
}

/// The buckets of a single node, in memory (no store).
#[derive(Debug, Default)]
pub struct InMemoryBuckets {
    buckets: userpools_storage::MemoryBuckets,
}

impl InMemoryBuckets {
    /// An empty store.
    pub fn new() -> InMemoryBuckets {
        InMemoryBuckets::default()
    }
}

#[async_trait]
impl BucketStore for InMemoryBuckets {
    async fn try_take(&self, buckets: &[Bucket]) -> Result<bool, String> {
        Ok(self.buckets.take(buckets, now_ms()))
    }
}

/// Buckets kept by the store: shared by every node on PostgreSQL, in the process's
/// memory on SQLite.
pub struct StoreBuckets {
    store: Arc<dyn userpools_storage::Store>,
}

impl StoreBuckets {
    /// Buckets kept by `store`.
    pub fn new(store: Arc<dyn userpools_storage::Store>) -> StoreBuckets {
        StoreBuckets { store }
    }
}

#[async_trait]
impl BucketStore for StoreBuckets {
    async fn try_take(&self, buckets: &[Bucket]) -> Result<bool, String> {
        self.store
            .take_tokens(buckets, now_ms())
            .await
            .map_err(|e| e.to_string())
    }
}

/// The quotas of a server: configuration plus bucket store.
pub struct Quotas {
    config: QuotaConfig,
    account_id: String,
    store: Arc<dyn BucketStore>,
}

impl std::fmt::Debug for Quotas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotas")
            .field("config", &self.config)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

fn throttled() -> WireError {
    WireError::client("TooManyRequestsException", RATE_EXCEEDED)
}

fn sha256_hex(parts: &[&str]) -> String {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part.as_bytes());
        context.update(&[0]);
    }
    hex::encode(context.finish())
}

/// Who a per-user limit applies to: a digest of the pool (or app client) and
/// the lower-cased user name as sent, or of the access token.
fn user_key(subject: Subject<'_>) -> String {
    match subject {
        Subject::AccessToken(token) => sha256_hex(&["token", token]),
        Subject::User { scope, username } => sha256_hex(&["user", scope, &username.to_lowercase()]),
    }
}

impl Quotas {
    /// Quotas with `config`, for the pools of `account_id`, kept in `store`.
    pub fn new(config: QuotaConfig, account_id: &str, store: Arc<dyn BucketStore>) -> Quotas {
        Quotas {
            config,
            account_id: account_id.to_owned(),
            store,
        }
    }

    /// The service defaults (switched on), in memory.
    pub fn defaults(account_id: &str) -> Quotas {
        Quotas::new(
            QuotaConfig {
                enabled: true,
                ..QuotaConfig::default()
            },
            account_id,
            Arc::new(InMemoryBuckets::new()),
        )
    }

    /// The configuration in force.
    pub fn config(&self) -> &QuotaConfig {
        &self.config
    }

    fn bucket(&self, name: &str, rate: u32) -> Bucket {
        Bucket {
            key: format!("{}:{name}", self.account_id),
            rate: f64::from(rate.max(1)),
        }
    }

    /// Admits `request` or refuses it with `TooManyRequestsException`.
    /// Takes the request's tokens when admitted.
    pub async fn admit(&self, request: &RequestContext<'_>) -> Result<(), WireError> {
        if !self.config.enabled {
            return Ok(());
        }
        let quota = request.operation().spec().quota;
        let category = quota.category;
        let mut user_buckets = Vec::new();
        if let Some(access) = quota.per_user {
            if let Some(subject) = request.subject() {
                user_buckets.push(self.bucket(
                    &format!("user-{}:{}", access.name(), user_key(subject)),
                    self.config.per_user_rps,
                ));
            }
        }
        // Unauthenticated operations also count against their app client's share.
        let client = match request.operation().spec().requires_sigv4 {
            true => None,
            false => request
                .text("ClientId")
                .map(|id| sha256_hex(&["client", id])),
        };
        let category_rps = self.config.rps(category);
        let mut attempts = Vec::new();
        if quota.own_challenge_allowance {
            attempts.push((
                "UserAuthenticationChallenge",
                category_rps.saturating_mul(3),
            ));
        }
        attempts.push((category.name(), category_rps));
        for (name, rate) in attempts {
            let mut buckets = vec![self.bucket(name, rate)];
            if let Some(client) = &client {
                buckets.push(self.bucket(
                    &format!("client-{name}:{client}"),
                    self.config.per_client_rps(rate),
                ));
            }
            buckets.extend(user_buckets.iter().cloned());
            match self.store.try_take(&buckets).await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(error) => {
                    // A shared store that cannot answer must not take the API down.
                    tracing::warn!(target: "userpools::quota", %error, "quota store unavailable; request admitted");
                    return Ok(());
                }
            }
        }
        Err(throttled())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use userpools_wire::Operation;

    /// Admits a request of `operation` with `body`.
    async fn admit(quotas: &Quotas, operation: Operation, body: &[u8]) -> Result<(), WireError> {
        quotas.admit(&RequestContext::decode(operation, body)).await
    }

    #[tokio::test]
    async fn admit_by_category_and_user() {
        let config = QuotaConfig {
            enabled: true,
            overrides: [(Category::UserAccountRecovery, 2)].into_iter().collect(),
            per_user_rps: 1,
            per_client_percent: 50,
        };
        let quotas = Quotas::new(config, "000000000000", Arc::new(InMemoryBuckets::new()));
        let asp = Operation::AdminSetUserPassword;
        assert!(admit(&quotas, asp, b"{}").await.is_ok());
        assert!(admit(&quotas, asp, b"{}").await.is_ok());
        let err = admit(&quotas, asp, b"{}").await.unwrap_err();
        assert_eq!(
            (err.type_name.as_str(), err.message.as_str(), err.status),
            ("TooManyRequestsException", "Rate exceeded", 400)
        );
        // Other categories are independent.
        assert!(admit(&quotas, Operation::ListUsers, b"{}").await.is_ok());
        // Per-user: one request per second per user.
        let get = Operation::AdminGetUser;
        let alice = br#"{"UserPoolId":"us-east-1_a","Username":"alice"}"#;
        let alice_upper = br#"{"UserPoolId":"us-east-1_a","Username":"ALICE"}"#;
        let bob = br#"{"UserPoolId":"us-east-1_a","Username":"bob"}"#;
        assert!(admit(&quotas, get, alice).await.is_ok());
        assert!(admit(&quotas, get, alice_upper).await.is_err());
        assert!(admit(&quotas, get, bob).await.is_ok());
        // Writes have their own per-user bucket.
        let update = Operation::AdminUpdateUserAttributes;
        assert!(admit(&quotas, update, alice).await.is_ok());
    }

    #[tokio::test]
    async fn challenge_responses_have_their_own_allowance() {
        let config = QuotaConfig {
            enabled: true,
            overrides: [(Category::UserAuthentication, 1)].into_iter().collect(),
            per_user_rps: 10,
            per_client_percent: 100,
        };
        let quotas = Quotas::new(config, "0", Arc::new(InMemoryBuckets::new()));
        let respond = Operation::RespondToAuthChallenge;
        // 3 × 1 of their own, then 1 from UserAuthentication.
        for _ in 0..4 {
            assert!(admit(&quotas, respond, b"{}").await.is_ok());
        }
        assert!(admit(&quotas, respond, b"{}").await.is_err());
        assert!(admit(&quotas, Operation::InitiateAuth, b"{}")
            .await
            .is_err());
    }

    #[tokio::test]
    async fn disabled_admits_everything() {
        let config = QuotaConfig {
            enabled: false,
            overrides: [(Category::UserAccountRecovery, 1)].into_iter().collect(),
            per_user_rps: 1,
            per_client_percent: 1,
        };
        let quotas = Quotas::new(config, "0", Arc::new(InMemoryBuckets::new()));
        for _ in 0..10 {
            assert!(admit(&quotas, Operation::AdminSetUserPassword, b"{}")
                .await
                .is_ok());
        }
    }

    #[tokio::test]
    async fn unauthenticated_operations_have_a_bucket_per_client() {
        let config = QuotaConfig {
            enabled: true,
            overrides: [(Category::UserAuthentication, 4)].into_iter().collect(),
            per_user_rps: 10,
            per_client_percent: 50,
        };
        let quotas = Quotas::new(config, "0", Arc::new(InMemoryBuckets::new()));
        let initiate = Operation::InitiateAuth;
        let a = br#"{"ClientId":"a","AuthFlow":"USER_PASSWORD_AUTH"}"#;
        let b = br#"{"ClientId":"b","AuthFlow":"USER_PASSWORD_AUTH"}"#;
        // Client a gets half of the account's 4: two requests, then refusals
        // that take nothing from the account bucket.
        assert!(admit(&quotas, initiate, a).await.is_ok());
        assert!(admit(&quotas, initiate, a).await.is_ok());
        for _ in 0..5 {
            assert!(admit(&quotas, initiate, a).await.is_err());
        }
        // Client b still has its own two.
        assert!(admit(&quotas, initiate, b).await.is_ok());
        assert!(admit(&quotas, initiate, b).await.is_ok());
        assert!(admit(&quotas, initiate, b).await.is_err());
        // Signed operations count against the account only.
        let admin = Operation::AdminInitiateAuth;
        assert!(admit(&quotas, admin, a).await.is_err());
    }

    #[test]
    fn per_client_shares() {
        let mut config = QuotaConfig::default();
        assert!(!config.enabled);
        assert_eq!(config.per_client_rps(120), 60);
        assert_eq!(config.per_client_rps(1), 1);
        config.per_client_percent = 100;
        assert_eq!(config.per_client_rps(7), 7);
        config.per_client_percent = 10;
        assert_eq!(config.per_client_rps(15), 2);
    }
}
