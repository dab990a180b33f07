//! The skill records' two upserts, each one `INSERT … ON CONFLICT` run on the backend's own
//! connection (the multi-backend connection has no upsert of its own).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counters::execute_native;
use super::schema::{consents, skill_records};
use super::DbConn;
use crate::domain::SkillSource;

/// A level granted by a completion, once per (enrolment, skill): a second grant, or a
/// rebuild racing another, inserts nothing. Returns the rows inserted (0 or 1).
pub fn insert_course_level(
    conn: &mut DbConn,
    user_id: i64,
    skill_id: i64,
    level: i32,
    enrollment_id: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let statement = diesel::insert_into(skill_records::table)
        .values((
            skill_records::user_id.eq(user_id),
            skill_records::skill_id.eq(skill_id),
            skill_records::level.eq(level),
            skill_records::source.eq(SkillSource::Course),
            skill_records::enrollment_id.eq(enrollment_id),
            skill_records::recorded_at.eq(at),
        ))
        .on_conflict((skill_records::enrollment_id, skill_records::skill_id))
        .do_nothing();
    execute_native!(conn, statement)
}

/// Her consents, created or replaced.
pub fn upsert_consent(
    conn: &mut DbConn,
    user_id: i64,
    skills_visible: bool,
    talent_pool: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let statement = diesel::insert_into(consents::table)
        .values((
            consents::user_id.eq(user_id),
            consents::skills_visible.eq(skills_visible),
            consents::talent_pool.eq(talent_pool),
            consents::updated_at.eq(at),
        ))
        .on_conflict(consents::user_id)
        .do_update()
        .set((
            consents::skills_visible.eq(skills_visible),
            consents::talent_pool.eq(talent_pool),
            consents::updated_at.eq(at),
        ));
    execute_native!(conn, statement)
}
