//! The interactive parts of pages (hydrated in the browser). Everything else is plain HTML.
//! Each island also renders something useful before, or without, JavaScript.

use leptos::prelude::*;

use crate::i18n::Lang;

/// Language links that work as plain links (via `/lang/…`); once hydrated, a tap switches
/// without the extra redirect.
#[island]
pub fn LangSwitch(current: Lang, here: String) -> impl IntoView {
    let link = move |lang: Lang, label: &'static str| {
        let href = format!("/lang/{}?next={}", lang.code(), encode_component(&here));
        let active = lang == current;
        view! {
            <a
                href=href
                lang=lang.code()
                class:active=active
                aria-current=if active { Some("true") } else { None }
                on:click=move |ev| {
                    #[cfg(feature = "hydrate")]
                    {
                        use wasm_bindgen::JsCast;
                        ev.prevent_default();
                        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                            if let Ok(html) = doc.dyn_into::<web_sys::HtmlDocument>() {
                                let _ = html.set_cookie(&format!(
                                    "{}={}; path=/; max-age=31536000; samesite=lax",
                                    crate::i18n::LANG_COOKIE,
                                    lang.code()
                                ));
                            }
                        }
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    }
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }
            >
                {label}
            </a>
        }
    };
    view! {
        <nav class="lang-switch" aria-label="语言 / Language">
            {link(Lang::Zh, "中文")}
            " · "
            {link(Lang::En, "EN")}
        </nav>
    }
}

/// A password input with a show/hide button; the button appears only once hydrated.
#[island]
pub fn PasswordInput(
    name: String,
    id: String,
    autocomplete: String,
    show_label: String,
    hide_label: String,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <span class="password-input">
            <input
                type=move || if shown.get() { "text" } else { "password" }
                name=name
                id=id
                autocomplete=autocomplete
                required=true
                minlength="8"
                maxlength="128"
            />
            <button
                type="button"
                class="toggle"
                hidden=move || !hydrated.get()
                aria-pressed=move || shown.get().to_string()
                on:click=move |_| shown.update(|s| *s = !*s)
            >
                {move || if shown.get() { hide_label.clone() } else { show_label.clone() }}
            </button>
        </span>
    }
}

/// Percent-encodes a path for use as a query value.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
