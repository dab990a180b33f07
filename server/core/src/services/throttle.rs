//! Throttling shared by every server process: failures are rows in `throttle_events`, counted
//! over a sliding 15-minute window per bucket (what is throttled) and subject (who).

use diesel::prelude::*;

use super::now;
use crate::db::schema::throttle_events;
use crate::db::DbConn;

const WINDOW_MINUTES: i64 = 15;

/// Failed certificate lookups, per client address.
pub const SERIAL_MISS: &str = "serial_miss";
/// Wrong check-in codes, per learner.
pub const CHECK_IN_FAILURE: &str = "check_in_failure";
/// Wrong check-in codes at one class, from everyone (per session public id).
pub const CHECK_IN_SESSION_FAILURE: &str = "check_in_session_failure";
/// Password reset requests, per login key (registered or not).
pub const RESET_LOGIN: &str = "reset_login";
/// Password reset requests, per client address.
pub const RESET_ADDRESS: &str = "reset_address";
/// Registrations, per client address.
pub const REGISTRATION: &str = "registration";
/// Registrations refused because the phone or email is taken, per client address.
pub const DUPLICATE_REGISTRATION: &str = "duplicate_registration";
/// Revocation attempts on serials the caller may not revoke (or that do not exist), per
/// client address: counted with the unknown-serial lookups.
pub const REVOKE_MISS: &str = "serial_miss";

/// Whether `subject` has used up `limit` failures of `bucket` in the window.
pub fn exhausted(conn: &mut DbConn, bucket: &str, subject: &str, limit: i64) -> QueryResult<bool> {
    let since = now() - chrono::Duration::minutes(WINDOW_MINUTES);
    let count: i64 = throttle_events::table
        .filter(throttle_events::bucket.eq(bucket))
        .filter(throttle_events::subject.eq(subject))
        .filter(throttle_events::happened_at.gt(since))
        .count()
        .get_result(conn)?;
    Ok(count >= limit)
}

/// Records one failure (and forgets those older than the window, for this subject).
pub fn record(conn: &mut DbConn, bucket: &str, subject: &str) -> QueryResult<()> {
    let at = now();
    diesel::delete(
        throttle_events::table
            .filter(throttle_events::bucket.eq(bucket))
            .filter(throttle_events::subject.eq(subject))
            .filter(
                throttle_events::happened_at.lt(at - chrono::Duration::minutes(WINDOW_MINUTES)),
            ),
    )
    .execute(conn)?;
    diesel::insert_into(throttle_events::table)
        .values((
            throttle_events::bucket.eq(bucket),
            throttle_events::subject.eq(subject),
            throttle_events::happened_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
