//! The load loops (closed and open) and their statistics.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rand::SeedableRng as _;
use serde::Serialize;

use crate::http::{CallError, Conn, Target};
use crate::scenario::{run_once, Context};
use crate::server;

/// How load is applied.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// Closed loop: workers; open loop: the most requests in flight.
    pub concurrency: usize,
    /// Open loop: operations per second (None: closed loop).
    pub rate: Option<f64>,
    /// Measured time.
    pub duration: Duration,
    /// Unmeasured time before it.
    pub warmup: Duration,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Percentiles {
    /// Samples.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Maximum.
    pub max: f64,
}

impl Percentiles {
    fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            mean: h.mean() / 1000.0,
            p50: ms(h.value_at_quantile(0.50)),
            p90: ms(h.value_at_quantile(0.90)),
            p99: ms(h.value_at_quantile(0.99)),
            p999: ms(h.value_at_quantile(0.999)),
            max: ms(h.max()),
        }
    }
}

/// What the server process used during the measured time.
#[derive(Debug, Clone, Serialize)]
pub struct ServerUsage {
    /// CPU seconds (user + system, all threads).
    pub cpu_seconds: f64,
    /// Average cores busy.
    pub cpu_cores: f64,
    /// CPU microseconds per operation.
    pub cpu_us_per_op: f64,
    /// Peak RSS since the server started (MB).
    pub peak_rss_mb: f64,
    /// RSS at the end (MB).
    pub rss_mb: f64,
}

/// The result of one scenario run.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// Name of the server under test.
    pub label: String,
    /// Endpoint.
    pub endpoint: String,
    /// Scenario name.
    pub scenario: String,
    /// Users in the pool.
    pub users: usize,
    /// `closed` or `open`.
    pub mode: String,
    /// Workers / most in flight.
    pub concurrency: usize,
    /// Open loop target rate (ops/s).
    pub target_rate: Option<f64>,
    /// Measured seconds.
    pub duration_s: f64,
    /// Operations completed successfully in the measured time.
    pub ops: u64,
    /// Requests sent in the measured time (successful operations × requests each, plus
    /// the requests of failed operations).
    pub requests: u64,
    /// Successful operations per second.
    pub ops_per_s: f64,
    /// Requests per second.
    pub requests_per_s: f64,
    /// Latency of successful operations (open loop: from the intended start).
    pub latency_ms: Percentiles,
    /// Latency of each request type.
    pub steps: BTreeMap<String, Percentiles>,
    /// Failed operations by error type.
    pub errors: BTreeMap<String, u64>,
    /// One message per error type.
    pub error_samples: BTreeMap<String, String>,
    /// Open loop: operations never sent because the server fell too far behind.
    pub dropped: u64,
    /// Correctness probe verdict (`ok`, or what is wrong).
    pub probe: String,
    /// Set when the scenario could not run at all (the trial operations failed).
    pub unsupported: Option<String>,
    /// Server CPU and memory, when its pid is known.
    pub server: Option<ServerUsage>,
    /// CPU seconds the load tool itself used in the measured time.
    pub client_cpu_seconds: f64,
    /// Connections re-opened by the client.
    pub reconnects: u64,
}

impl ScenarioResult {
    /// A result for a scenario that was not run, saying why.
    pub fn not_run(label: &str, endpoint: &str, scenario: &str, users: usize, why: &str) -> Self {
        Self {
            label: label.to_owned(),
            endpoint: endpoint.to_owned(),
            scenario: scenario.to_owned(),
            users,
            mode: "closed".into(),
            concurrency: 0,
            target_rate: None,
            duration_s: 0.0,
            ops: 0,
            requests: 0,
            ops_per_s: 0.0,
            requests_per_s: 0.0,
            latency_ms: Percentiles::default(),
            steps: BTreeMap::new(),
            errors: BTreeMap::new(),
            error_samples: BTreeMap::new(),
            dropped: 0,
            probe: String::new(),
            unsupported: Some(why.to_owned()),
            server: None,
            client_cpu_seconds: 0.0,
            reconnects: 0,
        }
    }
}

struct WorkerStats {
    total: Histogram<u64>,
    steps: BTreeMap<&'static str, Histogram<u64>>,
    ops: u64,
    requests: u64,
    errors: BTreeMap<String, u64>,
    samples: BTreeMap<String, String>,
    dropped: u64,
    reconnects: u64,
}

fn histogram() -> Histogram<u64> {
    // 1 µs .. 1 hour at 3 significant digits.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("histogram")
}

impl WorkerStats {
    fn new() -> Self {
        Self {
            total: histogram(),
            steps: BTreeMap::new(),
            ops: 0,
            requests: 0,
            errors: BTreeMap::new(),
            samples: BTreeMap::new(),
            dropped: 0,
            reconnects: 0,
        }
    }

    fn record(
        &mut self,
        result: Result<crate::scenario::StepTimes, CallError>,
        latency: Duration,
        per_op: u64,
    ) {
        match result {
            Ok(steps) => {
                self.ops += 1;
                self.requests += per_op;
                self.total.saturating_record(latency.as_micros() as u64);
                for (name, t) in steps {
                    self.steps
                        .entry(name)
                        .or_insert_with(histogram)
                        .saturating_record(t.as_micros() as u64);
                }
            }
            Err(e) => {
                self.requests += 1;
                let kind = e.kind();
                self.samples
                    .entry(kind.clone())
                    .or_insert_with(|| e.to_string());
                *self.errors.entry(kind).or_default() += 1;
            }
        }
    }

    fn merge(&mut self, other: WorkerStats) {
        self.total.add(&other.total).ok();
        for (name, h) in other.steps {
            self.steps
                .entry(name)
                .or_insert_with(histogram)
                .add(&h)
                .ok();
        }
        self.ops += other.ops;
        self.requests += other.requests;
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for (k, v) in other.samples {
            self.samples.entry(k).or_insert(v);
        }
        self.dropped += other.dropped;
        self.reconnects += other.reconnects;
    }
}

/// Runs the scenario of `ctx` with `load`; `server_pid` is sampled for CPU and memory.
pub async fn run(
    ctx: Arc<Context>,
    target: Arc<Target>,
    load: &LoadConfig,
    server_pid: Option<u32>,
    label: &str,
) -> ScenarioResult {
    let mut result = ScenarioResult {
        label: label.to_owned(),
        endpoint: target.url(),
        scenario: ctx.scenario.name().to_owned(),
        users: ctx.users,
        mode: if load.rate.is_some() {
            "open"
        } else {
            "closed"
        }
        .into(),
        concurrency: load.concurrency,
        target_rate: load.rate,
        duration_s: load.duration.as_secs_f64(),
        ops: 0,
        requests: 0,
        ops_per_s: 0.0,
        requests_per_s: 0.0,
        latency_ms: Percentiles::default(),
        steps: BTreeMap::new(),
        errors: BTreeMap::new(),
        error_samples: BTreeMap::new(),
        dropped: 0,
        probe: String::new(),
        unsupported: None,
        server: None,
        client_cpu_seconds: 0.0,
        reconnects: 0,
    };
    // Trial: a scenario the server cannot do at all is reported, not hammered.
    let mut conn = Conn::new(target.clone());
    let mut rng = rand::rngs::StdRng::from_entropy();
    let mut last_error = None;
    let mut ok = false;
    for _ in 0..3 {
        match run_once(&ctx, &mut conn, 0, &mut rng).await {
            Ok(_) => {
                ok = true;
                break;
            }
            Err(e) => last_error = Some(e),
        }
    }
    result.probe = crate::scenario::probe(&ctx, &mut conn).await;
    if !ok {
        result.unsupported = last_error.map(|e| e.to_string());
        return result;
    }
    drop(conn);

    let start = Instant::now() + Duration::from_millis(50);
    let measure_from = start + load.warmup;
    let end = measure_from + load.duration;
    let ticket = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..load.concurrency {
        let (ctx, target, ticket, rate) = (ctx.clone(), target.clone(), ticket.clone(), load.rate);
        let per_op = ctx.scenario.requests_per_op();
        let grace = load.duration;
        tasks.push(tokio::spawn(async move {
            let mut stats = WorkerStats::new();
            let mut conn = Conn::new(target);
            let mut rng = rand::rngs::StdRng::from_entropy();
            tokio::time::sleep_until(start.into()).await;
            match rate {
                None => loop {
                    let t0 = Instant::now();
                    if t0 >= end {
                        break;
                    }
                    let r = run_once(&ctx, &mut conn, worker, &mut rng).await;
                    if t0 >= measure_from {
                        stats.record(r, t0.elapsed(), per_op);
                    }
                },
                Some(rate) => loop {
                    // Ticket i is due at start + i/rate; latency counts from when it was
                    // due, so a server that stalls is charged for the whole queue
                    // (no coordinated omission).
                    let i = ticket.fetch_add(1, Ordering::Relaxed);
                    let due = start + Duration::from_secs_f64(i as f64 / rate);
                    if due >= end {
                        break;
                    }
                    if Instant::now() > end + grace {
                        if due >= measure_from {
                            stats.dropped += 1;
                            stats
                                .total
                                .saturating_record((end + grace - due).as_micros() as u64);
                        }
                        continue;
                    }
                    tokio::time::sleep_until(due.into()).await;
                    let r = run_once(&ctx, &mut conn, worker, &mut rng).await;
                    if due >= measure_from {
                        stats.record(r, due.elapsed(), per_op);
                    }
                },
            }
            stats.reconnects = conn.reconnects;
            stats
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let server_before = server_pid.and_then(server::sample);
    let client_before = server::sample(std::process::id());
    let mut total = WorkerStats::new();
    for task in tasks {
        if let Ok(stats) = task.await {
            total.merge(stats);
        }
    }
    let server_after = server_pid.and_then(server::sample);
    let client_after = server::sample(std::process::id());
    let seconds = load.duration.as_secs_f64();
    result.ops = total.ops;
    result.requests = total.requests;
    result.ops_per_s = total.ops as f64 / seconds;
    result.requests_per_s = total.requests as f64 / seconds;
    result.latency_ms = Percentiles::of(&total.total);
    result.steps = total
        .steps
        .iter()
        .map(|(k, h)| ((*k).to_owned(), Percentiles::of(h)))
        .collect();
    result.errors = total.errors;
    result.error_samples = total.samples;
    result.dropped = total.dropped;
    result.reconnects = total.reconnects;
    if let (Some(a), Some(b)) = (client_before, client_after) {
        result.client_cpu_seconds = b.cpu_seconds - a.cpu_seconds;
    }
    if let (Some(a), Some(b)) = (server_before, server_after) {
        let cpu = b.cpu_seconds - a.cpu_seconds;
        result.server = Some(ServerUsage {
            cpu_seconds: cpu,
            cpu_cores: cpu / seconds,
            cpu_us_per_op: if total.ops > 0 {
                cpu * 1e6 / total.ops as f64
            } else {
                0.0
            },
            peak_rss_mb: b.peak_rss as f64 / 1e6,
            rss_mb: b.rss as f64 / 1e6,
        });
    }
    result
}

/// The human-readable table header.
pub fn table_header() -> String {
    format!(
        "{:<14} {:<24} {:>9} {:>6} {:>10} {:>10} {:>8} {:>8} {:>8} {:>8} {:>7} {:>9} {:>8}  {}",
        "server",
        "scenario",
        "users",
        "load",
        "ops/s",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "p99.9",
        "errors",
        "srv µs/op",
        "peak MB",
        "probe"
    )
}

/// One table row.
pub fn table_row(r: &ScenarioResult) -> String {
    let load = match r.target_rate {
        Some(rate) => format!("@{rate:.0}"),
        None => format!("c{}", r.concurrency),
    };
    if let Some(why) = &r.unsupported {
        return format!(
            "{:<14} {:<24} {:>9} {:>6}  unsupported: {}",
            r.label, r.scenario, r.users, load, why
        );
    }
    let errors: u64 = r.errors.values().sum();
    let (cpu, rss) = r
        .server
        .as_ref()
        .map(|s| {
            (
                format!("{:.0}", s.cpu_us_per_op),
                format!("{:.0}", s.peak_rss_mb),
            )
        })
        .unwrap_or(("-".into(), "-".into()));
    let l = &r.latency_ms;
    format!(
        "{:<14} {:<24} {:>9} {:>6} {:>10.1} {:>10.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9} {:>8}  {}",
        r.label, r.scenario, r.users, load, r.ops_per_s, r.requests_per_s, l.p50, l.p90, l.p99, l.p999, errors, cpu, rss, r.probe
    )
}
