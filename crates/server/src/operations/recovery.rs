//! Sign-up confirmation and forgotten passwords: ConfirmSignUp,
//! ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword and
//! AdminResetUserPassword; and the CodeDeliveryDetails they (and SignUp) return.

use userpools_domain::delivery::{Channel, CodeDelivery};
use userpools_domain::service::Service;
use userpools_domain::DomainResult;
use userpools_wire::types::{
    AdminResetUserPasswordRequest, AdminResetUserPasswordResponse, CodeDeliveryDetailsType,
    ConfirmForgotPasswordRequest, ConfirmForgotPasswordResponse, ConfirmSignUpRequest,
    ConfirmSignUpResponse, DeliveryMediumType, ForgotPasswordRequest, ForgotPasswordResponse,
    ResendConfirmationCodeRequest, ResendConfirmationCodeResponse,
};

/// CodeDeliveryDetails on the wire.
pub(super) fn code_delivery_details(delivery: CodeDelivery) -> CodeDeliveryDetailsType {
    CodeDeliveryDetailsType {
        attribute_name: Some(delivery.attribute),
        delivery_medium: Some(match delivery.channel {
            Channel::Email => DeliveryMediumType::Email,
            Channel::Sms => DeliveryMediumType::Sms,
        }),
        destination: Some(delivery.destination),
    }
}

pub(super) async fn confirm_sign_up(
    service: &Service,
    input: ConfirmSignUpRequest,
) -> DomainResult<ConfirmSignUpResponse> {
    service
        .confirm_sign_up(
            input.client_id.expose(),
            input.username.expose(),
            &input.confirmation_code,
            input.secret_hash.as_ref().map(|h| h.expose().as_str()),
            input.force_alias_creation.unwrap_or(false),
        )
        .await?;
    Ok(ConfirmSignUpResponse::default())
}

pub(super) async fn resend_confirmation_code(
    service: &Service,
    input: ResendConfirmationCodeRequest,
) -> DomainResult<ResendConfirmationCodeResponse> {
    let delivery = service
        .resend_confirmation_code(
            input.client_id.expose(),
            input.username.expose(),
            input.secret_hash.as_ref().map(|h| h.expose().as_str()),
        )
        .await?;
    Ok(ResendConfirmationCodeResponse {
        code_delivery_details: Some(code_delivery_details(delivery)),
    })
}

pub(super) async fn forgot_password(
    service: &Service,
    input: ForgotPasswordRequest,
) -> DomainResult<ForgotPasswordResponse> {
    let delivery = service
        .forgot_password(
            input.client_id.expose(),
            input.username.expose(),
            input.secret_hash.as_ref().map(|h| h.expose().as_str()),
        )
        .await?;
    Ok(ForgotPasswordResponse {
        code_delivery_details: Some(code_delivery_details(delivery)),
    })
}

pub(super) async fn confirm_forgot_password(
    service: &Service,
    input: ConfirmForgotPasswordRequest,
) -> DomainResult<ConfirmForgotPasswordResponse> {
    service
        .confirm_forgot_password(
            input.client_id.expose(),
            input.username.expose(),
            &input.confirmation_code,
            input.password.expose(),
            input.secret_hash.as_ref().map(|h| h.expose().as_str()),
        )
        .await?;
    Ok(ConfirmForgotPasswordResponse::default())
}

pub(super) async fn admin_reset_user_password(
    service: &Service,
    input: AdminResetUserPasswordRequest,
) -> DomainResult<AdminResetUserPasswordResponse> {
    service
        .admin_reset_user_password(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(AdminResetUserPasswordResponse::default())
}
