//! How many women hold each skill, at their highest standing level, in each union's subtree:
//! counters kept as skill records change, so the dashboard's skills figures read a handful of
//! rows instead of every record under the union (at a province-wide drive, millions).
//!
//! A woman counts once per skill, at the highest level she holds that is not withdrawn, in her
//! own union and every union above it. Every write of skill records goes through
//! [`Before::take`] and [`Before::settle`]: her levels before the write, then after it, and
//! the difference moved between counters, all in the writing transaction (her user row is
//! locked on PostgreSQL, so two servers changing her levels at once cannot both count the same
//! change). [`verify`] recomputes every counter from the records, and [`rebuild`] restores
//! them from it.
//!
//! Only the skills module and competition results write records; this module depends on
//! neither.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;

use super::Core;
use crate::db::schema::{orgs, skill_level_stats, skill_records, users};
use crate::db::{lock_for_update, DbConn, RowLock};
use crate::domain::Gender;
use crate::ServiceError;

/// (union id, skill id, level) → women.
pub type LevelCounts = BTreeMap<(i64, i64, i32), i64>;

/// Her highest standing level of each skill she holds.
fn levels_of(conn: &mut DbConn, user: i64) -> QueryResult<BTreeMap<i64, i32>> {
    let rows: Vec<(i64, Option<i32>)> = skill_records::table
        .filter(skill_records::user_id.eq(user))
        .filter(skill_records::withdrawn_at.is_null())
        .group_by(skill_records::skill_id)
        .select((
            skill_records::skill_id,
            diesel::dsl::max(skill_records::level),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(skill, level)| level.map(|l| (skill, l)))
        .collect())
}

/// Her levels as they stood before a write of her skill records.
#[must_use = "settle it after the write, or the counters drift"]
pub(crate) struct Before {
    user: i64,
    levels: BTreeMap<i64, i32>,
}

impl Before {
    /// Locks her (PostgreSQL) and reads her levels. Call inside the writing transaction,
    /// before the write.
    pub(crate) fn take(conn: &mut DbConn, user: i64) -> QueryResult<Before> {
        lock_for_update(conn, RowLock::User(user))?;
        Ok(Before {
            user,
            levels: levels_of(conn, user)?,
        })
    }

    /// Reads her levels again and moves each change between the counters of her union and
    /// every union above it. Men are not counted.
    pub(crate) fn settle(self, conn: &mut DbConn) -> QueryResult<()> {
        let after = levels_of(conn, self.user)?;
        if after == self.levels {
            return Ok(());
        }
        let (gender, path): (Gender, String) = users::table
            .inner_join(orgs::table)
            .filter(users::id.eq(self.user))
            .select((users::gender, orgs::path))
            .first(conn)?;
        if gender != Gender::Female {
            return Ok(());
        }
        let unions = unions_on(conn, &path)?;
        let mut moves: Vec<(i64, i32, i64)> = Vec::new();
        for (&skill, &level) in &self.levels {
            if after.get(&skill) != Some(&level) {
                moves.push((skill, level, -1));
            }
        }
        for (&skill, &level) in &after {
            if self.levels.get(&skill) != Some(&level) {
                moves.push((skill, level, 1));
            }
        }
        for &org in &unions {
            for &(skill, level, delta) in &moves {
                crate::db::skill_rows::add_to_level_count(conn, org, skill, level, delta)?;
            }
        }
        Ok(())
    }
}

/// The ids of the unions on a materialised path (`/js/js-wx/`): the node and its ancestors.
fn unions_on(conn: &mut DbConn, path: &str) -> QueryResult<Vec<i64>> {
    let codes: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    orgs::table
        .filter(orgs::code.eq_any(codes))
        .select(orgs::id)
        .load(conn)
}

/// The stored counts of one union's subtree: (skill id, level, women), women > 0.
pub(crate) fn counts_in(conn: &mut DbConn, org: i64) -> QueryResult<Vec<(i64, i32, i64)>> {
    skill_level_stats::table
        .filter(skill_level_stats::org_id.eq(org))
        .filter(skill_level_stats::women.ne(0))
        .select((
            skill_level_stats::skill_id,
            skill_level_stats::level,
            skill_level_stats::women,
        ))
        .load(conn)
}

/// Every counter as the records say it should be.
fn recompute(conn: &mut DbConn) -> QueryResult<LevelCounts> {
    let held: Vec<(i64, i64, Option<i32>)> = skill_records::table
        .filter(skill_records::withdrawn_at.is_null())
        .group_by((skill_records::user_id, skill_records::skill_id))
        .select((
            skill_records::user_id,
            skill_records::skill_id,
            diesel::dsl::max(skill_records::level),
        ))
        .load(conn)?;
    let women: HashMap<i64, i64> = users::table
        .filter(users::gender.eq(Gender::Female))
        .select((users::id, users::org_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut own: HashMap<(i64, i64, i32), i64> = HashMap::new();
    for (user, skill, level) in held {
        if let (Some(&org), Some(level)) = (women.get(&user), level) {
            *own.entry((org, skill, level)).or_default() += 1;
        }
    }
    let paths: HashMap<i64, String> = orgs::table
        .select((orgs::id, orgs::path))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let ids: HashMap<&str, i64> = paths
        .iter()
        .filter_map(|(id, path)| {
            path.split('/')
                .rfind(|c| !c.is_empty())
                .map(|code| (code, *id))
        })
        .collect();
    let mut counts = LevelCounts::new();
    for ((org, skill, level), women) in own {
        let path = paths.get(&org).map(String::as_str).unwrap_or_default();
        for code in path.split('/').filter(|c| !c.is_empty()) {
            if let Some(&union) = ids.get(code) {
                *counts.entry((union, skill, level)).or_default() += women;
            }
        }
    }
    Ok(counts)
}

/// The stored counters, zeros left out.
fn stored(conn: &mut DbConn) -> QueryResult<LevelCounts> {
    Ok(skill_level_stats::table
        .filter(skill_level_stats::women.ne(0))
        .select((
            skill_level_stats::org_id,
            skill_level_stats::skill_id,
            skill_level_stats::level,
            skill_level_stats::women,
        ))
        .load::<(i64, i64, i32, i64)>(conn)?
        .into_iter()
        .map(|(org, skill, level, women)| ((org, skill, level), women))
        .collect())
}

/// Compares every counter with its recomputation: how many were checked, and one line per
/// difference naming the union, skill and level.
pub(crate) fn verify(conn: &mut DbConn) -> QueryResult<(usize, Vec<String>)> {
    let expected = recompute(conn)?;
    let actual = stored(conn)?;
    let keys: std::collections::BTreeSet<&(i64, i64, i32)> =
        expected.keys().chain(actual.keys()).collect();
    let problems = keys
        .iter()
        .filter_map(|key| {
            let want = expected.get(key).copied().unwrap_or(0);
            let have = actual.get(key).copied().unwrap_or(0);
            (want != have).then(|| {
                format!(
                    "union {} skill {} level {}: {have} women counted, the records give {want}",
                    key.0, key.1, key.2
                )
            })
        })
        .collect();
    Ok((keys.len(), problems))
}

/// Every level counter against its recomputation (`qihang skills verify`).
pub async fn verify_counts(core: &Core) -> Result<(usize, Vec<String>), ServiceError> {
    core.run(|conn, _| Ok(verify(conn)?)).await
}

/// Replaces every counter with its recomputation (a repair). Call inside a write transaction.
pub(crate) fn rebuild(conn: &mut DbConn) -> QueryResult<usize> {
    crate::db::skill_rows::lock_level_counts(conn)?;
    let counts = recompute(conn)?;
    diesel::delete(skill_level_stats::table).execute(conn)?;
    for (&(org, skill, level), &women) in &counts {
        crate::db::skill_rows::add_to_level_count(conn, org, skill, level, women)?;
    }
    Ok(counts.len())
}
