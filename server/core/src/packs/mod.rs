//! Course packs: the trainers' file format (TOML + Markdown), read and checked like a compiler
//! checks code. Every problem carries the file, the line and what to do about it.
//!
//! - [`load_pack`] reads one pack folder into a [`Pack`], collecting every problem in it;
//! - [`check_folder`] reads a pack or a folder of packs, with the skill framework, and adds the
//!   checks across packs (duplicate ids, unknown skills and prerequisites, cycles);
//! - [`markdown`] renders lessons to sanitised HTML.

pub mod archive;
pub mod depth;
mod format;
pub mod markdown;
mod read;
pub mod svg;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::pack_problems::{CodedProblem, Lang, ProblemKind, ReportedProblem};
pub use format::{Completion, Mode, QuestionKind, QuizRules, Reveal, Skill, SkillLevel, Tier};
pub use read::{check_folder, check_folder_with, load_pack, load_skills, CheckedFolder};

/// Per-file size budget for media, so a lesson opens on a weak phone connection.
pub const MEDIA_BUDGET_BYTES: u64 = 5 * 1024 * 1024;
/// Media types a pack may carry. HTML is never accepted (it can carry scripts); SVG only in
/// the safe subset [`svg::check`] accepts.
pub const MEDIA_TYPES: &[(&str, &str)] = &[
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("mp3", "audio/mpeg"),
    ("m4a", "audio/mp4"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
];

/// One problem in a pack: where it is and its code, shown `path:line: message` in English
/// (the command line) or in the page's language with [`Problem::text`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the folder being checked.
    pub path: PathBuf,
    /// 1-based; 0 when the problem is about the file as a whole.
    pub line: usize,
    pub kind: ProblemKind,
}

impl Problem {
    pub fn new(path: impl Into<PathBuf>, line: usize, kind: ProblemKind) -> Problem {
        Problem {
            path: path.into(),
            line,
            kind,
        }
    }

    /// What is wrong, in `lang` (without the file and line).
    pub fn text(&self, lang: Lang) -> String {
        self.kind.text(lang)
    }

    /// The problem as an upload's report stores it and clients see it.
    pub fn reported(&self) -> ReportedProblem {
        ReportedProblem::Coded(CodedProblem::new(
            self.path.to_string_lossy().replace('\\', "/"),
            self.line,
            self.kind.clone(),
        ))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.path.display(),
            self.line,
            self.kind.text(Lang::En)
        )
    }
}

/// A course pack that read without problems.
#[derive(Debug, Clone, PartialEq)]
pub struct Pack {
    pub dir: PathBuf,
    pub id: String,
    pub version: String,
    pub title: String,
    pub title_en: Option<String>,
    pub tier: Tier,
    pub mode: Mode,
    pub hours: f64,
    pub summary: String,
    pub summary_en: Option<String>,
    pub prerequisites: Vec<String>,
    pub skills: Vec<SkillLevel>,
    pub lessons: Vec<Lesson>,
    pub quiz: Option<QuizRules>,
    pub completion: Completion,
    pub questions: Vec<Question>,
    pub media: Vec<MediaFile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// Stable id from the front matter: progress is matched by it across versions.
    pub id: String,
    pub title: String,
    pub minutes: u32,
    /// Path inside the pack, e.g. `lessons/01-first-steps.md`.
    pub file: String,
    pub markdown: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: String,
    pub kind: QuestionKind,
    pub text: String,
    /// Choice texts, lettered A, B, C… (empty for `fill`; 真/假 implied for `true_false`).
    pub options: Vec<String>,
    pub answer: Answer,
    pub explanation: String,
}

/// The correct answer: option indexes (0 = A) for choice kinds, a truth value, or accepted texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Choices(Vec<usize>),
    Truth(bool),
    Texts(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MediaFile {
    /// Path inside the pack, e.g. `media/wifi.png`.
    pub path: String,
    pub content_type: &'static str,
    pub bytes: u64,
}

/// Path of `file` relative to `base`, for messages.
pub(crate) fn relative(base: &Path, file: &Path) -> PathBuf {
    file.strip_prefix(base)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| file.to_path_buf())
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
