//! Settings builders, outcome and error helpers, and small conversions.

use std::collections::BTreeMap;

use userpools_domain::auth::AuthFlow;
use userpools_domain::auth::{AuthOutcome, AuthTokens};
use userpools_domain::model::{
    AttributeDataType, ExplicitAuthFlow, SchemaAttribute, TokenValidityUnits,
};
use userpools_domain::policy::PasswordPolicy;
use userpools_domain::service::{ClientSettings, PoolSettings};
use userpools_domain::{DomainError, DomainResult};

use super::ALL_FLOWS;

// ----- settings builders ------------------------------------------------------------

/// Pool settings with only a name.
pub fn pool_settings() -> PoolSettings {
    PoolSettings {
        name: "test-pool".into(),
        ..Default::default()
    }
}

/// Pool settings in `tier` (`LITE`, `ESSENTIALS`, `PLUS`) with `policy`.
pub fn tier_settings(tier: &str, policy: Option<PasswordPolicy>) -> PoolSettings {
    PoolSettings {
        tier: Some(wire(tier)),
        policy,
        ..pool_settings()
    }
}

/// Client settings with the explicit auth flows `flows`.
pub fn client_settings(flows: &[&str]) -> ClientSettings {
    ClientSettings {
        name: "test-client".into(),
        explicit_auth_flows: Some(auth_flows(flows)),
        ..Default::default()
    }
}

/// Client settings (every flow) with token validities as (value, unit).
pub fn validity_settings(
    access: (u64, &str),
    id: (u64, &str),
    refresh: (u64, &str),
) -> ClientSettings {
    ClientSettings {
        access_token_validity: Some(access.0),
        id_token_validity: Some(id.0),
        refresh_token_validity: Some(refresh.0),
        units: TokenValidityUnits {
            access_token: Some(wire(access.1)),
            id_token: Some(wire(id.1)),
            refresh_token: Some(wire(refresh.1)),
        },
        ..client_settings(ALL_FLOWS)
    }
}

/// A policy with no character classes and the given minimum length.
pub fn relaxed_policy(minimum_length: u32) -> PasswordPolicy {
    PasswordPolicy {
        minimum_length,
        require_uppercase: false,
        require_lowercase: false,
        require_numbers: false,
        require_symbols: false,
        password_history_size: 0,
        temporary_password_validity_days: 7,
    }
}

/// The default policy with a password history of `size`.
pub fn history_policy(size: u32) -> PasswordPolicy {
    PasswordPolicy {
        password_history_size: size,
        ..PasswordPolicy::default()
    }
}

/// A required, mutable String attribute `name` (standard or `custom:`).
pub fn required_attribute(name: &str) -> SchemaAttribute {
    SchemaAttribute {
        name: name.into(),
        data_type: AttributeDataType::String,
        developer_only: false,
        mutable: true,
        required: true,
        string_constraints: None,
        number_constraints: None,
    }
}

// ----- outcomes and errors ------------------------------------------------------------

/// The tokens of an outcome that must be tokens.
pub fn tokens_of(outcome: AuthOutcome) -> AuthTokens {
    match outcome {
        AuthOutcome::Tokens(tokens) => tokens,
        AuthOutcome::Challenge { name, .. } => panic!("expected tokens, got challenge {name:?}"),
    }
}

/// Session and parameters of an outcome that must be the challenge `expected`.
pub fn challenge_of(
    outcome: AuthOutcome,
    expected: &str,
) -> (Option<String>, BTreeMap<String, String>) {
    match outcome {
        AuthOutcome::Challenge {
            name,
            session,
            parameters,
        } => {
            assert_eq!(name.as_str(), expected, "challenge name");
            (session, parameters)
        }
        AuthOutcome::Tokens(_) => panic!("expected challenge {expected}, got tokens"),
    }
}

/// The error of a result that must fail.
pub fn error_of<T>(result: DomainResult<T>) -> DomainError {
    match result {
        Ok(_) => panic!("expected an error, the call succeeded"),
        Err(e) => e,
    }
}

/// `NotAuthorizedException` with `message`.
pub fn not_authorized(message: &str) -> DomainError {
    DomainError::NotAuthorized(message.into())
}

/// `InvalidParameterException` with `message`.
pub fn invalid_parameter(message: &str) -> DomainError {
    DomainError::InvalidParameter(message.into())
}

/// `InvalidPasswordException` with the admin prefix and `rule`.
pub fn policy_violation(rule: &str) -> DomainError {
    DomainError::InvalidPassword(format!("Password does not conform to policy: {rule}"))
}

/// The validation error of a password with whitespace at an edge, for `member`.
pub fn edge_whitespace(member: &str) -> DomainError {
    invalid_parameter(&format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
         Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
    ))
}

/// `Missing required parameter <name>`.
pub fn missing(name: &str) -> DomainError {
    invalid_parameter(&format!("Missing required parameter {name}"))
}

/// `UserNotFoundException: User does not exist.`
pub fn user_not_found() -> DomainError {
    DomainError::UserNotFound("User does not exist.".into())
}

// ----- small conversions --------------------------------------------------------------

/// Owned strings.
pub fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// Owned (name, value) pairs.
pub fn pairs(values: &[(&str, &str)]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// A parameter map.
pub fn map(values: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs(values).into_iter().collect()
}

// ----- wire names ---------------------------------------------------------------------

/// A domain enum from its wire spelling (the tests speak the wire's names).
pub fn wire<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(serde_json::Value::String(name.into()))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The auth flow named `name` on the wire.
pub fn auth_flow(name: &str) -> AuthFlow {
    const ALL: [AuthFlow; 8] = [
        AuthFlow::UserSrpAuth,
        AuthFlow::RefreshTokenAuth,
        AuthFlow::RefreshToken,
        AuthFlow::CustomAuth,
        AuthFlow::AdminNoSrpAuth,
        AuthFlow::UserPasswordAuth,
        AuthFlow::AdminUserPasswordAuth,
        AuthFlow::UserAuth,
    ];
    ALL.into_iter()
        .find(|flow| flow.as_str() == name)
        .unwrap_or_else(|| panic!("unknown auth flow {name}"))
}

/// Explicit auth flows named on the wire.
pub fn auth_flows(names: &[&str]) -> Vec<ExplicitAuthFlow> {
    names.iter().map(|name| wire(name)).collect()
}
