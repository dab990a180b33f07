//! What the course-pack checker found, as message codes with arguments rather than sentences,
//! so one report reads in Chinese on the trainers' page, in English on the command line and in
//! REST output, and a stored report can be shown again in either language.
//!
//! - [`ProblemKind`] is one problem's code and its values; [`ProblemKind::text`] says it in a
//!   [`Lang`] (every variant in both languages: the match has no wildcard, and a test checks
//!   every code's texts);
//! - [`ReportedProblem`] is a problem as stored with an upload and sent to clients:
//!   `{"path","line","message","code","args"}`, or, in reports stored before codes existed,
//!   the English line alone.
//!
//! This module has no server dependencies: the pages (also compiled to wasm) render it.

use serde::{Deserialize, Serialize};

use crate::dto::QuestionKind;

/// The language a problem is told in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese, the platform's first language.
    #[default]
    Zh,
    En,
}

/// The header row a `questions.csv` must have.
pub const CSV_HEADER: &str = "id,kind,text,A,B,C,D,E,F,G,H,answer,explanation";

/// One problem in a course pack: its code and the values it names. Serialised as
/// `{"code":"tier_invalid","args":{"tier":7}}` (`args` is absent for codes without values).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", content = "args", rename_all = "snake_case")]
pub enum ProblemKind {
    // TOML and files.
    /// The TOML parser's own message (it is in English).
    Toml {
        detail: String,
    },
    TomlUnknownKey {
        key: String,
        detail: String,
    },
    TomlMissingKey {
        key: String,
        detail: String,
    },
    NotUtf8,
    Unreadable {
        detail: String,
    },
    // skills.toml.
    SkillIdInvalid {
        id: String,
    },
    SkillLevelsMissing {
        skill: String,
    },
    SkillDefinedTwice {
        id: String,
    },
    // course.toml.
    CourseTomlMissing,
    VersionNotSemver {
        version: String,
    },
    /// `field` is the key, e.g. `title`.
    FieldEmpty {
        field: String,
    },
    TierInvalid {
        tier: i64,
    },
    ModeInvalid {
        mode: String,
    },
    /// `hours` as written (it may be any TOML number).
    HoursOutOfRange {
        hours: String,
    },
    OwnPrerequisite,
    CourseIdInvalid {
        id: String,
    },
    IdDiffersFromFolder {
        id: String,
        folder: String,
    },
    SkillLevelInvalid {
        level: i64,
    },
    LessonsEmpty,
    LessonOutsidePack {
        lesson: String,
    },
    LessonListedTwice {
        lesson: String,
    },
    LessonFileMissing {
        lesson: String,
    },
    LessonIdDuplicate {
        id: String,
        first: String,
    },
    LessonNotListed {
        file: String,
    },
    /// `name` is the `[quiz]` key, e.g. `pass_mark`.
    QuizNumberOutOfRange {
        name: String,
        value: i64,
        min: i64,
        max: i64,
    },
    RevealInvalid {
        reveal: String,
    },
    DrawExceedsBank {
        draw: u32,
        bank: usize,
    },
    CompletionNeedsQuizSection,
    CompletionNeedsQuestions,
    OnlineWithAttendance,
    OfflineWithoutAttendance,
    NoCompletionRule,
    /// `practical = true` without attendance: the score is given at a class.
    PracticalNeedsAttendance,
    /// `practical = true` without `practical_pass_mark`, or a mark without `practical`.
    PracticalPassMarkMissing,
    PracticalPassMarkWithoutPractical,
    PracticalPassMarkRange {
        mark: i64,
    },
    // Lessons.
    FrontMatterMissing,
    FrontMatterUnclosed,
    LessonIdInvalid {
        id: String,
    },
    MinutesOutOfRange {
        minutes: i64,
    },
    LessonBodyEmpty,
    PlainHttpLink {
        target: String,
    },
    ImageNotInPack {
        target: String,
    },
    LinkSchemeNotAllowed {
        target: String,
    },
    LinkOutsidePack {
        target: String,
    },
    LinkTargetMissing {
        target: String,
        resolved: String,
    },
    HtmlLoadsExternal {
        target: String,
    },
    // Media.
    SymlinkInPack,
    MediaTypeNotAccepted {
        file: String,
        ext: String,
    },
    MediaOverBudget {
        file: String,
        bytes: u64,
    },
    // Question banks.
    QuestionFilesBoth,
    CsvHeaderUnreadable {
        detail: String,
    },
    CsvHeaderWrong,
    CsvRowUnreadable {
        detail: String,
    },
    QuestionIdInvalid {
        id: String,
    },
    QuestionIdDuplicate {
        id: String,
        first_line: usize,
    },
    QuestionTextEmpty {
        id: String,
    },
    QuestionKindInvalid {
        kind: String,
    },
    OptionCount {
        id: String,
        count: usize,
    },
    OptionsNotTaken {
        id: String,
        kind: QuestionKind,
    },
    OptionEmpty {
        id: String,
    },
    TrueFalseAnswer,
    /// `options` is how many options the question has (lettered A, B, …).
    AnswerNotAnOption {
        answer: String,
        options: usize,
    },
    SingleAnswer,
    AnswerLetterRepeated {
        letter: String,
    },
    MultipleAnswer,
    FillAnswer,
    // Across packs.
    NoSuchFolder,
    NoPacks,
    CourseIdDuplicate {
        id: String,
        first: String,
    },
    SkillUncheckable {
        skill: String,
    },
    SkillUnknown {
        skill: String,
    },
    SkillLevelMissing {
        skill: String,
        levels: usize,
        level: u8,
    },
    PrerequisiteUnknown {
        id: String,
    },
    /// The courses around the cycle, the first repeated at the end.
    PrerequisiteCycle {
        courses: Vec<String>,
    },
    // Uploads: ids already taken.
    CourseIdBundled {
        id: String,
    },
    /// `owner` is the union's name and code, `江苏省总工会（js）`.
    CourseOwned {
        course: String,
        owner: String,
        bundled: bool,
    },
    // Uploaded zips.
    ZipTooLarge {
        bytes: usize,
    },
    NotZip {
        detail: String,
    },
    TooManyEntries {
        entries: usize,
    },
    UnpackedTooLarge,
    ZipBomb {
        entry: String,
    },
    UnsafePath {
        entry: String,
    },
    ZipSymlink {
        entry: String,
    },
    SpecialFile {
        entry: String,
    },
    NonAsciiName {
        entry: String,
    },
    DuplicateName {
        entry: String,
    },
    UnknownFileType {
        entry: String,
    },
    NoCourseToml,
    UnpackFailed {
        detail: String,
    },
    // Pictures drawn as SVG.
    SvgNotSafe {
        file: String,
        detail: String,
    },
    // Warnings: the pack imports, but a trainer should fix these (see `is_warning`).
    BankSmallForDraw {
        draw: u32,
        bank: usize,
    },
    HoursDisagree {
        hours: String,
        minutes: u32,
        used: String,
    },
    LessonMinutesLow {
        minutes: u32,
        needed: u32,
        chars: usize,
        tasks: u32,
    },
}

/// 单选题 / 多选题 / 判断题 / 填空题.
fn kind_zh(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "单选题",
        QuestionKind::Multiple => "多选题",
        QuestionKind::TrueFalse => "判断题",
        QuestionKind::Fill => "填空题",
    }
}

/// The option letters of a question with `n` options, `A, B, C` (`A、B、C` in Chinese).
fn letters(n: usize, separator: &str) -> String {
    (0..n.min(8))
        .map(|i| char::from(b'A' + i as u8).to_string())
        .collect::<Vec<_>>()
        .join(separator)
}

/// The Chinese or the English text, for `lang`.
fn pick(lang: Lang, zh: String, en: String) -> String {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

impl ProblemKind {
    /// A warning: the pack still imports (and `courses check` exits 0), but the trainer
    /// should fix it. Everything else is an error that stops the pack.
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            ProblemKind::BankSmallForDraw { .. }
                | ProblemKind::HoursDisagree { .. }
                | ProblemKind::LessonMinutesLow { .. }
        )
    }

    /// The problem in `lang`. The English text is what the command line prints.
    ///
    /// A table rather than logic: one arm per code, Chinese first, and no wildcard, so a new
    /// code does not compile until it is told in both languages.
    pub fn text(&self, lang: Lang) -> String {
        use ProblemKind::*;
        let say = |zh: String, en: String| pick(lang, zh, en);
        match self {
            Toml { detail } => say(
                format!("TOML 写法有误，请修改这一处（{detail}）"),
                format!("{detail}; fix the TOML here"),
            ),
            TomlUnknownKey { key, detail } => say(
                format!("不认识“{key}”这一项：请检查拼写，或删除这一项"),
                format!("{detail}; fix the TOML here"),
            ),
            TomlMissingKey { key, detail } => say(
                format!("缺少“{key}”这一项，请补上"),
                format!("{detail}; fix the TOML here"),
            ),
            NotUtf8 => say(
                "文件不是 UTF-8 编码，请用 UTF-8 另存".into(),
                "the file is not UTF-8; save it as UTF-8".into(),
            ),
            Unreadable { detail } => say(
                format!("无法读取这个文件（{detail}）"),
                format!("cannot read the file: {detail}"),
            ),
            SkillIdInvalid { id } => say(
                format!("技能编号“{id}”不合格：应为 3 到 64 个字符，只用小写字母 a-z、数字 0-9 和“-”"),
                format!("skill id {id:?} must be 3 to 64 characters of a-z, 0-9 and '-'"),
            ),
            SkillLevelsMissing { skill } => say(
                format!("技能“{skill}”缺少等级，例如 levels = [\"初级\", \"中级\", \"高级\"]"),
                format!("skill {skill:?} needs its levels, e.g. levels = [\"初级\", \"中级\", \"高级\"]"),
            ),
            SkillDefinedTwice { id } => say(
                format!("技能编号“{id}”定义了两次，每个技能要有自己的编号"),
                format!("skill id {id:?} is defined twice; give each skill its own id"),
            ),
            CourseTomlMissing => say(
                "缺少 course.toml：每个课程包文件夹都要有一个（见 courses/README.md）".into(),
                "missing course.toml; every pack folder needs one (see courses/README.md)".into(),
            ),
            VersionNotSemver { version } => say(
                format!("版本号“{version}”格式不对，请写成 \"1.0.0\" 这样的三段数字"),
                format!("version {version:?} is not semver; write it like \"1.0.0\""),
            ),
            FieldEmpty { field } => say(
                format!("{field} 是空的，请填写"),
                format!("{field} is empty; write one"),
            ),
            TierInvalid { tier } => say(
                format!("tier 的值 {tier} 无效，应为 1（基础）、2（进阶）或 3（高级）"),
                format!("tier {tier} is not 1 (basic), 2 (intermediate) or 3 (advanced)"),
            ),
            ModeInvalid { mode } => say(
                format!("mode 的值“{mode}”无效，应为 online（线上）、offline（线下）或 blended（线上线下结合）"),
                format!("mode {mode:?} is not one of online, offline, blended"),
            ),
            HoursOutOfRange { hours } => say(
                format!("hours = {hours} 超出范围：学时应大于 0，最多 200"),
                format!("hours = {hours} must be more than 0 and at most 200"),
            ),
            OwnPrerequisite => say(
                "课程不能把自己列为先修课程".into(),
                "a course cannot be its own prerequisite".into(),
            ),
            CourseIdInvalid { id } => say(
                format!("课程编号“{id}”不合格：应为 3 到 64 个字符，只用小写字母 a-z、数字 0-9 和“-”"),
                format!("id {id:?} must be 3 to 64 characters of a-z, 0-9 and '-'"),
            ),
            IdDiffersFromFolder { id, folder } => say(
                format!("课程编号“{id}”与文件夹名“{folder}”不一致，请改其中一个，让两者相同"),
                format!("id {id:?} differs from the folder name {folder:?}; rename one so they match"),
            ),
            SkillLevelInvalid { level } => say(
                format!("技能等级 {level} 无效，应为 1、2 或 3"),
                format!("skill level {level} must be 1, 2 or 3"),
            ),
            LessonsEmpty => say(
                "lessons 是空的，请至少列出一个课时文件".into(),
                "lessons is empty; list at least one lesson file".into(),
            ),
            LessonOutsidePack { lesson } => say(
                format!("课时“{lesson}”指向课程包以外，课时文件要放在 lessons/ 文件夹里"),
                format!("lesson {lesson:?} points outside the pack; keep lessons under lessons/"),
            ),
            LessonListedTwice { lesson } => say(
                format!("课时“{lesson}”列了两次"),
                format!("lesson {lesson:?} is listed twice"),
            ),
            LessonFileMissing { lesson } => say(
                format!("列出了课时“{lesson}”，但找不到这个文件：请创建它，或从列表中删除"),
                format!("lesson {lesson:?} is listed but the file does not exist; create it or remove it from the list"),
            ),
            LessonIdDuplicate { id, first } => say(
                format!("课时编号“{id}”已被 {first} 使用，同一门课里的编号不能重复"),
                format!("lesson id {id:?} is already used by {first}; ids must be unique in a course"),
            ),
            LessonNotListed { file } => say(
                format!("{file} 没有列在 course.toml 的 lessons 里：请把它加到列表中，或删除这个文件"),
                format!("{file} is not listed in course.toml's lessons; add it to the list or delete the file"),
            ),
            QuizNumberOutOfRange { name, value, min, max } => say(
                format!("{name} = {value} 超出范围，应在 {min} 到 {max} 之间"),
                format!("{name} = {value} must be from {min} to {max}"),
            ),
            RevealInvalid { reveal } => say(
                format!("reveal 的值“{reveal}”无效，应为 \"never\"、\"after_pass\" 或 \"after_last_attempt\""),
                format!("reveal = {reveal:?} is not one of \"never\", \"after_pass\", \"after_last_attempt\""),
            ),
            DrawExceedsBank { draw, bank } => say(
                format!("draw = {draw}，但题库只有 {bank} 道题：请减小 draw，或增加题目"),
                format!("draw = {draw} but the question bank has only {bank} questions; lower draw or add questions"),
            ),
            CompletionNeedsQuizSection => say(
                "结业条件要求测验，但没有 [quiz] 部分：请加上，或设 quiz = false".into(),
                "completion requires the quiz but there is no [quiz] section; add one or set quiz = false".into(),
            ),
            CompletionNeedsQuestions => say(
                "结业条件要求测验，但没有题库 questions.toml 或 questions.csv".into(),
                "completion requires the quiz but there is no questions.toml or questions.csv".into(),
            ),
            OnlineWithAttendance => say(
                "线上课程不能要求签到：请改用 mode = \"blended\" 或 \"offline\"".into(),
                "an online course cannot require attendance; use mode = \"blended\" or \"offline\"".into(),
            ),
            OfflineWithoutAttendance => say(
                "线下课程凭签到结业：请设 attendance = true".into(),
                "an offline course is completed by attendance; set attendance = true".into(),
            ),
            PracticalNeedsAttendance => say(
                "实操考核在线下课上评分：设 practical = true 时也要设 attendance = true".into(),
                "the practical is scored at a class: with practical = true, set attendance = true too".into(),
            ),
            PracticalPassMarkMissing => say(
                "设了 practical = true，还要设及格分 practical_pass_mark（1 到 100）".into(),
                "with practical = true, set practical_pass_mark (1 to 100) too".into(),
            ),
            PracticalPassMarkWithoutPractical => say(
                "设了 practical_pass_mark 却没有 practical = true：要实操考核请加 practical = true，否则删掉及格分".into(),
                "practical_pass_mark is set without practical = true: add practical = true for a practical assessment, or remove the mark".into(),
            ),
            PracticalPassMarkRange { mark } => say(
                format!("实操及格分 {mark} 不在 1 到 100 之间"),
                format!("the practical pass mark {mark} is not between 1 and 100"),
            ),
            NoCompletionRule => say(
                "没有设结业条件：lessons、quiz、attendance 至少要有一项为 true".into(),
                "no completion rule is set; set at least one of lessons, quiz, attendance to true".into(),
            ),
            FrontMatterMissing => say(
                "课时文件要以两行 +++ 之间的开头信息开始：id、title、minutes".into(),
                "a lesson starts with front matter between +++ lines: id, title, minutes".into(),
            ),
            FrontMatterUnclosed => say(
                "以 +++ 开始的开头信息没有结束，请在它后面加一行 +++".into(),
                "the front matter opened with +++ is never closed; add a +++ line after it".into(),
            ),
            LessonIdInvalid { id } => say(
                format!("课时编号“{id}”不合格：应为 1 到 64 个字符，只用小写字母 a-z、数字 0-9、“-”和“_”"),
                format!("lesson id {id:?} must be 1 to 64 characters of a-z, 0-9, '-' and '_'"),
            ),
            MinutesOutOfRange { minutes } => say(
                format!("minutes = {minutes} 超出范围，应在 1 到 600 之间"),
                format!("minutes = {minutes} must be from 1 to 600"),
            ),
            LessonBodyEmpty => say(
                "课时在开头信息之后没有正文".into(),
                "the lesson has no text after its front matter".into(),
            ),
            PlainHttpLink { target } => say(
                format!("链接“{target}”用的是不加密的 http，请改用 https:// 地址"),
                format!("link {target:?} is plain http; use the https:// address"),
            ),
            ImageNotInPack { target } => say(
                format!("图片“{target}”不在课程包里：请把它复制到 media/ 文件夹，用 media/文件名 引用"),
                format!("image {target:?} is not in the pack; copy it into media/ and link it as media/NAME"),
            ),
            LinkSchemeNotAllowed { target } => say(
                format!("链接“{target}”的类型不允许，请使用 https:// 地址"),
                format!("link {target:?} uses a scheme that is not allowed; use https:// addresses"),
            ),
            LinkOutsidePack { target } => say(
                format!("“{target}”指向课程包以外，文件要放在课程包文件夹里"),
                format!("{target:?} points outside the pack; keep files inside the pack folder"),
            ),
            LinkTargetMissing { target, resolved } => say(
                format!("课程包里没有“{target}”：请添加 {resolved}，或改正链接"),
                format!("{target:?} does not exist in the pack; add {resolved} or fix the link"),
            ),
            HtmlLoadsExternal { target } => say(
                format!("课时里的 HTML 从别的网站加载或链接“{target}”：课时只能使用课程包 media/ 文件夹里的文件和 https:// 链接"),
                format!("HTML in the lesson loads or links {target:?} from another site; lessons use only files in the pack's media/ folder and https:// links"),
            ),
            SymlinkInPack => say(
                "课程包里不能有符号链接，请复制文件本身".into(),
                "symbolic links are not allowed in a pack; copy the file instead".into(),
            ),
            MediaTypeNotAccepted { file, ext } => say(
                format!("{file}：不接受 .{ext} 文件，请使用 png、jpg、gif、webp、svg、mp3、m4a、mp4 或 webm"),
                format!("{file}: .{ext} files are not accepted; use png, jpg, gif, webp, svg, mp3, m4a, mp4 or webm"),
            ),
            MediaOverBudget { file, bytes } => {
                let mb = *bytes as f64 / 1_048_576.0;
                say(
                    format!("{file} 有 {mb:.1} MB，超过了每个文件 5 MB 的上限，请压缩或剪短"),
                    format!("{file} is {mb:.1} MB, over the 5 MB budget per file; compress or shorten it"),
                )
            }
            QuestionFilesBoth => say(
                "questions.toml 和 questions.csv 同时存在，请只保留一个".into(),
                "both questions.toml and questions.csv exist; keep one".into(),
            ),
            CsvHeaderUnreadable { detail } => say(
                format!("无法读取标题行（{detail}）"),
                format!("cannot read the header row: {detail}"),
            ),
            CsvHeaderWrong => say(
                format!("标题行必须正好是：{CSV_HEADER}"),
                format!("the header row must be exactly: {CSV_HEADER}"),
            ),
            CsvRowUnreadable { detail } => say(
                format!("这一行无法读取，每行需要 13 列（{detail}）"),
                format!("this row cannot be read: {detail}; every row needs 13 columns"),
            ),
            QuestionIdInvalid { id } => say(
                format!("题目编号“{id}”不合格：应为 1 到 64 个字符，只用小写字母 a-z、数字 0-9、“-”和“_”"),
                format!("question id {id:?} must be 1 to 64 characters of a-z, 0-9, '-' and '_'"),
            ),
            QuestionIdDuplicate { id, first_line } => say(
                format!("题目编号“{id}”在第 {first_line} 行已经用过，编号不能重复"),
                format!("question id {id:?} is already used on line {first_line}; ids must be unique"),
            ),
            QuestionTextEmpty { id } => say(
                format!("题目“{id}”没有题干"),
                format!("question {id:?} has no text"),
            ),
            QuestionKindInvalid { kind } => say(
                format!("题型“{kind}”无效，应为 single（单选）、multiple（多选）、true_false（判断）或 fill（填空）"),
                format!("kind {kind:?} is not one of single, multiple, true_false, fill"),
            ),
            OptionCount { id, count } => say(
                format!("题目“{id}”有 {count} 个选项，选择题需要 2 到 8 个"),
                format!("question {id:?} has {count} options; a choice question needs 2 to 8"),
            ),
            OptionsNotTaken { id, kind } => say(
                format!("题目“{id}”是{}，不需要选项，请删除选项", kind_zh(*kind)),
                format!("question {id:?} is {} and takes no options; remove them", kind.as_str()),
            ),
            OptionEmpty { id } => say(
                format!("题目“{id}”有空白选项"),
                format!("question {id:?} has an empty option"),
            ),
            TrueFalseAnswer => say(
                "判断题的答案写 true 或 false（不加引号）".into(),
                "a true_false answer is true or false (without quotes)".into(),
            ),
            AnswerNotAnOption { answer, options: 0 } => say(
                format!("答案“{answer}”无效：这道题没有选项"),
                format!("answer {answer:?} is not one of the options (there are no options)"),
            ),
            AnswerNotAnOption { answer, options } => say(
                format!("答案“{answer}”不是选项 {} 之一", letters(*options, "、")),
                format!("answer {answer:?} is not one of the options {}", letters(*options, ", ")),
            ),
            SingleAnswer => say(
                "单选题的答案是一个字母，例如 answer = \"C\"".into(),
                "a single-choice answer is one letter, e.g. answer = \"C\"".into(),
            ),
            AnswerLetterRepeated { letter } => say(
                format!("答案字母“{letter}”重复了"),
                format!("answer letter {letter:?} is repeated"),
            ),
            MultipleAnswer => say(
                "多选题的答案是字母的列表，例如 answer = [\"A\", \"C\"]".into(),
                "a multiple-choice answer is a list of letters, e.g. answer = [\"A\", \"C\"]".into(),
            ),
            FillAnswer => say(
                "填空题的答案是可接受答案的列表，例如 answer = [\"十\", \"10\"]".into(),
                "a fill answer is a list of accepted texts, e.g. answer = [\"十\", \"10\"]".into(),
            ),
            NoSuchFolder => say("没有这个文件夹".into(), "no such folder".into()),
            NoPacks => say(
                "这里没有课程包（课程包是含有 course.toml 的文件夹）".into(),
                "no course packs here (a pack is a folder with course.toml)".into(),
            ),
            CourseIdDuplicate { id, first } => say(
                format!("课程编号“{id}”也被 {first} 使用，编号不能重复"),
                format!("course id {id:?} is also used by {first}; ids must be unique"),
            ),
            SkillUncheckable { skill } => say(
                format!("无法检查技能“{skill}”：课程包旁边没有 skills.toml"),
                format!("skill {skill:?} cannot be checked: there is no skills.toml next to the pack"),
            ),
            SkillUnknown { skill } => say(
                format!("未知技能“{skill}”，请使用 skills.toml 里定义的技能"),
                format!("unknown skill {skill:?}; use one defined in skills.toml"),
            ),
            SkillLevelMissing { skill, levels, level } => say(
                format!("技能“{skill}”只有 {levels} 个等级，没有第 {level} 级"),
                format!("skill {skill:?} has {levels} levels; level {level} does not exist"),
            ),
            PrerequisiteUnknown { id } => say(
                format!("未知的先修课程“{id}”：它必须是同一文件夹里的课程"),
                format!("unknown prerequisite {id:?}; it must be a course in the same folder"),
            ),
            PrerequisiteCycle { courses } => say(
                format!("先修课程形成了循环：{}，请去掉其中一个", courses.join(" → ")),
                format!("prerequisites form a cycle: {}; remove one of them", courses.join(" → ")),
            ),
            CourseIdBundled { id } => say(
                format!("课程编号“{id}”属于一门内置课程（在 courses 文件夹里），请给这个课程包换一个编号"),
                format!("the course id {id:?} belongs to a bundled course (in the courses folder); give this pack another id"),
            ),
            CourseOwned { course, owner, bundled } => say(
                format!(
                    "课程编号“{course}”属于{owner}{}。只有它自己的培训师和管理员能发布新版本，请给这个课程包换一个编号",
                    if *bundled { "的内置课程，只能从课程文件夹更新" } else { "" }
                ),
                format!(
                    "the course id {course:?} belongs to {owner}{}; only its own trainers and administrators can publish new versions, so give this pack another id",
                    if *bundled { " as a bundled course, replaced only from its folder" } else { "" }
                ),
            ),
            ZipTooLarge { bytes } => say(
                format!("zip 文件有 {bytes} 字节，上限是 50 MB"),
                format!("the zip is {bytes} bytes; the limit is 50 MB"),
            ),
            NotZip { detail } => say(
                "这个文件不是能读取的 zip 压缩包，请重新压缩课程包文件夹后上传".into(),
                format!("the file is not a readable zip archive ({detail})"),
            ),
            TooManyEntries { entries } => say(
                format!("zip 里有 {entries} 个文件和文件夹，上限是 2000 个"),
                format!("the zip has {entries} entries; the limit is 2,000"),
            ),
            UnpackedTooLarge => say(
                "课程包解压后超过 200 MB，请把媒体文件做小一些".into(),
                "the pack unpacks to more than 200 MB; make media files smaller".into(),
            ),
            ZipBomb { entry } => say(
                format!("{entry}：压缩率异常高（超过 100 倍），可能是“压缩炸弹”，已拒绝"),
                format!("{entry}: compressed suspiciously well (more than 100 times); refused as a possible zip bomb"),
            ),
            UnsafePath { entry } => say(
                format!("{entry}：路径指向课程包以外（绝对路径、“..”或“\\”），请直接压缩课程包文件夹"),
                format!("{entry}: the path leaves the pack (absolute, '..' or '\\'); zip the pack folder itself"),
            ),
            ZipSymlink { entry } => say(
                format!("{entry}：不接受符号链接，请把文件本身放进 zip"),
                format!("{entry}: symbolic links are not accepted; put the file itself in the zip"),
            ),
            SpecialFile { entry } => say(
                format!("{entry}：只接受普通文件和文件夹"),
                format!("{entry}: only plain files and folders are accepted"),
            ),
            NonAsciiName { entry } => say(
                format!("{entry}：文件名只能用英文字母、数字、“-”、“_”和“.”，请给文件改名"),
                format!("{entry}: file names must use ASCII letters, digits, '-', '_' and '.'; rename the file"),
            ),
            DuplicateName { entry } => say(
                format!("{entry}：另一个文件与它同名，只是大小写不同"),
                format!("{entry}: another entry has the same name apart from upper/lower case"),
            ),
            UnknownFileType { entry } => say(
                format!("{entry}：这种文件不属于课程包（可以有：course.toml、questions.toml 或 .csv、.md 课时，以及 png/jpg/gif/webp/mp3/m4a/mp4/webm 媒体文件）"),
                format!("{entry}: this kind of file is not part of a course pack (allowed: course.toml, questions.toml or .csv, .md lessons, png/jpg/gif/webp/mp3/m4a/mp4/webm media)"),
            ),
            NoCourseToml => say(
                "zip 的最上层或其中唯一的文件夹里没有 course.toml".into(),
                "no course.toml at the top of the zip or in its single top folder".into(),
            ),
            UnpackFailed { detail } => say(
                format!("无法解压（{detail}）"),
                format!("cannot unpack: {detail}"),
            ),
            SvgNotSafe { file, detail } => say(
                format!("{file}：这张 SVG 图含有不允许的内容（{detail}），请只用基本图形、文字和颜色属性，不用脚本、样式、链接和外部资源"),
                format!("{file}: this SVG picture has something not allowed ({detail}); use only basic shapes, text and presentation attributes: no scripts, styles, links or outside resources"),
            ),
            BankSmallForDraw { draw, bank } => say(
                format!("提醒：题库只有 {bank} 道题，每次抽 {draw} 道，两次测验会大量重复；题目至少要有抽题数的 3 倍（{} 道）", draw * 3),
                format!("warning: the bank has {bank} questions for draw = {draw}, so two attempts repeat much; have at least 3 × draw ({}) questions", draw * 3),
            ),
            HoursDisagree { hours, minutes, used } => say(
                format!("提醒：hours = {hours}，但各课 minutes 合计 {minutes} 分钟，相差超过 25%；统计学时将按 {used} 学时计，请改正 hours 或各课的 minutes"),
                format!("warning: hours = {hours} but the lessons' minutes add up to {minutes}, more than 25% apart; the dashboards will count {used} hours; correct hours or the lessons' minutes"),
            ),
            LessonMinutesLow { minutes, needed, chars, tasks } => say(
                format!("提醒：minutes = {minutes}，但这一课 {chars} 个汉字（约每分钟 300 字）加上动手练 {tasks} 分钟，至少需要约 {needed} 分钟"),
                format!("warning: minutes = {minutes}, but this lesson's {chars} Chinese characters (about 300 a minute) and {tasks} minutes of hands-on tasks need about {needed}"),
            ),
        }
    }
}

/// One problem of a stored report, as clients see it. Since issue 11.12 every problem has its
/// code; reports stored before have only the English line (`path:line: message`), shown as it
/// is in both languages. Anything else is a decode error, never an empty report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReportedProblem {
    Coded(CodedProblem),
    /// The English line of a report stored before problems had codes.
    Line(String),
}

/// A problem with its file, line and code: `{"path","line","message","code","args"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodedProblem {
    /// The file, relative to the pack's folder's parent, e.g. `my-course/course.toml`.
    pub path: String,
    /// 1-based; 0 when the problem is about the file as a whole.
    pub line: usize,
    /// The problem in English, as the command line prints it (for REST clients).
    pub message: String,
    #[serde(flatten)]
    pub kind: ProblemKind,
}

impl CodedProblem {
    pub fn new(path: String, line: usize, kind: ProblemKind) -> CodedProblem {
        CodedProblem {
            path,
            line,
            message: kind.text(Lang::En),
            kind,
        }
    }

    /// The problem with its line and without its path: `第 5 行：…` / `line 5: …`.
    pub fn at_line(&self, lang: Lang) -> String {
        let text = self.kind.text(lang);
        match (lang, self.line) {
            (_, 0) => text,
            (Lang::Zh, line) => format!("第 {line} 行：{text}"),
            (Lang::En, line) => format!("line {line}: {text}"),
        }
    }
}

impl ReportedProblem {
    /// A warning (the pack still publishes); the lines of old reports are problems.
    pub fn is_warning(&self) -> bool {
        matches!(self, ReportedProblem::Coded(p) if p.kind.is_warning())
    }

    /// The file the problem is in (unknown for the lines of old reports).
    pub fn path(&self) -> Option<&str> {
        match self {
            ReportedProblem::Coded(p) => Some(&p.path),
            ReportedProblem::Line(_) => None,
        }
    }

    /// The problem in `lang` with its line, without its path (an old report's line as stored).
    pub fn at_line(&self, lang: Lang) -> String {
        match self {
            ReportedProblem::Coded(p) => p.at_line(lang),
            ReportedProblem::Line(line) => line.clone(),
        }
    }

    /// `path:line: message` in English, as the command line prints it.
    pub fn english_line(&self) -> String {
        match self {
            ReportedProblem::Coded(p) => format!("{}:{}: {}", p.path, p.line, p.message),
            ReportedProblem::Line(line) => line.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One value of every code. [`position`] has no wildcard, so a new code does not compile
    /// until it has a position, and the test below fails until it has an example here.
    fn examples() -> Vec<ProblemKind> {
        use ProblemKind::*;
        let s = |v: &str| v.to_string();
        vec![
            Toml {
                detail: s("invalid string"),
            },
            TomlUnknownKey {
                key: s("price"),
                detail: s("unknown field `price`"),
            },
            TomlMissingKey {
                key: s("summary"),
                detail: s("missing field `summary`"),
            },
            NotUtf8,
            Unreadable {
                detail: s("permission denied"),
            },
            SkillIdInvalid { id: s("X") },
            SkillLevelsMissing {
                skill: s("digital-life"),
            },
            SkillDefinedTwice {
                id: s("digital-life"),
            },
            CourseTomlMissing,
            VersionNotSemver { version: s("1.0") },
            FieldEmpty { field: s("title") },
            TierInvalid { tier: 7 },
            ModeInvalid { mode: s("remote") },
            HoursOutOfRange { hours: s("0") },
            OwnPrerequisite,
            CourseIdInvalid {
                id: s("Demo Course"),
            },
            IdDiffersFromFolder {
                id: s("a-course"),
                folder: s("b-course"),
            },
            SkillLevelInvalid { level: 4 },
            LessonsEmpty,
            LessonOutsidePack {
                lesson: s("../x.md"),
            },
            LessonListedTwice {
                lesson: s("lessons/01.md"),
            },
            LessonFileMissing {
                lesson: s("lessons/02.md"),
            },
            LessonIdDuplicate {
                id: s("intro"),
                first: s("lessons/01.md"),
            },
            LessonNotListed {
                file: s("lessons/03.md"),
            },
            QuizNumberOutOfRange {
                name: s("pass_mark"),
                value: 0,
                min: 1,
                max: 100,
            },
            RevealInvalid {
                reveal: s("always"),
            },
            DrawExceedsBank { draw: 5, bank: 3 },
            CompletionNeedsQuizSection,
            CompletionNeedsQuestions,
            OnlineWithAttendance,
            OfflineWithoutAttendance,
            NoCompletionRule,
            PracticalNeedsAttendance,
            PracticalPassMarkMissing,
            PracticalPassMarkWithoutPractical,
            PracticalPassMarkRange { mark: 0 },
            FrontMatterMissing,
            FrontMatterUnclosed,
            LessonIdInvalid { id: s("Intro") },
            MinutesOutOfRange { minutes: 0 },
            LessonBodyEmpty,
            PlainHttpLink {
                target: s("http://a.example"),
            },
            ImageNotInPack {
                target: s("https://a.example/x.png"),
            },
            LinkSchemeNotAllowed {
                target: s("javascript:alert(1)"),
            },
            LinkOutsidePack {
                target: s("../../etc/passwd"),
            },
            LinkTargetMissing {
                target: s("../media/x.png"),
                resolved: s("media/x.png"),
            },
            HtmlLoadsExternal {
                target: s("//a.example/x.png"),
            },
            SymlinkInPack,
            MediaTypeNotAccepted {
                file: s("media/x.svg"),
                ext: s("svg"),
            },
            MediaOverBudget {
                file: s("media/big.png"),
                bytes: 6 * 1024 * 1024,
            },
            QuestionFilesBoth,
            CsvHeaderUnreadable {
                detail: s("bad header"),
            },
            CsvHeaderWrong,
            CsvRowUnreadable {
                detail: s("found record with 12 fields"),
            },
            QuestionIdInvalid { id: s("Q 1") },
            QuestionIdDuplicate {
                id: s("q1"),
                first_line: 1,
            },
            QuestionTextEmpty { id: s("q1") },
            QuestionKindInvalid { kind: s("essay") },
            OptionCount {
                id: s("q1"),
                count: 1,
            },
            OptionsNotTaken {
                id: s("q1"),
                kind: QuestionKind::Fill,
            },
            OptionEmpty { id: s("q1") },
            TrueFalseAnswer,
            AnswerNotAnOption {
                answer: s("D"),
                options: 3,
            },
            SingleAnswer,
            AnswerLetterRepeated { letter: s("A") },
            MultipleAnswer,
            FillAnswer,
            NoSuchFolder,
            NoPacks,
            CourseIdDuplicate {
                id: s("a-course"),
                first: s("a-course"),
            },
            SkillUncheckable {
                skill: s("digital-life"),
            },
            SkillUnknown {
                skill: s("cooking"),
            },
            SkillLevelMissing {
                skill: s("digital-life"),
                levels: 3,
                level: 4,
            },
            PrerequisiteUnknown {
                id: s("nope-course"),
            },
            PrerequisiteCycle {
                courses: vec![s("a-course"), s("b-course"), s("a-course")],
            },
            CourseIdBundled {
                id: s("smartphone-basics"),
            },
            CourseOwned {
                course: s("x-course"),
                owner: s("Jiangsu (js)"),
                bundled: true,
            },
            ZipTooLarge { bytes: 60_000_000 },
            NotZip {
                detail: s("could not find EOCD"),
            },
            TooManyEntries { entries: 2001 },
            UnpackedTooLarge,
            ZipBomb {
                entry: s("media/big.png"),
            },
            UnsafePath {
                entry: s("../evil.md"),
            },
            ZipSymlink {
                entry: s("media/link.png"),
            },
            SpecialFile {
                entry: s("dev/null"),
            },
            NonAsciiName {
                entry: s("lessons/x.md"),
            },
            DuplicateName {
                entry: s("lessons/A.md"),
            },
            UnknownFileType { entry: s("run.sh") },
            NoCourseToml,
            UnpackFailed {
                detail: s("disk full"),
            },
            SvgNotSafe {
                file: s("media/a.svg"),
                detail: s("element <script>"),
            },
            BankSmallForDraw { draw: 10, bank: 16 },
            HoursDisagree {
                hours: s("8"),
                minutes: 130,
                used: s("2"),
            },
            LessonMinutesLow {
                minutes: 5,
                needed: 22,
                chars: 2000,
                tasks: 15,
            },
        ]
    }

    const CODES: usize = 94;

    /// Each code's place; no wildcard, so adding a code is a compile error here.
    fn position(kind: &ProblemKind) -> usize {
        use ProblemKind::*;
        match kind {
            Toml { .. } => 0,
            TomlUnknownKey { .. } => 1,
            TomlMissingKey { .. } => 2,
            NotUtf8 => 3,
            Unreadable { .. } => 4,
            SkillIdInvalid { .. } => 5,
            SkillLevelsMissing { .. } => 6,
            SkillDefinedTwice { .. } => 7,
            CourseTomlMissing => 8,
            VersionNotSemver { .. } => 9,
            FieldEmpty { .. } => 10,
            TierInvalid { .. } => 11,
            ModeInvalid { .. } => 12,
            HoursOutOfRange { .. } => 13,
            OwnPrerequisite => 14,
            CourseIdInvalid { .. } => 15,
            IdDiffersFromFolder { .. } => 16,
            SkillLevelInvalid { .. } => 17,
            LessonsEmpty => 18,
            LessonOutsidePack { .. } => 19,
            LessonListedTwice { .. } => 20,
            LessonFileMissing { .. } => 21,
            LessonIdDuplicate { .. } => 22,
            LessonNotListed { .. } => 23,
            QuizNumberOutOfRange { .. } => 24,
            RevealInvalid { .. } => 25,
            DrawExceedsBank { .. } => 26,
            CompletionNeedsQuizSection => 27,
            CompletionNeedsQuestions => 28,
            OnlineWithAttendance => 29,
            OfflineWithoutAttendance => 30,
            NoCompletionRule => 31,
            FrontMatterMissing => 32,
            FrontMatterUnclosed => 33,
            LessonIdInvalid { .. } => 34,
            MinutesOutOfRange { .. } => 35,
            LessonBodyEmpty => 36,
            PlainHttpLink { .. } => 37,
            ImageNotInPack { .. } => 38,
            LinkSchemeNotAllowed { .. } => 39,
            LinkOutsidePack { .. } => 40,
            LinkTargetMissing { .. } => 41,
            HtmlLoadsExternal { .. } => 42,
            SymlinkInPack => 43,
            MediaTypeNotAccepted { .. } => 44,
            MediaOverBudget { .. } => 45,
            QuestionFilesBoth => 46,
            CsvHeaderUnreadable { .. } => 47,
            CsvHeaderWrong => 48,
            CsvRowUnreadable { .. } => 49,
            QuestionIdInvalid { .. } => 50,
            QuestionIdDuplicate { .. } => 51,
            QuestionTextEmpty { .. } => 52,
            QuestionKindInvalid { .. } => 53,
            OptionCount { .. } => 54,
            OptionsNotTaken { .. } => 55,
            OptionEmpty { .. } => 56,
            TrueFalseAnswer => 57,
            AnswerNotAnOption { .. } => 58,
            SingleAnswer => 59,
            AnswerLetterRepeated { .. } => 60,
            MultipleAnswer => 61,
            FillAnswer => 62,
            NoSuchFolder => 63,
            NoPacks => 64,
            CourseIdDuplicate { .. } => 65,
            SkillUncheckable { .. } => 66,
            SkillUnknown { .. } => 67,
            SkillLevelMissing { .. } => 68,
            PrerequisiteUnknown { .. } => 69,
            PrerequisiteCycle { .. } => 70,
            CourseIdBundled { .. } => 71,
            CourseOwned { .. } => 72,
            ZipTooLarge { .. } => 73,
            NotZip { .. } => 74,
            TooManyEntries { .. } => 75,
            UnpackedTooLarge => 76,
            ZipBomb { .. } => 77,
            UnsafePath { .. } => 78,
            ZipSymlink { .. } => 79,
            SpecialFile { .. } => 80,
            NonAsciiName { .. } => 81,
            DuplicateName { .. } => 82,
            UnknownFileType { .. } => 83,
            NoCourseToml => 84,
            UnpackFailed { .. } => 85,
            PracticalNeedsAttendance => 86,
            PracticalPassMarkMissing => 87,
            PracticalPassMarkWithoutPractical => 88,
            PracticalPassMarkRange { .. } => 89,
            SvgNotSafe { .. } => 90,
            BankSmallForDraw { .. } => 91,
            HoursDisagree { .. } => 92,
            LessonMinutesLow { .. } => 93,
        }
    }

    fn is_cjk(c: char) -> bool {
        ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3000}'..='\u{303f}').contains(&c)
    }

    /// The text without what stands between double quotes (examples of values, user data).
    fn unquoted(text: &str) -> String {
        text.split('"').step_by(2).collect()
    }

    #[test]
    fn every_code_has_chinese_and_english_text() {
        let examples = examples();
        let mut seen: Vec<usize> = examples.iter().map(position).collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..CODES).collect::<Vec<_>>(), "one example per code");
        for kind in &examples {
            let zh = kind.text(Lang::Zh);
            let en = kind.text(Lang::En);
            assert!(zh.chars().any(is_cjk), "{kind:?}: Chinese text {zh:?}");
            assert!(!en.trim().is_empty(), "{kind:?}: English text is empty");
            assert!(
                !unquoted(&en).chars().any(is_cjk),
                "{kind:?}: English text {en:?}"
            );
            assert_ne!(zh, en, "{kind:?}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn codes_and_arguments_round_trip_beside_the_english_message() {
        let problem = CodedProblem::new(
            "my-course/course.toml".into(),
            5,
            ProblemKind::TierInvalid { tier: 7 },
        );
        let json = serde_json::to_value(ReportedProblem::Coded(problem.clone())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "path": "my-course/course.toml",
                "line": 5,
                "message": "tier 7 is not 1 (basic), 2 (intermediate) or 3 (advanced)",
                "code": "tier_invalid",
                "args": { "tier": 7 }
            })
        );
        let back: ReportedProblem = serde_json::from_value(json).unwrap();
        assert_eq!(back, ReportedProblem::Coded(problem));
        assert_eq!(
            back.at_line(Lang::Zh),
            "第 5 行：tier 的值 7 无效，应为 1（基础）、2（进阶）或 3（高级）"
        );
        // A code without values has no `args`.
        let unit = CodedProblem::new("a/course.toml".into(), 0, ProblemKind::NotUtf8);
        let json = serde_json::to_value(ReportedProblem::Coded(unit.clone())).unwrap();
        assert_eq!(json["code"], "not_utf8");
        assert_eq!(
            serde_json::from_value::<ReportedProblem>(json).unwrap(),
            ReportedProblem::Coded(unit)
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn old_reports_show_their_line_and_unknown_codes_are_errors() {
        let old: Vec<ReportedProblem> = serde_json::from_str(
            r#"["a/course.toml:5: tier 4 is not 1 (基础), 2 (进阶) or 3 (高级)"]"#,
        )
        .unwrap();
        assert_eq!(old[0].at_line(Lang::Zh), old[0].english_line());
        assert_eq!(old[0].path(), None);
        for broken in [
            r#"[{"path":"a","line":1,"message":"m","code":"no_such_code"}]"#,
            r#"[{"path":"a","line":1,"message":"m","code":"tier_invalid","args":{"tier":"x"}}]"#,
            r#"[{"path":"a","line":1,"message":"m"}]"#,
            r#"[7]"#,
        ] {
            assert!(
                serde_json::from_str::<Vec<ReportedProblem>>(broken).is_err(),
                "{broken} decoded"
            );
        }
    }
}
