//! Text messages to her phone (issue 11.7): for a woman without email, a password reset link
//! can only reach her by SMS.
//!
//! Messages are queued in the outbox like mail ([`outbox::enqueue_sms`]) and delivered by an
//! SMS worker with the outbox's retries and backoff, so none is lost while the gateway is
//! down, and two servers never send one twice. What sends them is an [`SmsSender`]: a
//! [`FileSink`] appending to a file (`QIHANG_SMS=file:<path>`, for development and tests,
//! like mail's `.eml` files), or an [`HttpGateway`] posting JSON to a configured URL
//! (`QIHANG_SMS=http`). The gateway client is a minimal HTTP/1.1 POST over tokio, with TLS
//! from the rustls that mail already uses, so SMS adds no dependency.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

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
    Connect(std::io::Error),
    #[error("TLS with the SMS gateway failed: {0}")]
    Tls(std::io::Error),
    #[error("the SMS gateway did not answer within {0} ms")]
    Timeout(u64),
    #[error("the SMS gateway refused the message with HTTP status {0}")]
    Status(u16),
    #[error("the SMS gateway's answer is not HTTP/1.x")]
    NotHttp,
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
pub struct HttpGateway {
    /// Where to connect: a host name or an IP address (IPv6 without brackets).
    connect_host: String,
    port: u16,
    /// The `Host` header: the host as in the URL, with the port when it is not the default.
    host_header: String,
    /// Path and query, as sent in the request line.
    target: String,
    /// For `https://`: the TLS connector and the name the certificate must carry.
    tls: Option<(
        tokio_rustls::TlsConnector,
        rustls::pki_types::ServerName<'static>,
    )>,
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
        let connect_host = match parsed.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(bad_url()),
        };
        let port = parsed.port_or_known_default().ok_or_else(bad_url)?;
        let host = parsed.host_str().ok_or_else(bad_url)?;
        let host_header = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let tls = match parsed.scheme() {
            "http" => None,
            "https" => Some((tls_connector()?, server_name(&connect_host)?)),
            _ => return Err(bad_url()),
        };
        let mut target = parsed.path().to_string();
        if let Some(query) = parsed.query() {
            target.push('?');
            target.push_str(query);
        }
        Ok(HttpGateway {
            connect_host,
            port,
            host_header,
            target,
            tls,
            key_header: checked_header_name(key_header)?,
            key: key.map(checked_header_value).transpose()?,
            timeout_ms,
        })
    }

    /// The whole request: head and JSON body.
    fn request(&self, phone: &str, text: &str) -> Vec<u8> {
        let body = serde_json::json!({ "phone": phone, "text": text }).to_string();
        let mut head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: qihang\r\nAccept: */*\r\n\
             Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\
             Connection: close\r\n",
            self.target,
            self.host_header,
            body.len()
        );
        if let Some(key) = &self.key {
            head.push_str(&self.key_header);
            head.push_str(": ");
            head.push_str(key);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        bytes
    }

    /// Connects (with TLS for `https://`), sends the request and reads the status code.
    async fn exchange(&self, request: &[u8]) -> Result<u16, SmsError> {
        let stream = tokio::net::TcpStream::connect((self.connect_host.as_str(), self.port))
            .await
            .map_err(SmsError::Connect)?;
        match &self.tls {
            None => round_trip(stream, request).await,
            Some((connector, name)) => {
                let stream = connector
                    .connect(name.clone(), stream)
                    .await
                    .map_err(SmsError::Tls)?;
                round_trip(stream, request).await
            }
        }
    }
}

impl SmsSender for HttpGateway {
    async fn send(&self, phone: &str, text: &str) -> Result<(), SmsError> {
        let request = self.request(phone, text);
        let limit = StdDuration::from_millis(self.timeout_ms.max(1));
        let status = tokio::time::timeout(limit, self.exchange(&request))
            .await
            .map_err(|_| SmsError::Timeout(self.timeout_ms))??;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(SmsError::Status(status))
        }
    }
}

/// Writes `request` and reads the answer up to the end of its status line.
async fn round_trip<S>(mut stream: S, request: &[u8]) -> Result<u16, SmsError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    stream.write_all(request).await.map_err(SmsError::Connect)?;
    stream.flush().await.map_err(SmsError::Connect)?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    while !answer.contains(&b'\n') && answer.len() < 8192 {
        let read = stream.read(&mut buffer).await.map_err(SmsError::Connect)?;
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    status_code(&answer).ok_or(SmsError::NotHttp)
}

/// The status code of an HTTP/1.x answer (`HTTP/1.1 200 OK`).
fn status_code(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|&b| b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let code = parts.next()?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse().ok()
}

/// TLS with the public roots of webpki-roots and ring, as mail's SMTP client has.
fn tls_connector() -> Result<tokio_rustls::TlsConnector, SmsConfigError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SmsConfigError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

fn server_name(host: &str) -> Result<rustls::pki_types::ServerName<'static>, SmsConfigError> {
    rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|_| SmsConfigError::BadUrl(host.to_string()))
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
    fn status_lines() {
        assert_eq!(status_code(b"HTTP/1.1 200 OK\r\nServer: x\r\n"), Some(200));
        assert_eq!(status_code(b"HTTP/1.0 503 Busy\r\n"), Some(503));
        assert_eq!(status_code(b"HTTP/1.1 204\r\n"), Some(204));
        assert_eq!(status_code(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status_code(b"HTTP/1.1 2000 OK\r\n"), None);
        assert_eq!(status_code(b""), None);
    }

    #[test]
    fn the_request_carries_the_key_and_the_json_body() {
        let gateway = HttpGateway::new(
            "http://127.0.0.1:8099/sms/send?account=q",
            "X-Api-Key",
            Some("k-123"),
            1000,
        )
        .unwrap();
        let request = String::from_utf8(gateway.request("13812341234", "你好 \"x\"")).unwrap();
        let (head, body) = request.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("POST /sms/send?account=q HTTP/1.1\r\n"),
            "{head}"
        );
        let lines: Vec<&str> = head.split("\r\n").collect();
        for line in [
            "Host: 127.0.0.1:8099".to_string(),
            "X-Api-Key: k-123".to_string(),
            format!("Content-Length: {}", body.len()),
        ] {
            assert!(lines.contains(&line.as_str()), "{line} missing from {head}");
        }
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["phone"], "13812341234");
        assert_eq!(json["text"], "你好 \"x\"");
    }

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
