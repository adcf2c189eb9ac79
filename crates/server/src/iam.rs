//! IAM-style authorization of SigV4-signed requests.
//!
//! Each configured access key carries identity-based policy documents:
//! statements with `Effect` (`Allow`/`Deny`), `Action` or `NotAction`, and
//! `Resource` or `NotResource`, with the `*` and `?` wildcards. A request is
//! evaluated as the action `cognito-idp:<Operation>` on the resource of
//! [`resource_arn`], the way AWS evaluates identity-based policies: an explicit
//! `Deny` wins over any `Allow`, and without an applicable `Allow` the request
//! is denied (default deny). Action names match case-insensitively, resources
//! case-sensitively, as in IAM.
//!
//! The root credential ([`Authority::Root`]) is never evaluated. Operations the
//! model marks noAuth are never evaluated either (they are not signed).

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};
use userpools_wire::{IamResource, Operation, WireError};

use crate::request::RequestContext;

/// IAM service prefix of every Cognito user pools action.
pub const SERVICE_PREFIX: &str = "cognito-idp";

/// What a credential may do.
#[derive(Debug, Clone)]
pub enum Authority {
    /// The root credential: every operation, never IAM-evaluated.
    Root,
    /// A configured principal: its identity-based policies decide.
    Policies(Arc<PolicySet>),
}

/// A statement's effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Allows the matching requests (unless a Deny also matches).
    Allow,
    /// Denies the matching requests, whatever else allows them.
    Deny,
}

/// Result of evaluating policies for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// An Allow statement applies and no Deny does.
    Allow,
    /// No statement applies: denied by default.
    ImplicitDeny,
    /// A Deny statement applies.
    ExplicitDeny,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: wildcard patterns, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Patterns {
    negated: bool,
    patterns: Vec<String>,
}

impl Patterns {
    fn applies(&self, value: &str, case_insensitive: bool) -> bool {
        let matched = self
            .patterns
            .iter()
            .any(|p| wildcard_match(p, value, case_insensitive));
        matched != self.negated
    }
}

/// One policy statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    sid: Option<String>,
    effect: Effect,
    actions: Patterns,
    resources: Patterns,
}

impl Statement {
    /// The statement's effect.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// The optional statement id.
    pub fn sid(&self) -> Option<&str> {
        self.sid.as_deref()
    }

    /// Whether the statement applies to `action` on `resource`.
    pub fn applies(&self, action: &str, resource: &str) -> bool {
        self.actions.applies(action, true) && self.resources.applies(resource, false)
    }
}

/// An identity-based policy document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

/// Where and why a policy document is invalid (`path` is like `Statement[1].Effect`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Path of the offending member inside the document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for PolicyError {}

fn policy_error(path: impl Into<String>, message: impl Into<String>) -> PolicyError {
    PolicyError {
        path: path.into(),
        message: message.into(),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl PolicyDocument {
    /// Parses a policy document from its JSON text.
    pub fn from_json(text: &str) -> Result<PolicyDocument, PolicyError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            policy_error(
                "",
                format!(
                    "not valid JSON: {} (line {}, column {} of the JSON text)",
                    json_error_text(&e),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        PolicyDocument::from_value(&value)
    }

    /// Parses a policy document from a JSON value (members as in IAM:
    /// `Version`, `Id`, `Statement`).
    pub fn from_value(value: &Value) -> Result<PolicyDocument, PolicyError> {
        let Value::Object(document) = value else {
            return Err(policy_error(
                "",
                format!(
                    "a policy document must be an object, not {}",
                    type_name(value)
                ),
            ));
        };
        for name in document.keys() {
            if !matches!(name.as_str(), "Version" | "Id" | "Statement") {
                return Err(policy_error(
                    name.clone(),
                    "unknown policy member (expected Version, Id or Statement)",
                ));
            }
        }
        match document.get("Version") {
            None => {}
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
            Some(other) => {
                return Err(policy_error(
                    "Version",
                    format!(
                        "must be \"2012-10-17\" (or \"2008-10-17\"), not {}",
                        describe(other)
                    ),
                ))
            }
        }
        if let Some(id) = document.get("Id") {
            if !id.is_string() {
                return Err(policy_error("Id", "must be a string"));
            }
        }
        let statements = match document.get("Statement") {
            None => return Err(policy_error("Statement", "is required")),
            Some(Value::Object(statement)) => vec![parse_statement(statement, "Statement")?],
            Some(Value::Array(list)) if list.is_empty() => {
                return Err(policy_error("Statement", "must not be empty"))
            }
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let path = format!("Statement[{i}]");
                    match item {
                        Value::Object(statement) => parse_statement(statement, &path),
                        other => Err(policy_error(
                            path,
                            format!("a statement must be an object, not {}", type_name(other)),
                        )),
                    }
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(policy_error(
                    "Statement",
                    format!(
                        "must be a statement object or a list of them, not {}",
                        type_name(other)
                    ),
                ))
            }
        };
        Ok(PolicyDocument { statements })
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// `cognito-idp:` action patterns that match no operation of the model
    /// (probably misspelt; IAM accepts them, so these are only warned about).
    pub fn unmatched_cognito_actions(&self) -> Vec<String> {
        let mut unmatched = Vec::new();
        for statement in &self.statements {
            for pattern in &statement.actions.patterns {
                let Some((service, _)) = pattern.split_once(':') else {
                    continue;
                };
                if !service.eq_ignore_ascii_case(SERVICE_PREFIX) {
                    continue;
                }
                let matches_any =
                    Operation::all().any(|op| wildcard_match(pattern, &action(op), true));
                if !matches_any && !unmatched.contains(pattern) {
                    unmatched.push(pattern.clone());
                }
            }
        }
        unmatched
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("\"{s}\""),
        other => type_name(other).to_owned(),
    }
}

/// serde_json's message without its trailing " at line L column C".
fn json_error_text(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn parse_statement(statement: &Map<String, Value>, path: &str) -> Result<Statement, PolicyError> {
    let member = |name: &str| format!("{path}.{name}");
    for name in statement.keys() {
        match name.as_str() {
            "Sid" | "Effect" | "Action" | "NotAction" | "Resource" | "NotResource" => {}
            "Principal" | "NotPrincipal" => {
                return Err(policy_error(
                    member(name),
                    "identity-based policies cannot name a principal (the access key is the principal)",
                ))
            }
            "Condition" => {
                return Err(policy_error(
                    member(name),
                    "conditions are not supported by userpools",
                ))
            }
            _ => {
                return Err(policy_error(
                    member(name),
                    "unknown statement member (expected Sid, Effect, Action, NotAction, Resource or NotResource)",
                ))
            }
        }
    }
    let sid = match statement.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(policy_error(member("Sid"), "must be a string")),
    };
    let effect = match statement.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(policy_error(
                member("Effect"),
                format!("must be \"Allow\" or \"Deny\", not {}", describe(other)),
            ))
        }
        None => return Err(policy_error(member("Effect"), "is required")),
    };
    let actions = either(statement, path, "Action", "NotAction", check_action)?;
    let resources = either(statement, path, "Resource", "NotResource", check_resource)?;
    Ok(Statement {
        sid,
        effect,
        actions,
        resources,
    })
}

/// Reads exactly one of `positive` / `negative`: a string or a non-empty list of strings.
fn either(
    statement: &Map<String, Value>,
    path: &str,
    positive: &str,
    negative: &str,
    check: fn(&str) -> Result<(), String>,
) -> Result<Patterns, PolicyError> {
    let (name, negated, value) = match (statement.get(positive), statement.get(negative)) {
        (Some(_), Some(_)) => {
            return Err(policy_error(
                path,
                format!("a statement has either {positive} or {negative}, not both"),
            ))
        }
        (Some(v), None) => (positive, false, v),
        (None, Some(v)) => (negative, true, v),
        (None, None) => {
            return Err(policy_error(
                path,
                format!("a statement needs {positive} or {negative}"),
            ))
        }
    };
    let member = format!("{path}.{name}");
    let patterns: Vec<String> = match value {
        Value::String(s) => {
            check(s).map_err(|m| policy_error(&member, m))?;
            vec![s.clone()]
        }
        Value::Array(list) if list.is_empty() => {
            return Err(policy_error(member, "must not be an empty list"))
        }
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) => {
                    check(s).map_err(|m| policy_error(format!("{member}[{i}]"), m))?;
                    Ok(s.clone())
                }
                other => Err(policy_error(
                    format!("{member}[{i}]"),
                    format!("must be a string, not {}", type_name(other)),
                )),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(policy_error(
                member,
                format!(
                    "must be a string or a list of strings, not {}",
                    type_name(other)
                ),
            ))
        }
    };
    Ok(Patterns { negated, patterns })
}

fn check_action(action: &str) -> Result<(), String> {
    if action == "*" {
        return Ok(());
    }
    let valid = match action.split_once(':') {
        Some((service, name)) => {
            !service.is_empty()
                && service
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*' || c == '?')
                && !name.is_empty()
                && !name.contains(':')
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "\"{action}\" is not an action: expected \"*\" or \"service:Action\" such as \"cognito-idp:AdminSetUserPassword\" (wildcards * and ? allowed)"
        ))
    }
}

fn check_resource(resource: &str) -> Result<(), String> {
    if resource == "*" || (resource.starts_with("arn:") && resource.len() > 4) {
        Ok(())
    } else {
        Err(format!(
            "\"{resource}\" is not a resource: expected \"*\" or an ARN such as \"arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_EXAMPLE\" (wildcards * and ? allowed)"
        ))
    }
}

/// The policies of one principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicySet {
    documents: Vec<PolicyDocument>,
}

impl PolicySet {
    /// A principal's policies (none: every request is denied).
    pub fn new(documents: Vec<PolicyDocument>) -> PolicySet {
        PolicySet { documents }
    }

    /// The documents.
    pub fn documents(&self) -> &[PolicyDocument] {
        &self.documents
    }

    /// Evaluates `action` on `resource`: explicit Deny, else Allow, else implicit deny.
    pub fn evaluate(&self, action: &str, resource: &str) -> Decision {
        let mut allowed = false;
        for statement in self.documents.iter().flat_map(|d| d.statements.iter()) {
            if statement.applies(action, resource) {
                match statement.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

/// IAM wildcard matching of a whole string: `*` matches any run of characters
/// (including none, and including `:` and `/`), `?` exactly one character.
pub fn wildcard_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| {
        if case_insensitive {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    // Position of the last `*` seen and of the text when it was seen.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((star_pi, star_ti)) = star {
            pi = star_pi + 1;
            ti = star_ti + 1;
            star = Some((star_pi, star_ti + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// The IAM action of an operation: `cognito-idp:<Operation>`.
pub fn action(operation: Operation) -> String {
    format!("{SERVICE_PREFIX}:{operation}")
}

/// The ARN a request is evaluated on ([`IamResource`] of its operation): the
/// user pool's `arn:aws:cognito-idp:<region>:<account>:userpool/<UserPoolId>`
/// (the id as sent; empty when absent), the request's `ResourceArn` for the
/// tagging operations, and `*` otherwise (CreateUserPool, ListUserPools, …).
pub fn resource_arn(request: &RequestContext<'_>, region: &str, account_id: &str) -> String {
    match request.operation().spec().iam_resource {
        IamResource::UserPool => {
            let pool_id = request.pool_id().unwrap_or_default();
            format!("arn:aws:{SERVICE_PREFIX}:{region}:{account_id}:userpool/{pool_id}")
        }
        IamResource::ResourceArn => request.text("ResourceArn").unwrap_or("*").to_owned(),
        IamResource::Any => "*".to_owned(),
    }
}

/// The `AccessDeniedException` of a denied request, worded as AWS words it.
pub fn access_denied(
    principal_arn: &str,
    action: &str,
    resource: &str,
    explicit: bool,
) -> WireError {
    let message = if explicit {
        format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} with an explicit deny in an identity-based policy"
        )
    } else {
        format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action"
        )
    };
    WireError::client("AccessDeniedException", message)
}

/// Authorizes a verified SigV4 request of `principal_arn` with `authority`:
/// `Ok` for the root credential and for allowed requests, else the
/// `AccessDeniedException`. Runs before input validation, so the body may be
/// anything (an unreadable body is evaluated on a pool ARN with an empty id).
pub fn authorize(
    principal_arn: &str,
    authority: &Authority,
    request: &RequestContext<'_>,
    region: &str,
    account_id: &str,
) -> Result<(), WireError> {
    let Authority::Policies(policies) = authority else {
        return Ok(());
    };
    let resource = resource_arn(request, region, account_id);
    let action = action(request.operation());
    match policies.evaluate(&action, &resource) {
        Decision::Allow => Ok(()),
        Decision::ImplicitDeny => Err(access_denied(principal_arn, &action, &resource, false)),
        Decision::ExplicitDeny => Err(access_denied(principal_arn, &action, &resource, true)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POOL_A: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AAAA";
    const POOL_B: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_BBBB";

    fn set(value: Value) -> PolicySet {
        PolicySet::new(vec![PolicyDocument::from_value(&value).unwrap()])
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("*", "anything:at/all", false));
        assert!(wildcard_match(
            "cognito-idp:Admin*",
            "cognito-idp:AdminGetUser",
            false
        ));
        assert!(!wildcard_match(
            "cognito-idp:Admin*",
            "cognito-idp:GetUser",
            false
        ));
        assert!(wildcard_match(
            "cognito-idp:?etUser",
            "cognito-idp:GetUser",
            false
        ));
        assert!(!wildcard_match(
            "cognito-idp:?etUser",
            "cognito-idp:etUser",
            false
        ));
        assert!(wildcard_match(
            "COGNITO-IDP:adminget*",
            "cognito-idp:AdminGetUser",
            true
        ));
        assert!(!wildcard_match(
            "COGNITO-IDP:adminget*",
            "cognito-idp:AdminGetUser",
            false
        ));
        assert!(wildcard_match("a*b*c", "aXXbYYbZc", false));
        assert!(!wildcard_match("a*b*c", "aXXbYYbZ", false));
        assert!(wildcard_match("*:userpool/us-east-1_A*", POOL_A, false));
        assert!(!wildcard_match("*:userpool/us-east-1_A*", POOL_B, false));
        assert!(wildcard_match("a**", "a", false));
        assert!(!wildcard_match("", "a", false));
    }

    #[test]
    fn deny_beats_allow_and_default_deny() {
        let policies = set(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "cognito-idp:*", "Resource": "*"},
                {"Effect": "Deny", "Action": ["cognito-idp:AdminSetUserPassword"], "Resource": POOL_B},
            ]
        }));
        let asp = "cognito-idp:AdminSetUserPassword";
        assert_eq!(policies.evaluate(asp, POOL_A), Decision::Allow);
        assert_eq!(policies.evaluate(asp, POOL_B), Decision::ExplicitDeny);
        assert_eq!(
            policies.evaluate("cognito-idp:AdminGetUser", POOL_B),
            Decision::Allow
        );
        assert_eq!(
            policies.evaluate("s3:GetObject", POOL_B),
            Decision::ImplicitDeny
        );
        assert_eq!(
            PolicySet::default().evaluate(asp, POOL_A),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_action_and_not_resource() {
        let policies = set(json!({
            "Statement": {"Effect": "Allow", "NotAction": "cognito-idp:Admin*", "NotResource": POOL_B}
        }));
        assert_eq!(
            policies.evaluate("cognito-idp:ListUsers", POOL_A),
            Decision::Allow
        );
        assert_eq!(
            policies.evaluate("cognito-idp:ListUsers", POOL_B),
            Decision::ImplicitDeny
        );
        assert_eq!(
            policies.evaluate("cognito-idp:AdminGetUser", POOL_A),
            Decision::ImplicitDeny
        );
        assert_eq!(
            policies.evaluate("cognito-idp:listusers", POOL_A),
            Decision::Allow
        );
    }

    #[test]
    fn invalid_documents() {
        let err = |v: Value| PolicyDocument::from_value(&v).unwrap_err().to_string();
        assert_eq!(
            err(json!({"Statement": [{"Effect": "Alow", "Action": "*", "Resource": "*"}]})),
            "Statement[0].Effect: must be \"Allow\" or \"Deny\", not \"Alow\""
        );
        assert_eq!(
            err(json!({"Statement": [{"Effect": "Allow", "Resource": "*"}]})),
            "Statement[0]: a statement needs Action or NotAction"
        );
        assert_eq!(
            err(
                json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "*", "Resource": "*"}})
            ),
            "Statement: a statement has either Action or NotAction, not both"
        );
        assert_eq!(
            err(json!({"Statement": [{"Effect": "Allow", "Action": "AdminGetUser", "Resource": "*"}]})),
            "Statement[0].Action: \"AdminGetUser\" is not an action: expected \"*\" or \"service:Action\" such as \"cognito-idp:AdminSetUserPassword\" (wildcards * and ? allowed)"
        );
        assert!(err(
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "userpool/x"}]})
        )
        .starts_with("Statement[0].Resource: \"userpool/x\" is not a resource"));
        assert_eq!(
            err(
                json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}]})
            ),
            "Statement[0].Condition: conditions are not supported by userpools"
        );
        assert_eq!(
            err(json!({"Version": "2012-10-17"})),
            "Statement: is required"
        );
        assert_eq!(
            err(json!({"Version": "2020-01-01", "Statement": []})),
            "Version: must be \"2012-10-17\" (or \"2008-10-17\"), not \"2020-01-01\""
        );
        assert!(PolicyDocument::from_json("{\"Statement\": [}")
            .unwrap_err()
            .to_string()
            .starts_with("not valid JSON: "));
    }

    #[test]
    fn unmatched_actions_are_reported() {
        let doc = PolicyDocument::from_value(&json!({"Statement": [{
            "Effect": "Allow",
            "Action": ["cognito-idp:AdminSetUserPasword", "cognito-idp:Admin*", "s3:GetObject"],
            "Resource": "*"
        }]}))
        .unwrap();
        assert_eq!(
            doc.unmatched_cognito_actions(),
            vec!["cognito-idp:AdminSetUserPasword".to_owned()]
        );
    }

    #[test]
    fn resources_and_messages() {
        let arn = |op: Operation, body: &[u8]| {
            resource_arn(
                &RequestContext::decode(op, body),
                "us-east-1",
                "000000000000",
            )
        };
        let body = json!({"UserPoolId": "us-east-1_AAAA", "Username": "u"}).to_string();
        let asp = Operation::AdminSetUserPassword;
        assert_eq!(arn(asp, body.as_bytes()), POOL_A);
        for unreadable in [&b""[..], b"{\"UserPoolId\": ", b"[]"] {
            assert_eq!(
                arn(asp, unreadable),
                "arn:aws:cognito-idp:us-east-1:000000000000:userpool/"
            );
        }
        assert_eq!(arn(Operation::CreateUserPool, body.as_bytes()), "*");
        assert_eq!(arn(Operation::ListUserPools, b""), "*");
        let tagging = json!({"ResourceArn": POOL_B}).to_string();
        assert_eq!(arn(Operation::TagResource, tagging.as_bytes()), POOL_B);
        assert_eq!(arn(Operation::TagResource, b"{"), "*");
        let denied = authorize(
            "arn:aws:iam::000000000000:user/bob",
            &Authority::Policies(Arc::new(PolicySet::default())),
            &RequestContext::decode(asp, body.as_bytes()),
            "us-east-1",
            "000000000000",
        )
        .unwrap_err();
        assert_eq!(denied.type_name, "AccessDeniedException");
        assert_eq!(denied.status, 400);
        let action = action(asp);
        assert_eq!(action, format!("cognito-idp:{asp}"));
        assert_eq!(
            denied.message,
            format!("User: arn:aws:iam::000000000000:user/bob is not authorized to perform: {action} on resource: {POOL_A} because no identity-based policy allows the {action} action")
        );
        assert_eq!(
            access_denied("arn:x", "cognito-idp:A", "*", true).message,
            "User: arn:x is not authorized to perform: cognito-idp:A on resource: * with an explicit deny in an identity-based policy"
        );
        assert!(authorize(
            "arn:aws:iam::000000000000:root",
            &Authority::Root,
            &RequestContext::decode(asp, b"garbage"),
            "us-east-1",
            "000000000000"
        )
        .is_ok());
    }
}
