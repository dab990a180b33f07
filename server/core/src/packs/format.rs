//! The on-disk shapes of `course.toml`, lesson front matter, `questions.toml` and `skills.toml`,
//! with source spans kept so later checks can name the line.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// 基础
    Basic = 1,
    /// 进阶
    Intermediate = 2,
    /// 高级
    Advanced = 3,
}

impl Tier {
    pub fn from_number(n: i64) -> Option<Tier> {
        match n {
            1 => Some(Tier::Basic),
            2 => Some(Tier::Intermediate),
            3 => Some(Tier::Advanced),
            _ => None,
        }
    }

    pub fn number(self) -> i32 {
        self as i32
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Online,
    /// In person, completed by attendance.
    Offline,
    Blended,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "online" => Some(Mode::Online),
            "offline" => Some(Mode::Offline),
            "blended" => Some(Mode::Blended),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Online => "online",
            Mode::Offline => "offline",
            Mode::Blended => "blended",
        }
    }
}

pub use crate::dto::QuestionKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillLevel {
    pub skill: String,
    pub level: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuizRules {
    pub draw: u32,
    pub pass_mark: u32,
    /// 0 = unlimited.
    pub max_attempts: u32,
    /// 0 = none.
    pub time_limit_minutes: u32,
    pub reveal: Reveal,
}

/// When a learner is shown the right answers and explanations of her graded attempts. Before
/// that, results say only right or wrong per question, so attempts cannot collect the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reveal {
    Never,
    /// Once she has passed the quiz.
    #[default]
    AfterPass,
    /// Once she can start no more attempts (never with unlimited attempts).
    AfterLastAttempt,
}

impl Reveal {
    pub const ALL: [Reveal; 3] = [Reveal::Never, Reveal::AfterPass, Reveal::AfterLastAttempt];

    pub fn as_str(self) -> &'static str {
        match self {
            Reveal::Never => "never",
            Reveal::AfterPass => "after_pass",
            Reveal::AfterLastAttempt => "after_last_attempt",
        }
    }

    pub fn parse(text: &str) -> Option<Reveal> {
        Reveal::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub lessons: bool,
    pub quiz: bool,
    pub attendance: bool,
    /// A practical score of at least this mark (1–100), given by the trainer at the class.
    pub practical_pass_mark: Option<u32>,
}

/// `course.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CourseFile {
    pub id: Spanned<String>,
    pub version: Spanned<String>,
    pub title: Spanned<String>,
    pub title_en: Option<Spanned<String>>,
    pub tier: Spanned<i64>,
    pub mode: Spanned<String>,
    pub hours: Spanned<Number>,
    pub summary: Spanned<String>,
    /// The summary in English, shown when the page is in English (optional, like `title_en`).
    pub summary_en: Option<Spanned<String>>,
    #[serde(default)]
    pub prerequisites: Vec<Spanned<String>>,
    #[serde(default)]
    pub skills: Vec<Spanned<SkillRefFile>>,
    pub lessons: Spanned<Vec<Spanned<String>>>,
    pub quiz: Option<Spanned<QuizFile>>,
    pub completion: Spanned<CompletionFile>,
}

/// Hours may be written `4` or `1.5`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(untagged)]
pub(crate) enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn value(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkillRefFile {
    pub skill: Spanned<String>,
    pub level: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuizFile {
    pub draw: Spanned<i64>,
    pub pass_mark: Spanned<i64>,
    pub max_attempts: Spanned<i64>,
    pub time_limit_minutes: Spanned<i64>,
    pub reveal: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CompletionFile {
    pub lessons: bool,
    pub quiz: bool,
    pub attendance: bool,
    #[serde(default)]
    pub practical: bool,
    #[serde(default)]
    pub practical_pass_mark: Option<i64>,
}

/// A lesson's front matter (between `+++` lines).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FrontMatter {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    pub minutes: Spanned<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionsFile {
    #[serde(default)]
    pub question: Vec<Spanned<QuestionFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuestionFile {
    pub id: Spanned<String>,
    pub kind: Spanned<String>,
    pub text: Spanned<String>,
    #[serde(default)]
    pub options: Vec<String>,
    pub answer: Spanned<AnswerFile>,
    #[serde(default)]
    pub explanation: String,
}

/// `answer = "C"`, `["A", "C"]`, `true`, or `["十", "10"]` for fill-in questions.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum AnswerFile {
    Truth(bool),
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SkillsFile {
    #[serde(default)]
    pub skill: Vec<Spanned<Skill>>,
}

/// One skill of the framework in `skills.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub levels: Vec<String>,
}
