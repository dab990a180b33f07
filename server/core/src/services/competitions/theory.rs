//! The online theory round (理论初赛): one fixed start and duration for every registrant, one
//! attempt each, drawn from a course's question bank by the quiz engine's rules — random
//! question and option ids per attempt, keys never sent, answers saved as she goes. Starting
//! twice returns the same attempt (two racing starts insert one: the unique key absorbs the
//! race on either backend); a start before the round or after it is refused, and so is a
//! submission after it (what she saved in time is graded). The ranking orders by score, then
//! by the time she took.
//!
//! Nothing is revealed: while the round runs the right answers would help the next woman, so
//! results carry only the score.

use std::collections::{BTreeMap, HashSet};

use diesel::prelude::*;
use rand::Rng;

use super::{organises, visible, CompetitionRow};
use crate::db::competition_rows::{insert_theory_attempt, NewTheoryAttempt};
use crate::db::schema::{competition_registrations, orgs, questions, theory_attempts, users};
use crate::db::types::Json;
use crate::db::{lock_for_update, write_tx, DbConn, RowLock};
use crate::domain::mask_name;
use crate::dto::{AnswerInput, AttemptQuestion, AttemptView, RankingRow, TheoryResult};
use crate::services::actor::Actor;
use crate::services::quiz::{draw_questions, grade, merge, BankQuestion, ServedQuestion};
use crate::services::tokens::new_public_id;
use crate::services::{now, Core};
use crate::time::{china_minute, iso_utc};
use crate::ServiceError;

/// An attempt as stored.
#[derive(Debug, Queryable)]
struct TheoryRow {
    id: i64,
    public_id: String,
    competition_id: i64,
    user_id: i64,
    served: Json<Vec<ServedQuestion>>,
    answers: Json<BTreeMap<String, AnswerInput>>,
    started_at: chrono::NaiveDateTime,
    deadline: chrono::NaiveDateTime,
    submitted_at: Option<chrono::NaiveDateTime>,
    score: Option<i32>,
}

macro_rules! theory_query {
    () => {
        theory_attempts::table.select((
            theory_attempts::id,
            theory_attempts::public_id,
            theory_attempts::competition_id,
            theory_attempts::user_id,
            theory_attempts::served,
            theory_attempts::answers,
            theory_attempts::started_at,
            theory_attempts::deadline,
            theory_attempts::submitted_at,
            theory_attempts::score,
        ))
    };
}

fn attempt_view(row: &TheoryRow, competition: &str) -> AttemptView {
    AttemptView {
        id: row.public_id.clone(),
        course: competition.to_string(),
        deadline: Some(iso_utc(row.deadline)),
        deadline_china: Some(china_minute(row.deadline)),
        questions: row
            .served
            .0
            .iter()
            .map(|q| AttemptQuestion {
                id: q.public_id().to_string(),
                kind: q.kind,
                text: q.text.clone(),
                options: q.options.clone(),
            })
            .collect(),
        answers: row.answers.0.clone(),
    }
}

fn mine(conn: &mut DbConn, competition: i64, user: i64) -> Result<Option<TheoryRow>, ServiceError> {
    Ok(theory_query!()
        .filter(theory_attempts::competition_id.eq(competition))
        .filter(theory_attempts::user_id.eq(user))
        .first(conn)
        .optional()?)
}

/// The round's times, or 404 when the competition has none.
fn round(
    row: &CompetitionRow,
) -> Result<(chrono::NaiveDateTime, chrono::NaiveDateTime, i64, i32), ServiceError> {
    match (row.round(), row.theory_course_id, row.theory_draw) {
        (Some((starts, ends)), Some(bank), Some(draw)) => Ok((starts, ends, bank, draw)),
        _ => Err(ServiceError::NotFound("theory round")),
    }
}

/// Starts her attempt of the round (or returns the one she started). Returns the attempt and
/// whether this call created it.
pub async fn start(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<(AttemptView, bool), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        let (starts, ends, bank, draw) = round(&row)?;
        if let Some(existing) = mine(conn, row.id.0, actor.user_id)? {
            return Ok((attempt_view(&existing, &row.public_id), false));
        }
        let registered = competition_registrations::table
            .filter(competition_registrations::competition_id.eq(row.id))
            .filter(competition_registrations::user_id.eq(actor.user_id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !registered {
            return Err(ServiceError::NotRegistered);
        }
        let at = now();
        if at < starts {
            return Err(ServiceError::RoundNotStarted {
                starts: china_minute(starts),
            });
        }
        if at >= ends {
            return Err(ServiceError::RoundOver);
        }
        let bank: Vec<BankQuestion> = questions::table
            .filter(questions::course_id.eq(bank))
            .filter(questions::active.eq(true))
            .order(questions::position.asc())
            .select(BankQuestion::as_select())
            .load(conn)?;
        let seed: u64 = rand::rng().random::<u64>() >> 1;
        let served = draw_questions(&bank, draw.max(0) as usize, seed, &HashSet::new());
        let served = serde_json::to_string(&served).expect("json");
        let public_id = new_public_id();
        let created = write_tx(conn, |conn| {
            insert_theory_attempt(
                conn,
                &NewTheoryAttempt {
                    public_id: &public_id,
                    competition: row.id.0,
                    user: actor.user_id,
                    seed: seed as i64,
                    served: &served,
                    started_at: at,
                    deadline: ends,
                },
            )
        })? == 1;
        let attempt = mine(conn, row.id.0, actor.user_id)?
            .ok_or_else(|| ServiceError::internal("a theory attempt vanished after its insert"))?;
        Ok((attempt_view(&attempt, &row.public_id), created))
    })
    .await
}

/// Her attempt by its public id, locked for the rest of the write transaction.
fn lock_own(conn: &mut DbConn, actor: &Actor, public_id: &str) -> Result<TheoryRow, ServiceError> {
    lock_for_update(conn, RowLock::TheoryAttempt(public_id))?;
    let row: Option<TheoryRow> = theory_query!()
        .filter(theory_attempts::public_id.eq(public_id))
        .first(conn)
        .optional()?;
    row.filter(|r| r.user_id == actor.user_id)
        .ok_or(ServiceError::NotFound("attempt"))
}

fn competition_code(conn: &mut DbConn, id: i64) -> QueryResult<String> {
    crate::db::schema::competitions::table
        .find(id)
        .select(crate::db::schema::competitions::public_id)
        .first(conn)
}

/// Her attempt as the round page shows it (never with keys).
pub async fn get(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<(AttemptView, Option<TheoryResult>), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row: TheoryRow = theory_query!()
            .filter(theory_attempts::public_id.eq(&public_id))
            .first(conn)
            .optional()?
            .filter(|r: &TheoryRow| r.user_id == actor.user_id)
            .ok_or(ServiceError::NotFound("attempt"))?;
        let code = competition_code(conn, row.competition_id)?;
        let result = row.submitted_at.map(|_| result_of(&row, &code));
        Ok((attempt_view(&row, &code), result))
    })
    .await
}

/// Saves answers as she goes; refused once submitted or after the round.
pub async fn save(
    core: &Core,
    actor: &Actor,
    public_id: String,
    given: BTreeMap<String, AnswerInput>,
) -> Result<AttemptView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let mut row = lock_own(conn, &actor, &public_id)?;
            if row.submitted_at.is_some() {
                return Err(ServiceError::AttemptClosed);
            }
            if now() > row.deadline {
                return Err(ServiceError::DeadlinePassed);
            }
            merge(&row.served.0, &mut row.answers.0, given)?;
            diesel::update(theory_attempts::table.find(row.id))
                .set(
                    theory_attempts::answers
                        .eq(serde_json::to_string(&row.answers.0).expect("json")),
                )
                .execute(conn)?;
            let code = competition_code(conn, row.competition_id)?;
            Ok(attempt_view(&row, &code))
        })
    })
    .await
}

fn seconds(row: &TheoryRow, until: chrono::NaiveDateTime) -> i64 {
    (until - row.started_at).num_seconds().max(0)
}

fn result_of(row: &TheoryRow, competition: &str) -> TheoryResult {
    let graded = grade(&row.served.0, &row.answers.0, 0);
    TheoryResult {
        competition: competition.to_string(),
        score: graded.score as i32,
        right: graded.results.iter().filter(|r| r.correct).count() as i32,
        total: graded.results.len() as i32,
        seconds: seconds(row, row.submitted_at.unwrap_or(row.deadline)),
    }
}

/// Submits and grades once (repeats return the stored score). After the round the
/// submission is refused with `deadline_passed` and what she saved in time is graded.
pub async fn submit(
    core: &Core,
    actor: &Actor,
    public_id: String,
    given: BTreeMap<String, AnswerInput>,
) -> Result<TheoryResult, ServiceError> {
    let actor = actor.clone();
    let (result, late) = core
        .run(move |conn, _| {
            write_tx(conn, |conn| {
                let mut row = lock_own(conn, &actor, &public_id)?;
                let code = competition_code(conn, row.competition_id)?;
                if row.submitted_at.is_some() {
                    return Ok((result_of(&row, &code), false));
                }
                let at = now();
                let late = at > row.deadline;
                if !late {
                    merge(&row.served.0, &mut row.answers.0, given)?;
                }
                let submitted = if late { row.deadline } else { at };
                row.submitted_at = Some(submitted);
                let result = result_of(&row, &code);
                diesel::update(
                    theory_attempts::table
                        .find(row.id)
                        .filter(theory_attempts::submitted_at.is_null()),
                )
                .set((
                    theory_attempts::answers
                        .eq(serde_json::to_string(&row.answers.0).expect("json")),
                    theory_attempts::submitted_at.eq(submitted),
                    theory_attempts::score.eq(result.score),
                ))
                .execute(conn)?;
                Ok::<_, ServiceError>((result, late))
            })
        })
        .await?;
    if late {
        return Err(ServiceError::DeadlinePassed);
    }
    Ok(result)
}

/// The round's ranking: every attempt submitted, or whose time is up (graded on what was
/// saved), by score, then by the seconds taken, then by who started first. Organisers see
/// names; registrants see others' names masked.
pub async fn ranking(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<Vec<RankingRow>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        round(&row)?;
        let organiser = organises(&actor, &row);
        if !organiser {
            let registered = competition_registrations::table
                .filter(competition_registrations::competition_id.eq(row.id))
                .filter(competition_registrations::user_id.eq(actor.user_id))
                .count()
                .get_result::<i64>(conn)?
                > 0;
            if !registered {
                return Err(ServiceError::Forbidden);
            }
        }
        let attempts: Vec<TheoryRow> = theory_query!()
            .filter(theory_attempts::competition_id.eq(row.id))
            .load(conn)?;
        let at = now();
        let mut scored: Vec<(i32, i64, chrono::NaiveDateTime, i64)> = attempts
            .iter()
            .filter(|a| a.submitted_at.is_some() || at > a.deadline)
            .map(|a| {
                let result = result_of(a, &row.public_id);
                let score = a.score.unwrap_or(result.score);
                (score, result.seconds, a.started_at, a.user_id)
            })
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut out = Vec::new();
        for (i, (score, seconds, _, user)) in scored.into_iter().enumerate() {
            let (public_id, name, org_name): (String, String, String) = users::table
                .inner_join(orgs::table)
                .filter(users::id.eq(user))
                .select((users::public_id, users::name, orgs::name))
                .first(conn)?;
            out.push(RankingRow {
                rank: i as i64 + 1,
                name: if organiser || user == actor.user_id {
                    name
                } else {
                    mask_name(&name)
                },
                user: public_id,
                org_name,
                score,
                seconds,
            });
        }
        Ok(out)
    })
    .await
}
