//! ID, access and refresh tokens (spec §3).
//!
//! * Each pool has two RSA-2048 signing keys ([`PoolSigningKeys`]): one for ID tokens,
//!   one for access tokens, each with its own `kid`; both are published by
//!   [`PoolSigningKeys::jwks`] and stored sealed under the master key.
//! * [`sign_jwt`] / [`verify_jwt`]: JWS compact, RS256 (RSA PKCS#1 v1.5 + SHA-256).
//!   [`verify_jwt`] checks structure, algorithm, `kid` and signature only; the caller
//!   checks `exp`, `token_use` and `iss` against its clock and pool.
//! * [`id_token_claims`] / [`access_token_claims`] build the claim sets of §3.2.
//! * Refresh tokens are opaque: [`seal_refresh_token`] encrypts [`RefreshClaims`] with
//!   AES-256-GCM under a key derived from the master key, in a JWE-shaped compact string
//!   (`alg: dir`, five dot-separated parts); revocation is the caller's job (`origin_jti`).

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{DomainError, DomainResult};
use crate::seal::MasterKey;

/// The `scope` of access tokens issued by API sign-in (`InitiateAuth` & co.).
pub const ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Longest JWT or refresh token we even try to parse (bytes).
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Which of a pool's two keys a token is signed with; also its `token_use` claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// ID token (`token_use: "id"`).
    Id,
    /// Access token (`token_use: "access"`).
    Access,
}

impl TokenUse {
    /// The `token_use` claim value: `"id"` or `"access"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
        }
    }
}

/// One RSA key pair with its `kid` and the public parts the JWKS publishes.
struct SigningKey {
    kid: String,
    pair: RsaKeyPair,
    verifier: ParsedPublicKey,
    /// Modulus, big-endian, no leading zero.
    n: Vec<u8>,
    /// Public exponent, big-endian, no leading zero.
    e: Vec<u8>,
}

impl SigningKey {
    fn generate() -> DomainResult<Self> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| DomainError::Internal("RSA key generation failed".into()))?;
        let kid = {
            let digest =
                aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, pair.public_key().as_ref());
            B64.encode(digest.as_ref())
        };
        Self::from_pair(kid, pair)
    }

    fn from_pkcs8(kid: String, pkcs8: &[u8]) -> DomainResult<Self> {
        let pair = RsaKeyPair::from_pkcs8(pkcs8)
            .map_err(|_| DomainError::Internal("a stored signing key is not valid".into()))?;
        Self::from_pair(kid, pair)
    }

    fn from_pair(kid: String, pair: RsaKeyPair) -> DomainResult<Self> {
        let public = pair.public_key();
        let verifier = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public.as_ref())
            .map_err(|_| DomainError::Internal("RSA public key rejected".into()))?;
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        Ok(Self {
            kid,
            pair,
            verifier,
            n,
            e,
        })
    }

    /// PKCS#8 DER of the private key. Marshalling a key aws-lc already holds does not fail.
    fn pkcs8(&self) -> Vec<u8> {
        let der = self.pair.as_der().expect("PKCS#8 export of an RSA key");
        der.as_ref().to_vec()
    }

    fn jwk(&self) -> Value {
        json!({
            "alg": "RS256",
            "e": B64URL.encode(&self.e),
            "kid": self.kid,
            "kty": "RSA",
            "n": B64URL.encode(&self.n),
            "use": "sig",
        })
    }
}

/// A user pool's two RS256 signing keys: one for ID tokens, one for access tokens.
/// `Debug` shows only the `kid`s.
pub struct PoolSigningKeys {
    id: SigningKey,
    access: SigningKey,
}

impl std::fmt::Debug for PoolSigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolSigningKeys")
            .field("id_kid", &self.id.kid)
            .field("access_kid", &self.access.kid)
            .field("private_keys", &"*** redacted ***")
            .finish()
    }
}

/// What [`PoolSigningKeys::to_sealed`] seals (JSON).
#[derive(Serialize, Deserialize)]
struct StoredKeys {
    v: u32,
    id_kid: String,
    id_pkcs8: String,
    access_kid: String,
    access_pkcs8: String,
}

const STORED_KEYS_VERSION: u32 = 1;

fn keys_context(pool_id: &str) -> Vec<u8> {
    let mut context = b"signing-keys\0".to_vec();
    context.extend_from_slice(pool_id.as_bytes());
    context
}

impl PoolSigningKeys {
    /// Generates two fresh RSA-2048 key pairs; each `kid` is base64 (standard, padded,
    /// 44 characters) of the SHA-256 of the public key's PKCS#1 DER.
    pub fn generate() -> DomainResult<Self> {
        Ok(Self {
            id: SigningKey::generate()?,
            access: SigningKey::generate()?,
        })
    }

    /// The `kid` of the key that signs tokens of `use_`.
    pub fn kid(&self, use_: TokenUse) -> &str {
        &self.key(use_).kid
    }

    fn key(&self, use_: TokenUse) -> &SigningKey {
        match use_ {
            TokenUse::Id => &self.id,
            TokenUse::Access => &self.access,
        }
    }

    /// Seals both private keys (PKCS#8 DER) and their `kid`s under `master`, bound to
    /// `pool_id` (context `b"signing-keys\0" + pool_id`), for storage.
    pub fn to_sealed(&self, master: &MasterKey, pool_id: &str) -> String {
        let mut id_der = self.id.pkcs8();
        let mut access_der = self.access.pkcs8();
        let stored = StoredKeys {
            v: STORED_KEYS_VERSION,
            id_kid: self.id.kid.clone(),
            id_pkcs8: B64.encode(&id_der),
            access_kid: self.access.kid.clone(),
            access_pkcs8: B64.encode(&access_der),
        };
        id_der.fill(0);
        access_der.fill(0);
        let mut plain = serde_json::to_vec(&stored).expect("signing keys serialize");
        let sealed = master.seal(&keys_context(pool_id), &plain);
        plain.fill(0);
        sealed
    }

    /// Opens keys sealed by [`PoolSigningKeys::to_sealed`] with the same master key and
    /// pool id; any other key, pool id or a tampered value is an `Internal` error.
    pub fn from_sealed(master: &MasterKey, pool_id: &str, sealed: &str) -> DomainResult<Self> {
        let mut plain = master.open(&keys_context(pool_id), sealed)?;
        let parsed = serde_json::from_slice::<StoredKeys>(&plain);
        plain.fill(0);
        let stored = parsed
            .map_err(|_| DomainError::Internal("stored signing keys are malformed".into()))?;
        if stored.v != STORED_KEYS_VERSION {
            return Err(DomainError::Internal(format!(
                "unknown signing keys version {}",
                stored.v
            )));
        }
        let decode = |b64: &str| {
            B64.decode(b64)
                .map_err(|_| DomainError::Internal("stored signing keys are malformed".into()))
        };
        let mut id_der = decode(&stored.id_pkcs8)?;
        let mut access_der = decode(&stored.access_pkcs8)?;
        let keys = SigningKey::from_pkcs8(stored.id_kid, &id_der).and_then(|id| {
            Ok(Self {
                id,
                access: SigningKey::from_pkcs8(stored.access_kid, &access_der)?,
            })
        });
        id_der.fill(0);
        access_der.fill(0);
        keys
    }

    /// The pool's JWKS document (`/.well-known/jwks.json`): the ID-token key first, then
    /// the access-token key.
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.id.jwk(), self.access.jwk()] })
    }
}

/// Signs `claims` (a JSON object) with the pool's key for `use_`: JWS compact
/// serialization, header `{"kid":…,"alg":"RS256"}`, RSA PKCS#1 v1.5 with SHA-256.
pub fn sign_jwt(keys: &PoolSigningKeys, use_: TokenUse, claims: &Value) -> DomainResult<String> {
    if !claims.is_object() {
        return Err(DomainError::Internal("JWT claims must be an object".into()));
    }
    let key = keys.key(use_);
    let kid = serde_json::to_string(&key.kid)
        .map_err(|e| DomainError::Internal(format!("JWT header: {e}")))?;
    let header = format!(r#"{{"kid":{kid},"alg":"RS256"}}"#);
    let payload = serde_json::to_vec(claims)
        .map_err(|e| DomainError::Internal(format!("JWT claims: {e}")))?;
    let mut token = B64URL.encode(header.as_bytes());
    token.push('.');
    token.push_str(&B64URL.encode(payload));
    let mut signature = vec![0u8; key.pair.public_modulus_len()];
    key.pair
        .sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            token.as_bytes(),
            &mut signature,
        )
        .map_err(|_| DomainError::Internal("RSA signing failed".into()))?;
    token.push('.');
    token.push_str(&B64URL.encode(signature));
    Ok(token)
}

/// Verifies a JWS compact token against the pool's key for `use_` and returns its claims.
///
/// Checks: three base64url (unpadded) parts, a JSON-object header with `alg: "RS256"`,
/// the `kid` of that key and no `crit`, a valid signature, and a JSON-object payload.
/// No time, `iss` or `token_use` checks: the caller does those. `None` on any failure;
/// never panics.
pub fn verify_jwt(keys: &PoolSigningKeys, use_: TokenUse, token: &str) -> Option<Value> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let key = keys.key(use_);
    let mut parts = token.split('.');
    let (header_b64, payload_b64, signature_b64) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Map<String, Value> =
        serde_json::from_slice(&B64URL.decode(header_b64).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "RS256"
        || header.get("kid")?.as_str()? != key.kid
        || header.contains_key("crit")
    {
        return None;
    }
    let signature = B64URL.decode(signature_b64).ok()?;
    let signed_len = header_b64.len() + 1 + payload_b64.len();
    key.verifier
        .verify_sig(&token.as_bytes()[..signed_len], &signature)
        .ok()?;
    let claims: Value = serde_json::from_slice(&B64URL.decode(payload_b64).ok()?).ok()?;
    claims.is_object().then_some(claims)
}

/// The `iss` of a pool's tokens: `<issuer base URL>/<poolId>` (a trailing `/` on the
/// base is ignored).
pub fn issuer_for(issuer_base: &str, pool_id: &str) -> String {
    format!("{}/{pool_id}", issuer_base.trim_end_matches('/'))
}

/// Everything the claim builders need about one authentication.
#[derive(Debug, Clone, Copy)]
pub struct TokenContext<'a> {
    /// Issuer base URL; `iss` is [`issuer_for`]`(issuer, pool_id)`.
    pub issuer: &'a str,
    /// User pool id.
    pub pool_id: &'a str,
    /// App client id (`aud` of ID tokens, `client_id` of access tokens).
    pub client_id: &'a str,
    /// Internal username (`cognito:username` / `username`).
    pub username: &'a str,
    /// The user's `sub`.
    pub sub: &'a str,
    /// User attributes as stored (string values), already filtered to those the app
    /// client may read. Only ID tokens carry them.
    pub attributes: &'a [(String, String)],
    /// Original sign-in time, epoch seconds (unchanged by refreshes).
    pub auth_time: i64,
    /// Issue time, epoch seconds.
    pub now: i64,
    /// ID token lifetime, seconds.
    pub id_validity_secs: u64,
    /// Access token lifetime, seconds.
    pub access_validity_secs: u64,
    /// UUID of the original authentication (revocation handle).
    pub origin_jti: &'a str,
    /// UUID of this authentication event.
    pub event_id: &'a str,
    /// Group names, in precedence order; `cognito:groups` is omitted when empty.
    pub groups: &'a [String],
    /// The groups' role ARNs (ID token `cognito:roles`, omitted when empty).
    pub roles: &'a [String],
    /// The preferred role (ID token `cognito:preferred_role`), if one wins.
    pub preferred_role: Option<&'a str>,
}

fn expiry(now: i64, validity_secs: u64) -> i64 {
    now.saturating_add(i64::try_from(validity_secs).unwrap_or(i64::MAX))
}

fn fresh_jti() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An attribute's value as an ID-token claim: `*_verified` as booleans, `identities` as
/// its JSON array, everything else (including `custom:*`) as the stored string.
fn attribute_claim(name: &str, value: &str) -> Value {
    match name {
        "email_verified" | "phone_number_verified" => {
            Value::Bool(value.trim().eq_ignore_ascii_case("true"))
        }
        "identities" => match serde_json::from_str::<Value>(value) {
            Ok(parsed @ Value::Array(_)) => parsed,
            _ => Value::String(value.to_owned()),
        },
        _ => Value::String(value.to_owned()),
    }
}

/// The claims of an ID token (spec §3.2): `sub`, the readable user attributes,
/// `cognito:groups`, `cognito:roles`, `cognito:preferred_role` (if any), `iss`,
/// `cognito:username`, `origin_jti`, `aud`, `event_id`,
/// `token_use: "id"`, `auth_time`, `exp`, `iat` and a fresh `jti`. Attributes never
/// override these claims.
pub fn id_token_claims(ctx: &TokenContext<'_>) -> Value {
    let mut claims = Map::new();
    for (name, value) in ctx.attributes {
        if name != "sub" {
            claims.insert(name.clone(), attribute_claim(name, value));
        }
    }
    claims.insert("sub".into(), ctx.sub.into());
    if !ctx.groups.is_empty() {
        claims.insert("cognito:groups".into(), json!(ctx.groups));
    }
    if !ctx.roles.is_empty() {
        claims.insert("cognito:roles".into(), json!(ctx.roles));
    }
    if let Some(role) = ctx.preferred_role {
        claims.insert("cognito:preferred_role".into(), role.into());
    }
    claims.insert("iss".into(), issuer_for(ctx.issuer, ctx.pool_id).into());
    claims.insert("cognito:username".into(), ctx.username.into());
    claims.insert("origin_jti".into(), ctx.origin_jti.into());
    claims.insert("aud".into(), ctx.client_id.into());
    claims.insert("event_id".into(), ctx.event_id.into());
    claims.insert("token_use".into(), TokenUse::Id.as_str().into());
    claims.insert("auth_time".into(), ctx.auth_time.into());
    claims.insert("exp".into(), expiry(ctx.now, ctx.id_validity_secs).into());
    claims.insert("iat".into(), ctx.now.into());
    claims.insert("jti".into(), fresh_jti().into());
    Value::Object(claims)
}

/// The claims of an access token (spec §3.2): `sub`, `cognito:groups` (if any), `iss`,
/// `client_id`, `origin_jti`, `event_id`, `token_use: "access"`,
/// `scope: "aws.cognito.signin.user.admin"`, `auth_time`, `exp`, `iat`, a fresh `jti` and
/// `username`. No `aud`.
pub fn access_token_claims(ctx: &TokenContext<'_>) -> Value {
    let mut claims = Map::new();
    claims.insert("sub".into(), ctx.sub.into());
    if !ctx.groups.is_empty() {
        claims.insert("cognito:groups".into(), json!(ctx.groups));
    }
    claims.insert("iss".into(), issuer_for(ctx.issuer, ctx.pool_id).into());
    claims.insert("client_id".into(), ctx.client_id.into());
    claims.insert("origin_jti".into(), ctx.origin_jti.into());
    claims.insert("event_id".into(), ctx.event_id.into());
    claims.insert("token_use".into(), TokenUse::Access.as_str().into());
    claims.insert("scope".into(), ADMIN_SCOPE.into());
    claims.insert("auth_time".into(), ctx.auth_time.into());
    claims.insert(
        "exp".into(),
        expiry(ctx.now, ctx.access_validity_secs).into(),
    );
    claims.insert("iat".into(), ctx.now.into());
    claims.insert("jti".into(), fresh_jti().into());
    claims.insert("username".into(), ctx.username.into());
    Value::Object(claims)
}

/// What a refresh token carries. The caller checks `expires_at`, the pool and client it
/// is presented to, and whether `origin_jti` has been revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshClaims {
    /// User pool id.
    pub pool_id: String,
    /// App client id the token was issued to.
    pub client_id: String,
    /// Internal username.
    pub username: String,
    /// UUID of the original authentication (revocation handle, `origin_jti` of the
    /// ID/access tokens it refreshes into).
    pub origin_jti: String,
    /// Original sign-in time, epoch seconds.
    pub auth_time: i64,
    /// Issue time, epoch seconds.
    pub issued_at: i64,
    /// Expiry, epoch seconds.
    pub expires_at: i64,
}

/// Protected header of refresh tokens, base64url: `{"alg":"dir","enc":"A256GCM","kid":"rt1"}`.
/// Also the AEAD's associated data, as in JWE.
fn refresh_header_b64() -> String {
    B64URL.encode(br#"{"alg":"dir","enc":"A256GCM","kid":"rt1"}"#)
}

fn refresh_key(master: &MasterKey) -> LessSafeKey {
    let mut raw = master.derive("refresh-token");
    let key = UnboundKey::new(&AES_256_GCM, &raw).expect("32-byte AES-256 key");
    raw.fill(0);
    LessSafeKey::new(key)
}

const TAG_LEN: usize = 16;

/// Seals `claims` into an opaque refresh token: a JWE-shaped compact string
/// `header..iv.ciphertext.tag` (base64url, `alg: dir`, A256GCM under a key derived from
/// the master key with label `"refresh-token"`). Matches `^[A-Za-z0-9\-_=.]+$`; about
/// 350–500 characters for usual ids.
pub fn seal_refresh_token(master: &MasterKey, claims: &RefreshClaims) -> String {
    let header = refresh_header_b64();
    let mut nonce = [0u8; NONCE_LEN];
    crate::random::fill(&mut nonce);
    let mut buf = serde_json::to_vec(claims).expect("refresh claims serialize");
    let tag = refresh_key(master)
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(header.as_bytes()),
            &mut buf,
        )
        .expect("AES-GCM seal");
    format!(
        "{header}..{}.{}.{}",
        B64URL.encode(nonce),
        B64URL.encode(&buf),
        B64URL.encode(tag.as_ref())
    )
}

/// Opens a token made by [`seal_refresh_token`] with the same master key; `None` for
/// anything forged, garbled or sealed under another key. No expiry check.
pub fn open_refresh_token(master: &MasterKey, token: &str) -> Option<RefreshClaims> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, encrypted_key, iv, ciphertext, tag] = parts.as_slice() else {
        return None;
    };
    if *header != refresh_header_b64() || !encrypted_key.is_empty() {
        return None;
    }
    let nonce = Nonce::try_assume_unique_for_key(&B64URL.decode(iv).ok()?).ok()?;
    let tag = B64URL.decode(tag).ok()?;
    if tag.len() != TAG_LEN {
        return None;
    }
    let mut buf = B64URL.decode(ciphertext).ok()?;
    buf.extend_from_slice(&tag);
    let plain = refresh_key(master)
        .open_in_place(nonce, Aad::from(header.as_bytes()), &mut buf)
        .ok()?;
    serde_json::from_slice(plain).ok()
}

#[cfg(test)]
mod tests;
