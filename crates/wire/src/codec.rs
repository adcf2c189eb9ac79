//! AWS JSON 1.1 request/response handling: target resolution, body decoding
//! (parse → validate → deserialise) and encoding.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::error::WireError;
use crate::generated::operations::operation;
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
pub fn resolve_target(x_amz_target: Option<&str>) -> Result<&'static OperationSpec, WireError> {
    let Some(raw) = x_amz_target else {
        return Err(WireError::unknown_operation(
            "Unknown operation: missing X-Amz-Target header",
        ));
    };
    let target = raw.trim();
    target
        .strip_prefix(TARGET_PREFIX)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(operation)
        .ok_or_else(|| WireError::unknown_operation(format!("Unknown operation {target}")))
}

/// Parses and validates a request body, returning the JSON value.
///
/// An empty (or all-whitespace) body counts as `{}`. Malformed JSON gives
/// `SerializationException` (`Malformed JSON request body: <parser message>`,
/// which never contains request data); then [`validate_input`] runs against
/// the operation's input shape.
pub fn decode_input_value(op: &OperationSpec, body: &[u8]) -> Result<Value, WireError> {
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice::<Value>(body)
            .map_err(|e| WireError::serialization(format!("Malformed JSON request body: {e}")))?
    };
    match op.input {
        Some(shape) => validate_input(shape, &value)?,
        None if !value.is_object() => {
            return Err(WireError::serialization(
                "Start of structure or map found where not expected.",
            ))
        }
        None => {}
    }
    Ok(value)
}

/// Decodes a request body into the operation's input type `T`:
/// [`decode_input_value`], then `serde_json::from_value`. Every failure is a
/// [`WireError`] (`SerializationException` / `InvalidParameterException`);
/// this never panics.
pub fn decode_input<T: DeserializeOwned>(op: &OperationSpec, body: &[u8]) -> Result<T, WireError> {
    let value = decode_input_value(op, body)?;
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
