//! Storage tests written once over `&dyn Store` and run on every engine:
//! SQLite in a fresh temporary directory, PostgreSQL in a fresh database
//! (dropped afterwards; see `common` for where and how to skip it).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use userpools_storage::{
    ClientRow, OutboxFilter, OutboxRow, PoolRow, PostgresOptions, PostgresStore, SqliteStore,
    Store, StoreError, UniqueKey, UserKey, UserRow, UserWrite,
};

mod common;

use common::{postgres_skipped, sqlite_dir, TempDatabase};

const POOL: &str = "us-east-1_test";

type TestFn = fn(Arc<dyn Store>) -> Pin<Box<dyn Future<Output = ()> + Send>>;

async fn on_sqlite(test: TestFn) {
    let dir = sqlite_dir();
    let store = SqliteStore::open(&dir).unwrap();
    test(Arc::new(store)).await;
    std::fs::remove_dir_all(dir).ok();
}

/// A fresh database for one test; dropped (even if the test panicked) afterwards.
async fn on_postgres(test: TestFn) {
    if postgres_skipped() {
        return;
    }
    let database = TempDatabase::create().await;
    let options = PostgresOptions {
        connect: database.options.clone(),
        pool_size: 8,
    };
    let outcome = {
        let store = PostgresStore::connect(options).await.unwrap();
        let closer = store.clone();
        let outcome = tokio::spawn(test(Arc::new(store))).await;
        closer.close().await;
        outcome
    };
    database.drop_now().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic.into_panic());
    }
}

/// Declares one `#[tokio::test]` per engine for each listed test function.
/// The common update (a password, a session) keeps every lookup key: it must still be
/// version-checked, keep every lookup working, and a key it then gains must still be unique.
async fn updates_that_keep_every_key(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    store
        .write_users(vec![
            UserWrite::Insert(user("a", "s1", Some("a@x"))),
            UserWrite::Insert(user("b", "s2", Some("b@x"))),
        ])
        .await
        .unwrap();
    let find = |key| async move { store.find_user(POOL, key).await.unwrap() };
    let a = find(UserKey::Username("a")).await.unwrap();
    for n in 1..=3 {
        let row = find(UserKey::Username("a")).await.unwrap();
        store
            .write_users(vec![UserWrite::Update(UserRow {
                document: format!(r#"{{"n":{n}}}"#),
                ..row
            })])
            .await
            .unwrap();
    }
    let now = find(UserKey::Email("a@x")).await.unwrap();
    assert_eq!(
        (now.version, now.document.as_str()),
        (a.version + 3, r#"{"n":3}"#)
    );
    assert_eq!(find(UserKey::Sub("s1")).await.unwrap(), now);
    // A stale writer with the same keys is refused and changes nothing.
    let err = store
        .write_users(vec![UserWrite::Update(UserRow {
            document: "{}".into(),
            ..a.clone()
        })])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
    assert_eq!(find(UserKey::Username("a")).await.unwrap(), now);
    // Gaining a key another user holds is a unique conflict, not a silent update.
    let err = store
        .write_users(vec![UserWrite::Update(UserRow {
            phone_key: None,
            email_key: Some("b@x".into()),
            ..now.clone()
        })])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UniqueConflict(UniqueKey::Email)),
        "{err:?}"
    );
    assert_eq!(find(UserKey::Username("a")).await.unwrap(), now);
}

macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::on_sqlite(|s| Box::pin(super::$name(s))).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::on_postgres(|s| Box::pin(super::$name(s))).await;
                }
            )*
        }
    };
}

engine_tests!(
    pools_crud_versions_and_pages,
    clients_crud_and_lookup,
    unique_keys_are_named_and_batches_are_atomic,
    versions_are_checked_on_update_and_delete,
    updates_that_keep_every_key,
    user_pages_are_bytewise_ordered,
    cascading_pool_delete,
    settings_first_writer_wins,
    markers_are_recorded_once,
    alias_keys_round_trip_any_text,
    concurrent_read_modify_write_loses_nothing,
    concurrent_setting_writers_agree,
    outbox_lists_newest_first_by_pool_and_destination,
);

fn user(name: &str, sub: &str, email: Option<&str>) -> UserRow {
    UserRow {
        pool_id: POOL.into(),
        username: name.into(),
        username_key: name.to_lowercase(),
        sub: sub.into(),
        email_key: email.map(str::to_owned),
        phone_key: None,
        preferred_username_key: None,
        document: format!(r#"{{"name":"{name}"}}"#),
        version: 0,
    }
}

fn pool_row(id: &str) -> PoolRow {
    PoolRow {
        pool_id: id.into(),
        document: format!(r#"{{"id":"{id}"}}"#),
        version: 0,
    }
}

async fn with_pool(store: &dyn Store) {
    store.insert_pool(pool_row(POOL)).await.unwrap();
}

async fn pools_crud_versions_and_pages(store: Arc<dyn Store>) {
    let store = store.as_ref();
    for id in ["us-east-1_c", "us-east-1_a", "us-east-1_b", "us-east-1_B"] {
        store.insert_pool(pool_row(id)).await.unwrap();
    }
    let err = store
        .insert_pool(pool_row("us-east-1_a"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UniqueConflict(UniqueKey::Pool)),
        "{err:?}"
    );

    let first = store.list_pools(None, 2).await.unwrap();
    let ids: Vec<_> = first.items.iter().map(|p| p.pool_id.as_str()).collect();
    // Bytewise: upper case before lower case.
    assert_eq!(ids, ["us-east-1_B", "us-east-1_a"]);
    assert_eq!(first.next.as_deref(), Some("us-east-1_a"));
    let rest = store.list_pools(first.next.as_deref(), 2).await.unwrap();
    assert_eq!(rest.items.len(), 2);
    assert!(rest.next.is_none());

    let mut a = store.get_pool("us-east-1_a").await.unwrap().unwrap();
    assert_eq!(a.version, 1);
    a.document = r#"{"id":"us-east-1_a","n":2}"#.into();
    store.update_pool(a.clone()).await.unwrap();
    let err = store.update_pool(a).await.unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
    let a = store.get_pool("us-east-1_a").await.unwrap().unwrap();
    assert_eq!(
        (a.version, a.document.as_str()),
        (2, r#"{"id":"us-east-1_a","n":2}"#)
    );
    let err = store
        .update_pool(pool_row("us-east-1_none"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");

    assert!(store.delete_pool("us-east-1_a").await.unwrap());
    assert!(!store.delete_pool("us-east-1_a").await.unwrap());
    assert!(store.get_pool("us-east-1_a").await.unwrap().is_none());
}

async fn clients_crud_and_lookup(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    store
        .insert_pool(pool_row("us-east-1_other"))
        .await
        .unwrap();
    let client = |id: &str, pool: &str| ClientRow {
        pool_id: pool.into(),
        client_id: id.into(),
        document: format!(r#"{{"c":"{id}"}}"#),
        version: 0,
    };
    for id in ["c3", "c1", "c2"] {
        store.insert_client(client(id, POOL)).await.unwrap();
    }
    store
        .insert_client(client("o1", "us-east-1_other"))
        .await
        .unwrap();
    let err = store.insert_client(client("c1", POOL)).await.unwrap_err();
    assert!(
        matches!(err, StoreError::UniqueConflict(UniqueKey::Client)),
        "{err:?}"
    );
    // A client of a pool that does not exist is refused, not stored.
    let err = store
        .insert_client(client("x", "us-east-1_missing"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::MissingPool),
        "dangling client: {err:?}"
    );

    let page = store.list_clients(POOL, None, 2).await.unwrap();
    let ids: Vec<_> = page.items.iter().map(|c| c.client_id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2"]);
    let page = store
        .list_clients(POOL, page.next.as_deref(), 2)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next.is_none());

    let found = store.find_client("o1").await.unwrap().unwrap();
    assert_eq!(found.pool_id, "us-east-1_other");
    assert!(store.get_client(POOL, "o1").await.unwrap().is_none());

    let mut c1 = store.get_client(POOL, "c1").await.unwrap().unwrap();
    c1.document = r#"{"c":"c1","v":2}"#.into();
    store.update_client(c1.clone()).await.unwrap();
    let err = store.update_client(c1).await.unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
    assert_eq!(
        store.get_client(POOL, "c1").await.unwrap().unwrap().version,
        2
    );
    assert!(store.delete_client(POOL, "c1").await.unwrap());
    assert!(!store.delete_client(POOL, "c1").await.unwrap());
    assert!(!store.delete_client(POOL, "o1").await.unwrap());
}

async fn unique_keys_are_named_and_batches_are_atomic(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    store
        .insert_pool(pool_row("us-east-1_other"))
        .await
        .unwrap();
    let mut alice = user("Alice", "s1", Some("a@x"));
    alice.phone_key = Some("+1555".into());
    alice.preferred_username_key = Some("ally".into());
    store
        .write_users(vec![UserWrite::Insert(alice.clone())])
        .await
        .unwrap();

    let cases: Vec<(UserRow, UniqueKey)> = vec![
        (user("alice", "s9", None), UniqueKey::Username),
        (user("Bob", "s1", None), UniqueKey::Sub),
        (user("Bob", "s9", Some("a@x")), UniqueKey::Email),
        (
            UserRow {
                phone_key: Some("+1555".into()),
                ..user("Bob", "s9", None)
            },
            UniqueKey::Phone,
        ),
        (
            UserRow {
                preferred_username_key: Some("ally".into()),
                ..user("Bob", "s9", None)
            },
            UniqueKey::PreferredUsername,
        ),
    ];
    for (row, key) in cases {
        // Each batch starts with a valid insert that must be rolled back too.
        let err = store
            .write_users(vec![
                UserWrite::Insert(user("Carol", "s3", None)),
                UserWrite::Insert(row),
            ])
            .await
            .unwrap_err();
        match err {
            StoreError::UniqueConflict(k) => assert_eq!(k, key),
            other => panic!("{key}: {other:?}"),
        }
        assert!(store
            .find_user(POOL, UserKey::Username("carol"))
            .await
            .unwrap()
            .is_none());
    }
    // The same internal username twice (primary key).
    let err = store
        .write_users(vec![UserWrite::Insert(UserRow {
            username_key: "other-key".into(),
            ..user("Alice", "s8", None)
        })])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UniqueConflict(UniqueKey::Username)),
        "{err:?}"
    );

    // Absent keys never conflict; keys are per pool.
    store
        .write_users(vec![
            UserWrite::Insert(user("Bob", "s2", None)),
            UserWrite::Insert(user("Dan", "s4", None)),
            UserWrite::Insert(UserRow {
                pool_id: "us-east-1_other".into(),
                ..alice.clone()
            }),
        ])
        .await
        .unwrap();

    for key in [
        UserKey::Username("alice"),
        UserKey::Sub("s1"),
        UserKey::Email("a@x"),
        UserKey::Phone("+1555"),
        UserKey::PreferredUsername("ally"),
    ] {
        let found = store.find_user(POOL, key).await.unwrap().unwrap();
        assert_eq!(
            found,
            UserRow {
                version: 1,
                ..alice.clone()
            },
            "{key:?}"
        );
    }
    assert!(store
        .find_user(POOL, UserKey::Username("Alice"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .find_user("us-east-1_none", UserKey::Sub("s1"))
        .await
        .unwrap()
        .is_none());
    // A user of a pool that does not exist is refused.
    let err = store
        .write_users(vec![UserWrite::Insert(UserRow {
            pool_id: "us-east-1_missing".into(),
            ..user("Eve", "s5", None)
        })])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::MissingPool), "{err:?}");
}

async fn versions_are_checked_on_update_and_delete(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    store
        .write_users(vec![
            UserWrite::Insert(user("a", "s1", Some("a@x"))),
            UserWrite::Insert(user("b", "s2", None)),
        ])
        .await
        .unwrap();
    let a = store
        .find_user(POOL, UserKey::Username("a"))
        .await
        .unwrap()
        .unwrap();
    let b = store
        .find_user(POOL, UserKey::Username("b"))
        .await
        .unwrap()
        .unwrap();

    // A batch whose second update is stale leaves the first one unapplied.
    let mut a2 = a.clone();
    a2.document = r#"{"n":2}"#.into();
    a2.email_key = None;
    let err = store
        .write_users(vec![
            UserWrite::Update(a2.clone()),
            UserWrite::Update(UserRow {
                version: 7,
                ..b.clone()
            }),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
    assert_eq!(
        store
            .find_user(POOL, UserKey::Username("a"))
            .await
            .unwrap()
            .unwrap(),
        a
    );

    // Keys move with an update: the email is released.
    store
        .write_users(vec![UserWrite::Update(a2.clone())])
        .await
        .unwrap();
    assert!(store
        .find_user(POOL, UserKey::Email("a@x"))
        .await
        .unwrap()
        .is_none());
    let err = store
        .write_users(vec![UserWrite::Update(a2)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");

    // Delete at a stale version fails; at the right one succeeds; twice fails.
    let delete = |version| UserWrite::Delete {
        pool_id: POOL.into(),
        username: "a".into(),
        version,
    };
    let err = store.write_users(vec![delete(1)]).await.unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
    store.write_users(vec![delete(2)]).await.unwrap();
    let err = store.write_users(vec![delete(2)]).await.unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
    // Updating a user that vanished is a conflict too.
    let err = store
        .write_users(vec![UserWrite::Update(a)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::VersionConflict), "{err:?}");
}

async fn user_pages_are_bytewise_ordered(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    let names = ["b", "B", "a", "_x", "é", "Z", "aa", "a-b", "ü", "1"];
    let writes = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            UserWrite::Insert(UserRow {
                username_key: (*n).into(),
                ..user(n, &format!("s{i}"), None)
            })
        })
        .collect();
    store.write_users(writes).await.unwrap();
    let mut expected: Vec<&str> = names.to_vec();
    expected.sort(); // Rust orders strings bytewise, as SQLite's BINARY does
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_users(POOL, after.as_deref(), 3).await.unwrap();
        assert!(page.items.len() <= 3);
        seen.extend(page.items.iter().map(|u| u.username_key.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    let exact = store.list_users(POOL, None, names.len()).await.unwrap();
    assert_eq!(exact.items.len(), names.len());
    assert!(exact.next.is_none());
}

async fn cascading_pool_delete(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    store
        .insert_client(ClientRow {
            pool_id: POOL.into(),
            client_id: "c1".into(),
            document: "{}".into(),
            version: 0,
        })
        .await
        .unwrap();
    let writes = (0..5)
        .map(|i| UserWrite::Insert(user(&format!("u{i}"), &format!("s{i}"), None)))
        .collect();
    store.write_users(writes).await.unwrap();
    assert!(store.delete_pool(POOL).await.unwrap());
    assert!(store.find_client("c1").await.unwrap().is_none());
    assert!(store
        .find_user(POOL, UserKey::Sub("s0"))
        .await
        .unwrap()
        .is_none());
    // The pool id can be used again, from scratch.
    with_pool(store).await;
    assert!(store
        .list_users(POOL, None, 10)
        .await
        .unwrap()
        .items
        .is_empty());
    store
        .write_users(vec![UserWrite::Insert(user("u0", "s0", None))])
        .await
        .unwrap();
}

async fn settings_first_writer_wins(store: Arc<dyn Store>) {
    let store = store.as_ref();
    assert_eq!(store.get_setting("k").await.unwrap(), None);
    assert_eq!(store.put_setting_if_absent("k", "v1").await.unwrap(), "v1");
    assert_eq!(store.put_setting_if_absent("k", "v2").await.unwrap(), "v1");
    assert_eq!(store.get_setting("k").await.unwrap().as_deref(), Some("v1"));
    let long = "x".repeat(100_000);
    assert_eq!(
        store.put_setting_if_absent("long", &long).await.unwrap(),
        long
    );
}

async fn markers_are_recorded_once(store: Arc<dyn Store>) {
    let store = store.as_ref();
    assert!(store.put_marker("session:1", 10).await.unwrap());
    assert!(!store.put_marker("session:1", 10).await.unwrap());
    assert!(store.put_marker("session:2", 10).await.unwrap());
    // Much later markers sweep long-expired ones; a fresh one is still unique.
    assert!(store
        .put_marker("session:3", 10 + 2 * 86_400_000)
        .await
        .unwrap());
    assert!(!store
        .put_marker("session:3", 10 + 2 * 86_400_000)
        .await
        .unwrap());
}

async fn outbox_lists_newest_first_by_pool_and_destination(store: Arc<dyn Store>) {
    let store = store.as_ref();
    let row = |pool: &str, to: &str, code: Option<&str>, at: i64| OutboxRow {
        pool_id: pool.into(),
        username: "alice".into(),
        channel: "EMAIL".into(),
        destination: to.into(),
        purpose: "SIGN_UP".into(),
        subject: code.map(|_| "Your verification code".into()),
        body: "Your verification code is 123456. ".into(),
        code: code.map(str::to_owned),
        sent_ms: at,
    };
    store
        .append_outbox(row("p1", "a@x", Some("111111"), 1))
        .await
        .unwrap();
    store
        .append_outbox(row("p1", "b@x", None, 2))
        .await
        .unwrap();
    store
        .append_outbox(row("p2", "a@x", Some("333333"), 3))
        .await
        .unwrap();
    let list = |pool_id, destination| async move {
        store
            .list_outbox(
                OutboxFilter {
                    pool_id,
                    destination,
                },
                10,
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.sent_ms)
            .collect::<Vec<_>>()
    };
    assert_eq!(list(None, None).await, [3, 2, 1]);
    assert_eq!(list(Some("p1"), None).await, [2, 1]);
    assert_eq!(list(None, Some("a@x")).await, [3, 1]);
    assert_eq!(list(Some("p2"), Some("b@x")).await, Vec::<i64>::new());
    let all = store.list_outbox(OutboxFilter::default(), 1).await.unwrap();
    assert_eq!(all, [row("p2", "a@x", Some("333333"), 3)]);
    let held = store.list_outbox(OutboxFilter::default(), 3).await.unwrap();
    assert_eq!(held[1], row("p1", "b@x", None, 2));
}

async fn alias_keys_round_trip_any_text(store: Arc<dyn Store>) {
    let store = store.as_ref();
    with_pool(store).await;
    let odd = ["a\0b@x", "a\\0b@x", "\\", "ünï©ødé@x", "a'b\"c;--@x"];
    for (i, key) in odd.iter().enumerate() {
        let row = UserRow {
            preferred_username_key: Some(format!("p{key}")),
            phone_key: Some(format!("+{key}")),
            document: format!("{{\"k\":{}}}", serde_json::to_string(key).unwrap()),
            ..user(&format!("u{i}"), &format!("s{i}"), Some(key))
        };
        store
            .write_users(vec![UserWrite::Insert(row.clone())])
            .await
            .unwrap();
        let found = store
            .find_user(POOL, UserKey::Email(key))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            found,
            UserRow {
                version: 1,
                ..row.clone()
            }
        );
        let by_phone = store
            .find_user(POOL, UserKey::Phone(&format!("+{key}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_phone.username, row.username);
        let by_preferred = store
            .find_user(POOL, UserKey::PreferredUsername(&format!("p{key}")))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(by_preferred.username, row.username);
    }
    // Distinct texts stay distinct keys ("a\0b" vs "a\\0b" both stored above).
    let err = store
        .write_users(vec![UserWrite::Insert(user("dup", "sd", Some("a\0b@x")))])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::UniqueConflict(UniqueKey::Email)),
        "{err:?}"
    );
    assert!(store
        .find_user(POOL, UserKey::Username("x\0"))
        .await
        .unwrap()
        .is_none());
}

/// Many tasks increment a counter in one user's document with read, modify,
/// versioned write and retry: no increment is lost.
async fn concurrent_read_modify_write_loses_nothing(store: Arc<dyn Store>) {
    with_pool(store.as_ref()).await;
    let mut row = user("hot", "s1", None);
    row.document = "0".into();
    store
        .write_users(vec![UserWrite::Insert(row)])
        .await
        .unwrap();
    const TASKS: usize = 16;
    const EACH: usize = 5;
    let mut handles = Vec::new();
    for _ in 0..TASKS {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut conflicts = 0usize;
            for _ in 0..EACH {
                loop {
                    let mut row = store
                        .find_user(POOL, UserKey::Username("hot"))
                        .await
                        .unwrap()
                        .unwrap();
                    let n: usize = row.document.parse().unwrap();
                    row.document = (n + 1).to_string();
                    match store.write_users(vec![UserWrite::Update(row)]).await {
                        Ok(()) => break,
                        Err(StoreError::VersionConflict) => {
                            conflicts += 1;
                            tokio::time::sleep(Duration::from_micros(200)).await;
                        }
                        Err(e) => panic!("{e:?}"),
                    }
                }
            }
            conflicts
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let row = store
        .find_user(POOL, UserKey::Username("hot"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.document, (TASKS * EACH).to_string());
    assert_eq!(row.version, 1 + (TASKS * EACH) as i64);
}

async fn concurrent_setting_writers_agree(store: Arc<dyn Store>) {
    let mut handles = Vec::new();
    for i in 0..12 {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            store
                .put_setting_if_absent("signing", &format!("v{i}"))
                .await
                .unwrap()
        }));
    }
    let mut values = Vec::new();
    for h in handles {
        values.push(h.await.unwrap());
    }
    values.dedup();
    assert_eq!(values.len(), 1, "{values:?}");
}

/// PostgreSQL only: the per-user lock queues a second holder until the first
/// is dropped, and different users do not wait for each other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_user_lock_serialises_holders() {
    on_postgres(|store| {
        Box::pin(async move {
            let first = store.lock_user(POOL, "alice").await.unwrap();
            let other = tokio::time::timeout(Duration::from_secs(5), store.lock_user(POOL, "bob"))
                .await
                .expect("another user is not blocked")
                .unwrap();
            drop(other);
            let waiter = {
                let store = store.clone();
                tokio::spawn(async move { store.lock_user(POOL, "alice").await.unwrap() })
            };
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(!waiter.is_finished(), "second holder got the lock");
            drop(first);
            let second = tokio::time::timeout(Duration::from_secs(10), waiter)
                .await
                .expect("lock released on drop")
                .unwrap();
            drop(second);
        })
    })
    .await;
}

/// PostgreSQL only: two stores (two nodes) starting at once on one database
/// migrate once and both work.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_start_migrates_once() {
    if postgres_skipped() {
        return;
    }
    let database = TempDatabase::create().await;
    let options = PostgresOptions {
        connect: database.options.clone(),
        pool_size: 2,
    };
    let starts: Vec<_> = (0..4)
        .map(|_| tokio::spawn(PostgresStore::connect(options.clone())))
        .collect();
    let mut stores = Vec::new();
    for s in starts {
        stores.push(s.await.unwrap().expect("concurrent start"));
    }
    stores[0].insert_pool(pool_row(POOL)).await.unwrap();
    assert!(stores[3].get_pool(POOL).await.unwrap().is_some());
    // A restart on a migrated database is a no-op.
    let again = PostgresStore::connect(options.clone()).await.unwrap();
    assert!(again.get_pool(POOL).await.unwrap().is_some());
    let mut check = database.connect().await;
    // Every migration ran exactly once, in order, despite the concurrent starts.
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version::BIGINT FROM userpools_migrations ORDER BY version")
            .fetch_all(&mut check)
            .await
            .unwrap();
    assert_eq!(versions, (1..=versions.len() as i64).collect::<Vec<_>>());
    assert!(versions.len() >= 2, "{versions:?}");
    check.close().await.ok();
    again.close().await;
    for s in stores {
        s.close().await;
    }
    database.drop_now().await;
}

/// SQLite's WAL is copied into the database file by the checkpoint thread (the writer's
/// automatic checkpoint is off): pages reach the main file only through a checkpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_checkpoints_beside_the_writer() {
    let dir = sqlite_dir();
    let store = SqliteStore::open(&dir).unwrap();
    with_pool(&store).await;
    let main_file = dir.join("userpools.sqlite3");
    let before = std::fs::metadata(&main_file).unwrap().len();
    for batch in 0..20 {
        let writes = (0..100)
            .map(|i| {
                let name = format!("user{batch}-{i}");
                UserWrite::Insert(UserRow {
                    document: "x".repeat(200),
                    ..user(&name, &name, None)
                })
            })
            .collect();
        store.write_users(writes).await.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut after = before;
    while std::time::Instant::now() < deadline {
        after = std::fs::metadata(&main_file).unwrap().len();
        if after > before + 256 * 1024 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        after > before + 256 * 1024,
        "2,000 users (~600 KB) written, but the database file went only from {before} to {after} bytes"
    );
    std::fs::remove_dir_all(dir).ok();
}
