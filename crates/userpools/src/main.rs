//! `userpools`: a self-hostable Amazon Cognito user pools server.

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "userpools",
    version,
    about = "A self-hostable Amazon Cognito user pools server"
)]
struct Cli {
    #[command(subcommand)]
    command: userpools::Command,
}

/// mimalloc instead of glibc's allocator: a request allocates and frees many small
/// buffers on two runtime threads, and glibc's malloc/free were ~7% of the server's CPU
/// under load (see bench/notes.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    userpools::run(Cli::parse().command)
}
