//! Storage for userpools: one small [`Store`] trait and the engines behind it.
//!
//! The store knows nothing of Cognito rules. It keeps rows whose bodies are
//! documents serialised by the domain layer, plus the few columns it needs to
//! look rows up and to enforce uniqueness. Every write is atomic: a batch of
//! user writes either applies whole or not at all, and each update carries the
//! version it expects so that concurrent writers on one user are serialised
//! (optimistic concurrency; the loser gets [`StoreError::VersionConflict`] and
//! retries from a fresh read).

mod groups;
mod outbox;
mod postgres;
mod rate_buckets;
mod row_cache;
mod rows;
mod schema;
mod sqlite;

pub use groups::{AddMember, GroupRow, GroupStore};
pub use postgres::{PostgresOptions, PostgresStore};
pub use rate_buckets::{Bucket, MemoryBuckets};
pub use sqlite::{backup, SqliteStore};

use async_trait::async_trait;

/// A unique key of the store: a write that would give two rows the same one fails
/// with [`StoreError::UniqueConflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UniqueKey {
    /// A user's internal username or its normalised form, within its pool.
    Username,
    /// A user's `sub`, within its pool.
    Sub,
    /// A user's email key, within its pool.
    Email,
    /// A user's phone key, within its pool.
    Phone,
    /// A user's preferred_username key, within its pool.
    PreferredUsername,
    /// A pool id.
    Pool,
    /// An app client id.
    Client,
}

impl UniqueKey {
    /// The key's name in messages (`phone_number` for [`UniqueKey::Phone`], as the
    /// attribute is called).
    pub fn as_str(self) -> &'static str {
        match self {
            UniqueKey::Username => "username",
            UniqueKey::Sub => "sub",
            UniqueKey::Email => "email",
            UniqueKey::Phone => "phone_number",
            UniqueKey::PreferredUsername => "preferred_username",
            UniqueKey::Pool => "pool",
            UniqueKey::Client => "client",
        }
    }
}

impl std::fmt::Display for UniqueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Errors of the storage layer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// A row with the same unique key already exists.
    #[error("unique key conflict on {0}")]
    UniqueConflict(UniqueKey),
    /// The pool a client or user was written into does not exist (deleted meanwhile).
    #[error("the row's pool does not exist")]
    MissingPool,
    /// The row changed (or vanished) since it was read.
    #[error("version conflict")]
    VersionConflict,
    /// The engine failed (I/O, corruption, connection lost).
    #[error("storage engine error: {0}")]
    Engine(String),
}

/// Result alias for storage calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// A user pool row: the id and the domain's JSON document.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRow {
    /// User pool id (`us-east-1_AbC123xyz`).
    pub pool_id: String,
    /// JSON document written by the domain layer.
    pub document: String,
    /// Optimistic-concurrency version; 0 for a row not yet stored.
    pub version: i64,
}

/// An app client row.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow {
    /// Owning pool.
    pub pool_id: String,
    /// Client id.
    pub client_id: String,
    /// JSON document written by the domain layer (secrets inside are sealed).
    pub document: String,
    /// Optimistic-concurrency version.
    pub version: i64,
}

/// A user row with its lookup keys. Keys are already normalised by the domain
/// (lower-cased in case-insensitive pools); `None` means "not a lookup key".
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    /// Owning pool.
    pub pool_id: String,
    /// The immutable internal username, as created.
    pub username: String,
    /// Normalised username used for lookup and uniqueness.
    pub username_key: String,
    /// The user's `sub`.
    pub sub: String,
    /// Verified email alias or email sign-in name, normalised.
    pub email_key: Option<String>,
    /// Verified phone alias or phone sign-in name.
    pub phone_key: Option<String>,
    /// preferred_username alias, normalised.
    pub preferred_username_key: Option<String>,
    /// JSON document written by the domain layer (credentials inside are sealed).
    pub document: String,
    /// Optimistic-concurrency version; 0 for a row not yet stored.
    pub version: i64,
}

/// A message held in the outbox (no delivery configured): what would have been sent.
#[derive(Clone, PartialEq)]
pub struct OutboxRow {
    /// Pool the message was sent for.
    pub pool_id: String,
    /// Internal username of the recipient.
    pub username: String,
    /// `EMAIL` or `SMS`.
    pub channel: String,
    /// Email address or phone number, unmasked.
    pub destination: String,
    /// Why it was sent (`SIGN_UP`, `FORGOT_PASSWORD`, …).
    pub purpose: String,
    /// Email subject (none for SMS).
    pub subject: Option<String>,
    /// The message as it would have been delivered.
    pub body: String,
    /// The one-time code or temporary password in it, if any.
    pub code: Option<String>,
    /// When it was sent, service-clock epoch milliseconds.
    pub sent_ms: i64,
}

impl std::fmt::Debug for OutboxRow {
    /// Never shows the body or the code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxRow")
            .field("pool_id", &self.pool_id)
            .field("channel", &self.channel)
            .field("purpose", &self.purpose)
            .field("sent_ms", &self.sent_ms)
            .finish_non_exhaustive()
    }
}

/// Which held messages [`Store::list_outbox`] returns.
#[derive(Debug, Clone, Copy, Default)]
pub struct OutboxFilter<'a> {
    /// Only this pool's.
    pub pool_id: Option<&'a str>,
    /// Only those sent to this destination (exact).
    pub destination: Option<&'a str>,
}

/// How a user is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKey<'a> {
    /// By normalised username.
    Username(&'a str),
    /// By `sub`.
    Sub(&'a str),
    /// By normalised email key.
    Email(&'a str),
    /// By phone key.
    Phone(&'a str),
    /// By normalised preferred_username key.
    PreferredUsername(&'a str),
}

/// One user write inside an atomic batch.
#[derive(Debug, Clone)]
pub enum UserWrite {
    /// Insert a new user (version becomes 1).
    Insert(UserRow),
    /// Replace a user whose stored version must equal `row.version` (then +1).
    Update(UserRow),
    /// Delete a user whose stored version must equal `version`.
    Delete {
        /// Owning pool.
        pool_id: String,
        /// Internal username.
        username: String,
        /// Expected version.
        version: i64,
    },
}

/// A page of rows and the key to continue after, if more remain.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// Rows of this page.
    pub items: Vec<T>,
    /// Opaque continuation (the last key of this page) when more rows follow.
    pub next: Option<String>,
}

/// A per-user write lock taken with [`Store::lock_user`]; dropping it
/// releases the lock. Engines without a shared lock return [`UserLock::none`].
pub struct UserLock {
    _held: Option<Box<dyn Send>>,
}

impl UserLock {
    /// A lock that holds nothing (single-process engines).
    pub fn none() -> Self {
        Self { _held: None }
    }

    /// Keeps `held` (a transaction, a guard…) alive until the lock is dropped.
    pub fn new(held: impl Send + 'static) -> Self {
        Self {
            _held: Some(Box::new(held)),
        }
    }
}

impl std::fmt::Debug for UserLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self._held.is_some() {
            "UserLock(held)"
        } else {
            "UserLock(none)"
        })
    }
}

/// The one storage interface. Every method is atomic and durable when it
/// returns `Ok`.
#[async_trait]
pub trait Store: GroupStore + Send + Sync + 'static {
    /// Inserts a pool; [`StoreError::UniqueConflict`]`(`[`UniqueKey::Pool`]`)` if the id exists.
    async fn insert_pool(&self, row: PoolRow) -> StoreResult<()>;
    /// Replaces a pool at the expected version.
    async fn update_pool(&self, row: PoolRow) -> StoreResult<()>;
    /// Deletes a pool with its clients and users; false if it did not exist.
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool>;
    /// Reads a pool.
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<PoolRow>>;
    /// Lists pools ordered by id, starting after `after`.
    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRow>>;

    /// Inserts an app client.
    async fn insert_client(&self, row: ClientRow) -> StoreResult<()>;
    /// Replaces an app client at the expected version.
    async fn update_client(&self, row: ClientRow) -> StoreResult<()>;
    /// Deletes an app client; false if it did not exist.
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool>;
    /// Reads an app client of a pool.
    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<ClientRow>>;
    /// Finds an app client by id alone (sign-in calls name only the client).
    async fn find_client(&self, client_id: &str) -> StoreResult<Option<ClientRow>>;
    /// Lists a pool's clients ordered by id, starting after `after`.
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<ClientRow>>;

    /// Finds a user of a pool by one of its keys.
    async fn find_user(&self, pool_id: &str, key: UserKey<'_>) -> StoreResult<Option<UserRow>>;
    /// Applies user writes atomically: all or nothing.
    async fn write_users(&self, writes: Vec<UserWrite>) -> StoreResult<()>;
    /// Lists a pool's users ordered by normalised username, starting after `after`.
    async fn list_users(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<UserRow>>;
    /// How many users a pool has (DescribeUserPool's `EstimatedNumberOfUsers`).
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;

    /// Reads a deployment-wide setting (signing keys, generated credentials…).
    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>>;
    /// Stores a setting unless one exists; returns the value that is stored.
    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<String>;

    /// Records a one-time marker (a used session, a consumed challenge) that
    /// may be forgotten after `expires_ms`; true if it was not recorded yet.
    async fn put_marker(&self, name: &str, expires_ms: i64) -> StoreResult<bool>;

    /// Holds a message in the outbox.
    async fn append_outbox(&self, row: OutboxRow) -> StoreResult<()>;
    /// Held messages matching `filter`, newest first, at most `limit`.
    async fn list_outbox(
        &self,
        filter: OutboxFilter<'_>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxRow>>;

    /// Queues writers of one user (by normalised username) across every
    /// process sharing the store, until the returned lock is dropped. Only an
    /// optimisation against retry storms: writes still carry their versions.
    /// The default (one process per store) holds nothing.
    async fn lock_user(&self, _pool_id: &str, _username_key: &str) -> StoreResult<UserLock> {
        Ok(UserLock::none())
    }

    /// Takes one token from each of `buckets` at `now_ms` (wall clock) for every process
    /// sharing the store, all or none: true when taken, false (nothing taken) when one
    /// of them holds less than a token. See [`Bucket`] for the arithmetic.
    async fn take_tokens(&self, buckets: &[Bucket], now_ms: i64) -> StoreResult<bool>;
}

/// Turns `limit + 1` fetched rows into a page (engines fetch one row more
/// than asked to learn whether another page follows).
pub(crate) fn page<T>(mut items: Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Page<T> {
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(key)
    } else {
        None
    };
    Page { items, next }
}

/// A conditional update or delete must touch exactly one row; otherwise the
/// row changed (or vanished) since it was read.
pub(crate) fn expect_one_changed(changed: impl TryInto<u64>) -> StoreResult<()> {
    match changed.try_into() {
        Ok(1) => Ok(()),
        _ => Err(StoreError::VersionConflict),
    }
}
