//! `userpools seed` (bulk seeding for load tests) against a running server, checked with
//! the AWS SDK for Rust: the seeded users are CONFIRMED and sign in with their password.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider::config::Region;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ExplicitAuthFlowsType, UserStatusType};
use aws_sdk_cognitoidentityprovider::{Client, Config};

const ACCESS_KEY_ID: &str = "AKIAUSERPOOLSSEEDTST";
const SECRET_ACCESS_KEY: &str = "seed-test-secret-key-0123456789abcdefghi";
const PASSWORD: &str = "Seed-Passw0rd!";

fn health_ok(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 12];
    matches!(stream.read_exact(&mut buf), Ok(())) && buf.starts_with(b"HTTP/1.1 200")
}

#[tokio::test]
async fn seeded_users_are_confirmed_and_sign_in() {
    let dir = std::env::temp_dir().join(format!("userpools-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_userpools"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&dir)
        .env_remove("USERPOOLS_MASTER_KEY")
        .env("USERPOOLS_ACCESS_KEY_ID", ACCESS_KEY_ID)
        .env("USERPOOLS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn userpools");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !health_ok(port) {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = Client::from_conf(
        Config::builder()
            .behavior_version_latest()
            .region(Region::new("us-east-1"))
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .credentials_provider(Credentials::new(
                ACCESS_KEY_ID,
                SECRET_ACCESS_KEY,
                None,
                None,
                "seed-test",
            ))
            .build(),
    );
    let pool = client
        .create_user_pool()
        .pool_name("seeded")
        .send()
        .await
        .expect("CreateUserPool")
        .user_pool()
        .and_then(|p| p.id().map(str::to_owned))
        .expect("pool id");
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool)
        .client_name("seed")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowAdminUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .expect("CreateUserPoolClient")
        .user_pool_client()
        .and_then(|c| c.client_id().map(str::to_owned))
        .expect("client id");

    let seed = |from: usize, to: usize, password: &str| {
        Command::new(env!("CARGO_BIN_EXE_userpools"))
            .args([
                "seed",
                "--pool-id",
                &pool,
                "--password",
                password,
                "--batch",
                "2",
            ])
            .args(["--from", &from.to_string(), "--to", &to.to_string()])
            .arg("--data-dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run userpools seed")
    };
    // Five users in batches of two, while the server runs.
    assert!(seed(0, 5, PASSWORD).success());
    // A password the policy refuses fails without writing; so does a batch (each batch is
    // one transaction) that contains a user who already exists.
    assert!(!seed(5, 6, "short").success());
    assert!(!seed(4, 6, PASSWORD).success());

    for i in 0..5 {
        let name = format!("user{i:07}");
        let user = client
            .admin_get_user()
            .user_pool_id(&pool)
            .username(&name)
            .send()
            .await
            .expect("AdminGetUser");
        assert_eq!(user.user_status(), Some(&UserStatusType::Confirmed));
        assert!(user
            .user_attributes()
            .iter()
            .any(|a| a.name() == "sub" && a.value().is_some_and(|v| v.len() == 36)));
    }
    let signed_in = client
        .admin_initiate_auth()
        .user_pool_id(&pool)
        .client_id(&app)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", "user0000003")
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("AdminInitiateAuth");
    assert!(signed_in
        .authentication_result()
        .and_then(|r| r.access_token())
        .is_some());
    for missing in ["user0000005"] {
        let err = client
            .admin_get_user()
            .user_pool_id(&pool)
            .username(missing)
            .send()
            .await
            .expect_err("not seeded");
        assert!(
            format!("{err:?}").contains("UserNotFoundException"),
            "{err:?}"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
