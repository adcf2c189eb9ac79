//! Hand-written definitions of the tables in [`crate::generated`].

use std::fmt;

use crate::generated::operations::{operation, Operation, QuotaCategory, OPERATIONS};

/// One operation of the service model and its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// The operation.
    pub operation: Operation,
    /// Operation name, the part after `AWSCognitoIdentityProviderService.` in `X-Amz-Target`.
    pub name: &'static str,
    /// Input structure shape name.
    pub input: Option<&'static str>,
    /// Output structure shape name.
    pub output: Option<&'static str>,
    /// False when the model marks the operation `smithy.api#noAuth` / `authtype: none`
    /// (user-facing operations that SDKs send unsigned).
    pub requires_sigv4: bool,
    /// How IAM finds the resource a request is evaluated on.
    pub iam_resource: IamResource,
    /// Request-rate quota of the operation.
    pub quota: QuotaSpec,
    /// Error shape names the model lists for the operation.
    pub errors: &'static [&'static str],
}

impl Operation {
    /// The operation's table entry.
    pub fn spec(self) -> &'static OperationSpec {
        &OPERATIONS[self as usize]
    }

    /// The name as on the wire (after `AWSCognitoIdentityProviderService.`).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The operation named exactly `name`.
    pub fn from_name(name: &str) -> Option<Operation> {
        operation(name).map(|spec| spec.operation)
    }

    /// Every operation, in name order.
    pub fn all() -> impl Iterator<Item = Operation> {
        OPERATIONS.iter().map(|spec| spec.operation)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl QuotaCategory {
    /// Looks a category up by its name (exact spelling).
    pub fn from_name(name: &str) -> Option<QuotaCategory> {
        QuotaCategory::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)
    }
}

/// Where the IAM resource of a request comes from (derived from the input shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IamResource {
    /// The user pool of the input's `UserPoolId`.
    UserPool,
    /// The input's `ResourceArn` (the tagging operations).
    ResourceArn,
    /// No resource: evaluated on `*` (CreateUserPool, ListUserPools, …).
    Any,
}

/// The request-rate quota metadata of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaSpec {
    /// The account-wide category the operation counts against.
    pub category: QuotaCategory,
    /// The per-user limit ("read/write user profile") it also counts against.
    pub per_user: Option<ProfileAccess>,
    /// Counted first against its own allowance of three times the category's
    /// rate (RespondToAuthChallenge, AdminRespondToAuthChallenge).
    pub own_challenge_allowance: bool,
}

/// Which per-user limit an operation counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileAccess {
    /// Operations that read the user profile.
    Read,
    /// Operations that write the user profile.
    Write,
}

impl ProfileAccess {
    /// `read` or `write`.
    pub const fn name(self) -> &'static str {
        match self {
            ProfileAccess::Read => "read",
            ProfileAccess::Write => "write",
        }
    }
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
