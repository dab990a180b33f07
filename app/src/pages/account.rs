//! "My account": the signed-in user's own details (her phone unmasked, to her alone), changing
//! her password, adding, changing or removing her email, the devices signed in as her (each
//! can be signed out), her data to read or download, deleting her account, and logging out.
//! Plain forms posting to server functions, so they work without JavaScript. Also the pages
//! "我的数据" (everything held about her) and the one she lands on after deleting.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{Lang, Texts};
use crate::islands::PasswordInput;
use crate::my_data_fns::{my_data, my_sessions, DeleteMyAccount, EndMySession};
use crate::request::{take_flash, Flash};
use crate::server_fns::{current_account, ChangeEmail, ChangePassword, Logout};
use qihang_core::dto::{MyDataExport, SessionView};

#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flashes = (take_flash("password"), take_flash("email"));
    let privacy_flashes = (take_flash("sessions"), take_flash("delete"));
    view! {
        <Layout title=t.account_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let Some(account) = current_account().await.ok().flatten() else {
                        crate::request::redirect_to_login();
                        return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                    };
                    let (password_flash, email_flash) = flashes.clone();
                    let (sessions_flash, delete_flash) = privacy_flashes.clone();
                    let sessions = my_sessions().await.unwrap_or_default();
                    let roles = account.user.roles.iter().map(|r| {
                        let role = t.role(&r.role);
                        view! { <li>{role}" · "{lang.pick(&r.org_name, r.org_name_en.as_deref()).to_string()}</li> }
                    }).collect_view();
                    view! {
                        <h1>{t.account_title}</h1>
                        <dl class="facts" id="account">
                            <dt>{t.field_name}</dt><dd id="account-name">{account.user.name.clone()}</dd>
                            <dt>{t.field_phone}</dt><dd id="account-phone">{account.own_phone.clone()}</dd>
                            <dt>{t.field_email}</dt><dd id="account-email-shown">{account.email.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>{t.account_org}</dt><dd>{lang.pick(&account.user.org.name, account.user.org.name_en.as_deref()).to_string()}{t.paren_open}<code>{account.user.org.code.clone()}</code>{t.paren_close}</dd>
                            <dt>{t.account_roles}</dt><dd><ul class="plain">{roles}</ul></dd>
                            <dt>{t.st_my_id}</dt>
                            <dd><code id="my-id">{account.user.id.clone()}</code><br/><small>{t.st_my_id_hint}</small></dd>
                        </dl>
                        {password_section(t, lang, password_flash)}
                        {email_section(t, lang, email_flash, account.email.clone())}
                        {sessions_section(t, lang, sessions_flash, sessions)}
                        {data_section(t)}
                        {delete_section(t, lang, delete_flash)}
                        <form method="post" action=Logout::url()>
                            <button type="submit" id="logout">{t.logout}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}

/// Changing her password: the current one, then the new one (never kept after a refusal).
fn password_section(t: &'static Texts, lang: Lang, flash: Option<Flash>) -> impl IntoView {
    view! {
        <section id="password">
            <h2>{t.account_password_title}</h2>
            <p class="muted">{t.account_password_intro}</p>
            <FlashMessage flash=flash lang=lang ok_text=t.password_changed/>
            <form method="post" action=ChangePassword::url() class="stack" id="password-form">
                <label for="current-password">{t.field_current_password}</label>
                <PasswordInput name="current_password".into() id="current-password".into()
                    autocomplete="current-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <label for="new-password">{t.field_new_password}</label>
                <PasswordInput name="new_password".into() id="new-password".into()
                    autocomplete="new-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <small>{t.field_password_hint}</small>
                <button type="submit" class="primary">{t.password_change_submit}</button>
            </form>
        </section>
    }
}

/// Adding, changing or removing her email (an empty field removes it), with her current
/// password. After a refusal it shows what was typed and marks the address if it was at fault.
fn email_section(
    t: &'static Texts,
    lang: Lang,
    flash: Option<Flash>,
    current: Option<String>,
) -> impl IntoView {
    let failed = flash.clone().filter(|f| !f.ok);
    let typed = failed
        .as_ref()
        .map_or_else(|| current.unwrap_or_default(), |f| f.value("email"));
    let invalid = failed
        .as_ref()
        .is_some_and(|f| f.field.as_deref() == Some("email"))
        .then_some("true");
    view! {
        <section id="email">
            <h2>{t.account_email_title}</h2>
            <p class="muted">{t.account_email_intro}</p>
            <FlashMessage flash=flash lang=lang ok_text=t.email_changed/>
            <form method="post" action=ChangeEmail::url() class="stack" id="email-form">
                <label for="account-email">{t.field_email}{t.optional}</label>
                <input id="account-email" name="email" type="email" autocomplete="email" value=typed
                    aria-invalid=invalid aria-describedby="account-email-hint"/>
                <small id="account-email-hint">{t.account_email_hint}</small>
                <label for="email-current-password">{t.field_current_password}</label>
                <PasswordInput name="current_password".into() id="email-current-password".into()
                    autocomplete="current-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <button type="submit" class="primary">{t.email_change_submit}</button>
            </form>
        </section>
    }
}

/// The devices signed in as her, newest first: each but this one can be signed out.
fn sessions_section(
    t: &'static Texts,
    lang: Lang,
    flash: Option<Flash>,
    sessions: Vec<SessionView>,
) -> impl IntoView {
    let rows = sessions
        .into_iter()
        .map(|s| {
            let device = if s.device.is_empty() {
                t.session_unknown_device.to_string()
            } else {
                s.device.clone()
            };
            let seen = s.last_seen_text.clone().unwrap_or_else(|| s.created_text.clone());
            let action = if s.current {
                view! { <strong class="this-device">{t.session_this_device}</strong> }.into_any()
            } else {
                view! {
                    <form method="post" action=EndMySession::url()>
                        <input type="hidden" name="id" value=s.id.clone()/>
                        <button type="submit" class="end-session">{t.session_end}</button>
                    </form>
                }
                .into_any()
            };
            view! {
                <li class="session" data-session=s.id.clone()>
                    <strong>{device}</strong><br/>
                    <small>
                        {t.session_signed_in_at}" "<span class="nowrap">{s.created_text.clone()}</span>" · "
                        {t.session_last_seen}" "<span class="nowrap">{seen}</span>
                    </small>
                    <div>{action}</div>
                </li>
            }
        })
        .collect_view();
    view! {
        <section id="sessions">
            <h2>{t.account_sessions_title}</h2>
            <p class="muted">{t.account_sessions_intro}</p>
            <FlashMessage flash=flash lang=lang ok_text=t.session_ended/>
            <ul class="plain sessions">{rows}</ul>
        </section>
    }
}

/// Her data: to read on a page, or to download as a file.
fn data_section(t: &'static Texts) -> impl IntoView {
    view! {
        <section id="my-data">
            <h2>{t.account_data_title}</h2>
            <p class="muted">{t.account_data_intro}</p>
            <p class="button-row">
                <a class="button" href="/account/data" id="view-my-data">{t.account_data_view}</a>
                <a class="button" href="/api/v1/me/export" id="download-my-data" download="">{t.account_data_download}</a>
            </p>
        </section>
    }
}

/// Deleting her account: what goes and what stays, then her password and a box to tick.
fn delete_section(t: &'static Texts, lang: Lang, flash: Option<Flash>) -> impl IntoView {
    let invalid = flash
        .as_ref()
        .is_some_and(|f| !f.ok && f.field.as_deref() == Some("confirm"))
        .then_some("true");
    view! {
        <section id="delete">
            <h2>{t.account_delete_title}</h2>
            <p class="muted">{t.account_delete_intro}</p>
            <FlashMessage flash=flash lang=lang/>
            <form method="post" action=DeleteMyAccount::url() class="stack" id="delete-form">
                <label for="delete-password">{t.field_current_password}</label>
                <PasswordInput name="password".into() id="delete-password".into()
                    autocomplete="current-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <label class="check">
                    <input type="checkbox" name="confirm" value="yes" required=true aria-invalid=invalid/>
                    {t.account_delete_confirm}
                </label>
                <button type="submit" class="danger" id="delete-account">{t.account_delete_submit}</button>
            </form>
        </section>
    }
}

/// "我的数据": everything Qihang holds about her, in China time, with the download beside it.
#[component]
pub fn MyDataPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    view! {
        <Layout title=t.account_data_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let Ok(data) = my_data().await else {
                        crate::request::redirect_to_login();
                        return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                    };
                    data_view(t, data).into_any()
                })}
            </Suspense>
        </Layout>
    }
}

fn yes_no(t: &'static Texts, value: bool) -> &'static str {
    if value {
        t.data_yes
    } else {
        t.data_no
    }
}

/// A titled list of rows, or "none".
fn listing(
    id: &'static str,
    title: &'static str,
    none: &'static str,
    rows: Vec<String>,
) -> impl IntoView {
    let body = if rows.is_empty() {
        view! { <p class="muted">{none}</p> }.into_any()
    } else {
        let items = rows
            .into_iter()
            .map(|r| view! { <li>{r}</li> })
            .collect_view();
        view! { <ul>{items}</ul> }.into_any()
    };
    view! { <section id=id><h2>{title}</h2>{body}</section> }
}

fn data_view(t: &'static Texts, data: MyDataExport) -> impl IntoView {
    let a = &data.account;
    let dash = || "—".to_string();
    let enrolments = data
        .enrolments
        .iter()
        .map(|e| {
            let done = e
                .completed_at
                .as_ref()
                .map_or_else(String::new, |c| format!(" · {} {c}", t.data_completed));
            format!(
                "{} · {} {} · {} {}{done}",
                e.course, t.data_enrolled, e.enrolled_at, t.data_lessons_done, e.lessons_completed
            )
        })
        .collect();
    let attempts = data
        .attempts
        .iter()
        .map(|q| {
            let score = q.score.map_or_else(dash, |s| s.to_string());
            let passed = q.passed.map_or("—", |p| yes_no(t, p));
            format!(
                "{} · {} · {} {score} · {} {passed}",
                q.course_id, q.started_at, t.data_score, t.data_passed
            )
        })
        .collect();
    let attendance = data
        .attendance
        .iter()
        .map(|c| {
            format!(
                "{} · {} · {} · {} {}",
                c.course_id, c.starts_at, c.location, t.data_checked_in, c.checked_in_at
            )
        })
        .collect();
    let certificates = data
        .certificates
        .iter()
        .map(|c| {
            format!(
                "{} · {} · {}{}",
                c.serial,
                c.course,
                c.issued_at,
                if c.revoked { t.data_revoked } else { "" }
            )
        })
        .collect();
    let skills = data
        .skills
        .iter()
        .map(|s| {
            format!(
                "{} · {} {} · {}",
                s.skill_name, t.data_level, s.level, s.recorded_at
            )
        })
        .collect();
    let roles = data
        .roles
        .iter()
        .map(|r| {
            let role = t.role(&r.role);
            format!(
                "{role} · {} · {} {}",
                r.org_name, t.data_granted_at, r.granted_at
            )
        })
        .collect();
    let sessions = data
        .sessions
        .iter()
        .map(|s| {
            let device = if s.device.is_empty() {
                t.session_unknown_device
            } else {
                s.device.as_str()
            };
            let seen = s
                .last_seen_text
                .clone()
                .unwrap_or_else(|| s.created_text.clone());
            let this = if s.current { t.session_this_device } else { "" };
            format!("{device} · {} {seen} {this}", t.session_last_seen)
        })
        .collect();
    view! {
        <h1>{t.account_data_title}</h1>
        <p class="muted">{t.data_exported_at}" "{data.exported_at.clone()}</p>
        <p class="button-row">
            <a class="button" href="/api/v1/me/export" download="">{t.account_data_download}</a>
            <a class="button" href="/account">{t.data_back}</a>
        </p>
        <section id="data-account">
            <h2>{t.data_account}</h2>
            <dl class="facts stack">
                <dt>{t.field_name}</dt><dd>{a.name.clone()}</dd>
                <dt>{t.field_phone}</dt><dd>{a.phone.clone()}</dd>
                <dt>{t.field_email}</dt><dd>{a.email.clone().unwrap_or_else(dash)}</dd>
                <dt>{t.field_gender}</dt><dd>{if a.gender == "female" { t.gender_female } else { t.gender_male }}</dd>
                <dt>{t.account_org}</dt><dd>{a.org_name.clone()}</dd>
                <dt>{t.data_registered}</dt><dd>{a.created_at.clone()}</dd>
                <dt>{t.data_privacy_notice}</dt>
                <dd>{t.data_notice_version}" "{a.consent_version.clone().unwrap_or_else(dash)}"，"{t.data_agreed_at}" "{a.consent_at.clone().unwrap_or_else(dash)}</dd>
                <dt>{t.data_skills_visible}</dt><dd>{yes_no(t, data.consents.skills_visible)}</dd>
                <dt>{t.data_talent_pool}</dt><dd>{yes_no(t, data.consents.talent_pool)}</dd>
            </dl>
        </section>
        {listing("data-roles", t.account_roles, t.data_none, roles)}
        {listing("data-enrolments", t.data_enrolments, t.data_none, enrolments)}
        {listing("data-attempts", t.data_attempts, t.data_none, attempts)}
        {listing("data-attendance", t.data_attendance, t.data_none, attendance)}
        {listing("data-certificates", t.data_certificates, t.data_none, certificates)}
        {listing("data-skills", t.data_skills, t.data_none, skills)}
        {listing("data-sessions", t.account_sessions_title, t.data_none, sessions)}
        <p><a href="/account">{t.data_back}</a></p>
    }
}

/// Where she lands after deleting her account: what happened, and the ways on.
#[component]
pub fn AccountDeletedPage() -> impl IntoView {
    let t = use_lang().t();
    view! {
        <Layout title=t.deleted_title>
            <h1>{t.deleted_title}</h1>
            <p id="deleted-body">{t.deleted_body}</p>
            <p>{t.deleted_again}</p>
            <p class="button-row">
                <a class="button primary" href="/">{t.deleted_home}</a>
                <a class="button" href="/register">{t.nav_register}</a>
            </p>
        </Layout>
    }
}
