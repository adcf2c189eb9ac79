//! The AWS SDK for Rust against the real `userpools` binary.
//!
//! Each test starts its own server (`userpools serve`) on a free port with a fresh
//! temporary data dir and root credentials from the environment, and stops it at the end.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::retry::RetryConfig;
use aws_sdk_cognitoidentityprovider::config::Region;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    PasswordPolicyType, UserPoolPolicyType, UserStatusType,
};
use aws_sdk_cognitoidentityprovider::{Client, Config};

const ACCESS_KEY_ID: &str = "AKIAUSERPOOLSSDKTEST";
const SECRET_ACCESS_KEY: &str = "sdk-test-secret-key-0123456789abcdefghij";
const STRONG: &str = "Str0ng!Passw0rd";

static COUNTER: AtomicUsize = AtomicUsize::new(0);

struct Server {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("userpools-sdk-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create data dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log = std::fs::File::create(dir.with_extension("log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_userpools"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--region",
                "us-east-1",
            ])
            .arg("--data-dir")
            .arg(&dir)
            .env_remove("USERPOOLS_MASTER_KEY")
            .env("USERPOOLS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("USERPOOLS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn userpools");
        let mut server = Server { child, dir, port };
        server.wait_healthy();
        server
    }

    fn wait_healthy(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.with_extension("log")).unwrap_or_default();
                panic!("userpools exited early with {status}: {log}");
            }
            if health_ok(self.port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("userpools did not answer 200 on /health within 60 s");
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn client_with(&self, access_key: &str, secret: &str) -> Client {
        let config = Config::builder()
            .behavior_version_latest()
            .region(Region::new("us-east-1"))
            .endpoint_url(self.url())
            .credentials_provider(Credentials::new(
                access_key,
                secret,
                None,
                None,
                "userpools-test",
            ))
            .retry_config(RetryConfig::disabled())
            .build();
        Client::from_conf(config)
    }

    fn client(&self) -> Client {
        self.client_with(ACCESS_KEY_ID, SECRET_ACCESS_KEY)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(self.dir.with_extension("log"));
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

fn strong_policy(history: i32) -> UserPoolPolicyType {
    let mut policy = PasswordPolicyType::builder()
        .minimum_length(8)
        .require_uppercase(true)
        .require_lowercase(true)
        .require_numbers(true)
        .require_symbols(true);
    if history > 0 {
        policy = policy.password_history_size(history);
    }
    UserPoolPolicyType::builder()
        .password_policy(policy.build())
        .build()
}

async fn create_pool(client: &Client, history: i32) -> String {
    let out = client
        .create_user_pool()
        .pool_name("sdk-pool")
        .policies(strong_policy(history))
        .send()
        .await
        .expect("CreateUserPool");
    let id = out
        .user_pool()
        .and_then(|p| p.id())
        .expect("pool id")
        .to_string();
    assert!(id.starts_with("us-east-1_"), "{id}");
    assert_eq!(id.len(), "us-east-1_".len() + 9, "{id}");
    id
}

async fn create_user(client: &Client, pool: &str, username: &str) {
    let out = client
        .admin_create_user()
        .user_pool_id(pool)
        .username(username)
        .temporary_password("Temp0rary!pw")
        .message_action(aws_sdk_cognitoidentityprovider::types::MessageActionType::Suppress)
        .send()
        .await
        .expect("AdminCreateUser");
    let user = out.user().expect("user");
    assert_eq!(user.username(), Some(username));
    assert_eq!(
        user.user_status(),
        Some(&UserStatusType::ForceChangePassword)
    );
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

#[tokio::test]
async fn admin_set_user_password_permanent_and_temporary() {
    let server = Server::start();
    let client = server.client();
    let pool = create_pool(&client, 0).await;
    create_user(&client, &pool, "sdk-user").await;
    assert_eq!(
        status(&client, &pool, "sdk-user").await,
        UserStatusType::ForceChangePassword
    );

    client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("sdk-user")
        .password(STRONG)
        .permanent(true)
        .send()
        .await
        .expect("AdminSetUserPassword permanent");
    assert_eq!(
        status(&client, &pool, "sdk-user").await,
        UserStatusType::Confirmed
    );

    client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("sdk-user")
        .password("An0ther!Passw0rd")
        .permanent(false)
        .send()
        .await
        .expect("AdminSetUserPassword temporary");
    assert_eq!(
        status(&client, &pool, "sdk-user").await,
        UserStatusType::ForceChangePassword
    );

    // Permanent absent = false.
    client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("sdk-user")
        .password("Th1rd!Passw0rd")
        .send()
        .await
        .expect("AdminSetUserPassword default");
    assert_eq!(
        status(&client, &pool, "sdk-user").await,
        UserStatusType::ForceChangePassword
    );
}

#[tokio::test]
async fn policy_violation_is_invalid_password_exception() {
    let server = Server::start();
    let client = server.client();
    let pool = create_pool(&client, 0).await;
    create_user(&client, &pool, "weak").await;

    let cases = [
        ("Ab1!", "Password not long enough"),
        ("abcdefg1!", "Password must have uppercase characters"),
        ("ABCDEFG1!", "Password must have lowercase characters"),
        ("Abcdefgh!", "Password must have numeric characters"),
        ("Abcdefgh1", "Password must have symbol characters"),
    ];
    for (password, rule) in cases {
        let err = client
            .admin_set_user_password()
            .user_pool_id(&pool)
            .username("weak")
            .password(password)
            .permanent(true)
            .send()
            .await
            .expect_err("weak password must be refused")
            .into_service_error();
        assert!(err.is_invalid_password_exception(), "{password}: {err:?}");
        assert_eq!(err.code(), Some("InvalidPasswordException"));
        assert_eq!(
            err.message(),
            Some(format!("Password does not conform to policy: {rule}").as_str()),
            "{password}"
        );
    }
    assert_eq!(
        status(&client, &pool, "weak").await,
        UserStatusType::ForceChangePassword
    );
}

#[tokio::test]
async fn password_history_violation() {
    let server = Server::start();
    let client = server.client();
    let pool = create_pool(&client, 2).await;
    create_user(&client, &pool, "hist").await;
    client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("hist")
        .password(STRONG)
        .permanent(true)
        .send()
        .await
        .expect("first set");
    let err = client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("hist")
        .password(STRONG)
        .permanent(true)
        .send()
        .await
        .expect_err("reuse must be refused")
        .into_service_error();
    assert!(
        err.is_password_history_policy_violation_exception(),
        "{err:?}"
    );
}

#[tokio::test]
async fn unknown_user_and_unknown_pool() {
    let server = Server::start();
    let client = server.client();
    let pool = create_pool(&client, 0).await;

    let err = client
        .admin_set_user_password()
        .user_pool_id(&pool)
        .username("nobody")
        .password(STRONG)
        .permanent(true)
        .send()
        .await
        .expect_err("unknown user")
        .into_service_error();
    assert!(err.is_user_not_found_exception(), "{err:?}");
    assert_eq!(err.message(), Some("User does not exist."));

    let missing = "us-east-1_Zz9Zz9Zz9";
    let err = client
        .admin_get_user()
        .user_pool_id(missing)
        .username("nobody")
        .send()
        .await
        .expect_err("unknown pool")
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    assert_eq!(
        err.message(),
        Some(format!("User pool {missing} does not exist.").as_str())
    );
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature() {
    let server = Server::start();
    let pool = create_pool(&server.client(), 0).await;
    let bad = server.client_with(ACCESS_KEY_ID, "not-the-right-secret-0123456789abcdefghij");
    let err = bad
        .admin_get_user()
        .user_pool_id(&pool)
        .username("x")
        .send()
        .await
        .expect_err("wrong secret must be refused")
        .into_service_error();
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");

    let unknown = server.client_with("AKIAUNKNOWNKEY000000", SECRET_ACCESS_KEY);
    let err = unknown
        .describe_user_pool()
        .user_pool_id(&pool)
        .send()
        .await
        .expect_err("unknown key must be refused")
        .into_service_error();
    assert_eq!(err.code(), Some("UnrecognizedClientException"), "{err:?}");
}
