//! Skills competitions (技能竞赛): the list of competitions she reaches with her standing in
//! each (and, for an administrator, the form to hold one), and a competition's page: its
//! rules in words, her registration (or each rule she still misses and what to do about it),
//! the theory round, its ranking, and for the organiser the final results form. Plain forms
//! throughout, so everything works without JavaScript.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;
use qihang_core::dto::{CompetitionView, ErrorCode, RankingRow, ResultView, SkillDef, SkillRef};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::competition_fns::{
    competition_page_url, load_competition, load_competitions, theory_page_url, CompetitionData,
    CompetitionsData, CreateCompetition, EnterResults, RegisterCompetition, StartTheory,
};
use crate::i18n::{Lang, Texts};
use crate::request::{take_flash, Flash};

/// A page's data could not be had: to the login when signed out, else the error.
pub(crate) fn failed(lang: Lang, code: ErrorCode) -> AnyView {
    if code == ErrorCode::Unauthenticated {
        crate::request::redirect_to_login();
    }
    super::error_view(lang, code)
}

/// 企业级 / 市级 / 省级.
pub fn level_name(t: &'static Texts, level: &str) -> &'static str {
    match level {
        "province" => t.cp_level_province,
        "city" => t.cp_level_city,
        _ => t.cp_level_enterprise,
    }
}

/// The list separator of the page's language.
fn separator(t: &Texts) -> &'static str {
    if t.colon == "：" {
        "、"
    } else {
        ", "
    }
}

/// The skills tested, by name: "数据分析、电子商务".
fn skill_names(t: &Texts, lang: Lang, skills: &[SkillRef]) -> String {
    skills
        .iter()
        .map(|s| lang.pick(&s.name, Some(s.name_en.as_str())).to_string())
        .collect::<Vec<_>>()
        .join(separator(t))
}

/// "2026-12-01 至 2026-12-20".
fn date_range(t: &Texts, c: &CompetitionView) -> String {
    t.cp_date_range
        .replace("{opens}", &c.registration_opens)
        .replace("{closes}", &c.registration_closes)
}

/// 报名中 / 未开始 / 已截止 (dates compared as `YYYY-MM-DD` in China).
fn registration_state(t: &'static Texts, c: &CompetitionView, today: &str) -> &'static str {
    if c.registration_open {
        t.cp_reg_open
    } else if today < c.registration_opens.as_str() {
        t.cp_reg_not_yet
    } else {
        t.cp_reg_closed
    }
}

/// Seconds as "12分30秒".
pub fn duration(t: &Texts, seconds: i64) -> String {
    let seconds = seconds.max(0);
    t.cp_duration
        .replace("{m}", &(seconds / 60).to_string())
        .replace("{s}", &(seconds % 60).to_string())
}

/// `/competitions`: the competitions she reaches, and the creation form for administrators.
#[component]
pub fn CompetitionsPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("competition");
    view! {
        <Layout title=t.cp_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let data = match load_competitions().await {
                        Ok(Some(data)) => data,
                        Ok(None) => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return failed(lang, e.code),
                    };
                    let new_link = data.admin_org.is_some().then(|| view! {
                        <p><a class="button" href="#competition-form" id="new-competition-link">{t.cp_new_link}</a></p>
                    });
                    let form = data
                        .admin_org
                        .clone()
                        .map(|org| creation_form(t, lang, &data, org, flash.clone()));
                    view! {
                        <h1>{t.cp_title}</h1>
                        <p class="muted">{t.cp_intro}</p>
                        {new_link}
                        {competition_list(t, lang, &data)}
                        {form}
                    }
                    .into_any()
                })}
            </Suspense>
        </Layout>
    }
}

fn competition_list(t: &'static Texts, lang: Lang, data: &CompetitionsData) -> AnyView {
    if data.competitions.is_empty() {
        return view! {
            <div class="notice" id="competitions-none">
                <p>{t.cp_none}</p>
                <p class="actions">
                    <a class="button primary" href="/skills">{t.cp_to_skills}</a>
                    <a class="button" href="/courses">{t.cp_to_courses}</a>
                </p>
            </div>
        }
        .into_any();
    }
    let items = data
        .competitions
        .iter()
        .map(|c| competition_card(t, lang, c, &data.today))
        .collect_view();
    view! { <ul class="plain" id="competition-list">{items}</ul> }.into_any()
}

/// Her standing: 已报名 / 不符合条件 / 可以报名, with its class.
fn my_state(t: &'static Texts, c: &CompetitionView) -> (&'static str, &'static str) {
    if c.registered {
        (t.cp_state_registered, "state registered")
    } else if !c.misses.is_empty() {
        (t.cp_state_cannot, "state not-eligible")
    } else {
        (t.cp_state_can, "state eligible")
    }
}

/// One competition: title (a link), organiser and level, skills, dates, theory round, her
/// standing.
fn competition_card(
    t: &'static Texts,
    lang: Lang,
    c: &CompetitionView,
    today: &str,
) -> impl IntoView {
    let (state, state_class) = my_state(t, c);
    let dates = t
        .cp_registration_dates
        .replace("{opens}", &c.registration_opens)
        .replace("{closes}", &c.registration_closes);
    let theory = c.theory.as_ref().map(|round| {
        let line = t
            .cp_theory_line
            .replace("{start}", &round.starts_at_china)
            .replace("{minutes}", &round.minutes.to_string());
        view! { <span class="meta theory-line">{line}</span> }
    });
    view! {
        <li class="course-card competition-card" id=format!("competition-{}", c.id) data-level=c.level.clone()>
            <strong><a href=competition_page_url(&c.id)>{c.title.clone()}</a></strong>
            <span class="meta">{c.org_name.clone()}" · "{level_name(t, &c.level)}</span>
            <span class="meta">{t.cp_skills}{t.colon}{skill_names(t, lang, &c.skills)}</span>
            <span class="meta">{dates}" "<span class="tag">{registration_state(t, c, today)}</span></span>
            {theory}
            <span class=state_class>{state}</span>
        </li>
    }
}

/// What the creation form starts with: what was typed before a refusal, else the defaults.
struct Typed(Option<Flash>);

impl Typed {
    fn get(&self, name: &str, default: &str) -> String {
        match &self.0 {
            Some(f) => f.value(name),
            None => default.to_string(),
        }
    }
}

/// The creation form (administrators): title, union, level, skills, the eligibility rule,
/// registration dates and the optional theory round.
fn creation_form(
    t: &'static Texts,
    lang: Lang,
    data: &CompetitionsData,
    admin_org: String,
    flash: Option<Flash>,
) -> impl IntoView {
    let typed = Typed(flash.clone().filter(|f| !f.ok));
    let level = typed.get("level", "enterprise");
    let chosen: Vec<String> = typed
        .get("skills", "")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let min_levels: BTreeMap<String, String> = typed
        .get("min_level", "")
        .split(',')
        .filter_map(|pair| pair.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let levels = [
        ("enterprise", t.cp_level_enterprise),
        ("city", t.cp_level_city),
        ("province", t.cp_level_province),
    ]
    .into_iter()
    .map(|(value, label)| {
        let selected = level == value;
        view! { <option value=value selected=selected>{label}</option> }
    })
    .collect_view();
    let skill_boxes = data
        .skills
        .iter()
        .map(|s| {
            let checked = chosen.iter().any(|c| c == &s.skill);
            view! {
                <label class="check skill-choice">
                    <input type="checkbox" name="skills[]" value=s.skill.clone() checked=checked/>
                    {lang.pick(&s.name, Some(s.name_en.as_str())).to_string()}
                </label>
            }
        })
        .collect_view();
    let rules = data
        .skills
        .iter()
        .map(|s| {
            min_level_select(
                t,
                lang,
                s,
                min_levels.get(&s.skill).cloned().unwrap_or_default(),
            )
        })
        .collect_view();
    let chosen_bank = typed.get("theory_bank", "");
    let banks = data
        .banks
        .iter()
        .map(|c| {
            let selected = chosen_bank == c.id;
            view! { <option value=c.id.clone() selected=selected>{lang.pick(&c.title, c.title_en.as_deref()).to_string()}</option> }
        })
        .collect_view();
    let women_only = typed.get("women_only", "") == "true";
    let general = flash.filter(|f| !f.ok);
    view! {
        <section id="new-competition">
            <h2>{t.cp_form_title}</h2>
            <FlashMessage flash=general lang=lang/>
            <form method="post" action=CreateCompetition::url() class="stack" id="competition-form" name="competition">
                <label for="competition-title">{t.cp_field_title}</label>
                <input id="competition-title" name="title" required=true maxlength="100" value=typed.get("title", "")/>
                <label for="competition-org">{t.cp_field_org}</label>
                <input id="competition-org" name="org" required=true value=typed.get("org", &admin_org) aria-describedby="competition-org-hint"/>
                <small id="competition-org-hint">{t.cp_field_org_hint}</small>
                <label for="competition-level">{t.cp_field_level}</label>
                <select id="competition-level" name="level">{levels}</select>
                <fieldset class="picker" id="competition-skills">
                    <legend>{t.cp_field_skills}</legend>
                    {skill_boxes}
                </fieldset>
                <fieldset class="picker" id="competition-rules">
                    <legend>{t.cp_rules_title}</legend>
                    <small>{t.cp_rules_hint}</small>
                    {rules}
                    <label class="check">
                        <input type="checkbox" name="women_only" value="true" id="competition-women-only" checked=women_only/>
                        {t.cp_women_only}
                    </label>
                    <label for="competition-days">{t.cp_account_days}</label>
                    <input id="competition-days" name="min_account_days" type="number" min="0" max="3650" inputmode="numeric" value=typed.get("min_account_days", "0")/>
                </fieldset>
                <label for="competition-opens">{t.cp_opens}</label>
                <input id="competition-opens" name="registration_opens" type="date" required=true value=typed.get("registration_opens", "")/>
                <label for="competition-closes">{t.cp_closes}</label>
                <input id="competition-closes" name="registration_closes" type="date" required=true value=typed.get("registration_closes", "")/>
                <fieldset class="picker" id="competition-theory">
                    <legend>{t.cp_theory_title}</legend>
                    <label for="theory-bank">{t.cp_theory_bank}</label>
                    <select id="theory-bank" name="theory_bank">
                        <option value="">{t.cp_theory_none}</option>
                        {banks}
                    </select>
                    <label for="theory-starts">{t.cp_theory_starts}</label>
                    <input id="theory-starts" name="theory_starts" type="datetime-local" value=typed.get("theory_starts", "")/>
                    <label for="theory-minutes">{t.cp_theory_minutes}</label>
                    <input id="theory-minutes" name="theory_minutes" type="number" min="1" max="300" inputmode="numeric" value=typed.get("theory_minutes", "30")/>
                    <label for="theory-draw">{t.cp_theory_draw}</label>
                    <input id="theory-draw" name="theory_draw" type="number" min="1" inputmode="numeric" value=typed.get("theory_draw", "20")/>
                </fieldset>
                <button type="submit" class="primary">{t.cp_submit}</button>
            </form>
        </section>
    }
}

/// The lowest level asked in one skill: 不限, 1级 · 初级, 2级 · 中级, ….
fn min_level_select(t: &'static Texts, lang: Lang, s: &SkillDef, current: String) -> impl IntoView {
    let id = format!("min-level-{}", crate::request::slug(&s.skill));
    let name = lang.pick(&s.name, Some(s.name_en.as_str())).to_string();
    let options = s
        .levels
        .iter()
        .enumerate()
        .map(|(i, level)| {
            let n = (i + 1).to_string();
            let label = t
                .cp_level_option
                .replace("{n}", &n)
                .replace("{name}", level);
            let selected = current == n;
            view! { <option value=n selected=selected>{label}</option> }
        })
        .collect_view();
    view! {
        <label for=id.clone()>{t.cp_min_level_for.replace("{skill}", &name)}</label>
        <select id=id name=format!("min_level[{}]", s.skill)>
            <option value="">{t.cp_any_level}</option>
            {options}
        </select>
    }
}

/// `/competitions/{id}`: the competition, her registration, the theory round, the ranking and
/// (for the organiser) the results.
#[component]
pub fn CompetitionPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let created = take_flash("competition");
    let register = take_flash("register");
    let theory = take_flash("theory");
    let results = take_flash("results");
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <Layout title=t.cp_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let data = match load_competition(id).await {
                        Ok(data) => data,
                        Err(e) => return failed(lang, e.code),
                    };
                    let c = &data.competition;
                    view! {
                        <p class="crumbs"><a href="/competitions">{t.cp_back_list}</a></p>
                        <FlashMessage flash=created.clone() lang=lang ok_text=t.cp_created/>
                        {facts(t, lang, &data)}
                        {registration_block(t, lang, c, &data.today, register.clone())}
                        {theory_block(t, lang, c, theory.clone())}
                        {ranking_section(t, &data.ranking)}
                        {c.may_manage.then(|| results_form(t, lang, &data, results.clone()))}
                        {results_list(t, &data.results)}
                    }
                    .into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// The competition's facts and its rules in words.
fn facts(t: &'static Texts, lang: Lang, data: &CompetitionData) -> impl IntoView {
    let c = &data.competition;
    let rules = rule_lines(t, lang, c, &data.skills)
        .into_iter()
        .map(|line| view! { <li>{line}</li> })
        .collect_view();
    view! {
        <h1 id="competition-title">{c.title.clone()}</h1>
        <dl class="facts">
            <dt>{t.cp_organiser}</dt><dd id="competition-org">{c.org_name.clone()}</dd>
            <dt>{t.cp_level}</dt><dd id="competition-level" data-level=c.level.clone()>{level_name(t, &c.level)}</dd>
            <dt>{t.cp_skills}</dt><dd id="competition-skills">{skill_names(t, lang, &c.skills)}</dd>
            <dt>{t.cp_dates_label}</dt>
            <dd id="competition-dates">{date_range(t, c)}" "<span class="tag">{registration_state(t, c, &data.today)}</span></dd>
            <dt>{t.cp_registrations_label}</dt><dd id="competition-registrations">{c.registrations.to_string()}</dd>
        </dl>
        <h2>{t.cp_rules}</h2>
        <ul id="competition-rules">{rules}</ul>
    }
}

/// The rules in words: "「数据分析」达到 2 级（中级）", "只限女职工", "账号注册满 30 天",
/// "江苏省总工会及下属工会会员".
fn rule_lines(t: &Texts, lang: Lang, c: &CompetitionView, skills: &[SkillDef]) -> Vec<String> {
    let mut lines = Vec::new();
    for (code, level) in &c.eligibility.min_levels {
        let skill = skills.iter().find(|s| &s.skill == code);
        let name = skill
            .map(|s| lang.pick(&s.name, Some(s.name_en.as_str())).to_string())
            .unwrap_or_else(|| code.clone());
        let level_name = skill
            .and_then(|s| s.levels.get((*level as usize).saturating_sub(1)))
            .cloned()
            .unwrap_or_default();
        lines.push(
            t.cp_rule_level
                .replace("{skill}", &name)
                .replace("{level}", &level.to_string())
                .replace("{name}", &level_name),
        );
    }
    if c.eligibility.women_only {
        lines.push(t.cp_rule_women.to_string());
    }
    if c.eligibility.min_account_days > 0 {
        lines.push(
            t.cp_rule_days
                .replace("{n}", &c.eligibility.min_account_days.to_string()),
        );
    }
    lines.push(t.cp_rule_org.replace("{org}", &c.org_name));
    lines
}

/// "你还不能报名：" with each rule she misses, and where to go to meet them (no button).
fn not_eligible(t: &'static Texts, reasons: Vec<String>) -> AnyView {
    let items = reasons
        .into_iter()
        .map(|r| view! { <li>{r}</li> })
        .collect_view();
    view! {
        <div class="notice error" id="not-eligible" role="alert">
            <p>{t.cp_not_eligible}</p>
            <ul>{items}</ul>
            <p>{t.cp_next_steps}</p>
            <p class="actions">
                <a class="button" href="/skills" id="to-skills">{t.cp_to_skills}</a>
                <a class="button" href="/courses" id="to-courses">{t.cp_to_courses}</a>
            </p>
        </div>
    }
    .into_any()
}

/// Her registration: registered, the rules she misses, the 报名 button, or when to come.
fn registration_block(
    t: &'static Texts,
    lang: Lang,
    c: &CompetitionView,
    today: &str,
    flash: Option<Flash>,
) -> impl IntoView {
    let refused_rules = flash
        .clone()
        .filter(|f| !f.ok && f.code == Some(ErrorCode::NotEligible));
    let body = if c.registered {
        let just_now = flash.as_ref().is_some_and(|f| f.ok);
        let text = match (just_now, c.theory.is_some()) {
            (true, true) => t.cp_registered_now,
            (true, false) => t.cp_registered_now_plain,
            (false, _) => t.cp_you_registered,
        };
        view! { <p class="notice ok" id="registered" role="status">{text}</p> }.into_any()
    } else if !c.misses.is_empty() {
        let reasons = c
            .misses
            .iter()
            .map(|m| match lang {
                Lang::Zh => m.message_zh.clone(),
                Lang::En => m.message.clone(),
            })
            .collect();
        not_eligible(t, reasons)
    } else if let Some(f) = refused_rules {
        let reasons = f
            .detail
            .unwrap_or_default()
            .split('；')
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        not_eligible(t, reasons)
    } else if c.registration_open {
        view! {
            <FlashMessage flash=flash lang=lang/>
            <form method="post" action=RegisterCompetition::url() id="register-form" name="register">
                <input type="hidden" name="id" value=c.id.clone()/>
                <button type="submit" class="primary" id="register-button">{t.cp_register}</button>
            </form>
            {c.theory.is_some().then(|| view! { <p class="muted">{t.cp_register_hint}</p> })}
        }
        .into_any()
    } else {
        let when = if today < c.registration_opens.as_str() {
            t.cp_reg_comes
                .replace("{opens}", &c.registration_opens)
                .replace("{closes}", &c.registration_closes)
        } else {
            t.cp_reg_over.replace("{closes}", &c.registration_closes)
        };
        view! {
            <FlashMessage flash=flash lang=lang/>
            <p class="notice" id="registration-closed">{when}</p>
            <p class="actions"><a class="button" href="/competitions">{t.cp_back_list}</a></p>
        }
        .into_any()
    };
    view! {
        <section id="registration">
            <h2>{t.cp_registration_title}</h2>
            {body}
        </section>
    }
}

/// The theory round: when it starts, the start button while it runs, her score, or that it
/// is over.
fn theory_block(
    t: &'static Texts,
    lang: Lang,
    c: &CompetitionView,
    flash: Option<Flash>,
) -> Option<impl IntoView> {
    let round = c.theory.as_ref()?;
    let upcoming = t
        .cp_theory_upcoming
        .replace("{start}", &round.starts_at_china)
        .replace("{minutes}", &round.minutes.to_string())
        .replace("{n}", &round.draw.to_string());
    let register_first = (!c.registered).then(
        || view! { <p class="muted" id="theory-register-first">{t.cp_theory_register_first}</p> },
    );
    let score = c.my_score.map(|s| {
        view! { <p class="score" id="theory-my-score">{t.cp_theory_your_score.replace("{score}", &s.to_string())}</p> }
    });
    let see = c.my_attempt.as_ref().filter(|_| c.my_score.is_some()).map(|a| {
        view! { <a class="button" href=theory_page_url(a) id="theory-see-result">{t.cp_theory_see}</a> }
    });
    let body = match round.state.as_str() {
        "upcoming" => view! {
            <p id="theory-upcoming">{upcoming}</p>
            {register_first}
        }
        .into_any(),
        "open" => {
            let action = match (c.registered, &c.my_attempt, c.my_score) {
                (false, _, _) => None,
                (true, Some(_), Some(_)) => None,
                (true, Some(attempt), None) => Some(
                    view! {
                        <a class="button primary" href=theory_page_url(attempt) id="theory-continue">{t.cp_theory_continue}</a>
                    }
                    .into_any(),
                ),
                (true, None, _) => Some(
                    view! {
                        <form method="post" action=StartTheory::url() id="theory-start-form" name="theory">
                            <input type="hidden" name="id" value=c.id.clone()/>
                            <button type="submit" class="primary" id="theory-start">{t.cp_theory_start}</button>
                        </form>
                    }
                    .into_any(),
                ),
            };
            view! {
                <p id="theory-open">{t.cp_theory_open.replace("{end}", &round.ends_at_china)}</p>
                {register_first}
                {score}
                <p class="actions">{action}{see}</p>
            }
            .into_any()
        }
        _ => {
            let missed = (c.registered && c.my_attempt.is_none())
                .then(|| view! { <p class="muted" id="theory-missed">{t.cp_theory_missed}</p> });
            view! {
                <p id="theory-over">{t.cp_theory_over}</p>
                {score}
                {missed}
                <p class="actions">{see}</p>
            }
            .into_any()
        }
    };
    Some(view! {
        <section id="theory" data-state=round.state.clone()>
            <h2>{t.cp_theory_heading}</h2>
            <FlashMessage flash=flash lang=lang/>
            {body}
        </section>
    })
}

/// The theory round's ranking (organisers and registrants), once there are scores.
fn ranking_section(t: &'static Texts, ranking: &[RankingRow]) -> Option<impl IntoView> {
    if ranking.is_empty() {
        return None;
    }
    let rows = ranking
        .iter()
        .map(|r| {
            view! {
                <tr data-user=r.user.clone()>
                    <td data-label=t.cp_col_rank class="num">{r.rank.to_string()}</td>
                    <td data-label=t.cp_col_name>{r.name.clone()}</td>
                    <td data-label=t.cp_col_union>{r.org_name.clone()}</td>
                    <td data-label=t.cp_col_score class="num">{r.score.to_string()}</td>
                    <td data-label=t.cp_col_time>{duration(t, r.seconds)}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <section id="ranking">
            <h2>{t.cp_ranking_title}</h2>
            <table class="data cards">
                <thead><tr>
                    <th scope="col">{t.cp_col_rank}</th>
                    <th scope="col">{t.cp_col_name}</th>
                    <th scope="col">{t.cp_col_union}</th>
                    <th scope="col">{t.cp_col_score}</th>
                    <th scope="col">{t.cp_col_time}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    })
}

/// Her name with her theory-round place, for a results row not entered yet.
fn t_theory_hint(name: &str, rank: i64, score: i32) -> String {
    format!("{name}（理论初赛第 {rank} 名 · {score} 分）")
}

/// One prefilled line of the results form: (user, name, rank, score, award).
type ResultLine = (String, String, String, String, String);

/// The lines the results form starts with: each ranking line (with the result already
/// entered for her, if any), then entered results of women outside the ranking.
fn result_lines(data: &CompetitionData) -> Vec<ResultLine> {
    let entered = |user: &str| data.results.iter().find(|r| r.user == user);
    let mut lines: Vec<ResultLine> = data
        .ranking
        .iter()
        .map(|r| match entered(&r.user) {
            Some(done) => (
                r.user.clone(),
                r.name.clone(),
                done.rank.to_string(),
                done.score.map(|s| s.to_string()).unwrap_or_default(),
                done.award.clone().unwrap_or_default(),
            ),
            // Not entered yet: her theory-round place is a hint beside her name, never a
            // prefilled final rank (saving the form would enter it for her).
            None => (
                r.user.clone(),
                t_theory_hint(&r.name, r.rank, r.score),
                String::new(),
                String::new(),
                String::new(),
            ),
        })
        .collect();
    for done in &data.results {
        if data.ranking.iter().all(|r| r.user != done.user) {
            lines.push((
                done.user.clone(),
                done.name.clone(),
                done.rank.to_string(),
                done.score.map(|s| s.to_string()).unwrap_or_default(),
                done.award.clone().unwrap_or_default(),
            ));
        }
    }
    lines
}

/// The inputs of one results row (`results[<i>][…]`); a row without a known woman asks for
/// her user id.
fn result_row(t: &'static Texts, i: usize, line: Option<ResultLine>) -> impl IntoView {
    let field = |name: &str| format!("results[{i}][{name}]");
    let (user, legend, rank, score, award) = match line {
        Some((user, name, rank, score, award)) => (Some(user), name, rank, score, award),
        None => (
            None,
            t.cp_other_registrant.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    let who = match user {
        Some(user) => view! { <input type="hidden" name=field("user") value=user/> }.into_any(),
        None => view! {
            <label>{t.cp_col_user}
                <input name=field("user") autocomplete="off"/>
            </label>
        }
        .into_any(),
    };
    view! {
        <fieldset class="result-row">
            <legend>{legend}</legend>
            {who}
            <label>{t.cp_col_rank}
                <input name=field("rank") type="number" min="1" inputmode="numeric" value=rank/>
            </label>
            <label>{t.cp_col_score}
                <input name=field("score") type="number" min="0" max="100" inputmode="numeric" value=score/>
            </label>
            <label>{t.cp_col_award}
                <input name=field("award") list="award-options" maxlength="50" value=award/>
            </label>
        </fieldset>
    }
}

/// The organiser's results form: one row per ranking line, prefilled, and three rows for
/// registrants outside the ranking.
fn results_form(
    t: &'static Texts,
    lang: Lang,
    data: &CompetitionData,
    flash: Option<Flash>,
) -> impl IntoView {
    let lines = result_lines(data);
    let known = lines.len();
    let rows = lines
        .into_iter()
        .map(Some)
        .chain(std::iter::repeat_n(None, 3))
        .enumerate()
        .map(|(i, line)| result_row(t, i, line))
        .collect_view();
    view! {
        <section id="results-entry" data-rows=known.to_string()>
            <h2>{t.cp_results_form_title}</h2>
            <FlashMessage flash=flash lang=lang ok_text=t.cp_results_saved/>
            <p class="muted">{t.cp_results_hint}</p>
            <form method="post" action=EnterResults::url() class="stack" id="results-form" name="results">
                <input type="hidden" name="id" value=data.competition.id.clone()/>
                {rows}
                <datalist id="award-options">
                    <option value=t.cp_award_first></option>
                    <option value=t.cp_award_second></option>
                    <option value=t.cp_award_third></option>
                    <option value=t.cp_award_merit></option>
                </datalist>
                <button type="submit" class="primary">{t.cp_results_submit}</button>
            </form>
            <p class="notice" id="results-explain">{t.cp_results_explain}</p>
        </section>
    }
}

/// The entered final results with their awards.
fn results_list(t: &'static Texts, results: &[ResultView]) -> Option<impl IntoView> {
    if results.is_empty() {
        return None;
    }
    let rows = results
        .iter()
        .map(|r| {
            view! {
                <tr data-user=r.user.clone()>
                    <td data-label=t.cp_col_rank class="num">{r.rank.to_string()}</td>
                    <td data-label=t.cp_col_name>{r.name.clone()}</td>
                    <td data-label=t.cp_col_score class="num">{r.score.map(|s| s.to_string()).unwrap_or_default()}</td>
                    <td data-label=t.cp_col_award>{r.award.clone().unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <section id="results-section">
            <h2>{t.cp_results_title}</h2>
            <table class="data cards" id="results">
                <thead><tr>
                    <th scope="col">{t.cp_col_rank}</th>
                    <th scope="col">{t.cp_col_name}</th>
                    <th scope="col">{t.cp_col_score}</th>
                    <th scope="col">{t.cp_col_award}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    })
}
