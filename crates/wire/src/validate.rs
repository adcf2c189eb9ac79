//! Input validation against the model's constraints, before deserialisation.
//!
//! [`validate_input`] walks the request JSON along the input shape and reports
//! two kinds of problems, the way Cognito's (Coral) front end does:
//!
//! # Wrong JSON types → `SerializationException`
//!
//! The first value whose JSON type does not fit its shape aborts validation.
//! Messages (`<TOKEN>` is the JSON type that was found: `STRING_VALUE`,
//! `NUMBER_VALUE`, `BOOLEAN_VALUE` or `NULL_VALUE`):
//!
//! | found \ expected | message |
//! | --- | --- |
//! | object where a non-structure/map is expected | `Start of structure or map found where not expected.` |
//! | array where a non-list is expected | `Start of list found where not expected` |
//! | scalar of the wrong type | `<TOKEN> can not be converted to a String` (`a Boolean`, `an Integer`, `a Long`, `a Timestamp`, `a Blob`, `a Structure`, `a Map`, `a List`) |
//! | a number that is not an integer in range for an integer/long shape | `NUMBER_VALUE can not be converted to an Integer` / `… a Long` |
//!
//! A request body that is not a JSON object is reported the same way (e.g.
//! `Start of list found where not expected` for `[]`). A JSON `null` as a
//! structure member means "absent"; `null` as a list element or map value is a
//! type error (`NULL_VALUE can not be converted to …`). Unknown members are
//! ignored. Document shapes accept any JSON.
//!
//! # Constraint violations → `InvalidParameterException`
//!
//! All violations are collected; the message is
//! `1 validation error detected: <v>` or `N validation errors detected: <v1>; <v2>; …`,
//! each `<v>` being `Value '<value>' at '<path>' failed to satisfy constraint: <rule>`.
//! For values of sensitive shapes (or inside a sensitive structure/map, or a
//! list/map/structure containing sensitive shapes) the value is left out:
//! `Value at '<path>' failed …`; a missing required member reads
//! `Value null at '<path>' failed to satisfy constraint: Member must not be null`.
//!
//! Order: structure members in model order, depth first; for one value: length
//! (or numeric range), then pattern, then enum; for a list: its length, then its
//! elements; for a map: its length, then keys, then values.
//!
//! Rules: `Member must not be null`, `Member must have length less than or equal to N`,
//! `Member must have length greater than or equal to N`,
//! `Member must satisfy regular expression pattern: <pattern verbatim>`,
//! `Member must satisfy enum value set: [A, B, C]`,
//! `Member must have value less than or equal to N`, `Member must have value greater than or equal to N`.
//! String lengths count Unicode code points, blob lengths decoded bytes, list and
//! map lengths entries.
//!
//! Paths: member names with the first letter lower-cased, joined by `.`
//! (`policies.passwordPolicy.minimumLength`). Inside lists of structures the
//! element is `<list>.<n>.member` with `n` starting at 1
//! (`userAttributes.1.member.value`); inside maps of structures the entry is
//! `<map>.<key>.member`. Scalar list elements and scalar map keys/values are
//! reported once per collection, at the collection's path, with Coral's
//! aggregated rules — `Member must satisfy constraint: [<rules>]` for list
//! elements, `Map keys must satisfy constraint: [<rules>]` and
//! `Map value must satisfy constraint: [<rules>]` for maps (distinct rules, in
//! order of first failure).
//!
//! Values are rendered like Java's `toString`: strings as they are, numbers in
//! decimal, lists as `[a, b]`, maps and structures as `{k=v, k2=v2}`.

use std::fmt::{self, Write as _};

use serde_json::{Map, Value};

use crate::error::WireError;
use crate::generated::shapes::{shape, try_shape};
use crate::model::{ShapeKind, ShapeSpec};
use crate::pattern;

/// How a violation shows the offending value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShownValue {
    /// The member is missing: `Value null at '…'`.
    Null,
    /// The value is sensitive: `Value at '…'`.
    Hidden,
    /// `Value '<text>' at '…'`.
    Text(String),
}

/// One constraint violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Coral-style path, e.g. `policies.passwordPolicy.minimumLength`.
    pub path: String,
    pub value: ShownValue,
    /// E.g. `Member must not be null`.
    pub rule: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            ShownValue::Null => write!(f, "Value null at '{}'", self.path)?,
            ShownValue::Hidden => write!(f, "Value at '{}'", self.path)?,
            ShownValue::Text(v) => write!(f, "Value '{v}' at '{}'", self.path)?,
        }
        write!(f, " failed to satisfy constraint: {}", self.rule)
    }
}

/// `1 validation error detected: …` / `N validation errors detected: …; …`.
pub fn validation_message(violations: &[Violation]) -> String {
    let mut out = match violations.len() {
        1 => "1 validation error detected: ".to_owned(),
        n => format!("{n} validation errors detected: "),
    };
    for (i, v) in violations.iter().enumerate() {
        if i > 0 {
            out.push_str("; ");
        }
        let _ = write!(out, "{v}");
    }
    out
}

/// An `InvalidParameterException` carrying [`validation_message`].
pub fn validation_error(violations: &[Violation]) -> WireError {
    WireError::invalid_parameter(validation_message(violations))
}

/// Validates a request body against the input shape `input_shape`; see the
/// module documentation for the exact errors.
pub fn validate_input(input_shape: &str, body: &Value) -> Result<(), WireError> {
    let shape = try_shape(input_shape)
        .ok_or_else(|| WireError::internal(format!("unknown input shape `{input_shape}`")))?;
    let violations = collect_violations(shape, body)?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(validation_error(&violations))
    }
}

/// Validates `value` against `shape` and returns the constraint violations
/// (paths relative to `value`). A JSON type mismatch is returned as the error.
pub fn collect_violations(shape: &ShapeSpec, value: &Value) -> Result<Vec<Violation>, WireError> {
    let mut v = Validator {
        path: Vec::new(),
        violations: Vec::new(),
    };
    v.check(shape, value, false)?;
    Ok(v.violations)
}

enum Seg {
    Member(&'static str),
    Index(usize),
    Key(String),
}

struct Validator {
    path: Vec<Seg>,
    violations: Vec<Violation>,
}

impl Validator {
    fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            if !s.is_empty() {
                s.push('.');
            }
            match seg {
                Seg::Member(name) => {
                    let mut cs = name.chars();
                    if let Some(first) = cs.next() {
                        s.extend(first.to_lowercase());
                        s.push_str(cs.as_str());
                    }
                }
                Seg::Index(i) => {
                    let _ = write!(s, "{i}.member");
                }
                Seg::Key(k) => {
                    let _ = write!(s, "{k}.member");
                }
            }
        }
        s
    }

    fn push(&mut self, value: ShownValue, rule: String) {
        let path = self.path_string();
        self.violations.push(Violation { path, value, rule });
    }

    fn check(
        &mut self,
        shape: &ShapeSpec,
        value: &Value,
        sensitive_ctx: bool,
    ) -> Result<(), WireError> {
        let sensitive = sensitive_ctx || shape.sensitive;
        match shape.kind {
            ShapeKind::Document => Ok(()),
            ShapeKind::Structure => {
                let obj = value
                    .as_object()
                    .ok_or_else(|| mismatch(value, ShapeKind::Structure))?;
                for m in shape.members {
                    match obj.get(m.name) {
                        None | Some(Value::Null) => {
                            if m.required {
                                self.path.push(Seg::Member(m.name));
                                self.push(ShownValue::Null, "Member must not be null".to_owned());
                                self.path.pop();
                            }
                        }
                        Some(v) => {
                            self.path.push(Seg::Member(m.name));
                            let r = self.check(target(m.target)?, v, sensitive);
                            self.path.pop();
                            r?;
                        }
                    }
                }
                Ok(())
            }
            ShapeKind::List => {
                let items = value
                    .as_array()
                    .ok_or_else(|| mismatch(value, ShapeKind::List))?;
                let elem = target(shape.list_member.unwrap_or_default())?;
                for rule in length_rules(shape, items.len()) {
                    self.push(shown(shape, value, sensitive), rule);
                }
                if elem.kind.is_scalar() {
                    let mut rules: Vec<String> = Vec::new();
                    for item in items {
                        for r in scalar_rules(elem, item)? {
                            if !rules.contains(&r) {
                                rules.push(r);
                            }
                        }
                    }
                    if !rules.is_empty() {
                        let rule =
                            format!("Member must satisfy constraint: [{}]", rules.join(", "));
                        self.push(shown(shape, value, sensitive), rule);
                    }
                } else {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Seg::Index(i + 1));
                        let r = self.check(elem, item, sensitive);
                        self.path.pop();
                        r?;
                    }
                }
                Ok(())
            }
            ShapeKind::Map => {
                let entries = value
                    .as_object()
                    .ok_or_else(|| mismatch(value, ShapeKind::Map))?;
                let key_shape = target(shape.map_key.unwrap_or_default())?;
                let value_shape = target(shape.map_value.unwrap_or_default())?;
                for rule in length_rules(shape, entries.len()) {
                    self.push(shown(shape, value, sensitive), rule);
                }
                let mut key_rules: Vec<String> = Vec::new();
                for k in entries.keys() {
                    for r in scalar_rules(key_shape, &Value::String(k.clone()))? {
                        if !key_rules.contains(&r) {
                            key_rules.push(r);
                        }
                    }
                }
                if !key_rules.is_empty() {
                    let rule = format!(
                        "Map keys must satisfy constraint: [{}]",
                        key_rules.join(", ")
                    );
                    self.push(shown(shape, value, sensitive), rule);
                }
                if value_shape.kind.is_scalar() {
                    let mut rules: Vec<String> = Vec::new();
                    for v in entries.values() {
                        for r in scalar_rules(value_shape, v)? {
                            if !rules.contains(&r) {
                                rules.push(r);
                            }
                        }
                    }
                    if !rules.is_empty() {
                        let rule =
                            format!("Map value must satisfy constraint: [{}]", rules.join(", "));
                        self.push(shown(shape, value, sensitive), rule);
                    }
                } else {
                    for (k, v) in entries {
                        self.path.push(Seg::Key(k.clone()));
                        let r = self.check(value_shape, v, sensitive);
                        self.path.pop();
                        r?;
                    }
                }
                Ok(())
            }
            _ => {
                for rule in scalar_rules(shape, value)? {
                    self.push(shown(shape, value, sensitive), rule);
                }
                Ok(())
            }
        }
    }
}

fn target(name: &str) -> Result<&'static ShapeSpec, WireError> {
    try_shape(name)
        .ok_or_else(|| WireError::internal(format!("the shape table has no shape `{name}`")))
}

/// Type-checks a scalar and returns the rules it violates.
fn scalar_rules(shape: &ShapeSpec, value: &Value) -> Result<Vec<String>, WireError> {
    let mut rules = Vec::new();
    match shape.kind {
        ShapeKind::String => {
            let s = value.as_str().ok_or_else(|| mismatch(value, shape.kind))?;
            rules.extend(length_rules(shape, s.chars().count()));
            if let Some(p) = shape.pattern {
                let compiled = pattern::compiled(p).map_err(WireError::internal)?;
                if !compiled.is_match(s) {
                    rules.push(format!(
                        "Member must satisfy regular expression pattern: {}",
                        p.source
                    ));
                }
            }
            if !shape.enum_values.is_empty() && !shape.enum_values.contains(&s) {
                rules.push(format!(
                    "Member must satisfy enum value set: [{}]",
                    shape.enum_values.join(", ")
                ));
            }
        }
        ShapeKind::Blob => {
            let s = value.as_str().ok_or_else(|| mismatch(value, shape.kind))?;
            rules.extend(length_rules(shape, base64_decoded_len(s)));
        }
        ShapeKind::Boolean => {
            value.as_bool().ok_or_else(|| mismatch(value, shape.kind))?;
        }
        ShapeKind::Integer | ShapeKind::Long => {
            let n = value
                .as_i64()
                .filter(|n| shape.kind == ShapeKind::Long || i32::try_from(*n).is_ok())
                .ok_or_else(|| mismatch(value, shape.kind))?;
            if let Some(max) = shape.max.filter(|max| n > *max) {
                rules.push(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
            if let Some(min) = shape.min.filter(|min| n < *min) {
                rules.push(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            }
        }
        ShapeKind::Timestamp => {
            if !value.is_number() {
                return Err(mismatch(value, shape.kind));
            }
        }
        ShapeKind::Structure | ShapeKind::List | ShapeKind::Map | ShapeKind::Document => {}
    }
    Ok(rules)
}

fn length_rules(shape: &ShapeSpec, len: usize) -> Vec<String> {
    let len = i64::try_from(len).unwrap_or(i64::MAX);
    let mut rules = Vec::new();
    if let Some(max) = shape.max.filter(|max| len > *max) {
        rules.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
    if let Some(min) = shape.min.filter(|min| len < *min) {
        rules.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    rules
}

/// Decoded size of a base64 text (whitespace ignored; padding optional).
fn base64_decoded_len(s: &str) -> usize {
    let n = s.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    let pad = s
        .trim_end()
        .bytes()
        .rev()
        .take_while(|&b| b == b'=')
        .count()
        .min(2);
    (n - pad.min(n)) * 3 / 4
}

/// The `SerializationException` for a value of the wrong JSON type.
fn mismatch(value: &Value, expected: ShapeKind) -> WireError {
    let token = match value {
        Value::Object(_) => {
            return WireError::serialization("Start of structure or map found where not expected.")
        }
        Value::Array(_) => {
            return WireError::serialization("Start of list found where not expected")
        }
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        Value::Null => "NULL_VALUE",
    };
    let target = match expected {
        ShapeKind::Structure => "a Structure",
        ShapeKind::String => "a String",
        ShapeKind::List => "a List",
        ShapeKind::Map => "a Map",
        ShapeKind::Integer => "an Integer",
        ShapeKind::Long => "a Long",
        ShapeKind::Boolean => "a Boolean",
        ShapeKind::Blob => "a Blob",
        ShapeKind::Timestamp => "a Timestamp",
        ShapeKind::Document => "a Document",
    };
    WireError::serialization(format!("{token} can not be converted to {target}"))
}

fn shown(shape: &ShapeSpec, value: &Value, sensitive: bool) -> ShownValue {
    if sensitive || contains_sensitive(shape, 0) {
        ShownValue::Hidden
    } else {
        let mut s = String::new();
        render(value, &mut s);
        ShownValue::Text(s)
    }
}

/// Whether a shape or anything it contains is sensitive.
fn contains_sensitive(s: &ShapeSpec, depth: usize) -> bool {
    if s.sensitive {
        return true;
    }
    if depth > 32 {
        return false;
    }
    let nested = s
        .members
        .iter()
        .map(|m| m.target)
        .chain(s.list_member)
        .chain(s.map_key)
        .chain(s.map_value);
    for name in nested {
        if contains_sensitive(shape(name), depth + 1) {
            return true;
        }
    }
    false
}

/// Java-`toString`-like rendering.
fn render(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => {
            let _ = write!(out, "{b}");
        }
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => render_map(map, out),
    }
}

fn render_map(map: &Map<String, Value>, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        render(v, out);
    }
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_lengths() {
        assert_eq!(base64_decoded_len(""), 0);
        assert_eq!(base64_decoded_len("QQ=="), 1);
        assert_eq!(base64_decoded_len("QUI="), 2);
        assert_eq!(base64_decoded_len("QUJD"), 3);
        assert_eq!(base64_decoded_len("QQ"), 1);
        assert_eq!(base64_decoded_len("=="), 0);
    }
}
