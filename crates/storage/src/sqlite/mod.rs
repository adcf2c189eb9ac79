//! The embedded engine: one SQLite file in WAL mode with `synchronous=FULL`,
//! so that a commit is on disk before the call returns.
//!
//! Writes go through one writer thread that does *group commit*: it takes every write
//! waiting in its queue (up to [`writer::MAX_BATCH`]), runs each inside its own `SAVEPOINT` of
//! one transaction — a write that fails is rolled back to its savepoint alone and reports
//! its error — then commits once (one fsync of the WAL for the whole batch) and only then
//! answers each write. A write therefore still returns `Ok` only once it is durable, and
//! the writes of a batch behave exactly as if they had run one after the other; but under
//! concurrent load the cost of the fsync is shared, instead of capping the store at one
//! write per fsync.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::row_cache::{CacheChange, RowCache};
use crate::rows::{self, CLIENT_COLUMNS, POOL_COLUMNS, USER_COLUMNS};
use crate::{
    schema, Bucket, ClientRow, MemoryBuckets, OutboxFilter, OutboxRow, Page, PoolRow, Store,
    StoreError, StoreResult, UserKey, UserRow, UserWrite,
};

pub mod backup;
mod groups;
mod writer;

use writer::{Job, Reply, WAL_SIZE_LIMIT};

/// Read connections opened beside the single writer at start.
const READERS: usize = 4;

/// Most idle read connections kept (one per thread reading at once).
const MAX_READERS: usize = 64;

/// SQLite engine. One writer connection, owned by the group-commit thread (SQLite
/// serialises writers anyway), and a few reader connections; WAL lets reads run beside
/// the writer. Pools, clients and users by username are served from a [`RowCache`] of
/// committed rows when they are there.
#[derive(Clone)]
pub struct SqliteStore {
    writer: mpsc::Sender<Job>,
    readers: Arc<Mutex<Vec<Connection>>>,
    path: Arc<std::path::PathBuf>,
    cache: Arc<RowCache>,
    /// Rate buckets: in memory, since one process serves the data directory.
    buckets: Arc<MemoryBuckets>,
    /// The data directory's lock file, held while the store is open (if it was taken).
    _directory_lock: Option<Arc<std::fs::File>>,
}

/// Maps a rusqlite error: unique violations by the index's columns, foreign-key
/// violations as a missing pool.
fn engine(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(failure, message) = &e {
        match failure.extended_code {
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                // "UNIQUE constraint failed: users.pool_id, users.email_key"
                let columns = message
                    .as_deref()
                    .and_then(|m| m.split_once(": "))
                    .map(|(_, c)| c);
                if let Some(key) = columns.and_then(schema::unique_key_of_columns) {
                    return StoreError::UniqueConflict(key);
                }
            }
            rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => return StoreError::MissingPool,
            _ => {}
        }
    }
    StoreError::Engine(e.to_string())
}

fn open_connection(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(engine)?;
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
    )
    .map_err(engine)?;
    Ok(conn)
}

/// Creates and takes `userpools.lock` in `dir` (an advisory lock the OS releases with
/// the process): a second server on the same directory is refused.
fn lock_directory(dir: &Path) -> StoreResult<std::fs::File> {
    let lock_path = dir.join("userpools.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| StoreError::Engine(format!("{}: {e}", lock_path.display())))?;
    lock.try_lock().map_err(|e| match e {
        std::fs::TryLockError::WouldBlock => StoreError::Engine(format!(
            "{} is in use by another userpools server",
            dir.display()
        )),
        std::fs::TryLockError::Error(e) => {
            StoreError::Engine(format!("{}: {e}", lock_path.display()))
        }
    })?;
    Ok(lock)
}

impl SqliteStore {
    /// The database file's name in the data dir.
    pub const DATABASE_FILE: &'static str = "userpools.sqlite3";

    /// Opens (creating if needed) `userpools.sqlite3` in `dir` and migrates it, holding
    /// the directory's lock file `userpools.lock` while open: one server per directory
    /// (the row cache relies on it).
    pub fn open(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Engine(e.to_string()))?;
        let lock = lock_directory(dir)?;
        Self::start(dir, Some(lock))
    }

    /// Opens the store without the directory's lock, for `userpools seed`: it only
    /// inserts users, which a running server's cache never holds as absent, so it may
    /// run beside the server that holds the lock.
    pub fn open_beside_server(dir: &Path) -> StoreResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Engine(e.to_string()))?;
        Self::start(dir, None)
    }

    /// Opens the connections in the existing `dir`, migrates, starts the writer and
    /// checkpoint threads; the store keeps `directory_lock` until its last clone is dropped.
    fn start(dir: &Path, directory_lock: Option<std::fs::File>) -> StoreResult<Self> {
        let path = dir.join(Self::DATABASE_FILE);
        let mut writer = open_connection(&path)?;
        migrate(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| open_connection(&path))
            .collect::<StoreResult<Vec<_>>>()?;
        // Checkpoints run beside the writer, not inside one of its commits (SQLite's
        // automatic checkpoint would stall every write queued behind that commit for the
        // copy and the database file's fsync: a latency tail at every pool size).
        let wal_settings =
            format!("PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={WAL_SIZE_LIMIT};");
        writer.execute_batch(&wal_settings).map_err(engine)?;
        let checkpointer = open_connection(&path)?;
        checkpointer.execute_batch(&wal_settings).map_err(engine)?;
        let (committed, commits) = mpsc::sync_channel::<()>(1);
        let (sender, jobs) = mpsc::channel::<Job>();
        let cache = Arc::new(RowCache::default());
        let writer_cache = cache.clone();
        let restart_wanted = Arc::new(AtomicBool::new(false));
        let writer_restart = restart_wanted.clone();
        std::thread::Builder::new()
            .name("userpools-sqlite-writer".into())
            .spawn(move || {
                writer::run_writer(writer, jobs, committed, writer_cache, writer_restart)
            })
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        std::thread::Builder::new()
            .name("userpools-sqlite-checkpoint".into())
            .spawn(move || writer::run_checkpointer(checkpointer, commits, restart_wanted))
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        Ok(Self {
            writer: sender,
            readers: Arc::new(Mutex::new(readers)),
            path: Arc::new(path),
            cache,
            buckets: Arc::default(),
            _directory_lock: directory_lock.map(Arc::new),
        })
    }

    /// Runs `f` in its own savepoint of the writer's next batch; resolves once the batch
    /// is committed (durable), with `f`'s result, or the commit's error.
    async fn write<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
    ) -> StoreResult<R> {
        self.write_changing(f, Vec::new()).await
    }

    /// [`write`](Self::write) of rows the cache may hold: `changes` are applied to the
    /// cache once `f` succeeded and its batch is committed, before the write is answered.
    async fn write_changing<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<R> + Send + 'static,
        changes: Vec<CacheChange>,
    ) -> StoreResult<R> {
        let (answer, answered) = tokio::sync::oneshot::channel::<StoreResult<R>>();
        let cache = self.cache.clone();
        let job: Job = Box::new(move |conn: &Connection| {
            let result = f(conn);
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit_error: Option<&StoreError>| {
                if ok && commit_error.is_none() && !changes.is_empty() {
                    cache.apply(changes);
                }
                let _ = answer.send(match commit_error {
                    Some(e) => Err(e.clone()),
                    None => result,
                });
            });
            (ok, reply)
        });
        self.writer
            .send(job)
            .map_err(|_| StoreError::Engine("the writer thread has stopped".into()))?;
        answered
            .await
            .map_err(|_| StoreError::Engine("the write was abandoned".into()))?
    }

    /// Runs `f` on a reader connection, on the calling thread.
    ///
    /// Reads are single-row lookups by index or short pages: from SQLite's and the OS's
    /// page caches they take a few microseconds, far less than handing them to a blocking
    /// thread and back (under load that hand-off, two context switches per read, was
    /// most of the server's CPU time). A connection is taken from the pool, or opened
    /// when every pooled one is in use, and kept afterwards (up to [`MAX_READERS`]): opening
    /// one parses the schema.
    fn read<R>(&self, f: impl FnOnce(&Connection) -> StoreResult<R>) -> StoreResult<R> {
        let taken = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => open_connection(&self.path)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < MAX_READERS {
            pool.push(conn);
        }
        result
    }
}

/// Applies the migrations after the one `PRAGMA user_version` records, in one transaction.
fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(engine)?;
    let current: usize = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(engine)?;
    if current > schema::SQLITE.len() {
        return Err(schema::newer_than_binary(current));
    }
    for (index, migration) in schema::SQLITE.iter().enumerate().skip(current) {
        tx.execute_batch(migration.sql).map_err(engine)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))
            .map_err(engine)?;
    }
    tx.commit().map_err(engine)
}

impl rows::Columns for rusqlite::Row<'_> {
    type Error = rusqlite::Error;
    fn text(&self, index: usize) -> rusqlite::Result<String> {
        self.get(index)
    }
    fn integer(&self, index: usize) -> rusqlite::Result<i64> {
        self.get(index)
    }
    fn alias_key(&self, index: usize) -> rusqlite::Result<Option<String>> {
        self.get(index)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn insert_pool(&self, row: PoolRow) -> StoreResult<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO pools (pool_id, document, version) VALUES (?1, ?2, 1)",
                params![row.pool_id, row.document],
            )
            .map_err(engine)?;
            Ok(())
        })
        .await
    }

    async fn update_pool(&self, row: PoolRow) -> StoreResult<()> {
        let changes = vec![CacheChange::Pool(row.pool_id.clone())];
        self.write_changing(move |c| {
            let n = c
                .execute(
                    "UPDATE pools SET document = ?2, version = version + 1 WHERE pool_id = ?1 AND version = ?3",
                    params![row.pool_id, row.document, row.version],
                )
                .map_err(engine)?;
            crate::expect_one_changed(n)
        }, changes)
        .await
    }

    async fn delete_pool(&self, pool_id: &str) -> StoreResult<bool> {
        let pool_id = pool_id.to_owned();
        let changes = vec![CacheChange::PoolDeleted(pool_id.clone())];
        self.write_changing(
            move |c| {
                let n = c
                    .execute("DELETE FROM pools WHERE pool_id = ?1", params![pool_id])
                    .map_err(engine)?;
                Ok(n == 1)
            },
            changes,
        )
        .await
    }

    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<PoolRow>> {
        if let Some(row) = self.cache.pool(pool_id) {
            return Ok(Some(row));
        }
        let seen = self.cache.snapshot();
        let row = self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {POOL_COLUMNS} FROM pools WHERE pool_id = ?1"
            ))
            .map_err(engine)?
            .query_row(params![pool_id], |r| rows::pool(r))
            .optional()
            .map_err(engine)
        })?;
        if let Some(row) = &row {
            self.cache.fill_pool(seen, row);
        }
        Ok(row)
    }

    async fn list_pools(&self, after: Option<&str>, limit: usize) -> StoreResult<Page<PoolRow>> {
        let after = after.unwrap_or("").to_owned();
        self.read(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {POOL_COLUMNS} FROM pools WHERE pool_id > ?1 ORDER BY pool_id LIMIT ?2"
                ))
                .map_err(engine)?;
            let rows = stmt
                .query_map(params![after, limit as i64 + 1], |r| rows::pool(r))
                .map_err(engine)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(engine)?;
            Ok(crate::page(rows, limit, |r| r.pool_id.clone()))
        })
    }

    async fn insert_client(&self, row: ClientRow) -> StoreResult<()> {
        self.write(move |c| {
            c.execute(
                "INSERT INTO clients (pool_id, client_id, document, version) VALUES (?1, ?2, ?3, 1)",
                params![row.pool_id, row.client_id, row.document],
            )
            .map_err(engine)?;
            Ok(())
        })
        .await
    }

    async fn update_client(&self, row: ClientRow) -> StoreResult<()> {
        let changes = vec![CacheChange::Client(row.client_id.clone())];
        self.write_changing(move |c| {
            let n = c
                .execute(
                    "UPDATE clients SET document = ?3, version = version + 1 WHERE pool_id = ?1 AND client_id = ?2 AND version = ?4",
                    params![row.pool_id, row.client_id, row.document, row.version],
                )
                .map_err(engine)?;
            crate::expect_one_changed(n)
        }, changes)
        .await
    }

    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<bool> {
        let (pool_id, client_id) = (pool_id.to_owned(), client_id.to_owned());
        let changes = vec![CacheChange::Client(client_id.clone())];
        self.write_changing(
            move |c| {
                let n = c
                    .execute(
                        "DELETE FROM clients WHERE pool_id = ?1 AND client_id = ?2",
                        params![pool_id, client_id],
                    )
                    .map_err(engine)?;
                Ok(n == 1)
            },
            changes,
        )
        .await
    }

    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<ClientRow>> {
        // `client_id` is the table's key: the pool only has to match.
        Ok(self
            .find_client(client_id)
            .await?
            .filter(|row| row.pool_id == pool_id))
    }

    async fn find_client(&self, client_id: &str) -> StoreResult<Option<ClientRow>> {
        if let Some(row) = self.cache.client(client_id) {
            return Ok(Some(row));
        }
        let seen = self.cache.snapshot();
        let row = self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {CLIENT_COLUMNS} FROM clients WHERE client_id = ?1"
            ))
            .map_err(engine)?
            .query_row(params![client_id], |r| rows::client(r))
            .optional()
            .map_err(engine)
        })?;
        if let Some(row) = &row {
            self.cache.fill_client(seen, row);
        }
        Ok(row)
    }

    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<ClientRow>> {
        let (pool_id, after) = (pool_id.to_owned(), after.unwrap_or("").to_owned());
        self.read(|c| {
            let mut stmt = c
                .prepare_cached(&format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE pool_id = ?1 AND client_id > ?2 ORDER BY client_id LIMIT ?3"))
                .map_err(engine)?;
            let rows = stmt
                .query_map(params![pool_id, after, limit as i64 + 1], |r| rows::client(r))
                .map_err(engine)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(engine)?;
            Ok(crate::page(rows, limit, |r| r.client_id.clone()))
        })
    }

    async fn find_user(&self, pool_id: &str, key: UserKey<'_>) -> StoreResult<Option<UserRow>> {
        if let UserKey::Username(username_key) = key {
            if let Some(row) = self.cache.user(pool_id, username_key) {
                return Ok(Some(row));
            }
        }
        let seen = self.cache.snapshot();
        let (column, value) = rows::user_key_column(key);
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1 AND {column} = ?2");
        let row = self.read(|c| {
            c.prepare_cached(&sql)
                .map_err(engine)?
                .query_row(params![pool_id, value], |r| rows::user(r))
                .optional()
                .map_err(engine)
        })?;
        if let Some(row) = &row {
            self.cache.fill_user(seen, row);
        }
        Ok(row)
    }

    async fn write_users(&self, writes: Vec<UserWrite>) -> StoreResult<()> {
        let changes = writes
            .iter()
            .map(|write| match write {
                UserWrite::Insert(row) => CacheChange::User(UserRow {
                    version: 1,
                    ..row.clone()
                }),
                UserWrite::Update(row) => CacheChange::User(UserRow {
                    version: row.version + 1,
                    ..row.clone()
                }),
                UserWrite::Delete {
                    pool_id, username, ..
                } => CacheChange::UserDeleted {
                    pool_id: pool_id.clone(),
                    username: username.clone(),
                },
            })
            .collect();
        self.write_changing(move |tx| {
            // All or nothing: the writer rolls this job's savepoint back on error.
            for write in &writes {
                match write {
                    UserWrite::Insert(u) => {
                        tx.prepare_cached(&format!(
                            "INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"
                        ))
                        .map_err(engine)?
                        .execute(params![
                            u.pool_id,
                            u.username,
                            u.username_key,
                            u.sub,
                            u.email_key,
                            u.phone_key,
                            u.preferred_username_key,
                            u.document
                        ])
                        .map_err(engine)?;
                    }
                    UserWrite::Update(u) => {
                        let args = params![
                            u.pool_id,
                            u.username,
                            u.username_key,
                            u.sub,
                            u.email_key,
                            u.phone_key,
                            u.preferred_username_key,
                            u.document,
                            u.version
                        ];
                        // Most updates (passwords, sessions, status) leave every lookup
                        // key as it was: then only the row is rewritten, not the five
                        // unique indexes (SQLite rewrites an index entry whenever its
                        // column is SET, even to the same value).
                        let row_only = tx
                            .prepare_cached(
                                "UPDATE users SET document = ?8, version = version + 1 \
                                 WHERE pool_id = ?1 AND username = ?2 AND version = ?9 \
                                 AND username_key = ?3 AND sub = ?4 AND email_key IS ?5 \
                                 AND phone_key IS ?6 AND preferred_username_key IS ?7",
                            )
                            .map_err(engine)?
                            .execute(args)
                            .map_err(engine)?;
                        if row_only == 1 {
                            continue;
                        }
                        let n = tx
                            .prepare_cached(
                                "UPDATE users SET username_key = ?3, sub = ?4, email_key = ?5, phone_key = ?6, \
                                 preferred_username_key = ?7, document = ?8, version = version + 1 \
                                 WHERE pool_id = ?1 AND username = ?2 AND version = ?9",
                            )
                            .map_err(engine)?
                            .execute(args)
                            .map_err(engine)?;
                        crate::expect_one_changed(n)?;
                    }
                    UserWrite::Delete {
                        pool_id,
                        username,
                        version,
                    } => {
                        let n = tx
                            .execute(
                                "DELETE FROM users WHERE pool_id = ?1 AND username = ?2 AND version = ?3",
                                params![pool_id, username, version],
                            )
                            .map_err(engine)?;
                        crate::expect_one_changed(n)?;
                    }
                }
            }
            Ok(())
        }, changes)
        .await
    }

    async fn list_users(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<UserRow>> {
        let (pool_id, after) = (pool_id.to_owned(), after.unwrap_or("").to_owned());
        self.read(|c| {
            let mut stmt = c
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1 AND username_key > ?2 ORDER BY username_key LIMIT ?3"
                ))
                .map_err(engine)?;
            let rows = stmt
                .query_map(params![pool_id, after, limit as i64 + 1], |r| rows::user(r))
                .map_err(engine)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(engine)?;
            Ok(crate::page(rows, limit, |r| r.username_key.clone()))
        })
    }

    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        let pool_id = pool_id.to_owned();
        self.read(|c| {
            c.prepare_cached("SELECT COUNT(*) FROM users WHERE pool_id = ?1")
                .map_err(engine)?
                .query_row(params![pool_id], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(engine)
        })
    }

    async fn get_setting(&self, name: &str) -> StoreResult<Option<String>> {
        let name = name.to_owned();
        self.read(|c| {
            c.prepare_cached("SELECT value FROM settings WHERE name = ?1")
                .map_err(engine)?
                .query_row(params![name], |r| r.get(0))
                .optional()
                .map_err(engine)
        })
    }

    async fn put_marker(&self, name: &str, expires_ms: i64) -> StoreResult<bool> {
        let name = name.to_owned();
        self.write(move |c| {
            // Expired markers are swept on the way; their names are unique ids.
            c.prepare_cached(
                "DELETE FROM markers WHERE expires_ms < ?1 AND rowid IN (SELECT rowid FROM markers WHERE expires_ms < ?1 LIMIT 100)",
            )
            .and_then(|mut stmt| stmt.execute(params![expires_ms - 86_400_000]))
            .map_err(engine)?;
            let n = c
                .prepare_cached(
                    "INSERT INTO markers (name, expires_ms) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
                )
                .and_then(|mut stmt| stmt.execute(params![name, expires_ms]))
                .map_err(engine)?;
            Ok(n == 1)
        })
        .await
    }

    async fn put_setting_if_absent(&self, name: &str, value: &str) -> StoreResult<String> {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.write(move |c| {
            c.execute(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING",
                params![name, value],
            )
            .map_err(engine)?;
            c.query_row(
                "SELECT value FROM settings WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .map_err(engine)
        })
        .await
    }

    async fn append_outbox(&self, row: OutboxRow) -> StoreResult<()> {
        self.write(move |c| crate::outbox::sqlite_append(c, &row))
            .await
    }

    async fn list_outbox(
        &self,
        filter: OutboxFilter<'_>,
        limit: usize,
    ) -> StoreResult<Vec<OutboxRow>> {
        self.read(|c| crate::outbox::sqlite_list(c, filter, limit))
    }

    async fn take_tokens(&self, buckets: &[Bucket], now_ms: i64) -> StoreResult<bool> {
        Ok(self.buckets.take(buckets, now_ms))
    }
}

#[cfg(test)]
mod tests;
