//! [`GroupStore`] on PostgreSQL: one statement or one transaction per method;
//! memberships vanish with their group, user or pool by foreign key.

use async_trait::async_trait;

use super::{engine, fetch_limit, PostgresStore};
use crate::groups::{
    self, AddMember, GroupRow, GroupStore, GROUP_COLUMNS, G_GROUP_COLUMNS, U_USER_COLUMNS,
};
use crate::{rows, Page, StoreResult, UserRow};

#[async_trait]
impl GroupStore for PostgresStore {
    async fn insert_group(&self, row: GroupRow) -> StoreResult<bool> {
        let n = sqlx::query(
            "INSERT INTO user_groups (pool_id, group_name, document, version) \
             VALUES ($1, $2, $3, 1) ON CONFLICT (pool_id, group_name) DO NOTHING",
        )
        .bind(row.pool_id)
        .bind(row.group_name)
        .bind(row.document)
        .execute(&self.pool)
        .await
        .map_err(engine)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn update_group(&self, row: GroupRow) -> StoreResult<()> {
        let n = sqlx::query(
            "UPDATE user_groups SET document = $3, version = version + 1 \
             WHERE pool_id = $1 AND group_name = $2 AND version = $4",
        )
        .bind(row.pool_id)
        .bind(row.group_name)
        .bind(row.document)
        .bind(row.version)
        .execute(&self.pool)
        .await
        .map_err(engine)?
        .rows_affected();
        crate::expect_one_changed(n)
    }

    async fn delete_group(&self, pool_id: &str, group_name: &str) -> StoreResult<bool> {
        let n = sqlx::query("DELETE FROM user_groups WHERE pool_id = $1 AND group_name = $2")
            .bind(pool_id)
            .bind(group_name)
            .execute(&self.pool)
            .await
            .map_err(engine)?
            .rows_affected();
        Ok(n == 1)
    }

    async fn get_group(&self, pool_id: &str, group_name: &str) -> StoreResult<Option<GroupRow>> {
        let row = sqlx::query(&format!(
            "SELECT {GROUP_COLUMNS} FROM user_groups WHERE pool_id = $1 AND group_name = $2"
        ))
        .bind(pool_id)
        .bind(group_name)
        .fetch_optional(&self.pool)
        .await
        .map_err(engine)?;
        row.as_ref().map(groups::group).transpose().map_err(engine)
    }

    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<GroupRow>> {
        let sql = format!(
            "SELECT {GROUP_COLUMNS} FROM user_groups WHERE pool_id = $1 AND group_name > $2 \
             ORDER BY group_name LIMIT $3"
        );
        let query = sqlx::query(&sql)
            .bind(pool_id)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit));
        self.fetch_page(query, limit, groups::group, |g| g.group_name.clone())
            .await
    }

    async fn count_groups(&self, pool_id: &str) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_groups WHERE pool_id = $1")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(engine)?;
        Ok(count.max(0) as u64)
    }

    async fn add_member(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
        max_groups: usize,
    ) -> StoreResult<AddMember> {
        let mut tx = self.pool.begin().await.map_err(engine)?;
        let member: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username = $3",
        )
        .bind(pool_id)
        .bind(group_name)
        .bind(username)
        .fetch_optional(&mut *tx)
        .await
        .map_err(engine)?;
        if member.is_some() {
            return Ok(AddMember::AlreadyMember);
        }
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM group_members WHERE pool_id = $1 AND username = $2",
        )
        .bind(pool_id)
        .bind(username)
        .fetch_one(&mut *tx)
        .await
        .map_err(engine)?;
        if usize::try_from(count).unwrap_or(0) >= max_groups {
            return Ok(AddMember::TooManyGroups);
        }
        // A concurrent add of the same membership is no error.
        sqlx::query(
            "INSERT INTO group_members (pool_id, group_name, username) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(pool_id)
        .bind(group_name)
        .bind(username)
        .execute(&mut *tx)
        .await
        .map_err(engine)?;
        tx.commit().await.map_err(engine)?;
        Ok(AddMember::Added)
    }

    async fn remove_member(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
    ) -> StoreResult<bool> {
        let n = sqlx::query(
            "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND username = $3",
        )
        .bind(pool_id)
        .bind(group_name)
        .bind(username)
        .execute(&self.pool)
        .await
        .map_err(engine)?
        .rows_affected();
        Ok(n == 1)
    }

    async fn list_groups_of_user(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<GroupRow>> {
        let sql = format!(
            "SELECT {G_GROUP_COLUMNS} FROM group_members m JOIN user_groups g \
             ON g.pool_id = m.pool_id AND g.group_name = m.group_name \
             WHERE m.pool_id = $1 AND m.username = $2 AND m.group_name > $3 \
             ORDER BY m.group_name LIMIT $4"
        );
        let query = sqlx::query(&sql)
            .bind(pool_id)
            .bind(username)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit));
        self.fetch_page(query, limit, groups::group, |g| g.group_name.clone())
            .await
    }

    async fn list_members(
        &self,
        pool_id: &str,
        group_name: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<UserRow>> {
        let sql = format!(
            "SELECT {U_USER_COLUMNS} FROM group_members m JOIN users u \
             ON u.pool_id = m.pool_id AND u.username = m.username \
             WHERE m.pool_id = $1 AND m.group_name = $2 AND m.username > $3 \
             ORDER BY m.username LIMIT $4"
        );
        let query = sqlx::query(&sql)
            .bind(pool_id)
            .bind(group_name)
            .bind(after.unwrap_or(""))
            .bind(fetch_limit(limit));
        self.fetch_page(query, limit, rows::user, |u| u.username.clone())
            .await
    }
}
