//! The HTTP server: REST API under `/api/v1`, the Leptos pages and server functions under
//! `/_fn`, static front-end files, and the middleware around them.

mod achievement_form;
mod api;
mod assets;
mod auth;
mod classes;
mod competitions;
mod csrf;
mod errors;
mod fn_gate;
mod json;
mod org_import;
mod people;
mod quiz_form;
mod roster_import;
mod skills;
mod upload;

use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpResponse, HttpServer};
use leptos::prelude::*;
use leptos_actix::{generate_route_list, LeptosRoutes};
use qihang_app::app::{shell, App as WebApp};
use qihang_app::i18n::{Lang, LANG_COOKIE};
use qihang_app::request::{flash_cookie, Flash};
use qihang_core::Core;

/// Binds, prints `listening on http://ADDR` (the harness reads it), and serves until stopped.
pub async fn serve(core: Core) -> std::io::Result<()> {
    let site_root = core.config.site_root.clone();
    let assets = std::sync::Arc::new(assets::Assets::load(&site_root));
    let _ = qihang_app::STYLE_HREF.set(assets.style_path.clone());
    // The pages name the bundle under its hash, so a new build is a new address.
    let leptos_options = LeptosOptions::builder()
        .output_name("qihang")
        .site_root(site_root.display().to_string())
        .site_pkg_dir(format!("pkg/{}", assets.pkg_hash))
        .build();
    let routes = generate_route_list(WebApp);
    // A page names its islands' bundle once its body has rendered (qihang_app::app's
    // island_scripts), which holds only when pages render in order.
    if let Some(route) = routes.iter().find(|r| {
        !matches!(
            r.mode(),
            leptos_router::SsrMode::Async | leptos_router::SsrMode::InOrder
        )
    }) {
        return Err(std::io::Error::other(format!(
            "route {} must render with SsrMode::Async (islands name their bundle after the body)",
            route.path()
        )));
    }
    let bind = core.config.bind.clone();
    let server = HttpServer::new(move || {
        let core = core.clone();
        let context_core = core.clone();
        let import_core = core.clone();
        let options = leptos_options.clone();
        // What every page render gets: the core, a per-request cache of the signed-in user,
        // and the page's Content-Security-Policy with its nonce.
        let page_context = move || {
            provide_context(context_core.clone());
            provide_context(qihang_app::request::ActorCache::default());
            qihang_app::request::set_page_security_policy();
        };
        let page_shell = {
            let options = options.clone();
            move || shell(options.clone())
        };
        App::new()
            .app_data(web::Data::new(core))
            .app_data(web::Data::new(options.clone()))
            .app_data(web::Data::new(assets.clone()))
            .wrap(from_fn(fn_gate::gate))
            .wrap(from_fn(csrf::guard))
            .wrap(from_fn(text_headers))
            .wrap(Compress::default())
            .wrap(
                DefaultHeaders::new()
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "same-origin"))
                    .add((header::X_FRAME_OPTIONS, "DENY"))
                    .add((
                        header::CONTENT_SECURITY_POLICY,
                        qihang_app::request::content_security_policy(None),
                    )),
            )
            .route("/healthz", web::get().to(health))
            .route("/_bench/bytes/{n}", web::get().to(bench_bytes))
            .route("/_bench/write/{org}", web::post().to(bench_write))
            .service(
                web::scope("/api/v1")
                    .configure(api::learning_routes)
                    .configure(people::routes)
                    .configure(classes::routes)
                    .configure(skills::routes)
                    .configure(competitions::routes)
                    .configure(api::routes)
                    .default_service(web::to(api_not_found)),
            )
            .service(web::scope("/api").default_service(web::to(api_not_found)))
            .route("/style.css", web::get().to(assets::stylesheet))
            .route("/style.css", web::head().to(assets::stylesheet))
            .route("/style.{hash}.css", web::get().to(assets::stylesheet))
            .route("/pkg/{hash}/{file}", web::get().to(assets::bundle))
            .route("/pkg/{file}", web::get().to(assets::bundle_unhashed))
            .route("/favicon.svg", web::get().to(favicon_svg))
            .route("/favicon.svg", web::head().to(favicon_svg))
            .route("/favicon.ico", web::get().to(favicon_ico))
            .route("/favicon.ico", web::head().to(favicon_ico))
            .route("/media/{course}/{file:.*}", web::get().to(course_media))
            .route("/lang/{code}", web::get().to(switch_language))
            .service(
                web::resource("/trainer/packs")
                    .guard(actix_web::guard::Post())
                    .to(upload::upload_from_page),
            )
            .service(
                web::resource("/studios/{id}/achievements")
                    .guard(actix_web::guard::Post())
                    .to(achievement_form::add_from_page),
            )
            .service(
                web::resource("/quiz/{id}")
                    .guard(actix_web::guard::Post())
                    .to(quiz_form::submit_from_page),
            )
            // The union import form: the middleware imports the file, then the page renders
            // for the same request with the report.
            .service(
                web::resource("/admin/orgs/import")
                    .guard(actix_web::guard::Post())
                    .route(leptos_actix::render_app_async_with_context(
                        move || {
                            provide_context(import_core.clone());
                            provide_context(qihang_app::request::ActorCache::default());
                            qihang_app::request::set_page_security_policy();
                        },
                        {
                            let options = options.clone();
                            move || shell(options.clone())
                        },
                        leptos_router::Method::Post,
                    ))
                    .wrap(from_fn(org_import::run)),
            )
            // A class's roster upload: likewise, the class page renders with the report.
            .service(
                web::resource("/trainer/sessions/{id}")
                    .guard(actix_web::guard::Post())
                    .route(leptos_actix::render_app_async_with_context(
                        page_context.clone(),
                        page_shell.clone(),
                        leptos_router::Method::Post,
                    ))
                    .wrap(from_fn(roster_import::run)),
            )
            .leptos_routes_with_context(routes.clone(), page_context.clone(), page_shell.clone())
            // Any other address renders the app's own 404 page (the router's fallback, which
            // sets the status): the site's header, a sentence and the ways back.
            .default_service(leptos_actix::render_app_async_with_context(
                page_context,
                page_shell,
                leptos_router::Method::Get,
            ))
    })
    // Pages are written in several chunks: without TCP_NODELAY, Nagle's algorithm and the
    // client's delayed ACK hold the last chunk back by ~40 ms.
    .on_connect(|connection, _| {
        if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    // A campaign day brings thousands of women at the same second (a theory round's start):
    // a deep accept queue keeps their connections instead of dropping them, and a request's
    // head may take 20 s to be read while the one worker is busy, instead of 408 at 5 s.
    .backlog(4096)
    .client_request_timeout(std::time::Duration::from_secs(20))
    .bind(&bind)?;
    let addr = server
        .addrs()
        .first()
        .copied()
        .ok_or_else(|| std::io::Error::other("bound to no address"))?;
    let server = server.run();
    println!("listening on http://{addr}");
    server.await
}

/// A 303 to `to` carrying a one-shot form message (what the Leptos pages read as flash).
fn see_other_with_flash(to: &str, flash: &Flash) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .cookie(flash_cookie(flash))
        .finish()
}

async fn health(core: web::Data<Core>) -> HttpResponse {
    match core.ping().await {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "database unavailable"}))
        }
    }
}

/// The benchmark's static baseline: `n` bytes (at most 1 MB) from memory, as HTML. 404 unless
/// `bench_endpoints` is set.
async fn bench_bytes(core: web::Data<Core>, n: web::Path<usize>) -> HttpResponse {
    static BYTES: [u8; 1 << 20] = [b'a'; 1 << 20];
    if !core.config.bench_endpoints {
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(&BYTES[..n.into_inner().min(BYTES.len())])
}

/// The benchmark's write baseline (see [`Core::bench_write`]). 404 unless `bench_endpoints`.
async fn bench_write(core: web::Data<Core>, org: web::Path<i64>) -> HttpResponse {
    if !core.config.bench_endpoints {
        return HttpResponse::NotFound().finish();
    }
    match core.bench_write(org.into_inner()).await {
        Ok(()) => HttpResponse::NoContent().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

/// Lesson images and audio from the database, for published courses only.
async fn course_media(core: web::Data<Core>, path: web::Path<(String, String)>) -> HttpResponse {
    let (course, file) = path.into_inner();
    match qihang_core::services::catalog::media(&core, course, file).await {
        Ok((content_type, bytes)) => HttpResponse::Ok()
            .content_type(content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ))
            .body(bytes),
        Err(e) => errors::ApiError::from(e).into_response(),
    }
}

/// Every text answer says its charset (leptos_actix renders `text/html` without one, and
/// clients that don't read `<meta charset>` would decode the Chinese as Latin-1), and nothing
/// personal is kept by a cache: API and server-function answers, and any page rendered for a
/// signed-in caller, are `private, no-store` unless the handler chose a policy (the hashed
/// static files are immutable, the public verification page may be cached briefly).
async fn text_headers(
    request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let path = request.path();
    let machine = path.starts_with("/api/") || path.starts_with("/_fn/");
    let signed_in = request.headers().contains_key(header::AUTHORIZATION)
        || request
            .cookie(qihang_app::request::SESSION_COOKIE)
            .is_some();
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let is_text = content_type.starts_with("text/");
    let is_html = content_type.starts_with("text/html");
    if is_text && !content_type.contains("charset") {
        let with_charset = format!("{content_type}; charset=utf-8");
        if let Ok(value) = header::HeaderValue::from_str(&with_charset) {
            headers.insert(header::CONTENT_TYPE, value);
        }
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        if machine || (is_html && signed_in) {
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("private, no-store"),
            );
        } else if is_html {
            headers.insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-cache"),
            );
        }
    }
    Ok(response)
}

async fn favicon_svg() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(qihang_app::FAVICON_SVG)
}

async fn favicon_ico() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(qihang_app::FAVICON_ICO)
}

#[derive(serde::Deserialize)]
struct NextPage {
    next: Option<String>,
}

/// `/lang/en?next=/register`: remembers the language in a cookie and goes back (no JS needed).
async fn switch_language(path: web::Path<String>, query: web::Query<NextPage>) -> HttpResponse {
    let lang = Lang::from_code(&path).unwrap_or_default();
    let next = query
        .next
        .as_deref()
        .filter(|n| qihang_core::paths::is_local_path(n))
        .unwrap_or("/");
    let cookie = actix_web::cookie::Cookie::build(LANG_COOKIE, lang.code())
        .path("/")
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(cookie)
        .finish()
}

/// Unknown addresses under `/api`: the API's JSON 404 (pages get the app's 404 page).
async fn api_not_found() -> HttpResponse {
    errors::ApiError::NotFound.into_response()
}
