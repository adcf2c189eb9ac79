//! Property tests over SigV4 verification: no input panics [`verify`], and a
//! correctly signed request stops verifying as soon as any signed part of it
//! (a required header, the body, the date, the scope, the signature) changes.

use aws_lc_rs::{digest, hmac};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use time::macros::datetime;
use time::OffsetDateTime;
use userpools_server::sigv4::{amz_date, verify, SignedRequest};
use userpools_server::{AccessKey, Authority, KeyRing};

const CASES: u32 = 512;
const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const NOW: OffsetDateTime = datetime!(2024-01-05 09:03:04 UTC);
const SIGNED: &str = "content-type;host;x-amz-date;x-amz-target";

fn keys() -> KeyRing {
    let mut ring = KeyRing::default();
    ring.insert(AccessKey {
        access_key_id: AKID.into(),
        secret_access_key: SECRET.into(),
        session_token: None,
        principal_arn: "arn:aws:iam::000000000000:root".into(),
        authority: Authority::Root,
    });
    ring
}

fn hex_sha256(data: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, data))
}

fn mac(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes())
        .as_ref()
        .to_vec()
}

/// The four headers every signature must cover, with `target` and `date`.
fn base_headers(target: &str, date: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    headers.insert("host", HeaderValue::from_static("127.0.0.1:9229"));
    headers.insert("x-amz-date", HeaderValue::from_str(date).unwrap());
    headers.insert("x-amz-target", HeaderValue::from_str(target).unwrap());
    headers
}

/// The `Authorization` value a client computes over the four headers (the
/// values here are already canonical: no runs of spaces, no duplicates).
fn authorization(headers: &HeaderMap, body: &[u8]) -> String {
    let date = headers["x-amz-date"].to_str().unwrap();
    let canonical_headers: String = SIGNED
        .split(';')
        .map(|name| format!("{name}:{}\n", headers[name].to_str().unwrap()))
        .collect();
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{SIGNED}\n{}",
        hex_sha256(body)
    );
    let scope = format!("{}/{REGION}/cognito-idp/aws4_request", &date[..8]);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        hex_sha256(canonical.as_bytes())
    );
    let mut key = mac(format!("AWS4{SECRET}").as_bytes(), &date[..8]);
    for part in [REGION, "cognito-idp", "aws4_request"] {
        key = mac(&key, part);
    }
    format!(
        "AWS4-HMAC-SHA256 Credential={AKID}/{scope}, SignedHeaders={SIGNED}, Signature={}",
        hex::encode(mac(&key, &to_sign))
    )
}

fn check(headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let request = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers,
        body,
    };
    verify(&request, &keys(), REGION, NOW)
        .map(drop)
        .map_err(|e| {
            assert_eq!(e.status, 400, "{e}");
            e.type_name
        })
}

/// Header values as a client could send them (visible ASCII, tabs, obs-text).
fn header_value() -> impl Strategy<Value = HeaderValue> {
    proptest::collection::vec(prop_oneof![Just(b'\t'), 0x20u8..0x7f, 0x80u8..=0xff], 0..80)
        .prop_filter_map("not a header value", |b| HeaderValue::from_bytes(&b).ok())
}

/// `Authorization` values near the real syntax: its pieces in any order and number.
fn authorization_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("AWS4-HMAC-SHA256".to_owned()),
        Just(" ".to_owned()),
        Just(",".to_owned()),
        Just("Credential=".to_owned()),
        Just("SignedHeaders=".to_owned()),
        Just("Signature=".to_owned()),
        Just(format!("{AKID}/20240105/{REGION}/cognito-idp/aws4_request")),
        Just(SIGNED.to_owned()),
        Just("/".to_owned()),
        Just(";".to_owned()),
        "[ -~]{0,12}",
        "\\PC{0,4}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_headers_never_panic(
        auth in prop_oneof![authorization_like(), "\\PC{0,100}"],
        date in prop_oneof![Just("20240105T090304Z".to_owned()), "[0-9TZ+-]{0,20}", "\\PC{0,20}"],
        extra in proptest::collection::vec(("x-amz-[a-z-]{1,12}|host|content-type", header_value()), 0..4),
        body in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&auth) {
            headers.insert("authorization", value);
        }
        if let Ok(value) = HeaderValue::from_str(&date) {
            headers.insert("x-amz-date", value);
        }
        for (name, value) in extra {
            headers.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), value);
        }
        prop_assert!(check(&headers, &body).is_err());
    }

    #[test]
    fn signed_requests_verify_and_any_change_breaks_them(
        body in proptest::collection::vec(any::<u8>(), 0..64),
        op in "[A-Za-z]{1,30}",
        skew in -299i64..=299,
        change in 0usize..7,
        noise in "[a-z0-9]{1,8}",
    ) {
        let target = format!("AWSCognitoIdentityProviderService.{op}");
        let date = amz_date(NOW + time::Duration::seconds(skew));
        let mut headers = base_headers(&target, &date);
        let auth = authorization(&headers, &body);
        headers.insert("authorization", HeaderValue::from_str(&auth).unwrap());
        prop_assert_eq!(check(&headers, &body), Ok(()));

        let mut body = body;
        match change {
            0 => headers.insert("x-amz-target", HeaderValue::from_str(&format!("{target}{noise}")).unwrap()).map(drop).unwrap_or(()),
            1 => headers.insert("host", HeaderValue::from_str(&format!("{noise}.example")).unwrap()).map(drop).unwrap_or(()),
            2 => headers.insert("content-type", HeaderValue::from_str(&format!("application/{noise}")).unwrap()).map(drop).unwrap_or(()),
            3 => body.extend_from_slice(noise.as_bytes()),
            4 => headers.insert("x-amz-content-sha256", HeaderValue::from_static("UNSIGNED-PAYLOAD")).map(drop).unwrap_or(()),
            5 => {
                let narrowed = auth.replace(SIGNED, "host");
                headers.insert("authorization", HeaderValue::from_str(&narrowed).unwrap());
            }
            _ => {
                let flipped = if auth.ends_with('0') { "1" } else { "0" };
                let tampered = format!("{}{flipped}", &auth[..auth.len() - 1]);
                headers.insert("authorization", HeaderValue::from_str(&tampered).unwrap());
            }
        }
        prop_assert!(check(&headers, &body).is_err(), "change {} was accepted", change);
    }
}
