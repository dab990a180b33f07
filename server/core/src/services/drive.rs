//! The drive's own facts ("数字赋能起航行动"): when it began, and the province's target and
//! deadline until an administrator sets others. A module of constants that everything may
//! use and that uses nothing.

use chrono::{NaiveDate, NaiveDateTime};

/// The day the drive began: completions before it do not count towards the target.
pub const DRIVE_START: (i32, u32, u32) = (2024, 8, 5);

/// The province's target (women trained) until an administrator sets another.
pub const DEFAULT_TARGET: i64 = 500_000;
/// The province's deadline until an administrator sets another.
pub const DEFAULT_DEADLINE: (i32, u32, u32) = (2029, 8, 5);

/// [`DRIVE_START`] as a stored (UTC) time.
pub fn drive_start() -> NaiveDateTime {
    let (y, m, d) = DRIVE_START;
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("DRIVE_START is a valid date")
}

/// [`DEFAULT_DEADLINE`] as a date.
pub fn default_deadline() -> NaiveDate {
    let (y, m, d) = DEFAULT_DEADLINE;
    NaiveDate::from_ymd_opt(y, m, d).expect("DEFAULT_DEADLINE is a valid date")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_constants_are_dates() {
        assert_eq!(super::drive_start().to_string(), "2024-08-05 00:00:00");
        assert_eq!(super::default_deadline().to_string(), "2029-08-05");
    }
}
