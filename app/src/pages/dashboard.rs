//! The union dashboard: women trained against the target for a node she administers, the
//! pace needed and the pace of the last 90 days, breakdowns with drill-down, charts drawn on
//! the server as SVG (labels are data, escaped like any text), exports, and the evidence list.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::ErrorCode;

use crate::app::{use_lang, Layout};
use crate::i18n::{error_message, Texts};
use crate::server_fns::{admin_home, evidence_page, org_dashboard};
use qihang_core::dto::{ChildStatsView, EvidenceFilter, MonthStatsView, OrgStatsView};

const CHART_WIDTH: f64 = 340.0;

fn number(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// New women trained per month (bars) with the running total (line), last 24 months.
fn month_chart(t: &'static Texts, months: &[MonthStatsView]) -> impl IntoView {
    let shown: Vec<&MonthStatsView> = months.iter().rev().take(24).rev().collect();
    let height = 150.0;
    let top = 12.0;
    let bottom = 24.0;
    let plot = height - top - bottom;
    let max_new = shown
        .iter()
        .map(|m| m.stats.trained)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let max_total = shown.last().map(|m| m.cumulative).unwrap_or(0).max(1) as f64;
    let step = CHART_WIDTH / shown.len().max(1) as f64;
    let bars = shown
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let h = m.stats.trained as f64 / max_new * plot;
            let x = i as f64 * step + step * 0.15;
            let label = (i % 3 == 0 || i + 1 == shown.len()).then(|| {
                view! {
                    <text x=format!("{:.1}", x) y=format!("{:.1}", height - 8.0) font-size="9" fill="#555">
                        {m.stats.bucket.get(2..).unwrap_or("").to_string()}
                    </text>
                }
            });
            view! {
                <rect x=format!("{:.1}", x) y=format!("{:.1}", top + plot - h) width=format!("{:.1}", step * 0.7)
                    height=format!("{:.1}", h) fill="#e8a0ab">
                    <title>{format!("{}: +{}", m.stats.bucket, m.stats.trained)}</title>
                </rect>
                {label}
            }
        })
        .collect_view();
    let line: String = shown
        .iter()
        .enumerate()
        .map(|(i, m)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step + step / 2.0,
                top + plot - m.cumulative as f64 / max_total * plot
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {height}") role="img" aria-label=t.chart_monthly width="100%">
                {bars}
                <polyline points=line fill="none" stroke="#b5223b" stroke-width="2"/>
            </svg>
            <figcaption>{t.chart_monthly}</figcaption>
        </figure>
    }
}

/// Each child's women trained (bar) against its target (tick), longest first.
fn children_chart(t: &'static Texts, children: &[ChildStatsView]) -> impl IntoView {
    let mut shown: Vec<&ChildStatsView> = children.iter().collect();
    shown.sort_by_key(|c| std::cmp::Reverse(c.trained));
    shown.truncate(15);
    let row = 20.0;
    let label_width = 110.0;
    let bar_space = CHART_WIDTH - label_width - 40.0;
    let max = shown
        .iter()
        .map(|c| c.trained.max(c.target.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let height = row * shown.len() as f64 + 4.0;
    let rows = shown
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let y = i as f64 * row + 2.0;
            let w = c.trained as f64 / max * bar_space;
            let tick = c.target.map(|target| {
                let x = label_width + target as f64 / max * bar_space;
                view! { <line x1=format!("{x:.1}") x2=format!("{x:.1}") y1=format!("{:.1}", y) y2=format!("{:.1}", y + row - 4.0) stroke="#333" stroke-width="2"/> }
            });
            view! {
                <text x="0" y=format!("{:.1}", y + 12.0) font-size="11" fill="#222">{c.name.chars().take(9).collect::<String>()}</text>
                <rect x=format!("{label_width}") y=format!("{:.1}", y + 2.0) width=format!("{w:.1}") height=format!("{:.1}", row - 8.0) fill="#b5223b"/>
                {tick}
                <text x=format!("{:.1}", label_width + w + 4.0) y=format!("{:.1}", y + 12.0) font-size="10" fill="#555">{number(c.trained)}</text>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {height}") role="img" aria-label=t.chart_children width="100%">{rows}</svg>
            <figcaption>{t.chart_children}</figcaption>
        </figure>
    }
}

fn summary(t: &'static Texts, s: &OrgStatsView) -> impl IntoView {
    let percent = s.percent.unwrap_or(0.0).min(100.0);
    view! {
        <section class="kpis">
            <p class="big" id="trained"><strong>{number(s.trained)}</strong>
                {s.target.map(|target| view! { " / " {number(target)} })}
                " "{t.women_trained_unit}</p>
            {s.percent.map(|p| view! {
                <div class="progress" role="progressbar" aria-valuenow=format!("{p}") aria-valuemin="0" aria-valuemax="100">
                    <span style=format!("width:{percent}%")></span>
                </div>
                <p class="muted">{format!("{p:.1}%")}" · "{t.target_deadline}" "{s.deadline.clone().unwrap_or_default()}</p>
            })}
            <dl class="facts">
                <dt>{t.pace_needed}</dt><dd id="pace-needed">{s.pace_needed_per_month.map(number).unwrap_or_else(|| "—".into())}</dd>
                <dt>{t.pace_recent}</dt><dd id="pace-recent">{number(s.pace_last_90_days)}</dd>
                <dt>{t.projection}</dt><dd>{s.projected_at_deadline.map(number).unwrap_or_else(|| "—".into())}
                    {s.projected_reach_date.clone().map(|d| view! { " · "{t.reach_on}" "{d} })}</dd>
                <dt>{t.women_completions}</dt><dd>{number(s.completions)}" · "{format!("{:.0}", s.hours)}" "{t.hours_unit}</dd>
                <dt>{t.all_learners}</dt><dd>{number(s.all_learners.learners_trained)}" · "{number(s.all_learners.all_completions)}" · "{format!("{:.0}", s.all_learners.all_hours)}" "{t.hours_unit}</dd>
            </dl>
            <p class="muted definition">{t.trained_definition}</p>
        </section>
    }
}

/// `/dashboard` (her first administered node) and `/dashboard/:code`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let code = use_params_map().get_untracked().get("code");
    view! {
        <Layout title=t.dashboard_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let code = match code {
                        Some(code) => code,
                        None => match admin_home().await {
                            Ok(Some(code)) => code,
                            Ok(None) => return view! { <p class="notice error">{error_message(lang, ErrorCode::Forbidden, None)}</p> }.into_any(),
                            Err(e) => {
                                if e.code == ErrorCode::Unauthenticated {
                                    crate::request::redirect("/login");
                                }
                                return view! { <p class="notice error">{error_message(lang, e.code, None)}</p> }.into_any();
                            }
                        },
                    };
                    let s = match org_dashboard(code.clone()).await {
                        Ok(s) => s,
                        Err(e) => {
                            if e.code == ErrorCode::Unauthenticated {
                                crate::request::redirect("/login");
                            }
                            return view! { <p class="notice error" id="dashboard-error">{error_message(lang, e.code, None)}</p> }.into_any();
                        }
                    };
                    let evidence = format!("/dashboard/{}/trained", s.org.code);
                    let mismatch = s.targets_check.clone().filter(|c| !c.adds_up).map(|c| view! {
                        <p class="notice error" id="targets-mismatch">{t.targets_mismatch}" "{number(c.children_sum)}" ≠ "{number(c.target)}
                            {(c.children_without_target > 0).then(|| view! { " · "{c.children_without_target}" "{t.children_without_target} })}</p>
                    });
                    let children = s.by_child.iter().map(|c| view! {
                        <tr>
                            <td><a href=format!("/dashboard/{}", c.org)>{c.name.clone()}</a></td>
                            <td class="num"><a href=format!("{evidence}?org={}", c.org)>{number(c.trained)}</a></td>
                            <td class="num">{c.target.map(number).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view();
                    let buckets = |rows: Vec<(String, String, i64, i64)>| rows.into_iter().map(|(label, link, trained, completions)| view! {
                        <tr><td>{label}</td><td class="num"><a href=link>{number(trained)}</a></td><td class="num">{number(completions)}</td></tr>
                    }).collect_view();
                    let tiers = buckets(s.by_tier.iter().map(|b| (
                        t.tier(b.bucket.parse().unwrap_or(1)).to_string(),
                        format!("{evidence}?tier={}", b.bucket), b.trained, b.completions)).collect());
                    let modes = buckets(s.by_mode.iter().map(|b| (
                        t.mode(&b.bucket).to_string(),
                        format!("{evidence}?mode={}", b.bucket), b.trained, b.completions)).collect());
                    let courses = buckets(s.by_course.iter().map(|c| (
                        c.title.clone(),
                        format!("{evidence}?course={}", c.stats.bucket), c.stats.trained, c.stats.completions)).collect());
                    view! {
                        <h1>{t.dashboard_title}": "{s.org.name.clone()}</h1>
                        {summary(t, &s)}
                        {mismatch}
                        {month_chart(t, &s.by_month)}
                        {(!s.by_child.is_empty()).then(|| children_chart(t, &s.by_child))}
                        <p class="actions">
                            <a class="button" href=format!("/api/v1/orgs/{}/stats.csv", s.org.code)>{t.export_csv}</a>
                            <a class="button" href=format!("/api/v1/orgs/{}/stats.xlsx", s.org.code)>{t.export_xlsx}</a>
                            <a class="button" href=evidence.clone()>{t.evidence_title}</a>
                        </p>
                        {(!s.by_child.is_empty()).then(|| view! {
                            <h2>{t.by_child}</h2>
                            <table class="data" id="by-child"><thead><tr><th>{t.org_label}</th><th>{t.women_trained_unit}</th><th>{t.target_label}</th></tr></thead>
                                <tbody>{children}</tbody></table>
                        })}
                        <h2>{t.by_tier}</h2>
                        <table class="data"><thead><tr><th></th><th>{t.women_trained_unit}</th><th>{t.women_completions}</th></tr></thead><tbody>{tiers}</tbody></table>
                        <h2>{t.by_mode}</h2>
                        <table class="data"><thead><tr><th></th><th>{t.women_trained_unit}</th><th>{t.women_completions}</th></tr></thead><tbody>{modes}</tbody></table>
                        <h2>{t.by_course}</h2>
                        <table class="data"><thead><tr><th></th><th>{t.women_trained_unit}</th><th>{t.women_completions}</th></tr></thead><tbody>{courses}</tbody></table>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// `/dashboard/:code/trained`: the women behind a figure, masked and paged.
#[component]
pub fn EvidencePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let code = use_params_map()
        .get_untracked()
        .get("code")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    let filter = EvidenceFilter {
        tier: query.get("tier").and_then(|v| v.parse().ok()),
        mode: query.get("mode"),
        course: query.get("course"),
        month: query.get("month"),
        org: query.get("org"),
        first_only: query.get("first_only").as_deref() == Some("true"),
    };
    let page: i64 = query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let qs: String = [
        filter.tier.map(|v| format!("tier={v}")),
        filter.mode.clone().map(|v| format!("mode={v}")),
        filter.course.clone().map(|v| format!("course={v}")),
        filter.month.clone().map(|v| format!("month={v}")),
        filter.org.clone().map(|v| format!("org={v}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("&");
    view! {
        <Layout title=t.evidence_title>
            <h1>{t.evidence_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let p = match evidence_page(code.clone(), page, filter).await {
                        Ok(p) => p,
                        Err(e) => return view! { <p class="notice error" id="evidence-error">{error_message(lang, e.code, None)}</p> }.into_any(),
                    };
                    let rows = p.rows.iter().map(|r| view! {
                        <tr>
                            <td>{r.name.clone()}</td><td>{r.phone.clone()}</td><td>{r.org_name.clone()}</td>
                            <td>{r.course_title.clone()}</td><td>{r.completed_at.chars().take(10).collect::<String>()}</td>
                            <td>{r.attempt.clone().map(|a| format!("{} {a} ({})", t.quiz_title, r.score.unwrap_or(0)))
                                .or_else(|| r.session.clone().map(|s| format!("{} {s}", t.check_in_title))).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view();
                    let pages = (p.total + p.per_page - 1) / p.per_page;
                    let link = |n: i64| format!("/dashboard/{}/trained?page={n}{}{}", p.org, if qs.is_empty() { "" } else { "&" }, qs);
                    view! {
                        <p class="muted" id="evidence-total">{number(p.total)}" · "{p.page}"/"{pages.max(1)}</p>
                        <p class="actions">
                            <a class="button" href=format!("/api/v1/orgs/{}/trained.csv{}{}", p.org, if qs.is_empty() { "" } else { "?" }, qs)>{t.export_csv}</a>
                            <a class="button" href=format!("/api/v1/orgs/{}/trained.xlsx{}{}", p.org, if qs.is_empty() { "" } else { "?" }, qs)>{t.export_xlsx}</a>
                        </p>
                        <div class="scroll"><table class="data" id="evidence"><tbody>{rows}</tbody></table></div>
                        <nav class="pager">
                            {(p.page > 1).then(|| view! { <a class="button" href=link(p.page - 1)>{t.previous_lesson}</a> })}
                            {(p.page < pages).then(|| view! { <a class="button" href=link(p.page + 1)>{t.next_lesson}</a> })}
                        </nav>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}
