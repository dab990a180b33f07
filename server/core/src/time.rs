//! Times as Qihang keeps and shows them: stored in UTC (naive), shown and bucketed in China
//! time (UTC+8 all year, no daylight saving), sent in JSON as ISO 8601 with a `Z`. The one
//! place these conversions are written.

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// China's offset from UTC, in hours, all year.
pub const CHINA_OFFSET_HOURS: i64 = 8;

/// A stored UTC time in China time.
pub fn to_china(t: NaiveDateTime) -> NaiveDateTime {
    t + Duration::hours(CHINA_OFFSET_HOURS)
}

/// The UTC time of a China-time moment.
pub fn from_china(t: NaiveDateTime) -> NaiveDateTime {
    t - Duration::hours(CHINA_OFFSET_HOURS)
}

/// The UTC time at which a China-time day begins.
pub fn china_midnight(day: NaiveDate) -> NaiveDateTime {
    from_china(day.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// A stored UTC time as ISO 8601, `2026-11-25T08:30:00Z`.
pub fn iso_utc(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A stored UTC time in China to the minute, `2026-11-27 19:26`, for people.
pub fn china_minute(t: NaiveDateTime) -> String {
    to_china(t).format("%Y-%m-%d %H:%M").to_string()
}

/// A stored UTC time as a date in China, `2026-11-25`.
pub fn china_date(t: NaiveDateTime) -> String {
    to_china(t).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_evening_utc_is_the_next_day_in_china() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_opt(16, 30, 0)
            .unwrap();
        assert_eq!(china_date(t), "2026-11-26");
        assert_eq!(china_minute(t), "2026-11-26 00:30");
        assert_eq!(iso_utc(t), "2026-11-25T16:30:00Z");
        let midnight = china_midnight(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap());
        assert_eq!(iso_utc(midnight), "2026-11-25T16:00:00Z");
        assert_eq!(from_china(to_china(t)), t);
    }
}
