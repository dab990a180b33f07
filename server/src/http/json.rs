//! A JSON body extractor whose errors name the field at fault (via serde_path_to_error).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use super::errors::ApiError;

/// Like `web::Json`, but 400 for broken JSON and 422 naming the field for a wrong shape, and
/// only when the handler asks for the body with [`JsonBody::take`]: extracting never fails,
/// so the caller's right to send it (the other extractors, which run first in any order) is
/// decided before the body is judged: a learner posting half a union gets 403, not 422.
pub struct JsonBody<T>(Result<T, ApiError>);

impl<T> JsonBody<T> {
    /// The body, or the error that reading or parsing it met.
    pub fn take(self) -> Result<T, ApiError> {
        self.0
    }

    /// The body once `authorised` says the caller may send it to this resource: a caller
    /// without the right gets its refusal, whatever she sent (the service checks again with
    /// the body, in its transaction).
    pub async fn take_after(
        self,
        authorised: impl Future<Output = Result<(), qihang_core::ServiceError>>,
    ) -> Result<T, ApiError> {
        authorised.await?;
        self.0
    }
}

const LIMIT: usize = 64 * 1024;

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/json")
            })
            .unwrap_or(false);
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move { Ok(JsonBody(read(is_json, bytes).await)) })
    }
}

async fn read<T: DeserializeOwned>(
    is_json: bool,
    bytes: impl Future<Output = Result<web::Bytes, actix_web::Error>>,
) -> Result<T, ApiError> {
    if !is_json {
        return Err(ApiError::NotJson);
    }
    let bytes = bytes
        .await
        .map_err(|e| match e.as_error::<PayloadError>() {
            Some(PayloadError::Overflow) => ApiError::TooLarge,
            _ if e.to_string().contains("overflow") => ApiError::TooLarge,
            _ => ApiError::MalformedJson(e.to_string()),
        })?;
    if bytes.len() > LIMIT {
        return Err(ApiError::TooLarge);
    }
    parse(&bytes)
}

pub(super) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(classify)?;
    deserializer
        .end()
        .map_err(|e| ApiError::MalformedJson(e.to_string()))?;
    Ok(value)
}

fn classify(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::MalformedJson(inner.to_string())
        }
        Category::Data => {
            let message = inner.to_string();
            // "missing field `phone`" and "unknown field `role`" name the field in the message.
            // "missing field `phone`" names the field in the message; the path is its parent.
            let missing = message
                .split('`')
                .nth(1)
                .filter(|_| message.starts_with("missing field"));
            let field = match missing {
                Some(name) if path == "." => name.to_string(),
                Some(name) => format!("{path}.{name}"),
                None => path,
            };
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            ApiError::BadField { field, message }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        consent: bool,
    }

    fn field_of(body: &str) -> (u16, Option<String>) {
        use actix_web::ResponseError;
        match parse::<Sample>(body.as_bytes()) {
            Ok(_) => (200, None),
            Err(e) => {
                let status = e.status_code().as_u16();
                match e {
                    ApiError::BadField { field, .. } => (status, Some(field)),
                    _ => (status, None),
                }
            }
        }
    }

    #[test]
    fn names_the_field() {
        assert_eq!(field_of(r#"{"name":"a","consent":true}"#), (200, None));
        assert_eq!(
            field_of(r#"{"name":"a","consent":"yes"}"#),
            (422, Some("consent".into()))
        );
        assert_eq!(field_of(r#"{"name":"a"}"#), (422, Some("consent".into())));
        assert_eq!(
            field_of(r#"{"name":"a","consent":true,"role":"admin"}"#),
            (422, Some("role".into()))
        );
        assert_eq!(field_of(r#"{"name":"a","#), (400, None));
        assert_eq!(field_of(r#"{"name":"a","consent":true} x"#), (400, None));
    }
}
