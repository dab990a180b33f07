//! The pages, one module per area.

pub mod account;
pub mod auth;
pub mod home;
pub mod privacy;

use leptos::prelude::*;

use crate::i18n::{error_message, Lang};
use crate::request::Flash;

/// The message box for a failed (or successful) form post.
#[component]
pub fn FlashMessage(
    flash: Option<Flash>,
    lang: Lang,
    #[prop(optional)] ok_text: &'static str,
) -> impl IntoView {
    flash.map(|f| {
        if f.ok {
            view! { <p class="notice ok" role="status">{ok_text}</p> }.into_any()
        } else {
            let text = error_message(lang, &f.code, f.field.as_deref());
            view! {
                <p class="notice error" role="alert" data-code=f.code.clone() data-field=f.field.clone()>
                    {text}
                </p>
            }
            .into_any()
        }
    })
}
