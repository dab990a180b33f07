//! Qihang's web front end: Leptos pages rendered on the server, with islands hydrated only
//! where a page needs interaction. Forms are plain HTML posts to server functions, so every
//! page works with JavaScript off.

pub mod app;
pub mod errors;
pub mod i18n;
pub mod islands;
pub mod pages;
pub mod request;
pub mod server_fns;

/// The stylesheet, served by the server at `/style.css`.
pub const STYLE: &str = include_str!("../style.css");

/// Browser entry point: hydrates the islands on the page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
