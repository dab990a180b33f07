//! Passwords as typed: length rules, and a check against the most common passwords and the
//! account's own phone number and name (hashing lives in the service layer).

use std::collections::HashSet;
use std::sync::LazyLock;

use super::DomainError;

/// The 10,000 most common passwords (the `passwords` frequency list of zxcvbn, MIT licence,
/// © 2016 Daniel Wolf and Dropbox), plus common Chinese ones, one a line.
const COMMON_PASSWORDS_TEXT: &str = include_str!("../../data/common-passwords.txt");

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| COMMON_PASSWORDS_TEXT.lines().map(str::trim).collect());

/// A password the user chose. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let count = input.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&count) {
            return Err(DomainError::Password { field: "password" });
        }
        Ok(Password(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Refuses a password that is among the most common ones (ignoring case), is one
    /// character repeated, or contains one of `personal` (her phone number, her name).
    pub fn check_strength(&self, personal: &[&str]) -> Result<(), DomainError> {
        let lower = self.0.to_lowercase();
        let first = lower.chars().next();
        let repeated = lower.chars().all(|c| Some(c) == first);
        let personal = personal.iter().map(|p| p.trim().to_lowercase()).any(|p| {
            let long_enough = p.chars().count() >= 2;
            long_enough && (lower.contains(&p) || p.contains(&lower))
        });
        if repeated || personal || COMMON_PASSWORDS.contains(lower.as_str()) {
            return Err(DomainError::WeakPassword { field: "password" });
        }
        Ok(())
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules() {
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse("密码密码密码密码").is_ok());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("secret-pass").unwrap()),
            "Password(…)"
        );
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        assert!(super::COMMON_PASSWORDS.len() >= 10_000);
        let weak = |p: &str| {
            Password::parse(p)
                .unwrap()
                .check_strength(&["13812341234", "王秀红"])
                .is_err()
        };
        for p in [
            "12345678",
            "password",
            "Password",
            "iloveyou",
            "1qaz2wsx",
            "woaini1314",
            "88888888",
            "aaaaaaaaa",
            "13812341234",
            "x13812341234",
            "王秀红王秀红12",
        ] {
            assert!(weak(p), "{p} was accepted");
        }
        for p in [
            "long-enough",
            "password-123",
            "秋天的稻田一片金黄",
            "绣花针2026年冬",
        ] {
            assert!(!weak(p), "{p} was refused");
        }
    }
}
