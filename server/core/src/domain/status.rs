//! States and methods stored as text: a course's publication state, an upload's, how an
//! attendance was recorded, and how a queued message reaches her. Written with `as_str`, read back with `parse` (an unknown value in
//! the database is an error, see `db::types`).

/// Whether a course is in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum CourseStatus {
    Published,
    /// Gone from its folder: kept (learners' records stay), not listed.
    Archived,
}

/// Where a web upload of a course pack stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum UploadStatus {
    /// Clean: it may be published.
    Checked,
    /// The checker found problems.
    Rejected,
    Published,
}

/// How she was recorded present at a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum AttendanceMethod {
    /// She entered the class's check-in code.
    Code,
    /// Her trainer marked her present.
    Trainer,
    /// She scanned the QR code on the trainer's screen.
    Qr,
    /// Her trainer's uploaded roster marked her present.
    Roster,
}

/// Where a skill level comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum SkillSource {
    /// A completed course that teaches the skill at that level.
    Course,
    /// Confirmed by a trainer (or studio leader) after a practical assessment.
    Confirmation,
    /// A competition result.
    Competition,
}

/// Whether a class goes ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum SessionState {
    Scheduled,
    /// Cancelled by its trainer or an administrator; those signed up were told.
    Cancelled,
}

/// Her place at a class she signed up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum SignupStatus {
    /// She has a seat.
    Confirmed,
    /// The class was full; she gets a seat in order as seats free.
    Waitlisted,
}

/// How a message in the outbox reaches her.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum MessageChannel {
    Email,
    /// A text message to her phone (when an SMS gateway is configured).
    Sms,
}

/// Where a woman stands with an innovation studio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum MemberStatus {
    /// The leader invited her; she has not answered.
    Invited,
    /// She asked to join; the leader has not answered.
    Requested,
    /// Both agreed.
    Member,
}

/// The level of the union that holds a competition: awards at city level or above put a
/// consenting winner in the talent pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum CompetitionLevel {
    Enterprise,
    City,
    Province,
}

/// What a studio achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum AchievementKind {
    /// 专利
    Patent,
    /// 改进的工艺或操作法
    Technique,
    /// 五小（小发明、小创造、小革新、小设计、小建议）
    Wuxiao,
    /// 助企行活动
    Zhuqi,
    Other,
}

macro_rules! text_values {
    ($ty:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text,)*
                }
            }

            pub fn parse(text: &str) -> Option<$ty> {
                match text {
                    $($text => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

text_values!(CourseStatus { Published => "published", Archived => "archived" });
text_values!(UploadStatus { Checked => "checked", Rejected => "rejected", Published => "published" });
text_values!(AttendanceMethod { Code => "code", Trainer => "trainer", Qr => "qr", Roster => "roster" });
text_values!(SkillSource { Course => "course", Confirmation => "confirmation", Competition => "competition" });
text_values!(SessionState { Scheduled => "scheduled", Cancelled => "cancelled" });
text_values!(SignupStatus { Confirmed => "confirmed", Waitlisted => "waitlisted" });
text_values!(MessageChannel { Email => "email", Sms => "sms" });
text_values!(MemberStatus { Invited => "invited", Requested => "requested", Member => "member" });
text_values!(CompetitionLevel { Enterprise => "enterprise", City => "city", Province => "province" });
text_values!(AchievementKind { Patent => "patent", Technique => "technique", Wuxiao => "wuxiao", Zhuqi => "zhuqi", Other => "other" });
