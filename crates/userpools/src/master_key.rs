//! The master key: `USERPOOLS_MASTER_KEY` (64 hex digits or base64 of 32 bytes), else
//! the key file `master.key` in the data dir, generated (mode 0600) on first start.
//! Its text is wiped from memory once parsed; [`MasterKey`] wipes its bytes on drop.

use std::path::Path;

use anyhow::{bail, Context};
use userpools_domain::seal::MasterKey;
use userpools_storage::{SqliteStore, Store};
use zeroize::Zeroizing;

/// The environment variable holding the key.
pub const ENV_VAR: &str = "USERPOOLS_MASTER_KEY";
/// The key file's name in the data dir.
pub const FILE_NAME: &str = "master.key";

/// The value of `USERPOOLS_MASTER_KEY`, if set (wiped when dropped).
pub fn from_env() -> Option<Zeroizing<String>> {
    std::env::var(ENV_VAR).ok().map(Zeroizing::new)
}

/// The master key: `given` (the value of `USERPOOLS_MASTER_KEY`) when set, else the key
/// file in `data_dir`, created with a fresh random key (mode 0600) if missing.
pub fn load(given: Option<&str>, data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Some(text) = given {
        return MasterKey::parse(text).map_err(|e| anyhow::anyhow!("{ENV_VAR}: {e}"));
    }
    let path = data_dir.join(FILE_NAME);
    if !path.exists() {
        // A store without its key cannot be opened: refuse before creating anything
        // (a new key would not open it either).
        if data_dir.join(SqliteStore::DATABASE_FILE).exists() {
            bail!(
                "this data directory was sealed with a master key that is missing: restore \
                 {FILE_NAME} or set {ENV_VAR}"
            );
        }
        create_key_file(&path)?;
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    );
    MasterKey::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Writes a fresh key (64 hex digits) to a new file of mode 0600.
fn create_key_file(path: &Path) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;

    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(crate::data_dir::FILE_MODE);
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(Zeroizing::new(MasterKey::generate_hex()).as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Checks that the master key opens what the store holds: a check value is sealed on
/// first start, and a node with another key refuses to start.
pub async fn check(store: &dyn Store, master: &MasterKey) -> anyhow::Result<()> {
    const CONTEXT: &[u8] = b"master-key-check";
    let candidate = master.seal(CONTEXT, b"userpools");
    let stored = store
        .put_setting_if_absent("master_key_check", &candidate)
        .await?;
    if master.open(CONTEXT, &stored).is_err() {
        bail!(
            "the master key does not open the data in this store: every node sharing a \
             database must use the same USERPOOLS_MASTER_KEY"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::TempDir;

    /// Whether two keys are the same key: one opens what the other sealed.
    fn same_key(a: &MasterKey, b: &MasterKey) -> bool {
        b.open(b"t", &a.seal(b"t", b"x")).is_ok()
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_created_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;

        let dir = TempDir::new("master-key-file");
        let first = load(None, dir.path()).unwrap();
        let path = dir.path().join(FILE_NAME);
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 64);
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
        let second = load(None, dir.path()).unwrap();
        assert!(same_key(&first, &second));
    }

    #[test]
    fn the_environment_wins_in_hex_or_base64_and_writes_no_file() {
        use base64::Engine;

        let dir = TempDir::new("master-key-env");
        let raw = [7u8; 32];
        let hex = hex::encode(raw);
        let b64 = base64::engine::general_purpose::STANDARD.encode(raw);
        let from_hex = load(Some(&hex), dir.path()).unwrap();
        let from_b64 = load(Some(&format!("  {b64}\n")), dir.path()).unwrap();
        assert!(same_key(&from_hex, &from_b64));
        assert!(same_key(&from_hex, &MasterKey::from_bytes(raw)));
        assert!(!dir.path().join(FILE_NAME).exists());
    }

    #[test]
    fn a_malformed_key_is_refused_with_its_origin() {
        let dir = TempDir::new("master-key-bad");
        let err = load(Some("not a key"), dir.path()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "USERPOOLS_MASTER_KEY: master key is neither hex nor base64"
        );
        let short = hex::encode([1u8; 16]);
        let err = load(Some(&short), dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("USERPOOLS_MASTER_KEY: "), "{err}");
        assert!(err.contains("master key must be 32 bytes"), "{err}");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "zz").unwrap();
        let err = load(None, dir.path()).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: ", path.display())), "{err}");
    }

    #[test]
    fn a_store_without_its_key_file_is_refused_and_no_key_is_made() {
        let dir = TempDir::new("master-key-missing");
        std::fs::write(dir.path().join(SqliteStore::DATABASE_FILE), b"").unwrap();
        let err = load(None, dir.path()).unwrap_err().to_string();
        assert_eq!(
            err,
            "this data directory was sealed with a master key that is missing: restore \
             master.key or set USERPOOLS_MASTER_KEY"
        );
        assert!(!dir.path().join(FILE_NAME).exists());
    }

    #[tokio::test]
    async fn a_store_refuses_another_key() {
        let dir = TempDir::new("master-key-check");
        let key = load(None, dir.path()).unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        check(&store, &key).await.unwrap();
        check(&store, &key).await.unwrap();
        let other = MasterKey::parse(&MasterKey::generate_hex()).unwrap();
        let err = check(&store, &other).await.unwrap_err().to_string();
        assert!(
            err.contains("must use the same USERPOOLS_MASTER_KEY"),
            "{err}"
        );
    }
}
