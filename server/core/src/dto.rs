//! Data shapes sent to clients (REST JSON and Leptos server functions). These compile to wasm.

use serde::{Deserialize, Serialize};

use crate::pack_problems::ReportedProblem;

/// The version of the privacy notice users accept at registration (stored with the time).
pub const PRIVACY_NOTICE_VERSION: &str = "2026-11-27";

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
    /// The English name, where the union has one.
    #[serde(default)]
    pub name_en: Option<String>,
}

/// One role held on one organisation node (and its whole subtree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleView {
    pub role: String,
    pub org: String,
    /// The node's name, for people (the code is for scripts).
    #[serde(default)]
    pub org_name: String,
    #[serde(default)]
    pub org_name_en: Option<String>,
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

/// Every machine-readable error code, shared by the REST API (`{"error":{"code"}}`), server
/// functions and pages, so a page matches on a variant, never on a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Invalid,
    WeakPassword,
    UnknownOrg,
    Conflict,
    BadCredentials,
    Unauthenticated,
    Forbidden,
    NotFound,
    TooManyAttempts,
    TokenInvalid,
    TokenExpired,
    InvalidPack,
    NeedsNewVersion,
    BadUpload,
    PayloadTooLarge,
    PrerequisitesMissing,
    NotEnrolled,
    NoAttemptsLeft,
    AttemptClosed,
    DeadlinePassed,
    ForeignQuestion,
    RateLimited,
    CheckInCode,
    CannotPrint,
    AlreadyRevoked,
    CourseOwned,
    /// The database (or its disk) is not answering for now: 503 with `Retry-After`.
    Unavailable,
    Internal,
    BadRequest,
    Request,
    MalformedJson,
    UnsupportedMediaType,
    Csrf,
    NoGrantNeeded,
    WrongPassword,
    CheckInExpired,
    CheckInOtherSession,
    CheckInClosed,
    CheckInLimited,
    CheckInSessionLimited,
    SessionCancelled,
    SessionStarted,
    NotEligible,
    RegistrationClosed,
    NotRegistered,
    RoundNotStarted,
    RoundOver,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 47] = [
        ErrorCode::Invalid,
        ErrorCode::WeakPassword,
        ErrorCode::UnknownOrg,
        ErrorCode::Conflict,
        ErrorCode::BadCredentials,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::TooManyAttempts,
        ErrorCode::TokenInvalid,
        ErrorCode::TokenExpired,
        ErrorCode::InvalidPack,
        ErrorCode::NeedsNewVersion,
        ErrorCode::BadUpload,
        ErrorCode::PayloadTooLarge,
        ErrorCode::PrerequisitesMissing,
        ErrorCode::NotEnrolled,
        ErrorCode::NoAttemptsLeft,
        ErrorCode::AttemptClosed,
        ErrorCode::DeadlinePassed,
        ErrorCode::ForeignQuestion,
        ErrorCode::RateLimited,
        ErrorCode::CheckInCode,
        ErrorCode::CannotPrint,
        ErrorCode::AlreadyRevoked,
        ErrorCode::CourseOwned,
        ErrorCode::Unavailable,
        ErrorCode::Internal,
        ErrorCode::BadRequest,
        ErrorCode::Request,
        ErrorCode::MalformedJson,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Csrf,
        ErrorCode::NoGrantNeeded,
        ErrorCode::WrongPassword,
        ErrorCode::CheckInExpired,
        ErrorCode::CheckInOtherSession,
        ErrorCode::CheckInClosed,
        ErrorCode::CheckInLimited,
        ErrorCode::CheckInSessionLimited,
        ErrorCode::SessionCancelled,
        ErrorCode::SessionStarted,
        ErrorCode::NotEligible,
        ErrorCode::RegistrationClosed,
        ErrorCode::NotRegistered,
        ErrorCode::RoundNotStarted,
        ErrorCode::RoundOver,
    ];

    /// The code as sent in JSON (`"not_found"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Invalid => "invalid",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::UnknownOrg => "unknown_org",
            ErrorCode::Conflict => "conflict",
            ErrorCode::BadCredentials => "bad_credentials",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::TokenInvalid => "token_invalid",
            ErrorCode::TokenExpired => "token_expired",
            ErrorCode::InvalidPack => "invalid_pack",
            ErrorCode::NeedsNewVersion => "needs_new_version",
            ErrorCode::BadUpload => "bad_upload",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::PrerequisitesMissing => "prerequisites_missing",
            ErrorCode::NotEnrolled => "not_enrolled",
            ErrorCode::NoAttemptsLeft => "no_attempts_left",
            ErrorCode::AttemptClosed => "attempt_closed",
            ErrorCode::DeadlinePassed => "deadline_passed",
            ErrorCode::ForeignQuestion => "foreign_question",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::CheckInCode => "check_in_code",
            ErrorCode::CannotPrint => "cannot_print",
            ErrorCode::AlreadyRevoked => "already_revoked",
            ErrorCode::CourseOwned => "course_owned",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Request => "request",
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Csrf => "csrf",
            ErrorCode::NoGrantNeeded => "no_grant_needed",
            ErrorCode::WrongPassword => "wrong_password",
            ErrorCode::CheckInExpired => "check_in_expired",
            ErrorCode::CheckInOtherSession => "check_in_other_session",
            ErrorCode::CheckInClosed => "check_in_closed",
            ErrorCode::CheckInLimited => "check_in_limited",
            ErrorCode::CheckInSessionLimited => "check_in_session_limited",
            ErrorCode::SessionCancelled => "session_cancelled",
            ErrorCode::SessionStarted => "session_started",
            ErrorCode::NotEligible => "not_eligible",
            ErrorCode::RegistrationClosed => "registration_closed",
            ErrorCode::NotRegistered => "not_registered",
            ErrorCode::RoundNotStarted => "round_not_started",
            ErrorCode::RoundOver => "round_over",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub field: Option<String>,
    /// Every invalid field when a form had several (`field` is the first of them).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fields: Vec<String>,
    /// Each competition rule she misses (`not_eligible`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub reasons: Vec<EligibilityMiss>,
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
    /// Every problem as one English line, `path:line: message`.
    pub problems: Vec<String>,
    /// The same problems with their file, line, English message, code and arguments, for
    /// saying them in the reader's language (see [`crate::pack_problems`]).
    #[serde(default)]
    pub report: Vec<ReportedProblem>,
    /// What the trainer should fix though the pack can be published: study time that does not
    /// add up, a small question bank (see `packs::depth`). Same shape as `report`.
    #[serde(default)]
    pub warnings: Vec<ReportedProblem>,
    /// Code of the organisation whose subtree the course is published to.
    pub org: String,
    /// Its name, `江苏省苏州市总工会`.
    #[serde(default)]
    pub org_name: String,
    #[serde(default)]
    pub org_name_en: Option<String>,
    pub lessons: Vec<LessonPreview>,
    pub questions: usize,
    /// UTC, `2026-11-27 11:26 UTC`.
    pub created_at: String,
    /// The same time in China, `2026-11-27 19:26`, for people.
    #[serde(default)]
    pub created_at_china: String,
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

/// A skill a course builds, at a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillLevelView {
    pub skill: String,
    pub level: u8,
    /// The skill's Chinese name (数字生活).
    #[serde(default)]
    pub name: String,
    /// The skill's English name (Digital life).
    #[serde(default)]
    pub name_en: Option<String>,
}

/// A course in the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseSummary {
    pub id: String,
    pub version: String,
    pub title: String,
    pub title_en: Option<String>,
    /// 1 基础 · 2 进阶 · 3 高级
    pub tier: i32,
    /// online · offline · blended
    pub mode: String,
    pub hours: f64,
    pub summary: String,
    pub skills: Vec<SkillLevelView>,
    pub lesson_count: usize,
    pub enrolled: bool,
    pub lessons_read: usize,
    pub completed: bool,
    /// The summary in English, when the pack has one.
    #[serde(default)]
    pub summary_en: Option<String>,
    /// For a signed-in learner not enrolled yet: the prerequisites she has still to complete
    /// before she may enrol (empty when the course is open to her, and for visitors).
    #[serde(default)]
    pub locked_by: Vec<PrerequisiteView>,
}

/// A lesson in a course's outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonOutline {
    pub id: String,
    pub title: String,
    pub minutes: i32,
    pub read: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizRulesView {
    pub draw: i32,
    pub pass_mark: i32,
    pub max_attempts: i32,
    pub time_limit_minutes: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionRulesView {
    pub lessons: bool,
    pub quiz: bool,
    pub attendance: bool,
    /// A practical score of at least this mark (1–100), given by the trainer at the class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practical_pass_mark: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrerequisiteView {
    pub id: String,
    pub title: String,
    pub completed: bool,
    #[serde(default)]
    pub title_en: Option<String>,
}

/// A course page: the summary, its lessons, rules and the viewer's progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: CourseSummary,
    pub lessons: Vec<LessonOutline>,
    pub quiz: Option<QuizRulesView>,
    pub completion: CompletionRulesView,
    pub prerequisites: Vec<PrerequisiteView>,
    /// Her standing in the quiz, when she is enrolled and the course has one.
    #[serde(default)]
    pub my_quiz: Option<QuizStanding>,
    /// Her check-in at one of the course's classes, once she attended.
    #[serde(default)]
    pub my_check_in: Option<CheckInView>,
    /// The course's classes that have not ended, soonest first.
    #[serde(default)]
    pub sessions: Vec<ClassSessionView>,
}

/// One lesson to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonView {
    pub id: String,
    pub title: String,
    pub html: String,
    pub minutes: i32,
    pub read: bool,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub course: String,
    pub course_title: String,
    /// Its place in the course, 1-based ("第 2/4 课").
    #[serde(default)]
    pub position: usize,
    #[serde(default)]
    pub count: usize,
    #[serde(default)]
    pub course_title_en: Option<String>,
}

/// A learner's enrolment and progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentView {
    pub course: String,
    pub title: String,
    pub tier: i32,
    pub enrolled_at: String,
    pub lessons_read: usize,
    pub lesson_count: usize,
    pub completed_at: Option<String>,
    /// The course title in English, when the pack has one.
    #[serde(default)]
    pub title_en: Option<String>,
}

/// A choice as the learner sees it: an opaque id and the text (never whether it is right).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionView {
    pub id: String,
    pub text: String,
}

/// The kind of a quiz question: one right option, several, true or false, or a text to fill in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    Fill,
}

impl QuestionKind {
    pub fn parse(s: &str) -> Option<QuestionKind> {
        match s {
            "single" => Some(QuestionKind::Single),
            "multiple" => Some(QuestionKind::Multiple),
            "true_false" => Some(QuestionKind::TrueFalse),
            "fill" => Some(QuestionKind::Fill),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "true_false",
            QuestionKind::Fill => "fill",
        }
    }
}

/// A question as served in an attempt, without its answer or explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptQuestion {
    pub id: String,
    pub kind: QuestionKind,
    pub text: String,
    pub options: Vec<OptionView>,
}

/// A learner's answer: option ids for choice questions, a truth value, or a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerInput {
    Choices(Vec<String>),
    Truth(bool),
    Text(String),
}

/// A started attempt: `POST /api/v1/courses/{id}/quiz/attempts` → 201.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub id: String,
    /// The course's id (code), for the way back to it.
    #[serde(default)]
    pub course: String,
    /// RFC 3339 UTC, or null without a time limit.
    pub deadline: Option<String>,
    /// The same deadline in China time, `2026-11-27 19:26`, for people.
    #[serde(default)]
    pub deadline_china: Option<String>,
    pub questions: Vec<AttemptQuestion>,
    /// What she saved so far (answers survive a reload).
    pub answers: std::collections::BTreeMap<String, AnswerInput>,
}

/// Her standing in a course's quiz: attempts used and left, whether she passed, her best
/// score. `allowed` and `left` are null when attempts are unlimited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizStanding {
    pub used: i32,
    /// The course's limit plus any attempts granted by an administrator.
    pub allowed: Option<i32>,
    pub left: Option<i32>,
    /// Attempts granted beyond the course's limit.
    pub granted: i32,
    pub passed: bool,
    pub best_score: Option<i32>,
    pub pass_mark: i32,
    /// An attempt she started and has not handed in (the way back to it).
    pub open_attempt: Option<String>,
}

/// An attempt with what its page needs around it: `GET` of the quiz page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptPage {
    pub attempt: AttemptView,
    pub result: Option<SubmitResult>,
    pub standing: QuizStanding,
    pub course_title: String,
    #[serde(default)]
    pub course_title_en: Option<String>,
    /// Her certificate of this course, once issued.
    pub certificate: Option<String>,
    /// Her place among the women trained in the drive, once trained.
    pub place_in_drive: Option<i64>,
    /// What the course still needs before it completes (none once completed).
    #[serde(default)]
    pub still_needed: Option<StillNeeded>,
}

/// What a course still needs from her beyond the quiz.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StillNeeded {
    pub lessons_unread: usize,
    /// The first lesson she has not read, to go on from.
    pub first_unread: Option<String>,
    /// The course needs her at a class (checked in), and she has not been.
    pub attendance: bool,
}

/// Her check-in at a class of the course: when (China time) and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInView {
    pub at: String,
    pub location: String,
}

/// One graded question, shown after submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionResult {
    pub id: String,
    pub correct: bool,
    /// The right answer, only once the course's `reveal` rule allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<AnswerInput>,
    /// The explanation, shown with the right answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// The graded attempt: `{score, passed, results}`; identical for every repeat of a submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitResult {
    /// Percent, 0..=100.
    pub score: u32,
    pub passed: bool,
    pub results: Vec<QuestionResult>,
    /// Whether right answers and explanations are shown (the course's `reveal` rule:
    /// `never`, `after_pass` or `after_last_attempt`).
    #[serde(default)]
    pub answers_revealed: bool,
    /// The course's rule, so a page can say when answers will be shown.
    #[serde(default)]
    pub reveal: String,
}

/// One of her certificates: `GET /api/v1/me/certificates` → `[{serial, course, issued_at}]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyCertificateView {
    pub serial: String,
    /// The course title.
    pub course: String,
    pub course_id: String,
    pub issued_at: String,
    /// The issue date in China time (UTC+8), `2026-11-25`.
    pub issued_on: String,
    pub revoked: bool,
    /// The course's English title (as the course now has it), when there is one.
    #[serde(default)]
    pub course_en: Option<String>,
}

/// What anyone may learn from a serial: `GET /api/v1/certificates/{serial}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateStatusView {
    pub serial: String,
    pub valid: bool,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
    /// Masked: 张*红.
    pub holder: String,
    /// The course title.
    pub course: String,
    pub course_id: String,
    pub hours: f64,
    pub tier: i32,
    pub issued_at: String,
    /// The issue date in China time (UTC+8), `2026-11-25`.
    pub issued_on: String,
    /// The issuing union's name.
    pub issuer: String,
    pub issuer_code: String,
    /// The page anyone can open to check it.
    pub verify_url: String,
    /// The course's English title (as the course now has it) and the issuing union's
    /// English name, where they exist; the certificate itself stays as issued.
    #[serde(default)]
    pub course_en: Option<String>,
    #[serde(default)]
    pub issuer_en: Option<String>,
}

/// The holder's own view of a certificate: the public facts plus her full name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateView {
    pub status: CertificateStatusView,
    pub holder_name: String,
    /// The QR code of `verify_url`, as SVG markup made by the server.
    pub qr_svg: String,
}

/// A published credential-signing key (`GET /api/v1/certificate-keys`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningKeyView {
    /// `{public_url}/api/v1/certificate-keys/{key_id}`: the proofs' `verificationMethod`.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub key_id: String,
    /// Multikey form: `z` + base58btc(0xed 0x01 ‖ 32-byte Ed25519 public key).
    #[serde(rename = "publicKeyMultibase")]
    pub public_key_multibase: String,
    pub created_at: String,
    pub retired_at: Option<String>,
}

/// The outcome of checking a credential: `POST /api/v1/credentials/verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialCheck {
    /// The signature verifies with a key Qihang published.
    pub signature_valid: bool,
    /// The signature verifies, Qihang issued a certificate with this serial, the credential
    /// says exactly what was issued, and the certificate is not revoked.
    pub valid: bool,
    pub revoked: bool,
    /// Qihang's records hold a certificate with the credential's serial.
    #[serde(default)]
    pub issued: bool,
    /// The credential's content (without its proof) is the one issued under that serial.
    #[serde(default)]
    pub matches_issued: bool,
    pub serial: Option<String>,
    /// Why it failed, when it did.
    pub problem: Option<String>,
}

/// An in-person class session of a course (线下课). Times are UTC (RFC 3339); `*_local` are
/// the same times in China time for display. `code` is the live check-in code, shown to those
/// who run the class only; `attendees` likewise (empty for learners).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassSessionView {
    pub id: String,
    pub course: String,
    pub org: String,
    pub location: String,
    pub starts_at: String,
    pub ends_at: String,
    pub code: Option<String>,
    pub attendees: Vec<AttendeeView>,
    #[serde(default)]
    pub course_title: String,
    #[serde(default)]
    pub course_title_en: Option<String>,
    #[serde(default)]
    pub org_name: String,
    #[serde(default)]
    pub org_name_en: Option<String>,
    /// Seats; `None` is unlimited.
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub notes: String,
    /// `scheduled` or `cancelled`.
    #[serde(default)]
    pub state: String,
    /// Signed up with a seat.
    #[serde(default)]
    pub confirmed: i64,
    #[serde(default)]
    pub waitlisted: i64,
    /// Seats left (`None` when unlimited).
    #[serde(default)]
    pub seats_left: Option<i64>,
    /// Start and end in China time, `2026-12-01 09:00`.
    #[serde(default)]
    pub starts_local: String,
    #[serde(default)]
    pub ends_local: String,
    /// The viewer's own sign-up, if any.
    #[serde(default)]
    pub my_signup: Option<SignupView>,
    /// The viewer was checked in (present).
    #[serde(default)]
    pub my_present: bool,
    /// Check-in is open now (30 minutes before the start until the end, not cancelled).
    #[serde(default)]
    pub check_in_open: bool,
    /// The class has not started yet (sign-up and cancelling are possible).
    #[serde(default)]
    pub upcoming: bool,
    /// The viewer runs the class (its trainer, or a trainer or administrator of its union).
    #[serde(default)]
    pub can_manage: bool,
    /// The course needs a practical score, and the mark that passes.
    #[serde(default)]
    pub practical_pass_mark: Option<i32>,
}

/// Someone who attended (masked for everyone but herself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendeeView {
    pub name: String,
    pub phone: String,
    pub method: String,
    pub checked_in_at: String,
}

/// `POST /api/v1/sessions/{id}/signup` → her place: `confirmed`, or `waitlisted` with her
/// position in the wait-list (1 = next to get a seat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignupView {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

/// `GET /api/v1/sessions/{id}/code`: the live check-in code, the link the QR code carries
/// (same window), when the code stops being shown, and the QR code as SVG.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInCodeView {
    pub code: String,
    pub url: String,
    pub expires_at: String,
    /// Whole seconds until `expires_at` (so a client needs no clock of its own).
    pub expires_in: i64,
    pub qr_svg: String,
    pub check_in_open: bool,
}

/// `POST /api/v1/sessions/{id}/checkin` → she is present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckInResultView {
    pub status: String,
    pub checked_in_at: String,
    pub session: String,
    pub course: String,
    pub course_title: String,
    #[serde(default)]
    pub course_title_en: Option<String>,
    pub location: String,
    /// The course is complete (this attendance finished it, or it was already).
    pub completed: bool,
    /// A practical score is still needed from the trainer.
    pub awaiting_score: bool,
}

/// One line of a session's attendance list: everyone signed up and everyone present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendanceRowView {
    /// Her account's public id (for marks and scores).
    pub person: String,
    /// In full for the class's own trainer (she calls the roll); masked for others.
    pub name: String,
    pub phone: String,
    /// `confirmed`, `waitlisted`, or `None` for a walk-in.
    pub signup: Option<String>,
    pub position: Option<i64>,
    pub present: bool,
    /// `code`, `qr`, `trainer`, `roster`.
    pub method: Option<String>,
    pub checked_in_at: Option<String>,
    /// China time, `09:03`.
    pub checked_in_local: Option<String>,
    pub practical_score: Option<i32>,
    pub completed: bool,
}

/// `GET /api/v1/sessions/{id}/attendance`: the session's own fields (as `GET
/// /api/v1/sessions/{id}`, so the original mark response keeps its shape) and the register.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttendanceListView {
    #[serde(flatten)]
    pub session: ClassSessionView,
    pub rows: Vec<AttendanceRowView>,
    pub present: i64,
    /// Whether names and phones are shown in full (the class's own trainer).
    pub full_names: bool,
}

/// The classes a trainer runs, and what she may open new ones for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerSessionsView {
    /// Not ended yet, soonest first (cancelled ones included, marked).
    pub upcoming: Vec<ClassSessionView>,
    /// Ended in the last 30 days, most recent first.
    pub past: Vec<ClassSessionView>,
    /// Published courses she may open classes of.
    pub courses: Vec<CourseChoice>,
    /// Unions she may run classes for (her trainer and administrator grants).
    pub orgs: Vec<OrgChoice>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseChoice {
    pub id: String,
    pub title: String,
    pub title_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
}

/// What a roster upload did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterReport {
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Rows that were (or would be) applied: marked present or signed up.
    pub applied: usize,
    /// Rows already present or signed up: nothing to change.
    pub already: usize,
    /// Bad rows; nothing is written while there is one.
    pub problems: Vec<RosterProblem>,
}

/// One bad roster row: its line in the file (the header is line 1), the column and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterProblem {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

/// One skill of her profile: the highest level she holds that is not withdrawn (0: none left),
/// the evidence behind every level (newest first), and the course that would take her higher.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillView {
    pub skill: String,
    pub name: String,
    pub name_en: String,
    pub level: i32,
    pub level_name: String,
    /// The framework's level names, lowest first.
    pub levels: Vec<String>,
    pub evidence: Vec<SkillEvidenceView>,
    pub next_course: Option<CourseChoice>,
}

/// What one level rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillEvidenceView {
    /// `course`, `confirmation` or `competition`.
    pub source: String,
    pub level: i32,
    pub level_name: String,
    pub course: Option<String>,
    pub course_title: Option<String>,
    /// Who confirmed it (a trainer or studio leader), with why.
    pub confirmed_by: Option<String>,
    pub reason: Option<String>,
    pub recorded_at: String,
    /// China date.
    pub recorded_on: String,
    pub withdrawn: bool,
    pub withdrawn_reason: Option<String>,
    /// The competition whose result it is (its id and title), with the award.
    #[serde(default)]
    pub competition: Option<String>,
    #[serde(default)]
    pub competition_title: Option<String>,
    #[serde(default)]
    pub award: Option<String>,
}

/// Her consents per purpose (PIPL), separate from registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentView {
    /// Studios and competition organisers in her union's subtree may see her skills.
    pub skills_visible: bool,
    /// She may appear in the talent pool.
    pub talent_pool: bool,
    pub updated_at: Option<String>,
}

/// One of her upcoming classes, for 我的学习: with the reminder line once it is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyClassView {
    pub session: ClassSessionView,
    /// The class starts within a day: the page shows it as a reminder.
    pub soon: bool,
}

/// One of her quiz attempts, for her learning page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub id: String,
    pub course: String,
    pub course_title: String,
    pub started_at: String,
    /// The start date in China time (UTC+8).
    pub started_on: String,
    pub submitted_at: Option<String>,
    pub score: Option<i32>,
    pub passed: Option<bool>,
    #[serde(default)]
    pub course_title_en: Option<String>,
}

/// Her learning page: `GET /api/v1/me/learning`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyLearningView {
    pub enrollments: Vec<EnrollmentView>,
    pub certificates: Vec<MyCertificateView>,
    pub attempts: Vec<AttemptSummary>,
    /// Her place among the women trained in the drive (first completion order), once trained.
    pub place_in_drive: Option<i64>,
    pub recommended: Option<CourseSummary>,
    /// Her classes that have not ended, soonest first.
    #[serde(default)]
    pub classes: Vec<MyClassView>,
}

/// Figures of one bucket (a tier, a mode, a course, a month): women first, then all learners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsBucketView {
    pub bucket: String,
    /// Distinct women trained (first completion in this bucket).
    pub trained: i64,
    /// Courses completed by women, and their course-hours.
    pub completions: i64,
    pub hours: f64,
    pub learners_trained: i64,
    pub all_completions: i64,
    pub all_hours: f64,
}

/// One child node in the drill-down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildStatsView {
    pub org: String,
    pub name: String,
    pub trained: i64,
    pub completions: i64,
    pub target: Option<i64>,
    /// Course-hours completed by women (as `StatsBucketView::hours`).
    #[serde(default)]
    pub hours: f64,
    /// The same figures for all learners (women and men).
    #[serde(default)]
    pub learners_trained: i64,
    #[serde(default)]
    pub all_completions: i64,
    #[serde(default)]
    pub all_hours: f64,
    /// The English name, where the union has one.
    #[serde(default)]
    pub name_en: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseStatsView {
    pub title: String,
    #[serde(flatten)]
    pub stats: StatsBucketView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthStatsView {
    /// Women trained up to and including this month.
    pub cumulative: i64,
    #[serde(flatten)]
    pub stats: StatsBucketView,
}

/// Whether the children's targets add up to the node's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheckView {
    pub target: i64,
    pub children_sum: i64,
    pub children_without_target: usize,
    pub adds_up: bool,
}

/// A node's dashboard: `GET /api/v1/orgs/{code}/stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgStatsView {
    pub org: OrgRef,
    /// Distinct women with a course completed since the drive began, counted at the union
    /// they belonged to at their first completion.
    pub trained: i64,
    pub target: Option<i64>,
    pub deadline: Option<String>,
    pub percent: Option<f64>,
    /// Courses completed by women in the drive, and their course-hours.
    pub completions: i64,
    pub hours: f64,
    /// The same figures for all learners (women and men).
    pub all_learners: StatsBucketView,
    pub pace_needed_per_month: Option<i64>,
    /// Women newly trained per month, over the last 90 days.
    pub pace_last_90_days: i64,
    pub projected_at_deadline: Option<i64>,
    pub projected_reach_date: Option<String>,
    pub by_child: Vec<ChildStatsView>,
    pub targets_check: Option<TargetCheckView>,
    pub by_tier: Vec<StatsBucketView>,
    pub by_mode: Vec<StatsBucketView>,
    pub by_month: Vec<MonthStatsView>,
    pub by_course: Vec<CourseStatsView>,
    pub drive_start: String,
    pub as_of: String,
    /// Women newly trained per 30 days, averaged over `pace_window_days`: the last 90 days,
    /// or the days since the node's first completion when that is more recent. Unrounded.
    #[serde(default)]
    pub pace_per_30_days: f64,
    #[serde(default)]
    pub pace_window_days: i64,
    /// Days since the node's first completion in the drive (0 before it has one); a
    /// projection needs [`PROJECTION_MIN_DAYS`].
    #[serde(default)]
    pub history_days: i64,
    /// What `projected_at_deadline` and `projected_reach_date` amount to.
    pub projection: ProjectionStatus,
    /// The parent node (none for the province).
    #[serde(default)]
    pub parent: Option<OrgRef>,
    /// Whether the viewer may set this node's target (an administrator of its parent; for
    /// the province, of the province).
    #[serde(default)]
    pub can_set_target: bool,
}

/// Days of data (since a node's first completion in the drive) before its dashboard projects
/// the recent pace forward: a few weeks of a young drive swing too much to plan on.
pub const PROJECTION_MIN_DAYS: i64 = 60;

/// The last year a projected date is given for; later ones read "not before 2100".
pub const PROJECTION_LAST_YEAR: i32 = 2100;

/// Whether, and how, a node's recent pace projects onto its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectionStatus {
    /// The node has no target to project against.
    NoTarget,
    /// The target is met already.
    Reached,
    /// Fewer than [`PROJECTION_MIN_DAYS`] days of data: nothing is projected.
    NotEnoughData,
    /// At the recent pace the target is met on `projected_reach_date`.
    OnDate,
    /// At the recent pace the target is not met before [`PROJECTION_LAST_YEAR`] ends (or
    /// ever, with nobody trained lately).
    #[serde(rename = "after_2100")]
    After2100,
}

/// Which completions: the dashboard's breakdowns as filters.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvidenceFilter {
    pub tier: Option<i32>,
    pub mode: Option<String>,
    pub course: Option<String>,
    /// `YYYY-MM` (China time).
    pub month: Option<String>,
    /// A child node's code: only completions attributed inside it.
    pub org: Option<String>,
    /// Only each woman's first completion (the "trained" figure itself).
    #[serde(default)]
    pub first_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRow {
    pub name: String,
    pub phone: String,
    pub org: String,
    pub org_name: String,
    pub course: String,
    pub course_title: String,
    pub completed_at: String,
    /// The quiz attempt that passed, and its score, when the course has a quiz.
    pub attempt: Option<String>,
    pub score: Option<i64>,
    /// The class session she attended, when the course requires attendance.
    pub session: Option<String>,
    /// Her first completion in the drive: the one that made her count.
    pub first: bool,
    /// The completion date in China time (`2026-11-27`).
    #[serde(default)]
    pub completed_on: String,
    /// Lessons she had read when she completed (recorded for every completion).
    #[serde(default)]
    pub lessons_read: Option<i64>,
    /// Which of her attempts at the course passed (1 for her first), while the attempt is on
    /// record.
    #[serde(default)]
    pub attempt_number: Option<i64>,
    /// Where the class she attended took place, and its day in China time, while the
    /// session is on record.
    #[serde(default)]
    pub class_place: Option<String>,
    #[serde(default)]
    pub class_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidencePage {
    pub org: String,
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    pub rows: Vec<EvidenceRow>,
}

/// A person an administrator found in her part of the tree (`GET /api/v1/people?q=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonSummary {
    pub id: String,
    pub name: String,
    /// In full: the administrator of her union may call her.
    pub phone: String,
    pub org: OrgRef,
}

/// One of her courses as her union's administrator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonCourseView {
    pub course: String,
    pub title: String,
    pub completed: bool,
    pub quiz: Option<QuizStanding>,
}

/// Something an administrator did about her (the audit log), newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditView {
    /// `grant_attempt`, `issue_reset_link`, `grant_role`, `revoke_role`.
    pub action: String,
    pub by: String,
    /// China time, `2026-11-27 19:26`.
    pub at: String,
    pub detail: String,
}

/// A person in full for her union's administrator (`GET /api/v1/people/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonView {
    #[serde(flatten)]
    pub person: PersonSummary,
    pub has_email: bool,
    pub roles: Vec<RoleView>,
    pub courses: Vec<PersonCourseView>,
    pub audit: Vec<AuditView>,
}

/// A one-time password link an administrator hands her in person (link and QR code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetLinkView {
    pub url: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// China time, for people.
    pub expires_china: String,
    pub qr_svg: String,
}

/// What is wrong with one row of a union import (`POST /api/v1/orgs/{code}/orgs/import`),
/// typed so that pages say it in their own language; the report's `reason` says it in
/// English for API clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OrgRowProblem {
    /// The header has no column for this field (line 1).
    MissingColumn,
    /// The CSV line cannot be read (an unclosed quote, …).
    Unreadable,
    /// Not a code: 2 to 64 of a-z, 0-9 and '-', starting with a letter.
    Code,
    /// The code does not start with its parent's code and a hyphen.
    ChildCode { parent: String },
    /// An earlier line of the file has the same code.
    Duplicate { first_line: usize },
    /// A union with this code exists already.
    Taken,
    /// Not a name of 2 to 100 characters without invisible ones.
    Name,
    /// The same, for the English name.
    NameEn,
    /// Not one of district, industry, enterprise (or 区县, 产业, 企业).
    Kind,
    /// No union has the parent code, and no line of the file adds it.
    UnknownParent { parent: String },
    /// The parent is added on a later line: parents come first.
    ParentLater { parent: String, line: usize },
    /// The parent exists but is not part of the union the import is for.
    OutsideSubtree { parent: String, root: String },
}

impl OrgRowProblem {
    /// The problem in English, for the report's `reason`.
    pub fn english(&self) -> String {
        match self {
            OrgRowProblem::MissingColumn => "the header has no column for this field".into(),
            OrgRowProblem::Unreadable => "this line cannot be read as CSV".into(),
            OrgRowProblem::Code => {
                "a code is 2 to 64 characters of a-z, 0-9 and '-', starting with a letter".into()
            }
            OrgRowProblem::ChildCode { parent } => {
                format!("the code of a union under {parent} starts with \"{parent}-\"")
            }
            OrgRowProblem::Duplicate { first_line } => {
                format!("the same code is already on line {first_line}")
            }
            OrgRowProblem::Taken => "a union with this code exists already".into(),
            OrgRowProblem::Name => {
                "a name is 2 to 100 characters without invisible characters".into()
            }
            OrgRowProblem::NameEn => {
                "an English name is 2 to 100 characters without invisible characters".into()
            }
            OrgRowProblem::Kind => "kind must be district, industry or enterprise".into(),
            OrgRowProblem::UnknownParent { parent } => {
                format!("no union has the parent code {parent:?}, and no earlier line adds it")
            }
            OrgRowProblem::ParentLater { parent, line } => {
                format!(
                    "the parent {parent} is added on line {line}: put parents before their unions"
                )
            }
            OrgRowProblem::OutsideSubtree { parent, root } => {
                format!("the parent {parent} is not part of {root}")
            }
        }
    }
}

/// One bad row of a union import: its line (the header is line 1), the column and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgImportProblem {
    pub line: usize,
    /// `code`, `name`, `name_en`, `kind`, `parent`, or `row` for a line that cannot be read.
    pub field: String,
    pub problem: OrgRowProblem,
    pub reason: String,
}

/// The outcome of a union import: what was checked, what was (or would be) added, and every
/// bad row. Nothing is written when any row is bad, nor on a dry run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrgImportReport {
    pub dry_run: bool,
    /// `utf-8`, `gbk` or `xlsx`.
    pub encoding: String,
    /// The union the file was imported into.
    pub org: String,
    pub rows: usize,
    /// Unions (to be) added: the rows without problems.
    pub created: usize,
    pub problems: Vec<OrgImportProblem>,
    /// Written only when nothing was wrong and it was not a dry run.
    pub written: bool,
}

/// A skill as lists name it: its id in `courses/skills.toml` and its names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillRef {
    pub skill: String,
    pub name: String,
    pub name_en: String,
}

/// A woman's level in one skill, as studios, rankings and the talent pool show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelView {
    pub skill: String,
    pub name: String,
    pub level: i32,
    pub level_name: String,
}

/// A person named in a list: her public id and name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: String,
    pub name: String,
}

/// An innovation studio (女职工创新工作室) with its figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudioView {
    pub id: String,
    pub name: String,
    pub org: String,
    pub org_name: String,
    pub leader: PersonRef,
    pub skills: Vec<SkillRef>,
    pub description: String,
    pub members: i64,
    /// Courses completed by its members (each member's completions counted once each).
    pub completions: i64,
    pub achievements: i64,
    /// China date.
    pub created_on: String,
    /// The viewer's own standing: `invited`, `requested`, `member`, or null.
    pub my_status: Option<String>,
    /// Whether the viewer leads it or administers its union (members, achievements, recruiting).
    pub may_manage: bool,
}

/// One person of a studio, with her levels in its skills when she consents to show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudioMemberView {
    pub user: String,
    pub name: String,
    pub org_name: String,
    /// `invited`, `requested` or `member`.
    pub status: String,
    /// China date of the latest change.
    pub since: String,
    /// Null when she has not consented to studios seeing her skills.
    pub levels: Option<Vec<LevelView>>,
    pub completions: i64,
}

/// A dated achievement of a studio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AchievementView {
    pub id: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// `patent`, `technique`, `wuxiao`, `zhuqi` or `other`.
    pub kind: String,
    pub title: String,
    pub description: String,
    pub attachment_name: Option<String>,
    /// Where the attachment is downloaded, when there is one.
    pub attachment_url: Option<String>,
}

/// A studio's page: the studio, its members (and, for its managers, those invited or asking),
/// and its achievements, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudioPage {
    pub studio: StudioView,
    pub members: Vec<StudioMemberView>,
    pub pending: Vec<StudioMemberView>,
    pub achievements: Vec<AchievementView>,
}

/// A consenting woman of the host's subtree the leader may recruit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateView {
    pub user: String,
    pub name: String,
    pub org: String,
    pub org_name: String,
    pub level: i32,
    pub level_name: String,
    /// Her standing with this studio already, if any.
    pub status: Option<String>,
}

/// A competition's eligibility rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct EligibilityView {
    pub min_levels: std::collections::BTreeMap<String, i32>,
    pub women_only: bool,
    #[serde(default)]
    pub min_account_days: i32,
    /// Open only to members of this node's subtree (a node under the organiser's); null for
    /// the organiser's whole subtree.
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub org_name: Option<String>,
}

/// One rule a woman misses, with what it asks and what she has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EligibilityMiss {
    /// `min_level`, `women_only`, `org` or `account_age`.
    pub rule: String,
    pub skill: Option<String>,
    pub level: Option<i32>,
    pub have: Option<i32>,
    pub message: String,
    pub message_zh: String,
}

/// A competition's online theory round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheoryView {
    /// The course whose question bank it draws from.
    pub bank: String,
    pub starts_at: String,
    /// China time, `2026-12-01 09:00`.
    pub starts_at_china: String,
    pub ends_at_china: String,
    pub minutes: i32,
    pub draw: i32,
    /// `upcoming`, `open` or `over`.
    pub state: String,
}

/// A skills competition (技能竞赛).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompetitionView {
    pub id: String,
    pub title: String,
    pub org: String,
    pub org_name: String,
    /// `enterprise`, `city` or `province`.
    pub level: String,
    pub skills: Vec<SkillRef>,
    pub eligibility: EligibilityView,
    pub registration_opens: String,
    pub registration_closes: String,
    /// Whether today (China) lies in the registration dates.
    pub registration_open: bool,
    pub theory: Option<TheoryView>,
    pub registrations: i64,
    pub results: i64,
    /// Whether the viewer registered.
    pub registered: bool,
    /// The rules the viewer misses (empty when she may register).
    pub misses: Vec<EligibilityMiss>,
    /// Whether the viewer organises it (an administrator of its union).
    pub may_manage: bool,
    /// The viewer's theory attempt, once started.
    pub my_attempt: Option<String>,
    /// The viewer's theory score, once submitted.
    pub my_score: Option<i32>,
}

/// One line of the theory round's ranking: by score, then by the time taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingRow {
    pub rank: i64,
    pub user: String,
    pub name: String,
    pub org_name: String,
    pub score: i32,
    /// Seconds from her start to her submission.
    pub seconds: i64,
}

/// What she sees once her theory answers are in (no keys: the round may still be running).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TheoryResult {
    pub competition: String,
    pub score: i32,
    pub right: i32,
    pub total: i32,
    pub seconds: i64,
}

/// A final result entered by the organiser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    pub user: String,
    pub name: String,
    pub rank: i32,
    pub score: Option<i32>,
    pub award: Option<String>,
}

/// An award she won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AwardView {
    pub competition: String,
    pub title: String,
    /// The competition's level: `enterprise`, `city` or `province`.
    pub level: String,
    pub award: String,
    pub rank: i32,
    /// China date the result was entered.
    pub on: String,
}

/// One woman of the talent pool (人才库).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TalentEntry {
    pub user: String,
    pub name: String,
    pub org: String,
    pub org_name: String,
    pub skills: Vec<LevelView>,
    pub awards: Vec<AwardView>,
    pub studios: Vec<String>,
    /// An award at city level or above: a candidate for honours nominations.
    pub honours: bool,
}

/// The drive's skills figures for a subtree's dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SkillsFigures {
    /// Women at each level per skill (her highest level counts once).
    pub levels: Vec<SkillLevelCount>,
    pub studios: i64,
    /// The drive's goal of studios (100, province-wide).
    pub studio_goal: i64,
    pub competitions: i64,
    pub registrations: i64,
    pub results: i64,
    pub talent_pool: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillLevelCount {
    pub skill: String,
    pub name: String,
    /// Women at level 1, 2, … (index 0 is level 1).
    pub women: Vec<i64>,
    pub level_names: Vec<String>,
}

/// A skill of the framework with its level names (lowest first), for forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillDef {
    pub skill: String,
    pub name: String,
    pub name_en: String,
    pub levels: Vec<String>,
}

/// One of her signed-in sessions: `GET /api/v1/me/sessions`. Times are UTC (`…Z`); the
/// `…_text` twins are China time to the minute, for pages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    /// An opaque handle (`DELETE /api/v1/me/sessions/{id}` ends it); not the token.
    pub id: String,
    /// "Android · 微信", or empty when the browser said nothing recognisable.
    pub device: String,
    pub created_at: String,
    pub last_seen_at: Option<String>,
    pub created_text: String,
    pub last_seen_text: Option<String>,
    /// The session this request came from.
    pub current: bool,
}

/// Everything Qihang holds about her (PIPL art. 45): `GET /api/v1/me/export`, and the page
/// "我的数据". Times are UTC (`…Z`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyDataExport {
    pub exported_at: String,
    pub account: MyAccountData,
    pub roles: Vec<MyRoleData>,
    pub consents: ConsentView,
    pub enrolments: Vec<MyEnrolmentData>,
    pub attempts: Vec<MyAttemptData>,
    pub attendance: Vec<MyAttendanceData>,
    pub certificates: Vec<MyCertificateView>,
    pub skills: Vec<MySkillData>,
    pub sessions: Vec<SessionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyAccountData {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    pub gender: String,
    pub org: String,
    pub org_name: String,
    pub created_at: String,
    /// The privacy notice she agreed to at registration, and when.
    pub consent_version: Option<String>,
    pub consent_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyRoleData {
    pub role: String,
    pub org: String,
    pub org_name: String,
    pub granted_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyEnrolmentData {
    pub course_id: String,
    pub course: String,
    pub enrolled_at: String,
    pub completed_at: Option<String>,
    pub lessons_completed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyAttemptData {
    pub id: String,
    pub course_id: String,
    pub started_at: String,
    pub submitted_at: Option<String>,
    pub score: Option<i32>,
    pub passed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyAttendanceData {
    pub session: String,
    pub course_id: String,
    pub location: String,
    pub starts_at: String,
    pub checked_in_at: String,
    /// `code`, `qr`, `trainer` or `roster`.
    pub method: String,
    pub practical_score: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MySkillData {
    pub skill: String,
    pub skill_name: String,
    pub level: i32,
    pub source: String,
    pub recorded_at: String,
    pub withdrawn_at: Option<String>,
}

/// One entry of the province's audit log: an administrator's action on a person, her own
/// account deletion, or an export of personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntryView {
    /// UTC (`…Z`), and China time to the minute for pages.
    pub at: String,
    pub at_text: String,
    /// Who acted.
    pub who: String,
    /// `grant_attempt`, `issue_reset_link`, `grant_role`, `revoke_role`, `delete_account`
    /// or `export`.
    pub action: String,
    /// The person acted on (masked), when there is one.
    pub subject: Option<String>,
    /// The union it was done under.
    pub org: Option<String>,
    /// The action's details: the course, the role, or what was exported with which filters.
    pub detail: String,
}

/// `GET /api/v1/audit?page=N`: the newest entries first, 50 a page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditLogView {
    pub page: i64,
    pub entries: Vec<AuditEntryView>,
    /// Whether an older page exists.
    pub more: bool,
}
