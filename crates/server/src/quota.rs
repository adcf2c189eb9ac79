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
//! Buckets live behind [`BucketStore`] so that a deployment of several nodes
//! can share them (e.g. in PostgreSQL); [`InMemoryBuckets`] is the
//! single-node store.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lc_rs::digest;
use serde_json::Value;
use userpools_wire::{OperationSpec, WireError};

/// The message of a throttled request.
pub const RATE_EXCEEDED: &str = "Rate exceeded";

/// Per-user limit of the "read/write user profile" operations (requests per second).
pub const DEFAULT_PER_USER_RPS: u32 = 10;

macro_rules! categories {
    ($($(#[$doc:meta])* $name:ident = $rps:literal),* $(,)?) => {
        /// An API request-rate category of Amazon Cognito user pools.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Category {
            $($(#[$doc])* $name,)*
        }

        impl Category {
            /// Every category, in documentation order.
            pub const ALL: &'static [Category] = &[$(Category::$name,)*];

            /// The category's name as AWS spells it (and as the config file does).
            pub const fn name(self) -> &'static str {
                match self { $(Category::$name => stringify!($name),)* }
            }

            /// The service's default quota, in requests per second.
            pub const fn default_rps(self) -> u32 {
                match self { $(Category::$name => $rps,)* }
            }
        }
    };
}

categories! {
    /// AdminInitiateAuth, InitiateAuth, (Admin)RespondToAuthChallenge.
    UserAuthentication = 120,
    /// SignUp, ConfirmSignUp, AdminCreateUser, AdminConfirmSignUp.
    UserCreation = 50,
    /// Federated sign-in through managed login (no API operation).
    UserFederation = 25,
    /// Password recovery and changes.
    UserAccountRecovery = 30,
    /// Reading a user.
    UserRead = 120,
    /// Changing or deleting a user and its attributes.
    UserUpdate = 25,
    /// Token management (revocation, sign-out, refresh).
    UserToken = 120,
    /// Reading devices, groups of a user, auth events.
    UserResourceRead = 50,
    /// Changing group membership, devices, MFA tokens, feedback.
    UserResourceUpdate = 25,
    /// Listing users.
    UserList = 30,
    /// Reading user pools.
    UserPoolRead = 15,
    /// Creating, changing and deleting user pools.
    UserPoolUpdate = 15,
    /// Reading pool resources (groups, identity providers, domains, …).
    UserPoolResourceRead = 20,
    /// Changing pool resources.
    UserPoolResourceUpdate = 15,
    /// Reading app clients.
    UserPoolClientRead = 15,
    /// Creating, changing and deleting app clients.
    UserPoolClientUpdate = 15,
    /// `client_credentials` grants at the token endpoint (no API operation).
    ClientAuthentication = 150,
}

impl Category {
    /// Looks a category up by its name (exact spelling).
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.iter().copied().find(|c| c.name() == name)
    }

    /// The category of an operation of the model (`None` for names that are
    /// not operations). Operations without an explicit entry are pool-resource
    /// operations: `Describe*`/`Get*`/`List*` read, the others update.
    pub fn of_operation(operation: &str) -> Option<Category> {
        use Category::*;
        let category = match operation {
            "AdminInitiateAuth"
            | "InitiateAuth"
            | "AdminRespondToAuthChallenge"
            | "RespondToAuthChallenge" => UserAuthentication,
            "SignUp" | "ConfirmSignUp" | "AdminCreateUser" | "AdminConfirmSignUp" => UserCreation,
            "ForgotPassword"
            | "ConfirmForgotPassword"
            | "ChangePassword"
            | "AdminResetUserPassword"
            | "AdminSetUserPassword" => UserAccountRecovery,
            "AdminGetUser" | "GetUser" | "AdminGetUserAuthFactors" | "GetUserAuthFactors" => {
                UserRead
            }
            "AdminUpdateUserAttributes"
            | "UpdateUserAttributes"
            | "AdminDeleteUser"
            | "DeleteUser"
            | "AdminDeleteUserAttributes"
            | "DeleteUserAttributes"
            | "AdminDisableUser"
            | "AdminEnableUser"
            | "AdminSetUserSettings"
            | "SetUserSettings"
            | "AdminSetUserMFAPreference"
            | "SetUserMFAPreference"
            | "AdminLinkProviderForUser"
            | "AdminDisableProviderForUser"
            | "GetUserAttributeVerificationCode"
            | "VerifyUserAttribute"
            | "ResendConfirmationCode" => UserUpdate,
            "RevokeToken"
            | "GlobalSignOut"
            | "AdminUserGlobalSignOut"
            | "GetTokensFromRefreshToken"
            | "RevokeUserSession"
            | "AdminRevokeUserSession" => UserToken,
            "AdminGetDevice"
            | "AdminListDevices"
            | "GetDevice"
            | "ListDevices"
            | "AdminListGroupsForUser"
            | "AdminListUserAuthEvents"
            | "ListWebAuthnCredentials"
            | "AdminListUserSessions"
            | "ListUserSessions" => UserResourceRead,
            "AdminAddUserToGroup"
            | "AdminRemoveUserFromGroup"
            | "AdminForgetDevice"
            | "ForgetDevice"
            | "AdminUpdateDeviceStatus"
            | "UpdateDeviceStatus"
            | "AdminUpdateAuthEventFeedback"
            | "UpdateAuthEventFeedback"
            | "AssociateSoftwareToken"
            | "VerifySoftwareToken"
            | "AdminDeleteSoftwareToken"
            | "ConfirmDevice"
            | "StartWebAuthnRegistration"
            | "CompleteWebAuthnRegistration"
            | "DeleteWebAuthnCredential" => UserResourceUpdate,
            "ListUsers" | "ListUsersInGroup" => UserList,
            "DescribeUserPool" | "ListUserPools" | "GetUserPoolMfaConfig" => UserPoolRead,
            "CreateUserPool"
            | "UpdateUserPool"
            | "DeleteUserPool"
            | "AddCustomAttributes"
            | "SetUserPoolMfaConfig" => UserPoolUpdate,
            "DescribeUserPoolClient" | "ListUserPoolClients" | "ListUserPoolClientSecrets" => {
                UserPoolClientRead
            }
            "CreateUserPoolClient"
            | "UpdateUserPoolClient"
            | "DeleteUserPoolClient"
            | "AddUserPoolClientSecret"
            | "DeleteUserPoolClientSecret" => UserPoolClientUpdate,
            other if userpools_wire::operation(other).is_some() => {
                if ["Describe", "Get", "List"]
                    .iter()
                    .any(|prefix| other.starts_with(prefix))
                {
                    UserPoolResourceRead
                } else {
                    UserPoolResourceUpdate
                }
            }
            _ => return None,
        };
        Some(category)
    }
}

/// Which per-user limit an operation counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileAccess {
    /// Operations that read the user profile.
    Read,
    /// Operations that write the user profile.
    Write,
}

impl ProfileAccess {
    /// The per-user limit of an operation, if it has one.
    pub fn of_operation(operation: &str) -> Option<ProfileAccess> {
        match operation {
            "AdminGetUser"
            | "GetUser"
            | "AdminInitiateAuth"
            | "InitiateAuth"
            | "AdminGetDevice"
            | "GetDevice"
            | "AdminListDevices"
            | "ListDevices"
            | "AdminGetUserAuthFactors"
            | "GetUserAuthFactors" => Some(ProfileAccess::Read),
            "AdminUpdateUserAttributes"
            | "UpdateUserAttributes"
            | "AdminDeleteUserAttributes"
            | "DeleteUserAttributes"
            | "AdminSetUserSettings"
            | "SetUserSettings"
            | "AdminSetUserMFAPreference"
            | "SetUserMFAPreference"
            | "AdminLinkProviderForUser" => Some(ProfileAccess::Write),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ProfileAccess::Read => "read",
            ProfileAccess::Write => "write",
        }
    }
}

/// Quota settings (the `[quotas]` table of the config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaConfig {
    /// False switches every quota off.
    pub enabled: bool,
    /// Requests per second per category, where not the default.
    pub overrides: BTreeMap<Category, u32>,
    /// Per-user limit of the "read/write user profile" operations.
    pub per_user_rps: u32,
}

impl Default for QuotaConfig {
    fn default() -> Self {
        QuotaConfig {
            enabled: true,
            overrides: BTreeMap::new(),
            per_user_rps: DEFAULT_PER_USER_RPS,
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
fn user_key(body: &Value) -> Option<String> {
    let text = |v: &Value, name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    if let Some(token) = text(body, "AccessToken") {
        return Some(sha256_hex(&["token", &token]));
    }
    let username = text(body, "Username")
        .or_else(|| body.get("AuthParameters").and_then(|p| text(p, "USERNAME")))?;
    let scope = text(body, "UserPoolId").or_else(|| text(body, "ClientId"))?;
    Some(sha256_hex(&["user", &scope, &username.to_lowercase()]))
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

    /// The service defaults, in memory.
    pub fn defaults(account_id: &str) -> Quotas {
        Quotas::new(
            QuotaConfig::default(),
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

    /// Admits a request of `operation` or refuses it with
    /// `TooManyRequestsException`. Takes the request's tokens when admitted.
    pub async fn admit(&self, operation: &OperationSpec, body: &[u8]) -> Result<(), WireError> {
        if !self.config.enabled {
            return Ok(());
        }
        let Some(category) = Category::of_operation(operation.name) else {
            return Ok(());
        };
        let mut user_buckets = Vec::new();
        if let Some(access) = ProfileAccess::of_operation(operation.name) {
            let key = serde_json::from_slice::<Value>(body)
                .ok()
                .as_ref()
                .and_then(user_key);
            if let Some(key) = key {
                user_buckets.push(self.bucket(
                    &format!("user-{}:{key}", access.name()),
                    self.config.per_user_rps,
                ));
            }
        }
        let category_rps = self.config.rps(category);
        let mut attempts = Vec::new();
        if matches!(
            operation.name,
            "RespondToAuthChallenge" | "AdminRespondToAuthChallenge"
        ) {
            attempts.push(self.bucket(
                "UserAuthenticationChallenge",
                category_rps.saturating_mul(3),
            ));
        }
        attempts.push(self.bucket(category.name(), category_rps));
        for bucket in attempts {
            let mut buckets = vec![bucket];
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

    #[test]
    fn every_operation_has_a_category() {
        for op in userpools_wire::OPERATIONS {
            assert!(Category::of_operation(op.name).is_some(), "{}", op.name);
        }
        assert_eq!(Category::of_operation("Nope"), None);
        assert_eq!(
            Category::of_operation("AdminSetUserPassword"),
            Some(Category::UserAccountRecovery)
        );
        assert_eq!(
            Category::of_operation("ListGroups"),
            Some(Category::UserPoolResourceRead)
        );
        assert_eq!(
            Category::of_operation("CreateGroup"),
            Some(Category::UserPoolResourceUpdate)
        );
        assert_eq!(Category::from_name("UserRead"), Some(Category::UserRead));
        assert_eq!(Category::from_name("userread"), None);
        assert_eq!(Category::ALL.len(), 17);
    }

    #[tokio::test]
    async fn admit_by_category_and_user() {
        let config = QuotaConfig {
            enabled: true,
            overrides: [(Category::UserAccountRecovery, 2)].into_iter().collect(),
            per_user_rps: 1,
        };
        let quotas = Quotas::new(config, "000000000000", Arc::new(InMemoryBuckets::new()));
        let op = |name| userpools_wire::operation(name).unwrap();
        let asp = op("AdminSetUserPassword");
        assert!(quotas.admit(asp, b"{}").await.is_ok());
        assert!(quotas.admit(asp, b"{}").await.is_ok());
        let err = quotas.admit(asp, b"{}").await.unwrap_err();
        assert_eq!(
            (err.type_name.as_str(), err.message.as_str(), err.status),
            ("TooManyRequestsException", "Rate exceeded", 400)
        );
        // Other categories are independent.
        assert!(quotas.admit(op("ListUsers"), b"{}").await.is_ok());
        // Per-user: one request per second per user.
        let get = op("AdminGetUser");
        let alice = br#"{"UserPoolId":"us-east-1_a","Username":"alice"}"#;
        let alice_upper = br#"{"UserPoolId":"us-east-1_a","Username":"ALICE"}"#;
        let bob = br#"{"UserPoolId":"us-east-1_a","Username":"bob"}"#;
        assert!(quotas.admit(get, alice).await.is_ok());
        assert!(quotas.admit(get, alice_upper).await.is_err());
        assert!(quotas.admit(get, bob).await.is_ok());
        // Writes have their own per-user bucket.
        assert!(quotas
            .admit(op("AdminUpdateUserAttributes"), alice)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn challenge_responses_have_their_own_allowance() {
        let config = QuotaConfig {
            enabled: true,
            overrides: [(Category::UserAuthentication, 1)].into_iter().collect(),
            per_user_rps: 10,
        };
        let quotas = Quotas::new(config, "0", Arc::new(InMemoryBuckets::new()));
        let respond = userpools_wire::operation("RespondToAuthChallenge").unwrap();
        // 3 × 1 of their own, then 1 from UserAuthentication.
        for _ in 0..4 {
            assert!(quotas.admit(respond, b"{}").await.is_ok());
        }
        assert!(quotas.admit(respond, b"{}").await.is_err());
        let initiate = userpools_wire::operation("InitiateAuth").unwrap();
        assert!(quotas.admit(initiate, b"{}").await.is_err());
    }

    #[tokio::test]
    async fn disabled_admits_everything() {
        let config = QuotaConfig {
            enabled: false,
            overrides: [(Category::UserAccountRecovery, 1)].into_iter().collect(),
            per_user_rps: 1,
        };
        let quotas = Quotas::new(config, "0", Arc::new(InMemoryBuckets::new()));
        let asp = userpools_wire::operation("AdminSetUserPassword").unwrap();
        for _ in 0..10 {
            assert!(quotas.admit(asp, b"{}").await.is_ok());
        }
    }
}
