//! The gate in front of every server function (`/_fn/…`): the caller's right to call it is
//! decided here, before Leptos decodes an argument.
//!
//! It reads the app's table ([`qihang_app::fn_access`]): a function with no row answers 404
//! to everyone, so a new one cannot ship open; one for signed-in callers answers 401 without
//! a session, and one for staff or administrators 403 to anyone else. The caller found here
//! travels on in the request's extensions, so the function does not look the session up a
//! second time. Which union's things the caller may touch is still the service's decision.
//!
//! A plain form post (no JavaScript, `Accept: text/html`) is a browser: without a session it
//! is sent to the login page and back to the form's page afterwards; refused, it gets a page
//! that says so in words and links home, not a JSON body.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpRequest, HttpResponse};
use qihang_app::fn_access::{self, FnAudience};
use qihang_app::i18n::{error_message, Lang, LANG_COOKIE};
use qihang_core::domain::Role;
use qihang_core::services::accounts;
use qihang_core::services::actor::Actor;
use qihang_core::{Core, ServiceError};

use super::auth::session_token;
use super::errors::ApiError;

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !req.path().starts_with("/_fn/") {
        return pass(req, next).await;
    }
    let decision = match fn_access::audience(req.path()) {
        None => Err(ServiceError::NotFound("server function")),
        Some(FnAudience::Anyone) => return pass(req, next).await,
        Some(audience) => admit(req.request(), audience).await,
    };
    match decision {
        Ok(actor) => {
            req.extensions_mut().insert(actor);
            pass(req, next).await
        }
        Err(refusal) => {
            let response = refusal_response(req.request(), refusal);
            Ok(req.into_response(response))
        }
    }
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// The caller, if `audience` admits her: the session's user, holding the role it asks for.
async fn admit(req: &HttpRequest, audience: FnAudience) -> Result<Actor, ServiceError> {
    let core = req
        .app_data::<web::Data<Core>>()
        .ok_or_else(|| ServiceError::internal("core missing"))?;
    let token = session_token(req).ok_or(ServiceError::Unauthenticated)?;
    let actor = accounts::authenticate(core, token).await?;
    let roles: &[Role] = match audience {
        FnAudience::Anyone | FnAudience::SignedIn => return Ok(actor),
        FnAudience::Staff => &[Role::Trainer, Role::Admin],
        FnAudience::Admin => &[Role::Admin],
    };
    if actor.holds_any(roles) {
        Ok(actor)
    } else {
        Err(ServiceError::Forbidden)
    }
}

fn refusal_response(req: &HttpRequest, refusal: ServiceError) -> HttpResponse {
    let refused = matches!(
        refusal,
        ServiceError::Unauthenticated | ServiceError::Forbidden | ServiceError::NotFound(_)
    );
    if !is_plain_form(req) || !refused {
        return ApiError::from(refusal).into_response();
    }
    if matches!(refusal, ServiceError::Unauthenticated) {
        let back = form_page(req).unwrap_or_else(|| "/".into());
        let to = format!(
            "/login?next={}",
            qihang_app::islands::encode_component(&back)
        );
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish();
    }
    refused_page(req, &refusal)
}

/// A browser's own form post (JavaScript off), as Leptos tells them apart.
fn is_plain_form(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The page the form was on (this server's own path), from the `Referer`.
fn form_page(req: &HttpRequest) -> Option<String> {
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let uri: actix_web::http::Uri = referer.parse().ok()?;
    let path = uri.path_and_query()?.as_str().to_string();
    qihang_core::paths::is_local_path(&path).then_some(path)
}

/// A short page in the caller's language: what happened, and the way home.
fn refused_page(req: &HttpRequest, refusal: &ServiceError) -> HttpResponse {
    let lang = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_code(c.value()))
        .unwrap_or_default();
    let message = error_message(lang, refusal.code(), None);
    let home = lang.t().nav_home;
    let status = actix_web::http::StatusCode::from_u16(refusal.http_status())
        .unwrap_or(actix_web::http::StatusCode::FORBIDDEN);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <link rel=\"stylesheet\" href=\"{}\"><title>{message}</title></head>\
             <body><main><p class=\"notice error\" role=\"alert\">{message}</p>\
             <p><a class=\"button\" href=\"/\">{home}</a></p></main></body></html>",
            lang.code(),
            qihang_app::style_href()
        ))
}
