//! `/admin/orgs/import`: a union's administrators add their district, industry and
//! enterprise unions in bulk from a CSV or XLSX table, checking it first (the dry run is
//! ticked by default). The form is a plain multipart post that this same page answers: the
//! server crate's `org_import` handler runs the import and the page is drawn with its report
//! (see [`crate::request::org_import_outcome`]), so it works without JavaScript and no bad
//! line is left out. Each bad line is told in the page's language, by line and column.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use qihang_core::dto::{ErrorCode, OrgImportReport, OrgRowProblem, OrgView};

use crate::app::{use_lang, Layout};
use crate::i18n::{error_message, Lang, Texts};
use crate::request::{Flash, OrgImportOutcome};
use crate::staff_fns::org_import_scope;

/// A column of the table in the page's language.
fn field_name(t: &'static Texts, field: &str) -> &'static str {
    match field {
        "code" => t.org_field_code,
        "name" => t.org_field_name,
        "name_en" => t.org_field_name_en,
        "kind" => t.org_field_kind,
        "parent" => t.org_field_parent,
        _ => t.org_field_row,
    }
}

/// What is wrong with a line, in the page's language.
pub fn problem_text(t: &'static Texts, problem: &OrgRowProblem) -> String {
    match problem {
        OrgRowProblem::MissingColumn => t.imp_missing_column.into(),
        OrgRowProblem::Unreadable => t.imp_unreadable.into(),
        OrgRowProblem::Code => t.imp_code.into(),
        OrgRowProblem::ChildCode { parent } => format!("{}{parent}-", t.imp_child_code),
        OrgRowProblem::Duplicate { first_line } => format!(
            "{}{first_line}{}",
            t.imp_duplicate_before, t.imp_duplicate_after
        ),
        OrgRowProblem::Taken => t.imp_taken.into(),
        OrgRowProblem::Name => t.imp_name.into(),
        OrgRowProblem::NameEn => t.imp_name_en.into(),
        OrgRowProblem::Kind => t.imp_kind.into(),
        OrgRowProblem::UnknownParent { parent } => format!("{}{parent}", t.imp_unknown_parent),
        OrgRowProblem::ParentLater { parent, line } => format!(
            "{}{parent}{}{line}{}",
            t.imp_parent_later_before, t.imp_parent_later_middle, t.imp_parent_later_after
        ),
        OrgRowProblem::OutsideSubtree { parent, root } => format!(
            "{}{parent}{}{root}",
            t.imp_outside_before, t.imp_outside_middle
        ),
    }
}

/// The report: what happened in one sentence, the counts, and every bad line (a table that
/// becomes one card per line on a phone).
fn report_view(t: &'static Texts, r: &OrgImportReport) -> impl IntoView {
    let (verdict, class) = if r.written {
        (t.org_import_written, "notice ok")
    } else if r.problems.is_empty() {
        (t.org_import_dry_ok, "notice ok")
    } else {
        (t.org_import_has_problems, "notice error")
    };
    let lines = r
        .problems
        .iter()
        .map(|p| {
            view! {
                <tr data-line=p.line.to_string() data-field=p.field.clone()>
                    <td data-label=t.org_import_col_line><span>{p.line.to_string()}</span></td>
                    <td data-label=t.org_import_col_field><span>{field_name(t, &p.field)}</span></td>
                    <td data-label=t.org_import_col_problem><span>{problem_text(t, &p.problem)}</span></td>
                </tr>
            }
        })
        .collect_view();
    let table = (!r.problems.is_empty()).then(|| {
        view! {
            <div class="scroll">
                <table class="data cards" id="import-problems">
                    <thead><tr>
                        <th scope="col">{t.org_import_col_line}</th>
                        <th scope="col">{t.org_import_col_field}</th>
                        <th scope="col">{t.org_import_col_problem}</th>
                    </tr></thead>
                    <tbody>{lines}</tbody>
                </table>
            </div>
        }
    });
    view! {
        <section id="import-report" data-written=r.written.to_string() data-dry-run=r.dry_run.to_string()>
            <h2>{t.org_import_result}</h2>
            <p class=class role="status" id="import-verdict">{verdict}</p>
            <dl class="facts">
                <dt>{t.org_import_rows}</dt><dd id="import-rows">{r.rows.to_string()}</dd>
                <dt>{t.org_import_created}</dt><dd id="import-created">{r.created.to_string()}</dd>
                <dt>{t.org_import_problem_count}</dt><dd id="import-problem-count">{r.problems.len().to_string()}</dd>
            </dl>
            {table}
        </section>
    }
}

/// A file refused as a whole (unreadable, too large, not hers to import into).
fn refusal_view(t: &'static Texts, lang: Lang, f: &Flash) -> impl IntoView {
    let code = f.code.unwrap_or(ErrorCode::Internal);
    let text = match code {
        ErrorCode::BadUpload => t.org_import_bad_file,
        ErrorCode::PayloadTooLarge => t.org_import_too_large,
        other => error_message(lang, other, f.field.as_deref()),
    };
    let detail = f
        .detail
        .clone()
        .filter(|_| code == ErrorCode::BadUpload)
        .map(|d| view! { <br/><code class="detail">{d}</code> });
    view! {
        <p class="notice error" role="alert" id="import-error" data-code=code.as_str()>
            {text}
            {detail}
        </p>
    }
}

/// The upload form for `org`, with the dry run ticked.
fn import_form(t: &'static Texts, org: &OrgView) -> impl IntoView {
    let template = format!("/api/v1/orgs/{}/orgs/import-template.csv", org.code);
    view! {
        <dl class="facts">
            <dt>{t.org_import_for}</dt>
            <dd id="import-org">{org.name.clone()}" · "<code>{org.code.clone()}</code></dd>
        </dl>
        <p>{t.org_import_intro}</p>
        <p class="muted">{t.org_import_rules}</p>
        <p><a class="button" id="import-template" href=template>{t.org_import_template}</a></p>
        <form method="post" action="/admin/orgs/import" enctype="multipart/form-data" class="stack" id="org-import-form">
            <input type="hidden" name="org" value=org.code.clone()/>
            <label for="file">{t.org_import_file}</label>
            <input type="file" id="file" name="file" required=true
                accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>
            <label class="check">
                <input type="checkbox" name="dry_run" id="dry_run" value="true" checked=true/>
                {t.org_import_dry_run}
            </label>
            <button type="submit" class="primary">{t.org_import_submit}</button>
        </form>
    }
}

/// The page for a union she administers: the outcome of the post it answers, if any, then
/// the form.
fn page_body(
    t: &'static Texts,
    lang: Lang,
    org: &OrgView,
    outcome: Option<OrgImportOutcome>,
) -> impl IntoView {
    let result = outcome.map(|o| match o.result {
        Ok(report) => report_view(t, &report).into_any(),
        Err(flash) => refusal_view(t, lang, &flash).into_any(),
    });
    view! {
        <p class="crumbs"><a href=format!("/dashboard/{}", org.code)>{t.back_to_dashboard}</a></p>
        {result}
        {import_form(t, org)}
    }
}

/// `/admin/orgs/import?org=js-nj` (her first administered union without `org`), and the
/// answer to its form's post.
#[component]
pub fn OrgImportPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let outcome = crate::request::org_import_outcome();
    let asked = use_query_map().get_untracked().get("org");
    let code = outcome
        .as_ref()
        .map(|o| o.org.clone())
        .filter(|c| !c.is_empty())
        .or(asked);
    view! {
        <Layout title=t.org_import_title>
            <h1>{t.org_import_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match org_import_scope(code).await {
                        Ok(org) => page_body(t, lang, &org, outcome).into_any(),
                        Err(e) => {
                            super::refused(e.code);
                            view! {
                                <p class="notice error" id="import-scope-error">{error_message(lang, e.code, e.field.as_deref())}</p>
                            }
                            .into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}
