//! The configuration file of `userpools serve --config FILE` (TOML): access
//! keys with their principals and IAM policies, and the request-rate quotas.
//!
//! ```toml
//! [[access_keys]]
//! access_key_id = "AKIAALICE00000000000"
//! secret_access_key = "alice-secret-access-key-0000000000000000"
//! principal_arn = "arn:aws:iam::000000000000:user/alice"
//! policies = ['''
//! {"Version": "2012-10-17",
//!  "Statement": [{"Effect": "Allow", "Action": "cognito-idp:AdminSetUserPassword",
//!                 "Resource": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_EXAMPLE"}]}
//! ''']
//!
//! [quotas]
//! enabled = true          # off unless switched on here or with `serve --aws-quotas`
//! per_user_rps = 10
//! per_client_percent = 50 # share of a category one app client may use unauthenticated
//! [quotas.categories]
//! UserAccountRecovery = 5
//! ```
//!
//! Everything is checked when the file is loaded; an error names the line and
//! the field, and never quotes a secret.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::iam::{Authority, PolicyDocument, PolicySet};
use crate::quota::{Category, QuotaConfig};
use crate::sigv4::AccessKey;

/// The shortest secret access key accepted in the file (as for the root key).
pub const MIN_SECRET_CHARS: usize = 16;

/// A loaded and validated configuration. `Debug` hides secrets.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The configured (IAM-evaluated) access keys.
    pub access_keys: Vec<AccessKey>,
    /// Quota settings.
    pub quotas: QuotaConfig,
    /// Things that are valid but probably mistakes (e.g. a misspelt action).
    pub warnings: Vec<String>,
}

/// Why a configuration file was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file (as given on the command line).
    pub origin: String,
    /// 1-based line and column of the problem, when known.
    pub position: Option<(usize, usize)>,
    /// Path of the offending field, e.g. `access_keys[1].principal_arn`.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration file {}", self.origin)?;
        if let Some((line, column)) = self.position {
            write!(f, ", line {line}, column {column}")?;
        }
        f.write_str(": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    access_keys: Vec<Spanned<RawKey>>,
    #[serde(default)]
    quotas: Option<RawQuotas>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKey {
    access_key_id: Spanned<String>,
    secret_access_key: Spanned<String>,
    #[serde(default)]
    session_token: Option<Spanned<String>>,
    principal_arn: Spanned<String>,
    #[serde(default)]
    policies: Vec<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuotas {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    per_user_rps: Option<Spanned<i64>>,
    #[serde(default)]
    per_client_percent: Option<Spanned<i64>>,
    #[serde(default)]
    categories: BTreeMap<String, Spanned<i64>>,
}

/// 1-based (line, column) of byte offset `at` in `text`.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, column)
}

struct Loader<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Loader<'_> {
    fn error<T>(
        &self,
        span: Option<std::ops::Range<usize>>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Result<T, ConfigError> {
        let field = field.into();
        Err(ConfigError {
            origin: self.origin.to_owned(),
            position: span.map(|s| line_column(self.text, s.start)),
            field: (!field.is_empty()).then_some(field),
            message: message.into(),
        })
    }
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:<partition>:iam::<account>:(root|user/…|role/…)` or
/// `arn:<partition>:sts::<account>:(assumed-role/…/…|federated-user/…)`.
fn valid_principal_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    if prefix != "arn" || !partition.starts_with("aws") || !region.is_empty() {
        return false;
    }
    if !is_account_id(account) {
        return false;
    }
    let named = |kind: &str, min_parts: usize| {
        resource
            .strip_prefix(kind)
            .and_then(|rest| rest.strip_prefix('/'))
            .is_some_and(|rest| {
                rest.split('/').filter(|p| !p.is_empty()).count() >= min_parts
                    && !rest.chars().any(char::is_whitespace)
            })
    };
    match service {
        "iam" => resource == "root" || named("user", 1) || named("role", 1),
        "sts" => named("assumed-role", 2) || named("federated-user", 1),
        _ => false,
    }
}

fn positive_rate(value: i64) -> Option<u32> {
    u32::try_from(value).ok().filter(|v| *v >= 1)
}

/// Parses and validates configuration text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
    let loader = Loader { text, origin };
    let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError {
        origin: origin.to_owned(),
        position: e.span().map(|s| line_column(text, s.start)),
        field: None,
        // The message only: toml's Display would quote the offending line,
        // which may hold a secret.
        message: e.message().trim_end().to_owned(),
    })?;

    let mut config = Config::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, key) in raw.access_keys.iter().enumerate() {
        let key_span = key.span();
        let key = key.get_ref();
        let field = |name: &str| format!("access_keys[{i}].{name}");

        let id = key.access_key_id.get_ref();
        if !(16..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return loader.error(
                Some(key.access_key_id.span()),
                field("access_key_id"),
                "must be 16 to 128 letters and digits, like AKIAIOSFODNN7EXAMPLE",
            );
        }
        if let Some(first) = seen.insert(id.clone(), i) {
            return loader.error(
                Some(key.access_key_id.span()),
                field("access_key_id"),
                format!("{id} is already declared by access_keys[{first}]"),
            );
        }
        let secret = key.secret_access_key.get_ref();
        if secret.is_empty() || secret.chars().any(char::is_whitespace) {
            return loader.error(
                Some(key.secret_access_key.span()),
                field("secret_access_key"),
                "must be a non-empty string without spaces",
            );
        }
        if secret.chars().count() < MIN_SECRET_CHARS {
            return loader.error(
                Some(key.secret_access_key.span()),
                field("secret_access_key"),
                format!(
                    "is too short ({} characters): a secret needs at least {MIN_SECRET_CHARS} \
                     (AWS secret access keys have 40)",
                    secret.chars().count()
                ),
            );
        }
        if let Some(token) = &key.session_token {
            if token.get_ref().is_empty() || token.get_ref().chars().any(char::is_whitespace) {
                return loader.error(
                    Some(token.span()),
                    field("session_token"),
                    "must be a non-empty string without spaces (or be left out)",
                );
            }
        }
        let principal = key.principal_arn.get_ref();
        if !valid_principal_arn(principal) {
            return loader.error(
                Some(key.principal_arn.span()),
                field("principal_arn"),
                format!(
                    "\"{principal}\" is not a principal ARN: expected e.g. arn:aws:iam::000000000000:user/alice, arn:aws:iam::000000000000:role/Admin or arn:aws:sts::000000000000:assumed-role/Admin/session"
                ),
            );
        }

        let mut documents = Vec::new();
        for (j, policy) in key.policies.iter().enumerate() {
            let policy_field = field(&format!("policies[{j}]"));
            let parsed = match policy.get_ref() {
                toml::Value::String(json) => PolicyDocument::from_json(json),
                value @ toml::Value::Table(_) => match serde_json::to_value(value) {
                    Ok(json) => PolicyDocument::from_value(&json),
                    Err(e) => {
                        return loader.error(Some(policy.span()), policy_field, e.to_string())
                    }
                },
                _ => {
                    return loader.error(
                        Some(policy.span()),
                        policy_field,
                        "a policy is a JSON text (string) or a TOML table",
                    )
                }
            };
            match parsed {
                Ok(document) => {
                    for action in document.unmatched_cognito_actions() {
                        let (line, _) = line_column(text, policy.span().start);
                        config.warnings.push(format!(
                            "{origin}, line {line}: {policy_field}: action {action} matches no cognito-idp operation"
                        ));
                    }
                    documents.push(document);
                }
                Err(error) => {
                    let path = if error.path.is_empty() {
                        policy_field
                    } else {
                        format!("{policy_field}.{}", error.path)
                    };
                    return loader.error(Some(policy.span()), path, error.message);
                }
            }
        }
        if documents.is_empty() {
            let (line, _) = line_column(text, key_span.start);
            config.warnings.push(format!(
                "{origin}, line {line}: access_keys[{i}] ({id}) has no policies: every signed request with it is denied"
            ));
        }

        config.access_keys.push(AccessKey {
            access_key_id: id.clone(),
            secret_access_key: secret.clone(),
            session_token: key.session_token.as_ref().map(|t| t.get_ref().clone()),
            principal_arn: principal.clone(),
            authority: Authority::Policies(Arc::new(PolicySet::new(documents))),
        });
    }

    if let Some(quotas) = &raw.quotas {
        if let Some(enabled) = quotas.enabled {
            config.quotas.enabled = enabled;
        }
        if let Some(rate) = &quotas.per_user_rps {
            config.quotas.per_user_rps = match positive_rate(*rate.get_ref()) {
                Some(rate) => rate,
                None => {
                    return loader.error(
                        Some(rate.span()),
                        "quotas.per_user_rps",
                        "must be a whole number of requests per second, at least 1",
                    )
                }
            };
        }
        if let Some(percent) = &quotas.per_client_percent {
            config.quotas.per_client_percent = match u32::try_from(*percent.get_ref()) {
                Ok(value @ 1..=100) => value,
                _ => {
                    return loader.error(
                        Some(percent.span()),
                        "quotas.per_client_percent",
                        "must be a whole percentage from 1 to 100",
                    )
                }
            };
        }
        for (name, rate) in &quotas.categories {
            let field = format!("quotas.categories.{name}");
            let Some(category) = Category::from_name(name) else {
                let known: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                return loader.error(
                    Some(rate.span()),
                    field,
                    format!("unknown category (expected one of {})", known.join(", ")),
                );
            };
            match positive_rate(*rate.get_ref()) {
                Some(value) => {
                    config.quotas.overrides.insert(category, value);
                }
                None => {
                    return loader.error(
                        Some(rate.span()),
                        field,
                        "must be a whole number of requests per second, at least 1 (set [quotas] enabled = false to switch quotas off)",
                    )
                }
            }
        }
    }
    Ok(config)
}

/// Reads and validates the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        origin: origin.clone(),
        position: None,
        field: None,
        message: format!("cannot be read: {e}"),
    })?;
    parse(&text, &origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::Decision;

    const POOL_A: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AAAA";

    fn err(text: &str) -> String {
        parse(text, "test.toml").unwrap_err().to_string()
    }

    #[test]
    fn full_example() {
        let text = format!(
            r#"
[[access_keys]]
access_key_id = "AKIAALICE00000000000"
secret_access_key = "alice-secret-0123456789"
principal_arn = "arn:aws:iam::000000000000:user/alice"
policies = ['''{{"Version": "2012-10-17", "Statement": [
  {{"Effect": "Allow", "Action": "cognito-idp:AdminSetUserPassword", "Resource": "{POOL_A}"}}]}}''']

[[access_keys]]
access_key_id = "ASIATEMP000000000000"
secret_access_key = "temp-secret-0123456789"
session_token = "token-1"
principal_arn = "arn:aws:sts::000000000000:assumed-role/Admin/session"

[[access_keys.policies]]
Version = "2012-10-17"
Statement = [
  {{ Effect = "Allow", Action = ["cognito-idp:*"], Resource = "*" }},
  {{ Effect = "Deny", Action = "cognito-idp:adminsetuserpassword", Resource = "{POOL_A}" }},
]

[quotas]
enabled = true
per_user_rps = 3
per_client_percent = 25
[quotas.categories]
UserAccountRecovery = 2
UserRead = 500
"#
        );
        let config = parse(&text, "test.toml").unwrap();
        assert!(config.warnings.is_empty(), "{:?}", config.warnings);
        assert_eq!(config.access_keys.len(), 2);
        let alice = &config.access_keys[0];
        assert_eq!(alice.principal_arn, "arn:aws:iam::000000000000:user/alice");
        let Authority::Policies(p) = &alice.authority else {
            panic!("alice is not root")
        };
        assert_eq!(
            p.evaluate("cognito-idp:AdminSetUserPassword", POOL_A),
            Decision::Allow
        );
        let temp = &config.access_keys[1];
        assert_eq!(temp.session_token.as_deref(), Some("token-1"));
        let Authority::Policies(p) = &temp.authority else {
            panic!("temp is not root")
        };
        assert_eq!(
            p.evaluate("cognito-idp:AdminSetUserPassword", POOL_A),
            Decision::ExplicitDeny
        );
        assert_eq!(
            p.evaluate("cognito-idp:AdminGetUser", POOL_A),
            Decision::Allow
        );
        assert!(config.quotas.enabled);
        assert_eq!(config.quotas.per_user_rps, 3);
        assert_eq!(config.quotas.per_client_percent, 25);
        assert_eq!(config.quotas.rps(Category::UserAccountRecovery), 2);
        assert_eq!(config.quotas.rps(Category::UserRead), 500);
        assert_eq!(config.quotas.rps(Category::UserList), 30);
        // Debug never shows secrets.
        let debug = format!("{config:?}");
        assert!(
            !debug.contains("alice-secret") && !debug.contains("token-1"),
            "{debug}"
        );
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let config = parse("", "test.toml").unwrap();
        assert!(config.access_keys.is_empty());
        assert_eq!(config.quotas, QuotaConfig::default());
        assert!(!config.quotas.enabled);
        let config = parse("[quotas]\nenabled = true\n", "test.toml").unwrap();
        assert!(config.quotas.enabled);
        // Rates alone do not switch quotas on.
        let config = parse("[quotas.categories]\nUserRead = 5\n", "test.toml").unwrap();
        assert!(!config.quotas.enabled);
    }

    #[test]
    fn a_short_secret_is_refused() {
        assert_eq!(
            err("[[access_keys]]\naccess_key_id = \"AKIAALICE00000000000\"\nsecret_access_key = \"fifteen-chars!!\"\nprincipal_arn = \"arn:aws:iam::000000000000:user/alice\"\n"),
            "invalid configuration file test.toml, line 3, column 21: access_keys[0].secret_access_key: is too short (15 characters): a secret needs at least 16 (AWS secret access keys have 40)"
        );
    }

    #[test]
    fn errors_name_line_and_field() {
        assert_eq!(
            err("[[access_keys]]\naccess_key_id = \"AKIAALICE00000000000\"\nsecret_access_key = \"s-0123456789abcdef\"\nprincipal_arn = \"alice\"\n"),
            "invalid configuration file test.toml, line 4, column 17: access_keys[0].principal_arn: \"alice\" is not a principal ARN: expected e.g. arn:aws:iam::000000000000:user/alice, arn:aws:iam::000000000000:role/Admin or arn:aws:sts::000000000000:assumed-role/Admin/session"
        );
        assert_eq!(
            err("[quotas]\nenabeld = false\n"),
            "invalid configuration file test.toml, line 2, column 1: unknown field `enabeld`, expected one of `enabled`, `per_user_rps`, `per_client_percent`, `categories`"
        );
        let unknown = err("[quotas.categories]\nUserReed = 3\n");
        assert!(unknown.starts_with(
            "invalid configuration file test.toml, line 2, column 12: quotas.categories.UserReed: unknown category (expected one of UserAuthentication, "
        ), "{unknown}");
        assert_eq!(
            err("[quotas.categories]\nUserRead = 0\n"),
            "invalid configuration file test.toml, line 2, column 12: quotas.categories.UserRead: must be a whole number of requests per second, at least 1 (set [quotas] enabled = false to switch quotas off)"
        );
        assert_eq!(
            err("[quotas]\nper_client_percent = 0\n"),
            "invalid configuration file test.toml, line 2, column 22: quotas.per_client_percent: must be a whole percentage from 1 to 100"
        );
        let policy_error = err(concat!(
            "[[access_keys]]\n",
            "access_key_id = \"AKIAALICE00000000000\"\n",
            "secret_access_key = \"s-0123456789abcdef\"\n",
            "principal_arn = \"arn:aws:iam::000000000000:user/alice\"\n",
            "[[access_keys.policies]]\n",
            "Statement = [{ Effect = \"Permit\", Action = \"*\", Resource = \"*\" }]\n",
        ));
        assert_eq!(
            policy_error,
            "invalid configuration file test.toml, line 5, column 1: access_keys[0].policies[0].Statement[0].Effect: must be \"Allow\" or \"Deny\", not \"Permit\""
        );
        let duplicate = err(concat!(
            "[[access_keys]]\naccess_key_id = \"AKIAALICE00000000000\"\nsecret_access_key = \"s-0123456789abcdef\"\nprincipal_arn = \"arn:aws:iam::000000000000:user/a\"\n",
            "[[access_keys]]\naccess_key_id = \"AKIAALICE00000000000\"\nsecret_access_key = \"s-0123456789abcdef\"\nprincipal_arn = \"arn:aws:iam::000000000000:user/b\"\n",
        ));
        assert_eq!(
            duplicate,
            "invalid configuration file test.toml, line 6, column 17: access_keys[1].access_key_id: AKIAALICE00000000000 is already declared by access_keys[0]"
        );
        let missing = err("[[access_keys]]\naccess_key_id = \"AKIAALICE00000000000\"\nsecret_access_key = \"s-0123456789abcdef\"\n");
        assert!(
            missing.contains("missing field `principal_arn`"),
            "{missing}"
        );
        assert!(
            missing.starts_with("invalid configuration file test.toml, line 1"),
            "{missing}"
        );
    }

    #[test]
    fn syntax_errors_do_not_quote_secrets() {
        let text = "[[access_keys]]\naccess_key_id = \"AKIAALICE00000000000\"\nsecret_access_key = \"very-secret\\q\"\n";
        let message = err(text);
        assert!(
            message.starts_with("invalid configuration file test.toml, line 3"),
            "{message}"
        );
        assert!(!message.contains("very-secret"), "{message}");
    }

    #[test]
    fn principal_arns() {
        for ok in [
            "arn:aws:iam::000000000000:user/alice",
            "arn:aws:iam::000000000000:user/path/alice",
            "arn:aws:iam::123456789012:root",
            "arn:aws:iam::123456789012:role/Admin",
            "arn:aws:sts::123456789012:assumed-role/Admin/session-1",
            "arn:aws-cn:sts::123456789012:federated-user/bob",
        ] {
            assert!(valid_principal_arn(ok), "{ok}");
        }
        for bad in [
            "alice",
            "arn:aws:iam::0000:user/alice",
            "arn:aws:iam:us-east-1:000000000000:user/alice",
            "arn:aws:s3::000000000000:user/alice",
            "arn:aws:sts::123456789012:assumed-role/Admin",
            "arn:aws:iam::000000000000:user/",
        ] {
            assert!(!valid_principal_arn(bad), "{bad}");
        }
    }
}
