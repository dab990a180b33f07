//! Registration, login and password reset pages: plain HTML forms posting to server functions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::islands::PasswordInput;
use crate::request::{take_flash, Flash};
use crate::server_fns::{sms_resets, top_orgs, ForgotPassword, Login, Register, ResetPassword};
use leptos::server_fn::ServerFn;

#[component]
pub fn RegisterPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("register");
    let values = flash.clone().unwrap_or_default();
    let chosen_org = values.value("org");
    let gender = values.value("gender");
    view! {
        <Layout title=t.register_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    // Signed in already: nothing to register; on to the courses.
                    let signed_in = crate::server_fns::current_account().await.ok().flatten().is_some();
                    if signed_in {
                        crate::request::redirect("/courses");
                    }
                    signed_in.then(|| view! { <p class="notice" id="already-signed-in">{t.already_signed_in}</p> })
                })}
            </Suspense>
            <h1>{t.register_title}</h1>
            <FlashMessage flash=flash lang=lang/>
            <form method="post" action=Register::url() class="stack" id="register-form">
                <label for="name">{t.field_name}</label>
                <input id="name" name="name" required=true maxlength="50" autocomplete="name" value=values.value("name")/>
                <label for="phone">{t.field_phone}</label>
                <input id="phone" name="phone" type="tel" inputmode="numeric" required=true autocomplete="tel"
                    placeholder="13812345678" aria-describedby="phone-hint" value=values.value("phone")/>
                <small id="phone-hint">{t.field_phone_hint}</small>
                <label for="email">{t.field_email}{t.optional}</label>
                <input id="email" name="email" type="email" autocomplete="email" aria-describedby="email-hint" value=values.value("email")/>
                <small id="email-hint">{t.field_email_hint}</small>
                <label for="password">{t.field_password}</label>
                <PasswordInput name="password".into() id="password".into() autocomplete="new-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <small>{t.field_password_hint}</small>
                <fieldset class="inline">
                    <legend>{t.field_gender}</legend>
                    <label><input type="radio" name="gender" value="female" checked=gender != "male"/>{t.gender_female}</label>
                    <label><input type="radio" name="gender" value="male" checked=gender == "male"/>{t.gender_male}</label>
                </fieldset>
                <label for="org">{t.field_org}</label>
                <select id="org" name="org" required=true>
                    <Suspense fallback=|| ()>
                        {Suspend::new(async move {
                            let orgs = top_orgs().await.unwrap_or_default();
                            orgs.into_iter()
                                .map(|o| {
                                    let selected = o.code == chosen_org;
                                    let label = if o.depth == 0 { format!("{}（省级）", o.name) } else { o.name.clone() };
                                    view! { <option value=o.code selected=selected>{label}</option> }
                                })
                                .collect_view()
                        })}
                    </Suspense>
                </select>
                <label for="org_code">{t.field_org_code}{t.optional}</label>
                <input id="org_code" name="org_code" autocapitalize="off" spellcheck="false" aria-describedby="org-code-hint"
                    value=values.value("org_code")/>
                <small id="org-code-hint">{t.field_org_code_hint}</small>
                <div class="consent">
                    <label class="check">
                        <input type="checkbox" name="consent" id="consent" required=true checked=!values.value("consent").is_empty()/>
                        {t.consent_label}{t.privacy_link}
                    </label>
                    <a href="/privacy" target="_blank">{t.read_privacy}</a>
                </div>
                <button type="submit" class="primary">{t.register_submit}</button>
            </form>
            <p><a href="/login">{t.have_account}</a></p>
        </Layout>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("login");
    let values = flash.clone().unwrap_or_default();
    view! {
        <Layout title=t.login_title>
            <h1>{t.login_title}</h1>
            <FlashMessage flash=flash lang=lang ok_text=t.reset_done/>
            <form method="post" action=Login::url() class="stack" id="login-form">
                <label for="login">{t.field_login}</label>
                <input id="login" name="login" required=true autocomplete="username" value=values.value("login")/>
                <label for="password">{t.field_password}</label>
                <PasswordInput name="password".into() id="password".into() autocomplete="current-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <button type="submit" class="primary">{t.login_submit}</button>
            </form>
            <p><a href="/forgot-password">{t.forgot_password}</a></p>
            <p><a href="/register">{t.no_account}</a></p>
        </Layout>
    }
}

/// Asking for a reset link. The answer after sending is the same whether or not the account
/// exists or has an email; the page explains where the link goes (email, or SMS when it is
/// on) and the way for a woman with only a phone: her union's administrator, in person.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("forgot");
    let values = flash.clone().unwrap_or_default();
    view! {
        <Layout title=t.forgot_title>
            <h1>{t.forgot_title}</h1>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let sms = sms_resets().await.unwrap_or(false);
                    let sent = if sms { t.forgot_sent_sms } else { t.forgot_sent };
                    view! {
                        <FlashMessage flash=flash lang=lang ok_text=sent/>
                        <p>{t.forgot_intro}</p>
                        <form method="post" action=ForgotPassword::url() class="stack">
                            <label for="login">{t.field_login}</label>
                            <input id="login" name="login" required=true autocomplete="username" value=values.value("login")/>
                            <button type="submit" class="primary">{t.forgot_submit}</button>
                        </form>
                        <section id="no-email">
                            <h2>{t.forgot_no_email_title}</h2>
                            {sms.then(|| view! { <p id="forgot-sms">{t.forgot_sms}</p> })}
                            <p id="forgot-ask-union">{t.forgot_ask_union}</p>
                        </section>
                    }
                })}
            </Suspense>
        </Layout>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash: Option<Flash> = take_flash("reset");
    let token = use_query_map()
        .get_untracked()
        .get("token")
        .unwrap_or_default();
    view! {
        <Layout title=t.reset_title>
            <h1>{t.reset_title}</h1>
            <FlashMessage flash=flash lang=lang/>
            <form method="post" action=ResetPassword::url() class="stack">
                <input type="hidden" name="token" value=token/>
                <label for="password">{t.field_new_password}</label>
                <PasswordInput name="password".into() id="password".into() autocomplete="new-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <small>{t.field_password_hint}</small>
                <button type="submit" class="primary">{t.reset_submit}</button>
            </form>
        </Layout>
    }
}
