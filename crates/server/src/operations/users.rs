//! Users: SignUp, AdminConfirmSignUp, AdminCreateUser, AdminGetUser,
//! AdminDeleteUser, ListUsers, Admin(Update|Delete)UserAttributes,
//! Admin(Enable|Disable)User, AdminSetUserPassword, and what a user does with
//! an access token: GetUser, ChangePassword, UpdateUserAttributes,
//! DeleteUserAttributes, DeleteUser.

use userpools_domain::model::{MessageAction, User};
use userpools_domain::service::Service;
use userpools_domain::{DomainError, DomainResult};
use userpools_wire::types::{
    AdminConfirmSignUpRequest, AdminConfirmSignUpResponse, AdminCreateUserRequest,
    AdminCreateUserResponse, AdminDeleteUserAttributesRequest, AdminDeleteUserAttributesResponse,
    AdminDeleteUserRequest, AdminDisableUserRequest, AdminDisableUserResponse,
    AdminEnableUserRequest, AdminEnableUserResponse, AdminGetUserRequest, AdminGetUserResponse,
    AdminSetUserPasswordRequest, AdminSetUserPasswordResponse, AdminUpdateUserAttributesRequest,
    AdminUpdateUserAttributesResponse, AttributeType, ChangePasswordRequest,
    ChangePasswordResponse, DeleteUserAttributesRequest, DeleteUserAttributesResponse,
    DeleteUserRequest, GetUserRequest, GetUserResponse, ListUsersRequest, ListUsersResponse,
    SignUpRequest, SignUpResponse, UpdateUserAttributesRequest, UpdateUserAttributesResponse,
    UserType,
};

use super::convert::{FromWire, ToWire};
use super::{attribute_list, limit, seconds, NoOutput};

fn attribute_pairs(attributes: Option<Vec<AttributeType>>) -> Vec<(String, String)> {
    attributes
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.name, a.value.map(|v| v.into_inner()).unwrap_or_default()))
        .collect()
}

pub(super) fn user_type(user: &User, only: Option<&[String]>) -> UserType {
    UserType {
        username: Some(user.username.clone().into()),
        attributes: Some(attribute_list(user, only)),
        user_create_date: Some(seconds(user.created_ms)),
        user_last_modified_date: Some(seconds(user.modified_ms)),
        enabled: Some(user.enabled),
        user_status: Some(user.status.to_wire()),
        mfa_options: None,
    }
}

pub(super) async fn sign_up(
    service: &Service,
    input: SignUpRequest,
) -> DomainResult<SignUpResponse> {
    let password = input.password.as_ref().map(|p| p.expose().as_str()).ok_or_else(|| {
        DomainError::InvalidParameter(
            "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null".into(),
        )
    })?;
    let (user, delivery) = service
        .sign_up_and_send_code(
            input.client_id.expose(),
            input.username.expose(),
            password,
            &attribute_pairs(input.user_attributes),
            input.secret_hash.as_ref().map(|h| h.expose().as_str()),
        )
        .await?;
    Ok(SignUpResponse {
        user_confirmed: false,
        user_sub: user.sub().to_owned(),
        code_delivery_details: delivery.map(super::recovery::code_delivery_details),
        ..SignUpResponse::default()
    })
}

pub(super) async fn admin_confirm_sign_up(
    service: &Service,
    input: AdminConfirmSignUpRequest,
) -> DomainResult<AdminConfirmSignUpResponse> {
    service
        .admin_confirm_sign_up(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(AdminConfirmSignUpResponse::default())
}

pub(super) async fn admin_create_user(
    service: &Service,
    input: AdminCreateUserRequest,
) -> DomainResult<AdminCreateUserResponse> {
    let user = service
        .admin_create_user(
            &input.user_pool_id,
            input.username.expose(),
            &attribute_pairs(input.user_attributes),
            input
                .temporary_password
                .as_ref()
                .map(|p| p.expose().as_str()),
            input.message_action.map(MessageAction::from_wire),
            input.force_alias_creation.unwrap_or(false),
        )
        .await?;
    Ok(AdminCreateUserResponse {
        user: Some(user_type(&user, None)),
    })
}

pub(super) async fn admin_get_user(
    service: &Service,
    input: AdminGetUserRequest,
) -> DomainResult<AdminGetUserResponse> {
    let user = service
        .admin_get_user(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(AdminGetUserResponse {
        username: user.username.clone().into(),
        user_attributes: Some(attribute_list(&user, None)),
        user_create_date: Some(seconds(user.created_ms)),
        user_last_modified_date: Some(seconds(user.modified_ms)),
        enabled: Some(user.enabled),
        user_status: Some(user.status.to_wire()),
        ..AdminGetUserResponse::default()
    })
}

pub(super) async fn admin_delete_user(
    service: &Service,
    input: AdminDeleteUserRequest,
) -> DomainResult<NoOutput> {
    service
        .admin_delete_user(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(NoOutput {})
}

pub(super) async fn list_users(
    service: &Service,
    input: ListUsersRequest,
) -> DomainResult<ListUsersResponse> {
    let (users, next) = service
        .list_users(
            &input.user_pool_id,
            input.filter.as_deref(),
            limit(input.limit, 60),
            input.pagination_token.as_deref(),
        )
        .await?;
    let only = input.attributes_to_get.as_deref();
    Ok(ListUsersResponse {
        users: Some(users.iter().map(|u| user_type(u, only)).collect()),
        pagination_token: next,
    })
}

pub(super) async fn admin_update_user_attributes(
    service: &Service,
    input: AdminUpdateUserAttributesRequest,
) -> DomainResult<AdminUpdateUserAttributesResponse> {
    service
        .admin_update_user_attributes(
            &input.user_pool_id,
            input.username.expose(),
            &attribute_pairs(Some(input.user_attributes)),
        )
        .await?;
    Ok(AdminUpdateUserAttributesResponse::default())
}

pub(super) async fn admin_delete_user_attributes(
    service: &Service,
    input: AdminDeleteUserAttributesRequest,
) -> DomainResult<AdminDeleteUserAttributesResponse> {
    service
        .admin_delete_user_attributes(
            &input.user_pool_id,
            input.username.expose(),
            &input.user_attribute_names,
        )
        .await?;
    Ok(AdminDeleteUserAttributesResponse::default())
}

pub(super) async fn admin_disable_user(
    service: &Service,
    input: AdminDisableUserRequest,
) -> DomainResult<AdminDisableUserResponse> {
    service
        .admin_set_user_enabled(&input.user_pool_id, input.username.expose(), false)
        .await?;
    Ok(AdminDisableUserResponse::default())
}

pub(super) async fn admin_enable_user(
    service: &Service,
    input: AdminEnableUserRequest,
) -> DomainResult<AdminEnableUserResponse> {
    service
        .admin_set_user_enabled(&input.user_pool_id, input.username.expose(), true)
        .await?;
    Ok(AdminEnableUserResponse::default())
}

pub(super) async fn admin_set_user_password(
    service: &Service,
    input: AdminSetUserPasswordRequest,
) -> DomainResult<AdminSetUserPasswordResponse> {
    service
        .admin_set_user_password(
            &input.user_pool_id,
            input.username.expose(),
            input.password.expose(),
            input.permanent.unwrap_or(false),
        )
        .await?;
    Ok(AdminSetUserPasswordResponse::default())
}

pub(super) async fn get_user(
    service: &Service,
    input: GetUserRequest,
) -> DomainResult<GetUserResponse> {
    let user = service.get_user(input.access_token.expose()).await?;
    Ok(GetUserResponse {
        username: user.username.clone().into(),
        user_attributes: attribute_list(&user, None),
        ..GetUserResponse::default()
    })
}

pub(super) async fn change_password(
    service: &Service,
    input: ChangePasswordRequest,
) -> DomainResult<ChangePasswordResponse> {
    service
        .change_password(
            input.access_token.expose(),
            input
                .previous_password
                .as_ref()
                .map(|p| p.expose().as_str()),
            input.proposed_password.expose(),
        )
        .await?;
    Ok(ChangePasswordResponse::default())
}

pub(super) async fn update_user_attributes(
    service: &Service,
    input: UpdateUserAttributesRequest,
) -> DomainResult<UpdateUserAttributesResponse> {
    service
        .update_user_attributes(
            input.access_token.expose(),
            &attribute_pairs(Some(input.user_attributes)),
        )
        .await?;
    Ok(UpdateUserAttributesResponse {
        code_delivery_details_list: Some(Vec::new()),
    })
}

pub(super) async fn delete_user_attributes(
    service: &Service,
    input: DeleteUserAttributesRequest,
) -> DomainResult<DeleteUserAttributesResponse> {
    service
        .delete_user_attributes(input.access_token.expose(), &input.user_attribute_names)
        .await?;
    Ok(DeleteUserAttributesResponse {})
}

pub(super) async fn delete_user(
    service: &Service,
    input: DeleteUserRequest,
) -> DomainResult<NoOutput> {
    service.delete_user(input.access_token.expose()).await?;
    Ok(NoOutput {})
}
