//! `userpools seed`: bulk creation of CONFIRMED users for load tests, straight into the
//! embedded store beside a running server.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::bail;
use userpools_domain::clock::SystemClock;
use userpools_domain::service::{Service, ServiceConfig};
use userpools_domain::DomainError;
use userpools_storage::{SqliteStore, Store};
use zeroize::Zeroizing;

use crate::{config, master_key};

/// The arguments of `userpools seed`.
#[derive(clap::Args)]
pub struct SeedArgs {
    /// Directory of the embedded store (the server's --data-dir).
    #[arg(long, default_value = "./userpools-data")]
    pub data_dir: PathBuf,
    /// The pool to add users to.
    #[arg(long)]
    pub pool_id: String,
    /// First user number.
    #[arg(long, default_value_t = 0)]
    pub from: usize,
    /// One past the last user number.
    #[arg(long)]
    pub to: usize,
    /// Username prefix: users are named `<prefix><number, 7 digits>` (`user0000042`).
    #[arg(long, default_value = "user")]
    pub prefix: String,
    /// The users' permanent password (must satisfy the pool's policy).
    #[arg(long)]
    pub password: String,
    /// Users per transaction.
    #[arg(long, default_value_t = 2000)]
    pub batch: usize,
    /// Skip users that already exist instead of failing (so seeding can be run again).
    #[arg(long)]
    pub skip_existing: bool,
    /// In a pool whose usernames are email addresses, users are `<prefix><number>@<domain>`.
    #[arg(long, default_value = "example.com")]
    pub email_domain: String,
}

/// How a seeded user signs in: the pool's usernames are names, email addresses or phone
/// numbers (`UsernameAttributes`).
#[derive(Clone, Copy, Debug, PartialEq)]
enum LoginForm {
    Name,
    Email,
    Phone,
}

/// What every seeding task shares: the users to create and their password (wiped on drop).
struct Batches {
    pool_id: String,
    form: LoginForm,
    prefix: String,
    email_domain: String,
    password: Zeroizing<String>,
    to: usize,
    batch: usize,
    next: AtomicUsize,
}

impl Batches {
    /// The usernames of the next batch, or `None` when all are taken.
    fn next(&self) -> Option<(usize, Vec<String>)> {
        let from = self.next.fetch_add(self.batch, Ordering::Relaxed);
        (from < self.to).then(|| {
            let names = (from..(from + self.batch).min(self.to))
                .map(|i| match self.form {
                    LoginForm::Name => format!("{}{i:07}", self.prefix),
                    LoginForm::Email => format!("{}{i:07}@{}", self.prefix, self.email_domain),
                    LoginForm::Phone => format!("+1555{i:07}"),
                })
                .collect();
            (from, names)
        })
    }
}

/// Seeds the users: batches written through the Store, the verifiers computed on every
/// core (one task per core, each taking the next batch).
pub async fn seed(mut args: SeedArgs) -> anyhow::Result<()> {
    let password = Zeroizing::new(std::mem::take(&mut args.password));
    if args.from > args.to || args.batch == 0 {
        bail!("need --from <= --to and --batch >= 1");
    }
    let env_master_key = master_key::from_env();
    let master = Arc::new(master_key::load(
        env_master_key.as_deref().map(String::as_str),
        &args.data_dir,
    )?);
    drop(env_master_key);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_beside_server(&args.data_dir)?);
    let config = ServiceConfig {
        region: args
            .pool_id
            .split('_')
            .next()
            .unwrap_or("us-east-1")
            .to_owned(),
        account_id: config::account_id_from_env()?,
        issuer_base_url: String::new(),
    };
    let service = Arc::new(Service::new(store, Arc::new(SystemClock), master, config));
    let pool = service
        .describe_pool(&args.pool_id)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let form = if pool.has_username_attribute("email") {
        LoginForm::Email
    } else if pool.has_username_attribute("phone_number") {
        if args.to > 10_000_000 {
            bail!(
                "a pool of phone-number usernames is seeded with +1555<7 digits>: --to <= 10000000"
            );
        }
        LoginForm::Phone
    } else {
        LoginForm::Name
    };
    let batches = Arc::new(Batches {
        pool_id: args.pool_id,
        form,
        prefix: args.prefix,
        email_domain: args.email_domain,
        password,
        to: args.to,
        batch: args.batch,
        next: AtomicUsize::new(args.from),
    });
    let started = std::time::Instant::now();
    let skip_existing = args.skip_existing;
    let tasks: Vec<_> = (0..std::thread::available_parallelism().map_or(2, |n| n.get()))
        .map(|_| {
            let (service, batches) = (service.clone(), batches.clone());
            tokio::spawn(async move {
                let mut created = 0;
                while let Some((from, names)) = batches.next() {
                    created += seed_batch(&service, &batches, &names, skip_existing)
                        .await
                        .map_err(|e| anyhow::anyhow!("users {from}..: {}", e.message()))?;
                }
                anyhow::Ok(created)
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        created += task.await??;
    }
    let n = args.to - args.from;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {created} users into {} in {secs:.1} s ({:.0} users/s){}",
        batches.pool_id,
        created as f64 / secs.max(1e-9),
        if created < n {
            format!("; {} already existed", n - created)
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Writes one batch in one transaction; with `skip_existing`, a batch that meets an
/// existing user is written again one user at a time, skipping those that exist.
/// Returns how many users were created.
async fn seed_batch(
    service: &Service,
    batches: &Batches,
    names: &[String],
    skip_existing: bool,
) -> Result<usize, DomainError> {
    let (pool_id, password) = (&batches.pool_id, batches.password.as_str());
    match service.seed_confirmed_users(pool_id, names, password).await {
        Ok(()) => Ok(names.len()),
        Err(DomainError::UsernameExists(_)) if skip_existing => {
            let mut created = 0;
            for name in names {
                match service
                    .seed_confirmed_users(pool_id, std::slice::from_ref(name), password)
                    .await
                {
                    Ok(()) => created += 1,
                    Err(DomainError::UsernameExists(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(created)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_cover_the_range_once() {
        let batches = Batches {
            pool_id: "us-east-1_x".into(),
            form: LoginForm::Name,
            prefix: "u".into(),
            email_domain: "example.com".into(),
            password: Zeroizing::new("pw".into()),
            to: 5,
            batch: 2,
            next: AtomicUsize::new(0),
        };
        let mut all = Vec::new();
        while let Some((from, names)) = batches.next() {
            assert_eq!(names[0], format!("u{from:07}"));
            all.extend(names);
        }
        assert_eq!(
            all,
            ["u0000000", "u0000001", "u0000002", "u0000003", "u0000004"]
        );
        assert!(batches.next().is_none());
    }
}
