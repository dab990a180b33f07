//! Roles granted on organisation nodes, and the gender recorded at registration.

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum Role {
    Learner,
    Trainer,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "learner" => Ok(Role::Learner),
            "trainer" => Ok(Role::Trainer),
            "admin" => Ok(Role::Admin),
            _ => Err(DomainError::Role),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Learner => "learner",
            Role::Trainer => "trainer",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "ssr", diesel(sql_type = diesel::sql_types::Text))]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s.trim() {
            "female" => Ok(Gender::Female),
            "male" => Ok(Gender::Male),
            _ => Err(DomainError::Gender),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
}
