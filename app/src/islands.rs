//! The interactive parts of pages (hydrated in the browser). Everything else is plain HTML.
//! Each island also renders something useful before, or without, JavaScript.
//!
//! Why several bundles: a woman on a cheap phone and a slow connection should download only
//! the code of what she can use on the page in front of her. One bundle with every island
//! was 141 KB compressed, most of it the organisation picker, the live class and the quiz
//! helpers, which a lesson page never shows. So `cargo xtask wasm` builds one bundle per
//! [`Bundle`] (each with only its islands registered; the others compile as plain
//! components and are dropped as dead code), plus the full one, `qihang`. As the server
//! renders a page, each island records its bundle ([`PageIslands`]), and the shell names the
//! one bundle that holds them all, or none at all when the page has no island.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use leptos::prelude::*;
use qihang_core::dto::OrgView;
use serde::{Deserialize, Serialize};

/// A browser bundle: the islands that pages show together. Each island belongs to exactly one;
/// its `#[cfg_attr]` pair registers it as an island on the server and in its own bundle's
/// build (Cargo feature `islands-<name>`), and as a plain component elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundle {
    /// The lesson page's read-aloud bar.
    Read,
    /// The quiz and theory-exam helpers: autosave, countdown, progress.
    Quiz,
    /// The sign-up and account forms: the password field and the organisation picker.
    Forms,
    /// The trainer's live class and its projector screen.
    Class,
}

/// The bundle with every island, for a page that shows islands of two bundles (none does
/// today) and for the unhashed `/pkg/qihang.js` address.
pub const FULL_BUNDLE: &str = "qihang";

impl Bundle {
    pub const ALL: [Bundle; 4] = [Bundle::Read, Bundle::Quiz, Bundle::Forms, Bundle::Class];

    /// The bundle's files in `pkg/`: `<name>.js` and `<name>_bg.wasm` (`cargo xtask wasm`
    /// builds them under these names with the feature `islands-<suffix>`).
    pub fn output_name(self) -> &'static str {
        match self {
            Bundle::Read => "qihang-read",
            Bundle::Quiz => "qihang-quiz",
            Bundle::Forms => "qihang-forms",
            Bundle::Class => "qihang-class",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The bundles of the islands a page rendered, filled in as the server renders it (the
/// shell provides one per request and reads it once the body is done).
#[derive(Clone, Debug, Default)]
pub struct PageIslands(Arc<AtomicU8>);

impl PageIslands {
    /// The bundle this page needs: none without islands, the full one for a mix.
    pub fn output_name(&self) -> Option<&'static str> {
        let bits = self.0.load(Ordering::Relaxed);
        if bits == 0 {
            return None;
        }
        let single = Bundle::ALL.into_iter().find(|b| b.bit() == bits);
        Some(single.map_or(FULL_BUNDLE, Bundle::output_name))
    }
}

/// Records that the page being rendered shows an island of `bundle`.
fn on_page(bundle: Bundle) {
    if let Some(page) = use_context::<PageIslands>() {
        page.0.fetch_or(bundle.bit(), Ordering::Relaxed);
    }
}

/// A password input with a show/hide button. The button works only once the island is
/// hydrated, so until then it is not shown at all: the server renders it `hidden` (and the
/// stylesheet hides it until the wrapper has the `hydrated` class), and with JavaScript off
/// she never sees a button that does nothing.
#[cfg_attr(any(feature = "ssr", feature = "islands-forms"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-forms")), component)]
pub fn PasswordInput(
    name: String,
    id: String,
    autocomplete: String,
    show_label: String,
    hide_label: String,
) -> impl IntoView {
    on_page(Bundle::Forms);
    let shown = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <span class="password-input" class:hydrated=move || hydrated.get()>
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

/// The registration picker's texts, in the page's language (islands carry only what they
/// show, not the whole text table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickerTexts {
    pub city: String,
    pub city_choose: String,
    pub province_suffix: String,
    pub search: String,
    pub search_hint: String,
    pub search_button: String,
    pub results: String,
    pub city_itself: String,
    pub no_match: String,
    pub city_first: String,
    pub registers_with: String,
}

/// What the picker knows when the page is drawn: the cities, what was chosen and typed,
/// and the matches found for it (by the page, so they show without JavaScript).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickerState {
    pub cities: Vec<OrgView>,
    pub city: String,
    pub query: String,
    pub matches: Vec<OrgView>,
    /// The union chosen among the matches; empty for the city itself.
    pub chosen: String,
}

/// A city's name in the select (the province marked as such).
fn city_label(org: &OrgView, texts: &PickerTexts) -> String {
    if org.depth == 0 {
        format!("{}{}", org.name, texts.province_suffix)
    } else {
        org.name.clone()
    }
}

/// The name of the union with `code` among `orgs`, or empty.
fn name_in(orgs: &[OrgView], code: &str) -> String {
    orgs.iter()
        .find(|o| o.code == code)
        .map(|o| o.name.clone())
        .unwrap_or_default()
}

/// Without JavaScript: the matches the page found as radio buttons named `org` (the city
/// itself first, with the value "": the form then registers her with the city), or why
/// there are none.
fn picker_radios(state: &PickerState, texts: &PickerTexts) -> AnyView {
    if state.query.trim().is_empty() && state.matches.is_empty() {
        return ().into_any();
    }
    if state.city.is_empty() {
        return view! { <p class="muted" id="org-no-match">{texts.city_first.clone()}</p> }
            .into_any();
    }
    let city_name = name_in(&state.cities, &state.city);
    let radios = state
        .matches
        .iter()
        .map(|m| {
            let checked = m.code == state.chosen;
            view! {
                <label class="org-choice">
                    <input type="radio" name="org" value=m.code.clone() checked=checked/>
                    <span>{m.name.clone()}</span>
                </label>
            }
        })
        .collect_view();
    let none = state.matches.is_empty().then(|| {
        view! { <p class="muted" id="org-no-match">{texts.no_match.clone()}</p> }
    });
    view! {
        <fieldset class="org-options" id="org-options">
            <legend>{texts.results.clone()}</legend>
            <label class="org-choice">
                <input type="radio" name="org" value="" checked=state.chosen.is_empty()/>
                <span>{format!("{}{}", texts.city_itself, city_name)}</span>
            </label>
            {radios}
            {none}
        </fieldset>
    }
    .into_any()
}

/// One tappable choice of the hydrated picker; `code` empty for the city itself.
fn choice_button(code: String, label: String, chosen: RwSignal<(String, String)>) -> impl IntoView {
    let data_code = code.clone();
    let pressed_code = code.clone();
    let pressed = move || chosen.with(|c| c.0 == pressed_code).to_string();
    let name = if code.is_empty() {
        String::new()
    } else {
        label.clone()
    };
    let choose = move |_: leptos::ev::MouseEvent| chosen.set((code.clone(), name.clone()));
    view! {
        <button type="button" class="org-choice" data-code=data_code aria-pressed=pressed on:click=choose>
            {label}
        </button>
    }
}

/// The hydrated picker's state: what she chose and typed, and the matches for it.
#[derive(Clone, Copy)]
struct Picker {
    city: RwSignal<String>,
    query: RwSignal<String>,
    found: RwSignal<Vec<OrgView>>,
    /// (code, name) of the union chosen; an empty code for the city itself.
    chosen: RwSignal<(String, String)>,
    /// Each search takes a ticket; an answer is shown only if no later search was started.
    latest: RwSignal<u64>,
    cities: StoredValue<Vec<OrgView>>,
}

impl Picker {
    fn new(state: &PickerState) -> Picker {
        Picker {
            city: RwSignal::new(state.city.clone()),
            query: RwSignal::new(state.query.clone()),
            found: RwSignal::new(state.matches.clone()),
            chosen: RwSignal::new((state.chosen.clone(), name_in(&state.matches, &state.chosen))),
            latest: RwSignal::new(0),
            cities: StoredValue::new(state.cities.clone()),
        }
    }

    /// Asks the server for the unions under the city whose name holds what she typed.
    fn search(self) {
        let ticket = self.latest.get_untracked() + 1;
        self.latest.set(ticket);
        let (under, q) = (self.city.get_untracked(), self.query.get_untracked());
        if under.is_empty() || q.trim().is_empty() {
            self.found.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let matches = crate::server_fns::search_orgs(under, q)
                .await
                .unwrap_or_default();
            if self.latest.get_untracked() == ticket {
                self.found.set(matches);
            }
        });
    }

    fn city_name(self) -> String {
        let city = self.city.get();
        self.cities.with_value(|c| name_in(c, &city))
    }
}

/// Once hydrated: the hidden `org` field, where she will be registered, and the city itself
/// and the matches as tappable choices.
fn live_choices(p: Picker, texts: &PickerTexts) -> AnyView {
    let city_choice = (!p.city.get().is_empty()).then(|| {
        let label = format!("{}{}", texts.city_itself, p.city_name());
        choice_button(String::new(), label, p.chosen)
    });
    let choices = p
        .found
        .get()
        .into_iter()
        .map(|o| choice_button(o.code, o.name, p.chosen))
        .collect_view();
    let nothing_found =
        p.found.with(Vec::is_empty) && !p.query.get().trim().is_empty() && !p.city.get().is_empty();
    let none = nothing_found
        .then(|| view! { <p class="muted" id="org-no-match">{texts.no_match.clone()}</p> });
    let shown = p.chosen.with(|c| {
        if c.0.is_empty() {
            p.city_name()
        } else {
            c.1.clone()
        }
    });
    let value = move || p.chosen.with(|c| c.0.clone());
    view! {
        <input type="hidden" name="org" value=value/>
        <p class="org-status" id="org-status" role="status">{texts.registers_with.clone()}<strong>{shown}</strong></p>
        <div class="org-options" id="org-options">{city_choice}{choices}{none}</div>
    }
    .into_any()
}

/// The city select's options, the chosen one selected.
fn city_options(state: &PickerState, texts: &PickerTexts) -> impl IntoView {
    state
        .cities
        .iter()
        .map(|c| {
            let selected = c.code == state.city;
            let label = city_label(c, texts);
            view! { <option value=c.code.clone() selected=selected>{label}</option> }
        })
        .collect_view()
}

/// The union picker of the registration form: first the city (or the province), then her
/// union found by part of its name. Once hydrated, matches come as she types (from the
/// `search_orgs` server function) as tappable choices that fill the hidden `org` field;
/// before that, and without JavaScript, a "search" button posts the form back (keeping what
/// she typed) and the matches are radio buttons. Either way, choosing nothing registers her
/// with the city.
#[cfg_attr(any(feature = "ssr", feature = "islands-forms"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-forms")), component)]
pub fn OrgPicker(state: PickerState, texts: PickerTexts) -> impl IntoView {
    on_page(Bundle::Forms);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let picker = Picker::new(&state);
    let options = city_options(&state, &texts);
    let (radio_state, radio_texts, live_texts) = (state.clone(), texts.clone(), texts.clone());
    let choices = move || {
        if hydrated.get() {
            live_choices(picker, &live_texts)
        } else {
            picker_radios(&radio_state, &radio_texts)
        }
    };
    let search_button = texts.search_button.clone();
    let search_without_js = move || {
        (!hydrated.get()).then(|| {
            view! {
                <button type="submit" name="find" value="1" formnovalidate=true id="org-search">
                    {search_button.clone()}
                </button>
            }
        })
    };
    let on_city = move |ev: leptos::ev::Event| {
        picker.city.set(event_target_value(&ev));
        picker.chosen.set((String::new(), String::new()));
        picker.search();
    };
    let on_query = move |ev: leptos::ev::Event| {
        picker.query.set(event_target_value(&ev));
        picker.search();
    };
    // Matches come as she types: Enter in the box must not send the form.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            ev.prevent_default();
        }
    };
    let no_city_chosen = state.city.is_empty();
    view! {
        <div class="org-picker">
            <label for="city">{texts.city.clone()}</label>
            <select id="city" name="city" on:change=on_city>
                <option value="" selected=no_city_chosen>{texts.city_choose.clone()}</option>
                {options}
            </select>
            <label for="org_q">{texts.search.clone()}</label>
            <input id="org_q" name="org_q" type="search" maxlength="50" autocomplete="off" value=state.query.clone()
                aria-describedby="org-q-hint" on:input=on_query on:keydown=on_key/>
            <small id="org-q-hint">{texts.search_hint.clone()}</small>
            {search_without_js}
            {choices}
        </div>
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

/// Saves quiz answers as she goes: on every change to the form, its fields are posted with
/// `save=auto` and the outcome shown. Without JavaScript the form's "save answers" button
/// does the same by hand.
#[cfg_attr(any(feature = "ssr", feature = "islands-quiz"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-quiz")), component)]
pub fn QuizAutosave(
    form_id: String,
    action: String,
    saved: String,
    failed: String,
) -> impl IntoView {
    on_page(Bundle::Quiz);
    let status = RwSignal::new(String::new());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        autosave::attach(&form_id, &action, &saved, &failed, status);
        #[cfg(not(feature = "hydrate"))]
        let _ = (&form_id, &action, &saved, &failed);
    });
    view! { <span class="muted autosave" id="autosave-status" role="status">{move || status.get()}</span> }
}

/// The form with this id on the page, once hydrated.
#[cfg(feature = "hydrate")]
fn form_by_id(id: &str) -> Option<web_sys::HtmlFormElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into::<web_sys::HtmlFormElement>()
        .ok()
}

#[cfg(feature = "hydrate")]
mod autosave {
    use std::cell::Cell;
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// One form's autosave: one request at a time, each carrying the whole form, so a
    /// slow answer can never overwrite a newer one.
    struct Saver {
        form: web_sys::HtmlFormElement,
        action: String,
        saved: String,
        failed: String,
        status: RwSignal<String>,
        in_flight: Cell<bool>,
        again: Cell<bool>,
    }

    pub fn attach(
        form_id: &str,
        action: &str,
        saved: &str,
        failed: &str,
        status: RwSignal<String>,
    ) {
        let Some(form) = super::form_by_id(form_id) else {
            return;
        };
        let saver = Rc::new(Saver {
            form: form.clone(),
            action: action.to_string(),
            saved: saved.to_string(),
            failed: failed.to_string(),
            status,
            in_flight: Cell::new(false),
            again: Cell::new(false),
        });
        let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            saver.status.set(String::new());
            send(saver.clone());
        });
        // `input` catches typing in text answers (their `change` waits for the field to lose
        // focus); one request at a time coalesces the keystrokes.
        for event in ["change", "input"] {
            let _ =
                form.add_event_listener_with_callback(event, on_change.as_ref().unchecked_ref());
        }
        on_change.forget();
    }

    fn send(saver: Rc<Saver>) {
        if saver.in_flight.replace(true) {
            saver.again.set(true);
            return;
        }
        leptos::task::spawn_local(async move {
            let ok = post(&saver).await;
            saver.in_flight.set(false);
            if saver.again.replace(false) {
                send(saver);
            } else {
                saver.status.set(if ok {
                    saver.saved.clone()
                } else {
                    saver.failed.clone()
                });
            }
        });
    }

    async fn post(saver: &Saver) -> bool {
        let Ok(data) = web_sys::FormData::new_with_form(&saver.form) else {
            return false;
        };
        let _ = data.append_with_str("save", "auto");
        let Ok(body) = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data) else {
            return false;
        };
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        init.set_body(&body);
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        let Some(window) = web_sys::window() else {
            return false;
        };
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&saver.action, &init))
            .await
            .ok()
            .and_then(|r| r.dyn_into::<web_sys::Response>().ok())
            .is_some_and(|r| r.status() == 204)
    }
}

/// Time left until the quiz deadline, counting down once hydrated ("还剩 12:34"). The page
/// prints the deadline in China time beside it, so without JavaScript she still knows.
#[cfg_attr(any(feature = "ssr", feature = "islands-quiz"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-quiz")), component)]
pub fn QuizCountdown(deadline: String, left_label: String, over_label: String) -> impl IntoView {
    on_page(Bundle::Quiz);
    let text = RwSignal::new(String::new());
    let urgent = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let end = js_sys::Date::parse(&deadline);
            let (left_label, over_label) = (left_label.clone(), over_label.clone());
            let tick = move || {
                let left = ((end - js_sys::Date::now()) / 1000.0).floor();
                if left.is_nan() {
                    return;
                }
                urgent.set(left < 300.0);
                text.set(if left <= 0.0 {
                    over_label.clone()
                } else {
                    countdown_text(&left_label, left as i64)
                });
            };
            tick();
            leptos::prelude::set_interval(tick, std::time::Duration::from_secs(1));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&deadline, &left_label, &over_label);
    });
    view! {
        <span class="countdown" class:urgent=move || urgent.get() id="quiz-countdown" role="timer" aria-live="off">
            {move || text.get()}
        </span>
    }
}

/// "还剩 1:02:03" or "还剩 12:34".
pub fn countdown_text(label: &str, seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{label} {h}:{m:02}:{s:02}")
    } else {
        format!("{label} {m}:{s:02}")
    }
}

/// "已答 7/10", kept up to date as she answers once hydrated; the server renders the count
/// of saved answers, so the line is right without JavaScript too.
#[cfg_attr(any(feature = "ssr", feature = "islands-quiz"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-quiz")), component)]
pub fn QuizProgress(
    form_id: String,
    prefix: String,
    answered: usize,
    total: usize,
) -> impl IntoView {
    on_page(Bundle::Quiz);
    let count = RwSignal::new(answered);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        progress::attach(&form_id, count);
        #[cfg(not(feature = "hydrate"))]
        let _ = &form_id;
    });
    view! {
        <p class="muted" id="quiz-progress" role="status">
            {move || format!("{prefix} {}/{total}", count.get())}
        </p>
    }
}

/// How many questions of a form-encoded quiz have an answer (`q.<id>=<non-empty>`).
pub fn answered_count(encoded: &str) -> usize {
    let mut ids: Vec<&str> = encoded
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(key, value)| key.starts_with("q.") && !value.trim().is_empty())
        .map(|(key, _)| key)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}

#[cfg(feature = "hydrate")]
mod progress {
    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    pub fn attach(form_id: &str, count: RwSignal<usize>) {
        let Some(form) = super::form_by_id(form_id) else {
            return;
        };
        let counted = form.clone();
        let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_: web_sys::Event| {
            let encoded = web_sys::FormData::new_with_form(&counted)
                .ok()
                .and_then(|d| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&d).ok())
                .map(|p| String::from(p.to_string()))
                .unwrap_or_default();
            count.set(super::answered_count(&encoded));
        });
        for event in ["change", "input"] {
            let _ =
                form.add_event_listener_with_callback(event, on_change.as_ref().unchecked_ref());
        }
        on_change.forget();
    }
}

/// The live check-in panel's texts, in the page's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveTexts {
    /// "{n} 秒后换新码".
    pub new_code_in: String,
    /// "已签到 {present} / 已报名 {signed}".
    pub present_count: String,
    pub confirmed: String,
    /// "候补第 {n} 位".
    pub waitlisted: String,
    pub walk_in: String,
    /// "已签到 {time}".
    pub present_at: String,
    pub absent: String,
    pub mark_present: String,
    pub mark_absent: String,
    pub score_label: String,
    pub score_save: String,
    pub methods: Vec<(String, String)>,
    pub nobody: String,
}

/// What the live panel shows: the code (while check-in is open) and the attendance list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    pub session: String,
    pub code: Option<qihang_core::dto::CheckInCodeView>,
    pub rows: Vec<qihang_core::dto::AttendanceRowView>,
    pub present: i64,
    pub signed_up: i64,
    /// The course needs a practical score: each row gets a score form.
    pub scores: bool,
}

/// A row's signup standing and presence in words.
fn row_status(texts: &LiveTexts, row: &qihang_core::dto::AttendanceRowView) -> (String, String) {
    let signup = match (row.signup.as_deref(), row.position) {
        (Some("waitlisted"), n) => texts.waitlisted.replace("{n}", &n.unwrap_or(0).to_string()),
        (Some(_), _) => texts.confirmed.clone(),
        (None, _) => texts.walk_in.clone(),
    };
    let presence = if row.present {
        let method = row
            .method
            .as_deref()
            .and_then(|m| texts.methods.iter().find(|(k, _)| k == m))
            .map(|(_, label)| format!(" · {label}"))
            .unwrap_or_default();
        let at = row.checked_in_local.clone().unwrap_or_default();
        format!("{}{method}", texts.present_at.replace("{time}", &at))
    } else {
        texts.absent.clone()
    };
    (signup, presence)
}

/// One line of the attendance list with its 签到/缺席 toggle and, when the course needs
/// one, its score form. Plain forms: they work the same before and after hydration.
fn attendance_row(
    texts: &LiveTexts,
    session: &str,
    scores: bool,
    row: qihang_core::dto::AttendanceRowView,
) -> impl IntoView {
    use leptos::server_fn::ServerFn;
    let (signup, presence) = row_status(texts, &row);
    let (toggle_value, toggle_label) = if row.present {
        ("false", texts.mark_absent.clone())
    } else {
        ("true", texts.mark_present.clone())
    };
    // Once her attendance completed the course it stays: no "absent" button.
    let toggle = (!(row.present && row.completed)).then(|| {
        view! {
                <form method="post" action=crate::class_fns::MarkClassAttendance::url() class="inline">
                    <input type="hidden" name="id" value=session.to_string()/>
                    <input type="hidden" name="person" value=row.person.clone()/>
                    <input type="hidden" name="present" value=toggle_value/>
                    <button type="submit">{toggle_label}</button>
                </form>
        }
    });
    let score_form = scores.then(|| {
        let score = row.practical_score.map(|s| s.to_string()).unwrap_or_default();
        view! {
            <form method="post" action=crate::class_fns::SetClassScore::url() class="score-form">
                <input type="hidden" name="id" value=session.to_string()/>
                <input type="hidden" name="person" value=row.person.clone()/>
                <label>{texts.score_label.clone()}
                    <input type="number" name="score" min="0" max="100" inputmode="numeric" value=score required=true/>
                </label>
                <button type="submit">{texts.score_save.clone()}</button>
            </form>
        }
    });
    view! {
        <li class="attendance-row" class:present=row.present data-person=row.person.clone() data-present=row.present.to_string()>
            <span class="who"><strong>{row.name.clone()}</strong>" "<span class="muted">{row.phone.clone()}</span></span>
            <span class="meta">{signup}" · "<span class="presence">{presence}</span></span>
            {toggle}
            {score_form}
        </li>
    }
}

/// The live side of a class: the check-in code with its countdown and QR code, the present
/// count and (on the trainer's page, not the projector) the attendance list. The server
/// renders all of it, and the page refreshes itself without JavaScript (`<noscript>`
/// refresh); once hydrated, the countdown ticks every second, a new code is fetched when it
/// runs out and the list every 5 seconds, from the REST API with the page's own cookie.
#[cfg_attr(any(feature = "ssr", feature = "islands-class"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-class")), component)]
pub fn LiveClass(state: LiveState, texts: LiveTexts, projector: bool) -> impl IntoView {
    on_page(Bundle::Class);
    let session = state.session.clone();
    let code = RwSignal::new(state.code.clone());
    let left = RwSignal::new(state.code.as_ref().map_or(0, |c| c.expires_in));
    let list = RwSignal::new((state.rows.clone(), state.present, state.signed_up));
    Effect::new({
        let session = session.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            live::start(session.clone(), code, left, list);
            #[cfg(not(feature = "hydrate"))]
            let _ = (&session, code, left, list);
        }
    });
    let countdown_label = texts.new_code_in.clone();
    let code_panel = move || {
        code.get().map(|c| {
            let countdown = countdown_label.replace("{n}", &left.get().max(0).to_string());
            view! {
                <p class="live-code" id="live-code" aria-live="polite">{c.code.clone()}</p>
                <p class="countdown" id="live-countdown" role="timer">{countdown}</p>
                <div class="live-qr" id="live-qr" inner_html=c.qr_svg.clone()></div>
            }
        })
    };
    let count_label = texts.present_count.clone();
    let count = move || {
        list.with(|(_, present, signed)| {
            count_label
                .replace("{present}", &present.to_string())
                .replace("{signed}", &signed.to_string())
        })
    };
    let rows = (!projector).then(|| {
        let (texts, session, scores) = (texts.clone(), session.clone(), state.scores);
        let nobody = texts.nobody.clone();
        view! {
            <ul class="plain attendance" id="attendance-list">
                <For
                    each=move || list.with(|l| l.0.clone())
                    key=|row| serde_json::to_string(row).unwrap_or_default()
                    children=move |row| attendance_row(&texts, &session, scores, row)
                />
            </ul>
            {move || list.with(|l| l.0.is_empty()).then(|| view! { <p class="muted">{nobody.clone()}</p> })}
        }
    });
    view! {
        <div class="live-class" class:projector=projector>
            {code_panel}
            <p class="present-count" id="present-count">{count}</p>
            {rows}
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod live {
    use leptos::prelude::*;
    use qihang_core::dto::{AttendanceListView, AttendanceRowView, CheckInCodeView};
    use wasm_bindgen::JsCast;

    type List = (Vec<AttendanceRowView>, i64, i64);

    /// GETs `url` with the page's cookie and decodes its JSON, or `None`.
    async fn get_json<T: serde::de::DeserializeOwned>(url: &str) -> Option<T> {
        let init = web_sys::RequestInit::new();
        init.set_method("GET");
        init.set_credentials(web_sys::RequestCredentials::SameOrigin);
        let window = web_sys::window()?;
        let response: web_sys::Response =
            wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(url, &init))
                .await
                .ok()?
                .dyn_into()
                .ok()?;
        if !response.ok() {
            return None;
        }
        let text = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
            .await
            .ok()?
            .as_string()?;
        serde_json::from_str(&text).ok()
    }

    fn refresh_code(session: String, code: RwSignal<Option<CheckInCodeView>>, left: RwSignal<i64>) {
        leptos::task::spawn_local(async move {
            let url = format!("/api/v1/sessions/{session}/code");
            if let Some(fresh) = get_json::<CheckInCodeView>(&url).await {
                left.set(fresh.expires_in.max(1));
                code.set(fresh.check_in_open.then_some(fresh));
            }
        });
    }

    fn refresh_list(session: String, list: RwSignal<List>) {
        leptos::task::spawn_local(async move {
            let url = format!("/api/v1/sessions/{session}/attendance");
            if let Some(fresh) = get_json::<AttendanceListView>(&url).await {
                list.set((fresh.rows, fresh.present, fresh.session.confirmed));
            }
        });
    }

    /// Ticks every second while check-in is open: the countdown, a new code when it runs
    /// out (retried every 3 s until one comes), the list every fifth tick.
    pub fn start(
        session: String,
        code: RwSignal<Option<CheckInCodeView>>,
        left: RwSignal<i64>,
        list: RwSignal<List>,
    ) {
        if code.get_untracked().is_none() {
            return;
        }
        let tick = std::cell::Cell::new(0u64);
        set_interval(
            move || {
                tick.set(tick.get() + 1);
                if code.get_untracked().is_none() {
                    return;
                }
                left.update(|l| *l -= 1);
                if left.get_untracked() <= 0 {
                    left.set(3);
                    refresh_code(session.clone(), code, left);
                }
                if tick.get() % 5 == 0 {
                    refresh_list(session.clone(), list);
                }
            },
            std::time::Duration::from_secs(1),
        );
    }
}

/// The labels of the read-aloud bar, in the page's language.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ReadAloudTexts {
    pub read: String,
    pub pause: String,
    pub resume: String,
    pub stop: String,
    pub speed: String,
}

/// 朗读: reads the lesson (the element `target`) aloud with the phone's own Chinese voice
/// (the Web Speech API), sentence by sentence, the current sentence highlighted, with pause,
/// resume, stop and three speeds. The bar stays hidden until the browser reports a Chinese
/// voice: without JavaScript, or with no such voice, there is no button that does nothing.
#[cfg_attr(any(feature = "ssr", feature = "islands-read"), island)]
#[cfg_attr(not(any(feature = "ssr", feature = "islands-read")), component)]
pub fn ReadAloud(target: String, texts: ReadAloudTexts) -> impl IntoView {
    on_page(Bundle::Read);
    // 0 idle, 1 reading, 2 paused.
    let state = RwSignal::new(0u8);
    let available = RwSignal::new(false);
    let rate = RwSignal::new(1.0f32);
    let _ = &target;
    #[cfg(feature = "hydrate")]
    let reader = std::rc::Rc::new(read_aloud::Reader::new(&target, state));
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        read_aloud::watch_voices(available);
    });
    let ReadAloudTexts {
        read,
        pause,
        resume,
        stop,
        speed,
    } = texts;
    #[cfg(feature = "hydrate")]
    let (r1, r2, r3) = (reader.clone(), reader.clone(), reader.clone());
    let main_click = move |_| {
        #[cfg(feature = "hydrate")]
        match state.get_untracked() {
            0 => r1.start(rate.get_untracked()),
            1 => r1.pause(),
            _ => r1.resume(),
        }
    };
    let stop_click = move |_| {
        #[cfg(feature = "hydrate")]
        r2.stop();
    };
    let speed_click = move |value: f32| {
        rate.set(value);
        #[cfg(feature = "hydrate")]
        r3.set_rate(value);
    };
    let speeds = [(0.8f32, "0.8×"), (1.0, "1×"), (1.25, "1.25×")];
    let group_label = read.clone();
    view! {
        <div class="read-aloud" id="read-aloud" hidden=move || !available.get() role="group" aria-label=group_label>
            <button type="button" class="button small primary" id="read-aloud-main" on:click=main_click
                aria-pressed=move || (state.get() == 1).to_string()>
                {move || match state.get() { 0 => read.clone(), 1 => pause.clone(), _ => resume.clone() }}
            </button>
            <button type="button" class="button small" id="read-aloud-stop" on:click=stop_click
                hidden=move || state.get() == 0>{stop}</button>
            <span class="read-aloud-speed" role="radiogroup" aria-label=speed>
                {speeds.into_iter().map(|(value, label)| {
                    // Copy on the server, an `Rc` inside in the browser.
                    #[allow(clippy::clone_on_copy)]
                    let click = speed_click.clone();
                    view! {
                        <button type="button" class="button small" role="radio"
                            aria-checked=move || ((rate.get() - value).abs() < 0.01).to_string()
                            on:click=move |_| click(value)>{label}</button>
                    }
                }).collect_view()}
            </span>
        </div>
    }
}

#[cfg(feature = "hydrate")]
mod read_aloud {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    fn synth() -> Option<web_sys::SpeechSynthesis> {
        web_sys::window()?.speech_synthesis().ok()
    }

    /// The first voice whose language is Chinese (zh-CN, zh_CN, cmn-Hans-CN…), as the browser
    /// reports it (a plain object is accepted too: only its `lang` is read).
    fn chinese_voice() -> Option<JsValue> {
        let voices = synth()?.get_voices();
        voices.iter().find(|voice| {
            js_sys::Reflect::get(voice, &"lang".into())
                .ok()
                .and_then(|l| l.as_string())
                .is_some_and(|lang| {
                    let lang = lang.to_ascii_lowercase();
                    lang.starts_with("zh") || lang.starts_with("cmn")
                })
        })
    }

    /// Shows the bar once a Chinese voice is reported (voices load late on many phones).
    pub fn watch_voices(available: RwSignal<bool>) {
        let Some(synth) = synth() else {
            return;
        };
        available.set(chinese_voice().is_some());
        let on_change = Closure::<dyn FnMut()>::new(move || {
            available.set(chinese_voice().is_some());
        });
        let _ = synth
            .add_event_listener_with_callback("voiceschanged", on_change.as_ref().unchecked_ref());
        on_change.forget();
    }

    /// A sentence: its text and where it starts and ends among the lesson's text nodes.
    struct Sentence {
        text: String,
        start: (web_sys::Node, u32),
        end: (web_sys::Node, u32),
    }

    pub struct Reader {
        target: String,
        state: RwSignal<u8>,
        sentences: RefCell<Vec<Sentence>>,
        current: Cell<usize>,
        rate: Cell<f32>,
        /// Bumped on every stop or restart, so a finished utterance of an older run does not
        /// move the current one on.
        run: Cell<u32>,
    }

    impl Reader {
        pub fn new(target: &str, state: RwSignal<u8>) -> Reader {
            Reader {
                target: target.to_string(),
                state,
                sentences: RefCell::new(Vec::new()),
                current: Cell::new(0),
                rate: Cell::new(1.0),
                run: Cell::new(0),
            }
        }

        pub fn start(self: &Rc<Self>, rate: f32) {
            *self.sentences.borrow_mut() = sentences(&self.target);
            self.current.set(0);
            self.rate.set(rate);
            self.state.set(1);
            self.speak();
        }

        pub fn pause(&self) {
            if let Some(s) = synth() {
                s.pause();
            }
            self.state.set(2);
        }

        pub fn resume(&self) {
            if let Some(s) = synth() {
                s.resume();
            }
            self.state.set(1);
        }

        pub fn stop(&self) {
            self.run.set(self.run.get() + 1);
            if let Some(s) = synth() {
                s.cancel();
            }
            highlight(None);
            self.state.set(0);
        }

        /// A new speed applies from the current sentence, read again.
        pub fn set_rate(self: &Rc<Self>, rate: f32) {
            self.rate.set(rate);
            if self.state.get_untracked() != 0 {
                self.run.set(self.run.get() + 1);
                if let Some(s) = synth() {
                    s.cancel();
                }
                self.state.set(1);
                self.speak();
            }
        }

        fn speak(self: &Rc<Self>) {
            let sentences = self.sentences.borrow();
            let Some(sentence) = sentences.get(self.current.get()) else {
                drop(sentences);
                self.stop();
                return;
            };
            highlight(Some(sentence));
            let Ok(utterance) = web_sys::SpeechSynthesisUtterance::new_with_text(&sentence.text)
            else {
                return;
            };
            utterance.set_lang("zh-CN");
            utterance.set_rate(self.rate.get());
            if let Some(voice) = chinese_voice().and_then(|v| v.dyn_into().ok()) {
                utterance.set_voice(Some(&voice));
            }
            let run = self.run.get();
            let me = self.clone();
            let on_end = Closure::once_into_js(move || {
                if me.run.get() == run && me.state.get_untracked() != 0 {
                    me.current.set(me.current.get() + 1);
                    me.speak();
                }
            });
            utterance.set_onend(Some(on_end.unchecked_ref()));
            drop(sentences);
            if let Some(s) = synth() {
                s.speak(&utterance);
            }
        }
    }

    /// The lesson's text split into sentences: at 。！？；!?; and wherever a paragraph, list
    /// item or heading ends (a text node whose parent differs from the one before).
    fn sentences(target: &str) -> Vec<Sentence> {
        let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(target))
        else {
            return Vec::new();
        };
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return Vec::new();
        };
        // 4 = NodeFilter.SHOW_TEXT
        let Ok(walker) = document.create_tree_walker_with_what_to_show(&root, 4) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut text = String::new();
        let mut start: Option<(web_sys::Node, u32)> = None;
        let mut last: Option<(web_sys::Node, u32)> = None;
        let mut last_parent: Option<web_sys::Node> = None;
        let mut finish = |text: &mut String,
                          start: &mut Option<(web_sys::Node, u32)>,
                          end: Option<(web_sys::Node, u32)>| {
            if let (Some(s), Some(e)) = (start.take(), end) {
                if text.chars().any(|c| c.is_alphanumeric()) {
                    out.push(Sentence {
                        text: text.trim().to_string(),
                        start: s,
                        end: e,
                    });
                }
            }
            text.clear();
        };
        while let Ok(Some(node)) = walker.next_node() {
            let parent = block_of(&node);
            if last_parent.as_ref() != Some(&parent) {
                finish(&mut text, &mut start, last.clone());
                last_parent = Some(parent);
            }
            let content = node.text_content().unwrap_or_default();
            let mut offset = 0u32; // UTF-16 offset into this node
            for c in content.chars() {
                if start.is_none() && !c.is_whitespace() {
                    start = Some((node.clone(), offset));
                }
                if start.is_some() {
                    text.push(c);
                }
                offset += c.len_utf16() as u32;
                last = Some((node.clone(), offset));
                if matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';') {
                    finish(&mut text, &mut start, last.clone());
                }
            }
        }
        finish(&mut text, &mut start, last);
        out
    }

    /// The nearest paragraph-like ancestor of a text node.
    fn block_of(node: &web_sys::Node) -> web_sys::Node {
        let mut at = node.parent_node();
        while let Some(n) = at {
            let name = n.node_name().to_ascii_lowercase();
            if matches!(
                name.as_str(),
                "p" | "li"
                    | "h1"
                    | "h2"
                    | "h3"
                    | "h4"
                    | "td"
                    | "th"
                    | "blockquote"
                    | "figcaption"
                    | "article"
            ) {
                return n;
            }
            at = n.parent_node();
        }
        node.clone()
    }

    /// Marks the sentence being read: with the CSS Custom Highlight API where the browser has
    /// it (no change to the page's markup), else the class `reading` on its paragraph; and
    /// scrolls it into view.
    fn highlight(sentence: Option<&Sentence>) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Ok(list) = document.query_selector_all(".reading") {
            for i in 0..list.length() {
                if let Some(el) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = el.class_list().remove_1("reading");
                }
            }
        }
        let registry = js_sys::Reflect::get(&js_sys::global(), &"CSS".into())
            .ok()
            .and_then(|css| js_sys::Reflect::get(&css, &"highlights".into()).ok())
            .filter(|h| !h.is_undefined());
        if let Some(registry) = &registry {
            let _ = js_sys::Reflect::apply(
                &js_sys::Reflect::get(registry, &"delete".into())
                    .ok()
                    .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                    .unwrap_or_else(|| js_sys::Function::new_no_args("")),
                registry,
                &js_sys::Array::of1(&"qihang-reading".into()),
            );
        }
        let Some(sentence) = sentence else {
            return;
        };
        let block = block_of(&sentence.start.0);
        if let Ok(element) = block.dyn_into::<web_sys::Element>() {
            let _ = element.class_list().add_1("reading");
            let options = web_sys::ScrollIntoViewOptions::new();
            options.set_block(web_sys::ScrollLogicalPosition::Center);
            element.scroll_into_view_with_scroll_into_view_options(&options);
        }
        let (Some(registry), Ok(range)) = (registry, document.create_range()) else {
            return;
        };
        if range
            .set_start(&sentence.start.0, sentence.start.1)
            .is_err()
            || range.set_end(&sentence.end.0, sentence.end.1).is_err()
        {
            return;
        }
        let constructor = js_sys::Reflect::get(&js_sys::global(), &"Highlight".into())
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Function>().ok());
        if let Some(constructor) = constructor {
            if let Ok(highlight) =
                js_sys::Reflect::construct(&constructor, &js_sys::Array::of1(&range))
            {
                if let Ok(set) = js_sys::Reflect::get(&registry, &"set".into())
                    .and_then(|f| f.dyn_into::<js_sys::Function>().map_err(JsValue::from))
                {
                    let _ = set.call2(&registry, &"qihang-reading".into(), &highlight);
                }
            }
        }
    }
}
