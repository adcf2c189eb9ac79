//! How the service persists its records: JSON documents, opaque page tokens,
//! and the one retry loop of optimistic writes.

use userpools_storage::StoreError;

use crate::error::{DomainError, DomainResult};
use crate::random;

/// How many times an optimistic write is tried before giving up.
const WRITE_ATTEMPTS: usize = 64;

/// Runs `attempt` (a closure returning a fresh future, so that what it
/// captures is read anew each time) until the store accepts its write. `attempt` reads what it
/// needs, changes it and writes; its outer result carries the domain's
/// errors (which end the loop), its inner one the store's verdict on the
/// write. A conflict — `VersionConflict` (someone wrote in between) or
/// `UniqueConflict` (a freshly drawn id is taken) — means another attempt
/// after a short jittered pause; unique conflicts that are the caller's fault
/// (an alias in use) must be mapped to a domain error by `attempt` itself.
pub(crate) async fn retry_on_conflict<T, F>(
    what: &str,
    mut attempt: impl FnMut() -> F,
) -> DomainResult<T>
where
    F: std::future::Future<Output = DomainResult<Result<T, StoreError>>>,
{
    for n in 0..WRITE_ATTEMPTS {
        if n > 0 {
            tokio::time::sleep(retry_pause(n)).await;
        }
        match attempt().await? {
            Ok(done) => return Ok(done),
            Err(StoreError::VersionConflict | StoreError::UniqueConflict(_)) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Internal(format!(
        "{WRITE_ATTEMPTS} conflicting writes in a row on {what}"
    )))
}

/// Pause before retry `attempt` (1-based) of an optimistic write: random in
/// [0, min(2^attempt, 64)] milliseconds, so that racing writers spread out.
fn retry_pause(attempt: usize) -> std::time::Duration {
    let ceiling = 1u64 << attempt.min(6);
    let mut byte = [0u8; 2];
    random::fill(&mut byte);
    let micros = u64::from(u16::from_le_bytes(byte)) * ceiling * 1000 / u64::from(u16::MAX);
    std::time::Duration::from_micros(micros)
}

/// Encodes a continuation key as an opaque pagination token.
pub(crate) fn encode_page_token(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// Decodes a pagination token; a malformed one is the caller's error.
pub(crate) fn decode_page_token(token: Option<&str>) -> DomainResult<Option<String>> {
    use base64::Engine;
    token
        .map(|t| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| DomainError::InvalidParameter("Invalid pagination token.".into()))
        })
        .transpose()
}

/// Serialises a record into its stored document.
/// A page of stored JSON documents read back as `T`, with the token of the next page.
pub(crate) fn documents_page<R, T: serde::de::DeserializeOwned>(
    page: userpools_storage::Page<R>,
    document: impl Fn(&R) -> &str,
) -> DomainResult<(Vec<T>, Option<String>)> {
    let items = page
        .items
        .iter()
        .map(|row| from_json(document(row)))
        .collect::<DomainResult<Vec<T>>>()?;
    Ok((items, page.next.as_deref().map(encode_page_token)))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> DomainResult<String> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(format!("encode: {e}")))
}

/// Reads a record from its stored document.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> DomainResult<T> {
    serde_json::from_str(text).map_err(|e| DomainError::Internal(format!("decode: {e}")))
}
