//! Hand-written definitions of the tables in [`crate::generated`].

use std::fmt;

/// One operation of the service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// Operation name, the part after `AWSCognitoIdentityProviderService.` in `X-Amz-Target`.
    pub name: &'static str,
    /// Input structure shape name.
    pub input: Option<&'static str>,
    /// Output structure shape name.
    pub output: Option<&'static str>,
    /// False when the model marks the operation `smithy.api#noAuth` / `authtype: none`
    /// (user-facing operations that SDKs send unsigned).
    pub requires_sigv4: bool,
    /// Error shape names the model lists for the operation.
    pub errors: &'static [&'static str],
}

/// The type of a shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ShapeKind {
    Structure,
    String,
    List,
    Map,
    Integer,
    Long,
    Boolean,
    Blob,
    Timestamp,
    /// A structure with `"document": true`: any JSON value.
    Document,
}

impl ShapeKind {
    /// Scalars are everything except structures, lists, maps and documents.
    pub const fn is_scalar(self) -> bool {
        !matches!(
            self,
            ShapeKind::Structure | ShapeKind::List | ShapeKind::Map | ShapeKind::Document
        )
    }
}

/// A structure member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberSpec {
    /// Wire (JSON) name, e.g. `UserPoolId`.
    pub name: &'static str,
    /// Target shape name.
    pub target: &'static str,
    /// Listed in the structure's `required`.
    pub required: bool,
}

/// A `pattern` constraint (Java regular expression, matched with find semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternSpec {
    /// Index of the pattern, below [`crate::generated::shapes::PATTERN_COUNT`];
    /// shapes with the same pattern share the index (and the compiled regex).
    pub id: usize,
    /// The pattern exactly as in the model.
    pub source: &'static str,
}

/// A shape and its constraints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShapeSpec {
    pub name: &'static str,
    pub kind: ShapeKind,
    /// `min`: length (strings in code points, blobs in bytes, lists/maps in
    /// entries) or value (integers, longs).
    pub min: Option<i64>,
    /// `max`, as `min`.
    pub max: Option<i64>,
    pub pattern: Option<PatternSpec>,
    /// Allowed values of an enum-constrained string, in model order.
    pub enum_values: &'static [&'static str],
    /// `"sensitive": true`: values must never be echoed or logged.
    pub sensitive: bool,
    /// Structure members in model order.
    pub members: &'static [MemberSpec],
    /// List element shape.
    pub list_member: Option<&'static str>,
    /// Map key shape.
    pub map_key: Option<&'static str>,
    /// Map value shape.
    pub map_value: Option<&'static str>,
    /// Error structure.
    pub exception: bool,
    /// Server-side error (`"fault": true`).
    pub fault: bool,
}

impl ShapeSpec {
    /// A shape with no constraints; the generated table overrides fields of it.
    pub const DEFAULT: ShapeSpec = ShapeSpec {
        name: "",
        kind: ShapeKind::Structure,
        min: None,
        max: None,
        pattern: None,
        enum_values: &[],
        sensitive: false,
        members: &[],
        list_member: None,
        map_key: None,
        map_value: None,
        exception: false,
        fault: false,
    };

    /// The member with wire name `name`.
    pub fn member(&self, name: &str) -> Option<&'static MemberSpec> {
        self.members.iter().find(|m| m.name == name)
    }
}

/// Error of the generated enums' `FromStr`: the string is not one of the
/// shape's enum values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownEnumValue {
    /// Enum shape name.
    pub enum_name: &'static str,
    /// The rejected value.
    pub value: String,
}

impl UnknownEnumValue {
    pub fn new(enum_name: &'static str, value: &str) -> Self {
        UnknownEnumValue {
            enum_name,
            value: value.to_owned(),
        }
    }
}

impl fmt::Display for UnknownEnumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a valid {} value",
            self.value, self.enum_name
        )
    }
}

impl std::error::Error for UnknownEnumValue {}
