//! Trainers' course-pack pages: upload a zip (a plain multipart form handled by the server),
//! read the checker's report, preview the lessons as learners will see them, and publish.
//!
//! Everything is in the page's language: the checker's problems are message codes told here
//! in Chinese or English, the union is named (not its code) and times are China time.
//! Learners see who may upload and whom to ask instead of a form that would refuse them.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;
use qihang_core::dto::{ErrorCode, OrgView, UploadView};
use qihang_core::pack_problems::ReportedProblem;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{Lang, Texts};
use crate::request::take_flash;
use crate::server_fns::{get_upload, my_uploads, upload_scope, PublishUpload};

fn status_text(t: &'static Texts, status: &str) -> &'static str {
    match status {
        "checked" => t.status_checked,
        "published" => t.status_published,
        _ => t.status_rejected,
    }
}

/// A union's name in the page's language (its code if it has no name).
fn org_name(lang: Lang, code: &str, name: &str, name_en: Option<&str>) -> String {
    let chosen = match (lang, name_en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => name,
    };
    if chosen.is_empty() {
        code.to_string()
    } else {
        chosen.to_string()
    }
}

/// The upload form, naming the union the course will be published to; for anyone who may
/// not upload, who may and what to do instead.
fn upload_form(t: &'static Texts, lang: Lang, scope: Option<OrgView>) -> AnyView {
    let Some(org) = scope else {
        return view! {
            <div class="notice" role="note" id="upload-not-allowed">
                <p>{t.packs_who_may_upload}</p>
                <p>{t.packs_ask_union}</p>
            </div>
        }
        .into_any();
    };
    let union = org_name(lang, &org.code, &org.name, org.name_en.as_deref());
    view! {
        <p>{t.packs_intro}</p>
        <dl class="facts">
            <dt>{t.publish_to}</dt><dd id="publish-scope">{union}</dd>
        </dl>
        <form method="post" action="/trainer/packs" enctype="multipart/form-data" class="stack" id="upload-form">
            <label for="pack">{t.pack_file}</label>
            <input type="file" id="pack" name="pack" accept=".zip,application/zip" required=true/>
            <button type="submit" class="primary">{t.upload_submit}</button>
        </form>
    }
    .into_any()
}

/// One upload in the list: its name, then its version (when known) and status, and when it
/// was uploaded (China time).
fn upload_item(t: &'static Texts, u: UploadView) -> impl IntoView {
    let name = u
        .title
        .clone()
        .filter(|title| !title.is_empty())
        .unwrap_or_else(|| u.file_name.clone());
    let facts: String = [
        u.version.clone().unwrap_or_default(),
        status_text(t, &u.status).to_string(),
    ]
    .into_iter()
    .filter(|fact| !fact.is_empty())
    .map(|fact| format!(" · {fact}"))
    .collect();
    view! {
        <li data-status=u.status.clone()>
            <a href=format!("/trainer/packs/{}", u.id)>{name}</a>
            {facts}
            <small>" " {u.created_at_china.clone()}</small>
        </li>
    }
}

/// The signed-in user's uploads, newest first.
fn upload_list(t: &'static Texts, list: Vec<UploadView>) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{t.no_uploads}</p> }.into_any();
    }
    view! {
        <ul class="uploads">
            {list.into_iter().map(|u| upload_item(t, u)).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn PacksPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("upload");
    view! {
        <Layout title=t.packs_title>
            <h1>{t.packs_title}</h1>
            <FlashMessage flash=flash lang=lang/>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let scope = match upload_scope().await {
                        Ok(scope) => scope,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => {
                            super::refused(e.code);
                            return view! { <p class="notice error">{crate::i18n::error_message(lang, e.code, None)}</p> }.into_any();
                        }
                    };
                    let may_upload = scope.is_some();
                    let uploads = match my_uploads().await {
                        Err(e) => view! { <p class="notice error">{crate::i18n::error_message(lang, e.code, None)}</p> }.into_any(),
                        // A learner who never uploaded has no list to see: the page only says
                        // who may upload, and answers 403.
                        Ok(list) if list.is_empty() && !may_upload => {
                            super::refused(ErrorCode::Forbidden);
                            ().into_any()
                        }
                        Ok(list) => view! {
                            <h2>{t.my_uploads}</h2>
                            {upload_list(t, list)}
                        }.into_any(),
                    };
                    let form = upload_form(t, lang, scope);
                    view! { {form} {uploads} }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// The checker's report: each problem in the page's language, with its file and line.
fn problem_list(t: &'static Texts, lang: Lang, report: &[ReportedProblem]) -> Option<AnyView> {
    reported_list(t.problems_title, "problems", lang, report)
}

/// A list of reported problems (or warnings) under `title`.
fn reported_list(
    title: &'static str,
    class: &'static str,
    lang: Lang,
    report: &[ReportedProblem],
) -> Option<AnyView> {
    if report.is_empty() {
        return None;
    }
    let items = report
        .iter()
        .map(|problem| {
            let path = problem
                .path()
                .map(|path| view! { <code>{path.to_string()}</code>" " });
            view! { <li>{path}{problem.at_line(lang.checker())}</li> }
        })
        .collect_view();
    Some(
        view! {
            <h2>{title}</h2>
            <ol class=class id=class>{items}</ol>
        }
        .into_any(),
    )
}

/// One upload: its facts, report, publish button and the lessons as learners will see them.
fn upload_details(t: &'static Texts, lang: Lang, upload: UploadView) -> AnyView {
    let heading = upload
        .title
        .clone()
        .unwrap_or_else(|| upload.file_name.clone());
    let union = org_name(
        lang,
        &upload.org,
        &upload.org_name,
        upload.org_name_en.as_deref(),
    );
    let publish = (upload.status == "checked").then(|| {
        view! {
            <form method="post" action=PublishUpload::url() id="publish-form">
                <input type="hidden" name="id" value=upload.id.clone()/>
                <button type="submit" class="primary">{t.publish_submit}</button>
            </form>
        }
    });
    let lessons = upload
        .lessons
        .iter()
        .map(|l| {
            let html = l.html.clone();
            view! {
                <details class="lesson-preview">
                    <summary>{l.title.clone()}" · "{l.minutes}" "{t.minutes_unit}</summary>
                    <article class="lesson" inner_html=html></article>
                </details>
            }
        })
        .collect_view();
    view! {
        <h1>{heading}</h1>
        <dl class="facts">
            <dt>{t.course_code_label}</dt><dd><code>{upload.course.clone().unwrap_or_else(|| "—".into())}</code>" "{upload.version.clone().unwrap_or_default()}</dd>
            <dt>{t.publish_to}</dt><dd id="publish-scope">{union}</dd>
            <dt>{t.questions_count}</dt><dd>{upload.questions}</dd>
        </dl>
        <p class=format!("status {}", upload.status) id="upload-status">{status_text(t, &upload.status)}</p>
        {problem_list(t, lang, &upload.report)}
        {reported_list(t.warnings_title, "warnings", lang, &upload.warnings)}
        {publish}
        {(!upload.lessons.is_empty()).then(|| view! { <h2>{t.preview_title}</h2> })}
        {lessons}
        <p class="actions">
            {(upload.status == "rejected").then(|| view! {
                <a class="button primary" id="upload-again" href="/trainer/packs#upload-form">{t.upload_again}</a>
            })}
            <a class="button" href="/trainer/packs">{t.my_uploads}</a>
        </p>
    }
    .into_any()
}

#[component]
pub fn PackPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("pack");
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <Layout title=t.packs_title>
            <FlashMessage flash=flash lang=lang ok_text=t.published_ok/>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match get_upload(id).await {
                        Ok(upload) => upload_details(t, lang, upload),
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any()
                        }
                        Err(e) => {
                            super::refused(e.code);
                            view! { <p class="notice error">{crate::i18n::error_message(lang, e.code, None)}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}
