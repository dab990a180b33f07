//! Qihang's web front end: Leptos pages rendered on the server, with islands hydrated only
//! where a page needs interaction. Forms are plain HTML posts, so every page works with
//! JavaScript off. Most post to server functions under `/_fn` ([`server_fns`]). Two post to
//! plain handlers of the server crate instead, as their bodies are not a fixed set of fields:
//! the quiz page to `/quiz/{id}` (one `q.<question id>` field per answer) and the pack upload
//! page to `/trainer/packs` (a multipart file). Either way a refused post comes back to its
//! page with a one-shot message ([`request::Flash`]).

pub mod app;
pub mod class_fns;
pub mod competition_fns;
pub mod errors;
pub mod fn_access;
pub mod i18n;
pub mod islands;
pub mod my_data_fns;
pub mod pages;
pub mod request;
pub mod server_fns;
pub mod staff_fns;
pub mod studio_fns;

/// The stylesheet, served by the server at a content-hashed address (see [`style_href`]).
pub const STYLE: &str = include_str!("../style.css");

/// The stylesheet's content-hashed address, set once by the server at start-up.
pub static STYLE_HREF: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Where the pages link the stylesheet: the hashed address when the server set one.
pub fn style_href() -> &'static str {
    STYLE_HREF.get().map_or("/style.css", String::as_str)
}

/// The site icon, the red 航 mark of the header, served at `/favicon.svg`.
pub const FAVICON_SVG: &str = include_str!("../favicon.svg");

/// The same mark as a 32 px PNG inside an ICO, served at `/favicon.ico` (browsers ask for it
/// whatever the page links).
pub const FAVICON_ICO: &[u8] = include_bytes!("../favicon.ico");

/// Browser entry point: hydrates the islands on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
