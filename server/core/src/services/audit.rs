//! The audit log of what administrators do to a person: an extra quiz attempt granted, a
//! one-time password link issued, a role granted or revoked. Every such write records one row
//! in the same transaction as the change, so the log never misses a change that happened nor
//! records one that did not. Exports keep their own log (`export_audit`).

use diesel::prelude::*;
use serde_json::Value;

use super::actor::Actor;
use super::now;
use crate::db::schema::audit_log;
use crate::db::types::text_enum;
use crate::db::DbConn;

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
    use crate::db::schema::users;
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
