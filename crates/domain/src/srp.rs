//! Server side of Cognito's SRP-6a (`USER_SRP_AUTH` → `PASSWORD_VERIFIER`), spec §2.
//!
//! Group: the 3072-bit MODP prime of RFC 3526/5054, `g = 2`, `H = SHA-256`,
//! `k = H(padHex(N) || padHex(g))`.
//!
//! * Password set: [`Salt::random`] + [`compute_verifier`] → store salt and [`Verifier`].
//! * Round 1: [`start`] with the client's `SRP_A` → send [`Salt::to_min_hex`],
//!   [`ServerChallenge::srp_b_hex`], and a SECRET_BLOCK sealing
//!   [`ServerChallenge::to_state_bytes`] (the caller encrypts/authenticates it: it contains
//!   the secret exponent `b` and the verifier).
//! * Round 2: [`ServerChallenge::from_state_bytes`] + [`verify_signature`]; check the
//!   TIMESTAMP's freshness separately with [`parse_timestamp`].
//!
//! Constant time: all modular arithmetic uses `crypto-bigint`'s constant-time Montgomery
//! arithmetic; secret exponents (`x`, `b`) never drive branches or memory indices.  `g^x` and
//! `g^b` use a precomputed fixed-base table (window 6, ~1 MB, built once on first use or by
//! [`warm_up`]) with constant-time scans of whole table rows.  Leading-zero stripping of
//! `padHex(S)` (required by the protocol) leaks only whether `S` has leading zero bytes, as on
//! the client.
//!
//! Release-build timings on the development machine (`cargo test --release -p
//! userpools-domain bench_exponentiation -- --ignored --nocapture`): generic windowed
//! `pow` for `g^x` ≈ 1.46 ms, fixed-base table ≈ 0.27 ms (5.5×); [`compute_verifier`] and
//! [`verify_password`] ≈ 0.27 ms; [`start`] ≈ 0.28 ms; [`verify_signature`] ≈ 3.0 ms (two
//! 256-bit variable-base exponentiations: `v^u` and `(A·v^u)^b`).

mod group;
#[cfg(target_pointer_width = "64")]
mod mont;
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod mont_asm;
mod timestamp;

#[cfg(test)]
mod tests;

use std::fmt;

use aws_lc_rs::hmac;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use crypto_bigint::{U256, U3072};
use rand::RngCore as _;
use subtle::{ConstantTimeEq, ConstantTimeLess};

pub use group::{pad_bytes, pad_hex};
use group::{Fe, ELEMENT_LEN};
pub use timestamp::{format_timestamp, parse_timestamp};

/// Errors from SRP parameter parsing and round 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SrpError {
    /// `SRP_A` is not hexadecimal or does not fit in 3072 bits.
    #[error("SRP_A is not a valid hexadecimal group element")]
    InvalidSrpA,
    /// `SRP_A ≡ 0 (mod N)`: forbidden by SRP-6a.
    #[error("SRP_A is congruent to 0 modulo N")]
    IllegalSrpA,
    /// A verifier that is not in `[1, N)`.
    #[error("invalid SRP verifier")]
    InvalidVerifier,
    /// A salt that is not hexadecimal.
    #[error("invalid SRP salt")]
    InvalidSalt,
    /// A secret exponent `b` that is zero or longer than 3072 bits.
    #[error("invalid SRP secret exponent")]
    InvalidSecretExponent,
    /// `B ≡ 0 (mod N)` (only possible with a chosen `b`).
    #[error("degenerate SRP_B")]
    DegenerateB,
    /// Round-1 state bytes that are malformed.
    #[error("invalid SRP state")]
    InvalidState,
}

/// The pool name used in SRP: the part of the user-pool id after the first `_`, up to a
/// further `_` if any (clients compute `UserPoolId.split('_')[1]`; valid pool ids contain a
/// single `_`). Empty if there is no `_`.
pub fn pool_name(user_pool_id: &str) -> &str {
    user_pool_id.split('_').nth(1).unwrap_or("")
}

/// Builds the process-wide table of powers of `g` now (~15 ms in release, 1 MB) instead of
/// on the first password set/check or round 1; optional, e.g. at server start.
pub fn warm_up() {
    group::g_table();
}

/// The SRP-6a multiplier `k = H(padHex(N) || padHex(g))`, big-endian (starts `0x538282c4…`).
pub fn k() -> [u8; 32] {
    group::k_bytes()
}

// ---------------------------------------------------------------------------------------
// Salt
// ---------------------------------------------------------------------------------------

/// A user's SRP salt, held as the minimal big-endian bytes of the salt integer.
///
/// Cognito sends `SALT` as the minimal hex of the integer and both clients compute `x` from
/// `padHex(salt)`; keeping the integer (not a fixed-width byte string) makes odd-length,
/// MSB-set and leading-zero salts behave like they do on the clients.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Salt(Vec<u8>);

impl Salt {
    /// Number of random bytes in a fresh salt.
    pub const RANDOM_LEN: usize = 16;

    /// A fresh salt: 16 random bytes read as an integer (so its minimal hex has 1–32 digits).
    pub fn random() -> Self {
        loop {
            let mut buf = [0u8; Self::RANDOM_LEN];
            rand::rngs::OsRng.fill_bytes(&mut buf);
            let salt = Self::from_bytes(&buf);
            if !salt.0.is_empty() {
                return salt;
            }
        }
    }

    /// The salt whose integer value is the big-endian `bytes` (leading zeros are dropped).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(group::strip_leading_zeros(bytes).to_vec())
    }

    /// Parses hex of the salt integer (either case, odd length and leading zeros allowed).
    pub fn from_hex(s: &str) -> Result<Self, SrpError> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(SrpError::InvalidSalt);
        }
        let even = if s.len() % 2 == 1 {
            format!("0{s}")
        } else {
            s.to_owned()
        };
        let bytes = hex::decode(even).map_err(|_| SrpError::InvalidSalt)?;
        Ok(Self::from_bytes(&bytes))
    }

    /// Minimal big-endian bytes of the salt integer (empty for zero).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Minimal lowercase hex of the salt integer, as Cognito sends `SALT`.
    pub fn to_min_hex(&self) -> String {
        group::min_hex(&self.0)
    }
}

// ---------------------------------------------------------------------------------------
// Verifier
// ---------------------------------------------------------------------------------------

/// A password verifier `v = g^x mod N` (secret-equivalent: treat like a password hash).
#[derive(Clone)]
pub struct Verifier(U3072);

impl Verifier {
    /// Length of [`Verifier::to_bytes`].
    pub const LEN: usize = ELEMENT_LEN;

    /// Big-endian, fixed 384 bytes.
    pub fn to_bytes(&self) -> [u8; ELEMENT_LEN] {
        group::to_be_bytes(&self.0)
    }

    /// Parses a big-endian verifier (any length; leading zeros allowed, so a `padHex` form
    /// also works); the value must be in `[1, N)`.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SrpError> {
        let v = group::from_be_bytes(bytes).ok_or(SrpError::InvalidVerifier)?;
        let valid = v.ct_lt(&group::N) & !v.ct_eq(&U3072::ZERO);
        if !bool::from(valid) {
            return Err(SrpError::InvalidVerifier);
        }
        Ok(Self(v))
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Verifier(<redacted>)")
    }
}

impl ConstantTimeEq for Verifier {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

/// Constant-time equality.
impl PartialEq for Verifier {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Verifier {}

impl Drop for Verifier {
    fn drop(&mut self) {
        group::wipe(&mut self.0);
    }
}

/// `x = H(padHex(salt) || H(poolName || userId || ":" || password))`.
fn compute_x(user_pool_id: &str, user_id_for_srp: &str, password: &str, salt: &Salt) -> U256 {
    let inner = group::sha256(&[
        pool_name(user_pool_id).as_bytes(),
        user_id_for_srp.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    let x = group::sha256(&[&pad_bytes(salt.as_bytes()), &inner]);
    U256::from_be_slice(&x)
}

/// Computes the verifier `v = g^x mod N` for a password (constant time in `x`).
pub fn compute_verifier(
    user_pool_id: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &Salt,
) -> Verifier {
    let mut x = compute_x(user_pool_id, user_id_for_srp, password, salt);
    let v = group::g_pow_256(&x).retrieve();
    group::wipe(&mut x);
    Verifier(v)
}

/// Whether `password` matches `verifier` (recomputes `v`, constant-time comparison).
pub fn verify_password(
    user_pool_id: &str,
    user_id_for_srp: &str,
    password: &str,
    salt: &Salt,
    verifier: &Verifier,
) -> bool {
    compute_verifier(user_pool_id, user_id_for_srp, password, salt)
        .ct_eq(verifier)
        .into()
}

// ---------------------------------------------------------------------------------------
// Rounds 1 and 2
// ---------------------------------------------------------------------------------------

/// Length in bytes of the random secret exponent `b` chosen by [`start`] (256 bits: full
/// 128-bit security in the 3072-bit group, and lets `g^b` use the fixed-base table).
pub const SECRET_EXPONENT_LEN: usize = 32;

const STATE_VERSION: u8 = 1;

/// Server state of one SRP exchange between round 1 and round 2: `A`, the secret `b`, `B`
/// and the verifier `v`. `Debug` is redacted; secrets are wiped on drop.
pub struct ServerChallenge {
    a: U3072,
    b: U3072,
    /// Byte length of `b` as chosen (public): fixes the exponent length used in round 2.
    b_len: usize,
    big_b: U3072,
    v: U3072,
}

impl fmt::Debug for ServerChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerChallenge(<redacted>)")
    }
}

impl Drop for ServerChallenge {
    fn drop(&mut self) {
        group::wipe(&mut self.b);
        group::wipe(&mut self.v);
    }
}

impl ServerChallenge {
    /// `SRP_B` for the challenge parameters: minimal lowercase hex of `B`.
    pub fn srp_b_hex(&self) -> String {
        group::min_hex(&group::to_be_bytes(&self.big_b))
    }

    /// Serialises what round 2 needs (`b`, `A`, `B`, `v`). Contains secrets: the caller must
    /// encrypt and authenticate these bytes (e.g. AEAD-seal them into SECRET_BLOCK).
    ///
    /// Layout: `0x01 || len(b) as u16 BE || b || A (384) || B (384) || v (384)`.
    pub fn to_state_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + self.b_len + 3 * ELEMENT_LEN);
        out.push(STATE_VERSION);
        out.extend_from_slice(&(self.b_len as u16).to_be_bytes());
        out.extend_from_slice(&group::to_be_bytes(&self.b)[ELEMENT_LEN - self.b_len..]);
        out.extend_from_slice(&group::to_be_bytes(&self.a));
        out.extend_from_slice(&group::to_be_bytes(&self.big_b));
        out.extend_from_slice(&group::to_be_bytes(&self.v));
        out
    }

    /// Parses [`ServerChallenge::to_state_bytes`] output, re-validating every value.
    pub fn from_state_bytes(bytes: &[u8]) -> Result<Self, SrpError> {
        let bad = SrpError::InvalidState;
        let (&version, rest) = bytes.split_first().ok_or(bad)?;
        if version != STATE_VERSION || rest.len() < 2 {
            return Err(bad);
        }
        let b_len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        let rest = &rest[2..];
        if !(SECRET_EXPONENT_LEN..=ELEMENT_LEN).contains(&b_len)
            || rest.len() != b_len + 3 * ELEMENT_LEN
        {
            return Err(bad);
        }
        let (b, rest) = rest.split_at(b_len);
        let (a, rest) = rest.split_at(ELEMENT_LEN);
        let (big_b, v) = rest.split_at(ELEMENT_LEN);
        let b = secret_from_be(b);
        let a = group::from_be_bytes(a).ok_or(bad)?;
        let big_b = group::from_be_bytes(big_b).ok_or(bad)?;
        let v = Verifier::from_bytes(v).map_err(|_| bad)?;
        let in_group = |n: &U3072| *n != U3072::ZERO && *n < group::N;
        if b == U3072::ZERO || !in_group(&a) || !in_group(&big_b) {
            return Err(bad);
        }
        Ok(Self {
            a,
            b,
            b_len,
            big_b,
            v: v.0,
        })
    }

    /// `g^b` in Montgomery form (fixed-base table for 256-bit `b`).
    fn g_pow_b(&self) -> Fe {
        if self.b_len == SECRET_EXPONENT_LEN {
            group::g_pow_256(&self.b.resize())
        } else {
            group::pow(&group::g_fe(), &self.b, 8 * self.b_len as u32)
        }
    }
}

/// A secret big-endian integer of at most 384 bytes, without data-dependent stripping.
fn secret_from_be(bytes: &[u8]) -> U3072 {
    let mut buf = [0u8; ELEMENT_LEN];
    buf[ELEMENT_LEN - bytes.len()..].copy_from_slice(bytes);
    let n = U3072::from_be_slice(&buf);
    buf.fill(0);
    std::hint::black_box(&buf);
    n
}

/// Parses `SRP_A` (hex, either case, unpadded or padded) and reduces it mod `N`.
fn parse_srp_a(srp_a_hex: &str) -> Result<U3072, SrpError> {
    let a = group::from_hex(srp_a_hex).ok_or(SrpError::InvalidSrpA)?;
    let a = a.rem_vartime(&group::n_nonzero()); // A is public
    if a == U3072::ZERO {
        return Err(SrpError::IllegalSrpA);
    }
    Ok(a)
}

/// Round 1: validates the client's `SRP_A` and computes `B = (k·v + g^b) mod N` with a fresh
/// random 256-bit secret `b`.
///
/// `SRP_A` values ≥ `N` (but < 2^3072) are reduced mod `N`; `A ≡ 0` is rejected.
pub fn start(verifier: &Verifier, srp_a_hex: &str) -> Result<ServerChallenge, SrpError> {
    loop {
        let mut b = [0u8; SECRET_EXPONENT_LEN];
        rand::rngs::OsRng.fill_bytes(&mut b);
        match start_with_b(verifier, srp_a_hex, &b) {
            // b = 0 or B ≡ 0: probability ~2^-256, draw again.
            Err(SrpError::InvalidSecretExponent | SrpError::DegenerateB) => continue,
            other => return other,
        }
    }
}

/// Round 1 with a chosen secret exponent `b` (big-endian, non-zero, at most 384 bytes), for
/// deterministic tests; production code uses [`start`].
///
/// The byte length of `b` (at least 32) fixes the exponent length used in round 2.
pub fn start_with_b(
    verifier: &Verifier,
    srp_a_hex: &str,
    b: &[u8],
) -> Result<ServerChallenge, SrpError> {
    let a = parse_srp_a(srp_a_hex)?;
    if b.len() > ELEMENT_LEN {
        return Err(SrpError::InvalidSecretExponent);
    }
    let b_len = b.len().max(SECRET_EXPONENT_LEN);
    let b_int = secret_from_be(b);
    let is_zero: bool = b_int.ct_eq(&U3072::ZERO).into();
    let mut state = ServerChallenge {
        a,
        b: b_int,
        b_len,
        big_b: U3072::ZERO,
        v: verifier.0,
    };
    if is_zero {
        return Err(SrpError::InvalidSecretExponent);
    }
    let big_b = group::mul(&group::k_fe(), &Fe::new(&verifier.0))
        .add(&state.g_pow_b())
        .retrieve();
    if big_b == U3072::ZERO {
        return Err(SrpError::DegenerateB);
    }
    state.big_b = big_b;
    Ok(state)
}

/// `u = H(padHex(A) || padHex(B))`.
fn compute_u(a: &U3072, big_b: &U3072) -> U256 {
    let h = group::sha256(&[
        &pad_bytes(&group::to_be_bytes(a)),
        &pad_bytes(&group::to_be_bytes(big_b)),
    ]);
    U256::from_be_slice(&h)
}

/// Server premaster secret `S = (A · v^u)^b mod N`; `None` if `u == 0`.
fn premaster_secret(state: &ServerChallenge) -> Option<(U256, U3072)> {
    let u = compute_u(&state.a, &state.big_b);
    if u == U256::ZERO {
        return None;
    }
    // u is public; v and b are secret: the windowed pow is constant time in the base and
    // in the exponent's value (its bit length 256 / 8·len(b) is public).
    let base = group::mul(&Fe::new(&state.a), &group::pow(&Fe::new(&state.v), &u, 256));
    let s = group::pow(&base, &state.b, 8 * state.b_len as u32).retrieve();
    Some((u, s))
}

/// HKDF-SHA256 (single block): salt `padHex(u)`, IKM `padHex(S)`, info
/// `"Caldera Derived Key"`, 16 bytes.
fn derive_key(u: &U256, s: &U3072) -> [u8; 16] {
    let prk_key = hmac::Key::new(hmac::HMAC_SHA256, &pad_bytes(&u.to_be_bytes()));
    let prk = hmac::sign(&prk_key, &pad_bytes(&group::to_be_bytes(s)));
    let okm_key = hmac::Key::new(hmac::HMAC_SHA256, prk.as_ref());
    let mut ctx = hmac::Context::with_key(&okm_key);
    ctx.update(b"Caldera Derived Key");
    ctx.update(&[1]);
    let okm = ctx.sign();
    let mut k = [0u8; 16];
    k.copy_from_slice(&okm.as_ref()[..16]);
    k
}

/// `HMAC-SHA256(K, poolName || userId || secretBlock || timestamp)`.
fn claim_signature(
    key: &[u8; 16],
    user_pool_id: &str,
    user_id_for_srp: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(pool_name(user_pool_id).as_bytes());
    ctx.update(user_id_for_srp.as_bytes());
    ctx.update(secret_block);
    ctx.update(timestamp.as_bytes());
    ctx.sign()
}

/// Round 2: whether `signature_b64` (`PASSWORD_CLAIM_SIGNATURE`) proves knowledge of the
/// password for this exchange.
///
/// `secret_block` is the raw (base64-decoded) SECRET_BLOCK the client echoed and
/// `timestamp` the client's TIMESTAMP string, both exactly as received; the timestamp's
/// format and freshness are not checked here (use [`parse_timestamp`]). The signature is
/// compared in constant time.
pub fn verify_signature(
    state: &ServerChallenge,
    user_pool_id: &str,
    user_id_for_srp: &str,
    secret_block: &[u8],
    timestamp: &str,
    signature_b64: &str,
) -> bool {
    let Ok(provided) = BASE64.decode(signature_b64) else {
        return false;
    };
    if provided.len() != 32 {
        return false;
    }
    let Some((u, mut s)) = premaster_secret(state) else {
        return false;
    };
    let key = derive_key(&u, &s);
    group::wipe(&mut s);
    let expected = claim_signature(&key, user_pool_id, user_id_for_srp, secret_block, timestamp);
    expected.as_ref().ct_eq(provided.as_slice()).into()
}

// ---------------------------------------------------------------------------------------
// SECRET_HASH, simulated users
// ---------------------------------------------------------------------------------------

fn secret_hash_bytes(client_secret: &str, username: &str, client_id: &str) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, client_secret.as_bytes());
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(username.as_bytes());
    ctx.update(client_id.as_bytes());
    ctx.sign()
}

/// `SECRET_HASH = base64(HMAC-SHA256(key = clientSecret, msg = username || clientId))`.
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    BASE64.encode(secret_hash_bytes(client_secret, username, client_id))
}

/// Whether `provided` is the correct SECRET_HASH (canonical padded base64; constant-time
/// comparison of the decoded bytes).
pub fn verify_secret_hash(
    client_secret: &str,
    username: &str,
    client_id: &str,
    provided: &str,
) -> bool {
    let Ok(provided) = BASE64.decode(provided) else {
        return false;
    };
    let expected = secret_hash_bytes(client_secret, username, client_id);
    expected.as_ref().ct_eq(provided.as_slice()).into()
}

/// Domain-separated `HMAC-SHA256(key, label || 0 || len(pool) || pool || len(user) || user)`.
fn labeled_hmac(key: &[u8], label: &[u8], user_pool_id: &str, username: &str) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(label);
    ctx.update(&[0]);
    for part in [user_pool_id, username] {
        ctx.update(&(part.len() as u64).to_be_bytes());
        ctx.update(part.as_bytes());
    }
    ctx.sign()
}

/// A simulated salt and `USER_ID_FOR_SRP` for an unknown user (PreventUserExistenceErrors):
/// derived by HMAC from the server secret `key`, stable for the same pool and `username`
/// (pass the normalised username), and formatted like real ones (16-byte salt integer;
/// lowercase UUID v4).
pub fn fake_salt_and_user_id(key: &[u8], user_pool_id: &str, username: &str) -> (Salt, String) {
    let salt = labeled_hmac(key, b"userpools srp fake salt", user_pool_id, username);
    let id = labeled_hmac(key, b"userpools srp fake user id", user_pool_id, username);
    let mut id_bytes = [0u8; 16];
    id_bytes.copy_from_slice(&id.as_ref()[..16]);
    let uuid = uuid::Builder::from_random_bytes(id_bytes).into_uuid();
    (
        Salt::from_bytes(&salt.as_ref()[..Salt::RANDOM_LEN]),
        uuid.hyphenated().to_string(),
    )
}

/// The verifier of every simulated user (an unknown name, or a user without a password):
/// one per process, computed once. Nothing observable depends on it: `SRP_B = k·v + g^b`
/// with a fresh secret `b` looks alike for any `v`, and a simulated round 2 always fails.
/// Cloning it costs less than opening a stored credential, so an unknown name's round 1
/// is no slower than a real user's.
pub fn simulated_verifier() -> Verifier {
    static VERIFIER: std::sync::OnceLock<Verifier> = std::sync::OnceLock::new();
    VERIFIER
        .get_or_init(|| {
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let verifier = compute_verifier(
                "us-east-1_simulated",
                "simulated",
                &hex::encode(seed),
                &Salt::from_bytes(&seed),
            );
            seed.fill(0);
            verifier
        })
        .clone()
}
