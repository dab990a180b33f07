//! REST API v1: thin adapters from JSON to the service layer. Paths, fields and status codes
//! are public contracts: extend, never rename.

use actix_web::{web, HttpRequest, HttpResponse};
use qihang_app::request::{clear_cookie, session_cookie, SESSION_COOKIE};
use qihang_core::dto::AnswerInput;
use qihang_core::services::account_settings::{self, EmailChange, PasswordChange};
use qihang_core::services::evidence::ExportFormat;
use qihang_core::services::{
    accounts, certificates, classes, evidence, learner_import, learning, my_data, org_import, orgs,
    quiz, stats, uploads,
};
use qihang_core::{Core, ServiceError};
use serde::Deserialize;

use super::auth::{
    client_ip, client_of, AdminSomewhere, Authenticated, MaybeAuthenticated, StaffSomewhere,
};
use super::errors::ApiError;
use super::json::JsonBody;

/// The learner's hot paths (catalogue, lessons, the quiz), registered first under `/api/v1`:
/// actix tries routes in order, one regex per dynamic path, and a campaign evening is mostly
/// these. No other module's route matches them (classes' `/courses/{id}/sessions` and
/// `/check-in` differ in a literal segment), so the order changes no answer.
pub fn learning_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/courses", web::get().to(list_courses))
        .route("/courses/{id}", web::get().to(get_course))
        .route("/courses/{id}/enrollment", web::post().to(enroll))
        .route("/courses/{id}/lessons/{lesson}", web::get().to(get_lesson))
        .route(
            "/courses/{id}/lessons/{lesson}/complete",
            web::post().to(complete_lesson),
        )
        .route("/courses/{id}/quiz/attempts", web::post().to(start_attempt))
        .route("/quiz-attempts/{id}/answers", web::put().to(save_answers))
        .route("/quiz-attempts/{id}/submit", web::post().to(submit_attempt));
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(register))
        .route("/auth/login", web::post().to(login))
        .route("/auth/logout", web::post().to(logout))
        .route(
            "/auth/password-reset",
            web::post().to(request_password_reset),
        )
        .route(
            "/auth/password-reset/confirm",
            web::post().to(confirm_password_reset),
        )
        .route("/me", web::get().to(me))
        .route("/me", web::delete().to(delete_me))
        .route("/me/export", web::get().to(export_me))
        .route("/me/sessions", web::get().to(my_sessions))
        .route("/me/sessions/{id}", web::delete().to(end_session))
        .route("/me/password", web::put().to(change_password))
        .route("/me/email", web::put().to(change_email))
        .route("/me/enrollments", web::get().to(my_enrollments))
        .route("/me/certificates", web::get().to(my_certificates))
        .route("/me/learning", web::get().to(my_learning))
        .route("/certificates/{serial}", web::get().to(certificate_status))
        .route(
            "/certificates/{serial}/credential.json",
            web::get().to(certificate_credential),
        )
        .route(
            "/certificates/{serial}/revoke",
            web::post().to(revoke_certificate),
        )
        .route("/certificate-keys", web::get().to(certificate_keys))
        .route("/certificate-keys/{key_id}", web::get().to(certificate_key))
        .route("/credentials/verify", web::post().to(verify_credential))
        .route("/orgs", web::get().to(list_orgs))
        .route("/orgs/{code}/stats", web::get().to(org_stats))
        .route("/orgs/{code}/target", web::put().to(set_target))
        .route("/orgs/{code}/trained", web::get().to(trained))
        .route("/orgs/{code}/{file}", web::get().to(export))
        .service(
            web::resource("/orgs/{code}/learners/import")
                .app_data(web::PayloadConfig::new(IMPORT_LIMIT))
                .route(web::post().to(import_learners)),
        )
        .service(
            web::resource("/orgs/{code}/orgs/import")
                .app_data(web::PayloadConfig::new(org_import::MAX_BYTES))
                .route(web::post().to(import_orgs)),
        )
        .route(
            "/orgs/{code}/orgs/import-template.csv",
            web::get().to(org_import_template),
        )
        .route("/orgs", web::post().to(create_org))
        .route("/roles", web::post().to(grant_role))
        .route("/audit", web::get().to(audit_log))
        .route("/course-packs", web::post().to(upload_pack))
        .route("/course-packs", web::get().to(my_packs))
        .route("/course-packs/{id}", web::get().to(get_pack))
        .route("/course-packs/{id}/publish", web::post().to(publish_pack))
        .default_service(web::to(|| async { ApiError::NotFound.into_response() }));
}

type ApiResult = Result<HttpResponse, ApiError>;

async fn register(
    core: web::Data<Core>,
    req: HttpRequest,
    body: JsonBody<accounts::RegisterInput>,
) -> ApiResult {
    let user = accounts::register(&core, body.take()?, client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(user))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    login: String,
    password: String,
}

async fn login(core: web::Data<Core>, req: HttpRequest, body: JsonBody<LoginBody>) -> ApiResult {
    let LoginBody { login, password } = body.take()?;
    let outcome = accounts::login(&core, login, password, client_of(&req)).await?;
    let cookie = session_cookie(
        &outcome.token,
        core.config.secure_cookies,
        core.config.session_days,
    );
    Ok(HttpResponse::Ok()
        .cookie(cookie)
        .json(serde_json::json!({ "token": outcome.token, "user": outcome.user })))
}

async fn logout(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    accounts::logout(&core, &actor.0).await?;
    let removal = clear_cookie(SESSION_COOKIE, core.config.secure_cookies);
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequestBody {
    login: String,
}

/// Always 202: whether the account exists (or has an email) is not revealed.
async fn request_password_reset(
    core: web::Data<Core>,
    req: HttpRequest,
    body: JsonBody<ResetRequestBody>,
) -> ApiResult {
    accounts::request_password_reset(&core, body.take()?.login, client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().json(
        serde_json::json!({ "status": "if the account exists, a link was sent to its email address, or by SMS to an account without one when SMS is on" }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetConfirmBody {
    token: String,
    password: String,
}

async fn confirm_password_reset(
    core: web::Data<Core>,
    body: JsonBody<ResetConfirmBody>,
) -> ApiResult {
    let ResetConfirmBody { token, password } = body.take()?;
    accounts::set_password_with_token(&core, token, password).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn me(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(accounts::me(&core, &actor.0).await?))
}

/// `GET /api/v1/me/export` → 200 everything Qihang holds about her, as a JSON file
/// (`qihang-my-data-<id>.json`).
async fn export_me(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    let data = my_data::export(&core, &actor.0).await?;
    let name = format!(
        "attachment; filename=\"qihang-my-data-{}.json\"",
        data.account.id
    );
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_DISPOSITION, name))
        .json(data))
}

/// `DELETE /api/v1/me` `{password}` → 204: her account is deleted (what is erased and kept:
/// `services::my_data`), her session cookie removed. 422 `wrong_password` on `password`; 429
/// like failed logins.
async fn delete_me(
    core: web::Data<Core>,
    req: HttpRequest,
    actor: Authenticated,
    body: JsonBody<my_data::DeleteAccount>,
) -> ApiResult {
    my_data::delete_account(&core, &actor.0, body.take()?, client_ip(&req)).await?;
    let removal = clear_cookie(SESSION_COOKIE, core.config.secure_cookies);
    Ok(HttpResponse::NoContent().cookie(removal).finish())
}

/// `GET /api/v1/me/sessions` → 200 her live sessions `[{id, device, created_at,
/// last_seen_at, current}]`.
async fn my_sessions(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(my_data::my_sessions(&core, &actor.0).await?))
}

/// `DELETE /api/v1/me/sessions/{id}` → 204: that session is signed out at once; 404 for a
/// handle that is not one of hers.
async fn end_session(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    my_data::end_session(&core, &actor.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/me/password` `{current_password, new_password}` → 204; her other sessions
/// end, this one stays. 422 `wrong_password` (on `current_password`), `invalid` or
/// `weak_password` (on `new_password`); 429 like failed logins.
async fn change_password(
    core: web::Data<Core>,
    req: HttpRequest,
    actor: Authenticated,
    body: JsonBody<PasswordChange>,
) -> ApiResult {
    account_settings::change_password(&core, &actor.0, body.take()?, client_ip(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `PUT /api/v1/me/email` `{email, current_password}` (a null or empty `email` removes it)
/// → 200 her account; 409 `conflict` on `email` when another account has it.
async fn change_email(
    core: web::Data<Core>,
    req: HttpRequest,
    actor: Authenticated,
    body: JsonBody<EmailChange>,
) -> ApiResult {
    let account =
        account_settings::change_email(&core, &actor.0, body.take()?, client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(account))
}

#[derive(Deserialize)]
struct OrgsQuery {
    under: Option<String>,
    /// Extension: only this many levels below `under`.
    depth: Option<i32>,
    /// Extension: only the unions below `under` whose name contains this (the picker's
    /// search), at most `limit` of them (20 unless given, 50 at most).
    q: Option<String>,
    limit: Option<i64>,
}

/// How many matches a search returns unless the caller asks for another number.
const DEFAULT_SEARCH_RESULTS: i64 = 20;

/// `GET /api/v1/orgs?under=js-nj`: the subtree in path order; with `&q=电子`, the unions
/// below `under` whose name contains it (same shape: a list of organisations).
async fn list_orgs(core: web::Data<Core>, query: web::Query<OrgsQuery>) -> ApiResult {
    let query = query.into_inner();
    let under = query.under.unwrap_or_else(|| "js".into());
    let found = match query.q.filter(|q| !q.trim().is_empty()) {
        Some(q) => {
            let limit = query.limit.unwrap_or(DEFAULT_SEARCH_RESULTS);
            orgs::search(&core, &under, &q, limit).await?
        }
        None => orgs::subtree(&core, &under, query.depth).await?,
    };
    Ok(HttpResponse::Ok().json(found))
}

#[derive(Deserialize)]
struct AuditQuery {
    page: Option<i64>,
}

/// `GET /api/v1/audit?page=N` → the province's audit log, newest first, 50 a page
/// (administrators of the province only).
async fn audit_log(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    query: web::Query<AuditQuery>,
) -> ApiResult {
    let page = query.page.unwrap_or(1);
    Ok(HttpResponse::Ok()
        .json(qihang_core::services::audit::province_log(&core, &actor.0, page).await?))
}

/// `POST /api/v1/roles` `{phone, role, org}`: an administrator appoints a trainer or admin.
async fn grant_role(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    body: JsonBody<accounts::RoleGrantInput>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(accounts::grant_role(&core, &actor.0, body.take()?).await?))
}

async fn create_org(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    body: JsonBody<orgs::NewOrg>,
) -> ApiResult {
    let org = orgs::create(&core, &actor.0, body.take()?).await?;
    Ok(HttpResponse::Created().json(org))
}

/// `POST /api/v1/course-packs`, multipart with the zip in the field `pack`: 201 with the
/// checker's report (status `checked` or `rejected`); unsafe or oversized zips are refused.
async fn upload_pack(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    payload: actix_multipart::Multipart,
) -> ApiResult {
    let (file_name, bytes) = super::upload::read_pack_field(payload).await?;
    let view = uploads::upload(&core, &actor.0, file_name, bytes).await?;
    Ok(HttpResponse::Created().json(view))
}

async fn my_packs(core: web::Data<Core>, actor: StaffSomewhere) -> ApiResult {
    Ok(HttpResponse::Ok().json(uploads::mine(&core, &actor.0).await?))
}

async fn get_pack(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(uploads::get(&core, &actor.0, id.into_inner()).await?))
}

async fn publish_pack(
    core: web::Data<Core>,
    actor: StaffSomewhere,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(uploads::publish(&core, &actor.0, id.into_inner()).await?))
}

#[derive(Deserialize)]
struct CatalogueQuery {
    tier: Option<i32>,
    q: Option<String>,
}

/// `GET /api/v1/courses?tier=&q=`: the courses the caller can see (province-wide ones when
/// signed out; also those published to her union and the unions above it when signed in).
async fn list_courses(
    core: web::Data<Core>,
    actor: MaybeAuthenticated,
    query: web::Query<CatalogueQuery>,
) -> ApiResult {
    let query = query.into_inner();
    Ok(HttpResponse::Ok()
        .json(learning::catalogue(&core, actor.0.as_ref(), query.tier, query.q).await?))
}

async fn get_course(
    core: web::Data<Core>,
    actor: MaybeAuthenticated,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok()
        .json(classes::course_page(&core, actor.0.as_ref(), id.into_inner()).await?))
}

/// 201 when a new enrolment was made, 200 when she was already enrolled.
async fn enroll(core: web::Data<Core>, actor: Authenticated, id: web::Path<String>) -> ApiResult {
    let code = id.into_inner();
    let created = learning::enroll(&core, &actor.0, code.clone()).await?;
    let body = serde_json::json!({ "course": code, "enrolled": true });
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

async fn get_lesson(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult {
    let (course, lesson) = path.into_inner();
    Ok(HttpResponse::Ok().json(learning::lesson(&core, &actor.0, course, lesson).await?))
}

async fn complete_lesson(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, String)>,
) -> ApiResult {
    let (course, lesson) = path.into_inner();
    Ok(HttpResponse::Ok().json(learning::complete_lesson(&core, &actor.0, course, lesson).await?))
}

async fn my_enrollments(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(learning::my_enrollments(&core, &actor.0).await?))
}

/// `POST /api/v1/courses/{id}/quiz/attempts` → 201 `{id, deadline, questions}` (no answers).
async fn start_attempt(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Created().json(quiz::start(&core, &actor.0, id.into_inner()).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersBody {
    #[serde(default)]
    answers: std::collections::BTreeMap<String, AnswerInput>,
}

/// `PUT /api/v1/quiz-attempts/{id}/answers` `{answers}`: saved as she goes.
async fn save_answers(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<AnswersBody>,
) -> ApiResult {
    Ok(HttpResponse::Ok()
        .json(quiz::save_answers(&core, &actor.0, id.into_inner(), body.take()?.answers).await?))
}

/// `POST /api/v1/quiz-attempts/{id}/submit` `{answers}` → `{score, passed, results}`; repeats
/// return the same result.
async fn submit_attempt(
    core: web::Data<Core>,
    actor: Authenticated,
    id: web::Path<String>,
    body: JsonBody<AnswersBody>,
) -> ApiResult {
    Ok(HttpResponse::Ok()
        .json(quiz::submit(&core, &actor.0, id.into_inner(), body.take()?.answers).await?))
}

async fn my_certificates(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(certificates::mine(&core, &actor.0).await?))
}

async fn my_learning(core: web::Data<Core>, actor: Authenticated) -> ApiResult {
    Ok(HttpResponse::Ok().json(classes::learning_page(&core, &actor.0).await?))
}

/// `GET /api/v1/certificates/{serial}` (public, masked) and `GET …/{serial}.pdf` (holder).
async fn certificate_status(
    core: web::Data<Core>,
    req: HttpRequest,
    actor: MaybeAuthenticated,
    serial: web::Path<String>,
) -> ApiResult {
    let serial = serial.into_inner();
    if let Some(serial) = serial.strip_suffix(".pdf") {
        let actor = actor.0.ok_or(ServiceError::Unauthenticated)?;
        let pdf = certificates::pdf(&core, &actor, serial.to_string()).await?;
        return Ok(HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                "Content-Disposition",
                format!("inline; filename=\"{}.pdf\"", serial.to_ascii_uppercase()),
            ))
            .insert_header(("Cache-Control", "private, no-store"))
            .body(pdf));
    }
    let status = certificates::status(&core, serial, client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(status))
}

async fn certificate_credential(
    core: web::Data<Core>,
    actor: Authenticated,
    serial: web::Path<String>,
) -> ApiResult {
    let serial = serial.into_inner();
    let credential = certificates::credential(&core, &actor.0, serial.clone()).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vc+ld+json")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}.credential.json\"",
                serial.to_ascii_uppercase()
            ),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(credential.to_string()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeBody {
    reason: String,
}

async fn revoke_certificate(
    core: web::Data<Core>,
    req: HttpRequest,
    actor: AdminSomewhere,
    serial: web::Path<String>,
    body: JsonBody<RevokeBody>,
) -> ApiResult {
    let serial = serial.into_inner();
    let allowed = certificates::authorize_revoke(&core, &actor.0, serial.clone(), client_ip(&req));
    let reason = body.take_after(allowed).await?.reason;
    let status = certificates::revoke(&core, &actor.0, serial, reason, client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(status))
}

async fn certificate_keys(core: web::Data<Core>) -> ApiResult {
    let keys = certificates::published_keys(&core).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "keys": keys })))
}

/// One key as a Multikey document (what a proof's `verificationMethod` resolves to).
async fn certificate_key(core: web::Data<Core>, key_id: web::Path<String>) -> ApiResult {
    let key_id = key_id.into_inner();
    let key = certificates::published_keys(&core)
        .await?
        .into_iter()
        .find(|k| k.key_id == key_id)
        .ok_or(ServiceError::NotFound("key"))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "@context": "https://w3id.org/security/multikey/v1",
        "id": key.id,
        "type": "Multikey",
        "controller": core.config.public_url,
        "publicKeyMultibase": key.public_key_multibase,
        "created": key.created_at,
        "revoked": key.retired_at,
    })))
}

async fn verify_credential(core: web::Data<Core>, body: JsonBody<serde_json::Value>) -> ApiResult {
    Ok(HttpResponse::Ok().json(certificates::check_credential(&core, body.take()?).await?))
}

async fn org_stats(
    core: web::Data<Core>,
    actor: Authenticated,
    code: web::Path<String>,
) -> ApiResult {
    Ok(HttpResponse::Ok().json(stats::org_stats(&core, &actor.0, code.into_inner()).await?))
}

pub(super) fn export_response(bytes: Vec<u8>, name: &str, format: ExportFormat) -> HttpResponse {
    export_headers(name, format).body(bytes)
}

/// A download's answer before its body: its type, file name, and never cached.
fn export_headers(name: &str, format: ExportFormat) -> actix_web::HttpResponseBuilder {
    let content_type = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let mut answer = HttpResponse::Ok();
    answer
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}.{}\"", format.extension()),
        ))
        .insert_header(("Cache-Control", "private, no-store"));
    answer
}

/// A download sent part by part as the service makes it (chunked): it starts at once, and a
/// part that fails ends it unfinished, so a client never takes a cut list for a whole one.
fn export_streamed(parts: evidence::ExportParts, name: &str, format: ExportFormat) -> HttpResponse {
    let body = futures_util::stream::unfold(parts, |mut parts| async move {
        let part = parts.recv().await?;
        let part = part
            .map(actix_web::web::Bytes::from)
            .map_err(|e| std::io::Error::other(e.to_string()));
        Some((part, parts))
    });
    export_headers(name, format).streaming(body)
}

async fn set_target(
    core: web::Data<Core>,
    actor: AdminSomewhere,
    code: web::Path<String>,
    body: JsonBody<stats::TargetInput>,
) -> ApiResult {
    let code = code.into_inner();
    let allowed = stats::authorize_set_target(&core, &actor.0, code.clone());
    let input = body.take_after(allowed).await?;
    let view = stats::set_target(&core, &actor.0, code, input).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// `?page=&tier=&mode=&course=&month=&org=&first_only=` (the dashboard's breakdowns).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainedQuery {
    page: Option<i64>,
    tier: Option<i32>,
    mode: Option<String>,
    course: Option<String>,
    month: Option<String>,
    org: Option<String>,
    #[serde(default)]
    first_only: bool,
}

impl TrainedQuery {
    fn filter(self) -> (i64, qihang_core::dto::EvidenceFilter) {
        (
            self.page.unwrap_or(1),
            qihang_core::dto::EvidenceFilter {
                tier: self.tier,
                mode: self.mode,
                course: self.course,
                month: self.month,
                org: self.org,
                first_only: self.first_only,
            },
        )
    }
}

async fn trained(
    core: web::Data<Core>,
    actor: Authenticated,
    code: web::Path<String>,
    query: web::Query<TrainedQuery>,
) -> ApiResult {
    let (page, filter) = query.into_inner().filter();
    let page = evidence::trained(&core, &actor.0, code.into_inner(), page, filter).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// `GET /api/v1/orgs/{code}/stats.csv|stats.xlsx|trained.csv|trained.xlsx`: the exports.
async fn export(
    core: web::Data<Core>,
    actor: Authenticated,
    path: web::Path<(String, String)>,
    query: web::Query<TrainedQuery>,
) -> ApiResult {
    let (code, file) = path.into_inner();
    let (what, format) = match file.as_str() {
        "stats.csv" => ("stats", ExportFormat::Csv),
        "stats.xlsx" => ("stats", ExportFormat::Xlsx),
        "trained.csv" => ("trained", ExportFormat::Csv),
        "trained.xlsx" => ("trained", ExportFormat::Xlsx),
        _ => return Err(ApiError::NotFound),
    };
    let name = format!("qihang-{what}-{code}");
    if what == "stats" {
        let view = stats::org_stats(&core, &actor.0, code).await?;
        let bytes = evidence::stats_export(&core, &actor.0, &view, format).await?;
        Ok(export_response(bytes, &name, format))
    } else {
        let (_, filter) = query.into_inner().filter();
        let parts = evidence::trained_export(&core, &actor.0, code, filter, format).await?;
        Ok(export_streamed(parts, &name, format))
    }
}

/// The largest learner file accepted (about 100,000 rows).
const IMPORT_LIMIT: usize = 20 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// An import's report: 200 when every row is good, 422 (the same report) when any is not.
fn import_response(clean: bool, report: &impl serde::Serialize) -> HttpResponse {
    if clean {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::UnprocessableEntity().json(report)
    }
}

/// `POST /api/v1/orgs/{code}/learners/import?dry_run=true`: the CSV file as the body.
/// 200 with the report when every row is good (written unless a dry run); 422 with the same
/// report, naming each bad row, when any is not (nothing written).
async fn import_learners(
    core: web::Data<Core>,
    actor: Authenticated,
    code: web::Path<String>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> ApiResult {
    let report = learner_import::import(
        &core,
        &actor.0,
        code.into_inner(),
        body.to_vec(),
        query.dry_run,
    )
    .await?;
    Ok(import_response(report.problems.is_empty(), &report))
}

/// `POST /api/v1/orgs/{code}/orgs/import?dry_run=true`: a CSV or XLSX file of unions to add
/// under `code` as the body, as for the learner import. 200 with the report when every row is
/// good (written unless a dry run); 422 with the same report, naming each bad row's line and
/// column, when any is not (nothing written).
async fn import_orgs(
    core: web::Data<Core>,
    actor: Authenticated,
    code: web::Path<String>,
    query: web::Query<ImportQuery>,
    body: web::Bytes,
) -> ApiResult {
    let report = org_import::import(
        &core,
        &actor.0,
        code.into_inner(),
        body.to_vec(),
        query.dry_run,
    )
    .await?;
    Ok(import_response(report.problems.is_empty(), &report))
}

/// `GET /api/v1/orgs/{code}/orgs/import-template.csv`: the header and two example lines,
/// their codes under `code`.
async fn org_import_template(code: web::Path<String>) -> ApiResult {
    let code = code.into_inner();
    let text = org_import::template(&code)?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"qihang-orgs-{code}.csv\""),
        ))
        .body(text))
}
