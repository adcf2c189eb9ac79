//! The password policy of a user pool and its exact Cognito messages.

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// Characters that satisfy RequireSymbols: the 32 ASCII punctuation characters and space.
pub fn is_password_symbol(c: char) -> bool {
    c.is_ascii_punctuation() || c == ' '
}

/// A pool's password policy (`Policies.PasswordPolicy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length, 6–99.
    pub minimum_length: u32,
    /// Require an A–Z letter.
    pub require_uppercase: bool,
    /// Require an a–z letter.
    pub require_lowercase: bool,
    /// Require a digit.
    pub require_numbers: bool,
    /// Require a symbol (see [`is_password_symbol`]).
    pub require_symbols: bool,
    /// How many previous passwords may not be reused (0 = off), 0–24.
    pub password_history_size: u32,
    /// Days a temporary password stays valid; 0 as given by the caller means 7.
    pub temporary_password_validity_days: u32,
}

impl Default for PasswordPolicy {
    /// The policy of a pool created without one: 8 characters and all four classes, 7 days.
    fn default() -> Self {
        Self {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            password_history_size: 0,
            temporary_password_validity_days: 7,
        }
    }
}

/// Which message family an operation uses for policy violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyMessagePrefix {
    /// `Password did not conform with policy: ` (SignUp).
    DidNotConformWith,
    /// `Password does not conform to policy: ` (admin, change and challenge paths).
    DoesNotConformTo,
}

impl PasswordPolicy {
    /// The temporary-password lifetime in days (0 means the default of 7).
    pub fn temporary_validity_days(&self) -> u32 {
        if self.temporary_password_validity_days == 0 {
            7
        } else {
            self.temporary_password_validity_days
        }
    }

    /// Checks `password`; reports the first violated rule in the order
    /// length, uppercase, lowercase, numbers, symbols.
    pub fn check(&self, password: &str, prefix: PolicyMessagePrefix) -> Result<(), DomainError> {
        let rule = if (password.chars().count() as u32) < self.minimum_length {
            Some("Password not long enough")
        } else if self.require_uppercase && !password.chars().any(|c| c.is_ascii_uppercase()) {
            Some("Password must have uppercase characters")
        } else if self.require_lowercase && !password.chars().any(|c| c.is_ascii_lowercase()) {
            Some("Password must have lowercase characters")
        } else if self.require_numbers && !password.chars().any(|c| c.is_ascii_digit()) {
            Some("Password must have numeric characters")
        } else if self.require_symbols && !password.chars().any(is_password_symbol) {
            Some("Password must have symbol characters")
        } else {
            None
        };
        match rule {
            None => Ok(()),
            Some(rule) => {
                let prefix = match prefix {
                    PolicyMessagePrefix::DidNotConformWith => {
                        "Password did not conform with policy: "
                    }
                    PolicyMessagePrefix::DoesNotConformTo => {
                        "Password does not conform to policy: "
                    }
                };
                Err(DomainError::InvalidPassword(format!("{prefix}{rule}")))
            }
        }
    }

    /// A random password that satisfies this policy (for AdminCreateUser without one).
    pub fn generate_temporary_password(&self) -> String {
        const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
        const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
        const DIGITS: &[u8] = b"23456789";
        const SYMBOLS: &[u8] = b"!#%+-.=?^_~";
        let length = self.minimum_length.max(12) as usize;
        let mut random = vec![0u8; length * 2];
        crate::random::fill(&mut random);
        let pick = |set: &[u8], r: u8| set[r as usize % set.len()] as char;
        let classes = [UPPER, LOWER, DIGITS, SYMBOLS];
        let mut chars: Vec<char> = (0..length)
            .map(|i| pick(classes[i % 4], random[i]))
            .collect();
        // Shuffle so the classes do not sit at fixed positions.
        for i in (1..chars.len()).rev() {
            let j = random[length + i] as usize % (i + 1);
            chars.swap(i, j);
        }
        chars.into_iter().collect()
    }
}

/// Passwords may not start or end with whitespace (the service's historic
/// pattern); inner spaces are allowed and count as symbols.
pub fn check_password_edges(password: &str, member: &str) -> Result<(), DomainError> {
    let bad_edge = |c: Option<char>| c.is_none_or(char::is_whitespace);
    if bad_edge(password.chars().next()) || bad_edge(password.chars().last()) {
        return Err(DomainError::InvalidParameter(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: ^[\\S]+.*[\\S]+$"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(policy: &PasswordPolicy, password: &str) -> String {
        match policy.check(password, PolicyMessagePrefix::DoesNotConformTo) {
            Ok(()) => "ok".into(),
            Err(e) => e.message().to_owned(),
        }
    }

    #[test]
    fn one_rule_per_message_in_order() {
        let p = PasswordPolicy::default();
        let prefix = "Password does not conform to policy: ";
        assert_eq!(
            message(&p, "aA1!"),
            format!("{prefix}Password not long enough")
        );
        assert_eq!(
            message(&p, "abcdefg1!"),
            format!("{prefix}Password must have uppercase characters")
        );
        assert_eq!(
            message(&p, "ABCDEFG1!"),
            format!("{prefix}Password must have lowercase characters")
        );
        assert_eq!(
            message(&p, "ABCDefgh!"),
            format!("{prefix}Password must have numeric characters")
        );
        assert_eq!(
            message(&p, "ABCDefgh1"),
            format!("{prefix}Password must have symbol characters")
        );
        assert_eq!(message(&p, "ABC defg1"), "ok", "an inner space is a symbol");
        assert_eq!(message(&p, "Abcdefg1`"), "ok");
        let relaxed = PasswordPolicy {
            minimum_length: 6,
            require_uppercase: false,
            require_lowercase: false,
            require_numbers: false,
            require_symbols: false,
            ..p
        };
        assert_eq!(message(&relaxed, "aaaaaa"), "ok");
        let err = relaxed
            .check("aaaaa", PolicyMessagePrefix::DidNotConformWith)
            .unwrap_err();
        assert_eq!(
            err.message(),
            "Password did not conform with policy: Password not long enough"
        );
    }

    #[test]
    fn generated_passwords_satisfy_the_policy() {
        let strict = PasswordPolicy {
            minimum_length: 40,
            ..PasswordPolicy::default()
        };
        for _ in 0..200 {
            let password = strict.generate_temporary_password();
            assert_eq!(message(&strict, &password), "ok", "{password}");
            check_password_edges(&password, "temporaryPassword").unwrap();
        }
    }

    #[test]
    fn edges() {
        assert!(check_password_edges(" Abcdef1!", "password").is_err());
        assert!(check_password_edges("Abcdef1! ", "password").is_err());
        assert!(check_password_edges("", "password").is_err());
        assert!(check_password_edges("Abc def1!", "password").is_ok());
    }
}
