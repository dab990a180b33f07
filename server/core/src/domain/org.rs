//! The organisation tree's vocabulary: codes, names and kinds of union.

use super::{is_forbidden_char, DomainError};

/// A stable organisation code such as `js-nj`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

impl OrgCode {
    /// `field` names the input the code came from (`org`, `parent`, `code`…).
    pub fn parse(input: &str, field: &'static str) -> Result<Self, DomainError> {
        let code = input.trim();
        let ok = (2..=64).contains(&code.len())
            && code.starts_with(|c: char| c.is_ascii_lowercase())
            && !code.ends_with('-')
            && !code.contains("--")
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(DomainError::OrgCode { field });
        }
        Ok(OrgCode(code.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let name = input.trim();
        let count = name.chars().count();
        if !(2..=100).contains(&count) || name.chars().any(is_forbidden_char) {
            return Err(DomainError::OrgName);
        }
        Ok(OrgName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What kind of union a node is. Only the last three can be created through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgKind {
    Province,
    City,
    Industry,
    District,
    Enterprise,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Province => "province",
            OrgKind::City => "city",
            OrgKind::Industry => "industry",
            OrgKind::District => "district",
            OrgKind::Enterprise => "enterprise",
        }
    }

    /// Any stored kind.
    pub fn from_stored(s: &str) -> Option<Self> {
        Some(match s {
            "province" => OrgKind::Province,
            "city" => OrgKind::City,
            "industry" => OrgKind::Industry,
            "district" => OrgKind::District,
            "enterprise" => OrgKind::Enterprise,
            _ => return None,
        })
    }

    /// A kind an administrator may create under her node.
    pub fn parse_creatable(s: &str) -> Result<Self, DomainError> {
        match Self::from_stored(s.trim()) {
            Some(kind @ (OrgKind::District | OrgKind::Industry | OrgKind::Enterprise)) => Ok(kind),
            _ => Err(DomainError::OrgKind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        for ok in ["js", "js-nj", "js-nj-gulou-2"] {
            assert!(OrgCode::parse(ok, "org").is_ok(), "{ok}");
        }
        for bad in [
            "j",
            "JS",
            "js_nj",
            "-js",
            "js-",
            "1js",
            "js--nj",
            "js/nj",
            &"a".repeat(65),
        ] {
            assert_eq!(
                OrgCode::parse(bad, "parent"),
                Err(DomainError::OrgCode { field: "parent" }),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(
            OrgKind::parse_creatable("enterprise"),
            Ok(OrgKind::Enterprise)
        );
        assert!(OrgKind::parse_creatable("city").is_err());
        assert!(OrgKind::parse_creatable("province").is_err());
    }
}
