//! Check-in codes that cannot usefully be texted to a friend at home: each class has a random
//! secret, and the code of a 30-second window is HMAC-SHA256(secret, session id ‖ window)
//! truncated to six digits (as TOTP, RFC 6238, does). Nothing is stored per code. The code
//! of the current window and of the one before it are accepted, so a slow typist or a phone
//! whose clock is off by up to half a minute still checks in; a code older than that is told
//! apart as expired.
//!
//! A learner who scans the QR code while signed out must sign in first, which can take longer
//! than a window: she is given a *scan pass*, an HMAC over (session, code, scan time), that
//! lets the code she scanned count for [`PASS_SECONDS`] after the scan. The pass proves only
//! that the code was scanned when it was live; it is worth no more than the code itself.

use chrono::NaiveDateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Seconds a code is shown for.
pub const WINDOW_SECONDS: i64 = 30;
/// How long a scan pass keeps a scanned code good while she signs in.
pub const PASS_SECONDS: i64 = 600;
/// Codes of this many windows before the accepted two are recognised as expired (the last
/// ten minutes), rather than called wrong.
const EXPIRED_WINDOWS: i64 = 20;

/// The 30-second window `at` falls in (UTC seconds / 30).
pub fn window_of(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp().div_euclid(WINDOW_SECONDS)
}

/// When window `window` ends (the code shown in it changes).
pub fn window_end(window: i64) -> NaiveDateTime {
    chrono::DateTime::from_timestamp((window + 1) * WINDOW_SECONDS, 0)
        .expect("a window in range")
        .naive_utc()
}

fn mac(secret: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any size");
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// The six-digit code of `session` (its public id) in `window`.
pub fn code_for(secret: &[u8], session: &str, window: i64) -> String {
    let digest = mac(
        secret,
        &[b"check-in", session.as_bytes(), &window.to_be_bytes()],
    );
    // RFC 4226 dynamic truncation.
    let offset = usize::from(digest[31] & 0x0f);
    let value = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:06}", value % 1_000_000)
}

/// How a typed code compares with the codes of `session` at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    /// The current window's code or the previous one's.
    Live,
    /// The code of a window in the last ten minutes before those.
    Expired,
    /// Not a code of this class.
    No,
}

/// Compares `code` with the codes of `session` around `at`, in constant time per window.
pub fn match_code(secret: &[u8], session: &str, code: &str, at: NaiveDateTime) -> CodeMatch {
    let now = window_of(at);
    let same = |window: i64| {
        constant_eq(
            code_for(secret, session, window).as_bytes(),
            code.as_bytes(),
        )
    };
    if same(now) || same(now - 1) {
        CodeMatch::Live
    } else if (2..=EXPIRED_WINDOWS + 1).any(|back| same(now - back)) {
        CodeMatch::Expired
    } else {
        CodeMatch::No
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A scan pass: `{unix seconds}.{tag}`, the tag binding session, code and scan time.
pub fn scan_pass(secret: &[u8], session: &str, code: &str, at: NaiveDateTime) -> String {
    let seconds = at.and_utc().timestamp();
    format!("{seconds}.{}", pass_tag(secret, session, code, seconds))
}

fn pass_tag(secret: &[u8], session: &str, code: &str, seconds: i64) -> String {
    let digest = mac(
        secret,
        &[
            b"scan-pass",
            session.as_bytes(),
            code.as_bytes(),
            &seconds.to_be_bytes(),
        ],
    );
    hex::encode(&digest[..16])
}

/// When the pass says the code was scanned, if the pass is genuine for this code and
/// session and no older than [`PASS_SECONDS`] at `at`.
pub fn pass_scanned_at(
    secret: &[u8],
    session: &str,
    code: &str,
    pass: &str,
    at: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let (seconds, tag) = pass.split_once('.')?;
    let seconds: i64 = seconds.parse().ok()?;
    let expected = pass_tag(secret, session, code, seconds);
    if !constant_eq(expected.as_bytes(), tag.as_bytes()) {
        return None;
    }
    let scanned = chrono::DateTime::from_timestamp(seconds, 0)?.naive_utc();
    let age = (at - scanned).num_seconds();
    (0..=PASS_SECONDS).contains(&age).then_some(scanned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(seconds, 0)
            .unwrap()
            .naive_utc()
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn six_digits_that_change_every_window_and_differ_between_sessions() {
        let t = at(1_800_000_000);
        let w = window_of(t);
        let code = code_for(SECRET, "s1", w);
        assert_eq!(code.len(), 6);
        assert!(code.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(
            code,
            code_for(SECRET, "s1", window_of(t + Duration::seconds(29)))
        );
        assert_ne!(code, code_for(SECRET, "s1", w + 1));
        assert_ne!(code, code_for(SECRET, "s2", w));
        assert_ne!(code, code_for(b"another secret", "s1", w));
    }

    #[test]
    fn the_current_and_previous_windows_are_live_older_ones_expired() {
        let t = at(1_800_000_015);
        let w = window_of(t);
        let code = |back: i64| code_for(SECRET, "s1", w - back);
        assert_eq!(match_code(SECRET, "s1", &code(0), t), CodeMatch::Live);
        assert_eq!(match_code(SECRET, "s1", &code(1), t), CodeMatch::Live);
        assert_eq!(match_code(SECRET, "s1", &code(2), t), CodeMatch::Expired);
        assert_eq!(match_code(SECRET, "s1", &code(21), t), CodeMatch::Expired);
        assert_eq!(match_code(SECRET, "s1", &code(0), t), CodeMatch::Live);
        assert_eq!(match_code(SECRET, "s2", &code(0), t), CodeMatch::No);
        assert_eq!(match_code(SECRET, "s1", "12345", t), CodeMatch::No);
    }

    #[test]
    fn a_scan_pass_is_bound_to_its_code_and_lasts_ten_minutes() {
        let t = at(1_800_000_000);
        let pass = scan_pass(SECRET, "s1", "123456", t);
        let later = t + Duration::seconds(PASS_SECONDS);
        assert_eq!(
            pass_scanned_at(SECRET, "s1", "123456", &pass, later),
            Some(t)
        );
        assert_eq!(
            pass_scanned_at(SECRET, "s1", "123456", &pass, later + Duration::seconds(1)),
            None
        );
        assert_eq!(pass_scanned_at(SECRET, "s1", "654321", &pass, t), None);
        assert_eq!(pass_scanned_at(SECRET, "s2", "123456", &pass, t), None);
        let forged = format!("{}.{}", 1_800_000_300, pass.split_once('.').unwrap().1);
        assert_eq!(
            pass_scanned_at(SECRET, "s1", "123456", &forged, later),
            None
        );
    }
}
