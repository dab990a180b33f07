//! Registration, login and password reset pages: plain HTML forms posting to server functions.
//! Registration picks her union in two steps (city, then her union by name) with an island
//! that searches as she types, and the same search as a plain form post without JavaScript.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::Texts;
use crate::islands::{OrgPicker, PasswordInput, PickerState, PickerTexts};
use crate::request::{take_flash, Flash};
use crate::server_fns::{
    find_org, password_link_state, search_orgs, sms_resets, top_orgs, ForgotPassword, Login,
    Register, ResetPassword,
};
use leptos::server_fn::ServerFn;

/// The picker's texts in the page's language.
fn picker_texts(t: &'static Texts) -> PickerTexts {
    PickerTexts {
        city: t.picker_city.into(),
        city_choose: t.picker_city_choose.into(),
        province_suffix: t.picker_province_suffix.into(),
        search: t.picker_search.into(),
        search_hint: t.picker_search_hint.into(),
        search_button: t.picker_search_button.into(),
        results: t.picker_results.into(),
        city_itself: t.picker_city_itself.into(),
        no_match: t.picker_no_match.into(),
        city_first: t.picker_city_first.into(),
        registers_with: t.picker_registers_with.into(),
    }
}

/// The picker as the page is drawn: the cities, what she chose and typed (from the query
/// string after a search, or kept from a refused post), and the matches for it. The union
/// she chose stays offered even when the words she typed no longer find it.
async fn picker_state(city: String, query: String, chosen: String) -> PickerState {
    // The province, its cities and its industry unions: each a branch to search below.
    let cities = top_orgs().await.unwrap_or_default();
    let mut matches = if city.is_empty() || query.trim().is_empty() {
        Vec::new()
    } else {
        search_orgs(city.clone(), query.clone())
            .await
            .unwrap_or_default()
    };
    let missing = !chosen.is_empty() && !matches.iter().any(|m| m.code == chosen);
    if missing {
        if let Ok(Some(org)) = find_org(chosen.clone()).await {
            matches.insert(0, org);
        }
    }
    let chosen = if matches.iter().any(|m| m.code == chosen) {
        chosen
    } else {
        String::new()
    };
    PickerState {
        cities,
        city,
        query,
        matches,
        chosen,
    }
}

/// `/register`: her details, then her union (the city, then her own union found by name;
/// a code box for those who know it), then the password. `?city=&org_q=` shows the matches
/// (the picker's search without JavaScript comes back here so).
#[component]
pub fn RegisterPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flash = take_flash("register");
    // A kept form (after the union search) carries what she typed but no message.
    let message = flash.clone().filter(|f| !f.ok);
    let values = flash.unwrap_or_default();
    let query = use_query_map().get_untracked();
    let from_url = |key: &str| query.get(key).filter(|v| !v.trim().is_empty());
    let city = from_url("city").unwrap_or_else(|| values.value("city"));
    let org_q = from_url("org_q").unwrap_or_else(|| values.value("org_q"));
    let chosen_org = values.value("org");
    let gender = values.value("gender");
    let org_code = values.value("org_code");
    let texts = picker_texts(t);
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
            <FlashMessage flash=message lang=lang/>
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
                <fieldset class="inline">
                    <legend>{t.field_gender}</legend>
                    <label><input type="radio" name="gender" value="female" checked=gender != "male"/>{t.gender_female}</label>
                    <label><input type="radio" name="gender" value="male" checked=gender == "male"/>{t.gender_male}</label>
                </fieldset>
                <fieldset class="picker" id="org-picker">
                    <legend>{t.field_org}</legend>
                    <Suspense fallback=|| ()>
                        {Suspend::new(async move {
                            let state = picker_state(city, org_q, chosen_org).await;
                            view! { <OrgPicker state=state texts=texts/> }
                        })}
                    </Suspense>
                    <details class="code-fallback" open=!org_code.is_empty()>
                        <summary>{t.picker_code_fallback}</summary>
                        <label for="org_code">{t.field_org_code}</label>
                        <input id="org_code" name="org_code" autocapitalize="off" spellcheck="false" aria-describedby="org-code-hint"
                            value=org_code.clone()/>
                        <small id="org-code-hint">{t.field_org_code_hint}</small>
                    </details>
                </fieldset>
                <label for="password">{t.field_password}</label>
                <PasswordInput name="password".into() id="password".into() autocomplete="new-password".into()
                    show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                <small>{t.field_password_hint}</small>
                <div class="consent">
                    <label class="check">
                        <input type="checkbox" name="consent" id="consent" required=true checked=!values.value("consent").is_empty()/>
                        {t.consent_label}{t.privacy_link}
                    </label>
                    <a href="/privacy" target="_blank">{t.read_privacy}</a>
                </div>
                <button type="submit" class="primary" id="register-submit">{t.register_submit}</button>
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
    let next = use_query_map()
        .get_untracked()
        .get("next")
        .unwrap_or_default();
    let asked = !next.is_empty();
    view! {
        <Layout title=t.login_title>
            <h1>{t.login_title}</h1>
            {asked.then(|| view! { <p class="notice" id="sign-in-first">{t.sign_in_first}</p> })}
            <FlashMessage flash=flash lang=lang ok_text=t.reset_done/>
            <form method="post" action=Login::url() class="stack" id="login-form">
                {asked.then(|| view! { <input type="hidden" name="next" value=next.clone()/> })}
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
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    // A used, expired or made-up link says so at once, with the way to a new one.
                    if let Err(e) = password_link_state(token.clone()).await {
                        return view! {
                            <p class="notice error" id="link-dead">{crate::i18n::error_message(lang, e.code, None)}</p>
                            <p>{t.link_dead_next}</p>
                            <p><a class="button primary" href="/forgot-password" id="ask-new-link">{t.forgot_title}</a></p>
                        }.into_any();
                    }
                    view! {
                        <form method="post" action=ResetPassword::url() class="stack">
                            <input type="hidden" name="token" value=token.clone()/>
                            <label for="password">{t.field_new_password}</label>
                            <PasswordInput name="password".into() id="password".into() autocomplete="new-password".into()
                                show_label=t.show_password.into() hide_label=t.hide_password.into()/>
                            <small>{t.field_password_hint}</small>
                            <button type="submit" class="primary">{t.reset_submit}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}
