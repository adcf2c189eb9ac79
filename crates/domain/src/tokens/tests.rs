use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Instant;

use aws_lc_rs::signature::{RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};

use super::*;

/// RSA key generation is the slow part: share one key set between tests.
fn keys() -> &'static PoolSigningKeys {
    static KEYS: OnceLock<PoolSigningKeys> = OnceLock::new();
    KEYS.get_or_init(|| PoolSigningKeys::generate().unwrap())
}

fn master() -> MasterKey {
    MasterKey::parse(&MasterKey::generate_hex()).unwrap()
}

fn sample_claims() -> Value {
    json!({"sub": "abc", "iat": 1_700_000_000, "token_use": "id", "name": "Zoë"})
}

fn key_set(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn set(keys: &[&'static str]) -> BTreeSet<&'static str> {
    keys.iter().copied().collect()
}

/// Replaces the character at `index` with a different base64url character.
fn flip_char(token: &str, index: usize) -> String {
    let mut bytes = token.as_bytes().to_vec();
    bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
    String::from_utf8(bytes).unwrap()
}

#[test]
fn sign_verify_round_trip() {
    let claims = sample_claims();
    for use_ in [TokenUse::Id, TokenUse::Access] {
        let token = sign_jwt(keys(), use_, &claims).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert!(!token.contains('='));
        let header = String::from_utf8(B64URL.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(
            header,
            format!(r#"{{"kid":"{}","alg":"RS256"}}"#, keys().kid(use_))
        );
        assert_eq!(B64URL.decode(parts[2]).unwrap().len(), 256);
        assert_eq!(verify_jwt(keys(), use_, &token), Some(claims.clone()));
    }
    assert!(sign_jwt(keys(), TokenUse::Id, &json!(["not", "an", "object"])).is_err());
}

#[test]
fn modified_token_fails() {
    let token = sign_jwt(keys(), TokenUse::Access, &sample_claims()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();

    // Another payload under the original signature.
    let mut forged_claims = sample_claims();
    forged_claims["sub"] = json!("someone-else");
    let forged_payload = B64URL.encode(serde_json::to_vec(&forged_claims).unwrap());
    let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &forged), None);

    // One changed character anywhere (header, payload or signature).
    for index in [0, parts[0].len() + 3, token.len() - 5, token.len() - 1] {
        let flipped = flip_char(&token, index);
        assert_ne!(flipped, token);
        assert_eq!(
            verify_jwt(keys(), TokenUse::Access, &flipped),
            None,
            "{index}"
        );
    }

    // A signature flipped at the byte level.
    let mut signature = B64URL.decode(parts[2]).unwrap();
    signature[100] ^= 1;
    let bad_sig = format!("{}.{}.{}", parts[0], parts[1], B64URL.encode(signature));
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &bad_sig), None);

    // alg "none" with the right kid.
    let none_header = B64URL.encode(format!(
        r#"{{"kid":"{}","alg":"none"}}"#,
        keys().kid(TokenUse::Access)
    ));
    let none = format!("{none_header}.{}.", parts[1]);
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &none), None);
    // Same signature, an extra `crit` header member: header changed → signature fails,
    // but it must be refused either way.
    let crit_header = B64URL.encode(format!(
        r#"{{"kid":"{}","alg":"RS256","crit":["x"]}}"#,
        keys().kid(TokenUse::Access)
    ));
    let crit = format!("{crit_header}.{}.{}", parts[1], parts[2]);
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &crit), None);
    // Padded base64 is not JWS.
    let padded = format!("{}=.{}.{}", parts[0], parts[1], parts[2]);
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &padded), None);
    // Still fine untouched.
    assert!(verify_jwt(keys(), TokenUse::Access, &token).is_some());
}

#[test]
fn garbage_never_panics() {
    let huge = "a".repeat(100_000);
    let good = sign_jwt(keys(), TokenUse::Id, &sample_claims()).unwrap();
    let truncated = &good[..good.len() - 10];
    let extra = format!("{good}.x");
    let inputs = [
        "",
        ".",
        "..",
        "...",
        "a.b.c",
        "a.b.c.d",
        "eyJ9.eyJ9.AAAA",
        "\u{e9}\u{e9}.\u{e9}.\u{e9}",
        "e30.e30.",
        "WzFd.e30.AAAA",
        huge.as_str(),
        truncated,
        extra.as_str(),
    ];
    for input in inputs {
        for use_ in [TokenUse::Id, TokenUse::Access] {
            assert_eq!(verify_jwt(keys(), use_, input), None, "{input:.40}");
        }
    }
    // A correctly signed non-object payload is refused as well.
    let key = keys().key(TokenUse::Id);
    let signed = format!(
        "{}.{}",
        B64URL.encode(format!(r#"{{"kid":"{}","alg":"RS256"}}"#, key.kid)),
        B64URL.encode("[1,2]")
    );
    let mut sig = vec![0u8; 256];
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            signed.as_bytes(),
            &mut sig,
        )
        .unwrap();
    let array_token = format!("{signed}.{}", B64URL.encode(sig));
    assert_eq!(verify_jwt(keys(), TokenUse::Id, &array_token), None);
}

#[test]
fn id_token_is_not_an_access_token() {
    assert_ne!(keys().kid(TokenUse::Id), keys().kid(TokenUse::Access));
    let id = sign_jwt(keys(), TokenUse::Id, &sample_claims()).unwrap();
    let access = sign_jwt(keys(), TokenUse::Access, &sample_claims()).unwrap();
    assert!(verify_jwt(keys(), TokenUse::Id, &id).is_some());
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &id), None);
    assert_eq!(verify_jwt(keys(), TokenUse::Id, &access), None);

    // Even with the header's kid swapped, the other key's signature does not verify.
    let parts: Vec<&str> = id.split('.').collect();
    let swapped_header = B64URL.encode(format!(
        r#"{{"kid":"{}","alg":"RS256"}}"#,
        keys().kid(TokenUse::Access)
    ));
    let swapped = format!("{swapped_header}.{}.{}", parts[1], parts[2]);
    assert_eq!(verify_jwt(keys(), TokenUse::Access, &swapped), None);
}

#[test]
fn kids_look_like_cognito() {
    for use_ in [TokenUse::Id, TokenUse::Access] {
        let kid = keys().kid(use_);
        assert_eq!(kid.len(), 44);
        assert!(kid.ends_with('='));
        assert_eq!(B64.decode(kid).unwrap().len(), 32);
    }
}

#[test]
fn jwks_shape_and_modulus() {
    let jwks = keys().jwks();
    assert_eq!(key_set(&jwks), set(&["keys"]));
    let list = jwks["keys"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    for (jwk, use_) in list.iter().zip([TokenUse::Id, TokenUse::Access]) {
        assert_eq!(key_set(jwk), set(&["alg", "e", "kid", "kty", "n", "use"]));
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"], keys().kid(use_));
        let n_b64 = jwk["n"].as_str().unwrap();
        assert!(!n_b64.contains('='));
        let n = B64URL.decode(n_b64).unwrap();
        assert_eq!(n.len(), 256, "2048-bit modulus, no leading zero byte");
        assert!(n[0] & 0x80 != 0);
        assert_eq!(n[255] & 1, 1, "an RSA modulus is odd");
        // The same modulus as the key pair's own public key.
        let public = keys().key(use_).pair.public_key();
        assert_eq!(n, public.modulus().big_endian_without_leading_zero());
    }
}

/// What an external verifier does: pick the key by `kid` from the JWKS JSON alone.
fn verify_with_jwks(jwks: &Value, token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&B64URL.decode(parts[0]).unwrap()).unwrap();
    let Some(jwk) = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
    else {
        return false;
    };
    let n = B64URL.decode(jwk["n"].as_str().unwrap()).unwrap();
    let e = B64URL.decode(jwk["e"].as_str().unwrap()).unwrap();
    let signature = B64URL.decode(parts[2]).unwrap();
    let message = format!("{}.{}", parts[0], parts[1]);
    RsaPublicKeyComponents { n: &n, e: &e }
        .verify(&RSA_PKCS1_2048_8192_SHA256, message.as_bytes(), &signature)
        .is_ok()
}

#[test]
fn external_verification_from_jwks_json() {
    let jwks: Value = serde_json::from_str(&keys().jwks().to_string()).unwrap();
    for use_ in [TokenUse::Id, TokenUse::Access] {
        let token = sign_jwt(keys(), use_, &sample_claims()).unwrap();
        assert!(verify_with_jwks(&jwks, &token));
        assert!(!verify_with_jwks(
            &jwks,
            &flip_char(&token, token.len() - 3)
        ));
    }
    // Another pool's JWKS does not verify these tokens.
    let other = PoolSigningKeys::generate().unwrap();
    let token = sign_jwt(keys(), TokenUse::Id, &sample_claims()).unwrap();
    assert!(!verify_with_jwks(&other.jwks(), &token));
}

#[test]
fn sealed_keys_reopen_only_with_same_master_and_pool() {
    let master = master();
    let sealed = keys().to_sealed(&master, "us-east-1_abc");
    let reopened = PoolSigningKeys::from_sealed(&master, "us-east-1_abc", &sealed).unwrap();
    assert_eq!(reopened.jwks(), keys().jwks());
    for use_ in [TokenUse::Id, TokenUse::Access] {
        let token = sign_jwt(&reopened, use_, &sample_claims()).unwrap();
        assert!(verify_jwt(keys(), use_, &token).is_some());
    }
    assert!(PoolSigningKeys::from_sealed(&master, "us-east-1_abd", &sealed).is_err());
    assert!(PoolSigningKeys::from_sealed(&self::master(), "us-east-1_abc", &sealed).is_err());
    let tampered = flip_char(&sealed, sealed.len() / 2);
    assert!(PoolSigningKeys::from_sealed(&master, "us-east-1_abc", &tampered).is_err());
    assert!(PoolSigningKeys::from_sealed(&master, "us-east-1_abc", "").is_err());

    // Debug shows kids, never private key material.
    let debug = format!("{:?}", keys());
    assert!(debug.contains(keys().kid(TokenUse::Id)));
    let pkcs8 = B64.encode(keys().id.pkcs8());
    assert!(!debug.contains(&pkcs8[40..80]));
    assert!(debug.len() < 300);
}

fn refresh_claims() -> RefreshClaims {
    RefreshClaims {
        pool_id: "eu-west-1_AbCdEf123".into(),
        client_id: "1example23456789abcdefghij".into(),
        username: "6f1e0c4e-0a51-4a8e-9a2b-3c4d5e6f7a8b".into(),
        origin_jti: "0f0e0d0c-0b0a-4909-8807-060504030201".into(),
        auth_time: 1_700_000_000,
        issued_at: 1_700_000_100,
        expires_at: 1_702_592_100,
    }
}

#[test]
fn refresh_token_round_trip_and_tamper() {
    let master = master();
    let claims = refresh_claims();
    let token = seal_refresh_token(&master, &claims);
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_=.".contains(&b)));
    assert_eq!(token.split('.').count(), 5);
    assert!(token.len() < 1024, "{}", token.len());
    assert_eq!(open_refresh_token(&master, &token), Some(claims.clone()));
    // Fresh nonce each time.
    assert_ne!(seal_refresh_token(&master, &claims), token);

    for index in 0..token.len() {
        let flipped = flip_char(&token, index);
        assert_eq!(
            open_refresh_token(&master, &flipped),
            None,
            "position {index}"
        );
    }
    assert_eq!(open_refresh_token(&self::master(), &token), None);
    for garbage in [
        "",
        "....",
        "a.b.c.d.e",
        &token[..token.len() - 1],
        &format!("{token}."),
    ] {
        assert_eq!(open_refresh_token(&master, garbage), None);
    }
}

fn context<'a>(attributes: &'a [(String, String)], groups: &'a [String]) -> TokenContext<'a> {
    TokenContext {
        issuer: "http://127.0.0.1:9229/",
        pool_id: "us-east-1_abc",
        client_id: "client123",
        username: "internal-user",
        sub: "11111111-2222-3333-4444-555555555555",
        attributes,
        auth_time: 1_700_000_000,
        now: 1_700_000_500,
        id_validity_secs: 3600,
        access_validity_secs: 1800,
        origin_jti: "origin-jti",
        event_id: "event-id",
        groups,
        roles: &[],
        preferred_role: None,
    }
}

fn attributes() -> Vec<(String, String)> {
    [
        ("sub", "should-not-override"),
        ("email", "a@example.com"),
        ("email_verified", "true"),
        ("phone_number", "+15555550100"),
        ("phone_number_verified", "false"),
        ("custom:level", "7"),
        ("iss", "evil"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn id_token_claims_exact() {
    let attrs = attributes();
    let groups = vec!["admins".to_string(), "readers".to_string()];
    let claims = id_token_claims(&context(&attrs, &groups));
    assert_eq!(
        key_set(&claims),
        set(&[
            "sub",
            "email",
            "email_verified",
            "phone_number",
            "phone_number_verified",
            "custom:level",
            "cognito:groups",
            "iss",
            "cognito:username",
            "origin_jti",
            "aud",
            "event_id",
            "token_use",
            "auth_time",
            "exp",
            "iat",
            "jti",
        ])
    );
    assert_eq!(claims["sub"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(claims["email_verified"], Value::Bool(true));
    assert_eq!(claims["phone_number_verified"], Value::Bool(false));
    assert_eq!(claims["custom:level"], Value::String("7".into()));
    assert_eq!(claims["iss"], "http://127.0.0.1:9229/us-east-1_abc");
    assert_eq!(claims["aud"], "client123");
    assert_eq!(claims["cognito:username"], "internal-user");
    assert_eq!(claims["token_use"], "id");
    assert_eq!(claims["cognito:groups"], json!(["admins", "readers"]));
    assert!(claims["iat"].is_i64() && claims["exp"].is_i64() && claims["auth_time"].is_i64());
    assert_eq!(claims["iat"], 1_700_000_500);
    assert_eq!(claims["exp"], 1_700_004_100);
    assert_eq!(claims["auth_time"], 1_700_000_000);
    assert!(uuid::Uuid::parse_str(claims["jti"].as_str().unwrap()).is_ok());
    // Fresh jti per token.
    assert_ne!(
        claims["jti"],
        id_token_claims(&context(&attrs, &groups))["jti"]
    );

    // No groups → no claim; identities become a JSON array.
    let identities = vec![(
        "identities".to_string(),
        r#"[{"userId":"1","providerName":"Google"}]"#.to_string(),
    )];
    let plain = id_token_claims(&context(&identities, &[]));
    assert!(plain.get("cognito:groups").is_none());
    assert!(plain["identities"].is_array());
}

#[test]
fn access_token_claims_exact() {
    let attrs = attributes();
    let groups = vec!["admins".to_string()];
    let claims = access_token_claims(&context(&attrs, &groups));
    assert_eq!(
        key_set(&claims),
        set(&[
            "sub",
            "cognito:groups",
            "iss",
            "client_id",
            "origin_jti",
            "event_id",
            "token_use",
            "scope",
            "auth_time",
            "exp",
            "iat",
            "jti",
            "username",
        ])
    );
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(claims["client_id"], "client123");
    assert_eq!(claims["username"], "internal-user");
    assert_eq!(claims["iss"], "http://127.0.0.1:9229/us-east-1_abc");
    assert_eq!(claims["exp"], 1_700_002_300);
    assert!(claims["iat"].is_i64() && claims["exp"].is_i64() && claims["auth_time"].is_i64());
    let no_groups = access_token_claims(&context(&attrs, &[]));
    assert!(no_groups.get("cognito:groups").is_none());
    assert!(no_groups.get("aud").is_none());
}

#[test]
#[ignore = "timing report; run with --ignored --nocapture"]
fn timing_report() {
    let start = Instant::now();
    let keys = PoolSigningKeys::generate().unwrap();
    let generate = start.elapsed();
    let claims = access_token_claims(&context(&[], &[]));
    sign_jwt(&keys, TokenUse::Access, &claims).unwrap(); // warm-up
    const N: u32 = 50;
    let start = Instant::now();
    let mut token = String::new();
    for _ in 0..N {
        token = sign_jwt(&keys, TokenUse::Access, &claims).unwrap();
    }
    let sign = start.elapsed() / N;
    let start = Instant::now();
    for _ in 0..N {
        assert!(verify_jwt(&keys, TokenUse::Access, &token).is_some());
    }
    let verify = start.elapsed() / N;
    let mut gens = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        PoolSigningKeys::generate().unwrap();
        gens.push(start.elapsed());
    }
    println!(
        "PoolSigningKeys::generate (2 × RSA-2048): first {generate:?}, next 5: {gens:?}; \
         sign_jwt: {sign:?}; verify_jwt: {verify:?}"
    );
}
