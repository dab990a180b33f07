//! Becoming present at a class: by typing the live code, by opening the QR link, or (in
//! `register`) marked by the trainer or her roster. Every way ends in [`record_presence`],
//! which holds the class's row lock, so two check-ins of one learner at once (a double tap,
//! two phones) give one attendance row and the same answer.
//!
//! Each refusal has its own error: a code of an earlier window (expired), the live code of
//! another class (wrong page), outside the check-in hours (closed), a cancelled class, too
//! many wrong codes from her, or from everyone at this class (someone guessing).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::codes::{self, CodeMatch};
use super::signup::enrol_for_class;
use super::{load, require_runner, require_visible, SessionRow};
use crate::config::Config;
use crate::db::schema::{attendances, class_sessions, courses, enrollments};
use crate::db::types::{CourseId, EnrollmentId, UserId};
use crate::db::{lock_for_update, write_tx, DbConn, RowLock};
use crate::domain::{AttendanceMethod, SessionState};
use crate::dto::{CheckInCodeView, CheckInResultView, EnrollmentView};
use crate::services::actor::Actor;
use crate::services::completion::complete_if_due;
use crate::services::{now, throttle, Core};
use crate::time::iso_utc;
use crate::ServiceError;

/// Wrong codes at one class from everyone, per 15 minutes, before code entry pauses there.
const SESSION_FAILURES_PER_15MIN: i64 = 60;

/// The live code for the trainer's screen, with the QR link of the same window.
pub async fn live_code(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<CheckInCodeView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let (row, _) = require_runner(conn, &actor, &id)?;
        let at = now();
        let window = codes::window_of(at);
        let code = codes::code_for(&row.code_secret, &row.public_id, window);
        let url = format!(
            "{}/checkin/{}?code={code}",
            config.public_url.trim_end_matches('/'),
            row.public_id
        );
        let expires_at = codes::window_end(window);
        Ok(CheckInCodeView {
            qr_svg: crate::certificate_print::qr_svg(&url),
            code,
            url,
            expires_at: iso_utc(expires_at),
            expires_in: (expires_at - at).num_seconds().max(0),
            check_in_open: row.check_in_open_at(at),
        })
    })
    .await
}

/// She types the code on the trainer's screen.
pub async fn check_in(
    core: &Core,
    actor: &Actor,
    id: String,
    code: String,
) -> Result<CheckInResultView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let row = require_visible(conn, &actor, &id)?;
        let code = digits(&code);
        attempt(
            conn,
            config,
            &actor,
            &row,
            AttendanceMethod::Code,
            |at| codes::match_code(&row.code_secret, &row.public_id, &code, at),
            &code,
        )
    })
    .await
}

/// She opened the QR link. With a scan pass (she had to sign in first) the code counts as
/// of the scan; without one, as of now.
pub async fn check_in_by_link(
    core: &Core,
    actor: &Actor,
    id: String,
    code: String,
    pass: Option<String>,
) -> Result<CheckInResultView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let row = require_visible(conn, &actor, &id)?;
        let code = digits(&code);
        let secret = row.code_secret.clone();
        let session = row.public_id.clone();
        attempt(
            conn,
            config,
            &actor,
            &row,
            AttendanceMethod::Qr,
            |at| {
                let scanned = pass
                    .as_deref()
                    .and_then(|p| codes::pass_scanned_at(&secret, &session, &code, p, at));
                match scanned {
                    Some(scanned) => codes::match_code(&secret, &session, &code, scanned),
                    None => codes::match_code(&secret, &session, &code, at),
                }
            },
            &code,
        )
    })
    .await
}

/// Signed out, she opened the QR link: a pass for the code she scanned, carried through
/// signing in. It does not say whether the code is right (that is checked, and throttled,
/// at check-in).
pub async fn scan_pass(core: &Core, id: String, code: String) -> Result<String, ServiceError> {
    core.run(move |conn, _| {
        let row = load(conn, &id)?;
        let code = digits(&code);
        if code.len() != 6 {
            return Err(ServiceError::CheckInCode);
        }
        Ok(codes::scan_pass(
            &row.code_secret,
            &row.public_id,
            &code,
            now(),
        ))
    })
    .await
}

fn digits(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The shared path of the code and the link: already present → the same answer; throttles;
/// check-in hours; then the code.
fn attempt(
    conn: &mut DbConn,
    config: &Config,
    actor: &Actor,
    row: &SessionRow,
    method: AttendanceMethod,
    matches: impl Fn(NaiveDateTime) -> CodeMatch,
    code: &str,
) -> Result<CheckInResultView, ServiceError> {
    let user = UserId(actor.user_id);
    if super::is_present(conn, row.id, user)? {
        return result(conn, row, user);
    }
    if row.state == SessionState::Cancelled {
        return Err(ServiceError::SessionCancelled);
    }
    let learner = actor.user_id.to_string();
    if throttle::exhausted(
        conn,
        throttle::CHECK_IN_FAILURE,
        &learner,
        config.certificates.check_in_failures_per_15min,
    )? {
        return Err(ServiceError::CheckInLimited);
    }
    if throttle::exhausted(
        conn,
        throttle::CHECK_IN_SESSION_FAILURE,
        &row.public_id,
        SESSION_FAILURES_PER_15MIN,
    )? {
        return Err(ServiceError::CheckInSessionLimited);
    }
    let at = now();
    if !row.check_in_open_at(at) {
        return Err(row.closed_error());
    }
    let refusal = match matches(at) {
        CodeMatch::Live => {
            record_presence(conn, config, row, user, method, None)?;
            return result(conn, row, user);
        }
        CodeMatch::Expired => ServiceError::CheckInExpired,
        CodeMatch::No if another_class_has(conn, row, code, at)? => {
            ServiceError::CheckInOtherSession
        }
        CodeMatch::No => ServiceError::CheckInCode,
    };
    write_tx(conn, |conn| {
        throttle::record(conn, throttle::CHECK_IN_FAILURE, &learner)?;
        throttle::record(conn, throttle::CHECK_IN_SESSION_FAILURE, &row.public_id)
    })?;
    Err(refusal)
}

/// Whether `code` is the live code of another class open now.
fn another_class_has(
    conn: &mut DbConn,
    row: &SessionRow,
    code: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let open: Vec<(String, Vec<u8>)> = class_sessions::table
        .filter(class_sessions::id.ne(row.id))
        .filter(class_sessions::state.eq(SessionState::Scheduled))
        .filter(class_sessions::starts_at.le(at + chrono::Duration::minutes(super::EARLY_MINUTES)))
        .filter(class_sessions::ends_at.ge(at))
        .select((class_sessions::public_id, class_sessions::code_secret))
        .load(conn)?;
    Ok(open
        .iter()
        .any(|(id, secret)| codes::match_code(secret, id, code, at) == CodeMatch::Live))
}

/// Records her present once (a walk-in is enrolled on the way) and completes the course if
/// that was all it needed. Returns whether a new attendance row was written.
pub(crate) fn record_presence(
    conn: &mut DbConn,
    config: &Config,
    row: &SessionRow,
    user: UserId,
    method: AttendanceMethod,
    recorded_by: Option<UserId>,
) -> Result<bool, ServiceError> {
    write_tx(conn, |conn| {
        presence_in_tx(conn, config, row, user, method, recorded_by)
    })
}

/// [`record_presence`] inside the caller's write transaction.
pub(crate) fn presence_in_tx(
    conn: &mut DbConn,
    config: &Config,
    row: &SessionRow,
    user: UserId,
    method: AttendanceMethod,
    recorded_by: Option<UserId>,
) -> Result<bool, ServiceError> {
    lock_for_update(conn, RowLock::ClassSession(row.id.0))?;
    let enrollment = enrol_for_class(conn, user, row.course_id)?;
    let fresh = !super::is_present(conn, row.id, user)?;
    if fresh {
        diesel::insert_into(attendances::table)
            .values((
                attendances::session_id.eq(row.id),
                attendances::user_id.eq(user),
                attendances::method.eq(method),
                attendances::recorded_by.eq(recorded_by),
                attendances::checked_in_at.eq(now()),
            ))
            .execute(conn)?;
    }
    complete_if_due(conn, config, user, row.course_id, EnrollmentId(enrollment))?;
    Ok(fresh)
}

/// Her check-in at the class, as she is shown it.
fn result(
    conn: &mut DbConn,
    row: &SessionRow,
    user: UserId,
) -> Result<CheckInResultView, ServiceError> {
    let checked_in_at: NaiveDateTime = attendances::table
        .filter(attendances::session_id.eq(row.id))
        .filter(attendances::user_id.eq(user))
        .select(attendances::checked_in_at)
        .first(conn)?;
    let (code, title, title_en, practical): (String, String, Option<String>, Option<i32>) =
        courses::table
            .find(row.course_id)
            .select((
                courses::code,
                courses::title,
                courses::title_en,
                courses::practical_pass_mark,
            ))
            .first(conn)?;
    let completed = completed(conn, user, row.course_id)?;
    Ok(CheckInResultView {
        status: "present".into(),
        checked_in_at: iso_utc(checked_in_at),
        session: row.public_id.clone(),
        course: code,
        course_title: title,
        course_title_en: title_en,
        location: row.location.clone(),
        completed,
        awaiting_score: practical.is_some() && !completed,
    })
}

pub(crate) fn completed(conn: &mut DbConn, user: UserId, course: CourseId) -> QueryResult<bool> {
    let done: Option<Option<NaiveDateTime>> = enrollments::table
        .filter(enrollments::user_id.eq(user))
        .filter(enrollments::course_id.eq(course))
        .select(enrollments::completed_at)
        .first(conn)
        .optional()?;
    Ok(done.flatten().is_some())
}

/// The original course-level check-in (`POST /api/v1/courses/{id}/check-in`): the code of
/// whichever class of the course is open now.
pub async fn check_in_course(
    core: &Core,
    actor: &Actor,
    course: String,
    code: String,
) -> Result<EnrollmentView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let course_id = crate::services::learning::visible_to(conn, &actor, &course)?;
        let code = digits(&code);
        let at = now();
        let open: Vec<SessionRow> = class_sessions::table
            .filter(class_sessions::course_id.eq(CourseId(course_id)))
            .filter(class_sessions::state.eq(SessionState::Scheduled))
            .filter(
                class_sessions::starts_at.le(at + chrono::Duration::minutes(super::EARLY_MINUTES)),
            )
            .filter(class_sessions::ends_at.ge(at))
            .select(SessionRow::as_select())
            .load(conn)?;
        let live = open.into_iter().find(|row| {
            codes::match_code(&row.code_secret, &row.public_id, &code, at) == CodeMatch::Live
        });
        let Some(row) = live else {
            let learner = actor.user_id.to_string();
            if throttle::exhausted(
                conn,
                throttle::CHECK_IN_FAILURE,
                &learner,
                config.certificates.check_in_failures_per_15min,
            )? {
                return Err(ServiceError::CheckInLimited);
            }
            write_tx(conn, |conn| {
                throttle::record(conn, throttle::CHECK_IN_FAILURE, &learner)
            })?;
            return Err(ServiceError::CheckInCode);
        };
        attempt(
            conn,
            config,
            &actor,
            &row,
            AttendanceMethod::Code,
            |_| CodeMatch::Live,
            &code,
        )?;
        let enrollment = crate::services::enrolment::enrollment_of(conn, actor.user_id, course_id)?
            .ok_or(ServiceError::NotEnrolled)?;
        crate::services::learning::enrollment_by_id(conn, enrollment)
    })
    .await
}
