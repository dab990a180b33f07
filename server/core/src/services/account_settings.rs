//! Her own account settings (issue 11.7): changing her password, and adding, changing or
//! removing her email address (a woman may have only a phone).
//!
//! Both need her current password, so a session left open on a shared phone cannot be used
//! to take the account over. A wrong one counts as a failed login for her phone from that
//! address (`accounts::login_locked`), so the limits of login apply: past them, 429 before
//! any check. A new password must pass the same strength check as at registration and
//! reset; once it is set, her other sessions end and outstanding reset links stop working,
//! while the session she changed it from stays signed in.
//!
//! Builds on `accounts` (its hashing, failure counting and views); `accounts` never calls
//! this module.

use diesel::prelude::*;
use serde::Deserialize;

use super::accounts::{
    account_view, login_locked, record_login_failure, DUPLICATE_REGISTRATIONS_PER_ADDRESS,
};
use super::actor::Actor;
use super::passwords::{hash_password, verify_password};
use super::{now, throttle, Core};
use crate::db::models::UserRow;
use crate::db::schema::{password_tokens, sessions, users};
use crate::db::{unique_violation, write_tx, DbConn};
use crate::domain::{DomainError, Email, Password};
use crate::dto::AccountView;
use crate::ServiceError;

/// The field a new password's problems are reported on.
const NEW_PASSWORD: &str = "new_password";

/// A password change, as sent to `PUT /api/v1/me/password`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// An email change, as sent to `PUT /api/v1/me/email`: a null or empty `email` removes it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChange {
    #[serde(default)]
    pub email: Option<String>,
    pub current_password: String,
}

/// A new password's refusal, reported on `new_password` (the form's field) rather than
/// `password`.
fn on_new_password(error: DomainError) -> DomainError {
    match error {
        DomainError::Password { .. } => DomainError::Password {
            field: NEW_PASSWORD,
        },
        DomainError::WeakPassword { .. } => DomainError::WeakPassword {
            field: NEW_PASSWORD,
        },
        other => other,
    }
}

/// Her row, once `password` is her current password. A wrong one is counted as a failed
/// login for her phone from `client_ip`; past the login limits, refused before checking.
fn confirm_current_password(
    conn: &mut DbConn,
    user_id: i64,
    password: &str,
    client_ip: &str,
) -> Result<UserRow, ServiceError> {
    confirm_password_on(conn, user_id, password, client_ip, "current_password")
}

/// As [`confirm_current_password`], a wrong password reported on `field`.
pub(crate) fn confirm_password_on(
    conn: &mut DbConn,
    user_id: i64,
    password: &str,
    client_ip: &str,
    field: &'static str,
) -> Result<UserRow, ServiceError> {
    let user: UserRow = users::table
        .find(user_id)
        .select(UserRow::as_select())
        .first(conn)?;
    if login_locked(conn, &user.phone, client_ip)? {
        return Err(ServiceError::TooManyAttempts);
    }
    let right = user
        .password_hash
        .as_deref()
        .is_some_and(|stored| verify_password(password, stored));
    if !right {
        record_login_failure(conn, &user.phone, client_ip)?;
        return Err(ServiceError::WrongPassword { field });
    }
    Ok(user)
}

/// Changes her password. Her other sessions are revoked and unused password links voided;
/// the session she is using stays signed in.
pub async fn change_password(
    core: &Core,
    actor: &Actor,
    input: PasswordChange,
    client_ip: String,
) -> Result<(), ServiceError> {
    let new_password = Password::parse(&input.new_password).map_err(on_new_password)?;
    let (user_id, this_session) = (actor.user_id, actor.session_id);
    core.run(move |conn, _| {
        let user = confirm_current_password(conn, user_id, &input.current_password, &client_ip)?;
        new_password
            .check_strength(&[&user.phone, &user.name])
            .map_err(on_new_password)?;
        let password_hash = hash_password(&new_password)?;
        write_tx(conn, |conn| {
            diesel::update(users::table.find(user.id))
                .set(users::password_hash.eq(password_hash))
                .execute(conn)?;
            end_other_sessions(conn, user.id, this_session)?;
            Ok(())
        })
    })
    .await
}

/// Revokes every live session of the user but `keep`, and voids her unused reset and set-up
/// links (one asked for before the change must not undo it).
fn end_other_sessions(conn: &mut DbConn, user_id: i64, keep: i64) -> QueryResult<()> {
    let at = now();
    diesel::update(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::revoked_at.is_null())
            .filter(sessions::id.ne(keep)),
    )
    .set(sessions::revoked_at.eq(at))
    .execute(conn)?;
    diesel::update(
        password_tokens::table
            .filter(password_tokens::user_id.eq(user_id))
            .filter(password_tokens::used_at.is_null()),
    )
    .set(password_tokens::used_at.eq(at))
    .execute(conn)?;
    Ok(())
}

/// Sets, changes or (with no address) removes her email; returns her account. An address
/// another account has is a conflict on `email`; such conflicts are counted per address with
/// registrations of taken addresses, so this cannot be used to test addresses in bulk.
pub async fn change_email(
    core: &Core,
    actor: &Actor,
    input: EmailChange,
    client_ip: String,
) -> Result<AccountView, ServiceError> {
    let email = match input.email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(Email::parse(text)?),
    };
    let user_id = actor.user_id;
    core.run(move |conn, _| {
        if throttle::exhausted(
            conn,
            throttle::DUPLICATE_REGISTRATION,
            &client_ip,
            DUPLICATE_REGISTRATIONS_PER_ADDRESS,
        )? {
            return Err(ServiceError::RateLimited {
                what: "changes to email addresses already registered",
            });
        }
        let user = confirm_current_password(conn, user_id, &input.current_password, &client_ip)?;
        let changed = write_tx(conn, |conn| set_email(conn, &user, email.as_ref()));
        if matches!(changed, Err(ServiceError::Conflict { .. })) {
            write_tx(conn, |conn| {
                throttle::record(conn, throttle::DUPLICATE_REGISTRATION, &client_ip)
            })?;
        }
        let user = changed?;
        account_view(conn, &user)
    })
    .await
}

/// Writes her new email (or none), refusing one another account has; returns her row.
fn set_email(
    conn: &mut DbConn,
    user: &UserRow,
    email: Option<&Email>,
) -> Result<UserRow, ServiceError> {
    if let Some(email) = email {
        let taken: i64 = users::table
            .filter(users::email.eq(email.as_str()))
            .filter(users::id.ne(user.id))
            .count()
            .get_result(conn)?;
        if taken > 0 {
            return Err(ServiceError::Conflict { field: "email" });
        }
    }
    // A change racing this one is caught by the unique key.
    let updated = diesel::update(users::table.find(user.id))
        .set(users::email.eq(email.map(Email::as_str)))
        .execute(conn);
    if let Err(error) = updated {
        return Err(match unique_violation(&error) {
            Some(_) => ServiceError::Conflict { field: "email" },
            None => error.into(),
        });
    }
    Ok(users::table
        .find(user.id)
        .select(UserRow::as_select())
        .first(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_password_problems_name_the_new_password_field() {
        let short = Password::parse("short")
            .map_err(on_new_password)
            .unwrap_err();
        assert_eq!(short.field(), "new_password");
        let weak = Password::parse("12345678")
            .unwrap()
            .check_strength(&[])
            .map_err(on_new_password)
            .unwrap_err();
        assert_eq!(
            weak,
            DomainError::WeakPassword {
                field: "new_password"
            }
        );
        assert_eq!(on_new_password(DomainError::Email), DomainError::Email);
    }
}
