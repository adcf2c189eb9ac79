//! The domain's records: user pools, app clients and users, as they are
//! stored (serialised to JSON documents by the service).

use serde::{Deserialize, Serialize};

use crate::policy::PasswordPolicy;

/// A user's account status (`UserStatusType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// Signed up, not confirmed yet.
    Unconfirmed,
    /// Normal.
    Confirmed,
    /// Holds a temporary password; the next sign-in must set a new one.
    ForceChangePassword,
    /// Must reset the password (AdminResetUserPassword, import).
    ResetRequired,
    /// Created by a federated sign-in; no password.
    ExternalProvider,
    /// Legacy value, no longer used.
    Archived,
    /// Legacy value, no longer used.
    Compromised,
    /// Legacy value, no longer used.
    Unknown,
}

impl UserStatus {
    /// The wire spelling (`FORCE_CHANGE_PASSWORD`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unconfirmed => "UNCONFIRMED",
            Self::Confirmed => "CONFIRMED",
            Self::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            Self::ResetRequired => "RESET_REQUIRED",
            Self::ExternalProvider => "EXTERNAL_PROVIDER",
            Self::Archived => "ARCHIVED",
            Self::Compromised => "COMPROMISED",
            Self::Unknown => "UNKNOWN",
        }
    }
}

/// UserPoolTier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PoolTier {
    /// LITE.
    Lite,
    /// ESSENTIALS (the default).
    #[default]
    Essentials,
    /// PLUS.
    Plus,
}

/// The data type of a schema attribute (`AttributeDataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AttributeDataType {
    /// `String` (the default).
    #[default]
    String,
    /// `Number`.
    Number,
    /// `DateTime`.
    DateTime,
    /// `Boolean`.
    Boolean,
}

/// One of an app client's ExplicitAuthFlows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExplicitAuthFlow {
    /// Legacy ADMIN_NO_SRP_AUTH.
    AdminNoSrpAuth,
    /// Legacy CUSTOM_AUTH_FLOW_ONLY.
    CustomAuthFlowOnly,
    /// Legacy USER_PASSWORD_AUTH.
    UserPasswordAuth,
    /// ALLOW_ADMIN_USER_PASSWORD_AUTH.
    AllowAdminUserPasswordAuth,
    /// ALLOW_CUSTOM_AUTH.
    AllowCustomAuth,
    /// ALLOW_USER_PASSWORD_AUTH.
    AllowUserPasswordAuth,
    /// ALLOW_USER_SRP_AUTH.
    AllowUserSrpAuth,
    /// ALLOW_REFRESH_TOKEN_AUTH.
    AllowRefreshTokenAuth,
    /// ALLOW_USER_AUTH.
    AllowUserAuth,
    /// ALLOW_TOKEN_EXCHANGE_DELEGATION.
    AllowTokenExchangeDelegation,
    /// ALLOW_TOKEN_EXCHANGE_IMPERSONATION.
    AllowTokenExchangeImpersonation,
}

impl ExplicitAuthFlow {
    /// The flows of a client created without ExplicitAuthFlows.
    pub const DEFAULTS: [Self; 3] = [
        Self::AllowRefreshTokenAuth,
        Self::AllowUserSrpAuth,
        Self::AllowCustomAuth,
    ];

    /// A legacy value (no `ALLOW_` prefix), which cannot be mixed with `ALLOW_*` ones.
    pub fn is_legacy(self) -> bool {
        matches!(
            self,
            Self::AdminNoSrpAuth | Self::CustomAuthFlowOnly | Self::UserPasswordAuth
        )
    }
}

/// PreventUserExistenceErrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PreventUserExistenceErrors {
    /// Unknown users are reported as such (the default).
    #[default]
    Legacy,
    /// Unknown users look like wrong passwords.
    Enabled,
}

/// The unit of a token validity (`TimeUnitsType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    /// seconds.
    Seconds,
    /// minutes.
    Minutes,
    /// hours.
    Hours,
    /// days.
    Days,
}

impl TimeUnit {
    /// `value` of this unit in seconds.
    pub fn to_seconds(self, value: u64) -> u64 {
        value
            * match self {
                Self::Seconds => 1,
                Self::Minutes => 60,
                Self::Hours => 3600,
                Self::Days => 86_400,
            }
    }
}

/// TokenValidityUnits: the unit of each token's validity, when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenValidityUnits {
    /// AccessToken (None: hours).
    pub access_token: Option<TimeUnit>,
    /// IdToken (None: hours).
    pub id_token: Option<TimeUnit>,
    /// RefreshToken (None: days).
    pub refresh_token: Option<TimeUnit>,
}

/// An app client's secret in the clear; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a secret.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself, for the one place that sends it or hashes with it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientSecret(*** redacted ***)")
    }
}

/// The secret CreateUserPoolClient asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewClientSecret {
    /// GenerateSecret: a random one.
    Generate,
    /// ClientSecret: this one.
    Given(ClientSecret),
}

/// One attribute of a pool's schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaAttribute {
    /// `email`, `custom:tenant`, …
    pub name: String,
    /// `String`, `Number`, `DateTime` or `Boolean`.
    pub data_type: AttributeDataType,
    /// Only readable with developer credentials.
    pub developer_only: bool,
    /// Can be changed after creation.
    pub mutable: bool,
    /// Must be given at sign-up / creation.
    pub required: bool,
    /// `{MinLength, MaxLength}` as given (strings are kept as on the wire).
    pub string_constraints: Option<(Option<String>, Option<String>)>,
    /// `{MinValue, MaxValue}` as given.
    pub number_constraints: Option<(Option<String>, Option<String>)>,
}

/// The standard attributes every pool has: (name, data type, mutable).
pub const STANDARD_ATTRIBUTES: &[(&str, AttributeDataType, bool)] = &[
    ("sub", AttributeDataType::String, false),
    ("name", AttributeDataType::String, true),
    ("given_name", AttributeDataType::String, true),
    ("family_name", AttributeDataType::String, true),
    ("middle_name", AttributeDataType::String, true),
    ("nickname", AttributeDataType::String, true),
    ("preferred_username", AttributeDataType::String, true),
    ("profile", AttributeDataType::String, true),
    ("picture", AttributeDataType::String, true),
    ("website", AttributeDataType::String, true),
    ("email", AttributeDataType::String, true),
    ("email_verified", AttributeDataType::Boolean, true),
    ("gender", AttributeDataType::String, true),
    ("birthdate", AttributeDataType::String, true),
    ("zoneinfo", AttributeDataType::String, true),
    ("locale", AttributeDataType::String, true),
    ("phone_number", AttributeDataType::String, true),
    ("phone_number_verified", AttributeDataType::Boolean, true),
    ("address", AttributeDataType::String, true),
    ("updated_at", AttributeDataType::Number, true),
    ("identities", AttributeDataType::String, true),
];

/// Is `name` a standard attribute?
pub fn is_standard_attribute(name: &str) -> bool {
    STANDARD_ATTRIBUTES.iter().any(|(n, _, _)| *n == name)
}

/// A user pool's settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserPool {
    /// `us-east-1_AbC123xyz`.
    pub id: String,
    /// PoolName.
    pub name: String,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification, epoch milliseconds.
    pub modified_ms: i64,
    /// Password policy.
    pub policy: PasswordPolicy,
    /// AliasAttributes (`email`, `phone_number`, `preferred_username`).
    pub alias_attributes: Vec<String>,
    /// UsernameAttributes (`email`, `phone_number`).
    pub username_attributes: Vec<String>,
    /// UsernameConfiguration.CaseSensitive.
    pub case_sensitive: bool,
    /// Attributes declared in addition to or overriding the standard ones.
    pub schema: Vec<SchemaAttribute>,
    /// AdminCreateUserConfig.AllowAdminCreateUserOnly.
    pub allow_admin_create_user_only: bool,
    /// AdminCreateUserConfig.UnusedAccountValidityDays (legacy), if given.
    pub unused_account_validity_days: Option<u32>,
    /// UserPoolTier.
    pub tier: PoolTier,
    /// DeletionProtection ACTIVE.
    pub deletion_protection: bool,
    /// AutoVerifiedAttributes.
    pub auto_verified_attributes: Vec<String>,
    /// Every other CreateUserPool/UpdateUserPool member, kept as given and echoed by DescribeUserPool.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl UserPool {
    /// The pool's ARN.
    pub fn arn(&self, region: &str, account_id: &str) -> String {
        format!(
            "arn:aws:cognito-idp:{region}:{account_id}:userpool/{}",
            self.id
        )
    }

    /// A username or alias value as a lookup key: Unicode NFC (composed and decomposed
    /// spellings are one name), case-folded unless the pool is case sensitive.
    pub fn normalise(&self, value: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        if value.is_ascii() {
            // ASCII is already NFC and folds to ASCII (the common case, no Unicode pass).
            return if self.case_sensitive {
                value.to_owned()
            } else {
                value.to_ascii_lowercase()
            };
        }
        let composed: String = value.nfc().collect();
        if self.case_sensitive {
            composed
        } else {
            // Folding may decompose: compose again.
            composed.to_lowercase().nfc().collect()
        }
    }

    /// The schema attribute of this name (declared or standard).
    pub fn attribute(&self, name: &str) -> Option<SchemaAttribute> {
        if let Some(declared) = self.schema.iter().find(|a| a.name == name) {
            return Some(declared.clone());
        }
        STANDARD_ATTRIBUTES
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(n, t, mutable)| SchemaAttribute {
                name: (*n).to_owned(),
                data_type: *t,
                developer_only: false,
                mutable: *mutable,
                required: *n == "sub",
                string_constraints: None,
                number_constraints: None,
            })
    }

    /// The full schema as DescribeUserPool shows it: standard attributes (with
    /// declared overrides) followed by custom ones.
    pub fn full_schema(&self) -> Vec<SchemaAttribute> {
        let mut all: Vec<SchemaAttribute> = STANDARD_ATTRIBUTES
            .iter()
            .filter_map(|(n, _, _)| self.attribute(n))
            .collect();
        all.extend(
            self.schema
                .iter()
                .filter(|a| !is_standard_attribute(&a.name))
                .cloned(),
        );
        all
    }

    /// Does the pool use `attribute` as an alias (AliasAttributes)?
    pub fn has_alias(&self, attribute: &str) -> bool {
        self.alias_attributes.iter().any(|a| a == attribute)
    }

    /// Does the pool use `attribute` as the sign-in name (UsernameAttributes)?
    pub fn has_username_attribute(&self, attribute: &str) -> bool {
        self.username_attributes.iter().any(|a| a == attribute)
    }
}

/// An app client.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppClient {
    /// Owning pool.
    pub pool_id: String,
    /// 26 lowercase alphanumerics.
    pub client_id: String,
    /// ClientName.
    pub name: String,
    /// Client secret, sealed under the master key (bound to the client id).
    pub sealed_secret: Option<String>,
    /// ExplicitAuthFlows as given (defaults applied at creation).
    pub explicit_auth_flows: Vec<ExplicitAuthFlow>,
    /// PreventUserExistenceErrors.
    pub prevent_user_existence_errors: PreventUserExistenceErrors,
    /// EnableTokenRevocation.
    pub enable_token_revocation: bool,
    /// AuthSessionValidity in minutes (3–15).
    pub auth_session_validity_minutes: u32,
    /// Access-token validity in seconds.
    pub access_token_validity_secs: u64,
    /// ID-token validity in seconds.
    pub id_token_validity_secs: u64,
    /// Refresh-token validity in seconds.
    pub refresh_token_validity_secs: u64,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification, epoch milliseconds.
    pub modified_ms: i64,
    /// Every other member as given (token validity values and units, OAuth settings, …).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl AppClient {
    /// The client's ReadAttributes or WriteAttributes (`key`), when it restricts them.
    pub fn attribute_permissions(&self, key: &str) -> Option<Vec<String>> {
        let names: Vec<String> = self
            .extra
            .get(key)?
            .as_array()?
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        (!names.is_empty()).then_some(names)
    }
}

/// A user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// The immutable internal username.
    pub username: String,
    /// Attributes in order, `sub` first; values are strings.
    pub attributes: Vec<(String, String)>,
    /// Account status.
    pub status: UserStatus,
    /// AdminDisableUser clears this.
    pub enabled: bool,
    /// Creation time, epoch milliseconds.
    pub created_ms: i64,
    /// Last modification, epoch milliseconds.
    pub modified_ms: i64,
    /// Current credential (salt and SRP verifier), sealed; None for users without a password.
    pub credential: Option<String>,
    /// Earlier credentials, newest first, for the password history.
    #[serde(default)]
    pub previous_credentials: Vec<String>,
    /// When the temporary password expires (FORCE_CHANGE_PASSWORD), epoch milliseconds.
    pub temporary_password_expires_ms: Option<i64>,
    /// Consecutive failed sign-ins (reset by a success or after 15 quiet minutes).
    #[serde(default)]
    pub failed_sign_ins: u32,
    /// Time of the last failed sign-in, epoch milliseconds.
    #[serde(default)]
    pub last_failed_sign_in_ms: i64,
    /// Sign-ins are refused until then (`Password attempts exceeded`), epoch milliseconds.
    #[serde(default)]
    pub locked_until_ms: i64,
    /// Live sign-in sessions (one per refresh token); revoking removes them.
    #[serde(default)]
    pub sessions: Vec<SignInSession>,
    /// Times of recent ChangePassword calls (5 per hour), epoch milliseconds.
    #[serde(default)]
    pub password_changes_ms: Vec<i64>,
    /// Outstanding one-time codes (sign-up, password reset, attribute), hashed.
    #[serde(default)]
    pub codes: Vec<crate::codes::PendingCode>,
    /// Times of wrong codes in the last hour, epoch milliseconds.
    #[serde(default)]
    pub code_failures_ms: Vec<i64>,
}

/// One sign-in: the tokens issued from it carry its `origin_jti`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInSession {
    /// `origin_jti` of the tokens.
    pub origin_jti: String,
    /// App client that signed in.
    pub client_id: String,
    /// When the refresh token expires, epoch milliseconds.
    pub expires_ms: i64,
}

impl User {
    /// A new user with only its `sub` attribute, no password and no history.
    pub fn new(username: String, sub: String, status: UserStatus, now_ms: i64) -> Self {
        Self {
            username,
            attributes: vec![("sub".into(), sub)],
            status,
            enabled: true,
            created_ms: now_ms,
            modified_ms: now_ms,
            credential: None,
            previous_credentials: Vec::new(),
            temporary_password_expires_ms: None,
            failed_sign_ins: 0,
            last_failed_sign_in_ms: 0,
            locked_until_ms: 0,
            sessions: Vec::new(),
            password_changes_ms: Vec::new(),
            codes: Vec::new(),
            code_failures_ms: Vec::new(),
        }
    }

    /// The value of an attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Sets (or with `None` removes) an attribute.
    pub fn set_attribute(&mut self, name: &str, value: Option<&str>) {
        match (self.attributes.iter().position(|(n, _)| n == name), value) {
            (Some(i), Some(v)) => self.attributes[i].1 = v.to_owned(),
            (Some(i), None) => {
                self.attributes.remove(i);
            }
            (None, Some(v)) => self.attributes.push((name.to_owned(), v.to_owned())),
            (None, None) => {}
        }
    }

    /// The user's `sub`.
    pub fn sub(&self) -> &str {
        self.attribute("sub").unwrap_or_default()
    }
}

/// MessageAction of AdminCreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageAction {
    /// RESEND: renew the invitation of an existing user.
    Resend,
    /// SUPPRESS: send nothing.
    Suppress,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documents stored before the enums were introduced (strings then) still load,
    /// and serialise back to the same spelling.
    #[test]
    fn documents_stored_with_strings_still_load() {
        let pool = r#"{"id":"us-east-1_abc","name":"p","created_ms":1,"modified_ms":2,
            "policy":{"minimum_length":8,"require_uppercase":true,"require_lowercase":true,
                "require_numbers":true,"require_symbols":true,"password_history_size":0,
                "temporary_password_validity_days":7},
            "alias_attributes":["email"],"username_attributes":[],"case_sensitive":false,
            "schema":[{"name":"custom:n","data_type":"Number","developer_only":false,
                "mutable":true,"required":false,"string_constraints":null,
                "number_constraints":["1","9"]}],
            "allow_admin_create_user_only":false,"unused_account_validity_days":null,
            "tier":"LITE","deletion_protection":true,"auto_verified_attributes":[],
            "extra":{"MfaConfiguration":"OFF"}}"#;
        let pool: UserPool = serde_json::from_str(pool).unwrap();
        assert_eq!(pool.tier, PoolTier::Lite);
        assert_eq!(pool.schema[0].data_type, AttributeDataType::Number);
        let again = serde_json::to_value(&pool).unwrap();
        assert_eq!(again["tier"], "LITE");
        assert_eq!(again["schema"][0]["data_type"], "Number");

        let client = r#"{"pool_id":"us-east-1_abc","client_id":"c","name":"n",
            "sealed_secret":null,
            "explicit_auth_flows":["ALLOW_USER_SRP_AUTH","ALLOW_REFRESH_TOKEN_AUTH","ADMIN_NO_SRP_AUTH"],
            "prevent_user_existence_errors":"ENABLED","enable_token_revocation":true,
            "auth_session_validity_minutes":3,"access_token_validity_secs":3600,
            "id_token_validity_secs":3600,"refresh_token_validity_secs":2592000,
            "created_ms":1,"modified_ms":2,"extra":{}}"#;
        let client: AppClient = serde_json::from_str(client).unwrap();
        assert_eq!(
            client.explicit_auth_flows,
            [
                ExplicitAuthFlow::AllowUserSrpAuth,
                ExplicitAuthFlow::AllowRefreshTokenAuth,
                ExplicitAuthFlow::AdminNoSrpAuth
            ]
        );
        assert_eq!(
            client.prevent_user_existence_errors,
            PreventUserExistenceErrors::Enabled
        );
        let again = serde_json::to_value(&client).unwrap();
        assert_eq!(again["explicit_auth_flows"][2], "ADMIN_NO_SRP_AUTH");
        assert_eq!(again["prevent_user_existence_errors"], "ENABLED");
    }

    #[test]
    fn time_units() {
        assert_eq!(TimeUnit::Minutes.to_seconds(5), 300);
        assert_eq!(TimeUnit::Days.to_seconds(1), 86_400);
        let unit: TimeUnit = serde_json::from_str("\"hours\"").unwrap();
        assert_eq!(unit, TimeUnit::Hours);
    }
}
