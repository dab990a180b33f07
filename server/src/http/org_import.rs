//! `POST /admin/orgs/import`: the union import page's plain multipart form (works without
//! JavaScript). This middleware reads the form and runs the import, then hands the outcome
//! to the Leptos page rendered for the same request (through the request's extensions), so
//! the whole report is shown at once: nothing is kept between requests, and a long list of
//! bad rows is never cut short to fit a cookie.

use actix_multipart::Multipart;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use qihang_app::request::{flash_for_error, OrgImportOutcome};
use qihang_core::services::org_import;
use qihang_core::{Core, ServiceError};

use super::auth::MaybeAuthenticated;

/// The form has three fields (`org`, `dry_run`, `file`); a few more parts are tolerated,
/// thousands are refused early.
const MAX_PARTS: usize = 8;

/// What the form sent, as far as it could be read.
#[derive(Default)]
struct ImportForm {
    org: String,
    dry_run: bool,
    file: Option<Vec<u8>>,
}

pub(super) fn unreadable(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::BadUpload(format!("the upload could not be read: {e}"))
}

/// One field's bytes, at most `limit` of them.
pub(super) async fn field_bytes(
    field: &mut actix_multipart::Field,
    limit: usize,
) -> Result<Vec<u8>, ServiceError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        if bytes.len() + chunk.len() > limit {
            return Err(ServiceError::UploadTooLarge(format!(
                "at most {} MB per file; split it",
                limit / 1024 / 1024
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Reads the form into `form`; the fields read before a failure stay there (the union, so
/// the page comes back for the same one).
async fn read_form(mut payload: Multipart, form: &mut ImportForm) -> Result<(), ServiceError> {
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ServiceError::BadUpload(
                "too many parts in the upload; send the fields org, dry_run and file".into(),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "file" {
            org_import::MAX_BYTES
        } else {
            4096
        };
        let bytes = field_bytes(&mut field, limit).await?;
        match name.as_str() {
            "file" => form.file = Some(bytes),
            "org" => form.org = String::from_utf8_lossy(&bytes).trim().to_string(),
            "dry_run" => form.dry_run = true,
            _ => {}
        }
    }
    Ok(())
}

/// Reads and imports the posted file, then lets the page render with the outcome. Signed
/// out, she is sent to log in; who may import into which union the service decides.
pub async fn run(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(actor) = req.extract::<MaybeAuthenticated>().await?.0 else {
        let to_login = HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login"))
            .finish();
        return Ok(req.into_response(to_login));
    };
    let core = req
        .app_data::<web::Data<Core>>()
        .cloned()
        .ok_or_else(|| actix_web::error::ErrorInternalServerError("core missing"))?;
    let payload = req.extract::<Multipart>().await?;
    let mut form = ImportForm::default();
    let result = match read_form(payload, &mut form).await {
        Ok(()) => match form.file.take().filter(|f| !f.is_empty()) {
            Some(file) => {
                org_import::import(&core, &actor, form.org.clone(), file, form.dry_run).await
            }
            None => Err(ServiceError::BadUpload(
                "choose a CSV or XLSX file to upload".into(),
            )),
        },
        Err(e) => Err(e),
    };
    let outcome = OrgImportOutcome {
        org: form.org,
        dry_run: form.dry_run,
        result: result.map_err(|e| flash_for_error("org_import", &e, Vec::new())),
    };
    req.extensions_mut().insert(outcome);
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
