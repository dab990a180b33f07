//! The competitions' two idempotent inserts, each one `INSERT … ON CONFLICT DO NOTHING` run
//! on the backend's own connection (the multi-backend connection has no upsert of its own):
//! a second registration, or a second theory start racing the first, inserts nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::counters::execute_native;
use super::schema::{competition_registrations, theory_attempts};
use super::DbConn;

/// Registers her once. Returns the rows inserted (0 or 1).
pub fn insert_registration(
    conn: &mut DbConn,
    competition: i64,
    user: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let statement = diesel::insert_into(competition_registrations::table)
        .values((
            competition_registrations::competition_id.eq(competition),
            competition_registrations::user_id.eq(user),
            competition_registrations::registered_at.eq(at),
        ))
        .on_conflict((
            competition_registrations::competition_id,
            competition_registrations::user_id,
        ))
        .do_nothing();
    execute_native!(conn, statement)
}

/// Her one theory attempt, as drawn.
pub struct NewTheoryAttempt<'a> {
    pub public_id: &'a str,
    pub competition: i64,
    pub user: i64,
    pub seed: i64,
    pub served: &'a str,
    pub started_at: NaiveDateTime,
    pub deadline: NaiveDateTime,
}

/// Inserts her attempt unless she has one. Returns the rows inserted (0 or 1).
pub fn insert_theory_attempt(conn: &mut DbConn, a: &NewTheoryAttempt<'_>) -> QueryResult<usize> {
    let statement = diesel::insert_into(theory_attempts::table)
        .values((
            theory_attempts::public_id.eq(a.public_id),
            theory_attempts::competition_id.eq(a.competition),
            theory_attempts::user_id.eq(a.user),
            theory_attempts::seed.eq(a.seed),
            theory_attempts::served.eq(a.served),
            theory_attempts::answers.eq("{}"),
            theory_attempts::started_at.eq(a.started_at),
            theory_attempts::deadline.eq(a.deadline),
        ))
        .on_conflict((theory_attempts::competition_id, theory_attempts::user_id))
        .do_nothing();
    execute_native!(conn, statement)
}
