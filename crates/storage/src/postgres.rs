//! The shared engine: PostgreSQL through sqlx, for several stateless
//! userpools nodes on one database.
//!
//! Semantics are those of the SQLite engine: every method is one transaction
//! (a user batch applies whole or not at all), updates and deletes carry the
//! version they expect ([`StoreError::VersionConflict`] otherwise), unique
//! lookup keys are enforced by unique indexes and reported as
//! [`StoreError::UniqueConflict`] with the same key names. Commits use the
//! server's `synchronous_commit` (on by default): a successful call is on disk.
//!
//! Key columns use the `"C"` collation so that ordering and pagination are
//! bytewise, exactly as in SQLite. PostgreSQL text cannot hold NUL, which an
//! alias attribute value could contain: the alias key columns are stored with
//! an injective escape (`\` → `\\`, NUL → `\0`) and unescaped on read.
//!
//! [`Store::lock_user`] takes a transaction-scoped advisory lock on a second,
//! separate connection pool, so that writers of one user on different nodes
//! queue instead of retrying. The lock is only an optimisation: correctness
//! still comes from the version checks, so a lock lost with its connection
//! cannot corrupt anything.

mod groups;

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};

use crate::rate_buckets::refilled_tokens;
use crate::rows::{self, CLIENT_COLUMNS, POOL_COLUMNS, USER_COLUMNS};
use crate::{
    schema, Bucket, ClientRow, OutboxFilter, OutboxRow, Page, PoolRow, Store, StoreError,
    StoreResult, UserKey, UserLock, UserRow, UserWrite,
};

/// Advisory lock key serialising migrations of concurrently starting nodes
/// (`0x7573_6572_706f_6f6c` = "userpool").
const MIGRATION_LOCK: i64 = 0x7573_6572_706f_6f6c;

/// How long a node waits for a connection from its pool.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of the PostgreSQL engine.
#[derive(Clone)]
pub struct PostgresOptions {
    /// Connection options (parsed from a `postgres://` URL).
    pub connect: PgConnectOptions,
    /// Maximum connections of the main pool; the lock pool has as many.
    pub pool_size: u32,
}

impl std::fmt::Debug for PostgresOptions {
    // The connect options hold the password: show only where they point.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("target", &describe(&self.connect))
            .field("pool_size", &self.pool_size)
            .finish()
    }
}

impl PostgresOptions {
    /// Parses a `postgres://user:password@host:port/database?…` URL.
    pub fn from_url(url: &str, pool_size: u32) -> StoreResult<Self> {
        let connect: PgConnectOptions = url
            .parse()
            .map_err(|e| StoreError::Engine(format!("invalid database URL: {}", redact(e))))?;
        Ok(Self {
            connect,
            pool_size: pool_size.max(1),
        })
    }

    /// `user@host:port/database`, without the password (for logs).
    pub fn describe(&self) -> String {
        describe(&self.connect)
    }
}

fn describe(o: &PgConnectOptions) -> String {
    format!(
        "{}@{}:{}/{}",
        o.get_username(),
        o.get_host(),
        o.get_port(),
        o.get_database().unwrap_or(o.get_username())
    )
}

/// sqlx's URL parse errors may quote the URL; never echo it.
fn redact(e: sqlx::Error) -> String {
    match e {
        sqlx::Error::Configuration(_) => "malformed URL or unsupported option".into(),
        other => other.to_string(),
    }
}

/// PostgreSQL engine: a main pool for reads and writes and a lock pool whose
/// connections only hold per-user advisory locks (two pools, so that lock
/// holders waiting for a main connection can never starve each other).
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    lock_pool: PgPool,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore")
            .field("target", &describe(&self.pool.connect_options()))
            .finish()
    }
}

/// Maps a sqlx error: unique violations by constraint name, foreign-key violations
/// as a missing pool, serialization failures and deadlocks as version conflicts.
fn engine(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.code().as_deref() {
            // unique_violation
            Some("23505") => {
                if let Some(key) = db.constraint().and_then(schema::unique_key_of_index) {
                    return StoreError::UniqueConflict(key);
                }
            }
            // foreign_key_violation
            Some("23503") => return StoreError::MissingPool,
            // serialization_failure, deadlock_detected: the caller retries.
            Some("40001") | Some("40P01") => return StoreError::VersionConflict,
            _ => {}
        }
    }
    StoreError::Engine(e.to_string())
}

/// Escapes an alias key for a PostgreSQL text column (injective; no NUL).
fn escape_key(key: &str) -> String {
    if !key.contains(['\\', '\0']) {
        return key.to_owned();
    }
    let mut out = String::with_capacity(key.len() + 2);
    for c in key.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out
}

/// Inverse of [`escape_key`].
fn unescape_key(stored: String) -> String {
    if !stored.contains('\\') {
        return stored;
    }
    let mut out = String::with_capacity(stored.len());
    let mut chars = stored.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl rows::Columns for PgRow {
    type Error = sqlx::Error;
    fn text(&self, index: usize) -> Result<String, sqlx::Error> {
        self.try_get(index)
    }
    fn integer(&self, index: usize) -> Result<i64, sqlx::Error> {
        self.try_get(index)
    }
    fn alias_key(&self, index: usize) -> Result<Option<String>, sqlx::Error> {
        Ok(self.try_get::<Option<String>, _>(index)?.map(unescape_key))
    }
}

fn fetch_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX - 1) + 1
}

impl PostgresStore {
    /// Runs a page query (its last bind is [`fetch_limit`]) and cuts the page at `limit`,
    /// continuing after `key` of its last row.
    async fn fetch_page<T>(
        &self,
        query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
        limit: usize,
        from_row: fn(&PgRow) -> Result<T, sqlx::Error>,
        key: impl Fn(&T) -> String,
    ) -> StoreResult<Page<T>> {
        let rows = query.fetch_all(&self.pool).await.map_err(engine)?;
        let rows = rows
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>, _>>()
            .map_err(engine)?;
        Ok(crate::page(rows, limit, key))
    }

    /// Connects, then migrates the schema under an advisory lock (so that
    /// nodes starting together migrate once).
    pub async fn connect(options: PostgresOptions) -> StoreResult<Self> {
        let connect = options.connect.application_name("userpools");
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_size)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(connect.clone())
            .await
            .map_err(|e| StoreError::Engine(format!("connecting to PostgreSQL: {e}")))?;
        // A lock connection stays idle in its transaction while the node does
        // the password work; the server ends it if the node vanishes.
        let lock_connect = connect.options([
            ("idle_in_transaction_session_timeout", "60s"),
            ("lock_timeout", "30s"),
        ]);
        let lock_pool = PgPoolOptions::new()
            .max_connections(options.pool_size)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(lock_connect);
        let store = Self { pool, lock_pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(engine)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(engine)?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS userpools_migrations (
                version    INTEGER PRIMARY KEY,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )",
        )
        .execute(&mut *tx)
        .await
        .map_err(engine)?;
        let current: i32 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM userpools_migrations")
                .fetch_one(&mut *tx)
                .await
                .map_err(engine)?;
        let current = usize::try_from(current).unwrap_or(0);
        if current > schema::POSTGRES.len() {
            return Err(schema::newer_than_binary(current));
        }
        for (index, migration) in schema::POSTGRES.iter().enumerate().skip(current) {
            for statement in migration.statements() {
                sqlx::query(&statement)
                    .execute(&mut *tx)
                    .await
                    .map_err(engine)?;
            }
            sqlx::query("INSERT INTO userpools_migrations (version) VALUES ($1)")
                .bind(index as i32 + 1)
                .execute(&mut *tx)
                .await
                .map_err(engine)?;
            tracing::info!(target: "userpools", version = index + 1, migration = migration.name, "PostgreSQL schema migrated");
        }
        tx.commit().await.map_err(engine)
    }

    /// Closes both pools (waits for connections in use to be returned).
    pub async fn close(&self) {
        self.lock_pool.close().await;
        self.pool.close().await;
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn insert_pool(&self, row: PoolRow) -> StoreResult<()> {
        sqlx::query("INSERT INTO pools (pool_id, document, version) VALUES ($1, $2, 1)")
            .bind(row.pool_id)
            .bind(row.document)
            .execute(&self.pool)
            .await
            .map_err(engine)?;
        Ok(())
    }

    async fn update_pool(&self, row: PoolRow) -> StoreResult<()> {
        let n = sqlx::query(
            "UPDATE pools SET document = $2, version = version + 1 WHERE pool_id = $1 AND version = $3",
        )
        .bind(row.pool_id)
        .bind(row.document)
        .bind(row.version)
        .execute(&self.pool)
        .await
        .map_err(engine)?
        .rows_affected();
        crate::expect_one_changed(n)
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        // Clients and users go with it (ON DELETE CASCADE), in one statement.
        let n = sqlx::query("DELETE FROM pools WHERE pool_id = $1")
            .bind(pool_id)
            .execute(&self.pool)
            .await
            .map_err(engine)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<PoolRow>> {
        let row = sqlx::query(&format!(
            "SELECT {POOL_COLUMNS} FROM pools WHERE pool_id = $1"
        ))
        .bind(pool_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(engine)?;
        row.as_ref().map(rows::pool).transpose().map_err(engine)
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRow>> {
        let sql = format!(
            "SELECT {POOL_COLUMNS} FROM pools WHERE pool_id > $1 ORDER BY pool_id LIMIT $2"
        );
        let query = sqlx::query(&sql)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit));
        self.fetch_page(query, limit, rows::pool, |r| r.pool_id.clone())
            .await
    }

    async fn insert_client(&self, row: ClientRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO clients (pool_id, client_id, document, version) VALUES ($1, $2, $3, 1)",
        )
        .bind(row.pool_id)
        .bind(row.client_id)
        .bind(row.document)
        .execute(&self.pool)
        .await
        .map_err(engine)?;
        Ok(())
    }

    async fn update_client(&self, row: ClientRow) -> StoreResult<()> {
        let n = sqlx::query(
            "UPDATE clients SET document = $3, version = version + 1 \
             WHERE pool_id = $1 AND client_id = $2 AND version = $4",
        )
        .bind(row.pool_id)
        .bind(row.client_id)
        .bind(row.document)
        .bind(row.version)
        .execute(&self.pool)
        .await
        .map_err(engine)?
        .rows_affected();
        crate::expect_one_changed(n)
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        let n = sqlx::query("DELETE FROM clients WHERE pool_id = $1 AND client_id = $2")
            .bind(pool_id)
            .bind(client_id)
            .execute(&self.pool)
            .await
            .map_err(engine)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<ClientRow>> {
        let sql =
            format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE pool_id = $1 AND client_id = $2");
        let row = sqlx::query(&sql)
            .bind(pool_id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(engine)?;
        row.as_ref().map(rows::client).transpose().map_err(engine)
    }

    async fn find_client(&self, client_id: &str) -> StoreResult<Option<ClientRow>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = $1");
        let row = sqlx::query(&sql)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(engine)?;
        row.as_ref().map(rows::client).transpose().map_err(engine)
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<ClientRow>> {
        let sql = format!(
            "SELECT {CLIENT_COLUMNS} FROM clients \
             WHERE pool_id = $1 AND client_id > $2 ORDER BY client_id LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit));
        self.fetch_page(query, limit, rows::client, |r| r.client_id.clone())
            .await
    }

    async fn find_user(&self, pool_id: &str, key: UserKey<'_>) -> StoreResult<Option<UserRow>> {
        let (column, value) = rows::user_key_column(key);
        let value = match key {
            UserKey::Email(_) | UserKey::Phone(_) | UserKey::PreferredUsername(_) => {
                escape_key(value)
            }
            UserKey::Username(_) | UserKey::Sub(_) => value.to_owned(),
        };
        // No stored username or sub contains NUL (PostgreSQL text cannot).
        if value.contains('\0') {
            return Ok(None);
        }
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 AND {column} = $2");
        let row = sqlx::query(&sql)
            .bind(pool_id)
            .bind(value)
            .fetch_optional(&self.pool)
            .await
            .map_err(engine)?;
        row.as_ref().map(rows::user).transpose().map_err(engine)
    }

    async fn write_users(&self, writes: Vec<UserWrite>) -> StoreResult<()> {
        let mut tx: Transaction<'static, Postgres> = self.pool.begin().await.map_err(engine)?;
        for write in writes {
            match write {
                UserWrite::Insert(u) => {
                    sqlx::query(&format!(
                        "INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1)"
                    ))
                    .bind(u.pool_id)
                    .bind(u.username)
                    .bind(u.username_key)
                    .bind(u.sub)
                    .bind(u.email_key.as_deref().map(escape_key))
                    .bind(u.phone_key.as_deref().map(escape_key))
                    .bind(u.preferred_username_key.as_deref().map(escape_key))
                    .bind(u.document)
                    .execute(&mut *tx)
                    .await
                    .map_err(engine)?;
                }
                UserWrite::Update(u) => {
                    let keys = [
                        u.email_key.as_deref().map(escape_key),
                        u.phone_key.as_deref().map(escape_key),
                        u.preferred_username_key.as_deref().map(escape_key),
                    ];
                    // Most updates (passwords, sessions, status) leave every lookup key
                    // as it was: then only the document and version are written, so the
                    // update stays off the unique indexes (as on SQLite).
                    let row_only = sqlx::query(
                        "UPDATE users SET document = $8, version = version + 1 \
                         WHERE pool_id = $1 AND username = $2 AND version = $9 \
                         AND username_key = $3 AND sub = $4 AND email_key IS NOT DISTINCT FROM $5 \
                         AND phone_key IS NOT DISTINCT FROM $6 \
                         AND preferred_username_key IS NOT DISTINCT FROM $7",
                    );
                    let every_column = sqlx::query(
                        "UPDATE users SET username_key = $3, sub = $4, email_key = $5, phone_key = $6, \
                         preferred_username_key = $7, document = $8, version = version + 1 \
                         WHERE pool_id = $1 AND username = $2 AND version = $9",
                    );
                    let mut changed = 0;
                    for query in [row_only, every_column] {
                        changed = query
                            .bind(&u.pool_id)
                            .bind(&u.username)
                            .bind(&u.username_key)
                            .bind(&u.sub)
                            .bind(&keys[0])
                            .bind(&keys[1])
                            .bind(&keys[2])
                            .bind(&u.document)
                            .bind(u.version)
                            .execute(&mut *tx)
                            .await
                            .map_err(engine)?
                            .rows_affected();
                        if changed == 1 {
                            break;
                        }
                    }
                    crate::expect_one_changed(changed)?;
                }
                UserWrite::Delete {
                    pool_id,
                    username,
                    version,
                } => {
                    let n = sqlx::query(
                        "DELETE FROM users WHERE pool_id = $1 AND username = $2 AND version = $3",
                    )
                    .bind(pool_id)
                    .bind(username)
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(engine)?
                    .rows_affected();
                    crate::expect_one_changed(n)?;
                }
            }
        }
        // Dropping `tx` on an early return rolls the whole batch back.
        tx.commit().await.map_err(engine)
    }

    async fn list_users(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE pool_id = $1 AND username_key > $2 \
             ORDER BY username_key LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit));
        self.fetch_page(query, limit, rows::user, |r| r.username_key.clone())
            .await
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE pool_id = $1")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(engine)?;
        Ok(count.max(0) as u64)
    }

    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(engine)
    }

    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<String> {
        // ON CONFLICT waits for a concurrent inserter, so the SELECT that
        // follows (a new snapshot under READ COMMITTED) sees the winner.
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(engine)?;
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await
            .map_err(engine)
    }

    async fn put_marker(&self, name: &str, expires_ms: i64) -> StoreResult<bool> {
        // Expired markers are swept on the way (a few at a time, skipping rows
        // another node is sweeping); their names are unique ids.
        sqlx::query(
            "DELETE FROM markers WHERE name IN \
             (SELECT name FROM markers WHERE expires_ms < $1 LIMIT 100 FOR UPDATE SKIP LOCKED)",
        )
        .bind(expires_ms - 86_400_000)
        .execute(&self.pool)
        .await
        .map_err(engine)?;
        let n = sqlx::query(
            "INSERT INTO markers (name, expires_ms) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(expires_ms)
        .execute(&self.pool)
        .await
        .map_err(engine)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn append_outbox(&self, row: OutboxRow) -> StoreResult<()> {
        crate::outbox::postgres_append(&self.pool, row).await
    }

    async fn list_outbox(
        &self,
        filter: OutboxFilter<'_>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxRow>> {
        crate::outbox::postgres_list(&self.pool, filter, limit).await
    }

    async fn take_tokens(&self, buckets: &[Bucket], now_ms: i64) -> StoreResult<bool> {
        let mut sorted: Vec<&Bucket> = buckets.iter().collect();
        sorted.sort_by(|a, b| a.key.cmp(&b.key));
        let mut tx = self.pool.begin().await.map_err(engine)?;
        // Rate buckets need not survive a crash: no fsync wait for them.
        sqlx::query("SET LOCAL synchronous_commit TO OFF")
            .execute(&mut *tx)
            .await
            .map_err(engine)?;
        let mut levels = Vec::with_capacity(sorted.len());
        for Bucket { key, rate } in &sorted {
            // New buckets start full; rows are locked in key order (no deadlocks).
            sqlx::query(
                "INSERT INTO rate_buckets (key, tokens, at_ms) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            )
            .bind(key)
            .bind(rate)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map_err(engine)?;
            let row =
                sqlx::query("SELECT tokens, at_ms FROM rate_buckets WHERE key = $1 FOR UPDATE")
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(engine)?;
            let tokens: f64 = row.try_get(0).map_err(engine)?;
            let at_ms: i64 = row.try_get(1).map_err(engine)?;
            levels.push(refilled_tokens(tokens, at_ms, *rate, now_ms));
        }
        if levels.iter().any(|tokens| *tokens < 1.0) {
            tx.rollback().await.map_err(engine)?;
            return Ok(false);
        }
        for (Bucket { key, .. }, tokens) in sorted.iter().zip(levels) {
            sqlx::query("UPDATE rate_buckets SET tokens = $2, at_ms = $3 WHERE key = $1")
                .bind(key)
                .bind(tokens - 1.0)
                .bind(now_ms)
                .execute(&mut *tx)
                .await
                .map_err(engine)?;
        }
        tx.commit().await.map_err(engine)?;
        Ok(true)
    }

    async fn lock_user(&self, pool_id: &str, username_key: &str) -> StoreResult<UserLock> {
        let mut tx: Transaction<'static, Postgres> =
            self.lock_pool.begin().await.map_err(engine)?;
        // Pool ids never contain '/', so the text is unambiguous; a hash
        // collision only makes two users queue behind each other.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!(
                "user/{pool_id}/{}",
                username_key.replace('\0', "\\0")
            ))
            .execute(&mut *tx)
            .await
            .map_err(engine)?;
        // Dropping the transaction rolls it back, which releases the lock.
        Ok(UserLock::new(tx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_escape_is_injective_and_reversible() {
        let samples = ["", "a", "\\", "\0", "\\0", "a\0b", "\\\\0", "x\\"];
        let escaped: Vec<String> = samples.iter().map(|s| escape_key(s)).collect();
        for (s, e) in samples.iter().zip(&escaped) {
            assert!(!e.contains('\0'));
            assert_eq!(&unescape_key(e.clone()), s);
        }
        let mut unique = escaped.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), samples.len());
    }

    #[test]
    fn options_debug_hides_the_password() {
        let o = PostgresOptions::from_url("postgres://u:s3cr3t@db.example:6543/up", 3).unwrap();
        let shown = format!("{o:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert_eq!(o.describe(), "u@db.example:6543/up");
    }
}
