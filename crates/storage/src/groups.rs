//! Groups of a pool and their memberships: the [`GroupStore`] half of [`Store`](crate::Store).
//!
//! A group is a row with the domain's JSON document, keyed by pool and (case-sensitive)
//! name. A membership names a group and a user's internal username; deleting the pool,
//! the group or the user removes it (foreign keys, in the same statement).

use async_trait::async_trait;

use crate::{Page, StoreResult, UserRow};

/// A group row.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// Owning pool.
    pub pool_id: String,
    /// Group name (case-sensitive).
    pub group_name: String,
    /// JSON document written by the domain layer.
    pub document: String,
    /// Optimistic-concurrency version; 0 for a row not yet stored.
    pub version: i64,
}

/// What adding a membership did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMember {
    /// The user is now a member.
    Added,
    /// The user was a member already; nothing changed.
    AlreadyMember,
    /// The user is in the most groups allowed; nothing changed.
    TooManyGroups,
}

/// Storage of groups and memberships; every method is atomic.
#[async_trait]
pub trait GroupStore: Send + Sync {
    /// Inserts a group; false (nothing written) if the pool has one of that name;
    /// [`StoreError::MissingPool`](crate::StoreError) if the pool does not exist.
    async fn insert_group(&self, row: GroupRow) -> StoreResult<bool>;
    /// Replaces a group at the expected version.
    async fn update_group(&self, row: GroupRow) -> StoreResult<()>;
    /// Deletes a group and its memberships; false if it did not exist.
    async fn delete_group(&self, pool_id: &str, group_name: &str) -> StoreResult<bool>;
    /// Reads a group.
    async fn get_group(&self, pool_id: &str, group_name: &str) -> StoreResult<Option<GroupRow>>;
    /// Lists a pool's groups ordered by name, starting after `after`.
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<GroupRow>>;
    /// How many groups a pool has.
    async fn count_groups(&self, pool_id: &str) -> StoreResult<u64>;

    /// Makes `username` a member of the group unless it already is in `max_groups`
    /// groups. [`StoreError::MissingPool`](crate::StoreError) if the group or the user
    /// does not exist.
    async fn add_member(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
        max_groups: usize,
    ) -> StoreResult<AddMember>;
    /// Removes a membership; false if there was none.
    async fn remove_member(
        &self,
        pool_id: &str,
        group_name: &str,
        username: &str,
    ) -> StoreResult<bool>;
    /// The groups `username` is a member of, ordered by name, starting after `after`.
    async fn list_groups_of_user(
        &self,
        pool_id: &str,
        username: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<GroupRow>>;
    /// The members of a group ordered by internal username, starting after `after`.
    async fn list_members(
        &self,
        pool_id: &str,
        group_name: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Page<UserRow>>;
}

/// The columns of a [`GroupRow`], in the order [`group`] reads them.
pub(crate) const GROUP_COLUMNS: &str = "pool_id, group_name, document, version";

/// [`GROUP_COLUMNS`] of the table aliased `g`.
pub(crate) const G_GROUP_COLUMNS: &str = "g.pool_id, g.group_name, g.document, g.version";

/// The columns of a user row of the table aliased `u`, in the order
/// [`rows::user`](crate::rows::user) reads them.
pub(crate) const U_USER_COLUMNS: &str = "u.pool_id, u.username, u.username_key, u.sub, u.email_key, u.phone_key, u.preferred_username_key, u.document, u.version";

/// A group from [`GROUP_COLUMNS`].
pub(crate) fn group<R: crate::rows::Columns>(r: &R) -> Result<GroupRow, R::Error> {
    Ok(GroupRow {
        pool_id: r.text(0)?,
        group_name: r.text(1)?,
        document: r.text(2)?,
        version: r.integer(3)?,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn aliased_user_columns_are_the_user_columns() {
        assert_eq!(
            super::U_USER_COLUMNS.replace("u.", ""),
            crate::rows::USER_COLUMNS
        );
        assert_eq!(
            super::G_GROUP_COLUMNS.replace("g.", ""),
            super::GROUP_COLUMNS
        );
    }
}
