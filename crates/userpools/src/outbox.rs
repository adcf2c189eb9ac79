//! `userpools outbox`: prints the messages held in the outbox (no SMTP or SMS
//! webhook configured), newest first; the way to read codes in development.

use std::path::PathBuf;

use userpools_storage::{
    OutboxFilter, OutboxRow, PostgresOptions, PostgresStore, SqliteStore, Store,
};

/// The arguments of `userpools outbox`.
#[derive(clap::Args)]
pub struct OutboxArgs {
    /// Directory of the embedded store (the server's --data-dir).
    #[arg(long, default_value = "./userpools-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL of a shared store (instead of --data-dir).
    #[arg(long, env = "USERPOOLS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Only messages of this pool.
    #[arg(long)]
    pub pool: Option<String>,
    /// Only messages sent to this address or phone number.
    #[arg(long)]
    pub to: Option<String>,
    /// Most messages printed.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Prints the held messages.
pub async fn outbox(args: OutboxArgs) -> anyhow::Result<()> {
    let store: Box<dyn Store> = match &args.database_url {
        Some(url) => Box::new(PostgresStore::connect(PostgresOptions::from_url(url, 1)?).await?),
        // Read beside a running server (which holds the directory's lock).
        None => Box::new(SqliteStore::open_beside_server(&args.data_dir)?),
    };
    let filter = OutboxFilter {
        pool_id: args.pool.as_deref(),
        destination: args.to.as_deref(),
    };
    let rows = store.list_outbox(filter, args.limit).await?;
    let mut out = String::new();
    for row in &rows {
        out.push_str(&if args.json { json(row) } else { text(row) });
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}

fn json(row: &OutboxRow) -> String {
    serde_json::json!({
        "userPoolId": row.pool_id,
        "username": row.username,
        "channel": row.channel,
        "destination": row.destination,
        "subject": row.subject,
        "body": row.body,
        "code": row.code,
        "purpose": row.purpose,
        "sentAt": row.sent_ms as f64 / 1000.0,
    })
    .to_string()
}

fn text(row: &OutboxRow) -> String {
    let when = time::OffsetDateTime::from_unix_timestamp(row.sent_ms / 1000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    format!(
        "{when} {} {} to {} (pool {}, user {}){}\n  code: {}\n  {}",
        row.purpose,
        row.channel,
        row.destination,
        row.pool_id,
        row.username,
        row.subject
            .as_deref()
            .map(|s| format!("\n  subject: {s}"))
            .unwrap_or_default(),
        row.code.as_deref().unwrap_or("-"),
        row.body.replace('\n', "\n  "),
    )
}
