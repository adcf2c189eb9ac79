//! Online backup and restore of the embedded store: `userpools backup` and `userpools restore`.
//!
//! A backup is one SQLite file written by `VACUUM INTO` from a read transaction, so it is a
//! consistent snapshot even while a server writes to the store, and holds every write
//! acknowledged before the backup began. It holds no master key: the data in it is sealed
//! with the data dir's key, which must be kept (and restored) separately.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::SqliteStore;
use crate::{StoreError, StoreResult};

fn failed(what: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(format!("{what} {}: {e}", path.display()))
}

/// Writes a consistent snapshot of the store in `data_dir` to the new file `out`
/// (refused if it exists), fsynced before returning. Safe while a server runs on `data_dir`.
pub fn backup(data_dir: &Path, out: &Path) -> StoreResult<()> {
    let db = data_dir.join(SqliteStore::DATABASE_FILE);
    if !db.exists() {
        return Err(failed("no store to back up at", &db, "missing"));
    }
    if out.exists() {
        return Err(failed("refusing to overwrite", out, "the file exists"));
    }
    let conn = Connection::open_with_flags(&db, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| failed("opening", &db, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(|e| failed("opening", &db, e))?;
    let target = out
        .to_str()
        .ok_or_else(|| failed("backup path", out, "not UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(|e| failed("backing up to", out, e))?;
    sync(out)?;
    check(out)
}

/// Restores the backup `from` as the store of `data_dir`, which must not hold a store yet.
/// The file is checked (integrity, a userpools schema) before it is put in place.
pub fn restore(from: &Path, data_dir: &Path) -> StoreResult<()> {
    check(from)?;
    std::fs::create_dir_all(data_dir).map_err(|e| failed("creating", data_dir, e))?;
    let db = data_dir.join(SqliteStore::DATABASE_FILE);
    if db.exists() {
        return Err(failed("refusing to overwrite the store", &db, "it exists"));
    }
    let partial = data_dir.join(format!("{}.restoring", SqliteStore::DATABASE_FILE));
    std::fs::copy(from, &partial).map_err(|e| failed("copying to", &partial, e))?;
    sync(&partial)?;
    std::fs::rename(&partial, &db).map_err(|e| failed("renaming", &partial, e))?;
    sync(data_dir)
}

/// Checks that `path` is a sound SQLite file holding a userpools store.
fn check(path: &Path) -> StoreResult<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| failed("opening", path, e))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| failed("checking", path, e))?;
    if integrity != "ok" {
        return Err(failed("corrupt backup", path, integrity));
    }
    let version: usize = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| failed("checking", path, e))?;
    let has_pools: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'pools'",
            [],
            |r| r.get(0),
        )
        .map_err(|e| failed("checking", path, e))?;
    if version == 0 || !has_pools {
        return Err(failed("not a userpools store", path, "no schema"));
    }
    Ok(())
}

/// fsyncs a file or a directory.
fn sync(path: &Path) -> StoreResult<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| failed("syncing", path, e))
}
