//! A learner's enrolment in a course and what hangs on it: whether she is enrolled, the quiz
//! attempts an administrator granted her, and her standing in the quiz. The lowest layer of
//! the learning services: learning, the quiz, attendance and administrators' actions read it,
//! it reads none of them.

use diesel::prelude::*;

use crate::db::schema::{
    attendances, class_sessions, courses, enrollments, lesson_progress, lessons, quiz_attempts,
};
use crate::db::DbConn;
use crate::dto::{CheckInView, QuizStanding, StillNeeded};
use crate::ServiceError;

/// Her enrolment in the course, if any.
pub(crate) fn enrollment_of(
    conn: &mut DbConn,
    user_id: i64,
    course_id: i64,
) -> QueryResult<Option<i64>> {
    enrollments::table
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::course_id.eq(course_id))
        .select(enrollments::id)
        .first(conn)
        .optional()
}

/// Attempts an administrator granted her beyond the course's limit.
pub(crate) fn granted_attempts(conn: &mut DbConn, enrollment: i64) -> QueryResult<i32> {
    enrollments::table
        .find(enrollment)
        .select(enrollments::extra_attempts)
        .first(conn)
}

/// Her standing in a course's quiz; `None` when the course has no quiz or she is not
/// enrolled.
pub(crate) fn standing(
    conn: &mut DbConn,
    user_id: i64,
    course_id: i64,
) -> Result<Option<QuizStanding>, ServiceError> {
    let Some(enrollment) = enrollment_of(conn, user_id, course_id)? else {
        return Ok(None);
    };
    let (max, pass_mark): (Option<i32>, Option<i32>) = courses::table
        .find(course_id)
        .select((courses::quiz_max_attempts, courses::quiz_pass_mark))
        .first(conn)?;
    let (Some(max), Some(pass_mark)) = (max, pass_mark) else {
        return Ok(None);
    };
    /// One of her attempts, as the standing counts it.
    #[derive(Queryable)]
    struct Tried {
        public_id: String,
        submitted: Option<chrono::NaiveDateTime>,
        score: Option<i32>,
        passed: Option<bool>,
    }
    let tried: Vec<Tried> = quiz_attempts::table
        .filter(quiz_attempts::enrollment_id.eq(enrollment))
        .order(quiz_attempts::id.asc())
        .select((
            quiz_attempts::public_id,
            quiz_attempts::submitted_at,
            quiz_attempts::score,
            quiz_attempts::passed,
        ))
        .load(conn)?;
    let granted = granted_attempts(conn, enrollment)?;
    let used = tried.len() as i32;
    let allowed = (max > 0).then_some(max + granted);
    Ok(Some(QuizStanding {
        used,
        allowed,
        left: allowed.map(|a| (a - used).max(0)),
        granted,
        passed: tried.iter().any(|t| t.passed == Some(true)),
        best_score: tried.iter().filter_map(|t| t.score).max(),
        pass_mark,
        open_attempt: tried
            .iter()
            .rev()
            .find(|t| t.submitted.is_none())
            .map(|t| t.public_id.clone()),
    }))
}

/// Her first check-in at a class of the course, if any.
pub(crate) fn check_in(
    conn: &mut DbConn,
    user_id: i64,
    course_id: i64,
) -> QueryResult<Option<CheckInView>> {
    let row: Option<(chrono::NaiveDateTime, String)> = attendances::table
        .inner_join(class_sessions::table.on(class_sessions::id.eq(attendances::session_id)))
        .filter(attendances::user_id.eq(user_id))
        .filter(class_sessions::course_id.eq(course_id))
        .order(attendances::checked_in_at.asc())
        .select((attendances::checked_in_at, class_sessions::location))
        .first(conn)
        .optional()?;
    Ok(row.map(|(at, location)| CheckInView {
        at: crate::time::to_china(at)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        location,
    }))
}

/// What the course still needs from her (unread lessons, a class) when its rules ask for
/// them; `None` once the course is completed or she is not enrolled.
pub(crate) fn still_needed(
    conn: &mut DbConn,
    user_id: i64,
    course_id: i64,
) -> QueryResult<Option<StillNeeded>> {
    let completed: Option<Option<chrono::NaiveDateTime>> = enrollments::table
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::course_id.eq(course_id))
        .select(enrollments::completed_at)
        .first(conn)
        .optional()?;
    let Some(None) = completed else {
        return Ok(None);
    };
    let (needs_lessons, needs_attendance): (bool, bool) = courses::table
        .find(course_id)
        .select((courses::complete_lessons, courses::complete_attendance))
        .first(conn)?;
    let read: Vec<i64> = lesson_progress::table
        .filter(lesson_progress::user_id.eq(user_id))
        .select(lesson_progress::lesson_id)
        .load(conn)?;
    let unread: Vec<String> = match needs_lessons {
        true => lessons::table
            .filter(lessons::course_id.eq(course_id))
            .filter(lessons::active.eq(true))
            .filter(lessons::id.ne_all(read))
            .order(lessons::position.asc())
            .select(lessons::lesson_key)
            .load(conn)?,
        false => Vec::new(),
    };
    let attendance = needs_attendance && check_in(conn, user_id, course_id)?.is_none();
    Ok(Some(StillNeeded {
        lessons_unread: unread.len(),
        first_unread: unread.into_iter().next(),
        attendance,
    }))
}
