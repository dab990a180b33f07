//! Cross-site request forgery guard for every state-changing request (REST, server functions
//! and forms alike).
//!
//! Browsers mark cross-site requests with `Sec-Fetch-Site` and `Origin`; a request that a
//! browser sent from another site is refused. A request authenticated by the session cookie
//! must carry one of those headers. Requests with `Authorization: Bearer` cannot be forged by
//! a page on another site and pass untouched. The session cookie is also `SameSite=Lax`.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, Error};
use qihang_app::request::SESSION_COOKIE;
use qihang_core::Core;

use super::errors::ApiError;

pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if is_safe(req.method()) || allowed(&req) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    tracing::warn!(path = req.path(), "refused a cross-site request");
    let response = ApiError::CrossSite.into_response();
    Ok(req.into_response(response))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn allowed(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if text(header::AUTHORIZATION).is_some_and(|v| v.starts_with("Bearer ")) {
        return true;
    }
    let fetch_site = text(header::HeaderName::from_static("sec-fetch-site"));
    if matches!(
        fetch_site.as_deref(),
        Some("cross-site") | Some("same-site")
    ) {
        return false;
    }
    let origin = text(header::ORIGIN);
    if let Some(origin) = &origin {
        if !same_origin(req, origin) {
            return false;
        }
    }
    let cookie_authenticated = req.cookie(SESSION_COOKIE).is_some();
    !(cookie_authenticated && origin.is_none() && fetch_site.is_none())
}

/// Whether `origin` is this server: its configured public URL, or the scheme and host the
/// request was addressed to. `X-Forwarded-Host`/`-Proto` and `Forwarded` are believed only
/// from a configured trusted proxy; from anyone else the `Host` header over plain HTTP
/// counts (Qihang does not terminate TLS itself).
fn same_origin(req: &ServiceRequest, origin: &str) -> bool {
    let Some(core) = req.app_data::<web::Data<Core>>() else {
        return false;
    };
    if origin.eq_ignore_ascii_case(core.config.public_url.trim_end_matches('/')) {
        return true;
    }
    let own = if core
        .config
        .is_trusted_proxy(req.peer_addr().map(|a| a.ip()))
    {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    } else {
        match req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
        {
            Some(host) => format!("http://{host}"),
            None => return false,
        }
    };
    origin.eq_ignore_ascii_case(&own)
}
