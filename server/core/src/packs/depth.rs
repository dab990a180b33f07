//! Honest study time: what a lesson's text and hands-on tasks need, against what the pack
//! declares, and the hours the dashboards count.
//!
//! A course's `hours` are reported to the province as study hours (学时), so they must be what a
//! woman actually spends. The checker estimates each lesson from its text — reading about 300
//! Chinese characters a minute, counting Han characters only — plus the minutes its hands-on
//! tasks state in their headings (`## 动手练（约 15 分钟）`), and warns when a lesson's `minutes`
//! is well below that (under 80% of it), when the lessons' minutes and the declared `hours`
//! are more than 25% apart, and when the question bank holds fewer than three times the
//! questions an attempt draws (two attempts would repeat much). These are warnings: the pack
//! still imports, but the dashboards then count the lessons' own minutes instead of the
//! declared hours.

use std::path::Path;

use super::{Pack, Problem, ProblemKind};

/// Reading speed assumed for the estimate, in Han characters a minute.
pub const CHARS_PER_MINUTE: usize = 300;
/// How far the declared hours may stray from the lessons' minutes before they are not counted.
pub const HOURS_TOLERANCE: f64 = 0.25;
/// A lesson's `minutes` below this share of the estimate is warned about.
pub const MINUTES_FLOOR: f64 = 0.8;
/// The bank should hold at least this many times the questions an attempt draws.
pub const BANK_PER_DRAW: usize = 3;

/// The Han characters of `text` (CJK unified ideographs and extension A).
pub fn han_chars(text: &str) -> usize {
    text.chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c) || ('\u{3400}'..='\u{4dbf}').contains(c))
        .count()
}

/// The minutes each hands-on task states in its heading: a Markdown heading that starts with
/// 动手练 and says 约 N 分钟 (full- or half-width brackets).
pub fn task_minutes(markdown: &str) -> Vec<u32> {
    markdown
        .lines()
        .filter_map(|line| {
            let heading = line.trim_start().trim_start_matches('#');
            if !line.trim_start().starts_with('#') || !heading.trim_start().starts_with("动手练")
            {
                return None;
            }
            let after = heading.split('约').nth(1)?;
            let digits: String = after
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            after
                .contains("分钟")
                .then(|| digits.parse().ok())
                .flatten()
        })
        .collect()
}

/// What a lesson's text and tasks need, in whole minutes (rounded up).
pub fn needed_minutes(markdown: &str) -> u32 {
    let reading = han_chars(markdown).div_ceil(CHARS_PER_MINUTE) as u32;
    reading + task_minutes(markdown).iter().sum::<u32>()
}

impl Pack {
    /// The lessons' declared minutes added up: the course's study time.
    pub fn study_minutes(&self) -> u32 {
        self.lessons.iter().map(|l| l.minutes).sum()
    }

    /// Whether the declared hours agree with the lessons' minutes (within 25%).
    pub fn hours_agree(&self) -> bool {
        let minutes = f64::from(self.study_minutes());
        (self.hours * 60.0 - minutes).abs() <= HOURS_TOLERANCE * minutes
    }

    /// The hours the dashboards count: the declared ones when they agree with the lessons,
    /// else the lessons' minutes in hours, to the half hour (at least half an hour).
    pub fn counted_hours(&self) -> f64 {
        if self.hours_agree() {
            self.hours
        } else {
            ((f64::from(self.study_minutes()) / 30.0).round() / 2.0).max(0.5)
        }
    }

    /// The checker's warnings for this pack (paths relative to `base`).
    pub fn warnings(&self, base: &Path) -> Vec<Problem> {
        let relative = |file: &Path| file.strip_prefix(base).unwrap_or(file).to_path_buf();
        let course_file = self.dir.join("course.toml");
        let course_text = std::fs::read_to_string(&course_file).unwrap_or_default();
        let mut warnings = Vec::new();
        for lesson in &self.lessons {
            let needed = needed_minutes(&lesson.markdown);
            if f64::from(lesson.minutes) < MINUTES_FLOOR * f64::from(needed) {
                let file = self.dir.join(&lesson.file);
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                warnings.push(Problem::new(
                    relative(&file),
                    line_starting(&text, "minutes"),
                    ProblemKind::LessonMinutesLow {
                        minutes: lesson.minutes,
                        needed,
                        chars: han_chars(&lesson.markdown),
                        tasks: task_minutes(&lesson.markdown).iter().sum(),
                    },
                ));
            }
        }
        if !self.hours_agree() {
            warnings.push(Problem::new(
                relative(&course_file),
                line_starting(&course_text, "hours"),
                ProblemKind::HoursDisagree {
                    hours: trim_number(self.hours),
                    minutes: self.study_minutes(),
                    used: trim_number(self.counted_hours()),
                },
            ));
        }
        if let Some(quiz) = &self.quiz {
            if self.questions.len() < BANK_PER_DRAW * quiz.draw as usize {
                warnings.push(Problem::new(
                    relative(&course_file),
                    line_starting(&course_text, "draw"),
                    ProblemKind::BankSmallForDraw {
                        draw: quiz.draw,
                        bank: self.questions.len(),
                    },
                ));
            }
        }
        warnings
    }
}

/// 1-based number of the first line of `text` that starts with `key` (then `=`), or 0.
fn line_starting(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

/// `8`, `2.5`: a number as a trainer writes it.
fn trim_number(n: f64) -> String {
    let text = format!("{n:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_read_from_their_headings() {
        let text = "# 课\n\n## 动手练（约 15 分钟）\n\n1. 做\n\n### 动手练 (约10分钟)\n\n## 练习（约 5 分钟）\n动手练（约 9 分钟）";
        assert_eq!(task_minutes(text), [15, 10]);
        assert_eq!(han_chars("Wi-Fi 设置，连上网络。"), 6);
        // 600 Han characters (the heading's six included) read in 2 minutes, plus the task's 15.
        let lesson = format!("{}\n## 动手练（约 15 分钟）\n", "字".repeat(594));
        assert_eq!(needed_minutes(&lesson), 17);
    }

    #[test]
    fn numbers_are_written_as_a_trainer_would() {
        assert_eq!(trim_number(8.0), "8");
        assert_eq!(trim_number(2.5), "2.5");
        assert_eq!(line_starting("id = 1\nhours = 8\n", "hours"), 2);
        assert_eq!(line_starting("hoursx = 8\n", "hours"), 0);
    }
}
