//! Email addresses, stored in lower case.

use super::DomainError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let email = input.trim().to_lowercase();
        let Some((local, domain)) = email.split_once('@') else {
            return Err(DomainError::Email);
        };
        let ok = !local.is_empty()
            && email.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && email
                .chars()
                .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && c.is_alphanumeric()))
            && !email.contains(['<', '>', '"', '\\', ',', ';']);
        if !ok {
            return Err(DomainError::Email);
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_validates() {
        assert_eq!(
            Email::parse(" Li.Hong@Example.CN ").unwrap().as_str(),
            "li.hong@example.cn"
        );
        for bad in ["", "a", "a@b", "@b.cn", "a b@c.cn", "a@b.cn>", "a@@b.cn"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
