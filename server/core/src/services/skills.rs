//! Skill records: the levels of the skill framework (`courses/skills.toml`) each woman holds,
//! each with its evidence — a completed course (granted in the completing transaction), a
//! trainer's confirmation after a practical assessment (who, when, why), later a competition
//! result. Records are append-only: none is ever deleted; a revoked certificate withdraws the
//! level its completion granted, visibly, with the reason. Her level in a skill is the
//! highest she holds that is not withdrawn.
//!
//! Who may see a profile: she herself; administrators of her union's subtree always; trainers
//! of that subtree only while she consents to her skills being visible (PIPL: a purpose of its
//! own, separate from registration, withdrawn at once). Everyone else gets 403.
//!
//! Completion and certificates call this module; it calls neither.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Deserialize;

use super::actor::Actor;
use super::skill_stats::Before;
use super::{now, stored_json, Core};
use crate::db::schema::{
    certificates, competition_results, competitions, consents, courses, enrollments, orgs,
    skill_records, skills, users,
};
use crate::db::skill_rows::{insert_course_levels, NewCourseLevel};
use crate::db::types::{CourseId, EnrollmentId, UserId};
use crate::db::{write_tx, DbConn};
use crate::domain::{CourseStatus, DomainError, Role};
use crate::dto::{ConsentView, CourseChoice, SkillEvidenceView, SkillView};
use crate::time::{china_date, iso_utc};
use crate::ServiceError;

pub use crate::domain::SkillSource;

/// A course's skill mapping as stored in `courses.skills`.
#[derive(Debug, Deserialize)]
struct CourseSkill {
    skill: String,
    level: i32,
}

fn skill_ids(conn: &mut DbConn) -> QueryResult<HashMap<String, i64>> {
    Ok(skills::table
        .select((skills::code, skills::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Grants the levels the enrolment's course teaches (once: again changes nothing), and
/// counts her new levels. Call in the completing transaction.
pub(crate) fn grant_for_completion(
    conn: &mut DbConn,
    enrollment: EnrollmentId,
) -> Result<usize, ServiceError> {
    let user: i64 = enrollments::table
        .find(enrollment)
        .select(enrollments::user_id)
        .first(conn)?;
    let before = Before::take(conn, user)?;
    let granted = record_course_levels(conn, enrollment)?;
    before.settle(conn)?;
    Ok(granted)
}

/// The records of the levels the enrolment's course teaches, the counters left alone (the
/// caller counts, or rebuilds the counters afterwards).
fn record_course_levels(
    conn: &mut DbConn,
    enrollment: EnrollmentId,
) -> Result<usize, ServiceError> {
    let (completed, mapping): (Completed, String) = enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::id.eq(enrollment))
        .select((Completed::as_select(), courses::skills))
        .first(conn)?;
    let levels = resolve_levels(
        &stored_json::<Vec<CourseSkill>>(&mapping)?,
        &skill_ids(conn)?,
    );
    let rows: Vec<NewCourseLevel> = completed.grants(&levels).collect();
    Ok(insert_course_levels(conn, &rows)?)
}

/// A completed enrolment, as much of it as its skill records need.
#[derive(Queryable, Selectable)]
#[diesel(table_name = enrollments)]
struct Completed {
    id: EnrollmentId,
    user_id: UserId,
    course_id: CourseId,
    completed_at: Option<NaiveDateTime>,
}

impl Completed {
    /// The records of `levels` (skill id, level) this completion grants.
    fn grants<'a>(&'a self, levels: &'a [(i64, i32)]) -> impl Iterator<Item = NewCourseLevel> + 'a {
        levels.iter().map(|&(skill_id, level)| NewCourseLevel {
            user_id: self.user_id,
            skill_id,
            level,
            source: SkillSource::Course,
            enrollment_id: Some(self.id),
            recorded_at: self.completed_at.unwrap_or_else(now),
        })
    }
}

/// A course's mapping as (skill id, level), skipping skills the framework no longer has.
fn resolve_levels(mapping: &[CourseSkill], ids: &HashMap<String, i64>) -> Vec<(i64, i32)> {
    mapping
        .iter()
        .filter_map(|entry| Some((*ids.get(&entry.skill)?, entry.level)))
        .collect()
}

/// Every course's levels, by course id, read once for a rebuild.
fn levels_by_course(conn: &mut DbConn) -> Result<HashMap<CourseId, Vec<(i64, i32)>>, ServiceError> {
    let ids = skill_ids(conn)?;
    let mut levels = HashMap::new();
    for (course, mapping) in courses::table
        .select((courses::id, courses::skills))
        .load::<(CourseId, String)>(conn)?
    {
        levels.insert(
            course,
            resolve_levels(&stored_json::<Vec<CourseSkill>>(&mapping)?, &ids),
        );
    }
    Ok(levels)
}

/// Grants the levels of a run of completions in one multi-row statement (the rebuild's unit
/// of work), and withdraws those of revoked certificates. Returns the records added.
fn record_completions(
    conn: &mut DbConn,
    chunk: &[(i64, Option<String>)],
    levels: &HashMap<CourseId, Vec<(i64, i32)>>,
) -> Result<usize, ServiceError> {
    let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
    let completed: Vec<Completed> = enrollments::table
        .filter(enrollments::id.eq_any(&ids))
        .order(enrollments::id.asc())
        .select(Completed::as_select())
        .load(conn)?;
    let rows: Vec<NewCourseLevel> = completed
        .iter()
        .flat_map(|c| {
            let levels = levels.get(&c.course_id).map_or(&[][..], Vec::as_slice);
            c.grants(levels)
        })
        .collect();
    let added = insert_course_levels(conn, &rows)?;
    for (enrollment, revoked) in chunk {
        if let Some(reason) = revoked {
            withdraw_records(conn, *enrollment, reason)?;
        }
    }
    Ok(added)
}

/// Withdraws the levels an enrolment's completion granted (its certificate was revoked),
/// keeping the records with the reason.
pub(crate) fn withdraw_for_enrollment(
    conn: &mut DbConn,
    enrollment: i64,
    reason: &str,
) -> QueryResult<usize> {
    let user: i64 = enrollments::table
        .find(enrollment)
        .select(enrollments::user_id)
        .first(conn)?;
    let before = Before::take(conn, user)?;
    let withdrawn = withdraw_records(conn, enrollment, reason)?;
    before.settle(conn)?;
    Ok(withdrawn)
}

/// Withdraws an enrolment's records, the counters left alone.
fn withdraw_records(conn: &mut DbConn, enrollment: i64, reason: &str) -> QueryResult<usize> {
    diesel::update(
        skill_records::table
            .filter(skill_records::enrollment_id.eq(enrollment))
            .filter(skill_records::withdrawn_at.is_null()),
    )
    .set((
        skill_records::withdrawn_at.eq(now()),
        skill_records::withdrawn_reason.eq(format!("certificate revoked: {reason}")),
    ))
    .execute(conn)
}

/// Completed enrolments, with whether their certificate is revoked (and why).
fn completions(conn: &mut DbConn) -> QueryResult<Vec<(i64, Option<String>)>> {
    let done: Vec<i64> = enrollments::table
        .filter(enrollments::completed_at.is_not_null())
        .order(enrollments::id.asc())
        .select(enrollments::id)
        .load(conn)?;
    let revoked: HashMap<i64, String> = certificates::table
        .filter(certificates::revoked_at.is_not_null())
        .select((
            certificates::enrollment_id,
            certificates::revoked_reason.assume_not_null(),
        ))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(done
        .into_iter()
        .map(|e| (e, revoked.get(&e).cloned()))
        .collect())
}

/// Grants every completion's levels that are missing (completions from before skill records,
/// or a repair) and withdraws those of revoked certificates; then recounts the women per
/// level from the records, once. Safe to run again, and from two servers at once (the unique
/// key absorbs the race; the recount locks the counters). Returns the records added.
pub async fn rebuild(core: &Core) -> Result<usize, ServiceError> {
    core.run(|conn, _| {
        let levels = levels_by_course(conn)?;
        let mut added = 0;
        // A transaction per 500 completions, their records in one statement: short enough
        // not to hold the write lock long, few enough round trips for millions.
        for chunk in completions(conn)?.chunks(500) {
            added += write_tx(conn, |conn| record_completions(conn, chunk, &levels))?;
        }
        // The counts of women per level, from the records as they now stand.
        write_tx(conn, |conn| {
            Ok::<_, ServiceError>(super::skill_stats::rebuild(conn)?)
        })?;
        Ok(added)
    })
    .await
}

/// What `verify` found wrong: each line names the enrolment and skill.
pub async fn verify(core: &Core) -> Result<(usize, Vec<String>), ServiceError> {
    core.run(|conn, _| {
        let ids = skill_ids(conn)?;
        let mut problems = Vec::new();
        let completions = completions(conn)?;
        for (enrollment, revoked) in &completions {
            let mapping: String = enrollments::table
                .inner_join(courses::table)
                .filter(enrollments::id.eq(enrollment))
                .select(courses::skills)
                .first(conn)?;
            for entry in stored_json::<Vec<CourseSkill>>(&mapping)? {
                let Some(&skill_id) = ids.get(&entry.skill) else {
                    continue;
                };
                let record: Option<(i32, Option<NaiveDateTime>)> = skill_records::table
                    .filter(skill_records::enrollment_id.eq(enrollment))
                    .filter(skill_records::skill_id.eq(skill_id))
                    .select((skill_records::level, skill_records::withdrawn_at))
                    .first(conn)
                    .optional()?;
                match record {
                    None => problems.push(format!(
                        "enrolment {enrollment}: no record of {} level {}",
                        entry.skill, entry.level
                    )),
                    Some((level, _)) if level != entry.level => problems.push(format!(
                        "enrolment {enrollment}: {} recorded at level {level}, the course grants {}",
                        entry.skill, entry.level
                    )),
                    Some((_, None)) if revoked.is_some() => problems.push(format!(
                        "enrolment {enrollment}: its certificate is revoked but {} is not withdrawn",
                        entry.skill
                    )),
                    Some(_) => {}
                }
            }
        }
        Ok((completions.len(), problems))
    })
    .await
}

/// One stored record, with what it rests on.
#[derive(Queryable)]
struct RecordRow {
    skill_id: i64,
    level: i32,
    source: SkillSource,
    course_code: Option<String>,
    course_title: Option<String>,
    confirmed_by: Option<i64>,
    reason: Option<String>,
    recorded_at: NaiveDateTime,
    withdrawn_at: Option<NaiveDateTime>,
    withdrawn_reason: Option<String>,
    competition: Option<String>,
    competition_title: Option<String>,
    award: Option<String>,
}

#[derive(Queryable)]
struct SkillRow {
    id: i64,
    code: String,
    name: String,
    name_en: String,
    levels: String,
}

fn level_name(levels: &[String], level: i32) -> String {
    usize::try_from(level - 1)
        .ok()
        .and_then(|i| levels.get(i))
        .cloned()
        .unwrap_or_default()
}

/// Her profile: every skill she holds a record of, with the highest level not withdrawn, the
/// evidence (newest first) and the course that would take her a level higher.
fn profile(conn: &mut DbConn, user_id: i64) -> Result<Vec<SkillView>, ServiceError> {
    let records: Vec<RecordRow> = skill_records::table
        .left_join(
            enrollments::table.on(enrollments::id.nullable().eq(skill_records::enrollment_id)),
        )
        .left_join(courses::table.on(courses::id.eq(enrollments::course_id)))
        .left_join(
            competition_results::table.on(competition_results::id
                .nullable()
                .eq(skill_records::result_id)),
        )
        .left_join(competitions::table.on(competitions::id.eq(competition_results::competition_id)))
        .filter(skill_records::user_id.eq(user_id))
        .order(skill_records::id.desc())
        .select((
            skill_records::skill_id,
            skill_records::level,
            skill_records::source,
            courses::code.nullable(),
            courses::title.nullable(),
            skill_records::confirmed_by,
            skill_records::reason,
            skill_records::recorded_at,
            skill_records::withdrawn_at,
            skill_records::withdrawn_reason,
            competitions::public_id.nullable(),
            competitions::title.nullable(),
            competition_results::award.nullable(),
        ))
        .load(conn)?;
    let skills: Vec<SkillRow> = skills::table
        .order(skills::id.asc())
        .select((
            skills::id,
            skills::code,
            skills::name,
            skills::name_en,
            skills::levels,
        ))
        .load(conn)?;
    let completed = completed_courses(conn, user_id)?;
    let mut views = Vec::new();
    for skill in skills {
        let mine: Vec<&RecordRow> = records.iter().filter(|r| r.skill_id == skill.id).collect();
        if mine.is_empty() {
            continue;
        }
        let levels: Vec<String> = stored_json(&skill.levels)?;
        let level = mine
            .iter()
            .filter(|r| r.withdrawn_at.is_none())
            .map(|r| r.level)
            .max()
            .unwrap_or(0);
        let mut evidence = Vec::new();
        for r in mine {
            evidence.push(evidence_view(conn, r, &levels)?);
        }
        views.push(SkillView {
            next_course: next_course(conn, &skill.code, level, &completed)?,
            skill: skill.code,
            name: skill.name,
            name_en: skill.name_en,
            level,
            level_name: level_name(&levels, level),
            levels,
            evidence,
        });
    }
    Ok(views)
}

fn evidence_view(
    conn: &mut DbConn,
    r: &RecordRow,
    levels: &[String],
) -> Result<SkillEvidenceView, ServiceError> {
    let confirmed_by = match r.confirmed_by {
        Some(id) => Some(
            users::table
                .find(id)
                .select(users::name)
                .first::<String>(conn)?,
        ),
        None => None,
    };
    Ok(SkillEvidenceView {
        source: r.source.as_str().into(),
        level: r.level,
        level_name: level_name(levels, r.level),
        course: r.course_code.clone(),
        course_title: r.course_title.clone(),
        confirmed_by,
        reason: r.reason.clone(),
        recorded_at: iso_utc(r.recorded_at),
        recorded_on: china_date(r.recorded_at),
        withdrawn: r.withdrawn_at.is_some(),
        withdrawn_reason: r.withdrawn_reason.clone(),
        competition: r.competition.clone(),
        competition_title: r.competition_title.clone(),
        award: r.award.clone(),
    })
}

fn completed_courses(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<String>> {
    enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::completed_at.is_not_null())
        .select(courses::code)
        .load(conn)
}

/// The published course teaching `skill` at the lowest level above `level` that she has not
/// completed (lowest tier first).
fn next_course(
    conn: &mut DbConn,
    skill: &str,
    level: i32,
    completed: &[String],
) -> Result<Option<CourseChoice>, ServiceError> {
    let rows: Vec<(String, String, Option<String>, String, i32)> = courses::table
        .filter(courses::status.eq(CourseStatus::Published))
        .order((courses::tier.asc(), courses::code.asc()))
        .select((
            courses::code,
            courses::title,
            courses::title_en,
            courses::skills,
            courses::tier,
        ))
        .load(conn)?;
    let mut best: Option<(i32, CourseChoice)> = None;
    for (code, title, title_en, mapping, _) in rows {
        if completed.contains(&code) {
            continue;
        }
        let teaches = stored_json::<Vec<CourseSkill>>(&mapping)?
            .into_iter()
            .find(|c| c.skill == skill && c.level > level)
            .map(|c| c.level);
        if let Some(at) = teaches {
            if best.as_ref().is_none_or(|(b, _)| at < *b) {
                best = Some((
                    at,
                    CourseChoice {
                        id: code,
                        title,
                        title_en,
                    },
                ));
            }
        }
    }
    Ok(best.map(|(_, c)| c))
}

/// Her own skill profile (我的技能).
pub async fn mine(core: &Core, actor: &Actor) -> Result<Vec<SkillView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| profile(conn, actor.user_id)).await
}

pub(crate) fn consent_of(conn: &mut DbConn, user_id: i64) -> QueryResult<ConsentView> {
    let row: Option<(bool, bool, NaiveDateTime)> = consents::table
        .find(user_id)
        .select((
            consents::skills_visible,
            consents::talent_pool,
            consents::updated_at,
        ))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((skills_visible, talent_pool, at)) => ConsentView {
            skills_visible,
            talent_pool,
            updated_at: Some(iso_utc(at)),
        },
        None => ConsentView {
            skills_visible: false,
            talent_pool: false,
            updated_at: None,
        },
    })
}

/// Her consents (both off until she turns them on).
pub async fn consents(core: &Core, actor: &Actor) -> Result<ConsentView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| Ok(consent_of(conn, actor.user_id)?))
        .await
}

/// `PUT /api/v1/me/consents`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    pub skills_visible: bool,
    pub talent_pool: bool,
}

/// Records her choices; a withdrawal counts from this moment for every search and list.
pub async fn set_consents(
    core: &Core,
    actor: &Actor,
    input: ConsentInput,
) -> Result<ConsentView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let at = now();
            crate::db::skill_rows::upsert_consent(
                conn,
                actor.user_id,
                input.skills_visible,
                input.talent_pool,
                at,
            )?;
            Ok(consent_of(conn, actor.user_id)?)
        })
    })
    .await
}

/// The account with this public id and her union's path (404 when there is none).
fn person(conn: &mut DbConn, public_id: &str) -> Result<(i64, String), ServiceError> {
    users::table
        .inner_join(orgs::table)
        .filter(users::public_id.eq(public_id))
        .select((users::id, orgs::path))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("person"))
}

/// Whether she may confirm levels of the woman `id` (a trainer or administrator of her
/// union's subtree), decided before what she sends is read.
pub async fn authorize_confirm(core: &Core, actor: &Actor, id: String) -> Result<(), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (_, path) = person(conn, &id)?;
        if actor.holds(Role::Trainer, &path) || actor.holds(Role::Admin, &path) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    })
    .await
}

/// Whether `actor` may see the profile of the woman `user_id` of the union at `path`.
fn may_see(conn: &mut DbConn, actor: &Actor, user_id: i64, path: &str) -> QueryResult<bool> {
    if actor.user_id == user_id || actor.holds(Role::Admin, path) {
        return Ok(true);
    }
    Ok(actor.holds(Role::Trainer, path) && consent_of(conn, user_id)?.skills_visible)
}

/// Another woman's profile, for those allowed to see it (403 for everyone else).
pub async fn of_person(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<Vec<SkillView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (user_id, path) = person(conn, &id)?;
        if !may_see(conn, &actor, user_id, &path)? {
            return Err(ServiceError::Forbidden);
        }
        profile(conn, user_id)
    })
    .await
}

/// `POST /api/v1/users/{id}/skills`: a level confirmed after a practical assessment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    pub skill: String,
    pub level: i32,
    pub reason: String,
}

/// A trainer or administrator of her union's subtree confirms a level (who, when and why are
/// kept with it). Returns her profile.
pub async fn confirm(
    core: &Core,
    actor: &Actor,
    id: String,
    input: Confirmation,
) -> Result<Vec<SkillView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (user_id, path) = person(conn, &id)?;
        if !(actor.holds(Role::Trainer, &path) || actor.holds(Role::Admin, &path)) {
            return Err(ServiceError::Forbidden);
        }
        let skill: Option<(i64, String)> = skills::table
            .filter(skills::code.eq(input.skill.trim()))
            .select((skills::id, skills::levels))
            .first(conn)
            .optional()?;
        let Some((skill_id, levels)) = skill else {
            return Err(DomainError::Skill.into());
        };
        let levels: Vec<String> = stored_json(&levels)?;
        if input.level < 1 || input.level as usize > levels.len() {
            return Err(DomainError::SkillLevel.into());
        }
        let reason = input.reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(DomainError::Reason.into());
        }
        write_tx(conn, |conn| {
            let before = Before::take(conn, user_id)?;
            diesel::insert_into(skill_records::table)
                .values((
                    skill_records::user_id.eq(user_id),
                    skill_records::skill_id.eq(skill_id),
                    skill_records::level.eq(input.level),
                    skill_records::source.eq(SkillSource::Confirmation),
                    skill_records::confirmed_by.eq(actor.user_id),
                    skill_records::reason.eq(&reason),
                    skill_records::recorded_at.eq(now()),
                ))
                .execute(conn)?;
            before.settle(conn)?;
            Ok::<_, ServiceError>(())
        })?;
        profile(conn, user_id)
    })
    .await
}

/// A skill of the framework, for the modules that name levels (studios, competitions, the
/// talent pool).
#[derive(Debug, Clone)]
pub(crate) struct SkillInfo {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub levels: Vec<String>,
}

impl SkillInfo {
    pub fn level_name(&self, level: i32) -> String {
        level_name(&self.levels, level)
    }

    pub fn reference(&self) -> crate::dto::SkillRef {
        crate::dto::SkillRef {
            skill: self.code.clone(),
            name: self.name.clone(),
            name_en: self.name_en.clone(),
        }
    }

    pub fn level_view(&self, level: i32) -> crate::dto::LevelView {
        crate::dto::LevelView {
            skill: self.code.clone(),
            name: self.name.clone(),
            level,
            level_name: self.level_name(level),
        }
    }
}

/// The whole framework, in its order.
pub(crate) fn framework(conn: &mut DbConn) -> Result<Vec<SkillInfo>, ServiceError> {
    let rows: Vec<SkillRow> = skills::table
        .order(skills::id.asc())
        .select((
            skills::id,
            skills::code,
            skills::name,
            skills::name_en,
            skills::levels,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|r| {
            Ok(SkillInfo {
                levels: stored_json(&r.levels)?,
                id: r.id,
                code: r.code,
                name: r.name,
                name_en: r.name_en,
            })
        })
        .collect()
}

/// The skills named by `codes`, in the framework's order; an unknown id is refused.
pub(crate) fn resolve(
    framework: &[SkillInfo],
    codes: &[String],
) -> Result<Vec<SkillInfo>, DomainError> {
    if codes.is_empty() || codes.len() > 20 {
        return Err(DomainError::Skills);
    }
    if codes
        .iter()
        .any(|c| !framework.iter().any(|s| s.code == c.trim()))
    {
        return Err(DomainError::Skills);
    }
    Ok(framework
        .iter()
        .filter(|s| codes.iter().any(|c| c.trim() == s.code))
        .cloned()
        .collect())
}

/// The highest level each of `users` holds in each skill (withdrawn records left out), keyed
/// by (user, skill).
pub(crate) fn highest_levels(
    conn: &mut DbConn,
    users: &[i64],
) -> QueryResult<HashMap<(i64, i64), i32>> {
    let mut out = HashMap::new();
    for chunk in users.chunks(1000) {
        let rows: Vec<(i64, i64, Option<i32>)> = skill_records::table
            .filter(skill_records::user_id.eq_any(chunk))
            .filter(skill_records::withdrawn_at.is_null())
            .group_by((skill_records::user_id, skill_records::skill_id))
            .select((
                skill_records::user_id,
                skill_records::skill_id,
                diesel::dsl::max(skill_records::level),
            ))
            .load(conn)?;
        for (user, skill, level) in rows {
            out.insert((user, skill), level.unwrap_or(0));
        }
    }
    Ok(out)
}

/// Which of `users` consent to studios and organisers seeing their skills (`skills`), or to
/// the talent pool (`!skills`). Consent is read at the moment of the request: a withdrawal
/// counts at once.
pub(crate) fn consenting(
    conn: &mut DbConn,
    users: &[i64],
    skills: bool,
) -> QueryResult<std::collections::HashSet<i64>> {
    let mut out = std::collections::HashSet::new();
    for chunk in users.chunks(1000) {
        let query = consents::table
            .filter(consents::user_id.eq_any(chunk))
            .select(consents::user_id);
        let rows: Vec<i64> = if skills {
            query.filter(consents::skills_visible.eq(true)).load(conn)?
        } else {
            query.filter(consents::talent_pool.eq(true)).load(conn)?
        };
        out.extend(rows);
    }
    Ok(out)
}

/// The skill framework (`courses/skills.toml`) for forms: every skill with its level names.
pub async fn list(core: &Core) -> Result<Vec<crate::dto::SkillDef>, ServiceError> {
    core.run(|conn, _| {
        Ok(framework(conn)?
            .into_iter()
            .map(|s| crate::dto::SkillDef {
                skill: s.code,
                name: s.name,
                name_en: s.name_en,
                levels: s.levels,
            })
            .collect())
    })
    .await
}
