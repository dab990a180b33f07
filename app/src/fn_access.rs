//! Who may call each server function over HTTP: the table the server's `/_fn` gate reads
//! before it decodes a single argument.
//!
//! The gate is fail-closed. A server function without a row here is not callable at all
//! (404), so a new one cannot ship open by accident; the permission matrix test fails until
//! it has a row, and its own row there. The gate decides only what needs no database beyond
//! the session: signed in, staff, administrator. Which union's thing the caller may touch is
//! still each service's check, after the arguments are read; the gate makes sure nobody
//! without the right kind of role learns anything from how an argument is judged.
//!
//! Pages call these functions directly while they render, never through the gate; it guards
//! the HTTP endpoints that forms and islands post to.

/// The callers a server function admits before its arguments are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FnAudience {
    /// Anyone, signed in or not: registration, login, public lookups, verification.
    Anyone,
    /// Anyone signed in: her own learning, classes, account and data.
    SignedIn,
    /// Trainers and administrators of some union: course packs, the classes they run.
    Staff,
    /// Administrators of some union: figures, people, studios, competitions, the audit log.
    Admin,
}

use FnAudience::*;

/// Every server function's endpoint (the name after `/_fn/`) and its audience.
pub const SERVER_FNS: &[(&str, FnAudience)] = &[
    // Accounts (server_fns.rs).
    ("account", Anyone),
    ("top_orgs", Anyone),
    ("search_orgs", Anyone),
    ("find_org", Anyone),
    ("register", Anyone),
    ("login", Anyone),
    ("logout", Anyone),
    ("forgot_password", Anyone),
    ("password_link_state", Anyone),
    ("reset_password", Anyone),
    ("sms_resets", Anyone),
    ("change_password", SignedIn),
    ("change_email", SignedIn),
    // Course packs.
    ("my_uploads", Staff),
    ("upload_scope", Staff),
    ("get_upload", Staff),
    ("publish_upload", Staff),
    // Learning.
    ("catalogue", Anyone),
    ("course_detail", Anyone),
    ("recommended_next", Anyone),
    ("enroll_course", SignedIn),
    ("lesson", SignedIn),
    ("mark_read", SignedIn),
    ("my_enrollments", SignedIn),
    ("start_quiz", SignedIn),
    ("quiz_attempt", SignedIn),
    ("my_learning", SignedIn),
    ("check_in", SignedIn),
    // Certificates: anyone verifies; the certificate itself is its holder's (or its issuer's).
    ("verify_certificate", Anyone),
    ("certificate", SignedIn),
    // Figures and targets.
    ("admin_home", SignedIn),
    ("public_url_warning", Anyone),
    ("org_dashboard", Admin),
    ("evidence_page", Admin),
    ("set_org_target", Admin),
    // Skills and consents.
    ("my_skills", SignedIn),
    ("set_consents", SignedIn),
    // Classes (class_fns.rs).
    ("china_today", Anyone),
    ("near_me_classes", SignedIn),
    ("class_session", SignedIn),
    ("class_scan_pass", Anyone),
    ("class_check_in_link", SignedIn),
    ("sign_up_class", SignedIn),
    ("cancel_class_signup", SignedIn),
    ("class_check_in", SignedIn),
    ("trainer_classes", Staff),
    ("class_attendance", Staff),
    ("class_live_code", Staff),
    ("class_find_learners", Staff),
    ("create_class", Staff),
    ("update_class", Staff),
    ("cancel_class", Staff),
    ("mark_class_attendance", Staff),
    ("set_class_score", Staff),
    // Competitions (competition_fns.rs).
    ("load_competitions", SignedIn),
    ("load_competition", SignedIn),
    ("register_competition", SignedIn),
    ("start_theory", SignedIn),
    ("load_theory", SignedIn),
    ("save_theory", SignedIn),
    ("submit_theory", SignedIn),
    ("create_competition", Admin),
    ("enter_results", Admin),
    // Her own data (my_data_fns.rs).
    ("my_sessions", SignedIn),
    ("end_my_session", SignedIn),
    ("my_data", SignedIn),
    ("delete_my_account", SignedIn),
    // People and unions (staff_fns.rs).
    ("find_people", Admin),
    ("person_detail", Admin),
    ("person_skills", Admin),
    ("grant_extra_attempt", Admin),
    ("issue_reset_link", Admin),
    ("link_qr", Admin),
    ("change_role", Admin),
    ("org_import_scope", Admin),
    ("audit_log", Admin),
    // Studios and the talent pool (studio_fns.rs). A studio's lead need not be an
    // administrator, so its member list and candidates are the service's to decide.
    ("my_studios", SignedIn),
    ("studio_detail", SignedIn),
    ("studio_candidates", SignedIn),
    ("join_studio", SignedIn),
    ("leave_studio", SignedIn),
    ("add_studio_member", SignedIn),
    ("create_studio", Admin),
    ("talent_pool_page", Admin),
    ("org_skills_figures", Admin),
];

/// The audience of the server function at `path` (`/_fn/<endpoint>`), or `None` when no
/// server function of that name has a row: then nobody may call it.
pub fn audience(path: &str) -> Option<FnAudience> {
    let endpoint = path.strip_prefix("/_fn/")?;
    SERVER_FNS
        .iter()
        .find(|(name, _)| *name == endpoint)
        .map(|(_, audience)| *audience)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_endpoint_has_one_row() {
        let mut names: Vec<&str> = SERVER_FNS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "an endpoint is listed twice");
    }

    #[test]
    fn unknown_endpoints_have_no_audience() {
        assert_eq!(audience("/_fn/login"), Some(Anyone));
        assert_eq!(audience("/_fn/audit_log"), Some(Admin));
        assert_eq!(audience("/_fn/audit_log/x"), None);
        assert_eq!(audience("/_fn/"), None);
        assert_eq!(audience("/api/v1/me"), None);
    }
}
