//! The course catalogue: importing checked course packs into the database.
//!
//! One transaction per pack. Importing is idempotent: the same version with the same content
//! changes nothing; the same version with other content is refused ("bump version"); a new
//! version updates the course in place, matching lessons and questions by their stable ids, so
//! learners keep their progress (rows that disappeared are deactivated, never deleted). After
//! importing a folder, courses that came from that folder and are gone from it are archived.

use std::collections::BTreeSet;
use std::path::Path;

use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{now, orgs, Core};
use crate::db::schema::{course_media, courses, enrollments, lessons, questions, skills};
use crate::db::{write_tx, DbConn};
use crate::domain::{CourseStatus, OrgCode};
use crate::packs::{self, markdown, Answer, Pack, Skill};
use crate::ServiceError;

/// What happened to one pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportOutcome {
    Created,
    Updated,
    Unchanged,
    /// It had been archived and is back in its folder.
    Restored,
}

impl ImportOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportOutcome::Created => "created",
            ImportOutcome::Updated => "updated",
            ImportOutcome::Unchanged => "unchanged",
            ImportOutcome::Restored => "restored",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// (course id, version, outcome) in import order.
    pub imported: Vec<(String, String, ImportOutcome)>,
    /// Course ids archived because they left the folder.
    pub archived: Vec<String>,
    /// Packs refused because their id belongs to an uploaded course: (id, why). The other
    /// packs of the folder are imported all the same.
    pub refused: Vec<(String, String)>,
}

/// Where a folder import's courses are recorded as coming from.
pub fn folder_source(dir: &Path) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    format!("folder:{}", canonical.display())
}

/// Checks and imports a folder of packs (or one pack), publishing them for `org`'s subtree.
/// `progress` is called after each pack with (done, total, course id, outcome).
pub async fn import_folder(
    core: &Core,
    dir: &Path,
    org: &str,
    progress: impl Fn(usize, usize, &str, ImportOutcome) + Send + 'static,
) -> Result<ImportReport, ServiceError> {
    let org = OrgCode::parse(org, "org")?;
    let dir = dir.to_path_buf();
    core.run(move |conn, _| {
        let checked = packs::check_folder(&dir);
        if !checked.problems.is_empty() {
            return Err(ServiceError::InvalidPack {
                problems: checked.problems.iter().map(ToString::to_string).collect(),
            });
        }
        let org_row = orgs::require(conn, &org, "org")?;
        let single = dir.join("course.toml").exists();
        let source = folder_source(if single {
            dir.parent().unwrap_or(&dir)
        } else {
            &dir
        });
        write_tx(conn, |conn| upsert_skills(conn, checked.skills.values()))?;
        let total = checked.packs.len();
        let mut report = ImportReport::default();
        for (done, pack) in checked.packs.iter().enumerate() {
            let outcome = match import_with_retry(conn, pack, org_row.id, &source) {
                Err(owned @ ServiceError::CourseOwned { .. }) => {
                    report.refused.push((pack.id.clone(), owned.to_string()));
                    continue;
                }
                other => other?,
            };
            progress(done + 1, total, &pack.id, outcome);
            report
                .imported
                .push((pack.id.clone(), pack.version.clone(), outcome));
        }
        if !single {
            let present: Vec<String> = checked.packs.iter().map(|p| p.id.clone()).collect();
            report.archived = write_tx(conn, |conn| archive_missing(conn, &source, &present))?;
        }
        Ok(report)
    })
    .await
}

/// Two servers importing the same folder at start-up race on the unique course code; the
/// loser's transaction fails and one retry sees the winner's rows.
fn import_with_retry(
    conn: &mut DbConn,
    pack: &Pack,
    org_id: i64,
    source: &str,
) -> Result<ImportOutcome, ServiceError> {
    match write_tx(conn, |conn| import_pack(conn, pack, org_id, source)) {
        Err(ServiceError::Internal(fault)) if fault.is_unique_violation() => {
            write_tx(conn, |conn| import_pack(conn, pack, org_id, source))
        }
        other => other,
    }
}

fn upsert_skills<'a>(
    conn: &mut DbConn,
    all: impl Iterator<Item = &'a Skill>,
) -> Result<(), ServiceError> {
    for skill in all {
        let levels = serde_json::to_string(&skill.levels).expect("strings serialise");
        let values = (
            skills::name.eq(&skill.name),
            skills::name_en.eq(&skill.name_en),
            skills::levels.eq(&levels),
            skills::updated_at.eq(now()),
        );
        let updated = diesel::update(skills::table.filter(skills::code.eq(&skill.id)))
            .set(values)
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(skills::table)
                .values((skills::code.eq(&skill.id), values))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// SHA-256 over every file of the pack, by relative path, so "same content" means same files.
pub fn content_hash(dir: &Path) -> String {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        let rel = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file).unwrap_or_default());
        hasher.update([0]);
    }
    hex::encode(hasher.finalize())
}

/// Numeric (major, minor, patch) for ordering versions.
fn version_key(v: &str) -> (u64, u64, u64) {
    let mut parts = v
        .split(['-', '+'])
        .next()
        .unwrap_or("")
        .split('.')
        .map(|p| p.parse().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

fn answer_json(answer: &Answer) -> String {
    match answer {
        Answer::Choices(indexes) => serde_json::json!({ "choices": indexes }),
        Answer::Truth(b) => serde_json::json!({ "truth": b }),
        Answer::Texts(texts) => serde_json::json!({ "texts": texts }),
    }
    .to_string()
}

/// Who owns a course id: the union that first published it, and from where.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CourseOwner {
    pub org_id: i64,
}

/// Whether a course id belongs to a bundled folder (as opposed to a web upload).
fn is_folder_source(source: &str) -> bool {
    source.starts_with("folder:")
}

/// A course id belongs to the union that first published it and to its source. Uploads may
/// publish new versions only of uploaded courses owned by a union at or above the uploader's
/// own; bundled courses are replaced only from a folder; a folder never takes over an
/// uploaded course. A clash is refused naming the owner. `Ok(None)`: the id is free.
pub(crate) fn check_owner(
    conn: &mut DbConn,
    code: &str,
    publisher_org: i64,
    source: &str,
) -> Result<Option<CourseOwner>, ServiceError> {
    let existing: Option<(String, i64)> = courses::table
        .filter(courses::code.eq(code))
        .select((courses::source, courses::org_id))
        .first(conn)
        .optional()?;
    let Some((owner_source, owner_org)) = existing else {
        return Ok(None);
    };
    let owner = orgs::find_by_id(conn, owner_org)?;
    let publisher = orgs::find_by_id(conn, publisher_org)?;
    let allowed = match (is_folder_source(&owner_source), is_folder_source(source)) {
        (true, true) => true,
        (false, false) => publisher.path.starts_with(&owner.path),
        _ => false,
    };
    if allowed {
        return Ok(Some(CourseOwner { org_id: owner_org }));
    }
    Err(ServiceError::CourseOwned {
        course: code.to_string(),
        owner: format!("{}（{}）", owner.name, owner.code),
        bundled: is_folder_source(&owner_source),
    })
}

/// A course's row as a pack writes it (on import and on every new version).
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = courses, treat_none_as_null = true)]
struct CourseValues<'a> {
    version: &'a str,
    content_hash: &'a str,
    title: &'a str,
    title_en: Option<&'a str>,
    tier: i32,
    mode: &'a str,
    hours: f64,
    summary: &'a str,
    summary_en: Option<&'a str>,
    prerequisites: String,
    skills: String,
    quiz_draw: Option<i32>,
    quiz_pass_mark: Option<i32>,
    quiz_max_attempts: Option<i32>,
    quiz_time_limit_minutes: Option<i32>,
    quiz_reveal: &'static str,
    complete_lessons: bool,
    complete_quiz: bool,
    complete_attendance: bool,
    complete_practical: bool,
    practical_pass_mark: Option<i32>,
    org_id: i64,
    source: &'a str,
    status: CourseStatus,
    updated_at: chrono::NaiveDateTime,
}

impl<'a> CourseValues<'a> {
    fn of(pack: &'a Pack, hash: &'a str, org_id: i64, source: &'a str) -> Self {
        let quiz = pack.quiz;
        let skills: Vec<serde_json::Value> = pack
            .skills
            .iter()
            .map(|s| serde_json::json!({"skill": s.skill, "level": s.level}))
            .collect();
        CourseValues {
            version: &pack.version,
            content_hash: hash,
            title: &pack.title,
            title_en: pack.title_en.as_deref(),
            tier: pack.tier.number(),
            mode: pack.mode.as_str(),
            // The declared hours only when the checker accepts them (see `packs::depth`).
            hours: pack.counted_hours(),
            summary: &pack.summary,
            summary_en: pack.summary_en.as_deref(),
            prerequisites: serde_json::to_string(&pack.prerequisites).expect("strings serialise"),
            skills: serde_json::to_string(&skills).expect("values serialise"),
            quiz_draw: quiz.map(|q| q.draw as i32),
            quiz_pass_mark: quiz.map(|q| q.pass_mark as i32),
            quiz_max_attempts: quiz.map(|q| q.max_attempts as i32),
            quiz_time_limit_minutes: quiz.map(|q| q.time_limit_minutes as i32),
            quiz_reveal: quiz.map(|q| q.reveal).unwrap_or_default().as_str(),
            complete_lessons: pack.completion.lessons,
            complete_quiz: pack.completion.quiz,
            complete_attendance: pack.completion.attendance,
            complete_practical: pack.completion.practical_pass_mark.is_some(),
            practical_pass_mark: pack.completion.practical_pass_mark.map(|m| m as i32),
            org_id,
            source,
            status: CourseStatus::Published,
            updated_at: now(),
        }
    }
}

/// The imported course with a pack's id, if any.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = courses)]
struct ExistingCourse {
    id: i64,
    version: String,
    content_hash: String,
    status: CourseStatus,
    tier: i32,
    mode: String,
}

/// A new version may not move a course that women have completed to another tier or mode:
/// their completions were counted there (the dashboards' breakdowns, and the day counters the
/// evidence list pages by), so the figures already reported would no longer match the list.
fn keep_classification(
    conn: &mut DbConn,
    course: &ExistingCourse,
    pack: &Pack,
    values: &CourseValues<'_>,
) -> Result<(), ServiceError> {
    if course.tier == values.tier && course.mode == values.mode {
        return Ok(());
    }
    let completed: i64 = enrollments::table
        .filter(enrollments::course_id.eq(course.id))
        .filter(enrollments::completed_at.is_not_null())
        .count()
        .get_result(conn)?;
    if completed == 0 {
        return Ok(());
    }
    Err(ServiceError::InvalidPack {
        problems: vec![format!(
            "{}/course.toml: tier {} and mode {} cannot become tier {} and mode {}: {completed} learners have completed the course and were counted under its tier and mode; keep them, or publish the changed course under a new id",
            pack.id, course.tier, course.mode, values.tier, values.mode
        )],
    })
}

pub(crate) fn import_pack(
    conn: &mut DbConn,
    pack: &Pack,
    org_id: i64,
    source: &str,
) -> Result<ImportOutcome, ServiceError> {
    let hash = content_hash(&pack.dir);
    let owner = check_owner(conn, &pack.id, org_id, source)?;
    // A new version keeps the union that owns the course: publishing from a branch below it
    // never moves the course out of the rest of the owner's subtree.
    let org_id = owner.map_or(org_id, |o| o.org_id);
    let existing: Option<ExistingCourse> = courses::table
        .filter(courses::code.eq(&pack.id))
        .select(ExistingCourse::as_select())
        .first(conn)
        .optional()?;
    let values = CourseValues::of(pack, &hash, org_id, source);
    let (course_id, outcome) = match existing {
        Some(course) if course.version == pack.version => {
            return same_version(conn, &course, pack, &hash, source);
        }
        Some(course) => {
            if version_key(&pack.version) < version_key(&course.version) {
                return Err(ServiceError::InvalidPack {
                    problems: vec![format!(
                        "{}/course.toml:2: version {} is older than the imported {}; use a higher version",
                        pack.id, pack.version, course.version
                    )],
                });
            }
            keep_classification(conn, &course, pack, &values)?;
            diesel::update(courses::table.find(course.id))
                .set(&values)
                .execute(conn)?;
            (course.id, ImportOutcome::Updated)
        }
        None => (insert_course(conn, pack, &values)?, ImportOutcome::Created),
    };
    sync_lessons(conn, course_id, pack)?;
    sync_questions(conn, course_id, pack)?;
    sync_media(conn, course_id, pack)?;
    Ok(outcome)
}

/// The same version again: unchanged (or restored from the archive) when the files are the
/// same, refused when they differ.
fn same_version(
    conn: &mut DbConn,
    course: &ExistingCourse,
    pack: &Pack,
    hash: &str,
    source: &str,
) -> Result<ImportOutcome, ServiceError> {
    if course.content_hash != hash {
        return Err(ServiceError::NeedsNewVersion {
            course: pack.id.clone(),
            version: pack.version.clone(),
        });
    }
    if course.status != CourseStatus::Archived {
        return Ok(ImportOutcome::Unchanged);
    }
    diesel::update(courses::table.find(course.id))
        .set((
            courses::status.eq(CourseStatus::Published),
            courses::source.eq(source),
            courses::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(ImportOutcome::Restored)
}

fn insert_course(
    conn: &mut DbConn,
    pack: &Pack,
    values: &CourseValues<'_>,
) -> Result<i64, ServiceError> {
    diesel::insert_into(courses::table)
        .values((
            courses::code.eq(&pack.id),
            courses::created_at.eq(now()),
            values,
        ))
        .execute(conn)?;
    Ok(courses::table
        .filter(courses::code.eq(&pack.id))
        .select(courses::id)
        .first(conn)?)
}

fn sync_lessons(conn: &mut DbConn, course_id: i64, pack: &Pack) -> Result<(), ServiceError> {
    let media_base = format!("/media/{}/", pack.id);
    diesel::update(lessons::table.filter(lessons::course_id.eq(course_id)))
        .set(lessons::active.eq(false))
        .execute(conn)?;
    for (position, lesson) in pack.lessons.iter().enumerate() {
        let html = markdown::render(&lesson.markdown, &media_base);
        let values = (
            lessons::position.eq(position as i32),
            lessons::title.eq(&lesson.title),
            lessons::minutes.eq(lesson.minutes as i32),
            lessons::markdown.eq(&lesson.markdown),
            lessons::html.eq(&html),
            lessons::active.eq(true),
        );
        let updated = diesel::update(
            lessons::table
                .filter(lessons::course_id.eq(course_id))
                .filter(lessons::lesson_key.eq(&lesson.id)),
        )
        .set(values)
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(lessons::table)
                .values((
                    lessons::course_id.eq(course_id),
                    lessons::lesson_key.eq(&lesson.id),
                    values,
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn sync_questions(conn: &mut DbConn, course_id: i64, pack: &Pack) -> Result<(), ServiceError> {
    diesel::update(questions::table.filter(questions::course_id.eq(course_id)))
        .set(questions::active.eq(false))
        .execute(conn)?;
    for (position, question) in pack.questions.iter().enumerate() {
        let values = (
            questions::position.eq(position as i32),
            questions::kind.eq(question.kind),
            questions::text.eq(&question.text),
            questions::options.eq(serde_json::to_string(&question.options).expect("json")),
            questions::answer.eq(answer_json(&question.answer)),
            questions::explanation.eq(&question.explanation),
            questions::active.eq(true),
        );
        let updated = diesel::update(
            questions::table
                .filter(questions::course_id.eq(course_id))
                .filter(questions::question_key.eq(&question.id)),
        )
        .set(values.clone())
        .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(questions::table)
                .values((
                    questions::course_id.eq(course_id),
                    questions::question_key.eq(&question.id),
                    values,
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

fn sync_media(conn: &mut DbConn, course_id: i64, pack: &Pack) -> Result<(), ServiceError> {
    diesel::delete(course_media::table.filter(course_media::course_id.eq(course_id)))
        .execute(conn)?;
    for media in &pack.media {
        let bytes = std::fs::read(pack.dir.join(&media.path))
            .map_err(|e| ServiceError::internal(format!("reading {}: {e}", media.path)))?;
        diesel::insert_into(course_media::table)
            .values((
                course_media::course_id.eq(course_id),
                course_media::path.eq(&media.path),
                course_media::content_type.eq(media.content_type),
                course_media::bytes.eq(bytes),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn archive_missing(
    conn: &mut DbConn,
    source: &str,
    present: &[String],
) -> Result<Vec<String>, ServiceError> {
    let keep: BTreeSet<&str> = present.iter().map(String::as_str).collect();
    let from_folder: Vec<String> = courses::table
        .filter(courses::source.eq(source))
        .filter(courses::status.ne(CourseStatus::Archived))
        .select(courses::code)
        .load(conn)?;
    let gone: Vec<String> = from_folder
        .into_iter()
        .filter(|c| !keep.contains(c.as_str()))
        .collect();
    if !gone.is_empty() {
        diesel::update(courses::table.filter(courses::code.eq_any(&gone)))
            .set((
                courses::status.eq(CourseStatus::Archived),
                courses::updated_at.eq(now()),
            ))
            .execute(conn)?;
    }
    Ok(gone)
}

/// A media file of a published course, for `/media/{course}/{file}`: (content type, bytes).
pub async fn media(
    core: &Core,
    course: String,
    file: String,
) -> Result<(String, Vec<u8>), ServiceError> {
    core.run(move |conn, _| {
        course_media::table
            .inner_join(courses::table)
            .filter(courses::code.eq(&course))
            .filter(courses::status.eq(CourseStatus::Published))
            .filter(course_media::path.eq(format!("media/{file}")))
            .select((course_media::content_type, course_media::bytes))
            .first(conn)
            .optional()?
            .ok_or(ServiceError::NotFound("media file"))
    })
    .await
}
