//! Server functions of skills competitions (技能竞赛) and their online theory round (理论初赛):
//! thin adapters from the pages' data and forms to `services::competitions`. Who may see or
//! change what is decided there. Form posts come back to their page with a one-shot message
//! ([`crate::request::Flash`]).
//!
//! Forms whose fields are not a fixed set use bracketed names that the server functions'
//! form decoding (`serde_qs`) turns into maps and lists: `skills[]` (the skills tested),
//! `min_level[<skill>]` (the lowest level asked per skill), `results[<row>][user]` (a row
//! of results) and `answers[q<question id>][]` (the theory round's answers, several values for
//! a multiple choice question).
// A competition's form has many fields, and a form's fields are a server function's arguments.
#![allow(clippy::too_many_arguments)]

use std::collections::BTreeMap;

use leptos::prelude::*;
use qihang_core::dto::{
    AttemptView, CompetitionView, RankingRow, ResultView, SkillDef, TheoryResult,
};
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

/// A published course that a theory round can draw its questions from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankCourse {
    pub id: String,
    pub title: String,
    pub title_en: Option<String>,
}

/// What `/competitions` shows: the competitions she reaches, today in China (for "not open
/// yet" or "closed"), and for an administrator what the creation form needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetitionsData {
    pub competitions: Vec<CompetitionView>,
    /// China date, `2026-12-01`.
    pub today: String,
    /// The node of her first administrator grant: set only for administrators.
    pub admin_org: Option<String>,
    /// The skill framework (administrators only).
    pub skills: Vec<SkillDef>,
    /// Published courses she sees, for the theory round's question bank (administrators only).
    pub banks: Vec<BankCourse>,
}

/// What `/competitions/{id}` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetitionData {
    pub competition: CompetitionView,
    /// The skill framework, to name the rules' skills and levels.
    pub skills: Vec<SkillDef>,
    /// The theory round's ranking, for organisers and registrants (empty for others).
    pub ranking: Vec<RankingRow>,
    /// The final results, for organisers and registrants (empty for others).
    pub results: Vec<ResultView>,
    /// China date, `2026-12-01`.
    pub today: String,
}

/// What `/theory/{attempt}` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheoryPageData {
    pub attempt: AttemptView,
    /// Set once her answers are in (submitted, or graded after the round).
    pub result: Option<TheoryResult>,
    /// The deadline has passed but she never handed in.
    pub time_up: bool,
    /// The competition's title.
    pub title: String,
}

/// One row of the results form, as typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultRow {
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub rank: Option<String>,
    #[serde(default)]
    pub score: Option<String>,
    #[serde(default)]
    pub award: Option<String>,
}

/// A competition's page.
pub fn competition_page_url(id: &str) -> String {
    format!("/competitions/{}", crate::request::slug(id))
}

/// A theory attempt's page.
pub fn theory_page_url(attempt: &str) -> String {
    format!("/theory/{}", crate::request::slug(attempt))
}

/// The signed-in actor, or the error that sends a page to the login.
#[cfg(feature = "ssr")]
async fn signed_in() -> Result<qihang_core::services::actor::Actor, AppError> {
    Ok(crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?)
}

/// Signed out (her session ended while the page was open): to the login, then back to `page`.
#[cfg(feature = "ssr")]
fn login_then(page: &str) {
    crate::request::redirect(&format!(
        "/login?next={}",
        crate::islands::encode_component(page)
    ));
}

/// Back to the form with `field` marked invalid: a value refused before any service saw it
/// (a number that is not one).
#[cfg(feature = "ssr")]
fn refuse_field(form: &str, back: &str, field: &str, values: Vec<(&str, String)>) {
    crate::request::set_flash(&crate::request::Flash {
        form: form.into(),
        ok: false,
        code: Some(qihang_core::dto::ErrorCode::Invalid),
        field: Some(field.into()),
        values: values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        ..Default::default()
    });
    crate::request::redirect(back);
}

/// A whole number as typed; empty is `empty`; `None` when it is not a number.
#[cfg(feature = "ssr")]
fn number(typed: &str, empty: i32) -> Option<i32> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Some(empty);
    }
    typed.parse().ok()
}

/// A `datetime-local` value in China time (`2026-12-05T19:00`, maybe with seconds) as
/// RFC 3339 (`2026-12-05T19:00:00+08:00`); what does not look like one is passed on as
/// typed, for the service to refuse.
#[cfg(feature = "ssr")]
fn china_local_rfc3339(typed: &str) -> String {
    let typed = typed.trim().replace(' ', "T");
    match typed.len() {
        16 => format!("{typed}:00+08:00"),
        19 => format!("{typed}+08:00"),
        _ => typed,
    }
}

/// Today's date in China by the services' clock.
#[cfg(feature = "ssr")]
fn china_today(core: &qihang_core::Core) -> String {
    qihang_core::time::china_date(core.clock.now())
}

/// The competitions she reaches, and for an administrator the creation form's lists; `None`
/// when signed out.
#[server(prefix = "/_fn", endpoint = "load_competitions")]
pub async fn load_competitions() -> Result<Option<CompetitionsData>, AppError> {
    use qihang_core::services::{competitions, learning, skills};
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        return Ok(None);
    };
    let list = competitions::list(&core, &actor, None).await?;
    let admin_org = actor
        .grants
        .iter()
        .find(|g| g.role == qihang_core::domain::Role::Admin)
        .map(|g| g.org_code.clone());
    let (skills, banks) = if admin_org.is_some() {
        let banks: Vec<BankCourse> = learning::catalogue(&core, Some(&actor), None, None)
            .await?
            .into_iter()
            .map(|c| BankCourse {
                id: c.id,
                title: c.title,
                title_en: c.title_en,
            })
            .collect();
        (skills::list(&core).await?, banks)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Some(CompetitionsData {
        competitions: list,
        today: china_today(&core),
        admin_org,
        skills,
        banks,
    }))
}

/// The creation form on `/competitions`: to the new competition's page, or back with the
/// field at fault and what was typed. The theory round is set when a bank course is chosen.
#[server(prefix = "/_fn", endpoint = "create_competition")]
pub async fn create_competition(
    title: String,
    org: String,
    level: String,
    skills: Option<Vec<String>>,
    min_level: Option<BTreeMap<String, String>>,
    women_only: Option<String>,
    min_account_days: Option<String>,
    registration_opens: String,
    registration_closes: String,
    theory_bank: Option<String>,
    theory_starts: Option<String>,
    theory_minutes: Option<String>,
    theory_draw: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::competitions::{
        self, CompetitionInput, EligibilityInput, TheoryInput,
    };
    let core = crate::request::core()?;
    let back = "/competitions#competition-form";
    let Some(actor) = crate::request::actor().await else {
        login_then(back);
        return Ok(());
    };
    let skills = skills.unwrap_or_default();
    let min_level = min_level.unwrap_or_default();
    let days = min_account_days.unwrap_or_default();
    let bank = theory_bank.unwrap_or_default().trim().to_string();
    let starts = theory_starts.unwrap_or_default();
    let minutes = theory_minutes.unwrap_or_default();
    let draw = theory_draw.unwrap_or_default();
    // What was typed, kept after a refusal: lists as `a,b` and `skill:level,…`.
    let levels_typed = min_level
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}:{}", v.trim()))
        .collect::<Vec<_>>()
        .join(",");
    let kept = vec![
        ("title", title.clone()),
        ("org", org.clone()),
        ("level", level.clone()),
        ("skills", skills.join(",")),
        ("min_level", levels_typed),
        ("women_only", women_only.clone().unwrap_or_default()),
        ("min_account_days", days.clone()),
        ("registration_opens", registration_opens.clone()),
        ("registration_closes", registration_closes.clone()),
        ("theory_bank", bank.clone()),
        ("theory_starts", starts.clone()),
        ("theory_minutes", minutes.clone()),
        ("theory_draw", draw.clone()),
    ];
    let Some(days) = number(&days, 0) else {
        refuse_field("competition", back, "min_account_days", kept);
        return Ok(());
    };
    let mut levels = BTreeMap::new();
    for (skill, typed) in &min_level {
        let typed = typed.trim();
        if typed.is_empty() {
            continue;
        }
        let Ok(n) = typed.parse::<i32>() else {
            refuse_field("competition", back, "level", kept);
            return Ok(());
        };
        levels.insert(skill.clone(), n);
    }
    let theory = if bank.is_empty() {
        None
    } else {
        let Some(minutes) = number(&minutes, 0) else {
            refuse_field("competition", back, "minutes", kept);
            return Ok(());
        };
        let Some(draw) = number(&draw, 0) else {
            refuse_field("competition", back, "draw", kept);
            return Ok(());
        };
        Some(TheoryInput {
            bank: bank.clone(),
            starts_at: china_local_rfc3339(&starts),
            minutes,
            draw,
        })
    };
    let input = CompetitionInput {
        title,
        org,
        level,
        skills,
        eligibility: EligibilityInput {
            org: None,
            min_levels: levels,
            women_only: women_only.is_some_and(|v| !v.is_empty()),
            min_account_days: days,
        },
        registration_opens,
        registration_closes,
        theory,
    };
    match competitions::create(&core, &actor, input).await {
        Ok(created) => {
            crate::request::succeed_form("competition", &competition_page_url(&created.id))
        }
        Err(error) => crate::request::fail_form("competition", back, &error, kept),
    }
    Ok(())
}

/// One competition with the rule names, its ranking and results for those who may see them.
#[server(prefix = "/_fn", endpoint = "load_competition")]
pub async fn load_competition(id: String) -> Result<CompetitionData, AppError> {
    use qihang_core::services::{competitions, skills};
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    let competition = competitions::get(&core, &actor, id.clone()).await?;
    let insider = competition.may_manage || competition.registered;
    let ranking = if insider && competition.theory.is_some() {
        competitions::theory::ranking(&core, &actor, id.clone()).await?
    } else {
        Vec::new()
    };
    let results = if insider && competition.results > 0 {
        competitions::results::list(&core, &actor, id).await?
    } else {
        Vec::new()
    };
    Ok(CompetitionData {
        competition,
        skills: skills::list(&core).await?,
        ranking,
        results,
        today: china_today(&core),
    })
}

/// "报名": back to the competition with the outcome (the rules she misses, in Chinese, in the
/// flash's detail when she is not eligible).
#[server(prefix = "/_fn", endpoint = "register_competition")]
pub async fn register_competition(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = format!("{}#registration", competition_page_url(&id));
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    match qihang_core::services::competitions::register(&core, &actor, id).await {
        Ok(_) => crate::request::succeed_form("register", &back),
        Err(error) => crate::request::fail_form("register", &back, &error, vec![]),
    }
    Ok(())
}

/// "开始答题": to her attempt of the theory round (the same one if she started before), or
/// back to the competition with why not.
#[server(prefix = "/_fn", endpoint = "start_theory")]
pub async fn start_theory(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = format!("{}#theory", competition_page_url(&id));
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    match qihang_core::services::competitions::theory::start(&core, &actor, id).await {
        Ok((attempt, _)) => crate::request::redirect(&theory_page_url(&attempt.id)),
        Err(error) => crate::request::fail_form("theory", &back, &error, vec![]),
    }
    Ok(())
}

/// The results form: every filled row (a user id and a rank) entered at once.
#[server(prefix = "/_fn", endpoint = "enter_results")]
pub async fn enter_results(id: String, results: Option<Vec<ResultRow>>) -> Result<(), AppError> {
    use qihang_core::services::competitions::results::{ResultInput, ResultsInput};
    let core = crate::request::core()?;
    let back = format!("{}#results-form", competition_page_url(&id));
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    let mut lines = Vec::new();
    for row in results.unwrap_or_default() {
        let user = row.user.unwrap_or_default().trim().to_string();
        let rank_text = row.rank.clone().unwrap_or_default();
        // A row without a woman, or a ranking line left without a final rank, is not entered.
        if user.is_empty() || rank_text.trim().is_empty() {
            continue;
        }
        let Ok(rank) = row.rank.unwrap_or_default().trim().parse::<i32>() else {
            refuse_field("results", &back, "rank", vec![]);
            return Ok(());
        };
        let score = match row
            .score
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(typed) => match typed.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    refuse_field("results", &back, "results", vec![]);
                    return Ok(());
                }
            },
        };
        let award = row
            .award
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty());
        lines.push(ResultInput {
            user,
            rank,
            score,
            award,
        });
    }
    let input = ResultsInput { results: lines };
    match qihang_core::services::competitions::results::enter(&core, &actor, id, input).await {
        Ok(_) => crate::request::succeed_form("results", &back),
        Err(error) => crate::request::fail_form("results", &back, &error, vec![]),
    }
    Ok(())
}

/// Her theory attempt with its result once in, and the competition's title.
#[server(prefix = "/_fn", endpoint = "load_theory")]
pub async fn load_theory(id: String) -> Result<TheoryPageData, AppError> {
    use qihang_core::services::competitions::{self, theory};
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    let (attempt, result) = theory::get(&core, &actor, id).await?;
    let title = competitions::get(&core, &actor, attempt.course.clone())
        .await
        .map(|c| c.title)
        .unwrap_or_default();
    let now = qihang_core::time::iso_utc(core.clock.now());
    let time_up = result.is_none()
        && attempt
            .deadline
            .as_deref()
            .is_some_and(|deadline| now.as_str() > deadline);
    Ok(TheoryPageData {
        attempt,
        result,
        time_up,
        title,
    })
}

/// The posted answers (`answers[q<id>][]`) as the quiz engine takes them.
#[cfg(feature = "ssr")]
fn posted_answers(
    view: &AttemptView,
    answers: Option<BTreeMap<String, Vec<String>>>,
) -> BTreeMap<String, qihang_core::dto::AnswerInput> {
    let fields: Vec<(String, String)> = answers
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(key, values)| {
            let name = format!("q.{}", key.strip_prefix('q').unwrap_or(key.as_str()));
            values.into_iter().map(move |v| (name.clone(), v))
        })
        .collect();
    qihang_core::services::quiz::answers_from_form(view, &fields)
}

/// "保存答案": back to the round's page with the outcome. Once time is up nothing more is
/// saved: her attempt is graded on what she saved in time, and the page shows the result.
#[server(prefix = "/_fn", endpoint = "save_theory")]
pub async fn save_theory(
    id: String,
    answers: Option<BTreeMap<String, Vec<String>>>,
) -> Result<(), AppError> {
    use qihang_core::services::competitions::theory;
    use qihang_core::ServiceError;
    let core = crate::request::core()?;
    let page = theory_page_url(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&page);
        return Ok(());
    };
    let outcome = match theory::get(&core, &actor, id.clone()).await {
        Ok((view, _)) => theory::save(&core, &actor, id.clone(), posted_answers(&view, answers))
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => crate::request::succeed_form("theory-save", &page),
        // Already handed in: the page shows the result.
        Err(ServiceError::AttemptClosed) => crate::request::redirect(&page),
        Err(ServiceError::DeadlinePassed) => {
            // Hands in what was saved in time (the service grades it and says it was late).
            let error = match theory::submit(&core, &actor, id, BTreeMap::new()).await {
                Ok(_) => ServiceError::DeadlinePassed,
                Err(error) => error,
            };
            crate::request::fail_form("theory-submit", &page, &error, vec![]);
        }
        Err(error) => crate::request::fail_form("theory-save", &page, &error, vec![]),
    }
    Ok(())
}

/// "交卷": grades her answers and shows the result on the round's page; after the round
/// what she saved in time is graded and the page says time was up.
#[server(prefix = "/_fn", endpoint = "submit_theory")]
pub async fn submit_theory(
    id: String,
    answers: Option<BTreeMap<String, Vec<String>>>,
) -> Result<(), AppError> {
    use qihang_core::services::competitions::theory;
    let core = crate::request::core()?;
    let page = theory_page_url(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&page);
        return Ok(());
    };
    let outcome = match theory::get(&core, &actor, id.clone()).await {
        Ok((view, _)) => theory::submit(&core, &actor, id, posted_answers(&view, answers))
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => crate::request::redirect(&format!("{page}#theory-result")),
        Err(error) => crate::request::fail_form("theory-submit", &page, &error, vec![]),
    }
    Ok(())
}
