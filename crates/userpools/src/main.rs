//! `userpools`: a self-hostable Amazon Cognito user pools server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use userpools_domain::clock::{Clock, SystemClock, TestClock};
use userpools_domain::seal::MasterKey;
use userpools_domain::service::{Service, ServiceConfig};
use userpools_server::{AccessKey, AppState, Authority, KeyRing, Quotas};
use userpools_storage::{PostgresOptions, PostgresStore, SqliteStore, Store};

#[derive(Parser)]
#[command(
    name = "userpools",
    version,
    about = "A self-hostable Amazon Cognito user pools server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (embedded store, or PostgreSQL with --database-url).
    Serve(ServeArgs),
    /// Bulk-create CONFIRMED users `<prefix><i:07>` (i in FROM..TO) with one permanent
    /// password, straight into the embedded store of an existing pool (load tests).
    /// Safe while the server runs on the same data dir.
    Seed(SeedArgs),
}

#[derive(clap::Args)]
struct SeedArgs {
    /// Directory of the embedded store (the server's --data-dir).
    #[arg(long, default_value = "./userpools-data")]
    data_dir: PathBuf,
    /// The pool to add users to.
    #[arg(long)]
    pool_id: String,
    /// First user number.
    #[arg(long, default_value_t = 0)]
    from: usize,
    /// One past the last user number.
    #[arg(long)]
    to: usize,
    /// Username prefix: users are named `<prefix><number, 7 digits>` (`user0000042`).
    #[arg(long, default_value = "user")]
    prefix: String,
    /// The users' permanent password (must satisfy the pool's policy).
    #[arg(long)]
    password: String,
    /// Users per transaction.
    #[arg(long, default_value_t = 2000)]
    batch: usize,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9229")]
    listen: SocketAddr,
    /// Directory of the embedded store and of the generated master key file
    /// (created if missing; unused with --database-url and USERPOOLS_MASTER_KEY).
    #[arg(long, default_value = "./userpools-data")]
    data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://user:password@host:5432/db`): use the shared
    /// PostgreSQL engine instead of the embedded store. Requires USERPOOLS_MASTER_KEY.
    #[arg(long, env = "USERPOOLS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Maximum PostgreSQL connections of this node's main pool (a second pool
    /// of the same size holds per-user write locks).
    #[arg(
        long,
        env = "USERPOOLS_DATABASE_POOL_SIZE",
        default_value_t = 10,
        value_parser = clap::value_parser!(u32).range(1..=1000)
    )]
    database_pool_size: u32,
    /// Region of the pools and of SigV4 scopes.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Enable `POST /_userpools/clock` to move the service clock (tests only).
    #[arg(long)]
    test_clock: bool,
    /// Base URL of token issuers (`<base>/<poolId>`); defaults to the listen URL.
    #[arg(long)]
    issuer_base_url: Option<String>,
    /// Configuration file (TOML): IAM access keys and policies, quotas.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// mimalloc instead of glibc's allocator: a request allocates and frees many small
/// buffers on two runtime threads, and glibc's malloc/free were ~7% of the server's CPU
/// under load (see bench/notes.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("USERPOOLS_LOG")
                .unwrap_or_else(|_| "warn,userpools=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Seed(args) => runtime.block_on(seed(args)),
    }
}

/// `userpools seed`: batches of users written through the Store, the verifiers computed on
/// every core (one task per core, each taking the next batch).
async fn seed(args: SeedArgs) -> anyhow::Result<()> {
    if args.from > args.to || args.batch == 0 {
        bail!("need --from <= --to and --batch >= 1");
    }
    let master = Arc::new(master_key(&args.data_dir)?);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_beside_server(&args.data_dir)?);
    let config = ServiceConfig {
        region: args
            .pool_id
            .split('_')
            .next()
            .unwrap_or("us-east-1")
            .to_owned(),
        account_id: std::env::var("USERPOOLS_ACCOUNT_ID").unwrap_or_else(|_| "000000000000".into()),
        issuer_base_url: String::new(),
    };
    let service = Arc::new(Service::new(store, Arc::new(SystemClock), master, config));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(args.from));
    let args = Arc::new(args);
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get()))
        .map(|_| {
            let (service, next, args) = (service.clone(), next.clone(), args.clone());
            tokio::spawn(async move {
                loop {
                    let from = next.fetch_add(args.batch, std::sync::atomic::Ordering::Relaxed);
                    if from >= args.to {
                        return anyhow::Ok(());
                    }
                    let names: Vec<String> = (from..(from + args.batch).min(args.to))
                        .map(|i| format!("{}{i:07}", args.prefix))
                        .collect();
                    service
                        .seed_confirmed_users(&args.pool_id, &names, &args.password)
                        .await
                        .map_err(|e| anyhow::anyhow!("users {from}..: {}", e.message()))?;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    let n = args.to - args.from;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {n} users into {} in {secs:.1} s ({:.0} users/s)",
        args.pool_id,
        n as f64 / secs.max(1e-9)
    );
    Ok(())
}

/// Reads `USERPOOLS_MASTER_KEY`, or the key file in the data dir (created with mode 0600).
fn master_key(data_dir: &Path) -> anyhow::Result<MasterKey> {
    if let Ok(text) = std::env::var("USERPOOLS_MASTER_KEY") {
        return MasterKey::parse(&text).map_err(|e| anyhow::anyhow!("USERPOOLS_MASTER_KEY: {e}"));
    }
    let path = data_dir.join("master.key");
    if !path.exists() {
        use std::io::Write;
        #[cfg(unix)]
        use std::os::unix::fs::OpenOptionsExt;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        let mut file = options
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        file.write_all(MasterKey::generate_hex().as_bytes())?;
        file.sync_all()?;
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    MasterKey::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Root credentials: from the environment, else generated once and stored (sealed).
async fn root_key(
    store: &dyn Store,
    master: &MasterKey,
    account_id: &str,
) -> anyhow::Result<AccessKey> {
    let principal_arn = format!("arn:aws:iam::{account_id}:root");
    match (
        std::env::var("USERPOOLS_ACCESS_KEY_ID"),
        std::env::var("USERPOOLS_SECRET_ACCESS_KEY"),
    ) {
        (Ok(access_key_id), Ok(secret_access_key)) => {
            return Ok(AccessKey {
                access_key_id,
                secret_access_key,
                session_token: None,
                principal_arn,
                authority: Authority::Root,
            })
        }
        (Ok(_), Err(_)) | (Err(_), Ok(_)) => {
            bail!("set both USERPOOLS_ACCESS_KEY_ID and USERPOOLS_SECRET_ACCESS_KEY, or neither")
        }
        _ => {}
    }
    const CONTEXT: &[u8] = b"root-credentials";
    let candidate = {
        let id = format!("AKIA{}", random_upper(16));
        let secret = random_secret(40);
        master.seal(CONTEXT, format!("{id}:{secret}").as_bytes())
    };
    let stored = store
        .put_setting_if_absent("root_credentials", &candidate)
        .await?;
    let plain = master.open(CONTEXT, &stored).map_err(|_| {
        anyhow::anyhow!("the stored root credentials do not open with this master key")
    })?;
    let text = String::from_utf8(plain)?;
    let (access_key_id, secret_access_key) =
        text.split_once(':').context("malformed root credentials")?;
    if stored == candidate {
        println!("USERPOOLS_ACCESS_KEY_ID={access_key_id}");
        println!("USERPOOLS_SECRET_ACCESS_KEY={secret_access_key}");
    } else {
        println!("USERPOOLS_ACCESS_KEY_ID={access_key_id}");
    }
    Ok(AccessKey {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: secret_access_key.to_owned(),
        session_token: None,
        principal_arn,
        authority: Authority::Root,
    })
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

/// Checks that the master key opens what the store holds: a check value is
/// sealed on first start, and a node with another key refuses to start.
async fn check_master_key(store: &dyn Store, master: &MasterKey) -> anyhow::Result<()> {
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

async fn open_store(args: &ServeArgs) -> anyhow::Result<(Arc<dyn Store>, Arc<MasterKey>, String)> {
    if let Some(url) = &args.database_url {
        // Every node must seal and open with the same key: a key file made
        // in one node's data dir would silently differ between nodes.
        if std::env::var_os("USERPOOLS_MASTER_KEY").is_none() {
            bail!(
                "--database-url (USERPOOLS_DATABASE_URL) needs USERPOOLS_MASTER_KEY: the same \
                 64-hex-digit key on every node (generate one with `openssl rand -hex 32`; \
                 see docs/deployment.md)"
            );
        }
        let master = Arc::new(master_key(&args.data_dir)?);
        let options = PostgresOptions::from_url(url, args.database_pool_size)?;
        let target = format!("postgres {}", options.describe());
        let store = PostgresStore::connect(options)
            .await
            .with_context(|| format!("opening {target}"))?;
        return Ok((Arc::new(store), master, target));
    }
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating {}", args.data_dir.display()))?;
    let master = Arc::new(master_key(&args.data_dir)?);
    let store = SqliteStore::open(&args.data_dir)?;
    Ok((
        Arc::new(store),
        master,
        format!("sqlite {}", args.data_dir.display()),
    ))
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // The configuration is checked before anything else is touched.
    let file_config = match &args.config {
        Some(path) => userpools_server::config::load(path)?,
        None => userpools_server::Config::default(),
    };
    for warning in &file_config.warnings {
        tracing::warn!(target: "userpools::config", "{warning}");
    }
    if let Some(path) = &args.config {
        tracing::info!(
            target: "userpools::config",
            file = %path.display(),
            access_keys = file_config.access_keys.len(),
            quotas = file_config.quotas.enabled,
            "configuration loaded"
        );
    }
    let account_id =
        std::env::var("USERPOOLS_ACCOUNT_ID").unwrap_or_else(|_| "000000000000".into());
    let (store, master, target) = open_store(&args).await?;
    check_master_key(store.as_ref(), &master).await?;
    let mut keys = KeyRing::default();
    let root = root_key(store.as_ref(), &master, &account_id).await?;
    for key in &file_config.access_keys {
        if key.access_key_id == root.access_key_id {
            bail!(
                "invalid configuration file {}: access key {} is the root credential's; configured keys need their own ids",
                args.config.as_deref().unwrap_or(Path::new("-")).display(),
                key.access_key_id
            );
        }
    }
    keys.insert(root);
    for key in file_config.access_keys {
        keys.insert(key);
    }
    let quotas = Quotas::new(
        file_config.quotas,
        &account_id,
        Arc::new(userpools_server::quota::StoreBuckets::new(store.clone())),
    );

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
    let service = Arc::new(Service::new(store, clock, master, config));
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
    userpools_server::serve(listener, state, async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    })
    .await?;
    Ok(())
}
