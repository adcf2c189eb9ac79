//! The client side of Cognito's SRP-6a (spec §2), written independently of the server's
//! implementation with `num-bigint` (variable time: fine for a load generator).
//!
//! `A = g^a`, `u = H(padHex(A) || padHex(B))`,
//! `x = H(padHex(salt) || H(poolName || userId || ":" || password))`,
//! `S = (B − k·g^x)^(a + u·x) mod N`, `K = HKDF(salt = padHex(u), ikm = padHex(S),
//! info = "Caldera Derived Key")[..16]`, signature `= HMAC(K, poolName || userId ||
//! secretBlock || TIMESTAMP)`.

use std::sync::OnceLock;

use aws_lc_rs::{digest, hmac};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use num_bigint::BigUint;
use rand::RngCore as _;

const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

struct Group {
    n: BigUint,
    g: BigUint,
    k: BigUint,
}

fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        let n = BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N");
        let g = BigUint::from(2u8);
        let k = BigUint::from_bytes_be(&sha256(&[&pad(&n), &pad(&g)]));
        Group { n, g, k }
    })
}

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// `padHex(n)` as bytes: Java `BigInteger.toByteArray()` of a non-negative integer.
fn pad(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes.first().is_none_or(|b| b & 0x80 != 0) {
        bytes.insert(0, 0);
    }
    bytes
}

/// The pool name: what follows the `_` of the pool id.
pub fn pool_name(pool_id: &str) -> &str {
    pool_id.split('_').nth(1).unwrap_or("")
}

/// One client-side SRP exchange: the secret `a` and the public `A`.
pub struct ClientSession {
    a: BigUint,
    big_a: BigUint,
}

/// The values a client sends in round 2.
pub struct Proof {
    /// `PASSWORD_CLAIM_SIGNATURE`.
    pub signature: String,
    /// `TIMESTAMP`.
    pub timestamp: String,
}

/// Errors of the client computation (a malformed challenge).
#[derive(Debug)]
pub struct BadChallenge(pub &'static str);

impl std::fmt::Display for BadChallenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad SRP challenge: {}", self.0)
    }
}

impl std::error::Error for BadChallenge {}

impl ClientSession {
    /// A fresh session with a random 256-bit `a`.
    pub fn new() -> Self {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes[0] |= 0x80;
        Self::with_a(&bytes)
    }

    /// A session with a chosen `a` (tests).
    pub fn with_a(a_bytes: &[u8]) -> Self {
        let a = BigUint::from_bytes_be(a_bytes);
        let big_a = group().g.modpow(&a, &group().n);
        Self { a, big_a }
    }

    /// `SRP_A`: minimal lowercase hex of `A`.
    pub fn srp_a(&self) -> String {
        self.big_a.to_str_radix(16)
    }

    /// `x` for a user's password and the `SALT` sent by the server.
    pub fn x(
        pool_id: &str,
        user_id: &str,
        password: &str,
        salt_hex: &str,
    ) -> Result<BigUint, BadChallenge> {
        let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).ok_or(BadChallenge("SALT"))?;
        let inner = sha256(&[
            pool_name(pool_id).as_bytes(),
            user_id.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        Ok(BigUint::from_bytes_be(&sha256(&[&pad(&salt), &inner])))
    }

    /// The round-2 proof for the challenge (`SRP_B`, `SECRET_BLOCK`) at `timestamp`.
    pub fn prove(
        &self,
        pool_id: &str,
        user_id: &str,
        key: &PasswordKey,
        srp_b_hex: &str,
        secret_block_b64: &str,
        timestamp: &str,
    ) -> Result<Proof, BadChallenge> {
        let Group { n, k, .. } = group();
        let big_b = BigUint::parse_bytes(srp_b_hex.as_bytes(), 16).ok_or(BadChallenge("SRP_B"))?;
        if (&big_b % n) == BigUint::ZERO {
            return Err(BadChallenge("SRP_B is 0 mod N"));
        }
        let u = BigUint::from_bytes_be(&sha256(&[&pad(&self.big_a), &pad(&big_b)]));
        if u == BigUint::ZERO {
            return Err(BadChallenge("u = 0"));
        }
        let (x, v) = (&key.x, &key.v);
        let kv = (k * v) % n;
        let base = ((&big_b % n) + n - kv) % n;
        let exponent = &self.a + &u * x;
        let s = base.modpow(&exponent, n);
        let prk = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &pad(&u)), &pad(&s));
        let okm = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref()),
            b"Caldera Derived Key\x01",
        );
        let secret_block = BASE64
            .decode(secret_block_b64)
            .map_err(|_| BadChallenge("SECRET_BLOCK is not base64"))?;
        let key = hmac::Key::new(hmac::HMAC_SHA256, &okm.as_ref()[..16]);
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(pool_name(pool_id).as_bytes());
        ctx.update(user_id.as_bytes());
        ctx.update(&secret_block);
        ctx.update(timestamp.as_bytes());
        Ok(Proof {
            signature: BASE64.encode(ctx.sign()),
            timestamp: timestamp.to_owned(),
        })
    }
}

/// What a client derives from the password and salt: `x` and `v = g^x mod N` (callers may
/// keep it per user and salt, like a client that remembers it).
pub struct PasswordKey {
    x: BigUint,
    v: BigUint,
}

impl PasswordKey {
    /// Derives `x` and `v` for a user's password and the `SALT` sent by the server.
    pub fn new(
        pool_id: &str,
        user_id: &str,
        password: &str,
        salt_hex: &str,
    ) -> Result<Self, BadChallenge> {
        let x = ClientSession::x(pool_id, user_id, password, salt_hex)?;
        let v = group().g.modpow(&x, &group().n);
        Ok(Self { x, v })
    }
}

impl Default for ClientSession {
    fn default() -> Self {
        Self::new()
    }
}

/// Formats unix seconds as the SRP `TIMESTAMP`: `EEE MMM d HH:mm:ss UTC yyyy` (English,
/// UTC, day of month without leading zero).
pub fn timestamp(unix_seconds: i64) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = time::OffsetDateTime::from_unix_timestamp(unix_seconds)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{} {} {} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[t.weekday().number_days_from_monday() as usize],
        MONTHS[t.month() as usize - 1],
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_is_the_cognito_multiplier() {
        assert!(group().k.to_str_radix(16).starts_with("538282c4354742d7cb"));
    }

    #[test]
    fn timestamps_drop_the_leading_zero_of_the_day() {
        // 2024-11-05 09:03:04 UTC was a Tuesday.
        assert_eq!(timestamp(1_730_797_384), "Tue Nov 5 09:03:04 UTC 2024");
    }

    /// The spec's deterministic vectors: the client computation reproduces the signature
    /// pycognito produced.
    #[test]
    fn reproduces_the_spec_vectors() {
        let Ok(text) = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/spec/srp-vectors.json"
        )) else {
            eprintln!("srp-vectors.json not available: skipped");
            return;
        };
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut checked = 0;
        for case in doc["vectors"].as_array().unwrap() {
            let s = |name: &str| case[name].as_str().unwrap().to_owned();
            let a = s("a");
            let a = if a.len() % 2 == 1 { format!("0{a}") } else { a };
            let session = ClientSession::with_a(&hex::decode(a).unwrap());
            assert_eq!(session.srp_a(), s("A"));
            let (pool, user) = (s("pool_id"), s("user_id_for_srp"));
            let key = PasswordKey::new(&pool, &user, &s("password"), &s("salt")).unwrap();
            assert_eq!(key.x.to_str_radix(16), s("x"));
            assert_eq!(key.v.to_str_radix(16), s("v"));
            let proof = session
                .prove(
                    &pool,
                    &user,
                    &key,
                    &s("B"),
                    &s("secret_block"),
                    &s("timestamp"),
                )
                .unwrap();
            assert_eq!(proof.signature, s("password_claim_signature"));
            checked += 1;
        }
        assert!(checked > 0);
        eprintln!("checked {checked} vectors");
    }
}
