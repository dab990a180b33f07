//! The skill records' upserts, each one `INSERT … ON CONFLICT` run on the backend's own
//! connection (the multi-backend connection has no upsert of its own).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counters::execute_native;
use super::schema::{consents, skill_level_stats, skill_records};
use super::types::{EnrollmentId, UserId};
use super::DbConn;
use crate::domain::SkillSource;

/// A level a completion grants: a row of `skill_records` with the completion as evidence.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = skill_records, treat_none_as_default_value = false)]
pub struct NewCourseLevel {
    pub user_id: UserId,
    pub skill_id: i64,
    pub level: i32,
    pub source: SkillSource,
    pub enrollment_id: Option<EnrollmentId>,
    pub recorded_at: NaiveDateTime,
}

/// Levels granted by completions, once per (enrolment, skill): a second grant, or a rebuild
/// racing another, inserts nothing for that pair. Multi-row statements (at most 1,000 rows,
/// 6,000 bound values). Returns the rows inserted.
pub fn insert_course_levels(conn: &mut DbConn, rows: &[NewCourseLevel]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(1_000) {
        let statement = diesel::insert_into(skill_records::table)
            .values(chunk)
            .on_conflict((skill_records::enrollment_id, skill_records::skill_id))
            .do_nothing();
        inserted += execute_native!(conn, statement)?;
    }
    Ok(inserted)
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
