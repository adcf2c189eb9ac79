//! [`GroupStore`] on SQLite. Writes go through the group-commit writer like every other
//! write; memberships vanish with their group, user or pool by foreign key.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension};

use super::{engine, SqliteStore};
use crate::groups::{
    self, AddMember, GroupRow, GroupStore, GROUP_COLUMNS, G_GROUP_COLUMNS, U_USER_COLUMNS,
};
use crate::{rows, Page, StoreResult, UserRow};

/// Runs a page query whose parameters end with the fetch limit.
fn page<T>(
    c: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
    limit: usize,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    key: impl Fn(&T) -> String,
) -> StoreResult<Page<T>> {
    let fetch = limit as i64 + 1;
    let mut all: Vec<&dyn rusqlite::ToSql> = args.to_vec();
    all.push(&fetch);
    let rows = c
        .prepare_cached(sql)
        .map_err(engine)?
        .query_map(all.as_slice(), from_row)
        .map_err(engine)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(engine)?;
    Ok(crate::page(rows, limit, key))
}

#[async_trait]
impl GroupStore for SqliteStore {
    async fn insert_group(&self, row: GroupRow) -> StoreResult<bool> {
        self.write(move |c| {
            let n = c
                .execute(
                    "INSERT INTO user_groups (pool_id, group_name, document, version) \
                     VALUES (?1, ?2, ?3, 1) ON CONFLICT(pool_id, group_name) DO NOTHING",
                    params![row.pool_id, row.group_name, row.document],
                )
                .map_err(engine)?;
            Ok(n == 1)
        })
        .await
    }

    async fn update_group(&self, row: GroupRow) -> StoreResult<()> {
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE user_groups SET document = ?3, version = version + 1 \
                     WHERE pool_id = ?1 AND group_name = ?2 AND version = ?4",
                    params![row.pool_id, row.group_name, row.document, row.version],
                )
                .map_err(engine)?;
            crate::expect_one_changed(n)
        })
        .await
    }

    async fn delete_group(&self, pool_id: &str, group_name: &str) -> StoreResult<bool> {
        let (pool_id, group_name) = (pool_id.to_owned(), group_name.to_owned());
        self.write(move |c| {
            let n = c
                .execute(
                    "DELETE FROM user_groups WHERE pool_id = ?1 AND group_name = ?2",
                    params![pool_id, group_name],
                )
                .map_err(engine)?;
            Ok(n == 1)
        })
        .await
    }

    async fn get_group(&self, pool_id: &str, group_name: &str) -> StoreResult<Option<GroupRow>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {GROUP_COLUMNS} FROM user_groups WHERE pool_id = ?1 AND group_name = ?2"
            ))
            .map_err(engine)?
            .query_row(params![pool_id, group_name], |r| groups::group(r))
            .optional()
            .map_err(engine)
        })
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<GroupRow>> {
        let after = after.unwrap_or("");
        self.read(|c| {
            page(
                c,
                &format!(
                    "SELECT {GROUP_COLUMNS} FROM user_groups WHERE pool_id = ?1 \
                     AND group_name > ?2 ORDER BY group_name LIMIT ?3"
                ),
                &[&pool_id, &after],
                limit,
                |r| groups::group(r),
                |g| g.group_name.clone(),
            )
        })
    }

    async fn count_groups(&self, pool_id: &str) -> StoreResult<u64> {
        self.read(|c| {
            c.prepare_cached("SELECT COUNT(*) FROM user_groups WHERE pool_id = ?1")
                .map_err(engine)?
                .query_row(params![pool_id], |r| r.get::<_, i64>(0))
                .map(|n| n.max(0) as u64)
                .map_err(engine)
        })
    }

    async fn add_member(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
        max_groups: usize,
    ) -> StoreResult<AddMember> {
        let (pool_id, group_name, username) = (
            pool_id.to_owned(),
            group_name.to_owned(),
            username.to_owned(),
        );
        // One writer: the checks and the insert cannot interleave with another write.
        self.write(move |c| {
            let member = c
                .prepare_cached(
                    "SELECT 1 FROM group_members WHERE pool_id = ?1 AND group_name = ?2 AND username = ?3",
                )
                .map_err(engine)?
                .exists(params![pool_id, group_name, username])
                .map_err(engine)?;
            if member {
                return Ok(AddMember::AlreadyMember);
            }
            let count: i64 = c
                .prepare_cached(
                    "SELECT COUNT(*) FROM group_members WHERE pool_id = ?1 AND username = ?2",
                )
                .map_err(engine)?
                .query_row(params![pool_id, username], |r| r.get(0))
                .map_err(engine)?;
            if count.max(0) as usize >= max_groups {
                return Ok(AddMember::TooManyGroups);
            }
            c.prepare_cached(
                "INSERT INTO group_members (pool_id, group_name, username) VALUES (?1, ?2, ?3)",
            )
            .map_err(engine)?
            .execute(params![pool_id, group_name, username])
            .map_err(engine)?;
            Ok(AddMember::Added)
        })
        .await
    }

    async fn remove_member(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
    ) -> StoreResult<bool> {
        let (pool_id, group_name, username) = (
            pool_id.to_owned(),
            group_name.to_owned(),
            username.to_owned(),
        );
        self.write(move |c| {
            let n = c
                .execute(
                    "DELETE FROM group_members WHERE pool_id = ?1 AND group_name = ?2 AND username = ?3",
                    params![pool_id, group_name, username],
                )
                .map_err(engine)?;
            Ok(n == 1)
        })
        .await
    }

    async fn list_groups_of_user(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<GroupRow>> {
        let after = after.unwrap_or("");
        self.read(|c| {
            page(
                c,
                &format!(
                    "SELECT {G_GROUP_COLUMNS} FROM group_members m JOIN user_groups g \
                     ON g.pool_id = m.pool_id AND g.group_name = m.group_name \
                     WHERE m.pool_id = ?1 AND m.username = ?2 AND m.group_name > ?3 \
                     ORDER BY m.group_name LIMIT ?4"
                ),
                &[&pool_id, &username, &after],
                limit,
                |r| groups::group(r),
                |g| g.group_name.clone(),
            )
        })
    }

    async fn list_members(
        &self,
        pool_id: &str,
        group_name: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<UserRow>> {
        let after = after.unwrap_or("");
        self.read(|c| {
            page(
                c,
                &format!(
                    "SELECT {U_USER_COLUMNS} FROM group_members m JOIN users u \
                     ON u.pool_id = m.pool_id AND u.username = m.username \
                     WHERE m.pool_id = ?1 AND m.group_name = ?2 AND m.username > ?3 \
                     ORDER BY m.username LIMIT ?4"
                ),
                &[&pool_id, &group_name, &after],
                limit,
                |r| rows::user(r),
                |u| u.username.clone(),
            )
        })
    }
}
