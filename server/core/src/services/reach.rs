//! Who reaches what in the organisation tree, for the modules whose things hang on a union
//! node (studios, competitions, the talent pool): a woman reaches the things of her own union
//! and of the unions above it; an administrator also reaches everything in the subtree she
//! administers. Nothing of a sibling's subtree is reachable.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::actor::Actor;
use crate::db::schema::{orgs, users};
use crate::db::DbConn;
use crate::domain::{Gender, Role};
use crate::ServiceError;

/// A person as these modules need her.
#[derive(Debug, Clone, Queryable)]
pub(crate) struct PersonRow {
    pub id: i64,
    pub public_id: String,
    pub name: String,
    pub gender: Gender,
    pub created_at: NaiveDateTime,
    pub org_path: String,
}

/// The columns of [`PersonRow`], from users joined to their union.
macro_rules! person_query {
    () => {
        users::table.inner_join(orgs::table).select((
            users::id,
            users::public_id,
            users::name,
            users::gender,
            users::created_at,
            orgs::path,
        ))
    };
}

/// The account with this public id, or `None`.
pub(crate) fn find_person(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<PersonRow>> {
    person_query!()
        .filter(users::public_id.eq(public_id.trim()))
        .filter(users::disabled.eq(false))
        .first(conn)
        .optional()
}

/// The account by its row id.
pub(crate) fn person_by_id(conn: &mut DbConn, id: i64) -> QueryResult<PersonRow> {
    person_query!().filter(users::id.eq(id)).first(conn)
}

/// The path of her own union.
pub(crate) fn home_path(conn: &mut DbConn, actor: &Actor) -> QueryResult<String> {
    users::table
        .inner_join(orgs::table)
        .filter(users::id.eq(actor.user_id))
        .select(orgs::path)
        .first(conn)
}

/// Whether `actor`, of the union at `home`, reaches a thing held by the node at `node`.
pub(crate) fn reaches(actor: &Actor, home: &str, node: &str) -> bool {
    home.starts_with(node) || actor.holds(Role::Admin, node)
}

/// 403 unless `actor` reaches the node at `node`.
pub(crate) fn require_reach(
    conn: &mut DbConn,
    actor: &Actor,
    node: &str,
) -> Result<(), ServiceError> {
    let home = home_path(conn, actor)?;
    if reaches(actor, &home, node) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// The subtree a list is narrowed to by `?org=`: none when absent; the node's path when she
/// reaches it or it lies under her own union; 403 for any other node (a sibling's).
pub(crate) fn narrowed_to(
    conn: &mut DbConn,
    actor: &Actor,
    home: &str,
    org: Option<&str>,
) -> Result<Option<String>, ServiceError> {
    let Some(code) = org.map(str::trim).filter(|o| !o.is_empty()) else {
        return Ok(None);
    };
    let node = super::orgs::require(conn, &crate::domain::OrgCode::parse(code, "org")?, "org")?;
    if !reaches(actor, home, &node.path) && !node.path.starts_with(home) {
        return Err(ServiceError::Forbidden);
    }
    Ok(Some(node.path))
}
