//! [`WireError`]: an error as sent on the wire.

use std::fmt;

/// An AWS JSON 1.1 error response: `__type`, `message` and the HTTP status.
///
/// Body: `{"__type":"<type_name>","message":"<message>"}` (see
/// [`WireError::to_json_body`]). Cognito sends 400 for every client error and
/// 500 for `InternalErrorException`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError {
    /// Error shape name, e.g. `InvalidParameterException`.
    pub type_name: String,
    /// Human-readable message.
    pub message: String,
    /// HTTP status code.
    pub status: u16,
}

impl WireError {
    /// A client error (HTTP 400) of type `type_name`.
    pub fn client(type_name: impl Into<String>, message: impl Into<String>) -> Self {
        WireError {
            type_name: type_name.into(),
            message: message.into(),
            status: 400,
        }
    }

    /// An `InternalErrorException` (HTTP 500).
    pub fn internal(message: impl Into<String>) -> Self {
        WireError {
            type_name: "InternalErrorException".to_owned(),
            message: message.into(),
            status: 500,
        }
    }

    /// A `SerializationException` (400): the body is not valid JSON or a value
    /// has the wrong JSON type.
    pub fn serialization(message: impl Into<String>) -> Self {
        Self::client("SerializationException", message)
    }

    /// An `InvalidParameterException` (400).
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::client("InvalidParameterException", message)
    }

    /// An `UnknownOperationException` (400).
    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::client("UnknownOperationException", message)
    }

    /// The response body: exactly `{"__type":"<type_name>","message":"<message>"}`.
    pub fn to_json_body(&self) -> Vec<u8> {
        let type_name = serde_json::Value::from(self.type_name.as_str());
        let message = serde_json::Value::from(self.message.as_str());
        format!("{{\"__type\":{type_name},\"message\":{message}}}").into_bytes()
    }
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.type_name, self.message)
    }
}

impl std::error::Error for WireError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_format() {
        let e = WireError::client("NotAuthorizedException", "Incorrect username or password.");
        assert_eq!(e.status, 400);
        assert_eq!(
            e.to_json_body(),
            br#"{"__type":"NotAuthorizedException","message":"Incorrect username or password."}"#
        );
        let e = WireError::internal("boom \"quoted\"\n");
        assert_eq!(e.status, 500);
        assert_eq!(e.type_name, "InternalErrorException");
        assert_eq!(
            e.to_json_body(),
            br#"{"__type":"InternalErrorException","message":"boom \"quoted\"\n"}"#
        );
    }
}
