//! The front end's static files, served from memory under content-hashed addresses.
//!
//! Why: a woman on a weak phone connection should download an islands bundle once, and the
//! server should not gzip the same 100 KB of wasm afresh for every visitor. At start-up the
//! server reads `site_root/pkg` (the bundles, one per group of islands, and the `.br`/`.gz`
//! twins `cargo xtask wasm` writes beside each file at build time), hashes them together,
//! and serves them under `/pkg/<hash>/…` with
//! `Cache-Control: public, max-age=31536000, immutable`; the pages name that address, so a
//! new build is a new address and no cache can serve a stale bundle. The stylesheet (compiled
//! into the binary) gets the same treatment at `/style.<hash>.css`. Responses carry their own
//! `Content-Encoding`, so the compression middleware leaves them alone.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The unhashed addresses (`/pkg/qihang.js`, `/style.css`) still answer, for old pages in a
/// browser's memory and for scripts; they may change under the same name, so briefly cached.
const SHORT: &str = "public, max-age=300";

/// One file in its three encodings.
struct Asset {
    content_type: &'static str,
    identity: web::Bytes,
    gzip: Option<web::Bytes>,
    brotli: Option<web::Bytes>,
}

/// The hashed static files of this build.
pub struct Assets {
    /// The bundle's hash: the pages' `site_pkg_dir` is `pkg/<hash>`.
    pub pkg_hash: String,
    pkg: HashMap<String, Asset>,
    /// The stylesheet's address, `/style.<hash>.css`.
    pub style_path: String,
    style: Asset,
}

impl Assets {
    /// Reads `site_root/pkg` (a missing folder gives an empty bundle: the pages still render,
    /// without islands) and prepares the stylesheet.
    pub fn load(site_root: &Path) -> Assets {
        let mut pkg = HashMap::new();
        let mut hasher = Sha256::new();
        let dir = site_root.join("pkg");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| !n.ends_with(".gz") && !n.ends_with(".br"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        for name in names {
            let Ok(identity) = std::fs::read(dir.join(&name)) else {
                continue;
            };
            hasher.update(name.as_bytes());
            hasher.update(&identity);
            let twin = |ext: &str| {
                std::fs::read(dir.join(format!("{name}.{ext}")))
                    .ok()
                    .map(web::Bytes::from)
            };
            let gzip = twin("gz").or_else(|| Some(gzip(&identity)));
            pkg.insert(
                name.clone(),
                Asset {
                    content_type: content_type(&name),
                    identity: identity.into(),
                    gzip,
                    brotli: twin("br"),
                },
            );
        }
        let pkg_hash = short_hash(hasher);
        let style = qihang_app::STYLE.as_bytes();
        let mut hasher = Sha256::new();
        hasher.update(style);
        let style_path = format!("/style.{}.css", short_hash(hasher));
        Assets {
            pkg_hash,
            pkg,
            style_path,
            style: Asset {
                content_type: "text/css; charset=utf-8",
                identity: web::Bytes::from_static(style),
                gzip: Some(gzip(style)),
                brotli: None,
            },
        }
    }
}

fn short_hash(hasher: Sha256) -> String {
    hasher.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn gzip(bytes: &[u8]) -> web::Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory").into()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// The best encoding the client accepts that we hold.
fn respond(request: &HttpRequest, asset: &Asset, cache: &'static str) -> HttpResponse {
    let accepts = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let accepts = |name: &str| {
        accepts.split(',').any(|part| {
            let mut pieces = part.trim().split(';');
            pieces.next().is_some_and(|n| n.trim() == name)
                && !pieces.any(|p| p.trim().replace(' ', "") == "q=0")
        })
    };
    let (encoding, body) = match (&asset.brotli, &asset.gzip) {
        (Some(br), _) if accepts("br") => ("br", br.clone()),
        (_, Some(gz)) if accepts("gzip") => ("gzip", gz.clone()),
        _ => ("identity", asset.identity.clone()),
    };
    HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::CONTENT_ENCODING, encoding))
        .body(body)
}

/// `GET /pkg/{hash}/{file}`: immutable when the hash is this build's; an older hash gets the
/// current file briefly cached (a page rendered before a deploy still hydrates).
pub async fn bundle(
    request: HttpRequest,
    assets: web::Data<Arc<Assets>>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (hash, file) = path.into_inner();
    match assets.pkg.get(&file) {
        Some(asset) if hash == assets.pkg_hash => respond(&request, asset, IMMUTABLE),
        Some(asset) => respond(&request, asset, SHORT),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /pkg/{file}`: the unhashed address.
pub async fn bundle_unhashed(
    request: HttpRequest,
    assets: web::Data<Arc<Assets>>,
    file: web::Path<String>,
) -> HttpResponse {
    match assets.pkg.get(file.as_str()) {
        Some(asset) => respond(&request, asset, SHORT),
        None => HttpResponse::NotFound().finish(),
    }
}

/// `GET /style.{hash}.css` (immutable) and `/style.css`.
pub async fn stylesheet(request: HttpRequest, assets: web::Data<Arc<Assets>>) -> HttpResponse {
    let cache = if request.path() == assets.style_path {
        IMMUTABLE
    } else {
        SHORT
    };
    respond(&request, &assets.style, cache)
}
