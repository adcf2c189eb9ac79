//! The operation table: decodes each implemented operation's input shape,
//! calls the domain, and encodes the output shape. Operations of the model
//! that are not implemented yet answer a clear 400.

use std::collections::BTreeMap;
use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use userpools_domain::auth::{AuthOutcome, Caller};
use userpools_domain::model::{AppClient, SchemaAttribute, User, UserPool};
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::service::{ClientSettings, PoolSettings, Service};
use userpools_domain::{DomainError, DomainResult};
use userpools_wire::types::*;
use userpools_wire::{codec, Operation, Sensitive, WireError};

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
        DeleteUser => delete_user,
        GlobalSignOut => global_sign_out,
        AdminUserGlobalSignOut => admin_user_global_sign_out,
        RevokeToken => revoke_token,
    }
    not_implemented {
        AddCustomAttributes, AddUserPoolClientSecret, AdminAddUserToGroup, AdminDeleteSoftwareToken,
        AdminDisableProviderForUser, AdminForgetDevice, AdminGetDevice, AdminGetUserAuthFactors,
        AdminLinkProviderForUser, AdminListDevices, AdminListGroupsForUser, AdminListUserAuthEvents,
        AdminListUserSessions, AdminRemoveUserFromGroup, AdminResetUserPassword,
        AdminRevokeUserSession, AdminSetUserMFAPreference, AdminSetUserSettings,
        AdminUpdateAuthEventFeedback, AdminUpdateDeviceStatus, AssociateSoftwareToken,
        CompleteWebAuthnRegistration, ConfirmDevice, ConfirmForgotPassword, ConfirmSignUp,
        CreateGroup, CreateIdentityProvider, CreateManagedLoginBranding, CreateResourceServer,
        CreateTerms, CreateUserImportJob, CreateUserPoolDomain, CreateUserPoolReplica, DeleteGroup,
        DeleteIdentityProvider, DeleteManagedLoginBranding, DeleteResourceServer, DeleteTerms,
        DeleteUserAttributes, DeleteUserPoolClientSecret, DeleteUserPoolDomain,
        DeleteUserPoolReplica, DeleteWebAuthnCredential, DescribeIdentityProvider,
        DescribeManagedLoginBranding, DescribeManagedLoginBrandingByClient, DescribeResourceServer,
        DescribeRiskConfiguration, DescribeTerms, DescribeTermsByClient, DescribeUserImportJob,
        DescribeUserPoolDomain, ForgetDevice, ForgotPassword, GetCSVHeader, GetClientToken,
        GetDerivedToken, GetDevice, GetGroup, GetIdentityProviderByIdentifier,
        GetLogDeliveryConfiguration, GetProvisionedLimit, GetSigningCertificate,
        GetTokensFromRefreshToken, GetUICustomization, GetUserAttributeVerificationCode,
        GetUserAuthFactors, GetUserPoolClientSessionConfiguration, GetUserPoolMfaConfig,
        GetUserPoolSessionConfiguration, ListDevices, ListGroups, ListIdentityProviders,
        ListResourceServers, ListTagsForResource, ListTerms, ListUserImportJobs,
        ListUserPoolClientSecrets, ListUserPoolReplicas, ListUserSessions, ListUsersInGroup,
        ListWebAuthnCredentials, ResendConfirmationCode, RevokeUserSession,
        SetLogDeliveryConfiguration, SetRiskConfiguration, SetUICustomization, SetUserMFAPreference,
        SetUserPoolClientSessionConfiguration, SetUserPoolMfaConfig,
        SetUserPoolSessionConfiguration, SetUserSettings, StartUserImportJob,
        StartWebAuthnRegistration, StopUserImportJob, TagResource, UntagResource,
        UpdateAuthEventFeedback, UpdateDeviceStatus, UpdateGroup, UpdateIdentityProvider,
        UpdateManagedLoginBranding, UpdateProvisionedLimit, UpdateResourceServer, UpdateTerms,
        UpdateUserPoolDomain, UpdateUserPoolReplica, VerifySoftwareToken, VerifyUserAttribute,
    }
}

// ----- shared conversions ------------------------------------------------------

fn seconds(millis: i64) -> f64 {
    millis as f64 / 1000.0
}

/// Serialises a typed input and keeps the members the domain does not interpret.
fn extra_members<T: Serialize>(input: &T, interpreted: &[&str]) -> Map<String, Value> {
    let mut map = match serde_json::to_value(input) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for name in interpreted {
        map.remove(*name);
    }
    map
}

/// Converts a JSON document built here into an output shape.
fn typed<T: DeserializeOwned>(value: Value) -> DomainResult<T> {
    serde_json::from_value(value).map_err(|e| DomainError::Internal(format!("output shape: {e}")))
}

fn attribute_pairs(attributes: Option<Vec<AttributeType>>) -> Vec<(String, String)> {
    attributes
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.name, a.value.map(|v| v.into_inner()).unwrap_or_default()))
        .collect()
}

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

fn user_type(user: &User, only: Option<&[String]>) -> DomainResult<UserType> {
    typed(json!({
        "Username": user.username,
        "Attributes": attribute_list(user, only),
        "UserCreateDate": seconds(user.created_ms),
        "UserLastModifiedDate": seconds(user.modified_ms),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    }))
}

fn limit(value: Option<i32>, default: usize) -> usize {
    match value {
        Some(n) if n > 0 => n as usize,
        _ => default,
    }
}

// ----- user pools ------------------------------------------------------------

fn password_policy(policies: Option<&UserPoolPolicyType>) -> Option<PasswordPolicy> {
    let given = policies?.password_policy.as_ref()?;
    let count = |v: Option<i32>| v.unwrap_or(0).max(0) as u32;
    Some(PasswordPolicy {
        minimum_length: given.minimum_length.map(|v| v.max(0) as u32).unwrap_or(8),
        require_uppercase: given.require_uppercase.unwrap_or(false),
        require_lowercase: given.require_lowercase.unwrap_or(false),
        require_numbers: given.require_numbers.unwrap_or(false),
        require_symbols: given.require_symbols.unwrap_or(false),
        password_history_size: count(given.password_history_size),
        temporary_password_validity_days: given
            .temporary_password_validity_days
            .map(|v| v.max(0) as u32)
            .unwrap_or(7),
    })
}

fn schema_attributes(schema: Option<&Vec<SchemaAttributeType>>) -> Vec<SchemaAttribute> {
    schema
        .into_iter()
        .flatten()
        .filter_map(|a| {
            let name = a.name.clone()?;
            let standard = userpools_domain::model::is_standard_attribute(&name);
            let full_name = if standard || name.starts_with("custom:") {
                name
            } else {
                format!("custom:{name}")
            };
            Some(SchemaAttribute {
                name: full_name,
                data_type: a
                    .attribute_data_type
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_else(|| "String".into()),
                developer_only: a.developer_only_attribute.unwrap_or(false),
                mutable: a.mutable.unwrap_or(true),
                required: a.required.unwrap_or(false),
                string_constraints: a
                    .string_attribute_constraints
                    .as_ref()
                    .map(|c| (c.min_length.clone(), c.max_length.clone())),
                number_constraints: a
                    .number_attribute_constraints
                    .as_ref()
                    .map(|c| (c.min_value.clone(), c.max_value.clone())),
            })
        })
        .collect()
}

fn schema_json(attribute: &SchemaAttribute) -> Value {
    let mut value = json!({
        "Name": attribute.name,
        "AttributeDataType": attribute.data_type,
        "DeveloperOnlyAttribute": attribute.developer_only,
        "Mutable": attribute.mutable,
        "Required": attribute.required,
    });
    match (
        attribute.data_type.as_str(),
        &attribute.string_constraints,
        &attribute.number_constraints,
    ) {
        (_, Some((min, max)), _) => {
            value["StringAttributeConstraints"] = json!({"MinLength": min, "MaxLength": max});
        }
        (_, _, Some((min, max))) => {
            value["NumberAttributeConstraints"] = json!({"MinValue": min, "MaxValue": max});
        }
        ("String", None, None) => {
            let (min, max) = match attribute.name.as_str() {
                "sub" => ("1", "2048"),
                "birthdate" => ("10", "10"),
                _ => ("0", "2048"),
            };
            value["StringAttributeConstraints"] = json!({"MinLength": min, "MaxLength": max});
        }
        ("Number", None, None) => {
            value["NumberAttributeConstraints"] = json!({"MinValue": "0"});
        }
        _ => {}
    }
    value
}

fn pool_json(service: &Service, pool: &UserPool) -> Value {
    let mut value = Value::Object(pool.extra.clone());
    let policy = &pool.policy;
    let mut password_policy = json!({
        "MinimumLength": policy.minimum_length,
        "RequireUppercase": policy.require_uppercase,
        "RequireLowercase": policy.require_lowercase,
        "RequireNumbers": policy.require_numbers,
        "RequireSymbols": policy.require_symbols,
        "TemporaryPasswordValidityDays": policy.temporary_password_validity_days,
    });
    if policy.password_history_size > 0 {
        password_policy["PasswordHistorySize"] = json!(policy.password_history_size);
    }
    let mut policies = value.get("Policies").cloned().unwrap_or_else(|| json!({}));
    policies["PasswordPolicy"] = password_policy;
    let mut admin_create_user = value
        .get("AdminCreateUserConfig")
        .cloned()
        .unwrap_or_else(|| json!({}));
    admin_create_user["AllowAdminCreateUserOnly"] = json!(pool.allow_admin_create_user_only);
    if let Some(days) = pool.unused_account_validity_days {
        admin_create_user["UnusedAccountValidityDays"] = json!(days);
    }
    let fields = [
        ("Id", json!(pool.id)),
        ("Name", json!(pool.name)),
        (
            "Arn",
            json!(pool.arn(service.region(), service.account_id())),
        ),
        ("CreationDate", json!(seconds(pool.created_ms))),
        ("LastModifiedDate", json!(seconds(pool.modified_ms))),
        ("Policies", policies),
        ("AdminCreateUserConfig", admin_create_user),
        (
            "SchemaAttributes",
            Value::Array(pool.full_schema().iter().map(schema_json).collect()),
        ),
        (
            "UsernameConfiguration",
            json!({"CaseSensitive": pool.case_sensitive}),
        ),
        ("UserPoolTier", json!(pool.tier)),
        (
            "DeletionProtection",
            json!(if pool.deletion_protection {
                "ACTIVE"
            } else {
                "INACTIVE"
            }),
        ),
    ];
    for (name, field) in fields {
        value[name] = field;
    }
    if !pool.alias_attributes.is_empty() {
        value["AliasAttributes"] = json!(pool.alias_attributes);
    }
    if !pool.username_attributes.is_empty() {
        value["UsernameAttributes"] = json!(pool.username_attributes);
    }
    if !pool.auto_verified_attributes.is_empty() {
        value["AutoVerifiedAttributes"] = json!(pool.auto_verified_attributes);
    }
    if value.get("MfaConfiguration").is_none() {
        value["MfaConfiguration"] = json!("OFF");
    }
    if value.get("LambdaConfig").is_none() {
        value["LambdaConfig"] = json!({});
    }
    value
}

/// Members of Create/UpdateUserPool that the domain interprets.
const POOL_INTERPRETED: &[&str] = &[
    "PoolName",
    "UserPoolId",
    "AliasAttributes",
    "UsernameAttributes",
    "UsernameConfiguration",
    "Schema",
    "UserPoolTier",
    "DeletionProtection",
    "AutoVerifiedAttributes",
];

fn enum_strings<T: std::fmt::Display>(values: Option<&Vec<T>>) -> Vec<String> {
    values.into_iter().flatten().map(T::to_string).collect()
}

async fn create_user_pool(
    service: &Service,
    input: CreateUserPoolRequest,
) -> DomainResult<CreateUserPoolResponse> {
    let admin = input.admin_create_user_config.as_ref();
    let settings = PoolSettings {
        name: input.pool_name.clone(),
        policy: password_policy(input.policies.as_ref()),
        alias_attributes: enum_strings(input.alias_attributes.as_ref()),
        username_attributes: enum_strings(input.username_attributes.as_ref()),
        case_sensitive: input
            .username_configuration
            .as_ref()
            .map(|c| c.case_sensitive),
        schema: schema_attributes(input.schema.as_ref()),
        allow_admin_create_user_only: admin
            .and_then(|a| a.allow_admin_create_user_only)
            .unwrap_or(false),
        unused_account_validity_days: admin
            .and_then(|a| a.unused_account_validity_days)
            .map(|d| d.max(0) as u32),
        tier: input.user_pool_tier.map(|t| t.as_str().to_owned()),
        deletion_protection: input
            .deletion_protection
            .map(|d| d.as_str() == "ACTIVE")
            .unwrap_or(false),
        auto_verified_attributes: enum_strings(input.auto_verified_attributes.as_ref()),
        extra: extra_members(&input, POOL_INTERPRETED),
    };
    let pool = service.create_pool(settings).await?;
    typed(json!({ "UserPool": pool_json(service, &pool) }))
}

async fn describe_user_pool(
    service: &Service,
    input: DescribeUserPoolRequest,
) -> DomainResult<DescribeUserPoolResponse> {
    let pool = service.describe_pool(&input.user_pool_id).await?;
    typed(json!({ "UserPool": pool_json(service, &pool) }))
}

async fn list_user_pools(
    service: &Service,
    input: ListUserPoolsRequest,
) -> DomainResult<ListUserPoolsResponse> {
    let (pools, next) = service
        .list_pools(
            limit(Some(input.max_results), 60),
            input.next_token.as_deref(),
        )
        .await?;
    let descriptions: Vec<Value> = pools
        .iter()
        .map(|p| {
            json!({
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": p.extra.get("LambdaConfig").cloned().unwrap_or_else(|| json!({})),
                "CreationDate": seconds(p.created_ms),
                "LastModifiedDate": seconds(p.modified_ms),
            })
        })
        .collect();
    typed(json!({ "UserPools": descriptions, "NextToken": next }))
}

async fn update_user_pool(
    service: &Service,
    input: UpdateUserPoolRequest,
) -> DomainResult<UpdateUserPoolResponse> {
    let admin = input.admin_create_user_config.as_ref();
    let settings = PoolSettings {
        name: input.pool_name.clone().unwrap_or_default(),
        policy: password_policy(input.policies.as_ref()),
        allow_admin_create_user_only: admin
            .and_then(|a| a.allow_admin_create_user_only)
            .unwrap_or(false),
        unused_account_validity_days: admin
            .and_then(|a| a.unused_account_validity_days)
            .map(|d| d.max(0) as u32),
        tier: input.user_pool_tier.map(|t| t.as_str().to_owned()),
        deletion_protection: input
            .deletion_protection
            .map(|d| d.as_str() == "ACTIVE")
            .unwrap_or(false),
        auto_verified_attributes: enum_strings(input.auto_verified_attributes.as_ref()),
        extra: extra_members(&input, POOL_INTERPRETED),
        ..PoolSettings::default()
    };
    service.update_pool(&input.user_pool_id, settings).await?;
    Ok(UpdateUserPoolResponse::default())
}

async fn delete_user_pool(service: &Service, input: DeleteUserPoolRequest) -> DomainResult<Value> {
    service.delete_pool(&input.user_pool_id).await?;
    Ok(json!({}))
}

// ----- app clients -------------------------------------------------------------

/// Members of Create/UpdateUserPoolClient that the domain interprets.
const CLIENT_INTERPRETED: &[&str] = &[
    "UserPoolId",
    "ClientId",
    "ClientName",
    "GenerateSecret",
    "ClientSecret",
    "ExplicitAuthFlows",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "AuthSessionValidity",
];

fn client_json(service: &Service, client: &AppClient) -> DomainResult<Value> {
    let mut value = Value::Object(client.extra.clone());
    value["UserPoolId"] = json!(client.pool_id);
    value["ClientId"] = json!(client.client_id);
    value["ClientName"] = json!(client.name);
    value["CreationDate"] = json!(seconds(client.created_ms));
    value["LastModifiedDate"] = json!(seconds(client.modified_ms));
    value["ExplicitAuthFlows"] = json!(client.explicit_auth_flows);
    value["PreventUserExistenceErrors"] = json!(client.prevent_user_existence_errors);
    value["EnableTokenRevocation"] = json!(client.enable_token_revocation);
    value["AuthSessionValidity"] = json!(client.auth_session_validity_minutes);
    if value.get("RefreshTokenValidity").is_none() {
        value["RefreshTokenValidity"] = json!(30);
    }
    if value.get("AllowedOAuthFlowsUserPoolClient").is_none() {
        value["AllowedOAuthFlowsUserPoolClient"] = json!(false);
    }
    if let Some(secret) = service.client_secret(client)? {
        value["ClientSecret"] = json!(secret);
    }
    Ok(value)
}

/// Reads the client settings shared by Create- and UpdateUserPoolClient from
/// the (already validated) input, whose member names are the same in both.
fn client_settings<T: Serialize>(input: &T, name: String) -> ClientSettings {
    let members = extra_members(input, &[]);
    let text = |key: &str| members.get(key).and_then(Value::as_str).map(str::to_owned);
    let number = |key: &str| members.get(key).and_then(Value::as_u64);
    let units = members.get("TokenValidityUnits");
    let unit = |key: &str| {
        units
            .and_then(|u| u.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    ClientSettings {
        name,
        explicit_auth_flows: members
            .get("ExplicitAuthFlows")
            .and_then(Value::as_array)
            .map(|flows| {
                flows
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }),
        prevent_user_existence_errors: text("PreventUserExistenceErrors"),
        enable_token_revocation: members
            .get("EnableTokenRevocation")
            .and_then(Value::as_bool),
        auth_session_validity_minutes: number("AuthSessionValidity").map(|m| m as u32),
        access_token_validity: number("AccessTokenValidity"),
        id_token_validity: number("IdTokenValidity"),
        refresh_token_validity: number("RefreshTokenValidity"),
        units: (unit("AccessToken"), unit("IdToken"), unit("RefreshToken")),
        extra: extra_members(input, CLIENT_INTERPRETED),
    }
}

async fn create_user_pool_client(
    service: &Service,
    input: CreateUserPoolClientRequest,
) -> DomainResult<CreateUserPoolClientResponse> {
    let secret = match (input.generate_secret.unwrap_or(false), &input.client_secret) {
        (true, Some(_)) => {
            return Err(DomainError::InvalidParameter(
                "ClientSecret cannot be set when GenerateSecret is true.".into(),
            ))
        }
        (true, None) => Some(None),
        (false, Some(given)) => Some(Some(given.expose().clone())),
        (false, None) => None,
    };
    let settings = client_settings(&input, input.client_name.clone());
    let client = service
        .create_client(&input.user_pool_id, settings, secret)
        .await?;
    typed(json!({ "UserPoolClient": client_json(service, &client)? }))
}

async fn describe_user_pool_client(
    service: &Service,
    input: DescribeUserPoolClientRequest,
) -> DomainResult<DescribeUserPoolClientResponse> {
    let client = service
        .describe_client(&input.user_pool_id, input.client_id.expose())
        .await?;
    typed(json!({ "UserPoolClient": client_json(service, &client)? }))
}

async fn list_user_pool_clients(
    service: &Service,
    input: ListUserPoolClientsRequest,
) -> DomainResult<ListUserPoolClientsResponse> {
    let (clients, next) = service
        .list_clients(
            &input.user_pool_id,
            limit(input.max_results, 60),
            input.next_token.as_deref(),
        )
        .await?;
    let descriptions: Vec<Value> = clients
        .iter()
        .map(|c| json!({"ClientId": c.client_id, "UserPoolId": c.pool_id, "ClientName": c.name}))
        .collect();
    typed(json!({ "UserPoolClients": descriptions, "NextToken": next }))
}

async fn update_user_pool_client(
    service: &Service,
    input: UpdateUserPoolClientRequest,
) -> DomainResult<UpdateUserPoolClientResponse> {
    let current = service
        .describe_client(&input.user_pool_id, input.client_id.expose())
        .await?;
    let settings = client_settings(&input, input.client_name.clone().unwrap_or(current.name));
    let client = service
        .update_client(&input.user_pool_id, input.client_id.expose(), settings)
        .await?;
    typed(json!({ "UserPoolClient": client_json(service, &client)? }))
}

async fn delete_user_pool_client(
    service: &Service,
    input: DeleteUserPoolClientRequest,
) -> DomainResult<Value> {
    service
        .delete_client(&input.user_pool_id, input.client_id.expose())
        .await?;
    Ok(json!({}))
}

// ----- users -------------------------------------------------------------------

async fn sign_up(service: &Service, input: SignUpRequest) -> DomainResult<SignUpResponse> {
    let password = input.password.as_ref().map(|p| p.expose().as_str()).ok_or_else(|| {
        DomainError::InvalidParameter(
            "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null".into(),
        )
    })?;
    let user = service
        .sign_up(
            input.client_id.expose(),
            input.username.expose(),
            password,
            &attribute_pairs(input.user_attributes),
            input.secret_hash.as_ref().map(|h| h.expose().as_str()),
        )
        .await?;
    typed(json!({ "UserConfirmed": false, "UserSub": user.sub() }))
}

async fn admin_confirm_sign_up(
    service: &Service,
    input: AdminConfirmSignUpRequest,
) -> DomainResult<Value> {
    service
        .admin_confirm_sign_up(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(json!({}))
}

async fn admin_create_user(
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
            input.message_action.map(|a| a.as_str()),
            input.force_alias_creation.unwrap_or(false),
        )
        .await?;
    Ok(AdminCreateUserResponse {
        user: Some(user_type(&user, None)?),
    })
}

async fn admin_get_user(
    service: &Service,
    input: AdminGetUserRequest,
) -> DomainResult<AdminGetUserResponse> {
    let user = service
        .admin_get_user(&input.user_pool_id, input.username.expose())
        .await?;
    typed(json!({
        "Username": user.username,
        "UserAttributes": attribute_list(&user, None),
        "UserCreateDate": seconds(user.created_ms),
        "UserLastModifiedDate": seconds(user.modified_ms),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    }))
}

async fn admin_delete_user(
    service: &Service,
    input: AdminDeleteUserRequest,
) -> DomainResult<Value> {
    service
        .admin_delete_user(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(json!({}))
}

async fn list_users(service: &Service, input: ListUsersRequest) -> DomainResult<ListUsersResponse> {
    let (users, next) = service
        .list_users(
            &input.user_pool_id,
            input.filter.as_deref(),
            limit(input.limit, 60),
            input.pagination_token.as_deref(),
        )
        .await?;
    let only = input.attributes_to_get.as_deref();
    let users = users
        .iter()
        .map(|u| user_type(u, only))
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(ListUsersResponse {
        users: Some(users),
        pagination_token: next,
    })
}

async fn admin_update_user_attributes(
    service: &Service,
    input: AdminUpdateUserAttributesRequest,
) -> DomainResult<Value> {
    service
        .admin_update_user_attributes(
            &input.user_pool_id,
            input.username.expose(),
            &attribute_pairs(Some(input.user_attributes)),
        )
        .await?;
    Ok(json!({}))
}

async fn admin_delete_user_attributes(
    service: &Service,
    input: AdminDeleteUserAttributesRequest,
) -> DomainResult<Value> {
    service
        .admin_delete_user_attributes(
            &input.user_pool_id,
            input.username.expose(),
            &input.user_attribute_names,
        )
        .await?;
    Ok(json!({}))
}

async fn admin_disable_user(
    service: &Service,
    input: AdminDisableUserRequest,
) -> DomainResult<Value> {
    service
        .admin_set_user_enabled(&input.user_pool_id, input.username.expose(), false)
        .await?;
    Ok(json!({}))
}

async fn admin_enable_user(
    service: &Service,
    input: AdminEnableUserRequest,
) -> DomainResult<Value> {
    service
        .admin_set_user_enabled(&input.user_pool_id, input.username.expose(), true)
        .await?;
    Ok(json!({}))
}

async fn admin_set_user_password(
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

// ----- sign-in -------------------------------------------------------------------

fn outcome_json(outcome: AuthOutcome) -> Value {
    match outcome {
        AuthOutcome::Challenge {
            name,
            session,
            parameters,
        } => json!({
            "ChallengeName": name,
            "Session": session,
            "ChallengeParameters": parameters,
        }),
        AuthOutcome::Tokens(tokens) => json!({
            "ChallengeParameters": {},
            "AuthenticationResult": {
                "AccessToken": tokens.access_token,
                "ExpiresIn": tokens.expires_in,
                "TokenType": "Bearer",
                "RefreshToken": tokens.refresh_token,
                "IdToken": tokens.id_token,
            }
        }),
    }
}

fn parameters(map: Option<Sensitive<BTreeMap<String, String>>>) -> BTreeMap<String, String> {
    map.map(Sensitive::into_inner).unwrap_or_default()
}

async fn initiate_auth(
    service: &Service,
    input: InitiateAuthRequest,
) -> DomainResult<InitiateAuthResponse> {
    let outcome = service
        .initiate_auth(
            Caller::Client,
            input.client_id.expose(),
            input.auth_flow.as_str(),
            &parameters(input.auth_parameters),
        )
        .await?;
    typed(outcome_json(outcome))
}

async fn admin_initiate_auth(
    service: &Service,
    input: AdminInitiateAuthRequest,
) -> DomainResult<AdminInitiateAuthResponse> {
    let outcome = service
        .initiate_auth(
            Caller::Admin(&input.user_pool_id),
            input.client_id.expose(),
            input.auth_flow.as_str(),
            &parameters(input.auth_parameters),
        )
        .await?;
    typed(outcome_json(outcome))
}

async fn respond_to_auth_challenge(
    service: &Service,
    input: RespondToAuthChallengeRequest,
) -> DomainResult<RespondToAuthChallengeResponse> {
    let outcome = service
        .respond_to_auth_challenge(
            Caller::Client,
            input.client_id.expose(),
            input.challenge_name.as_str(),
            input.session.as_ref().map(|s| s.expose().as_str()),
            &parameters(input.challenge_responses),
        )
        .await?;
    typed(outcome_json(outcome))
}

async fn admin_respond_to_auth_challenge(
    service: &Service,
    input: AdminRespondToAuthChallengeRequest,
) -> DomainResult<AdminRespondToAuthChallengeResponse> {
    let outcome = service
        .respond_to_auth_challenge(
            Caller::Admin(&input.user_pool_id),
            input.client_id.expose(),
            input.challenge_name.as_str(),
            input.session.as_ref().map(|s| s.expose().as_str()),
            &parameters(input.challenge_responses),
        )
        .await?;
    typed(outcome_json(outcome))
}

// ----- access-token operations ------------------------------------------------------

async fn get_user(service: &Service, input: GetUserRequest) -> DomainResult<GetUserResponse> {
    let user = service.get_user(input.access_token.expose()).await?;
    typed(json!({
        "Username": user.username,
        "UserAttributes": attribute_list(&user, None),
    }))
}

async fn change_password(service: &Service, input: ChangePasswordRequest) -> DomainResult<Value> {
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
    Ok(json!({}))
}

async fn update_user_attributes(
    service: &Service,
    input: UpdateUserAttributesRequest,
) -> DomainResult<UpdateUserAttributesResponse> {
    service
        .update_user_attributes(
            input.access_token.expose(),
            &attribute_pairs(Some(input.user_attributes)),
        )
        .await?;
    typed(json!({ "CodeDeliveryDetailsList": [] }))
}

async fn delete_user(service: &Service, input: DeleteUserRequest) -> DomainResult<Value> {
    service.delete_user(input.access_token.expose()).await?;
    Ok(json!({}))
}

async fn global_sign_out(service: &Service, input: GlobalSignOutRequest) -> DomainResult<Value> {
    service.global_sign_out(input.access_token.expose()).await?;
    Ok(json!({}))
}

async fn admin_user_global_sign_out(
    service: &Service,
    input: AdminUserGlobalSignOutRequest,
) -> DomainResult<Value> {
    service
        .admin_user_global_sign_out(&input.user_pool_id, input.username.expose())
        .await?;
    Ok(json!({}))
}

async fn revoke_token(service: &Service, input: RevokeTokenRequest) -> DomainResult<Value> {
    service
        .revoke_token(
            input.token.expose(),
            input.client_id.expose(),
            input.client_secret.as_ref().map(|s| s.expose().as_str()),
        )
        .await?;
    Ok(json!({}))
}
