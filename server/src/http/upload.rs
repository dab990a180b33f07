//! Reading an uploaded course pack from a multipart body, within the limits: one file field
//! named `pack`, at most 50 MB, and few parts (thousands of parts are refused early).

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use qihang_app::request::flash_for_error;
use qihang_core::packs::archive::MAX_ZIP_BYTES;
use qihang_core::services::uploads;
use qihang_core::{Core, ServiceError};

use super::auth::MaybeAuthenticated;
use super::errors::ApiError;

const MAX_PARTS: usize = 8;

/// The uploaded file's name and bytes.
pub async fn read_pack_field(mut payload: Multipart) -> Result<(String, Vec<u8>), ApiError> {
    let mut found = None;
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field
            .map_err(|e| ServiceError::BadUpload(format!("the upload could not be read: {e}")))?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ServiceError::BadUpload(
                "too many parts in the upload; send only the file field `pack`".into(),
            )
            .into());
        }
        let is_pack = field.name() == Some("pack");
        let file_name = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("pack.zip")
            .to_string();
        let limit = if is_pack { MAX_ZIP_BYTES } else { 4096 };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                ServiceError::BadUpload(format!("the upload could not be read: {e}"))
            })?;
            if bytes.len() + chunk.len() > limit {
                return Err(ServiceError::UploadTooLarge(if is_pack {
                    "the zip is larger than 50 MB".into()
                } else {
                    "a form field is too large".into()
                })
                .into());
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_pack && found.is_none() {
            found = Some((file_name, bytes));
        }
    }
    found.ok_or_else(|| {
        ServiceError::BadUpload("no file field named `pack` in the upload".into()).into()
    })
}

/// `POST /trainer/packs`: the upload page's plain multipart form (works without JavaScript).
/// Success goes to the upload's report; a refusal comes back to the form with the reason.
pub async fn upload_from_page(
    actor: MaybeAuthenticated,
    core: web::Data<Core>,
    payload: Multipart,
) -> HttpResponse {
    let see_other = |to: &str| {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to.to_string()))
            .finish()
    };
    let Some(actor) = actor.0 else {
        return see_other("/login");
    };
    let outcome = match read_pack_field(payload).await {
        Ok((file_name, bytes)) => uploads::upload(&core, &actor, file_name, bytes).await,
        Err(ApiError::Service(e)) => Err(e),
        Err(other) => Err(ServiceError::BadUpload(other.to_string())),
    };
    match outcome {
        Ok(view) => see_other(&format!("/trainer/packs/{}", view.id)),
        Err(error) => super::see_other_with_flash(
            "/trainer/packs",
            &flash_for_error("upload", &error, Vec::new()),
        ),
    }
}
