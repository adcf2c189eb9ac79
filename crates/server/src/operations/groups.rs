//! Groups: CreateGroup, GetGroup, UpdateGroup, DeleteGroup, ListGroups,
//! AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser and
//! ListUsersInGroup.

use userpools_domain::groups::{Group, GroupChanges};
use userpools_domain::service::Service;
use userpools_domain::DomainResult;
use userpools_wire::types::{
    AdminAddUserToGroupRequest, AdminListGroupsForUserRequest, AdminListGroupsForUserResponse,
    AdminRemoveUserFromGroupRequest, CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest,
    GetGroupRequest, GetGroupResponse, GroupType, ListGroupsRequest, ListGroupsResponse,
    ListUsersInGroupRequest, ListUsersInGroupResponse, UpdateGroupRequest, UpdateGroupResponse,
};

use super::users::user_type;
use super::{limit, seconds, NoOutput};

/// A group as the wire shows it; absent members are omitted.
fn group_type(group: &Group) -> GroupType {
    GroupType {
        group_name: Some(group.name.clone()),
        user_pool_id: Some(group.pool_id.clone()),
        description: group.description.clone(),
        role_arn: group.role_arn.clone(),
        precedence: group.precedence,
        last_modified_date: Some(seconds(group.modified_ms)),
        creation_date: Some(seconds(group.created_ms)),
    }
}

pub(super) async fn create_group(
    service: &Service,
    input: CreateGroupRequest,
) -> DomainResult<CreateGroupResponse> {
    let group = service
        .create_group(
            &input.user_pool_id,
            &input.group_name,
            input.description.as_deref(),
            input.role_arn.as_deref(),
            input.precedence,
        )
        .await?;
    Ok(CreateGroupResponse {
        group: Some(group_type(&group)),
    })
}

pub(super) async fn get_group(
    service: &Service,
    input: GetGroupRequest,
) -> DomainResult<GetGroupResponse> {
    let group = service
        .get_group(&input.user_pool_id, &input.group_name)
        .await?;
    Ok(GetGroupResponse {
        group: Some(group_type(&group)),
    })
}

pub(super) async fn update_group(
    service: &Service,
    input: UpdateGroupRequest,
) -> DomainResult<UpdateGroupResponse> {
    let changes = GroupChanges {
        description: input.description,
        role_arn: input.role_arn,
        precedence: input.precedence,
    };
    let group = service
        .update_group(&input.user_pool_id, &input.group_name, changes)
        .await?;
    Ok(UpdateGroupResponse {
        group: Some(group_type(&group)),
    })
}

pub(super) async fn delete_group(
    service: &Service,
    input: DeleteGroupRequest,
) -> DomainResult<NoOutput> {
    service
        .delete_group(&input.user_pool_id, &input.group_name)
        .await?;
    Ok(NoOutput {})
}

pub(super) async fn list_groups(
    service: &Service,
    input: ListGroupsRequest,
) -> DomainResult<ListGroupsResponse> {
    let (groups, next) = service
        .list_groups(
            &input.user_pool_id,
            limit(input.limit, 60),
            input.next_token.as_deref(),
        )
        .await?;
    Ok(ListGroupsResponse {
        groups: Some(groups.iter().map(group_type).collect()),
        next_token: next,
    })
}

pub(super) async fn admin_add_user_to_group(
    service: &Service,
    input: AdminAddUserToGroupRequest,
) -> DomainResult<NoOutput> {
    service
        .admin_add_user_to_group(
            &input.user_pool_id,
            input.username.expose(),
            &input.group_name,
        )
        .await?;
    Ok(NoOutput {})
}

pub(super) async fn admin_remove_user_from_group(
    service: &Service,
    input: AdminRemoveUserFromGroupRequest,
) -> DomainResult<NoOutput> {
    service
        .admin_remove_user_from_group(
            &input.user_pool_id,
            input.username.expose(),
            &input.group_name,
        )
        .await?;
    Ok(NoOutput {})
}

pub(super) async fn admin_list_groups_for_user(
    service: &Service,
    input: AdminListGroupsForUserRequest,
) -> DomainResult<AdminListGroupsForUserResponse> {
    let (groups, next) = service
        .admin_list_groups_for_user(
            &input.user_pool_id,
            input.username.expose(),
            limit(input.limit, 60),
            input.next_token.as_deref(),
        )
        .await?;
    Ok(AdminListGroupsForUserResponse {
        groups: Some(groups.iter().map(group_type).collect()),
        next_token: next,
    })
}

pub(super) async fn list_users_in_group(
    service: &Service,
    input: ListUsersInGroupRequest,
) -> DomainResult<ListUsersInGroupResponse> {
    let (users, next) = service
        .list_users_in_group(
            &input.user_pool_id,
            &input.group_name,
            limit(input.limit, 60),
            input.next_token.as_deref(),
        )
        .await?;
    Ok(ListUsersInGroupResponse {
        users: Some(users.iter().map(|u| user_type(u, None)).collect()),
        next_token: next,
    })
}
