//! The SQLite writer thread (group commit) and the checkpoint thread beside it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use rusqlite::Connection;

use super::engine;
use crate::row_cache::RowCache;
use crate::{StoreError, StoreResult};

/// Most writes committed together by one fsync.
pub(super) const MAX_BATCH: usize = 512;

/// What a write reports once its batch is committed (or failed to commit).
pub(super) type Reply = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A write for the writer thread: runs inside its savepoint, says whether it succeeded
/// (else its savepoint is rolled back), and hands back how to answer after the commit.
pub(super) type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

/// Least time between two checkpoints while writes go on.
pub(super) const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// Size the WAL file is cut back to when SQLite starts it over after a checkpoint.
pub(super) const WAL_SIZE_LIMIT: i64 = 64 << 20;

/// WAL frames (pages) beyond which the writer is asked to let the WAL start over.
pub(super) const WAL_RESTART_FRAMES: i64 = 16_384;

/// The checkpoint thread: after commits, at most every [`CHECKPOINT_INTERVAL`], copies
/// the WAL into the database (see [`checkpoint`]). Stops when the writer thread has
/// stopped.
pub(super) fn run_checkpointer(
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
pub(super) fn run_writer(
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
