//! The service layer's error type. Adapters map it to HTTP (REST) or to page messages, once each.
//!
//! Use a specific variant for anything the user can act on; `Internal` is for faults, whose cause
//! is logged by the adapter and never shown to the client.

use crate::db::DbError;
use crate::domain::DomainError;
use crate::dto::ErrorCode;
use crate::packs::archive::ArchiveError;
use crate::packs::ProblemKind;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A value failed validation (422), naming the field.
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// Several values failed validation at once (422): every field of a form is reported
    /// together, so she fixes them in one go.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidFields(Vec<DomainError>),
    /// An organisation code that does not exist (422), naming the field.
    #[error("no organisation has the code {code:?}")]
    UnknownOrg { field: &'static str, code: String },
    /// The value is already taken (409), naming the field.
    #[error("{field} is already registered")]
    Conflict { field: &'static str },
    /// Wrong password or unknown account: one message for both (401).
    #[error("wrong phone/email or password")]
    BadCredentials,
    /// Her current password, asked again before a change to her account, is wrong (422, on
    /// `current_password`): not 401, as her session is fine.
    #[error("the current password is not right")]
    WrongPassword { field: &'static str },
    /// No valid session (401).
    #[error("sign in first")]
    Unauthenticated,
    /// Signed in, but not allowed (403).
    #[error("you are not allowed to do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Too many failed logins for this account or address (429).
    #[error("too many failed sign-in attempts; try again in 15 minutes")]
    TooManyAttempts,
    /// Too many password checks already wait for a hashing thread (503 with `Retry-After`):
    /// nothing was changed.
    #[error("many people are signing in or registering at once; nothing was changed; try again in a few seconds")]
    Busy,
    /// A reset or set-up link that does not exist or was already used (400).
    #[error("this link is not valid or has already been used")]
    TokenInvalid,
    /// A reset or set-up link past its expiry time (400).
    #[error("this link has expired; ask for a new one")]
    TokenExpired,
    /// Course packs with problems (422); each line is `path:line: message`.
    #[error("the course pack has problems:\n{}", problems.join("\n"))]
    InvalidPack { problems: Vec<String> },
    /// The same course version is already imported with other content (409).
    #[error("course {course} version {version} is already imported with different content; bump version in course.toml")]
    NeedsNewVersion { course: String, version: String },
    /// An uploaded zip that cannot be accepted (422): unsafe, not a zip, wrong contents.
    #[error("{0}")]
    BadUpload(String),
    /// An upload over the size limits (413).
    #[error("{0}")]
    UploadTooLarge(String),
    /// An uploaded zip refused while unpacking (422; 413 over a size limit), kept whole so
    /// pages can say why in their own language.
    #[error(transparent)]
    BadArchive(#[from] ArchiveError),
    /// Enrolling before completing the prerequisites (409), naming them.
    #[error("complete these courses first: {}", missing.join(", "))]
    PrerequisitesMissing { missing: Vec<String> },
    /// Reading a course's lessons without enrolling (403).
    #[error("enrol in the course first")]
    NotEnrolled,
    /// All allowed quiz attempts are used (409).
    #[error("all {max} attempts of this quiz are used")]
    NoAttemptsLeft { max: u32 },
    /// Granting another attempt to a learner who still has one, or has passed (409).
    #[error("she still has quiz attempts left or has already passed; nothing to grant")]
    NoGrantNeeded,
    /// The attempt was already submitted (409).
    #[error("this attempt is already submitted")]
    AttemptClosed,
    /// The attempt's time is up (409); it is graded on the answers saved before the deadline.
    #[error("the time for this attempt is up; it was graded on the answers saved in time")]
    DeadlinePassed,
    /// An answer to a question this attempt did not serve (422).
    #[error("question {id:?} is not part of this attempt")]
    ForeignQuestion { id: String },
    /// Too many failed lookups or check-ins from one address or account (429).
    #[error("too many {what}; try again in 15 minutes")]
    RateLimited { what: &'static str },
    /// A check-in code that is wrong, or not open now for this course (422).
    #[error("this check-in code is not valid for a class of this course that is open now")]
    CheckInCode,
    /// A check-in code of an earlier window of this class (422): the code on the screen has
    /// changed since.
    #[error("this check-in code has expired; enter the code now on the trainer's screen, or scan the QR code again")]
    CheckInExpired,
    /// The code of another class that is open now (422): she is at the wrong class's page.
    #[error(
        "this is the check-in code of another class; open the check-in of the class you are in"
    )]
    CheckInOtherSession,
    /// Check-in of this class is not open now (409): it opens 30 minutes before the start
    /// and closes at the end.
    #[error("check-in of this class is open from {opens} to {closes} (China time)")]
    CheckInClosed { opens: String, closes: String },
    /// Too many wrong check-in codes from her (429).
    #[error("too many wrong check-in codes from you; ask the trainer to mark you present, or try again in 15 minutes")]
    CheckInLimited,
    /// Too many wrong check-in codes at this class from everyone (429): someone is guessing.
    #[error("too many wrong check-in codes at this class; ask the trainer to mark you present")]
    CheckInSessionLimited,
    /// The class was cancelled (409).
    #[error("this class was cancelled")]
    SessionCancelled,
    /// Signing up, cancelling a sign-up or editing after the class began (409).
    #[error("this class has already started")]
    SessionStarted,
    /// The certificate font has no glyph for these characters (422): printing would drop them.
    #[error("the PDF font cannot print {chars} in this certificate; the certificate page shows it, and an administrator can help")]
    CannotPrint { chars: String },
    /// The certificate is already revoked (409).
    #[error("this certificate is already revoked")]
    AlreadyRevoked,
    /// The course id belongs to another union or source (409), naming the owner.
    #[error("the course id {course:?} belongs to {owner}{}; only its own trainers and administrators can publish new versions, so give this pack another id", if *bundled { " as a bundled course, replaced only from its folder" } else { "" })]
    CourseOwned {
        course: String,
        owner: String,
        bundled: bool,
    },
    /// A fault: database down, bug. Logged with its cause, never detailed to clients (500).
    /// She misses competition rules: each named, with the skill and level.
    #[error("you do not meet this competition's rules: {}", misses.iter().map(|m| m.message.as_str()).collect::<Vec<_>>().join("; "))]
    NotEligible {
        misses: Vec<crate::dto::EligibilityMiss>,
    },
    #[error("registration for this competition is open from {opens} to {closes}")]
    RegistrationClosed { opens: String, closes: String },
    #[error("register for the competition first")]
    NotRegistered,
    #[error("the theory round starts at {starts} (China time); start it then")]
    RoundNotStarted { starts: String },
    #[error("the theory round is over")]
    RoundOver,
    #[error("internal error: {0}")]
    Internal(#[source] Fault),
}

/// The cause of an internal error, kept whole for the log (and for code that must tell a
/// unique-key race from other database errors); never shown to clients.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error("database: {0}")]
    Db(#[source] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[source] r2d2::Error),
    #[error("{0}")]
    Other(String),
}

impl Fault {
    /// Whether the database is out of reach for now rather than the request at fault: no
    /// connection could be had (PostgreSQL down or restarting), the connection was lost, or
    /// SQLite's disk is full or its file busy past the timeout. Such faults answer 503 with
    /// `Retry-After`; nothing was written.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            Fault::Pool(_) => true,
            Fault::Db(Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => true,
            Fault::Db(Error::DatabaseError(_, info)) => {
                let message = info.message().to_ascii_lowercase();
                [
                    "database or disk is full",
                    "disk i/o error",
                    "database is locked",
                    "server closed the connection",
                    "terminating connection",
                    "could not connect",
                    "the database system is starting up",
                    "the database system is shutting down",
                    "no space left on device",
                ]
                .iter()
                .any(|m| message.contains(m))
            }
            Fault::Db(Error::BrokenTransactionManager) => true,
            _ => false,
        }
    }

    /// Whether this is a unique-constraint violation (recognised by kind, not by text).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            Fault::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

impl ServiceError {
    /// The stable machine-readable code used in REST errors and page messages.
    pub fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Invalid(DomainError::WeakPassword { .. }) => ErrorCode::WeakPassword,
            ServiceError::Invalid(_) | ServiceError::InvalidFields(_) => ErrorCode::Invalid,
            ServiceError::UnknownOrg { .. } => ErrorCode::UnknownOrg,
            ServiceError::Conflict { .. } => ErrorCode::Conflict,
            ServiceError::BadCredentials => ErrorCode::BadCredentials,
            ServiceError::WrongPassword { .. } => ErrorCode::WrongPassword,
            ServiceError::Unauthenticated => ErrorCode::Unauthenticated,
            ServiceError::Forbidden => ErrorCode::Forbidden,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::TooManyAttempts => ErrorCode::TooManyAttempts,
            ServiceError::TokenInvalid => ErrorCode::TokenInvalid,
            ServiceError::TokenExpired => ErrorCode::TokenExpired,
            ServiceError::InvalidPack { .. } => ErrorCode::InvalidPack,
            ServiceError::NeedsNewVersion { .. } => ErrorCode::NeedsNewVersion,
            ServiceError::BadUpload(_) => ErrorCode::BadUpload,
            ServiceError::PrerequisitesMissing { .. } => ErrorCode::PrerequisitesMissing,
            ServiceError::NotEnrolled => ErrorCode::NotEnrolled,
            ServiceError::NoAttemptsLeft { .. } => ErrorCode::NoAttemptsLeft,
            ServiceError::AttemptClosed => ErrorCode::AttemptClosed,
            ServiceError::NoGrantNeeded => ErrorCode::NoGrantNeeded,
            ServiceError::DeadlinePassed => ErrorCode::DeadlinePassed,
            ServiceError::ForeignQuestion { .. } => ErrorCode::ForeignQuestion,
            ServiceError::UploadTooLarge(_) => ErrorCode::PayloadTooLarge,
            ServiceError::BadArchive(e) if e.is_too_large() => ErrorCode::PayloadTooLarge,
            ServiceError::BadArchive(_) => ErrorCode::BadUpload,
            ServiceError::RateLimited { .. } => ErrorCode::RateLimited,
            ServiceError::CheckInCode => ErrorCode::CheckInCode,
            ServiceError::CheckInExpired => ErrorCode::CheckInExpired,
            ServiceError::CheckInOtherSession => ErrorCode::CheckInOtherSession,
            ServiceError::CheckInClosed { .. } => ErrorCode::CheckInClosed,
            ServiceError::CheckInLimited => ErrorCode::CheckInLimited,
            ServiceError::CheckInSessionLimited => ErrorCode::CheckInSessionLimited,
            ServiceError::SessionCancelled => ErrorCode::SessionCancelled,
            ServiceError::SessionStarted => ErrorCode::SessionStarted,
            ServiceError::CannotPrint { .. } => ErrorCode::CannotPrint,
            ServiceError::AlreadyRevoked => ErrorCode::AlreadyRevoked,
            ServiceError::CourseOwned { .. } => ErrorCode::CourseOwned,
            ServiceError::NotEligible { .. } => ErrorCode::NotEligible,
            ServiceError::RegistrationClosed { .. } => ErrorCode::RegistrationClosed,
            ServiceError::NotRegistered => ErrorCode::NotRegistered,
            ServiceError::RoundNotStarted { .. } => ErrorCode::RoundNotStarted,
            ServiceError::RoundOver => ErrorCode::RoundOver,
            ServiceError::Internal(fault) if fault.is_unavailable() => ErrorCode::Unavailable,
            ServiceError::Busy => ErrorCode::Unavailable,
            ServiceError::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            ServiceError::Invalid(e) => Some(e.field()),
            ServiceError::InvalidFields(errors) => errors.first().map(DomainError::field),
            ServiceError::UnknownOrg { field, .. } | ServiceError::Conflict { field } => {
                Some(field)
            }
            ServiceError::ForeignQuestion { .. } => Some("answers"),
            ServiceError::CheckInCode
            | ServiceError::CheckInExpired
            | ServiceError::CheckInOtherSession => Some("code"),
            ServiceError::WrongPassword { field } => Some(field),
            ServiceError::CannotPrint { .. } => Some("name"),
            ServiceError::CourseOwned { .. } => Some("id"),
            ServiceError::NotEligible { .. } => Some("eligibility"),
            _ => None,
        }
    }

    /// Every field this error is about (one, several for a whole form, or none).
    pub fn fields(&self) -> Vec<&'static str> {
        match self {
            ServiceError::InvalidFields(errors) => errors.iter().map(DomainError::field).collect(),
            other => other.field().into_iter().collect(),
        }
    }

    /// The HTTP status of this error, decided once for REST and server functions alike.
    pub fn http_status(&self) -> u16 {
        match self {
            ServiceError::Invalid(_)
            | ServiceError::InvalidFields(_)
            | ServiceError::UnknownOrg { .. }
            | ServiceError::InvalidPack { .. }
            | ServiceError::BadUpload(_)
            | ServiceError::ForeignQuestion { .. }
            | ServiceError::CheckInCode
            | ServiceError::CheckInExpired
            | ServiceError::CheckInOtherSession
            | ServiceError::WrongPassword { .. }
            | ServiceError::CannotPrint { .. }
            | ServiceError::NotEligible { .. } => 422,
            ServiceError::Conflict { .. }
            | ServiceError::NeedsNewVersion { .. }
            | ServiceError::PrerequisitesMissing { .. }
            | ServiceError::NoAttemptsLeft { .. }
            | ServiceError::AttemptClosed
            | ServiceError::NoGrantNeeded
            | ServiceError::DeadlinePassed
            | ServiceError::AlreadyRevoked
            | ServiceError::CheckInClosed { .. }
            | ServiceError::SessionCancelled
            | ServiceError::SessionStarted
            | ServiceError::CourseOwned { .. }
            | ServiceError::RegistrationClosed { .. }
            | ServiceError::RoundNotStarted { .. }
            | ServiceError::RoundOver => 409,
            ServiceError::BadCredentials | ServiceError::Unauthenticated => 401,
            ServiceError::Forbidden | ServiceError::NotEnrolled | ServiceError::NotRegistered => {
                403
            }
            ServiceError::NotFound(_) => 404,
            ServiceError::TooManyAttempts
            | ServiceError::RateLimited { .. }
            | ServiceError::CheckInLimited
            | ServiceError::CheckInSessionLimited => 429,
            ServiceError::TokenInvalid | ServiceError::TokenExpired => 400,
            ServiceError::UploadTooLarge(_) => 413,
            ServiceError::BadArchive(e) if e.is_too_large() => 413,
            ServiceError::BadArchive(_) => 422,
            ServiceError::Internal(fault) if fault.is_unavailable() => 503,
            ServiceError::Busy => 503,
            ServiceError::Internal(_) => 500,
        }
    }

    /// The message safe to show a client (internal causes are hidden).
    pub fn public_message(&self) -> String {
        match self {
            ServiceError::Internal(fault) if fault.is_unavailable() => {
                "the database is not answering for a moment and nothing was saved; try again \
                 shortly"
                    .into()
            }
            ServiceError::Internal(_) => {
                "something went wrong on our side; please try again".into()
            }
            other => other.to_string(),
        }
    }
}

impl ServiceError {
    /// The course-pack problem behind this error, for pages to tell in their language.
    pub fn pack_problem(&self) -> Option<ProblemKind> {
        match self {
            ServiceError::BadArchive(e) => Some(e.problem()),
            _ => None,
        }
    }

    /// An internal fault described in words (no error value to keep).
    pub fn internal(cause: impl Into<String>) -> Self {
        ServiceError::Internal(Fault::Other(cause.into()))
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(e: diesel::result::Error) -> Self {
        ServiceError::Internal(Fault::Db(e))
    }
}

impl From<DbError> for ServiceError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Query(e) => ServiceError::Internal(Fault::Db(e)),
            DbError::Pool(e) => ServiceError::Internal(Fault::Pool(e)),
            other => ServiceError::internal(other.to_string()),
        }
    }
}

impl From<r2d2::Error> for ServiceError {
    fn from(e: r2d2::Error) -> Self {
        ServiceError::Internal(Fault::Pool(e))
    }
}
