//! `POST /trainer/sessions/{id}`: the class page's roster upload, a plain multipart form
//! (works without JavaScript). As for the union import, this middleware reads the form and
//! runs the import, then hands the outcome to the class page rendered for the same request,
//! so every bad row is listed at once and nothing is kept between requests.

use actix_multipart::Multipart;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse};
use futures_util::StreamExt;
use qihang_app::request::{flash_for_error, RosterOutcome};
use qihang_core::services::classes::{self, RosterAction};
use qihang_core::{Core, ServiceError};

use super::auth::MaybeAuthenticated;
use super::org_import::{field_bytes, unreadable};

/// A roster is a class's list of phones: a few thousand rows at most.
const MAX_BYTES: usize = 2 * 1024 * 1024;

/// The form has three fields (`action`, `dry_run`, `file`); a few more parts are tolerated.
const MAX_PARTS: usize = 8;

#[derive(Default)]
struct RosterForm {
    action: String,
    dry_run: bool,
    file: Option<Vec<u8>>,
}

async fn read_form(mut payload: Multipart, form: &mut RosterForm) -> Result<(), ServiceError> {
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ServiceError::BadUpload(
                "too many parts in the upload; send the fields action, dry_run and file".into(),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        let limit = if name == "file" { MAX_BYTES } else { 4096 };
        let bytes = field_bytes(&mut field, limit).await?;
        match name.as_str() {
            "file" => form.file = Some(bytes),
            "action" => form.action = String::from_utf8_lossy(&bytes).trim().to_string(),
            "dry_run" => form.dry_run = true,
            _ => {}
        }
    }
    Ok(())
}

/// Reads and imports the posted roster, then lets the class page render with the report.
/// Signed out, she is sent to log in; who may change which class the service decides.
pub async fn run(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = req.match_info().get("id").unwrap_or_default().to_string();
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
    let mut form = RosterForm::default();
    let result = match read_form(payload, &mut form).await {
        Ok(()) => match form.file.take().filter(|f| !f.is_empty()) {
            Some(file) => match RosterAction::parse(&form.action) {
                Ok(action) => {
                    classes::import_roster(&core, &actor, id, file, action, form.dry_run).await
                }
                Err(e) => Err(e.into()),
            },
            None => Err(ServiceError::BadUpload(
                "choose a CSV or XLSX file to upload".into(),
            )),
        },
        Err(e) => Err(e),
    };
    let outcome = RosterOutcome {
        action: form.action,
        dry_run: form.dry_run,
        result: result.map_err(|e| flash_for_error("roster", &e, Vec::new())),
    };
    req.extensions_mut().insert(outcome);
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}
