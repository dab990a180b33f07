//! `POST /quiz/{id}`: the quiz page's plain HTML form (works without JavaScript). Fields are
//! `q.<question id>`; the result shows on the same page after a 303.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use qihang_app::request::Flash;
use qihang_core::services::quiz;
use qihang_core::{Core, ServiceError};

use super::auth::MaybeAuthenticated;

pub async fn submit_from_page(
    actor: MaybeAuthenticated,
    core: web::Data<Core>,
    id: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let id = id.into_inner();
    let page: String = format!(
        "/quiz/{}",
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    );
    let Some(actor) = actor.0 else {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login"))
            .finish();
    };
    let outcome = match quiz::get(&core, &actor, id.clone()).await {
        Ok((view, _)) => quiz::submit(&core, &actor, id, quiz::answers_from_form(&view, &form))
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, page))
            .finish(),
        Err(error) => {
            if let ServiceError::Internal(cause) = &error {
                tracing::error!(%cause, "quiz form failed");
            }
            let flash = Flash {
                form: "quiz".into(),
                code: error.code().into(),
                ..Flash::default()
            };
            super::see_other_with_flash(&page, &flash)
        }
    }
}
