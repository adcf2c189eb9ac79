//! The embedded engine's cache of committed rows: pools, app clients, and users by
//! normalised username — what nearly every request reads before it does anything else.
//!
//! Why: a SQLite reader connection starts each read transaction with an empty page
//! cache whenever the writer has committed since its last one (WAL mode), so under write
//! load every lookup re-reads its B-tree pages through `pread`. Serving those rows from
//! memory takes the reads off the hot paths (see bench/notes.md).
//!
//! Exactness: the cache only ever holds rows as committed, never an absence.
//! * The writer applies each committed write's [`CacheChange`]s after its commit and
//!   before it answers the write, so a caller reads its own writes.
//! * A reader that missed fills the cache only if no change was applied between the
//!   moment it took its [`Snapshot`] (before its SQL read began) and the fill: a row read
//!   from an older SQL snapshot can then be overwritten by a change, never the reverse.
//! * Only this process writes the file — `SqliteStore::open` holds the data directory's
//!   lock — except `userpools seed`, which only inserts users, and absences are never
//!   cached.
//!
//! It is bounded: when [`MAX_CACHED_USERS`] users are held, the users are dropped and the
//! cache refills from reads.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::{ClientRow, PoolRow, UserRow};

/// Most user rows held at once (≈ 2 KB each).
pub(crate) const MAX_CACHED_USERS: usize = 16_384;

/// What a committed write changed, for the cache.
pub(crate) enum CacheChange {
    /// A pool's row changed: forget it.
    Pool(String),
    /// A pool was deleted, and with it (cascade) its clients and users.
    PoolDeleted(String),
    /// An app client's row changed or was deleted: forget it.
    Client(String),
    /// A user row as now stored (inserted or updated).
    User(UserRow),
    /// A user was deleted.
    UserDeleted {
        /// Owning pool.
        pool_id: String,
        /// Internal username.
        username: String,
    },
}

/// The cache's change count, taken by a reader before it reads from SQL.
#[derive(Clone, Copy)]
pub(crate) struct Snapshot(u64);

/// One pool's cached users.
#[derive(Default)]
struct PoolUsers {
    /// Rows by normalised username.
    by_key: HashMap<String, UserRow>,
    /// Normalised username by internal username (deletes name the latter).
    key_of: HashMap<String, String>,
}

#[derive(Default)]
struct Rows {
    /// Bumped by every applied change (and by `clear`).
    changes: u64,
    pools: HashMap<String, PoolRow>,
    clients: HashMap<String, ClientRow>,
    users: HashMap<String, PoolUsers>,
    user_count: usize,
}

/// Committed rows of the embedded store; see the module documentation.
#[derive(Default)]
pub(crate) struct RowCache {
    rows: Mutex<Rows>,
}

impl Rows {
    fn forget_user(&mut self, pool_id: &str, username: &str) {
        if let Some(users) = self.users.get_mut(pool_id) {
            if let Some(key) = users.key_of.remove(username) {
                if users.by_key.remove(&key).is_some() {
                    self.user_count -= 1;
                }
            }
        }
    }

    fn put_user(&mut self, row: UserRow) {
        self.forget_user(&row.pool_id, &row.username);
        if self.user_count >= MAX_CACHED_USERS {
            self.users.clear();
            self.user_count = 0;
        }
        let users = self.users.entry(row.pool_id.clone()).or_default();
        users
            .key_of
            .insert(row.username.clone(), row.username_key.clone());
        users.by_key.insert(row.username_key.clone(), row);
        self.user_count += 1;
    }
}

/// Puts `row` under `key` unless a newer version is there.
fn keep_newest<T: Clone>(map: &mut HashMap<String, T>, key: &str, row: &T, version: fn(&T) -> i64) {
    if map
        .get(key)
        .is_none_or(|cached| version(cached) <= version(row))
    {
        map.insert(key.to_owned(), row.clone());
    }
}

impl RowCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Rows> {
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Taken before a SQL read whose result may fill the cache.
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot(self.lock().changes)
    }

    /// A cached pool.
    pub(crate) fn pool(&self, pool_id: &str) -> Option<PoolRow> {
        self.lock().pools.get(pool_id).cloned()
    }

    /// A cached app client.
    pub(crate) fn client(&self, client_id: &str) -> Option<ClientRow> {
        self.lock().clients.get(client_id).cloned()
    }

    /// A cached user, by normalised username.
    pub(crate) fn user(&self, pool_id: &str, username_key: &str) -> Option<UserRow> {
        self.lock()
            .users
            .get(pool_id)
            .and_then(|users| users.by_key.get(username_key))
            .cloned()
    }

    /// Runs `fill` unless a change was applied since `seen`. A fill also keeps a newer
    /// version already cached: two readers of the same epoch may have read different
    /// commits (the later one not applied yet).
    fn fill(&self, seen: Snapshot, fill: impl FnOnce(&mut Rows)) {
        let mut rows = self.lock();
        if rows.changes == seen.0 {
            fill(&mut rows);
        }
    }

    /// Caches a pool read from SQL (see [`fill`](Self::fill)).
    pub(crate) fn fill_pool(&self, seen: Snapshot, row: &PoolRow) {
        self.fill(seen, |rows| {
            keep_newest(&mut rows.pools, &row.pool_id, row, |r| r.version)
        });
    }

    /// Caches an app client read from SQL (see [`fill`](Self::fill)).
    pub(crate) fn fill_client(&self, seen: Snapshot, row: &ClientRow) {
        self.fill(seen, |rows| {
            keep_newest(&mut rows.clients, &row.client_id, row, |r| r.version)
        });
    }

    /// Caches a user read from SQL (see [`fill`](Self::fill)).
    pub(crate) fn fill_user(&self, seen: Snapshot, row: &UserRow) {
        self.fill(seen, |rows| {
            let cached = rows
                .users
                .get(&row.pool_id)
                .and_then(|users| users.by_key.get(&row.username_key));
            if cached.is_none_or(|c| c.version <= row.version) {
                rows.put_user(row.clone());
            }
        });
    }

    /// Applies a committed write's changes (called by the writer after the commit,
    /// before the write is answered).
    pub(crate) fn apply(&self, changes: Vec<CacheChange>) {
        let mut rows = self.lock();
        rows.changes += 1;
        for change in changes {
            match change {
                CacheChange::Pool(pool_id) => {
                    rows.pools.remove(&pool_id);
                }
                CacheChange::PoolDeleted(pool_id) => {
                    rows.pools.remove(&pool_id);
                    rows.clients.retain(|_, client| client.pool_id != pool_id);
                    if let Some(users) = rows.users.remove(&pool_id) {
                        rows.user_count -= users.by_key.len();
                    }
                }
                CacheChange::Client(client_id) => {
                    rows.clients.remove(&client_id);
                }
                CacheChange::User(row) => rows.put_user(row),
                CacheChange::UserDeleted { pool_id, username } => {
                    rows.forget_user(&pool_id, &username)
                }
            }
        }
    }

    /// Forgets everything (after a failed commit, whose outcome on disk is not known).
    pub(crate) fn clear(&self) {
        let mut rows = self.lock();
        let changes = rows.changes + 1;
        *rows = Rows {
            changes,
            ..Rows::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(pool: &str, name: &str, version: i64) -> UserRow {
        UserRow {
            pool_id: pool.into(),
            username: name.into(),
            username_key: name.to_lowercase(),
            sub: format!("sub-{name}"),
            email_key: None,
            phone_key: None,
            preferred_username_key: None,
            document: format!("v{version}"),
            version,
        }
    }

    #[test]
    fn a_fill_from_before_a_change_is_refused() {
        let cache = RowCache::default();
        let seen = cache.snapshot();
        // A write commits and is applied while the reader is reading the old row.
        cache.apply(vec![CacheChange::User(user("p", "Ann", 2))]);
        cache.fill_user(seen, &user("p", "Ann", 1));
        assert_eq!(cache.user("p", "ann").unwrap().version, 2);
        // A fill with a current snapshot is kept.
        cache.apply(vec![CacheChange::UserDeleted {
            pool_id: "p".into(),
            username: "Ann".into(),
        }]);
        assert!(cache.user("p", "ann").is_none());
        let seen = cache.snapshot();
        cache.fill_user(seen, &user("p", "Ann", 3));
        assert_eq!(cache.user("p", "ann").unwrap().version, 3);
        // Two readers of one epoch: the one that read an older commit fills last.
        cache.fill_user(seen, &user("p", "Ann", 4));
        cache.fill_user(seen, &user("p", "Ann", 3));
        assert_eq!(cache.user("p", "ann").unwrap().version, 4);
        let pool = |version| PoolRow {
            pool_id: "p".into(),
            document: "{}".into(),
            version,
        };
        cache.fill_pool(seen, &pool(2));
        cache.fill_pool(seen, &pool(1));
        assert_eq!(cache.pool("p").unwrap().version, 2);
    }

    #[test]
    fn deleting_a_pool_forgets_its_clients_and_users() {
        let cache = RowCache::default();
        let seen = cache.snapshot();
        let pool = PoolRow {
            pool_id: "p".into(),
            document: "{}".into(),
            version: 1,
        };
        cache.fill_pool(seen, &pool);
        for (id, pool_id) in [("c1", "p"), ("c2", "q")] {
            cache.fill_client(
                seen,
                &ClientRow {
                    pool_id: pool_id.into(),
                    client_id: id.into(),
                    document: "{}".into(),
                    version: 1,
                },
            );
        }
        cache.fill_user(seen, &user("p", "a", 1));
        cache.fill_user(seen, &user("q", "b", 1));
        cache.apply(vec![CacheChange::PoolDeleted("p".into())]);
        assert!(cache.pool("p").is_none());
        assert!(cache.client("c1").is_none());
        assert!(cache.client("c2").is_some());
        assert!(cache.user("p", "a").is_none());
        assert!(cache.user("q", "b").is_some());
        assert_eq!(cache.lock().user_count, 1);
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = RowCache::default();
        for i in 0..MAX_CACHED_USERS + 10 {
            cache.apply(vec![CacheChange::User(user("p", &format!("u{i}"), 1))]);
            // Rewriting a cached user does not count it twice.
            cache.apply(vec![CacheChange::User(user("p", &format!("u{i}"), 2))]);
        }
        let count = cache.lock().user_count;
        assert!((1..=MAX_CACHED_USERS).contains(&count), "{count}");
        assert_eq!(
            cache
                .user("p", &format!("u{}", MAX_CACHED_USERS + 9))
                .unwrap()
                .version,
            2
        );
    }
}
