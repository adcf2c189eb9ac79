//! The data dir holds usernames and attributes in clear (SQLite) and maybe the master key
//! file: it is the user's alone. The process creates files with umask 077 (so SQLite's
//! main, WAL and SHM files, the lock file and the key file are 0600), the directory is
//! created 0700, and a directory left open by an older version is tightened at start-up.

use std::path::Path;

use anyhow::Context;

/// Permission bits of the data dir.
pub const DIR_MODE: u32 = 0o700;
/// Permission bits of every file in it.
pub const FILE_MODE: u32 = 0o600;

/// Sets the process umask to 077: every file and directory it creates from now on is
/// readable and writable by its user only. Call before any other thread starts.
pub fn restrict_new_files() {
    #[cfg(unix)]
    // SAFETY: umask only swaps the process's file-mode mask; it cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// Creates `dir` (and missing parents) with mode 0700. An existing directory open to
/// group or others is tightened to 0700 and the files directly in it to 0600; a change
/// the OS refuses (a directory of another owner) is logged, not fatal.
pub fn prepare(dir: &Path) -> anyhow::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
        return builder
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()));
    }
    #[cfg(unix)]
    tighten(dir)?;
    Ok(())
}

/// Removes group and other permissions from `dir` and from the regular files in it.
#[cfg(unix)]
fn tighten(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;

    let restrict = |path: &Path, mode: u32| {
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        let current = meta.permissions().mode() & 0o777;
        if current & !mode == 0 {
            return;
        }
        let wanted = std::fs::Permissions::from_mode(current & mode);
        if let Err(e) = std::fs::set_permissions(path, wanted) {
            tracing::warn!(
                target: "userpools",
                path = %path.display(),
                "could not make {} private ({e}); it stays {current:o}",
                path.display()
            );
        }
    };
    restrict(dir, DIR_MODE);
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            restrict(&entry.path(), FILE_MODE);
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::test_support::TempDir;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_missing_data_dir_is_created_private() {
        let tmp = TempDir::new("data-dir-new");
        let dir = tmp.path().join("a").join("data");
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
    }

    #[test]
    fn an_open_data_dir_and_its_files_are_tightened() {
        let tmp = TempDir::new("data-dir-open");
        let dir = tmp.path().join("data");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let db = dir.join("userpools.sqlite3");
        std::fs::write(&db, b"rows").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        let owner_only = dir.join("notes");
        std::fs::write(&owner_only, b"x").unwrap();
        std::fs::set_permissions(&owner_only, std::fs::Permissions::from_mode(0o400)).unwrap();
        prepare(&dir).unwrap();
        assert_eq!(mode(&dir), DIR_MODE);
        assert_eq!(mode(&db), FILE_MODE);
        // Only group and other bits are removed: nothing is granted.
        assert_eq!(mode(&owner_only), 0o400);
    }
}
