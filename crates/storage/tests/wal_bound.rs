//! The WAL bound of the embedded store under steady load, in a test binary of its own: it
//! measures a resource while the store works flat out, so nothing else may run beside it
//! (cargo runs test binaries one after another; inside `engines.rs` the other tests ran
//! concurrently and starved the checkpointer).

use std::sync::Arc;
use std::time::Duration;

use userpools_storage::{PoolRow, SqliteStore, Store, UserKey, UserRow, UserWrite};

mod common;

use common::sqlite_dir;

const POOL: &str = "us-east-1_test";

fn user(name: &str, sub: &str) -> UserRow {
    UserRow {
        pool_id: POOL.into(),
        username: name.into(),
        username_key: name.to_lowercase(),
        sub: sub.into(),
        email_key: None,
        phone_key: None,
        preferred_username_key: None,
        document: format!(r#"{{"name":"{name}"}}"#),
        version: 0,
    }
}

async fn with_pool(store: &dyn Store) {
    let pool = PoolRow {
        pool_id: POOL.into(),
        document: format!(r#"{{"id":"{POOL}"}}"#),
        version: 0,
    };
    store.insert_pool(pool).await.unwrap();
}

/// Under steady writes with readers always reading, SQLite never starts its WAL over by
/// itself; the store has the writer finish a checkpoint now and then so that it does. The
/// WAL file stays near its 64 MB limit while ~250 MB of pages are written.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_wal_stays_bounded_under_steady_load() {
    let dir = sqlite_dir();
    let store = SqliteStore::open(&dir).unwrap();
    with_pool(&store).await;
    let wal_file = dir.join("userpools.sqlite3-wal");
    let writers = 8;
    let writes = (0..writers)
        .map(|w| UserWrite::Insert(user(&format!("w{w}"), &format!("s{w}"))))
        .collect();
    store.write_users(writes).await.unwrap();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut readers = Vec::new();
    for r in 0..2 {
        let (store, done) = (store.clone(), done.clone());
        readers.push(tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let sub = format!("s{}", r % writers);
                // By sub: a SQL read (the cache serves usernames).
                store.find_user(POOL, UserKey::Sub(&sub)).await.unwrap();
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut row = UserRow {
                version: 1,
                ..user(&format!("w{w}"), &format!("s{w}"))
            };
            for n in 0..1_600 {
                row.document = format!("{n:016}").repeat(1_000); // 16 KB: four overflow pages
                store
                    .write_users(vec![UserWrite::Update(row.clone())])
                    .await
                    .unwrap();
                row.version += 1;
            }
        }));
    }
    let mut largest = 0;
    while !tasks.iter().all(|t| t.is_finished()) {
        largest = largest.max(std::fs::metadata(&wal_file).map_or(0, |m| m.len()));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in tasks.into_iter().chain(readers) {
        task.await.unwrap();
    }
    assert!(
        largest < 150 << 20,
        "12,800 writes of 16 KB: the WAL file reached {largest} bytes"
    );
    std::fs::remove_dir_all(dir).ok();
}
