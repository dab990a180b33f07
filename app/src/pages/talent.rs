//! 人才库 (administrators): the women of her part of the tree who won an award at city level
//! or above and agreed to be in the pool, with their levels, awards and studios, each a link
//! to her person page (where the evidence is); a filter (a plain GET form) and the exports of
//! the same filter as CSV and Excel.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use qihang_core::dto::{AwardView, ErrorCode, TalentEntry};

use super::studios::level_line;
use crate::app::{use_lang, Layout};
use crate::i18n::{Lang, Texts};
use crate::studio_fns::{talent_pool_page, TalentData};

/// The filter as asked in the query string.
#[derive(Clone)]
struct Filter {
    skill: Option<String>,
    min_level: Option<i32>,
    org: Option<String>,
}

/// `/talent-pool` (403 for anyone who administers no union).
#[component]
pub fn TalentPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let query = use_query_map().get_untracked();
    let given = |name: &str| {
        query
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let filter = Filter {
        skill: given("skill").filter(|s| s != "all"),
        min_level: given("min_level").and_then(|v| v.parse::<i32>().ok()),
        org: given("org"),
    };
    view! {
        <Layout title=t.tp_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let data = match talent_pool_page(filter.skill.clone(), filter.min_level, filter.org.clone()).await {
                        Ok(data) => data,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return super::error_view(lang, e.code),
                    };
                    view! {
                        <h1>{t.tp_title}</h1>
                        <p class="muted">{t.tp_intro}</p>
                        {filter_form(t, lang, &data, &filter)}
                        {exports(t, &data, &filter)}
                        {talent_list(t, &data)}
                    }
                    .into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// The filter: skill (or all), lowest level, union code (her own node by default).
fn filter_form(t: &'static Texts, lang: Lang, data: &TalentData, filter: &Filter) -> impl IntoView {
    let chosen = filter.skill.clone().unwrap_or_default();
    let skill_options = data
        .skills
        .iter()
        .map(|s| {
            let selected = s.skill == chosen;
            view! {
                <option value=s.skill.clone() selected=selected>
                    {lang.pick(&s.name, Some(s.name_en.as_str())).to_string()}
                </option>
            }
        })
        .collect_view();
    // Level names of the skill chosen; numbers alone for all skills.
    let chosen_levels: Option<Vec<String>> = data
        .skills
        .iter()
        .find(|s| s.skill == chosen)
        .map(|s| s.levels.clone());
    let most = data
        .skills
        .iter()
        .map(|s| s.levels.len())
        .max()
        .unwrap_or(3);
    let level_options = (1..=most as i32)
        .map(|n| {
            let selected = filter.min_level == Some(n);
            let label = match chosen_levels.as_ref().and_then(|l| l.get(n as usize - 1)) {
                Some(name) => t
                    .st_min_level_option
                    .replace("{n}", &n.to_string())
                    .replace("{name}", name),
                None => t.tp_level_option.replace("{n}", &n.to_string()),
            };
            view! { <option value=n.to_string() selected=selected>{label}</option> }
        })
        .collect_view();
    let any_level = filter.min_level.is_none();
    let all_skills = chosen.is_empty();
    view! {
        <details class="filters" open=true>
            <summary>{t.tp_filter_title}</summary>
            <form method="get" action="/talent-pool" class="stack" id="talent-filter">
                <label for="talent-skill">{t.tp_filter_skill}</label>
                <select id="talent-skill" name="skill">
                    <option value="" selected=all_skills>{t.tp_all}</option>
                    {skill_options}
                </select>
                <label for="talent-level">{t.tp_filter_min_level}</label>
                <select id="talent-level" name="min_level">
                    <option value="" selected=any_level>{t.tp_any_level}</option>
                    {level_options}
                </select>
                <label for="talent-org">{t.tp_filter_org}</label>
                <input id="talent-org" name="org" value=data.org.clone() aria-describedby="talent-org-hint"/>
                <small id="talent-org-hint">{t.tp_filter_org_hint}</small>
                <button type="submit" class="primary">{t.tp_filter_submit}</button>
            </form>
        </details>
    }
}

/// The same filter as a query string for the exports.
fn export_query(data: &TalentData, filter: &Filter) -> String {
    let pairs = [
        ("skill", filter.skill.clone()),
        ("min_level", filter.min_level.map(|n| n.to_string())),
        ("org", Some(data.org.clone())),
    ];
    pairs
        .into_iter()
        .filter_map(|(key, value)| {
            value.map(|v| format!("{key}={}", crate::islands::encode_component(&v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn exports(t: &'static Texts, data: &TalentData, filter: &Filter) -> impl IntoView {
    let query = export_query(data, filter);
    view! {
        <p class="actions" id="talent-exports">
            <a class="button" id="talent-csv" href=format!("/api/v1/talent-pool.csv?{query}")>{t.tp_export_csv}</a>
            <a class="button" id="talent-xlsx" href=format!("/api/v1/talent-pool.xlsx?{query}")>{t.tp_export_xlsx}</a>
        </p>
    }
}

/// A competition's level in words: 企业级 / 市级 / 省级.
fn competition_level(t: &'static Texts, level: &str) -> &'static str {
    match level {
        "province" => t.tp_level_province,
        "city" => t.tp_level_city,
        _ => t.tp_level_enterprise,
    }
}

/// "2026 南京市技能竞赛 一等奖（市级）2026-11-27".
fn award_line(t: &'static Texts, a: &AwardView) -> String {
    let award = if a.award.trim().is_empty() {
        t.tp_rank.replace("{n}", &a.rank.to_string())
    } else {
        a.award.clone()
    };
    format!(
        "{} {award}{}{}{} {}",
        a.title,
        t.paren_open,
        competition_level(t, &a.level),
        t.paren_close,
        a.on
    )
}

fn entry(t: &'static Texts, e: &TalentEntry) -> impl IntoView {
    let levels = e
        .skills
        .iter()
        .map(|l| level_line(t, l))
        .collect::<Vec<_>>()
        .join("、");
    let awards = e
        .awards
        .iter()
        .map(|a| view! { <li>{award_line(t, a)}</li> })
        .collect_view();
    let studios = (!e.studios.is_empty()).then(|| {
        view! { <span class="meta">{t.tp_studios}{t.colon}{e.studios.join("、")}</span> }
    });
    let honours = e
        .honours
        .then(|| view! { <span class="tag honours">{t.tp_honours}</span> });
    view! {
        <li class="course-card talent" data-user=e.user.clone()>
            <strong><a href=format!("/admin/people/{}", crate::request::slug(&e.user))>{e.name.clone()}</a></strong>
            <span class="meta">{e.org_name.clone()}</span>
            {(!levels.is_empty()).then(|| view! { <span class="skills">{t.tp_skills}{t.colon}{levels.clone()}</span> })}
            <span class="meta">{t.tp_awards}{t.colon}</span>
            <ul class="awards">{awards}</ul>
            {studios}
            {honours}
        </li>
    }
}

fn talent_list(t: &'static Texts, data: &TalentData) -> AnyView {
    if data.entries.is_empty() {
        return view! {
            <div class="notice" id="talent-list">
                <p id="talent-none">{t.tp_empty}</p>
                <p><a class="button primary" href="/competitions">{t.tp_empty_next}</a></p>
            </div>
        }
        .into_any();
    }
    let items = data.entries.iter().map(|e| entry(t, e)).collect_view();
    view! {
        <p id="talent-count">{t.tp_count.replace("{n}", &data.entries.len().to_string())}</p>
        <ul class="plain" id="talent-list">{items}</ul>
    }
    .into_any()
}
