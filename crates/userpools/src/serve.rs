//! `userpools serve`: checks the settings, opens the store, builds the service and serves
//! until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use userpools_domain::clock::{Clock, SystemClock, TestClock};
use userpools_domain::delivery::{ByChannel, MessageSender, Outbox};
use userpools_domain::seal::MasterKey;
use userpools_domain::service::{Service, ServiceConfig};
use userpools_server::delivery::{SmsWebhook, SmtpSender};
use userpools_server::{AppState, QuotaConfig, Quotas};
use userpools_storage::{PostgresOptions, PostgresStore, SqliteStore, Store};
use zeroize::Zeroizing;

use crate::{config, data_dir, master_key, root_credentials};

/// The arguments of `userpools serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9229")]
    pub listen: SocketAddr,
    /// Directory of the embedded store and of the generated master key file
    /// (created if missing; unused with --database-url and USERPOOLS_MASTER_KEY).
    #[arg(long, default_value = "./userpools-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://user:password@host:5432/db`): use the shared
    /// PostgreSQL engine instead of the embedded store. Requires USERPOOLS_MASTER_KEY.
    #[arg(long, env = "USERPOOLS_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Maximum PostgreSQL connections of this node's main pool (a second pool
    /// of the same size holds per-user write locks).
    #[arg(
        long,
        env = "USERPOOLS_DATABASE_POOL_SIZE",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    pub database_pool_size: u32,
    /// Region of the pools and of SigV4 scopes.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// Enable `POST /_userpools/clock` to move the service clock (tests only).
    #[arg(long)]
    pub test_clock: bool,
    /// Base URL of token issuers (`<base>/<poolId>`); defaults to the listen URL.
    #[arg(long)]
    pub issuer_base_url: Option<String>,
    /// Configuration file (TOML): IAM access keys and policies, quotas.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Mail server for email messages: `smtp://[user:pass@]host:port`
    /// (`?starttls=required` for STARTTLS) or `smtps://…` (implicit TLS).
    /// Without it, emails are held in the outbox (`userpools outbox`).
    #[arg(long, env = "USERPOOLS_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Webhook receiving SMS messages as `POST` JSON `{to, message, userPoolId,
    /// username, purpose}` (`http://host:port/path`). Without it, SMS are held in the outbox.
    #[arg(long, env = "USERPOOLS_SMS_WEBHOOK_URL")]
    pub sms_webhook_url: Option<String>,
    /// Sender of emails for pools without `EmailConfiguration.From`.
    #[arg(long, default_value = userpools_server::delivery::DEFAULT_FROM)]
    pub email_from: String,
}

/// Runs the server.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // The configuration and the environment are checked before anything is touched.
    let file_config = config::load(args.config.as_deref())?;
    let account_id = config::account_id_from_env()?;
    let given_root = root_credentials::from_env()?;
    let (store, master, target) = open_store(&args, master_key::from_env()).await?;
    master_key::check(store.as_ref(), &master).await?;
    let root = root_credentials::root_key(
        store.as_ref(),
        &master,
        &account_id,
        given_root,
        &mut std::io::stdout(),
    )
    .await?;
    let keys = config::key_ring(root, file_config.access_keys, args.config.as_deref())?;
    let quotas = quotas(file_config.quotas, &account_id, &store);

    let test_clock = args.test_clock.then(|| Arc::new(TestClock::new()));
    let clock: Arc<dyn Clock> = match &test_clock {
        Some(clock) => clock.clone(),
        None => Arc::new(SystemClock),
    };
    if args.database_url.is_some() && args.issuer_base_url.is_none() {
        tracing::warn!(
            target: "userpools",
            "tokens name this node (http://{}) as issuer: behind a load balancer, give every \
             node the same --issuer-base-url, or a token from one node is refused by another",
            args.listen
        );
    }
    let issuer_base_url = args
        .issuer_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.listen));
    let config = ServiceConfig {
        region: args.region.clone(),
        account_id,
        issuer_base_url,
    };
    let sender = message_sender(&args, &store)?;
    let service = Arc::new(Service::new(store, clock, master, config).with_message_sender(sender));
    let state = Arc::new(AppState {
        service,
        keys,
        test_clock,
        quotas,
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(target: "userpools", listen = %args.listen, store = %target, "serving");
    userpools_server::serve(listener, state, shutdown_signal()).await?;
    Ok(())
}

/// The store of `args` (PostgreSQL with `--database-url`, else the embedded store in the
/// data dir, made private), the master key and a description of the store for the logs.
async fn open_store(
    args: &ServeArgs,
    env_master_key: Option<Zeroizing<String>>,
) -> anyhow::Result<(Arc<dyn Store>, Arc<MasterKey>, String)> {
    if let Some(url) = &args.database_url {
        // Every node must seal and open with the same key: a key file made
        // in one node's data dir would silently differ between nodes.
        let Some(env_master_key) = env_master_key else {
            bail!(
                "--database-url (USERPOOLS_DATABASE_URL) needs USERPOOLS_MASTER_KEY: the same \
                 64-hex-digit key on every node (generate one with `openssl rand -hex 32`; \
                 see docs/deployment.md)"
            );
        };
        let master = Arc::new(master_key::load(Some(&env_master_key), &args.data_dir)?);
        let options = PostgresOptions::from_url(url, args.database_pool_size)?;
        let target = format!("postgres {}", options.describe());
        let store = PostgresStore::connect(options)
            .await
            .with_context(|| format!("opening {target}"))?;
        return Ok((Arc::new(store), master, target));
    }
    data_dir::prepare(&args.data_dir)?;
    let master = Arc::new(master_key::load(
        env_master_key.as_deref().map(String::as_str),
        &args.data_dir,
    )?);
    let store = SqliteStore::open(&args.data_dir)?;
    Ok((
        Arc::new(store),
        master,
        format!("sqlite {}", args.data_dir.display()),
    ))
}

/// The request-rate quotas of `account_id`, their buckets kept in `store` when it is
/// shared between nodes.
fn quotas(config: QuotaConfig, account_id: &str, store: &Arc<dyn Store>) -> Quotas {
    Quotas::new(
        config,
        account_id,
        Arc::new(userpools_server::quota::StoreBuckets::new(store.clone())),
    )
}

/// Email through `--smtp-url`, SMS through `--sms-webhook-url`, each held in the
/// store's outbox when not given.
fn message_sender(
    args: &ServeArgs,
    store: &Arc<dyn Store>,
) -> anyhow::Result<Arc<dyn MessageSender>> {
    let outbox: Arc<dyn MessageSender> = Arc::new(Outbox::new(store.clone()));
    let email: Arc<dyn MessageSender> = match &args.smtp_url {
        Some(url) => {
            Arc::new(SmtpSender::from_url(url, &args.email_from).map_err(anyhow::Error::msg)?)
        }
        None => outbox.clone(),
    };
    let sms: Arc<dyn MessageSender> = match &args.sms_webhook_url {
        Some(url) => Arc::new(SmsWebhook::from_url(url).map_err(anyhow::Error::msg)?),
        None => outbox,
    };
    Ok(Arc::new(ByChannel { email, sms }))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
