//! A request decoded once: its operation and its body parsed as JSON, read by
//! SigV4 (the raw bytes), IAM (the pool or resource), the quotas (the user)
//! and the handler (the input).
//!
//! A body that is not JSON is kept as its parse error: IAM sees no members
//! (it evaluates on the pool ARN with an empty id), and [`RequestContext::check`]
//! reports the error where input validation runs: after SigV4 and IAM, before
//! the quotas, so that junk takes no quota tokens.

use serde::de::DeserializeOwned;
use serde_json::Value;
use userpools_wire::{codec, Operation, WireError};

/// A decoded API request. `Debug` shows no body: it may hold passwords.
pub struct RequestContext<'a> {
    operation: Operation,
    raw: &'a [u8],
    /// The parsed body, or why it could not be parsed.
    body: Result<Value, WireError>,
    /// Whether [`RequestContext::check`] has validated the body.
    checked: bool,
}

impl std::fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestContext")
            .field("operation", &self.operation)
            .field("body_bytes", &self.raw.len())
            .finish_non_exhaustive()
    }
}

/// Whom a request is about, as sent: the key of the per-user quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    /// The caller's access token.
    AccessToken(&'a str),
    /// A user name (`Username` or `AuthParameters.USERNAME`) in a pool
    /// (`UserPoolId`) or app client (`ClientId`).
    User { scope: &'a str, username: &'a str },
}

impl<'a> RequestContext<'a> {
    /// Decodes `raw`, the body of a request of `operation`.
    pub fn decode(operation: Operation, raw: &'a [u8]) -> RequestContext<'a> {
        RequestContext {
            operation,
            raw,
            body: codec::parse_body(raw),
            checked: false,
        }
    }

    /// The operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The body as received.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// The parsed body (`{}` for an empty one), `None` when it is not JSON.
    pub fn body(&self) -> Option<&Value> {
        self.body.as_ref().ok()
    }

    /// A string member of the body, as sent.
    pub fn text(&self, member: &str) -> Option<&str> {
        text(self.body()?, member)
    }

    /// The `UserPoolId` as sent.
    pub fn pool_id(&self) -> Option<&str> {
        self.text("UserPoolId")
    }

    /// The access token, else the user name and its pool (or app client).
    pub fn subject(&self) -> Option<Subject<'_>> {
        let body = self.body()?;
        if let Some(token) = text(body, "AccessToken") {
            return Some(Subject::AccessToken(token));
        }
        let username = text(body, "Username")
            .or_else(|| body.get("AuthParameters").and_then(|p| text(p, "USERNAME")))?;
        let scope = text(body, "UserPoolId").or_else(|| text(body, "ClientId"))?;
        Some(Subject::User { scope, username })
    }

    /// Validates the body against the operation's input shape
    /// (`SerializationException` for a body that is not JSON,
    /// `InvalidParameterException` for a constraint it breaks).
    pub fn check(&mut self) -> Result<(), WireError> {
        let body = self.body.as_ref().map_err(Clone::clone)?;
        codec::check_input(self.operation.spec(), body)?;
        self.checked = true;
        Ok(())
    }

    /// Validates the body (unless [`RequestContext::check`] already did) and
    /// deserialises it into the operation's input.
    pub fn into_input<T: DeserializeOwned>(self) -> Result<T, WireError> {
        let spec = self.operation.spec();
        let body = self.body?;
        if !self.checked {
            return codec::input_from_value(spec, body);
        }
        // serde's own messages may quote request values, so they are not passed on.
        serde_json::from_value(body).map_err(|_| {
            WireError::serialization(format!(
                "The request body could not be read as {}",
                spec.input.unwrap_or("input")
            ))
        })
    }
}

fn text<'v>(value: &'v Value, member: &str) -> Option<&'v str> {
    value.get(member).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_body() {
        let body = br#"{"UserPoolId":"p","Username":"a","Password":"Secret-Pa55word"}"#;
        let request = RequestContext::decode(Operation::AdminSetUserPassword, body);
        let shown = format!("{request:?}");
        assert!(shown.contains("AdminSetUserPassword"), "{shown}");
        assert!(!shown.contains("Secret-Pa55word"), "{shown}");
    }

    #[test]
    fn members_and_subjects() {
        let op = Operation::AdminGetUser;
        let request = RequestContext::decode(op, br#"{"UserPoolId":"p","Username":"Alice"}"#);
        assert_eq!(request.pool_id(), Some("p"));
        assert_eq!(
            request.subject(),
            Some(Subject::User {
                scope: "p",
                username: "Alice"
            })
        );
        let request = RequestContext::decode(
            op,
            br#"{"ClientId":"c","AuthParameters":{"USERNAME":"bob"},"AccessToken":"t"}"#,
        );
        assert_eq!(request.subject(), Some(Subject::AccessToken("t")));
        let request = RequestContext::decode(
            op,
            br#"{"ClientId":"c","AuthParameters":{"USERNAME":"bob"}}"#,
        );
        assert_eq!(
            request.subject(),
            Some(Subject::User {
                scope: "c",
                username: "bob"
            })
        );
        assert_eq!(
            RequestContext::decode(op, br#"{"Username":"x"}"#).subject(),
            None
        );
    }

    #[test]
    fn unreadable_bodies() {
        let op = Operation::AdminGetUser;
        let empty = RequestContext::decode(op, b"");
        assert_eq!(empty.body(), Some(&Value::Object(Default::default())));
        let garbage = RequestContext::decode(op, b"{\"UserPoolId\": ");
        assert_eq!(garbage.body(), None);
        assert_eq!(garbage.pool_id(), None);
        let error = garbage
            .into_input::<userpools_wire::types::AdminGetUserRequest>()
            .unwrap_err();
        assert_eq!(error.type_name, "SerializationException");
        assert!(error.message.starts_with("Malformed JSON request body: "));
    }

    #[test]
    fn check_validates_before_the_handler() {
        let op = Operation::AdminGetUser;
        let mut garbage = RequestContext::decode(op, b"garbage");
        let error = garbage.check().unwrap_err();
        assert_eq!(error.type_name, "SerializationException");
        let mut missing = RequestContext::decode(op, br#"{"UserPoolId":"us-east-1_abc"}"#);
        let error = missing.check().unwrap_err();
        assert_eq!(error.type_name, "InvalidParameterException");
        let mut good =
            RequestContext::decode(op, br#"{"UserPoolId":"us-east-1_abc","Username":"a"}"#);
        good.check().unwrap();
        let input: userpools_wire::types::AdminGetUserRequest = good.into_input().unwrap();
        assert_eq!(input.username.as_str(), "a");
    }
}
