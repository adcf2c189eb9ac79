//! A request decoded once: its operation and its body parsed as JSON, read by
//! SigV4 (the raw bytes), IAM (the pool or resource), the quotas (the user)
//! and the handler (the input).
//!
//! A body that is not JSON is kept as its parse error: IAM and the quotas see
//! no members (IAM evaluates on the pool ARN with an empty id), and the
//! handler reports the error where input validation runs, after SigV4, IAM
//! and the quotas.

use serde::de::DeserializeOwned;
use serde_json::Value;
use userpools_wire::{codec, Operation, WireError};

/// A decoded API request. `Debug` shows no body: it may hold passwords.
pub struct RequestContext<'a> {
    operation: Operation,
    raw: &'a [u8],
    /// The parsed body, or why it could not be parsed.
    body: Result<Value, WireError>,
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

    /// Validates the body against the operation's input shape and
    /// deserialises it (`SerializationException` for a body that is not JSON).
    pub fn into_input<T: DeserializeOwned>(self) -> Result<T, WireError> {
        codec::input_from_value(self.operation.spec(), self.body?)
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
}
