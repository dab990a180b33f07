//! Text messages to her phone (issue 11.7): for a woman without email, a password reset link
//! can only reach her by SMS.
//!
//! Messages are queued in the outbox like mail ([`outbox::enqueue_sms`]) and delivered by an
//! SMS worker with the outbox's retries and backoff, so none is lost while the gateway is
//! down, and two servers never send one twice. What sends them is an [`SmsSender`]: a
//! [`FileSink`] appending to a file (`QIHANG_SMS=file:<path>`, for development and tests,
//! like mail's `.eml` files), or an [`HttpGateway`] posting JSON to a configured URL
//! (`QIHANG_SMS=http`) with ureq (blocking, on the blocking pool; TLS by the rustls that mail
//! already uses).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use tokio::io::AsyncWriteExt;

use crate::config::{redact_url, Config, SmsMode};
use crate::db::models::OutboxRow;
use crate::domain::MessageChannel;
use crate::services::outbox::{self, Courier, Delivery};
use crate::Core;

/// Something that sends a text message. The error never contains the text (it may carry a
/// one-time link): it is kept in the outbox row and logged.
pub trait SmsSender: Send + Sync {
    fn send(&self, phone: &str, text: &str) -> impl Future<Output = Result<(), SmsError>> + Send;
}

/// Why one message was not sent (it stays queued and is retried).
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("cannot write the SMS file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot reach the SMS gateway: {0}")]
    Connect(String),
    #[error("the SMS gateway did not answer within {0} ms")]
    Timeout(u64),
    #[error("the SMS gateway refused the message with HTTP status {0}")]
    Status(u16),
}

/// Why the SMS configuration cannot be used (the server refuses to start).
#[derive(Debug, thiserror::Error)]
pub enum SmsConfigError {
    #[error("sms = \"http\" needs sms_url (QIHANG_SMS_URL), the gateway's address")]
    MissingUrl,
    #[error("sms_url {0:?} is not an http:// or https:// URL with a host")]
    BadUrl(String),
    #[error("sms_key_header {0:?} is not a header name (letters, digits, '-' and '_')")]
    BadHeader(String),
    #[error("sms_key contains a control character or line break")]
    BadKey,
    #[error("TLS set-up for the SMS gateway: {0}")]
    Tls(String),
}

/// The configured way of sending text messages, for the SMS worker.
pub enum SmsTransport {
    File(FileSink),
    Http(HttpGateway),
}

impl SmsTransport {
    /// The sender `config.sms` names, or `None` when SMS is off.
    pub fn from_config(config: &Config) -> Result<Option<SmsTransport>, SmsConfigError> {
        match &config.sms {
            SmsMode::Off => Ok(None),
            SmsMode::File(path) => Ok(Some(SmsTransport::File(FileSink::new(
                config.data_dir.join(path),
            )))),
            SmsMode::Http => {
                let url = config
                    .sms_url
                    .as_deref()
                    .ok_or(SmsConfigError::MissingUrl)?;
                let gateway = HttpGateway::new(
                    url,
                    &config.sms_key_header,
                    config.sms_key.as_deref(),
                    config.sms_timeout_ms,
                )?;
                Ok(Some(SmsTransport::Http(gateway)))
            }
        }
    }
}

impl SmsSender for SmsTransport {
    async fn send(&self, phone: &str, text: &str) -> Result<(), SmsError> {
        match self {
            SmsTransport::File(sink) => sink.send(phone, text).await,
            SmsTransport::Http(gateway) => gateway.send(phone, text).await,
        }
    }
}

impl Courier for SmsTransport {
    fn channel(&self) -> MessageChannel {
        MessageChannel::Sms
    }

    fn deliver<'a>(&'a self, row: &'a OutboxRow) -> Delivery<'a> {
        Box::pin(async move {
            self.send(&row.recipient, &row.body_text)
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// Starts the SMS outbox worker on the current runtime when SMS is on.
pub fn start_worker(core: &Core, worker: String) -> Result<(), SmsConfigError> {
    if let Some(transport) = SmsTransport::from_config(&core.config)? {
        tokio::spawn(outbox::run_worker(core.clone(), transport, worker));
    }
    Ok(())
}

/// Appends each message to a file as one line of JSON, `{"phone":…,"text":…}`.
pub struct FileSink {
    path: PathBuf,
}

impl FileSink {
    pub fn new(path: PathBuf) -> FileSink {
        FileSink { path }
    }

    fn error(&self, source: std::io::Error) -> SmsError {
        SmsError::File {
            path: self.path.display().to_string(),
            source,
        }
    }
}

impl SmsSender for FileSink {
    async fn send(&self, phone: &str, text: &str) -> Result<(), SmsError> {
        let mut line = serde_json::json!({ "phone": phone, "text": text }).to_string();
        line.push('\n');
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|e| self.error(e))?;
        }
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(|e| self.error(e))?;
        // One write per message: appends from several servers do not interleave.
        file.write_all(line.as_bytes())
            .await
            .map_err(|e| self.error(e))?;
        file.flush().await.map_err(|e| self.error(e))
    }
}

/// A generic HTTP SMS gateway: `POST <sms_url>` with the body `{"phone": "138…", "text":
/// "…"}` as JSON and the API key in the configured header. Any 2xx answer means accepted.
/// Cheap to clone (the agent is shared).
#[derive(Clone)]
pub struct HttpGateway {
    agent: ureq::Agent,
    url: String,
    key_header: String,
    key: Option<String>,
    timeout_ms: u64,
}

impl HttpGateway {
    pub fn new(
        url: &str,
        key_header: &str,
        key: Option<&str>,
        timeout_ms: u64,
    ) -> Result<HttpGateway, SmsConfigError> {
        let bad_url = || SmsConfigError::BadUrl(redact_url(url));
        let parsed = url::Url::parse(url.trim()).map_err(|_| bad_url())?;
        let has_host = parsed.host_str().is_some_and(|h| !h.is_empty());
        if !matches!(parsed.scheme(), "http" | "https") || !has_host {
            return Err(bad_url());
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(StdDuration::from_millis(timeout_ms.max(1))))
            .http_status_as_error(false)
            .user_agent("qihang")
            .build()
            .into();
        Ok(HttpGateway {
            agent,
            url: parsed.to_string(),
            key_header: checked_header_name(key_header)?,
            key: key.map(checked_header_value).transpose()?,
            timeout_ms,
        })
    }

    /// Posts one message and returns the gateway's status (blocking: run on the blocking
    /// pool).
    fn post(&self, body: &str) -> Result<u16, SmsError> {
        let mut request = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json; charset=utf-8");
        if let Some(key) = &self.key {
            request = request.header(self.key_header.as_str(), key.as_str());
        }
        match request.send(body) {
            Ok(response) => Ok(response.status().as_u16()),
            Err(ureq::Error::Timeout(_)) => Err(SmsError::Timeout(self.timeout_ms)),
            Err(error) => Err(SmsError::Connect(error.to_string())),
        }
    }
}

impl SmsSender for HttpGateway {
    async fn send(&self, phone: &str, text: &str) -> Result<(), SmsError> {
        let body = serde_json::json!({ "phone": phone, "text": text }).to_string();
        let gateway = self.clone();
        let status = tokio::task::spawn_blocking(move || gateway.post(&body))
            .await
            .map_err(|e| SmsError::Connect(e.to_string()))??;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(SmsError::Status(status))
        }
    }
}

fn checked_header_name(name: &str) -> Result<String, SmsConfigError> {
    let name = name.trim();
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(name.to_string())
    } else {
        Err(SmsConfigError::BadHeader(name.to_string()))
    }
}

fn checked_header_value(value: &str) -> Result<String, SmsConfigError> {
    if value.chars().any(char::is_control) {
        return Err(SmsConfigError::BadKey);
    }
    Ok(value.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_refused() {
        let gateway = |url: &str, header: &str, key: Option<&str>| {
            HttpGateway::new(url, header, key, 1000).err()
        };
        assert!(matches!(
            gateway("ftp://sms.example.cn/", "X-Api-Key", None),
            Some(SmsConfigError::BadUrl(_))
        ));
        assert!(matches!(
            gateway("not a url", "X-Api-Key", None),
            Some(SmsConfigError::BadUrl(_))
        ));
        assert!(matches!(
            gateway("http://sms.example.cn/", "X-Api-Key: evil", None),
            Some(SmsConfigError::BadHeader(_))
        ));
        assert!(matches!(
            gateway(
                "http://sms.example.cn/",
                "X-Api-Key",
                Some("k\r\nX-Evil: 1")
            ),
            Some(SmsConfigError::BadKey)
        ));
        assert!(gateway(
            "https://sms.example.cn/send",
            "Authorization",
            Some("Bearer k")
        )
        .is_none());
        let shown = gateway("ftp://user:hunter22@sms.example.cn/", "X-Api-Key", None)
            .unwrap()
            .to_string();
        assert!(!shown.contains("hunter22"), "{shown}");
    }

    #[tokio::test]
    async fn the_file_sink_appends_one_json_line_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let sink = FileSink::new(dir.path().join("sub/sms.log"));
        sink.send("13812341234", "第一条").await.unwrap();
        sink.send("13812345678", "second\nline").await.unwrap();
        let text = std::fs::read_to_string(dir.path().join("sub/sms.log")).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["phone"], "13812341234");
        assert_eq!(lines[1]["text"], "second\nline");
    }
}
