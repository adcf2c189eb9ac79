//! Helpers shared by the storage test files: fresh SQLite directories and fresh
//! PostgreSQL databases (`userpools_test_<random>`) made through
//! `USERPOOLS_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`);
//! `USERPOOLS_TEST_POSTGRES=0` skips the PostgreSQL runs.

#![allow(dead_code)] // each test file uses its own subset

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

/// Distinct across processes, runs and machines.
pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    // Randomly keyed by the standard library: distinct across runs and machines.
    let random = {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
            % 1_000_000_000
    };
    format!(
        "{}_{}_{random}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh directory for one SQLite store (removed by the test that made it).
pub fn sqlite_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("userpools-engines-{}", unique_suffix()))
}

pub fn admin_url() -> String {
    std::env::var("USERPOOLS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// True (with a note) when the PostgreSQL runs are to be skipped.
pub fn postgres_skipped() -> bool {
    let skipped = std::env::var("USERPOOLS_TEST_POSTGRES").as_deref() == Ok("0");
    if skipped {
        eprintln!("USERPOOLS_TEST_POSTGRES=0: PostgreSQL run skipped");
    }
    skipped
}

/// A database created for one test; [`TempDatabase::drop_now`] drops it.
pub struct TempDatabase {
    /// Connection options of the new database.
    pub options: PgConnectOptions,
    name: String,
    admin: PgConnection,
}

impl TempDatabase {
    pub async fn create() -> TempDatabase {
        let admin_options: PgConnectOptions =
            admin_url().parse().expect("USERPOOLS_TEST_DATABASE_URL");
        let name = format!("userpools_test_{}", unique_suffix());
        let mut admin = admin_options.connect().await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {} is not reachable ({e}): start it, set USERPOOLS_TEST_DATABASE_URL, \
                 or USERPOOLS_TEST_POSTGRES=0 to skip",
                admin_url()
            )
        });
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        TempDatabase {
            options: admin_options.database(&name),
            name,
            admin,
        }
    }

    /// A direct connection to the database.
    pub async fn connect(&self) -> PgConnection {
        self.options.connect().await.unwrap()
    }

    pub async fn drop_now(mut self) {
        sqlx::raw_sql(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut self.admin)
        .await
        .unwrap();
        self.admin.close().await.ok();
    }
}
