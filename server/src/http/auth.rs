//! Who is calling: the session token from `Authorization: Bearer …` or the session cookie,
//! resolved by the accounts service.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use qihang_app::request::SESSION_COOKIE;
use qihang_core::domain::Role;
use qihang_core::services::accounts;
use qihang_core::services::actor::Actor;
use qihang_core::{Core, ServiceError};

use super::errors::ApiError;

/// A signed-in caller; extracting it answers 401 when there is no valid session.
pub struct Authenticated(pub Actor);

/// The token a request carries, bearer header first.
pub fn session_token(req: &HttpRequest) -> Option<String> {
    let bearer = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    bearer.or_else(|| req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = session_token(req);
        let core = req.app_data::<web::Data<Core>>().cloned();
        Box::pin(async move {
            let core = core.ok_or_else(|| ServiceError::internal("core missing"))?;
            let token = token.ok_or(ServiceError::Unauthenticated)?;
            Ok(Authenticated(accounts::authenticate(&core, token).await?))
        })
    }
}

/// A signed-in administrator of some node: 401 without a session, 403 for anyone else, in
/// both cases before the body is read. Which node she may act on is the service's check.
pub struct AdminSomewhere(pub Actor);

/// A signed-in trainer or administrator of some node (401/403 otherwise, before the body).
pub struct StaffSomewhere(pub Actor);

fn gated(
    req: &HttpRequest,
    payload: &mut Payload,
    roles: &'static [Role],
) -> Pin<Box<dyn Future<Output = Result<Actor, ApiError>>>> {
    let inner = Authenticated::from_request(req, payload);
    Box::pin(async move {
        let Authenticated(actor) = inner.await?;
        if actor.holds_any(roles) {
            Ok(actor)
        } else {
            Err(ServiceError::Forbidden.into())
        }
    })
}

impl FromRequest for AdminSomewhere {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let actor = gated(req, payload, &[Role::Admin]);
        Box::pin(async move { actor.await.map(AdminSomewhere) })
    }
}

impl FromRequest for StaffSomewhere {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let actor = gated(req, payload, &[Role::Trainer, Role::Admin]);
        Box::pin(async move { actor.await.map(StaffSomewhere) })
    }
}

/// The caller if signed in; anonymous otherwise (a bad or expired token counts as anonymous).
pub struct MaybeAuthenticated(pub Option<Actor>);

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let has_token = session_token(req).is_some();
        let inner = Authenticated::from_request(req, payload);
        Box::pin(async move {
            if !has_token {
                return Ok(MaybeAuthenticated(None));
            }
            match inner.await {
                Ok(Authenticated(actor)) => Ok(MaybeAuthenticated(Some(actor))),
                Err(ApiError::Service(ServiceError::Unauthenticated)) => {
                    Ok(MaybeAuthenticated(None))
                }
                Err(other) => Err(other),
            }
        })
    }
}

/// The caller's address and device, for a new session.
pub fn client_of(req: &HttpRequest) -> accounts::Client {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    accounts::Client::new(client_ip(req), user_agent)
}

/// The caller's address, for throttling: `X-Forwarded-For` is believed only from a
/// configured trusted proxy.
pub fn client_ip(req: &HttpRequest) -> String {
    let lines = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    let peer = req.peer_addr().map(|a| a.ip());
    match req.app_data::<actix_web::web::Data<qihang_core::Core>>() {
        Some(core) => core.config.client_address_of(peer, lines),
        None => peer.map_or_else(|| "unknown".into(), |ip| ip.to_string()),
    }
}
