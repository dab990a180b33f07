//! The test harness: spawns the real `qihang` binary on a random port against a fresh SQLite
//! file or a fresh PostgreSQL database (per `QIHANG_TEST_DB`), plus an SMTP listener on
//! loopback and helpers for the REST API.
#![allow(dead_code)]

pub mod bench;
pub mod packs;
pub mod quiz;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::{json, Value};

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which backend this test run uses.
pub fn backend() -> &'static str {
    match std::env::var("QIHANG_TEST_DB").as_deref() {
        Ok("postgres") => "postgres",
        Ok("sqlite") | Err(_) => "sqlite",
        Ok(other) => panic!("QIHANG_TEST_DB={other:?}: use sqlite or postgres"),
    }
}

/// A fresh, empty database, removed again on drop.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub fn create() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        if backend() == "postgres" {
            let name = format!("qihang_test_{}", rand::random::<u64>());
            let mut admin = PgConnection::establish(PG_ADMIN_URL)
                .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {PG_ADMIN_URL} for QIHANG_TEST_DB=postgres: {e}"));
            admin
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
            TestDb {
                url: format!("postgres://postgres@127.0.0.1:5432/{name}"),
                pg_name: Some(name),
                _dir: dir,
            }
        } else {
            let url = format!("sqlite://{}", dir.path().join("qihang.db").display());
            TestDb {
                url,
                pg_name: None,
                _dir: dir,
            }
        }
    }

    /// A database that exists already at `url` (not dropped after).
    pub fn at(url: &str) -> TestDb {
        TestDb {
            url: url.to_string(),
            pg_name: None,
            _dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A direct connection, for assertions on stored rows.
    pub fn connect(&self) -> qihang_core::db::DbConn {
        let target = qihang_core::db::DbTarget::parse(&self.url).unwrap();
        qihang_core::db::ConnManager::new(target)
            .open()
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            if let Ok(mut admin) = PgConnection::establish(PG_ADMIN_URL) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// The front-end files built by `cargo xtask` (pages work without them; islands need them).
pub fn site_root() -> PathBuf {
    std::env::var_os("QIHANG_TEST_SITE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site"))
}

/// One running `qihang serve` process.
pub struct TestServer {
    pub base: String,
    child: Child,
}

impl TestServer {
    /// The server's process id (for its memory figures).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Environment for a server process: a data folder, fast outbox polling, quiet logs.
#[derive(Default)]
pub struct ServerOptions {
    pub env: Vec<(String, String)>,
    /// Run the server on this CPU only (`taskset`), for benchmarks.
    pub cpu: Option<u32>,
}

impl ServerOptions {
    pub fn env(mut self, key: &str, value: impl Into<String>) -> Self {
        self.env.push((key.to_string(), value.into()));
        self
    }

    pub fn pinned_to(mut self, cpu: u32) -> Self {
        self.cpu = Some(cpu);
        self
    }

    pub fn smtp(self, port: u16) -> Self {
        self.env("QIHANG_MAIL__SMTP_URL", format!("smtp://127.0.0.1:{port}"))
    }
}

/// The key-encryption key every test process shares (as every server of one database must);
/// tests of a missing or wrong key override it.
pub const TEST_KEK: &str = "7a1f0c3e9b2d4c8e6f5a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f6";

/// The key-encryption key's variable.
pub const KEK_VAR: &str = "QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY";

pub fn qihang_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qihang"));
    cmd.env_remove("QIHANG_DATABASE_URL")
        .env_remove("QIHANG_CONFIG")
        .env_remove("QIHANG_BIND")
        .env(KEK_VAR, TEST_KEK);
    cmd
}

/// The configuration of an in-process core on the test database `db`.
pub fn core_config(db: &TestDb, data: &Path) -> qihang_core::config::Config {
    let mut config = qihang_core::config::Config {
        database_url: db.url.clone(),
        data_dir: data.to_path_buf(),
        ..qihang_core::config::Config::default()
    };
    config.certificates.key_encryption_key = Some(TEST_KEK.into());
    config
}

impl TestServer {
    pub fn start(db: &TestDb, data_dir: &Path, options: ServerOptions) -> TestServer {
        let mut cmd = match options.cpu {
            Some(cpu) => {
                let mut pinned = Command::new("taskset");
                pinned
                    .args(["-c", &cpu.to_string(), env!("CARGO_BIN_EXE_qihang")])
                    .env_remove("QIHANG_DATABASE_URL")
                    .env_remove("QIHANG_CONFIG")
                    .env_remove("QIHANG_BIND")
                    .env(KEK_VAR, TEST_KEK);
                pinned
            }
            None => qihang_command(),
        };
        cmd.args(["--database-url", &db.url, "serve", "--bind", "127.0.0.1:0"])
            .env("QIHANG_DATA_DIR", data_dir)
            .env("QIHANG_SITE_ROOT", site_root())
            .env("QIHANG_PUBLIC_URL", "http://qihang.test")
            .env("QIHANG_MAIL__POLL_INTERVAL_MS", "100")
            .env("QIHANG_MAIL__RETRY_BASE_MS", "200")
            .env("QIHANG_MAIL__SMTP_TIMEOUT_MS", "3000")
            .env(
                "QIHANG_LOG",
                std::env::var("QIHANG_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn qihang");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| {
                let status = child.wait().ok();
                panic!("qihang did not start (said {line:?}, exit {status:?})")
            })
            .to_string();
        TestServer { base, child }
    }
}

/// A database, a data folder and one server: the usual unit of a test.
pub struct TestApp {
    pub server: TestServer,
    pub db: TestDb,
    pub data_dir: tempfile::TempDir,
    pub client: reqwest::Client,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(ServerOptions::default()).await
    }

    pub async fn spawn_with(options: ServerOptions) -> TestApp {
        let db = TestDb::create();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let server = TestServer::start(&db, data_dir.path(), options);
        TestApp {
            server,
            db,
            data_dir,
            client: client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base)
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// A page's HTML, asked for with this `Cookie` header (as a browser sends it).
    pub async fn page_with_cookie(&self, path: &str, cookie: &str) -> String {
        let response = self
            .client
            .get(self.url(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    }

    /// GET without credentials, decoded as JSON.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON")
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Enrols her in a course; panics unless newly enrolled (201).
    pub async fn enrol(&self, token: &str, course: &str) {
        let path = format!("/api/v1/courses/{course}/enrollment");
        let response = self.post_as(token, &path, &json!({})).await;
        assert_eq!(response.status(), 201, "enrol in {course}");
    }

    /// Registers a learner, signs her in and enrols her in `courses`; returns her token.
    pub async fn enrolled_learner(&self, phone: &str, org: &str, courses: &[&str]) -> String {
        self.register(phone, org).await;
        let token = self.login(phone, "password-123").await;
        for course in courses {
            self.enrol(&token, course).await;
        }
        token
    }

    /// Registers a learner; panics unless 201.
    pub async fn register(&self, phone: &str, org: &str) -> Value {
        let response = self
            .post("/api/v1/auth/register", &registration(phone, org))
            .await;
        assert_eq!(response.status(), 201, "register {phone}");
        response.json().await.unwrap()
    }

    /// Registers a learner with only a phone, no email (many women have none); panics
    /// unless 201.
    pub async fn register_phone_only(&self, phone: &str, org: &str) -> Value {
        let mut body = registration(phone, org);
        body["email"] = Value::Null;
        let response = self.post("/api/v1/auth/register", &body).await;
        assert_eq!(response.status(), 201, "register {phone} without email");
        response.json().await.unwrap()
    }

    pub async fn put_as(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Logs in and returns the bearer token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let response = self
            .post(
                "/api/v1/auth/login",
                &json!({"login": login, "password": password}),
            )
            .await;
        assert_eq!(response.status(), 200, "login {login}");
        let body: Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// Creates an administrator with the CLI and returns her bearer token.
    pub async fn admin(&self, phone: &str, org: &str) -> String {
        create_admin_cli(&self.db, phone, org, Some("admin-password"));
        self.login(phone, "admin-password").await
    }
}

/// An API client: no cookies (it uses bearer tokens), never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A browser-like client that keeps cookies.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn registration(phone: &str, org: &str) -> Value {
    json!({
        "name": "王秀红",
        "phone": phone,
        "email": format!("{phone}@example.cn"),
        "password": "password-123",
        "gender": "female",
        "org": org,
        "consent": true
    })
}

/// `qihang admin create`, with the password on standard input when given.
pub fn create_admin_cli(
    db: &TestDb,
    phone: &str,
    org: &str,
    password: Option<&str>,
) -> std::process::Output {
    use std::io::Write;
    let mut cmd = qihang_command();
    cmd.args([
        "--database-url",
        &db.url,
        "admin",
        "create",
        "--phone",
        phone,
        "--name",
        "李管理",
        "--org",
        org,
    ])
    .env("QIHANG_LOG", "warn")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    if password.is_some() {
        cmd.arg("--password-stdin");
    }
    let mut child = cmd.spawn().expect("spawn qihang admin create");
    if let Some(password) = password {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "admin create failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// `qihang stats verify` on `db` passes: every dashboard counter agrees with the records.
pub fn stats_verify(db: &TestDb) {
    let verify = qihang_command()
        .args(["--database-url", &db.url, "stats", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "stats verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// `qihang skills verify` passes: every completion's records, and every count of women per
/// skill level against the records.
pub fn skills_verify(db: &TestDb) {
    let verify = qihang_command()
        .args(["--database-url", &db.url, "skills", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "skills verify: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// Polls `check` until it returns `Some` or `timeout` passes.
pub async fn eventually<T>(
    timeout: Duration,
    mut check: impl AsyncFnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A free TCP port on loopback (bound and released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A message received by [`SmtpSink`].
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// The `Message-ID` header.
    pub fn message_id(&self) -> String {
        self.data
            .lines()
            .find_map(|l| {
                l.strip_prefix("Message-ID: ")
                    .or_else(|| l.strip_prefix("Message-Id: "))
            })
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// The decoded text body (lettre sends non-ASCII text as base64).
    pub fn body(&self) -> String {
        use base64::Engine;
        let data = self.data.replace("\r\n", "\n");
        let (headers, body) = data.split_once("\n\n").unwrap_or((&data, ""));
        if headers
            .to_ascii_lowercase()
            .contains("content-transfer-encoding: base64")
        {
            let compact: String = body.split_whitespace().collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(compact)
                .expect("base64 body");
            String::from_utf8(bytes).expect("utf-8 body")
        } else {
            body.replace("=\n", "").replace("=3D", "=")
        }
    }

    /// The 64-hex-digit token in the first `token=` link.
    pub fn token(&self) -> Option<String> {
        let text = self.body();
        let start = text.find("token=")? + "token=".len();
        let token: String = text[start..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .collect();
        (token.len() == 64).then_some(token)
    }
}

#[derive(Clone, Default)]
struct SinkHandler {
    store: Arc<Mutex<Vec<ReceivedMail>>>,
    to: Vec<String>,
    buffer: Vec<u8>,
}

impl mailin_embedded::Handler for SinkHandler {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.buffer.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.buffer.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let data = String::from_utf8_lossy(&self.buffer).into_owned();
        self.store.lock().unwrap().push(ReceivedMail {
            to: std::mem::take(&mut self.to),
            data,
        });
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on loopback (mailin-embedded) that keeps what it receives.
pub struct SmtpSink {
    pub port: u16,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        Self::start_on(TcpListener::bind("127.0.0.1:0").unwrap())
    }

    pub fn start_on(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().unwrap().port();
        let store = Arc::new(Mutex::new(Vec::new()));
        let handler = SinkHandler {
            store: store.clone(),
            ..Default::default()
        };
        let mut server = mailin_embedded::Server::new(handler);
        server.with_name("sink.test").with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpSink { port, store }
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.store.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages have arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<ReceivedMail> {
        eventually(timeout, async || {
            let got = self.received();
            (got.len() >= n).then_some(got)
        })
        .await
        .unwrap_or_else(|| panic!("expected {n} messages, got {}", self.received().len()))
    }
}

/// Reads the JSON error body and returns (code, field).
/// The cookie a returning browser sends beside its session, `qihang_css=<address>`: the
/// stylesheet is in its cache, so pages link it rather than inline it (read off a first
/// visit's `Set-Cookie`). Benchmarks of pages send it, as the women's browsers would.
pub async fn stylesheet_cookie(app: &TestApp) -> String {
    let response = reqwest::get(app.url("/")).await.unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(qihang_app::request::STYLE_COOKIE))
        .and_then(|c| c.split(';').next())
        .map(str::to_string);
    cookie.expect("a first visit sets the stylesheet cookie")
}

pub async fn error_of(response: reqwest::Response) -> (String, Option<String>, String) {
    let body: Value = response.json().await.expect("JSON error body");
    let error = &body["error"];
    (
        error["code"].as_str().unwrap_or_default().to_string(),
        error["field"].as_str().map(str::to_string),
        error["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// The text messages the file sink (`QIHANG_SMS=file:<path>`) wrote, once there are at least
/// `n`: one JSON object `{phone, text}` a line.
pub async fn sms_messages(path: &Path, n: usize, timeout: Duration) -> Vec<Value> {
    let read = || -> Vec<Value> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    };
    eventually(timeout, async || {
        let messages = read();
        (messages.len() >= n).then_some(messages)
    })
    .await
    .unwrap_or_else(|| panic!("expected {n} text messages, got {}", read().len()))
}

/// The 64-hex-digit token of the first `token=` link in `text`.
pub fn link_token(text: &str) -> Option<String> {
    let start = text.find("token=")? + "token=".len();
    let token: String = text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    (token.len() == 64).then_some(token)
}

/// One request an [`SmsGateway`] received.
#[derive(Debug, Clone)]
pub struct GatewayRequest {
    /// The request line and headers.
    pub head: String,
    pub body: Value,
}

impl GatewayRequest {
    /// A header's value (the name in any case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    }
}

/// A stand-in SMS gateway on loopback: keeps every request and answers 503 to the first
/// `failures` of them, 200 after.
pub struct SmsGateway {
    pub port: u16,
    received: Arc<Mutex<Vec<GatewayRequest>>>,
}

impl SmsGateway {
    pub async fn start(failures: usize) -> SmsGateway {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let Some(request) = read_gateway_request(stream, &store, failures).await else {
                    continue;
                };
                store.lock().unwrap().push(request);
            }
        });
        SmsGateway { port, received }
    }

    pub fn received(&self) -> Vec<GatewayRequest> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `n` requests have arrived.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<GatewayRequest> {
        eventually(timeout, async || {
            let got = self.received();
            (got.len() >= n).then_some(got)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "expected {n} gateway requests, got {}",
                self.received().len()
            )
        })
    }
}

/// Reads one request (head, then `Content-Length` bytes of body) and answers it.
async fn read_gateway_request(
    mut stream: tokio::net::TcpStream,
    store: &Arc<Mutex<Vec<GatewayRequest>>>,
    failures: usize,
) -> Option<GatewayRequest> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let (head, body_start) = loop {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break (String::from_utf8_lossy(&data[..end]).into_owned(), end + 4);
        }
    };
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < body_start + length {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
    }
    let body = serde_json::from_slice(&data[body_start..body_start + length]).ok()?;
    let refuse = store.lock().unwrap().len() < failures;
    let answer = if refuse {
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    } else {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    };
    stream.write_all(answer.as_bytes()).await.ok()?;
    let _ = stream.shutdown().await;
    Some(GatewayRequest { head, body })
}
