//! The privacy notice users accept at registration.

use leptos::prelude::*;

use crate::app::{use_lang, Layout};

#[component]
pub fn PrivacyPage() -> impl IntoView {
    let t = use_lang().t();
    view! {
        <Layout title=t.privacy_title>
            <h1>{t.privacy_title}</h1>
            {t.privacy_body.iter().map(|p| view! { <p>{*p}</p> }).collect_view()}
            <p class="muted">"v" {qihang_core::dto::PRIVACY_NOTICE_VERSION}</p>
        </Layout>
    }
}
