//! What a user (not an administrator) may write and read through an app
//! client: the one rule behind SignUp, the NEW_PASSWORD_REQUIRED answer,
//! UpdateUserAttributes and DeleteUserAttributes (writes), and GetUser, the
//! challenge's `userAttributes` and the ID token's claims (reads).
//!
//! Writes: only the client's `WriteAttributes` (every schema attribute when the
//! client names none), plus the pool's required attributes, which are always
//! writable; never the verified flags, `identities`, `sub` or a developer-only
//! attribute, whatever the client lists. Reads: only the client's
//! `ReadAttributes` (everything when it names none); `sub` is always readable.
//! Administrator operations do not go through here.

use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, UserPool};

/// The refusal of a write the client may not make.
pub const UNAUTHORIZED_WRITE: &str = "A client attempted to write unauthorized attribute";

/// Attributes only the service (or an administrator) sets.
const NEVER_USER_WRITABLE: &[&str] = &[
    "sub",
    "email_verified",
    "phone_number_verified",
    "identities",
];

/// May a user write `name` through `client`? `None` for a name the pool's
/// schema does not know (the schema check reports it).
fn user_may_write(pool: &UserPool, client: &AppClient, name: &str) -> Option<bool> {
    if name.starts_with("dev:") || NEVER_USER_WRITABLE.contains(&name) {
        return Some(false);
    }
    let attribute = pool.attribute(name)?;
    if attribute.developer_only {
        return Some(false);
    }
    Some(match client.attribute_permissions("WriteAttributes") {
        Some(allowed) => attribute.required || allowed.iter().any(|a| a == name),
        None => true,
    })
}

/// Refuses (NotAuthorizedException) a user's write of any of `names` the
/// client may not write. Names outside the schema are left to the schema check.
pub(crate) fn check_user_writes<'a>(
    pool: &UserPool,
    client: &AppClient,
    names: impl IntoIterator<Item = &'a str>,
) -> DomainResult<()> {
    for name in names {
        if user_may_write(pool, client, name) == Some(false) {
            return Err(DomainError::NotAuthorized(UNAUTHORIZED_WRITE.into()));
        }
    }
    Ok(())
}

/// The attributes of `attributes` that `client` may read, in order.
pub(crate) fn readable(
    client: &AppClient,
    attributes: &[(String, String)],
) -> Vec<(String, String)> {
    let allowed = client.attribute_permissions("ReadAttributes");
    attributes
        .iter()
        .filter(|(name, _)| {
            name == "sub"
                || allowed.as_ref().is_none_or(|allowed| {
                    allowed
                        .iter()
                        .any(|a| a == name || a.strip_prefix("dev:") == Some(name.as_str()))
                })
        })
        .cloned()
        .collect()
}

/// CreateUserPoolClient / UpdateUserPoolClient: every name in ReadAttributes
/// must be an attribute of the pool's schema (`dev:<name>` for a developer-only
/// one); every name in WriteAttributes too, and never `sub`, `identities` or a
/// developer-only attribute. (Listing a verified flag is accepted, but a user
/// still cannot write it.)
pub(crate) fn check_client_permissions(
    pool: &UserPool,
    client: &AppClient,
    creating: bool,
) -> DomainResult<()> {
    let doing = if creating { "creating" } else { "updating" };
    let known = |name: &str| match name.strip_prefix("dev:") {
        Some(rest) => pool.attribute(rest).is_some_and(|a| a.developer_only),
        None => pool.attribute(name).is_some(),
    };
    let reads = client
        .attribute_permissions("ReadAttributes")
        .unwrap_or_default();
    if reads.iter().any(|name| !known(name)) {
        return Err(DomainError::InvalidParameter(format!(
            "Invalid read attributes specified while {doing} a client"
        )));
    }
    let writes = client
        .attribute_permissions("WriteAttributes")
        .unwrap_or_default();
    let writable = |name: &str| {
        !name.starts_with("dev:")
            && name != "sub"
            && name != "identities"
            && pool.attribute(name).is_some_and(|a| !a.developer_only)
    };
    if writes.iter().any(|name| !writable(name)) {
        return Err(DomainError::InvalidParameter(format!(
            "Invalid write attributes specified while {doing} a client"
        )));
    }
    Ok(())
}
