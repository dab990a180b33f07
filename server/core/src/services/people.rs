//! What a union's administrator does for a person in her part of the tree: find her by phone
//! or name, see her courses and quiz standing, grant another quiz attempt once hers ran out,
//! hand her a one-time password link in person (for a woman without email), and grant or
//! revoke roles. Every person is looked up through [`in_reach`], so an administrator never
//! reads or changes anyone outside her subtree (outsiders are "not found", not "forbidden",
//! so ids cannot be probed); every change is written to the audit log in its transaction.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::json;

use super::accounts::{
    grant, issue_password_token, password_link, role_views, user_view, PURPOSE_RESET,
};
use super::actor::Actor;
use super::audit::{self, AuditAction, Entry};
use super::enrolment::{enrollment_of, standing};
use super::{now, orgs, Core};
use crate::db::models::{OrgRow, UserRow};
use crate::db::schema::{courses, enrollments, orgs as orgs_t, role_grants, users};
use crate::db::{contains_pattern, write_tx, DbConn};
use crate::domain::{OrgCode, Role};
use crate::dto::{
    AuditView, OrgRef, PersonCourseView, PersonSummary, PersonView, QuizStanding, ResetLinkView,
    UserView,
};
use crate::time::{iso_utc, to_china};
use crate::ServiceError;

/// How many people a search returns at most.
const SEARCH_LIMIT: i64 = 20;

/// How long a link handed over in person stays valid.
const IN_PERSON_LINK_HOURS: i64 = 24;

/// The person with this public id, if she is in a subtree the actor administers.
fn in_reach(
    conn: &mut DbConn,
    actor: &Actor,
    public_id: &str,
) -> Result<(UserRow, OrgRow), ServiceError> {
    let user: Option<UserRow> = users::table
        .filter(users::public_id.eq(public_id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    let user = user.ok_or(ServiceError::NotFound("person"))?;
    let org = orgs::find_by_id(conn, user.org_id)?;
    if !actor.holds(Role::Admin, &org.path) {
        return Err(ServiceError::NotFound("person"));
    }
    Ok((user, org))
}

/// Whether she administers the person `public_id`'s union (404 otherwise, as for no one),
/// decided before what she sends is read.
pub async fn authorize_in_reach(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<(), ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| in_reach(conn, &actor, &public_id).map(|_| ()))
        .await
}

fn summary(user: &UserRow, org: &OrgRow) -> PersonSummary {
    PersonSummary {
        id: user.public_id.clone(),
        name: user.name.clone(),
        phone: user.phone.clone(),
        org: OrgRef {
            code: org.code.clone(),
            name: org.name.clone(),
            name_en: org.name_en.clone(),
        },
    }
}

/// People in the actor's subtrees whose phone is `query` (spaces ignored) or whose name
/// contains it; at most [`SEARCH_LIMIT`], by name.
pub async fn search(
    core: &Core,
    actor: &Actor,
    query: String,
) -> Result<Vec<PersonSummary>, ServiceError> {
    let query = query.trim().to_string();
    if query.is_empty() || query.chars().count() > 50 {
        return Err(crate::domain::DomainError::Search.into());
    }
    let digits: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    // The last four or more digits of a phone find her too (what she may remember to say).
    let tail = match digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        true => format!("%{digits}"),
        // No wildcard and not digits: a pattern no phone number matches.
        false => "-".to_string(),
    };
    let roots: Vec<String> = actor
        .grants
        .iter()
        .filter(|g| g.role == Role::Admin)
        .map(|g| g.org_path.clone())
        .collect();
    if roots.is_empty() {
        return Err(ServiceError::Forbidden);
    }
    core.run(move |conn, _| {
        let mut found: Vec<(UserRow, OrgRow)> = Vec::new();
        for root in &roots {
            let rows: Vec<(UserRow, OrgRow)> = users::table
                .inner_join(orgs_t::table)
                .filter(orgs_t::path.ge(root.clone()))
                .filter(orgs_t::path.lt(orgs::subtree_upper_bound(root)))
                .filter(
                    users::phone
                        .eq(&digits)
                        .or(users::phone.like(&tail))
                        .or(users::name.like(contains_pattern(&query)).escape('\\')),
                )
                .order((users::name.asc(), users::id.asc()))
                .limit(SEARCH_LIMIT)
                .select((UserRow::as_select(), OrgRow::as_select()))
                .load(conn)?;
            for row in rows {
                if !found.iter().any(|(u, _)| u.id == row.0.id) {
                    found.push(row);
                }
            }
        }
        found.truncate(SEARCH_LIMIT as usize);
        Ok(found.iter().map(|(u, o)| summary(u, o)).collect())
    })
    .await
}

/// A person in full: her roles, courses with quiz standing, and what administrators did.
pub async fn person(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<PersonView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (user, org) = in_reach(conn, &actor, &public_id)?;
        person_view(conn, &user, &org)
    })
    .await
}

fn person_view(
    conn: &mut DbConn,
    user: &UserRow,
    org: &OrgRow,
) -> Result<PersonView, ServiceError> {
    let roles = role_views(conn, user.id)?;
    let enrolled: Vec<(i64, String, String, Option<chrono::NaiveDateTime>)> = enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user.id))
        .order(enrollments::id.desc())
        .select((
            courses::id,
            courses::code,
            courses::title,
            enrollments::completed_at,
        ))
        .load(conn)?;
    let mut courses = Vec::with_capacity(enrolled.len());
    for (course_id, code, title, completed_at) in enrolled {
        courses.push(PersonCourseView {
            course: code,
            title,
            completed: completed_at.is_some(),
            quiz: standing(conn, user.id, course_id)?,
        });
    }
    let audit = audit::about(conn, user.id, 20)?
        .into_iter()
        .map(|row| AuditView {
            action: row.action.as_str().into(),
            by: row.actor_name,
            at: to_china(row.at).format("%Y-%m-%d %H:%M").to_string(),
            detail: row.detail,
        })
        .collect();
    Ok(PersonView {
        person: summary(user, org),
        has_email: user.email.is_some(),
        roles,
        courses,
        audit,
    })
}

/// Grants her one more attempt at a course's quiz, once her attempts ran out and she has
/// not passed. Audited.
pub async fn grant_attempt(
    core: &Core,
    actor: &Actor,
    public_id: String,
    course: String,
) -> Result<QuizStanding, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let (user, org) = in_reach(conn, &actor, &public_id)?;
            let course_id: i64 = courses::table
                .filter(courses::code.eq(&course))
                .select(courses::id)
                .first(conn)
                .optional()?
                .ok_or(ServiceError::NotFound("course"))?;
            let enrollment =
                enrollment_of(conn, user.id, course_id)?.ok_or(ServiceError::NotEnrolled)?;
            crate::db::lock_for_update(conn, crate::db::RowLock::Enrollment(enrollment))?;
            let now_standing =
                standing(conn, user.id, course_id)?.ok_or(ServiceError::NotFound("quiz"))?;
            if now_standing.passed || now_standing.left != Some(0) {
                return Err(ServiceError::NoGrantNeeded);
            }
            diesel::update(enrollments::table.find(enrollment))
                .set(enrollments::extra_attempts.eq(enrollments::extra_attempts + 1))
                .execute(conn)?;
            let detail = json!({ "course": course, "used": now_standing.used });
            audit::record(
                conn,
                &actor,
                Entry {
                    action: AuditAction::GrantAttempt,
                    subject: Some(user.id),
                    org: Some(org.id),
                    detail: &detail,
                },
            )?;
            standing(conn, user.id, course_id)?.ok_or(ServiceError::NotFound("quiz"))
        })
    })
    .await
}

/// A one-time password link for her, to show her in person (as a link and a QR code): for
/// a woman without email who forgot her password. Her earlier reset links stop working.
/// Audited.
pub async fn issue_reset_link(
    core: &Core,
    actor: &Actor,
    public_id: String,
) -> Result<ResetLinkView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        write_tx(conn, |conn| {
            let (user, org) = in_reach(conn, &actor, &public_id)?;
            let valid_for = Duration::hours(IN_PERSON_LINK_HOURS);
            let token = issue_password_token(conn, user.id, PURPOSE_RESET, valid_for)?;
            let expires = now() + valid_for;
            let detail = json!({ "expires_at": iso_utc(expires) });
            audit::record(
                conn,
                &actor,
                Entry {
                    action: AuditAction::IssueResetLink,
                    subject: Some(user.id),
                    org: Some(org.id),
                    detail: &detail,
                },
            )?;
            let url = password_link(config, &token);
            Ok(ResetLinkView {
                qr_svg: crate::certificate_print::qr_svg(&url),
                url,
                expires_at: iso_utc(expires),
                expires_china: to_china(expires).format("%Y-%m-%d %H:%M").to_string(),
            })
        })
    })
    .await
}

/// A role to grant or revoke on a node: `{role, org}`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    pub role: String,
    pub org: String,
}

/// The node a role change is about: one the actor administers, at or above the person's
/// own union.
fn role_target(
    conn: &mut DbConn,
    actor: &Actor,
    home: &OrgRow,
    change: &RoleChange,
) -> Result<(Role, OrgRow), ServiceError> {
    let role = Role::parse(change.role.trim())?;
    let code = OrgCode::parse(&change.org, "org")?;
    let org = orgs::require(conn, &code, "org")?;
    if !actor.holds(Role::Admin, &org.path) || !home.path.starts_with(&org.path) {
        return Err(ServiceError::Forbidden);
    }
    Ok((role, org))
}

/// Grants her a role on a node the actor administers (her union or one above it). Audited.
pub async fn grant_role(
    core: &Core,
    actor: &Actor,
    public_id: String,
    change: RoleChange,
) -> Result<UserView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let (user, home) = in_reach(conn, &actor, &public_id)?;
            let (role, org) = role_target(conn, &actor, &home, &change)?;
            grant(conn, user.id, role, org.id)?;
            record_role(conn, &actor, &user, &org, role, AuditAction::GrantRole)?;
            user_view(conn, &user)
        })
    })
    .await
}

/// Revokes a role she holds on a node the actor administers. An administrator cannot
/// revoke her own administration (another administrator must). Audited.
pub async fn revoke_role(
    core: &Core,
    actor: &Actor,
    public_id: String,
    change: RoleChange,
) -> Result<UserView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let (user, home) = in_reach(conn, &actor, &public_id)?;
            let (role, org) = role_target(conn, &actor, &home, &change)?;
            if user.id == actor.user_id && role == Role::Admin {
                return Err(ServiceError::Forbidden);
            }
            let removed = diesel::delete(
                role_grants::table
                    .filter(role_grants::user_id.eq(user.id))
                    .filter(role_grants::role.eq(role))
                    .filter(role_grants::org_id.eq(org.id)),
            )
            .execute(conn)?;
            if removed == 0 {
                return Err(ServiceError::NotFound("role"));
            }
            record_role(conn, &actor, &user, &org, role, AuditAction::RevokeRole)?;
            user_view(conn, &user)
        })
    })
    .await
}

fn record_role(
    conn: &mut DbConn,
    actor: &Actor,
    user: &UserRow,
    org: &OrgRow,
    role: Role,
    action: AuditAction,
) -> QueryResult<()> {
    let detail = json!({ "role": role.as_str(), "org": org.code });
    audit::record(
        conn,
        actor,
        Entry {
            action,
            subject: Some(user.id),
            org: Some(org.id),
            detail: &detail,
        },
    )
}
