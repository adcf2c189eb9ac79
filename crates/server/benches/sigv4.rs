//! Microbenchmark of SigV4 verification of a botocore-style AdminSetUserPassword request.
//!
//! `cargo bench -p userpools-server --bench sigv4`

use std::hint::black_box;

use aws_lc_rs::{digest, hmac};
use criterion::{criterion_group, criterion_main, Criterion};
use http::{HeaderMap, HeaderValue};
use userpools_server::sigv4::{self, SignedRequest};
use userpools_server::{AccessKey, KeyRing};

const KEY_ID: &str = "AKIABENCHMARK0000000";
const SECRET: &str = "bench-secret-key-0123456789abcdefghijklm";
const DATE: &str = "20240102T030405Z";

fn hmac_sign(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

fn signed_headers(body: &[u8]) -> HeaderMap {
    let target = "AWSCognitoIdentityProviderService.AdminSetUserPassword";
    let canonical = format!(
        "POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:127.0.0.1:9229\nx-amz-date:{DATE}\nx-amz-target:{target}\n\ncontent-type;host;x-amz-date;x-amz-target\n{}",
        hex::encode(digest::digest(&digest::SHA256, body))
    );
    let scope = format!("{}/us-east-1/cognito-idp/aws4_request", &DATE[..8]);
    let sts = format!(
        "AWS4-HMAC-SHA256\n{DATE}\n{scope}\n{}",
        hex::encode(digest::digest(&digest::SHA256, canonical.as_bytes()))
    );
    let mut key = format!("AWS4{SECRET}").into_bytes();
    for part in [&DATE[..8], "us-east-1", "cognito-idp", "aws4_request"] {
        key = hmac_sign(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac_sign(&key, sts.as_bytes()));
    let mut headers = HeaderMap::new();
    let mut put = |name: &'static str, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).expect("header"));
    };
    put("content-type", "application/x-amz-json-1.1".into());
    put("host", "127.0.0.1:9229".into());
    put("x-amz-date", DATE.into());
    put("x-amz-target", target.into());
    put(
        "authorization",
        format!("AWS4-HMAC-SHA256 Credential={KEY_ID}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={signature}"),
    );
    headers
}

fn benches(c: &mut Criterion) {
    let body = br#"{"UserPoolId":"us-east-1_AbCdEfGh1","Username":"user0000042","Password":"Bench-Passw0rd!","Permanent":true}"#;
    let headers = signed_headers(body);
    let mut keys = KeyRing::default();
    keys.insert(AccessKey {
        access_key_id: KEY_ID.into(),
        secret_access_key: SECRET.into(),
        session_token: None,
        principal_arn: "arn:aws:iam::000000000000:root".into(),
        authority: userpools_server::Authority::Root,
    });
    let now = time::OffsetDateTime::from_unix_timestamp(1_704_164_645).expect("time"); // DATE
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body,
    };
    sigv4::verify(&request, &keys, "us-east-1", now).expect("valid signature");
    c.bench_function("sigv4/verify AdminSetUserPassword request", |b| {
        b.iter(|| sigv4::verify(black_box(&request), &keys, "us-east-1", now).expect("valid"))
    });
}

criterion_group!(sigv4_bench, benches);
criterion_main!(sigv4_bench);
