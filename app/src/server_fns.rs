//! Server functions: thin adapters from HTML forms and page data to the service layer.
//! Each one authorises inside itself; all are POST endpoints under `/_fn`, behind the
//! server's CSRF check. Forms post to them directly, so they work without JavaScript.
// A form's fields are a server function's arguments, so a long form means many arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use qihang_core::dto::{AccountView, OrgView};

use crate::errors::AppError;

/// The signed-in user's own account, or `None` when signed out.
#[server(prefix = "/_fn", endpoint = "account")]
pub async fn current_account() -> Result<Option<AccountView>, AppError> {
    // On a page, resolved once with the page's session (the header and the page both ask).
    if let Some(account) = crate::request::page_account().await {
        return Ok(account);
    }
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        return Ok(None);
    };
    Ok(Some(
        qihang_core::services::accounts::account(&core, &actor).await?,
    ))
}

/// The province and the unions directly under it, for the registration form.
/// A union as the picker names it: its English name on English pages, where it has one.
#[cfg(feature = "ssr")]
fn in_page_language(mut org: OrgView) -> OrgView {
    let lang = crate::request::lang();
    org.name = lang.pick(&org.name, org.name_en.as_deref()).to_string();
    org
}

#[server(prefix = "/_fn", endpoint = "top_orgs")]
pub async fn top_orgs() -> Result<Vec<OrgView>, AppError> {
    let core = crate::request::core()?;
    let orgs = qihang_core::services::orgs::with_children(&core, "js").await?;
    Ok(orgs.into_iter().map(in_page_language).collect())
}

/// Unions below `under` whose name contains `q`: the registration picker's matches, as she
/// types (the island) or after "search" (the page, without JavaScript). Public, like the
/// organisation list itself.
#[server(prefix = "/_fn", endpoint = "search_orgs")]
pub async fn search_orgs(under: String, q: String) -> Result<Vec<OrgView>, AppError> {
    let core = crate::request::core()?;
    // Enough to find her union on a phone's screen; more words narrow it further.
    let orgs = qihang_core::services::orgs::search(&core, &under, &q, 20).await?;
    Ok(orgs.into_iter().map(in_page_language).collect())
}

/// One union by its code, or `None` when no union has it (the union she chose before a
/// refused registration, shown chosen again).
#[server(prefix = "/_fn", endpoint = "find_org")]
pub async fn find_org(code: String) -> Result<Option<OrgView>, AppError> {
    use qihang_core::ServiceError;
    let core = crate::request::core()?;
    match qihang_core::services::orgs::get(&core, &code).await {
        Ok(org) => Ok(Some(in_page_language(org))),
        Err(ServiceError::UnknownOrg { .. } | ServiceError::Invalid(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// The page to come back to after the union search without JavaScript: the city and what
/// she typed in the query string, scrolled to the picker.
#[cfg(feature = "ssr")]
fn picker_page(city: &str, query: &str) -> String {
    let query: String = query.trim().chars().take(50).collect();
    format!(
        "/register?city={}&org_q={}#org-picker",
        crate::request::slug(city),
        crate::islands::encode_component(&query)
    )
}

/// The union she registers with: a code typed in the fallback box, else the union chosen in
/// the picker, else the city (or province) chosen above it.
#[cfg(feature = "ssr")]
fn chosen_union(org_code: &str, picked: &str, city: &str) -> String {
    [org_code, picked, city]
        .into_iter()
        .map(str::trim)
        .find(|c| !c.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// The registration form. Its "search" button (the picker without JavaScript) posts here
/// too, with `find`: then nothing is registered, and the form comes back with the matches
/// and everything typed but the password.
#[server(prefix = "/_fn", endpoint = "register")]
pub async fn register(
    name: String,
    phone: String,
    email: String,
    password: String,
    gender: Option<String>,
    city: Option<String>,
    org_q: Option<String>,
    org: Option<String>,
    org_code: Option<String>,
    consent: Option<String>,
    find: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::accounts::{register_and_sign_in, RegisterInput};
    let core = crate::request::core()?;
    let typed_code = org_code.unwrap_or_default();
    let city = city.unwrap_or_default();
    let query = org_q.unwrap_or_default();
    let picked = org.unwrap_or_default();
    let chosen_org = chosen_union(&typed_code, &picked, &city);
    let kept = vec![
        ("name", name.clone()),
        ("phone", phone.clone()),
        ("email", email.clone()),
        ("gender", gender.clone().unwrap_or_default()),
        ("city", city.clone()),
        ("org_q", query.clone()),
        ("org", picked),
        ("org_code", typed_code),
        (
            "consent",
            if consent.is_some() {
                "on".into()
            } else {
                String::new()
            },
        ),
    ];
    if find.is_some() {
        crate::request::keep_form("register", &picker_page(&city, &query), kept);
        return Ok(());
    }
    let input = RegisterInput {
        name,
        phone,
        email: Some(email),
        password,
        gender: gender.unwrap_or_default(),
        org: chosen_org,
        consent: consent.is_some(),
    };
    match register_and_sign_in(&core, input, crate::request::client()).await {
        Ok(outcome) => {
            crate::request::sign_in(&core, &outcome.token);
            crate::request::redirect("/courses?welcome=1");
        }
        Err(error) => crate::request::fail_form("register", "/register", &error, kept),
    }
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "login")]
pub async fn login(login: String, password: String, next: Option<String>) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let client = crate::request::client();
    // Back to the page that asked her to sign in, if it is one of this site's.
    let next = next.filter(|n| qihang_core::paths::is_local_path(n));
    match qihang_core::services::accounts::login(&core, login.clone(), password, client).await {
        Ok(outcome) => {
            crate::request::sign_in(&core, &outcome.token);
            // Otherwise each lands where her work is: an administrator on her dashboard, a
            // trainer on her course packs, a learner on her learning.
            let holds = |role: &str| outcome.user.roles.iter().any(|r| r.role == role);
            let home = if holds("admin") {
                "/dashboard"
            } else if holds("trainer") {
                "/trainer/packs"
            } else {
                "/learning"
            };
            crate::request::redirect(next.as_deref().unwrap_or(home));
        }
        Err(error) => {
            let back = match &next {
                Some(next) => format!("/login?next={}", crate::islands::encode_component(next)),
                None => "/login".to_string(),
            };
            crate::request::fail_form("login", &back, &error, vec![("login", login)])
        }
    }
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let core = crate::request::core()?;
    if let Some(actor) = crate::request::actor().await {
        qihang_core::services::accounts::logout(&core, &actor).await?;
    }
    crate::request::set_cookie(crate::request::clear_cookie(
        crate::request::SESSION_COOKIE,
        core.config.secure_cookies,
    ));
    crate::request::redirect("/");
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "forgot_password")]
pub async fn forgot_password(login: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let ip = crate::request::client_ip();
    match qihang_core::services::accounts::request_password_reset(&core, login.clone(), ip).await {
        Ok(()) => crate::request::succeed_form("forgot", "/forgot-password"),
        Err(error) => {
            crate::request::fail_form("forgot", "/forgot-password", &error, vec![("login", login)])
        }
    }
    Ok(())
}

/// Whether a password link still works, for its page.
#[server(prefix = "/_fn", endpoint = "password_link_state")]
pub async fn password_link_state(token: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    Ok(qihang_core::services::accounts::check_password_token(&core, token).await?)
}

#[server(prefix = "/_fn", endpoint = "reset_password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    match qihang_core::services::accounts::set_password_with_token(&core, token.clone(), password)
        .await
    {
        Ok(()) => crate::request::succeed_form("login", "/login"),
        Err(error) => {
            let back = format!(
                "/reset-password?token={}",
                token
                    .chars()
                    .filter(char::is_ascii_hexdigit)
                    .collect::<String>()
            );
            crate::request::fail_form("reset", &back, &error, vec![]);
        }
    }
    Ok(())
}

/// Whether reset links also go by SMS to accounts without email (the forgot-password page
/// says so). The same for every visitor: it tells nothing about any account.
#[server(prefix = "/_fn", endpoint = "sms_resets")]
pub async fn sms_resets() -> Result<bool, AppError> {
    let core = crate::request::core()?;
    Ok(core.config.sms.is_on())
}

/// The password form on "my account": back to it with the outcome (passwords never kept).
#[server(prefix = "/_fn", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), AppError> {
    use qihang_core::services::account_settings::{self, PasswordChange};
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    let input = PasswordChange {
        current_password,
        new_password,
    };
    let ip = crate::request::client_ip();
    match account_settings::change_password(&core, &actor, input, ip).await {
        Ok(()) => crate::request::succeed_form("password", "/account#password"),
        Err(error) => crate::request::fail_form("password", "/account#password", &error, vec![]),
    }
    Ok(())
}

/// The email form on "my account" (an empty address removes hers): back to it with the
/// outcome and, after a refusal, the address typed.
#[server(prefix = "/_fn", endpoint = "change_email")]
pub async fn change_email(email: String, current_password: String) -> Result<(), AppError> {
    use qihang_core::services::account_settings::{self, EmailChange};
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    let input = EmailChange {
        email: Some(email.clone()),
        current_password,
    };
    let ip = crate::request::client_ip();
    match account_settings::change_email(&core, &actor, input, ip).await {
        Ok(_) => crate::request::succeed_form("email", "/account#email"),
        Err(error) => {
            crate::request::fail_form("email", "/account#email", &error, vec![("email", email)])
        }
    }
    Ok(())
}

/// The signed-in trainer's or administrator's uploaded course packs.
#[server(prefix = "/_fn", endpoint = "my_uploads")]
pub async fn my_uploads() -> Result<Vec<qihang_core::dto::UploadView>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::uploads::mine(&core, &actor).await?)
}

/// The union the signed-in user's uploads are published to, or `None` when she may not
/// upload (only the trainers and administrators of a union may).
#[server(prefix = "/_fn", endpoint = "upload_scope")]
pub async fn upload_scope() -> Result<Option<OrgView>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::uploads::scope(&core, &actor).await?)
}

/// One upload's report and preview (its uploader or an administrator over its organisation).
#[server(prefix = "/_fn", endpoint = "get_upload")]
pub async fn get_upload(id: String) -> Result<qihang_core::dto::UploadView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::uploads::get(&core, &actor, id).await?)
}

/// Publishes a checked upload; the form comes back to the upload's page with the outcome.
#[server(prefix = "/_fn", endpoint = "publish_upload")]
pub async fn publish_upload(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = format!(
        "/trainer/packs/{}",
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    );
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::uploads::publish(&core, &actor, id).await {
        Ok(_) => crate::request::succeed_form("pack", &back),
        Err(error) => crate::request::fail_form("pack", &back, &error, vec![]),
    }
    Ok(())
}

/// The catalogue as the visitor may see it.
#[server(prefix = "/_fn", endpoint = "catalogue")]
pub async fn catalogue(
    tier: Option<i32>,
    q: Option<String>,
) -> Result<Vec<qihang_core::dto::CourseSummary>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor().await;
    Ok(qihang_core::services::learning::catalogue(&core, actor.as_ref(), tier, q).await?)
}

#[server(prefix = "/_fn", endpoint = "course_detail")]
pub async fn course_detail(id: String) -> Result<qihang_core::dto::CourseDetail, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor().await;
    Ok(qihang_core::services::classes::course_page(&core, actor.as_ref(), id).await?)
}

/// The enrol button: back to the course page with the outcome.
#[server(prefix = "/_fn", endpoint = "enroll_course")]
pub async fn enroll_course(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = format!("/courses/{}", crate::request::slug(&id));
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::learning::enroll(&core, &actor, id).await {
        Ok(_) => crate::request::succeed_form("course", &back),
        Err(error) => crate::request::fail_form("course", &back, &error, vec![]),
    }
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "lesson")]
pub async fn lesson_view(
    course: String,
    lesson: String,
) -> Result<qihang_core::dto::LessonView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::learning::lesson(&core, &actor, course, lesson).await?)
}

/// "Mark as read": records it and goes on to `next` (the next lesson or the course page).
#[server(prefix = "/_fn", endpoint = "mark_read")]
pub async fn mark_read(
    course: String,
    lesson: String,
    next: Option<String>,
    size: Option<String>,
) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    let course_page = format!("/courses/{}", crate::request::slug(&course));
    // Large type stays on from one lesson to the next.
    let keep_size = if size.as_deref() == Some("large") {
        "?size=large"
    } else {
        ""
    };
    let go_to = match next
        .as_deref()
        .map(crate::request::slug)
        .filter(|n| !n.is_empty())
    {
        Some(next) => format!("{course_page}/lessons/{next}{keep_size}"),
        None => course_page.clone(),
    };
    match qihang_core::services::learning::complete_lesson(&core, &actor, course, lesson).await {
        Ok(_) => crate::request::redirect(&go_to),
        Err(error) => crate::request::fail_form("course", &course_page, &error, vec![]),
    }
    Ok(())
}

#[server(prefix = "/_fn", endpoint = "my_enrollments")]
pub async fn my_enrollments() -> Result<Vec<qihang_core::dto::EnrollmentView>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::learning::my_enrollments(&core, &actor).await?)
}

/// "Start the quiz" on the course page: a new attempt, then its page.
#[server(prefix = "/_fn", endpoint = "start_quiz")]
pub async fn start_quiz(course: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = format!("/courses/{}", crate::request::slug(&course));
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::quiz::start(&core, &actor, course).await {
        Ok(attempt) => crate::request::redirect(&format!("/quiz/{}", attempt.id)),
        Err(error) => crate::request::fail_form("course", &back, &error, vec![]),
    }
    Ok(())
}

/// An attempt for its page: the questions (never the keys before submission) and the result
/// once submitted.
#[server(prefix = "/_fn", endpoint = "quiz_attempt")]
pub async fn quiz_attempt(id: String) -> Result<qihang_core::dto::AttemptPage, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::quiz::get(&core, &actor, id).await?)
}

/// The public facts of a certificate (the verification page). Lookups of unknown serials
/// are rate-limited per address, as in the REST API.
#[server(prefix = "/_fn", endpoint = "verify_certificate")]
pub async fn verify_certificate(
    serial: String,
) -> Result<qihang_core::dto::CertificateStatusView, AppError> {
    let core = crate::request::core()?;
    let ip = crate::request::client_ip();
    Ok(qihang_core::services::certificates::status(&core, serial, ip).await?)
}

/// Her certificate page: full name, QR code, links to the PDF and the credential.
#[server(prefix = "/_fn", endpoint = "certificate")]
pub async fn certificate_view(
    serial: String,
) -> Result<qihang_core::dto::CertificateView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::certificates::view(&core, &actor, serial).await?)
}

#[server(prefix = "/_fn", endpoint = "my_learning")]
pub async fn my_learning() -> Result<qihang_core::dto::MyLearningView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::classes::learning_page(&core, &actor).await?)
}

/// The check-in form on a course page: back to the course with the outcome.
#[server(prefix = "/_fn", endpoint = "check_in")]
pub async fn check_in(course: String, code: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = format!("/courses/{}", crate::request::slug(&course));
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::classes::check_in_course(&core, &actor, course, code).await {
        Ok(_) => crate::request::succeed_form("check_in", &back),
        Err(error) => crate::request::fail_form("check_in", &back, &error, vec![]),
    }
    Ok(())
}

/// The course to suggest next, for a signed-in learner (none for visitors).
#[server(prefix = "/_fn", endpoint = "recommended_next")]
pub async fn recommended_next() -> Result<Option<qihang_core::dto::CourseSummary>, AppError> {
    let core = crate::request::core()?;
    match crate::request::actor().await {
        Some(actor) => Ok(qihang_core::services::learning::recommended_next(&core, &actor).await?),
        None => Ok(None),
    }
}

/// The node a signed-in administrator's dashboard opens on (her first admin grant).
#[server(prefix = "/_fn", endpoint = "admin_home")]
pub async fn admin_home() -> Result<Option<String>, AppError> {
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(actor
        .grants
        .iter()
        .find(|g| g.role == qihang_core::domain::Role::Admin)
        .map(|g| g.org_code.clone()))
}

/// For an administrator: the configured `public_url` when the QR codes on certificates (and
/// links in emails) would point at the server itself, because it listens beyond loopback
/// while `public_url` names a loopback host; `None` otherwise, and for everyone else.
#[server(prefix = "/_fn", endpoint = "public_url_warning")]
pub async fn public_url_warning() -> Result<Option<String>, AppError> {
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        return Ok(None);
    };
    let administers = actor
        .grants
        .iter()
        .any(|g| g.role == qihang_core::domain::Role::Admin);
    let config = &core.config;
    Ok((administers && config.public_url_is_loopback_only()).then(|| config.public_url.clone()))
}

/// A node's dashboard (only for administrators of its subtree).
#[server(prefix = "/_fn", endpoint = "org_dashboard")]
pub async fn org_dashboard(code: String) -> Result<qihang_core::dto::OrgStatsView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::stats::org_stats(&core, &actor, code).await?)
}

/// One page of the learners behind a node's figures.
#[server(prefix = "/_fn", endpoint = "evidence_page")]
pub async fn evidence_page(
    code: String,
    page: i64,
    filter: qihang_core::dto::EvidenceFilter,
) -> Result<qihang_core::dto::EvidencePage, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::evidence::trained(&core, &actor, code, page, filter).await?)
}

/// The target form on a node's dashboard (fields as typed): back to the dashboard with the
/// outcome. Who may set it, and what a valid target is, the service decides.
#[server(prefix = "/_fn", endpoint = "set_org_target")]
pub async fn set_org_target(
    code: String,
    target: String,
    deadline: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::stats::{self, TargetInput};
    let core = crate::request::core()?;
    // Back to the form itself, where the outcome is shown.
    let back = format!("/dashboard/{}#set-target", crate::request::slug(&code));
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    let deadline = deadline.unwrap_or_default();
    // The union first: who may not set its target learns nothing from how the figure is judged.
    let outcome = match stats::authorize_set_target(&core, &actor, code.clone()).await {
        Err(error) => Err(error),
        Ok(()) => TargetInput::from_form(&target, &deadline),
    };
    let outcome = match outcome {
        Ok(input) => stats::set_target(&core, &actor, code, input)
            .await
            .map(drop),
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => crate::request::succeed_form("target", &back),
        Err(error) => crate::request::fail_form(
            "target",
            &back,
            &error,
            vec![("target", target), ("deadline", deadline)],
        ),
    }
    Ok(())
}

/// Her skill profile and consents, or `None` when signed out.
#[server(prefix = "/_fn", endpoint = "my_skills")]
pub async fn my_skills() -> Result<
    Option<(
        Vec<qihang_core::dto::SkillView>,
        qihang_core::dto::ConsentView,
    )>,
    AppError,
> {
    use qihang_core::services::skills;
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        return Ok(None);
    };
    Ok(Some((
        skills::mine(&core, &actor).await?,
        skills::consents(&core, &actor).await?,
    )))
}

/// The consent form on 我的技能: an unticked box is absent from the form, so absent is "no".
#[server(prefix = "/_fn", endpoint = "set_consents")]
pub async fn set_consents(
    skills_visible: Option<String>,
    talent_pool: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::skills::{self, ConsentInput};
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login?next=/skills");
        return Ok(());
    };
    let input = ConsentInput {
        skills_visible: skills_visible.is_some(),
        talent_pool: talent_pool.is_some(),
    };
    match skills::set_consents(&core, &actor, input).await {
        Ok(_) => crate::request::succeed_form("consents", "/skills#consents"),
        Err(error) => crate::request::fail_form("consents", "/skills#consents", &error, vec![]),
    }
    Ok(())
}
