//! Skills competitions (技能竞赛): an administrator holds one at her node (enterprise, city
//! or province level, as high as her node goes) with the skills it tests, an eligibility
//! rule and registration dates. Eligible women register; the ineligible are told each rule
//! they miss. The online theory round lives in [`theory`]; the organiser enters the final
//! results ([`results`]), which become skill evidence and — at city level or above — put a
//! consenting winner in the talent pool.
//!
//! Visibility follows [`super::reach`]: a competition is seen by the women of its union's
//! subtree and by administrators reaching it; a sibling's administrator gets 403.

pub mod results;
pub mod theory;

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use super::actor::Actor;
use super::reach::{self, PersonRow};
use super::skills::{self, SkillInfo};
use super::tokens::new_public_id;
use super::{now, orgs, stored_json, Core};
use crate::db::schema::{
    competition_registrations, competition_results, competitions, courses, orgs as orgs_t,
    questions, theory_attempts,
};
use crate::db::types::CompetitionId;
use crate::db::{write_tx, DbConn};
use crate::domain::{CompetitionLevel, CourseStatus, DomainError, Gender, OrgCode, Role};
use crate::dto::{CompetitionView, EligibilityMiss, EligibilityView, TheoryView};
use crate::time::{china_minute, to_china};
use crate::ServiceError;

/// A competition as stored, with its union.
#[derive(Debug, Clone, Queryable)]
pub(crate) struct CompetitionRow {
    pub id: CompetitionId,
    pub public_id: String,
    pub title: String,
    pub level: CompetitionLevel,
    pub skills: String,
    pub min_levels: String,
    pub women_only: bool,
    pub min_account_days: i32,
    pub eligible_org_id: Option<i64>,
    pub registration_opens: NaiveDate,
    pub registration_closes: NaiveDate,
    pub theory_course_id: Option<i64>,
    pub theory_starts_at: Option<NaiveDateTime>,
    pub theory_minutes: Option<i32>,
    pub theory_draw: Option<i32>,
    pub org_code: String,
    pub org_name: String,
    pub org_path: String,
}

macro_rules! competition_query {
    () => {
        competitions::table.inner_join(orgs_t::table).select((
            competitions::id,
            competitions::public_id,
            competitions::title,
            competitions::level,
            competitions::skills,
            competitions::min_levels,
            competitions::women_only,
            competitions::min_account_days,
            competitions::eligible_org_id,
            competitions::registration_opens,
            competitions::registration_closes,
            competitions::theory_course_id,
            competitions::theory_starts_at,
            competitions::theory_minutes,
            competitions::theory_draw,
            orgs_t::code,
            orgs_t::name,
            orgs_t::path,
        ))
    };
}

impl CompetitionRow {
    /// The theory round's start and end (UTC), when it has one.
    pub(crate) fn round(&self) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let starts = self.theory_starts_at?;
        let minutes = self.theory_minutes?;
        Some((
            starts,
            starts + chrono::Duration::minutes(i64::from(minutes)),
        ))
    }

    pub(crate) fn skill_codes(&self) -> Result<Vec<String>, ServiceError> {
        stored_json(&self.skills)
    }

    pub(crate) fn min_levels(&self) -> Result<BTreeMap<String, i32>, ServiceError> {
        stored_json(&self.min_levels)
    }
}

pub(crate) fn find(conn: &mut DbConn, public_id: &str) -> Result<CompetitionRow, ServiceError> {
    competition_query!()
        .filter(competitions::public_id.eq(public_id))
        .first(conn)
        .optional()?
        .ok_or(ServiceError::NotFound("competition"))
}

/// The competition, for someone its union reaches (403 for everyone else).
pub(crate) fn visible(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<CompetitionRow, ServiceError> {
    let row = find(conn, public_id)?;
    reach::require_reach(conn, actor, &row.org_path)?;
    Ok(row)
}

pub(crate) fn organises(actor: &Actor, row: &CompetitionRow) -> bool {
    actor.holds(Role::Admin, &row.org_path)
}

/// The competition, for an administrator of its union (403 for everyone else).
pub(crate) fn organised(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<CompetitionRow, ServiceError> {
    let row = visible(conn, actor, public_id)?;
    if !organises(actor, &row) {
        return Err(ServiceError::Forbidden);
    }
    Ok(row)
}

/// `POST /api/v1/competitions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompetitionInput {
    pub title: String,
    pub org: String,
    pub level: String,
    pub skills: Vec<String>,
    #[serde(default)]
    pub eligibility: EligibilityInput,
    pub registration_opens: String,
    pub registration_closes: String,
    #[serde(default)]
    pub theory: Option<TheoryInput>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct EligibilityInput {
    #[serde(default)]
    pub min_levels: BTreeMap<String, i32>,
    #[serde(default)]
    pub women_only: bool,
    /// How many days her account must be old on the day she registers.
    #[serde(default)]
    pub min_account_days: i32,
    /// Only members of this node's subtree (a node under the organiser's) may register.
    #[serde(default)]
    pub org: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheoryInput {
    /// The course whose question bank the round draws from.
    pub bank: String,
    /// RFC 3339.
    pub starts_at: String,
    pub minutes: i32,
    pub draw: i32,
}

fn date(text: &str, field: &'static str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2024..=2100).contains(&chrono::Datelike::year(d)))
        .ok_or(DomainError::Date { field })
}

/// The level a competition may have at a node: province only at the root, city at a city
/// (or industry) union or above, enterprise anywhere.
fn level_fits(level: CompetitionLevel, depth: i32) -> bool {
    match level {
        CompetitionLevel::Province => depth == 0,
        CompetitionLevel::City => depth <= 1,
        CompetitionLevel::Enterprise => true,
    }
}

/// The theory round's settings, checked: (bank course, start, minutes, draw).
fn theory_of(
    conn: &mut DbConn,
    input: &TheoryInput,
) -> Result<(i64, NaiveDateTime, i32, i32), ServiceError> {
    let bank: Option<i64> = courses::table
        .filter(courses::code.eq(input.bank.trim()))
        .filter(courses::status.eq(CourseStatus::Published))
        .select(courses::id)
        .first(conn)
        .optional()?;
    let bank = bank.ok_or(DomainError::Theory { field: "bank" })?;
    let starts = DateTime::parse_from_rfc3339(input.starts_at.trim())
        .map_err(|_| DomainError::Theory { field: "starts_at" })?
        .naive_utc();
    if !(1..=300).contains(&input.minutes) {
        return Err(DomainError::Theory { field: "minutes" }.into());
    }
    let size: i64 = questions::table
        .filter(questions::course_id.eq(bank))
        .filter(questions::active.eq(true))
        .count()
        .get_result(conn)?;
    if input.draw < 1 || i64::from(input.draw) > size {
        return Err(DomainError::Theory { field: "draw" }.into());
    }
    Ok((bank, starts, input.minutes, input.draw))
}

/// Holds a competition at a node she administers.
pub async fn create(
    core: &Core,
    actor: &Actor,
    input: CompetitionInput,
) -> Result<CompetitionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let org = orgs::require_administered(conn, &actor, input.org.trim())?;
        let title = input.title.trim().to_string();
        let n = title.chars().count();
        if n == 0 || n > 100 || title.chars().any(char::is_control) {
            return Err(DomainError::Title.into());
        }
        let level =
            CompetitionLevel::parse(input.level.trim()).ok_or(DomainError::CompetitionLevel)?;
        if !level_fits(level, org.depth) {
            return Err(DomainError::LevelAboveOrg.into());
        }
        let framework = skills::framework(conn)?;
        let tested = skills::resolve(&framework, &input.skills)?;
        let mut min_levels = BTreeMap::new();
        for (code, level) in &input.eligibility.min_levels {
            let skill = framework
                .iter()
                .find(|s| s.code == code.trim())
                .ok_or(DomainError::Skill)?;
            if *level < 1 || *level as usize > skill.levels.len() {
                return Err(DomainError::SkillLevel.into());
            }
            min_levels.insert(skill.code.clone(), *level);
        }
        let eligible_org = match input.eligibility.org.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => {
                let node = orgs::require(
                    conn,
                    &OrgCode::parse(code, "eligibility.org")?,
                    "eligibility.org",
                )?;
                if !node.path.starts_with(&org.path) {
                    return Err(ServiceError::UnknownOrg {
                        field: "eligibility.org",
                        code: code.to_string(),
                    });
                }
                Some(node.id)
            }
            _ => None,
        };
        if !(0..=3650).contains(&input.eligibility.min_account_days) {
            return Err(DomainError::AccountDays.into());
        }
        let opens = date(&input.registration_opens, "registration_opens")?;
        let closes = date(&input.registration_closes, "registration_closes")?;
        if closes < opens {
            return Err(DomainError::RegistrationDates.into());
        }
        let theory = match &input.theory {
            Some(t) => Some(theory_of(conn, t)?),
            None => None,
        };
        let codes: Vec<&str> = tested.iter().map(|s| s.code.as_str()).collect();
        let public_id = new_public_id();
        write_tx(conn, |conn| {
            diesel::insert_into(competitions::table)
                .values((
                    competitions::public_id.eq(&public_id),
                    competitions::title.eq(&title),
                    competitions::org_id.eq(org.id),
                    competitions::level.eq(level),
                    competitions::skills.eq(serde_json::to_string(&codes).expect("json")),
                    competitions::min_levels.eq(serde_json::to_string(&min_levels).expect("json")),
                    competitions::women_only.eq(input.eligibility.women_only),
                    competitions::min_account_days.eq(input.eligibility.min_account_days),
                    competitions::eligible_org_id.eq(eligible_org),
                    competitions::registration_opens.eq(opens),
                    competitions::registration_closes.eq(closes),
                    competitions::theory_course_id.eq(theory.map(|t| t.0)),
                    competitions::theory_starts_at.eq(theory.map(|t| t.1)),
                    competitions::theory_minutes.eq(theory.map(|t| t.2)),
                    competitions::theory_draw.eq(theory.map(|t| t.3)),
                    competitions::created_by.eq(actor.user_id),
                    competitions::created_at.eq(now()),
                ))
                .execute(conn)
        })?;
        let row = find(conn, &public_id)?;
        view(conn, &actor, &row, &framework)
    })
    .await
}

/// Today in China.
fn china_today() -> NaiveDate {
    to_china(now()).date()
}

/// Each rule of `row` that `me` misses, named with what it asks and what she has.
pub(crate) fn misses(
    conn: &mut DbConn,
    row: &CompetitionRow,
    me: &PersonRow,
    framework: &[SkillInfo],
) -> Result<Vec<EligibilityMiss>, ServiceError> {
    let mut out = Vec::new();
    let (code, name, path) = match row.eligible_org_id {
        Some(id) => {
            let node = orgs::find_by_id(conn, id)?;
            (node.code, node.name, node.path)
        }
        None => (
            row.org_code.clone(),
            row.org_name.clone(),
            row.org_path.clone(),
        ),
    };
    if !me.org_path.starts_with(&path) {
        out.push(EligibilityMiss {
            rule: "org".into(),
            skill: None,
            level: None,
            have: None,
            message: format!("it is open to members of {code} and the unions under it"),
            message_zh: format!("只限{name}及下属工会的会员报名"),
        });
    }
    if row.women_only && me.gender != Gender::Female {
        out.push(EligibilityMiss {
            rule: "women_only".into(),
            skill: None,
            level: None,
            have: None,
            message: "it is open to women only".into(),
            message_zh: "只限女职工报名".into(),
        });
    }
    if row.min_account_days > 0 {
        let age = (now() - me.created_at).num_days();
        if age < i64::from(row.min_account_days) {
            out.push(EligibilityMiss {
                rule: "account_age".into(),
                skill: None,
                level: Some(row.min_account_days),
                have: Some(age as i32),
                message: format!(
                    "your account must be {} days old (it is {age})",
                    row.min_account_days
                ),
                message_zh: format!(
                    "账号注册满 {} 天才能报名（你的账号注册了 {age} 天）",
                    row.min_account_days
                ),
            });
        }
    }
    let held = skills::highest_levels(conn, &[me.id])?;
    for (code, level) in row.min_levels()? {
        let Some(skill) = framework.iter().find(|s| s.code == code) else {
            continue;
        };
        let have = held.get(&(me.id, skill.id)).copied().unwrap_or(0);
        if have < level {
            out.push(EligibilityMiss {
                rule: "min_level".into(),
                skill: Some(code.clone()),
                level: Some(level),
                have: Some(have),
                message: format!("{code} needs level {level} (you have {have})"),
                message_zh: if have == 0 {
                    format!(
                        "「{}」需要达到 {level} 级（{}），你现在还没有这项技能的等级",
                        skill.name,
                        skill.level_name(level)
                    )
                } else {
                    format!(
                        "「{}」需要达到 {level} 级（{}），你现在是 {have} 级",
                        skill.name,
                        skill.level_name(level)
                    )
                },
            });
        }
    }
    Ok(out)
}

fn theory_view(
    conn: &mut DbConn,
    row: &CompetitionRow,
) -> Result<Option<TheoryView>, ServiceError> {
    let (Some(course), Some((starts, ends))) = (row.theory_course_id, row.round()) else {
        return Ok(None);
    };
    let bank: String = courses::table
        .find(course)
        .select(courses::code)
        .first(conn)?;
    let at = now();
    Ok(Some(TheoryView {
        bank,
        starts_at: crate::time::iso_utc(starts),
        starts_at_china: china_minute(starts),
        ends_at_china: china_minute(ends),
        minutes: row.theory_minutes.unwrap_or(0),
        draw: row.theory_draw.unwrap_or(0),
        state: if at < starts {
            "upcoming"
        } else if at < ends {
            "open"
        } else {
            "over"
        }
        .into(),
    }))
}

pub(crate) fn view(
    conn: &mut DbConn,
    actor: &Actor,
    row: &CompetitionRow,
    framework: &[SkillInfo],
) -> Result<CompetitionView, ServiceError> {
    let registrations: i64 = competition_registrations::table
        .filter(competition_registrations::competition_id.eq(row.id))
        .count()
        .get_result(conn)?;
    let results: i64 = competition_results::table
        .filter(competition_results::competition_id.eq(row.id))
        .count()
        .get_result(conn)?;
    let registered = competition_registrations::table
        .filter(competition_registrations::competition_id.eq(row.id))
        .filter(competition_registrations::user_id.eq(actor.user_id))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    let me = reach::person_by_id(conn, actor.user_id)?;
    let misses = if registered {
        Vec::new()
    } else {
        misses(conn, row, &me, framework)?
    };
    let attempt: Option<(String, Option<i32>)> = theory_attempts::table
        .filter(theory_attempts::competition_id.eq(row.id))
        .filter(theory_attempts::user_id.eq(actor.user_id))
        .select((theory_attempts::public_id, theory_attempts::score))
        .first(conn)
        .optional()?;
    let codes = row.skill_codes()?;
    let today = china_today();
    let eligible = match row.eligible_org_id {
        Some(id) => Some(orgs::find_by_id(conn, id)?),
        None => None,
    };
    Ok(CompetitionView {
        id: row.public_id.clone(),
        title: row.title.clone(),
        org: row.org_code.clone(),
        org_name: row.org_name.clone(),
        level: row.level.as_str().into(),
        skills: framework
            .iter()
            .filter(|s| codes.contains(&s.code))
            .map(SkillInfo::reference)
            .collect(),
        eligibility: EligibilityView {
            min_levels: row.min_levels()?,
            women_only: row.women_only,
            min_account_days: row.min_account_days,
            org: eligible.as_ref().map(|o| o.code.clone()),
            org_name: eligible.map(|o| o.name),
        },
        registration_opens: row.registration_opens.format("%Y-%m-%d").to_string(),
        registration_closes: row.registration_closes.format("%Y-%m-%d").to_string(),
        registration_open: row.registration_opens <= today && today <= row.registration_closes,
        theory: theory_view(conn, row)?,
        registrations,
        results,
        registered,
        misses,
        may_manage: organises(actor, row),
        my_score: attempt.as_ref().and_then(|a| a.1),
        my_attempt: attempt.map(|a| a.0),
    })
}

/// The competitions she reaches, within the subtree of `org` when given, newest first.
pub async fn list(
    core: &Core,
    actor: &Actor,
    org: Option<String>,
) -> Result<Vec<CompetitionView>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let home = reach::home_path(conn, &actor)?;
        let within = reach::narrowed_to(conn, &actor, &home, org.as_deref())?;
        let rows: Vec<CompetitionRow> = competition_query!()
            .order(competitions::id.desc())
            .load(conn)?;
        let framework = skills::framework(conn)?;
        rows.into_iter()
            .filter(|r| reach::reaches(&actor, &home, &r.org_path))
            .filter(|r| within.as_ref().is_none_or(|w| r.org_path.starts_with(w)))
            .map(|r| view(conn, &actor, &r, &framework))
            .collect()
    })
    .await
}

/// One competition as she sees it (with the rules she misses).
pub async fn get(core: &Core, actor: &Actor, id: String) -> Result<CompetitionView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        let framework = skills::framework(conn)?;
        view(conn, &actor, &row, &framework)
    })
    .await
}

/// Registers her: inside the registration dates (China), when she meets every rule
/// (`not_eligible` names each one she misses). Registering again changes nothing. Returns
/// the competition and whether this call registered her.
pub async fn register(
    core: &Core,
    actor: &Actor,
    id: String,
) -> Result<(CompetitionView, bool), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let row = visible(conn, &actor, &id)?;
        let framework = skills::framework(conn)?;
        let already = competition_registrations::table
            .filter(competition_registrations::competition_id.eq(row.id))
            .filter(competition_registrations::user_id.eq(actor.user_id))
            .count()
            .get_result::<i64>(conn)?
            > 0;
        if !already {
            let today = china_today();
            if today < row.registration_opens || today > row.registration_closes {
                return Err(ServiceError::RegistrationClosed {
                    opens: row.registration_opens.format("%Y-%m-%d").to_string(),
                    closes: row.registration_closes.format("%Y-%m-%d").to_string(),
                });
            }
            let me = reach::person_by_id(conn, actor.user_id)?;
            let misses = misses(conn, &row, &me, &framework)?;
            if !misses.is_empty() {
                return Err(ServiceError::NotEligible { misses });
            }
            write_tx(conn, |conn| {
                crate::db::competition_rows::insert_registration(
                    conn,
                    row.id.0,
                    actor.user_id,
                    now(),
                )
            })?;
        }
        Ok((view(conn, &actor, &row, &framework)?, !already))
    })
    .await
}

/// Competitions, registrations and results in the subtree at `path`, for the dashboard.
pub(crate) fn figures_in(conn: &mut DbConn, path: &str) -> QueryResult<(i64, i64, i64)> {
    let upper = orgs::subtree_upper_bound(path);
    let ids: Vec<i64> = competitions::table
        .inner_join(orgs_t::table)
        .filter(orgs_t::path.ge(path))
        .filter(orgs_t::path.lt(&upper))
        .select(competitions::id)
        .load(conn)?;
    let registrations: i64 = competition_registrations::table
        .filter(competition_registrations::competition_id.eq_any(&ids))
        .count()
        .get_result(conn)?;
    let results: i64 = competition_results::table
        .filter(competition_results::competition_id.eq_any(&ids))
        .count()
        .get_result(conn)?;
    Ok((ids.len() as i64, registrations, results))
}

/// Registrants of a competition, by row id.
pub(crate) fn registrants(conn: &mut DbConn, id: CompetitionId) -> QueryResult<HashSet<i64>> {
    Ok(competition_registrations::table
        .filter(competition_registrations::competition_id.eq(id))
        .select(competition_registrations::user_id)
        .load::<i64>(conn)?
        .into_iter()
        .collect())
}
