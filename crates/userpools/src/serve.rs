//! `userpools serve`: checks the settings, opens the store, builds the service and serves
//! until SIGINT or SIGTERM.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use userpools_domain::clock::{Clock, SystemClock, TestClock};
use userpools_domain::delivery::{ByChannel, MessageSender, Outbox};
use userpools_domain::seal::MasterKey;
use userpools_domain::service::{Service, ServiceConfig};
use userpools_server::delivery::{SmsWebhook, SmtpSender};
use userpools_server::{AppState, Limits, QuotaConfig, Quotas};
use userpools_storage::{PostgresOptions, PostgresStore, SqliteStore, Store};
use zeroize::Zeroizing;

use crate::{config, data_dir, limits, master_key, root_credentials};

/// The arguments of `userpools serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on: HOST:PORT, the host a name (`localhost`), an IPv4
    /// address or an IPv6 address in brackets (`[::1]:9229`).
    #[arg(long, default_value = "127.0.0.1:9229", value_parser = parse_listen)]
    pub listen: String,
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
    /// Enforce Amazon Cognito's request-rate quotas (off by default; also
    /// `[quotas] enabled = true` in the configuration file).
    #[arg(long)]
    pub aws_quotas: bool,
    /// Seconds a client has to send a whole request head once it has begun.
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
    /// Seconds a connection may stay open with no request begun (keep-alive).
    #[arg(long, value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub idle_timeout: u64,
    /// Seconds a client has to send a whole request, head and body, from its first byte.
    #[arg(long, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub request_timeout: u64,
    /// Most connections open at once [default: 16384, at most the open-file limit less 64
    /// (and less two per PostgreSQL connection)].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
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

/// Checks `--listen`: `HOST:PORT`, an IPv6 host in brackets.
fn parse_listen(value: &str) -> Result<String, String> {
    let expected = "expected HOST:PORT, e.g. 127.0.0.1:9229, localhost:9229 or [::1]:9229";
    let Some((host, port)) = value.rsplit_once(':') else {
        return Err(expected.to_owned());
    };
    if port.parse::<u16>().is_err() {
        return Err(format!("{port:?} is not a port number: {expected}"));
    }
    let bare_ipv6 = host.contains(':') && !(host.starts_with('[') && host.ends_with(']'));
    if host.is_empty() || bare_ipv6 || host.chars().any(char::is_whitespace) {
        return Err(format!("{host:?} is not a host: {expected}"));
    }
    Ok(value.to_owned())
}

/// Runs the server.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // The configuration and the environment are checked before anything is touched.
    let file_config = config::load(args.config.as_deref())?;
    let addresses: Vec<std::net::SocketAddr> = tokio::net::lookup_host(args.listen.as_str())
        .await
        .with_context(|| format!("cannot resolve the --listen address {}", args.listen))?
        .collect();
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
    let mut quota_config = file_config.quotas;
    quota_config.enabled |= args.aws_quotas;
    let quotas = quotas(quota_config, &account_id, &store);

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
    let limits = connection_limits(&args);
    let quotas_on = if state.quotas.config().enabled {
        "on"
    } else {
        "off"
    };
    let listener = tokio::net::TcpListener::bind(addresses.as_slice())
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let bound = listener.local_addr()?;
    tracing::info!(
        target: "userpools",
        listen = %bound,
        store = %target,
        quotas = quotas_on,
        max_connections = limits.max_connections,
        "serving"
    );
    userpools_server::serve(listener, state, limits, shutdown_signal()).await?;
    Ok(())
}

/// Raises the open-file limit and derives the connection limits from it and `args`.
fn connection_limits(args: &ServeArgs) -> Limits {
    let open_files = limits::raise_open_file_limit();
    if let Some(files) = open_files {
        if files.now > files.before {
            tracing::info!(target: "userpools", "open-file limit raised from {} to {}", files.before, files.now);
        }
    }
    // PostgreSQL: two pools of --database-pool-size connections each.
    let reserved = limits::RESERVED_FILES
        + match args.database_url {
            Some(_) => 2 * u64::from(args.database_pool_size),
            None => 0,
        };
    let (cap, lowered) =
        limits::connection_cap(args.max_connections, open_files.map(|f| f.now), reserved);
    if lowered {
        tracing::warn!(
            target: "userpools",
            "--max-connections lowered to {cap}: the open-file limit is {}",
            open_files.map_or(0, |f| f.now)
        );
    }
    Limits {
        header_timeout: Duration::from_secs(args.header_timeout),
        idle_timeout: Duration::from_secs(args.idle_timeout),
        request_timeout: Duration::from_secs(args.request_timeout),
        max_connections: usize::try_from(cap).unwrap_or(usize::MAX),
    }
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

#[cfg(test)]
mod tests {
    use super::parse_listen;

    #[test]
    fn listen_takes_host_names_and_bracketed_ipv6() {
        for ok in [
            "127.0.0.1:9229",
            "localhost:9300",
            "[::1]:9300",
            "0.0.0.0:0",
            "my-host.local:80",
        ] {
            assert_eq!(parse_listen(ok).as_deref(), Ok(ok));
        }
        let expected = "expected HOST:PORT, e.g. 127.0.0.1:9229, localhost:9229 or [::1]:9229";
        assert_eq!(parse_listen("localhost"), Err(expected.to_owned()));
        assert_eq!(
            parse_listen("localhost:http"),
            Err(format!("\"http\" is not a port number: {expected}"))
        );
        assert_eq!(
            parse_listen("::1:9300"),
            Err(format!("\"::1\" is not a host: {expected}"))
        );
        assert_eq!(
            parse_listen(":9300"),
            Err(format!("\"\" is not a host: {expected}"))
        );
    }
}
