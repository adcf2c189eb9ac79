//! The root credentials: `USERPOOLS_ACCESS_KEY_ID` and `USERPOOLS_SECRET_ACCESS_KEY`,
//! else a pair generated on first start, stored sealed under the master key and printed
//! once. Copies of the secret other than the key ring's are wiped after use.

use std::io::Write;

use anyhow::{bail, Context};
use userpools_domain::seal::MasterKey;
use userpools_server::{AccessKey, Authority};
use userpools_storage::Store;
use zeroize::Zeroizing;

/// The environment variable naming the root access key id.
pub const ACCESS_KEY_ID_VAR: &str = "USERPOOLS_ACCESS_KEY_ID";
/// The environment variable holding the root secret access key.
pub const SECRET_ACCESS_KEY_VAR: &str = "USERPOOLS_SECRET_ACCESS_KEY";
/// The shortest root secret accepted: the same as for the configuration file's keys.
pub use userpools_server::config::MIN_SECRET_CHARS;

/// A root key pair given in the environment, checked. `Debug` hides the secret.
pub struct GivenCredentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
}

impl std::fmt::Debug for GivenCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GivenCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"*** redacted ***")
            .finish()
    }
}

/// The root pair of the environment, if set: both variables or neither, and a secret
/// of at least [`MIN_SECRET_CHARS`] characters.
pub fn from_env() -> anyhow::Result<Option<GivenCredentials>> {
    given(
        std::env::var(ACCESS_KEY_ID_VAR).ok(),
        std::env::var(SECRET_ACCESS_KEY_VAR)
            .ok()
            .map(Zeroizing::new),
    )
}

/// Checks a root pair given as the two variables' values (see [`from_env`]).
pub fn given(
    access_key_id: Option<String>,
    secret_access_key: Option<Zeroizing<String>>,
) -> anyhow::Result<Option<GivenCredentials>> {
    match (access_key_id, secret_access_key) {
        (Some(access_key_id), Some(secret_access_key)) => {
            let chars = secret_access_key.chars().count();
            if chars < MIN_SECRET_CHARS {
                bail!(
                    "{SECRET_ACCESS_KEY_VAR} is too short ({chars} characters): a root secret \
                     needs at least {MIN_SECRET_CHARS} (AWS secret access keys have 40)"
                );
            }
            Ok(Some(GivenCredentials {
                access_key_id,
                secret_access_key,
            }))
        }
        (None, None) => Ok(None),
        _ => bail!("set both {ACCESS_KEY_ID_VAR} and {SECRET_ACCESS_KEY_VAR}, or neither"),
    }
}

/// The root key: the `given` pair, else the pair stored (sealed) in `store`, generated
/// and stored on first start. A newly generated pair is written to `out` (id and secret);
/// a stored one only by its id; a given one not at all.
pub async fn root_key(
    store: &dyn Store,
    master: &MasterKey,
    account_id: &str,
    given: Option<GivenCredentials>,
    out: &mut dyn Write,
) -> anyhow::Result<AccessKey> {
    let root = |access_key_id: String, secret_access_key: String| AccessKey {
        access_key_id,
        secret_access_key,
        session_token: None,
        principal_arn: format!("arn:aws:iam::{account_id}:root"),
        authority: Authority::Root,
    };
    if let Some(mut given) = given {
        let secret = std::mem::take(&mut *given.secret_access_key);
        return Ok(root(given.access_key_id, secret));
    }
    const CONTEXT: &[u8] = b"root-credentials";
    let candidate = {
        let secret = Zeroizing::new(random_secret(40));
        let pair = Zeroizing::new(format!("AKIA{}:{}", random_upper(16), secret.as_str()));
        master.seal(CONTEXT, pair.as_bytes())
    };
    let stored = store
        .put_setting_if_absent("root_credentials", &candidate)
        .await?;
    let plain = Zeroizing::new(master.open(CONTEXT, &stored).map_err(|_| {
        anyhow::anyhow!("the stored root credentials do not open with this master key")
    })?);
    let text = std::str::from_utf8(&plain)?;
    let (access_key_id, secret_access_key) =
        text.split_once(':').context("malformed root credentials")?;
    writeln!(out, "{ACCESS_KEY_ID_VAR}={access_key_id}")?;
    if stored == candidate {
        writeln!(out, "{SECRET_ACCESS_KEY_VAR}={secret_access_key}")?;
    }
    Ok(root(access_key_id.to_owned(), secret_access_key.to_owned()))
}

fn random_upper(len: usize) -> String {
    userpools_domain::random::string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", len)
}

fn random_secret(len: usize) -> String {
    userpools_domain::random::string(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        len,
    )
}

#[cfg(test)]
mod tests {
    use userpools_storage::SqliteStore;

    use super::*;
    use crate::test_support::TempDir;

    const SECRET: &str = "0123456789abcdef";

    fn secret(text: &str) -> Option<Zeroizing<String>> {
        Some(Zeroizing::new(text.to_owned()))
    }

    fn key() -> MasterKey {
        MasterKey::parse(&MasterKey::generate_hex()).unwrap()
    }

    #[test]
    fn both_variables_or_neither() {
        assert!(given(None, None).unwrap().is_none());
        let pair = given(Some("AKIAX".into()), secret(SECRET))
            .unwrap()
            .unwrap();
        assert_eq!(pair.access_key_id, "AKIAX");
        assert!(!format!("{pair:?}").contains(SECRET));
        let want = "set both USERPOOLS_ACCESS_KEY_ID and USERPOOLS_SECRET_ACCESS_KEY, or neither";
        assert_eq!(
            given(Some("AKIAX".into()), None).unwrap_err().to_string(),
            want
        );
        assert_eq!(given(None, secret(SECRET)).unwrap_err().to_string(), want);
    }

    #[test]
    fn a_secret_shorter_than_16_characters_is_refused() {
        for short in ["", "short", &SECRET[..15]] {
            let err = given(Some("AKIAX".into()), secret(short)).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "USERPOOLS_SECRET_ACCESS_KEY is too short ({} characters): a root secret \
                     needs at least 16 (AWS secret access keys have 40)",
                    short.len()
                )
            );
        }
        // Characters, not bytes.
        assert!(given(Some("AKIAX".into()), secret(&"é".repeat(15))).is_err());
        assert!(given(Some("AKIAX".into()), secret(&"é".repeat(16))).is_ok());
    }

    #[tokio::test]
    async fn given_credentials_are_used_and_neither_printed_nor_stored() {
        let dir = TempDir::new("root-given");
        let store = SqliteStore::open(dir.path()).unwrap();
        let master = key();
        let pair = given(Some("AKIAGIVEN".into()), secret(SECRET)).unwrap();
        let mut out = Vec::new();
        let root = root_key(&store, &master, "123456789012", pair, &mut out)
            .await
            .unwrap();
        assert_eq!(root.access_key_id, "AKIAGIVEN");
        assert_eq!(root.secret_access_key, SECRET);
        assert_eq!(root.principal_arn, "arn:aws:iam::123456789012:root");
        assert!(matches!(root.authority, Authority::Root));
        assert!(out.is_empty());
        // Nothing was stored: a start without the variables generates a pair.
        root_key(&store, &master, "123456789012", None, &mut out)
            .await
            .unwrap();
        assert_eq!(String::from_utf8(out).unwrap().lines().count(), 2);
    }

    #[tokio::test]
    async fn a_generated_pair_is_stored_sealed_and_printed_once() {
        let dir = TempDir::new("root-generated");
        let store = SqliteStore::open(dir.path()).unwrap();
        let master = key();
        let mut first = Vec::new();
        let root = root_key(&store, &master, "000000000000", None, &mut first)
            .await
            .unwrap();
        assert!(root.access_key_id.starts_with("AKIA") && root.access_key_id.len() == 20);
        assert_eq!(root.secret_access_key.len(), 40);
        assert_eq!(
            String::from_utf8(first).unwrap(),
            format!(
                "USERPOOLS_ACCESS_KEY_ID={}\nUSERPOOLS_SECRET_ACCESS_KEY={}\n",
                root.access_key_id, root.secret_access_key
            )
        );
        let mut again = Vec::new();
        let reused = root_key(&store, &master, "000000000000", None, &mut again)
            .await
            .unwrap();
        assert_eq!(reused.access_key_id, root.access_key_id);
        assert_eq!(reused.secret_access_key, root.secret_access_key);
        assert_eq!(
            String::from_utf8(again).unwrap(),
            format!("USERPOOLS_ACCESS_KEY_ID={}\n", root.access_key_id)
        );
        let err = root_key(&store, &key(), "000000000000", None, &mut Vec::new())
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the stored root credentials do not open with this master key"
        );
    }
}
