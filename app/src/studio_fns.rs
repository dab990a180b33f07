//! Server functions of innovation studios (女职工创新工作室), the talent pool (人才库) and the
//! dashboard's skills figures: thin adapters from the pages' data and forms to
//! `services::studios` and `services::talent`. Who may see or change what is decided there.
//! Form posts come back to their page with a one-shot message ([`crate::request::Flash`]);
//! what was done (joined, withdrawn, invited, …) travels in the flash as `done`.
// A form's fields are a server function's arguments, so a long form means many arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use qihang_core::dto::{
    CandidateView, SkillDef, SkillsFigures, StudioPage, StudioView, TalentEntry,
};
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

/// The studios page: the studios she reaches and, for an administrator, what the
/// registration form needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudiosData {
    pub studios: Vec<StudioView>,
    /// The union of her highest administrator grant, when she holds one: the studio form
    /// is shown to her, prefilled with it.
    pub admin_org: Option<String>,
    /// The skill framework, for the form's focus skills (empty for non-administrators).
    pub skills: Vec<SkillDef>,
    /// The drive's goal of studios, province-wide.
    pub goal: i64,
}

/// One studio's page, with who is looking (to tell the leader from a member) and the skill
/// framework (level names for the recruiting search).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudioData {
    pub page: StudioPage,
    /// Her own public user id.
    pub me: String,
    pub skills: Vec<SkillDef>,
}

/// The talent pool page: the entries, the node shown and the skill framework for the filter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TalentData {
    pub entries: Vec<TalentEntry>,
    /// The union code whose pool is shown (the one asked for, else her own admin node).
    pub org: String,
    pub skills: Vec<SkillDef>,
}

/// A studio's own page.
pub fn studio_path(id: &str) -> String {
    format!("/studios/{}", crate::request::slug(id))
}

/// The signed-in actor, or the error that sends a page to the login.
#[cfg(feature = "ssr")]
async fn signed_in() -> Result<qihang_core::services::actor::Actor, AppError> {
    Ok(crate::request::actor()
        .await
        .ok_or(qihang_core::ServiceError::Unauthenticated)?)
}

/// The node of her highest administrator grant, if she holds one.
#[cfg(feature = "ssr")]
fn admin_node(actor: &qihang_core::services::actor::Actor) -> Option<String> {
    actor
        .grants
        .iter()
        .filter(|g| g.role == qihang_core::domain::Role::Admin)
        .min_by_key(|g| g.org_path.len())
        .map(|g| g.org_code.clone())
}

/// Signed out (her session ended while the page was open): to the login, then back to `page`.
#[cfg(feature = "ssr")]
fn login_then(page: &str) {
    crate::request::redirect(&format!(
        "/login?next={}",
        crate::islands::encode_component(page)
    ));
}

/// A success message of `form` saying what was `done`, then on to `go_to`.
#[cfg(feature = "ssr")]
fn done(form: &str, go_to: &str, what: &str, from: &str) {
    let mut flash = crate::request::Flash::succeeded(form);
    flash.values = vec![("done".into(), what.into()), ("from".into(), from.into())];
    crate::request::set_flash(&flash);
    crate::request::redirect(go_to);
}

/// The studios she reaches, and the registration form's needs when she administers a union;
/// `None` when signed out.
#[server(prefix = "/_fn", endpoint = "my_studios")]
pub async fn my_studios() -> Result<Option<StudiosData>, AppError> {
    use qihang_core::services::{skills, studios};
    let core = crate::request::core()?;
    let Some(actor) = crate::request::actor().await else {
        return Ok(None);
    };
    let administers = actor
        .grants
        .iter()
        .any(|g| g.role == qihang_core::domain::Role::Admin);
    let skills = if administers {
        skills::list(&core).await?
    } else {
        Vec::new()
    };
    Ok(Some(StudiosData {
        studios: studios::list(&core, &actor, None).await?,
        admin_org: if administers {
            admin_node(&actor)
        } else {
            None
        },
        skills,
        goal: studios::STUDIO_GOAL,
    }))
}

/// "登记创新工作室": to the new studio's page, or back to the form with the field at fault.
/// The focus skills are checkboxes named `skills[]` (none ticked: absent).
#[server(prefix = "/_fn", endpoint = "create_studio")]
pub async fn create_studio(
    name: String,
    org: String,
    leader: String,
    skills: Option<Vec<String>>,
    description: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::studios::{self, StudioInput};
    let core = crate::request::core()?;
    let back = "/studios#studio-form";
    let Some(actor) = crate::request::actor().await else {
        login_then("/studios");
        return Ok(());
    };
    let skills = skills.unwrap_or_default();
    let description = description.unwrap_or_default();
    // The flash travels in a cookie: a long description is kept only in part.
    let kept_description: String = description.chars().take(300).collect();
    let kept = vec![
        ("name", name.clone()),
        ("org", org.clone()),
        ("leader", leader.clone()),
        ("skills", skills.join(",")),
        ("description", kept_description),
    ];
    let input = StudioInput {
        name,
        org: org.trim().to_string(),
        leader: leader.trim().to_string(),
        skills,
        description: Some(description).filter(|d| !d.trim().is_empty()),
    };
    match studios::create(&core, &actor, input).await {
        Ok(studio) => crate::request::succeed_form("studio", &studio_path(&studio.id)),
        Err(error) => crate::request::fail_form("studio", back, &error, kept),
    }
    Ok(())
}

/// One studio's page (403 for a studio she does not reach).
#[server(prefix = "/_fn", endpoint = "studio_detail")]
pub async fn studio_detail(id: String) -> Result<StudioData, AppError> {
    use qihang_core::services::{skills, studios};
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(StudioData {
        page: studios::get(&core, &actor, id).await?,
        me: actor.public_id.clone(),
        skills: skills::list(&core).await?,
    })
}

/// The leader's recruiting search: consenting women of the host's subtree at `min_level` or
/// above in `skill`.
#[server(prefix = "/_fn", endpoint = "studio_candidates")]
pub async fn studio_candidates(
    id: String,
    skill: String,
    min_level: Option<i32>,
) -> Result<Vec<CandidateView>, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::studios::candidates(&core, &actor, id, skill, min_level).await?)
}

/// "申请加入" or "接受邀请": back to the studio with her new standing (`requested` or
/// `member`) as `done`.
#[server(prefix = "/_fn", endpoint = "join_studio")]
pub async fn join_studio(id: String) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = studio_path(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    match qihang_core::services::studios::join(&core, &actor, id).await {
        Ok(page) => {
            let standing = page.studio.my_status.unwrap_or_else(|| "member".into());
            done("membership", &back, &standing, "")
        }
        Err(error) => crate::request::fail_form("membership", &back, &error, vec![]),
    }
    Ok(())
}

/// "谢绝" (an invitation), "撤回申请" (her request) or "退出工作室": her own standing removed.
/// `was` is her standing before, to say which it was (`declined`, `withdrawn` or `left`).
#[server(prefix = "/_fn", endpoint = "leave_studio")]
pub async fn leave_studio(id: String, was: Option<String>) -> Result<(), AppError> {
    let core = crate::request::core()?;
    let back = studio_path(&id);
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    let me = actor.public_id.clone();
    let what = match was.as_deref() {
        Some("invited") => "declined",
        Some("requested") => "withdrawn",
        _ => "left",
    };
    match qihang_core::services::studios::remove_member(&core, &actor, id, me).await {
        Ok(_) => done("membership", &back, what, ""),
        Err(error) => crate::request::fail_form("membership", &back, &error, vec![]),
    }
    Ok(())
}

/// "同意加入" (a request), "邀请" (a woman found by the recruiting search, or by her user id):
/// back to `back` (the studio page, with the search kept) with `approved` or `invited`.
/// `from` says which part of the page the form was in (`candidates`, else the managers' part).
#[server(prefix = "/_fn", endpoint = "add_studio_member")]
pub async fn add_studio_member(
    id: String,
    user: String,
    back: Option<String>,
    from: Option<String>,
) -> Result<(), AppError> {
    use qihang_core::services::studios::{self, MemberInput};
    let core = crate::request::core()?;
    let page = studio_path(&id);
    let from = from.unwrap_or_default();
    let back = back
        .filter(|b| qihang_core::paths::is_local_path(b) && b.starts_with(&page))
        .unwrap_or_else(|| format!("{page}#studio-manage"));
    let Some(actor) = crate::request::actor().await else {
        login_then(&back);
        return Ok(());
    };
    let user = user.trim().to_string();
    let input = MemberInput { user: user.clone() };
    match studios::add_member(&core, &actor, id, input).await {
        Ok(after) => {
            let what = if after.members.iter().any(|m| m.user == user) {
                "approved"
            } else {
                "invited"
            };
            done("member", &back, what, &from)
        }
        Err(error) => crate::request::fail_form(
            "member",
            &back,
            &error,
            vec![("user", user), ("from", from)],
        ),
    }
    Ok(())
}

/// The talent pool of a node she administers (403 when she administers none), filtered.
#[server(prefix = "/_fn", endpoint = "talent_pool_page")]
pub async fn talent_pool_page(
    skill: Option<String>,
    min_level: Option<i32>,
    org: Option<String>,
) -> Result<TalentData, AppError> {
    use qihang_core::services::talent::{self, TalentFilter};
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    let home = admin_node(&actor).ok_or(qihang_core::ServiceError::Forbidden)?;
    let org = org
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .unwrap_or(home);
    let filter = TalentFilter {
        skill: skill.filter(|s| !s.trim().is_empty()),
        min_level,
        org: Some(org.clone()),
    };
    Ok(TalentData {
        entries: talent::search(&core, &actor, filter).await?,
        org,
        skills: qihang_core::services::skills::list(&core).await?,
    })
}

/// A node's skills figures for its dashboard: women per level per skill, studios toward the
/// goal, competitions, registrations, results and the pool's size (its administrators only).
#[server(prefix = "/_fn", endpoint = "org_skills_figures")]
pub async fn org_skills_figures(code: String) -> Result<SkillsFigures, AppError> {
    let core = crate::request::core()?;
    let actor = signed_in().await?;
    Ok(qihang_core::services::talent::figures(&core, &actor, code).await?)
}
