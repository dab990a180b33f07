//! The learner's side of the catalogue: which courses she can see (those published to her
//! union or a union above it), course pages, enrolment with prerequisites, reading lessons,
//! and recording completion exactly once when a course's rules are met.
//!
//! Every view carries a course's English title and summary (and a skill's English name)
//! beside the Chinese ones, so a page in English shows them where a pack has them. The
//! catalogue marks, for a signed-in learner, the courses still locked by a prerequisite, so
//! she learns it before she taps "enrol"; its search looks through titles, summaries, skills
//! and lesson titles, as a learner looks for "微信" or "Wi-Fi", not only for a course's name.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use super::actor::Actor;
use super::completion::{complete_if_due, place_in_drive};
use super::content::CachedLesson;
use super::{now, stored_json, Core};
use crate::db::schema::{courses, enrollments, lesson_progress, lessons, orgs, users};
use crate::db::types::{CourseId, EnrollmentId, Json, UserId};
use crate::db::{contains_pattern, lower, read_tx, replace, write_tx, DbConn};
use crate::domain::CourseStatus;
use crate::dto::{
    AttemptSummary, CompletionRulesView, CourseDetail, CourseSummary, EnrollmentView,
    LessonOutline, LessonView, MyLearningView, PrerequisiteView, QuizRulesView, SkillLevelView,
};
use crate::time::iso_utc;
use crate::ServiceError;

/// Who is looking: her id and her union's path (anonymous visitors see province-wide courses).
struct Viewer {
    user_id: Option<i64>,
    org_path: Option<String>,
}

fn viewer(conn: &mut DbConn, actor: Option<&Actor>) -> QueryResult<Viewer> {
    match actor {
        None => Ok(Viewer {
            user_id: None,
            org_path: None,
        }),
        Some(actor) => user_viewer(conn, actor.user_id),
    }
}

fn user_viewer(conn: &mut DbConn, user_id: i64) -> QueryResult<Viewer> {
    let path: String = users::table
        .inner_join(orgs::table)
        .filter(users::id.eq(user_id))
        .select(orgs::path)
        .first(conn)?;
    Ok(Viewer {
        user_id: Some(user_id),
        org_path: Some(path),
    })
}

impl Viewer {
    /// A course published for `course_org_path` is visible under that union.
    fn sees(&self, course_org_path: &str, course_org_depth: i32) -> bool {
        match &self.org_path {
            Some(path) => path.starts_with(course_org_path),
            None => course_org_depth == 0,
        }
    }
}

/// A course's quiz settings, completion rules and prerequisites, for its page.
#[derive(Debug, Queryable)]
struct RulesRow {
    quiz_draw: Option<i32>,
    quiz_pass_mark: Option<i32>,
    quiz_max_attempts: Option<i32>,
    quiz_time_limit_minutes: Option<i32>,
    complete_lessons: bool,
    complete_quiz: bool,
    complete_attendance: bool,
    practical_pass_mark: Option<i32>,
    prerequisites: Json<Vec<String>>,
}

/// One skill level a course teaches, as stored in `courses.skills`.
#[derive(Debug, serde::Deserialize)]
struct StoredSkillLevel {
    skill: String,
    level: u8,
}

/// A lesson in a course's outline (without its text).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lessons)]
struct LessonLine {
    id: i64,
    #[diesel(column_name = lesson_key)]
    key: String,
    title: String,
    minutes: i32,
}

/// The active lessons of a course, in order, without their texts.
fn outline_of(conn: &mut DbConn, course_id: i64) -> QueryResult<Vec<LessonLine>> {
    lessons::table
        .filter(lessons::course_id.eq(course_id))
        .filter(lessons::active.eq(true))
        .order(lessons::position.asc())
        .select(LessonLine::as_select())
        .load(conn)
}

/// A published course with the path and depth of the union that publishes it.
#[derive(Debug, Queryable)]
struct CourseRow {
    id: i64,
    code: String,
    version: String,
    title: String,
    title_en: Option<String>,
    tier: i32,
    mode: String,
    hours: f64,
    summary: String,
    summary_en: Option<String>,
    skills: Json<Vec<StoredSkillLevel>>,
    prerequisites: Json<Vec<String>>,
    org_path: String,
    org_depth: i32,
}

/// Published courses (or the one with `code`) with their union's path and depth, in
/// catalogue order.
fn published_rows(conn: &mut DbConn, code: Option<&str>) -> QueryResult<Vec<CourseRow>> {
    let mut query = courses::table
        .inner_join(orgs::table)
        .filter(courses::status.eq(CourseStatus::Published))
        .into_boxed();
    if let Some(code) = code {
        query = query.filter(courses::code.eq(code.to_string()));
    }
    query
        .order((courses::tier.asc(), courses::id.asc()))
        .select((
            courses::id,
            courses::code,
            courses::version,
            courses::title,
            courses::title_en,
            courses::tier,
            courses::mode,
            courses::hours,
            courses::summary,
            courses::summary_en,
            courses::skills,
            courses::prerequisites,
            orgs::path,
            orgs::depth,
        ))
        .load(conn)
}

fn published(conn: &mut DbConn) -> QueryResult<Vec<CourseRow>> {
    published_rows(conn, None)
}

/// Per course: active lesson count; for the viewer: lessons read, enrolment, completion.
struct Progress {
    lesson_counts: HashMap<i64, usize>,
    read: HashMap<i64, usize>,
    enrolled: HashMap<i64, bool>,
}

/// A skill's names in Chinese and English.
#[derive(Debug, Clone)]
struct SkillName {
    name: String,
    name_en: String,
}

/// Skill code → its names, for showing a course's skills.
fn skill_names(conn: &mut DbConn) -> QueryResult<HashMap<String, SkillName>> {
    use crate::db::schema::skills;
    Ok(skills::table
        .select((skills::code, skills::name, skills::name_en))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(code, name, name_en)| (code, SkillName { name, name_en }))
        .collect())
}

fn progress(conn: &mut DbConn, user_id: Option<i64>) -> QueryResult<Progress> {
    let mut lesson_counts = HashMap::new();
    for course_id in lessons::table
        .filter(lessons::active.eq(true))
        .select(lessons::course_id)
        .load::<i64>(conn)?
    {
        *lesson_counts.entry(course_id).or_insert(0) += 1;
    }
    let mut read = HashMap::new();
    let mut enrolled = HashMap::new();
    if let Some(user_id) = user_id {
        let done: Vec<i64> = lesson_progress::table
            .inner_join(lessons::table)
            .filter(lesson_progress::user_id.eq(user_id))
            .filter(lessons::active.eq(true))
            .select(lessons::course_id)
            .load(conn)?;
        for course_id in done {
            *read.entry(course_id).or_insert(0) += 1;
        }
        let rows: Vec<(i64, Option<chrono::NaiveDateTime>)> = enrollments::table
            .filter(enrollments::user_id.eq(user_id))
            .select((enrollments::course_id, enrollments::completed_at))
            .load(conn)?;
        enrolled = rows
            .into_iter()
            .map(|(c, done)| (c, done.is_some()))
            .collect();
    }
    Ok(Progress {
        lesson_counts,
        read,
        enrolled,
    })
}

fn summary(
    row: &CourseRow,
    progress: &Progress,
    skill_names: &HashMap<String, SkillName>,
) -> CourseSummary {
    let skills: Vec<SkillLevelView> = row
        .skills
        .0
        .iter()
        .map(|s| {
            let names = skill_names.get(&s.skill);
            SkillLevelView {
                name: names.map(|n| n.name.clone()).unwrap_or_default(),
                name_en: names
                    .map(|n| n.name_en.clone())
                    .filter(|n| !n.trim().is_empty()),
                skill: s.skill.clone(),
                level: s.level,
            }
        })
        .collect();
    CourseSummary {
        id: row.code.clone(),
        version: row.version.clone(),
        title: row.title.clone(),
        title_en: row.title_en.clone(),
        tier: row.tier,
        mode: row.mode.clone(),
        hours: row.hours,
        summary: row.summary.clone(),
        skills,
        lesson_count: progress.lesson_counts.get(&row.id).copied().unwrap_or(0),
        enrolled: progress.enrolled.contains_key(&row.id),
        lessons_read: progress.read.get(&row.id).copied().unwrap_or(0),
        completed: progress.enrolled.get(&row.id).copied().unwrap_or(false),
        summary_en: row.summary_en.clone(),
        locked_by: Vec::new(),
    }
}

/// The longest search used: a longer query is cut to this many characters.
const SEARCH_MAX_CHARS: usize = 50;

/// A catalogue search: the words as typed (trimmed, lower-cased), the courses with a lesson
/// whose title contains them, and the skills whose Chinese or English name does.
struct Search {
    needle: String,
    by_lesson: HashSet<i64>,
    skills: HashSet<String>,
}

impl Search {
    /// The search for `query`; `None` when there is nothing to look for.
    fn new(
        conn: &mut DbConn,
        query: Option<&str>,
        skill_names: &HashMap<String, SkillName>,
    ) -> QueryResult<Option<Search>> {
        let cut: String = query.unwrap_or("").chars().take(SEARCH_MAX_CHARS).collect();
        let needle = squash(&cut);
        if needle.is_empty() {
            return Ok(None);
        }
        let by_lesson = courses_with_lesson_titled(conn, &needle)?;
        let skills = skill_names
            .iter()
            .filter(|(_, n)| contains(&n.name, &needle) || contains(&n.name_en, &needle))
            .map(|(code, _)| code.clone())
            .collect();
        Ok(Some(Search {
            needle,
            by_lesson,
            skills,
        }))
    }

    /// Whether the course's titles, summaries, id, skills or lesson titles contain it.
    fn matches(&self, row: &CourseRow) -> bool {
        let texts = [
            Some(row.title.as_str()),
            row.title_en.as_deref(),
            Some(row.summary.as_str()),
            row.summary_en.as_deref(),
            Some(row.code.as_str()),
        ];
        texts
            .into_iter()
            .flatten()
            .any(|text| contains(text, &self.needle))
            || self.by_lesson.contains(&row.id)
            || row.skills.0.iter().any(|s| self.skills.contains(&s.skill))
    }
}

/// Lower-cased, without the hyphens and spaces people type or leave out ("Wi-Fi", "wifi",
/// "WI FI" are all "wifi").
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether `text` contains `needle` (already squashed), ignoring case, hyphens and spaces.
fn contains(text: &str, needle: &str) -> bool {
    squash(text).contains(needle)
}

/// The courses with an active lesson whose title contains `needle` (lower-cased), ignoring
/// the case of Latin letters; `%` and `_` in it are matched as themselves.
fn courses_with_lesson_titled(conn: &mut DbConn, needle: &str) -> QueryResult<HashSet<i64>> {
    Ok(lessons::table
        .filter(lessons::active.eq(true))
        .filter(
            replace(
                replace(replace(lower(lessons::title), "-", ""), " ", ""),
                "\u{3000}",
                "",
            )
            .like(contains_pattern(needle))
            .escape('\\'),
        )
        .select(lessons::course_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}

/// A course's titles in Chinese and English.
#[derive(Debug, Clone)]
struct CourseTitles {
    title: String,
    title_en: Option<String>,
}

/// The titles of the courses with these codes, by code.
fn titles_of(conn: &mut DbConn, codes: &[String]) -> QueryResult<HashMap<String, CourseTitles>> {
    Ok(courses::table
        .filter(courses::code.eq_any(codes))
        .select((courses::code, courses::title, courses::title_en))
        .load::<(String, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(code, title, title_en)| (code, CourseTitles { title, title_en }))
        .collect())
}

/// A prerequisite by its titles (its code when no course has it), completed or not.
fn prerequisite_view(
    code: &str,
    titles: &HashMap<String, CourseTitles>,
    completed: bool,
) -> PrerequisiteView {
    let found = titles.get(code);
    PrerequisiteView {
        id: code.to_string(),
        title: found.map_or_else(|| code.to_string(), |t| t.title.clone()),
        title_en: found.and_then(|t| t.title_en.clone()),
        completed,
    }
}

/// What tells which prerequisites still lock a course for her: the courses she completed
/// and the titles of every prerequisite. Visitors have none (a course page lists them).
struct Locks {
    done: Option<HashSet<String>>,
    titles: HashMap<String, CourseTitles>,
}

impl Locks {
    fn load(conn: &mut DbConn, user_id: Option<i64>, rows: &[CourseRow]) -> QueryResult<Locks> {
        let Some(user_id) = user_id else {
            return Ok(Locks {
                done: None,
                titles: HashMap::new(),
            });
        };
        let done = completed_codes(conn, user_id)?;
        let mut codes: Vec<String> = rows
            .iter()
            .flat_map(|row| row.prerequisites.0.iter().cloned())
            .filter(|code| !done.contains(code))
            .collect();
        codes.sort();
        codes.dedup();
        Ok(Locks {
            titles: titles_of(conn, &codes)?,
            done: Some(done),
        })
    }

    /// The prerequisites of `row` she has not completed, unless she is enrolled already.
    fn of(&self, row: &CourseRow, progress: &Progress) -> Vec<PrerequisiteView> {
        let Some(done) = &self.done else {
            return Vec::new();
        };
        if progress.enrolled.contains_key(&row.id) {
            return Vec::new();
        }
        row.prerequisites
            .0
            .iter()
            .filter(|code| !done.contains(*code))
            .map(|code| prerequisite_view(code, &self.titles, false))
            .collect()
    }
}

/// The courses she can see, optionally of one tier and matching a search (see [`Search`]),
/// each with the prerequisites that still lock it for her.
pub async fn catalogue(
    core: &Core,
    actor: Option<&Actor>,
    tier: Option<i32>,
    query: Option<String>,
) -> Result<Vec<CourseSummary>, ServiceError> {
    let actor = actor.cloned();
    core.run(move |conn, _| {
        read_tx(conn, |conn| {
            let viewer = viewer(conn, actor.as_ref())?;
            let progress = progress(conn, viewer.user_id)?;
            let names = skill_names(conn)?;
            let search = Search::new(conn, query.as_deref(), &names)?;
            let rows: Vec<CourseRow> = published(conn)?
                .into_iter()
                .filter(|row| viewer.sees(&row.org_path, row.org_depth))
                .filter(|row| tier.is_none_or(|t| row.tier == t))
                .filter(|row| search.as_ref().is_none_or(|s| s.matches(row)))
                .collect();
            let locks = Locks::load(conn, viewer.user_id, &rows)?;
            Ok(rows
                .iter()
                .map(|row| CourseSummary {
                    locked_by: locks.of(row, &progress),
                    ..summary(row, &progress, &names)
                })
                .collect())
        })
    })
    .await
}

fn visible_course(
    conn: &mut DbConn,
    viewer: &Viewer,
    code: &str,
) -> Result<CourseRow, ServiceError> {
    published_rows(conn, Some(code))?
        .into_iter()
        .find(|row| viewer.sees(&row.org_path, row.org_depth))
        .ok_or(ServiceError::NotFound("course"))
}

/// A published course's id and its union's place in the tree: all that deciding whether she
/// sees it needs (the quiz's start reads no more of the course than this).
#[derive(Debug, Queryable)]
struct CoursePlace {
    id: i64,
    org_path: String,
    org_depth: i32,
}

/// The id of the published course `code` the viewer sees, as [`visible_course`] decides.
fn visible_course_id(conn: &mut DbConn, viewer: &Viewer, code: &str) -> Result<i64, ServiceError> {
    let places: Vec<CoursePlace> = courses::table
        .inner_join(orgs::table)
        .filter(courses::status.eq(CourseStatus::Published))
        .filter(courses::code.eq(code))
        .order((courses::tier.asc(), courses::id.asc()))
        .select((courses::id, orgs::path, orgs::depth))
        .load(conn)?;
    places
        .into_iter()
        .find(|place| viewer.sees(&place.org_path, place.org_depth))
        .map(|place| place.id)
        .ok_or(ServiceError::NotFound("course"))
}

/// The id of a published course the learner `user_id` can see (for a trainer acting for her).
pub(crate) fn visible_to_user(
    conn: &mut DbConn,
    user_id: i64,
    code: &str,
) -> Result<i64, ServiceError> {
    let viewer = user_viewer(conn, user_id)?;
    visible_course_id(conn, &viewer, code)
}

/// The id of a published course she can see, for the quiz engine.
pub(crate) fn visible_to(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
) -> Result<i64, ServiceError> {
    let viewer = viewer(conn, Some(actor))?;
    visible_course_id(conn, &viewer, code)
}

fn completed_codes(conn: &mut DbConn, user_id: i64) -> QueryResult<HashSet<String>> {
    Ok(enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::completed_at.is_not_null())
        .select(courses::code)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// A course page: outline, rules, prerequisites and her progress.
pub async fn course(
    core: &Core,
    actor: Option<&Actor>,
    code: String,
) -> Result<CourseDetail, ServiceError> {
    let actor = actor.cloned();
    core.run(move |conn, _| {
        let viewer = viewer(conn, actor.as_ref())?;
        let row = visible_course(conn, &viewer, &code)?;
        let progress = progress(conn, viewer.user_id)?;
        let names = skill_names(conn)?;
        let lessons = lesson_outline(conn, row.id, viewer.user_id)?;
        let rules: RulesRow = courses::table
            .find(row.id)
            .select((
                courses::quiz_draw,
                courses::quiz_pass_mark,
                courses::quiz_max_attempts,
                courses::quiz_time_limit_minutes,
                courses::complete_lessons,
                courses::complete_quiz,
                courses::complete_attendance,
                courses::practical_pass_mark,
                courses::prerequisites,
            ))
            .first(conn)?;
        let prerequisites = prerequisite_views(conn, &rules.prerequisites.0, viewer.user_id)?;
        let my_quiz = match viewer.user_id {
            Some(user_id) => super::enrolment::standing(conn, user_id, row.id)?,
            None => None,
        };
        let my_check_in = match viewer.user_id {
            Some(user_id) => super::enrolment::check_in(conn, user_id, row.id)?,
            None => None,
        };
        let mut course = summary(&row, &progress, &names);
        if viewer.user_id.is_some() && !course.enrolled {
            course.locked_by = prerequisites
                .iter()
                .filter(|p| !p.completed)
                .cloned()
                .collect();
        }
        Ok(CourseDetail {
            course,
            lessons,
            quiz: quiz_rules_view(&rules),
            completion: CompletionRulesView {
                lessons: rules.complete_lessons,
                quiz: rules.complete_quiz,
                attendance: rules.complete_attendance,
                practical_pass_mark: rules.practical_pass_mark,
            },
            prerequisites,
            my_quiz,
            my_check_in,
            // Filled by `classes::course_page`, which depends on this module.
            sessions: Vec::new(),
        })
    })
    .await
}

/// The course's lessons, each marked read or not for her.
fn lesson_outline(
    conn: &mut DbConn,
    course_id: i64,
    user_id: Option<i64>,
) -> QueryResult<Vec<LessonOutline>> {
    let read: HashSet<i64> = match user_id {
        Some(user_id) => lesson_progress::table
            .filter(lesson_progress::user_id.eq(user_id))
            .select(lesson_progress::lesson_id)
            .load::<i64>(conn)?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    Ok(outline_of(conn, course_id)?
        .into_iter()
        .map(|l| LessonOutline {
            read: read.contains(&l.id),
            id: l.key,
            title: l.title,
            minutes: l.minutes,
        })
        .collect())
}

fn quiz_rules_view(rules: &RulesRow) -> Option<QuizRulesView> {
    Some(QuizRulesView {
        draw: rules.quiz_draw?,
        pass_mark: rules.quiz_pass_mark?,
        max_attempts: rules.quiz_max_attempts?,
        time_limit_minutes: rules.quiz_time_limit_minutes?,
    })
}

/// The prerequisites by title, each marked completed or not by her.
fn prerequisite_views(
    conn: &mut DbConn,
    codes: &[String],
    user_id: Option<i64>,
) -> QueryResult<Vec<PrerequisiteView>> {
    let done = match user_id {
        Some(user_id) => completed_codes(conn, user_id)?,
        None => HashSet::new(),
    };
    let titles = titles_of(conn, codes)?;
    Ok(codes
        .iter()
        .map(|code| prerequisite_view(code, &titles, done.contains(code)))
        .collect())
}

pub(crate) use super::enrolment::enrollment_of;

/// Enrols her (once; enrolling again changes nothing). Prerequisites must be completed.
/// Returns whether a new enrolment was made.
pub async fn enroll(core: &Core, actor: &Actor, code: String) -> Result<bool, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let viewer = viewer(conn, Some(&actor))?;
        let row = visible_course(conn, &viewer, &code)?;
        write_tx(conn, |conn| {
            if enrollment_of(conn, actor.user_id, row.id)?.is_some() {
                return Ok(false);
            }
            let prerequisites: String = courses::table
                .find(row.id)
                .select(courses::prerequisites)
                .first(conn)?;
            let needed: Vec<String> = stored_json(&prerequisites)?;
            let done = completed_codes(conn, actor.user_id)?;
            let missing: Vec<String> = needed.into_iter().filter(|c| !done.contains(c)).collect();
            if !missing.is_empty() {
                let titles: Vec<String> = courses::table
                    .filter(courses::code.eq_any(&missing))
                    .select(courses::title)
                    .load(conn)?;
                return Err(ServiceError::PrerequisitesMissing {
                    missing: if titles.is_empty() { missing } else { titles },
                });
            }
            diesel::insert_into(enrollments::table)
                .values((
                    enrollments::user_id.eq(actor.user_id),
                    enrollments::course_id.eq(row.id),
                    enrollments::enrolled_at.eq(now()),
                ))
                .execute(conn)?;
            Ok(true)
        })
    })
    .await
}

/// One lesson of a course she is enrolled in, with the neighbours for next/previous.
pub async fn lesson(
    core: &Core,
    actor: &Actor,
    code: String,
    key: String,
) -> Result<LessonView, ServiceError> {
    let actor = actor.clone();
    let cache = core.content.clone();
    core.run(move |conn, _| {
        read_tx(conn, |conn| {
            let viewer = viewer(conn, Some(&actor))?;
            let row = visible_course(conn, &viewer, &code)?;
            if enrollment_of(conn, actor.user_id, row.id)?.is_none() {
                return Err(ServiceError::NotEnrolled);
            }
            // The outline and texts of this version, from memory after the first view.
            let content = cache.lessons(conn, row.id, &row.version)?;
            let all = &content.lessons;
            let index = all
                .iter()
                .position(|l| l.key == key)
                .ok_or(ServiceError::NotFound("lesson"))?;
            let CachedLesson {
                id,
                key,
                title,
                minutes,
                html,
            } = all[index].clone();
            let read: i64 = lesson_progress::table
                .filter(lesson_progress::user_id.eq(actor.user_id))
                .filter(lesson_progress::lesson_id.eq(id))
                .count()
                .get_result(conn)?;
            Ok(LessonView {
                id: key,
                title,
                html,
                minutes,
                read: read > 0,
                previous: index.checked_sub(1).map(|i| all[i].key.clone()),
                next: all.get(index + 1).map(|l| l.key.clone()),
                course: row.code.clone(),
                course_title: row.title.clone(),
                course_title_en: row.title_en.clone(),
                position: index + 1,
                count: all.len(),
            })
        })
    })
    .await
}

/// Marks a lesson read (idempotent) and completes the course when its rules are met.
pub async fn complete_lesson(
    core: &Core,
    actor: &Actor,
    code: String,
    key: String,
) -> Result<EnrollmentView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let viewer = viewer(conn, Some(&actor))?;
        let row = visible_course(conn, &viewer, &code)?;
        write_tx(conn, |conn| {
            let enrollment =
                enrollment_of(conn, actor.user_id, row.id)?.ok_or(ServiceError::NotEnrolled)?;
            let lesson_id: i64 = lessons::table
                .filter(lessons::course_id.eq(row.id))
                .filter(lessons::lesson_key.eq(&key))
                .filter(lessons::active.eq(true))
                .select(lessons::id)
                .first(conn)
                .optional()?
                .ok_or(ServiceError::NotFound("lesson"))?;
            let already: i64 = lesson_progress::table
                .filter(lesson_progress::user_id.eq(actor.user_id))
                .filter(lesson_progress::lesson_id.eq(lesson_id))
                .count()
                .get_result(conn)?;
            if already == 0 {
                diesel::insert_into(lesson_progress::table)
                    .values((
                        lesson_progress::user_id.eq(actor.user_id),
                        lesson_progress::lesson_id.eq(lesson_id),
                        lesson_progress::completed_at.eq(now()),
                    ))
                    .execute(conn)?;
            }
            complete_if_due(
                conn,
                config,
                UserId(actor.user_id),
                CourseId(row.id),
                EnrollmentId(enrollment),
            )?;
            let progress = progress(conn, Some(actor.user_id))?;
            enrollment_view(conn, enrollment, &progress)
        })
    })
    .await
}

/// One enrolment with her progress (`progress` is hers, loaded once by the caller).
fn enrollment_view(
    conn: &mut DbConn,
    enrollment: i64,
    progress: &Progress,
) -> Result<EnrollmentView, ServiceError> {
    /// An enrolment with its course.
    #[derive(Queryable)]
    struct Row {
        course_id: i64,
        code: String,
        title: String,
        title_en: Option<String>,
        tier: i32,
        enrolled_at: chrono::NaiveDateTime,
        completed_at: Option<chrono::NaiveDateTime>,
    }
    let Row {
        course_id,
        code,
        title,
        title_en,
        tier,
        enrolled_at,
        completed_at,
    } = enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::id.eq(enrollment))
        .select((
            courses::id,
            courses::code,
            courses::title,
            courses::title_en,
            courses::tier,
            enrollments::enrolled_at,
            enrollments::completed_at,
        ))
        .first(conn)?;
    Ok(EnrollmentView {
        course: code,
        title,
        tier,
        enrolled_at: iso_utc(enrolled_at),
        lessons_read: progress.read.get(&course_id).copied().unwrap_or(0),
        lesson_count: progress.lesson_counts.get(&course_id).copied().unwrap_or(0),
        completed_at: completed_at.map(iso_utc),
        title_en,
    })
}

/// One enrolment with its owner's progress.
pub(crate) fn enrollment_by_id(
    conn: &mut DbConn,
    enrollment: i64,
) -> Result<EnrollmentView, ServiceError> {
    let user_id: i64 = enrollments::table
        .find(enrollment)
        .select(enrollments::user_id)
        .first(conn)?;
    let progress = progress(conn, Some(user_id))?;
    enrollment_view(conn, enrollment, &progress)
}

/// Her enrolments, newest first.
pub async fn my_enrollments(
    core: &Core,
    actor: &Actor,
) -> Result<Vec<EnrollmentView>, ServiceError> {
    let user_id = actor.user_id;
    core.run(move |conn, _| {
        let ids: Vec<i64> = enrollments::table
            .filter(enrollments::user_id.eq(user_id))
            .order(enrollments::id.desc())
            .select(enrollments::id)
            .load(conn)?;
        let progress = progress(conn, Some(user_id))?;
        ids.into_iter()
            .map(|id| enrollment_view(conn, id, &progress))
            .collect()
    })
    .await
}

/// The next course to suggest: one she can see and enrol in now (prerequisites done), at the
/// highest tier she has completed, else the tier above, else the lowest tier left.
fn recommended(
    conn: &mut DbConn,
    viewer: &Viewer,
    user_id: i64,
) -> QueryResult<Option<CourseSummary>> {
    let progress = progress(conn, Some(user_id))?;
    let names = skill_names(conn)?;
    let done = completed_codes(conn, user_id)?;
    let rows = published(conn)?;
    let top_tier = rows
        .iter()
        .filter(|r| done.contains(&r.code))
        .map(|r| r.tier)
        .max()
        .unwrap_or(1);
    let prerequisites: HashMap<i64, Json<Vec<String>>> = courses::table
        .select((courses::id, courses::prerequisites))
        .load::<(i64, Json<Vec<String>>)>(conn)?
        .into_iter()
        .collect();
    let open = rows.iter().filter(|r| {
        viewer.sees(&r.org_path, r.org_depth)
            && !progress.enrolled.contains_key(&r.id)
            && prerequisites
                .get(&r.id)
                .map_or(&[][..], |p| p.0.as_slice())
                .iter()
                .all(|p| done.contains(p))
    });
    let rank = |tier: i32| match tier - top_tier {
        0 => 0,
        1 => 1,
        d if d > 1 => 2 + d,
        d => 10 - d,
    };
    Ok(open
        .min_by_key(|r| (rank(r.tier), r.id))
        .map(|r| summary(r, &progress, &names)))
}

/// The course to suggest next to her (see [`recommended`]).
pub async fn recommended_next(
    core: &Core,
    actor: &Actor,
) -> Result<Option<CourseSummary>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let viewer = viewer(conn, Some(&actor))?;
        Ok(recommended(conn, &viewer, actor.user_id)?)
    })
    .await
}

/// One of her quiz attempts with its course, for her learning page.
#[derive(Debug, Queryable)]
struct AttemptRow {
    public_id: String,
    course_code: String,
    course_title: String,
    course_title_en: Option<String>,
    started_at: chrono::NaiveDateTime,
    submitted_at: Option<chrono::NaiveDateTime>,
    score: Option<i32>,
    passed: Option<bool>,
}

/// Her learning page: enrolments with progress, certificates, quiz attempts, her place in the
/// drive and a suggested next course.
pub async fn my_learning(core: &Core, actor: &Actor) -> Result<MyLearningView, ServiceError> {
    use crate::db::schema::quiz_attempts;
    let enrollments = my_enrollments(core, actor).await?;
    let certificates = super::certificates::mine(core, actor).await?;
    let actor = actor.clone();
    core.run(move |conn, _| {
        let viewer = viewer(conn, Some(&actor))?;
        let attempts: Vec<AttemptRow> = quiz_attempts::table
            .inner_join(courses::table)
            .filter(quiz_attempts::user_id.eq(actor.user_id))
            .order(quiz_attempts::id.desc())
            .limit(50)
            .select((
                quiz_attempts::public_id,
                courses::code,
                courses::title,
                courses::title_en,
                quiz_attempts::started_at,
                quiz_attempts::submitted_at,
                quiz_attempts::score,
                quiz_attempts::passed,
            ))
            .load(conn)?;
        let stamp = iso_utc;
        Ok(MyLearningView {
            enrollments,
            certificates,
            attempts: attempts
                .into_iter()
                .map(|a| AttemptSummary {
                    id: a.public_id,
                    course: a.course_code,
                    course_title: a.course_title,
                    course_title_en: a.course_title_en,
                    started_at: stamp(a.started_at),
                    started_on: super::china_date(a.started_at),
                    submitted_at: a.submitted_at.map(stamp),
                    score: a.score,
                    passed: a.passed,
                })
                .collect(),
            place_in_drive: place_in_drive(conn, actor.user_id)?,
            recommended: recommended(conn, &viewer, actor.user_id)?,
            // Filled by `classes::learning_page`, which depends on this module.
            classes: Vec::new(),
        })
    })
    .await
}
