//! In-person classes (线下课): trainers open class sessions of a course with a six-digit
//! check-in code valid only while the class runs; learners check in with the code, or the
//! trainer marks them present. Attendance completes courses that require it, with the
//! session as evidence.

use chrono::{DateTime, NaiveDateTime};
use diesel::prelude::*;
use rand::Rng;
use serde::Deserialize;

use super::actor::Actor;
use super::completion::complete_if_due;
use super::learning::{enrollment_of, visible_to};
use super::tokens::new_public_id;
use super::{now, orgs, throttle, Core};
use crate::db::schema::{attendances, class_sessions, courses, orgs as orgs_t, users};
use crate::db::types::{CourseId, EnrollmentId, UserId};
use crate::db::{lock_for_update, write_tx, DbConn, RowLock};
use crate::domain::{mask_name, mask_phone, AttendanceMethod, DomainError, OrgCode, Phone, Role};
use crate::dto::{AttendeeView, ClassSessionView, EnrollmentView};
use crate::ServiceError;

/// Check-in opens this long before the class starts.
const EARLY_MINUTES: i64 = 30;
const MAX_CLASS_HOURS: i64 = 12;

/// `POST /api/v1/courses/{id}/sessions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClassSession {
    pub location: String,
    /// RFC 3339, e.g. `2026-12-01T09:00:00+08:00`.
    pub starts_at: String,
    pub ends_at: String,
    /// The union running the class; defaults to the trainer's own node.
    #[serde(default)]
    pub org: Option<String>,
}

fn parse_time(text: &str, field: &'static str) -> Result<NaiveDateTime, DomainError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.naive_utc())
        .map_err(|_| DomainError::ClassTimes { field })
}

use crate::time::iso_utc as timestamp;

/// The path of the union the trainer runs the class for.
fn class_org(
    conn: &mut DbConn,
    actor: &Actor,
    requested: Option<&str>,
) -> Result<(i64, String), ServiceError> {
    let teaches = |path: &str| actor.holds(Role::Trainer, path) || actor.holds(Role::Admin, path);
    let code = match requested {
        Some(code) => OrgCode::parse(code, "org")?.as_str().to_string(),
        None => actor
            .grants
            .iter()
            .find(|g| matches!(g.role, Role::Trainer | Role::Admin))
            .map(|g| g.org_code.clone())
            .ok_or(ServiceError::Forbidden)?,
    };
    let org = orgs::require(conn, &OrgCode::parse(&code, "org")?, "org")?;
    if !teaches(&org.path) {
        return Err(ServiceError::Forbidden);
    }
    Ok((org.id, org.path))
}

/// A class session as stored.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = class_sessions)]
struct SessionRow {
    id: i64,
    public_id: String,
    course_id: i64,
    org_id: i64,
    location: String,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    code: String,
}

fn session_by_public_id(conn: &mut DbConn, id: &str) -> Result<SessionRow, ServiceError> {
    class_sessions::table
        .filter(class_sessions::public_id.eq(id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("class session"))
}

/// One attendee of a session, as the trainer's list shows her.
#[derive(Debug, Queryable)]
struct AttendeeRow {
    name: String,
    phone: String,
    method: AttendanceMethod,
    checked_in_at: NaiveDateTime,
}

fn session_view(conn: &mut DbConn, row: &SessionRow) -> Result<ClassSessionView, ServiceError> {
    let course: String = courses::table
        .find(row.course_id)
        .select(courses::code)
        .first(conn)?;
    let org: String = orgs_t::table
        .find(row.org_id)
        .select(orgs_t::code)
        .first(conn)?;
    let attendees: Vec<AttendeeRow> = attendances::table
        .inner_join(users::table.on(users::id.eq(attendances::user_id)))
        .filter(attendances::session_id.eq(row.id))
        .order(attendances::checked_in_at.asc())
        .select((
            users::name,
            users::phone,
            attendances::method,
            attendances::checked_in_at,
        ))
        .load(conn)?;
    Ok(ClassSessionView {
        id: row.public_id.clone(),
        course,
        org,
        location: row.location.clone(),
        starts_at: timestamp(row.starts_at),
        ends_at: timestamp(row.ends_at),
        code: Some(row.code.clone()),
        attendees: attendees
            .into_iter()
            .map(|a| AttendeeView {
                name: mask_name(&a.name),
                phone: mask_phone(&a.phone),
                method: a.method.as_str().into(),
                checked_in_at: timestamp(a.checked_in_at),
            })
            .collect(),
    })
}

/// A trainer (or administrator) opens a class session of a course for her union.
pub async fn create_session(
    core: &Core,
    actor: &Actor,
    course: String,
    input: NewClassSession,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let location = input.location.trim().to_string();
        if location.is_empty() || location.chars().count() > 200 {
            return Err(DomainError::Location.into());
        }
        let starts_at = parse_time(&input.starts_at, "starts_at")?;
        let ends_at = parse_time(&input.ends_at, "ends_at")?;
        if ends_at <= starts_at || ends_at - starts_at > chrono::Duration::hours(MAX_CLASS_HOURS) {
            return Err(DomainError::ClassTimes { field: "ends_at" }.into());
        }
        let (org_id, _) = class_org(conn, &actor, input.org.as_deref())?;
        let course_id = visible_to(conn, &actor, &course)?;
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        let public_id = new_public_id();
        write_tx(conn, |conn| {
            diesel::insert_into(class_sessions::table)
                .values((
                    class_sessions::public_id.eq(&public_id),
                    class_sessions::course_id.eq(course_id),
                    class_sessions::org_id.eq(org_id),
                    class_sessions::trainer_id.eq(actor.user_id),
                    class_sessions::location.eq(&location),
                    class_sessions::starts_at.eq(starts_at),
                    class_sessions::ends_at.eq(ends_at),
                    class_sessions::code.eq(&code),
                    class_sessions::created_at.eq(now()),
                ))
                .execute(conn)?;
            let row = session_by_public_id(conn, &public_id)?;
            session_view(conn, &row)
        })
    })
    .await
}

/// The session with its attendees, for trainers and administrators of its union.
pub async fn session(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = session_by_public_id(conn, &id)?;
        require_teacher(conn, &actor, row.org_id)?;
        session_view(conn, &row)
    })
    .await
}

fn require_teacher(conn: &mut DbConn, actor: &Actor, org_id: i64) -> Result<(), ServiceError> {
    let path = orgs::find_by_id(conn, org_id)?.path;
    if actor.holds(Role::Trainer, &path) || actor.holds(Role::Admin, &path) {
        Ok(())
    } else {
        // Sessions of other unions are not acknowledged at all.
        Err(ServiceError::NotFound("class session"))
    }
}

fn record_attendance(
    conn: &mut DbConn,
    session_id: i64,
    user_id: i64,
    method: AttendanceMethod,
    recorded_by: Option<i64>,
) -> QueryResult<()> {
    let already: i64 = attendances::table
        .filter(attendances::session_id.eq(session_id))
        .filter(attendances::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if already == 0 {
        diesel::insert_into(attendances::table)
            .values((
                attendances::session_id.eq(session_id),
                attendances::user_id.eq(user_id),
                attendances::method.eq(method),
                attendances::recorded_by.eq(recorded_by),
                attendances::checked_in_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// She checks in to a class of the course with the code the trainer shows. The code works
/// only from 30 minutes before the class until it ends; checking in twice changes nothing.
pub async fn check_in(
    core: &Core,
    actor: &Actor,
    course: String,
    code: String,
) -> Result<EnrollmentView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let course_id = visible_to(conn, &actor, &course)?;
        let subject = actor.user_id.to_string();
        let limit = config.certificates.check_in_failures_per_15min;
        if throttle::exhausted(conn, throttle::CHECK_IN_FAILURE, &subject, limit)? {
            return Err(ServiceError::RateLimited {
                what: "wrong check-in codes",
            });
        }
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        // The outer error aborts the transaction; the inner one (a wrong code) commits the
        // recorded failure first.
        let outcome: Result<i64, ServiceError> = write_tx(conn, |conn| {
            let enrollment =
                enrollment_of(conn, actor.user_id, course_id)?.ok_or(ServiceError::NotEnrolled)?;
            // Two check-ins of hers at once (a double tap) take turns: the second finds the
            // first one's attendance instead of racing it to the unique key.
            lock_for_update(conn, RowLock::Enrollment(enrollment))?;
            let at = now();
            let open: Option<i64> = class_sessions::table
                .filter(class_sessions::course_id.eq(course_id))
                .filter(class_sessions::code.eq(&code))
                .filter(class_sessions::starts_at.le(at + chrono::Duration::minutes(EARLY_MINUTES)))
                .filter(class_sessions::ends_at.ge(at))
                .select(class_sessions::id)
                .first(conn)
                .optional()?;
            let Some(session_id) = open else {
                throttle::record(conn, throttle::CHECK_IN_FAILURE, &subject)?;
                return Ok(Err(ServiceError::CheckInCode));
            };
            record_attendance(
                conn,
                session_id,
                actor.user_id,
                AttendanceMethod::Code,
                None,
            )?;
            complete_if_due(
                conn,
                config,
                UserId(actor.user_id),
                CourseId(course_id),
                EnrollmentId(enrollment),
            )?;
            Ok::<_, ServiceError>(Ok(enrollment))
        })?;
        super::learning::enrollment_by_id(conn, outcome?)
    })
    .await
}

/// The trainer marks a learner (by phone) present, e.g. when her phone cannot check in.
///
/// Any learner enrolled in the course may be marked, whatever her union: women attend classes
/// where they work, which need not be where their union membership is. An unknown phone and a
/// phone of someone not enrolled get the same answer, so the form reveals no registrations.
pub async fn mark_present(
    core: &Core,
    actor: &Actor,
    session: String,
    phone: String,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let row = session_by_public_id(conn, &session)?;
        require_teacher(conn, &actor, row.org_id)?;
        let phone = Phone::parse(&phone)?;
        const NOT_ENROLLED: ServiceError =
            ServiceError::NotFound("learner enrolled in this course with that phone");
        let learner: i64 = users::table
            .filter(users::phone.eq(phone.as_str()))
            .select(users::id)
            .first(conn)
            .optional()?
            .ok_or(NOT_ENROLLED)?;
        write_tx(conn, |conn| {
            let enrollment = enrollment_of(conn, learner, row.course_id)?.ok_or(NOT_ENROLLED)?;
            lock_for_update(conn, RowLock::Enrollment(enrollment))?;
            record_attendance(
                conn,
                row.id,
                learner,
                AttendanceMethod::Trainer,
                Some(actor.user_id),
            )?;
            complete_if_due(
                conn,
                config,
                UserId(learner),
                CourseId(row.course_id),
                EnrollmentId(enrollment),
            )?;
            session_view(conn, &row)
        })
    })
    .await
}
