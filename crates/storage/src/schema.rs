//! What both engines share of the schema: the numbered migrations (one numbering, one
//! SQL file per engine in `migrations/<engine>/NNNN_name.sql`) and the unique indexes
//! whose violations are reported as [`StoreError::UniqueConflict`](crate::StoreError).

use crate::{StoreError, UniqueKey};

/// One numbered migration; its version is its position in the list, from 1.
pub(crate) struct Migration {
    /// File stem, `NNNN_name`.
    pub(crate) name: &'static str,
    /// The statements, for the engine it was listed for.
    pub(crate) sql: &'static str,
}

impl Migration {
    /// The statements one at a time, without comment lines (the migrations hold no `;`
    /// in literals).
    pub(crate) fn statements(&self) -> Vec<String> {
        let code: Vec<&str> = self
            .sql
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect();
        code.join("\n")
            .split(';')
            .map(str::trim)
            .filter(|statement| !statement.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

macro_rules! migrations {
    ($engine:literal: $($name:literal),* $(,)?) => {
        &[$(Migration {
            name: $name,
            sql: include_str!(concat!("../migrations/", $engine, "/", $name, ".sql")),
        }),*]
    };
}

/// The SQLite migrations; the schema version is `PRAGMA user_version`.
pub(crate) const SQLITE: &[Migration] = migrations!(
    "sqlite": "0001_initial", "0002_markers", "0003_align_engines", "0004_outbox",
    "0005_groups",
);

/// The PostgreSQL migrations; applied versions are rows of `userpools_migrations`.
pub(crate) const POSTGRES: &[Migration] = migrations!(
    "postgres": "0001_initial", "0002_rate_buckets", "0003_align_engines", "0004_outbox",
    "0005_groups",
);

/// Refuses a database migrated by a newer binary (at schema `version`).
pub(crate) fn newer_than_binary(version: usize) -> StoreError {
    StoreError::Engine(format!(
        "the database schema (version {version}) is newer than this userpools \
         (version {}): upgrade the binary",
        SQLITE.len()
    ))
}

/// The schema's unique indexes: the key each one guards, its name (PostgreSQL reports
/// the constraint by name) and its columns (SQLite's message names the columns only).
const UNIQUE_INDEXES: &[(UniqueKey, &str, &str)] = &[
    (
        UniqueKey::Username,
        "users_pkey",
        "users.pool_id, users.username",
    ),
    (
        UniqueKey::Username,
        "users_by_username_key",
        "users.pool_id, users.username_key",
    ),
    (UniqueKey::Sub, "users_by_sub", "users.pool_id, users.sub"),
    (
        UniqueKey::Email,
        "users_by_email",
        "users.pool_id, users.email_key",
    ),
    (
        UniqueKey::Phone,
        "users_by_phone",
        "users.pool_id, users.phone_key",
    ),
    (
        UniqueKey::PreferredUsername,
        "users_by_preferred_username",
        "users.pool_id, users.preferred_username_key",
    ),
    (UniqueKey::Pool, "pools_pkey", "pools.pool_id"),
    (UniqueKey::Client, "clients_pkey", "clients.client_id"),
];

/// The key guarded by the unique index (or primary key constraint) `name`.
pub(crate) fn unique_key_of_index(name: &str) -> Option<UniqueKey> {
    UNIQUE_INDEXES
        .iter()
        .find(|(_, index, _)| *index == name)
        .map(|(key, _, _)| *key)
}

/// The key guarded by the unique index on `columns` (`table.column, table.column`).
pub(crate) fn unique_key_of_columns(columns: &str) -> Option<UniqueKey> {
    UNIQUE_INDEXES
        .iter()
        .find(|(_, _, indexed)| *indexed == columns)
        .map(|(key, _, _)| *key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files on disk are exactly the listed ones, numbered 0001… without gaps, and
    /// both engines have the same versions.
    #[test]
    fn migrations_are_numbered_once_for_both_engines() {
        for (engine, listed) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(engine);
            let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().into_string().unwrap())
                .collect();
            on_disk.sort();
            let names: Vec<String> = listed.iter().map(|m| format!("{}.sql", m.name)).collect();
            assert_eq!(on_disk, names, "{engine}");
            for (index, migration) in listed.iter().enumerate() {
                assert!(
                    migration.name.starts_with(&format!("{:04}_", index + 1)),
                    "{engine}: {}",
                    migration.name
                );
            }
        }
        assert_eq!(SQLITE.len(), POSTGRES.len());
    }

    #[test]
    fn unique_indexes_are_found_by_name_and_columns() {
        assert_eq!(
            unique_key_of_index("users_by_email"),
            Some(UniqueKey::Email)
        );
        assert_eq!(
            unique_key_of_columns("users.pool_id, users.username"),
            Some(UniqueKey::Username)
        );
        assert_eq!(unique_key_of_index("settings_pkey"), None);
    }
}
