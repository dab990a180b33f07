//! Her own data and sessions (PIPL articles 44–47, issue 15): what Qihang holds about her, to
//! read and download; the sessions signed in as her, to see and end; and the deletion of her
//! account.
//!
//! Deleting erases what identifies her (name, phone, email, password, consents, sessions,
//! links, unsent messages to her) and keeps, under the anonymised row, what the drive's counts
//! and other people's records rest on: her completions, attempts and attendance still count
//! for the union she completed in, so `qihang stats verify` stays clean and no dashboard
//! figure moves. Each certificate issued to her keeps only what verification needs: the masked
//! name, course, date and issuer; the stored credential (which carries her full name) is
//! replaced by its digest, so a copy she kept still verifies.
//!
//! Builds on `accounts`, `account_settings` and `skills`; none of them calls this module.

use diesel::prelude::*;
use serde::Deserialize;
use serde_json::json;

use super::account_settings::confirm_password_on;
use super::actor::Actor;
use super::audit::{self, AuditAction, Entry};
use super::{now, Core};
use crate::credential::content_digest;
use crate::db::schema::{
    attendances, certificates, class_sessions, consents, courses, enrollments, lesson_progress,
    lessons, login_failures, orgs, outbox, password_tokens, quiz_attempts, role_grants, sessions,
    skill_records, skills, users,
};
use crate::db::types::Json;
use crate::db::{write_tx, DbConn};
use crate::domain::mask_name;
use crate::dto::{
    MyAccountData, MyAttemptData, MyAttendanceData, MyDataExport, MyEnrolmentData, MyRoleData,
    MySkillData, SessionView,
};
use crate::time::{china_minute, iso_utc};
use crate::ServiceError;

/// What a deleted account's name becomes.
pub const DELETED_NAME: &str = "已注销用户";

/// `DELETE /api/v1/me` `{password}`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeleteAccount {
    pub password: String,
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// A session's public handle: the first 16 hex digits of its token's hash (which opens
/// nothing: the token cannot be had from it).
fn handle_of(token_hash: &str) -> String {
    token_hash.chars().take(16).collect()
}

/// Her live sessions, the newest seen first.
fn live_sessions(conn: &mut DbConn, user_id: i64, current: i64) -> QueryResult<Vec<SessionView>> {
    #[derive(Queryable)]
    struct Row {
        id: i64,
        token_hash: String,
        device: String,
        created_at: chrono::NaiveDateTime,
        last_seen_at: Option<chrono::NaiveDateTime>,
    }
    let rows: Vec<Row> = sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .order((sessions::last_seen_at.desc(), sessions::id.desc()))
        .select((
            sessions::id,
            sessions::token_hash,
            sessions::device,
            sessions::created_at,
            sessions::last_seen_at,
        ))
        .load(conn)?;
    let mut views: Vec<SessionView> = rows
        .into_iter()
        .map(|r| SessionView {
            id: handle_of(&r.token_hash),
            device: r.device,
            created_at: iso_utc(r.created_at),
            last_seen_at: r.last_seen_at.map(iso_utc),
            created_text: china_minute(r.created_at),
            last_seen_text: r.last_seen_at.map(china_minute),
            current: r.id == current,
        })
        .collect();
    // This device first, then the others by when they were last used.
    views.sort_by_key(|v| !v.current);
    Ok(views)
}

/// Her live sessions (device, first and last seen), the one she asks from marked.
pub async fn my_sessions(core: &Core, actor: &Actor) -> Result<Vec<SessionView>, ServiceError> {
    let (user_id, current) = (actor.user_id, actor.session_id);
    core.run(move |conn, _| Ok(live_sessions(conn, user_id, current)?))
        .await
}

/// Ends one of her sessions by its handle (404 for a handle that is not one of her live
/// sessions: another woman's session is never found, let alone ended).
pub async fn end_session(core: &Core, actor: &Actor, handle: String) -> Result<(), ServiceError> {
    let user_id = actor.user_id;
    core.run(move |conn, _| {
        if handle.len() != 16 || !handle.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ServiceError::NotFound("session"));
        }
        let ids: Vec<(i64, String)> = sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .select((sessions::id, sessions::token_hash))
            .load(conn)?;
        let id = ids
            .into_iter()
            .find(|(_, hash)| handle_of(hash) == handle.to_ascii_lowercase())
            .map(|(id, _)| id)
            .ok_or(ServiceError::NotFound("session"))?;
        diesel::update(sessions::table.find(id))
            .set(sessions::revoked_at.eq(now()))
            .execute(conn)?;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Export

/// Everything Qihang holds about her.
pub async fn export(core: &Core, actor: &Actor) -> Result<MyDataExport, ServiceError> {
    let (user_id, current) = (actor.user_id, actor.session_id);
    core.run(move |conn, _| {
        Ok(MyDataExport {
            exported_at: iso_utc(now()),
            account: account_data(conn, user_id)?,
            roles: roles_data(conn, user_id)?,
            consents: super::skills::consent_of(conn, user_id)?,
            enrolments: enrolment_data(conn, user_id)?,
            attempts: attempt_data(conn, user_id)?,
            attendance: attendance_data(conn, user_id)?,
            certificates: super::certificates::certificates_of(conn, user_id)?,
            skills: skill_data(conn, user_id)?,
            sessions: live_sessions(conn, user_id, current)?,
        })
    })
    .await
}

/// The same, every time in China time to the minute (`2026-11-28 11:20`), for her page.
pub async fn export_for_page(core: &Core, actor: &Actor) -> Result<MyDataExport, ServiceError> {
    let mut data = export(core, actor).await?;
    // Non-breaking hyphens and space: a narrow screen never splits a date from itself.
    let unbroken = |text: &str| text.replace('-', "\u{2011}").replace(' ', "\u{a0}");
    let local = |iso: &mut String| {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(iso, "%Y-%m-%dT%H:%M:%SZ") {
            *iso = unbroken(&china_minute(t));
        }
    };
    let local_opt = |iso: &mut Option<String>| iso.iter_mut().for_each(local);
    local(&mut data.exported_at);
    local(&mut data.account.created_at);
    local_opt(&mut data.account.consent_at);
    data.roles.iter_mut().for_each(|r| local(&mut r.granted_at));
    local_opt(&mut data.consents.updated_at);
    for e in &mut data.enrolments {
        local(&mut e.enrolled_at);
        local_opt(&mut e.completed_at);
    }
    for a in &mut data.attempts {
        local(&mut a.started_at);
        local_opt(&mut a.submitted_at);
    }
    for a in &mut data.attendance {
        local(&mut a.starts_at);
        local(&mut a.checked_in_at);
    }
    data.certificates
        .iter_mut()
        .for_each(|c| local(&mut c.issued_at));
    for s in &mut data.sessions {
        s.created_text = unbroken(&s.created_text);
        s.last_seen_text = s.last_seen_text.as_deref().map(unbroken);
    }
    for s in &mut data.skills {
        local(&mut s.recorded_at);
        local_opt(&mut s.withdrawn_at);
    }
    Ok(data)
}

fn account_data(conn: &mut DbConn, user_id: i64) -> QueryResult<MyAccountData> {
    #[derive(Queryable)]
    struct Row {
        public_id: String,
        name: String,
        phone: String,
        email: Option<String>,
        gender: String,
        org: String,
        org_name: String,
        created_at: chrono::NaiveDateTime,
        consent_version: Option<String>,
        consent_at: Option<chrono::NaiveDateTime>,
    }
    let r: Row = users::table
        .inner_join(orgs::table)
        .filter(users::id.eq(user_id))
        .select((
            users::public_id,
            users::name,
            users::phone,
            users::email,
            users::gender,
            orgs::code,
            orgs::name,
            users::created_at,
            users::consent_version,
            users::consent_at,
        ))
        .first(conn)?;
    Ok(MyAccountData {
        id: r.public_id,
        name: r.name,
        phone: r.phone,
        email: r.email,
        gender: r.gender,
        org: r.org,
        org_name: r.org_name,
        created_at: iso_utc(r.created_at),
        consent_version: r.consent_version,
        consent_at: r.consent_at.map(iso_utc),
    })
}

fn roles_data(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<MyRoleData>> {
    let rows: Vec<(String, String, String, chrono::NaiveDateTime)> = role_grants::table
        .inner_join(orgs::table)
        .filter(role_grants::user_id.eq(user_id))
        .order(role_grants::id.asc())
        .select((
            role_grants::role,
            orgs::code,
            orgs::name,
            role_grants::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(role, org, org_name, at)| MyRoleData {
            role,
            org,
            org_name,
            granted_at: iso_utc(at),
        })
        .collect())
}

fn enrolment_data(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<MyEnrolmentData>> {
    let rows: Vec<(
        i64,
        String,
        String,
        chrono::NaiveDateTime,
        Option<chrono::NaiveDateTime>,
    )> = enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user_id))
        .order(enrollments::id.asc())
        .select((
            courses::id,
            courses::code,
            courses::title,
            enrollments::enrolled_at,
            enrollments::completed_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(course, code, title, enrolled, completed)| {
            let lessons_completed = lesson_progress::table
                .inner_join(lessons::table)
                .filter(lesson_progress::user_id.eq(user_id))
                .filter(lessons::course_id.eq(course))
                .count()
                .get_result(conn)?;
            Ok(MyEnrolmentData {
                course_id: code,
                course: title,
                enrolled_at: iso_utc(enrolled),
                completed_at: completed.map(iso_utc),
                lessons_completed,
            })
        })
        .collect()
}

fn attempt_data(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<MyAttemptData>> {
    #[derive(Queryable)]
    struct Row {
        id: String,
        course: String,
        started_at: chrono::NaiveDateTime,
        submitted_at: Option<chrono::NaiveDateTime>,
        score: Option<i32>,
        passed: Option<bool>,
    }
    let rows: Vec<Row> = quiz_attempts::table
        .inner_join(courses::table)
        .filter(quiz_attempts::user_id.eq(user_id))
        .order(quiz_attempts::id.asc())
        .select((
            quiz_attempts::public_id,
            courses::code,
            quiz_attempts::started_at,
            quiz_attempts::submitted_at,
            quiz_attempts::score,
            quiz_attempts::passed,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| MyAttemptData {
            id: r.id,
            course_id: r.course,
            started_at: iso_utc(r.started_at),
            submitted_at: r.submitted_at.map(iso_utc),
            score: r.score,
            passed: r.passed,
        })
        .collect())
}

fn attendance_data(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<MyAttendanceData>> {
    #[derive(Queryable)]
    struct Row {
        session: String,
        course: String,
        location: String,
        starts_at: chrono::NaiveDateTime,
        checked_in_at: chrono::NaiveDateTime,
        method: String,
        practical_score: Option<i32>,
    }
    let rows: Vec<Row> = attendances::table
        .inner_join(class_sessions::table.inner_join(courses::table))
        .filter(attendances::user_id.eq(user_id))
        .order(attendances::id.asc())
        .select((
            class_sessions::public_id,
            courses::code,
            class_sessions::location,
            class_sessions::starts_at,
            attendances::checked_in_at,
            attendances::method,
            attendances::practical_score,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| MyAttendanceData {
            session: r.session,
            course_id: r.course,
            location: r.location,
            starts_at: iso_utc(r.starts_at),
            checked_in_at: iso_utc(r.checked_in_at),
            method: r.method,
            practical_score: r.practical_score,
        })
        .collect())
}

fn skill_data(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<MySkillData>> {
    #[derive(Queryable)]
    struct Row {
        skill: String,
        skill_name: String,
        level: i32,
        source: String,
        recorded_at: chrono::NaiveDateTime,
        withdrawn_at: Option<chrono::NaiveDateTime>,
    }
    let rows: Vec<Row> = skill_records::table
        .inner_join(skills::table)
        .filter(skill_records::user_id.eq(user_id))
        .order(skill_records::id.asc())
        .select((
            skills::code,
            skills::name,
            skill_records::level,
            skill_records::source,
            skill_records::recorded_at,
            skill_records::withdrawn_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| MySkillData {
            skill: r.skill,
            skill_name: r.skill_name,
            level: r.level,
            source: r.source,
            recorded_at: iso_utc(r.recorded_at),
            withdrawn_at: r.withdrawn_at.map(iso_utc),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Deletion

/// Deletes her account once `password` is hers (a wrong one counts as a failed login, as for
/// every change to her account). See the module's documentation for what is erased and what
/// is kept.
pub async fn delete_account(
    core: &Core,
    actor: &Actor,
    input: DeleteAccount,
    client_ip: String,
) -> Result<(), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let user =
            confirm_password_on(conn, actor.user_id, &input.password, &client_ip, "password")?;
        write_tx(conn, |conn| {
            erase(conn, user.id, &user.public_id)?;
            audit::record(
                conn,
                &actor,
                Entry {
                    action: AuditAction::DeleteAccount,
                    subject: Some(user.id),
                    org: Some(user.org_id),
                    detail: &json!({}),
                },
            )?;
            Ok(())
        })
    })
    .await
}

fn erase(conn: &mut DbConn, user_id: i64, public_id: &str) -> Result<(), ServiceError> {
    let at = now();
    let (phone, email): (String, Option<String>) = users::table
        .find(user_id)
        .select((users::phone, users::email))
        .first(conn)?;
    // Messages not yet sent to her phone or address.
    let recipients: Vec<String> = std::iter::once(phone).chain(email).collect();
    diesel::delete(
        outbox::table
            .filter(outbox::recipient.eq_any(&recipients))
            .filter(outbox::sent_at.is_null()),
    )
    .execute(conn)?;
    diesel::delete(login_failures::table.filter(login_failures::login_key.eq_any(&recipients)))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    diesel::delete(password_tokens::table.filter(password_tokens::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(consents::table.find(user_id)).execute(conn)?;
    diesel::delete(role_grants::table.filter(role_grants::user_id.eq(user_id))).execute(conn)?;
    erase_certificates(conn, user_id)?;
    diesel::update(users::table.find(user_id))
        .set((
            users::name.eq(DELETED_NAME),
            // Unique and never a phone number: her number is free to register again.
            users::phone.eq(format!("deleted:{public_id}")),
            users::email.eq(None::<String>),
            users::password_hash.eq(None::<String>),
            users::consent_version.eq(None::<String>),
            users::consent_at.eq(None::<chrono::NaiveDateTime>),
            users::disabled.eq(true),
            users::deleted_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Her certificates keep the masked name, course, date and issuer; the credential (with her
/// full name) is replaced by a note, its digest kept so that her own copy still verifies.
fn erase_certificates(conn: &mut DbConn, user_id: i64) -> Result<(), ServiceError> {
    let rows: Vec<(i64, String, Json<serde_json::Value>, Option<String>)> = certificates::table
        .filter(certificates::user_id.eq(user_id))
        .select((
            certificates::id,
            certificates::holder_name,
            certificates::credential,
            certificates::credential_digest,
        ))
        .load(conn)?;
    for (id, holder, credential, digest) in rows {
        let digest = digest.unwrap_or_else(|| content_digest(&credential.0));
        diesel::update(certificates::table.find(id))
            .set((
                certificates::holder_name.eq(mask_name(&holder)),
                certificates::credential
                    .eq(json!({ "erased": "holder deleted her account" }).to_string()),
                certificates::credential_digest.eq(digest),
            ))
            .execute(conn)?;
    }
    Ok(())
}
