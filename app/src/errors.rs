//! The server functions' error type: a code, a message and the field at fault, never a bare
//! string. On the server, a server function call answers with the same HTTP status as the
//! REST API would for the same error (403, 404, 422, …), never a blanket 500.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use qihang_core::dto::ErrorCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<String>,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        // Arguments that do not decode are the client's fault (400); the rest are ours.
        let (code, status) = match &value {
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => (ErrorCode::BadRequest, 400),
            _ => (ErrorCode::Request, 500),
        };
        #[cfg(feature = "ssr")]
        set_call_status(status);
        #[cfg(not(feature = "ssr"))]
        let _ = status;
        AppError {
            code,
            message: value.to_string(),
            field: None,
        }
    }
}

/// Sets the HTTP status of a server function call (`/_fn/…`). Page renders keep theirs, and
/// so do plain form posts (`Accept: text/html`), which Leptos sends back to the form.
#[cfg(feature = "ssr")]
fn set_call_status(status: u16) {
    use leptos::prelude::use_context;
    let Some(request) = use_context::<leptos_actix::Request>() else {
        return;
    };
    let accepts_html = request
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if !request.path().starts_with("/_fn/") || accepts_html {
        return;
    }
    if let (Some(res), Ok(status)) = (
        use_context::<leptos_actix::ResponseOptions>(),
        actix_web::http::StatusCode::from_u16(status),
    ) {
        res.set_status(status);
    }
}

#[cfg(feature = "ssr")]
impl From<qihang_core::ServiceError> for AppError {
    fn from(e: qihang_core::ServiceError) -> Self {
        if let qihang_core::ServiceError::Internal(cause) = &e {
            tracing::error!(%cause, "server function failed");
        }
        set_call_status(e.http_status());
        AppError {
            code: e.code(),
            message: e.public_message(),
            field: e.field().map(Into::into),
        }
    }
}
