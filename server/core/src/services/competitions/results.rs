//! The final results, entered by the organiser: rank, score and award per registrant. Each
//! result is skill evidence for every skill the competition tests — at the level it asked
//! for (at least 1), one higher with an award, never above the framework's top — recorded in
//! the same transaction. Entering a woman's result again withdraws the records of the old
//! one (with the reason) and records the new.

use diesel::prelude::*;
use serde::Deserialize;

use super::{organised, registrants, visible, CompetitionRow};
use crate::db::schema::{competition_results, skill_records, users};
use crate::db::{write_tx, DbConn};
use crate::domain::{DomainError, SkillSource};
use crate::dto::ResultView;
use crate::services::actor::Actor;
use crate::services::reach;
use crate::services::skills::{self, SkillInfo};
use crate::services::{now, Core};
use crate::ServiceError;

/// `POST /api/v1/competitions/{id}/results`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsInput {
    pub results: Vec<ResultInput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    /// A registrant's public id.
    pub user: String,
    pub rank: i32,
    #[serde(default)]
    pub score: Option<i32>,
    /// Such as 一等奖; empty or absent for none.
    #[serde(default)]
    pub award: Option<String>,
}

/// One checked line: (her row id, rank, score, award).
type Line = (i64, i32, Option<i32>, Option<String>);

fn check(
    conn: &mut DbConn,
    row: &CompetitionRow,
    input: &ResultsInput,
) -> Result<Vec<Line>, ServiceError> {
    if input.results.is_empty() || input.results.len() > 10_000 {
        return Err(DomainError::Results.into());
    }
    let registered = registrants(conn, row.id)?;
    let mut lines = Vec::new();
    for r in &input.results {
        let person = reach::find_person(conn, &r.user)?
            .filter(|p| registered.contains(&p.id))
            .ok_or(DomainError::Results)?;
        if !(1..=100_000).contains(&r.rank) {
            return Err(DomainError::Rank.into());
        }
        if r.score.is_some_and(|s| !(0..=100).contains(&s)) {
            return Err(DomainError::Score.into());
        }
        let award = r
            .award
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        if award
            .as_ref()
            .is_some_and(|a| a.chars().count() > 50 || a.chars().any(char::is_control))
        {
            return Err(DomainError::Award.into());
        }
        lines.push((person.id, r.rank, r.score, award));
    }
    Ok(lines)
}

/// The level a result is evidence of in `skill`.
fn evidence_level(skill: &SkillInfo, asked: Option<i32>, award: bool) -> i32 {
    let base = asked.unwrap_or(1).max(1);
    (base + i32::from(award))
        .min(skill.levels.len() as i32)
        .max(1)
}

fn record_line(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CompetitionRow,
    tested: &[SkillInfo],
    line: &Line,
) -> Result<(), ServiceError> {
    let (user, rank, score, award) = line;
    let at = now();
    let existing: Option<(i64, i32, Option<i32>, Option<String>)> = competition_results::table
        .filter(competition_results::competition_id.eq(row.id))
        .filter(competition_results::user_id.eq(user))
        .select((
            competition_results::id,
            competition_results::rank,
            competition_results::score,
            competition_results::award,
        ))
        .first(conn)
        .optional()?;
    // Saving the form again with her result unchanged changes nothing (no evidence churn).
    if let Some((_, r, s, a)) = &existing {
        if (r, s, a) == (rank, score, award) {
            return Ok(());
        }
    }
    let before = crate::services::skill_stats::Before::take(conn, *user)?;
    let result_id = match existing.map(|e| e.0) {
        Some(id) => {
            diesel::update(competition_results::table.find(id))
                .set((
                    competition_results::rank.eq(rank),
                    competition_results::score.eq(score),
                    competition_results::award.eq(award),
                    competition_results::entered_by.eq(actor.user_id),
                    competition_results::entered_at.eq(at),
                ))
                .execute(conn)?;
            diesel::update(
                skill_records::table
                    .filter(skill_records::result_id.eq(id))
                    .filter(skill_records::withdrawn_at.is_null()),
            )
            .set((
                skill_records::withdrawn_at.eq(at),
                skill_records::withdrawn_reason.eq("竞赛成绩已更正（result corrected）"),
            ))
            .execute(conn)?;
            id
        }
        None => {
            diesel::insert_into(competition_results::table)
                .values((
                    competition_results::competition_id.eq(row.id),
                    competition_results::user_id.eq(user),
                    competition_results::rank.eq(rank),
                    competition_results::score.eq(score),
                    competition_results::award.eq(award),
                    competition_results::entered_by.eq(actor.user_id),
                    competition_results::entered_at.eq(at),
                ))
                .execute(conn)?;
            competition_results::table
                .filter(competition_results::competition_id.eq(row.id))
                .filter(competition_results::user_id.eq(user))
                .select(competition_results::id)
                .first(conn)?
        }
    };
    let asked = row.min_levels()?;
    for skill in tested {
        let level = evidence_level(skill, asked.get(&skill.code).copied(), award.is_some());
        let reason = match award {
            Some(a) => format!("{}: {a} (rank {rank})", row.title),
            None => format!("{}: rank {rank}", row.title),
        };
        diesel::insert_into(skill_records::table)
            .values((
                skill_records::user_id.eq(user),
                skill_records::skill_id.eq(skill.id),
                skill_records::level.eq(level),
                skill_records::source.eq(SkillSource::Competition),
                skill_records::confirmed_by.eq(actor.user_id),
                skill_records::reason.eq(reason),
                skill_records::recorded_at.eq(at),
                skill_records::result_id.eq(result_id),
            ))
            .execute(conn)?;
    }
    before.settle(conn)?;
    Ok(())
}

/// A result as listed, with her public id and name.
#[derive(Queryable)]
struct ResultRow {
    user: String,
    name: String,
    rank: i32,
    score: Option<i32>,
    award: Option<String>,
}

fn results_of(conn: &mut DbConn, row: &CompetitionRow) -> QueryResult<Vec<ResultView>> {
    let rows: Vec<ResultRow> = competition_results::table
        .inner_join(users::table)
        .filter(competition_results::competition_id.eq(row.id))
        .order((
            competition_results::rank.asc(),
            competition_results::id.asc(),
        ))
        .select((
            users::public_id,
            users::name,
            competition_results::rank,
            competition_results::score,
            competition_results::award,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| ResultView {
            user: r.user,
            name: r.name,
            rank: r.rank,
            score: r.score,
            award: r.award,
        })
        .collect())
}

/// Enters (or corrects) results; every line is checked before any is written. Returns all
/// the competition's results by rank.
pub async fn enter(
    core: &Core,
    actor: &Actor,
    id: String,
    input: ResultsInput,
) -> Result<Vec<ResultView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = organised(conn, &actor, &id)?;
        let lines = check(conn, &row, &input)?;
        let framework = skills::framework(conn)?;
        let tested = skills::resolve(&framework, &row.skill_codes()?)?;
        write_tx(conn, |conn| {
            for line in &lines {
                record_line(conn, &actor, &row, &tested, line)?;
            }
            Ok::<_, ServiceError>(())
        })?;
        Ok(results_of(conn, &row)?)
    })
    .await
}

/// The results, for its organisers and registrants (names as entered: results are public
/// to the competition's own people).
pub async fn list(core: &Core, actor: &Actor, id: String) -> Result<Vec<ResultView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        Ok(results_of(conn, &row)?)
    })
    .await
}
