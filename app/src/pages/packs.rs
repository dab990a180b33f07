//! Trainers' course-pack pages: upload a zip (a plain multipart form handled by the server),
//! read the checker's report, preview the lessons as learners will see them, and publish.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;
use qihang_core::dto::ErrorCode;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::Texts;
use crate::request::take_flash;
use crate::server_fns::{get_upload, my_uploads, PublishUpload};

fn status_text(t: &'static Texts, status: &str) -> &'static str {
    match status {
        "checked" => t.status_checked,
        "published" => t.status_published,
        _ => t.status_rejected,
    }
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
            <p>{t.packs_intro}</p>
            <form method="post" action="/trainer/packs" enctype="multipart/form-data" class="stack" id="upload-form">
                <label for="pack">{t.pack_file}</label>
                <input type="file" id="pack" name="pack" accept=".zip,application/zip" required=true/>
                <button type="submit" class="primary">{t.upload_submit}</button>
            </form>
            <h2>{t.my_uploads}</h2>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match my_uploads().await {
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect("/login");
                            view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any()
                        }
                        Err(e) => view! { <p class="notice error">{crate::i18n::error_message(lang, e.code, None)}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="muted">{t.no_uploads}</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="uploads">
                                {list.into_iter().map(|u| view! {
                                    <li data-status=u.status.clone()>
                                        <a href=format!("/trainer/packs/{}", u.id)>
                                            {u.title.clone().unwrap_or_else(|| u.file_name.clone())}
                                        </a>
                                        " · " {u.version.clone().unwrap_or_default()} " · " {status_text(t, &u.status)}
                                        <small>" " {u.created_at.clone()}</small>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </Layout>
    }
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
                    let upload = match get_upload(id).await {
                        Ok(upload) => upload,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect("/login");
                            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                        }
                        Err(e) => return view! { <p class="notice error">{crate::i18n::error_message(lang, e.code, None)}</p> }.into_any(),
                    };
                    let heading = upload.title.clone().unwrap_or_else(|| upload.file_name.clone());
                    let problems = (!upload.problems.is_empty()).then(|| view! {
                        <h2>{t.problems_title}</h2>
                        <ol class="problems">
                            {upload.problems.iter().map(|p| view! { <li><code>{p.clone()}</code></li> }).collect_view()}
                        </ol>
                    });
                    let publish = (upload.status == "checked").then(|| view! {
                        <form method="post" action=PublishUpload::url() id="publish-form">
                            <input type="hidden" name="id" value=upload.id.clone()/>
                            <button type="submit" class="primary">{t.publish_submit}</button>
                        </form>
                    });
                    let lessons = upload.lessons.iter().map(|l| {
                        let html = l.html.clone();
                        view! {
                            <details class="lesson-preview">
                                <summary>{l.title.clone()}" · "{l.minutes}" min"</summary>
                                <article class="lesson" inner_html=html></article>
                            </details>
                        }
                    }).collect_view();
                    view! {
                        <h1>{heading}</h1>
                        <dl class="facts">
                            <dt>"ID"</dt><dd><code>{upload.course.clone().unwrap_or_else(|| "—".into())}</code>" "{upload.version.clone().unwrap_or_default()}</dd>
                            <dt>{t.publish_to}</dt><dd><code>{upload.org.clone()}</code></dd>
                            <dt>{t.questions_count}</dt><dd>{upload.questions}</dd>
                        </dl>
                        <p class=format!("status {}", upload.status) id="upload-status">{status_text(t, &upload.status)}</p>
                        {problems}
                        {publish}
                        {(!upload.lessons.is_empty()).then(|| view! { <h2>{t.preview_title}</h2> })}
                        {lessons}
                        <p><a href="/trainer/packs">{t.my_uploads}</a></p>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}
