//! The pages, one module per area.

pub mod account;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod classes;
pub mod competitions;
pub mod dashboard;
pub mod home;
pub mod learn;
pub mod org_import;
pub mod packs;
pub mod people;
pub mod privacy;
pub mod quiz;
pub mod skills;
pub mod studios;
pub mod talent;
pub mod theory;
pub mod trainer_classes;

use leptos::prelude::*;
use qihang_core::dto::ErrorCode;

use crate::i18n::{error_message, Lang};
use crate::request::Flash;

/// A page's own thing could not be shown: the 404 page when it does not exist, else the
/// error in words; either way with the error's status (403 for what the caller may not see).
pub fn error_view(lang: Lang, code: ErrorCode) -> AnyView {
    refused(code);
    if code == ErrorCode::NotFound {
        return view! { <crate::app::NotFoundBody/> }.into_any();
    }
    view! { <p class="notice error">{error_message(lang, code, None)}</p> }.into_any()
}

/// What a page does when its own data is refused: the answer carries the refusal's status
/// (403 for what the caller may not see, 404 for what does not exist), and a caller who must
/// sign in is sent to the login page and back. The page then shows the message in words.
pub fn refused(code: ErrorCode) {
    if code == ErrorCode::Unauthenticated {
        crate::request::redirect_to_login();
    }
    crate::request::set_error_status(code);
}

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
            let code = f.code.unwrap_or(ErrorCode::Internal);
            if f.fields.len() > 1 {
                // A whole form with several mistakes: one line per field, all at once.
                let items = f.fields.iter().map(|field| view! {
                    <li data-field=field.clone()>{error_message(lang, code, Some(field))}</li>
                }).collect_view();
                return view! {
                    <div class="notice error" role="alert" data-code=code.as_str() data-field=f.field.clone()>
                        <ul class="field-errors">{items}</ul>
                    </div>
                }
                .into_any();
            }
            let text = error_message(lang, code, f.field.as_deref());
            let detail = match (&f.problem, &f.detail) {
                (Some(problem), _) => Some(problem.text(lang.checker())),
                (None, detail) => detail.clone(),
            }
            .map(|d| view! { <br/><code class="detail">{d}</code> });
            view! {
                <p class="notice error" role="alert" data-code=code.as_str() data-field=f.field.clone()>
                    {text}
                    {detail}
                </p>
            }
            .into_any()
        }
    })
}
