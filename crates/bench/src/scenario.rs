//! The scenarios: pool set-up, seeding, and one operation (which may be several requests).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::http::{wall_clock, CallError, Conn, Target};
use crate::srp::{ClientSession, PasswordKey};

/// The password every seeded user has (it satisfies the default policy).
pub const PASSWORD: &str = "Bench-Passw0rd!";
/// The temporary password of the temporary cycle.
pub const TEMPORARY_PASSWORD: &str = "Temp-Passw0rd!";

/// A scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// AdminSetUserPassword, Permanent=true.
    AdminSetUserPassword,
    /// AdminSetUserPassword (temporary) → AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH →
    /// AdminRespondToAuthChallenge NEW_PASSWORD_REQUIRED.
    TemporaryCycle,
    /// InitiateAuth USER_PASSWORD_AUTH.
    UserPasswordAuth,
    /// InitiateAuth USER_SRP_AUTH → RespondToAuthChallenge PASSWORD_VERIFIER.
    SrpAuth,
    /// AdminGetUser.
    AdminGetUser,
}

impl Scenario {
    /// Every scenario, in the order a full run uses (the temporary cycle leaves every user
    /// with [`PASSWORD`], CONFIRMED, like the others expect).
    pub const ALL: [Scenario; 5] = [
        Scenario::AdminSetUserPassword,
        Scenario::TemporaryCycle,
        Scenario::UserPasswordAuth,
        Scenario::SrpAuth,
        Scenario::AdminGetUser,
    ];

    /// The kebab-case name.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::AdminSetUserPassword => "admin-set-user-password",
            Scenario::TemporaryCycle => "temporary-cycle",
            Scenario::UserPasswordAuth => "user-password-auth",
            Scenario::SrpAuth => "srp-auth",
            Scenario::AdminGetUser => "admin-get-user",
        }
    }

    /// Requests per operation.
    pub fn requests_per_op(self) -> u64 {
        match self {
            Scenario::TemporaryCycle => 3,
            Scenario::SrpAuth => 2,
            _ => 1,
        }
    }
}

/// The pool a run uses; saved in the state file so that later runs reuse it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setup {
    /// The endpoint it lives on.
    pub endpoint: String,
    /// User pool id.
    pub pool_id: String,
    /// App client id (no secret; password, admin-password and SRP flows enabled).
    pub client_id: String,
    /// Users `user0000000 ..` seeded so far, CONFIRMED with [`PASSWORD`].
    pub users: usize,
    /// Users per second of the last seeding through the API (to skip seedings that
    /// could not finish in time).
    #[serde(default)]
    pub seed_rate: Option<f64>,
}

/// The username of seeded user `i`.
pub fn username(i: usize) -> String {
    format!("user{i:07}")
}

/// The user kept aside for correctness probes (wrong passwords), never used by the load.
pub const PROBE_USER: &str = "bench-probe";

fn op_error(operation: &str, e: CallError) -> anyhow::Error {
    anyhow::anyhow!("{operation}: {e}")
}

/// Creates the pool and app client.
pub async fn create_pool(target: Arc<Target>, name: &str) -> anyhow::Result<Setup> {
    let mut conn = Conn::new(target.clone());
    let pool = conn
        .call_json(
            "CreateUserPool",
            &json!({
                "PoolName": name,
                // cognito-local defaults to email sign-in names when this is absent.
                "UsernameAttributes": [],
                "Policies": {"PasswordPolicy": {
                    "MinimumLength": 8, "RequireUppercase": true, "RequireLowercase": true,
                    "RequireNumbers": true, "RequireSymbols": true,
                    "TemporaryPasswordValidityDays": 7
                }},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": true},
            }),
        )
        .await
        .map_err(|e| op_error("CreateUserPool", e))?;
    let pool_id = pool["UserPool"]["Id"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("CreateUserPool answered no UserPool.Id: {pool}"))?
        .to_owned();
    let client = conn
        .call_json(
            "CreateUserPoolClient",
            &json!({
                "UserPoolId": pool_id,
                "ClientName": "bench",
                "GenerateSecret": false,
                "ExplicitAuthFlows": [
                    "ALLOW_USER_PASSWORD_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                    "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"
                ],
            }),
        )
        .await
        .map_err(|e| op_error("CreateUserPoolClient", e))?;
    let client_id = client["UserPoolClient"]["ClientId"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("CreateUserPoolClient answered no ClientId: {client}"))?
        .to_owned();
    create_confirmed_user(&mut conn, &pool_id, PROBE_USER).await?;
    Ok(Setup {
        endpoint: target.url(),
        pool_id,
        client_id,
        users: 0,
        seed_rate: None,
    })
}

/// AdminCreateUser (SUPPRESS) + AdminSetUserPassword permanent; an existing user is fine.
async fn create_confirmed_user(conn: &mut Conn, pool_id: &str, name: &str) -> anyhow::Result<()> {
    let created = conn
        .call_json(
            "AdminCreateUser",
            &json!({
                "UserPoolId": pool_id, "Username": name,
                "TemporaryPassword": PASSWORD, "MessageAction": "SUPPRESS",
            }),
        )
        .await;
    match created {
        Ok(_) => {}
        Err(CallError::Api { kind, .. }) if kind == "UsernameExistsException" => {}
        Err(e) => return Err(op_error("AdminCreateUser", e)),
    }
    conn.call_json(
        "AdminSetUserPassword",
        &json!({"UserPoolId": pool_id, "Username": name, "Password": PASSWORD, "Permanent": true}),
    )
    .await
    .map_err(|e| op_error("AdminSetUserPassword", e))?;
    Ok(())
}

/// Seeds users `from..to` through the API with `concurrency` connections; stops at
/// `deadline` and returns how many users exist from `from` on (a prefix of the range).
pub async fn seed_api(
    target: Arc<Target>,
    pool_id: &str,
    from: usize,
    to: usize,
    concurrency: usize,
    deadline: Instant,
) -> anyhow::Result<usize> {
    // Users are claimed in order and a worker finishes the user it claimed before it
    // stops, so without a failure the users seeded are exactly `from..next`.
    let next = Arc::new(AtomicUsize::new(from));
    let done = Arc::new(AtomicUsize::new(0));
    let failure: Arc<Mutex<Option<String>>> = Arc::default();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (target, pool_id, next, done, failure) = (
            target.clone(),
            pool_id.to_owned(),
            next.clone(),
            done.clone(),
            failure.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn::new(target);
            loop {
                if Instant::now() >= deadline || failure.lock().unwrap().is_some() {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= to {
                    break;
                }
                if let Err(e) = create_confirmed_user(&mut conn, &pool_id, &username(i)).await {
                    *failure.lock().unwrap() = Some(format!("user {i}: {e:#}"));
                    break;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let progress = {
        let done = done.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let n = done.load(Ordering::Relaxed);
                eprintln!(
                    "  seeded {n} users in {:.0} s ({:.0}/s)",
                    started.elapsed().as_secs_f64(),
                    n as f64 / started.elapsed().as_secs_f64()
                );
            }
        })
    };
    for task in tasks {
        task.await?;
    }
    progress.abort();
    if let Some(e) = failure.lock().unwrap().take() {
        anyhow::bail!("seeding failed: {e}");
    }
    Ok(next.load(Ordering::Relaxed).min(to) - from)
}

/// Per-run context shared by the workers.
pub struct Context {
    /// The scenario.
    pub scenario: Scenario,
    /// The pool.
    pub setup: Setup,
    /// Number of users the load picks from.
    pub users: usize,
    /// Number of workers (the temporary cycle gives each worker its own users).
    pub workers: usize,
    /// `g^x` per user id and salt, so the SRP client does one modexp per sign-in like a
    /// client that remembers its verifier (keeps the load tool's CPU share small).
    verifiers: Mutex<HashMap<(String, String), Arc<PasswordKey>>>,
    /// Each worker's SRP `(a, A)`, drawn once and reused for its sign-ins: `g^a` would
    /// otherwise be a third of the load tool's CPU per SRP sign-in, and the server's work
    /// does not depend on `A` being fresh. (A real client must draw `a` every time.)
    sessions: Vec<std::sync::OnceLock<ClientSession>>,
}

impl Context {
    /// A context for `scenario` on `setup`.
    pub fn new(scenario: Scenario, setup: Setup, workers: usize) -> Self {
        Self {
            scenario,
            users: setup.users,
            setup,
            workers,
            verifiers: Mutex::default(),
            sessions: (0..workers).map(|_| std::sync::OnceLock::new()).collect(),
        }
    }
}

/// Latency of one step, for the per-step breakdown.
pub type StepTimes = Vec<(&'static str, Duration)>;

/// Runs one operation of the scenario as worker `worker`; returns the per-request timings.
pub async fn run_once(
    ctx: &Context,
    conn: &mut Conn,
    worker: usize,
    rng: &mut rand::rngs::StdRng,
) -> Result<StepTimes, CallError> {
    let pool_id = ctx.setup.pool_id.as_str();
    let client_id = ctx.setup.client_id.as_str();
    let mut times = StepTimes::new();
    let user = match ctx.scenario {
        Scenario::TemporaryCycle => {
            // Worker w owns users w, w + W, w + 2W, …: cycles never overlap on a user.
            let owned = (ctx.users - worker).div_ceil(ctx.workers).max(1);
            username((worker + ctx.workers * rng.gen_range(0..owned)).min(ctx.users - 1))
        }
        _ => username(rng.gen_range(0..ctx.users)),
    };
    macro_rules! step {
        ($op:literal, $body:expr) => {{
            let t = Instant::now();
            let r = conn
                .call($op, serde_json::to_vec(&$body).expect("json"))
                .await;
            times.push(($op, t.elapsed()));
            r?
        }};
    }
    let parse = |bytes: &[u8]| -> Result<Value, CallError> {
        serde_json::from_slice(bytes)
            .map_err(|e| CallError::Unexpected(format!("invalid JSON: {e}")))
    };
    match ctx.scenario {
        Scenario::AdminSetUserPassword => {
            step!(
                "AdminSetUserPassword",
                json!({"UserPoolId": pool_id, "Username": user, "Password": PASSWORD, "Permanent": true})
            );
        }
        Scenario::AdminGetUser => {
            let body = step!(
                "AdminGetUser",
                json!({"UserPoolId": pool_id, "Username": user})
            );
            if !body.windows(8).any(|w| w == b"Username") {
                return Err(CallError::Unexpected(
                    "AdminGetUser without Username".into(),
                ));
            }
        }
        Scenario::TemporaryCycle => {
            step!(
                "AdminSetUserPassword",
                json!({"UserPoolId": pool_id, "Username": user, "Password": TEMPORARY_PASSWORD, "Permanent": false})
            );
            let rest: Result<(), CallError> = async {
                let body = step!(
                    "AdminInitiateAuth",
                    json!({"UserPoolId": pool_id, "ClientId": client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                           "AuthParameters": {"USERNAME": user, "PASSWORD": TEMPORARY_PASSWORD}})
                );
                let challenge = parse(&body)?;
                if challenge["ChallengeName"] != "NEW_PASSWORD_REQUIRED" {
                    return Err(CallError::Unexpected(
                        "AdminInitiateAuth did not answer NEW_PASSWORD_REQUIRED".into(),
                    ));
                }
                let body = step!(
                    "AdminRespondToAuthChallenge",
                    json!({"UserPoolId": pool_id, "ClientId": client_id, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                           "Session": challenge["Session"],
                           "ChallengeResponses": {"USERNAME": user, "NEW_PASSWORD": PASSWORD}})
                );
                expect_tokens(&parse(&body)?, "AdminRespondToAuthChallenge")?;
                Ok(())
            }
            .await;
            if rest.is_err() {
                // Leave the user as the other scenarios expect it (best effort).
                let body = json!({"UserPoolId": pool_id, "Username": user, "Password": PASSWORD, "Permanent": true});
                let _ = conn
                    .call(
                        "AdminSetUserPassword",
                        serde_json::to_vec(&body).expect("json"),
                    )
                    .await;
            }
            rest?;
        }
        Scenario::UserPasswordAuth => {
            let body = step!(
                "InitiateAuth",
                json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": user, "PASSWORD": PASSWORD}})
            );
            expect_tokens(&parse(&body)?, "InitiateAuth")?;
        }
        Scenario::SrpAuth => {
            let session = ctx.sessions[worker].get_or_init(ClientSession::new);
            srp_sign_in(ctx, conn, session, &user, PASSWORD, &mut times).await?;
        }
    }
    Ok(times)
}

fn expect_tokens(body: &Value, operation: &str) -> Result<(), CallError> {
    if body["AuthenticationResult"]["AccessToken"].is_string() {
        Ok(())
    } else if let Some(name) = body["ChallengeName"].as_str() {
        Err(CallError::Unexpected(format!(
            "{operation} answered challenge {name}"
        )))
    } else {
        Err(CallError::Unexpected(format!(
            "{operation} answered no tokens"
        )))
    }
}

/// The two SRP rounds for `user` with `password`.
pub async fn srp_sign_in(
    ctx: &Context,
    conn: &mut Conn,
    session: &ClientSession,
    user: &str,
    password: &str,
    times: &mut StepTimes,
) -> Result<(), CallError> {
    let pool_id = ctx.setup.pool_id.as_str();
    let client_id = ctx.setup.client_id.as_str();
    let t = Instant::now();
    let round1 = conn
        .call_json(
            "InitiateAuth",
            &json!({"ClientId": client_id, "AuthFlow": "USER_SRP_AUTH",
                   "AuthParameters": {"USERNAME": user, "SRP_A": session.srp_a()}}),
        )
        .await;
    times.push(("InitiateAuth", t.elapsed()));
    let round1 = round1?;
    if round1["ChallengeName"] != "PASSWORD_VERIFIER" {
        return Err(CallError::Unexpected(
            "InitiateAuth USER_SRP_AUTH did not answer PASSWORD_VERIFIER".into(),
        ));
    }
    let p = &round1["ChallengeParameters"];
    let field = |name: &str| -> Result<String, CallError> {
        p[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| CallError::Unexpected(format!("PASSWORD_VERIFIER without {name}")))
    };
    let (salt, srp_b, block) = (field("SALT")?, field("SRP_B")?, field("SECRET_BLOCK")?);
    let user_id = field("USER_ID_FOR_SRP")?;
    let bad = |e: crate::srp::BadChallenge| CallError::Unexpected(e.to_string());
    let cache_key = (user_id.clone(), format!("{salt}:{password}"));
    let cached = ctx.verifiers.lock().unwrap().get(&cache_key).cloned();
    let key = match cached {
        Some(key) => key,
        None => {
            let key = Arc::new(PasswordKey::new(pool_id, &user_id, password, &salt).map_err(bad)?);
            ctx.verifiers.lock().unwrap().insert(cache_key, key.clone());
            key
        }
    };
    let (_, now) = wall_clock();
    let proof = session
        .prove(
            pool_id,
            &user_id,
            &key,
            &srp_b,
            &block,
            &crate::srp::timestamp(now),
        )
        .map_err(bad)?;
    let t = Instant::now();
    let round2 = conn
        .call_json(
            "RespondToAuthChallenge",
            &json!({"ClientId": client_id, "ChallengeName": "PASSWORD_VERIFIER",
                   "ChallengeResponses": {
                       "USERNAME": user_id, "PASSWORD_CLAIM_SECRET_BLOCK": block,
                       "PASSWORD_CLAIM_SIGNATURE": proof.signature, "TIMESTAMP": proof.timestamp}}),
        )
        .await;
    times.push(("RespondToAuthChallenge", t.elapsed()));
    expect_tokens(&round2?, "RespondToAuthChallenge")
}

/// Checks that the endpoint really checks what the scenario relies on: a wrong password
/// must be refused (on the probe user). Returns a short verdict for the report.
pub async fn probe(ctx: &Context, conn: &mut Conn) -> String {
    let pool_id = ctx.setup.pool_id.as_str();
    let client_id = ctx.setup.client_id.as_str();
    let wrong = "Wrong-Passw0rd!";
    let outcome = match ctx.scenario {
        Scenario::UserPasswordAuth => conn
            .call_json(
                "InitiateAuth",
                &json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": PROBE_USER, "PASSWORD": wrong}}),
            )
            .await
            .map(|_| ()),
        Scenario::SrpAuth => {
            let mut times = StepTimes::new();
            srp_sign_in(ctx, conn, &ClientSession::new(), PROBE_USER, wrong, &mut times).await
        }
        Scenario::TemporaryCycle => conn
            .call_json(
                "AdminInitiateAuth",
                &json!({"UserPoolId": pool_id, "ClientId": client_id, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                       "AuthParameters": {"USERNAME": PROBE_USER, "PASSWORD": wrong}}),
            )
            .await
            .map(|_| ()),
        Scenario::AdminSetUserPassword => conn
            .call_json(
                "AdminSetUserPassword",
                &json!({"UserPoolId": pool_id, "Username": PROBE_USER, "Password": "short", "Permanent": true}),
            )
            .await
            .map(|_| ()),
        Scenario::AdminGetUser => conn
            .call_json(
                "AdminGetUser",
                &json!({"UserPoolId": pool_id, "Username": "no-such-user-0000"}),
            )
            .await
            .map(|_| ()),
    };
    let expected = match ctx.scenario {
        Scenario::AdminSetUserPassword => "InvalidPasswordException",
        Scenario::AdminGetUser => "UserNotFoundException",
        _ => "NotAuthorizedException",
    };
    match outcome {
        Err(CallError::Api { kind, .. }) if kind == expected => "ok".into(),
        Ok(()) => match ctx.scenario {
            Scenario::AdminSetUserPassword => "accepts a password that violates the policy".into(),
            Scenario::AdminGetUser => "finds a user that does not exist".into(),
            _ => "accepts a wrong password".into(),
        },
        Err(e) => format!("wrong refusal ({}; expected {expected})", e.kind()),
    }
}
