//! The talent pool (人才库) and the drive's skills figures. The pool is never stored: it is
//! read at each request from competition results (an award at city level or above) and the
//! woman's consent to the pool, so withdrawing consent removes her from searches, the list
//! and its exports at once. Administrators see the pool of the subtree they administer; each
//! entry carries her levels, awards and studios, and the evidence behind them is one click
//! away (her skill profile).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::evidence::{self, ExportFormat, Sheets};
use super::skills::{self, SkillInfo};
use super::{orgs, studios, Core};
use crate::db::models::OrgRow;
use crate::db::schema::{competition_results, competitions, consents, orgs as orgs_t, users};
use crate::db::DbConn;
use crate::domain::{CompetitionLevel, DomainError, Role};
use crate::dto::{AwardView, SkillLevelCount, SkillsFigures, TalentEntry};
use crate::time::china_date;
use crate::ServiceError;

/// `GET /api/v1/talent-pool?skill=&min_level=&org=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TalentFilter {
    #[serde(default)]
    pub skill: Option<String>,
    #[serde(default)]
    pub min_level: Option<i32>,
    #[serde(default)]
    pub org: Option<String>,
}

/// The node whose pool she asked for: `org` when she administers it, else the highest node
/// she administers (403 when she administers none).
fn scope(conn: &mut DbConn, actor: &Actor, org: Option<&str>) -> Result<OrgRow, ServiceError> {
    match org.map(str::trim).filter(|o| !o.is_empty()) {
        Some(code) => orgs::require_administered(conn, actor, code),
        None => {
            let grant = actor
                .grants
                .iter()
                .filter(|g| g.role == Role::Admin)
                .min_by_key(|g| g.org_path.len())
                .ok_or(ServiceError::Forbidden)?;
            let code = grant.org_code.clone();
            orgs::require_administered(conn, actor, &code)
        }
    }
}

#[derive(Queryable)]
struct AwardRow {
    user_id: i64,
    public_id: String,
    name: String,
    org: String,
    org_name: String,
    competition: String,
    title: String,
    level: CompetitionLevel,
    award: String,
    rank: i32,
    at: NaiveDateTime,
}

fn pool(
    conn: &mut DbConn,
    org: &OrgRow,
    filter: &TalentFilter,
) -> Result<Vec<TalentEntry>, ServiceError> {
    let framework = skills::framework(conn)?;
    let wanted: Option<(SkillInfo, i32)> = match filter.skill.as_deref().map(str::trim) {
        Some(code) if !code.is_empty() => {
            let skill = framework
                .iter()
                .find(|s| s.code == code)
                .cloned()
                .ok_or(DomainError::Skill)?;
            let min = filter.min_level.unwrap_or(1);
            if min < 1 || min as usize > skill.levels.len() {
                return Err(DomainError::SkillLevel.into());
            }
            Some((skill, min))
        }
        _ => None,
    };
    let upper = orgs::subtree_upper_bound(&org.path);
    // The winners first: a few, however many women the union has. Named in the query, they
    // are looked up by id, instead of every woman of the subtree being walked for an award.
    let winners: Vec<i64> = competition_results::table
        .inner_join(competitions::table)
        .filter(competition_results::award.is_not_null())
        .filter(competitions::level.ne(CompetitionLevel::Enterprise))
        .select(competition_results::user_id)
        .distinct()
        .load(conn)?;
    if winners.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = competition_results::table
        .inner_join(competitions::table)
        .inner_join(users::table.inner_join(orgs_t::table))
        .inner_join(consents::table.on(consents::user_id.eq(competition_results::user_id)))
        .filter(consents::talent_pool.eq(true))
        .filter(competition_results::award.is_not_null())
        .filter(competitions::level.ne(CompetitionLevel::Enterprise))
        .filter(users::disabled.eq(false))
        .filter(orgs_t::path.ge(&org.path))
        .filter(orgs_t::path.lt(&upper))
        .into_boxed();
    // Within both databases' limits on bound values; beyond, the plain join still answers.
    if winners.len() <= 30_000 {
        query = query.filter(users::id.eq_any(&winners));
    }
    let rows: Vec<AwardRow> = query
        .order((
            users::name.asc(),
            users::id.asc(),
            competition_results::id.asc(),
        ))
        .select((
            users::id,
            users::public_id,
            users::name,
            orgs_t::code,
            orgs_t::name,
            competitions::public_id,
            competitions::title,
            competitions::level,
            competition_results::award.assume_not_null(),
            competition_results::rank,
            competition_results::entered_at,
        ))
        .load(conn)?;
    let mut order: Vec<i64> = Vec::new();
    let mut by_user: HashMap<i64, Vec<AwardRow>> = HashMap::new();
    for row in rows {
        if !by_user.contains_key(&row.user_id) {
            order.push(row.user_id);
        }
        by_user.entry(row.user_id).or_default().push(row);
    }
    let levels = skills::highest_levels(conn, &order)?;
    let studios = studios::studios_of(conn, &order)?;
    let mut out = Vec::new();
    for user in order {
        if let Some((skill, min)) = &wanted {
            if levels.get(&(user, skill.id)).copied().unwrap_or(0) < *min {
                continue;
            }
        }
        let awards = by_user.remove(&user).unwrap_or_default();
        let first = &awards[0];
        out.push(TalentEntry {
            user: first.public_id.clone(),
            name: first.name.clone(),
            org: first.org.clone(),
            org_name: first.org_name.clone(),
            skills: framework
                .iter()
                .filter_map(|s| {
                    levels
                        .get(&(user, s.id))
                        .filter(|l| **l > 0)
                        .map(|l| s.level_view(*l))
                })
                .collect(),
            honours: true,
            awards: awards
                .iter()
                .map(|a| AwardView {
                    competition: a.competition.clone(),
                    title: a.title.clone(),
                    level: a.level.as_str().into(),
                    award: a.award.clone(),
                    rank: a.rank,
                    on: china_date(a.at),
                })
                .collect(),
            studios: studios.get(&user).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The pool of a subtree she administers.
pub async fn search(
    core: &Core,
    actor: &Actor,
    filter: TalentFilter,
) -> Result<Vec<TalentEntry>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let org = scope(conn, &actor, filter.org.as_deref())?;
        pool(conn, &org, &filter)
    })
    .await
}

const HEADER: [&str; 8] = [
    "姓名 name",
    "工会代码 org",
    "工会 union",
    "技能等级 skills",
    "获奖 awards",
    "创新工作室 studios",
    "可推荐评选 honours",
    "编号 id",
];

/// The pool as a spreadsheet (cells never read as formulas), the export audited in the same
/// transaction as its reading. Returns the bytes and the node's code (for the file name).
pub async fn export(
    core: &Core,
    actor: &Actor,
    filter: TalentFilter,
    format: ExportFormat,
) -> Result<(Vec<u8>, String), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let org = scope(conn, &actor, filter.org.as_deref())?;
        let entries = crate::db::write_tx(conn, |conn| {
            let entries = pool(conn, &org, &filter)?;
            evidence::audit(conn, &actor, org.id, "talent_pool", &filter)?;
            Ok::<_, ServiceError>(entries)
        })?;
        let rows = entries
            .into_iter()
            .map(|e| {
                vec![
                    e.name,
                    e.org,
                    e.org_name,
                    e.skills
                        .iter()
                        .map(|s| format!("{} {}级 {}", s.name, s.level, s.level_name))
                        .collect::<Vec<_>>()
                        .join("；"),
                    e.awards
                        .iter()
                        .map(|a| format!("{} {}（{}）", a.title, a.award, a.on))
                        .collect::<Vec<_>>()
                        .join("；"),
                    e.studios.join("；"),
                    if e.honours { "是" } else { "" }.to_string(),
                    e.user,
                ]
            })
            .collect();
        let bytes = evidence::encode(format, &HEADER, rows, Sheets::One("人才库 talent pool"))?;
        Ok((bytes, org.code))
    })
    .await
}

/// Women of the subtree at each level per skill (her highest level counts once), studios
/// against the goal of 100, competitions, registrations and results, and the pool's size.
fn figures_of(conn: &mut DbConn, org: &OrgRow) -> Result<SkillsFigures, ServiceError> {
    let framework = skills::framework(conn)?;
    // Kept as records change (`skill_stats`): a few rows, however many women.
    let mut counts: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (skill, level, women) in super::skill_stats::counts_in(conn, org.id)? {
        let Some(info) = framework.iter().find(|s| s.id == skill) else {
            continue;
        };
        let slots = counts
            .entry(skill)
            .or_insert_with(|| vec![0; info.levels.len()]);
        if let Some(slot) = usize::try_from(level - 1)
            .ok()
            .and_then(|i| slots.get_mut(i))
        {
            *slot += women;
        }
    }
    let levels = framework
        .iter()
        .map(|s| SkillLevelCount {
            skill: s.code.clone(),
            name: s.name.clone(),
            women: counts
                .remove(&s.id)
                .unwrap_or_else(|| vec![0; s.levels.len()]),
            level_names: s.levels.clone(),
        })
        .collect();
    let (competitions, registrations, results) = super::competitions::figures_in(conn, &org.path)?;
    Ok(SkillsFigures {
        levels,
        studios: studios::count_in(conn, &org.path)?,
        studio_goal: studios::STUDIO_GOAL,
        competitions,
        registrations,
        results,
        talent_pool: pool(conn, org, &TalentFilter::default())?.len() as i64,
    })
}

/// The skills figures of a node she administers (`GET /api/v1/orgs/{code}/skills`).
pub async fn figures(
    core: &Core,
    actor: &Actor,
    code: String,
) -> Result<SkillsFigures, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let org = orgs::require_administered(conn, &actor, code.trim())?;
        figures_of(conn, &org)
    })
    .await
}
