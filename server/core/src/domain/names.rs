//! People's names: any script, rare characters included, but no invisible or control characters.

use super::{is_forbidden_char, DomainError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub const MAX_CHARS: usize = 50;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let name = input.trim();
        let count = name.chars().count();
        if count == 0 || count > Self::MAX_CHARS || name.chars().any(is_forbidden_char) {
            return Err(DomainError::Name);
        }
        Ok(PersonName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_rare_characters() {
        assert_eq!(PersonName::parse(" 𠮷𡒄 ").unwrap().as_str(), "𠮷𡒄");
    }

    #[test]
    fn refuses_invisible_and_long() {
        for bad in [
            "",
            "  ",
            "a\nb",
            "张\u{202E}红",
            "张\u{200B}红",
            &"长".repeat(51),
        ] {
            assert_eq!(PersonName::parse(bad), Err(DomainError::Name), "{bad:?}");
        }
    }
}
