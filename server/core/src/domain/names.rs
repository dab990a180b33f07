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

/// A name as shown to the public: first and last character kept, the rest starred
/// (张*红, 欧**华, 张*); a one-character name is starred whole.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_names() {
        assert_eq!(mask_name("张小红"), "张*红");
        assert_eq!(mask_name("张红"), "张*");
        assert_eq!(mask_name("欧阳春华"), "欧**华");
        assert_eq!(mask_name("𠮷"), "*");
        assert_eq!(mask_name("𠮷𡒄红"), "𠮷*红");
    }

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
