//! Start-up settings other than keys: the account id, the configuration file (`--config`)
//! and the key ring built from the root key and the configured keys.

use std::path::Path;

use anyhow::bail;
use userpools_server::{AccessKey, Config, KeyRing};

/// The environment variable naming the account of the pools' ARNs.
pub const ACCOUNT_ID_VAR: &str = "USERPOOLS_ACCOUNT_ID";
/// The account id when none is given.
pub const DEFAULT_ACCOUNT_ID: &str = "000000000000";

/// The account id of `USERPOOLS_ACCOUNT_ID` (see [`account_id`]).
pub fn account_id_from_env() -> anyhow::Result<String> {
    account_id(std::env::var(ACCOUNT_ID_VAR).ok())
}

/// The account id: `given`, which must be 12 digits like AWS's, else the default.
pub fn account_id(given: Option<String>) -> anyhow::Result<String> {
    let Some(id) = given else {
        return Ok(DEFAULT_ACCOUNT_ID.to_owned());
    };
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{ACCOUNT_ID_VAR} must be 12 digits (an AWS account id), not {id:?}");
    }
    Ok(id)
}

/// Loads the configuration file, if any (the defaults otherwise), and logs its
/// warnings and a summary.
pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let config = userpools_server::config::load(path)?;
    for warning in &config.warnings {
        tracing::warn!(target: "userpools::config", "{warning}");
    }
    tracing::info!(
        target: "userpools::config",
        file = %path.display(),
        access_keys = config.access_keys.len(),
        quotas = config.quotas.enabled,
        "configuration loaded"
    );
    Ok(config)
}

/// The key ring: the root key and the configured keys, which may not reuse its id.
pub fn key_ring(
    root: AccessKey,
    configured: Vec<AccessKey>,
    config_path: Option<&Path>,
) -> anyhow::Result<KeyRing> {
    if let Some(clash) = configured
        .iter()
        .find(|key| key.access_key_id == root.access_key_id)
    {
        bail!(
            "invalid configuration file {}: access key {} is the root credential's; configured keys need their own ids",
            config_path.unwrap_or(Path::new("-")).display(),
            clash.access_key_id
        );
    }
    let mut keys = KeyRing::default();
    keys.insert(root);
    for key in configured {
        keys.insert(key);
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use userpools_server::Authority;

    use super::*;
    use crate::test_support::TempDir;

    #[test]
    fn the_account_id_defaults_and_must_be_12_digits() {
        assert_eq!(account_id(None).unwrap(), "000000000000");
        assert_eq!(
            account_id(Some("123456789012".into())).unwrap(),
            "123456789012"
        );
        for bad in [
            "",
            "12345678901",
            "1234567890123",
            "12345678901a",
            "١٢٣٤٥٦٧٨٩٠١٢",
        ] {
            let err = account_id(Some(bad.into())).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("USERPOOLS_ACCOUNT_ID must be 12 digits (an AWS account id), not {bad:?}")
            );
        }
    }

    #[test]
    fn no_file_gives_the_defaults() {
        let config = load(None).unwrap();
        assert!(config.access_keys.is_empty());
        assert!(!config.quotas.enabled);
    }

    #[test]
    fn a_file_is_loaded_and_a_bad_one_refused() {
        let dir = TempDir::new("config");
        let path = dir.path().join("userpools.toml");
        std::fs::write(&path, "[quotas]\nenabled = true\n").unwrap();
        assert!(load(Some(&path)).unwrap().quotas.enabled);
        std::fs::write(&path, "[quotas]\nenable = false\n").unwrap();
        let err = load(Some(&path)).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!(
                "invalid configuration file {}, line 2",
                path.display()
            )),
            "{err}"
        );
        let missing = dir.path().join("missing.toml");
        let err = load(Some(&missing)).unwrap_err().to_string();
        assert!(err.contains("cannot be read"), "{err}");
    }

    fn access_key(id: &str) -> AccessKey {
        AccessKey {
            access_key_id: id.into(),
            secret_access_key: "0123456789abcdef".into(),
            session_token: None,
            principal_arn: "arn:aws:iam::000000000000:root".into(),
            authority: Authority::Root,
        }
    }

    #[test]
    fn configured_keys_join_the_root_key_but_not_under_its_id() {
        let keys = key_ring(access_key("AKIAROOT"), vec![access_key("AKIAOTHER")], None).unwrap();
        assert!(keys.get("AKIAROOT").is_some() && keys.get("AKIAOTHER").is_some());
        let err = key_ring(
            access_key("AKIAROOT"),
            vec![access_key("AKIAROOT")],
            Some(Path::new("u.toml")),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid configuration file u.toml: access key AKIAROOT is the root credential's; \
             configured keys need their own ids"
        );
    }
}
