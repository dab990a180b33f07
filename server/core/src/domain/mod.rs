//! Domain types that validate on construction: once you hold one, it is valid.
//!
//! Each type has a `parse` constructor returning [`DomainError`], which names the field at fault.

mod device;
mod email;
mod names;
mod org;
mod password;
mod phone;
mod roles;
mod status;

pub use device::device_label;
pub use email::Email;
pub use names::{mask_name, PersonName};
pub use org::{OrgCode, OrgKind, OrgName};
pub use password::Password;
pub use phone::{mask_phone, Phone};
pub use roles::{Gender, Role};
pub use status::{
    AchievementKind, AttendanceMethod, CompetitionLevel, CourseStatus, MemberStatus,
    MessageChannel, SessionState, SignupStatus, SkillSource, UploadStatus,
};

/// Why a value was refused, with the field it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("enter a mainland China mobile number of 11 digits starting with 1")]
    Phone,
    #[error("enter a name of 1 to 50 characters without control or invisible characters")]
    Name,
    #[error("enter a valid email address")]
    Email,
    /// A password of the wrong length, on `field` (`password`, or a form's `new_password`).
    #[error("the password must be 8 to 128 characters long")]
    Password { field: &'static str },
    /// A common or personal password, on `field` (as for [`DomainError::Password`]).
    #[error("this password is too easy to guess: it is one of the most common passwords, one character repeated, or contains your phone number or name; choose another")]
    WeakPassword { field: &'static str },
    #[error("gender must be \"female\" or \"male\"")]
    Gender,
    #[error("role must be one of learner, trainer, admin")]
    Role,
    #[error(
        "an organisation code is 2 to 64 characters of a-z, 0-9 and '-', starting with a letter"
    )]
    OrgCode { field: &'static str },
    #[error("an organisation name is 2 to 100 characters without control characters")]
    OrgName,
    #[error(
        "the code of a union under {parent} starts with \"{parent}-\" (for example {parent}-gulou)"
    )]
    ChildCode { parent: String },
    #[error("kind must be one of district, industry, enterprise")]
    OrgKind,
    #[error("you must accept the privacy notice to register")]
    Consent,
    #[error("tick the box to confirm that the account is to be deleted")]
    DeleteNotConfirmed,
    #[error("give a reason of 1 to 500 characters")]
    Reason,
    #[error("give the place of the class, 1 to 200 characters")]
    Location,
    #[error("a target is a whole number of women from 0 to 100,000,000")]
    Target,
    #[error("give the deadline as YYYY-MM-DD, between 2024 and 2100")]
    Deadline,
    #[error("give the month as YYYY-MM")]
    Month,
    #[error("a page number is a whole number from 1 to 10000000")]
    Page,
    /// A workbook export of more rows than a worksheet holds.
    #[error("this list has {rows} rows and a workbook sheet holds at most 1,048,575: download it as CSV (trained.csv), or narrow it with a filter such as a month or a union")]
    WorkbookRows { rows: i64 },
    #[error("search with a phone number or part of a name, 1 to 50 characters")]
    Search,
    #[error("search with part of a union's name, 1 to 50 characters")]
    OrgSearch,
    #[error("give the class times as RFC 3339 (2026-12-01T09:00:00+08:00), ending after they start and within 12 hours")]
    ClassTimes { field: &'static str },
    #[error("seats are a whole number from 1 to 10,000; leave it empty for no limit")]
    Capacity,
    #[error("{confirmed} women already have a seat; give at least {confirmed} seats")]
    CapacityBelowConfirmed { confirmed: i64 },
    #[error("notes are at most 1,000 characters")]
    Notes,
    #[error("a practical score is a whole number from 0 to 100")]
    Score,
    #[error("this course has no practical assessment to score")]
    NoPractical,
    #[error("mark her present before giving a practical score")]
    ScoreNotPresent,
    #[error("she completed the course with this attendance; it cannot be marked absent")]
    AbsentAfterCompletion,
    #[error("give a phone number or a person to mark")]
    MarkWho,
    #[error("search with at least 2 characters of a name, or the last 4 digits of a phone")]
    LearnerSearch,
    #[error("near must be \"me\"")]
    Near,
    #[error("no skill has this id; see courses/skills.toml")]
    Skill,
    #[error("the level is a whole number from 1 to the skill's number of levels")]
    SkillLevel,
    #[error("the roster action is \"present\" or \"signup\"")]
    RosterAction,
    #[error("give a title of 1 to 100 characters")]
    Title,
    #[error("a description is at most 2,000 characters")]
    Description,
    #[error("level must be one of enterprise, city, province")]
    CompetitionLevel,
    #[error("give the date as YYYY-MM-DD")]
    Date { field: &'static str },
    #[error("registration must close on or after the day it opens")]
    RegistrationDates,
    #[error("kind must be one of patent, technique, wuxiao, zhuqi, other")]
    AchievementKind,
    #[error("the theory round needs its bank (a course with questions), starts_at as RFC 3339, minutes from 1 to 300 and draw from 1 to the bank's size")]
    Theory { field: &'static str },
    #[error("give one to 20 skills, each an id from courses/skills.toml")]
    Skills,
    #[error("a rank is a whole number from 1 to 100,000")]
    Rank,
    #[error("an award is at most 50 characters")]
    Award,
    #[error("min_account_days is a whole number from 0 to 3650")]
    AccountDays,
    #[error("give an attachment of at most 5 MB: a PDF, JPEG or PNG file")]
    Attachment,
    #[error("the leader is an account of the host union's subtree; give her id (the id /api/v1/me returns)")]
    Leader,
    #[error("a member is an account of the host union's subtree (give her id); the leader cannot be removed")]
    Member,
    #[error("a city-level competition is held by a city union or the province union, a province-level one by the province union")]
    LevelAboveOrg,
    #[error("give each result's user (a registrant's id), rank, and optionally score (0 to 100) and award")]
    Results,
}

impl DomainError {
    /// The input field this error belongs to, as named in the REST API.
    pub fn field(&self) -> &'static str {
        match self {
            DomainError::Phone => "phone",
            DomainError::Name => "name",
            DomainError::Email => "email",
            DomainError::Password { field } | DomainError::WeakPassword { field } => field,
            DomainError::Gender => "gender",
            DomainError::Role => "role",
            DomainError::OrgCode { field } => field,
            DomainError::OrgName => "name",
            DomainError::ChildCode { .. } => "code",
            DomainError::OrgKind => "kind",
            DomainError::Consent => "consent",
            DomainError::DeleteNotConfirmed => "confirm",
            DomainError::Reason => "reason",
            DomainError::Target => "target",
            DomainError::Deadline => "deadline",
            DomainError::Month => "month",
            DomainError::Page => "page",
            DomainError::WorkbookRows { .. } => "format",
            DomainError::Search | DomainError::OrgSearch => "q",
            DomainError::Location => "location",
            DomainError::ClassTimes { field } => field,
            DomainError::Capacity | DomainError::CapacityBelowConfirmed { .. } => "capacity",
            DomainError::Notes => "notes",
            DomainError::Score | DomainError::NoPractical | DomainError::ScoreNotPresent => {
                "scores"
            }
            DomainError::AbsentAfterCompletion => "present",
            DomainError::MarkWho => "person",
            DomainError::LearnerSearch => "q",
            DomainError::RosterAction => "action",
            DomainError::Near => "near",
            DomainError::Skill => "skill",
            DomainError::SkillLevel => "level",
            DomainError::Title => "title",
            DomainError::Description => "description",
            DomainError::CompetitionLevel => "level",
            DomainError::Date { field } | DomainError::Theory { field } => field,
            DomainError::RegistrationDates => "registration_closes",
            DomainError::AchievementKind => "kind",
            DomainError::Skills => "skills",
            DomainError::Rank => "rank",
            DomainError::Award => "award",
            DomainError::AccountDays => "min_account_days",
            DomainError::Attachment => "attachment",
            DomainError::Leader => "leader",
            DomainError::Member => "user",
            DomainError::LevelAboveOrg => "level",
            DomainError::Results => "results",
        }
    }
}

/// Characters that must never appear in names: controls, zero-width and bidirectional overrides.
pub(crate) fn is_forbidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}
