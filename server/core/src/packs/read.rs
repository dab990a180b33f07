//! Reading pack folders: every file parsed, every rule checked, all problems collected.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::format::*;
use super::markdown::{self, LinkKind};
use super::{
    line_of, relative, Answer, Lesson, MediaFile, Pack, Problem, ProblemKind, Question,
    MEDIA_BUDGET_BYTES, MEDIA_TYPES,
};

/// Collects problems for one base folder.
struct Report<'a> {
    base: &'a Path,
    problems: Vec<Problem>,
}

impl Report<'_> {
    fn at(&mut self, file: &Path, line: usize, kind: ProblemKind) {
        self.problems
            .push(Problem::new(relative(self.base, file), line, kind));
    }

    fn at_span(
        &mut self,
        file: &Path,
        text: &str,
        span: std::ops::Range<usize>,
        kind: ProblemKind,
    ) {
        self.at(file, line_of(text, span.start), kind);
    }

    fn toml_error(&mut self, file: &Path, text: &str, error: &toml::de::Error, line_offset: usize) {
        let line = error.span().map(|s| line_of(text, s.start)).unwrap_or(1) + line_offset;
        let detail = error.message().trim().trim_end_matches('.').to_string();
        self.at(file, line, toml_problem(detail));
    }
}

/// The TOML parser's message as a code: an unknown or a missing key is named, anything else
/// keeps the parser's words.
fn toml_problem(detail: String) -> ProblemKind {
    if let Some(key) = backticked(&detail, "unknown field `") {
        ProblemKind::TomlUnknownKey { key, detail }
    } else if let Some(key) = backticked(&detail, "missing field `") {
        ProblemKind::TomlMissingKey { key, detail }
    } else {
        ProblemKind::Toml { detail }
    }
}

/// The name between backticks after `prefix`, e.g. `price` in "unknown field `price`, …".
fn backticked(text: &str, prefix: &str) -> Option<String> {
    let rest = text.strip_prefix(prefix)?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

fn read_text(report: &mut Report<'_>, file: &Path) -> Option<String> {
    match std::fs::read(file) {
        Ok(bytes) => {
            let bytes = bytes
                .strip_prefix(b"\xEF\xBB\xBF")
                .map(<[u8]>::to_vec)
                .unwrap_or(bytes);
            match String::from_utf8(bytes) {
                Ok(text) => Some(text),
                Err(e) => {
                    let line = line_of(
                        &String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]),
                        usize::MAX,
                    );
                    report.at(file, line, ProblemKind::NotUtf8);
                    None
                }
            }
        }
        Err(e) => {
            report.at(
                file,
                0,
                ProblemKind::Unreadable {
                    detail: e.to_string(),
                },
            );
            None
        }
    }
}

/// Course and skill ids: 3 to 64 characters of a-z, 0-9 and '-' (they name folders and
/// appear in addresses and certificates).
fn valid_id(id: &str) -> bool {
    (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Lesson and question ids, unique only inside their course: 1 to 64 characters of a-z,
/// 0-9, '-' and '_' (`q1`, `qr`, `wifi`).
fn valid_item_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn valid_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
}

/// The skill framework (`skills.toml`), by skill id.
pub fn load_skills(file: &Path, base: &Path) -> Result<BTreeMap<String, Skill>, Vec<Problem>> {
    let mut report = Report {
        base,
        problems: Vec::new(),
    };
    let mut skills = BTreeMap::new();
    if let Some(text) = read_text(&mut report, file) {
        match toml::from_str::<SkillsFile>(&text) {
            Ok(parsed) => {
                for skill in parsed.skill {
                    let span = skill.span();
                    let skill = skill.into_inner();
                    if !valid_id(&skill.id) {
                        report.at_span(
                            file,
                            &text,
                            span.clone(),
                            ProblemKind::SkillIdInvalid {
                                id: skill.id.clone(),
                            },
                        );
                    }
                    if skill.levels.is_empty() {
                        report.at_span(
                            file,
                            &text,
                            span.clone(),
                            ProblemKind::SkillLevelsMissing {
                                skill: skill.id.clone(),
                            },
                        );
                    }
                    if skills.insert(skill.id.clone(), skill.clone()).is_some() {
                        report.at_span(
                            file,
                            &text,
                            span,
                            ProblemKind::SkillDefinedTwice {
                                id: skill.id.clone(),
                            },
                        );
                    }
                }
            }
            Err(e) => report.toml_error(file, &text, &e, 0),
        }
    }
    if report.problems.is_empty() {
        Ok(skills)
    } else {
        Err(report.problems)
    }
}

/// Reads one pack folder; `base` is what paths in problems are relative to.
pub fn load_pack(dir: &Path, base: &Path) -> Result<Pack, Vec<Problem>> {
    let mut report = Report {
        base,
        problems: Vec::new(),
    };
    let pack = read_pack(&mut report, dir);
    match pack {
        Some(pack) if report.problems.is_empty() => Ok(pack),
        _ => Err(report.problems),
    }
}

/// `course.toml` as read: its path and text, for problems with line numbers.
struct CourseToml<'a> {
    file: &'a Path,
    text: &'a str,
}

impl CourseToml<'_> {
    fn at(&self, report: &mut Report<'_>, span: std::ops::Range<usize>, kind: ProblemKind) {
        report.at_span(self.file, self.text, span, kind)
    }
}

/// The course header's checked values.
struct Header {
    id: String,
    tier: Option<Tier>,
    mode: Option<Mode>,
    hours: f64,
    skills: Vec<super::SkillLevel>,
}

fn read_pack(report: &mut Report<'_>, dir: &Path) -> Option<Pack> {
    let course_file = dir.join("course.toml");
    if !course_file.exists() {
        report.at(&course_file, 0, ProblemKind::CourseTomlMissing);
        return None;
    }
    let text = read_text(report, &course_file)?;
    let course: CourseFile = match toml::from_str(&text) {
        Ok(course) => course,
        Err(e) => {
            report.toml_error(&course_file, &text, &e, 0);
            return None;
        }
    };
    let toml = CourseToml {
        file: &course_file,
        text: &text,
    };
    let header = check_header(report, &toml, &course, dir);
    let lessons = read_listed_lessons(report, &toml, &course, dir);
    let questions = read_questions(report, dir);
    let quiz = course
        .quiz
        .as_ref()
        .map(|quiz| quiz_rules(report, &toml, quiz.get_ref(), questions.as_deref()));
    let completion = completion_rules(report, &toml, &course, header.mode, quiz, &questions);
    let media = read_media(report, dir);
    for lesson in &lessons {
        check_lesson_links(report, dir, lesson, &media);
        check_raw_html(report, dir, lesson);
    }
    if !report.problems.is_empty() {
        return None;
    }
    Some(Pack {
        dir: dir.to_path_buf(),
        id: header.id,
        version: course.version.into_inner(),
        title: course.title.into_inner().trim().to_string(),
        title_en: course.title_en.map(|t| t.into_inner().trim().to_string()),
        tier: header.tier?,
        mode: header.mode?,
        hours: header.hours,
        summary: course.summary.into_inner().trim().to_string(),
        summary_en: course.summary_en.map(|s| s.into_inner().trim().to_string()),
        prerequisites: course
            .prerequisites
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        skills: header.skills,
        lessons,
        quiz,
        completion,
        questions: questions.unwrap_or_default(),
        media,
    })
}

/// The id (matching the folder), version, texts, tier, mode, hours, skills and prerequisites.
fn check_header(
    report: &mut Report<'_>,
    toml: &CourseToml<'_>,
    course: &CourseFile,
    dir: &Path,
) -> Header {
    let id = course.id.get_ref().clone();
    check_id(report, toml, course, dir);
    if !valid_semver(course.version.get_ref()) {
        toml.at(
            report,
            course.version.span(),
            ProblemKind::VersionNotSemver {
                version: course.version.get_ref().clone(),
            },
        );
    }
    for (field, value) in [
        ("title", Some(&course.title)),
        ("summary", Some(&course.summary)),
        ("title_en", course.title_en.as_ref()),
        ("summary_en", course.summary_en.as_ref()),
    ] {
        if let Some(value) = value {
            if value.get_ref().trim().is_empty() {
                toml.at(
                    report,
                    value.span(),
                    ProblemKind::FieldEmpty {
                        field: field.into(),
                    },
                );
            }
        }
    }
    let tier = Tier::from_number(*course.tier.get_ref());
    if tier.is_none() {
        toml.at(
            report,
            course.tier.span(),
            ProblemKind::TierInvalid {
                tier: *course.tier.get_ref(),
            },
        );
    }
    let mode = Mode::parse(course.mode.get_ref());
    if mode.is_none() {
        toml.at(
            report,
            course.mode.span(),
            ProblemKind::ModeInvalid {
                mode: course.mode.get_ref().clone(),
            },
        );
    }
    let hours = course.hours.get_ref().value();
    if !(hours > 0.0 && hours <= 200.0) {
        toml.at(
            report,
            course.hours.span(),
            ProblemKind::HoursOutOfRange {
                hours: hours.to_string(),
            },
        );
    }
    let skills = check_skills(report, toml, course);
    for prerequisite in &course.prerequisites {
        if prerequisite.get_ref() == &id {
            toml.at(report, prerequisite.span(), ProblemKind::OwnPrerequisite);
        }
    }
    Header {
        id,
        tier,
        mode,
        hours,
        skills,
    }
}

/// The id is well formed and names the pack's folder.
fn check_id(report: &mut Report<'_>, toml: &CourseToml<'_>, course: &CourseFile, dir: &Path) {
    let id = course.id.get_ref();
    if !valid_id(id) {
        toml.at(
            report,
            course.id.span(),
            ProblemKind::CourseIdInvalid { id: id.clone() },
        );
    }
    let folder_name = dir
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    if valid_id(id) && folder_name != *id && folder_name != "." && !folder_name.is_empty() {
        toml.at(
            report,
            course.id.span(),
            ProblemKind::IdDiffersFromFolder {
                id: id.clone(),
                folder: folder_name,
            },
        );
    }
}

fn check_skills(
    report: &mut Report<'_>,
    toml: &CourseToml<'_>,
    course: &CourseFile,
) -> Vec<super::SkillLevel> {
    let mut skills = Vec::new();
    for skill in &course.skills {
        let level = *skill.get_ref().level.get_ref();
        if !(1..=3).contains(&level) {
            toml.at(
                report,
                skill.get_ref().level.span(),
                ProblemKind::SkillLevelInvalid { level },
            );
        }
        skills.push(super::SkillLevel {
            skill: skill.get_ref().skill.get_ref().clone(),
            level: level.clamp(1, 3) as u8,
        });
    }
    skills
}

/// Lessons: listed files must exist, files present must be listed, ids unique.
fn read_listed_lessons(
    report: &mut Report<'_>,
    toml: &CourseToml<'_>,
    course: &CourseFile,
    dir: &Path,
) -> Vec<Lesson> {
    let mut lessons = Vec::new();
    let mut listed = BTreeSet::new();
    let mut lesson_ids: HashMap<String, PathBuf> = HashMap::new();
    if course.lessons.get_ref().is_empty() {
        toml.at(report, course.lessons.span(), ProblemKind::LessonsEmpty);
    }
    for entry in course.lessons.get_ref() {
        let rel = entry.get_ref();
        let Some(path) = inside(dir, rel) else {
            toml.at(
                report,
                entry.span(),
                ProblemKind::LessonOutsidePack {
                    lesson: rel.clone(),
                },
            );
            continue;
        };
        if !listed.insert(rel.clone()) {
            toml.at(
                report,
                entry.span(),
                ProblemKind::LessonListedTwice {
                    lesson: rel.clone(),
                },
            );
            continue;
        }
        if !path.is_file() {
            toml.at(
                report,
                entry.span(),
                ProblemKind::LessonFileMissing {
                    lesson: rel.clone(),
                },
            );
            continue;
        }
        if let Some(lesson) = read_lesson(report, dir, &path, rel) {
            if let Some(first) = lesson_ids.get(&lesson.id) {
                report.at(
                    &path,
                    2,
                    ProblemKind::LessonIdDuplicate {
                        id: lesson.id.clone(),
                        first: relative(dir, first).display().to_string(),
                    },
                );
            } else {
                lesson_ids.insert(lesson.id.clone(), path.clone());
            }
            lessons.push(lesson);
        }
    }
    report_unlisted_lessons(report, dir, &listed);
    lessons
}

fn report_unlisted_lessons(report: &mut Report<'_>, dir: &Path, listed: &BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir.join("lessons")) else {
        return;
    };
    let mut present: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| format!("lessons/{}", e.file_name().to_string_lossy()))
        .filter(|name| name.ends_with(".md"))
        .collect();
    present.sort();
    for name in present {
        if !listed.contains(&name) {
            report.at(
                &dir.join(&name),
                0,
                ProblemKind::LessonNotListed { file: name.clone() },
            );
        }
    }
}

/// The `[quiz]` section's numbers within their ranges, and its reveal rule.
fn quiz_rules(
    report: &mut Report<'_>,
    toml: &CourseToml<'_>,
    q: &QuizFile,
    bank: Option<&[Question]>,
) -> QuizRules {
    let number = |report: &mut Report<'_>,
                  value: &Spanned<i64>,
                  name: &str,
                  range: std::ops::RangeInclusive<i64>| {
        if !range.contains(value.get_ref()) {
            toml.at(
                report,
                value.span(),
                ProblemKind::QuizNumberOutOfRange {
                    name: name.to_string(),
                    value: *value.get_ref(),
                    min: *range.start(),
                    max: *range.end(),
                },
            );
        }
        (*value.get_ref()).clamp(*range.start(), *range.end()) as u32
    };
    let rules = QuizRules {
        draw: number(report, &q.draw, "draw", 1..=200),
        pass_mark: number(report, &q.pass_mark, "pass_mark", 1..=100),
        max_attempts: number(report, &q.max_attempts, "max_attempts", 0..=100),
        time_limit_minutes: number(report, &q.time_limit_minutes, "time_limit_minutes", 0..=600),
        reveal: match &q.reveal {
            None => Reveal::default(),
            Some(value) => Reveal::parse(value.get_ref()).unwrap_or_else(|| {
                toml.at(
                    report,
                    value.span(),
                    ProblemKind::RevealInvalid {
                        reveal: value.get_ref().clone(),
                    },
                );
                Reveal::default()
            }),
        },
    };
    if let Some(bank) = bank {
        if rules.draw as usize > bank.len() {
            toml.at(
                report,
                q.draw.span(),
                ProblemKind::DrawExceedsBank {
                    draw: rules.draw,
                    bank: bank.len(),
                },
            );
        }
    }
    rules
}

/// The completion rules, consistent with the mode, the quiz and the bank.
fn completion_rules(
    report: &mut Report<'_>,
    toml: &CourseToml<'_>,
    course: &CourseFile,
    mode: Option<Mode>,
    quiz: Option<QuizRules>,
    questions: &Option<Vec<Question>>,
) -> Completion {
    let file = course.completion.get_ref();
    let span = course.completion.span();
    let mut problem = |kind: ProblemKind| toml.at(report, span.clone(), kind);
    let practical_pass_mark = match (file.practical, file.practical_pass_mark) {
        (true, Some(mark @ 1..=100)) => Some(mark as u32),
        (true, Some(mark)) => {
            problem(ProblemKind::PracticalPassMarkRange { mark });
            None
        }
        (true, None) => {
            problem(ProblemKind::PracticalPassMarkMissing);
            None
        }
        (false, Some(_)) => {
            problem(ProblemKind::PracticalPassMarkWithoutPractical);
            None
        }
        (false, None) => None,
    };
    if file.practical && !file.attendance {
        problem(ProblemKind::PracticalNeedsAttendance);
    }
    let completion = Completion {
        lessons: file.lessons,
        quiz: file.quiz,
        attendance: file.attendance,
        practical_pass_mark,
    };
    if completion.quiz && quiz.is_none() {
        problem(ProblemKind::CompletionNeedsQuizSection);
    }
    if completion.quiz && questions.as_ref().is_some_and(Vec::is_empty) {
        problem(ProblemKind::CompletionNeedsQuestions);
    }
    if completion.attendance && mode == Some(Mode::Online) {
        problem(ProblemKind::OnlineWithAttendance);
    }
    if mode == Some(Mode::Offline) && !completion.attendance {
        problem(ProblemKind::OfflineWithoutAttendance);
    }
    if !(completion.lessons || completion.quiz || completion.attendance) {
        problem(ProblemKind::NoCompletionRule);
    }
    completion
}

/// Resolves a relative path inside `dir`, refusing absolute paths and `..`.
fn inside(dir: &Path, rel: &str) -> Option<PathBuf> {
    let path = Path::new(rel);
    let safe = !rel.is_empty()
        && !rel.contains('\\')
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    safe.then(|| dir.join(path))
}

fn read_lesson(report: &mut Report<'_>, dir: &Path, path: &Path, rel: &str) -> Option<Lesson> {
    let text = read_text(report, path)?;
    let normalised = text.replace("\r\n", "\n");
    let Some(rest) = normalised.strip_prefix("+++\n") else {
        report.at(path, 1, ProblemKind::FrontMatterMissing);
        return None;
    };
    let Some(end) = rest.find("\n+++") else {
        report.at(path, 1, ProblemKind::FrontMatterUnclosed);
        return None;
    };
    let front = &rest[..end + 1];
    let body = rest[end + 4..]
        .trim_start_matches(['\r'])
        .strip_prefix('\n')
        .unwrap_or(&rest[end + 4..]);
    let matter: FrontMatter = match toml::from_str(front) {
        Ok(m) => m,
        Err(e) => {
            report.toml_error(path, front, &e, 1);
            return None;
        }
    };
    let line = |span: std::ops::Range<usize>| line_of(front, span.start) + 1;
    let id = matter.id.get_ref().clone();
    if !valid_item_id(&id) {
        report.at(
            path,
            line(matter.id.span()),
            ProblemKind::LessonIdInvalid { id: id.clone() },
        );
    }
    if matter.title.get_ref().trim().is_empty() {
        report.at(
            path,
            line(matter.title.span()),
            ProblemKind::FieldEmpty {
                field: "title".into(),
            },
        );
    }
    let minutes = *matter.minutes.get_ref();
    if !(1..=600).contains(&minutes) {
        report.at(
            path,
            line(matter.minutes.span()),
            ProblemKind::MinutesOutOfRange { minutes },
        );
    }
    if body.trim().is_empty() {
        report.at(path, 0, ProblemKind::LessonBodyEmpty);
    }
    let _ = dir;
    Some(Lesson {
        id,
        title: matter.title.into_inner().trim().to_string(),
        minutes: minutes.clamp(1, 600) as u32,
        file: rel.to_string(),
        markdown: body.to_string(),
    })
}

/// Images must be media files in the pack; links may be web addresses or pack files.
fn check_lesson_links(report: &mut Report<'_>, dir: &Path, lesson: &Lesson, media: &[MediaFile]) {
    let file = dir.join(&lesson.file);
    let header_lines = lesson_header_lines(&file);
    for link in markdown::links(&lesson.markdown) {
        let line = line_of(&lesson.markdown, link.offset) + header_lines;
        let target = link.target.trim();
        let lower = target.to_ascii_lowercase();
        let is_web = lower.starts_with("https://") || lower.starts_with("http://");
        let is_scheme = lower.contains(':') && !is_web;
        match link.kind {
            LinkKind::Link if lower.starts_with("http://") => {
                report.at(
                    &file,
                    line,
                    ProblemKind::PlainHttpLink {
                        target: target.to_string(),
                    },
                );
            }
            LinkKind::Image if is_web || is_scheme => {
                report.at(
                    &file,
                    line,
                    ProblemKind::ImageNotInPack {
                        target: target.to_string(),
                    },
                );
            }
            LinkKind::Link
                if is_scheme && !lower.starts_with("mailto:") && !lower.starts_with("tel:") =>
            {
                report.at(
                    &file,
                    line,
                    ProblemKind::LinkSchemeNotAllowed {
                        target: target.to_string(),
                    },
                );
            }
            _ if is_web || is_scheme || target.starts_with('#') || target.is_empty() => {}
            _ => {
                // Relative to the lesson file, e.g. ../media/x.png.
                let lesson_dir = Path::new(&lesson.file).parent().unwrap_or(Path::new(""));
                match normalise(&lesson_dir.join(target.split(['#', '?']).next().unwrap_or(""))) {
                    None => report.at(
                        &file,
                        line,
                        ProblemKind::LinkOutsidePack {
                            target: target.to_string(),
                        },
                    ),
                    Some(resolved) => {
                        let resolved = resolved.to_string_lossy().replace('\\', "/");
                        if !media.iter().any(|m| m.path == resolved)
                            && !dir.join(&resolved).is_file()
                        {
                            report.at(
                                &file,
                                line,
                                ProblemKind::LinkTargetMissing {
                                    target: target.to_string(),
                                    resolved,
                                },
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Raw HTML may not load or link anything from other sites (the sanitiser drops it; the
/// checker says where, so the author knows why it vanished).
fn check_raw_html(report: &mut Report<'_>, dir: &Path, lesson: &Lesson) {
    let file = dir.join(&lesson.file);
    let header_lines = lesson_header_lines(&file);
    for link in markdown::raw_html_targets(&lesson.markdown) {
        let target = link.target.trim();
        let lower = target.to_ascii_lowercase();
        let has_scheme = lower.contains(':');
        let allowed_scheme = lower.starts_with("mailto:")
            || lower.starts_with("tel:")
            || (link.kind == LinkKind::Link && lower.starts_with("https://"));
        // Entities and spaces can hide `//host` from a plain prefix check (`/&#9;/host`).
        let disguised = target.contains("&#") || !target.bytes().all(|b| b.is_ascii_graphic());
        let external = target.starts_with("//")
            || target.starts_with('\\')
            || disguised
            || (has_scheme && !allowed_scheme);
        if external {
            let line = line_of(&lesson.markdown, link.offset) + header_lines;
            report.at(
                &file,
                line,
                ProblemKind::HtmlLoadsExternal {
                    target: target.to_string(),
                },
            );
        }
    }
}

/// Front matter lines before the Markdown body (so Markdown line numbers match the file).
fn lesson_header_lines(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| {
            let t = t.replace("\r\n", "\n");
            let rest = t.strip_prefix("+++\n")?;
            let end = rest.find("\n+++")?;
            Some(rest[..end].lines().count() + 2)
        })
        .unwrap_or(0)
}

/// Resolves `.` and `..` without touching the disk; `None` if it climbs out.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::Normal(p) => out.push(p),
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

fn read_media(report: &mut Report<'_>, dir: &Path) -> Vec<MediaFile> {
    let mut media = Vec::new();
    let root = dir.join("media");
    let mut stack = vec![root.clone()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            if meta.file_type().is_symlink() {
                report.at(&path, 0, ProblemKind::SymlinkInPack);
            } else if meta.is_dir() {
                stack.push(path);
            } else {
                let rel = relative(dir, &path).to_string_lossy().replace('\\', "/");
                let ext = path
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                match MEDIA_TYPES.iter().find(|(e, _)| *e == ext) {
                    None => report.at(
                        &path,
                        0,
                        ProblemKind::MediaTypeNotAccepted { file: rel, ext },
                    ),
                    Some((_, content_type)) => {
                        if meta.len() > MEDIA_BUDGET_BYTES {
                            report.at(
                                &path,
                                0,
                                ProblemKind::MediaOverBudget {
                                    file: rel.clone(),
                                    bytes: meta.len(),
                                },
                            );
                        }
                        if ext == "svg" {
                            let checked = std::fs::read(&path)
                                .map_err(|e| e.to_string())
                                .and_then(|bytes| super::svg::check(&bytes));
                            if let Err(detail) = checked {
                                report.at(
                                    &path,
                                    0,
                                    ProblemKind::SvgNotSafe {
                                        file: rel.clone(),
                                        detail,
                                    },
                                );
                            }
                        }
                        media.push(MediaFile {
                            path: rel,
                            content_type,
                            bytes: meta.len(),
                        });
                    }
                }
            }
        }
    }
    media.sort_by(|a, b| a.path.cmp(&b.path));
    media
}

/// The question bank from questions.toml or questions.csv; `None` if neither exists.
fn read_questions(report: &mut Report<'_>, dir: &Path) -> Option<Vec<Question>> {
    let toml_file = dir.join("questions.toml");
    let csv_file = dir.join("questions.csv");
    match (toml_file.exists(), csv_file.exists()) {
        (true, true) => {
            report.at(&csv_file, 0, ProblemKind::QuestionFilesBoth);
            None
        }
        (true, false) => read_questions_toml(report, &toml_file),
        (false, true) => read_questions_csv(report, &csv_file),
        (false, false) => None,
    }
}

fn read_questions_toml(report: &mut Report<'_>, file: &Path) -> Option<Vec<Question>> {
    let text = read_text(report, file)?;
    let parsed: QuestionsFile = match toml::from_str(&text) {
        Ok(p) => p,
        Err(e) => {
            report.toml_error(file, &text, &e, 0);
            return Some(Vec::new());
        }
    };
    let mut questions = Vec::new();
    let mut seen = HashMap::new();
    for q in parsed.question {
        let line = line_of(&text, q.span().start);
        let q = q.into_inner();
        let kind_line = line_of(&text, q.kind.span().start);
        let answer_line = line_of(&text, q.answer.span().start);
        let answer = match q.answer.into_inner() {
            AnswerFile::Truth(b) => RawAnswer::Truth(b),
            AnswerFile::One(s) => RawAnswer::Texts(vec![s]),
            AnswerFile::Many(v) => RawAnswer::Texts(v),
        };
        let raw = RawQuestion {
            id: q.id.into_inner(),
            kind: q.kind.into_inner(),
            text: q.text.into_inner(),
            options: q.options,
            answer,
            explanation: q.explanation,
        };
        if let Some(question) = build_question(
            report,
            file,
            raw,
            Lines {
                question: line,
                kind: kind_line,
                answer: answer_line,
            },
            &mut seen,
        ) {
            questions.push(question);
        }
    }
    Some(questions)
}

/// The columns of `questions.csv` (the header row [`crate::pack_problems::CSV_HEADER`] names).
pub(crate) const CSV_COLUMNS: [&str; 13] = [
    "id",
    "kind",
    "text",
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "answer",
    "explanation",
];

fn read_questions_csv(report: &mut Report<'_>, file: &Path) -> Option<Vec<Question>> {
    let text = read_text(report, file)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            report.at(
                file,
                1,
                ProblemKind::CsvHeaderUnreadable {
                    detail: e.to_string(),
                },
            );
            return Some(Vec::new());
        }
    };
    if headers != CSV_COLUMNS {
        report.at(file, 1, ProblemKind::CsvHeaderWrong);
        return Some(Vec::new());
    }
    let mut questions = Vec::new();
    let mut seen = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                report.at(
                    file,
                    line,
                    ProblemKind::CsvRowUnreadable {
                        detail: e.to_string(),
                    },
                );
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let kind = cell(1);
        let options: Vec<String> = (3..=10).map(cell).filter(|s| !s.is_empty()).collect();
        let answer_cell = cell(11);
        let answer = match (kind.as_str(), answer_cell.as_str()) {
            ("true_false", "true" | "TRUE" | "对" | "正确") => RawAnswer::Truth(true),
            ("true_false", "false" | "FALSE" | "错" | "错误") => RawAnswer::Truth(false),
            ("multiple", s) => RawAnswer::Texts(
                s.split([',', '，', ' '])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            ("fill", s) => RawAnswer::Texts(
                s.split('|')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect(),
            ),
            (_, s) => RawAnswer::Texts(vec![s.to_string()]),
        };
        let raw = RawQuestion {
            id: cell(0),
            kind,
            text: cell(2),
            options,
            answer,
            explanation: cell(12),
        };
        if let Some(q) = build_question(
            report,
            file,
            raw,
            Lines {
                question: line,
                kind: line,
                answer: line,
            },
            &mut seen,
        ) {
            questions.push(q);
        }
    }
    Some(questions)
}

enum RawAnswer {
    Truth(bool),
    Texts(Vec<String>),
}

struct RawQuestion {
    id: String,
    kind: String,
    text: String,
    options: Vec<String>,
    answer: RawAnswer,
    explanation: String,
}

struct Lines {
    question: usize,
    kind: usize,
    answer: usize,
}

fn build_question(
    report: &mut Report<'_>,
    file: &Path,
    raw: RawQuestion,
    lines: Lines,
    seen: &mut HashMap<String, usize>,
) -> Option<Question> {
    let before = report.problems.len();
    if !valid_item_id(&raw.id) {
        report.at(
            file,
            lines.question,
            ProblemKind::QuestionIdInvalid { id: raw.id.clone() },
        );
    } else if let Some(first) = seen.get(&raw.id) {
        report.at(
            file,
            lines.question,
            ProblemKind::QuestionIdDuplicate {
                id: raw.id.clone(),
                first_line: *first,
            },
        );
    } else {
        seen.insert(raw.id.clone(), lines.question);
    }
    if raw.text.trim().is_empty() {
        report.at(
            file,
            lines.question,
            ProblemKind::QuestionTextEmpty { id: raw.id.clone() },
        );
    }
    let Some(kind) = QuestionKind::parse(raw.kind.trim()) else {
        report.at(
            file,
            lines.kind,
            ProblemKind::QuestionKindInvalid {
                kind: raw.kind.clone(),
            },
        );
        return None;
    };
    let choice = matches!(kind, QuestionKind::Single | QuestionKind::Multiple);
    if choice && !(2..=8).contains(&raw.options.len()) {
        report.at(
            file,
            lines.question,
            ProblemKind::OptionCount {
                id: raw.id.clone(),
                count: raw.options.len(),
            },
        );
    }
    if !choice && !raw.options.is_empty() {
        report.at(
            file,
            lines.question,
            ProblemKind::OptionsNotTaken {
                id: raw.id.clone(),
                kind,
            },
        );
    }
    if raw.options.iter().any(|o| o.trim().is_empty()) {
        report.at(
            file,
            lines.question,
            ProblemKind::OptionEmpty { id: raw.id.clone() },
        );
    }
    let letter_index = |letter: &str| -> Option<usize> {
        let l = letter.trim();
        let c = l.chars().next()?;
        (l.chars().count() == 1 && c.is_ascii_uppercase())
            .then(|| (c as u8 - b'A') as usize)
            .filter(|&i| i < raw.options.len())
    };
    let answer = match (kind, raw.answer) {
        (QuestionKind::TrueFalse, RawAnswer::Truth(b)) => Answer::Truth(b),
        (QuestionKind::TrueFalse, _) => {
            report.at(file, lines.answer, ProblemKind::TrueFalseAnswer);
            return None;
        }
        (QuestionKind::Single, RawAnswer::Texts(letters)) if letters.len() == 1 => {
            match letter_index(&letters[0]) {
                Some(i) => Answer::Choices(vec![i]),
                None => {
                    report.at(
                        file,
                        lines.answer,
                        ProblemKind::AnswerNotAnOption {
                            answer: letters[0].clone(),
                            options: raw.options.len(),
                        },
                    );
                    return None;
                }
            }
        }
        (QuestionKind::Single, _) => {
            report.at(file, lines.answer, ProblemKind::SingleAnswer);
            return None;
        }
        (QuestionKind::Multiple, RawAnswer::Texts(letters)) if !letters.is_empty() => {
            let mut picked = Vec::new();
            for letter in &letters {
                match letter_index(letter) {
                    Some(i) if !picked.contains(&i) => picked.push(i),
                    Some(_) => report.at(
                        file,
                        lines.answer,
                        ProblemKind::AnswerLetterRepeated {
                            letter: letter.clone(),
                        },
                    ),
                    None => report.at(
                        file,
                        lines.answer,
                        ProblemKind::AnswerNotAnOption {
                            answer: letter.clone(),
                            options: raw.options.len(),
                        },
                    ),
                }
            }
            picked.sort_unstable();
            Answer::Choices(picked)
        }
        (QuestionKind::Multiple, _) => {
            report.at(file, lines.answer, ProblemKind::MultipleAnswer);
            return None;
        }
        (QuestionKind::Fill, RawAnswer::Texts(texts))
            if texts.iter().any(|t| !t.trim().is_empty()) =>
        {
            Answer::Texts(
                texts
                    .into_iter()
                    .map(|t| t.trim().to_string())
                    .filter(|t| !t.is_empty())
                    .collect(),
            )
        }
        (QuestionKind::Fill, _) => {
            report.at(file, lines.answer, ProblemKind::FillAnswer);
            return None;
        }
    };
    (report.problems.len() == before).then(|| Question {
        id: raw.id,
        kind,
        text: raw.text.trim().to_string(),
        options: raw
            .options
            .into_iter()
            .map(|o| o.trim().to_string())
            .collect(),
        answer,
        explanation: raw.explanation.trim().to_string(),
    })
}

/// The result of checking a pack or a folder of packs.
#[derive(Debug, Default)]
pub struct CheckedFolder {
    pub packs: Vec<Pack>,
    pub problems: Vec<Problem>,
    /// What the trainer should fix though the packs import (see [`super::depth`]).
    pub warnings: Vec<Problem>,
    /// The skill framework that applied (from skills.toml), if one was found.
    pub skills: BTreeMap<String, Skill>,
}

/// Checks `path`: a pack (it has course.toml) or a folder of packs. The skill framework is
/// `skills.toml` in the folder (or, for a single pack, next to it).
pub fn check_folder(path: &Path) -> CheckedFolder {
    check_folder_with(path, &BTreeSet::new())
}

/// Like [`check_folder`], with `known_courses` (already in the catalogue) accepted as
/// prerequisites too: for uploaded packs.
pub fn check_folder_with(path: &Path, known_courses: &BTreeSet<String>) -> CheckedFolder {
    let mut checked = CheckedFolder::default();
    let single = path.join("course.toml").exists();
    let base = if single {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    let skills_file = base.join("skills.toml");
    let skills = if skills_file.exists() {
        match load_skills(&skills_file, base) {
            Ok(s) => Some(s),
            Err(problems) => {
                checked.problems.extend(problems);
                None
            }
        }
    } else {
        None
    };
    let dirs: Vec<PathBuf> = if single {
        vec![path.to_path_buf()]
    } else {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        dirs.sort();
        if !path.is_dir() {
            checked
                .problems
                .push(Problem::new(path, 0, ProblemKind::NoSuchFolder));
        } else if dirs.is_empty() {
            checked
                .problems
                .push(Problem::new(path, 0, ProblemKind::NoPacks));
        }
        dirs
    };
    for dir in &dirs {
        match load_pack(dir, base) {
            Ok(pack) => {
                checked.warnings.extend(pack.warnings(base));
                checked.packs.push(pack);
            }
            Err(problems) => checked.problems.extend(problems),
        }
    }
    cross_checks(&mut checked, base, skills.as_ref(), known_courses);
    if let Some(skills) = skills {
        checked.skills = skills;
    }
    checked
}

fn cross_checks(
    checked: &mut CheckedFolder,
    base: &Path,
    skills: Option<&BTreeMap<String, Skill>>,
    known_courses: &BTreeSet<String>,
) {
    let mut problems = Vec::new();
    let mut by_id: HashMap<&str, &Pack> = HashMap::new();
    for pack in &checked.packs {
        if let Some(first) = by_id.insert(&pack.id, pack) {
            problems.push(Problem::new(
                relative(base, &pack.dir.join("course.toml")),
                1,
                ProblemKind::CourseIdDuplicate {
                    id: pack.id.clone(),
                    first: relative(base, &first.dir).display().to_string(),
                },
            ));
        }
        check_skill_levels(&mut problems, base, pack, skills);
    }
    check_prerequisites(&mut problems, base, &checked.packs, known_courses);
    check_cycles(&mut problems, base, &checked.packs, &by_id);
    checked.problems.extend(problems);
}

/// 1-based number of the first line of `text` that contains `needle`, or 1.
fn line_containing(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or(1)
}

/// The pack's skills are in the framework (`skills.toml`), at levels it has.
fn check_skill_levels(
    problems: &mut Vec<Problem>,
    base: &Path,
    pack: &Pack,
    skills: Option<&BTreeMap<String, Skill>>,
) {
    let file = relative(base, &pack.dir.join("course.toml"));
    let text = std::fs::read_to_string(pack.dir.join("course.toml")).unwrap_or_default();
    for skill in &pack.skills {
        let name = skill.skill.clone();
        let kind = match skills.map(|known| known.get(&skill.skill).map(|s| s.levels.len())) {
            None => ProblemKind::SkillUncheckable { skill: name },
            Some(None) => ProblemKind::SkillUnknown { skill: name },
            Some(Some(levels)) if usize::from(skill.level) > levels => {
                ProblemKind::SkillLevelMissing {
                    skill: name,
                    levels,
                    level: skill.level,
                }
            }
            Some(Some(_)) => continue,
        };
        let line = line_containing(&text, &format!("\"{}\"", skill.skill));
        problems.push(Problem::new(file.clone(), line, kind));
    }
}

/// Every prerequisite is a pack of the folder or (for uploads) a course already known.
fn check_prerequisites(
    problems: &mut Vec<Problem>,
    base: &Path,
    packs: &[Pack],
    known_courses: &BTreeSet<String>,
) {
    let ids: BTreeSet<&str> = packs.iter().map(|p| p.id.as_str()).collect();
    for pack in packs {
        let text = std::fs::read_to_string(pack.dir.join("course.toml")).unwrap_or_default();
        for prerequisite in &pack.prerequisites {
            if !ids.contains(prerequisite.as_str()) && !known_courses.contains(prerequisite) {
                problems.push(Problem::new(
                    relative(base, &pack.dir.join("course.toml")),
                    line_containing(&text, "prerequisites"),
                    ProblemKind::PrerequisiteUnknown {
                        id: prerequisite.clone(),
                    },
                ));
            }
        }
    }
}

/// Prerequisite cycles, each reported once: depth-first search over the graph.
fn check_cycles(
    problems: &mut Vec<Problem>,
    base: &Path,
    packs: &[Pack],
    by_id: &HashMap<&str, &Pack>,
) {
    let graph: HashMap<&str, Vec<&str>> = packs
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                p.prerequisites.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    let mut reported = BTreeSet::new();
    for start in graph.keys() {
        let mut path = vec![*start];
        let Some(cycle) = find_cycle(&graph, &mut path) else {
            continue;
        };
        let mut key = cycle.clone();
        key.sort();
        if !reported.insert(key) {
            continue;
        }
        let pack = by_id[cycle[0]];
        let text = std::fs::read_to_string(pack.dir.join("course.toml")).unwrap_or_default();
        let mut courses: Vec<String> = cycle.iter().map(|c| c.to_string()).collect();
        courses.push(cycle[0].to_string());
        problems.push(Problem::new(
            relative(base, &pack.dir.join("course.toml")),
            line_containing(&text, "prerequisites"),
            ProblemKind::PrerequisiteCycle { courses },
        ));
    }
}

fn find_cycle<'a>(
    graph: &HashMap<&'a str, Vec<&'a str>>,
    path: &mut Vec<&'a str>,
) -> Option<Vec<&'a str>> {
    let current = *path.last()?;
    for next in graph.get(current).into_iter().flatten() {
        if let Some(pos) = path.iter().position(|p| p == next) {
            return Some(path[pos..].to_vec());
        }
        if path.len() < 64 {
            path.push(next);
            if let Some(cycle) = find_cycle(graph, path) {
                return Some(cycle);
            }
            path.pop();
        }
    }
    None
}
