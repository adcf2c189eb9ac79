//! The embedded engine: one SQLite file in WAL mode with `synchronous=FULL`,
//! so that a commit is on disk before the call returns.
//!
//! Writes go through one writer thread that does *group commit*: it takes every write
//! waiting in its queue (up to [`MAX_BATCH`]), runs each inside its own `SAVEPOINT` of
//! one transaction — a write that fails is rolled back to its savepoint alone and reports
//! its error — then commits once (one fsync of the WAL for the whole batch) and only then
//! answers each write. A write therefore still returns `Ok` only once it is durable, and
//! the writes of a batch behave exactly as if they had run one after the other; but under
//! concurrent load the cost of the fsync is shared, instead of capping the store at one
//! write per fsync.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::row_cache::{CacheChange, RowCache};
use crate::{
    ClientRow, Page, PoolRow, Store, StoreError, StoreResult, UserKey, UserRow, UserWrite,
};

/// Schema migrations, applied in order; the index + 1 is the schema version.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE pools (
    pool_id   TEXT PRIMARY KEY,
    document  TEXT NOT NULL,
    version   INTEGER NOT NULL
);
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    pool_id   TEXT NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    document  TEXT NOT NULL,
    version   INTEGER NOT NULL
);
CREATE INDEX clients_by_pool ON clients(pool_id, client_id);
CREATE TABLE users (
    pool_id      TEXT NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    username     TEXT NOT NULL,
    username_key TEXT NOT NULL,
    sub          TEXT NOT NULL,
    email_key    TEXT,
    phone_key    TEXT,
    preferred_username_key TEXT,
    document     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, username)
);
CREATE UNIQUE INDEX users_by_username_key ON users(pool_id, username_key);
CREATE UNIQUE INDEX users_by_sub ON users(pool_id, sub);
CREATE UNIQUE INDEX users_by_email ON users(pool_id, email_key) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone ON users(pool_id, phone_key) WHERE phone_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_preferred_username ON users(pool_id, preferred_username_key)
    WHERE preferred_username_key IS NOT NULL;
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"#,
    r#"
CREATE TABLE markers (
    name       TEXT PRIMARY KEY,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX markers_by_expiry ON markers(expires_ms);
"#,
];

/// Read connections opened beside the single writer at start.
const READERS: usize = 4;

/// Most idle read connections kept (one per thread reading at once).
const MAX_READERS: usize = 64;

/// Most writes committed together by one fsync.
const MAX_BATCH: usize = 512;

/// What a write reports once its batch is committed (or failed to commit).
type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A write for the writer thread: runs inside its savepoint, says whether it succeeded
/// (else its savepoint is rolled back), and hands back how to answer after the commit.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

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
    /// The data directory's lock file, held while the store is open (if it was taken).
    _directory_lock: Option<Arc<std::fs::File>>,
}

fn copy_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::UniqueConflict(key) => StoreError::UniqueConflict(key),
        StoreError::VersionConflict => StoreError::VersionConflict,
        StoreError::Engine(message) => StoreError::Engine(message.clone()),
    }
}

/// Least time between two checkpoints while writes go on.
const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Size the WAL file is cut back to when SQLite starts it over after a checkpoint.
const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// WAL frames (pages) beyond which the writer is asked to let the WAL start over.
const WAL_RESTART_FRAMES: i64 = 16_384;

/// The checkpoint thread: after commits, at most every [`CHECKPOINT_INTERVAL`], copies
/// the WAL into the database (see [`checkpoint`]). Stops when the writer thread has
/// stopped.
fn run_checkpointer(
    conn: Connection,
    commits: mpsc::Receiver<()>,
    restart_wanted: Arc<AtomicBool>,
) {
    while commits.recv().is_ok() {
        let started = std::time::Instant::now();
        if let Err(error) = checkpoint(&conn, &restart_wanted) {
            tracing::warn!(target: "userpools::storage", %error, "WAL checkpoint failed");
        }
        if let Some(rest) = CHECKPOINT_INTERVAL.checked_sub(started.elapsed()) {
            std::thread::sleep(rest);
        }
    }
}

/// One PASSIVE checkpoint (it never blocks the writer or a reader); asks the writer to
/// finish it when the WAL has grown past [`WAL_RESTART_FRAMES`].
///
/// SQLite starts the WAL over only when the writer begins a transaction while every
/// frame is copied: under steady load the writer has always appended more by the time a
/// checkpoint beside it ends, and the WAL (with every reader's search of its index, and
/// the recovery at the next start) would grow without bound. So the writer, between two
/// batches, copies the few frames appended since (a PASSIVE checkpoint of its own), and
/// its next transaction starts the WAL over. SQLite's RESTART mode would do the same from
/// this thread, but it holds the writer while its busy handler sleeps for readers. With a
/// million users, keeping the WAL small took the p99 of 1,000 writes/s from 11–14 ms to
/// 4.5–5 ms (bench/notes.md).
fn checkpoint(conn: &Connection, restart_wanted: &AtomicBool) -> rusqlite::Result<()> {
    if passive_checkpoint(conn)? >= WAL_RESTART_FRAMES {
        restart_wanted.store(true, Ordering::Relaxed);
    }
    Ok(())
}

/// Copies what it can of the WAL into the database; returns the frames in the WAL.
fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
}

/// The writer thread: batches of jobs, one transaction and one commit per batch.
fn run_writer(
    conn: Connection,
    jobs: mpsc::Receiver<Job>,
    committed: mpsc::SyncSender<()>,
    cache: Arc<RowCache>,
    restart_wanted: Arc<AtomicBool>,
) {
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = jobs.recv() {
        if restart_wanted.swap(false, Ordering::Relaxed) {
            // See `checkpoint`: lets this batch's transaction start the WAL over.
            if let Err(error) = passive_checkpoint(&conn) {
                tracing::warn!(target: "userpools::storage", %error, "WAL checkpoint failed");
            }
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let outcome = (|| -> StoreResult<()> {
            conn.execute_batch("BEGIN IMMEDIATE").map_err(engine)?;
            for job in batch.drain(..) {
                conn.execute_batch("SAVEPOINT job").map_err(engine)?;
                let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&conn)));
                let (ok, reply) = match ran {
                    Ok(done) => done,
                    Err(_) => (
                        false,
                        Box::new(|_: Option<&StoreError>| {}) as Reply, // the caller sees its channel close
                    ),
                };
                if !ok {
                    conn.execute_batch("ROLLBACK TO job").map_err(engine)?;
                }
                conn.execute_batch("RELEASE job").map_err(engine)?;
                replies.push(reply);
            }
            conn.execute_batch("COMMIT").map_err(engine)
        })();
        if outcome.is_err() {
            if !conn.is_autocommit() {
                let _ = conn.execute_batch("ROLLBACK");
            }
            // A failed COMMIT may or may not have reached the disk.
            cache.clear();
        }
        // Jobs never run because the batch failed early get their channel closed.
        batch.clear();
        for reply in replies.drain(..) {
            reply(outcome.as_ref().err());
        }
        if outcome.is_ok() {
            // Full means a checkpoint is already due.
            let _ = committed.try_send(());
        }
    }
}

fn engine(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, Some(msg)) = &e {
        if code.code == rusqlite::ErrorCode::ConstraintViolation {
            return StoreError::UniqueConflict(unique_key_of(msg));
        }
    }
    StoreError::Engine(e.to_string())
}

/// Maps SQLite's constraint message ("UNIQUE constraint failed: users.email_key …") to a key name.
fn unique_key_of(msg: &str) -> &'static str {
    for (column, key) in [
        ("users.username_key", "username"),
        ("users.username", "username"),
        ("users.sub", "sub"),
        ("users.email_key", "email"),
        ("users.phone_key", "phone_number"),
        ("users.preferred_username_key", "preferred_username"),
        ("pools.pool_id", "pool"),
        ("clients.client_id", "client"),
        ("settings.name", "setting"),
    ] {
        if msg.contains(column) {
            return key;
        }
    }
    "unknown"
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
        let path = dir.join("userpools.sqlite3");
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
            .spawn(move || run_writer(writer, jobs, committed, writer_cache, writer_restart))
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        std::thread::Builder::new()
            .name("userpools-sqlite-checkpoint".into())
            .spawn(move || run_checkpointer(checkpointer, commits, restart_wanted))
            .map_err(|e| StoreError::Engine(e.to_string()))?;
        Ok(Self {
            writer: sender,
            readers: Arc::new(Mutex::new(readers)),
            path: Arc::new(path),
            cache,
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
                    Some(e) => Err(copy_error(e)),
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

fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(engine)?;
    let current: i64 = tx
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(engine)?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql).map_err(engine)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))
            .map_err(engine)?;
    }
    tx.commit().map_err(engine)
}

const USER_COLUMNS: &str = "pool_id, username, username_key, sub, email_key, phone_key, preferred_username_key, document, version";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        pool_id: r.get(0)?,
        username: r.get(1)?,
        username_key: r.get(2)?,
        sub: r.get(3)?,
        email_key: r.get(4)?,
        phone_key: r.get(5)?,
        preferred_username_key: r.get(6)?,
        document: r.get(7)?,
        version: r.get(8)?,
    })
}

fn client_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClientRow> {
    Ok(ClientRow {
        pool_id: r.get(0)?,
        client_id: r.get(1)?,
        document: r.get(2)?,
        version: r.get(3)?,
    })
}

fn pool_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PoolRow> {
    Ok(PoolRow {
        pool_id: r.get(0)?,
        document: r.get(1)?,
        version: r.get(2)?,
    })
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
            c.prepare_cached("SELECT pool_id, document, version FROM pools WHERE pool_id = ?1")
                .map_err(engine)?
                .query_row(params![pool_id], pool_from_row)
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
                .prepare_cached("SELECT pool_id, document, version FROM pools WHERE pool_id > ?1 ORDER BY pool_id LIMIT ?2")
                .map_err(engine)?;
            let rows = stmt
                .query_map(params![after, limit as i64 + 1], pool_from_row)
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
            c.prepare_cached(
                "SELECT pool_id, client_id, document, version FROM clients WHERE client_id = ?1",
            )
            .map_err(engine)?
            .query_row(params![client_id], client_from_row)
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
                .prepare_cached("SELECT pool_id, client_id, document, version FROM clients WHERE pool_id = ?1 AND client_id > ?2 ORDER BY client_id LIMIT ?3")
                .map_err(engine)?;
            let rows = stmt
                .query_map(params![pool_id, after, limit as i64 + 1], client_from_row)
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
        let (column, value) = match key {
            UserKey::Username(v) => ("username_key", v),
            UserKey::Sub(v) => ("sub", v),
            UserKey::Email(v) => ("email_key", v),
            UserKey::Phone(v) => ("phone_key", v),
            UserKey::PreferredUsername(v) => ("preferred_username_key", v),
        };
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE pool_id = ?1 AND {column} = ?2");
        let row = self.read(|c| {
            c.prepare_cached(&sql)
                .map_err(engine)?
                .query_row(params![pool_id, value], user_from_row)
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
                .query_map(params![pool_id, after, limit as i64 + 1], user_from_row)
                .map_err(engine)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(engine)?;
            Ok(crate::page(rows, limit, |r| r.username_key.clone()))
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
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread")]
    async fn markers_are_recorded_once() {
        let (store, dir) = store_with_pool().await;
        assert!(store.put_marker("session:1", 10).await.unwrap());
        assert!(!store.put_marker("session:1", 10).await.unwrap());
        assert!(store.put_marker("session:2", 10).await.unwrap());
        std::fs::remove_dir_all(dir).ok();
    }

    use super::*;

    fn user(name: &str, sub: &str, email: Option<&str>) -> UserRow {
        UserRow {
            pool_id: "us-east-1_test".into(),
            username: name.into(),
            username_key: name.to_lowercase(),
            sub: sub.into(),
            email_key: email.map(str::to_owned),
            phone_key: None,
            preferred_username_key: None,
            document: "{}".into(),
            version: 0,
        }
    }

    async fn store_with_pool() -> (SqliteStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "userpools-storage-test-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        let store = SqliteStore::open(&dir).unwrap();
        store
            .insert_pool(PoolRow {
                pool_id: "us-east-1_test".into(),
                document: "{}".into(),
                version: 0,
            })
            .await
            .unwrap();
        (store, dir)
    }

    fn rand_suffix() -> u64 {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn unique_keys_and_versions_are_enforced_atomically() {
        let (store, dir) = store_with_pool().await;
        store
            .write_users(vec![UserWrite::Insert(user("Alice", "s1", Some("a@x")))])
            .await
            .unwrap();
        // Same email: the whole batch fails, including the valid first insert.
        let err = store
            .write_users(vec![
                UserWrite::Insert(user("Carol", "s3", None)),
                UserWrite::Insert(user("Bob", "s2", Some("a@x"))),
            ])
            .await
            .unwrap_err();
        assert!(
            matches!(err, StoreError::UniqueConflict("email")),
            "{err:?}"
        );
        assert!(store
            .find_user("us-east-1_test", UserKey::Username("carol"))
            .await
            .unwrap()
            .is_none());

        let mut alice = store
            .find_user("us-east-1_test", UserKey::Email("a@x"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(alice.version, 1);
        alice.document = r#"{"n":1}"#.into();
        store
            .write_users(vec![UserWrite::Update(alice.clone())])
            .await
            .unwrap();
        // A second update from the same stale read loses.
        let err = store
            .write_users(vec![UserWrite::Update(alice)])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::VersionConflict));
        let stored = store
            .find_user("us-east-1_test", UserKey::Sub("s1"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (stored.version, stored.document.as_str()),
            (2, r#"{"n":1}"#)
        );
        std::fs::remove_dir_all(dir).ok();
    }

    /// Concurrent writes share commits, but each stays atomic and reports its own outcome:
    /// the failing ones (duplicate keys, stale versions) change nothing, the others land.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn group_commit_keeps_each_write_atomic() {
        let (store, dir) = store_with_pool().await;
        store
            .write_users(vec![UserWrite::Insert(user("u0", "s0", None))])
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 1..64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                // Every 8th write inserts two users, the second with a sub that
                // collides with user 0's: the whole write must fail.
                let mut writes = vec![UserWrite::Insert(user(
                    &format!("u{i}"),
                    &format!("s{i}"),
                    None,
                ))];
                if i % 8 == 7 {
                    writes.push(UserWrite::Insert(user(&format!("v{i}"), "s0", None)));
                }
                store.write_users(writes).await
            }));
        }
        let mut failures = 0;
        for (i, task) in (1..).zip(tasks) {
            match task.await.unwrap() {
                Ok(()) => assert_ne!(i % 8, 7, "write {i} should have failed"),
                Err(StoreError::UniqueConflict("sub")) => {
                    failures += 1;
                    assert_eq!(i % 8, 7, "write {i} failed");
                }
                Err(e) => panic!("write {i}: {e:?}"),
            }
        }
        assert_eq!(failures, 8);
        let page = store
            .list_users("us-east-1_test", None, 1000)
            .await
            .unwrap();
        assert_eq!(page.items.len(), 56);
        assert!(page.items.iter().all(|u| u.username.starts_with('u')));

        // Many concurrent updates of one row at the same version: exactly one wins.
        let row = store
            .find_user("us-east-1_test", UserKey::Username("u0"))
            .await
            .unwrap()
            .unwrap();
        let mut tasks = Vec::new();
        for n in 0..16 {
            let (store, mut row) = (store.clone(), row.clone());
            row.document = format!(r#"{{"n":{n}}}"#);
            tasks.push(tokio::spawn(async move {
                store.write_users(vec![UserWrite::Update(row)]).await
            }));
        }
        let mut won = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::VersionConflict) => {}
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(won, 1);
        let stored = store
            .find_user("us-east-1_test", UserKey::Username("u0"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.version, row.version + 1);
        std::fs::remove_dir_all(dir).ok();
    }

    /// The row cache under concurrent writers and readers: every read made after a
    /// write was acknowledged sees that write or a later one, by username (cache) and
    /// by sub (SQL) alike; a cascading pool delete leaves nothing cached behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn cached_reads_never_go_back_in_time() {
        let (store, dir) = store_with_pool().await;
        let pool = "us-east-1_test";
        let writes = (0..4)
            .map(|i| UserWrite::Insert(user(&format!("U{i}"), &format!("s{i}"), None)))
            .collect();
        store.write_users(writes).await.unwrap();
        let mut tasks = Vec::new();
        for worker in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let (key, sub) = (format!("u{}", worker % 4), format!("s{}", worker % 4));
                let mut acknowledged = 0;
                for _ in 0..150 {
                    let row = store
                        .find_user(pool, UserKey::Username(&key))
                        .await
                        .unwrap()
                        .unwrap();
                    assert!(
                        row.version >= acknowledged,
                        "{key}: {row:?} after {acknowledged}"
                    );
                    let by_sub = store
                        .find_user(pool, UserKey::Sub(&sub))
                        .await
                        .unwrap()
                        .unwrap();
                    assert!(by_sub.version >= acknowledged);
                    let mut next = row.clone();
                    next.document = format!(r#"{{"worker":{worker},"v":{}}}"#, row.version);
                    match store
                        .write_users(vec![UserWrite::Update(next.clone())])
                        .await
                    {
                        Ok(()) => {
                            acknowledged = row.version + 1;
                            let read = store
                                .find_user(pool, UserKey::Username(&key))
                                .await
                                .unwrap()
                                .unwrap();
                            assert!(read.version >= acknowledged);
                            if read.version == acknowledged {
                                assert_eq!(read.document, next.document);
                            }
                        }
                        Err(StoreError::VersionConflict) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        // The cache agrees with SQL for every user once the writes are done.
        for i in 0..4 {
            let cached = store
                .find_user(pool, UserKey::Username(&format!("u{i}")))
                .await
                .unwrap()
                .unwrap();
            let stored = store
                .find_user(pool, UserKey::Sub(&format!("s{i}")))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                (cached.version, cached.document),
                (stored.version, stored.document)
            );
        }
        let client = ClientRow {
            pool_id: pool.into(),
            client_id: "client1".into(),
            document: "{}".into(),
            version: 0,
        };
        store.insert_client(client).await.unwrap();
        assert!(store.get_client(pool, "client1").await.unwrap().is_some());
        assert!(store
            .get_client("us-east-1_other", "client1")
            .await
            .unwrap()
            .is_none());
        let cached_pool = store.get_pool(pool).await.unwrap().unwrap();
        store
            .update_pool(PoolRow {
                document: r#"{"changed":true}"#.into(),
                ..cached_pool
            })
            .await
            .unwrap();
        assert_eq!(
            store.get_pool(pool).await.unwrap().unwrap().document,
            r#"{"changed":true}"#
        );
        assert!(store.delete_pool(pool).await.unwrap());
        assert!(store.get_pool(pool).await.unwrap().is_none());
        assert!(store.find_client("client1").await.unwrap().is_none());
        assert!(store
            .find_user(pool, UserKey::Username("u0"))
            .await
            .unwrap()
            .is_none());
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn one_server_per_data_directory() {
        let (store, dir) = store_with_pool().await;
        let Err(StoreError::Engine(message)) = SqliteStore::open(&dir) else {
            panic!("a second server opened the same directory");
        };
        assert_eq!(
            message,
            format!("{} is in use by another userpools server", dir.display())
        );
        // `userpools seed` opens beside the server, and its users are found.
        let seeder = SqliteStore::open_beside_server(&dir).unwrap();
        seeder
            .write_users(vec![UserWrite::Insert(user("Seeded", "s9", None))])
            .await
            .unwrap();
        assert!(store
            .find_user("us-east-1_test", UserKey::Username("seeded"))
            .await
            .unwrap()
            .is_some());
        drop(store);
        drop(seeder);
        // The lock goes with the store.
        SqliteStore::open(&dir).unwrap();
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn pages_and_cascading_delete() {
        let (store, dir) = store_with_pool().await;
        let writes = (0..5)
            .map(|i| UserWrite::Insert(user(&format!("u{i}"), &format!("s{i}"), None)))
            .collect();
        store.write_users(writes).await.unwrap();
        let first = store.list_users("us-east-1_test", None, 2).await.unwrap();
        assert_eq!(first.items.len(), 2);
        assert_eq!(first.next.as_deref(), Some("u1"));
        let last = store
            .list_users("us-east-1_test", Some("u3"), 2)
            .await
            .unwrap();
        assert_eq!(last.items.len(), 1);
        assert!(last.next.is_none());
        assert!(store.delete_pool("us-east-1_test").await.unwrap());
        assert!(store
            .find_user("us-east-1_test", UserKey::Sub("s0"))
            .await
            .unwrap()
            .is_none());
        assert_eq!(store.put_setting_if_absent("k", "v1").await.unwrap(), "v1");
        assert_eq!(store.put_setting_if_absent("k", "v2").await.unwrap(), "v1");
        std::fs::remove_dir_all(dir).ok();
    }
}
