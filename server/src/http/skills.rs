//! REST for skill records and consents (issue 13): her profile, her consents per purpose,
//! another woman's profile for those allowed, a trainer's confirmation of a level. Thin
//! adapters; who may see what is decided in `services::skills`.

use actix_web::{web, HttpResponse};
use qihang_core::services::skills::{self, Confirmation, ConsentInput};
use qihang_core::Core;

use super::auth::{Authenticated, StaffSomewhere};
use super::errors::ApiError;
use super::json::JsonBody;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/me/skills", web::get().to(mine))
        .route("/me/consents", web::get().to(consents))
        .route("/me/consents", web::put().to(set_consents))
        .route("/users/{id}/skills", web::get().to(of_person))
        .route("/users/{id}/skills", web::post().to(confirm));
}

type ApiResult = Result<HttpResponse, ApiError>;

/// `GET /api/v1/me/skills` → `[{skill, name, level, level_name, evidence, next_course, …}]`.
async fn mine(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(skills::mine(&core, &actor.0).await?))
}

/// `GET /api/v1/me/consents` → `{skills_visible, talent_pool, updated_at}`.
async fn consents(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(skills::consents(&core, &actor.0).await?))
}

/// `PUT /api/v1/me/consents` `{skills_visible, talent_pool}` → 200 the consents.
async fn set_consents(
    core: web::Data<Core>,
    actor: Authenticated,
    body: JsonBody<ConsentInput>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(skills::set_consents(&core, &actor.0, body.take()?).await?))
}

/// `GET /api/v1/users/{id}/skills`: herself, admins of her union's subtree, trainers there
/// with her consent; 403 for everyone else.
async fn of_person(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(skills::of_person(&core, &actor.0, id.into_inner()).await?))
}

/// `POST /api/v1/users/{id}/skills` `{skill, level, reason}` → 201 her profile.
async fn confirm(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
    body: JsonBody<Confirmation>,
) -> ApiResult {
    let id = id.into_inner();
    let allowed = skills::authorize_confirm(&core, &actor.0, id.clone());
    let confirmation = body.take_after(allowed).await?;
    let profile = skills::confirm(&core, &actor.0, id, confirmation).await?;
    Ok(HttpResponse::Created().json(profile))
}
