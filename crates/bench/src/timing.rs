//! `--enumeration-timing N`: does the time of a refused sign-in tell whether the user
//! exists? Through an app client with `PreventUserExistenceErrors=ENABLED`, each flow is
//! timed N times for a wrong password of a seeded user and N times for an unknown name,
//! one request at a time, the two kinds interleaved in random order (so drift in the
//! machine's speed hits both alike). Reported per flow: medians, p10/p90, the gap of the
//! medians, and how often the best single-request threshold tells the two apart (50% =
//! a coin toss).
//!
//! Every timed answer is checked (NotAuthorizedException "Incorrect username or
//! password.", or a PASSWORD_VERIFIER challenge for SRP round 1). A seeded user takes at
//! most four wrong passwords (no lockout), and every user used is signed in once at the
//! end, which forgets its failures.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::seq::SliceRandom as _;
use rand::Rng as _;
use serde_json::{json, Value};

use crate::http::{wall_clock, CallError, Conn, Target};
use crate::scenario::{username, Setup, PASSWORD};
use crate::srp::{ClientSession, PasswordKey};

const WRONG: &str = "Wrong-Passw0rd!";
const INCORRECT: &str = "Incorrect username or password.";
/// Wrong passwords a seeded user takes before the next user is used (5 would lock).
const FAILURES_PER_USER: usize = 4;

/// The flows timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    UserPassword,
    AdminUserPassword,
    SrpRoundOne,
    SrpRoundTwo,
}

impl Flow {
    const ALL: [Flow; 4] = [
        Flow::UserPassword,
        Flow::AdminUserPassword,
        Flow::SrpRoundOne,
        Flow::SrpRoundTwo,
    ];

    fn name(self) -> &'static str {
        match self {
            Flow::UserPassword => "USER_PASSWORD_AUTH",
            Flow::AdminUserPassword => "ADMIN_USER_PASSWORD_AUTH",
            Flow::SrpRoundOne => "USER_SRP_AUTH round 1",
            Flow::SrpRoundTwo => "PASSWORD_VERIFIER round 2",
        }
    }

    /// Does a wrong password here count towards the lockout?
    fn counts(self) -> bool {
        self != Flow::SrpRoundOne
    }
}

/// Seeded users the timing needs for `samples` per flow.
pub fn users_needed(samples: usize) -> usize {
    let counted = Flow::ALL.iter().filter(|f| f.counts()).count();
    (samples * counted).div_ceil(FAILURES_PER_USER)
}

struct Timer<'a> {
    conn: Conn,
    pool_id: &'a str,
    client_id: String,
    session: ClientSession,
}

impl Timer<'_> {
    /// One timed request of `flow` for `name`; checks the answer.
    async fn time(&mut self, flow: Flow, name: &str) -> anyhow::Result<Duration> {
        let (pool_id, client_id) = (self.pool_id, self.client_id.as_str());
        let (operation, body) = match flow {
            Flow::UserPassword => (
                "InitiateAuth",
                json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": name, "PASSWORD": WRONG}}),
            ),
            Flow::AdminUserPassword => (
                "AdminInitiateAuth",
                json!({"UserPoolId": pool_id, "ClientId": client_id,
                       "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": name, "PASSWORD": WRONG}}),
            ),
            Flow::SrpRoundOne => ("InitiateAuth", self.round_one_body(name)),
            Flow::SrpRoundTwo => ("RespondToAuthChallenge", self.round_two_body(name).await?),
        };
        let started = Instant::now();
        let answer = self.conn.call_json(operation, &body).await;
        let elapsed = started.elapsed();
        match (flow, answer) {
            (Flow::SrpRoundOne, Ok(v)) if v["ChallengeName"] == "PASSWORD_VERIFIER" => {}
            (flow, Err(CallError::Api { kind, message, .. }))
                if flow != Flow::SrpRoundOne
                    && kind == "NotAuthorizedException"
                    && message == INCORRECT => {}
            (flow, other) => anyhow::bail!("{} for {name}: unexpected {other:?}", flow.name()),
        }
        Ok(elapsed)
    }

    fn round_one_body(&self, name: &str) -> Value {
        json!({"ClientId": self.client_id, "AuthFlow": "USER_SRP_AUTH",
               "AuthParameters": {"USERNAME": name, "SRP_A": self.session.srp_a()}})
    }

    /// Round 1 (untimed) and a round-2 answer proving the wrong password.
    async fn round_two_body(&mut self, name: &str) -> anyhow::Result<Value> {
        let round_one = self
            .conn
            .call_json("InitiateAuth", &self.round_one_body(name))
            .await?;
        let p = &round_one["ChallengeParameters"];
        let field = |n: &str| p[n].as_str().unwrap_or_default().to_owned();
        let user_id = field("USER_ID_FOR_SRP");
        let key = PasswordKey::new(self.pool_id, &user_id, WRONG, &field("SALT"))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (_, now) = wall_clock();
        let proof = self
            .session
            .prove(
                self.pool_id,
                &user_id,
                &key,
                &field("SRP_B"),
                &field("SECRET_BLOCK"),
                &crate::srp::timestamp(now),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(
            json!({"ClientId": self.client_id, "ChallengeName": "PASSWORD_VERIFIER",
                  "ChallengeResponses": {"USERNAME": user_id,
                      "PASSWORD_CLAIM_SECRET_BLOCK": field("SECRET_BLOCK"),
                      "PASSWORD_CLAIM_SIGNATURE": proof.signature,
                      "TIMESTAMP": proof.timestamp}}),
        )
    }
}

/// Runs the comparison on the seeded pool of `setup` (it needs [`users_needed`] users)
/// and prints the table.
pub async fn run(target: Arc<Target>, setup: &Setup, samples: usize) -> anyhow::Result<()> {
    let mut conn = Conn::new(target.clone());
    let client = conn
        .call_json(
            "CreateUserPoolClient",
            &json!({"UserPoolId": setup.pool_id, "ClientName": "bench-enumeration",
                    "PreventUserExistenceErrors": "ENABLED",
                    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH",
                        "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH",
                        "ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await?;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("CreateUserPoolClient answered no ClientId"))?
        .to_owned();
    let mut timer = Timer {
        conn,
        pool_id: &setup.pool_id,
        client_id,
        session: ClientSession::new(),
    };
    let mut rng = rand::thread_rng();
    let mut existing: Vec<Vec<f64>> = vec![Vec::new(); Flow::ALL.len()];
    let mut unknown: Vec<Vec<f64>> = vec![Vec::new(); Flow::ALL.len()];
    let mut failures = 0usize;
    // Warm-up (untimed): connections, caches, the fixed-base table.
    for flow in Flow::ALL {
        timer
            .time(flow, &format!("ghost-warm-{}", rng.gen::<u32>()))
            .await?;
    }
    for _ in 0..samples {
        for (f, flow) in Flow::ALL.into_iter().enumerate() {
            let mut order = [true, false];
            order.shuffle(&mut rng);
            for real in order {
                let name = if real {
                    let user = username(failures / FAILURES_PER_USER);
                    if flow.counts() {
                        failures += 1;
                    }
                    user
                } else {
                    format!("ghost{:016x}", rng.gen::<u64>())
                };
                let micros = timer.time(flow, &name).await?.as_secs_f64() * 1e6;
                if real {
                    existing[f].push(micros);
                } else {
                    unknown[f].push(micros);
                }
            }
        }
    }
    // A success forgets the failures of every user used.
    for i in 0..failures.div_ceil(FAILURES_PER_USER) {
        let body = json!({"ClientId": timer.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                          "AuthParameters": {"USERNAME": username(i), "PASSWORD": PASSWORD}});
        timer.conn.call_json("InitiateAuth", &body).await?;
    }
    println!(
        "{:<28} {:>14} {:>14} {:>8} {:>20} {:>20} {:>10}",
        "flow (wrong password)",
        "existing p50",
        "unknown p50",
        "gap",
        "existing p10/p90",
        "unknown p10/p90",
        "told apart"
    );
    for (f, flow) in Flow::ALL.into_iter().enumerate() {
        let (e, u) = (&mut existing[f], &mut unknown[f]);
        e.sort_by(f64::total_cmp);
        u.sort_by(f64::total_cmp);
        let (me, mu) = (quantile(e, 0.5), quantile(u, 0.5));
        println!(
            "{:<28} {:>11.0} µs {:>11.0} µs {:>7.1}% {:>9.0}/{:<7.0} µs {:>9.0}/{:<7.0} µs {:>9.1}%",
            flow.name(),
            me,
            mu,
            (mu - me) / me * 100.0,
            quantile(e, 0.1),
            quantile(e, 0.9),
            quantile(u, 0.1),
            quantile(u, 0.9),
            best_threshold_accuracy(e, u) * 100.0
        );
    }
    println!("({samples} samples of each kind per flow, one request at a time)");
    Ok(())
}

/// The `q` quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// The best accuracy of "longer than t means X" over every threshold t (either way
/// round), with as many samples of each kind: 0.5 means time tells nothing.
fn best_threshold_accuracy(a: &[f64], b: &[f64]) -> f64 {
    let mut all: Vec<(f64, bool)> = a.iter().map(|&x| (x, true)).collect();
    all.extend(b.iter().map(|&x| (x, false)));
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut a_below, mut b_below) = (0.0, 0.0);
    let mut best: f64 = 0.5;
    for (_, is_a) in all {
        if is_a {
            a_below += 1.0;
        } else {
            b_below += 1.0;
        }
        // "at most t means A": A below, B above.
        let acc = (a_below / na + (nb - b_below) / nb) / 2.0;
        best = best.max(acc).max(1.0 - acc);
    }
    best
}
