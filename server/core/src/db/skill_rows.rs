//! The skill records' upserts, each one `INSERT … ON CONFLICT` run on the backend's own
//! connection (the multi-backend connection has no upsert of its own).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counters::execute_native;
use super::schema::{consents, skill_level_stats, skill_records};
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

/// Holds every counter of women per level until the transaction ends: PostgreSQL's
/// `LOCK TABLE … IN EXCLUSIVE MODE` (reads go on; another server's count waits, then adds to
/// the recount); nothing on SQLite, whose write transaction already excludes every writer.
pub fn lock_level_counts(conn: &mut DbConn) -> QueryResult<()> {
    match conn {
        DbConn::Pg(c) => {
            diesel::sql_query("LOCK TABLE skill_level_stats IN EXCLUSIVE MODE").execute(c)?;
            Ok(())
        }
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Adds `delta` women to the count of (union, skill, level), creating it when absent.
pub fn add_to_level_count(
    conn: &mut DbConn,
    org_id: i64,
    skill_id: i64,
    level: i32,
    delta: i64,
) -> QueryResult<usize> {
    use diesel::upsert::excluded;
    use skill_level_stats::women;
    let statement = diesel::insert_into(skill_level_stats::table)
        .values((
            skill_level_stats::org_id.eq(org_id),
            skill_level_stats::skill_id.eq(skill_id),
            skill_level_stats::level.eq(level),
            women.eq(delta),
        ))
        .on_conflict((
            skill_level_stats::org_id,
            skill_level_stats::skill_id,
            skill_level_stats::level,
        ))
        .do_update()
        .set(women.eq(women + excluded(women)));
    execute_native!(conn, statement)
}
