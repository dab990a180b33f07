//! The learner's side of in-person classes (线下课): the classes in her city with sign-up and
//! cancel buttons, her check-in page (the QR code's link, or the code typed), and the class
//! lines the course page and "my learning" share. Plain forms and links throughout: a woman
//! checking in on an old phone in a training room needs no JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::{ClassSessionView, ErrorCode, MyClassView};

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::class_fns::{
    checkin_page, class_check_in_link, class_scan_pass, class_session, near_me_classes,
    CancelClassSignup, CheckInDone, ClassCheckIn, SignUpClass,
};
use crate::i18n::{error_message, Lang, Texts};
use crate::request::{take_flash, Flash};

/// The course of a class, by its English title on an English page where it has one.
pub fn course_title(lang: Lang, s: &ClassSessionView) -> String {
    lang.pick(&s.course_title, s.course_title_en.as_deref())
        .to_string()
}

/// "2026-12-01 09:00–11:00" in China time (the end's date only when it differs).
pub fn time_range(s: &ClassSessionView) -> String {
    let same_day = s.starts_local.get(..10) == s.ends_local.get(..10);
    let end = match (same_day, s.ends_local.get(11..)) {
        (true, Some(clock)) => clock,
        _ => s.ends_local.as_str(),
    };
    format!("{}–{end}", s.starts_local)
}

/// Seats in words: "剩余 3 个名额", "不限名额" or "已满，可候补".
pub fn seats_line(t: &'static Texts, s: &ClassSessionView) -> String {
    match s.seats_left {
        None => t.cl_seats_unlimited.to_string(),
        Some(n) if n <= 0 => t.cl_seats_full.to_string(),
        Some(n) => t.cl_seats_left.replace("{n}", &n.to_string()),
    }
}

/// Her own standing in a class: checked in, signed up, or waiting (with her place).
fn my_status(t: &'static Texts, s: &ClassSessionView) -> Option<String> {
    if s.my_present {
        return Some(t.cl_status_present.to_string());
    }
    let signup = s.my_signup.as_ref()?;
    Some(match signup.status.as_str() {
        "waitlisted" => t
            .cl_status_waitlisted
            .replace("{n}", &signup.position.unwrap_or(0).to_string()),
        _ => t.cl_status_confirmed.to_string(),
    })
}

/// The sign-up or cancel button of an upcoming class, posting back to `back`.
fn signup_form(t: &'static Texts, s: &ClassSessionView, back: &str) -> Option<AnyView> {
    if !s.upcoming || s.state == "cancelled" || s.my_present {
        return None;
    }
    let (action, label, class) = match &s.my_signup {
        Some(signup) if signup.status == "waitlisted" => (
            CancelClassSignup::url(),
            t.cl_cancel_waitlist,
            "signup-cancel",
        ),
        Some(_) => (
            CancelClassSignup::url(),
            t.cl_cancel_signup,
            "signup-cancel",
        ),
        None if s.seats_left.is_some_and(|n| n <= 0) => {
            (SignUpClass::url(), t.cl_join_waitlist, "signup primary")
        }
        None => (SignUpClass::url(), t.cl_sign_up, "signup primary"),
    };
    Some(
        view! {
            <form method="post" action=action class="inline">
                <input type="hidden" name="id" value=s.id.clone()/>
                <input type="hidden" name="back" value=back.to_string()/>
                <button type="submit" class=class>{label}</button>
            </form>
        }
        .into_any(),
    )
}

/// The "去签到" link while check-in is open and she has not checked in.
fn checkin_link(t: &'static Texts, s: &ClassSessionView) -> Option<impl IntoView> {
    (s.check_in_open && !s.my_present).then(|| {
        view! { <a class="button primary" href=checkin_page(&s.id)>{t.cl_go_check_in}</a> }
    })
}

/// One class as a card: course (linked when `link_course`), time, place, seats, her
/// standing and her buttons.
pub fn class_card(
    t: &'static Texts,
    lang: Lang,
    s: &ClassSessionView,
    back: &str,
    link_course: bool,
) -> impl IntoView {
    let title = course_title(lang, s);
    let heading = if link_course {
        view! { <a href=format!("/courses/{}", crate::request::slug(&s.course))>{title}</a> }
            .into_any()
    } else {
        view! { <span>{title}</span> }.into_any()
    };
    let cancelled = s.state == "cancelled";
    let waiting = s
        .my_signup
        .as_ref()
        .is_some_and(|m| m.status == "waitlisted");
    let status =
        my_status(t, s).map(|st| view! { <span class="state" class:waiting=waiting>{st}</span> });
    // Her own place says it all once she has one; the seats are for those still deciding.
    let undecided = s.my_signup.is_none() && !s.my_present;
    view! {
        <div class="course-card class-card" data-session=s.id.clone() data-state=s.state.clone()>
            <strong>{heading}</strong>
            <span class="meta">{time_range(s)}</span>
            <span class="meta">{s.location.clone()}" · "{lang.pick(&s.org_name, s.org_name_en.as_deref()).to_string()}</span>
            {(!s.notes.is_empty()).then(|| view! { <span class="summary">{s.notes.clone()}</span> })}
            {if cancelled {
                view! { <span class="lock-note">{t.cl_state_cancelled}</span> }.into_any()
            } else if undecided {
                view! { <span class="seats">{seats_line(t, s)}</span> }.into_any()
            } else {
                ().into_any()
            }}
            {status}
            <span class="actions">{checkin_link(t, s)}{signup_form(t, s, back)}</span>
        </div>
    }
}

/// A list of classes, or `empty` when there are none.
pub fn class_list(
    t: &'static Texts,
    lang: Lang,
    sessions: &[ClassSessionView],
    back: &str,
    link_course: bool,
) -> impl IntoView {
    let cards = sessions
        .iter()
        .map(|s| view! { <li>{class_card(t, lang, s, back, link_course)}</li> })
        .collect_view();
    view! { <ul class="plain classes" id="classes">{cards}</ul> }
}

/// The outcome of a sign-up or cancel button: confirmed, her place in the wait-list,
/// cancelled, or why not.
pub fn signup_notice(lang: Lang, flash: Option<Flash>) -> Option<AnyView> {
    let t = lang.t();
    let flash = flash?;
    if !flash.ok {
        return Some(view! { <FlashMessage flash=Some(flash) lang=lang/> }.into_any());
    }
    let status = flash.value("status");
    let text = match status.as_str() {
        "waitlisted" => t
            .cl_signup_waitlisted
            .replace("{n}", &flash.value("position")),
        "cancelled" => t.cl_signup_cancelled.to_string(),
        _ => t.cl_signup_confirmed.to_string(),
    };
    Some(
        view! { <p class="notice ok" role="status" id="signup-result" data-status=status>{text}</p> }
            .into_any(),
    )
}

/// The course page's "线下课安排": its upcoming classes with their buttons, or that none is
/// planned yet.
pub fn course_classes(
    t: &'static Texts,
    lang: Lang,
    sessions: &[ClassSessionView],
    course: &str,
) -> impl IntoView {
    let back = format!("/courses/{}#course-classes", crate::request::slug(course));
    let body = if sessions.is_empty() {
        view! { <p class="muted">{t.cl_course_none}</p> }.into_any()
    } else {
        class_list(t, lang, sessions, &back, false).into_any()
    };
    view! {
        <section id="course-classes">
            <h2>{t.cl_course_section}</h2>
            {body}
        </section>
    }
}

/// `/classes`: the upcoming classes in her city.
#[component]
pub fn ClassesPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("class_signup");
    view! {
        <Layout title=t.cl_title>
            <h1>{t.cl_title}</h1>
            <p class="muted">{t.cl_intro}</p>
            {signup_notice(lang, flash)}
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match near_me_classes().await {
                        Ok(found) if found.is_empty() => view! {
                            <div class="notice" id="classes-none">
                                <p>{t.cl_none}</p>
                                <p><a class="button primary" href="/courses">{t.cl_none_next}</a></p>
                            </div>
                        }.into_any(),
                        Ok(found) => class_list(t, lang, &found, "/classes", true).into_any(),
                        Err(e) if e.code == ErrorCode::Unauthenticated => {
                            crate::request::redirect_to_login();
                            view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any()
                        }
                        Err(e) => super::error_view(lang, e.code),
                    }
                })}
            </Suspense>
        </Layout>
    }
}

/// "我的学习"'s classes: time, place and standing; a reminder line once a class is near
/// ("明天 09:00 上课：…"); the check-in link while open; cancel while upcoming.
pub fn my_classes(
    t: &'static Texts,
    lang: Lang,
    classes: &[MyClassView],
    today: &str,
) -> impl IntoView {
    if classes.is_empty() {
        return view! {
            <p class="muted">{t.cl_mine_none}" "<a href="/classes">{t.cl_see_near}</a></p>
        }
        .into_any();
    }
    let cards = classes
        .iter()
        .map(|c| {
            let s = &c.session;
            let reminder = c.soon.then(|| {
                let day = if s.starts_local.get(..10) == Some(today) {
                    t.cl_today
                } else {
                    t.cl_tomorrow
                };
                let clock = s.starts_local.get(11..).unwrap_or_default();
                let text = t
                    .cl_reminder
                    .replace("{day}", day)
                    .replace("{time}", clock)
                    .replace("{place}", &s.location);
                view! { <p class="reminder" data-session=s.id.clone()>{text}</p> }
            });
            view! { <li>{reminder}{class_card(t, lang, s, "/learning#my-classes", true)}</li> }
        })
        .collect_view();
    view! { <ul class="plain classes" id="my-class-list">{cards}</ul> }.into_any()
}

/// The check-in result: "签到成功 ✓ 09:03", the class, and what comes next.
fn done_view(t: &'static Texts, lang: Lang, d: &CheckInDone) -> impl IntoView {
    let course = format!("/courses/{}", crate::request::slug(&d.course));
    let next = if d.completed {
        view! {
            <p>{t.cl_done_completed}</p>
            <p><a class="button primary" id="checkin-next" href="/learning">{t.view_certificate}</a></p>
        }
        .into_any()
    } else if d.awaiting_score {
        view! {
            <p>{t.cl_done_awaiting_score}</p>
            <p><a class="button" id="checkin-next" href=course>{t.cl_back_to_course}</a></p>
        }
        .into_any()
    } else {
        view! { <p><a class="button primary" id="checkin-next" href=course>{t.cl_back_to_course}</a></p> }
            .into_any()
    };
    view! {
        <section class="notice ok checkin-done" id="checkin-result" data-status="present" role="status">
            <p class="checkin-ok">{t.cl_done.replace("{time}", &d.at)}</p>
            <p>{lang.pick(&d.course_title, d.course_title_en.as_deref()).to_string()}" · "{d.location.clone()}</p>
            {next}
        </section>
    }
}

/// Why the check-in failed, in words (the specific reason), for the page and for tests.
fn refused_view(lang: Lang, code: ErrorCode, field: Option<&str>) -> impl IntoView {
    view! {
        <p class="notice error" id="checkin-result" role="alert" data-code=code.as_str()>
            {error_message(lang, code, field)}
        </p>
    }
}

/// The big code form: six digits, the phone's number pad, the SMS-code autofill hint.
fn code_form(t: &'static Texts, id: &str) -> impl IntoView {
    view! {
        <form method="post" action=ClassCheckIn::url() class="stack checkin-form" id="checkin-form">
            <input type="hidden" name="id" value=id.to_string()/>
            <label for="checkin-code">{t.check_in_label}</label>
            <input id="checkin-code" name="code" class="code-input" inputmode="numeric" pattern="[0-9]{6}"
                autocomplete="one-time-code" maxlength="6" required=true/>
            <button type="submit" class="primary">{t.check_in_submit}</button>
        </form>
        <p class="muted">{t.cl_code_hint}</p>
    }
}

/// The class she is checking in to: course, time and place.
fn class_header(lang: Lang, s: &ClassSessionView) -> impl IntoView {
    view! {
        <p class="meta" id="checkin-class">
            <strong>{course_title(lang, s)}</strong><br/>
            {time_range(s)}" · "{s.location.clone()}
        </p>
    }
}

/// `/checkin/:id` without a code in the link: the class and the code form, or the result of
/// the form she just sent, or that she is already checked in.
async fn typed_check_in(lang: Lang, id: String, flash: Option<Flash>) -> AnyView {
    let t = lang.t();
    let s = match class_session(id.clone()).await {
        Ok(s) => s,
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            crate::request::redirect_to_login();
            return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
        }
        Err(e) => return super::error_view(lang, e.code),
    };
    let done = flash
        .as_ref()
        .filter(|f| f.ok)
        .and_then(CheckInDone::from_flash);
    let refused = flash.filter(|f| !f.ok).map(|f| {
        let code = f.code.unwrap_or(ErrorCode::Internal);
        refused_view(lang, code, f.field.as_deref())
    });
    let succeeded = done.is_some();
    let done = done.map(|d| done_view(t, lang, &d));
    let body = if succeeded {
        ().into_any()
    } else if s.my_present {
        view! {
            <p class="notice ok" id="checkin-result" data-status="present">{t.cl_already_present}</p>
            <p><a class="button" id="checkin-next" href="/learning">{t.cl_go_learning}</a></p>
        }
        .into_any()
    } else if s.state == "cancelled" {
        refused_view(lang, ErrorCode::SessionCancelled, None).into_any()
    } else {
        code_form(t, &s.id).into_any()
    };
    view! { {class_header(lang, &s)}{done}{refused}{body} }.into_any()
}

/// `/checkin/:id?code=…` signed in: the link checks her in (opening it again is harmless).
/// Signed out, the code is bound to the scan time by a pass that rides through the login.
async fn link_check_in(lang: Lang, id: String, code: String, pass: Option<String>) -> AnyView {
    let t = lang.t();
    match class_check_in_link(id.clone(), code.clone(), pass).await {
        Ok(done) => done_view(t, lang, &done).into_any(),
        Err(e) if e.code == ErrorCode::Unauthenticated => {
            let pass = class_scan_pass(id.clone(), code.clone()).await.ok();
            let mut next = format!(
                "{}?code={}",
                checkin_page(&id),
                crate::islands::encode_component(&code)
            );
            if let Some(pass) = pass {
                next.push_str(&format!(
                    "&pass={}",
                    crate::islands::encode_component(&pass)
                ));
            }
            crate::request::redirect(&format!(
                "/login?next={}",
                crate::islands::encode_component(&next)
            ));
            view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any()
        }
        Err(e) if e.code == ErrorCode::NotFound => super::error_view(lang, e.code),
        Err(e) => view! {
            {refused_view(lang, e.code, e.field.as_deref())}
            {code_form(t, &id)}
        }
        .into_any(),
    }
}

/// `/checkin/:id`: the class's check-in page (the QR code's target, and the place to type
/// the code).
#[component]
pub fn CheckInPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let query = use_query_map().get_untracked();
    let code = query.get("code").filter(|c| !c.trim().is_empty());
    let pass = query.get("pass").filter(|p| !p.is_empty());
    let flash = take_flash("class_check_in");
    view! {
        <Layout title=t.check_in_title>
            <h1>{t.check_in_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    match code {
                        Some(code) => link_check_in(lang, id, code, pass).await,
                        None => typed_check_in(lang, id, flash).await,
                    }
                })}
            </Suspense>
        </Layout>
    }
}
