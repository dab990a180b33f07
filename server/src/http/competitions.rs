//! REST for innovation studios, skills competitions (with the theory round and results) and
//! the talent pool (issue 13). Thin adapters: who may do what is decided in
//! `services::{studios, competitions, talent}`.

use actix_web::{web, HttpResponse};
use qihang_core::dto::AnswerInput;
use qihang_core::services::competitions::results::{self, ResultsInput};
use qihang_core::services::competitions::{self, theory, CompetitionInput};
use qihang_core::services::evidence::ExportFormat;
use qihang_core::services::studios::{self, AchievementInput, MemberInput, StudioInput};
use qihang_core::services::talent::{self, TalentFilter};
use qihang_core::Core;
use serde::Deserialize;

use super::api::export_response;
use super::auth::{AdminSomewhere, Authenticated};
use super::errors::ApiError;
use super::json::JsonBody;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/studios", web::post().to(create_studio))
        .route("/studios", web::get().to(list_studios))
        .route("/studios/{id}", web::get().to(studio))
        .route("/studios/{id}/members", web::post().to(add_member))
        .route(
            "/studios/{id}/members/{user}",
            web::delete().to(remove_member),
        )
        .route("/studios/{id}/join", web::post().to(join))
        .route(
            "/studios/{id}/achievements",
            web::post().to(add_achievement),
        )
        .route(
            "/studios/{id}/achievements/{achievement}/attachment",
            web::get().to(attachment),
        )
        .route("/studios/{id}/candidates", web::get().to(candidates))
        .route("/competitions", web::post().to(create_competition))
        .route("/competitions", web::get().to(list_competitions))
        .route("/competitions/{id}", web::get().to(competition))
        .route("/competitions/{id}/registrations", web::post().to(register))
        .route(
            "/competitions/{id}/theory/attempts",
            web::post().to(start_theory),
        )
        .route("/competitions/{id}/ranking", web::get().to(ranking))
        .route("/competitions/{id}/results", web::post().to(enter_results))
        .route("/competitions/{id}/results", web::get().to(list_results))
        .route("/theory-attempts/{id}", web::get().to(theory_attempt))
        .route("/theory-attempts/{id}/answers", web::put().to(save_theory))
        .route(
            "/theory-attempts/{id}/submit",
            web::post().to(submit_theory),
        )
        .route("/talent-pool", web::get().to(talent_pool))
        .route("/talent-pool.csv", web::get().to(talent_pool_csv))
        .route("/talent-pool.xlsx", web::get().to(talent_pool_xlsx))
        .route("/orgs/{code}/skills", web::get().to(skills_figures));
}

type ApiResult = Result<HttpResponse, ApiError>;

#[derive(Deserialize)]
struct OrgQuery {
    #[serde(default)]
    org: Option<String>,
}

/// `POST /api/v1/studios` `{name, org, leader, skills, description?}` → 201 the studio.
async fn create_studio(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    body: JsonBody<StudioInput>,
) -> ApiResult {
    Ok(HttpResponse::Created().json(studios::create(&core, &actor.0, body.take()?).await?))
}

/// `GET /api/v1/studios[?org=]`: the studios she reaches, with their figures.
async fn list_studios(
    core: web::Data<Core>,
    actor: Authenticated,
    query: web::Query<OrgQuery>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(studios::list(&core, &actor.0, query.into_inner().org).await?))
}

/// `GET /api/v1/studios/{id}` → `{studio, members, pending, achievements}`.
async fn studio(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(studios::get(&core, &actor.0, id.into_inner()).await?))
}

/// `POST /api/v1/studios/{id}/members` `{user}`: the leader invites her, or approves her
/// request → 201 the studio's page.
async fn add_member(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<MemberInput>,
) -> ApiResult {
    let page = studios::add_member(&core, &actor.0, id.into_inner(), body.take()?).await?;
    Ok(HttpResponse::Created().json(page))
}

/// `DELETE /api/v1/studios/{id}/members/{user}`: she leaves, or a manager removes her.
async fn remove_member(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult {
    let (id, user) = path.into_inner();
    Ok(HttpResponse::Ok().json(studios::remove_member(&core, &actor.0, id, user).await?))
}

/// `POST /api/v1/studios/{id}/join`: she asks to join, or accepts an invitation.
async fn join(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(studios::join(&core, &actor.0, id.into_inner()).await?))
}

/// `POST /api/v1/studios/{id}/achievements` `{date, kind, title, description?}` → 201.
async fn add_achievement(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<AchievementInput>,
) -> ApiResult {
    let added =
        studios::add_achievement(&core, &actor.0, id.into_inner(), body.take()?, None).await?;
    Ok(HttpResponse::Created().json(added))
}

/// `GET /api/v1/studios/{id}/achievements/{achievement}/attachment`: the file, for those who
/// see the studio.
async fn attachment(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, i64)>,
) -> ApiResult {
    let (id, achievement) = path.into_inner();
    let (name, content_type, bytes) = studios::attachment(&core, &actor.0, id, achievement).await?;
    let encoded: String = url_escape(&name);
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"attachment\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        // A PDF opened inline runs in a sandbox: no script of it acts as this site.
        .insert_header(("Content-Security-Policy", "sandbox"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// Percent-encodes a file name for `filename*` (RFC 5987).
fn url_escape(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[derive(Deserialize)]
struct CandidateQuery {
    skill: String,
    #[serde(default)]
    min_level: Option<i32>,
}

/// `GET /api/v1/studios/{id}/candidates?skill=&min_level=`: the leader's recruiting search
/// within the host's subtree.
async fn candidates(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    query: web::Query<CandidateQuery>,
) -> ApiResult {
    let q = query.into_inner();
    let found = studios::candidates(&core, &actor.0, id.into_inner(), q.skill, q.min_level).await?;
    Ok(HttpResponse::Ok().json(found))
}

/// `POST /api/v1/competitions` → 201 the competition.
async fn create_competition(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    body: JsonBody<CompetitionInput>,
) -> ApiResult {
    Ok(HttpResponse::Created().json(competitions::create(&core, &actor.0, body.take()?).await?))
}

/// `GET /api/v1/competitions[?org=]`.
async fn list_competitions(
    core: web::Data<Core>,
    actor: Authenticated,
    query: web::Query<OrgQuery>,
) -> ApiResult {
    let list = competitions::list(&core, &actor.0, query.into_inner().org).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// `GET /api/v1/competitions/{id}`: with the rules she misses (`misses`).
async fn competition(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(competitions::get(&core, &actor.0, id.into_inner()).await?))
}

/// `POST /api/v1/competitions/{id}/registrations` → 201 (200 when she was registered), or
/// 422 `not_eligible` with `reasons`, or 409 `registration_closed`.
async fn register(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    let (view, new) = competitions::register(&core, &actor.0, id.into_inner()).await?;
    Ok(if new {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// `POST /api/v1/competitions/{id}/theory/attempts` → 201 `{id, deadline, questions}` (200 with
/// the same attempt when she started already); 409 `round_not_started` / `round_over`; 403
/// `not_registered`.
async fn start_theory(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    let (attempt, new) = theory::start(&core, &actor.0, id.into_inner()).await?;
    Ok(if new {
        HttpResponse::Created().json(attempt)
    } else {
        HttpResponse::Ok().json(attempt)
    })
}

/// `GET /api/v1/competitions/{id}/ranking`: by score, then time taken.
async fn ranking(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(theory::ranking(&core, &actor.0, id.into_inner()).await?))
}

/// `POST /api/v1/competitions/{id}/results` `{results: [{user, rank, score, award}]}` → 201
/// every result by rank.
async fn enter_results(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    id: web::Path<String>,
    body: JsonBody<ResultsInput>,
) -> ApiResult {
    let all = results::enter(&core, &actor.0, id.into_inner(), body.take()?).await?;
    Ok(HttpResponse::Created().json(all))
}

/// `GET /api/v1/competitions/{id}/results`.
async fn list_results(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(results::list(&core, &actor.0, id.into_inner()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersBody {
    #[serde(default)]
    answers: std::collections::BTreeMap<String, AnswerInput>,
}

/// `GET /api/v1/theory-attempts/{id}` → `{attempt, result}` (her own only).
async fn theory_attempt(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    let (attempt, result) = theory::get(&core, &actor.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"attempt": attempt, "result": result})))
}

/// `PUT /api/v1/theory-attempts/{id}/answers` `{answers}`: saved as she goes.
async fn save_theory(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<AnswersBody>,
) -> ApiResult {
    let view = theory::save(&core, &actor.0, id.into_inner(), body.take()?.answers).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `POST /api/v1/theory-attempts/{id}/submit` `{answers}` → `{score, right, total, seconds}`;
/// repeats return the same; 409 `deadline_passed` after the round.
async fn submit_theory(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<AnswersBody>,
) -> ApiResult {
    let result = theory::submit(&core, &actor.0, id.into_inner(), body.take()?.answers).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// `GET /api/v1/talent-pool?skill=&min_level=&org=`.
async fn talent_pool(
    core: web::Data<Core>,
    actor: Authenticated,
    query: web::Query<TalentFilter>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(talent::search(&core, &actor.0, query.into_inner()).await?))
}

async fn talent_export(
    core: web::Data<Core>,
    actor: Authenticated,
    filter: TalentFilter,
    format: ExportFormat,
) -> ApiResult {
    let (bytes, code) = talent::export(&core, &actor.0, filter, format).await?;
    Ok(export_response(
        bytes,
        &format!("qihang-talent-pool-{code}"),
        format,
    ))
}

/// `GET /api/v1/talent-pool.csv` (audited, formula-safe).
async fn talent_pool_csv(
    core: web::Data<Core>,
    actor: Authenticated,
    query: web::Query<TalentFilter>,
) -> ApiResult {
    talent_export(core, actor, query.into_inner(), ExportFormat::Csv).await
}

/// `GET /api/v1/talent-pool.xlsx` (audited).
async fn talent_pool_xlsx(
    core: web::Data<Core>,
    actor: Authenticated,
    query: web::Query<TalentFilter>,
) -> ApiResult {
    talent_export(core, actor, query.into_inner(), ExportFormat::Xlsx).await
}

/// `GET /api/v1/orgs/{code}/skills`: women at each level per skill, studios toward 100,
/// competitions, registrations, results and the pool's size.
async fn skills_figures(
    core: web::Data<Core>,
    actor: Authenticated,
    code: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(talent::figures(&core, &actor.0, code.into_inner()).await?))
}
