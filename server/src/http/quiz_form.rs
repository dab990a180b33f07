//! `POST /quiz/{id}`: the quiz page's plain HTML form (works without JavaScript). Fields are
//! `q.<question id>`; the result shows on the same page after a 303. With `save=1` (the "save
//! answers" button) the answers are only saved; with `save=auto` (the autosave island, on
//! every change) the answer is 204, or the error's status.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use qihang_app::request::{flash_for_error, Flash};
use qihang_core::services::quiz;
use qihang_core::Core;

use super::auth::MaybeAuthenticated;
use super::errors::ApiError;

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
    let save = form
        .iter()
        .find(|(k, _)| k == "save")
        .map(|(_, v)| v.clone());
    let outcome = match quiz::get(&core, &actor, id.clone()).await {
        Ok(page) => {
            let answers = quiz::answers_from_form(&page.attempt, &form);
            match save {
                Some(_) => quiz::save_answers(&core, &actor, id, answers)
                    .await
                    .map(|_| ()),
                None => quiz::submit(&core, &actor, id, answers).await.map(|_| ()),
            }
        }
        Err(e) => Err(e),
    };
    if save.as_deref() == Some("auto") {
        return match outcome {
            Ok(()) => HttpResponse::NoContent().finish(),
            Err(error) => ApiError::from(error).into_response(),
        };
    }
    match outcome {
        Ok(()) if save.is_some() => super::see_other_with_flash(&page, &Flash::succeeded("quiz")),
        Ok(()) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, page))
            .finish(),
        Err(error) => {
            super::see_other_with_flash(&page, &flash_for_error("quiz", &error, Vec::new()))
        }
    }
}
