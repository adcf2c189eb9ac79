//! Sealing secrets at rest: AES-256-GCM under a master key that is never
//! stored in the database. Each sealed value is bound to what it belongs to
//! through the associated data (e.g. pool id and username for a credential),
//! so a sealed blob copied onto another row does not open.

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::error::{DomainError, DomainResult};

/// The 32-byte master key. `Debug` never prints it.
pub struct MasterKey {
    key: LessSafeKey,
    /// Raw bytes, kept to derive sub-keys (HMAC) from.
    raw: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(*** redacted ***)")
    }
}

impl Drop for MasterKey {
    /// Overwrites the raw key bytes; `black_box` keeps the optimiser from eliding the
    /// store (best effort, without `unsafe`).
    fn drop(&mut self) {
        self.raw = [0; 32];
        std::hint::black_box(&self.raw);
    }
}

impl MasterKey {
    /// Builds a key from 32 raw bytes.
    pub fn from_bytes(raw: [u8; 32]) -> Self {
        let unbound = UnboundKey::new(&AES_256_GCM, &raw).expect("32-byte AES-256 key");
        Self {
            key: LessSafeKey::new(unbound),
            raw,
        }
    }

    /// Parses a key given as 64 hex digits or as base64 of 32 bytes.
    pub fn parse(text: &str) -> DomainResult<Self> {
        let text = text.trim();
        let bytes = hex::decode(text)
            .ok()
            .or_else(|| B64.decode(text).ok())
            .ok_or_else(|| DomainError::Internal("master key is neither hex nor base64".into()))?;
        let raw: [u8; 32] = bytes
            .try_into()
            .map_err(|_| DomainError::Internal("master key must be 32 bytes".into()))?;
        Ok(Self::from_bytes(raw))
    }

    /// A fresh random key, encoded as 64 hex digits.
    pub fn generate_hex() -> String {
        let mut raw = [0u8; 32];
        crate::random::fill(&mut raw);
        hex::encode(raw)
    }

    /// Derives a purpose-specific 32-byte key (HMAC-SHA256 of the label).
    pub fn derive(&self, label: &str) -> [u8; 32] {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &self.raw);
        let tag = aws_lc_rs::hmac::sign(&key, label.as_bytes());
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Seals `plaintext` bound to `context`; returns base64(nonce || ciphertext || tag).
    pub fn seal(&self, context: &[u8], plaintext: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        crate::random::fill(&mut nonce);
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context),
                &mut buf,
            )
            .expect("AES-GCM seal");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        B64.encode(out)
    }

    /// Opens a value sealed by [`MasterKey::seal`] with the same context.
    pub fn open(&self, context: &[u8], sealed: &str) -> DomainResult<Vec<u8>> {
        let fail = || DomainError::Internal("a sealed value failed to open".into());
        let data = B64.decode(sealed).map_err(|_| fail())?;
        if data.len() < NONCE_LEN {
            return Err(fail());
        }
        let (nonce, body) = data.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| fail())?;
        let mut body = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut body)
            .map_err(|_| fail())?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trip_and_context_binding() {
        let key = MasterKey::parse(&MasterKey::generate_hex()).unwrap();
        let sealed = key.seal(b"pool\0alice", b"secret");
        assert_eq!(key.open(b"pool\0alice", &sealed).unwrap(), b"secret");
        assert!(key.open(b"pool\0bob", &sealed).is_err());
        let other = MasterKey::parse(&MasterKey::generate_hex()).unwrap();
        assert!(other.open(b"pool\0alice", &sealed).is_err());
        assert!(!format!("{key:?}").contains(&hex::encode(key.raw)));
    }
}
