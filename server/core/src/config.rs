//! Configuration: defaults, then an optional TOML file, then `QIHANG_…` environment variables.
//! Loaded once at start-up and passed down; secrets never appear in `Debug` output.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

/// The whole configuration of one Qihang process.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://path/to/file.db` or `postgres://user@host/db`.
    pub database_url: String,
    /// Address the HTTP server listens on; port 0 picks a free one.
    pub bind: String,
    /// The address users reach Qihang at, used in links sent by email and in the QR codes
    /// printed on certificates.
    pub public_url: String,
    /// Where local state lives (the SQLite file by default, and `mail/` without SMTP).
    pub data_dir: PathBuf,
    /// The built front end (`pkg/` with the wasm bundle), written by `cargo xtask`.
    pub site_root: PathBuf,
    /// Course packs loaded at start-up, when the folder exists.
    pub courses_dir: PathBuf,
    pub db_pool_size: u32,
    /// How long a request waits for a database connection before it is answered 503 with
    /// `Retry-After` (the database down or restarting, or every connection busy): the bound
    /// on how long any request can hang on the database.
    pub db_wait_ms: u64,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    pub session_days: i64,
    pub reset_token_minutes: i64,
    pub setup_token_hours: i64,
    pub mail: MailConfig,
    /// Run background jobs (the outbox workers) in this process.
    pub jobs_enabled: bool,
    /// How often a server looks for class reminders that are due (the day before a class).
    pub reminder_poll_ms: u64,
    /// Text messages: `off`, `file:<path>` (appended to a file, for development and tests; a
    /// relative path is under `data_dir`) or `http` (the gateway at `sms_url`). When on, a
    /// password reset for an account without email is sent to her phone.
    pub sms: SmsMode,
    /// The SMS gateway (with `sms = "http"`): `https://…` or `http://…`, sent a JSON POST
    /// `{"phone", "text"}`; any 2xx answer counts as accepted.
    pub sms_url: Option<String>,
    /// The gateway's API key, sent in the header named by `sms_key_header`. Secret: never
    /// printed.
    pub sms_key: Option<String>,
    pub sms_key_header: String,
    pub sms_timeout_ms: u64,
    pub certificates: CertificateConfig,
    /// Addresses of reverse proxies in front of Qihang (e.g. `["127.0.0.1"]`). Only requests
    /// from these have their `X-Forwarded-For`, `X-Forwarded-Host`/`-Proto` and `Forwarded`
    /// headers believed; from anyone else those headers are ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Serves `/_bench/bytes/{n}` and `/_bench/write`, the same-run baselines of
    /// `cargo xtask bench`. Off in every real deployment.
    pub bench_endpoints: bool,
}

impl Config {
    /// Whether links and certificates' QR codes would reach this machine alone: the server
    /// listens beyond loopback (so others are meant to use it) while `public_url` still names
    /// a loopback host, as the default `http://127.0.0.1:8080` does. Warned about at start
    /// and on administrators' dashboards.
    pub fn public_url_is_loopback_only(&self) -> bool {
        !bind_is_loopback(&self.bind) && url_is_loopback(&self.public_url)
    }

    /// Whether a request from `peer` came through a configured reverse proxy (an IPv4
    /// address written as IPv6, `::ffff:127.0.0.1`, counts as the IPv4 one).
    pub fn is_trusted_proxy(&self, peer: Option<std::net::IpAddr>) -> bool {
        peer.is_some_and(|ip| self.is_proxy(ip))
    }

    fn is_proxy(&self, ip: std::net::IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted_proxies.iter().any(|p| p.to_canonical() == ip)
    }

    /// [`Config::client_address`] from every `X-Forwarded-For` line of a request, in order (a
    /// proxy may add its own line after the one the client sent).
    pub fn client_address_of<'a>(
        &self,
        peer: Option<std::net::IpAddr>,
        forwarded_for_lines: impl IntoIterator<Item = &'a str>,
    ) -> String {
        let joined = forwarded_for_lines
            .into_iter()
            .collect::<Vec<_>>()
            .join(",");
        self.client_address(peer, Some(&joined))
    }

    /// The client's address: the peer, or behind a trusted proxy the right-most address of
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_address(
        &self,
        peer: Option<std::net::IpAddr>,
        forwarded_for: Option<&str>,
    ) -> String {
        let Some(peer_ip) = peer else {
            return "unknown".into();
        };
        if !self.is_trusted_proxy(peer) {
            return throttle_subject(peer_ip);
        }
        let client = forwarded_for
            .into_iter()
            .flat_map(|v| v.rsplit(','))
            .filter_map(|hop| hop.trim().parse::<std::net::IpAddr>().ok())
            .find(|ip| !self.is_proxy(*ip))
            .unwrap_or(peer_ip);
        throttle_subject(client)
    }
}

/// Whether `bind` (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`) listens on loopback only.
/// `0.0.0.0` and `[::]` listen on every interface; other names are taken as reachable.
fn bind_is_loopback(bind: &str) -> bool {
    if let Ok(addr) = bind.trim().parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback();
    }
    let host = bind
        .trim()
        .rsplit_once(':')
        .map_or(bind.trim(), |(host, _)| host);
    host_is_loopback(host.trim_start_matches('[').trim_end_matches(']'))
}

/// Whether a URL's host is this machine (`127.0.0.1`, `::1`, `localhost`, `0.0.0.0`). A URL
/// that does not parse is another problem, not this one.
fn url_is_loopback(url: &str) -> bool {
    match url::Url::parse(url.trim()) {
        Ok(parsed) => match parsed.host() {
            Some(url::Host::Domain(name)) => host_is_loopback(name),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
            None => false,
        },
        Err(_) => false,
    }
}

/// `localhost` (or a name under it), or a loopback address written as text.
fn host_is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

/// How an address is counted by the per-address limits: IPv4 as itself (also when written as
/// IPv6), IPv6 by its /64 network, which one host usually holds whole.
fn throttle_subject(ip: std::net::IpAddr) -> String {
    match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Whether and how text messages are sent (`QIHANG_SMS`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SmsMode {
    /// No text messages: a phone-only account's reset request sends nothing.
    #[default]
    Off,
    /// Each message appended to this file as a line of JSON (development and tests).
    File(PathBuf),
    /// Each message posted to the gateway at `sms_url`.
    Http,
}

impl SmsMode {
    pub fn is_on(&self) -> bool {
        *self != SmsMode::Off
    }
}

impl TryFrom<String> for SmsMode {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = text.trim();
        match text {
            "off" | "" => Ok(SmsMode::Off),
            "http" => Ok(SmsMode::Http),
            _ => match text.strip_prefix("file:") {
                Some(path) if !path.trim().is_empty() => Ok(SmsMode::File(path.trim().into())),
                _ => Err(format!(
                    "sms must be \"off\", \"file:<path>\" or \"http\", not {text:?}"
                )),
            },
        }
    }
}

impl From<SmsMode> for String {
    fn from(mode: SmsMode) -> String {
        match mode {
            SmsMode::Off => "off".into(),
            SmsMode::File(path) => format!("file:{}", path.display()),
            SmsMode::Http => "http".into(),
        }
    }
}

/// Certificates: the PDF font, how hard serials are to enumerate, and the key-encryption key
/// that seals the signing keys (see [`crate::kek`]).
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CertificateConfig {
    /// The key-encryption key, 64 hex digits (`QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY`); wins
    /// over the file. Every server of one database needs the same one.
    pub key_encryption_key: Option<String>,
    /// The file holding it; default `DATA_DIR/signing.kek`, made (mode 0600) on the first start
    /// of a database that has no signing key yet.
    pub key_encryption_key_file: Option<PathBuf>,
    /// The key as resolved at start-up (never read from or written to configuration).
    #[serde(skip)]
    pub kek: KekState,
    /// A TrueType (glyf) CJK font for PDFs; Debian's fonts-lxgw-wenkai covers rare characters
    /// such as 𠮷 and 𡒄.
    pub font: PathBuf,
    /// Lookups of unknown serials one address may make in 15 minutes before all its lookups
    /// are refused (429) for the rest of the window.
    pub lookup_misses_per_15min: i64,
    /// Wrong check-in codes one learner may enter in 15 minutes.
    pub check_in_failures_per_15min: i64,
}

/// Whether this process can sign: resolved once by [`crate::Core::start`].
#[derive(Clone, Debug, Default)]
pub enum KekState {
    /// Not looked at yet (a `Config` not started).
    #[default]
    Unresolved,
    Ready(crate::kek::Kek),
    /// Why certificates cannot be signed, said to the operator as it is.
    Unavailable(String),
}

impl std::fmt::Debug for CertificateConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateConfig")
            .field("font", &self.font)
            .field("lookup_misses_per_15min", &self.lookup_misses_per_15min)
            .field(
                "check_in_failures_per_15min",
                &self.check_in_failures_per_15min,
            )
            .field(
                "key_encryption_key",
                &self.key_encryption_key.as_ref().map(|_| "(set)"),
            )
            .field("key_encryption_key_file", &self.key_encryption_key_file)
            .field("kek", &self.kek)
            .finish()
    }
}

impl Default for CertificateConfig {
    fn default() -> Self {
        CertificateConfig {
            key_encryption_key: None,
            key_encryption_key_file: None,
            kek: KekState::Unresolved,
            font: "/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf".into(),
            lookup_misses_per_15min: 20,
            check_in_failures_per_15min: 10,
        }
    }
}

/// Outgoing mail. Without `smtp_url`, messages are written as `.eml` files under `data_dir/mail`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// `smtp://host:port` (plain, for a relay on loopback), `smtp://host?tls=required`, or
    /// `smtps://user:password@host`. Secret: never printed.
    pub smtp_url: Option<String>,
    pub from: String,
    pub poll_interval_ms: u64,
    /// First retry delay; doubled on each failure, capped at one hour.
    pub retry_base_ms: u64,
    pub smtp_timeout_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/qihang.db".into(),
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            data_dir: "data".into(),
            site_root: "target/site".into(),
            courses_dir: "courses".into(),
            db_pool_size: 8,
            db_wait_ms: 5000,
            secure_cookies: false,
            session_days: 30,
            reset_token_minutes: 60,
            setup_token_hours: 72,
            mail: MailConfig::default(),
            jobs_enabled: true,
            reminder_poll_ms: 60_000,
            sms: SmsMode::Off,
            sms_url: None,
            sms_key: None,
            sms_key_header: "X-Api-Key".into(),
            sms_timeout_ms: 10_000,
            certificates: CertificateConfig::default(),
            trusted_proxies: Vec::new(),
            bench_endpoints: false,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            smtp_url: None,
            from: "起航 Qihang <noreply@qihang.local>".into(),
            poll_interval_ms: 2_000,
            retry_base_ms: 5_000,
            smtp_timeout_ms: 15_000,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Defaults, then `file` (if given, it must exist; else `qihang.toml` if present), then
    /// environment variables such as `QIHANG_DATABASE_URL` or `QIHANG_MAIL__SMTP_URL`.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!(
                    "config file {} does not exist",
                    path.display()
                )))
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new("qihang.toml").exists() => {
                figment = figment.merge(Toml::file("qihang.toml"))
            }
            None => {}
        }
        // QIHANG_CONFIG and QIHANG_LOG belong to the command line; QIHANG_TEST_* to the test harness.
        let env = Env::prefixed("QIHANG_")
            .split("__")
            .ignore(&["config", "log"])
            .filter(|key| !key.starts_with("test_"));
        figment = figment.merge(env);
        figment.extract().map_err(|e| ConfigError(e.to_string()))
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("data_dir", &self.data_dir)
            .field("site_root", &self.site_root)
            .field("courses_dir", &self.courses_dir)
            .field("db_pool_size", &self.db_pool_size)
            .field("db_wait_ms", &self.db_wait_ms)
            .field("mail", &self.mail)
            .field("jobs_enabled", &self.jobs_enabled)
            .field("reminder_poll_ms", &self.reminder_poll_ms)
            .field("sms", &self.sms)
            .field("sms_url", &self.sms_url.as_deref().map(redact_url))
            .field("sms_key_header", &self.sms_key_header)
            .field("certificates", &self.certificates)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("bench_endpoints", &self.bench_endpoints)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("from", &self.from)
            .field("poll_interval_ms", &self.poll_interval_ms)
            .field("retry_base_ms", &self.retry_base_ms)
            .finish_non_exhaustive()
    }
}

/// Hides the password in `scheme://user:password@host/…`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let proxy: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let stranger: std::net::IpAddr = "127.0.0.9".parse().unwrap();
        let open = Config::default();
        assert_eq!(
            open.client_address(Some(proxy), Some("10.1.1.1")),
            "127.0.0.1",
            "no proxy configured: the header is ignored"
        );
        let behind = Config {
            trusted_proxies: vec![proxy],
            ..Config::default()
        };
        assert_eq!(
            behind.client_address(Some(proxy), Some("10.1.1.1")),
            "10.1.1.1"
        );
        assert_eq!(
            behind.client_address(Some(proxy), Some("6.6.6.6, 10.1.1.1, 127.0.0.1")),
            "10.1.1.1",
            "a client cannot choose its address by prepending one"
        );
        assert_eq!(
            behind.client_address(Some(stranger), Some("10.1.1.1")),
            "127.0.0.9"
        );
        assert_eq!(
            behind.client_address(Some(proxy), Some("garbage")),
            "127.0.0.1"
        );
        let mapped: std::net::IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(
            behind.client_address(Some(mapped), Some("10.1.1.1")),
            "10.1.1.1"
        );
        let v6: std::net::IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        assert_eq!(open.client_address(Some(v6), None), "2001:db8:1:2::/64");
    }

    #[test]
    fn a_loopback_public_url_is_flagged_only_when_others_are_meant_to_connect() {
        let with = |bind: &str, public_url: &str| Config {
            bind: bind.into(),
            public_url: public_url.into(),
            ..Config::default()
        };
        assert!(
            !Config::default().public_url_is_loopback_only(),
            "the defaults serve this machine alone"
        );
        assert!(!with("127.0.0.1:8080", "http://127.0.0.1:8080").public_url_is_loopback_only());
        assert!(!with("localhost:8080", "http://localhost:8080").public_url_is_loopback_only());
        assert!(!with("[::1]:8080", "http://[::1]:8080").public_url_is_loopback_only());
        assert!(with("0.0.0.0:8080", "http://127.0.0.1:8080").public_url_is_loopback_only());
        assert!(with("[::]:8080", "http://localhost:8080/").public_url_is_loopback_only());
        assert!(with("192.168.1.20:8080", "http://127.0.0.1:8080").public_url_is_loopback_only());
        assert!(with("0.0.0.0:8080", "http://0.0.0.0:8080").public_url_is_loopback_only());
        assert!(!with("0.0.0.0:8080", "https://qihang.example.cn").public_url_is_loopback_only());
        assert!(!with("0.0.0.0:8080", "http://192.168.1.20:8080").public_url_is_loopback_only());
        assert!(!with("qihang.example.cn:80", "https://qihang.example.cn")
            .public_url_is_loopback_only());
    }

    #[test]
    fn debug_hides_secrets() {
        let config = Config {
            database_url: "postgres://qihang:hunter22@db/qihang".into(),
            mail: MailConfig {
                smtp_url: Some("smtps://mailer:s3cret@smtp.example.cn".into()),
                ..MailConfig::default()
            },
            sms: SmsMode::Http,
            sms_url: Some("https://gw:gwpass@sms.example.cn/send".into()),
            sms_key: Some("sms-k3y".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter22")
                && !shown.contains("s3cret")
                && !shown.contains("sms-k3y")
                && !shown.contains("gwpass"),
            "{shown}"
        );
        assert!(shown.contains("****"));
    }

    #[test]
    fn sms_modes_parse_and_print() {
        let parse = |text: &str| SmsMode::try_from(text.to_string());
        assert_eq!(parse("off"), Ok(SmsMode::Off));
        assert_eq!(parse(""), Ok(SmsMode::Off));
        assert_eq!(parse(" http "), Ok(SmsMode::Http));
        assert_eq!(
            parse("file:/var/qihang/sms.log"),
            Ok(SmsMode::File("/var/qihang/sms.log".into()))
        );
        assert!(parse("file:").is_err());
        assert!(parse("on").is_err());
        assert_eq!(
            String::from(SmsMode::File("sms.log".into())),
            "file:sms.log"
        );
        assert!(!SmsMode::Off.is_on() && SmsMode::Http.is_on());
    }
}
