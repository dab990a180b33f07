//! `POST /studios/{id}/achievements`: the studio page's achievement form, a plain multipart
//! form (works without JavaScript) with an optional attachment (PDF, JPEG or PNG, 5 MB at
//! most). The outcome comes back to the studio page as a one-shot message; who may record
//! an achievement is decided in `services::studios`.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use qihang_app::request::{flash_for_error, Flash};
use qihang_core::services::studios::{self, AchievementInput, Attachment, MAX_ATTACHMENT};
use qihang_core::{Core, ServiceError};

use super::auth::MaybeAuthenticated;
use super::org_import::{field_bytes, unreadable};

/// date, kind, title, description, attachment; a few more parts are tolerated.
const MAX_PARTS: usize = 10;

#[derive(Default)]
struct Form {
    date: String,
    kind: String,
    title: String,
    description: String,
    attachment: Option<Attachment>,
}

async fn read_form(mut payload: Multipart) -> Result<Form, ServiceError> {
    let mut form = Form::default();
    let mut parts = 0;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ServiceError::BadUpload(
                "too many parts in the form; send date, kind, title, description and attachment"
                    .into(),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        if name == "attachment" {
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename().map(str::to_string))
                .unwrap_or_default();
            // One byte over the limit is enough to refuse it by field.
            let bytes = match field_bytes(&mut field, MAX_ATTACHMENT + 1).await {
                Ok(bytes) => bytes,
                Err(_) => vec![0; MAX_ATTACHMENT + 1],
            };
            form.attachment = Some(Attachment {
                name: file_name,
                bytes,
            });
            continue;
        }
        let text = String::from_utf8_lossy(&field_bytes(&mut field, 16 * 1024).await?).to_string();
        match name.as_str() {
            "date" => form.date = text,
            "kind" => form.kind = text,
            "title" => form.title = text,
            "description" => form.description = text,
            _ => {}
        }
    }
    Ok(form)
}

pub async fn add_from_page(
    actor: MaybeAuthenticated,
    core: web::Data<Core>,
    id: web::Path<String>,
    payload: Multipart,
) -> HttpResponse {
    let id: String = id
        .into_inner()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let page = format!("/studios/{id}#achievements");
    let Some(actor) = actor.0 else {
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/login?next=/studios/{id}")))
            .finish();
    };
    let form = match read_form(payload).await {
        Ok(form) => form,
        Err(error) => {
            return super::see_other_with_flash(
                &page,
                &flash_for_error("achievement", &error, Vec::new()),
            )
        }
    };
    let values = vec![
        ("date", form.date.clone()),
        ("kind", form.kind.clone()),
        ("title", form.title.clone()),
        ("description", form.description.chars().take(300).collect()),
    ];
    let input = AchievementInput {
        date: form.date,
        kind: form.kind,
        title: form.title,
        description: Some(form.description),
    };
    match studios::add_achievement(&core, &actor, id, input, form.attachment).await {
        Ok(_) => super::see_other_with_flash(&page, &Flash::succeeded("achievement")),
        Err(error) => {
            super::see_other_with_flash(&page, &flash_for_error("achievement", &error, values))
        }
    }
}
