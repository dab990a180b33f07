//! "My account": the signed-in user's own details (her phone unmasked, to her alone) and
//! logging out.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::app::{use_lang, Layout};
use crate::server_fns::{current_account, Logout};

#[component]
pub fn AccountPage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.t();
    view! {
        <Layout title=t.account_title>
            <Suspense fallback=|| ()>
                {Suspend::new(async move {
                    let Some(account) = current_account().await.ok().flatten() else {
                        crate::request::redirect("/login");
                        return view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any();
                    };
                    let roles = account.user.roles.iter().map(|r| {
                        let role = match r.role.as_str() {
                            "admin" => t.role_admin,
                            "trainer" => t.role_trainer,
                            _ => t.role_learner,
                        };
                        view! { <li>{role}" · "<code>{r.org.clone()}</code></li> }
                    }).collect_view();
                    view! {
                        <h1>{t.account_title}</h1>
                        <dl class="facts" id="account">
                            <dt>{t.field_name}</dt><dd id="account-name">{account.user.name.clone()}</dd>
                            <dt>{t.field_phone}</dt><dd id="account-phone">{account.own_phone.clone()}</dd>
                            <dt>{t.field_email}</dt><dd>{account.email.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>{t.account_org}</dt><dd>{lang.pick(&account.user.org.name, account.user.org.name_en.as_deref()).to_string()}" ("<code>{account.user.org.code.clone()}</code>")"</dd>
                            <dt>{t.account_roles}</dt><dd><ul class="plain">{roles}</ul></dd>
                        </dl>
                        <form method="post" action=Logout::url()>
                            <button type="submit" id="logout">{t.logout}</button>
                        </form>
                    }.into_any()
                })}
            </Suspense>
        </Layout>
    }
}
