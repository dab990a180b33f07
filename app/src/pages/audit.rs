//! The audit log (issue 15.5), for administrators of the province: who did what to whom and
//! when (roles, extra quiz attempts, password links, deleted accounts), and every export of
//! personal data, newest first, 50 a page. Plain links page through it without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use qihang_core::dto::{AuditEntryView, ErrorCode};

use crate::app::{use_lang, Layout};
use crate::i18n::{error_message, Texts};
use crate::staff_fns::audit_log;

fn action_text(t: &'static Texts, action: &str) -> &'static str {
    match action {
        "grant_attempt" => t.al_grant_attempt,
        "issue_reset_link" => t.al_issue_reset_link,
        "grant_role" => t.al_grant_role,
        "revoke_role" => t.al_revoke_role,
        "delete_account" => t.al_delete_account,
        _ => t.al_export,
    }
}

/// The entry's details as a clerk reads them (the API keeps the raw JSON for scripts).
fn detail_text(t: &'static Texts, detail: &str) -> String {
    use serde_json::Value;
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(detail) else {
        return String::new();
    };
    let mut parts = Vec::new();
    for (key, value) in &map {
        match (key.as_str(), value) {
            ("role", Value::String(r)) => parts.push(format!("{}：{}", t.al_role, t.role(r))),
            ("org", Value::String(o)) => parts.push(format!("{}：{o}", t.al_org_code)),
            ("course", Value::String(c)) => parts.push(format!("{}：{c}", t.al_course)),
            ("file", Value::String(f)) => parts.push(format!("{}：{f}", t.al_file)),
            ("filters", Value::Object(filters)) => {
                let set: Vec<String> = filters
                    .iter()
                    .filter(|(_, v)| !v.is_null() && *v != &Value::Bool(false))
                    .map(|(k, v)| {
                        format!(
                            "{k}={}",
                            v.as_str().map_or_else(|| v.to_string(), str::to_string)
                        )
                    })
                    .collect();
                if !set.is_empty() {
                    parts.push(format!("{}：{}", t.al_filters, set.join("，")));
                }
            }
            _ => {}
        }
    }
    parts.join(" · ")
}

fn row(t: &'static Texts, e: AuditEntryView) -> impl IntoView {
    let detail = detail_text(t, &e.detail);
    view! {
        <li class="audit-entry" data-action=e.action.clone()>
            <strong>{action_text(t, &e.action)}</strong>" · "<span class="nowrap">{e.at_text}</span><br/>
            <small>
                {t.al_who}"："{e.who}
                {e.subject.map(|s| format!(" · {}：{s}", t.al_subject))}
                {e.org.map(|o| format!(" · {}：{o}", t.al_org))}
            </small>
            {(!detail.is_empty()).then(|| view! { <br/><small class="detail">{detail}</small> })}
        </li>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let page: i64 = use_query_map()
        .get_untracked()
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    view! {
        <Layout title=t.al_title>
            <h1>{t.al_title}</h1>
            <p class="muted">{t.al_intro}</p>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match audit_log(page).await {
                        Ok(log) if log.entries.is_empty() => view! { <p class="notice" id="audit-empty">{t.al_empty}</p> }.into_any(),
                        Ok(log) => {
                            let older = log.more.then(|| view! {
                                <a class="button" href=format!("/admin/audit?page={}", log.page + 1)>{t.al_older}</a>
                            });
                            let newer = (log.page > 1).then(|| view! {
                                <a class="button" href=format!("/admin/audit?page={}", log.page - 1)>{t.al_newer}</a>
                            });
                            view! {
                                <ul class="plain audit" id="audit">
                                    {log.entries.into_iter().map(|e| row(t, e)).collect_view()}
                                </ul>
                                <p class="button-row">{newer}{older}</p>
                            }.into_any()
                        }
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            super::refused(e.code);
                            ().into_any()
                        }
                        Err(e) => {
                            super::refused(e.code);
                            view! {
                            <p class="notice error" id="audit-refused">{error_message(lang, e.code, e.field.as_deref())}</p>
                            <p><a class="button" href="/dashboard">{t.al_back}</a></p>
                        }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}
