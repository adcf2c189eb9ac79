#[tokio::test(flavor = "multi_thread")]
async fn markers_are_recorded_once() {
    let (store, dir) = store_with_pool().await;
    assert!(store.put_marker("session:1", 10).await.unwrap());
    assert!(!store.put_marker("session:1", 10).await.unwrap());
    assert!(store.put_marker("session:2", 10).await.unwrap());
    std::fs::remove_dir_all(dir).ok();
}

use super::*;
use crate::UniqueKey;

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
        matches!(err, StoreError::UniqueConflict(UniqueKey::Email)),
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
            Err(StoreError::UniqueConflict(UniqueKey::Sub)) => {
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
