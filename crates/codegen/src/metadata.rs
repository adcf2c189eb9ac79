//! The hand-written per-operation metadata the model does not carry
//! ([`METADATA_PATH`](crate::METADATA_PATH)): quota categories, per-user
//! limits, the challenge-response allowance. Checked strictly against the
//! model: every name must be an operation, and no operation may be listed
//! twice in one role.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::model::Model;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    quota: QuotaFile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaFile {
    own_challenge_allowance: Vec<String>,
    unlisted: Unlisted,
    per_user: PerUser,
    category: Vec<CategoryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Unlisted {
    read_prefixes: Vec<String>,
    read: String,
    update: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PerUser {
    read: Vec<String>,
    write: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryFile {
    name: String,
    doc: String,
    default_rps: u32,
    operations: Vec<String>,
}

/// An API request-rate category, in documentation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub name: String,
    pub doc: String,
    pub default_rps: u32,
}

/// Which per-user limit an operation counts against (variant of
/// `userpools_wire::ProfileAccess`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileAccess {
    Read,
    Write,
}

impl ProfileAccess {
    pub fn variant(self) -> &'static str {
        match self {
            ProfileAccess::Read => "Read",
            ProfileAccess::Write => "Write",
        }
    }
}

/// The quota metadata of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationQuota {
    /// Name of its category.
    pub category: String,
    pub per_user: Option<ProfileAccess>,
    pub own_challenge_allowance: bool,
}

/// The metadata of every operation of the model.
#[derive(Debug)]
pub struct Metadata {
    pub categories: Vec<Category>,
    /// By operation name; one entry per operation of the model.
    pub quotas: BTreeMap<String, OperationQuota>,
}

impl Metadata {
    /// Parses the metadata file and resolves it against `model`.
    pub fn parse(text: &str, model: &Model) -> Result<Metadata> {
        let file: File = toml::from_str(text).context("metadata is not valid")?;
        let quota = file.quota;
        let operations: BTreeSet<&str> = model.operations.iter().map(|o| o.name.as_str()).collect();
        let known = |what: &str, names: &[String]| -> Result<()> {
            let mut seen = BTreeSet::new();
            for name in names {
                if !operations.contains(name.as_str()) {
                    bail!("{what}: `{name}` is not an operation of the model");
                }
                if !seen.insert(name) {
                    bail!("{what}: `{name}` is listed twice");
                }
            }
            Ok(())
        };

        let mut categories = Vec::new();
        let mut listed: BTreeMap<&str, &str> = BTreeMap::new();
        for c in &quota.category {
            if categories.iter().any(|k: &Category| k.name == c.name) {
                bail!("quota category `{}` is defined twice", c.name);
            }
            known(&format!("quota category `{}`", c.name), &c.operations)?;
            for op in &c.operations {
                if let Some(other) = listed.insert(op, &c.name) {
                    bail!(
                        "`{op}` is listed in quota categories `{other}` and `{}`",
                        c.name
                    );
                }
            }
            categories.push(Category {
                name: c.name.clone(),
                doc: c.doc.clone(),
                default_rps: c.default_rps,
            });
        }
        for name in [&quota.unlisted.read, &quota.unlisted.update] {
            if !categories.iter().any(|c| &c.name == name) {
                bail!("quota.unlisted: `{name}` is not a quota category");
            }
        }
        known(
            "quota.own_challenge_allowance",
            &quota.own_challenge_allowance,
        )?;
        known("quota.per_user.read", &quota.per_user.read)?;
        known("quota.per_user.write", &quota.per_user.write)?;
        if let Some(both) = quota
            .per_user
            .read
            .iter()
            .find(|n| quota.per_user.write.contains(n))
        {
            bail!("`{both}` is listed in both quota.per_user.read and quota.per_user.write");
        }

        let quotas = operations
            .iter()
            .map(|&name| {
                let category = match listed.get(name) {
                    Some(category) => (*category).to_owned(),
                    None if quota
                        .unlisted
                        .read_prefixes
                        .iter()
                        .any(|p| name.starts_with(p.as_str())) =>
                    {
                        quota.unlisted.read.clone()
                    }
                    None => quota.unlisted.update.clone(),
                };
                let in_list = |list: &[String]| list.iter().any(|n| n == name);
                let per_user = if in_list(&quota.per_user.read) {
                    Some(ProfileAccess::Read)
                } else if in_list(&quota.per_user.write) {
                    Some(ProfileAccess::Write)
                } else {
                    None
                };
                let entry = OperationQuota {
                    category,
                    per_user,
                    own_challenge_allowance: in_list(&quota.own_challenge_allowance),
                };
                (name.to_owned(), entry)
            })
            .collect();
        Ok(Metadata { categories, quotas })
    }

    /// The quota metadata of `operation` (every operation of the model has one).
    pub fn quota(&self, operation: &str) -> Result<&OperationQuota> {
        self.quotas
            .get(operation)
            .with_context(|| format!("no metadata for operation `{operation}`"))
    }
}
