//! `userpools backup` and `userpools restore`: an online snapshot of the embedded store,
//! and a new data dir made from one. (PostgreSQL deployments use `pg_dump`: see
//! docs/operations.md.)

use std::path::PathBuf;

use anyhow::Context;
use userpools_storage::backup;

use crate::{data_dir, master_key};

/// The arguments of `userpools backup`.
#[derive(clap::Args)]
pub struct BackupArgs {
    /// Directory of the embedded store (the server's --data-dir); the server may be running.
    #[arg(long, default_value = "./userpools-data")]
    pub data_dir: PathBuf,
    /// The backup file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
}

/// The arguments of `userpools restore`.
#[derive(clap::Args)]
pub struct RestoreArgs {
    /// A file written by `userpools backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// The new data dir (must not hold a store yet).
    #[arg(long)]
    pub data_dir: PathBuf,
}

/// Writes the snapshot and says what else to keep.
pub fn backup(args: BackupArgs) -> anyhow::Result<()> {
    backup::backup(&args.data_dir, &args.out)
        .with_context(|| format!("backing up {}", args.data_dir.display()))?;
    println!(
        "backed up {} to {}; it holds no master key: keep {} (or USERPOOLS_MASTER_KEY) \
         beside it, separately",
        args.data_dir.display(),
        args.out.display(),
        master_key::FILE_NAME
    );
    Ok(())
}

/// Puts the snapshot in a new, private data dir.
pub fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    data_dir::prepare(&args.data_dir)?;
    backup::restore(&args.from, &args.data_dir)
        .with_context(|| format!("restoring {}", args.from.display()))?;
    println!(
        "restored {} into {}; put its {} there (or set USERPOOLS_MASTER_KEY) before serving",
        args.from.display(),
        args.data_dir.display(),
        master_key::FILE_NAME
    );
    Ok(())
}
