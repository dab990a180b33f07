//! Server functions of in-person classes (线下课): thin adapters from the class pages' data
//! and forms to `services::classes`. Who may see or change what is decided there. Form posts
//! come back to their page with a one-shot message ([`crate::request::Flash`]); the values
//! a message needs (her wait-list position, the check-in time) travel in the flash.
// A class's form has many fields, and a form's fields are a server function's arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use qihang_core::dto::{
    AttendanceListView, AttendanceRowView, CheckInCodeView, ClassSessionView, TrainerSessionsView,
};
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

/// A finished check-in as the result page shows it: the check-in time already in China time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInDone {
    pub session: String,
    pub course: String,
    pub course_title: String,
    pub course_title_en: Option<String>,
    pub location: String,
    /// China time, `09:03`.
    pub at: String,
    pub completed: bool,
    pub awaiting_score: bool,
}

/// The signed-in actor, or the error that sends a page to the login.
#[cfg(feature = "ssr")]
async fn signed_in() -> Result<qihang_core::services::actor::Actor, AppError> {
    Ok(crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?)
}

/// `2026-11-25T01:03:00Z` (UTC) → `09:03` (China time); empty when it does not parse.
#[cfg(feature = "ssr")]
fn china_clock(iso: &str) -> String {
    let parsed = iso.get(..19).and_then(|s| s.parse().ok());
    parsed
        .map(qihang_core::time::china_minute)
        .and_then(|s| s.get(11..).map(str::to_string))
        .unwrap_or_default()
}

#[cfg(feature = "ssr")]
impl From<qihang_core::dto::CheckInResultView> for CheckInDone {
    fn from(r: qihang_core::dto::CheckInResultView) -> Self {
        CheckInDone {
            at: china_clock(&r.checked_in_at),
            session: r.session,
            course: r.course,
            course_title: r.course_title,
            course_title_en: r.course_title_en,
            location: r.location,
            completed: r.completed,
            awaiting_score: r.awaiting_score,
        }
    }
}

impl CheckInDone {
    /// The flash values carrying this result to the check-in page.
    pub fn to_values(&self) -> Vec<(String, String)> {
        let json = serde_json::to_string(self).unwrap_or_default();
        vec![("result".into(), json)]
    }

    /// The result carried by a check-in flash.
    pub fn from_flash(flash: &crate::request::Flash) -> Option<CheckInDone> {
        serde_json::from_str(&flash.value("result")).ok()
    }
}

/// A class's own pages.
pub fn checkin_page(id: &str) -> String {
    format!("/checkin/{}", crate::request::slug(id))
}

pub fn trainer_session_page(id: &str) -> String {
    format!("/trainer/sessions/{}", crate::request::slug(id))
}

/// Where a sign-up form returns to: the page it was on, if it is one of this site's.
#[cfg(feature = "ssr")]
fn back_or_classes(back: Option<String>) -> String {
    back.filter(|b| qihang_core::paths::is_local_path(b))
        .unwrap_or_else(|| "/classes".into())
}

/// Signed out (her session ended while the page was open): to the login, then back to `page`.
#[cfg(feature = "ssr")]
fn login_then(page: &str) {
    crate::request::redirect(&format!(
        "/login?next={}",
        crate::islands::encode_component(page)
    ));
}

/// Today's date in China (`2026-12-01`) by the services' clock, for "today" or "tomorrow".
#[server(prefix = "/_fn", endpoint = "china_today")]
pub async fn china_today() -> Result<String, AppError> {
    let core = crate::request::core()?;
    Ok(qihang_core::time::china_date(core.clock.now()))
}

/// Upcoming classes in her city.
#[server(prefix = "/_fn", endpoint = "near_me_classes")]
pub async fn near_me_classes() -> Result<Vec<ClassSessionView>, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::classes::near_me(&core, &actor).await?)
}

/// One class as the viewer may see it.
#[server(prefix = "/_fn", endpoint = "class_session")]
pub async fn class_session(id: String) -> Result<ClassSessionView, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::classes::session_view(&core, &actor, id).await?)
}

/// The classes she runs, and the courses and unions she may open new ones for.
#[server(prefix = "/_fn", endpoint = "trainer_classes")]
pub async fn trainer_classes() -> Result<TrainerSessionsView, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::classes::trainer_sessions(&core, &actor).await?)
}

/// A class's attendance list (for those who run it).
#[server(prefix = "/_fn", endpoint = "class_attendance")]
pub async fn class_attendance(id: String) -> Result<AttendanceListView, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::classes::attendance(&core, &actor, id).await?)
}

/// The live check-in code and its QR code (for those who run the class).
#[server(prefix = "/_fn", endpoint = "class_live_code")]
pub async fn class_live_code(id: String) -> Result<CheckInCodeView, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::classes::live_code(&core, &actor, id).await?)
}

/// Learners to mark by hand: by part of the name or the phone's last digits.
#[server(prefix = "/_fn", endpoint = "class_find_learners")]
pub async fn class_find_learners(
    id: String,
    q: String,
) -> Result<Vec<AttendanceRowView>, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::classes::find_learners(&core, &actor, id, q).await?)
}

/// She opened the QR link signed in: checks her in (again is harmless) and says how it went.
#[server(prefix = "/_fn", endpoint = "class_check_in_link")]
pub async fn class_check_in_link(
    id: String,
    code: String,
    pass: Option<String>,
) -> Result<CheckInDone, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    let result =
        qihang_core::services::classes::check_in_by_link(&core, &actor, id, code, pass).await?;
    Ok(result.into())
}

/// She opened the QR link signed out: a pass binding the code to the scan time, carried
/// through the login.
#[server(prefix = "/_fn", endpoint = "class_scan_pass")]
pub async fn class_scan_pass(id: String, code: String) -> Result<String, AppError> {
    let core = crate::request::core()?;
    Ok(qihang_core::services::classes::scan_pass(&core, id, code).await?)
}

/// The sign-up button: back to the page with "confirmed" or her wait-list position.
#[server(prefix = "/_fn", endpoint = "sign_up_class")]
pub async fn sign_up_class(id: String, back: Option<String>) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = back_or_classes(back);
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    let session = ("session", id.clone());
    match qihang_core::services::classes::sign_up(&core, &actor, id.clone()).await {
        Ok(signup) => {
            let mut flash = crate::request::Flash::succeeded("class_signup");
            flash.values = vec![
                (session.0.into(), session.1),
                ("status".into(), signup.status),
                (
                    "position".into(),
                    signup.position.map(|p| p.to_string()).unwrap_or_default(),
                ),
            ];
            crate::request::set_flash(&flash);
            crate::request::redirect(&back);
        }
        Err(error) => crate::request::fail_form("class_signup", &back, &error, vec![session]),
    }
    Ok(())
}

/// The cancel button of her sign-up: back to the page with the outcome.
#[server(prefix = "/_fn", endpoint = "cancel_class_signup")]
pub async fn cancel_class_signup(id: String, back: Option<String>) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = back_or_classes(back);
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    let session = ("session", id.clone());
    match qihang_core::services::classes::cancel_signup(&core, &actor, id).await {
        Ok(()) => {
            let mut flash = crate::request::Flash::succeeded("class_signup");
            flash.values = vec![
                (session.0.into(), session.1),
                ("status".into(), "cancelled".into()),
            ];
            crate::request::set_flash(&flash);
            crate::request::redirect(&back);
        }
        Err(error) => crate::request::fail_form("class_signup", &back, &error, vec![session]),
    }
    Ok(())
}

/// The typed check-in code: back to the class's check-in page with the result.
#[server(prefix = "/_fn", endpoint = "class_check_in")]
pub async fn class_check_in(id: String, code: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = checkin_page(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    match qihang_core::services::classes::check_in(&core, &actor, id, code.clone()).await {
        Ok(result) => {
            let mut flash = crate::request::Flash::succeeded("class_check_in");
            flash.values = CheckInDone::from(result).to_values();
            crate::request::set_flash(&flash);
            crate::request::redirect(&back);
        }
        Err(error) => {
            crate::request::fail_form("class_check_in", &back, &error, vec![("code", code)])
        }
    }
    Ok(())
}

/// The values of a class form, kept after a refusal (nothing secret in them).
#[cfg(feature = "ssr")]
fn class_values(
    date: &str,
    start: &str,
    end: &str,
    location: &str,
    capacity: &str,
    notes: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("date", date.into()),
        ("start", start.into()),
        ("end", end.into()),
        ("location", location.into()),
        ("capacity", capacity.into()),
        ("notes", notes.into()),
    ]
}

/// A capacity as typed: empty is unlimited; anything else must be a whole number (`None`
/// when it is not one).
#[cfg(feature = "ssr")]
fn parse_capacity(typed: &str) -> Option<Option<i64>> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Some(None);
    }
    typed.parse().ok().map(Some)
}

/// Back to the form with `field` marked invalid: a value refused before any service saw it
/// (a capacity or score that is not a number).
#[cfg(feature = "ssr")]
fn refuse_field(form: &str, back: &str, field: &str, values: Vec<(&str, String)>) {
    crate::request::set_flash(&crate::request::Flash {
        form: form.into(),
        ok: false,
        code: Some(qihang_core::dto::ErrorCode::Invalid),
        field: Some(field.into()),
        values: values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        ..Default::default()
    });
    crate::request::redirect(back);
}

/// "开新课" on the trainer's list: to the new class's page, or back with the field at fault.
#[server(prefix = "/_fn", endpoint = "create_class")]
pub async fn create_class(
    course: String,
    org: Option<String>,
    date: String,
    start: String,
    end: String,
    location: String,
    capacity: Option<String>,
    notes: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::classes::{self, china_rfc3339, NewClassSession};
    let core = crate::request::core()?;
    let back = "/trainer/sessions#new-class";
    let Some(actor) = crate::request::actor().await else {
        login_then(back);
        return Ok(());
    };
    let (capacity, notes) = (capacity.unwrap_or_default(), notes.unwrap_or_default());
    let mut kept = class_values(&date, &start, &end, &location, &capacity, &notes);
    kept.push(("course", course.clone()));
    kept.push(("org", org.clone().unwrap_or_default()));
    let Some(capacity) = parse_capacity(&capacity) else {
        refuse_field("class_new", back, "capacity", kept);
        return Ok(());
    };
    let input = NewClassSession {
        location,
        starts_at: china_rfc3339(&date, &start),
        ends_at: china_rfc3339(&date, &end),
        org: org.filter(|o| !o.is_empty()),
        capacity,
        notes: Some(notes).filter(|n| !n.trim().is_empty()),
    };
    match classes::create_session(&core, &actor, course, input).await {
        Ok(session) => {
            crate::request::succeed_form("class_created", &trainer_session_page(&session.id))
        }
        Err(error) => crate::request::fail_form("class_new", back, &error, kept),
    }
    Ok(())
}

/// The edit form on a class's page (every field sent, so each is patched).
#[server(prefix = "/_fn", endpoint = "update_class")]
pub async fn update_class(
    id: String,
    date: String,
    start: String,
    end: String,
    location: String,
    capacity: Option<String>,
    notes: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::classes::{self, china_rfc3339, SessionPatch};
    let core = crate::request::core()?;
    let page = trainer_session_page(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&page);
        return Ok(());
    };
    let (capacity, notes) = (capacity.unwrap_or_default(), notes.unwrap_or_default());
    let kept = class_values(&date, &start, &end, &location, &capacity, &notes);
    let form_at = format!("{page}#edit-class");
    let Some(capacity) = parse_capacity(&capacity) else {
        refuse_field("class_edit", &form_at, "capacity", kept);
        return Ok(());
    };
    let patch = SessionPatch {
        location: Some(location),
        starts_at: Some(china_rfc3339(&date, &start)),
        ends_at: Some(china_rfc3339(&date, &end)),
        capacity: Some(capacity),
        notes: Some(notes),
    };
    match classes::update_session(&core, &actor, id, patch).await {
        Ok(_) => crate::request::succeed_form("class_edit", &page),
        Err(error) => crate::request::fail_form("class_edit", &form_at, &error, kept),
    }
    Ok(())
}

/// Cancels a class (after the confirm step); everyone signed up is told by the service.
#[server(prefix = "/_fn", endpoint = "cancel_class")]
pub async fn cancel_class(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let page = trainer_session_page(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&page);
        return Ok(());
    };
    match qihang_core::services::classes::cancel_session(&core, &actor, id).await {
        Ok(_) => crate::request::succeed_form("class_cancel", &page),
        Err(error) => crate::request::fail_form("class_cancel", &page, &error, vec![]),
    }
    Ok(())
}

/// "签到" / "缺席" on a row of the attendance list (`present` is `true` or `false`).
#[server(prefix = "/_fn", endpoint = "mark_class_attendance")]
pub async fn mark_class_attendance(
    id: String,
    person: String,
    present: String,
) -> Result<(), AppError> {
    use qihang_core::services::classes::{self, AttendanceMark};
    let core = crate::request::core()?;
    let back = format!("{}#attendance", trainer_session_page(&id));
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    let mark = AttendanceMark {
        phone: None,
        person: Some(person),
        present: present != "false",
    };
    match classes::mark(&core, &actor, id, mark).await {
        Ok(_) => crate::request::succeed_form("class_mark", &back),
        Err(error) => crate::request::fail_form("class_mark", &back, &error, vec![]),
    }
    Ok(())
}

/// One learner's practical score (0–100) from the attendance list.
#[server(prefix = "/_fn", endpoint = "set_class_score")]
pub async fn set_class_score(id: String, person: String, score: String) -> Result<(), AppError> {
    use qihang_core::services::classes::{self, ScoreInput};
    let core = crate::request::core()?;
    let back = format!("{}#attendance", trainer_session_page(&id));
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    // The class first: who does not run it learns nothing from how the score is judged.
    if let Err(error) = classes::authorize_runner(&core, &actor, id.clone()).await {
        crate::request::fail_form("class_score", &back, &error, vec![("person", person)]);
        return Ok(());
    }
    let Ok(score) = score.trim().parse::<i32>() else {
        refuse_field("class_score", &back, "score", vec![("person", person)]);
        return Ok(());
    };
    let input = ScoreInput {
        person: Some(person.clone()),
        phone: None,
        score,
    };
    match classes::set_scores(&core, &actor, id, vec![input]).await {
        Ok(_) => crate::request::succeed_form("class_score", &back),
        Err(error) => {
            crate::request::fail_form("class_score", &back, &error, vec![("person", person)])
        }
    }
    Ok(())
}
