//! Staff pages for a union's administrators: find a person in her part of the tree, then on
//! the person's page grant another quiz attempt, hand her a one-time password link (as a QR
//! code to scan), and grant or revoke roles; with the audit log of what was done. Plain
//! forms posting to server functions, so they work without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::{ErrorCode, PersonCourseView, PersonView};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{error_message, Texts};
use crate::request::take_flash;
use crate::server_fns::admin_home;
use crate::staff_fns::{
    find_people, link_qr, person_detail, person_skills, ChangeRole, GrantExtraAttempt,
    IssueResetLink,
};

#[component]
pub fn PeoplePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let q = use_query_map().get_untracked().get("q").unwrap_or_default();
    let shown = q.clone();
    view! {
        <Layout title=t.people_title>
            <h1>{t.people_title}</h1>
            <p class="muted">{t.people_intro}</p>
            <form method="get" action="/admin/people" class="search" role="search">
                <label for="q" class="visually-hidden">{t.people_search_label}</label>
                <input id="q" name="q" type="search" placeholder=t.people_search_label value=shown required=true maxlength="50"/>
                <button type="submit">{t.people_search_submit}</button>
            </form>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    if q.trim().is_empty() {
                        // Nothing asked yet: the search form is for administrators only.
                        return match admin_home().await {
                            Ok(Some(_)) => ().into_any(),
                            Ok(None) => {
                                super::refused(ErrorCode::Forbidden);
                                view! { <p class="notice error">{error_message(lang, ErrorCode::Forbidden, None)}</p> }.into_any()
                            }
                            Err(e) => {
                                super::refused(e.code);
                                view! { <p class="notice error">{error_message(lang, e.code, None)}</p> }.into_any()
                            }
                        };
                    }
                    match find_people(q).await {
                        Ok(found) if found.is_empty() => view! { <p class="notice" id="people-none">{t.people_none}</p> }.into_any(),
                        Ok(found) => view! {
                            <ul class="plain people" id="people">
                                {found.into_iter().map(|p| view! {
                                    <li><a class="course-card" href=format!("/admin/people/{}", p.id)>
                                        <strong>{p.name}</strong>
                                        <span class="meta">{p.phone}" · "{p.org.name}</span>
                                    </a></li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            ().into_any()
                        }
                        Err(e) => {
                            super::refused(e.code);
                            view! { <p class="notice error">{error_message(lang, e.code, e.field.as_deref())}</p> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
pub fn PersonPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let flashes = (
        take_flash("attempt"),
        take_flash("reset_link"),
        take_flash("role"),
    );
    view! {
        <Layout title=t.people_title>
            <p class="crumbs"><a href="/admin/people">{t.people_title}</a></p>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let person = match person_detail(id).await {
                        Ok(person) => person,
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            return ().into_any();
                        }
                        Err(e) => {
                            super::refused(e.code);
                            return view! { <p class="notice error">{error_message(lang, e.code, None)}</p> }.into_any();
                        }
                    };
                    let (attempt_flash, link_flash, role_flash) = flashes.clone();
                    let link = reset_link_view(link_flash, t).await;
                    let skills = person_skills(person.person.id.clone()).await.unwrap_or_default();
                    view! {
                        <h1 id="person-name">{person.person.name.clone()}</h1>
                        <p class="meta">{person.person.phone.clone()}" · "{person.person.org.name.clone()}</p>
                        <h2>{t.person_courses}</h2>
                        <FlashMessage flash=attempt_flash lang=lang ok_text=t.attempt_granted/>
                        {courses_view(&person, t)}
                        <h2>{t.sk_title}</h2>
                        {skills_view(&skills, t)}
                        <h2>{t.reset_link_title}</h2>
                        <p class="muted">{t.reset_link_intro}</p>
                        {link}
                        <form method="post" action=IssueResetLink::url() id="issue-reset-link">
                            <input type="hidden" name="person" value=person.person.id.clone()/>
                            <button type="submit">{t.reset_link_issue}</button>
                        </form>
                        <h2>{t.roles_title}</h2>
                        <FlashMessage flash=role_flash lang=lang ok_text=t.role_changed/>
                        {roles_view(&person, t)}
                        <h2>{t.audit_title}</h2>
                        {audit_view(&person, t)}
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// The link just made (shown once, from the flash), with its QR code; or its error.
async fn reset_link_view(flash: Option<crate::request::Flash>, t: &'static Texts) -> AnyView {
    let lang = use_lang();
    let Some(flash) = flash else {
        return ().into_any();
    };
    if !flash.ok {
        return view! { <FlashMessage flash=Some(flash) lang=lang/> }.into_any();
    }
    let url = flash.value("url");
    let qr = link_qr(url.clone()).await.unwrap_or_default();
    let href = url.clone();
    view! {
        <div class="notice ok" id="reset-link">
            <p>{t.reset_link_ready.replace("{time}", &flash.value("expires"))}</p>
            <div class="qr" inner_html=qr></div>
            <p><a href=href id="reset-link-url">{url}</a></p>
        </div>
    }
    .into_any()
}

/// Her levels with the evidence behind each (withdrawn evidence struck through).
fn skills_view(skills: &[qihang_core::dto::SkillView], t: &'static Texts) -> AnyView {
    if skills.is_empty() {
        return view! { <p class="muted" id="person-skills">{t.person_no_skills}</p> }.into_any();
    }
    let items = skills
        .iter()
        .map(|s| {
            let evidence = s
                .evidence
                .iter()
                .map(|e| {
                    view! { <li class:withdrawn=e.withdrawn>{crate::pages::skills::evidence_line(t, e)}</li> }
                })
                .collect_view();
            view! {
                <li data-skill=s.skill.clone()>
                    <strong>{s.name.clone()}</strong>" "{t.sk_level.replace("{level}", &s.level.to_string()).replace("{name}", &s.level_name)}
                    <ul>{evidence}</ul>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="plain" id="person-skills">{items}</ul> }.into_any()
}

fn courses_view(person: &PersonView, t: &'static Texts) -> AnyView {
    if person.courses.is_empty() {
        return view! { <p class="muted">{t.person_no_courses}</p> }.into_any();
    }
    let items = person
        .courses
        .iter()
        .map(|c| course_item(&person.person.id, c, t))
        .collect_view();
    view! { <ul class="plain person-courses" id="person-courses">{items}</ul> }.into_any()
}

fn course_item(person: &str, c: &PersonCourseView, t: &'static Texts) -> impl IntoView {
    let state = if c.completed {
        t.completed
    } else {
        t.in_progress
    };
    let quiz = c.quiz.as_ref().map(|q| {
        let line = match q.allowed {
            Some(_) => super::quiz::standing_line(q, t),
            None => t.quiz_no_limit.to_string(),
        };
        let best = q
            .best_score
            .map(|b| format!(" · {}", t.best_score_line.replace("{n}", &b.to_string())))
            .unwrap_or_default();
        let can_grant = !q.passed && q.left == Some(0);
        view! {
            <span class="meta">{line}{best}</span>
            {can_grant.then(|| view! {
                <form method="post" action=GrantExtraAttempt::url() class="grant-attempt">
                    <input type="hidden" name="person" value=person.to_string()/>
                    <input type="hidden" name="course" value=c.course.clone()/>
                    <button type="submit">{t.grant_attempt}</button>
                </form>
            })}
        }
    });
    view! {
        <li class="course-card" data-course=c.course.clone()>
            <strong>{c.title.clone()}</strong>
            <span class="meta">{state}</span>
            {quiz}
        </li>
    }
}

fn roles_view(person: &PersonView, t: &'static Texts) -> impl IntoView {
    let id = person.person.id.clone();
    let role_name = move |role: &str| t.role(role);
    let held = person
        .roles
        .iter()
        .map(|r| {
            let id = id.clone();
            view! {
                <li>
                    {role_name(&r.role)}" · "{r.org_name.clone()}" "<code>{r.org.clone()}</code>
                    <form method="post" action=ChangeRole::url() class="inline">
                        <input type="hidden" name="person" value=id/>
                        <input type="hidden" name="role" value=r.role.clone()/>
                        <input type="hidden" name="org" value=r.org.clone()/>
                        <input type="hidden" name="change" value="revoke"/>
                        <button type="submit">{t.role_revoke}</button>
                    </form>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul class="plain roles" id="person-roles">{held}</ul>
        <form method="post" action=ChangeRole::url() class="stack" id="grant-role">
            <input type="hidden" name="person" value=person.person.id.clone()/>
            <input type="hidden" name="change" value="grant"/>
            <label for="role">{t.role_label}</label>
            <select id="role" name="role">
                <option value="trainer">{t.role_trainer}</option>
                <option value="admin">{t.role_admin}</option>
            </select>
            <label for="role-org">{t.role_org_label}</label>
            <input id="role-org" name="org" value=person.person.org.code.clone() autocapitalize="off" spellcheck="false"/>
            <button type="submit">{t.role_grant}</button>
        </form>
    }
}

fn audit_view(person: &PersonView, t: &'static Texts) -> impl IntoView {
    let role_name = |role: &str| t.role(role);
    let items = person.audit.iter().map(|a| {
        let what = match a.action.as_str() {
            "grant_attempt" => t.audit_grant_attempt,
            "issue_reset_link" => t.audit_issue_reset_link,
            "grant_role" => t.audit_grant_role,
            _ => t.audit_revoke_role,
        };
        // What exactly: the role and union, or the course (from the entry's details).
        let detail: serde_json::Value = serde_json::from_str(&a.detail).unwrap_or_default();
        let about = match (detail["role"].as_str(), detail["org"].as_str(), detail["course"].as_str()) {
            (Some(role), Some(org), _) => format!("{}（{org}）", role_name(role)),
            (_, _, Some(course)) => course.to_string(),
            _ => String::new(),
        };
        view! { <li><span class="muted">{a.at.clone()}</span>" · "{what}" "{about}" · "{a.by.clone()}</li> }
    }).collect_view();
    view! { <ul class="plain audit" id="person-audit">{items}</ul> }
}
