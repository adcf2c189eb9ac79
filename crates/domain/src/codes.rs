//! One-time codes: six digits from the CSPRNG, stored on the user only as an
//! HMAC under a key derived from the master key (bound to the pool, the user,
//! the purpose and the attribute), with an expiry by the service clock. One
//! outstanding code per purpose and attribute: a new one replaces it. A code is
//! consumed by its first successful use; wrong guesses are counted per code
//! (TooManyFailedAttemptsException) and per user and hour (LimitExceededException).

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::error::DomainError;
use crate::model::User;
use crate::service::Service;

/// Sign-up and attribute codes live 24 hours.
pub const VERIFICATION_CODE_TTL_MS: i64 = 24 * 3_600_000;
/// Password-reset codes live one hour.
pub const RESET_CODE_TTL_MS: i64 = 3_600_000;
/// Wrong guesses of one code before it is refused for good.
pub const MAX_TRIES_PER_CODE: u32 = 5;
/// Wrong codes of one user per hour before every code check is refused.
pub const MAX_FAILURES_PER_HOUR: usize = 10;

/// `CodeMismatchException`.
pub const MISMATCH: &str = "Invalid verification code provided, please try again.";
/// `ExpiredCodeException`.
pub const EXPIRED: &str = "Invalid code provided, please request a code again.";
/// `LimitExceededException`.
pub const ATTEMPT_LIMIT: &str = "Attempt limit exceeded, please try after some time.";
/// `TooManyFailedAttemptsException` (no captured text; ours).
pub const TOO_MANY_FAILED: &str =
    "Too many failed attempts with this code, please request a code again.";

/// What a code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CodePurpose {
    /// Confirms a sign-up (and verifies the attribute it went to).
    SignUp,
    /// Resets a forgotten password.
    ResetPassword,
    /// Verifies an attribute.
    VerifyAttribute,
}

/// An outstanding code, as stored on the user.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingCode {
    /// What it is for.
    pub purpose: CodePurpose,
    /// The attribute it was sent to (`email`, `phone_number`).
    pub attribute: String,
    /// base64 HMAC-SHA256 of the code and its binding.
    pub hash: String,
    /// Expiry, service-clock epoch milliseconds.
    pub expires_ms: i64,
    /// Wrong guesses so far.
    #[serde(default)]
    pub failures: u32,
}

impl std::fmt::Debug for PendingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingCode")
            .field("purpose", &self.purpose)
            .field("attribute", &self.attribute)
            .field("expires_ms", &self.expires_ms)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// A fresh code in the clear; `Debug` never shows it.
#[derive(Clone)]
pub struct Code(String);

impl Code {
    /// Six decimal digits, uniform (rejection sampling over the CSPRNG).
    pub fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 4];
            crate::random::fill(&mut bytes);
            let n = u32::from_le_bytes(bytes);
            // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
            if n < 4_294_000_000 {
                return Self(format!("{:06}", n % 1_000_000));
            }
        }
    }

    /// The digits, for the one message that carries them.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(***)")
    }
}

/// The result of checking a code, to be stored before it is answered (a wrong
/// guess must be counted even though the call fails).
pub(crate) type CodeCheck = Result<PendingCode, DomainError>;

impl Service {
    /// HMAC of `code` bound to the pool, the user, the purpose and the attribute.
    fn code_hash(
        &self,
        pool_id: &str,
        user: &User,
        purpose: CodePurpose,
        attribute: &str,
        code: &str,
    ) -> String {
        use base64::Engine;
        let key = self.master_key().derive("userpools/one-time-codes/v1");
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
        let data = format!(
            "{pool_id}\0{}\0{purpose:?}\0{attribute}\0{code}",
            user.username
        );
        let tag = aws_lc_rs::hmac::sign(&key, data.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    }

    /// A new code for `purpose` to `attribute` of `user`, and what to store of it.
    pub(crate) fn new_code(
        &self,
        pool_id: &str,
        user: &User,
        purpose: CodePurpose,
        attribute: &str,
    ) -> (Code, PendingCode) {
        let code = Code::generate();
        let ttl = match purpose {
            CodePurpose::ResetPassword => RESET_CODE_TTL_MS,
            CodePurpose::SignUp | CodePurpose::VerifyAttribute => VERIFICATION_CODE_TTL_MS,
        };
        let pending = PendingCode {
            purpose,
            attribute: attribute.to_owned(),
            hash: self.code_hash(pool_id, user, purpose, attribute, code.expose()),
            expires_ms: self.now_ms() + ttl,
            failures: 0,
        };
        (code, pending)
    }

    /// Checks `given` against the user's code for `purpose` (and `attribute`, for
    /// attribute codes). A match consumes the code; a miss is counted. The caller
    /// stores `user` whatever the outcome, then answers with it.
    pub(crate) fn check_code(
        &self,
        pool_id: &str,
        user: &mut User,
        purpose: CodePurpose,
        attribute: Option<&str>,
        given: &str,
    ) -> CodeCheck {
        let now = self.now_ms();
        user.code_failures_ms.retain(|t| now - t < 3_600_000);
        if user.code_failures_ms.len() >= MAX_FAILURES_PER_HOUR {
            return Err(DomainError::LimitExceeded(ATTEMPT_LIMIT.into()));
        }
        let Some(index) = user
            .codes
            .iter()
            .position(|c| c.purpose == purpose && attribute.is_none_or(|a| c.attribute == a))
        else {
            return Err(DomainError::ExpiredCode(EXPIRED.into()));
        };
        if user.codes[index].failures >= MAX_TRIES_PER_CODE {
            return Err(DomainError::TooManyFailedAttempts(TOO_MANY_FAILED.into()));
        }
        let expected = self.code_hash(pool_id, user, purpose, &user.codes[index].attribute, given);
        let matches: bool = expected
            .as_bytes()
            .ct_eq(user.codes[index].hash.as_bytes())
            .into();
        if !matches {
            user.codes[index].failures += 1;
            user.code_failures_ms.push(now);
            return Err(DomainError::CodeMismatch(MISMATCH.into()));
        }
        if user.codes[index].expires_ms <= now {
            user.codes.remove(index);
            return Err(DomainError::ExpiredCode(EXPIRED.into()));
        }
        Ok(user.codes.remove(index))
    }
}

/// Stores `pending` on the user, replacing the code it supersedes.
pub(crate) fn install_code(user: &mut User, pending: PendingCode) {
    user.codes.retain(|c| {
        !(c.purpose == pending.purpose && same_slot(c.purpose, &c.attribute, &pending.attribute))
    });
    user.codes.push(pending);
}

/// Sign-up and reset codes have one slot per purpose; attribute codes one per attribute.
fn same_slot(purpose: CodePurpose, a: &str, b: &str) -> bool {
    purpose != CodePurpose::VerifyAttribute || a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hidden_from_debug() {
        for _ in 0..200 {
            let code = Code::generate();
            assert_eq!(code.expose().len(), 6);
            assert!(code.expose().bytes().all(|b| b.is_ascii_digit()));
            assert!(!format!("{code:?}").contains(code.expose()));
        }
    }
}
