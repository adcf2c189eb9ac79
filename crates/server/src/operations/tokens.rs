//! Ending sessions: GlobalSignOut, AdminUserGlobalSignOut, RevokeToken.

use userpools_domain::service::Service;
use userpools_domain::DomainResult;
use userpools_wire::types::{
    AdminUserGlobalSignOutRequest, AdminUserGlobalSignOutResponse, GlobalSignOutRequest,
    GlobalSignOutResponse, RevokeTokenRequest, RevokeTokenResponse,
};

pub(super) async fn global_sign_out(
    service: &Service,
    input: GlobalSignOutRequest,
) -> DomainResult<GlobalSignOutResponse> {
    service.global_sign_out(input.access_token.expose()).await?;
    Ok(GlobalSignOutResponse::default())
}

pub(super) async fn admin_user_global_sign_out(
    service: &Service,
    input: AdminUserGlobalSignOutRequest,
) -> DomainResult<AdminUserGlobalSignOutResponse> {
    service
        .admin_user_global_sign_out(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(AdminUserGlobalSignOutResponse::default())
}

pub(super) async fn revoke_token(
    service: &Service,
    input: RevokeTokenRequest,
) -> DomainResult<RevokeTokenResponse> {
    service
        .revoke_token(
            input.token.expose(),
            input.client_id.expose(),
            input.client_secret.as_ref().map(|s| s.expose().as_str()),
        )
        .await?;
    Ok(RevokeTokenResponse::default())
}
