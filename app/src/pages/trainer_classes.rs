//! The trainer's side of in-person classes: her list with the form to open a class, the
//! class page she holds on her phone in the training room (live code, attendance list with
//! hand marks and scores, learner search, roster upload, edit and cancel), and the projector
//! view. Everything renders on the server and works without JavaScript; the `LiveClass`
//! island only keeps the code and the list fresh.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use qihang_core::dto::{
    AttendanceListView, CheckInCodeView, ClassSessionView, ErrorCode, RosterReport,
    TrainerSessionsView,
};

use super::classes::{course_title, seats_line, time_range};
use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::class_fns::{
    class_attendance, class_find_learners, class_live_code, class_session, trainer_classes,
    trainer_session_page, CancelClass, CreateClass, MarkClassAttendance, UpdateClass,
};
use crate::i18n::{error_message, Lang, Texts};
use crate::islands::{LiveClass, LiveState, LiveTexts};
use crate::request::{take_flash, Flash, RosterOutcome};

/// A page's data could not be had: to the login when signed out, else the error.
fn failed(lang: Lang, code: ErrorCode) -> AnyView {
    super::error_view(lang, code)
}

/// One class in her list: a link to its page with time, place, seats and state.
fn session_link(t: &'static Texts, lang: Lang, s: &ClassSessionView) -> impl IntoView {
    let seats = match s.capacity {
        Some(cap) => format!("{} {}/{cap}", t.cl_signed_up, s.confirmed),
        None => format!("{} {}", t.cl_signed_up, s.confirmed),
    };
    let waiting = (s.waitlisted > 0).then(|| format!(" · {} {}", t.cl_waitlisted, s.waitlisted));
    let cancelled = (s.state == "cancelled")
        .then(|| view! { <span class="lock-note">{t.cl_state_cancelled}</span> });
    view! {
        <li><a class="course-card" href=trainer_session_page(&s.id) data-session=s.id.clone()>
            <strong>{course_title(lang, s)}</strong>
            <span class="meta">{time_range(s)}" · "{s.location.clone()}</span>
            <span class="meta">{seats}{waiting}</span>
            {cancelled}
        </a></li>
    }
}

fn session_links(t: &'static Texts, lang: Lang, list: &[ClassSessionView], id: &str) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{t.cl_trainer_none}</p> }.into_any();
    }
    let items = list.iter().map(|s| session_link(t, lang, s)).collect_view();
    view! { <ul class="plain" id=id.to_string()>{items}</ul> }.into_any()
}

/// The error of `field` after a refused class form, shown beside it.
fn field_error(lang: Lang, flash: Option<&Flash>, field: &str) -> Option<AnyView> {
    let f = flash.filter(|f| !f.ok)?;
    let hit = f.field.as_deref() == Some(field) || f.fields.iter().any(|x| x == field);
    hit.then(|| {
        let code = f.code.unwrap_or(ErrorCode::Invalid);
        view! {
            <small class="field-error" role="alert" data-field=field.to_string()>{error_message(lang, code, Some(field))}</small>
        }
        .into_any()
    })
}

/// What the class form starts with: what was typed before a refusal, else the class's own.
struct ClassFields {
    date: String,
    start: String,
    end: String,
    location: String,
    capacity: String,
    notes: String,
}

impl ClassFields {
    fn of(s: Option<&ClassSessionView>, flash: Option<&Flash>) -> ClassFields {
        if let Some(f) = flash.filter(|f| !f.ok) {
            return ClassFields {
                date: f.value("date"),
                start: f.value("start"),
                end: f.value("end"),
                location: f.value("location"),
                capacity: f.value("capacity"),
                notes: f.value("notes"),
            };
        }
        let part = |v: Option<&String>, range: std::ops::Range<usize>| {
            v.and_then(|v| v.get(range)).unwrap_or_default().to_string()
        };
        ClassFields {
            date: part(s.map(|s| &s.starts_local), 0..10),
            start: part(s.map(|s| &s.starts_local), 11..16),
            end: part(s.map(|s| &s.ends_local), 11..16),
            location: s.map(|s| s.location.clone()).unwrap_or_default(),
            capacity: s
                .and_then(|s| s.capacity)
                .map(|c| c.to_string())
                .unwrap_or_default(),
            notes: s.map(|s| s.notes.clone()).unwrap_or_default(),
        }
    }
}

/// The fields shared by the new-class and edit forms, each with its error beside it.
fn class_fields(
    t: &'static Texts,
    lang: Lang,
    v: ClassFields,
    flash: Option<&Flash>,
) -> impl IntoView {
    let err = |field: &str| field_error(lang, flash, field);
    view! {
        <label for="class-date">{t.cl_field_date}</label>
        <input id="class-date" name="date" type="date" required=true value=v.date/>
        {err("starts_at")}
        <label for="class-start">{t.cl_field_start}</label>
        <input id="class-start" name="start" type="time" required=true value=v.start/>
        <label for="class-end">{t.cl_field_end}</label>
        <input id="class-end" name="end" type="time" required=true value=v.end/>
        {err("ends_at")}
        <label for="class-location">{t.cl_field_location}</label>
        <input id="class-location" name="location" required=true maxlength="100" value=v.location/>
        {err("location")}
        <label for="class-capacity">{t.cl_field_capacity}</label>
        <input id="class-capacity" name="capacity" type="number" min="1" inputmode="numeric" value=v.capacity aria-describedby="class-capacity-hint"/>
        <small id="class-capacity-hint">{t.cl_capacity_hint}</small>
        {err("capacity")}
        <label for="class-notes">{t.cl_field_notes}</label>
        <textarea id="class-notes" name="notes" rows="3" maxlength="500">{v.notes}</textarea>
        {err("notes")}
    }
}

/// "开新课": the course and the union, then the class's fields.
fn new_class_form(
    t: &'static Texts,
    lang: Lang,
    view_: &TrainerSessionsView,
    flash: Option<Flash>,
) -> impl IntoView {
    let typed = |name: &str| flash.as_ref().filter(|f| !f.ok).map(|f| f.value(name));
    let (chosen_course, chosen_org) = (typed("course"), typed("org"));
    let courses = view_.courses.iter().map(|c| {
        let selected = chosen_course.as_deref() == Some(c.id.as_str());
        view! { <option value=c.id.clone() selected=selected>{lang.pick(&c.title, c.title_en.as_deref()).to_string()}</option> }
    }).collect_view();
    let orgs = view_.orgs.iter().map(|o| {
        let selected = chosen_org.as_deref() == Some(o.code.as_str());
        view! { <option value=o.code.clone() selected=selected>{lang.pick(&o.name, o.name_en.as_deref()).to_string()}</option> }
    }).collect_view();
    let fields = class_fields(
        t,
        lang,
        ClassFields::of(None, flash.as_ref()),
        flash.as_ref(),
    );
    let general = flash.clone().filter(|f| {
        !f.ok
            && !matches!(
                f.field.as_deref(),
                Some("location" | "starts_at" | "ends_at" | "capacity" | "notes")
            )
    });
    view! {
        <section id="new-class">
            <h2>{t.cl_new_title}</h2>
            <FlashMessage flash=general lang=lang/>
            <form method="post" action=CreateClass::url() class="stack" id="new-class-form">
                <label for="class-course">{t.cl_field_course}</label>
                <select id="class-course" name="course" required=true>{courses}</select>
                <label for="class-org">{t.cl_field_org}</label>
                <select id="class-org" name="org">{orgs}</select>
                {fields}
                <button type="submit" class="primary">{t.cl_new_submit}</button>
            </form>
        </section>
    }
}

/// `/trainer/sessions`: the classes she runs and the form to open one.
#[component]
pub fn TrainerSessionsPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("class_new");
    view! {
        <Layout title=t.cl_trainer_title>
            <h1>{t.cl_trainer_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let mine = match trainer_classes().await {
                        Ok(mine) => mine,
                        Err(e) => return failed(lang, e.code),
                    };
                    // Neither a union to run classes for nor a class of her own: not hers.
                    if mine.orgs.is_empty() && mine.upcoming.is_empty() && mine.past.is_empty() {
                        return failed(lang, ErrorCode::Forbidden);
                    }
                    view! {
                        <p><a class="button" href="#new-class">{t.cl_new_title}</a></p>
                        <h2>{t.cl_upcoming}</h2>
                        {session_links(t, lang, &mine.upcoming, "upcoming-classes")}
                        <h2>{t.cl_past}</h2>
                        {session_links(t, lang, &mine.past, "past-classes")}
                        {new_class_form(t, lang, &mine, flash.clone())}
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// The live panel's texts in the page's language.
fn live_texts(t: &'static Texts) -> LiveTexts {
    LiveTexts {
        new_code_in: t.cl_new_code_in.into(),
        present_count: t.cl_present_count.into(),
        confirmed: t.cl_status_confirmed.into(),
        waitlisted: t.cl_status_waitlisted.into(),
        walk_in: t.cl_walk_in.into(),
        present_at: t.cl_present_at.into(),
        absent: t.cl_absent.into(),
        mark_present: t.cl_mark_present.into(),
        mark_absent: t.cl_mark_absent.into(),
        score_label: t.cl_score_label.into(),
        score_save: t.cl_score_save.into(),
        methods: vec![
            ("code".into(), t.cl_method_code.into()),
            ("qr".into(), t.cl_method_qr.into()),
            ("trainer".into(), t.cl_method_trainer.into()),
            ("roster".into(), t.cl_method_roster.into()),
        ],
        nobody: t.cl_nobody_yet.into(),
    }
}

fn live_state(list: &AttendanceListView, code: Option<CheckInCodeView>) -> LiveState {
    LiveState {
        session: list.session.id.clone(),
        code,
        rows: list.rows.clone(),
        present: list.present,
        signed_up: list.session.confirmed,
        scores: list.session.practical_pass_mark.is_some(),
    }
}

/// Reloads the page when the code changes, for a browser without JavaScript.
fn noscript_refresh(code: Option<&CheckInCodeView>) -> Option<impl IntoView> {
    let seconds = code?.expires_in.max(0) + 1;
    Some(view! { <noscript><meta http-equiv="refresh" content=seconds.to_string()/></noscript> })
}

/// The class's facts: course, time, place, seats and state.
fn session_facts(
    t: &'static Texts,
    lang: Lang,
    s: &ClassSessionView,
    just_cancelled: bool,
) -> impl IntoView {
    let seats = match s.capacity {
        Some(cap) => format!("{}/{cap} · {}", s.confirmed, seats_line(t, s)),
        None => format!("{} · {}", s.confirmed, t.cl_seats_unlimited),
    };
    view! {
        <h1 id="class-title">{course_title(lang, s)}</h1>
        <dl class="facts">
            <dt>{t.cl_field_time}</dt><dd id="class-time">{time_range(s)}</dd>
            <dt>{t.cl_field_location}</dt><dd id="class-location">{s.location.clone()}</dd>
            <dt>{t.cl_signed_up}</dt><dd id="class-seats">{seats}</dd>
            <dt>{t.cl_waitlisted}</dt><dd id="class-waitlisted">{s.waitlisted.to_string()}</dd>
        </dl>
        {(s.state == "cancelled").then(|| {
            let class = if just_cancelled { "notice ok" } else { "notice error" };
            view! { <p class=class id="class-cancelled" data-state="cancelled" role="status">{t.cl_cancelled_notified}</p> }
        })}
    }
}

/// The live panel (while check-in is open) or when check-in opens, with the list.
fn live_section(
    t: &'static Texts,
    s: &ClassSessionView,
    list: &AttendanceListView,
    code: Option<CheckInCodeView>,
) -> impl IntoView {
    let opens = (!s.check_in_open && s.state != "cancelled" && s.upcoming)
        .then(|| view! { <p class="notice" id="check-in-opens">{t.cl_check_in_opens.replace("{time}", &s.starts_local)}</p> });
    let screen = code.is_some().then(|| view! {
        <p><a class="button" id="projector-link" href=format!("{}/screen", trainer_session_page(&s.id))>{t.cl_projector}</a></p>
    });
    // No self-refresh here (it would wipe the forms below): without JavaScript a link fetches
    // the new code; the projector view refreshes itself.
    let reload = code.is_some().then(|| view! {
        <noscript><p><a class="button" id="reload-code" href=trainer_session_page(&s.id)>{t.cl_reload_code}</a></p></noscript>
    });
    view! {
        <section id="attendance">
            <h2>{t.cl_live_title}</h2>
            {opens}
            <LiveClass state=live_state(list, code) texts=live_texts(t) projector=false/>
            {reload}
            {screen}
            <p class="actions">
                <a class="button" id="export-csv" href=format!("/api/v1/sessions/{}/attendance.csv", s.id)>{t.cl_export_csv}</a>
                <a class="button" id="export-xlsx" href=format!("/api/v1/sessions/{}/attendance.xlsx", s.id)>{t.cl_export_xlsx}</a>
            </p>
        </section>
    }
}

/// "找学员": by name or the phone's last digits, each found one with "标记到场".
async fn learner_search(t: &'static Texts, lang: Lang, id: String, q: String) -> AnyView {
    let form = view! {
        <form method="get" action=trainer_session_page(&id) class="search" role="search">
            <label for="learner-q" class="visually-hidden">{t.cl_find_label}</label>
            <input id="learner-q" name="q" type="search" placeholder=t.cl_find_label value=q.clone() maxlength="50"/>
            <button type="submit">{t.cl_find_submit}</button>
        </form>
    };
    let found = if q.trim().is_empty() {
        ().into_any()
    } else {
        match class_find_learners(id.clone(), q).await {
            Ok(rows) if rows.is_empty() => view! { <p class="muted" id="learners-none">{t.cl_find_none}</p> }.into_any(),
            Ok(rows) => view! {
                <ul class="plain" id="learners-found">
                    {rows.into_iter().map(|r| view! {
                        <li class="attendance-row" data-person=r.person.clone() data-present=r.present.to_string()>
                            <span class="who"><strong>{r.name.clone()}</strong>" "<span class="muted">{r.phone.clone()}</span></span>
                            {if r.present {
                                view! { <span class="state">{t.cl_status_present}</span> }.into_any()
                            } else {
                                view! {
                                    <form method="post" action=MarkClassAttendance::url() class="inline">
                                        <input type="hidden" name="id" value=id.clone()/>
                                        <input type="hidden" name="person" value=r.person.clone()/>
                                        <input type="hidden" name="present" value="true"/>
                                        <button type="submit" class="primary">{t.cl_mark_found}</button>
                                    </form>
                                }.into_any()
                            }}
                        </li>
                    }).collect_view()}
                </ul>
            }.into_any(),
            Err(e) => view! { <p class="notice error">{error_message(lang, e.code, e.field.as_deref())}</p> }.into_any(),
        }
    };
    view! { <section id="find-learners"><h2>{t.cl_find_title}</h2>{form}{found}</section> }
        .into_any()
}

/// The roster report: counts and each bad row as "第 N 行 · 字段 · 原因".
fn roster_report(t: &'static Texts, r: &RosterReport) -> impl IntoView {
    let (verdict, class) = match (r.problems.is_empty(), r.dry_run) {
        (false, _) => (t.cl_roster_problems, "notice error"),
        (true, true) => (t.cl_roster_dry_ok, "notice ok"),
        (true, false) => (t.cl_roster_done, "notice ok"),
    };
    let problems = r.problems.iter().map(|p| {
        let line = t.cl_roster_line.replace("{n}", &p.line.to_string());
        view! { <li data-line=p.line.to_string() data-field=p.field.clone()>{format!("{line} · {} · {}", p.field, p.reason)}</li> }
    }).collect_view();
    view! {
        <div id="roster-report" data-dry-run=r.dry_run.to_string()>
            <p class=class role="status">{verdict}</p>
            <dl class="facts">
                <dt>{t.cl_roster_rows}</dt><dd id="roster-rows">{r.rows.to_string()}</dd>
                <dt>{t.cl_roster_applied}</dt><dd id="roster-applied">{r.applied.to_string()}</dd>
                <dt>{t.cl_roster_already}</dt><dd id="roster-already">{r.already.to_string()}</dd>
            </dl>
            <ul class="plain problems" id="roster-problems">{problems}</ul>
        </div>
    }
}

/// The roster upload: the outcome of the post this page answers, then the form.
fn roster_section(
    t: &'static Texts,
    lang: Lang,
    id: &str,
    outcome: Option<RosterOutcome>,
) -> impl IntoView {
    let signup = outcome.as_ref().is_some_and(|o| o.action == "signup");
    let result = outcome.map(|o| match o.result {
        Ok(report) => roster_report(t, &report).into_any(),
        Err(flash) => view! { <FlashMessage flash=Some(flash) lang=lang/> }.into_any(),
    });
    view! {
        <section id="roster">
            <h2>{t.cl_roster_title}</h2>
            {result}
            <p class="muted">{t.cl_roster_format}</p>
            <form method="post" action=trainer_session_page(id) enctype="multipart/form-data" class="stack" id="roster-form">
                <label for="roster-file">{t.cl_roster_file}</label>
                <input type="file" id="roster-file" name="file" required=true
                    accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"/>
                <label class="check"><input type="radio" name="action" value="present" checked={!signup}/>{t.cl_roster_present}</label>
                <label class="check"><input type="radio" name="action" value="signup" checked=signup/>{t.cl_roster_signup}</label>
                <label class="check"><input type="checkbox" name="dry_run" value="true" checked=true/>{t.cl_roster_dry_run}</label>
                <button type="submit" class="primary">{t.cl_roster_submit}</button>
            </form>
        </section>
    }
}

/// Edit (prefilled) and cancel (behind a confirm step) for a class not yet cancelled.
fn manage_section(
    t: &'static Texts,
    lang: Lang,
    s: &ClassSessionView,
    flash: Option<Flash>,
) -> Option<impl IntoView> {
    if s.state == "cancelled" {
        return None;
    }
    let fields = class_fields(
        t,
        lang,
        ClassFields::of(Some(s), flash.as_ref()),
        flash.as_ref(),
    );
    let open = flash.as_ref().is_some_and(|f| !f.ok);
    Some(view! {
        <details class="manage" id="edit-class" open=open>
            <summary>{t.cl_edit_title}</summary>
            <form method="post" action=UpdateClass::url() class="stack" id="edit-class-form">
                <input type="hidden" name="id" value=s.id.clone()/>
                {fields}
                <button type="submit" class="primary">{t.cl_edit_submit}</button>
            </form>
        </details>
        <details class="manage" id="cancel-class">
            <summary>{t.cl_cancel_title}</summary>
            <p>{t.cl_cancel_confirm}</p>
            <form method="post" action=CancelClass::url()>
                <input type="hidden" name="id" value=s.id.clone()/>
                <button type="submit" class="danger">{t.cl_cancel_submit}</button>
            </form>
        </details>
    })
}

/// Everything the class page needs, or why it cannot be shown.
async fn class_data(
    id: &str,
) -> Result<
    (
        ClassSessionView,
        AttendanceListView,
        Option<CheckInCodeView>,
    ),
    ErrorCode,
> {
    let s = class_session(id.to_string()).await.map_err(|e| e.code)?;
    if !s.can_manage {
        return Err(ErrorCode::Forbidden);
    }
    let list = class_attendance(id.to_string()).await.map_err(|e| e.code)?;
    let code = match s.check_in_open {
        true => class_live_code(id.to_string())
            .await
            .ok()
            .filter(|c| c.check_in_open),
        false => None,
    };
    Ok((s, list, code))
}

/// `/trainer/sessions/:id`: the class page she holds in the training room.
#[component]
pub fn TrainerSessionPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    let q = use_query_map().get_untracked().get("q").unwrap_or_default();
    let flashes = (
        take_flash("class_edit"),
        take_flash("class_cancel"),
        take_flash("class_mark"),
        take_flash("class_score"),
        take_flash("class_created"),
    );
    let roster = crate::request::roster_outcome();
    view! {
        <Layout title=t.cl_trainer_title>
            <p class="crumbs"><a href="/trainer/sessions">{t.cl_trainer_title}</a></p>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let (s, list, code) = match class_data(&id).await {
                        Ok(data) => data,
                        Err(code) => return failed(lang, code),
                    };
                    let (edit, cancel, mark, score, created) = flashes.clone();
                    let edit_ok = edit.clone().filter(|f| f.ok);
                    let edit_failed = edit.filter(|f| !f.ok);
                    let search = learner_search(t, lang, s.id.clone(), q.clone()).await;
                    view! {
                        <Title text=format!("{} · {}", course_title(lang, &s), t.app_name)/>
                        <FlashMessage flash=created lang=lang ok_text=t.cl_created/>
                        <FlashMessage flash=edit_ok lang=lang ok_text=t.cl_saved/>
                        {session_facts(t, lang, &s, cancel.is_some_and(|f| f.ok))}
                        <FlashMessage flash=mark lang=lang ok_text=t.cl_marked/>
                        <FlashMessage flash=score lang=lang ok_text=t.cl_score_saved/>
                        {live_section(t, &s, &list, code)}
                        {(s.state != "cancelled").then(|| view! {
                            {search}
                            {roster_section(t, lang, &s.id, roster.clone())}
                            {manage_section(t, lang, &s, edit_failed)}
                        })}
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// `/trainer/sessions/:id/screen`: the projector view (1280×800) — huge code, big QR code,
/// where to type it, and the present count.
#[component]
pub fn SessionScreenPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let id = use_params_map()
        .get_untracked()
        .get("id")
        .unwrap_or_default();
    view! {
        <Title text=t.cl_projector/>
        <main class="projector-page">
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let (s, list, code) = match class_data(&id).await {
                        Ok(data) => data,
                        Err(code) => return failed(lang, code),
                    };
                    let open = code.is_some();
                    // The full address (the site's public URL), without the live code.
                    let address = code.as_ref().map_or_else(
                        || crate::class_fns::checkin_page(&s.id),
                        |c| c.url.split('?').next().unwrap_or_default().to_string(),
                    );
                    let how = t.cl_screen_how.replace("{url}", &address);
                    let refresh = noscript_refresh(code.as_ref());
                    view! {
                        {refresh}
                        <h1 id="class-title">{course_title(lang, &s)}</h1>
                        <p class="screen-place">{s.location.clone()}" · "{time_range(&s)}</p>
                        {(!open).then(|| view! { <p class="notice">{t.cl_check_in_opens.replace("{time}", &s.starts_local)}</p> })}
                        <LiveClass state=live_state(&list, code) texts=live_texts(t) projector=true/>
                        {open.then(|| view! { <p class="screen-how">{how}</p> })}
                        <p><a href=trainer_session_page(&s.id)>{t.cl_back_to_class}</a></p>
                    }.into_any()
                })}
            </Suspense>
        </main>
    }
}
