//! AWS JSON 1.1 request/response handling: target resolution, body decoding
//! (parse → validate → deserialise) and encoding.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::WireError;
use crate::generated::operations::Operation;
use crate::model::OperationSpec;
use crate::validate::validate_input;

/// `X-Amz-Target` prefix: targets read `AWSCognitoIdentityProviderService.<Operation>`.
pub const TARGET_PREFIX: &str = crate::generated::operations::TARGET_PREFIX;

/// `Content-Type` of every response (success and error).
pub const RESPONSE_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Resolves an `X-Amz-Target` header value to its operation.
///
/// A missing header, another service's prefix or an unknown operation name
/// give `UnknownOperationException` (400) with the message
/// `Unknown operation <target>` (`Unknown operation: missing X-Amz-Target header`
/// when there is none). Matching is exact (case-sensitive); surrounding
/// whitespace is ignored.
pub fn resolve_target(x_amz_target: Option<&str>) -> Result<Operation, WireError> {
    let Some(raw) = x_amz_target else {
        return Err(WireError::unknown_operation(
            "Unknown operation: missing X-Amz-Target header",
        ));
    };
    let target = raw.trim();
    target
        .strip_prefix(TARGET_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(Operation::from_name)
        .ok_or_else(|| WireError::unknown_operation(format!("Unknown operation {target}")))
}

/// Parses a request body as JSON, before any validation.
///
/// An empty (or all-whitespace) body counts as `{}`. Malformed JSON gives
/// `SerializationException` (`Malformed JSON request body: <parser message>`,
/// which never contains request data).
pub fn parse_body(body: &[u8]) -> Result<Value, WireError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    serde_json::from_slice::<Value>(body)
        .map_err(|e| WireError::serialization(format!("Malformed JSON request body: {e}")))
}

/// Validates a parsed body with [`validate_input`] against the operation's
/// input shape (an operation without input accepts any object).
pub fn check_input(op: &OperationSpec, value: &Value) -> Result<(), WireError> {
    match op.input {
        Some(shape) => validate_input(shape, value),
        None if !value.is_object() => Err(WireError::serialization(
            "Start of structure or map found where not expected.",
        )),
        None => Ok(()),
    }
}

/// Parses and validates a request body, returning the JSON value:
/// [`parse_body`], then [`check_input`].
pub fn decode_input_value(op: &OperationSpec, body: &[u8]) -> Result<Value, WireError> {
    let value = parse_body(body)?;
    check_input(op, &value)?;
    Ok(value)
}

/// Decodes a request body into the operation's input type `T`:
/// [`parse_body`], then [`input_from_value`]. Every failure is a
/// [`WireError`] (`SerializationException` / `InvalidParameterException`);
/// this never panics.
pub fn decode_input<T: DeserializeOwned>(op: &OperationSpec, body: &[u8]) -> Result<T, WireError> {
    input_from_value(op, parse_body(body)?)
}

/// Validates an already-parsed body ([`check_input`]) and deserialises it
/// into the operation's input type `T`.
pub fn input_from_value<T: DeserializeOwned>(
    op: &OperationSpec,
    value: Value,
) -> Result<T, WireError> {
    check_input(op, &value)?;
    // serde's own messages may quote request values (e.g. a password), so they
    // are not passed on.
    serde_json::from_value(value).map_err(|_| {
        WireError::serialization(format!(
            "The request body could not be read as {}",
            op.input.unwrap_or("input")
        ))
    })
}

/// Serialises a response body (compact JSON).
pub fn encode_output<T: Serialize>(value: &T) -> Vec<u8> {
    // The generated types only contain strings, numbers, booleans, lists and
    // string-keyed maps, which always serialise; fall back to `{}` regardless.
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

/// Whether a request `Content-Type` is acceptable: `application/x-amz-json-1.1`,
/// `application/x-amz-json-1.0` or `application/json`, case-insensitive, with
/// optional parameters (`; charset=utf-8`).
pub fn is_json_content_type(ct: &str) -> bool {
    let essence = ct.split(';').next().unwrap_or_default().trim();
    [
        "application/x-amz-json-1.1",
        "application/x-amz-json-1.0",
        "application/json",
    ]
    .iter()
    .any(|t| essence.eq_ignore_ascii_case(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert!(is_json_content_type("application/x-amz-json-1.1"));
        assert!(is_json_content_type("application/x-amz-json-1.0"));
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=UTF-8"));
        assert!(is_json_content_type(
            " application/x-amz-json-1.1 ;charset=utf-8"
        ));
        assert!(!is_json_content_type("text/plain"));
        assert!(!is_json_content_type("application/x-amz-json-1.2"));
        assert!(!is_json_content_type("application/jsonx"));
        assert!(!is_json_content_type(""));
    }
}
