//! "My account": the signed-in user's own details (her phone unmasked, to her alone), changing
//! her password, adding, changing or removing her email, and logging out. Plain forms posting
//! to server functions, so they work without JavaScript.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::FlashMessage;
use crate::app::{use_lang, Layout};
use crate::i18n::{Lang, Texts};
use crate::islands::PasswordInput;
use crate::request::{take_flash, Flash};
use crate::server_fns::{current_account, ChangeEmail, ChangePassword, Logout};

#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    let flashes = (take_flash("password"), take_flash("email"));
    view! {
        <Layout title=t.account_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let Some(account) = current_account().await.ok().flatten() else {
                        crate::request::redirect_to_login();
                        return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                    };
                    let (password_flash, email_flash) = flashes.clone();
                    let roles = account.user.roles.iter().map(|r| {
                        let role = match r.role.as_str() {
                            "admin" => t.role_admin,
                            "trainer" => t.role_trainer,
                            _ => t.role_learner,
                        };
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
