//! User pools: CreateUserPool, DescribeUserPool, ListUserPools,
//! UpdateUserPool, DeleteUserPool, AddCustomAttributes.

use serde_json::{Map, Value};
use userpools_domain::model::{AttributeDataType, PoolTier, SchemaAttribute, UserPool};
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::service::{PoolSettings, Service};
use userpools_domain::{DomainError, DomainResult};
use userpools_wire::types::{
    AddCustomAttributesRequest, AddCustomAttributesResponse, AdvancedSecurityModeType,
    CreateUserPoolRequest, CreateUserPoolResponse, DeleteUserPoolRequest, DeletionProtectionType,
    DescribeUserPoolRequest, DescribeUserPoolResponse, DeviceConfigurationType, LambdaConfigType,
    ListUserPoolsRequest, ListUserPoolsResponse, NumberAttributeConstraintsType,
    PasswordPolicyType, SchemaAttributeType, StringAttributeConstraintsType, UpdateUserPoolRequest,
    UpdateUserPoolResponse, UserAttributeUpdateSettingsType, UserPoolAddOnsType,
    UserPoolDescriptionType, UserPoolMfaType, UserPoolPolicyType, UserPoolType,
    UsernameConfigurationType,
};

use super::convert::{FromWire, ToWire};
use super::{int, limit, seconds, NoOutput};

// ----- inputs ------------------------------------------------------------------

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
            Some(schema_attribute(a, full_name))
        })
        .collect()
}

/// One schema attribute of the wire, named `name` in the pool.
fn schema_attribute(a: &SchemaAttributeType, name: String) -> SchemaAttribute {
    SchemaAttribute {
        name,
        data_type: a
            .attribute_data_type
            .map(AttributeDataType::from_wire)
            .unwrap_or_default(),
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
    }
}

fn enum_strings<T: std::fmt::Display>(values: Option<&Vec<T>>) -> Vec<String> {
    values.into_iter().flatten().map(T::to_string).collect()
}

/// Refuses pool settings that userpools would store but not honour yet (a setting that is
/// accepted must be honoured): multi-factor authentication, Lambda triggers, threat protection,
/// remembered devices and verification before an attribute update.
fn refuse_unhonoured_settings(
    mfa: Option<UserPoolMfaType>,
    lambda: Option<&LambdaConfigType>,
    add_ons: Option<&UserPoolAddOnsType>,
    devices: Option<&DeviceConfigurationType>,
    attribute_update: Option<&UserAttributeUpdateSettingsType>,
) -> DomainResult<()> {
    let refuse = |message: &str| Err(DomainError::InvalidParameter(message.into()));
    if matches!(mfa, Some(UserPoolMfaType::On | UserPoolMfaType::Optional)) {
        return refuse(
            "MfaConfiguration ON and OPTIONAL are not supported yet: userpools does not \
             implement multi-factor authentication. Use OFF.",
        );
    }
    if lambda.is_some_and(|l| *l != LambdaConfigType::default()) {
        return refuse(
            "LambdaConfig is not supported yet: userpools does not invoke Lambda triggers.",
        );
    }
    if add_ons.is_some_and(|a| a.advanced_security_mode != AdvancedSecurityModeType::Off) {
        return refuse(
            "UserPoolAddOns AdvancedSecurityMode AUDIT and ENFORCED are not supported: \
             userpools has no threat protection. Use OFF.",
        );
    }
    if devices.is_some_and(|d| {
        d.challenge_required_on_new_device.is_some()
            || d.device_only_remembered_on_user_prompt.is_some()
    }) {
        return refuse(
            "DeviceConfiguration is not supported yet: userpools does not remember devices.",
        );
    }
    if attribute_update.is_some_and(|u| {
        u.attributes_require_verification_before_update
            .as_ref()
            .is_some_and(|a| !a.is_empty())
    }) {
        return refuse(
            "UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate is not \
             supported yet: userpools does not verify an attribute before updating it.",
        );
    }
    Ok(())
}

/// The pool settings that CreateUserPool and UpdateUserPool share (same
/// member names and types in both inputs), and the members the domain only
/// stores and DescribeUserPool echoes, kept as a `UserPoolType` document.
macro_rules! shared_pool_settings {
    ($input:expr) => {{
        let input = $input;
        refuse_unhonoured_settings(
            input.mfa_configuration,
            input.lambda_config.as_ref(),
            input.user_pool_add_ons.as_ref(),
            input.device_configuration.as_ref(),
            input.user_attribute_update_settings.as_ref(),
        )?;
        let admin = input.admin_create_user_config.as_ref();
        let echoed = UserPoolType {
            account_recovery_setting: input.account_recovery_setting.clone(),
            acr_configuration: input.acr_configuration.clone(),
            admin_create_user_config: input.admin_create_user_config.clone(),
            dcr_configuration: input.dcr_configuration.clone(),
            device_configuration: input.device_configuration.clone(),
            email_configuration: input.email_configuration.clone(),
            email_verification_message: input.email_verification_message.clone(),
            email_verification_subject: input.email_verification_subject.clone(),
            issuer_configuration: input.issuer_configuration.clone(),
            key_configuration: input.key_configuration.clone(),
            lambda_config: input.lambda_config.clone(),
            mfa_configuration: input.mfa_configuration,
            policies: input.policies.clone(),
            sms_authentication_message: input.sms_authentication_message.clone(),
            sms_configuration: input.sms_configuration.clone(),
            sms_verification_message: input.sms_verification_message.clone(),
            user_attribute_update_settings: input.user_attribute_update_settings.clone(),
            user_pool_add_ons: input.user_pool_add_ons.clone(),
            user_pool_tags: input.user_pool_tags.clone(),
            verification_message_template: input.verification_message_template.clone(),
            ..UserPoolType::default()
        };
        PoolSettings {
            policy: password_policy(input.policies.as_ref()),
            allow_admin_create_user_only: admin
                .and_then(|a| a.allow_admin_create_user_only)
                .unwrap_or(false),
            unused_account_validity_days: admin
                .and_then(|a| a.unused_account_validity_days)
                .map(|d| d.max(0) as u32),
            tier: input.user_pool_tier.map(PoolTier::from_wire),
            deletion_protection: input.deletion_protection == Some(DeletionProtectionType::Active),
            auto_verified_attributes: enum_strings(input.auto_verified_attributes.as_ref()),
            extra: document(&echoed)?,
            ..PoolSettings::default()
        }
    }};
}

/// A generated structure as the JSON document the domain stores.
pub(super) fn document<T: serde::Serialize>(value: &T) -> DomainResult<Map<String, Value>> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(DomainError::Internal(
            "stored settings: not an object".into(),
        )),
    }
}

/// A stored JSON document read back as the generated structure it was built from.
pub(super) fn from_document<T: serde::de::DeserializeOwned>(
    map: &Map<String, Value>,
) -> DomainResult<T> {
    serde_json::from_value(Value::Object(map.clone()))
        .map_err(|e| DomainError::Internal(format!("stored settings: {e}")))
}

// ----- outputs -----------------------------------------------------------------

fn schema_type(attribute: &SchemaAttribute) -> SchemaAttributeType {
    let mut out = SchemaAttributeType {
        name: Some(attribute.name.clone()),
        attribute_data_type: Some(attribute.data_type.to_wire()),
        developer_only_attribute: Some(attribute.developer_only),
        mutable: Some(attribute.mutable),
        required: Some(attribute.required),
        ..SchemaAttributeType::default()
    };
    let strings = |min: Option<String>, max: Option<String>| StringAttributeConstraintsType {
        min_length: min,
        max_length: max,
    };
    match (
        attribute.data_type,
        &attribute.string_constraints,
        &attribute.number_constraints,
    ) {
        (_, Some((min, max)), _) => {
            out.string_attribute_constraints = Some(strings(min.clone(), max.clone()));
        }
        (_, _, Some((min, max))) => {
            out.number_attribute_constraints = Some(NumberAttributeConstraintsType {
                min_value: min.clone(),
                max_value: max.clone(),
            });
        }
        (AttributeDataType::String, None, None) => {
            let (min, max) = match attribute.name.as_str() {
                "sub" => ("1", "2048"),
                "birthdate" => ("10", "10"),
                _ => ("0", "2048"),
            };
            out.string_attribute_constraints = Some(strings(Some(min.into()), Some(max.into())));
        }
        (AttributeDataType::Number, None, None) => {
            out.number_attribute_constraints = Some(NumberAttributeConstraintsType {
                min_value: Some("0".into()),
                max_value: None,
            });
        }
        _ => {}
    }
    out
}

fn password_policy_type(policy: &PasswordPolicy) -> PasswordPolicyType {
    PasswordPolicyType {
        minimum_length: Some(int(policy.minimum_length)),
        require_uppercase: Some(policy.require_uppercase),
        require_lowercase: Some(policy.require_lowercase),
        require_numbers: Some(policy.require_numbers),
        require_symbols: Some(policy.require_symbols),
        temporary_password_validity_days: Some(int(policy.temporary_password_validity_days)),
        password_history_size: (policy.password_history_size > 0)
            .then(|| int(policy.password_history_size)),
    }
}

/// Parses stored attribute names back into a wire enum list (None when empty).
fn enum_list<T: std::str::FromStr>(names: &[String]) -> Option<Vec<T>> {
    (!names.is_empty()).then(|| names.iter().filter_map(|n| n.parse().ok()).collect())
}

/// A pool as DescribeUserPool shows it: the stored echo document with what
/// the domain owns written over it.
fn pool_type(service: &Service, pool: &UserPool) -> DomainResult<UserPoolType> {
    let mut out: UserPoolType = from_document(&pool.extra)?;
    let mut policies = out.policies.take().unwrap_or_default();
    policies.password_policy = Some(password_policy_type(&pool.policy));
    let mut admin_create_user = out.admin_create_user_config.take().unwrap_or_default();
    admin_create_user.allow_admin_create_user_only = Some(pool.allow_admin_create_user_only);
    if let Some(days) = pool.unused_account_validity_days {
        admin_create_user.unused_account_validity_days = Some(int(days));
    }
    Ok(UserPoolType {
        id: Some(pool.id.clone()),
        name: Some(pool.name.clone()),
        arn: Some(pool.arn(service.region(), service.account_id())),
        creation_date: Some(seconds(pool.created_ms)),
        last_modified_date: Some(seconds(pool.modified_ms)),
        policies: Some(policies),
        admin_create_user_config: Some(admin_create_user),
        schema_attributes: Some(pool.full_schema().iter().map(schema_type).collect()),
        username_configuration: Some(UsernameConfigurationType {
            case_sensitive: pool.case_sensitive,
        }),
        user_pool_tier: Some(pool.tier.to_wire()),
        deletion_protection: Some(if pool.deletion_protection {
            DeletionProtectionType::Active
        } else {
            DeletionProtectionType::Inactive
        }),
        alias_attributes: enum_list(&pool.alias_attributes).or(out.alias_attributes),
        username_attributes: enum_list(&pool.username_attributes).or(out.username_attributes),
        auto_verified_attributes: enum_list(&pool.auto_verified_attributes)
            .or(out.auto_verified_attributes),
        mfa_configuration: out.mfa_configuration.or(Some(UserPoolMfaType::Off)),
        lambda_config: out
            .lambda_config
            .or_else(|| Some(LambdaConfigType::default())),
        ..out
    })
}

// ----- handlers ----------------------------------------------------------------

pub(super) async fn create_user_pool(
    service: &Service,
    input: CreateUserPoolRequest,
) -> DomainResult<CreateUserPoolResponse> {
    let settings = PoolSettings {
        name: input.pool_name.clone(),
        alias_attributes: enum_strings(input.alias_attributes.as_ref()),
        username_attributes: enum_strings(input.username_attributes.as_ref()),
        case_sensitive: input
            .username_configuration
            .as_ref()
            .map(|c| c.case_sensitive),
        schema: schema_attributes(input.schema.as_ref()),
        ..shared_pool_settings!(&input)
    };
    let pool = service.create_pool(settings).await?;
    Ok(CreateUserPoolResponse {
        user_pool: Some(UserPoolType {
            estimated_number_of_users: Some(0),
            ..pool_type(service, &pool)?
        }),
    })
}

pub(super) async fn describe_user_pool(
    service: &Service,
    input: DescribeUserPoolRequest,
) -> DomainResult<DescribeUserPoolResponse> {
    let pool = service.describe_pool(&input.user_pool_id).await?;
    let users = service.count_users(&pool.id).await?;
    Ok(DescribeUserPoolResponse {
        user_pool: Some(UserPoolType {
            estimated_number_of_users: Some(i32::try_from(users).unwrap_or(i32::MAX)),
            ..pool_type(service, &pool)?
        }),
    })
}

pub(super) async fn list_user_pools(
    service: &Service,
    input: ListUserPoolsRequest,
) -> DomainResult<ListUserPoolsResponse> {
    let (pools, next) = service
        .list_pools(
            limit(Some(input.max_results), 60),
            input.next_token.as_deref(),
        )
        .await?;
    let descriptions = pools
        .iter()
        .map(|p| {
            let echoed: UserPoolType = from_document(&p.extra)?;
            Ok(UserPoolDescriptionType {
                id: Some(p.id.clone()),
                name: Some(p.name.clone()),
                lambda_config: Some(echoed.lambda_config.unwrap_or_default()),
                creation_date: Some(seconds(p.created_ms)),
                last_modified_date: Some(seconds(p.modified_ms)),
                ..UserPoolDescriptionType::default()
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(ListUserPoolsResponse {
        user_pools: Some(descriptions),
        next_token: next,
    })
}

pub(super) async fn update_user_pool(
    service: &Service,
    input: UpdateUserPoolRequest,
) -> DomainResult<UpdateUserPoolResponse> {
    let settings = PoolSettings {
        name: input.pool_name.clone().unwrap_or_default(),
        ..shared_pool_settings!(&input)
    };
    service.update_pool(&input.user_pool_id, settings).await?;
    Ok(UpdateUserPoolResponse::default())
}

pub(super) async fn delete_user_pool(
    service: &Service,
    input: DeleteUserPoolRequest,
) -> DomainResult<NoOutput> {
    service.delete_pool(&input.user_pool_id).await?;
    Ok(NoOutput {})
}

pub(super) async fn add_custom_attributes(
    service: &Service,
    input: AddCustomAttributesRequest,
) -> DomainResult<AddCustomAttributesResponse> {
    let attributes = input
        .custom_attributes
        .iter()
        .map(|a| match &a.name {
            Some(name) => Ok(schema_attribute(a, format!("custom:{name}"))),
            None => Err(DomainError::InvalidParameter(
                "A custom attribute needs a Name.".into(),
            )),
        })
        .collect::<DomainResult<Vec<_>>>()?;
    service
        .add_custom_attributes(&input.user_pool_id, &attributes)
        .await?;
    Ok(AddCustomAttributesResponse::default())
}
