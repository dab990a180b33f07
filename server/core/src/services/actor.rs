//! Who is making a request: a signed-in user and the roles she holds, each valid for an
//! organisation node's whole subtree. Every service that authorises takes an [`Actor`]; this
//! module depends on nothing else in the service layer, so all of them can.

use crate::domain::Role;

/// Who is making a request: a signed-in user and the roles she holds.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub public_id: String,
    pub session_id: i64,
    pub grants: Vec<Grant>,
}

/// A role held on one organisation node, valid for its whole subtree.
#[derive(Debug, Clone)]
pub struct Grant {
    pub role: Role,
    pub org_code: String,
    pub org_path: String,
    pub org_name: String,
    pub org_name_en: Option<String>,
}

impl Actor {
    /// Whether she holds `role` on the node at `org_path` or on one of its ancestors.
    pub fn holds(&self, role: Role, org_path: &str) -> bool {
        self.grants
            .iter()
            .any(|g| g.role == role && org_path.starts_with(&g.org_path))
    }

    /// Whether she holds any of `roles` on some node: the first gate of a staff-only route,
    /// decided before its body is read (the service then checks the node itself).
    pub fn holds_any(&self, roles: &[Role]) -> bool {
        self.grants.iter().any(|g| roles.contains(&g.role))
    }
}
