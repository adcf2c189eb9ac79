//! Tests against `tests/data/srp-vectors.json` (copied from the spec) and the test-only
//! client; [`properties`] holds the validation tests, randomized round trips and an ignored
//! micro-benchmark.

use super::group::{self, Fe, FixedBaseTable, N};
use super::*;
use crypto_bigint::{U256, U3072};
use rand::Rng as _;
use serde_json::Value;
use time::macros::datetime;

mod properties;

const VECTORS: &str = include_str!("../../tests/data/srp-vectors.json");

fn vectors_doc() -> Value {
    serde_json::from_str(VECTORS).expect("vectors parse")
}

fn vectors() -> Vec<Value> {
    let doc = vectors_doc();
    let v = doc["vectors"].as_array().expect("vectors array").clone();
    assert_eq!(v.len(), 5, "expected the 5 spec vectors");
    v
}

fn field<'a>(v: &'a Value, name: &str) -> &'a str {
    v[name].as_str().unwrap_or_else(|| panic!("missing {name}"))
}

fn int(h: &str) -> U3072 {
    group::from_hex(h).expect("hex")
}

fn hex_of(n: &U3072) -> String {
    group::min_hex(&n.to_be_bytes())
}

fn hex_of_256(n: &U256) -> String {
    group::min_hex(&n.to_be_bytes())
}

/// Big-endian bytes of a minimal hex string (odd length allowed).
fn bytes_of_hex(h: &str) -> Vec<u8> {
    let even = if h.len() % 2 == 1 {
        format!("0{h}")
    } else {
        h.to_owned()
    };
    hex::decode(even).expect("hex")
}

fn start_vector(v: &Value) -> ServerChallenge {
    let verifier = Verifier::from_bytes(&bytes_of_hex(field(v, "v"))).expect("verifier");
    start_with_b(&verifier, field(v, "A"), &bytes_of_hex(field(v, "b"))).expect("round 1")
}

// -----------------------------------------------------------------------------------------
// A tiny independent client (string-based padHex like pycognito, plain pow).
// -----------------------------------------------------------------------------------------

/// pycognito-style `pad_hex` on a hex *string*.
fn client_pad_hex(h: &str) -> String {
    if h.len() % 2 == 1 {
        format!("0{h}")
    } else if "89abcdef".contains(&h[..1]) {
        format!("00{h}")
    } else {
        h.to_owned()
    }
}

fn client_hash_hex(h: &str) -> [u8; 32] {
    group::sha256(&[&hex::decode(h).expect("hex")])
}

struct Client {
    a: U3072,
    a_bits: u32,
    big_a_hex: String,
}

impl Client {
    fn new(a_bytes: &[u8]) -> Self {
        let a = group::from_be_bytes(a_bytes).expect("a fits");
        let a_bits = 8 * a_bytes.len() as u32;
        let big_a = group::g_pow_plain(&a, a_bits).retrieve();
        Self {
            a,
            a_bits,
            big_a_hex: format!("{:x}", BigHex(big_a)),
        }
    }

    /// Client-side `x` from the `SALT` string as sent.
    fn x(pool_id: &str, user: &str, password: &str, salt_hex: &str) -> U256 {
        let inner = group::sha256(&[format!("{}{user}:{password}", pool_name(pool_id)).as_bytes()]);
        let h = client_hash_hex(&format!(
            "{}{}",
            client_pad_hex(salt_hex),
            hex::encode(inner)
        ));
        U256::from_be_slice(&h)
    }

    /// Client-side `S = (B − k·g^x)^(a + u·x) mod N`, and `u`.
    fn premaster(&self, x: &U256, srp_b_hex: &str) -> (U256, U3072) {
        let u = U256::from_be_slice(&client_hash_hex(&format!(
            "{}{}",
            client_pad_hex(&self.big_a_hex),
            client_pad_hex(srp_b_hex)
        )));
        let big_b = Fe::new(&int(srp_b_hex));
        let k = Fe::new(&group::from_be_bytes(&k()).expect("k"));
        let gx = group::g_pow_plain(x, 256);
        let base = big_b.sub(&k.mul(&gx));
        let ux: U3072 = u
            .resize::<{ U3072::LIMBS }>()
            .wrapping_mul(&x.resize::<{ U3072::LIMBS }>());
        let exp = self.a.wrapping_add(&ux);
        let bits = self.a_bits.max(512) + 1;
        (u, base.pow_bounded_exp(&exp, bits).retrieve())
    }

    #[allow(clippy::too_many_arguments)]
    fn signature(
        &self,
        pool_id: &str,
        user: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
        secret_block_b64: &str,
        timestamp: &str,
    ) -> String {
        let x = Self::x(pool_id, user, password, salt_hex);
        let (u, s) = self.premaster(&x, srp_b_hex);
        // HKDF written out independently with hex strings, as the clients do.
        let prk = hmac::sign(
            &hmac::Key::new(
                hmac::HMAC_SHA256,
                &hex::decode(client_pad_hex(&hex_of_256(&u))).unwrap(),
            ),
            &hex::decode(client_pad_hex(&hex_of(&s))).unwrap(),
        );
        let okm = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()),
            b"Caldera Derived Key\x01",
        );
        let mut msg = pool_name(pool_id).as_bytes().to_vec();
        msg.extend_from_slice(user.as_bytes());
        msg.extend_from_slice(&BASE64.decode(secret_block_b64).unwrap());
        msg.extend_from_slice(timestamp.as_bytes());
        let sig = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &okm.as_ref()[..16]),
            &msg,
        );
        BASE64.encode(sig)
    }
}

/// Lowercase minimal hex formatting for a `U3072` (independent of `group::min_hex`).
struct BigHex(U3072);

impl fmt::LowerHex for BigHex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s: String = self
            .0
            .to_be_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let s = s.trim_start_matches('0');
        f.write_str(if s.is_empty() { "0" } else { s })
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill(&mut b[..]);
    b
}

fn random_u256() -> U256 {
    U256::from_be_slice(&random_bytes(32))
}

// -----------------------------------------------------------------------------------------
// Vectors
// -----------------------------------------------------------------------------------------

#[test]
fn group_constants_match_vectors() {
    let doc = vectors_doc();
    assert_eq!(hex_of(&N), field(&doc, "N"));
    assert_eq!(n_hex_lower(), field(&doc, "N"));
    assert_eq!(field(&doc, "g"), "2");
    assert_eq!(hex::encode(k()), field(&doc, "k"));
    assert!(hex::encode(k()).starts_with("538282c4354742d7cb"));
    // k in Montgomery form is k.
    assert_eq!(hex_of(&group::k_fe().retrieve()), field(&doc, "k"));
}

fn n_hex_lower() -> String {
    group::N_HEX.to_ascii_lowercase()
}

#[test]
fn x_and_v_match_vectors() {
    for v in vectors() {
        let (pool, user, pw) = (
            field(&v, "pool_id"),
            field(&v, "user_id_for_srp"),
            field(&v, "password"),
        );
        let salt = Salt::from_hex(field(&v, "salt")).unwrap();
        assert_eq!(salt.to_min_hex(), field(&v, "salt"));
        let x = compute_x(pool, user, pw, &salt);
        assert_eq!(
            format!("{:064x}", BigHex(x.resize())),
            format!("{:0>64}", field(&v, "x"))
        );
        // The independent client agrees on x from the SALT string.
        assert_eq!(Client::x(pool, user, pw, field(&v, "salt")), x);
        let verifier = compute_verifier(pool, user, pw, &salt);
        assert_eq!(hex_of(&verifier.0), field(&v, "v"), "v for {user}");
        assert!(verify_password(pool, user, pw, &salt, &verifier));
        assert!(!verify_password(
            pool,
            user,
            &format!("{pw}x"),
            &salt,
            &verifier
        ));
        assert!(!verify_password(pool, "someone-else", pw, &salt, &verifier));
        let other_salt = Salt::from_bytes(&[1, 2, 3]);
        assert!(!verify_password(pool, user, pw, &other_salt, &verifier));
        let wrong = compute_verifier(pool, user, "wrong password", &salt);
        assert!(!verify_password(pool, user, pw, &salt, &wrong));
        assert_ne!(wrong, verifier);
        // Byte round trip.
        let bytes = verifier.to_bytes();
        assert_eq!(bytes.len(), Verifier::LEN);
        assert_eq!(Verifier::from_bytes(&bytes).unwrap(), verifier);
    }
}

#[test]
fn round1_b_matches_vectors() {
    for v in vectors() {
        let state = start_vector(&v);
        assert_eq!(state.srp_b_hex(), field(&v, "B"));
        // The vector's A is g^a.
        let client = Client::new(&bytes_of_hex(field(&v, "a")));
        assert_eq!(client.big_a_hex, field(&v, "A"));
    }
}

#[test]
fn u_s_and_key_match_vectors() {
    for v in vectors() {
        let state = start_vector(&v);
        let (u, s) = premaster_secret(&state).expect("u != 0");
        assert_eq!(hex_of_256(&u), field(&v, "u"));
        assert_eq!(hex_of(&s), field(&v, "S"));
        assert_eq!(hex::encode(derive_key(&u, &s)), field(&v, "hkdf_key"));
        // The test client computes the same S from the client side.
        let client = Client::new(&bytes_of_hex(field(&v, "a")));
        let (cu, cs) = client.premaster(
            &U256::from_be_slice(&bytes_of_hex(&format!("{:0>64}", field(&v, "x")))),
            field(&v, "B"),
        );
        assert_eq!(cu, u);
        assert_eq!(hex_of(&cs), field(&v, "S"));
    }
}

#[test]
fn signatures_match_vectors() {
    for v in vectors() {
        let (pool, user) = (field(&v, "pool_id"), field(&v, "user_id_for_srp"));
        let block = BASE64.decode(field(&v, "secret_block")).unwrap();
        let ts = field(&v, "timestamp");
        let sig = field(&v, "password_claim_signature");
        let state = start_vector(&v);
        assert!(
            verify_signature(&state, pool, user, &block, ts, sig),
            "accepts {user}"
        );

        // Through the state bytes.
        let restored = ServerChallenge::from_state_bytes(&state.to_state_bytes()).unwrap();
        assert!(verify_signature(&restored, pool, user, &block, ts, sig));
        assert_eq!(restored.srp_b_hex(), state.srp_b_hex());

        // The test client produces the vector's signature.
        let client = Client::new(&bytes_of_hex(field(&v, "a")));
        let salt = field(&v, "salt");
        let csig = client.signature(
            pool,
            user,
            field(&v, "password"),
            salt,
            field(&v, "B"),
            field(&v, "secret_block"),
            ts,
        );
        assert_eq!(csig, sig);

        // Every flipped bit of the signature is rejected.
        let raw = BASE64.decode(sig).unwrap();
        for bit in 0..raw.len() * 8 {
            let mut bad = raw.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(!verify_signature(
                &state,
                pool,
                user,
                &block,
                ts,
                &BASE64.encode(&bad)
            ));
        }
        // Wrong timestamp, secret block, user, pool; malformed signatures.
        assert!(!verify_signature(
            &state,
            pool,
            user,
            &block,
            "Tue Nov 5 09:03:05 UTC 2024",
            sig
        ));
        let mut bad_block = block.clone();
        bad_block[0] ^= 0x01;
        assert!(!verify_signature(&state, pool, user, &bad_block, ts, sig));
        assert!(!verify_signature(&state, pool, user, &block[1..], ts, sig));
        assert!(!verify_signature(&state, pool, "mallory", &block, ts, sig));
        assert!(!verify_signature(
            &state,
            "us-east-1_Other1234",
            user,
            &block,
            ts,
            sig
        ));
        assert!(!verify_signature(
            &state,
            pool,
            user,
            &block,
            ts,
            &sig[..40]
        ));
        assert!(!verify_signature(
            &state,
            pool,
            user,
            &block,
            ts,
            "not base64!"
        ));
        assert!(!verify_signature(&state, pool, user, &block, ts, ""));
        let mut longer = raw.clone();
        longer.push(0);
        assert!(!verify_signature(
            &state,
            pool,
            user,
            &block,
            ts,
            &BASE64.encode(&longer)
        ));
        // A different b (hence B) does not verify the same signature.
        let verifier = Verifier::from_bytes(&bytes_of_hex(field(&v, "v"))).unwrap();
        let other = start(&verifier, field(&v, "A")).unwrap();
        assert!(!verify_signature(&other, pool, user, &block, ts, sig));
    }
}

#[test]
fn secret_hash_matches_vectors() {
    for v in vectors() {
        let ex = &v["secret_hash_example"];
        let (secret, user, client) = (
            field(ex, "client_secret"),
            field(ex, "username"),
            field(ex, "client_id"),
        );
        let expected = field(ex, "secret_hash");
        assert_eq!(secret_hash(secret, user, client), expected);
        assert!(verify_secret_hash(secret, user, client, expected));
        assert!(!verify_secret_hash(secret, user, "other-client", expected));
        assert!(!verify_secret_hash(
            &format!("{secret}x"),
            user,
            client,
            expected
        ));
        assert!(!verify_secret_hash(
            secret,
            &format!("{user}x"),
            client,
            expected
        ));
        assert!(!verify_secret_hash(secret, user, client, &expected[..43]));
        assert!(!verify_secret_hash(secret, user, client, "%%%"));
        let mut raw = BASE64.decode(expected).unwrap();
        raw[31] ^= 0x80;
        assert!(!verify_secret_hash(
            secret,
            user,
            client,
            &BASE64.encode(raw)
        ));
    }
}

// -----------------------------------------------------------------------------------------
// TIMESTAMP
// -----------------------------------------------------------------------------------------

#[test]
fn timestamp_format() {
    for v in vectors() {
        assert_eq!(
            format_timestamp(datetime!(2024-11-05 09:03:04 UTC)),
            field(&v, "timestamp")
        );
    }
    assert_eq!(
        format_timestamp(datetime!(2024-11-05 09:03:04 UTC)),
        "Tue Nov 5 09:03:04 UTC 2024"
    );
    assert_eq!(
        format_timestamp(datetime!(2026-11-22 10:59:27 UTC)),
        "Sun Nov 22 10:59:27 UTC 2026"
    );
    // Converted to UTC; sub-seconds dropped.
    assert_eq!(
        format_timestamp(datetime!(2024-01-01 01:00:00.999 +02:00)),
        "Sun Dec 31 23:00:00 UTC 2023"
    );
    assert_eq!(
        format_timestamp(datetime!(2025-03-10 00:00:00 UTC)),
        "Mon Mar 10 00:00:00 UTC 2025"
    );
    assert_eq!(
        format_timestamp(datetime!(2024-02-29 23:59:59 UTC)),
        "Thu Feb 29 23:59:59 UTC 2024"
    );
}

#[test]
fn timestamp_parse() {
    for t in [
        datetime!(2024-11-05 09:03:04 UTC),
        datetime!(2026-11-22 10:59:27 UTC),
        datetime!(2024-02-29 23:59:59 UTC),
        datetime!(2030-06-30 12:00:00 UTC),
        datetime!(2023-12-31 00:00:00 UTC),
    ] {
        assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t));
    }
    assert_eq!(
        parse_timestamp("Tue Nov 5 09:03:04 UTC 2024"),
        Some(datetime!(2024-11-05 09:03:04 UTC))
    );
    for bad in [
        "",
        "Tue Nov 05 09:03:04 UTC 2024", // leading-zero day
        "Tue Nov  5 09:03:04 UTC 2024", // space-padded day
        "Wed Nov 5 09:03:04 UTC 2024",  // weekday mismatch
        "tue Nov 5 09:03:04 UTC 2024",
        "Tue nov 5 09:03:04 UTC 2024",
        "Tuesday Nov 5 09:03:04 UTC 2024",
        "Tue Nov 5 9:03:04 UTC 2024",
        "Tue Nov 5 09:3:04 UTC 2024",
        "Tue Nov 5 24:03:04 UTC 2024",
        "Tue Nov 5 09:60:04 UTC 2024",
        "Tue Nov 5 09:03:60 UTC 2024",
        "Tue Nov 5 09:03:04 GMT 2024",
        "Tue Nov 5 09:03:04 UTC 24",
        "Tue Nov 5 09:03:04 UTC 02024",
        "Tue Nov 5 09:03:04 UTC 2024 ",
        " Tue Nov 5 09:03:04 UTC 2024",
        "Tue Nov 5 09:03:04  UTC 2024",
        "Tue Nov 5 09:03:04 UTC",
        "Sat Nov 31 09:03:04 UTC 2024", // no such date
        "Tue Nov 0 09:03:04 UTC 2024",
        "Tue Nov 32 09:03:04 UTC 2024",
        "Tue Nov 5 09:03:04.000 UTC 2024",
        "Tue Nov +5 09:03:04 UTC 2024",
        "Tue Nov 5 09:03:04 UTC +024",
    ] {
        assert_eq!(parse_timestamp(bad), None, "{bad:?}");
    }
}
