//! `userpools-bench`: a load generator for Cognito user pools endpoints (userpools, moto,
//! cognito-local, ministack, …). It signs SigV4 itself, seeds a pool, and runs scenarios
//! closed-loop (`--concurrency N`) or open-loop (`--rate R`, latencies counted from when
//! each request was due), reporting throughput, HDR latency percentiles, errors by type,
//! and — when it knows the server's pid — the server's CPU time and peak RSS.
//!
//! ```text
//! userpools-bench --spawn-server target/release/userpools --users 1000 \
//!     --scenario admin-set-user-password --concurrency 32 --duration 10
//! userpools-bench --endpoint http://127.0.0.1:5000 --server-pid 1234 --label moto \
//!     --scenario all --users 1000 --state /tmp/moto.json --json-out moto.json
//! userpools-bench --spawn-server target/release/userpools --users 1500 \
//!     --enumeration-timing 2000   # existing vs unknown users: see `timing.rs`
//! ```

mod http;
mod run;
mod scenario;
mod server;
mod sigv4;
mod srp;
mod timing;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;

use crate::http::Target;
use crate::run::{LoadConfig, ScenarioResult};
use crate::scenario::{Context, Scenario, Setup};
use crate::sigv4::Signer;

/// How users are seeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SeedMode {
    /// AdminCreateUser (SUPPRESS) + AdminSetUserPassword through the API, concurrently.
    Api,
    /// `userpools seed` writing straight into the data dir (userpools only).
    Bulk,
}

#[derive(Parser, Debug)]
#[command(
    name = "userpools-bench",
    version,
    about = "Load generator for Cognito user pools endpoints"
)]
struct Cli {
    /// Endpoint URL (http://host:port); ignored with --spawn-server.
    #[arg(long, default_value = "http://127.0.0.1:9229")]
    endpoint: String,
    /// Access key id used to sign.
    #[arg(
        long,
        env = "USERPOOLS_ACCESS_KEY_ID",
        default_value = "AKIABENCHMARK0000000"
    )]
    access_key: String,
    /// Secret access key used to sign.
    #[arg(
        long,
        env = "USERPOOLS_SECRET_ACCESS_KEY",
        default_value = "bench-secret-key"
    )]
    secret_key: String,
    /// Region of the SigV4 scope.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// Scenarios, comma-separated, or `all`.
    #[arg(long, default_value = "admin-set-user-password", value_delimiter = ',')]
    scenario: Vec<String>,
    /// Users in the pool.
    #[arg(long, default_value_t = 1000)]
    users: usize,
    /// Closed loop: concurrent workers; open loop: most operations in flight.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Open loop at this many operations per second (latency counted from when each was due).
    #[arg(long)]
    rate: Option<f64>,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured warm-up seconds before each scenario.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// How to seed users.
    #[arg(long, value_enum, default_value_t = SeedMode::Api)]
    seed: SeedMode,
    /// Connections used to seed through the API.
    #[arg(long, default_value_t = 32)]
    seed_concurrency: usize,
    /// Give up seeding after this many seconds (the scenarios are then skipped).
    #[arg(long, default_value_t = 3600.0)]
    seed_timeout: f64,
    /// File keeping the pool between runs (created, topped up, reused).
    #[arg(long)]
    state: Option<PathBuf>,
    /// Start this userpools binary on a free port with a temporary data dir.
    #[arg(long)]
    spawn_server: Option<PathBuf>,
    /// Extra argument for the spawned server (repeatable).
    #[arg(long, allow_hyphen_values = true)]
    server_arg: Vec<String>,
    /// Pid of the server process, to report its CPU time and memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Bulk seeding without --spawn-server: the userpools binary…
    #[arg(long)]
    userpools_bin: Option<PathBuf>,
    /// …and the server's data dir.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Name of the server in the report.
    #[arg(long, default_value = "userpools")]
    label: String,
    /// Threads of the load tool.
    #[arg(long, default_value_t = 2)]
    client_threads: usize,
    /// Print the results as JSON on stdout (instead of the table).
    #[arg(long)]
    json: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json_out: Option<PathBuf>,
    /// Instead of the scenarios: time N refused sign-ins of seeded users and N of unknown
    /// names per flow (PreventUserExistenceErrors=ENABLED) and compare (needs --users of
    /// at least 3N/4).
    #[arg(long, value_name = "N")]
    enumeration_timing: Option<usize>,
}

fn parse_scenarios(names: &[String]) -> anyhow::Result<Vec<Scenario>> {
    let mut out = Vec::new();
    for name in names {
        if name == "all" {
            out.extend(Scenario::ALL);
            continue;
        }
        match Scenario::ALL.iter().find(|s| s.name() == name) {
            Some(s) => out.push(*s),
            None => bail!(
                "unknown scenario {name}; one of: all, {}",
                Scenario::ALL.map(|s| s.name()).join(", ")
            ),
        }
    }
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let scenarios = parse_scenarios(&cli.scenario)?;
    if cli.users == 0 || cli.concurrency == 0 {
        bail!("--users and --concurrency must be at least 1");
    }
    let spawned = match &cli.spawn_server {
        Some(binary) => Some(server::SpawnedServer::start(
            binary,
            &cli.server_arg,
            &cli.access_key,
            &cli.secret_key,
            &cli.region,
        )?),
        None => None,
    };
    let endpoint = spawned
        .as_ref()
        .map(|s| s.endpoint.clone())
        .unwrap_or_else(|| cli.endpoint.clone());
    let server_pid = spawned.as_ref().map(|s| s.pid()).or(cli.server_pid);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cli.client_threads.max(1))
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        let target = Arc::new(Target::new(
            &endpoint,
            Signer::new(&cli.access_key, &cli.secret_key, &cli.region),
        )?);
        let (setup, not_seeded) = prepare(&cli, target.clone(), spawned.as_ref()).await?;
        if let Some(samples) = cli.enumeration_timing {
            if let Some(why) = not_seeded {
                bail!("{why}");
            }
            if setup.users < timing::users_needed(samples) {
                bail!(
                    "--enumeration-timing {samples} needs --users {} at least",
                    timing::users_needed(samples)
                );
            }
            timing::run(target.clone(), &setup, samples).await?;
            return anyhow::Ok(Vec::new());
        }
        let load = LoadConfig {
            concurrency: cli.concurrency,
            rate: cli.rate,
            duration: Duration::from_secs_f64(cli.duration),
            warmup: Duration::from_secs_f64(cli.warmup),
        };
        let mut results: Vec<ScenarioResult> = Vec::new();
        if !cli.json {
            println!("{}", run::table_header());
        }
        if let Some(why) = not_seeded {
            // Report every scenario as not run, so that tables show why.
            for scenario in scenarios {
                let result = ScenarioResult::not_run(
                    &cli.label,
                    &target.url(),
                    scenario.name(),
                    cli.users,
                    &why,
                );
                if !cli.json {
                    println!("{}", run::table_row(&result));
                }
                results.push(result);
            }
            return anyhow::Ok(results);
        }
        for scenario in scenarios {
            let mut setup = setup.clone();
            setup.users = cli.users.min(setup.users);
            let ctx = Arc::new(Context::new(scenario, setup, cli.concurrency));
            let mut result = run::run(ctx, target.clone(), &load, server_pid, &cli.label).await;
            result.users = cli.users;
            if !cli.json {
                println!("{}", run::table_row(&result));
                for (kind, sample) in &result.error_samples {
                    println!("    {kind}: {sample}");
                }
            }
            results.push(result);
        }
        anyhow::Ok(results)
    })?;
    let json = serde_json::to_string_pretty(&results)?;
    if cli.json {
        println!("{json}");
    }
    if let Some(path) = &cli.json_out {
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    drop(spawned);
    Ok(())
}

/// Creates or reuses the pool, and seeds it up to `--users`; the second value says why
/// the pool could not be seeded in time, if so.
async fn prepare(
    cli: &Cli,
    target: Arc<Target>,
    spawned: Option<&server::SpawnedServer>,
) -> anyhow::Result<(Setup, Option<String>)> {
    let saved: Option<Setup> = cli
        .state
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|text| serde_json::from_str(&text).ok())
        .filter(|s: &Setup| s.endpoint == target.url() && spawned.is_none());
    let mut setup = match saved {
        Some(s) => s,
        None => scenario::create_pool(target.clone(), &format!("bench-{}", cli.users)).await?,
    };
    if setup.users > cli.users {
        eprintln!(
            "note: the saved pool holds {} users (more than --users {}); the load uses the first {}",
            setup.users, cli.users, cli.users
        );
    }
    let mut not_seeded = None;
    let projected = match (cli.seed, setup.seed_rate) {
        (SeedMode::Api, Some(rate)) if rate > 0.0 => {
            (cli.users.saturating_sub(setup.users)) as f64 / rate
        }
        _ => 0.0,
    };
    if setup.users < cli.users && projected > cli.seed_timeout {
        not_seeded = Some(format!(
            "not seeded: {} more users would take ~{:.0} min at the {:.0} users/s measured (budget {:.0} s)",
            cli.users - setup.users,
            projected / 60.0,
            setup.seed_rate.unwrap_or_default(),
            cli.seed_timeout
        ));
    } else if setup.users < cli.users {
        let started = Instant::now();
        let (from, to) = (setup.users, cli.users);
        eprintln!("seeding users {from}..{to} ({:?})", cli.seed);
        let seeded = match cli.seed {
            SeedMode::Api => {
                let deadline = started + Duration::from_secs_f64(cli.seed_timeout);
                scenario::seed_api(
                    target.clone(),
                    &setup.pool_id,
                    from,
                    to,
                    cli.seed_concurrency,
                    deadline,
                )
                .await?
            }
            SeedMode::Bulk => {
                let (binary, data_dir) = match spawned {
                    Some(s) => (s.binary.clone(), s.data_dir.clone()),
                    None => (
                        cli.userpools_bin
                            .clone()
                            .context("--seed bulk needs --spawn-server or --userpools-bin")?,
                        cli.data_dir
                            .clone()
                            .context("--seed bulk needs --spawn-server or --data-dir")?,
                    ),
                };
                let status = std::process::Command::new(&binary)
                    .arg("seed")
                    .arg("--data-dir")
                    .arg(&data_dir)
                    .arg("--pool-id")
                    .arg(&setup.pool_id)
                    .arg("--from")
                    .arg(from.to_string())
                    .arg("--to")
                    .arg(to.to_string())
                    .arg("--prefix")
                    .arg("user")
                    .arg("--password")
                    .arg(scenario::PASSWORD)
                    .status()
                    .with_context(|| format!("running {} seed", binary.display()))?;
                if !status.success() {
                    bail!("{} seed failed: {status}", binary.display());
                }
                to - from
            }
        };
        setup.users = from + seeded;
        let secs = started.elapsed().as_secs_f64();
        if cli.seed == SeedMode::Api && seeded > 0 {
            setup.seed_rate = Some(seeded as f64 / secs.max(1e-9));
        }
        if setup.users < cli.users {
            not_seeded = Some(format!(
                "not seeded: {} of {} users after {secs:.0} s ({:.0} users/s)",
                setup.users,
                cli.users,
                seeded as f64 / secs.max(1e-9)
            ));
        }
        eprintln!(
            "seeded {seeded} users in {secs:.1} s ({:.0} users/s)",
            seeded as f64 / secs.max(1e-9)
        );
    }
    if let Some(path) = &cli.state {
        std::fs::write(path, serde_json::to_string_pretty(&setup)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok((setup, not_seeded))
}
