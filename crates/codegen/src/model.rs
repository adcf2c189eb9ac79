//! Typed view of the botocore `service-2.json` model, with strict key checks so
//! that a model update using a trait the generator does not understand fails
//! loudly instead of being dropped silently.

use anyhow::{anyhow, bail, Context, Result};

use crate::json::Json;

/// The parts of the service model the generator uses.
#[derive(Debug)]
pub struct Model {
    pub target_prefix: String,
    pub api_version: String,
    pub operations: Vec<Operation>,
    /// Shapes in model-file order.
    pub shapes: Vec<Shape>,
}

#[derive(Debug)]
pub struct Operation {
    pub name: String,
    pub input: Option<String>,
    pub output: Option<String>,
    pub errors: Vec<String>,
    /// False when the operation carries `"auth": ["smithy.api#noAuth"]` or
    /// `"authtype": "none"`.
    pub requires_sigv4: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Structure,
    String,
    List,
    Map,
    Integer,
    Long,
    Boolean,
    Blob,
    Timestamp,
    Document,
}

impl Kind {
    /// Variant name of `userpools_wire::ShapeKind`.
    pub fn variant(self) -> &'static str {
        match self {
            Kind::Structure => "Structure",
            Kind::String => "String",
            Kind::List => "List",
            Kind::Map => "Map",
            Kind::Integer => "Integer",
            Kind::Long => "Long",
            Kind::Boolean => "Boolean",
            Kind::Blob => "Blob",
            Kind::Timestamp => "Timestamp",
            Kind::Document => "Document",
        }
    }
}

#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: Kind,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub pattern: Option<String>,
    pub enum_values: Vec<String>,
    pub sensitive: bool,
    /// Structure members in model order.
    pub members: Vec<Member>,
    pub list_member: Option<String>,
    pub map_key: Option<String>,
    pub map_value: Option<String>,
    pub exception: bool,
    pub fault: bool,
}

#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub target: String,
    pub required: bool,
}

impl Model {
    /// Parses and cross-checks the model JSON.
    pub fn parse(text: &str) -> Result<Model> {
        let root = Json::parse(text).context("model is not valid JSON")?;
        let metadata = root
            .get("metadata")
            .ok_or_else(|| anyhow!("model has no `metadata`"))?;
        let target_prefix = str_field(metadata, "targetPrefix", "metadata")?.to_owned();
        let api_version = str_field(metadata, "apiVersion", "metadata")?.to_owned();
        let protocol = str_field(metadata, "protocol", "metadata")?;
        if protocol != "json" {
            bail!("metadata.protocol is `{protocol}`; only `json` (awsJson1_1) is supported");
        }

        let shapes_json = root
            .get("shapes")
            .and_then(Json::as_object)
            .ok_or_else(|| anyhow!("model has no `shapes` object"))?;
        let mut shapes = Vec::with_capacity(shapes_json.len());
        for (name, body) in shapes_json {
            shapes.push(parse_shape(name, body).with_context(|| format!("shape `{name}`"))?);
        }

        let ops_json = root
            .get("operations")
            .and_then(Json::as_object)
            .ok_or_else(|| anyhow!("model has no `operations` object"))?;
        let mut operations = Vec::with_capacity(ops_json.len());
        for (name, body) in ops_json {
            operations
                .push(parse_operation(name, body).with_context(|| format!("operation `{name}`"))?);
        }

        let model = Model {
            target_prefix,
            api_version,
            operations,
            shapes,
        };
        model.check_references()?;
        Ok(model)
    }

    pub fn shape(&self, name: &str) -> Option<&Shape> {
        self.shapes.iter().find(|s| s.name == name)
    }

    fn check_references(&self) -> Result<()> {
        let known = |n: &str| self.shape(n).is_some();
        for s in &self.shapes {
            let targets = s
                .members
                .iter()
                .map(|m| m.target.as_str())
                .chain(s.list_member.as_deref())
                .chain(s.map_key.as_deref())
                .chain(s.map_value.as_deref());
            for t in targets {
                if !known(t) {
                    bail!("shape `{}` refers to unknown shape `{t}`", s.name);
                }
            }
            if let Some(k) = &s.map_key {
                let key = self.shape(k).expect("checked above");
                if key.kind != Kind::String {
                    bail!("map `{}` has a non-string key shape `{k}`", s.name);
                }
            }
        }
        for op in &self.operations {
            for t in op
                .input
                .iter()
                .chain(op.output.iter())
                .chain(op.errors.iter())
            {
                if !known(t) {
                    bail!("operation `{}` refers to unknown shape `{t}`", op.name);
                }
            }
        }
        Ok(())
    }
}

fn str_field<'a>(obj: &'a Json, key: &str, what: &str) -> Result<&'a str> {
    obj.get(key)
        .and_then(Json::as_str)
        .ok_or_else(|| anyhow!("{what}.{key} is missing or not a string"))
}

fn shape_ref(v: &Json, what: &str) -> Result<String> {
    let obj = v
        .as_object()
        .ok_or_else(|| anyhow!("`{what}` is not an object"))?;
    for (k, _) in obj {
        if !matches!(k.as_str(), "shape" | "documentation" | "locationName") {
            bail!("`{what}` has unsupported key `{k}`");
        }
    }
    Ok(str_field(v, "shape", what)?.to_owned())
}

fn int_field(v: &Json, key: &str) -> Result<Option<i64>> {
    match v.get(key) {
        None => Ok(None),
        Some(j) => match j.as_i64() {
            Some(n) => Ok(Some(n)),
            None => bail!("`{key}` is not an integer: {j:?}"),
        },
    }
}

fn bool_field(v: &Json, key: &str) -> Result<bool> {
    match v.get(key) {
        None => Ok(false),
        Some(j) => j
            .as_bool()
            .ok_or_else(|| anyhow!("`{key}` is not a boolean")),
    }
}

fn parse_shape(name: &str, body: &Json) -> Result<Shape> {
    let obj = body.as_object().ok_or_else(|| anyhow!("not an object"))?;
    let ty = str_field(body, "type", "shape")?;
    let document = bool_field(body, "document")?;
    let kind = match ty {
        "structure" if document => Kind::Document,
        "structure" => Kind::Structure,
        "string" => Kind::String,
        "list" => Kind::List,
        "map" => Kind::Map,
        "integer" => Kind::Integer,
        "long" => Kind::Long,
        "boolean" => Kind::Boolean,
        "blob" => Kind::Blob,
        "timestamp" => Kind::Timestamp,
        other => bail!("unsupported shape type `{other}`"),
    };
    let allowed: &[&str] = match ty {
        "structure" => &[
            "members",
            "required",
            "exception",
            "fault",
            "error",
            "sensitive",
            "document",
            "deprecated",
            "deprecatedMessage",
        ],
        "string" => &[
            "min",
            "max",
            "pattern",
            "enum",
            "sensitive",
            "deprecated",
            "deprecatedMessage",
        ],
        "list" => &[
            "member",
            "min",
            "max",
            "sensitive",
            "deprecated",
            "deprecatedMessage",
        ],
        "map" => &[
            "key",
            "value",
            "min",
            "max",
            "sensitive",
            "deprecated",
            "deprecatedMessage",
        ],
        "integer" | "long" => &[
            "min",
            "max",
            "sensitive",
            "box",
            "deprecated",
            "deprecatedMessage",
        ],
        "blob" => &["min", "max", "sensitive", "deprecated", "deprecatedMessage"],
        "timestamp" => &[
            "timestampFormat",
            "sensitive",
            "deprecated",
            "deprecatedMessage",
        ],
        _ => &["sensitive", "box", "deprecated", "deprecatedMessage"],
    };
    for (k, _) in obj {
        if k != "type" && k != "documentation" && !allowed.contains(&k.as_str()) {
            bail!("unsupported key `{k}` on a {ty} shape");
        }
    }
    if let Some(fmt) = body.get("timestampFormat") {
        if fmt.as_str() != Some("unixTimestamp") {
            bail!("unsupported timestampFormat {fmt:?}");
        }
    }

    let required: Vec<String> = match body.get("required") {
        None => Vec::new(),
        Some(r) => r
            .as_array()
            .ok_or_else(|| anyhow!("`required` is not an array"))?
            .iter()
            .map(|j| {
                j.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("`required` entry is not a string"))
            })
            .collect::<Result<_>>()?,
    };
    let mut members = Vec::new();
    if kind == Kind::Structure {
        let ms = body
            .get("members")
            .and_then(Json::as_object)
            .ok_or_else(|| anyhow!("structure without `members` object"))?;
        for (mname, mbody) in ms {
            let mobj = mbody
                .as_object()
                .ok_or_else(|| anyhow!("member `{mname}` is not an object"))?;
            for (k, _) in mobj {
                if !matches!(
                    k.as_str(),
                    "shape" | "box" | "deprecated" | "deprecatedMessage" | "documentation"
                ) {
                    bail!("member `{mname}` has unsupported key `{k}`");
                }
            }
            members.push(Member {
                name: mname.clone(),
                target: str_field(mbody, "shape", "member")?.to_owned(),
                required: required.contains(mname),
            });
        }
        for r in &required {
            if !members.iter().any(|m| &m.name == r) {
                bail!("required member `{r}` is not a member");
            }
        }
    } else if kind == Kind::Document
        && body
            .get("members")
            .and_then(Json::as_object)
            .is_some_and(|m| !m.is_empty())
    {
        bail!("document shape with members");
    }

    let enum_values = match body.get("enum") {
        None => Vec::new(),
        Some(e) => e
            .as_array()
            .ok_or_else(|| anyhow!("`enum` is not an array"))?
            .iter()
            .map(|j| {
                j.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("`enum` entry is not a string"))
            })
            .collect::<Result<_>>()?,
    };

    Ok(Shape {
        name: name.to_owned(),
        kind,
        min: int_field(body, "min")?,
        max: int_field(body, "max")?,
        pattern: body
            .get("pattern")
            .map(|p| {
                p.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| anyhow!("`pattern` is not a string"))
            })
            .transpose()?,
        enum_values,
        sensitive: bool_field(body, "sensitive")?,
        members,
        list_member: body
            .get("member")
            .map(|m| shape_ref(m, "member"))
            .transpose()?,
        map_key: body.get("key").map(|m| shape_ref(m, "key")).transpose()?,
        map_value: body
            .get("value")
            .map(|m| shape_ref(m, "value"))
            .transpose()?,
        exception: bool_field(body, "exception")?,
        fault: bool_field(body, "fault")?,
    })
}

fn parse_operation(name: &str, body: &Json) -> Result<Operation> {
    let obj = body.as_object().ok_or_else(|| anyhow!("not an object"))?;
    for (k, _) in obj {
        if !matches!(
            k.as_str(),
            "name"
                | "http"
                | "input"
                | "output"
                | "errors"
                | "auth"
                | "authtype"
                | "readonly"
                | "documentation"
                | "deprecated"
                | "deprecatedMessage"
                | "idempotent"
                | "endpoint"
                | "documentationUrl"
        ) {
            bail!("unsupported key `{k}`");
        }
    }
    if str_field(body, "name", "operation")? != name {
        bail!("`name` does not match the operation key");
    }
    if let Some(http) = body.get("http") {
        if http.get("method").and_then(Json::as_str) != Some("POST")
            || http.get("requestUri").and_then(Json::as_str) != Some("/")
        {
            bail!("only `POST /` operations are supported");
        }
    }
    let errors = match body.get("errors") {
        None => Vec::new(),
        Some(e) => e
            .as_array()
            .ok_or_else(|| anyhow!("`errors` is not an array"))?
            .iter()
            .map(|j| shape_ref(j, "errors[]"))
            .collect::<Result<_>>()?,
    };
    let no_auth_trait = match body.get("auth") {
        None => false,
        Some(a) => a
            .as_array()
            .ok_or_else(|| anyhow!("`auth` is not an array"))?
            .iter()
            .any(|j| j.as_str() == Some("smithy.api#noAuth")),
    };
    let authtype_none = body.get("authtype").and_then(Json::as_str) == Some("none");
    Ok(Operation {
        name: name.to_owned(),
        input: body
            .get("input")
            .map(|j| shape_ref(j, "input"))
            .transpose()?,
        output: body
            .get("output")
            .map(|j| shape_ref(j, "output"))
            .transpose()?,
        errors,
        requires_sigv4: !(no_auth_trait || authtype_none),
    })
}
