//! The audit log of what administrators do to a person: an extra quiz attempt granted, a
//! one-time password link issued, a role granted or revoked. Every such write records one row
//! in the same transaction as the change, so the log never misses a change that happened nor
//! records one that did not. Exports keep their own log (`export_audit`); administrators of
//! the province read both, merged, in [`province_log`].

use diesel::prelude::*;
use serde_json::Value;

use super::actor::Actor;
use super::now;
use crate::db::schema::{audit_log, export_audit, orgs, users};
use crate::db::types::text_enum;
use crate::db::DbConn;
use crate::domain::{mask_name, Role};
use crate::dto::{AuditEntryView, AuditLogView};
use crate::ServiceError;

/// What an administrator did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::AsExpression, diesel::FromSqlRow)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum AuditAction {
    /// Another quiz attempt for a learner whose attempts ran out.
    GrantAttempt,
    /// A one-time password link handed to her in person.
    IssueResetLink,
    GrantRole,
    RevokeRole,
    /// She deleted her own account (PIPL art. 47).
    DeleteAccount,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::GrantAttempt => "grant_attempt",
            AuditAction::IssueResetLink => "issue_reset_link",
            AuditAction::GrantRole => "grant_role",
            AuditAction::RevokeRole => "revoke_role",
            AuditAction::DeleteAccount => "delete_account",
        }
    }

    pub fn parse(text: &str) -> Option<AuditAction> {
        [
            AuditAction::GrantAttempt,
            AuditAction::IssueResetLink,
            AuditAction::GrantRole,
            AuditAction::RevokeRole,
            AuditAction::DeleteAccount,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

text_enum!(AuditAction, AuditAction::parse);

/// One audited action: who did what to whom, under which node, with its details.
pub struct Entry<'a> {
    pub action: AuditAction,
    pub subject: Option<i64>,
    pub org: Option<i64>,
    pub detail: &'a Value,
}

/// Records an action; call it inside the transaction that makes the change.
pub(crate) fn record(conn: &mut DbConn, actor: &Actor, entry: Entry<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(actor.user_id),
            audit_log::action.eq(entry.action),
            audit_log::subject_id.eq(entry.subject),
            audit_log::org_id.eq(entry.org),
            audit_log::detail.eq(entry.detail.to_string()),
            audit_log::at.eq(now()),
        ))
        .execute(conn)
        .map(|_| ())
}

/// One row of the log, as an administrator reads it about a person.
#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub action: AuditAction,
    pub actor_name: String,
    pub detail: String,
    pub at: chrono::NaiveDateTime,
}

/// The latest actions about one person (newest first).
pub(crate) fn about(conn: &mut DbConn, subject: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .inner_join(users::table.on(users::id.eq(audit_log::actor_id)))
        .filter(audit_log::subject_id.eq(subject))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((
            audit_log::action,
            users::name,
            audit_log::detail,
            audit_log::at,
        ))
        .load(conn)
}

/// Entries on one page of the province's log.
const PAGE: i64 = 50;

/// The audit log for administrators of the province (the root of the tree): every action on
/// a person and every export of personal data, newest first, `page` (from 1) of 50.
pub async fn province_log(
    core: &super::Core,
    actor: &Actor,
    page: i64,
) -> Result<AuditLogView, ServiceError> {
    if !(1..=1000).contains(&page) {
        return Err(crate::domain::DomainError::Page.into());
    }
    let actor = actor.clone();
    core.run(move |conn, _| {
        let root: String = orgs::table
            .filter(orgs::parent_id.is_null())
            .order(orgs::id.asc())
            .select(orgs::path)
            .first(conn)?;
        if !actor.holds(Role::Admin, &root) {
            return Err(ServiceError::Forbidden);
        }
        // The newest page × 50 + 1 of each log, merged by time: enough for this page.
        let want = page * PAGE + 1;
        let mut entries = actions(conn, want)?;
        entries.extend(exports(conn, want)?);
        entries.sort_by_key(|e| std::cmp::Reverse(e.0));
        let more = entries.len() as i64 > page * PAGE;
        let entries = entries
            .into_iter()
            .skip(((page - 1) * PAGE) as usize)
            .take(PAGE as usize)
            .map(|(_, view)| view)
            .collect();
        Ok(AuditLogView {
            page,
            entries,
            more,
        })
    })
    .await
}

type Timed = (chrono::NaiveDateTime, AuditEntryView);

/// An action as read for the log: (action, who, subject, union, detail, when).
type ActionRow = (
    AuditAction,
    String,
    Option<i64>,
    Option<String>,
    String,
    chrono::NaiveDateTime,
);

fn entry(at: chrono::NaiveDateTime, who: String, action: &str) -> AuditEntryView {
    AuditEntryView {
        at: crate::time::iso_utc(at),
        at_text: crate::time::china_minute(at),
        who,
        action: action.into(),
        subject: None,
        org: None,
        detail: String::new(),
    }
}

fn actions(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Timed>> {
    let rows: Vec<ActionRow> = audit_log::table
        .inner_join(users::table.on(users::id.eq(audit_log::actor_id)))
        .left_join(orgs::table.on(orgs::id.nullable().eq(audit_log::org_id)))
        .order(audit_log::id.desc())
        .limit(limit)
        .select((
            audit_log::action,
            users::name,
            audit_log::subject_id,
            orgs::name.nullable(),
            audit_log::detail,
            audit_log::at,
        ))
        .load(conn)?;
    let subjects: Vec<i64> = rows.iter().filter_map(|r| r.2).collect();
    let names: std::collections::HashMap<i64, String> = users::table
        .filter(users::id.eq_any(&subjects))
        .select((users::id, users::name))
        .load(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(action, who, subject, org, detail, at)| {
            let mut view = entry(at, who, action.as_str());
            // A deleted account's placeholder name is shown as it is (masking it reads as
            // nonsense); every real name is masked.
            view.subject = subject.and_then(|id| names.get(&id)).map(|n| {
                if n == super::my_data::DELETED_NAME {
                    n.clone()
                } else {
                    mask_name(n)
                }
            });
            view.org = org;
            view.detail = detail;
            (at, view)
        })
        .collect())
}

fn exports(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Timed>> {
    let rows: Vec<(String, String, String, String, chrono::NaiveDateTime)> = export_audit::table
        .inner_join(users::table.on(users::id.eq(export_audit::user_id)))
        .inner_join(orgs::table.on(orgs::id.eq(export_audit::org_id)))
        .order(export_audit::id.desc())
        .limit(limit)
        .select((
            users::name,
            orgs::name,
            export_audit::what,
            export_audit::filters,
            export_audit::exported_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(who, org, what, filters, at)| {
            let mut view = entry(at, who, "export");
            view.org = Some(org);
            let filters: serde_json::Value =
                serde_json::from_str(&filters).unwrap_or(serde_json::Value::Null);
            view.detail = serde_json::json!({ "file": what, "filters": filters }).to_string();
            (at, view)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn actions_round_trip() {
        for action in [
            AuditAction::GrantAttempt,
            AuditAction::IssueResetLink,
            AuditAction::GrantRole,
            AuditAction::RevokeRole,
            AuditAction::DeleteAccount,
        ] {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(AuditAction::parse("grant"), None);
    }
}
