//! Emits the Rust sources of `userpools-wire/src/generated/` (unformatted;
//! `lib.rs` pipes them through rustfmt).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use anyhow::{bail, Result};

use crate::metadata::Metadata;
use crate::model::{Kind, Model, Shape};
use crate::names::{snake_case, str_lit, variant_name};
use crate::{HEADER, METADATA_PATH, MODEL_PATH};

fn sorted_shapes(model: &Model) -> Vec<&Shape> {
    let mut v: Vec<&Shape> = model.shapes.iter().collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

pub fn mod_rs(_model: &Model) -> String {
    format!(
        r#"{HEADER}
//! Code generated from the pinned service model (`{MODEL_PATH}`).
//!
//! Regenerate with `cargo run -p userpools-codegen`; `cargo run -p userpools-codegen -- --check`
//! (and `cargo test -p userpools-wire`) fail when these files are out of date.

pub mod operations;
pub mod shapes;
pub mod types;
"#
    )
}

pub fn operations_rs(model: &Model, metadata: &Metadata) -> Result<String> {
    let mut ops: Vec<_> = model.operations.iter().collect();
    ops.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    let _ = writeln!(
        out,
        "//! The operation table of the service model, with the metadata of `{METADATA_PATH}`.\n"
    );
    out.push_str("use crate::model::{IamResource, OperationSpec, ProfileAccess, QuotaSpec};\n\n");
    let _ = writeln!(out, "/// `X-Amz-Target` prefix (`metadata.targetPrefix`).");
    let _ = writeln!(
        out,
        "pub const TARGET_PREFIX: &str = {};",
        str_lit(&model.target_prefix)
    );
    let _ = writeln!(out, "/// API version of the model (`metadata.apiVersion`).");
    let _ = writeln!(
        out,
        "pub const API_VERSION: &str = {};\n",
        str_lit(&model.api_version)
    );
    emit_operation_enum(&ops, &mut out)?;
    emit_quota_categories(metadata, &mut out);
    let _ = writeln!(
        out,
        "/// Every operation of the model ({}), sorted by name: `OPERATIONS[op as usize]` describes `op`.",
        ops.len()
    );
    out.push_str("pub static OPERATIONS: &[OperationSpec] = &[\n");
    for op in &ops {
        let opt = |o: &Option<String>| match o {
            Some(s) => format!("Some({})", str_lit(s)),
            None => "None".to_owned(),
        };
        let errors: Vec<String> = op.errors.iter().map(|e| str_lit(e)).collect();
        let quota = metadata.quota(&op.name)?;
        let per_user = match quota.per_user {
            Some(access) => format!("Some(ProfileAccess::{})", access.variant()),
            None => "None".to_owned(),
        };
        let _ = writeln!(
            out,
            "OperationSpec {{ operation: Operation::{}, name: {}, input: {}, output: {}, requires_sigv4: {}, \
             iam_resource: IamResource::{}, \
             quota: QuotaSpec {{ category: QuotaCategory::{}, per_user: {per_user}, own_challenge_allowance: {} }}, \
             errors: &[{}] }},",
            op.name,
            str_lit(&op.name),
            opt(&op.input),
            opt(&op.output),
            op.requires_sigv4,
            iam_resource(model, op),
            quota.category,
            quota.own_challenge_allowance,
            errors.join(", ")
        );
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Looks up an operation by its exact name (binary search over [`OPERATIONS`]).\n\
         pub fn operation(name: &str) -> Option<&'static OperationSpec> {\n\
         OPERATIONS.binary_search_by(|op| op.name.cmp(name)).ok().map(|i| &OPERATIONS[i])\n\
         }\n",
    );
    Ok(out)
}

/// The `Operation` enum: one variant per operation, named as on the wire, in
/// name order (so a variant's discriminant is its index in `OPERATIONS`).
fn emit_operation_enum(ops: &[&crate::model::Operation], out: &mut String) -> Result<()> {
    out.push_str(
        "/// An operation of the model, named as on the wire. Variants are in name order:\n\
         /// `op as usize` is the index of `op` in [`OPERATIONS`].\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum Operation {\n",
    );
    for op in ops {
        let valid = op.name.starts_with(|c: char| c.is_ascii_uppercase())
            && op.name.chars().all(|c| c.is_ascii_alphanumeric());
        if !valid {
            bail!("operation name `{}` is not a Rust identifier", op.name);
        }
        let _ = writeln!(out, "{},", op.name);
    }
    out.push_str("}\n\n");
    Ok(())
}

/// The `QuotaCategory` enum and its names and default rates.
fn emit_quota_categories(metadata: &Metadata, out: &mut String) {
    out.push_str(
        "/// An API request-rate category of Amazon Cognito user pools, in documentation order.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum QuotaCategory {\n",
    );
    for c in &metadata.categories {
        let _ = writeln!(out, "/// {}\n{},", c.doc, c.name);
    }
    out.push_str("}\n\nimpl QuotaCategory {\n");
    out.push_str("/// Every category, in documentation order.\npub const ALL: &'static [QuotaCategory] = &[\n");
    for c in &metadata.categories {
        let _ = writeln!(out, "QuotaCategory::{},", c.name);
    }
    out.push_str("];\n\n/// The category's name as AWS spells it.\npub const fn name(self) -> &'static str {\nmatch self {\n");
    for c in &metadata.categories {
        let _ = writeln!(out, "QuotaCategory::{} => {},", c.name, str_lit(&c.name));
    }
    out.push_str("}\n}\n\n/// The service's default quota, in requests per second.\npub const fn default_rps(self) -> u32 {\nmatch self {\n");
    for c in &metadata.categories {
        let _ = writeln!(out, "QuotaCategory::{} => {},", c.name, c.default_rps);
    }
    out.push_str("}\n}\n}\n\n");
}

/// How a request's IAM resource is found: the pool of its `UserPoolId`, its
/// `ResourceArn` (tagging), or none (`*`).
fn iam_resource(model: &Model, op: &crate::model::Operation) -> &'static str {
    let input = op.input.as_deref().and_then(|name| model.shape(name));
    let has = |member: &str| input.is_some_and(|s| s.members.iter().any(|m| m.name == member));
    if has("UserPoolId") {
        "UserPool"
    } else if has("ResourceArn") {
        "ResourceArn"
    } else {
        "Any"
    }
}

pub fn shapes_rs(model: &Model) -> String {
    let shapes = sorted_shapes(model);
    // Deduplicated patterns, numbered in order of first use.
    let mut pattern_ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut patterns: Vec<&str> = Vec::new();
    for s in &shapes {
        if let Some(p) = &s.pattern {
            if !pattern_ids.contains_key(p.as_str()) {
                pattern_ids.insert(p, patterns.len());
                patterns.push(p);
            }
        }
    }

    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    out.push_str("//! Constraint table of every shape of the model, for the input validator.\n\n");
    out.push_str("use crate::model::{MemberSpec, PatternSpec, ShapeKind, ShapeSpec};\n\n");
    out.push_str("/// Number of distinct patterns ([`PatternSpec::id`] is below this).\n");
    let _ = writeln!(
        out,
        "pub const PATTERN_COUNT: usize = {};\n",
        patterns.len()
    );
    // Laid out by hand: rustfmt leaves statements with over-long lines alone,
    // and some patterns are longer than a line.
    out.push_str(
        "/// Every distinct `pattern` of the model, verbatim; indexed by [`PatternSpec::id`].\n",
    );
    out.push_str("pub const PATTERNS: [&str; PATTERN_COUNT] = [\n");
    for p in &patterns {
        let _ = writeln!(out, "    {},", str_lit(p));
    }
    out.push_str("];\n\n");
    let _ = writeln!(
        out,
        "/// Every shape of the model ({}), sorted by name.",
        shapes.len()
    );
    out.push_str("pub static SHAPES: &[ShapeSpec] = &[\n");
    for s in &shapes {
        let _ = write!(
            out,
            "ShapeSpec {{ name: {}, kind: ShapeKind::{},",
            str_lit(&s.name),
            s.kind.variant()
        );
        if let Some(min) = s.min {
            let _ = write!(out, " min: Some({min}),");
        }
        if let Some(max) = s.max {
            let _ = write!(out, " max: Some({max}),");
        }
        if let Some(p) = &s.pattern {
            let id = pattern_ids[p.as_str()];
            let _ = write!(
                out,
                " pattern: Some(PatternSpec {{ id: {id}, source: PATTERNS[{id}] }}),"
            );
        }
        if !s.enum_values.is_empty() {
            let vals: Vec<String> = s.enum_values.iter().map(|v| str_lit(v)).collect();
            let _ = write!(out, " enum_values: &[{}],", vals.join(", "));
        }
        if s.sensitive {
            out.push_str(" sensitive: true,");
        }
        if !s.members.is_empty() {
            out.push_str(" members: &[");
            for m in &s.members {
                let _ = write!(
                    out,
                    "MemberSpec {{ name: {}, target: {}, required: {} }},",
                    str_lit(&m.name),
                    str_lit(&m.target),
                    m.required
                );
            }
            out.push_str("],");
        }
        if let Some(m) = &s.list_member {
            let _ = write!(out, " list_member: Some({}),", str_lit(m));
        }
        if let Some(k) = &s.map_key {
            let _ = write!(out, " map_key: Some({}),", str_lit(k));
        }
        if let Some(v) = &s.map_value {
            let _ = write!(out, " map_value: Some({}),", str_lit(v));
        }
        if s.exception {
            out.push_str(" exception: true,");
        }
        if s.fault {
            out.push_str(" fault: true,");
        }
        out.push_str(" ..ShapeSpec::DEFAULT },\n");
    }
    out.push_str("];\n\n");
    out.push_str(
        "/// Looks up a shape by name (binary search over [`SHAPES`]).\n\
         pub fn try_shape(name: &str) -> Option<&'static ShapeSpec> {\n\
         SHAPES.binary_search_by(|s| s.name.cmp(name)).ok().map(|i| &SHAPES[i])\n\
         }\n\n\
         /// Looks up a shape by name.\n\
         ///\n\
         /// # Panics\n\
         ///\n\
         /// If the model has no shape called `name`; use [`try_shape`] for untrusted names.\n\
         pub fn shape(name: &str) -> &'static ShapeSpec {\n\
         match try_shape(name) {\n\
         Some(s) => s,\n\
         None => panic!(\"the model has no shape named `{name}`\"),\n\
         }\n\
         }\n",
    );
    out
}

struct TypeCtx<'a> {
    model: &'a Model,
    by_name: HashMap<&'a str, &'a Shape>,
    /// Structures whose every required member has a `Default` type.
    defaultable: BTreeSet<&'a str>,
    /// (structure, member) pairs that need a `Box` to break a cycle.
    boxed: BTreeSet<(&'a str, &'a str)>,
}

impl<'a> TypeCtx<'a> {
    fn new(model: &'a Model) -> TypeCtx<'a> {
        let by_name: HashMap<&str, &Shape> =
            model.shapes.iter().map(|s| (s.name.as_str(), s)).collect();
        let mut ctx = TypeCtx {
            model,
            by_name,
            defaultable: BTreeSet::new(),
            boxed: BTreeSet::new(),
        };
        ctx.compute_boxes();
        ctx.compute_defaults();
        ctx
    }

    fn shape(&self, name: &str) -> &'a Shape {
        self.by_name[name]
    }

    /// A struct member needs a `Box` when its target structure leads back to
    /// the containing structure through direct (non-collection) members only.
    fn compute_boxes(&mut self) {
        fn direct<'s>(ctx: &TypeCtx<'s>, s: &'s Shape) -> Vec<&'s str> {
            s.members
                .iter()
                .filter(|m| ctx.shape(&m.target).kind == Kind::Structure)
                .map(|m| m.target.as_str())
                .collect()
        }
        let mut boxed = BTreeSet::new();
        for s in &self.model.shapes {
            if s.kind != Kind::Structure {
                continue;
            }
            for m in &s.members {
                if self.shape(&m.target).kind != Kind::Structure {
                    continue;
                }
                // Depth-first search from the target back to `s`.
                let mut stack = vec![m.target.as_str()];
                let mut seen = BTreeSet::new();
                while let Some(n) = stack.pop() {
                    if n == s.name {
                        boxed.insert((s.name.as_str(), m.name.as_str()));
                        break;
                    }
                    if seen.insert(n) {
                        stack.extend(direct(self, self.shape(n)));
                    }
                }
            }
        }
        self.boxed = boxed;
    }

    fn compute_defaults(&mut self) {
        loop {
            let mut changed = false;
            for s in &self.model.shapes {
                if s.kind != Kind::Structure || self.defaultable.contains(s.name.as_str()) {
                    continue;
                }
                if s.members
                    .iter()
                    .filter(|m| m.required)
                    .all(|m| self.type_has_default(&m.target))
                {
                    self.defaultable.insert(s.name.as_str());
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    fn type_has_default(&self, target: &str) -> bool {
        let s = self.shape(target);
        match s.kind {
            Kind::String => s.enum_values.is_empty(),
            Kind::Structure => self.defaultable.contains(s.name.as_str()),
            _ => true,
        }
    }

    fn rust_type(&self, target: &str) -> String {
        let s = self.shape(target);
        let base = match s.kind {
            Kind::String if !s.enum_values.is_empty() => s.name.clone(),
            Kind::String | Kind::Blob => "String".to_owned(),
            Kind::Boolean => "bool".to_owned(),
            Kind::Integer => "i32".to_owned(),
            Kind::Long => "i64".to_owned(),
            Kind::Timestamp => "f64".to_owned(),
            Kind::Document => "serde_json::Value".to_owned(),
            Kind::List => format!(
                "Vec<{}>",
                self.rust_type(s.list_member.as_deref().unwrap_or_default())
            ),
            Kind::Map => format!(
                "BTreeMap<String, {}>",
                self.rust_type(s.map_value.as_deref().unwrap_or_default())
            ),
            Kind::Structure => s.name.clone(),
        };
        if s.sensitive {
            format!("Sensitive<{base}>")
        } else {
            base
        }
    }
}

pub fn types_rs(model: &Model) -> Result<String> {
    let ctx = TypeCtx::new(model);
    let mut out = String::new();
    let _ = writeln!(out, "{HEADER}");
    out.push_str(
        "//! One serde type per structure shape and per enum-constrained string shape.\n\
         //!\n\
         //! Members keep their wire names via `#[serde(rename)]`; optional members are\n\
         //! `Option<T>` and omitted when `None`. Values of sensitive shapes are wrapped in\n\
         //! [`Sensitive`], whose `Debug` output is redacted.\n\n",
    );
    out.push_str("use std::collections::BTreeMap;\n\nuse serde::{Deserialize, Serialize};\n\nuse crate::model::UnknownEnumValue;\nuse crate::sensitive::Sensitive;\n\n");

    for s in sorted_shapes(model) {
        match s.kind {
            Kind::Structure => emit_struct(&ctx, s, &mut out)?,
            Kind::Document => {
                let _ = writeln!(out, "/// Document shape `{}`: any JSON value.", s.name);
                let _ = writeln!(out, "pub type {} = serde_json::Value;\n", s.name);
            }
            Kind::String if !s.enum_values.is_empty() => emit_enum(s, &mut out)?,
            _ => {}
        }
    }
    Ok(out)
}

fn emit_struct(ctx: &TypeCtx<'_>, s: &Shape, out: &mut String) -> Result<()> {
    let mut fields = BTreeSet::new();
    for m in &s.members {
        if !fields.insert(snake_case(&m.name)) {
            bail!(
                "structure `{}`: two members map to the field `{}`",
                s.name,
                snake_case(&m.name)
            );
        }
    }
    let mut derives = vec!["Clone"];
    if !s.sensitive {
        derives.insert(0, "Debug");
    }
    if ctx.defaultable.contains(s.name.as_str()) {
        derives.push("Default");
    }
    derives.extend(["PartialEq", "Serialize", "Deserialize"]);
    let what = if s.exception {
        "Error structure"
    } else {
        "Structure"
    };
    let _ = writeln!(out, "/// {what} `{}`.", s.name);
    let _ = writeln!(out, "#[derive({})]", derives.join(", "));
    let _ = writeln!(out, "pub struct {} {{", s.name);
    for m in &s.members {
        let mut ty = ctx.rust_type(&m.target);
        if ctx.boxed.contains(&(s.name.as_str(), m.name.as_str())) {
            ty = format!("Box<{ty}>");
        }
        let field = snake_case(&m.name);
        if m.required {
            let _ = writeln!(out, "#[serde(rename = {})]", str_lit(&m.name));
            let _ = writeln!(out, "pub {field}: {ty},");
        } else {
            let _ = writeln!(
                out,
                "#[serde(rename = {}, skip_serializing_if = \"Option::is_none\", default)]",
                str_lit(&m.name)
            );
            let _ = writeln!(out, "pub {field}: Option<{ty}>,");
        }
    }
    out.push_str("}\n\n");
    if s.sensitive {
        let _ = writeln!(
            out,
            "impl std::fmt::Debug for {} {{\n\
             fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
             f.write_str(crate::sensitive::REDACTED)\n\
             }}\n\
             }}\n",
            s.name
        );
    }
    Ok(())
}

fn emit_enum(s: &Shape, out: &mut String) -> Result<()> {
    let mut names = BTreeSet::new();
    let variants: Vec<(String, &str)> = s
        .enum_values
        .iter()
        .map(|v| (variant_name(v), v.as_str()))
        .collect();
    for (n, v) in &variants {
        if !names.insert(n.clone()) {
            bail!(
                "enum `{}`: value `{v}` maps to an existing variant `{n}`",
                s.name
            );
        }
    }
    let _ = writeln!(out, "/// Enum shape `{}`.", s.name);
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]\n");
    let _ = writeln!(out, "pub enum {} {{", s.name);
    for (n, v) in &variants {
        let _ = writeln!(out, "#[serde(rename = {})]\n{n},", str_lit(v));
    }
    out.push_str("}\n\n");

    let _ = writeln!(out, "impl {} {{", s.name);
    out.push_str("/// Every wire value, in model order.\n");
    let vals: Vec<String> = variants.iter().map(|(_, v)| str_lit(v)).collect();
    let _ = writeln!(
        out,
        "pub const VALUES: &'static [&'static str] = &[{}];\n",
        vals.join(", ")
    );
    out.push_str(
        "/// The exact wire value.\npub const fn as_str(&self) -> &'static str {\nmatch self {\n",
    );
    for (n, v) in &variants {
        let _ = writeln!(out, "Self::{n} => {},", str_lit(v));
    }
    out.push_str("}\n}\n}\n\n");

    let _ = writeln!(
        out,
        "impl std::str::FromStr for {} {{\ntype Err = UnknownEnumValue;\n\n\
         fn from_str(s: &str) -> Result<Self, Self::Err> {{\nmatch s {{",
        s.name
    );
    for (n, v) in &variants {
        let _ = writeln!(out, "{} => Ok(Self::{n}),", str_lit(v));
    }
    let _ = writeln!(
        out,
        "other => Err(UnknownEnumValue::new({}, other)),\n}}\n}}\n}}\n",
        str_lit(&s.name)
    );
    let _ = writeln!(
        out,
        "impl std::fmt::Display for {} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         f.write_str(self.as_str())\n}}\n}}\n",
        s.name
    );
    Ok(())
}
