//! Property tests over the request codec: target resolution, content types
//! and body decoding never panic, and every refusal is a 400 of the two
//! decoding error types. Bodies are raw bytes, arbitrary JSON, and JSON built
//! along each operation's input shape (so validation runs deep) with random
//! values and random wrong types. Case counts are bounded so the suite takes
//! seconds.

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};
use userpools_wire::types::{
    AdminCreateUserRequest, AdminSetUserPasswordRequest, AdminUpdateUserAttributesRequest,
    CreateUserPoolClientRequest, CreateUserPoolRequest, InitiateAuthRequest, ListUsersRequest,
    RespondToAuthChallengeRequest, UpdateUserPoolRequest,
};
use userpools_wire::{
    decode_input, decode_input_value, is_json_content_type, resolve_target, shape, OperationSpec,
    ShapeKind, WireError, OPERATIONS,
};

const CASES: u32 = 512;

/// Reads decisions from fuzz bytes; zeros once they run out (so shrinking
/// towards fewer bytes gives simpler values).
struct Choices<'a> {
    bytes: &'a [u8],
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.bytes.split_first() {
            Some((b, rest)) => {
                self.bytes = rest;
                *b
            }
            None => 0,
        }
    }

    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    fn string(&mut self, max_len: usize) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "0",
            "_",
            "-",
            ".",
            "@",
            " ",
            "\u{0}",
            "\n",
            "\"",
            "\\",
            "é",
            "😀",
            "\u{202e}",
            "us-east-1_",
            "%",
            "*",
            "=",
        ];
        let len = match self.below(8) {
            0 => max_len.saturating_add(1 + self.below(3)),
            _ => self.below(max_len.min(40) + 1),
        };
        (0..len.min(2_100))
            .map(|_| PIECES[self.below(PIECES.len())])
            .collect()
    }

    fn number(&mut self, min: Option<i64>, max: Option<i64>) -> Value {
        let edges = [
            json!(0),
            json!(-1),
            json!(1),
            json!(i64::MAX),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(1u64 << 53),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(min.unwrap_or(0)),
            json!(max.unwrap_or(0)),
            json!(min.unwrap_or(0).saturating_sub(1)),
            json!(max.unwrap_or(0).saturating_add(1)),
        ];
        edges[self.below(edges.len())].clone()
    }

    /// Any JSON value, a few levels deep.
    fn any(&mut self, depth: usize) -> Value {
        match self.below(if depth == 0 { 4 } else { 6 }) {
            0 => Value::Null,
            1 => Value::Bool(self.byte() & 1 == 0),
            2 => self.number(None, None),
            3 => Value::String(self.string(20)),
            4 => Value::Array((0..self.below(4)).map(|_| self.any(depth - 1)).collect()),
            _ => Value::Object(
                (0..self.below(4))
                    .map(|_| (self.string(8), self.any(depth - 1)))
                    .collect(),
            ),
        }
    }

    /// A value for `shape_name`: mostly of the right JSON kind, sometimes not.
    fn for_shape(&mut self, shape_name: &str, depth: usize) -> Value {
        let spec = shape(shape_name);
        if depth == 0 || self.below(12) == 0 {
            return self.any(depth.min(2));
        }
        match spec.kind {
            ShapeKind::Structure => {
                let mut object = Map::new();
                for member in spec.members {
                    if self.below(4) != 0 {
                        let value = self.for_shape(member.target, depth - 1);
                        object.insert(member.name.to_owned(), value);
                    }
                }
                if self.below(6) == 0 {
                    object.insert(self.string(10), self.any(1));
                }
                Value::Object(object)
            }
            ShapeKind::List => {
                let item = spec.list_member.unwrap_or("String");
                let len = self.below(4);
                Value::Array((0..len).map(|_| self.for_shape(item, depth - 1)).collect())
            }
            ShapeKind::Map => {
                let value = spec.map_value.unwrap_or("String");
                let len = self.below(4);
                Value::Object(
                    (0..len)
                        .map(|_| (self.string(12), self.for_shape(value, depth - 1)))
                        .collect(),
                )
            }
            ShapeKind::String if !spec.enum_values.is_empty() && self.below(3) != 0 => {
                Value::String(spec.enum_values[self.below(spec.enum_values.len())].to_owned())
            }
            ShapeKind::String => {
                let max = spec.max.and_then(|m| usize::try_from(m).ok()).unwrap_or(64);
                Value::String(self.string(max))
            }
            ShapeKind::Integer | ShapeKind::Long | ShapeKind::Timestamp => {
                self.number(spec.min, spec.max)
            }
            ShapeKind::Boolean => Value::Bool(self.byte() & 1 == 0),
            ShapeKind::Blob => Value::String(self.string(16)),
            ShapeKind::Document => self.any(2),
        }
    }
}

fn check_refusal(error: &WireError) {
    assert_eq!(error.status, 400, "{error}");
    assert!(
        matches!(
            error.type_name.as_str(),
            "SerializationException" | "InvalidParameterException"
        ),
        "{error}"
    );
}

fn decode_any(op: &OperationSpec, body: &[u8]) {
    if let Err(error) = decode_input_value(op, body) {
        check_refusal(&error);
    }
}

fn decode_typed<T: DeserializeOwned>(name: &str, body: &[u8]) {
    let op = resolve_target(Some(&format!("AWSCognitoIdentityProviderService.{name}"))).unwrap();
    if let Err(error) = decode_input::<T>(op.spec(), body) {
        check_refusal(&error);
    }
}

/// Decodes `body` as the input of the operations whose types are checked by
/// name (serde's deserialisation runs after validation).
fn decode_all_typed(body: &[u8]) {
    decode_typed::<AdminCreateUserRequest>("AdminCreateUser", body);
    decode_typed::<AdminSetUserPasswordRequest>("AdminSetUserPassword", body);
    decode_typed::<AdminUpdateUserAttributesRequest>("AdminUpdateUserAttributes", body);
    decode_typed::<CreateUserPoolClientRequest>("CreateUserPoolClient", body);
    decode_typed::<CreateUserPoolRequest>("CreateUserPool", body);
    decode_typed::<InitiateAuthRequest>("InitiateAuth", body);
    decode_typed::<ListUsersRequest>("ListUsers", body);
    decode_typed::<RespondToAuthChallengeRequest>("RespondToAuthChallenge", body);
    decode_typed::<UpdateUserPoolRequest>("UpdateUserPool", body);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn targets_resolve_or_are_unknown(target in proptest::option::of(".{0,80}"), op in 0..OPERATIONS.len(), tail in ".{0,4}") {
        if let Err(error) = resolve_target(target.as_deref()) {
            prop_assert_eq!(error.type_name.as_str(), "UnknownOperationException");
        }
        // A real target with noise after it.
        let noisy = format!("AWSCognitoIdentityProviderService.{}{tail}", OPERATIONS[op].name);
        match resolve_target(Some(&noisy)) {
            Ok(found) => prop_assert!(noisy.trim().ends_with(found.name())),
            Err(error) => prop_assert_eq!(error.type_name.as_str(), "UnknownOperationException"),
        }
    }

    #[test]
    fn content_types_never_panic(content_type in ".{0,60}") {
        let _ = is_json_content_type(&content_type);
    }

    #[test]
    fn raw_bytes_are_refused_cleanly(op in 0..OPERATIONS.len(), body in proptest::collection::vec(any::<u8>(), 0..200)) {
        decode_any(&OPERATIONS[op], &body);
        decode_all_typed(&body);
    }

    #[test]
    fn arbitrary_json_is_refused_cleanly(op in 0..OPERATIONS.len(), seed in proptest::collection::vec(any::<u8>(), 0..64)) {
        let body = serde_json::to_vec(&Choices { bytes: &seed }.any(3)).unwrap();
        decode_any(&OPERATIONS[op], &body);
        decode_all_typed(&body);
    }

    #[test]
    fn shaped_json_is_decoded_or_refused_cleanly(op in 0..OPERATIONS.len(), seed in proptest::collection::vec(any::<u8>(), 0..512)) {
        let op = &OPERATIONS[op];
        let mut choices = Choices { bytes: &seed };
        let value = match op.input {
            Some(input) => choices.for_shape(input, 6),
            None => choices.any(2),
        };
        let body = serde_json::to_vec(&value).unwrap();
        decode_any(op, &body);
        decode_all_typed(&body);
    }
}
