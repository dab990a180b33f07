//! Data shapes sent to clients (REST JSON and Leptos server functions). These compile to wasm.

use serde::{Deserialize, Serialize};

/// The version of the privacy notice users accept at registration (stored with the time).
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11-25";

/// An organisation as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgView {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: String,
    pub parent: Option<String>,
    pub depth: i32,
}

/// A short reference to an organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgRef {
    pub code: String,
    pub name: String,
}

/// One role held on one organisation node (and its whole subtree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleView {
    pub role: String,
    pub org: String,
}

/// A user as the REST API shows her: the phone is always masked here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub org: OrgRef,
    pub roles: Vec<RoleView>,
}

/// What the "my account" page shows the holder herself (her own phone unmasked).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountView {
    pub user: UserView,
    pub own_phone: String,
    pub email: Option<String>,
    pub gender: String,
    pub consent_version: Option<String>,
}

/// The body of every REST error: `{"error":{"code":"…","message":"…","field":"…"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
}

/// A web-uploaded course pack: the checker's report and a learner's-eye preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadView {
    pub id: String,
    pub file_name: String,
    pub course: Option<String>,
    pub version: Option<String>,
    pub title: Option<String>,
    /// `checked` (ready to publish), `rejected` (has problems) or `published`.
    pub status: String,
    pub problems: Vec<String>,
    /// Organisation whose subtree the course is published to.
    pub org: String,
    pub lessons: Vec<LessonPreview>,
    pub questions: usize,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonPreview {
    pub id: String,
    pub title: String,
    pub minutes: u32,
    pub html: String,
}

/// The result of publishing an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishView {
    pub course: String,
    pub version: String,
    /// created, updated, unchanged or restored
    pub outcome: String,
    pub org: String,
}
