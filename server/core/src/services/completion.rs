//! Completing a course: once every rule the course sets is met (all lessons read, a passed
//! quiz, attendance at a class, a passing practical score given there), the enrolment is completed exactly once, with its evidence;
//! her first completion in the drive records her place and her union at that moment; the
//! drive's counters and her certificate follow in the same transaction.
//!
//! Learning, the quiz and attendance call this module; it calls stats, certificates and skills, and
//! nothing it calls calls back.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use super::drive::drive_start;
use super::now;
use crate::config::Config;
use crate::db::schema::{
    attendances, class_sessions, courses, enrollments, first_completions, lesson_progress, lessons,
    orgs, quiz_attempts, users,
};
use crate::db::types::{CourseId, EnrollmentId, UserId};
use crate::db::DbConn;
use crate::domain::Gender;
use crate::ServiceError;

/// What a course requires for completion.
#[derive(Debug, Clone, Copy, Queryable)]
struct Rules {
    lessons: bool,
    quiz: bool,
    attendance: bool,
    /// A practical score of at least this mark at one of her classes.
    practical_pass_mark: Option<i32>,
}

/// What she has done towards it.
struct Done {
    lessons_total: i64,
    lessons_read: i64,
    /// Her best passed attempt: (public id, score).
    passed: Option<(String, i32)>,
    /// The first class session she attended: its public id.
    attended: Option<String>,
    /// Her best practical score at a class of the course, with that class's public id.
    practical: Option<(String, i32)>,
}

impl Done {
    fn meets(&self, rules: Rules) -> bool {
        let any_rule = rules.lessons || rules.quiz || rules.attendance;
        any_rule
            && (!rules.lessons || self.lessons_read >= self.lessons_total)
            && (!rules.quiz || self.passed.is_some())
            && (!rules.attendance || self.attended.is_some())
            && rules.practical_pass_mark.is_none_or(|mark| {
                self.practical
                    .as_ref()
                    .is_some_and(|(_, score)| *score >= mark)
            })
    }

    /// The evidence kept with the completion: lessons read, the passed attempt and its score,
    /// the class session.
    fn evidence(&self, rules: Rules) -> serde_json::Value {
        let mut evidence = json!({ "lessons_read": self.lessons_read });
        if let (true, Some((attempt, score))) = (rules.quiz, &self.passed) {
            evidence["attempt"] = json!(attempt);
            evidence["score"] = json!(score);
        }
        if let Some(session) = &self.attended {
            evidence["session"] = json!(session);
        }
        if let (Some(_), Some((session, score))) = (rules.practical_pass_mark, &self.practical) {
            evidence["practical_session"] = json!(session);
            evidence["practical_score"] = json!(score);
        }
        evidence
    }
}

fn rules_of(conn: &mut DbConn, course_id: CourseId) -> QueryResult<Rules> {
    courses::table
        .find(course_id)
        .select((
            courses::complete_lessons,
            courses::complete_quiz,
            courses::complete_attendance,
            courses::practical_pass_mark,
        ))
        .first(conn)
}

fn done_so_far(
    conn: &mut DbConn,
    user_id: UserId,
    course_id: CourseId,
    enrollment: EnrollmentId,
    rules: Rules,
) -> QueryResult<Done> {
    let lessons_total: i64 = lessons::table
        .filter(lessons::course_id.eq(course_id))
        .filter(lessons::active.eq(true))
        .count()
        .get_result(conn)?;
    let lessons_read: i64 = lesson_progress::table
        .inner_join(lessons::table)
        .filter(lesson_progress::user_id.eq(user_id))
        .filter(lessons::course_id.eq(course_id))
        .filter(lessons::active.eq(true))
        .count()
        .get_result(conn)?;
    let passed = quiz_attempts::table
        .filter(quiz_attempts::enrollment_id.eq(enrollment))
        .filter(quiz_attempts::passed.eq(true))
        .order(quiz_attempts::score.desc())
        .select((
            quiz_attempts::public_id,
            quiz_attempts::score.assume_not_null(),
        ))
        .first(conn)
        .optional()?;
    let attended = if rules.attendance {
        attendances::table
            .inner_join(class_sessions::table)
            .filter(attendances::user_id.eq(user_id))
            .filter(class_sessions::course_id.eq(course_id))
            .order(attendances::checked_in_at.asc())
            .select(class_sessions::public_id)
            .first(conn)
            .optional()?
    } else {
        None
    };
    let practical = match rules.practical_pass_mark {
        Some(_) => attendances::table
            .inner_join(class_sessions::table)
            .filter(attendances::user_id.eq(user_id))
            .filter(class_sessions::course_id.eq(course_id))
            .filter(attendances::practical_score.is_not_null())
            .order(attendances::practical_score.desc())
            .select((
                class_sessions::public_id,
                attendances::practical_score.assume_not_null(),
            ))
            .first(conn)
            .optional()?,
        None => None,
    };
    Ok(Done {
        lessons_total,
        lessons_read,
        passed,
        attended,
        practical,
    })
}

/// Records completion once, when every rule the course sets is met (the attempt and the
/// session are the evidence). The ids are typed, so the learner, the course and the enrolment
/// cannot be passed in the wrong order. The first completion also records her place in the drive and
/// her union at that moment, and the certificate is issued in the same transaction.
pub(crate) fn complete_if_due(
    conn: &mut DbConn,
    config: &Config,
    user_id: UserId,
    course_id: CourseId,
    enrollment: EnrollmentId,
) -> Result<(), ServiceError> {
    let rules = rules_of(conn, course_id)?;
    let done = done_so_far(conn, user_id, course_id, enrollment, rules)?;
    if !done.meets(rules) {
        return Ok(());
    }
    let at = now();
    let completed_now = diesel::update(
        enrollments::table
            .find(enrollment)
            .filter(enrollments::completed_at.is_null()),
    )
    .set((
        enrollments::completed_at.eq(at),
        enrollments::evidence.eq(done.evidence(rules).to_string()),
    ))
    .execute(conn)?
        == 1;
    if !completed_now {
        return Ok(());
    }
    let first = record_if_first(conn, user_id, enrollment, at)?;
    super::stats::record_completion(conn, enrollment.0, first)?;
    super::certificates::issue(conn, config, enrollment)?;
    super::skills::grant_for_completion(conn, enrollment)?;
    Ok(())
}

/// Her first completion since the drive began is recorded with her union and gender at this
/// moment (a later move does not rewrite history). Returns whether this one was it.
fn record_if_first(
    conn: &mut DbConn,
    user_id: UserId,
    enrollment: EnrollmentId,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let first = at >= drive_start()
        && first_completions::table
            .find(user_id)
            .count()
            .get_result::<i64>(conn)?
            == 0;
    if !first {
        return Ok(false);
    }
    let (org_id, org_path, gender): (i64, String, Gender) = users::table
        .inner_join(orgs::table)
        .filter(users::id.eq(user_id))
        .select((users::org_id, orgs::path, users::gender))
        .first(conn)?;
    diesel::insert_into(first_completions::table)
        .values((
            first_completions::user_id.eq(user_id),
            first_completions::enrollment_id.eq(enrollment),
            first_completions::org_id.eq(org_id),
            first_completions::org_path.eq(org_path),
            first_completions::gender.eq(gender),
            first_completions::completed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Her place among the women trained in the drive, by first completion (ties by account).
pub(crate) fn place_in_drive(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<i64>> {
    use crate::db::schema::first_completions as fc;
    let mine: Option<(Gender, chrono::NaiveDateTime)> = fc::table
        .find(user_id)
        .select((fc::gender, fc::completed_at))
        .first(conn)
        .optional()?;
    let Some((gender, at)) = mine else {
        return Ok(None);
    };
    if gender != Gender::Female || at < drive_start() {
        return Ok(None);
    }
    let before: i64 = fc::table
        .filter(fc::gender.eq(Gender::Female))
        .filter(fc::completed_at.ge(drive_start()))
        .filter(
            fc::completed_at
                .lt(at)
                .or(fc::completed_at.eq(at).and(fc::user_id.le(user_id))),
        )
        .count()
        .get_result(conn)?;
    Ok(Some(before))
}
