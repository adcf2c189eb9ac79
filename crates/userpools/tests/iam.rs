//! IAM policies and request-rate quotas of `userpools serve --config FILE`,
//! exercised with the AWS SDK for Rust against the real binary.
//!
//! The pools the policies name are created first with the root credential on a
//! server without a config; the server is then restarted on the same data dir
//! with a config that names them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use aws_sdk_cognitoidentityprovider::config::Region;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{MessageActionType, UserStatusType};
use aws_sdk_cognitoidentityprovider::{Client, Config};

const ROOT: (&str, &str) = (
    "AKIAUSERPOOLSIAMROOT",
    "iam-test-root-secret-0123456789abcdefghij",
);
const ALICE: (&str, &str) = (
    "AKIAALICE0000000RUST",
    "alice-rust-secret-000000000000000000000",
);
const ALICE_ARN: &str = "arn:aws:iam::000000000000:user/alice";
const BOB: (&str, &str) = (
    "AKIABOB00000000RUST0",
    "bob-rust-secret-00000000000000000000000",
);
const BOB_ARN: &str = "arn:aws:iam::000000000000:user/bob";
const TEMP: (&str, &str) = (
    "ASIATEMP00000000RUST",
    "temp-rust-secret-0000000000000000000000",
);
const TEMP_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLEtemporarySessionToken0123456789";
const TEMP_ARN: &str = "arn:aws:sts::000000000000:assumed-role/Deployer/rust-sdk";
const TEMP_PASSWORD: &str = "Temp0rary!pw";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

struct Server {
    child: Option<Child>,
    dir: PathBuf,
    port: u16,
}

impl Server {
    fn new() -> Server {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("userpools-iam-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).expect("create data dir");
        Server {
            child: None,
            dir,
            port: 0,
        }
    }

    /// Starts `userpools serve` on the server's data dir, with `config` when given.
    fn start(&mut self, config: Option<&Path>) {
        self.port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(self.dir.join("server.log")).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_userpools"));
        command
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--region",
                "us-east-1",
            ])
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .env_remove("USERPOOLS_MASTER_KEY")
            .env("USERPOOLS_ACCESS_KEY_ID", ROOT.0)
            .env("USERPOOLS_SECRET_ACCESS_KEY", ROOT.1)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        self.child = Some(command.spawn().expect("spawn userpools"));
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.as_mut().expect("child").try_wait() {
                let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
                panic!("userpools exited early with {status}: {log}");
            }
            if health_ok(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("userpools did not answer 200 on /health within 60 s");
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn write_config(&self, text: &str) -> PathBuf {
        let path = self.dir.join("userpools.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    fn client(&self, key: (&str, &str), token: Option<&str>, retry: RetryConfig) -> Client {
        let config = Config::builder()
            .behavior_version_latest()
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://127.0.0.1:{}", self.port))
            .credentials_provider(Credentials::new(
                key.0,
                key.1,
                token.map(str::to_owned),
                None,
                "userpools-iam-test",
            ))
            .retry_config(retry)
            .build();
        Client::from_conf(config)
    }

    fn root(&self) -> Client {
        self.client(ROOT, None, RetryConfig::disabled())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn health_ok(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(stream.read_exact(&mut buf), Ok(())) && buf.starts_with(b"HTTP/1.1 200")
}

fn pool_arn(pool: &str) -> String {
    format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool}")
}

fn missing_allow(principal: &str, op: &str, resource: &str) -> String {
    format!(
        "User: {principal} is not authorized to perform: cognito-idp:{op} on resource: {resource} because no identity-based policy allows the cognito-idp:{op} action"
    )
}

fn explicit_deny(principal: &str, op: &str, resource: &str) -> String {
    format!(
        "User: {principal} is not authorized to perform: cognito-idp:{op} on resource: {resource} with an explicit deny in an identity-based policy"
    )
}

async fn create_pool(client: &Client) -> String {
    client
        .create_user_pool()
        .pool_name("iam-pool")
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_owned()
}

async fn create_user(client: &Client, pool: &str, username: &str) {
    client
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password(TEMP_PASSWORD)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
}

async fn status(client: &Client, pool: &str, username: &str) -> UserStatusType {
    client
        .admin_get_user()
        .user_pool_id(pool)
        .username(username)
        .send()
        .await
        .expect("AdminGetUser")
        .user_status()
        .expect("UserStatus")
        .clone()
}

/// `Ok(())`, or the (code, message) of a service error.
async fn set_password(
    client: &Client,
    pool: &str,
    username: &str,
    password: &str,
) -> Result<(), (String, String)> {
    client
        .admin_set_user_password()
        .user_pool_id(pool)
        .username(username)
        .password(password)
        .permanent(true)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let e = e.into_service_error();
            (
                e.code().unwrap_or_default().to_owned(),
                e.message().unwrap_or_default().to_owned(),
            )
        })
}

fn key_block(
    key: (&str, &str),
    principal: &str,
    token: Option<&str>,
    policies: &[String],
) -> String {
    let mut text = format!(
        "[[access_keys]]\naccess_key_id = \"{}\"\nsecret_access_key = \"{}\"\nprincipal_arn = \"{principal}\"\n",
        key.0, key.1
    );
    if let Some(token) = token {
        text.push_str(&format!("session_token = \"{token}\"\n"));
    }
    text.push_str("policies = [\n");
    for policy in policies {
        text.push_str(&format!("'''{policy}''',\n"));
    }
    text.push_str("]\n\n");
    text
}

fn statement(effect: &str, action: &str, resource: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": resource}]
    })
    .to_string()
}

#[tokio::test]
async fn policies_with_the_sdk_for_rust() {
    let mut server = Server::new();
    server.start(None);
    let root = server.root();
    let pool_a = create_pool(&root).await;
    let pool_b = create_pool(&root).await;
    for pool in [&pool_a, &pool_b] {
        for user in ["alice-target", "bob-target", "temp-target", "temp-wrong"] {
            create_user(&root, pool, user).await;
        }
    }
    server.stop();

    let (arn_a, arn_b) = (pool_arn(&pool_a), pool_arn(&pool_b));
    let config = [
        key_block(
            ALICE,
            ALICE_ARN,
            None,
            &[statement(
                "Allow",
                "cognito-idp:AdminSetUserPassword",
                &arn_a,
            )],
        ),
        key_block(
            BOB,
            BOB_ARN,
            None,
            &[
                statement("Allow", "cognito-idp:*", "*"),
                statement("Deny", "cognito-idp:AdminSetUserPassword", &arn_b),
            ],
        ),
        key_block(
            TEMP,
            TEMP_ARN,
            Some(TEMP_TOKEN),
            &[statement("Allow", "cognito-idp:Admin*", "*")],
        ),
    ]
    .concat();
    let path = server.write_config(&config);
    server.start(Some(&path));
    let root = server.root();

    // Allowed: alice on pool A.
    let alice = server.client(ALICE, None, RetryConfig::disabled());
    set_password(&alice, &pool_a, "alice-target", "Perm4nent!pw")
        .await
        .expect("alice on pool A");
    assert_eq!(
        status(&root, &pool_a, "alice-target").await,
        UserStatusType::Confirmed
    );
    // Missing Allow: alice on pool B.
    assert_eq!(
        set_password(&alice, &pool_b, "alice-target", "Perm4nent!pw").await,
        Err((
            "AccessDeniedException".into(),
            missing_allow(ALICE_ARN, "AdminSetUserPassword", &arn_b)
        ))
    );
    assert_eq!(
        status(&root, &pool_b, "alice-target").await,
        UserStatusType::ForceChangePassword
    );
    let err = alice
        .list_user_pools()
        .max_results(10)
        .send()
        .await
        .expect_err("ListUserPools is not allowed")
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert_eq!(
        err.message(),
        Some(missing_allow(ALICE_ARN, "ListUserPools", "*").as_str())
    );

    // Explicit Deny: bob on pool B; allowed on pool A.
    let bob = server.client(BOB, None, RetryConfig::disabled());
    assert_eq!(
        set_password(&bob, &pool_b, "bob-target", "Perm4nent!pw").await,
        Err((
            "AccessDeniedException".into(),
            explicit_deny(BOB_ARN, "AdminSetUserPassword", &arn_b)
        ))
    );
    assert_eq!(
        status(&root, &pool_b, "bob-target").await,
        UserStatusType::ForceChangePassword
    );
    set_password(&bob, &pool_a, "bob-target", "Perm4nent!pw")
        .await
        .expect("bob on pool A");
    assert_eq!(
        status(&bob, &pool_b, "bob-target").await,
        UserStatusType::ForceChangePassword
    );

    // Temporary credentials: the right session token works ...
    let temp = server.client(TEMP, Some(TEMP_TOKEN), RetryConfig::disabled());
    set_password(&temp, &pool_b, "temp-target", "Perm4nent!pw")
        .await
        .expect("temporary credentials with their token");
    assert_eq!(
        status(&root, &pool_b, "temp-target").await,
        UserStatusType::Confirmed
    );
    // ... a wrong or missing one does not.
    let unrecognized = Err((
        "UnrecognizedClientException".to_owned(),
        "The security token included in the request is invalid.".to_owned(),
    ));
    for token in [Some("not-the-token"), None] {
        let wrong = server.client(TEMP, token, RetryConfig::disabled());
        assert_eq!(
            set_password(&wrong, &pool_a, "temp-wrong", "Perm4nent!pw").await,
            unrecognized,
            "token {token:?}"
        );
    }
    assert_eq!(
        status(&root, &pool_a, "temp-wrong").await,
        UserStatusType::ForceChangePassword
    );
    // The root credential stays all-powerful.
    set_password(&root, &pool_b, "alice-target", "Perm4nent!pw")
        .await
        .expect("root");
}

#[tokio::test]
async fn throttling_with_the_sdk_for_rust() {
    let mut server = Server::new();
    let path = server
        .write_config("[quotas]\nenabled = true\n[quotas.categories]\nUserAccountRecovery = 1\n");
    server.start(Some(&path));
    let root = server.root();
    let pool = create_pool(&root).await;
    let names: Vec<String> = (0..8).map(|i| format!("user{i}")).collect();
    for name in &names {
        create_user(&root, &pool, name).await;
    }
    let results = futures_join(
        names
            .iter()
            .map(|name| {
                let root = root.clone();
                let pool = pool.clone();
                let name = name.clone();
                tokio::spawn(async move { set_password(&root, &pool, &name, "Perm4nent!pw").await })
            })
            .collect(),
    )
    .await;
    let throttled: Vec<&String> = names
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_err())
        .map(|(n, _)| n)
        .collect();
    assert!(!throttled.is_empty(), "{results:?}");
    for (name, result) in names.iter().zip(&results) {
        match result {
            Ok(()) => assert_eq!(status(&root, &pool, name).await, UserStatusType::Confirmed),
            Err(e) => {
                assert_eq!(
                    e,
                    &(
                        "TooManyRequestsException".to_owned(),
                        "Rate exceeded".to_owned()
                    )
                );
                assert_eq!(
                    status(&root, &pool, name).await,
                    UserStatusType::ForceChangePassword,
                    "a throttled call changed {name}"
                );
            }
        }
    }
    // The SDK's standard retry mode backs off and gets through.
    let patient = server.client(ROOT, None, RetryConfig::standard().with_max_attempts(10));
    for name in throttled {
        set_password(&patient, &pool, name, "Perm4nent!pw")
            .await
            .expect("retried until admitted");
        assert_eq!(status(&root, &pool, name).await, UserStatusType::Confirmed);
    }
}

async fn futures_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("task"));
    }
    out
}
