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
mod pools;
mod tokens;
mod users;

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;
use userpools_domain::model::User;
use userpools_domain::service::Service;
use userpools_domain::DomainResult;
use userpools_wire::model::OperationSpec;
use userpools_wire::types::AttributeType;
use userpools_wire::{codec, WireError};

use self::auth::*;
use self::clients::*;
use self::pools::*;
use self::tokens::*;
use self::users::*;
use crate::errors::domain_to_wire;

/// Runs one operation: decode and validate the input, call, encode the output.
async fn run<I, O, F, Fut>(
    operation: &OperationSpec,
    body: &[u8],
    handler: F,
) -> Result<Vec<u8>, WireError>
where
    I: DeserializeOwned,
    O: Serialize,
    F: FnOnce(I) -> Fut,
    Fut: Future<Output = DomainResult<O>>,
{
    let input: I = codec::decode_input(operation, body)?;
    let output = handler(input).await.map_err(domain_to_wire)?;
    Ok(codec::encode_output(&output))
}

/// Dispatches an operation by name.
pub async fn call(
    service: &Service,
    operation: &OperationSpec,
    body: &[u8],
) -> Result<Vec<u8>, WireError> {
    macro_rules! table {
        ($($name:literal => $handler:ident),* $(,)?) => {
            match operation.name {
                $($name => run(operation, body, |input| $handler(service, input)).await,)*
                other => Err(WireError::client(
                    "UnsupportedOperationException",
                    format!("{other} is not implemented by userpools yet."),
                )),
            }
        };
    }
    table! {
        "CreateUserPool" => create_user_pool,
        "DescribeUserPool" => describe_user_pool,
        "ListUserPools" => list_user_pools,
        "UpdateUserPool" => update_user_pool,
        "DeleteUserPool" => delete_user_pool,
        "CreateUserPoolClient" => create_user_pool_client,
        "DescribeUserPoolClient" => describe_user_pool_client,
        "ListUserPoolClients" => list_user_pool_clients,
        "UpdateUserPoolClient" => update_user_pool_client,
        "DeleteUserPoolClient" => delete_user_pool_client,
        "SignUp" => sign_up,
        "AdminConfirmSignUp" => admin_confirm_sign_up,
        "AdminCreateUser" => admin_create_user,
        "AdminGetUser" => admin_get_user,
        "AdminDeleteUser" => admin_delete_user,
        "ListUsers" => list_users,
        "AdminUpdateUserAttributes" => admin_update_user_attributes,
        "AdminDeleteUserAttributes" => admin_delete_user_attributes,
        "AdminDisableUser" => admin_disable_user,
        "AdminEnableUser" => admin_enable_user,
        "AdminSetUserPassword" => admin_set_user_password,
        "InitiateAuth" => initiate_auth,
        "AdminInitiateAuth" => admin_initiate_auth,
        "RespondToAuthChallenge" => respond_to_auth_challenge,
        "AdminRespondToAuthChallenge" => admin_respond_to_auth_challenge,
        "GetUser" => get_user,
        "ChangePassword" => change_password,
        "UpdateUserAttributes" => update_user_attributes,
        "DeleteUser" => delete_user,
        "GlobalSignOut" => global_sign_out,
        "AdminUserGlobalSignOut" => admin_user_global_sign_out,
        "RevokeToken" => revoke_token,
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
