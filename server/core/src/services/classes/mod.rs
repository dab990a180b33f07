//! In-person classes (线下课): trainers and administrators of a union open class sessions of
//! a course, with seats, notes and a state; learners find the classes of their city, sign up
//! (wait-listed in order when full), get a reminder the day before, and check in with a code
//! that changes every 30 seconds (or its QR code) while the class runs; trainers call the roll,
//! mark and score attendees and export the list. Attendance (and a passing practical score
//! where the course asks for one) completes the course through the one completion record.
//!
//! Submodules: `codes` (the check-in codes, pure), `signup` (seats and the wait-list),
//! `checkin` (every way of becoming present), `register` (the trainer's list: marks, roster,
//! scores, export) and `reminders` (the scheduler's work). This module holds what they share:
//! the session row, who runs a class, views, and opening, editing and cancelling.

mod checkin;
pub mod codes;
mod register;
mod reminders;
mod signup;

use chrono::{DateTime, Duration, NaiveDateTime};
use diesel::prelude::*;
use rand::RngCore;
use serde::{Deserialize, Deserializer};

pub use checkin::{check_in, check_in_by_link, check_in_course, live_code, scan_pass};
pub use register::{
    attendance, export_attendance, find_learners, import_roster, mark, set_scores, AttendanceMark,
    RosterAction, ScoreInput,
};
pub use reminders::{learning_page, send_due_reminders};

pub use crate::services::evidence::ExportFormat;
pub use signup::{cancel_signup, sign_up};

use super::actor::Actor;
use super::learning::visible_to;
use super::tokens::new_public_id;
use super::{now, orgs, outbox, Core};
use crate::config::{Config, SmsMode};
use crate::db::models::OrgRow;
use crate::db::schema::{
    attendances, class_sessions, class_signups, courses, orgs as orgs_t, users,
};
use crate::db::types::{ClassSessionId, CourseId, OrgId, UserId};
use crate::db::{write_tx, DbConn};
use crate::domain::{
    mask_name, mask_phone, DomainError, OrgCode, Role, SessionState, SignupStatus,
};
use crate::dto::{
    AttendeeView, ClassSessionView, CourseChoice, CourseDetail, OrgChoice, SignupView,
    TrainerSessionsView,
};
use crate::time::{china_minute, iso_utc};
use crate::ServiceError;

/// Check-in opens this long before the class starts.
pub const EARLY_MINUTES: i64 = 30;
const MAX_CLASS_HOURS: i64 = 12;
const MAX_CAPACITY: i64 = 10_000;
const MAX_NOTES: usize = 1_000;
/// Lists show at most this many classes.
const LIST_LIMIT: i64 = 50;
/// The reminder goes out this long before the start.
const REMIND_BEFORE_HOURS: i64 = 24;

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
    /// Seats; absent or `null` for no limit.
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// `PATCH /api/v1/sessions/{id}`: only the fields given change; `"capacity": null` removes
/// the limit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub ends_at: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub capacity: Option<Option<i64>>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A field that is present (`null` included) as `Some`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A China-time date and time from a form (`2026-12-01`, `09:00`) as RFC 3339.
pub fn china_rfc3339(date: &str, time: &str) -> String {
    format!("{}T{}:00+08:00", date.trim(), time.trim())
}

fn parse_time(text: &str, field: &'static str) -> Result<NaiveDateTime, DomainError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.naive_utc())
        .map_err(|_| DomainError::ClassTimes { field })
}

/// A class session as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = class_sessions)]
pub(crate) struct SessionRow {
    pub id: ClassSessionId,
    pub public_id: String,
    pub course_id: CourseId,
    pub org_id: OrgId,
    pub trainer_id: UserId,
    pub location: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub capacity: Option<i64>,
    pub notes: String,
    pub state: SessionState,
    pub code_secret: Vec<u8>,
}

impl SessionRow {
    pub(crate) fn check_in_opens(&self) -> NaiveDateTime {
        self.starts_at - Duration::minutes(EARLY_MINUTES)
    }

    /// Check-in is open at `at`: not cancelled, from 30 minutes before the start to the end.
    pub(crate) fn check_in_open_at(&self, at: NaiveDateTime) -> bool {
        self.state == SessionState::Scheduled && self.check_in_opens() <= at && at <= self.ends_at
    }

    pub(crate) fn closed_error(&self) -> ServiceError {
        ServiceError::CheckInClosed {
            opens: china_minute(self.check_in_opens()),
            closes: china_minute(self.ends_at),
        }
    }
}

pub(crate) fn load(conn: &mut DbConn, public_id: &str) -> Result<SessionRow, ServiceError> {
    class_sessions::table
        .filter(class_sessions::public_id.eq(public_id))
        .select(SessionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("class session"))
}

pub(crate) fn load_by_id(
    conn: &mut DbConn,
    id: ClassSessionId,
) -> Result<SessionRow, ServiceError> {
    Ok(class_sessions::table
        .find(id)
        .select(SessionRow::as_select())
        .first(conn)?)
}

/// Whether she runs the class: a trainer or administrator of its union (or above) — its own
/// trainer included while she holds that role; a trainer whose role was revoked no longer
/// runs the classes she opened.
pub(crate) fn runs(actor: &Actor, org: &OrgRow) -> bool {
    actor.holds(Role::Trainer, &org.path) || actor.holds(Role::Admin, &org.path)
}

/// The session and its union, for those who run it; a session of another union is not
/// acknowledged at all (404).
pub(crate) fn require_runner(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<(SessionRow, OrgRow), ServiceError> {
    let row = load(conn, public_id)?;
    let org = orgs::find_by_id(conn, row.org_id.0)?;
    if runs(actor, &org) {
        Ok((row, org))
    } else {
        Err(ServiceError::NotFound("class session"))
    }
}

/// Whether she runs the class `public_id` (404 otherwise), decided before what she sends is
/// read.
pub async fn authorize_runner(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<(), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| require_runner(conn, &actor, &public_id).map(|_| ()))
        .await
}

/// The session, for a learner who can see its course (404 otherwise).
pub(crate) fn require_visible(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<SessionRow, ServiceError> {
    let row = load(conn, public_id)?;
    let code = course_code(conn, row.course_id)?;
    visible_to(conn, actor, &code).map_err(|_| ServiceError::NotFound("class session"))?;
    Ok(row)
}

fn course_code(conn: &mut DbConn, course: CourseId) -> QueryResult<String> {
    courses::table
        .find(course)
        .select(courses::code)
        .first(conn)
}

/// Who is looking at a session view.
#[derive(Clone, Copy)]
pub(crate) struct Looker {
    pub user: Option<UserId>,
    /// She runs it: she sees the code and the attendees.
    pub runs: bool,
}

impl Looker {
    pub(crate) fn of(actor: Option<&Actor>, org: &OrgRow) -> Looker {
        Looker {
            user: actor.map(|a| UserId(a.user_id)),
            runs: actor.is_some_and(|a| runs(a, org)),
        }
    }
}

pub(crate) fn count_signups(
    conn: &mut DbConn,
    session: ClassSessionId,
    status: SignupStatus,
) -> QueryResult<i64> {
    class_signups::table
        .filter(class_signups::session_id.eq(session))
        .filter(class_signups::status.eq(status))
        .count()
        .get_result(conn)
}

/// Her place at the class: confirmed, or wait-listed with her position (1 = next).
pub(crate) fn signup_of(
    conn: &mut DbConn,
    session: ClassSessionId,
    user: UserId,
) -> QueryResult<Option<SignupView>> {
    let mine: Option<(i64, SignupStatus)> = class_signups::table
        .filter(class_signups::session_id.eq(session))
        .filter(class_signups::user_id.eq(user))
        .select((class_signups::id, class_signups::status))
        .first(conn)
        .optional()?;
    let Some((id, status)) = mine else {
        return Ok(None);
    };
    let position = match status {
        SignupStatus::Confirmed => None,
        SignupStatus::Waitlisted => Some(
            class_signups::table
                .filter(class_signups::session_id.eq(session))
                .filter(class_signups::status.eq(SignupStatus::Waitlisted))
                .filter(class_signups::id.le(id))
                .count()
                .get_result(conn)?,
        ),
    };
    Ok(Some(SignupView {
        status: status.as_str().into(),
        position,
    }))
}

pub(crate) fn is_present(
    conn: &mut DbConn,
    session: ClassSessionId,
    user: UserId,
) -> QueryResult<bool> {
    let n: i64 = attendances::table
        .filter(attendances::session_id.eq(session))
        .filter(attendances::user_id.eq(user))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

#[derive(Queryable)]
struct CourseNames {
    code: String,
    title: String,
    title_en: Option<String>,
    practical_pass_mark: Option<i32>,
}

#[derive(Queryable)]
struct AttendeeRow {
    name: String,
    phone: String,
    method: crate::domain::AttendanceMethod,
    checked_in_at: NaiveDateTime,
}

/// The session as `looker` sees it.
pub(crate) fn view(
    conn: &mut DbConn,
    row: &SessionRow,
    org: &OrgRow,
    looker: Looker,
) -> Result<ClassSessionView, ServiceError> {
    let at = now();
    let course: CourseNames = courses::table
        .find(row.course_id)
        .select((
            courses::code,
            courses::title,
            courses::title_en,
            courses::practical_pass_mark,
        ))
        .first(conn)?;
    let confirmed = count_signups(conn, row.id, SignupStatus::Confirmed)?;
    let waitlisted = count_signups(conn, row.id, SignupStatus::Waitlisted)?;
    let (my_signup, my_present) = match looker.user {
        Some(user) => (
            signup_of(conn, row.id, user)?,
            is_present(conn, row.id, user)?,
        ),
        None => (None, false),
    };
    let attendees = if looker.runs {
        attendees(conn, row, looker)?
    } else {
        Vec::new()
    };
    Ok(ClassSessionView {
        id: row.public_id.clone(),
        course: course.code,
        org: org.code.clone(),
        location: row.location.clone(),
        starts_at: iso_utc(row.starts_at),
        ends_at: iso_utc(row.ends_at),
        code: looker
            .runs
            .then(|| codes::code_for(&row.code_secret, &row.public_id, codes::window_of(at))),
        attendees,
        course_title: course.title,
        course_title_en: course.title_en,
        org_name: org.name.clone(),
        org_name_en: org.name_en.clone(),
        capacity: row.capacity,
        notes: row.notes.clone(),
        state: row.state.as_str().into(),
        confirmed,
        waitlisted,
        seats_left: row.capacity.map(|c| (c - confirmed).max(0)),
        starts_local: china_minute(row.starts_at),
        ends_local: china_minute(row.ends_at),
        my_signup,
        my_present,
        check_in_open: row.check_in_open_at(at),
        upcoming: at < row.starts_at && row.state == SessionState::Scheduled,
        can_manage: looker.runs,
        practical_pass_mark: course.practical_pass_mark,
    })
}

/// Who came, in check-in order: names in full for the class's own trainer (she calls the
/// roll), masked for everyone else who runs it.
fn attendees(
    conn: &mut DbConn,
    row: &SessionRow,
    looker: Looker,
) -> QueryResult<Vec<AttendeeView>> {
    let full = looker.user == Some(row.trainer_id);
    let rows: Vec<AttendeeRow> = attendances::table
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
    Ok(rows
        .into_iter()
        .map(|a| AttendeeView {
            name: if full { a.name } else { mask_name(&a.name) },
            phone: if full { a.phone } else { mask_phone(&a.phone) },
            method: a.method.as_str().into(),
            checked_in_at: iso_utc(a.checked_in_at),
        })
        .collect())
}

pub(crate) fn view_for(
    conn: &mut DbConn,
    row: &SessionRow,
    actor: Option<&Actor>,
) -> Result<ClassSessionView, ServiceError> {
    let org = orgs::find_by_id(conn, row.org_id.0)?;
    view(conn, row, &org, Looker::of(actor, &org))
}

fn views_for(
    conn: &mut DbConn,
    rows: Vec<SessionRow>,
    actor: Option<&Actor>,
) -> Result<Vec<ClassSessionView>, ServiceError> {
    rows.iter().map(|row| view_for(conn, row, actor)).collect()
}

/// The union the class is run for: the one named, or her first trainer or administrator
/// node; she must teach or administer there.
fn class_org(
    conn: &mut DbConn,
    actor: &Actor,
    requested: Option<&str>,
) -> Result<OrgRow, ServiceError> {
    let code = match requested.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => code.to_string(),
        None => actor
            .grants
            .iter()
            .find(|g| matches!(g.role, Role::Trainer | Role::Admin))
            .map(|g| g.org_code.clone())
            .ok_or(ServiceError::Forbidden)?,
    };
    let org = orgs::require(conn, &OrgCode::parse(&code, "org")?, "org")?;
    if !(actor.holds(Role::Trainer, &org.path) || actor.holds(Role::Admin, &org.path)) {
        return Err(ServiceError::Forbidden);
    }
    Ok(org)
}

/// `new` unless it is within the same minute as `old` (then `old`, unchanged).
fn same_minute(new: NaiveDateTime, old: NaiveDateTime) -> NaiveDateTime {
    if (new - old).num_seconds().abs() < 60 {
        old
    } else {
        new
    }
}

/// Times, place, seats and notes checked together, every bad field reported at once.
struct Checked {
    location: String,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    capacity: Option<i64>,
    notes: String,
}

fn check_fields(
    location: &str,
    starts_at: &str,
    ends_at: &str,
    capacity: Option<i64>,
    notes: &str,
) -> Result<Checked, ServiceError> {
    let mut problems = Vec::new();
    let location = location.trim().to_string();
    if location.is_empty() || location.chars().count() > 200 {
        problems.push(DomainError::Location);
    }
    let starts = parse_time(starts_at, "starts_at");
    let ends = parse_time(ends_at, "ends_at");
    if let Err(e) = &starts {
        problems.push(e.clone());
    }
    match (&starts, &ends) {
        (_, Err(e)) => problems.push(e.clone()),
        (Ok(s), Ok(e)) if e <= s || *e - *s > Duration::hours(MAX_CLASS_HOURS) => {
            problems.push(DomainError::ClassTimes { field: "ends_at" })
        }
        _ => {}
    }
    if capacity.is_some_and(|c| !(1..=MAX_CAPACITY).contains(&c)) {
        problems.push(DomainError::Capacity);
    }
    let notes = notes.trim().to_string();
    if notes.chars().count() > MAX_NOTES {
        problems.push(DomainError::Notes);
    }
    match (starts, ends, problems.len()) {
        (Ok(starts_at), Ok(ends_at), 0) => Ok(Checked {
            location,
            starts_at,
            ends_at,
            capacity,
            notes,
        }),
        _ if problems.len() == 1 => Err(problems.remove(0).into()),
        _ => Err(ServiceError::InvalidFields(problems)),
    }
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
        let fields = check_fields(
            &input.location,
            &input.starts_at,
            &input.ends_at,
            input.capacity,
            input.notes.as_deref().unwrap_or(""),
        )?;
        let org = class_org(conn, &actor, input.org.as_deref())?;
        let course_id = visible_to(conn, &actor, &course)?;
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let public_id = new_public_id();
        write_tx(conn, |conn| {
            diesel::insert_into(class_sessions::table)
                .values((
                    class_sessions::public_id.eq(&public_id),
                    class_sessions::course_id.eq(course_id),
                    class_sessions::org_id.eq(org.id),
                    class_sessions::trainer_id.eq(actor.user_id),
                    class_sessions::location.eq(&fields.location),
                    class_sessions::starts_at.eq(fields.starts_at),
                    class_sessions::ends_at.eq(fields.ends_at),
                    class_sessions::capacity.eq(fields.capacity),
                    class_sessions::notes.eq(&fields.notes),
                    class_sessions::state.eq(SessionState::Scheduled),
                    class_sessions::code_secret.eq(&secret[..]),
                    class_sessions::created_at.eq(now()),
                ))
                .execute(conn)?;
            let row = load(conn, &public_id)?;
            view(conn, &row, &org, Looker::of(Some(&actor), &org))
        })
    })
    .await
}

/// Edits a class that has not ended. Once it has started only the place and notes change;
/// seats cannot go below those already confirmed; more seats promote the wait-list in order;
/// a new start time re-arms the reminders and tells everyone signed up.
pub async fn update_session(
    core: &Core,
    actor: &Actor,
    id: String,
    patch: SessionPatch,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        write_tx(conn, |conn| {
            let (row, org) = require_runner(conn, &actor, &id)?;
            crate::db::lock_for_update(conn, crate::db::RowLock::ClassSession(row.id.0))?;
            if row.state == SessionState::Cancelled {
                return Err(ServiceError::SessionCancelled);
            }
            let fields = check_fields(
                patch.location.as_deref().unwrap_or(&row.location),
                &patch
                    .starts_at
                    .clone()
                    .unwrap_or_else(|| iso_utc(row.starts_at)),
                &patch
                    .ends_at
                    .clone()
                    .unwrap_or_else(|| iso_utc(row.ends_at)),
                patch.capacity.unwrap_or(row.capacity),
                patch.notes.as_deref().unwrap_or(&row.notes),
            )?;
            // A form sends every field back: only real changes count (times to the minute,
            // as a form gives them).
            let fields = Checked {
                starts_at: same_minute(fields.starts_at, row.starts_at),
                ends_at: same_minute(fields.ends_at, row.ends_at),
                ..fields
            };
            let retimed = fields.starts_at != row.starts_at || fields.ends_at != row.ends_at;
            let reseated = fields.capacity != row.capacity;
            let at = now();
            if at > row.ends_at || (at >= row.starts_at && (retimed || reseated)) {
                return Err(ServiceError::SessionStarted);
            }
            let confirmed = count_signups(conn, row.id, SignupStatus::Confirmed)?;
            if fields.capacity.is_some_and(|c| c < confirmed) {
                return Err(DomainError::CapacityBelowConfirmed { confirmed }.into());
            }
            diesel::update(class_sessions::table.find(row.id))
                .set((
                    class_sessions::location.eq(&fields.location),
                    class_sessions::starts_at.eq(fields.starts_at),
                    class_sessions::ends_at.eq(fields.ends_at),
                    class_sessions::capacity.eq(fields.capacity),
                    class_sessions::notes.eq(&fields.notes),
                ))
                .execute(conn)?;
            let updated = load(conn, &id)?;
            if fields.starts_at != row.starts_at {
                diesel::update(class_signups::table.filter(class_signups::session_id.eq(row.id)))
                    .set((
                        class_signups::remind_at.eq(remind_at(fields.starts_at)),
                        class_signups::reminder_sent_at.eq(None::<NaiveDateTime>),
                    ))
                    .execute(conn)?;
                tell_everyone(conn, config, &updated, Notice::Moved)?;
            }
            signup::promote(conn, config, &updated)?;
            view(conn, &updated, &org, Looker::of(Some(&actor), &org))
        })
    })
    .await
}

/// Cancels a class that has not ended; everyone signed up (seated or wait-listed) is told.
/// Cancelling again changes nothing.
pub async fn cancel_session(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        write_tx(conn, |conn| {
            let (row, org) = require_runner(conn, &actor, &id)?;
            crate::db::lock_for_update(conn, crate::db::RowLock::ClassSession(row.id.0))?;
            if row.state == SessionState::Scheduled {
                if now() > row.ends_at {
                    return Err(ServiceError::SessionStarted);
                }
                diesel::update(class_sessions::table.find(row.id))
                    .set((
                        class_sessions::state.eq(SessionState::Cancelled),
                        class_sessions::cancelled_at.eq(now()),
                    ))
                    .execute(conn)?;
                tell_everyone(conn, config, &row, Notice::Cancelled)?;
            }
            let row = load(conn, &id)?;
            view(conn, &row, &org, Looker::of(Some(&actor), &org))
        })
    })
    .await
}

/// One session for any signed-in viewer who can see it: learners see its seats and their own
/// place; those who run it also see the code and the attendees.
pub async fn session_view(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = load(conn, &id)?;
        let org = orgs::find_by_id(conn, row.org_id.0)?;
        let looker = Looker::of(Some(&actor), &org);
        if !looker.runs {
            require_visible(conn, &actor, &id)?;
        }
        view(conn, &row, &org, looker)
    })
    .await
}

/// The session with its attendees, for trainers and administrators of its union (the
/// original `GET /api/v1/sessions/{id}`).
pub async fn session(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<ClassSessionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        view(conn, &row, &org, Looker::of(Some(&actor), &org))
    })
    .await
}

fn not_ended_scheduled(
    at: NaiveDateTime,
) -> class_sessions::BoxedQuery<'static, crate::db::MultiBackend> {
    class_sessions::table
        .filter(class_sessions::ends_at.ge(at))
        .filter(class_sessions::state.eq(SessionState::Scheduled))
        .order((class_sessions::starts_at.asc(), class_sessions::id.asc()))
        .limit(LIST_LIMIT)
        .into_boxed()
}

/// The classes of a course that have not ended, soonest first.
pub async fn course_sessions(
    core: &Core,
    actor: Option<&Actor>,
    course: String,
) -> Result<Vec<ClassSessionView>, ServiceError> {
    let actor = actor.cloned();
    core.run(move |conn, _| course_sessions_in(conn, actor.as_ref(), &course))
        .await
}

fn course_sessions_in(
    conn: &mut DbConn,
    actor: Option<&Actor>,
    course: &str,
) -> Result<Vec<ClassSessionView>, ServiceError> {
    let course_id: CourseId = courses::table
        .filter(courses::code.eq(course))
        .select(courses::id)
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("course"))?;
    let rows = not_ended_scheduled(now())
        .filter(class_sessions::course_id.eq(course_id))
        .select(SessionRow::as_select())
        .load(conn)?;
    views_for(conn, rows, actor)
}

/// A course page with the course's classes.
pub async fn course_page(
    core: &Core,
    actor: Option<&Actor>,
    code: String,
) -> Result<CourseDetail, ServiceError> {
    let mut detail = super::learning::course(core, actor, code.clone()).await?;
    detail.sessions = course_sessions(core, actor, code).await?;
    Ok(detail)
}

/// The city-level union above her node (her node itself at province or city level): the
/// classes "near her" are those run anywhere under it.
fn city_path(path: &str) -> String {
    let parts: Vec<&str> = path.trim_matches('/').split('/').take(2).collect();
    format!("/{}/", parts.join("/"))
}

/// Classes that have not ended, run by unions in her own city, soonest first.
pub async fn near_me(core: &Core, actor: &Actor) -> Result<Vec<ClassSessionView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let path: String = users::table
            .inner_join(orgs_t::table)
            .filter(users::id.eq(actor.user_id))
            .select(orgs_t::path)
            .first(conn)?;
        let city = city_path(&path);
        let upper = orgs::subtree_upper_bound(&city);
        let in_city = orgs_t::table
            .filter(orgs_t::path.ge(city))
            .filter(orgs_t::path.lt(upper))
            .select(orgs_t::id);
        let rows = not_ended_scheduled(now())
            .filter(class_sessions::org_id.eq_any(in_city))
            .select(SessionRow::as_select())
            .load(conn)?;
        let mut views = Vec::new();
        for row in rows {
            // Only courses she can see (a course published for another city is not hers).
            if require_visible(conn, &actor, &row.public_id).is_ok() {
                views.push(view_for(conn, &row, Some(&actor))?);
            }
        }
        Ok(views)
    })
    .await
}

/// The classes she runs, and what she may open new ones for.
pub async fn trainer_sessions(
    core: &Core,
    actor: &Actor,
) -> Result<TrainerSessionsView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let orgs = teaching_orgs(conn, &actor)?;
        let org_ids: Vec<i64> = orgs.iter().map(|o| o.id).collect();
        let at = now();
        let mine = || {
            class_sessions::table
                .filter(
                    class_sessions::trainer_id
                        .eq(UserId(actor.user_id))
                        .or(class_sessions::org_id.eq_any(org_ids.clone())),
                )
                .select(SessionRow::as_select())
                .limit(LIST_LIMIT)
        };
        let upcoming = mine()
            .filter(class_sessions::ends_at.ge(at))
            .order(class_sessions::starts_at.asc())
            .load(conn)?;
        let past = mine()
            .filter(class_sessions::ends_at.lt(at))
            .filter(class_sessions::ends_at.ge(at - Duration::days(30)))
            .order(class_sessions::starts_at.desc())
            .load(conn)?;
        Ok(TrainerSessionsView {
            upcoming: views_for(conn, upcoming, Some(&actor))?,
            past: views_for(conn, past, Some(&actor))?,
            courses: course_choices(conn, &actor)?,
            orgs: orgs
                .into_iter()
                .map(|o| OrgChoice {
                    code: o.code,
                    name: o.name,
                    name_en: o.name_en,
                })
                .collect(),
        })
    })
    .await
}

/// The unions of her trainer and administrator grants.
fn teaching_orgs(conn: &mut DbConn, actor: &Actor) -> Result<Vec<OrgRow>, ServiceError> {
    let mut orgs = Vec::new();
    for grant in &actor.grants {
        if matches!(grant.role, Role::Trainer | Role::Admin)
            && !orgs.iter().any(|o: &OrgRow| o.code == grant.org_code)
        {
            if let Some(org) = orgs::find_by_code(conn, &grant.org_code)? {
                orgs.push(org);
            }
        }
    }
    Ok(orgs)
}

/// Published courses she can see that have an in-person part (blended or offline).
fn course_choices(conn: &mut DbConn, actor: &Actor) -> Result<Vec<CourseChoice>, ServiceError> {
    let rows: Vec<(String, String, Option<String>)> = courses::table
        .filter(courses::status.eq(crate::domain::CourseStatus::Published))
        .filter(courses::complete_attendance.eq(true))
        .order(courses::code.asc())
        .select((courses::code, courses::title, courses::title_en))
        .load(conn)?;
    let mut choices = Vec::new();
    for (id, title, title_en) in rows {
        if visible_to(conn, actor, &id).is_ok() {
            choices.push(CourseChoice {
                id,
                title,
                title_en,
            });
        }
    }
    Ok(choices)
}

pub(crate) fn remind_at(starts_at: NaiveDateTime) -> NaiveDateTime {
    starts_at - Duration::hours(REMIND_BEFORE_HOURS)
}

/// What she is told about a class she signed up for.
#[derive(Clone, Copy)]
pub(crate) enum Notice {
    Cancelled,
    Moved,
    /// A seat freed and she moved up from the wait-list.
    Promoted,
    /// The day before.
    Reminder,
}

/// Queues the notice to her: by email when she has one, else by text message when SMS is on
/// (a phone-only account without SMS hears it on her 我的学习 page).
pub(crate) fn tell(
    conn: &mut DbConn,
    config: &Config,
    row: &SessionRow,
    user: UserId,
    notice: Notice,
) -> QueryResult<()> {
    let (name, phone, email): (String, String, Option<String>) = users::table
        .find(user)
        .select((users::name, users::phone, users::email))
        .first(conn)?;
    let title: String = courses::table
        .find(row.course_id)
        .select(courses::title)
        .first(conn)?;
    let when = format!(
        "{}–{}",
        china_minute(row.starts_at),
        &china_minute(row.ends_at)[11..]
    );
    let url = format!("{}/classes", config.public_url.trim_end_matches('/'));
    let (subject, line) = match notice {
        Notice::Cancelled => (
            format!("线下课已取消：{title}"),
            format!("您报名的线下课「{title}」（{when}，{}）已取消。可以在这里报名其他时间的课：{url}", row.location),
        ),
        Notice::Moved => (
            format!("线下课改时间：{title}"),
            format!("您报名的线下课「{title}」改到 {when}，地点：{}。不能参加的话请在这里取消报名：{url}", row.location),
        ),
        Notice::Promoted => (
            format!("候补成功，您有座位了：{title}"),
            format!("有人取消了报名，您已从候补转为正式报名：「{title}」，{when}，地点：{}。请按时到场签到。", row.location),
        ),
        Notice::Reminder => (
            format!("明天上课提醒：{title}"),
            format!("提醒：您报名的线下课「{title}」在 {when} 上课，地点：{}。开课前 30 分钟起可以签到。不能参加的话请取消报名，把座位让给候补的姐妹：{url}", row.location),
        ),
    };
    match (email, &config.sms) {
        (Some(email), _) => {
            let body = format!("{name}，您好：\n\n{line}\n\n起航 · 江苏女职工数字技能培训");
            outbox::enqueue(conn, &email, &subject, &body)
        }
        (None, SmsMode::Off) => Ok(()),
        (None, _) => outbox::enqueue_sms(conn, &phone, &subject, &format!("【起航】{line}")),
    }
}

/// Tells everyone signed up (seated and wait-listed).
fn tell_everyone(
    conn: &mut DbConn,
    config: &Config,
    row: &SessionRow,
    notice: Notice,
) -> QueryResult<()> {
    let users: Vec<UserId> = class_signups::table
        .filter(class_signups::session_id.eq(row.id))
        .order(class_signups::id.asc())
        .select(class_signups::user_id)
        .load(conn)?;
    for user in users {
        tell(conn, config, row, user, notice)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_city_of_a_node() {
        assert_eq!(city_path("/js/js-wx/js-wx-liangxi/"), "/js/js-wx/");
        assert_eq!(city_path("/js/js-wx/"), "/js/js-wx/");
        assert_eq!(city_path("/js/"), "/js/");
    }

    #[test]
    fn form_times_are_china_time() {
        let t = DateTime::parse_from_rfc3339(&china_rfc3339("2026-12-01", "09:00"))
            .unwrap()
            .naive_utc();
        assert_eq!(t.to_string(), "2026-12-01 01:00:00");
    }

    #[test]
    fn a_patch_tells_a_null_capacity_from_an_absent_one() {
        let absent: SessionPatch = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.capacity, None);
        let null: SessionPatch = serde_json::from_str(r#"{"capacity": null}"#).unwrap();
        assert_eq!(null.capacity, Some(None));
        let set: SessionPatch = serde_json::from_str(r#"{"capacity": 30}"#).unwrap();
        assert_eq!(set.capacity, Some(Some(30)));
    }
}
