//! Bulk and counter writes whose SQL differs by backend (or that must stay fast at the size of
//! a province-wide drive): the one place such statements are written.
//!
//! The multi-backend connection cannot express either kind: it has no `ON CONFLICT` clause,
//! and it cannot render a multi-row `VALUES` list (SQLite's batch insert is its own code path
//! in diesel). Both are plain typed diesel on each backend's own connection, so every
//! statement here is built once and run on whichever connection [`DbConn`] holds.
//! Rows are written with `None` as `NULL` (not `DEFAULT`, which SQLite lacks), so a chunk is
//! one statement on both backends.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{enrollments, first_completions, org_stats, orgs, users};
use super::DbConn;
use crate::domain::Gender;

/// Rows per multi-row `INSERT`: at most 12 columns, so at most 12,000 bound values, well
/// under SQLite's 32,766 and PostgreSQL's 65,535.
const ROWS_PER_STATEMENT: usize = 1_000;

/// What to add to one counter row (`org_stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CounterDelta {
    pub women_trained: i64,
    pub learners_trained: i64,
    pub women_completions: i64,
    pub completions: i64,
    pub women_hours: f64,
    pub hours: f64,
}

impl CounterDelta {
    /// Adds `other`'s figures to these.
    pub fn add(&mut self, other: &CounterDelta) {
        self.women_trained += other.women_trained;
        self.learners_trained += other.learners_trained;
        self.women_completions += other.women_completions;
        self.completions += other.completions;
        self.women_hours += other.women_hours;
        self.hours += other.hours;
    }
}

/// One `org_stats` row as written.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = org_stats)]
pub struct NewCounter<'a> {
    pub org_id: i64,
    pub dimension: &'a str,
    pub bucket: &'a str,
    pub women_trained: i64,
    pub learners_trained: i64,
    pub women_completions: i64,
    pub completions: i64,
    pub women_hours: f64,
    pub hours: f64,
}

impl<'a> NewCounter<'a> {
    pub fn new(org_id: i64, dimension: &'a str, bucket: &'a str, delta: &CounterDelta) -> Self {
        NewCounter {
            org_id,
            dimension,
            bucket,
            women_trained: delta.women_trained,
            learners_trained: delta.learners_trained,
            women_completions: delta.women_completions,
            completions: delta.completions,
            women_hours: delta.women_hours,
            hours: delta.hours,
        }
    }
}

/// An organisation row (its id assigned by the database).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = orgs, treat_none_as_default_value = false)]
pub struct NewOrg {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i32,
    pub created_at: NaiveDateTime,
}

/// A user row with its id given (so rows written with it can refer to her).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUser {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub gender: Gender,
    pub org_id: i64,
    pub consent_version: Option<String>,
    pub consent_at: Option<NaiveDateTime>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

/// An enrolment row with its id given.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = enrollments, treat_none_as_default_value = false)]
pub struct NewEnrollment {
    pub id: i64,
    pub user_id: i64,
    pub course_id: i64,
    pub enrolled_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub evidence: Option<String>,
    pub completed_org_id: Option<i64>,
    pub completed_org_path: Option<String>,
}

/// A learner's first completion in the drive.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = first_completions)]
pub struct NewFirstCompletion {
    pub user_id: i64,
    pub enrollment_id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub gender: Gender,
    pub completed_at: NaiveDateTime,
}

/// Runs a statement, built once, on the backend's own connection.
macro_rules! execute_native {
    ($conn:expr, $statement:expr) => {
        match $conn {
            DbConn::Pg(c) => $statement.execute(c),
            DbConn::Sqlite(c) => $statement.execute(c),
        }
    };
}

pub(crate) use execute_native;

/// Inserts `rows` into `table`, [`ROWS_PER_STATEMENT`] rows a statement.
macro_rules! insert_in_batches {
    ($conn:expr, $table:expr, $rows:expr) => {{
        for chunk in $rows.chunks(ROWS_PER_STATEMENT) {
            execute_native!($conn, diesel::insert_into($table).values(chunk))?;
        }
        Ok(())
    }};
}

/// Adds `delta` to the counter (org, dimension, bucket), creating it at `delta` when absent:
/// one `INSERT … ON CONFLICT … DO UPDATE SET x = org_stats.x + excluded.x`.
pub fn add_to_counter(
    conn: &mut DbConn,
    org_id: i64,
    dimension: &str,
    bucket: &str,
    delta: &CounterDelta,
) -> QueryResult<()> {
    use super::schema::org_stats::{
        completions, hours, learners_trained, women_completions, women_hours, women_trained,
    };
    let row = NewCounter::new(org_id, dimension, bucket, delta);
    let statement = diesel::insert_into(org_stats::table)
        .values(&row)
        .on_conflict((org_stats::org_id, org_stats::dimension, org_stats::bucket))
        .do_update()
        .set((
            women_trained.eq(women_trained + excluded(women_trained)),
            learners_trained.eq(learners_trained + excluded(learners_trained)),
            women_completions.eq(women_completions + excluded(women_completions)),
            completions.eq(completions + excluded(completions)),
            women_hours.eq(women_hours + excluded(women_hours)),
            hours.eq(hours + excluded(hours)),
        ));
    execute_native!(conn, statement).map(drop)
}

/// Inserts counter rows (none may exist yet), in multi-row statements.
pub fn insert_counters(conn: &mut DbConn, rows: &[NewCounter<'_>]) -> QueryResult<()> {
    insert_in_batches!(conn, org_stats::table, rows)
}

/// Inserts organisations, in multi-row statements.
pub fn insert_orgs(conn: &mut DbConn, rows: &[NewOrg]) -> QueryResult<()> {
    insert_in_batches!(conn, orgs::table, rows)
}

/// Inserts users with their ids, in multi-row statements (on PostgreSQL, move the id
/// sequence afterwards: [`super::reset_id_sequences`]).
pub fn insert_users(conn: &mut DbConn, rows: &[NewUser]) -> QueryResult<()> {
    insert_in_batches!(conn, users::table, rows)
}

/// Inserts enrolments with their ids, in multi-row statements (on PostgreSQL, move the id
/// sequence afterwards: [`super::reset_id_sequences`]).
pub fn insert_enrollments(conn: &mut DbConn, rows: &[NewEnrollment]) -> QueryResult<()> {
    insert_in_batches!(conn, enrollments::table, rows)
}

/// Inserts first completions, in multi-row statements.
pub fn insert_first_completions(conn: &mut DbConn, rows: &[NewFirstCompletion]) -> QueryResult<()> {
    insert_in_batches!(conn, first_completions::table, rows)
}
