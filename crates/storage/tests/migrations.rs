//! Databases made by earlier releases open with this one and keep every row, and both
//! engines end with one schema: the same tables, columns and named indexes.
//!
//! The DDL of the releases before numbered migration files is frozen here, as those
//! releases ran it: it must never change, and neither may the files that reproduce it
//! (`migrations/*/0001_*.sql`, `0002_*.sql`); a schema upgraded from it must equal a
//! fresh one.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Connection, Row};
use userpools_storage::{
    Bucket, ClientRow, PoolRow, PostgresOptions, PostgresStore, SqliteStore, Store, UserKey,
    UserRow, UserWrite,
};

mod common;

use common::{postgres_skipped, sqlite_dir, TempDatabase};

/// SQLite schema versions 1 and 2 (`PRAGMA user_version`) of the earlier releases.
const OLD_SQLITE: &[&str] = &[
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

/// PostgreSQL schema versions 1 and 2 (`userpools_migrations`) of the earlier releases.
const OLD_POSTGRES: &[&str] = &[
    r#"
CREATE TABLE pools (
    pool_id   TEXT COLLATE "C" PRIMARY KEY,
    document  TEXT NOT NULL,
    version   BIGINT NOT NULL
);
CREATE TABLE clients (
    client_id TEXT COLLATE "C" PRIMARY KEY,
    pool_id   TEXT COLLATE "C" NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    document  TEXT NOT NULL,
    version   BIGINT NOT NULL
);
CREATE INDEX clients_by_pool ON clients(pool_id, client_id);
CREATE TABLE users (
    pool_id      TEXT COLLATE "C" NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    username     TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    sub          TEXT COLLATE "C" NOT NULL,
    email_key    TEXT COLLATE "C",
    phone_key    TEXT COLLATE "C",
    preferred_username_key TEXT COLLATE "C",
    document     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (pool_id, username)
);
CREATE UNIQUE INDEX users_by_username_key ON users(pool_id, username_key);
CREATE UNIQUE INDEX users_by_sub ON users(pool_id, sub);
CREATE UNIQUE INDEX users_by_email ON users(pool_id, email_key) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone ON users(pool_id, phone_key) WHERE phone_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_preferred_username ON users(pool_id, preferred_username_key)
    WHERE preferred_username_key IS NOT NULL;
CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE markers (
    name       TEXT COLLATE "C" PRIMARY KEY,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX markers_by_expiry ON markers(expires_ms);
"#,
    r#"
CREATE TABLE rate_buckets (
    key    TEXT COLLATE "C" PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at_ms  BIGINT NOT NULL
);
"#,
];

/// What the earlier releases recorded of their PostgreSQL migrations.
const OLD_POSTGRES_VERSIONS: &str = "CREATE TABLE userpools_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
)";

/// Rows as an earlier release stored them (the same SQL on both engines).
const OLD_ROWS: &str = r#"
INSERT INTO pools (pool_id, document, version) VALUES ('us-east-1_old', '{"p":1}', 3);
INSERT INTO clients (client_id, pool_id, document, version)
    VALUES ('client1', 'us-east-1_old', '{"c":1}', 2);
INSERT INTO users (pool_id, username, username_key, sub, email_key, phone_key,
    preferred_username_key, document, version)
    VALUES ('us-east-1_old', 'Alice', 'alice', 'sub-1', 'a@x', '+1555', 'ally', '{"u":1}', 7);
INSERT INTO settings (name, value) VALUES ('signing', 'k1');
"#;

const OLD_POOL: &str = "us-east-1_old";

/// Every row of [`OLD_ROWS`] reads back as stored, and the store works on.
async fn old_rows_are_kept(store: &dyn Store) {
    let pool = store.get_pool(OLD_POOL).await.unwrap().unwrap();
    assert_eq!(
        pool,
        PoolRow {
            pool_id: OLD_POOL.into(),
            document: r#"{"p":1}"#.into(),
            version: 3
        }
    );
    let client = store.find_client("client1").await.unwrap().unwrap();
    assert_eq!(
        client,
        ClientRow {
            pool_id: OLD_POOL.into(),
            client_id: "client1".into(),
            document: r#"{"c":1}"#.into(),
            version: 2
        }
    );
    let alice = UserRow {
        pool_id: OLD_POOL.into(),
        username: "Alice".into(),
        username_key: "alice".into(),
        sub: "sub-1".into(),
        email_key: Some("a@x".into()),
        phone_key: Some("+1555".into()),
        preferred_username_key: Some("ally".into()),
        document: r#"{"u":1}"#.into(),
        version: 7,
    };
    for key in [
        UserKey::Username("alice"),
        UserKey::Sub("sub-1"),
        UserKey::Email("a@x"),
        UserKey::Phone("+1555"),
        UserKey::PreferredUsername("ally"),
    ] {
        assert_eq!(
            store.find_user(OLD_POOL, key).await.unwrap(),
            Some(alice.clone())
        );
    }
    assert_eq!(
        store.get_setting("signing").await.unwrap().as_deref(),
        Some("k1")
    );
    store
        .write_users(vec![UserWrite::Update(UserRow {
            document: r#"{"u":2}"#.into(),
            ..alice
        })])
        .await
        .unwrap();
    assert!(store.put_marker("session:1", 10).await.unwrap());
    let bucket = Bucket {
        key: "0:UserRead".into(),
        rate: 1.0,
    };
    assert!(store
        .take_tokens(std::slice::from_ref(&bucket), 1_000)
        .await
        .unwrap());
    assert!(!store.take_tokens(&[bucket], 1_000).await.unwrap());
}

/// Tables with their columns in order, and the indexes the schema names (primary keys
/// aside: the engines name those differently).
#[derive(Debug, PartialEq)]
struct Schema {
    tables: BTreeMap<String, Vec<String>>,
    indexes: BTreeSet<String>,
}

fn sqlite_schema(dir: &std::path::Path) -> (Schema, i64) {
    let conn = rusqlite::Connection::open(dir.join("userpools.sqlite3")).unwrap();
    let names = |sql: &str| -> Vec<String> {
        let mut statement = conn.prepare(sql).unwrap();
        let rows = statement.query_map([], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let tables = names("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .into_iter()
        .map(|table| {
            let columns = names(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ));
            (table, columns)
        })
        .collect();
    let indexes = names("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .into_iter()
        .collect();
    let version = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    (Schema { tables, indexes }, version)
}

/// The schema (the migrations' own table aside) and the versions recorded as applied.
async fn postgres_schema(database: &TempDatabase) -> (Schema, Vec<i32>) {
    let mut conn = database.connect().await;
    let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let columns = sqlx::query(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name <> 'userpools_migrations' \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in columns {
        tables.entry(row.get(0)).or_default().push(row.get(1));
    }
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT indexname::TEXT FROM pg_indexes \
         WHERE schemaname = current_schema() AND indexname NOT LIKE '%\\_pkey'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let versions = sqlx::query_scalar("SELECT version FROM userpools_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    let indexes = indexes.into_iter().collect();
    (Schema { tables, indexes }, versions)
}

fn fresh_sqlite_schema() -> (Schema, i64) {
    let dir = sqlite_dir();
    drop(SqliteStore::open(&dir).unwrap());
    let schema = sqlite_schema(&dir);
    std::fs::remove_dir_all(dir).ok();
    schema
}

async fn open_postgres(database: &TempDatabase) -> PostgresStore {
    PostgresStore::connect(PostgresOptions {
        connect: database.options.clone(),
        pool_size: 2,
    })
    .await
    .unwrap()
}

async fn fresh_postgres_schema() -> (Schema, Vec<i32>) {
    let database = TempDatabase::create().await;
    open_postgres(&database).await.close().await;
    let schema = postgres_schema(&database).await;
    database.drop_now().await;
    schema
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_end_with_the_same_tables_and_columns() {
    let (sqlite, sqlite_version) = fresh_sqlite_schema();
    for table in [
        "pools",
        "clients",
        "users",
        "settings",
        "markers",
        "rate_buckets",
    ] {
        assert!(sqlite.tables.contains_key(table), "{table}: {sqlite:?}");
    }
    if postgres_skipped() {
        return;
    }
    let (postgres, versions) = fresh_postgres_schema().await;
    assert_eq!(sqlite, postgres);
    // One numbering: both engines are at the same version.
    assert_eq!(versions, (1..=sqlite_version as i32).collect::<Vec<_>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_databases_of_earlier_releases_keep_every_row() {
    let fresh = fresh_sqlite_schema();
    for version in 1..=OLD_SQLITE.len() {
        let dir = sqlite_dir();
        std::fs::create_dir_all(&dir).unwrap();
        {
            let conn = rusqlite::Connection::open(dir.join("userpools.sqlite3")).unwrap();
            for ddl in &OLD_SQLITE[..version] {
                conn.execute_batch(ddl).unwrap();
            }
            conn.execute_batch(OLD_ROWS).unwrap();
            conn.pragma_update(None, "user_version", version as i64)
                .unwrap();
        }
        let store = SqliteStore::open(&dir).unwrap();
        old_rows_are_kept(&store).await;
        drop(store);
        assert_eq!(sqlite_schema(&dir), fresh, "from version {version}");
        std::fs::remove_dir_all(dir).ok();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_databases_of_earlier_releases_keep_every_row() {
    if postgres_skipped() {
        return;
    }
    let fresh = fresh_postgres_schema().await;
    for version in 1..=OLD_POSTGRES.len() {
        let database = TempDatabase::create().await;
        let mut conn = database.connect().await;
        sqlx::raw_sql(OLD_POSTGRES_VERSIONS)
            .execute(&mut conn)
            .await
            .unwrap();
        for (index, ddl) in OLD_POSTGRES[..version].iter().enumerate() {
            sqlx::raw_sql(ddl).execute(&mut conn).await.unwrap();
            sqlx::query("INSERT INTO userpools_migrations (version) VALUES ($1)")
                .bind(index as i32 + 1)
                .execute(&mut conn)
                .await
                .unwrap();
        }
        sqlx::raw_sql(OLD_ROWS).execute(&mut conn).await.unwrap();
        conn.close().await.ok();
        let store = open_postgres(&database).await;
        old_rows_are_kept(&store).await;
        store.close().await;
        assert_eq!(
            postgres_schema(&database).await,
            fresh,
            "from version {version}"
        );
        database.drop_now().await;
    }
}
