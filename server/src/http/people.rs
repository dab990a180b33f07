//! REST for a union administrator's work on a person in her subtree (issue 11): find her,
//! grant another quiz attempt, hand her a one-time password link, grant or revoke roles.
//! Thin adapters; who may do what is decided in `services::people`.

use actix_web::{web, HttpResponse};
use qihang_core::services::people::{self, RoleChange};
use qihang_core::Core;
use serde::Deserialize;

use super::auth::{AdminSomewhere, Authenticated};
use super::errors::ApiError;
use super::json::JsonBody;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/people", web::get().to(search))
        .route("/people/{id}", web::get().to(person))
        .route("/people/{id}/extra-attempts", web::post().to(grant_attempt))
        .route("/people/{id}/reset-links", web::post().to(reset_link))
        .route("/people/{id}/roles", web::post().to(grant_role))
        .route(
            "/people/{id}/roles/{role}/{org}",
            web::delete().to(revoke_role),
        );
}

type ApiResult = Result<HttpResponse, ApiError>;

#[derive(Deserialize)]
struct SearchQuery {
    /// Missing is empty: the service refuses it, after the caller's right is decided.
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/people?q=<phone or part of a name>` → `[{id, name, phone, org}]`.
async fn search(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    query: web::Query<SearchQuery>,
) -> ApiResult {
    let found = people::search(&core, &actor.0, query.into_inner().q).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// `GET /api/v1/people/{id}`: her roles, courses with quiz standing, and the audit log.
async fn person(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(people::person(&core, &actor.0, id.into_inner()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantAttempt {
    course: String,
}

/// `POST /api/v1/people/{id}/extra-attempts` `{course}` → 201 with her quiz standing.
async fn grant_attempt(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    id: web::Path<String>,
    body: JsonBody<GrantAttempt>,
) -> ApiResult {
    let id = id.into_inner();
    let allowed = people::authorize_in_reach(&core, &actor.0, id.clone());
    let course = body.take_after(allowed).await?.course;
    let standing = people::grant_attempt(&core, &actor.0, id, course).await?;
    Ok(HttpResponse::Created().json(standing))
}

/// `POST /api/v1/people/{id}/reset-links` → 201 `{url, expires_at, expires_china, qr_svg}`.
async fn reset_link(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    let link = people::issue_reset_link(&core, &actor.0, id.into_inner()).await?;
    Ok(HttpResponse::Created().json(link))
}

/// `POST /api/v1/people/{id}/roles` `{role, org}` → 200 with her roles.
async fn grant_role(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    id: web::Path<String>,
    body: JsonBody<RoleChange>,
) -> ApiResult {
    let id = id.into_inner();
    let allowed = people::authorize_in_reach(&core, &actor.0, id.clone());
    let change = body.take_after(allowed).await?;
    let user = people::grant_role(&core, &actor.0, id, change).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// `DELETE /api/v1/people/{id}/roles/{role}/{org}` → 200 with her remaining roles.
async fn revoke_role(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, String, String)>,
) -> ApiResult {
    let (id, role, org) = path.into_inner();
    let user = people::revoke_role(&core, &actor.0, id, RoleChange { role, org }).await?;
    Ok(HttpResponse::Ok().json(user))
}
