//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser,
//! ListUsersInGroup, and the group claims of tokens (`cognito:groups`,
//! `cognito:roles`, `cognito:preferred_role`).
//!
//! A membership names the user's internal username; deleting the group, the user or the
//! pool removes it in the store. Tokens read the memberships when they are issued (sign-in
//! and refresh), so a change shows in the next tokens and never in existing ones.

use serde::{Deserialize, Serialize};
use userpools_storage::{AddMember, GroupRow, StoreError};

use crate::error::{DomainError, DomainResult};
use crate::model::User;
use crate::persist::{decode_page_token, documents_page, from_json, retry_on_conflict, to_json};
use crate::service::Service;

/// Most groups in a pool.
pub const MAX_GROUPS_PER_POOL: u64 = 10_000;

/// Most groups one user is a member of.
pub const MAX_GROUPS_PER_USER: usize = 100;

/// A group of a user pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// GroupName (case-sensitive, unique in the pool).
    pub name: String,
    /// Owning pool.
    pub pool_id: String,
    /// Description.
    pub description: Option<String>,
    /// RoleArn: the IAM role of the group's members.
    pub role_arn: Option<String>,
    /// Precedence: lower wins; none ranks after every number.
    pub precedence: Option<i32>,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification, epoch milliseconds.
    pub modified_ms: i64,
}

/// What UpdateGroup changes: only the members given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChanges {
    /// New Description, if given.
    pub description: Option<String>,
    /// New RoleArn, if given.
    pub role_arn: Option<String>,
    /// New Precedence, if given.
    pub precedence: Option<i32>,
}

/// The group claims of a user's tokens.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupClaims {
    /// `cognito:groups`: group names by precedence (none last), then name.
    pub groups: Vec<String>,
    /// `cognito:roles`: the groups' distinct role ARNs, in the same order.
    pub roles: Vec<String>,
    /// `cognito:preferred_role`, when one role wins (see [`GroupClaims::of`]).
    pub preferred_role: Option<String>,
}

impl GroupClaims {
    /// The claims of a member of `groups`. The preferred role is the role of the
    /// role-bearing groups with the lowest precedence (groups without one rank last);
    /// when those groups name different roles, there is none.
    pub fn of(mut groups: Vec<Group>) -> Self {
        groups.sort_by(|a, b| {
            let rank = |g: &Group| (g.precedence.is_none(), g.precedence);
            rank(a).cmp(&rank(b)).then_with(|| a.name.cmp(&b.name))
        });
        let mut roles: Vec<String> = Vec::new();
        for arn in groups.iter().filter_map(|g| g.role_arn.as_ref()) {
            if !roles.contains(arn) {
                roles.push(arn.clone());
            }
        }
        // Sorted: the first role-bearing group has the winning precedence.
        let with_role = || groups.iter().filter(|g| g.role_arn.is_some());
        let preferred_role = with_role().next().and_then(|first| {
            let mut tied = with_role().filter(|g| g.precedence == first.precedence);
            let arn = first.role_arn.clone();
            tied.all(|g| g.role_arn == arn).then_some(arn).flatten()
        });
        Self {
            groups: groups.into_iter().map(|g| g.name).collect(),
            roles,
            preferred_role,
        }
    }
}

/// `ResourceNotFoundException: Group not found.`
fn group_not_found() -> DomainError {
    DomainError::ResourceNotFound("Group not found.".into())
}

fn check_precedence(precedence: Option<i32>) -> DomainResult<()> {
    match precedence {
        Some(p) if p < 0 => Err(DomainError::InvalidParameter(format!(
            "1 validation error detected: Value '{p}' at 'precedence' failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))),
        _ => Ok(()),
    }
}

fn group_row(group: &Group, version: i64) -> DomainResult<GroupRow> {
    Ok(GroupRow {
        pool_id: group.pool_id.clone(),
        group_name: group.name.clone(),
        document: to_json(group)?,
        version,
    })
}

impl Service {
    /// CreateGroup.
    pub async fn create_group(
        &self,
        pool_id: &str,
        name: &str,
        description: Option<&str>,
        role_arn: Option<&str>,
        precedence: Option<i32>,
    ) -> DomainResult<Group> {
        check_precedence(precedence)?;
        self.load_pool(pool_id).await?;
        if self.store().count_groups(pool_id).await? >= MAX_GROUPS_PER_POOL {
            return Err(DomainError::LimitExceeded(format!(
                "The user pool has reached its limit of {MAX_GROUPS_PER_POOL} groups."
            )));
        }
        let now = self.now_ms();
        let group = Group {
            name: name.to_owned(),
            pool_id: pool_id.to_owned(),
            description: description.map(str::to_owned),
            role_arn: role_arn.map(str::to_owned),
            precedence,
            created_ms: now,
            modified_ms: now,
        };
        match self.store().insert_group(group_row(&group, 0)?).await {
            Ok(true) => Ok(group),
            Ok(false) => Err(DomainError::GroupExists(
                "A group with the name already exists.".into(),
            )),
            Err(StoreError::MissingPool) => Err(DomainError::pool_not_found(pool_id)),
            Err(e) => Err(e.into()),
        }
    }

    /// The group and its row version.
    async fn load_group(&self, pool_id: &str, name: &str) -> DomainResult<(Group, i64)> {
        let row = self
            .store()
            .get_group(pool_id, name)
            .await?
            .ok_or_else(group_not_found)?;
        Ok((from_json(&row.document)?, row.version))
    }

    /// GetGroup.
    pub async fn get_group(&self, pool_id: &str, name: &str) -> DomainResult<Group> {
        self.load_pool(pool_id).await?;
        Ok(self.load_group(pool_id, name).await?.0)
    }

    /// UpdateGroup: the members given change, the others keep their values.
    pub async fn update_group(
        &self,
        pool_id: &str,
        name: &str,
        changes: GroupChanges,
    ) -> DomainResult<Group> {
        check_precedence(changes.precedence)?;
        self.load_pool(pool_id).await?;
        let changes = &changes;
        retry_on_conflict("the group", move || async move {
            let (mut group, version) = self.load_group(pool_id, name).await?;
            if let Some(description) = &changes.description {
                group.description = Some(description.clone());
            }
            if let Some(role_arn) = &changes.role_arn {
                group.role_arn = Some(role_arn.clone());
            }
            if let Some(precedence) = changes.precedence {
                group.precedence = Some(precedence);
            }
            group.modified_ms = self.now_ms();
            let row = group_row(&group, version)?;
            Ok(self.store().update_group(row).await.map(|()| group))
        })
        .await
    }

    /// DeleteGroup: its memberships go with it.
    pub async fn delete_group(&self, pool_id: &str, name: &str) -> DomainResult<()> {
        self.load_pool(pool_id).await?;
        if self.store().delete_group(pool_id, name).await? {
            Ok(())
        } else {
            Err(group_not_found())
        }
    }

    /// ListGroups: by name, `limit` per page.
    pub async fn list_groups(
        &self,
        pool_id: &str,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<Group>, Option<String>)> {
        self.load_pool(pool_id).await?;
        let after = decode_page_token(token)?;
        let page = self
            .store()
            .list_groups(pool_id, after.as_deref(), limit.max(1))
            .await?;
        documents_page(page, |row| &row.document)
    }

    /// AdminAddUserToGroup: idempotent; a user is in at most [`MAX_GROUPS_PER_USER`] groups.
    pub async fn admin_add_user_to_group(
        &self,
        pool_id: &str,
        username: &str,
        group_name: &str,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        self.load_group(pool_id, group_name).await?;
        let user = self.require_user(&pool, username).await?.user;
        let added = self
            .store()
            .add_member(pool_id, group_name, &user.username, MAX_GROUPS_PER_USER)
            .await;
        match added {
            Ok(AddMember::Added | AddMember::AlreadyMember) => Ok(()),
            Ok(AddMember::TooManyGroups) => Err(DomainError::InvalidParameter(format!(
                "The user is already a member of the maximum number of groups ({MAX_GROUPS_PER_USER})."
            ))),
            // The group or the user was deleted meanwhile: say which.
            Err(StoreError::MissingPool) => {
                self.load_group(pool_id, group_name).await?;
                Err(DomainError::user_not_found())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// AdminRemoveUserFromGroup: removing a non-member succeeds.
    pub async fn admin_remove_user_from_group(
        &self,
        pool_id: &str,
        username: &str,
        group_name: &str,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        self.load_group(pool_id, group_name).await?;
        let user = self.require_user(&pool, username).await?.user;
        self.store()
            .remove_member(pool_id, group_name, &user.username)
            .await?;
        Ok(())
    }

    /// AdminListGroupsForUser: the user's groups by name, `limit` per page.
    pub async fn admin_list_groups_for_user(
        &self,
        pool_id: &str,
        username: &str,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<Group>, Option<String>)> {
        let (pool, _) = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?.user;
        let after = decode_page_token(token)?;
        let page = self
            .store()
            .list_groups_of_user(pool_id, &user.username, after.as_deref(), limit.max(1))
            .await?;
        documents_page(page, |row| &row.document)
    }

    /// ListUsersInGroup: the members by internal username, `limit` per page.
    pub async fn list_users_in_group(
        &self,
        pool_id: &str,
        group_name: &str,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<User>, Option<String>)> {
        self.load_pool(pool_id).await?;
        self.load_group(pool_id, group_name).await?;
        let after = decode_page_token(token)?;
        let page = self
            .store()
            .list_members(pool_id, group_name, after.as_deref(), limit.max(1))
            .await?;
        documents_page(page, |row| &row.document)
    }

    /// The group claims of `username`'s next tokens.
    pub(crate) async fn group_claims(
        &self,
        pool_id: &str,
        username: &str,
    ) -> DomainResult<GroupClaims> {
        let page = self
            .store()
            .list_groups_of_user(pool_id, username, None, MAX_GROUPS_PER_USER * 2)
            .await?;
        let (groups, _) = documents_page(page, |row| &row.document)?;
        Ok(GroupClaims::of(groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, precedence: Option<i32>, role: Option<&str>) -> Group {
        Group {
            name: name.into(),
            pool_id: "us-east-1_x".into(),
            description: None,
            role_arn: role.map(str::to_owned),
            precedence,
            created_ms: 0,
            modified_ms: 0,
        }
    }

    #[test]
    fn groups_are_ordered_by_precedence_then_name() {
        let claims = GroupClaims::of(vec![
            group("none", None, None),
            group("b", Some(1), None),
            group("a", Some(1), None),
            group("zero", Some(0), None),
        ]);
        assert_eq!(claims.groups, ["zero", "a", "b", "none"]);
        assert!(claims.roles.is_empty());
        assert_eq!(claims.preferred_role, None);
    }

    #[test]
    fn the_lowest_precedence_role_is_preferred() {
        let claims = GroupClaims::of(vec![
            group("low", Some(5), Some("arn:r5")),
            group("high", Some(2), Some("arn:r2")),
            group("norole", Some(0), None),
            group("null", None, Some("arn:rn")),
        ]);
        assert_eq!(claims.roles, ["arn:r2", "arn:r5", "arn:rn"]);
        assert_eq!(claims.preferred_role.as_deref(), Some("arn:r2"));
    }

    #[test]
    fn ties_prefer_a_shared_role_and_drop_different_ones() {
        let same = GroupClaims::of(vec![
            group("a", Some(1), Some("arn:r")),
            group("b", Some(1), Some("arn:r")),
            group("c", Some(3), Some("arn:other")),
        ]);
        assert_eq!(same.preferred_role.as_deref(), Some("arn:r"));
        assert_eq!(same.roles, ["arn:r", "arn:other"]);
        let different = GroupClaims::of(vec![
            group("a", Some(1), Some("arn:r1")),
            group("b", Some(1), Some("arn:r2")),
            group("c", Some(3), Some("arn:r3")),
        ]);
        assert_eq!(different.preferred_role, None);
    }

    #[test]
    fn without_precedences_one_role_is_preferred_and_several_are_not() {
        let one = GroupClaims::of(vec![
            group("a", None, Some("arn:r")),
            group("b", None, Some("arn:r")),
        ]);
        assert_eq!(one.preferred_role.as_deref(), Some("arn:r"));
        let two = GroupClaims::of(vec![
            group("a", None, Some("arn:r1")),
            group("b", None, Some("arn:r2")),
        ]);
        assert_eq!(two.preferred_role, None);
        assert_eq!(two.roles, ["arn:r1", "arn:r2"]);
    }
}
