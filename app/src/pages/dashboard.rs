//! The union dashboard: women trained against the target for a node she administers, the
//! pace needed and the recent pace, a projection only once there is history enough to make
//! one, breakdowns with drill-down, charts drawn on the server as SVG (labels are data,
//! escaped like any text), the target form for the administrators above the node, exports,
//! and the evidence list with its filters (a plain GET form, so it works without JavaScript).
//!
//! Charts are drawn in a view box [`CHART_WIDTH`] units wide that scales to the column: on a
//! 360 px phone a unit is about 0.96 px, so chart text is set at 13 units to read at 12 px or
//! more. No chart text is cut: long union names wrap onto more lines.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::{
    ChildStatsView, ErrorCode, EvidenceFilter, EvidenceRow, MonthStatsView, OrgStatsView,
    ProjectionStatus, SkillsFigures, PROJECTION_MIN_DAYS,
};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{error_message, Lang, Texts};
use crate::request::{take_flash, Flash};
use crate::server_fns::{
    admin_home, evidence_page, org_dashboard, public_url_warning, SetOrgTarget,
};
use crate::studio_fns::org_skills_figures;

const CHART_WIDTH: f64 = 340.0;
/// Chart text size in view-box units: at least 12 px on a 360 px phone.
const CHART_FONT: &str = "13";
/// The same, as a number, for laying text out.
const CHART_FONT_UNITS: f64 = 13.0;
/// The widest bar of the monthly chart: a young drive's one month is a bar, not a block.
const MAX_BAR_WIDTH: f64 = 28.0;
/// Children drawn in the chart (the table below it lists them all).
const CHART_CHILDREN: usize = 15;

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

/// A rate with one decimal and thousands separators. A positive rate never reads 0: under
/// 0.05 it reads "<0.1".
fn rate(x: f64) -> String {
    if x <= 0.0 || !x.is_finite() {
        return "0".into();
    }
    // Whole women from ten up; a decimal only where rounding would hide a slow pace.
    if x >= 9.95 {
        return number(x.round() as i64);
    }
    let tenths = (x * 10.0).round() as i64;
    if tenths == 0 {
        return "<0.1".into();
    }
    format!("{}.{}", number(tenths / 10), tenths % 10)
}

/// Where the monthly chart draws: the plot's top and height, the chart's height, a month's
/// slot width, and the scales of the bars and of the running total.
#[derive(Debug, Clone, Copy)]
struct MonthScale {
    top: f64,
    plot: f64,
    height: f64,
    step: f64,
    max_new: f64,
    max_total: f64,
}

impl MonthScale {
    fn of(shown: &[&MonthStatsView]) -> MonthScale {
        let (height, top, bottom): (f64, f64, f64) = (178.0, 24.0, 26.0);
        let max_new = shown.iter().map(|m| m.stats.trained).max().unwrap_or(0);
        let max_total = shown.last().map(|m| m.cumulative).unwrap_or(0);
        MonthScale {
            top,
            plot: height - top - bottom,
            height,
            step: CHART_WIDTH / shown.len().max(1) as f64,
            max_new: max_new.max(1) as f64,
            max_total: max_total.max(1) as f64,
        }
    }

    /// The middle of month `i`'s slot.
    fn centre(&self, i: usize) -> f64 {
        i as f64 * self.step + self.step / 2.0
    }

    /// The running total's point for month `i`.
    fn point(&self, i: usize, cumulative: i64) -> (f64, f64) {
        let y = self.top + self.plot - cumulative as f64 / self.max_total * self.plot;
        (self.centre(i), y)
    }
}

/// The bars of new women trained, at most [`MAX_BAR_WIDTH`] wide, with about six month
/// labels (the latest month always among them).
fn month_bars(shown: &[&MonthStatsView], scale: MonthScale) -> impl IntoView {
    let bar = (scale.step * 0.7).min(MAX_BAR_WIDTH);
    let every = shown.len().div_ceil(6).max(1);
    let last = shown.len().saturating_sub(1);
    shown
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let h = m.stats.trained as f64 / scale.max_new * scale.plot;
            let centre = scale.centre(i);
            let label = (last - i).is_multiple_of(every).then(|| {
                view! {
                    <text x=format!("{:.1}", centre.clamp(22.0, CHART_WIDTH - 22.0)) y=format!("{:.1}", scale.height - 7.0)
                        font-size=CHART_FONT text-anchor="middle" fill="#555">
                        {m.stats.bucket.get(2..).unwrap_or("").to_string()}
                    </text>
                }
            });
            view! {
                <rect x=format!("{:.1}", centre - bar / 2.0) y=format!("{:.1}", scale.top + scale.plot - h)
                    width=format!("{bar:.1}") height=format!("{h:.1}") fill="#e8a0ab">
                    <title>{format!("{}: +{} · {}", m.stats.bucket, number(m.stats.trained), number(m.cumulative))}</title>
                </rect>
                {label}
            }
        })
        .collect_view()
}

/// The running total: a line, its points marked while there are few months (so one month is
/// a visible dot, not an invisible line), and its latest value written beside it.
fn running_total(shown: &[&MonthStatsView], scale: MonthScale) -> impl IntoView {
    let last = shown.len().saturating_sub(1);
    let line: String = shown
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (x, y) = scale.point(i, m.cumulative);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let markers = shown
        .iter()
        .enumerate()
        .filter(|(i, _)| shown.len() <= 12 || *i == last)
        .map(|(i, m)| {
            let (x, y) = scale.point(i, m.cumulative);
            view! { <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="4" fill="#b5223b" stroke="#fff" stroke-width="1.5"/> }
        })
        .collect_view();
    let total = shown.last().map(|m| {
        let (x, y) = scale.point(last, m.cumulative);
        view! {
            <text x=format!("{:.1}", (x + 6.0).min(CHART_WIDTH - 2.0)) y=format!("{:.1}", (y - 8.0).max(CHART_FONT_UNITS))
                font-size=CHART_FONT text-anchor="end" fill="#b5223b">{number(m.cumulative)}</text>
        }
    });
    view! {
        <polyline points=line fill="none" stroke="#b5223b" stroke-width="2.5" stroke-linejoin="round"/>
        {markers}
        {total}
    }
}

/// New women trained per month (bars) with the running total (line), last 24 months.
fn month_chart(t: &'static Texts, months: &[MonthStatsView]) -> impl IntoView {
    let shown: Vec<&MonthStatsView> = months.iter().rev().take(24).rev().collect();
    let scale = MonthScale::of(&shown);
    let base = format!("{:.1}", scale.top + scale.plot);
    view! {
        <figure class="chart" id="chart-monthly">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {}", scale.height) role="img" aria-label=t.chart_monthly width="100%">
                <line x1="0" x2=format!("{CHART_WIDTH}") y1=base.clone() y2=base stroke="#ccc" stroke-width="1"/>
                {month_bars(&shown, scale)}
                {running_total(&shown, scale)}
            </svg>
            <figcaption>{t.chart_monthly}</figcaption>
        </figure>
    }
}

/// A name split into lines that fit `width` at `font` units (a CJK character is about one em
/// wide, an ASCII one about 0.6), so no name is cut.
fn label_lines(name: &str, font: f64, width: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used: f64 = 0.0;
    for c in name.chars() {
        let w = if c.is_ascii() { font * 0.6 } else { font };
        if used + w > width && lines.last().is_some_and(|l| !l.is_empty()) {
            lines.push(String::new());
            used = 0.0;
        }
        if let Some(line) = lines.last_mut() {
            line.push(c);
        }
        used += w;
    }
    lines
}

/// Line height of a name, bar height and the gap after a row, in view-box units.
const NAME_LINE: f64 = 16.0;
const BAR_HEIGHT: f64 = 12.0;
const ROW_GAP: f64 = 12.0;

/// One child in the chart: its name (whole, on as many lines as it needs) above its bar,
/// the target as a tick, the number after the bar.
fn child_bar(c: &ChildStatsView, lines: Vec<String>, top: f64, max: f64) -> impl IntoView {
    let bar_space = CHART_WIDTH - 64.0;
    let bar_y = top + lines.len() as f64 * NAME_LINE + 3.0;
    let w = c.trained as f64 / max * bar_space;
    let names = lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let y = top + (i as f64 + 1.0) * NAME_LINE - 3.0;
            view! { <text x="0" y=format!("{y:.1}") font-size=CHART_FONT fill="#222">{line}</text> }
        })
        .collect_view();
    let tick = c.target.map(|target| {
        let x = format!("{:.1}", target as f64 / max * bar_space);
        view! {
            <line x1=x.clone() x2=x y1=format!("{:.1}", bar_y - 3.0) y2=format!("{:.1}", bar_y + BAR_HEIGHT + 3.0)
                stroke="#333" stroke-width="2"/>
        }
    });
    view! {
        <g>
            <title>{format!("{}: {}", c.name, number(c.trained))}</title>
            {names}
            <rect x="0" y=format!("{bar_y:.1}") width=format!("{w:.1}") height=format!("{BAR_HEIGHT}") fill="#b5223b"/>
            {tick}
            <text x=format!("{:.1}", w + 4.0) y=format!("{:.1}", bar_y + BAR_HEIGHT - 1.0) font-size=CHART_FONT fill="#555">
                {number(c.trained)}
            </text>
        </g>
    }
}

/// Each child's women trained (bar) against its target (tick), most first; the first
/// [`CHART_CHILDREN`], saying so when there are more.
fn children_chart(t: &'static Texts, children: &[ChildStatsView]) -> impl IntoView {
    let mut shown: Vec<&ChildStatsView> = children.iter().collect();
    shown.sort_by_key(|c| std::cmp::Reverse(c.trained));
    shown.truncate(CHART_CHILDREN);
    let max = shown
        .iter()
        .map(|c| c.trained.max(c.target.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut height: f64 = 0.0;
    let mut laid_out = Vec::new();
    for c in shown {
        let lines = label_lines(&c.name, CHART_FONT_UNITS, CHART_WIDTH);
        let top = height;
        height += lines.len() as f64 * NAME_LINE + BAR_HEIGHT + ROW_GAP;
        laid_out.push((c, lines, top));
    }
    let rows = laid_out
        .into_iter()
        .map(|(c, lines, top)| child_bar(c, lines, top, max))
        .collect_view();
    let more = (children.len() > CHART_CHILDREN).then(|| {
        view! {
            <p class="muted chart-note" id="children-shown">
                {format!("{}{}{}{}{}", t.children_shown_before, CHART_CHILDREN, t.children_shown_middle, children.len(), t.children_shown_after)}
                " · "<a href="#by-child">{t.children_see_all}</a>
            </p>
        }
    });
    view! {
        <figure class="chart" id="chart-children">
            <svg viewBox=format!("0 0 {CHART_WIDTH} {:.1}", height.max(4.0)) role="img" aria-label=t.chart_children width="100%">{rows}</svg>
            <figcaption>{t.chart_children}</figcaption>
            {more}
        </figure>
    }
}

/// "已培训女职工 1,234 名（目标 500,000 名）".
fn headline(t: &'static Texts, s: &OrgStatsView) -> impl IntoView {
    view! {
        <p class="big" id="trained">
            {t.trained_before}<strong>{number(s.trained)}</strong>{t.trained_after}
            {s.target.map(|target| format!("{}{}{}", t.target_before, number(target), t.target_after))}
        </p>
    }
}

/// "每 30 天 0.3 名（按近 90 天平均）".
fn recent_pace(t: &'static Texts, s: &OrgStatsView) -> String {
    if s.pace_window_days <= 0 {
        return t.pace_no_data.to_string();
    }
    format!(
        "{}{}{}{}{}{}",
        t.pace_per_30_before,
        rate(s.pace_per_30_days),
        t.pace_per_30_after,
        t.pace_window_before,
        s.pace_window_days,
        t.pace_window_after
    )
}

/// Where the recent pace leads: "数据不足（…）" until there are 60 days of data, a date, or
/// ">2100" when the pace does not meet the target this century.
fn projection(t: &'static Texts, s: &OrgStatsView) -> String {
    let projected = s
        .projected_at_deadline
        .map(|p| format!("{}{}{}", t.projected_before, number(p), t.projected_after))
        .unwrap_or_default();
    match s.projection {
        ProjectionStatus::NoTarget => t.no_target_yet.into(),
        ProjectionStatus::Reached => t.projection_reached.into(),
        ProjectionStatus::NotEnoughData => format!(
            "{}{}{}{}{}{}",
            t.projection_not_enough,
            t.projection_needs_before,
            PROJECTION_MIN_DAYS,
            t.projection_needs_middle,
            s.history_days,
            t.projection_needs_after
        ),
        ProjectionStatus::OnDate => format!(
            "{projected}{}{}{}",
            t.reach_date_before,
            s.projected_reach_date.clone().unwrap_or_default(),
            t.reach_date_after
        ),
        ProjectionStatus::After2100 => format!("{projected}{}", t.reach_after_2100),
    }
}

fn summary(t: &'static Texts, s: &OrgStatsView) -> impl IntoView {
    let percent = s.percent.unwrap_or(0.0).min(100.0);
    view! {
        <section class="kpis">
            {headline(t, s)}
            {s.percent.map(|p| view! {
                <div class="progress" role="progressbar" aria-valuenow=format!("{p}") aria-valuemin="0" aria-valuemax="100">
                    <span style=format!("width:{percent}%")></span>
                </div>
                <p class="muted">{format!("{p:.1}%")}" · "{t.target_deadline}" "{s.deadline.clone().unwrap_or_default()}</p>
            })}
            <dl class="facts">
                <dt>{t.pace_needed}</dt><dd id="pace-needed">{s.pace_needed_per_month.map(number).unwrap_or_else(|| t.no_target_yet.into())}</dd>
                <dt>{t.pace_recent}</dt><dd id="pace-recent">{recent_pace(t, s)}</dd>
                <dt>{t.projection}</dt><dd id="projection">{projection(t, s)}</dd>
                <dt>{t.women_completions}</dt><dd>{number(s.completions)}" · "{number(s.hours.round() as i64)}" "{t.hours_unit}</dd>
                <dt>{t.all_learners}</dt><dd>{number(s.all_learners.learners_trained)}" · "{number(s.all_learners.all_completions)}" · "{number(s.all_learners.all_hours.round() as i64)}" "{t.hours_unit}</dd>
            </dl>
            <p class="muted definition">{t.trained_definition}</p>
        </section>
    }
}

/// The target form, for the administrators above this node (the service checks again).
/// After a refusal it shows what was typed and marks the field at fault.
fn target_form(
    t: &'static Texts,
    lang: Lang,
    s: &OrgStatsView,
    flash: Option<Flash>,
) -> impl IntoView {
    let failed = flash.clone().filter(|f| !f.ok);
    let field = failed.as_ref().and_then(|f| f.field.clone());
    let typed = |name: &str, current: String| failed.as_ref().map_or(current, |f| f.value(name));
    let target = typed(
        "target",
        s.target.map(|n| n.to_string()).unwrap_or_default(),
    );
    let deadline = typed("deadline", s.deadline.clone().unwrap_or_default());
    let invalid = |name: &str| (field.as_deref() == Some(name)).then_some("true");
    view! {
        <section id="set-target">
            <h2>{t.set_target_title}</h2>
            <p class="muted">{t.set_target_intro}</p>
            <FlashMessage flash=flash lang=lang ok_text=t.target_saved/>
            <form method="post" action=SetOrgTarget::url() class="stack" id="target-form">
                <input type="hidden" name="code" value=s.org.code.clone()/>
                <label for="target">{t.target_field}</label>
                <input id="target" name="target" inputmode="numeric" required=true value=target
                    aria-invalid=invalid("target") aria-describedby="target-hint"/>
                <small id="target-hint">{t.target_hint}</small>
                <label for="deadline">{t.deadline_field}</label>
                <input id="deadline" name="deadline" type="date" min="2024-01-01" max="2100-12-31" value=deadline
                    aria-invalid=invalid("deadline") aria-describedby="deadline-hint"/>
                <small id="deadline-hint">{t.deadline_hint}</small>
                <button type="submit" class="primary">{t.target_submit}</button>
            </form>
        </section>
    }
}

/// The breakdown tables and the children's table, each figure a link to the learners
/// behind it.
fn breakdowns(t: &'static Texts, s: &OrgStatsView) -> impl IntoView {
    let evidence = format!("/dashboard/{}/trained", s.org.code);
    let children = s.by_child.iter().map(|c| view! {
        <tr>
            <td><a href=format!("/dashboard/{}", c.org)>{c.name.clone()}</a></td>
            <td class="num"><a href=format!("{evidence}?org={}", c.org)>{number(c.trained)}</a></td>
            <td class="num">{c.target.map(number).unwrap_or_else(|| "—".into())}</td>
        </tr>
    }).collect_view();
    let buckets = |rows: Vec<(String, String, i64, i64)>| {
        rows.into_iter().map(|(label, link, trained, completions)| view! {
        <tr><td>{label}</td><td class="num"><a href=link>{number(trained)}</a></td><td class="num">{number(completions)}</td></tr>
    }).collect_view()
    };
    let tiers = buckets(
        s.by_tier
            .iter()
            .map(|b| {
                (
                    t.tier(b.bucket.parse().unwrap_or(1)).to_string(),
                    format!("{evidence}?tier={}", b.bucket),
                    b.trained,
                    b.completions,
                )
            })
            .collect(),
    );
    let modes = buckets(
        s.by_mode
            .iter()
            .map(|b| {
                (
                    t.mode(&b.bucket).to_string(),
                    format!("{evidence}?mode={}", b.bucket),
                    b.trained,
                    b.completions,
                )
            })
            .collect(),
    );
    let courses = buckets(
        s.by_course
            .iter()
            .map(|c| {
                (
                    c.title.clone(),
                    format!("{evidence}?course={}", c.stats.bucket),
                    c.stats.trained,
                    c.stats.completions,
                )
            })
            .collect(),
    );
    view! {
        {(!s.by_child.is_empty()).then(|| view! {
            <h2>{t.by_child}</h2>
            <table class="data" id="by-child"><thead><tr><th>{t.org_label}</th><th>{t.women_trained_unit}</th><th>{t.target_label}</th></tr></thead>
                <tbody>{children}</tbody></table>
        })}
        <h2>{t.by_tier}</h2>
        <table class="data"><thead><tr><th>{t.filter_tier}</th><th>{t.women_trained_unit}</th><th>{t.women_completions}</th></tr></thead><tbody>{tiers}</tbody></table>
        <h2>{t.by_mode}</h2>
        <table class="data"><thead><tr><th>{t.filter_mode}</th><th>{t.women_trained_unit}</th><th>{t.women_completions}</th></tr></thead><tbody>{modes}</tbody></table>
        <h2>{t.by_course}</h2>
        <table class="data"><thead><tr><th>{t.col_course}</th><th>{t.women_trained_unit}</th><th>{t.women_completions}</th></tr></thead><tbody>{courses}</tbody></table>
    }
}

/// The drive's skills figures of the node: women at each level per skill (one table when the
/// skills share their level names, else a line per skill), studios toward the goal,
/// competitions and the talent pool, each with the way to its page.
fn skills_section(t: &'static Texts, code: &str, f: &SkillsFigures) -> impl IntoView {
    let heads = f
        .levels
        .first()
        .map(|l| l.level_names.clone())
        .unwrap_or_default();
    let shared = f.levels.iter().all(|l| l.level_names == heads);
    let levels = if f.levels.is_empty() {
        view! { <p class="muted" id="dash-skill-levels">{t.ds_no_levels}</p> }.into_any()
    } else if shared {
        let head = heads
            .iter()
            .map(|h| view! { <th class="num">{h.clone()}</th> })
            .collect_view();
        let rows = f.levels.iter().map(|l| {
            let cells = (0..heads.len())
                .map(|i| view! { <td class="num">{number(l.women.get(i).copied().unwrap_or(0))}</td> })
                .collect_view();
            view! { <tr data-skill=l.skill.clone()><td>{l.name.clone()}</td>{cells}</tr> }
        }).collect_view();
        view! {
            <div class="scroll">
                <table class="data" id="dash-skill-levels">
                    <caption class="muted">{t.ds_levels_caption}</caption>
                    <thead><tr><th>{t.ds_skill}</th>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    } else {
        let items = f.levels.iter().map(|l| {
            let counts = l.level_names.iter().enumerate()
                .map(|(i, name)| format!("{name} {}", number(l.women.get(i).copied().unwrap_or(0))))
                .collect::<Vec<_>>()
                .join(" · ");
            view! { <li data-skill=l.skill.clone()><strong>{l.name.clone()}</strong>{t.colon}{counts}</li> }
        }).collect_view();
        view! { <ul class="plain" id="dash-skill-levels">{items}</ul> }.into_any()
    };
    let studios = t
        .ds_studios
        .replace("{n}", &number(f.studios))
        .replace("{goal}", &number(f.studio_goal));
    let competitions = t
        .ds_competitions
        .replace("{competitions}", &number(f.competitions))
        .replace("{registrations}", &number(f.registrations))
        .replace("{results}", &number(f.results));
    let pool = t.ds_talent_pool.replace("{n}", &number(f.talent_pool));
    view! {
        <section id="dash-skills">
            <h2>{t.ds_title}</h2>
            {levels}
            <ul class="plain dash-skill-links">
                <li id="dash-studios">{studios}" · "<a href="/studios">{t.ds_studios_link}</a></li>
                <li id="dash-competitions">{competitions}" · "<a href="/competitions">{t.ds_competitions_link}</a></li>
                <li id="dash-talent">{pool}" · "<a href=format!("/talent-pool?org={}", crate::request::slug(code))>{t.ds_talent_link}</a></li>
            </ul>
        </section>
    }
}

/// One node's whole dashboard.
fn dashboard_view(
    t: &'static Texts,
    lang: Lang,
    s: OrgStatsView,
    skills: Option<SkillsFigures>,
    flash: Option<Flash>,
) -> impl IntoView {
    let evidence = format!("/dashboard/{}/trained", s.org.code);
    let mismatch = s.targets_check.clone().filter(|c| !c.adds_up).map(|c| view! {
        <p class="notice error" id="targets-mismatch">{t.targets_mismatch}" "{number(c.children_sum)}" ≠ "{number(c.target)}
            {(c.children_without_target > 0).then(|| view! { " · "{c.children_without_target}" "{t.children_without_target} })}</p>
    });
    let parent = s.parent.clone().filter(|_| s.can_set_target).map(|p| view! {
        <p class="crumbs">{t.parent_link}<a href=format!("/dashboard/{}", p.code)>{p.name}</a></p>
    });
    view! {
        {parent}
        <h1>{t.dashboard_title}{t.colon}{s.org.name.clone()}</h1>
        {summary(t, &s)}
        {mismatch}
        {(!s.by_month.is_empty()).then(|| month_chart(t, &s.by_month))}
        {(!s.by_child.is_empty()).then(|| children_chart(t, &s.by_child))}
        <p class="actions">
            <a class="button" href=format!("/api/v1/orgs/{}/stats.csv", s.org.code)>{t.export_csv}</a>
            <a class="button" href=format!("/api/v1/orgs/{}/stats.xlsx", s.org.code)>{t.export_xlsx}</a>
            <a class="button" href=evidence>{t.evidence_title}</a>
            <a class="button" id="org-import-link" href=format!("/admin/orgs/import?org={}", s.org.code)>{t.org_import_title}</a>
        </p>
        {breakdowns(t, &s)}
        {skills.map(|f| skills_section(t, &s.org.code, &f))}
        {s.can_set_target.then(|| target_form(t, lang, &s, flash))}
    }
}

/// The node's, its parent's and its children's names in the page's language (English ones
/// where the unions have them).
fn in_language(lang: Lang, mut s: OrgStatsView) -> OrgStatsView {
    let name = |zh: &str, en: Option<&str>| lang.pick(zh, en).to_string();
    s.org.name = name(&s.org.name, s.org.name_en.as_deref());
    if let Some(parent) = s.parent.as_mut() {
        parent.name = name(&parent.name, parent.name_en.as_deref());
    }
    for child in &mut s.by_child {
        child.name = name(&child.name, child.name_en.as_deref());
    }
    s
}

/// For administrators, when certificates' QR codes would point at the server itself: what
/// to set instead (see `Config::public_url_is_loopback_only`).
async fn public_url_notice(t: &'static Texts) -> Option<impl IntoView> {
    let url = public_url_warning().await.ok().flatten()?;
    Some(view! {
        <p class="notice error" id="public-url-warning" role="alert">{t.public_url_warning.replace("{url}", &url)}</p>
    })
}

/// `/dashboard` (her first administered node) and `/dashboard/:code`.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let code = use_params_map().get_untracked().get("code");
    let flash = take_flash("target");
    view! {
        <Layout title=t.dashboard_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let code = match code {
                        Some(code) => code,
                        None => match admin_home().await {
                            Ok(Some(code)) => code,
                            Ok(None) => {
                                super::refused(ErrorCode::Forbidden);
                                return view! { <p class="notice error">{error_message(lang, ErrorCode::Forbidden, None)}</p> }.into_any();
                            }
                            Err(e) => {
                                super::refused(e.code);
                                return view! { <p class="notice error">{error_message(lang, e.code, None)}</p> }.into_any();
                            }
                        },
                    };
                    let warning = public_url_notice(t).await;
                    match org_dashboard(code.clone()).await {
                        Ok(s) => {
                            let skills = org_skills_figures(code.clone()).await.ok();
                            view! { {warning}{dashboard_view(t, lang, in_language(lang, s), skills, flash)} }.into_any()
                        }
                        Err(e) => {
                            super::refused(e.code);
                            view! { <p class="notice error" id="dashboard-error">{error_message(lang, e.code, None)}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

// ---------------------------------------------------------------------------------------------
// The evidence list

/// A query-string value, percent-encoded (everything but letters, digits and `-_.~`).
fn query_value(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The filter as a query string (`tier=1&mode=online`), empty when nothing is filtered.
fn filter_query(filter: &EvidenceFilter) -> String {
    let pairs = [
        ("tier", filter.tier.map(|v| v.to_string())),
        ("mode", filter.mode.clone()),
        ("course", filter.course.clone()),
        ("month", filter.month.clone()),
        ("org", filter.org.clone()),
        ("first_only", filter.first_only.then(|| "true".to_string())),
    ];
    pairs
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| format!("{key}={}", query_value(&v))))
        .collect::<Vec<_>>()
        .join("&")
}

/// What the completion rests on, in words: "测验 100 分，第 1 次", "线下课 南京市工人文化宫
/// 2026-03-02", or, for a course of lessons alone, "学完 4 课".
fn evidence_text(t: &'static Texts, r: &EvidenceRow) -> String {
    let mut parts = Vec::new();
    if let Some(score) = r.score {
        let attempt = r
            .attempt_number
            .map(|n| format!("{}{n}{}", t.ev_attempt_before, t.ev_attempt_after))
            .unwrap_or_default();
        parts.push(format!(
            "{}{score}{}{attempt}",
            t.ev_quiz_before, t.ev_quiz_after
        ));
    }
    if r.session.is_some() {
        let class = [
            Some(t.ev_class.to_string()),
            r.class_place.clone(),
            r.class_date.clone(),
        ];
        parts.push(class.into_iter().flatten().collect::<Vec<_>>().join(" "));
    }
    if parts.is_empty() {
        if let Some(read) = r.lessons_read {
            parts.push(format!(
                "{}{read}{}",
                t.ev_lessons_before, t.ev_lessons_after
            ));
        }
    }
    parts.join(t.ev_separator)
}

/// The learners as a table with column headings; under 600 px wide each row is a card whose
/// cells carry their heading (`data-label`).
fn evidence_table(t: &'static Texts, rows: &[EvidenceRow]) -> impl IntoView {
    let body = rows.iter().map(|r| view! {
        <tr>
            <td data-label=t.col_name><span>{r.name.clone()}</span></td>
            <td data-label=t.col_phone><span>{r.phone.clone()}</span></td>
            <td data-label=t.org_label><span>{r.org_name.clone()}</span></td>
            <td data-label=t.col_course><span>{r.course_title.clone()}
                {r.first.then(|| view! { " "<span class="tag">{t.first_mark}</span> })}</span></td>
            <td data-label=t.col_completed_on><span>{r.completed_on.clone()}</span></td>
            <td data-label=t.col_evidence><span>{evidence_text(t, r)}</span></td>
        </tr>
    }).collect_view();
    view! {
        <div class="scroll">
            <table class="data cards" id="evidence">
                <thead><tr>
                    <th scope="col">{t.col_name}</th><th scope="col">{t.col_phone}</th><th scope="col">{t.org_label}</th>
                    <th scope="col">{t.col_course}</th><th scope="col">{t.col_completed_on}</th><th scope="col">{t.col_evidence}</th>
                </tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}

/// A `<select>` named `name` offering "all" and `choices` (value, label), `current` chosen
/// (kept as a choice even when the list does not hold it).
fn choice(
    name: &'static str,
    label: &'static str,
    all: &'static str,
    mut choices: Vec<(String, String)>,
    current: Option<String>,
) -> impl IntoView {
    if let Some(current) = &current {
        if !choices.iter().any(|(value, _)| value == current) {
            choices.push((current.clone(), current.clone()));
        }
    }
    let options = choices
        .into_iter()
        .map(|(value, text)| {
            let selected = current.as_deref() == Some(value.as_str());
            view! { <option value=value selected=selected>{text}</option> }
        })
        .collect_view();
    view! {
        <label for=name>{label}</label>
        <select id=name name=name>
            <option value="">{all}</option>
            {options}
        </select>
    }
}

/// The filters as a plain GET form (works without JavaScript); the dashboard, when it
/// loaded, supplies the courses, months and unions to choose from.
fn filter_form(
    t: &'static Texts,
    action: String,
    filter: &EvidenceFilter,
    options: Option<&OrgStatsView>,
) -> impl IntoView {
    let tiers: Vec<(String, String)> = (1..=3)
        .map(|n| (n.to_string(), t.tier(n).to_string()))
        .collect();
    let modes: Vec<(String, String)> = ["online", "offline", "blended"]
        .into_iter()
        .map(|m| (m.to_string(), t.mode(m).to_string()))
        .collect();
    let courses: Vec<(String, String)> = options.map_or_else(Vec::new, |s| {
        s.by_course
            .iter()
            .map(|c| (c.stats.bucket.clone(), c.title.clone()))
            .collect()
    });
    let months: Vec<(String, String)> = options.map_or_else(Vec::new, |s| {
        s.by_month
            .iter()
            .rev()
            .map(|m| (m.stats.bucket.clone(), m.stats.bucket.clone()))
            .collect()
    });
    let orgs: Vec<(String, String)> = options.map_or_else(Vec::new, |s| {
        s.by_child
            .iter()
            .map(|c| (c.org.clone(), c.name.clone()))
            .collect()
    });
    let filtered = !filter_query(filter).is_empty();
    view! {
        <details class="filters" open=filtered>
            <summary>{t.filter_title}</summary>
            <form method="get" action=action class="stack" id="filter-form">
                {choice("tier", t.filter_tier, t.filter_all, tiers, filter.tier.map(|n| n.to_string()))}
                {choice("mode", t.filter_mode, t.filter_all, modes, filter.mode.clone())}
                {choice("course", t.col_course, t.filter_all, courses, filter.course.clone())}
                {choice("month", t.filter_month, t.filter_all, months, filter.month.clone())}
                {choice("org", t.filter_org, t.filter_all, orgs, filter.org.clone())}
                <label class="check">
                    <input type="checkbox" name="first_only" value="true" checked=filter.first_only/>
                    {t.filter_first_only}
                </label>
                <button type="submit" class="primary">{t.filter_submit}</button>
            </form>
        </details>
    }
}

/// "第 1/3 页 · 共 120 条完成记录".
fn page_summary(t: &'static Texts, page: i64, pages: i64, total: i64) -> String {
    format!(
        "{}{page}/{pages}{}{}{}{}",
        t.page_before,
        t.page_after,
        t.total_before,
        number(total),
        t.total_after
    )
}

/// `/dashboard/:code/trained`: the women behind a figure, masked, paged and filterable.
#[component]
pub fn EvidencePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let code = use_params_map()
        .get_untracked()
        .get("code")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    // The GET form sends every field: an empty one means "all".
    let value = |key: &str| query.get(key).filter(|v| !v.trim().is_empty());
    let filter = EvidenceFilter {
        tier: value("tier").and_then(|v| v.parse().ok()),
        mode: value("mode"),
        course: value("course"),
        month: value("month"),
        org: value("org"),
        first_only: value("first_only").as_deref() == Some("true"),
    };
    let page: i64 = value("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    view! {
        <Layout title=t.evidence_title>
            <h1>{t.evidence_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let base = format!("/dashboard/{}/trained", crate::request::slug(&code));
                    let dashboard = format!("/dashboard/{}", crate::request::slug(&code));
                    let listed = evidence_page(code.clone(), page, filter.clone()).await;
                    let options = org_dashboard(code.clone()).await.ok().map(|s| in_language(lang, s));
                    let qs = filter_query(&filter);
                    let filtered = (!qs.is_empty()).then(|| view! {
                        <p class="notice" id="filtered">{t.filtered_notice}" "<a href=base.clone() id="clear-filter">{t.clear_filter}</a></p>
                    });
                    let crumbs = view! { <p class="crumbs"><a href=dashboard>{t.back_to_dashboard}</a></p> };
                    let form = options.is_some().then(|| filter_form(t, base.clone(), &filter, options.as_ref()));
                    let p = match listed {
                        Ok(p) => p,
                        Err(e) => {
                            super::refused(e.code);
                            return view! {
                                {crumbs}{filtered}{form}
                                <p class="notice error" id="evidence-error">{error_message(lang, e.code, e.field.as_deref())}</p>
                            }.into_any();
                        }
                    };
                    let pages = ((p.total + p.per_page - 1) / p.per_page).max(1);
                    let with_qs = |path: String| if qs.is_empty() { path } else { format!("{path}?{qs}") };
                    let link = |n: i64| format!("{base}?page={n}{}{qs}", if qs.is_empty() { "" } else { "&" });
                    let list = if p.rows.is_empty() {
                        view! { <p class="muted" id="no-rows">{t.no_rows}</p> }.into_any()
                    } else {
                        evidence_table(t, &p.rows).into_any()
                    };
                    view! {
                        {crumbs}
                        {filtered}
                        {form}
                        <p class="muted" id="evidence-total">{page_summary(t, p.page, pages, p.total)}</p>
                        <p class="actions">
                            <a class="button" href=with_qs(format!("/api/v1/orgs/{}/trained.csv", p.org))>{t.export_csv}</a>
                            <a class="button" href=with_qs(format!("/api/v1/orgs/{}/trained.xlsx", p.org))>{t.export_xlsx}</a>
                        </p>
                        {list}
                        <nav class="pager">
                            {(p.page > 1).then(|| view! { <a class="button" href=link(p.page - 1)>{t.previous_page}</a> })}
                            {(p.page < pages).then(|| view! { <a class="button" href=link(p.page + 1)>{t.next_page}</a> })}
                        </nav>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_positive_rate_never_reads_zero() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(0.01), "<0.1");
        assert_eq!(rate(1.0 / 3.0), "0.3");
        assert_eq!(rate(1234.56), "1,235");
        assert_eq!(rate(9.94), "9.9");
    }

    #[test]
    fn long_names_wrap_instead_of_being_cut() {
        let name = "南京市玄武区新街口街道某某科技有限公司工会委员会联合会";
        let lines = label_lines(name, 13.0, 340.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), name);
        assert!(lines.iter().all(|l| l.chars().count() <= 26));
        assert_eq!(label_lines("南京市总工会", 13.0, 340.0), ["南京市总工会"]);
    }

    #[test]
    fn filters_become_a_query_string() {
        let filter = EvidenceFilter {
            tier: Some(1),
            month: Some("2026-03".into()),
            org: Some("js-nj&x=1".into()),
            first_only: true,
            ..EvidenceFilter::default()
        };
        assert_eq!(
            filter_query(&filter),
            "tier=1&month=2026-03&org=js-nj%26x%3D1&first_only=true"
        );
        assert_eq!(filter_query(&EvidenceFilter::default()), "");
    }
}
