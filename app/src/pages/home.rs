//! The home page: what Qihang is, the drive's target, and the three tiers.

use leptos::prelude::*;

use crate::app::{use_lang, Layout};
use crate::server_fns::current_account;

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_lang().t();
    view! {
        <Layout title=t.home_title>
            <section class="hero">
                <h1>{t.home_title}</h1>
                <p>{t.home_intro}</p>
                <p class="target">{t.home_target}</p>
                <Suspense fallback=|| ()>
                    {Suspend::new(async move {
                        match current_account().await.ok().flatten() {
                            Some(account) => view! {
                                <p id="welcome-back">{t.home_welcome_back.replace("{name}", &account.user.name)}" · "
                                    <a href="/account">{t.nav_account}</a></p>
                            }.into_any(),
                            None => view! {
                                <a class="button primary" href="/register">{t.home_start}</a>
                                <a class="button" href="/login">{t.nav_login}</a>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <section class="tiers">
                <article class="tier t1"><h2>{t.tier_basic}</h2><p>{t.tier_basic_desc}</p></article>
                <article class="tier t2"><h2>{t.tier_advanced}</h2><p>{t.tier_advanced_desc}</p></article>
                <article class="tier t3"><h2>{t.tier_expert}</h2><p>{t.tier_expert_desc}</p></article>
            </section>
        </Layout>
    }
}
