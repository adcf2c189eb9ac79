//! The `userpools` command: start-up of the server (`serve`) and bulk seeding (`seed`).
//!
//! The binary only parses its arguments and calls [`run`]; everything it does at start-up
//! (the master key, the root credentials, the account id, the configuration file, the data
//! dir's permissions) lives here, in modules with their own tests.

pub mod backup;
pub mod config;
pub mod data_dir;
pub mod limits;
pub mod master_key;
pub mod outbox;
pub mod root_credentials;
pub mod seed;
pub mod serve;
#[cfg(test)]
mod test_support;

use clap::Subcommand;

pub use outbox::OutboxArgs;
pub use seed::SeedArgs;
pub use serve::ServeArgs;

/// The subcommands of `userpools`.
#[derive(Subcommand)]
pub enum Command {
    /// Run the server (embedded store, or PostgreSQL with --database-url).
    Serve(ServeArgs),
    /// Bulk-create CONFIRMED users `<prefix><i:07>` (i in FROM..TO) with one permanent
    /// password, straight into the embedded store of an existing pool (load tests).
    /// Safe while the server runs on the same data dir.
    Seed(SeedArgs),
    /// Write a consistent snapshot of the embedded store to a file (the server may run).
    Backup(backup::BackupArgs),
    /// Make a new data dir from a file written by `backup`.
    Restore(backup::RestoreArgs),
    /// Print the messages held in the outbox (when no SMTP server or SMS webhook is
    /// configured), newest first: the way to read codes in development.
    Outbox(OutboxArgs),
}

/// Colour in the logs only on a terminal, and never with `NO_COLOR` set (no escape codes in
/// files and collectors).
fn log_colours() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs one command: files the process creates are private to its user, logs go to
/// stderr (filter `USERPOOLS_LOG`), and the command runs on a multi-threaded runtime.
pub fn run(command: Command) -> anyhow::Result<()> {
    // Before any thread or file exists: the umask is process-wide.
    data_dir::restrict_new_files();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("USERPOOLS_LOG")
                .unwrap_or_else(|_| "warn,userpools=info".into()),
        )
        .with_writer(std::io::stderr)
        .with_ansi(log_colours())
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match command {
        Command::Serve(args) => runtime.block_on(serve::serve(args)),
        Command::Seed(args) => runtime.block_on(seed::seed(args)),
        Command::Backup(args) => backup::backup(args),
        Command::Restore(args) => backup::restore(args),
        Command::Outbox(args) => runtime.block_on(outbox::outbox(args)),
    }
}
