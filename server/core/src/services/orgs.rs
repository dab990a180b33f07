//! The union organisation tree: seeding the bundled nodes, subtree listing, the search behind
//! the registration picker, and adding children (one at a time here, in bulk in
//! `org_import`, both through `add_child`, so the rules are checked in one place).
//!
//! Each node stores a materialised path of codes (`/js/js-nj/`); a subtree is the index range
//! `[path, path with its final '/' replaced by '0')`, which stays one range scan at any size.

use diesel::prelude::*;
use serde::Deserialize;

use super::actor::Actor;
use super::{now, Core};
use crate::db::contains_pattern;
use crate::db::models::OrgRow;
use crate::db::schema::orgs;
use crate::db::{unique_violation, write_tx, DbConn, DbError};
use crate::domain::{DomainError, OrgCode, OrgKind, OrgName, Role};
use crate::dto::OrgView;
use crate::ServiceError;

const BUNDLED_TREE: &str = include_str!("../../data/orgs.toml");

#[derive(Deserialize)]
struct BundledTree {
    org: Vec<BundledOrg>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BundledOrg {
    code: String,
    name: String,
    name_en: Option<String>,
    kind: String,
    parent: Option<String>,
}

/// Adds any bundled node that is missing (by code), parents first, in one transaction.
pub fn seed_bundled_tree(conn: &mut DbConn) -> Result<(), DbError> {
    let tree: BundledTree = toml::from_str(BUNDLED_TREE).expect("bundled orgs.toml is valid");
    write_tx(conn, |conn| {
        for org in &tree.org {
            if find_by_code(conn, &org.code)?.is_some() {
                continue;
            }
            let parent = match &org.parent {
                Some(code) => Some(find_by_code(conn, code)?.expect("bundled parents come first")),
                None => None,
            };
            insert(
                conn,
                parent.as_ref(),
                &org.code,
                &org.name,
                org.name_en.as_deref(),
                &org.kind,
            )?;
        }
        Ok::<_, DbError>(())
    })
}

pub(crate) fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<OrgRow>> {
    orgs::table
        .filter(orgs::code.eq(code))
        .select(OrgRow::as_select())
        .first(conn)
        .optional()
}

/// The organisation with `code`, or `UnknownOrg` naming the input `field`.
pub(crate) fn require(
    conn: &mut DbConn,
    code: &OrgCode,
    field: &'static str,
) -> Result<OrgRow, ServiceError> {
    find_by_code(conn, code.as_str())?.ok_or_else(|| ServiceError::UnknownOrg {
        field,
        code: code.as_str().into(),
    })
}

pub(crate) fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<OrgRow> {
    orgs::table.find(id).select(OrgRow::as_select()).first(conn)
}

fn insert(
    conn: &mut DbConn,
    parent: Option<&OrgRow>,
    code: &str,
    name: &str,
    name_en: Option<&str>,
    kind: &str,
) -> QueryResult<OrgRow> {
    let (path, depth) = match parent {
        Some(p) => (format!("{}{code}/", p.path), p.depth + 1),
        None => (format!("/{code}/"), 0),
    };
    diesel::insert_into(orgs::table)
        .values((
            orgs::code.eq(code),
            orgs::name.eq(name),
            orgs::name_en.eq(name_en),
            orgs::kind.eq(kind),
            orgs::parent_id.eq(parent.map(|p| p.id)),
            orgs::path.eq(&path),
            orgs::depth.eq(depth),
            orgs::created_at.eq(now()),
        ))
        .execute(conn)?;
    orgs::table
        .filter(orgs::path.eq(&path))
        .select(OrgRow::as_select())
        .first(conn)
}

/// The node with `code`, which must lie in a subtree she administers (403 otherwise).
pub(crate) fn require_administered(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
) -> Result<OrgRow, ServiceError> {
    let org = require(conn, &OrgCode::parse(code, "org")?, "org")?;
    if !actor.holds(Role::Admin, &org.path) {
        return Err(ServiceError::Forbidden);
    }
    Ok(org)
}

/// The exclusive upper bound of a subtree's path range.
pub(crate) fn subtree_upper_bound(path: &str) -> String {
    let mut upper = path.trim_end_matches('/').to_string();
    upper.push('0');
    upper
}

/// The parent's code, read from the path.
fn parent_code(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    (parts.len() >= 2).then(|| parts[parts.len() - 2].to_string())
}

pub(crate) fn to_view(row: &OrgRow) -> OrgView {
    OrgView {
        code: row.code.clone(),
        name: row.name.clone(),
        name_en: row.name_en.clone(),
        kind: row.kind.clone(),
        parent: parent_code(&row.path),
        depth: row.depth,
    }
}

/// The node `under` and everything below it (down to `levels` below it, if given), by path.
pub async fn subtree(
    core: &Core,
    under: &str,
    levels: Option<i32>,
) -> Result<Vec<OrgView>, ServiceError> {
    let code = OrgCode::parse(under, "under")?;
    core.run(move |conn, _| {
        let root = require(conn, &code, "under")?;
        let mut query = orgs::table
            .filter(orgs::path.ge(root.path.clone()))
            .filter(orgs::path.lt(subtree_upper_bound(&root.path)))
            .select(OrgRow::as_select())
            .order(orgs::path.asc())
            .into_boxed();
        if let Some(levels) = levels {
            query = query.filter(orgs::depth.le(root.depth + levels.max(0)));
        }
        let rows = query.load(conn)?;
        Ok(rows.iter().map(to_view).collect())
    })
    .await
}

/// The node and its direct children, children in the order they were added (the bundled
/// tree lists the cities in their official order), for pickers.
pub async fn with_children(core: &Core, code: &str) -> Result<Vec<OrgView>, ServiceError> {
    let code = OrgCode::parse(code, "org")?;
    core.run(move |conn, _| {
        let root = require(conn, &code, "org")?;
        let children: Vec<OrgRow> = orgs::table
            .filter(orgs::parent_id.eq(root.id))
            .select(OrgRow::as_select())
            .order(orgs::id.asc())
            .load(conn)?;
        Ok(std::iter::once(&root)
            .chain(children.iter())
            .map(to_view)
            .collect())
    })
    .await
}

/// What an administrator sends to add a child organisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    pub parent: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// A node to add under a parent, its values already valid.
pub(crate) struct NewChild<'a> {
    pub code: &'a OrgCode,
    pub name: &'a OrgName,
    pub name_en: Option<&'a OrgName>,
    pub kind: OrgKind,
}

/// A code says where the union stands: it extends its parent's code, so a city cannot mint
/// codes that read as another city's (js-sz cannot make js-wx-…).
pub(crate) fn check_child_code(parent: &OrgRow, code: &OrgCode) -> Result<(), DomainError> {
    if code.as_str().starts_with(&format!("{}-", parent.code)) {
        Ok(())
    } else {
        Err(DomainError::ChildCode {
            parent: parent.code.clone(),
        })
    }
}

/// Adds `child` under `parent` inside the caller's transaction, once the actor administers
/// the parent, the code extends the parent's and no node has it yet.
pub(crate) fn add_child(
    conn: &mut DbConn,
    actor: &Actor,
    parent: &OrgRow,
    child: &NewChild<'_>,
) -> Result<OrgRow, ServiceError> {
    if !actor.holds(Role::Admin, &parent.path) {
        return Err(ServiceError::Forbidden);
    }
    check_child_code(parent, child.code)?;
    if find_by_code(conn, child.code.as_str())?.is_some() {
        return Err(ServiceError::Conflict { field: "code" });
    }
    match insert(
        conn,
        Some(parent),
        child.code.as_str(),
        child.name.as_str(),
        child.name_en.map(OrgName::as_str),
        child.kind.as_str(),
    ) {
        Ok(row) => Ok(row),
        Err(e) if unique_violation(&e).is_some() => Err(ServiceError::Conflict { field: "code" }),
        Err(e) => Err(e.into()),
    }
}

/// Adds a district, industry or enterprise union under a node the actor administers.
pub async fn create(core: &Core, actor: &Actor, input: NewOrg) -> Result<OrgView, ServiceError> {
    let parent_code = OrgCode::parse(&input.parent, "parent")?;
    let code = OrgCode::parse(&input.code, "code")?;
    let name = OrgName::parse(&input.name)?;
    let kind = OrgKind::parse_creatable(&input.kind)?;
    let actor = actor.clone();
    core.run(move |conn, _| {
        write_tx(conn, |conn| {
            let parent = require(conn, &parent_code, "parent")?;
            let child = NewChild {
                code: &code,
                name: &name,
                name_en: None,
                kind,
            };
            add_child(conn, &actor, &parent, &child).map(|row| to_view(&row))
        })
    })
    .await
}

/// The most matches one search returns.
pub const MAX_SEARCH_RESULTS: i64 = 50;

/// The unions below `under` (not `under` itself) whose name contains `q`, wildcards in it
/// taken literally; the shallowest first, then by name; at most `limit` (1 to
/// [`MAX_SEARCH_RESULTS`]). What the registration picker offers as she types.
pub async fn search(
    core: &Core,
    under: &str,
    q: &str,
    limit: i64,
) -> Result<Vec<OrgView>, ServiceError> {
    let code = OrgCode::parse(under, "under")?;
    let q = q.trim().to_string();
    if q.is_empty() || q.chars().count() > 50 {
        return Err(DomainError::OrgSearch.into());
    }
    let limit = limit.clamp(1, MAX_SEARCH_RESULTS);
    core.run(move |conn, _| {
        let root = require(conn, &code, "under")?;
        let rows: Vec<OrgRow> = orgs::table
            .filter(orgs::path.gt(root.path.clone()))
            .filter(orgs::path.lt(subtree_upper_bound(&root.path)))
            .filter(orgs::name.like(contains_pattern(&q)).escape('\\'))
            .order((orgs::depth.asc(), orgs::name.asc(), orgs::id.asc()))
            .limit(limit)
            .select(OrgRow::as_select())
            .load(conn)?;
        Ok(rows.iter().map(to_view).collect())
    })
    .await
}

/// One union by its code.
pub async fn get(core: &Core, code: &str) -> Result<OrgView, ServiceError> {
    let code = OrgCode::parse(code, "org")?;
    core.run(move |conn, _| Ok(to_view(&require(conn, &code, "org")?)))
        .await
}

/// The union `code` if the actor administers it; without a code, the first union she
/// administers. Refused (403) when she administers neither.
pub async fn administered(
    core: &Core,
    actor: &Actor,
    code: Option<String>,
) -> Result<OrgView, ServiceError> {
    let code = match code.filter(|c| !c.trim().is_empty()) {
        Some(code) => code,
        None => actor
            .grants
            .iter()
            .find(|g| g.role == Role::Admin)
            .map(|g| g.org_code.clone())
            .ok_or(ServiceError::Forbidden)?,
    };
    let actor = actor.clone();
    core.run(move |conn, _| Ok(to_view(&require_administered(conn, &actor, &code)?)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_tree_is_valid() {
        let tree: BundledTree = toml::from_str(BUNDLED_TREE).unwrap();
        assert_eq!(tree.org.iter().filter(|o| o.kind == "city").count(), 13);
        for org in &tree.org {
            OrgCode::parse(&org.code, "code").unwrap();
            assert!(OrgKind::from_stored(&org.kind).is_some());
        }
    }

    #[test]
    fn subtree_range() {
        let upper = subtree_upper_bound("/js/js-nj/");
        assert_eq!(upper, "/js/js-nj0");
        for inside in ["/js/js-nj/", "/js/js-nj/a/", "/js/js-nj/zz-9/x/"] {
            assert!(
                inside >= "/js/js-nj/" && inside < upper.as_str(),
                "{inside}"
            );
        }
        for outside in ["/js/js-nj-x/", "/js/js-nt/", "/js/js-nj0/", "/js/"] {
            assert!(
                !(outside >= "/js/js-nj/" && outside < upper.as_str()),
                "{outside}"
            );
        }
        assert_eq!(parent_code("/js/js-nj/x/").as_deref(), Some("js-nj"));
        assert_eq!(parent_code("/js/"), None);
    }
}
