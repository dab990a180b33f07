//! REST errors: every failure becomes `{"error":{"code","message","field"}}` with its status,
//! decided here and nowhere else. Internal causes are logged, never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use qihang_core::dto::{ErrorBody, ErrorCode, ErrorDetail};
use qihang_core::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The body is not JSON at all (400).
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The JSON has a missing, unknown or wrongly typed field (422).
    #[error("{message}")]
    BadField { field: String, message: String },
    #[error("send the body as JSON with Content-Type: application/json")]
    NotJson,
    #[error("the request body is too large")]
    TooLarge,
    #[error("cross-site request refused")]
    CrossSite,
    #[error("no such API endpoint")]
    NotFound,
}

impl ApiError {
    fn code(&self) -> ErrorCode {
        match self {
            ApiError::Service(e) => e.code(),
            ApiError::MalformedJson(_) => ErrorCode::MalformedJson,
            ApiError::BadField { .. } => ErrorCode::Invalid,
            ApiError::NotJson => ErrorCode::UnsupportedMediaType,
            ApiError::TooLarge => ErrorCode::PayloadTooLarge,
            ApiError::CrossSite => ErrorCode::Csrf,
            ApiError::NotFound => ErrorCode::NotFound,
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            ApiError::Service(e) => e.field().map(Into::into),
            ApiError::BadField { field, .. } => Some(field.clone()),
            _ => None,
        }
    }

    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Service(e) => {
                StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::BadField { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotJson => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::CrossSite => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let message = match self {
            ApiError::Service(e) => {
                if let ServiceError::Internal(cause) = e {
                    tracing::error!(%cause, "request failed");
                }
                e.public_message()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                field: self.field(),
                fields: match self {
                    ApiError::Service(e @ ServiceError::InvalidFields(_)) => {
                        e.fields().into_iter().map(Into::into).collect()
                    }
                    _ => Vec::new(),
                },
                reasons: match self {
                    ApiError::Service(ServiceError::NotEligible { misses }) => misses.clone(),
                    _ => Vec::new(),
                },
            },
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(
            self,
            ApiError::Service(
                ServiceError::TooManyAttempts
                    | ServiceError::RateLimited { .. }
                    | ServiceError::CheckInLimited
                    | ServiceError::CheckInSessionLimited
            )
        ) {
            response.insert_header(("Retry-After", "900"));
        }
        if self.status_code() == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header(("Retry-After", "5"));
        }
        response.json(body)
    }
}
