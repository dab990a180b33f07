//! Typed column values: enumerations stored as text, id newtypes stored as BIGINT, and JSON
//! kept in TEXT columns. Each reads and writes on both backends (and through the
//! multi-backend connection), and a value the code does not know is a decode error, never a
//! default: a corrupt row fails loudly instead of silently dropping rules or answers.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;

use crate::domain::{
    AchievementKind, AttendanceMethod, CompetitionLevel, CourseStatus, Gender, MemberStatus,
    MessageChannel, Role, SessionState, SignupStatus, SkillSource, UploadStatus,
};
use crate::dto::QuestionKind;

/// Text enumerations: written as their `as_str()`, read back through `parse`, any other text
/// an error naming the type and the value.
macro_rules! text_enum {
    ($ty:ty, $parse:expr) => {
        impl<DB: diesel::backend::Backend> diesel::deserialize::FromSql<diesel::sql_types::Text, DB>
            for $ty
        where
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                type Text = diesel::sql_types::Text;
                let text = <String as diesel::deserialize::FromSql<Text, DB>>::from_sql(bytes)?;
                let parse: fn(&str) -> Option<$ty> = $parse;
                parse(&text).ok_or_else(|| {
                    format!("unknown {} {text:?} in the database", stringify!($ty)).into()
                })
            }
        }

        impl<DB: diesel::backend::Backend> diesel::serialize::ToSql<diesel::sql_types::Text, DB>
            for $ty
        where
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                type Text = diesel::sql_types::Text;
                <str as diesel::serialize::ToSql<Text, DB>>::to_sql(self.as_str(), out)
            }
        }
    };
}

/// For text enumerations defined beside the service that owns them (stats' `Dimension`).
pub(crate) use text_enum;

text_enum!(Gender, |s| Gender::parse(s).ok());
text_enum!(Role, |s| Role::parse(s).ok());
text_enum!(QuestionKind, QuestionKind::parse);
text_enum!(CourseStatus, CourseStatus::parse);
text_enum!(UploadStatus, UploadStatus::parse);
text_enum!(AttendanceMethod, AttendanceMethod::parse);
text_enum!(MessageChannel, MessageChannel::parse);
text_enum!(SessionState, SessionState::parse);
text_enum!(SignupStatus, SignupStatus::parse);
text_enum!(SkillSource, SkillSource::parse);
text_enum!(MemberStatus, MemberStatus::parse);
text_enum!(CompetitionLevel, CompetitionLevel::parse);
text_enum!(AchievementKind, AchievementKind::parse);

/// Ids of rows, one type per table, so a function taking a learner, a course and an enrolment
/// cannot be called with them in the wrong order.
macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            diesel::AsExpression, diesel::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        pub struct $name(pub i64);

        impl<DB: Backend> FromSql<diesel::sql_types::BigInt, DB> for $name
        where
            i64: FromSql<diesel::sql_types::BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                i64::from_sql(bytes).map($name)
            }
        }

        impl<DB: Backend> ToSql<diesel::sql_types::BigInt, DB> for $name
        where
            i64: ToSql<diesel::sql_types::BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                self.0.to_sql(out)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type! {
    /// `users.id`
    UserId;
    /// `courses.id`
    CourseId;
    /// `enrollments.id`
    EnrollmentId;
    /// `orgs.id`
    OrgId;
    /// `class_sessions.id`
    ClassSessionId;
    /// `quiz_attempts.id`
    AttemptId;
    StudioId;
    CompetitionId;
}

/// JSON kept in a TEXT column, decoded on read: text that does not decode as `T` is an error
/// naming the type, never an empty default.
#[derive(Debug, Clone, PartialEq, diesel::FromSqlRow)]
pub struct Json<T>(pub T);

impl<DB: Backend, T: serde::de::DeserializeOwned> FromSql<Text, DB> for Json<T>
where
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = String::from_sql(bytes)?;
        decode_json(&text).map(Json).map_err(Into::into)
    }
}

/// Decodes JSON read from the database; the error names the expected type.
pub fn decode_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text)
        .map_err(|e| format!("stored JSON is not a {}: {e}", std::any::type_name::<T>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_json_that_does_not_decode_is_an_error() {
        assert_eq!(
            decode_json::<Vec<String>>(r#"["a"]"#),
            Ok(vec!["a".to_string()])
        );
        let err = decode_json::<Vec<String>>("{broken").unwrap_err();
        assert!(err.contains("Vec<alloc::string::String>"), "{err}");
    }
}
