//! The client side of SRP-6a as AWS SDKs compute it, with `num-bigint`, independent of
//! the domain's implementation (only the TIMESTAMP formatter is shared).
//!
//! `A = g^a`, `u = H(pad(A) ‖ pad(B))`, `x = H(pad(salt) ‖ H(poolName ‖ userId ‖ ":" ‖
//! password))`, `S = (B − k·g^x)^(a + u·x) mod N`, `K = HKDF-SHA256(salt = pad(u),
//! ikm = pad(S), info = "Caldera Derived Key")[..16]`, and the claim signature
//! `HMAC-SHA256(K, poolName ‖ userId ‖ secretBlock ‖ TIMESTAMP)`.

use std::sync::OnceLock;

use aws_lc_rs::{digest, hmac};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use num_bigint::BigUint;
use userpools_domain::clock::{Clock, SystemClock};

/// The RFC 5054 3072-bit group prime.
const PRIME_HEX: &str = "\
FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B\
E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510\
15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7\
ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C\
BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

/// N, g and the multiplier k = H(pad(N) ‖ pad(g)).
struct Group {
    prime: BigUint,
    generator: BigUint,
    multiplier: BigUint,
}

fn group() -> &'static Group {
    static GROUP: OnceLock<Group> = OnceLock::new();
    GROUP.get_or_init(|| {
        let prime = BigUint::parse_bytes(PRIME_HEX.as_bytes(), 16).expect("prime");
        let generator = BigUint::from(2u8);
        let multiplier = hash_int(&[&java_bytes(&prime), &java_bytes(&generator)]);
        Group {
            prime,
            generator,
            multiplier,
        }
    })
}

/// The group prime N as hex (tests send it as an invalid SRP_A).
pub fn prime_hex() -> &'static str {
    PRIME_HEX
}

/// Big-endian bytes of a non-negative integer with a leading zero byte when the high bit
/// is set (Java's `BigInteger.toByteArray`, the SDKs' `padHex`).
fn java_bytes(n: &BigUint) -> Vec<u8> {
    let mut bytes = n.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        bytes.insert(0, 0);
    }
    bytes
}

fn sha256(parts: &[&[u8]]) -> Vec<u8> {
    let mut context = digest::Context::new(&digest::SHA256);
    for part in parts {
        context.update(part);
    }
    context.finish().as_ref().to_vec()
}

fn hash_int(parts: &[&[u8]]) -> BigUint {
    BigUint::from_bytes_be(&sha256(parts))
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut context = hmac::Context::with_key(&key);
    for part in parts {
        context.update(part);
    }
    context.sign().as_ref().to_vec()
}

/// What follows the `_` of a pool id.
fn pool_name(pool_id: &str) -> &str {
    pool_id.split_once('_').map_or("", |(_, name)| name)
}

/// The current real time as an SRP TIMESTAMP (the service checks it against real time).
pub fn timestamp_now() -> String {
    userpools_domain::srp::format_timestamp(SystemClock.now())
}

/// One client exchange: the secret `a` and public `A`.
pub struct SrpClient {
    secret: BigUint,
    public: BigUint,
}

impl SrpClient {
    /// A fresh exchange with a random 256-bit `a`.
    pub fn new() -> Self {
        let mut bytes = [0u8; 32];
        userpools_domain::random::fill(&mut bytes);
        bytes[0] |= 0x80;
        let secret = BigUint::from_bytes_be(&bytes);
        let group = group();
        let public = group.generator.modpow(&secret, &group.prime);
        Self { secret, public }
    }

    /// SRP_A: lowercase hex of `A`.
    pub fn srp_a(&self) -> String {
        self.public.to_str_radix(16)
    }

    /// PASSWORD_CLAIM_SIGNATURE for the challenge values as the service sent them.
    #[allow(clippy::too_many_arguments)]
    pub fn signature(
        &self,
        pool_id: &str,
        user_id: &str,
        password: &str,
        salt_hex: &str,
        srp_b_hex: &str,
        secret_block_b64: &str,
        timestamp: &str,
    ) -> String {
        let group = group();
        let salt = BigUint::parse_bytes(salt_hex.as_bytes(), 16).expect("SALT is hex");
        let server_public = BigUint::parse_bytes(srp_b_hex.as_bytes(), 16).expect("SRP_B is hex");
        let u = hash_int(&[&java_bytes(&self.public), &java_bytes(&server_public)]);
        let identity = sha256(&[
            pool_name(pool_id).as_bytes(),
            user_id.as_bytes(),
            b":",
            password.as_bytes(),
        ]);
        let x = hash_int(&[&java_bytes(&salt), &identity]);
        let n = &group.prime;
        let kgx = (&group.multiplier * group.generator.modpow(&x, n)) % n;
        let base = (&server_public % n + n - kgx) % n;
        let premaster = base.modpow(&(&self.secret + &u * &x), n);
        let pseudo_random_key = hmac_sha256(&java_bytes(&u), &[&java_bytes(&premaster)]);
        let key = hmac_sha256(&pseudo_random_key, &[b"Caldera Derived Key", &[1]]);
        let block = B64
            .decode(secret_block_b64)
            .expect("SECRET_BLOCK is base64");
        let signature = hmac_sha256(
            &key[..16],
            &[
                pool_name(pool_id).as_bytes(),
                user_id.as_bytes(),
                &block,
                timestamp.as_bytes(),
            ],
        );
        B64.encode(signature)
    }
}
