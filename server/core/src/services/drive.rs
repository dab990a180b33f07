//! The drive's own facts ("数字赋能起航行动"): when it began, and the province's target and
//! deadline until an administrator sets others. A module of constants that everything may
//! use and that uses only the China-time conversion.

use chrono::{NaiveDate, NaiveDateTime};

/// The day the drive began: completions before it do not count towards the target.
pub const DRIVE_START: (i32, u32, u32) = (2024, 8, 5);

/// The province's target (women trained) until an administrator sets another.
pub const DEFAULT_TARGET: i64 = 500_000;
/// The province's deadline until an administrator sets another.
pub const DEFAULT_DEADLINE: (i32, u32, u32) = (2029, 8, 5);

/// The first moment of [`DRIVE_START`] in China (midnight, UTC+8) as a stored (UTC) time,
/// 2024-08-04 16:00:00: a completion at 07:00 on 5 August in Jiangsu counts, as every day
/// and month of the dashboards is a China-time one.
pub fn drive_start() -> NaiveDateTime {
    let (y, m, d) = DRIVE_START;
    crate::time::china_midnight(
        NaiveDate::from_ymd_opt(y, m, d).expect("DRIVE_START is a valid date"),
    )
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
        assert_eq!(super::drive_start().to_string(), "2024-08-04 16:00:00");
        assert_eq!(super::default_deadline().to_string(), "2029-08-05");
    }
}
