//! The server functions' error type: a code, a message and the field at fault, never a bare
//! string.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError {
            code: "request".into(),
            message: value.to_string(),
            field: None,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<qihang_core::ServiceError> for AppError {
    fn from(e: qihang_core::ServiceError) -> Self {
        if let qihang_core::ServiceError::Internal(cause) = &e {
            tracing::error!(%cause, "server function failed");
        }
        AppError {
            code: e.code().into(),
            message: e.public_message(),
            field: e.field().map(Into::into),
        }
    }
}
