//! Request-scoped helpers for server rendering and server functions: the page language, the
//! signed-in actor, cookies, redirects and one-shot form messages ("flash").
//!
//! A failed form post stores its error and the values typed (never passwords) in a short-lived
//! cookie and redirects back, so the form re-renders with the message and loses nothing —
//! with or without JavaScript.

use qihang_core::dto::ErrorCode;
use qihang_core::pack_problems::ProblemKind;
use serde::{Deserialize, Serialize};

#[cfg(not(feature = "ssr"))]
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "qihang_session";
pub const FLASH_COOKIE: &str = "qihang_flash";
/// The stylesheet address this browser has been sent for its cache (see
/// [`crate::app::shell`]): its value is the hashed address, so a new stylesheet is not
/// mistaken for the cached one.
pub const STYLE_COOKIE: &str = "qihang_css";

/// The outcome of a form post, shown once on the page it returns to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub ok: bool,
    /// The error's code (none when `ok`).
    pub code: Option<ErrorCode>,
    pub field: Option<String>,
    pub values: Vec<(String, String)>,
    /// The service's own message, shown under the localised one when it adds detail.
    #[serde(default)]
    pub detail: Option<String>,
    /// Every invalid field when a form had several.
    #[serde(default)]
    pub fields: Vec<String>,
    /// A course-pack problem behind the error, shown in the page's language instead of the
    /// (English) detail.
    #[serde(default)]
    pub problem: Option<ProblemKind>,
}

/// Keeps only the characters of an id or slug (a-z, 0-9, '-', '_'), for building local URLs.
pub fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The flash cookie's value: hex-encoded JSON (cookie-safe, no escaping questions).
pub fn encode_flash(flash: &Flash) -> String {
    hex::encode(serde_json::to_vec(flash).unwrap_or_default())
}

impl Flash {
    /// The success message of `form` (the page supplies the text).
    pub fn succeeded(form: &str) -> Flash {
        Flash {
            form: form.into(),
            ok: true,
            ..Flash::default()
        }
    }

    /// The value typed into `name`, or empty.
    pub fn value(&self, name: &str) -> String {
        self.values
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// What the union import form's post came to: the report, or why the file was refused.
/// The server crate's handler for `POST /admin/orgs/import` puts it in the request, and the
/// page rendered for that same request shows it ([`org_import_outcome`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgImportOutcome {
    /// The union the file was for, as the form sent it.
    pub org: String,
    pub dry_run: bool,
    pub result: Result<qihang_core::dto::OrgImportReport, Flash>,
}

/// What a class's roster upload came to: the report, or why the file was refused. The
/// server crate's handler for `POST /trainer/sessions/{id}` puts it in the request, and the
/// class page rendered for that same request shows it ([`roster_outcome`]), as for the union
/// import: the whole report, however long.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterOutcome {
    /// `present` or `signup`, as the form sent it.
    pub action: String,
    pub dry_run: bool,
    pub result: Result<qihang_core::dto::RosterReport, Flash>,
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use actix_web::cookie::{time::Duration, Cookie, SameSite};
    use actix_web::http::header::{HeaderValue, SET_COOKIE};
    use leptos::prelude::*;
    use leptos_actix::{Request, ResponseOptions};
    use qihang_core::dto::AccountView;
    use qihang_core::services::accounts;
    use qihang_core::services::actor::Actor;
    use qihang_core::{Core, ServiceError};

    use super::{Flash, FLASH_COOKIE, SESSION_COOKIE, STYLE_COOKIE};
    use crate::errors::AppError;
    use crate::i18n::{Lang, LANG_COOKIE};

    pub fn core() -> Result<Core, AppError> {
        use_context::<Core>().ok_or_else(|| AppError {
            code: qihang_core::dto::ErrorCode::Internal,
            message: "service state missing".into(),
            field: None,
        })
    }

    pub fn cookie(name: &str) -> Option<String> {
        use_context::<Request>()?
            .cookie(name)
            .map(|c| c.value().to_string())
    }

    pub fn lang() -> Lang {
        cookie(LANG_COOKIE)
            .and_then(|v| Lang::from_code(&v))
            .unwrap_or_default()
    }

    /// The caller's address and device, for a new session.
    pub fn client() -> qihang_core::services::accounts::Client {
        let user_agent = use_context::<Request>()
            .and_then(|r| {
                r.headers()
                    .get(actix_web::http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        qihang_core::services::accounts::Client::new(client_ip(), &user_agent)
    }

    /// The caller's address (`X-Forwarded-For` believed only from a trusted proxy).
    pub fn client_ip() -> String {
        let Some(request) = use_context::<Request>() else {
            return "unknown".into();
        };
        let lines = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok());
        let peer = request.peer_addr().map(|a| a.ip());
        match core() {
            Ok(core) => core.config.client_address_of(peer, lines),
            Err(_) => peer.map_or_else(|| "unknown".into(), |ip| ip.to_string()),
        }
    }

    /// The Content-Security-Policy of every response: nothing loads from other sites (lesson
    /// media included), scripts only from this server and, on pages, the inline hydration
    /// scripts carrying this response's nonce; wasm may compile. Inline `style` attributes stay
    /// allowed (progress bars); lessons never carry them (the sanitiser drops them).
    pub fn content_security_policy(nonce: Option<&str>) -> String {
        let scripts = match nonce {
            Some(nonce) => format!("'self' 'nonce-{nonce}' 'wasm-unsafe-eval'"),
            None => "'self' 'wasm-unsafe-eval'".into(),
        };
        format!(
            "default-src 'self'; img-src 'self' data:; media-src 'self'; script-src {scripts}; \
             style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    }

    /// Sets this page's policy with the nonce Leptos gives its inline scripts.
    pub fn set_page_security_policy() {
        let (Some(nonce), Some(res)) =
            (leptos::nonce::use_nonce(), use_context::<ResponseOptions>())
        else {
            return;
        };
        if let Ok(value) = HeaderValue::from_str(&content_security_policy(Some(&nonce.to_string())))
        {
            res.insert_header(actix_web::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }

    pub fn set_cookie(cookie: Cookie<'_>) {
        if let (Some(res), Ok(value)) = (
            use_context::<ResponseOptions>(),
            HeaderValue::from_str(&cookie.to_string()),
        ) {
            res.append_header(SET_COOKIE, value);
        }
    }

    fn base_cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .finish()
    }

    /// The session cookie for a freshly signed-in user.
    pub fn session_cookie(token: &str, secure: bool, days: i64) -> Cookie<'static> {
        let mut cookie = base_cookie(SESSION_COOKIE, token.to_string(), secure);
        cookie.set_max_age(Duration::days(days));
        cookie
    }

    pub fn clear_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
        let mut cookie = base_cookie(name, String::new(), secure);
        cookie.make_removal();
        cookie
    }

    pub fn sign_in(core: &Core, token: &str) {
        set_cookie(session_cookie(
            token,
            core.config.secure_cookies,
            core.config.session_days,
        ));
    }

    /// The signed-in user of a page request and her account as the header shows it,
    /// resolved once, in one trip to the database, however many components ask for either
    /// (the server provides a fresh cache with each page render).
    #[derive(Clone, Default)]
    pub struct ActorCache(std::sync::Arc<std::sync::OnceLock<Option<(Actor, AccountView)>>>);

    /// The signed-in user of this request, if any.
    pub async fn actor() -> Option<Actor> {
        let cache = use_context::<ActorCache>();
        if let Some(known) = cache.as_ref().and_then(|c| c.0.get()) {
            return known.as_ref().map(|(actor, _)| actor.clone());
        }
        // A server function called over HTTP: the server's `/_fn` gate found the caller.
        if let Some(found) = from_request::<Actor>() {
            return Some(found);
        }
        let core = core().ok()?;
        let token = cookie(SESSION_COOKIE);
        match cache {
            Some(cache) => {
                let found = match token {
                    Some(token) => accounts::page_session(&core, token).await.ok(),
                    None => None,
                };
                let actor = found.as_ref().map(|(actor, _)| actor.clone());
                let _ = cache.0.set(found);
                actor
            }
            None => accounts::authenticate(&core, token?).await.ok(),
        }
    }

    /// Her account as resolved with the request's session (`Some(None)` when signed out),
    /// wherever the server provided an [`ActorCache`]: page renders, and server functions
    /// called over HTTP whose caller the `/_fn` gate did not already find (then this
    /// answers `None` and the caller asks the service).
    pub async fn page_account() -> Option<Option<AccountView>> {
        let cache = use_context::<ActorCache>()?;
        if from_request::<Actor>().is_some() {
            return None;
        }
        actor().await;
        Some(cache.0.get()?.as_ref().map(|(_, account)| account.clone()))
    }

    pub fn redirect(path: &str) {
        leptos_actix::redirect(path);
    }

    /// Whether this browser holds the current stylesheet (it was sent for its cache before).
    pub fn stylesheet_cached() -> bool {
        cookie(STYLE_COOKIE).as_deref() == Some(crate::style_href())
    }

    /// Notes in the browser that this page sent it the stylesheet for its cache (a year, like
    /// the stylesheet's own `Cache-Control`).
    pub fn remember_stylesheet() {
        set_cookie(
            Cookie::build(STYLE_COOKIE, crate::style_href())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .max_age(Duration::days(365))
                .finish(),
        );
    }

    /// This page's address as the browser asked for it (path and query, percent-encoded),
    /// when it is a local path: where a detour (sign-in, language) comes back to.
    pub fn here() -> Option<String> {
        use_context::<Request>()
            .and_then(|r| r.uri().path_and_query().map(|p| p.as_str().to_string()))
            .filter(|p| qihang_core::paths::is_local_path(p))
    }

    /// To the login page, coming back to this page once signed in.
    pub fn redirect_to_login() {
        match here() {
            Some(here) => redirect(&format!(
                "/login?next={}",
                crate::islands::encode_component(&here)
            )),
            None => redirect("/login"),
        }
    }

    /// Answers this page with 404 Not Found (the router's fallback page; the router itself
    /// leaves the status at 200).
    pub fn set_not_found() {
        if let Some(res) = use_context::<ResponseOptions>() {
            res.set_status(actix_web::http::StatusCode::NOT_FOUND);
        }
    }

    /// Answers this page with the status of the error it shows instead of its content:
    /// 403 when the caller may not see it, 404 when it does not exist, 503 while the database
    /// is away (the router itself leaves every page at 200). A caller who must sign in is
    /// redirected instead ([`redirect_to_login`]).
    pub fn set_error_status(code: qihang_core::dto::ErrorCode) {
        use qihang_core::dto::ErrorCode;
        let status = match code {
            ErrorCode::Forbidden => actix_web::http::StatusCode::FORBIDDEN,
            ErrorCode::NotFound => actix_web::http::StatusCode::NOT_FOUND,
            ErrorCode::Unavailable => actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            _ => return,
        };
        if let Some(res) = use_context::<ResponseOptions>() {
            res.set_status(status);
        }
    }

    /// Reads this page's flash message and clears the cookie.
    pub fn take_flash(form: &str) -> Option<Flash> {
        let raw = cookie(FLASH_COOKIE)?;
        set_cookie(clear_cookie(FLASH_COOKIE, false));
        let bytes = hex::decode(raw).ok()?;
        serde_json::from_slice::<Flash>(&bytes)
            .ok()
            .filter(|f| f.form == form)
    }

    /// The cookie carrying `flash` to the next page. Only the server reads it (so `HttpOnly`),
    /// and only once (so it lives five minutes). Server functions and the server crate's plain
    /// form handlers (quiz, pack upload) both send it, so it is built in this one place.
    pub fn flash_cookie(flash: &Flash) -> Cookie<'static> {
        let mut cookie = base_cookie(FLASH_COOKIE, super::encode_flash(flash), false);
        cookie.set_max_age(Duration::minutes(5));
        cookie
    }

    pub fn set_flash(flash: &Flash) {
        set_cookie(flash_cookie(flash));
    }

    /// Errors whose own text tells the user more than the localised summary does.
    pub fn flash_detail(error: &ServiceError) -> Option<String> {
        matches!(
            error,
            ServiceError::BadUpload(_)
                | ServiceError::UploadTooLarge(_)
                | ServiceError::BadArchive(_)
                | ServiceError::InvalidPack { .. }
                | ServiceError::NeedsNewVersion { .. }
                | ServiceError::PrerequisitesMissing { .. }
                | ServiceError::NotEligible { .. }
                | ServiceError::RegistrationClosed { .. }
                | ServiceError::RoundNotStarted { .. }
        )
        .then(|| match error {
            ServiceError::PrerequisitesMissing { missing } => missing.join("、"),
            ServiceError::NotEligible { misses } => misses
                .iter()
                .map(|m| m.message_zh.as_str())
                .collect::<Vec<_>>()
                .join("；"),
            ServiceError::RegistrationClosed { opens, closes } => format!("{opens} — {closes}"),
            ServiceError::RoundNotStarted { starts } => starts.clone(),
            other => other.public_message(),
        })
    }

    /// The failure message of `form`: the error's code, field and detail, and what was typed
    /// (never passwords). Internal faults are logged here, as the user sees only a summary.
    pub fn flash_for_error(form: &str, error: &ServiceError, values: Vec<(&str, String)>) -> Flash {
        if let ServiceError::Internal(cause) = error {
            tracing::error!(%cause, form, "form submission failed");
        }
        // A pack problem is told in the page's language; the English detail would only repeat
        // it (and lengthen the cookie).
        let problem = error.pack_problem();
        Flash {
            form: form.into(),
            ok: false,
            code: Some(error.code()),
            field: error.field().map(Into::into),
            values: values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            detail: problem.is_none().then(|| flash_detail(error)).flatten(),
            problem,
            fields: error.fields().into_iter().map(Into::into).collect(),
        }
    }

    /// Sends the browser back to the form with the error and what was typed.
    pub fn fail_form(form: &str, back_to: &str, error: &ServiceError, values: Vec<(&str, String)>) {
        set_flash(&flash_for_error(form, error, values));
        redirect(back_to);
    }

    /// Sends the browser on with a success message for the page it lands on.
    pub fn succeed_form(form: &str, go_to: &str) {
        set_flash(&Flash::succeeded(form));
        redirect(go_to);
    }

    /// Sends the browser back to the form with what was typed (never passwords) and no
    /// message: a step of filling it in (the registration's union search without
    /// JavaScript), not an outcome.
    pub fn keep_form(form: &str, back_to: &str, values: Vec<(&str, String)>) {
        set_flash(&Flash {
            form: form.into(),
            ok: true,
            values: values
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            ..Flash::default()
        });
        redirect(back_to);
    }

    /// What the server crate left in this request for the page to show (an upload's outcome).
    fn from_request<T: Clone + 'static>() -> Option<T> {
        use actix_web::HttpMessage;
        let request = use_context::<Request>()?;
        let found = request.extensions().get::<T>().cloned();
        found
    }

    /// The union import's outcome when this render answers the import form's own post.
    pub fn org_import_outcome() -> Option<super::OrgImportOutcome> {
        from_request()
    }

    /// The roster upload's outcome when this render answers the class page's upload post.
    pub fn roster_outcome() -> Option<super::RosterOutcome> {
        from_request()
    }
}

/// In the browser bundle, pages are never rendered; these keep the shared code compiling.
#[cfg(not(feature = "ssr"))]
pub fn lang() -> Lang {
    Lang::default()
}

#[cfg(not(feature = "ssr"))]
pub fn take_flash(_form: &str) -> Option<Flash> {
    None
}

#[cfg(not(feature = "ssr"))]
pub fn redirect(_path: &str) {}

#[cfg(not(feature = "ssr"))]
pub fn redirect_to_login() {}

#[cfg(not(feature = "ssr"))]
pub fn here() -> Option<String> {
    None
}

#[cfg(not(feature = "ssr"))]
pub fn stylesheet_cached() -> bool {
    true
}

#[cfg(not(feature = "ssr"))]
pub fn remember_stylesheet() {}

#[cfg(not(feature = "ssr"))]
pub fn set_not_found() {}

#[cfg(not(feature = "ssr"))]
pub fn set_error_status(_code: qihang_core::dto::ErrorCode) {}

#[cfg(not(feature = "ssr"))]
pub fn org_import_outcome() -> Option<OrgImportOutcome> {
    None
}

#[cfg(not(feature = "ssr"))]
pub fn roster_outcome() -> Option<RosterOutcome> {
    None
}
