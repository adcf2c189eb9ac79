//! The operation table: decodes each implemented operation's input shape,
//! calls the domain, and encodes the output shape. Operations of the model
//! that are not implemented yet answer a clear 400.
//!
//! The handlers live by resource: [`pools`], [`clients`], [`users`], [`auth`]
//! (sign-in) and [`tokens`] (sign-out and revocation). Each reads the
//! generated input type, calls the domain, and builds the generated output
//! type; [`convert`] maps the enums between the two.

mod auth;
mod clients;
mod convert;
mod groups;
mod pools;
mod recovery;
mod tokens;
mod users;

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;
use userpools_domain::model::User;
use userpools_domain::service::Service;
use userpools_domain::DomainResult;
use userpools_wire::types::AttributeType;
use userpools_wire::{codec, Operation, WireError};

use self::auth::*;
use self::clients::*;
use self::groups::*;
use self::pools::*;
use self::recovery::*;
use self::tokens::*;
use self::users::*;
use crate::errors::domain_to_wire;
use crate::request::RequestContext;

/// Runs one operation: validate and deserialise the input, call, encode the output.
async fn run<I, O, F, Fut>(request: RequestContext<'_>, handler: F) -> Result<Vec<u8>, WireError>
where
    I: DeserializeOwned,
    O: Serialize,
    F: FnOnce(I) -> Fut,
    Fut: Future<Output = DomainResult<O>>,
{
    let input: I = request.into_input()?;
    let output = handler(input).await.map_err(domain_to_wire)?;
    Ok(codec::encode_output(&output))
}

/// Defines [`call`], one exhaustive `match` on [`Operation`]: an arm per
/// implemented operation and one arm for all the others, plus
/// [`IMPLEMENTED`], the implemented operations of that same table.
macro_rules! operation_table {
    (
        implemented { $($operation:ident => $handler:ident,)* }
        not_implemented { $($missing:ident,)* }
    ) => {
        /// The operations with a handler, in table order.
        pub const IMPLEMENTED: &[Operation] = &[$(Operation::$operation,)*];

        /// Dispatches a decoded request to its operation's handler.
        pub async fn call(
            service: &Service,
            request: RequestContext<'_>,
        ) -> Result<Vec<u8>, WireError> {
            match request.operation() {
                $(Operation::$operation => run(request, |input| $handler(service, input)).await,)*
                $(Operation::$missing)|* => Err(WireError::client(
                    "UnsupportedOperationException",
                    format!("{} is not implemented by userpools yet.", request.operation()),
                )),
            }
        }
    };
}

operation_table! {
    implemented {
        CreateUserPool => create_user_pool,
        DescribeUserPool => describe_user_pool,
        ListUserPools => list_user_pools,
        UpdateUserPool => update_user_pool,
        DeleteUserPool => delete_user_pool,
        AddCustomAttributes => add_custom_attributes,
        CreateUserPoolClient => create_user_pool_client,
        DescribeUserPoolClient => describe_user_pool_client,
        ListUserPoolClients => list_user_pool_clients,
        UpdateUserPoolClient => update_user_pool_client,
        DeleteUserPoolClient => delete_user_pool_client,
        SignUp => sign_up,
        AdminConfirmSignUp => admin_confirm_sign_up,
        AdminCreateUser => admin_create_user,
        AdminGetUser => admin_get_user,
        AdminDeleteUser => admin_delete_user,
        ListUsers => list_users,
        AdminUpdateUserAttributes => admin_update_user_attributes,
        AdminDeleteUserAttributes => admin_delete_user_attributes,
        AdminDisableUser => admin_disable_user,
        AdminEnableUser => admin_enable_user,
        AdminSetUserPassword => admin_set_user_password,
        InitiateAuth => initiate_auth,
        AdminInitiateAuth => admin_initiate_auth,
        RespondToAuthChallenge => respond_to_auth_challenge,
        AdminRespondToAuthChallenge => admin_respond_to_auth_challenge,
        GetUser => get_user,
        ChangePassword => change_password,
        UpdateUserAttributes => update_user_attributes,
        DeleteUserAttributes => delete_user_attributes,
        DeleteUser => delete_user,
        GlobalSignOut => global_sign_out,
        AdminUserGlobalSignOut => admin_user_global_sign_out,
        RevokeToken => revoke_token,
        ConfirmSignUp => confirm_sign_up,
        ResendConfirmationCode => resend_confirmation_code,
        ForgotPassword => forgot_password,
        ConfirmForgotPassword => confirm_forgot_password,
        AdminResetUserPassword => admin_reset_user_password,
        CreateGroup => create_group,
        GetGroup => get_group,
        UpdateGroup => update_group,
        DeleteGroup => delete_group,
        ListGroups => list_groups,
        AdminAddUserToGroup => admin_add_user_to_group,
        AdminRemoveUserFromGroup => admin_remove_user_from_group,
        AdminListGroupsForUser => admin_list_groups_for_user,
        ListUsersInGroup => list_users_in_group,
    }
    not_implemented {
        AddUserPoolClientSecret, AdminDeleteSoftwareToken,
        AdminDisableProviderForUser, AdminForgetDevice, AdminGetDevice, AdminGetUserAuthFactors,
        AdminLinkProviderForUser, AdminListDevices, AdminListUserAuthEvents,
        AdminListUserSessions,
        AdminRevokeUserSession, AdminSetUserMFAPreference, AdminSetUserSettings,
        AdminUpdateAuthEventFeedback, AdminUpdateDeviceStatus, AssociateSoftwareToken,
        CompleteWebAuthnRegistration, ConfirmDevice,
        CreateIdentityProvider, CreateManagedLoginBranding, CreateResourceServer,
        CreateTerms, CreateUserImportJob, CreateUserPoolDomain, CreateUserPoolReplica,
        DeleteIdentityProvider, DeleteManagedLoginBranding, DeleteResourceServer, DeleteTerms,
        DeleteUserPoolClientSecret, DeleteUserPoolDomain,
        DeleteUserPoolReplica, DeleteWebAuthnCredential, DescribeIdentityProvider,
        DescribeManagedLoginBranding, DescribeManagedLoginBrandingByClient, DescribeResourceServer,
        DescribeRiskConfiguration, DescribeTerms, DescribeTermsByClient, DescribeUserImportJob,
        DescribeUserPoolDomain, ForgetDevice, GetCSVHeader, GetClientToken,
        GetDerivedToken, GetDevice, GetIdentityProviderByIdentifier,
        GetLogDeliveryConfiguration, GetProvisionedLimit, GetSigningCertificate,
        GetTokensFromRefreshToken, GetUICustomization, GetUserAttributeVerificationCode,
        GetUserAuthFactors, GetUserPoolClientSessionConfiguration, GetUserPoolMfaConfig,
        GetUserPoolSessionConfiguration, ListDevices, ListIdentityProviders,
        ListResourceServers, ListTagsForResource, ListTerms, ListUserImportJobs,
        ListUserPoolClientSecrets, ListUserPoolReplicas, ListUserSessions,
        ListWebAuthnCredentials, RevokeUserSession,
        SetLogDeliveryConfiguration, SetRiskConfiguration, SetUICustomization, SetUserMFAPreference,
        SetUserPoolClientSessionConfiguration, SetUserPoolMfaConfig,
        SetUserPoolSessionConfiguration, SetUserSettings, StartUserImportJob,
        StartWebAuthnRegistration, StopUserImportJob, TagResource, UntagResource,
        UpdateAuthEventFeedback, UpdateDeviceStatus, UpdateIdentityProvider,
        UpdateManagedLoginBranding, UpdateProvisionedLimit, UpdateResourceServer, UpdateTerms,
        UpdateUserPoolDomain, UpdateUserPoolReplica, VerifySoftwareToken, VerifyUserAttribute,
    }
}

// ----- shared conversions ------------------------------------------------------

/// The output of operations whose model has none: `{}`.
#[derive(Debug, Serialize)]
struct NoOutput {}

/// Epoch milliseconds as the wire's epoch seconds (with a fraction).
fn seconds(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

/// A page size: the given one if positive, else `default`.
fn limit(value: Option<i32>, default: usize) -> usize {
    match value {
        Some(n) if n > 0 => n as usize,
        _ => default,
    }
}

/// A stored count as the wire's integer.
fn int(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}

/// A user's attributes (all, or those named in `only`) as the wire lists them.
fn attribute_list(user: &User, only: Option<&[String]>) -> Vec<AttributeType> {
    user.attributes
        .iter()
        .filter(|(name, _)| only.is_none_or(|names| names.iter().any(|n| n == name)))
        .map(|(name, value)| AttributeType {
            name: name.clone(),
            value: Some(value.clone().into()),
        })
        .collect()
}
