//! The trainer's register of a class: everyone signed up and everyone present, marks by hand,
//! a roster file (to mark attendance, or to sign up women without smartphones), practical
//! scores, and the export. Names and phones are in full for the class's own trainer, who
//! calls the roll; masked for the other trainers and administrators of its union.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::checkin::{completed, presence_in_tx, record_presence};
use super::signup::{insert_signup, open_for_signup};
use super::{require_runner, signup_of, view, Looker, SessionRow};
use crate::db::models::OrgRow;
use crate::db::schema::{attendances, class_signups, enrollments, orgs as orgs_t, users};
use crate::db::types::{EnrollmentId, UserId};
use crate::db::{contains_pattern, lock_for_update, write_tx, DbConn, RowLock};
use crate::domain::{mask_name, mask_phone, AttendanceMethod, DomainError, Phone, SignupStatus};
use crate::dto::{AttendanceListView, AttendanceRowView, RosterProblem, RosterReport};
use crate::services::actor::Actor;
use crate::services::completion::complete_if_due;
use crate::services::evidence::{self, ExportFormat};
use crate::services::sheet::{self, cell};
use crate::services::{now, orgs, Core};
use crate::time::{iso_utc, to_china};
use crate::ServiceError;

/// At most this many rows per roster.
const MAX_ROSTER_ROWS: usize = 2_000;
const SEARCH_LIMIT: i64 = 20;

/// A person on the register, as stored.
#[derive(Debug, Queryable)]
struct PersonRow {
    id: UserId,
    public_id: String,
    name: String,
    phone: String,
}

/// Her line: sign-up, attendance and score.
fn row_view(
    conn: &mut DbConn,
    session: &SessionRow,
    person: PersonRow,
    full: bool,
) -> Result<AttendanceRowView, ServiceError> {
    let signup = signup_of(conn, session.id, person.id)?;
    let attendance: Option<(AttendanceMethod, NaiveDateTime, Option<i32>)> = attendances::table
        .filter(attendances::session_id.eq(session.id))
        .filter(attendances::user_id.eq(person.id))
        .select((
            attendances::method,
            attendances::checked_in_at,
            attendances::practical_score,
        ))
        .first(conn)
        .optional()?;
    Ok(AttendanceRowView {
        person: person.public_id,
        name: if full {
            person.name.clone()
        } else {
            mask_name(&person.name)
        },
        phone: if full {
            person.phone.clone()
        } else {
            mask_phone(&person.phone)
        },
        signup: signup.as_ref().map(|s| s.status.clone()),
        position: signup.and_then(|s| s.position),
        present: attendance.is_some(),
        method: attendance.map(|a| a.0.as_str().into()),
        checked_in_at: attendance.map(|a| iso_utc(a.1)),
        checked_in_local: attendance.map(|a| to_china(a.1).format("%H:%M").to_string()),
        practical_score: attendance.and_then(|a| a.2),
        completed: completed(conn, person.id, session.course_id)?,
    })
}

fn person_columns() -> (users::id, users::public_id, users::name, users::phone) {
    (users::id, users::public_id, users::name, users::phone)
}

/// Everyone signed up (seated first, then the wait-list, each in sign-up order), then the
/// walk-ins in check-in order.
fn register_of(
    conn: &mut DbConn,
    row: &SessionRow,
    org: &OrgRow,
    actor: &Actor,
) -> Result<AttendanceListView, ServiceError> {
    let full = UserId(actor.user_id) == row.trainer_id;
    let mut people: Vec<PersonRow> = Vec::new();
    for status in [SignupStatus::Confirmed, SignupStatus::Waitlisted] {
        people.extend(
            class_signups::table
                .inner_join(users::table)
                .filter(class_signups::session_id.eq(row.id))
                .filter(class_signups::status.eq(status))
                .order(class_signups::id.asc())
                .select(person_columns())
                .load::<PersonRow>(conn)?,
        );
    }
    let signed: HashSet<UserId> = people.iter().map(|p| p.id).collect();
    let present: Vec<PersonRow> = attendances::table
        .inner_join(users::table.on(users::id.eq(attendances::user_id)))
        .filter(attendances::session_id.eq(row.id))
        .order(attendances::checked_in_at.asc())
        .select(person_columns())
        .load(conn)?;
    people.extend(present.into_iter().filter(|p| !signed.contains(&p.id)));
    let rows = people
        .into_iter()
        .map(|p| row_view(conn, row, p, full))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AttendanceListView {
        present: rows.iter().filter(|r| r.present).count() as i64,
        session: view(conn, row, org, Looker::of(Some(actor), org))?,
        rows,
        full_names: full,
    })
}

/// The register of a class, for those who run it.
pub async fn attendance(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<AttendanceListView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        register_of(conn, &row, &org, &actor)
    })
    .await
}

/// `POST /api/v1/sessions/{id}/attendance` with JSON: mark one learner present (the
/// default) or absent, by phone (the original body, `{"phone": …}`) or by person id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceMark {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default = "yes")]
    pub present: bool,
}

fn yes() -> bool {
    true
}

/// One of "her learners" for this class: signed up for it, present, enrolled in its course,
/// or a member under the class's union (a walk-in from her own union). Anyone else —
/// unregistered or not — gets the same 404, so marking reveals no registrations.
fn learner_for_mark(
    conn: &mut DbConn,
    row: &SessionRow,
    org: &OrgRow,
    mark: &AttendanceMark,
) -> Result<PersonRow, ServiceError> {
    const NOT_HERS: ServiceError =
        ServiceError::NotFound("learner enrolled in this course with that phone");
    let found: Option<PersonRow> = match (&mark.person, &mark.phone) {
        (Some(person), _) => users::table
            .filter(users::public_id.eq(person))
            .select(person_columns())
            .first(conn)
            .optional()?,
        (None, Some(phone)) => {
            let phone = Phone::parse(phone)?;
            users::table
                .filter(users::phone.eq(phone.as_str()))
                .select(person_columns())
                .first(conn)
                .optional()?
        }
        (None, None) => return Err(DomainError::MarkWho.into()),
    };
    let person = found.ok_or(NOT_HERS)?;
    if is_hers(conn, row, person.id)? || is_member(conn, org, person.id)? {
        Ok(person)
    } else {
        Err(NOT_HERS)
    }
}

/// Whether she belongs to the class's union or a union under it.
fn is_member(conn: &mut DbConn, org: &OrgRow, user: UserId) -> QueryResult<bool> {
    let path: String = users::table
        .inner_join(orgs_t::table)
        .filter(users::id.eq(user))
        .select(orgs_t::path)
        .first(conn)?;
    Ok(path.starts_with(&org.path))
}

fn is_hers(conn: &mut DbConn, row: &SessionRow, user: UserId) -> QueryResult<bool> {
    if signup_of(conn, row.id, user)?.is_some() || super::is_present(conn, row.id, user)? {
        return Ok(true);
    }
    let enrolled: i64 = enrollments::table
        .filter(enrollments::user_id.eq(user))
        .filter(enrollments::course_id.eq(row.course_id))
        .count()
        .get_result(conn)?;
    // Enrolled, she may be marked at any class of the course: women attend where they work,
    // which need not be where their union membership is.
    Ok(enrolled > 0)
}

/// The trainer marks a learner present (her phone cannot check in) or absent (marked by
/// mistake; not once that attendance completed her course).
pub async fn mark(
    core: &Core,
    actor: &Actor,
    id: String,
    mark: AttendanceMark,
) -> Result<AttendanceListView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        let person = learner_for_mark(conn, &row, &org, &mark)?;
        if mark.present {
            record_presence(
                conn,
                config,
                &row,
                person.id,
                AttendanceMethod::Trainer,
                Some(UserId(actor.user_id)),
            )?;
        } else {
            mark_absent(conn, &row, person.id)?;
        }
        register_of(conn, &row, &org, &actor)
    })
    .await
}

fn mark_absent(conn: &mut DbConn, row: &SessionRow, user: UserId) -> Result<(), ServiceError> {
    write_tx(conn, |conn| {
        lock_for_update(conn, RowLock::ClassSession(row.id.0))?;
        let evidence: Option<Option<String>> = enrollments::table
            .filter(enrollments::user_id.eq(user))
            .filter(enrollments::course_id.eq(row.course_id))
            .filter(enrollments::completed_at.is_not_null())
            .select(enrollments::evidence)
            .first(conn)
            .optional()?;
        let used = evidence.flatten().is_some_and(|e| {
            serde_json::from_str::<serde_json::Value>(&e).is_ok_and(|v| {
                v["session"] == json!(row.public_id)
                    || v["practical_session"] == json!(row.public_id)
            })
        });
        if used {
            return Err(DomainError::AbsentAfterCompletion.into());
        }
        diesel::delete(
            attendances::table
                .filter(attendances::session_id.eq(row.id))
                .filter(attendances::user_id.eq(user)),
        )
        .execute(conn)?;
        Ok(())
    })
}

/// Her learners whose name contains `q` or whose phone ends with it: signed up for the class,
/// or members under the class's union (walk-ins from her own union included).
pub async fn find_learners(
    core: &Core,
    actor: &Actor,
    id: String,
    q: String,
) -> Result<Vec<AttendanceRowView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        let q = q.trim().to_string();
        let digits = q.chars().all(|c| c.is_ascii_digit());
        if q.chars().count() < 2 || (digits && q.len() < 4) || q.chars().count() > 50 {
            return Err(DomainError::LearnerSearch.into());
        }
        // A name containing it, or (digits only) a phone ending with it; an empty pattern
        // matches no phone.
        let tail = if digits {
            format!("%{q}")
        } else {
            String::new()
        };
        let matching = users::name
            .like(contains_pattern(&q))
            .or(users::phone.like(tail));
        let upper = orgs::subtree_upper_bound(&org.path);
        let members = orgs_t::table
            .filter(orgs_t::path.ge(org.path.clone()))
            .filter(orgs_t::path.lt(upper))
            .select(orgs_t::id);
        let signed = class_signups::table
            .filter(class_signups::session_id.eq(row.id))
            .select(class_signups::user_id);
        let people: Vec<PersonRow> = users::table
            .filter(matching)
            .filter(users::id.eq_any(signed).or(users::org_id.eq_any(members)))
            .order(users::name.asc())
            .limit(SEARCH_LIMIT)
            .select(person_columns())
            .load(conn)?;
        let full = UserId(actor.user_id) == row.trainer_id;
        people
            .into_iter()
            .map(|p| row_view(conn, &row, p, full))
            .collect()
    })
    .await
}

/// What a roster does to each woman on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterAction {
    /// Mark her present (the sign-in sheet of a class that happened).
    Present,
    /// Sign her up in advance (women without smartphones).
    Signup,
}

impl RosterAction {
    pub fn parse(text: &str) -> Result<RosterAction, DomainError> {
        match text.trim() {
            "" | "present" => Ok(RosterAction::Present),
            "signup" => Ok(RosterAction::Signup),
            _ => Err(DomainError::RosterAction),
        }
    }
}

fn roster_columns(header: &[String]) -> Result<HashMap<&'static str, usize>, ServiceError> {
    let mut found = HashMap::new();
    for (i, title) in header.iter().enumerate() {
        let key = match title.trim().to_lowercase().as_str() {
            "phone" | "mobile" | "手机" | "手机号" | "手机号码" | "电话" => "phone",
            "name" | "姓名" => "name",
            _ => continue,
        };
        found.insert(key, i);
    }
    if !found.contains_key("phone") {
        return Err(ServiceError::BadUpload(
            "line 1: the header needs a phone/手机号 column (a 姓名 column is optional)".into(),
        ));
    }
    Ok(found)
}

/// Checks every row of a roster; unless it is a dry run and only if every row is good,
/// marks or signs up everyone on it. A phone that is not one of "her learners" (see
/// [`is_hers`]; for sign-ups, any learner who can see the course) is named by line.
pub async fn import_roster(
    core: &Core,
    actor: &Actor,
    id: String,
    bytes: Vec<u8>,
    action: RosterAction,
    dry_run: bool,
) -> Result<RosterReport, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        if action == RosterAction::Signup {
            open_for_signup(&row)?;
        }
        let table = sheet::read(bytes, MAX_ROSTER_ROWS, "rows")?;
        let at = roster_columns(&table.header)?;
        let mut problems: Vec<RosterProblem> = table
            .unreadable
            .iter()
            .map(|(line, reason)| RosterProblem {
                line: *line,
                field: "row".into(),
                reason: reason.clone(),
            })
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut people: Vec<UserId> = Vec::new();
        let rows = table.rows.len() + table.unreadable.len();
        for (line, record) in &table.rows {
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut fail = |field: &str, reason: String| {
                problems.push(RosterProblem {
                    line: *line,
                    field: field.into(),
                    reason,
                })
            };
            let phone = match Phone::parse(cell(&at, record, "phone")) {
                Ok(p) => p,
                Err(e) => {
                    fail("phone", e.to_string());
                    continue;
                }
            };
            if let Some(first) = seen.insert(phone.as_str().to_string(), *line) {
                fail("phone", format!("the same phone is already on line {first}"));
                continue;
            }
            let mark = AttendanceMark {
                phone: Some(phone.as_str().into()),
                person: None,
                present: true,
            };
            let person = match action {
                RosterAction::Present => learner_for_mark(conn, &row, &org, &mark).ok(),
                RosterAction::Signup => learner_who_sees(conn, &row, &org, &phone)?,
            };
            let Some(person) = person else {
                fail(
                    "phone",
                    "no learner of this class or its union has this phone; add her with the learner import (学员导入) first".into(),
                );
                continue;
            };
            let name = cell(&at, record, "name");
            if !name.is_empty() && name != person.name {
                fail("name", "the name does not match the account with this phone".into());
                continue;
            }
            people.push(person.id);
        }
        let mut report = RosterReport {
            dry_run,
            rows,
            applied: 0,
            already: 0,
            problems,
        };
        for &user in &people {
            let done = match action {
                RosterAction::Present => super::is_present(conn, row.id, user)?,
                RosterAction::Signup => signup_of(conn, row.id, user)?.is_some(),
            };
            if done {
                report.already += 1;
            } else {
                report.applied += 1;
            }
        }
        if dry_run || !report.problems.is_empty() {
            return Ok(report);
        }
        apply_roster(conn, config, &row, &actor, action, &people)?;
        Ok(report)
    })
    .await
}

/// A learner with this phone who can see the class's course, and is one of "her learners"
/// or a member under the class's union (for signing up in advance): a phone registered
/// elsewhere in the province gets the same answer as an unregistered one.
fn learner_who_sees(
    conn: &mut DbConn,
    row: &SessionRow,
    org: &OrgRow,
    phone: &Phone,
) -> Result<Option<PersonRow>, ServiceError> {
    let found: Option<(PersonRow, String)> = users::table
        .inner_join(orgs_t::table)
        .filter(users::phone.eq(phone.as_str()))
        .select((person_columns(), orgs_t::path))
        .first(conn)
        .optional()?;
    let Some((person, path)) = found else {
        return Ok(None);
    };
    if !path.starts_with(&org.path) && !is_hers(conn, row, person.id)? {
        return Ok(None);
    }
    let code: String = crate::db::schema::courses::table
        .find(row.course_id)
        .select(crate::db::schema::courses::code)
        .first(conn)?;
    let sees = crate::services::learning::visible_to_user(conn, person.id.0, &code).is_ok();
    Ok(sees.then_some(person))
}

fn apply_roster(
    conn: &mut DbConn,
    config: &crate::config::Config,
    row: &SessionRow,
    actor: &Actor,
    action: RosterAction,
    people: &[UserId],
) -> Result<(), ServiceError> {
    write_tx(conn, |conn| {
        for &user in people {
            match action {
                RosterAction::Present => {
                    presence_in_tx(
                        conn,
                        config,
                        row,
                        user,
                        AttendanceMethod::Roster,
                        Some(UserId(actor.user_id)),
                    )?;
                }
                RosterAction::Signup => {
                    lock_for_update(conn, RowLock::ClassSession(row.id.0))?;
                    if signup_of(conn, row.id, user)?.is_none() {
                        super::signup::enrol_for_class(conn, user, row.course_id)?;
                        insert_signup(conn, row, user)?;
                    }
                }
            }
        }
        Ok(())
    })
}

/// `PUT /api/v1/sessions/{id}/scores`: one practical score per attendee, by person id or
/// phone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreInput {
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    pub score: i32,
}

/// Records practical scores of attendees (all or none), completing the course of each whose
/// score passes and who has done the rest.
pub async fn set_scores(
    core: &Core,
    actor: &Actor,
    id: String,
    scores: Vec<ScoreInput>,
) -> Result<AttendanceListView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        let practical: Option<i32> = crate::db::schema::courses::table
            .find(row.course_id)
            .select(crate::db::schema::courses::practical_pass_mark)
            .first(conn)?;
        if practical.is_none() {
            return Err(DomainError::NoPractical.into());
        }
        let mut marks = Vec::new();
        for input in &scores {
            if !(0..=100).contains(&input.score) {
                return Err(DomainError::Score.into());
            }
            let mark = AttendanceMark {
                phone: input.phone.clone(),
                person: input.person.clone(),
                present: true,
            };
            let person = learner_for_mark(conn, &row, &org, &mark)?;
            if !super::is_present(conn, row.id, person.id)? {
                return Err(DomainError::ScoreNotPresent.into());
            }
            marks.push((person.id, input.score));
        }
        write_tx(conn, |conn| {
            lock_for_update(conn, RowLock::ClassSession(row.id.0))?;
            for &(user, score) in &marks {
                diesel::update(
                    attendances::table
                        .filter(attendances::session_id.eq(row.id))
                        .filter(attendances::user_id.eq(user)),
                )
                .set((
                    attendances::practical_score.eq(score),
                    attendances::scored_by.eq(UserId(actor.user_id)),
                    attendances::scored_at.eq(now()),
                ))
                .execute(conn)?;
                let enrollment =
                    crate::services::enrolment::enrollment_of(conn, user.0, row.course_id.0)?;
                if let Some(enrollment) = enrollment {
                    complete_if_due(conn, config, user, row.course_id, EnrollmentId(enrollment))?;
                }
            }
            Ok::<_, ServiceError>(())
        })?;
        register_of(conn, &row, &org, &actor)
    })
    .await
}

const EXPORT_HEADER: [&str; 9] = [
    "姓名 name",
    "手机 phone",
    "报名 signup",
    "候补位次 position",
    "到场 present",
    "签到方式 method",
    "签到时间 checked_in_at",
    "实操成绩 practical_score",
    "已结业 completed",
];

/// The register as CSV or XLSX, audited like the dashboard exports. The file name says the
/// course and the date.
pub async fn export_attendance(
    core: &Core,
    actor: &Actor,
    id: String,
    format: ExportFormat,
) -> Result<(String, Vec<u8>), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (row, org) = require_runner(conn, &actor, &id)?;
        let list = register_of(conn, &row, &org, &actor)?;
        evidence::audit(
            conn,
            &actor,
            org.id,
            &format!("attendance.{}", format.extension()),
            &json!({ "session": row.public_id }),
        )?;
        let yes_no = |b: bool| if b { "是" } else { "否" }.to_string();
        let rows = list
            .rows
            .into_iter()
            .map(|r| {
                vec![
                    evidence::safe_cell(&r.name),
                    r.phone,
                    r.signup.unwrap_or_default(),
                    r.position.map(|p| p.to_string()).unwrap_or_default(),
                    yes_no(r.present),
                    r.method.unwrap_or_default(),
                    r.checked_in_at
                        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| crate::time::china_minute(t.naive_utc()))
                        .unwrap_or_default(),
                    r.practical_score.map(|s| s.to_string()).unwrap_or_default(),
                    yes_no(r.completed),
                ]
            })
            .collect();
        let bytes = evidence::encode(
            format,
            &EXPORT_HEADER,
            rows,
            evidence::Sheets::One("签到 attendance"),
        )?;
        let date = crate::time::china_date(row.starts_at);
        Ok((
            format!(
                "attendance-{}-{date}.{}",
                list.session.course,
                format.extension()
            ),
            bytes,
        ))
    })
    .await
}
