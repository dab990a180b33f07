//! REST for in-person classes (issue 12): sessions with seats, sign-up and wait-list, the live
//! check-in code, check-in, the register (marks, roster files, scores) and its export. Thin
//! adapters; who may do what is decided in `services::classes`.

use actix_web::{web, HttpRequest, HttpResponse};
use qihang_core::services::classes::{
    self, AttendanceMark, ExportFormat, NewClassSession, RosterAction, ScoreInput, SessionPatch,
};
use qihang_core::{Core, ServiceError};
use serde::Deserialize;

use super::auth::{Authenticated, MaybeAuthenticated, StaffSomewhere};
use super::errors::ApiError;
use super::json::JsonBody;

/// A roster file is a class list: a few thousand rows at most.
const ROSTER_LIMIT: usize = 2 * 1024 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/courses/{id}/sessions", web::post().to(create))
        .route("/courses/{id}/sessions", web::get().to(of_course))
        .route("/courses/{id}/check-in", web::post().to(check_in_course))
        .route("/sessions", web::get().to(list))
        .route("/sessions/{id}", web::get().to(get))
        .route("/sessions/{id}", web::patch().to(update))
        .route("/sessions/{id}", web::delete().to(cancel))
        .route("/sessions/{id}/signup", web::post().to(sign_up))
        .route("/sessions/{id}/signup", web::delete().to(cancel_signup))
        .route("/sessions/{id}/code", web::get().to(code))
        .route("/sessions/{id}/checkin", web::post().to(check_in))
        .route("/sessions/{id}/attendance", web::get().to(attendance))
        .route("/sessions/{id}/attendance.{format}", web::get().to(export))
        .service(
            web::resource("/sessions/{id}/attendance")
                .app_data(web::PayloadConfig::new(ROSTER_LIMIT))
                .route(web::post().to(mark_or_roster)),
        )
        .route("/sessions/{id}/scores", web::put().to(scores))
        .route("/sessions/{id}/learners", web::get().to(find_learners));
}

type ApiResult = Result<HttpResponse, ApiError>;

/// `POST /api/v1/courses/{id}/sessions` `{location, starts_at, ends_at, org?, capacity?,
/// notes?}` → 201 with the session.
async fn create(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
    body: JsonBody<NewClassSession>,
) -> ApiResult {
    let session = classes::create_session(&core, &actor.0, id.into_inner(), body.take()?).await?;
    Ok(HttpResponse::Created().json(session))
}

/// `GET /api/v1/courses/{id}/sessions`: its classes that have not ended, soonest first.
async fn of_course(
    core: web::Data<Core>,
    actor: MaybeAuthenticated,
    id: web::Path<String>,
) -> ApiResult {
    let list = classes::course_sessions(&core, actor.0.as_ref(), id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    near: Option<String>,
}

/// `GET /api/v1/sessions?near=me`: classes in her city; without `near`, the classes she runs
/// (`{upcoming, past, courses, orgs}`).
async fn list(
    core: web::Data<Core>,
    actor: Authenticated,
    query: web::Query<ListQuery>,
) -> ApiResult {
    match query.into_inner().near.as_deref() {
        Some("me") => Ok(HttpResponse::Ok().json(classes::near_me(&core, &actor.0).await?)),
        None => Ok(HttpResponse::Ok().json(classes::trainer_sessions(&core, &actor.0).await?)),
        Some(_) => Err(ServiceError::from(qihang_core::domain::DomainError::Near).into()),
    }
}

/// `GET /api/v1/sessions/{id}`: for those who run it (with the code and attendees), or a
/// learner who can see its course.
async fn get(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(classes::session_view(&core, &actor.0, id.into_inner()).await?))
}

/// `PATCH /api/v1/sessions/{id}` with any of `{location, starts_at, ends_at, capacity, notes}`.
async fn update(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
    body: JsonBody<SessionPatch>,
) -> ApiResult {
    let id = id.into_inner();
    let allowed = classes::authorize_runner(&core, &actor.0, id.clone());
    let patch = body.take_after(allowed).await?;
    let session = classes::update_session(&core, &actor.0, id, patch).await?;
    Ok(HttpResponse::Ok().json(session))
}

/// `DELETE /api/v1/sessions/{id}`: cancels it (everyone signed up is told) → the session.
async fn cancel(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    let session = classes::cancel_session(&core, &actor.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(session))
}

/// `POST /api/v1/sessions/{id}/signup` → `{status: "confirmed"|"waitlisted", position?}`.
async fn sign_up(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok().json(classes::sign_up(&core, &actor.0, id.into_inner()).await?))
}

/// `DELETE /api/v1/sessions/{id}/signup` → 204.
async fn cancel_signup(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    classes::cancel_signup(&core, &actor.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/sessions/{id}/code` (those who run it) → `{code, url, expires_at, …}`.
async fn code(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(classes::live_code(&core, &actor.0, id.into_inner()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInBody {
    code: String,
}

/// `POST /api/v1/sessions/{id}/checkin` `{code}` → `{status: "present", checked_in_at, …}`.
async fn check_in(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<CheckInBody>,
) -> ApiResult {
    let done = classes::check_in(&core, &actor.0, id.into_inner(), body.take()?.code).await?;
    Ok(HttpResponse::Ok().json(done))
}

/// `POST /api/v1/courses/{id}/check-in` `{code}` (the original course-level check-in) → her
/// enrolment.
async fn check_in_course(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<CheckInBody>,
) -> ApiResult {
    let enrollment =
        classes::check_in_course(&core, &actor.0, id.into_inner(), body.take()?.code).await?;
    Ok(HttpResponse::Ok().json(enrollment))
}

/// `GET /api/v1/sessions/{id}/attendance` → `{session, rows, present, full_names}`.
async fn attendance(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(classes::attendance(&core, &actor.0, id.into_inner()).await?))
}

/// `GET /api/v1/sessions/{id}/attendance.csv|.xlsx`: the register, audited.
async fn export(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult {
    let (id, format) = path.into_inner();
    let format = match format.as_str() {
        "csv" => ExportFormat::Csv,
        "xlsx" => ExportFormat::Xlsx,
        _ => return Err(ApiError::NotFound),
    };
    let (name, bytes) = classes::export_attendance(&core, &actor.0, id, format).await?;
    let stem = name
        .rsplit_once('.')
        .map_or(name.as_str(), |(stem, _)| stem);
    Ok(super::api::export_response(bytes, stem, format))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterQuery {
    #[serde(default)]
    dry_run: bool,
    #[serde(default)]
    action: String,
}

/// One mark or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Marks {
    One(AttendanceMark),
    Many(Vec<AttendanceMark>),
}

/// `POST /api/v1/sessions/{id}/attendance`: JSON marks (`{phone|person, present?}` or a list
/// of them) → the register; or a roster file (CSV/XLSX body, `?dry_run=true&action=present|
/// signup`) → the report: 200 when every row is good (applied unless a dry run), 422 with
/// the same report naming each bad row when any is not (nothing written).
async fn mark_or_roster(
    core: web::Data<Core>,
    actor: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    query: web::Query<RosterQuery>,
    body: web::Bytes,
) -> ApiResult {
    let id = id.into_inner();
    classes::authorize_runner(&core, &actor.0, id.clone()).await?;
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        let marks: Marks = super::json::parse(&body)?;
        let marks = match marks {
            Marks::One(m) => vec![m],
            Marks::Many(m) => m,
        };
        let mut list = None;
        for m in marks {
            list = Some(classes::mark(&core, &actor.0, id.clone(), m).await?);
        }
        let list = match list {
            Some(list) => list,
            None => classes::attendance(&core, &actor.0, id).await?,
        };
        return Ok(HttpResponse::Ok().json(list));
    }
    let query = query.into_inner();
    let action = RosterAction::parse(&query.action).map_err(ServiceError::from)?;
    let report =
        classes::import_roster(&core, &actor.0, id, body.to_vec(), action, query.dry_run).await?;
    Ok(if report.problems.is_empty() {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::UnprocessableEntity().json(report)
    })
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Scores {
    Wrapped { scores: Vec<ScoreInput> },
    Bare(Vec<ScoreInput>),
}

/// `PUT /api/v1/sessions/{id}/scores` `{scores: [{person|phone, score}]}` → the register.
async fn scores(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
    body: JsonBody<Scores>,
) -> ApiResult {
    let id = id.into_inner();
    let allowed = classes::authorize_runner(&core, &actor.0, id.clone());
    let scores = match body.take_after(allowed).await? {
        Scores::Wrapped { scores } | Scores::Bare(scores) => scores,
    };
    let list = classes::set_scores(&core, &actor.0, id, scores).await?;
    Ok(HttpResponse::Ok().json(list))
}

#[derive(Deserialize)]
struct SearchQuery {
    /// Missing is empty: the service refuses it, after the caller's right is decided.
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/sessions/{id}/learners?q=` → her learners matching a name or phone tail.
async fn find_learners(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
    query: web::Query<SearchQuery>,
) -> ApiResult {
    let found =
        classes::find_learners(&core, &actor.0, id.into_inner(), query.into_inner().q).await?;
    Ok(HttpResponse::Ok().json(found))
}
