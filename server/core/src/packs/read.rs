//! Reading pack folders: every file parsed, every rule checked, all problems collected.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::format::*;
use super::markdown::{self, LinkKind};
use super::{
    line_of, relative, Answer, Lesson, MediaFile, Pack, Problem, Question, MEDIA_BUDGET_BYTES,
    MEDIA_TYPES,
};

/// Collects problems for one base folder.
struct Report<'a> {
    base: &'a Path,
    problems: Vec<Problem>,
}

impl Report<'_> {
    fn at(&mut self, file: &Path, line: usize, message: impl Into<String>) {
        self.problems.push(Problem {
            path: relative(self.base, file),
            line,
            message: message.into(),
        });
    }

    fn at_span(
        &mut self,
        file: &Path,
        text: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) {
        self.at(file, line_of(text, span.start), message);
    }

    fn toml_error(&mut self, file: &Path, text: &str, error: &toml::de::Error, line_offset: usize) {
        let line = error.span().map(|s| line_of(text, s.start)).unwrap_or(1) + line_offset;
        let message = error.message().trim().trim_end_matches('.').to_string();
        self.at(file, line, format!("{message}; fix the TOML here"));
    }
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
                    report.at(file, line, "the file is not UTF-8; save it as UTF-8");
                    None
                }
            }
        }
        Err(e) => {
            report.at(file, 0, format!("cannot read the file: {e}"));
            None
        }
    }
}

fn valid_id(id: &str) -> bool {
    (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
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
                            format!(
                                "skill id {:?} must be 3 to 64 characters of a-z, 0-9 and '-'",
                                skill.id
                            ),
                        );
                    }
                    if skill.levels.is_empty() {
                        report.at_span(file, &text, span.clone(), format!("skill {:?} needs its levels, e.g. levels = [\"初级\", \"中级\", \"高级\"]", skill.id));
                    }
                    if skills.insert(skill.id.clone(), skill.clone()).is_some() {
                        report.at_span(
                            file,
                            &text,
                            span,
                            format!(
                                "skill id {:?} is defined twice; give each skill its own id",
                                skill.id
                            ),
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
    fn at(&self, report: &mut Report<'_>, span: std::ops::Range<usize>, message: String) {
        report.at_span(self.file, self.text, span, message)
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
        report.at(
            &course_file,
            0,
            "missing course.toml; every pack folder needs one (see courses/README.md)",
        );
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
            format!(
                "version {:?} is not semver; write it like \"1.0.0\"",
                course.version.get_ref()
            ),
        );
    }
    for (field, value) in [
        ("title", Some(&course.title)),
        ("summary", Some(&course.summary)),
        ("title_en", course.title_en.as_ref()),
    ] {
        if let Some(value) = value {
            if value.get_ref().trim().is_empty() {
                toml.at(report, value.span(), format!("{field} is empty; write one"));
            }
        }
    }
    let tier = Tier::from_number(*course.tier.get_ref());
    if tier.is_none() {
        toml.at(
            report,
            course.tier.span(),
            format!(
                "tier {} is not 1 (基础), 2 (进阶) or 3 (高级)",
                course.tier.get_ref()
            ),
        );
    }
    let mode = Mode::parse(course.mode.get_ref());
    if mode.is_none() {
        toml.at(
            report,
            course.mode.span(),
            format!(
                "mode {:?} is not one of online, offline, blended",
                course.mode.get_ref()
            ),
        );
    }
    let hours = course.hours.get_ref().value();
    if !(hours > 0.0 && hours <= 200.0) {
        toml.at(
            report,
            course.hours.span(),
            format!("hours = {hours} must be more than 0 and at most 200"),
        );
    }
    let skills = check_skills(report, toml, course);
    for prerequisite in &course.prerequisites {
        if prerequisite.get_ref() == &id {
            toml.at(
                report,
                prerequisite.span(),
                "a course cannot be its own prerequisite".into(),
            );
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
            format!("id {id:?} must be 3 to 64 characters of a-z, 0-9 and '-'"),
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
            format!(
                "id {id:?} differs from the folder name {folder_name:?}; rename one so they match"
            ),
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
                format!("skill level {level} must be 1, 2 or 3"),
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
        toml.at(
            report,
            course.lessons.span(),
            "lessons is empty; list at least one lesson file".into(),
        );
    }
    for entry in course.lessons.get_ref() {
        let rel = entry.get_ref();
        let Some(path) = inside(dir, rel) else {
            toml.at(
                report,
                entry.span(),
                format!("lesson {rel:?} points outside the pack; keep lessons under lessons/"),
            );
            continue;
        };
        if !listed.insert(rel.clone()) {
            toml.at(
                report,
                entry.span(),
                format!("lesson {rel:?} is listed twice"),
            );
            continue;
        }
        if !path.is_file() {
            toml.at(report, entry.span(), format!("lesson {rel:?} is listed but the file does not exist; create it or remove it from the list"));
            continue;
        }
        if let Some(lesson) = read_lesson(report, dir, &path, rel) {
            if let Some(first) = lesson_ids.get(&lesson.id) {
                report.at(
                    &path,
                    2,
                    format!(
                        "lesson id {:?} is already used by {}; ids must be unique in a course",
                        lesson.id,
                        relative(dir, first).display()
                    ),
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
            report.at(&dir.join(&name), 0, format!("{name} is not listed in course.toml's lessons; add it to the list or delete the file"));
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
                format!(
                    "{name} = {} must be from {} to {}",
                    value.get_ref(),
                    range.start(),
                    range.end()
                ),
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
                toml.at(report, value.span(), format!("reveal = {:?} is not one of \"never\", \"after_pass\", \"after_last_attempt\"", value.get_ref()));
                Reveal::default()
            }),
        },
    };
    if let Some(bank) = bank {
        if rules.draw as usize > bank.len() {
            toml.at(report, q.draw.span(), format!("draw = {} but the question bank has only {} questions; lower draw or add questions", rules.draw, bank.len()));
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
    let completion = Completion {
        lessons: file.lessons,
        quiz: file.quiz,
        attendance: file.attendance,
    };
    let span = course.completion.span();
    let mut problem = |message: &str| toml.at(report, span.clone(), message.into());
    if completion.quiz && quiz.is_none() {
        problem("completion requires the quiz but there is no [quiz] section; add one or set quiz = false");
    }
    if completion.quiz && questions.as_ref().is_some_and(Vec::is_empty) {
        problem("completion requires the quiz but there is no questions.toml or questions.csv");
    }
    if completion.attendance && mode == Some(Mode::Online) {
        problem(
            "an online course cannot require attendance; use mode = \"blended\" or \"offline\"",
        );
    }
    if mode == Some(Mode::Offline) && !completion.attendance {
        problem("an offline course is completed by attendance; set attendance = true");
    }
    if !(completion.lessons || completion.quiz || completion.attendance) {
        problem("no completion rule is set; set at least one of lessons, quiz, attendance to true");
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
        report.at(
            path,
            1,
            "a lesson starts with front matter between +++ lines: id, title, minutes",
        );
        return None;
    };
    let Some(end) = rest.find("\n+++") else {
        report.at(
            path,
            1,
            "the front matter opened with +++ is never closed; add a +++ line after it",
        );
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
    if !valid_id(&id) {
        report.at(
            path,
            line(matter.id.span()),
            format!("lesson id {id:?} must be 3 to 64 characters of a-z, 0-9 and '-'"),
        );
    }
    if matter.title.get_ref().trim().is_empty() {
        report.at(path, line(matter.title.span()), "title is empty; write one");
    }
    let minutes = *matter.minutes.get_ref();
    if !(1..=600).contains(&minutes) {
        report.at(
            path,
            line(matter.minutes.span()),
            format!("minutes = {minutes} must be from 1 to 600"),
        );
    }
    if body.trim().is_empty() {
        report.at(path, 0, "the lesson has no text after its front matter");
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
                    format!("link {target:?} is plain http; use the https:// address"),
                );
            }
            LinkKind::Image if is_web || is_scheme => {
                report.at(&file, line, format!("image {target:?} is not in the pack; copy it into media/ and link it as media/NAME"));
            }
            LinkKind::Link
                if is_scheme && !lower.starts_with("mailto:") && !lower.starts_with("tel:") =>
            {
                report.at(
                    &file,
                    line,
                    format!(
                        "link {target:?} uses a scheme that is not allowed; use https:// addresses"
                    ),
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
                        format!(
                            "{target:?} points outside the pack; keep files inside the pack folder"
                        ),
                    ),
                    Some(resolved) => {
                        let resolved = resolved.to_string_lossy().replace('\\', "/");
                        if !media.iter().any(|m| m.path == resolved)
                            && !dir.join(&resolved).is_file()
                        {
                            report.at(&file, line, format!("{target:?} does not exist in the pack; add {resolved} or fix the link"));
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
            report.at(&file, line, format!("HTML in the lesson loads or links {target:?} from another site; lessons use only files in the pack's media/ folder and https:// links"));
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
                report.at(
                    &path,
                    0,
                    "symbolic links are not allowed in a pack; copy the file instead",
                );
            } else if meta.is_dir() {
                stack.push(path);
            } else {
                let rel = relative(dir, &path).to_string_lossy().replace('\\', "/");
                let ext = path
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                match MEDIA_TYPES.iter().find(|(e, _)| *e == ext) {
                    None => report.at(&path, 0, format!("{rel}: .{ext} files are not accepted; use png, jpg, gif, webp, mp3, m4a, mp4 or webm")),
                    Some((_, content_type)) => {
                        if meta.len() > MEDIA_BUDGET_BYTES {
                            report.at(&path, 0, format!("{rel} is {:.1} MB, over the 5 MB budget per file; compress or shorten it", meta.len() as f64 / 1_048_576.0));
                        }
                        media.push(MediaFile { path: rel, content_type, bytes: meta.len() });
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
            report.at(
                &csv_file,
                0,
                "both questions.toml and questions.csv exist; keep one",
            );
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

const CSV_COLUMNS: [&str; 13] = [
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
            report.at(file, 1, format!("cannot read the header row: {e}"));
            return Some(Vec::new());
        }
    };
    if headers != CSV_COLUMNS {
        report.at(
            file,
            1,
            format!("the header row must be exactly: {}", CSV_COLUMNS.join(",")),
        );
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
                    format!("this row cannot be read: {e}; every row needs 13 columns"),
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
    if !valid_id(&raw.id) {
        report.at(
            file,
            lines.question,
            format!(
                "question id {:?} must be 3 to 64 characters of a-z, 0-9 and '-'",
                raw.id
            ),
        );
    } else if let Some(first) = seen.get(&raw.id) {
        report.at(
            file,
            lines.question,
            format!(
                "question id {:?} is already used on line {first}; ids must be unique",
                raw.id
            ),
        );
    } else {
        seen.insert(raw.id.clone(), lines.question);
    }
    if raw.text.trim().is_empty() {
        report.at(
            file,
            lines.question,
            format!("question {:?} has no text", raw.id),
        );
    }
    let Some(kind) = QuestionKind::parse(raw.kind.trim()) else {
        report.at(
            file,
            lines.kind,
            format!(
                "kind {:?} is not one of single, multiple, true_false, fill",
                raw.kind
            ),
        );
        return None;
    };
    let choice = matches!(kind, QuestionKind::Single | QuestionKind::Multiple);
    if choice && !(2..=8).contains(&raw.options.len()) {
        report.at(
            file,
            lines.question,
            format!(
                "question {:?} has {} options; a choice question needs 2 to 8",
                raw.id,
                raw.options.len()
            ),
        );
    }
    if !choice && !raw.options.is_empty() {
        report.at(
            file,
            lines.question,
            format!(
                "question {:?} is {} and takes no options; remove them",
                raw.id,
                kind.as_str()
            ),
        );
    }
    if raw.options.iter().any(|o| o.trim().is_empty()) {
        report.at(
            file,
            lines.question,
            format!("question {:?} has an empty option", raw.id),
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
            report.at(
                file,
                lines.answer,
                "a true_false answer is true or false (without quotes)",
            );
            return None;
        }
        (QuestionKind::Single, RawAnswer::Texts(letters)) if letters.len() == 1 => {
            match letter_index(&letters[0]) {
                Some(i) => Answer::Choices(vec![i]),
                None => {
                    report.at(
                        file,
                        lines.answer,
                        format!(
                            "answer {:?} is not one of the options {}",
                            letters[0],
                            option_letters(raw.options.len())
                        ),
                    );
                    return None;
                }
            }
        }
        (QuestionKind::Single, _) => {
            report.at(
                file,
                lines.answer,
                "a single-choice answer is one letter, e.g. answer = \"C\"",
            );
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
                        format!("answer letter {letter:?} is repeated"),
                    ),
                    None => report.at(
                        file,
                        lines.answer,
                        format!(
                            "answer {letter:?} is not one of the options {}",
                            option_letters(raw.options.len())
                        ),
                    ),
                }
            }
            picked.sort_unstable();
            Answer::Choices(picked)
        }
        (QuestionKind::Multiple, _) => {
            report.at(
                file,
                lines.answer,
                "a multiple-choice answer is a list of letters, e.g. answer = [\"A\", \"C\"]",
            );
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
            report.at(
                file,
                lines.answer,
                "a fill answer is a list of accepted texts, e.g. answer = [\"十\", \"10\"]",
            );
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

fn option_letters(n: usize) -> String {
    if n == 0 {
        return "(there are no options)".into();
    }
    (0..n.min(8))
        .map(|i| char::from(b'A' + i as u8).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The result of checking a pack or a folder of packs.
#[derive(Debug, Default)]
pub struct CheckedFolder {
    pub packs: Vec<Pack>,
    pub problems: Vec<Problem>,
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
            checked.problems.push(Problem {
                path: path.to_path_buf(),
                line: 0,
                message: "no such folder".into(),
            });
        } else if dirs.is_empty() {
            checked.problems.push(Problem {
                path: path.to_path_buf(),
                line: 0,
                message: "no course packs here (a pack is a folder with course.toml)".into(),
            });
        }
        dirs
    };
    for dir in &dirs {
        match load_pack(dir, base) {
            Ok(pack) => checked.packs.push(pack),
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
        let file = relative(base, &pack.dir.join("course.toml"));
        if let Some(first) = by_id.insert(&pack.id, pack) {
            problems.push(Problem {
                path: file.clone(),
                line: 1,
                message: format!(
                    "course id {:?} is also used by {}; ids must be unique",
                    pack.id,
                    relative(base, &first.dir).display()
                ),
            });
        }
        let text = std::fs::read_to_string(pack.dir.join("course.toml")).unwrap_or_default();
        let line_with = |needle: &str| {
            text.lines()
                .position(|l| l.contains(needle))
                .map(|i| i + 1)
                .unwrap_or(1)
        };
        for skill in &pack.skills {
            match skills {
                None => problems.push(Problem {
                    path: file.clone(),
                    line: line_with(&format!("\"{}\"", skill.skill)),
                    message: format!(
                        "skill {:?} cannot be checked: there is no skills.toml next to the pack",
                        skill.skill
                    ),
                }),
                Some(known) => match known.get(&skill.skill).map(|s| s.levels.len()) {
                    None => problems.push(Problem {
                        path: file.clone(),
                        line: line_with(&format!("\"{}\"", skill.skill)),
                        message: format!(
                            "unknown skill {:?}; use one defined in skills.toml",
                            skill.skill
                        ),
                    }),
                    Some(levels) if usize::from(skill.level) > levels => problems.push(Problem {
                        path: file.clone(),
                        line: line_with(&format!("\"{}\"", skill.skill)),
                        message: format!(
                            "skill {:?} has {levels} levels; level {} does not exist",
                            skill.skill, skill.level
                        ),
                    }),
                    Some(_) => {}
                },
            }
        }
    }
    let ids: BTreeSet<&str> = checked.packs.iter().map(|p| p.id.as_str()).collect();
    for pack in &checked.packs {
        let file = relative(base, &pack.dir.join("course.toml"));
        let text = std::fs::read_to_string(pack.dir.join("course.toml")).unwrap_or_default();
        for prerequisite in &pack.prerequisites {
            if !ids.contains(prerequisite.as_str()) && !known_courses.contains(prerequisite) {
                let line = text
                    .lines()
                    .position(|l| l.contains("prerequisites"))
                    .map(|i| i + 1)
                    .unwrap_or(1);
                problems.push(Problem { path: file.clone(), line, message: format!("unknown prerequisite {prerequisite:?}; it must be a course in the same folder") });
            }
        }
    }
    // Prerequisite cycles: depth-first search over the graph.
    let graph: HashMap<&str, Vec<&str>> = checked
        .packs
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
        if let Some(cycle) = find_cycle(&graph, &mut path) {
            let mut key = cycle.clone();
            key.sort();
            if reported.insert(key) {
                let pack = by_id[cycle[0]];
                let text =
                    std::fs::read_to_string(pack.dir.join("course.toml")).unwrap_or_default();
                let line = text
                    .lines()
                    .position(|l| l.contains("prerequisites"))
                    .map(|i| i + 1)
                    .unwrap_or(1);
                let mut shown: Vec<&str> = cycle.clone();
                shown.push(cycle[0]);
                problems.push(Problem {
                    path: relative(base, &pack.dir.join("course.toml")),
                    line,
                    message: format!(
                        "prerequisites form a cycle: {}; remove one of them",
                        shown.join(" → ")
                    ),
                });
            }
        }
    }
    checked.problems.extend(problems);
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
