//! Server functions of the staff pages: a union administrator finds a person in her part of
//! the tree and acts for her (another quiz attempt, a one-time password link, roles). Thin
//! adapters: who may do what is decided in `services::people`.

use leptos::prelude::*;
use qihang_core::dto::{OrgView, PersonSummary, PersonView};

use crate::errors::AppError;

/// People in her subtrees by phone or part of a name.
#[server(prefix = "/_fn", endpoint = "find_people")]
pub async fn find_people(q: String) -> Result<Vec<PersonSummary>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::people::search(&core, &actor, q).await?)
}

/// One person in full, for her union's administrator.
#[server(prefix = "/_fn", endpoint = "person_detail")]
pub async fn person_detail(id: String) -> Result<PersonView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::people::person(&core, &actor, id).await?)
}

/// Her skill profile with its evidence, for those allowed to see it (her union's
/// administrators always).
#[server(prefix = "/_fn", endpoint = "person_skills")]
pub async fn person_skills(id: String) -> Result<Vec<qihang_core::dto::SkillView>, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::skills::of_person(&core, &actor, id).await?)
}

#[cfg(feature = "ssr")]
fn person_page(person: &str) -> String {
    format!("/admin/people/{}", crate::request::slug(person))
}

/// "Grant another attempt" on a person's page.
#[server(prefix = "/_fn", endpoint = "grant_extra_attempt")]
pub async fn grant_extra_attempt(person: String, course: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = person_page(&person);
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::people::grant_attempt(&core, &actor, person, course).await {
        Ok(_) => crate::request::succeed_form("attempt", &back),
        Err(error) => crate::request::fail_form("attempt", &back, &error, vec![]),
    }
    Ok(())
}

/// "Issue a one-time password link": the link comes back to her page (once) to show or
/// scan there.
#[server(prefix = "/_fn", endpoint = "issue_reset_link")]
pub async fn issue_reset_link(person: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = person_page(&person);
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    match qihang_core::services::people::issue_reset_link(&core, &actor, person).await {
        Ok(link) => {
            let mut flash = crate::request::Flash::succeeded("reset_link");
            flash.values = vec![
                ("url".into(), link.url),
                ("expires".into(), link.expires_china),
            ];
            crate::request::set_flash(&flash);
            crate::request::redirect(&back);
        }
        Err(error) => crate::request::fail_form("reset_link", &back, &error, vec![]),
    }
    Ok(())
}

/// The QR code of a password link this server made (nothing else is drawn).
#[server(prefix = "/_fn", endpoint = "link_qr")]
pub async fn link_qr(url: String) -> Result<String, AppError> {
    let core = crate::request::core()?;
    let ours = format!(
        "{}/reset-password?token=",
        core.config.public_url.trim_end_matches('/')
    );
    let token = url.strip_prefix(&ours).unwrap_or_default();
    if token.is_empty()
        || token.len() > 128
        || !token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(qihang_core::ServiceError::NotFound("link").into());
    }
    Ok(qihang_core::certificate_print::qr_svg(&url))
}

/// Grant or revoke a role on a person's page (`change` is `grant` or `revoke`).
#[server(prefix = "/_fn", endpoint = "change_role")]
pub async fn change_role(
    person: String,
    role: String,
    org: String,
    change: String,
) -> Result<(), AppError> {
    use qihang_core::services::people::{self, RoleChange};
    let core = crate::request::core()?;
    let back = person_page(&person);
    let Some(actor) = crate::request::actor().await else {
        crate::request::redirect("/login");
        return Ok(());
    };
    let kept = vec![("role", role.clone()), ("org", org.clone())];
    // Her union first: a person beyond the caller's reach learns nothing from the form.
    if let Err(error) = people::authorize_in_reach(&core, &actor, person.clone()).await {
        crate::request::fail_form("role", &back, &error, kept);
        return Ok(());
    }
    let input = RoleChange {
        role: role.clone(),
        org: org.clone(),
    };
    let outcome = match change.as_str() {
        "grant" => people::grant_role(&core, &actor, person, input).await,
        "revoke" => people::revoke_role(&core, &actor, person, input).await,
        _ => {
            crate::request::set_flash(&crate::request::Flash {
                form: "role".into(),
                ok: false,
                code: Some(qihang_core::dto::ErrorCode::Invalid),
                field: Some("change".into()),
                values: kept.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
                ..Default::default()
            });
            crate::request::redirect(&back);
            return Ok(());
        }
    };
    match outcome {
        Ok(_) => crate::request::succeed_form("role", &back),
        Err(error) => {
            crate::request::fail_form("role", &back, &error, vec![("role", role), ("org", org)])
        }
    }
    Ok(())
}

/// The union the bulk import page adds to: `org` if she administers it, else the first union
/// she administers (403 when she administers none).
#[server(prefix = "/_fn", endpoint = "org_import_scope")]
pub async fn org_import_scope(org: Option<String>) -> Result<OrgView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::orgs::administered(&core, &actor, org).await?)
}

/// A page of the province's audit log (administrators of the province only).
#[server(prefix = "/_fn", endpoint = "audit_log")]
pub async fn audit_log(page: i64) -> Result<qihang_core::dto::AuditLogView, AppError> {
    let core = crate::request::core()?;
    let actor = crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?;
    Ok(qihang_core::services::audit::province_log(&core, &actor, page).await?)
}
