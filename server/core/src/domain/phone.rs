//! Mainland China mobile numbers: normalised, validated and masked.

use super::DomainError;

/// An 11-digit mainland mobile number such as `13812341234`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts full-width digits, spaces and dashes, and an optional `+86` / `86` prefix.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let mut digits = String::with_capacity(13);
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '０'..='９' => digits.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
                ' ' | '-' | '\u{3000}' => {}
                '+' | '＋' if i == 0 => {}
                _ => return Err(DomainError::Phone),
            }
        }
        if digits.len() == 13 && digits.starts_with("86") {
            digits.drain(..2);
        }
        let bytes = digits.as_bytes();
        if bytes.len() != 11 || bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(DomainError::Phone);
        }
        Ok(Phone(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`: what everyone but the holder sees.
    pub fn masked(&self) -> String {
        mask_phone(&self.0)
    }
}

/// Masks a stored phone number; anything that is not 11 characters is masked whole.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "***********".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for ok in [
            "13812341234",
            " 138-1234-1234 ",
            "+8613812341234",
            "１３８１２３４１２３４",
        ] {
            assert_eq!(Phone::parse(ok).unwrap().as_str(), "13812341234", "{ok}");
        }
    }

    #[test]
    fn refuses_non_mobiles() {
        for bad in [
            "",
            "1381234123",
            "138123412345",
            "12812341234",
            "23812341234",
            "1381234123a",
            "138\u{200B}12341234",
        ] {
            assert_eq!(Phone::parse(bad), Err(DomainError::Phone), "{bad:?}");
        }
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(Phone::parse("13812341234").unwrap().masked(), "138****1234");
    }
}
