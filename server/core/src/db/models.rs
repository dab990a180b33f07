//! Rows as loaded from the database (field order follows `schema.rs`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;
use crate::domain::MessageChannel;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orgs)]
pub struct OrgRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub path: String,
    pub depth: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub gender: String,
    pub org_id: i64,
    pub consent_version: Option<String>,
    pub consent_at: Option<NaiveDateTime>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = password_tokens)]
pub struct PasswordTokenRow {
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub purpose: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub attempts: i32,
    pub locked_until: Option<NaiveDateTime>,
    pub locked_by: Option<String>,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub channel: MessageChannel,
}
