//! The checker against a valid pack and a table of broken ones: each broken pack must be
//! reported with its exact file, line and message.

use std::path::Path;

use super::*;

const SKILLS: &str = r#"[[skill]]
id = "digital-life"
name = "数字生活"
name_en = "Digital life"
levels = ["初级", "中级", "高级"]
"#;

const COURSE: &str = r#"id = "demo-course"
version = "1.0.0"
title = "示例课程"
title_en = "Demo course"
tier = 1
mode = "online"
hours = 2
summary = "一门示例课程。"
prerequisites = []
skills = [{ skill = "digital-life", level = 1 }]
lessons = ["lessons/01-intro.md", "lessons/02-more.md"]

[quiz]
draw = 2
pass_mark = 60
max_attempts = 3
time_limit_minutes = 10

[completion]
lessons = true
quiz = true
attendance = false
"#;

const LESSON_1: &str = "+++\nid = \"intro\"\ntitle = \"第一课\"\nminutes = 5\n+++\n\n# 第一课\n\n正文。\n\n![图](../media/pic.png)\n";
const LESSON_2: &str = "+++\nid = \"more\"\ntitle = \"第二课\"\nminutes = 8\n+++\n\n# 第二课\n\n更多正文，见[官网](https://www.12381.cn)。\n";

const QUESTIONS: &str = r#"[[question]]
id = "q-single"
kind = "single"
text = "哪一个是正确的？"
options = ["甲", "乙", "丙"]
answer = "B"
explanation = "乙是正确的。"

[[question]]
id = "q-multiple"
kind = "multiple"
text = "哪些是正确的？"
options = ["甲", "乙", "丙"]
answer = ["A", "C"]

[[question]]
id = "q-truth"
kind = "true_false"
text = "这句话是真的。"
answer = true
"#;

/// Writes the valid pack into `root`, with `files` replacing or adding files (an empty
/// content deletes the file).
fn write_pack(root: &Path, files: &[(&str, &str)]) {
    let mut all: Vec<(String, String)> = vec![
        ("skills.toml".into(), SKILLS.into()),
        ("demo-course/course.toml".into(), COURSE.into()),
        ("demo-course/lessons/01-intro.md".into(), LESSON_1.into()),
        ("demo-course/lessons/02-more.md".into(), LESSON_2.into()),
        ("demo-course/questions.toml".into(), QUESTIONS.into()),
        ("demo-course/media/pic.png".into(), "\u{89}PNG".into()),
    ];
    for (name, content) in files {
        all.retain(|(n, _)| n != name);
        all.push((name.to_string(), content.to_string()));
    }
    for (name, content) in all {
        if content.is_empty() {
            continue;
        }
        let path = root.join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

fn problems(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    write_pack(dir.path(), files);
    check_folder(dir.path())
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_valid_pack_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    write_pack(dir.path(), &[]);
    let checked = check_folder(dir.path());
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    let pack = &checked.packs[0];
    assert_eq!(
        (pack.id.as_str(), pack.lessons.len(), pack.questions.len()),
        ("demo-course", 2, 3)
    );
    assert_eq!(pack.questions[1].answer, Answer::Choices(vec![0, 2]));
    assert_eq!(pack.media[0].path, "media/pic.png");
    assert_eq!(pack.lessons[0].id, "intro");
    assert!(
        pack.lessons[0].markdown.starts_with("\n# 第一课")
            || pack.lessons[0].markdown.starts_with("# 第一课")
    );
}

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

/// A name, the files that break the pack, and the problem expected.
type BrokenCase = (&'static str, Vec<(&'static str, String)>, &'static str);

#[test]
fn broken_packs_are_reported_with_file_line_and_message() {
    let course = |from: &str, to: &str| replace(COURSE, from, to);
    let questions = |from: &str, to: &str| replace(QUESTIONS, from, to);
    let mut cases: Vec<BrokenCase> = vec![
        ("bad TOML", vec![("demo-course/course.toml", course("tier = 1", "tier = = 1"))],
         "demo-course/course.toml:5: "),
        ("unknown key", vec![("demo-course/course.toml", course("hours = 2", "hours = 2\nprice = 10"))],
         "demo-course/course.toml:8: unknown field `price`, expected one of `id`, `version`, `title`, `title_en`, `tier`, `mode`, `hours`, `summary`, `summary_en`, `prerequisites`, `skills`, `lessons`, `quiz`, `completion`; fix the TOML here"),
        ("missing key", vec![("demo-course/course.toml", course("summary = \"一门示例课程。\"\n", ""))],
         "demo-course/course.toml:1: missing field `summary`; fix the TOML here"),
        ("bad id", vec![("demo-course/course.toml", course("id = \"demo-course\"", "id = \"Demo Course\""))],
         "demo-course/course.toml:1: id \"Demo Course\" must be 3 to 64 characters of a-z, 0-9 and '-'"),
        ("bad version", vec![("demo-course/course.toml", course("1.0.0", "1.0"))],
         "demo-course/course.toml:2: version \"1.0\" is not semver; write it like \"1.0.0\""),
        ("bad tier", vec![("demo-course/course.toml", course("tier = 1", "tier = 4"))],
         "demo-course/course.toml:5: tier 4 is not 1 (basic), 2 (intermediate) or 3 (advanced)"),
        ("bad mode", vec![("demo-course/course.toml", course("mode = \"online\"", "mode = \"remote\""))],
         "demo-course/course.toml:6: mode \"remote\" is not one of online, offline, blended"),
        ("listed lesson missing", vec![("demo-course/lessons/02-more.md", String::new())],
         "demo-course/course.toml:11: lesson \"lessons/02-more.md\" is listed but the file does not exist; create it or remove it from the list"),
        ("lesson present but not listed", vec![("demo-course/lessons/03-extra.md", LESSON_2.replace("more", "extra"))],
         "demo-course/lessons/03-extra.md:0: lessons/03-extra.md is not listed in course.toml's lessons; add it to the list or delete the file"),
        ("lesson outside the pack", vec![("demo-course/course.toml", course("lessons/02-more.md", "../secret.md"))],
         "demo-course/course.toml:11: lesson \"../secret.md\" points outside the pack; keep lessons under lessons/"),
        ("duplicate lesson id", vec![("demo-course/lessons/02-more.md", LESSON_2.replace("id = \"more\"", "id = \"intro\""))],
         "demo-course/lessons/02-more.md:2: lesson id \"intro\" is already used by lessons/01-intro.md; ids must be unique in a course"),
        ("no front matter", vec![("demo-course/lessons/02-more.md", "# 第二课\n\n正文\n".into())],
         "demo-course/lessons/02-more.md:1: a lesson starts with front matter between +++ lines: id, title, minutes"),
        ("bad minutes", vec![("demo-course/lessons/01-intro.md", LESSON_1.replace("minutes = 5", "minutes = 0"))],
         "demo-course/lessons/01-intro.md:4: minutes = 0 must be from 1 to 600"),
        ("duplicate question id", vec![("demo-course/questions.toml", questions("id = \"q-truth\"", "id = \"q-single\""))],
         "demo-course/questions.toml:16: question id \"q-single\" is already used on line 1; ids must be unique"),
        ("answer letter outside the options", vec![("demo-course/questions.toml", questions("answer = \"B\"", "answer = \"D\""))],
         "demo-course/questions.toml:6: answer \"D\" is not one of the options A, B, C"),
        ("multiple answer outside", vec![("demo-course/questions.toml", questions("answer = [\"A\", \"C\"]", "answer = [\"A\", \"Z\"]"))],
         "demo-course/questions.toml:14: answer \"Z\" is not one of the options A, B, C"),
        ("true_false written as text", vec![("demo-course/questions.toml", questions("answer = true", "answer = \"true\""))],
         "demo-course/questions.toml:20: a true_false answer is true or false (without quotes)"),
        ("unknown question kind", vec![("demo-course/questions.toml", questions("kind = \"single\"", "kind = \"essay\""))],
         "demo-course/questions.toml:3: kind \"essay\" is not one of single, multiple, true_false, fill"),
        ("too few options", vec![("demo-course/questions.toml", questions("options = [\"甲\", \"乙\", \"丙\"]\nanswer = \"B\"", "options = [\"甲\"]\nanswer = \"A\""))],
         "demo-course/questions.toml:1: question \"q-single\" has 1 options; a choice question needs 2 to 8"),
        ("draw larger than the bank", vec![("demo-course/course.toml", course("draw = 2", "draw = 5"))],
         "demo-course/course.toml:14: draw = 5 but the question bank has only 3 questions; lower draw or add questions"),
        ("unknown skill", vec![("demo-course/course.toml", course("skill = \"digital-life\"", "skill = \"cooking\""))],
         "demo-course/course.toml:10: unknown skill \"cooking\"; use one defined in skills.toml"),
        ("unknown prerequisite", vec![("demo-course/course.toml", course("prerequisites = []", "prerequisites = [\"nope-course\"]"))],
         "demo-course/course.toml:9: unknown prerequisite \"nope-course\"; it must be a course in the same folder"),
        ("own prerequisite", vec![("demo-course/course.toml", course("prerequisites = []", "prerequisites = [\"demo-course\"]"))],
         "demo-course/course.toml:9: a course cannot be its own prerequisite"),
        ("image outside the pack", vec![("demo-course/lessons/01-intro.md", LESSON_1.replace("../media/pic.png", "../../etc/passwd"))],
         "demo-course/lessons/01-intro.md:11: \"../../etc/passwd\" points outside the pack; keep files inside the pack folder"),
        ("missing image", vec![("demo-course/lessons/01-intro.md", LESSON_1.replace("pic.png", "gone.png"))],
         "demo-course/lessons/01-intro.md:11: \"../media/gone.png\" does not exist in the pack; add media/gone.png or fix the link"),
        ("web image", vec![("demo-course/lessons/01-intro.md", LESSON_1.replace("../media/pic.png", "https://cdn.example/x.png"))],
         "demo-course/lessons/01-intro.md:11: image \"https://cdn.example/x.png\" is not in the pack; copy it into media/ and link it as media/NAME"),
        ("javascript link", vec![("demo-course/lessons/02-more.md", LESSON_2.replace("https://www.12381.cn", "javascript:alert(1)"))],
         "demo-course/lessons/02-more.md:9: link \"javascript:alert(1)\" uses a scheme that is not allowed; use https:// addresses"),
        ("media type not accepted", vec![("demo-course/media/evil.html", "<script>alert(1)</script>".into())],
         "demo-course/media/evil.html:0: media/evil.html: .html files are not accepted; use png, jpg, gif, webp, svg, mp3, m4a, mp4 or webm"),
        ("svg that can run a script", vec![("demo-course/media/evil.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".into())],
         "demo-course/media/evil.svg:0: media/evil.svg: this SVG picture has something not allowed (attribute onload on <svg>); use only basic shapes, text and presentation attributes: no scripts, styles, links or outside resources"),
        ("quiz required without a quiz", vec![("demo-course/course.toml", course("[quiz]\ndraw = 2\npass_mark = 60\nmax_attempts = 3\ntime_limit_minutes = 10\n", ""))],
         "demo-course/course.toml:14: completion requires the quiz but there is no [quiz] section; add one or set quiz = false"),
        ("online course requiring attendance", vec![("demo-course/course.toml", course("attendance = false", "attendance = true"))],
         "demo-course/course.toml:19: an online course cannot require attendance; use mode = \"blended\" or \"offline\""),
    ];
    let big = "\0".repeat(6 * 1024 * 1024);
    cases.push((
        "media over the budget",
        vec![("demo-course/media/big.png", big)],
        "demo-course/media/big.png:0: media/big.png is 6.0 MB, over the 5 MB budget per file; compress or shorten it",
    ));
    assert!(cases.len() >= 20);
    for (name, files, expected) in cases {
        let files: Vec<(&str, &str)> = files.iter().map(|(n, c)| (*n, c.as_str())).collect();
        let found = problems(&files);
        // Whole messages must match exactly; the TOML syntax case checks file and line only.
        let matches = |p: &String| {
            if expected.ends_with(": ") {
                p.starts_with(expected)
            } else {
                p == expected
            }
        };
        assert!(
            found.iter().any(matches),
            "{name}: expected {expected:?}, got {found:#?}"
        );
    }
}

#[test]
fn problems_carry_their_code_and_read_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    write_pack(
        dir.path(),
        &[(
            "demo-course/course.toml",
            &replace(COURSE, "tier = 1", "tier = 7"),
        )],
    );
    let checked = check_folder(dir.path());
    assert_eq!(checked.problems.len(), 1, "{:?}", checked.problems);
    let problem = &checked.problems[0];
    assert_eq!(problem.kind, ProblemKind::TierInvalid { tier: 7 });
    assert_eq!(problem.line, 5);
    assert_eq!(
        problem.text(Lang::Zh),
        "tier 的值 7 无效，应为 1（基础）、2（进阶）或 3（高级）"
    );
    match problem.reported() {
        ReportedProblem::Coded(coded) => {
            assert_eq!(coded.path, "demo-course/course.toml");
            assert_eq!(
                coded.at_line(Lang::Zh),
                "第 5 行：tier 的值 7 无效，应为 1（基础）、2（进阶）或 3（高级）"
            );
            assert_eq!(coded.message, problem.text(Lang::En));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn lesson_and_question_ids_may_be_short_course_ids_may_not() {
    let short = [
        (
            "demo-course/lessons/01-intro.md",
            LESSON_1.replace("id = \"intro\"", "id = \"a\""),
        ),
        (
            "demo-course/lessons/02-more.md",
            LESSON_2.replace("id = \"more\"", "id = \"l_2\""),
        ),
        (
            "demo-course/questions.toml",
            QUESTIONS
                .replace("id = \"q-single\"", "id = \"q1\"")
                .replace("id = \"q-multiple\"", "id = \"qr\"")
                .replace("id = \"q-truth\"", "id = \"q_3\""),
        ),
    ];
    let files: Vec<(&str, &str)> = short.iter().map(|(n, c)| (*n, c.as_str())).collect();
    assert_eq!(problems(&files), Vec::<String>::new());

    let bad = QUESTIONS.replace("id = \"q-single\"", "id = \"Q 1\"");
    assert_eq!(
        problems(&[("demo-course/questions.toml", &bad)]),
        ["demo-course/questions.toml:1: question id \"Q 1\" must be 1 to 64 characters of a-z, 0-9, '-' and '_'"]
    );
    let long = "q".repeat(65);
    let bad = QUESTIONS.replace("q-single", &long);
    assert_eq!(problems(&[("demo-course/questions.toml", &bad)]).len(), 1);
    let bad = COURSE.replace("id = \"demo-course\"", "id = \"dc\"");
    assert!(problems(&[("demo-course/course.toml", &bad)])
        .iter()
        .any(|p| p.ends_with("id \"dc\" must be 3 to 64 characters of a-z, 0-9 and '-'")));
}

#[test]
fn the_csv_header_in_messages_is_the_one_checked() {
    assert_eq!(
        super::read::CSV_COLUMNS.join(","),
        crate::pack_problems::CSV_HEADER
    );
}

#[test]
fn prerequisite_cycles_are_found() {
    let dir = tempfile::tempdir().unwrap();
    write_pack(dir.path(), &[]);
    for (id, needs) in [("aaa-course", "bbb-course"), ("bbb-course", "aaa-course")] {
        let target = dir.path().join(id);
        std::fs::create_dir_all(target.join("lessons")).unwrap();
        std::fs::create_dir_all(target.join("media")).unwrap();
        let text = COURSE.replace("demo-course", id).replace(
            "prerequisites = []",
            &format!("prerequisites = [\"{needs}\"]"),
        );
        std::fs::write(target.join("course.toml"), text).unwrap();
        std::fs::write(target.join("lessons/01-intro.md"), LESSON_1).unwrap();
        std::fs::write(target.join("lessons/02-more.md"), LESSON_2).unwrap();
        std::fs::write(target.join("questions.toml"), QUESTIONS).unwrap();
        std::fs::write(target.join("media/pic.png"), "x").unwrap();
    }
    let found: Vec<String> = check_folder(dir.path())
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].ends_with(
            "prerequisites form a cycle: aaa-course → bbb-course → aaa-course; remove one of them"
        ) || found[0].ends_with(
            "prerequisites form a cycle: bbb-course → aaa-course → bbb-course; remove one of them"
        ),
        "{found:#?}"
    );
}

#[test]
fn questions_may_come_from_a_spreadsheet() {
    let csv = "\u{feff}id,kind,text,A,B,C,D,E,F,G,H,answer,explanation\n\
        q-one,single,哪个对？,甲,乙,,,,,,,B,因为\n\
        q-two,multiple,\"多选，含逗号\",甲,乙,丙,,,,,,\"A,C\",\n\
        q-three,true_false,对吗？,,,,,,,,,对,\n\
        q-four,fill,十加十等于多少？,,,,,,,,,二十|20,\n";
    let dir = tempfile::tempdir().unwrap();
    write_pack(
        dir.path(),
        &[
            ("demo-course/questions.toml", ""),
            ("demo-course/questions.csv", csv),
        ],
    );
    let checked = check_folder(dir.path());
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    let bank = &checked.packs[0].questions;
    assert_eq!(bank.len(), 4);
    assert_eq!(bank[1].answer, Answer::Choices(vec![0, 2]));
    assert_eq!(bank[2].answer, Answer::Truth(true));
    assert_eq!(
        bank[3].answer,
        Answer::Texts(vec!["二十".into(), "20".into()])
    );

    let bad = csv.replace(
        "q-one,single,哪个对？,甲,乙,,,,,,,B",
        "q-one,single,哪个对？,甲,乙,,,,,,,E",
    );
    write_pack(
        dir.path(),
        &[
            ("demo-course/questions.toml", ""),
            ("demo-course/questions.csv", &bad),
        ],
    );
    let found: Vec<String> = check_folder(dir.path())
        .problems
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        found,
        ["demo-course/questions.csv:2: answer \"E\" is not one of the options A, B"]
    );
}

mod never_panics {
    //! The checker on arbitrary input: it may report problems, it must never panic.
    use proptest::prelude::*;

    use super::*;

    /// A valid file with a random stretch replaced by random text.
    fn spliced(valid: &'static str) -> impl Strategy<Value = String> {
        (0..=valid.len(), 0..=40usize, ".{0,40}").prop_map(move |(at, len, insert)| {
            let mut start = at;
            while !valid.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(valid.len());
            while !valid.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}{}{}", &valid[..start], insert, &valid[end..])
        })
    }

    fn check(files: &[(&str, &str)]) {
        let dir = tempfile::tempdir().unwrap();
        write_pack(dir.path(), files);
        let _ = check_folder(dir.path());
    }

    proptest! {
        // 300 cases per property in the suite; PROPTEST_CASES=N for a longer run.
        #![proptest_config(ProptestConfig::with_cases(
            std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
        ))]

        #[test]
        fn arbitrary_course_toml(text in "\\PC{0,400}") {
            check(&[("demo-course/course.toml", &text)]);
        }

        #[test]
        fn mutated_files(course in spliced(COURSE), lesson in spliced(LESSON_1), questions in spliced(QUESTIONS), skills in spliced(SKILLS)) {
            check(&[
                ("demo-course/course.toml", &course),
                ("demo-course/lessons/01-intro.md", &lesson),
                ("demo-course/questions.toml", &questions),
                ("skills.toml", &skills),
            ]);
        }

        #[test]
        fn arbitrary_lessons_and_csv(lesson in "\\PC{0,300}", csv in "[a-z,\"\n]{0,200}") {
            let csv = format!("id,kind,text,A,B,C,D,E,F,G,H,answer,explanation\n{csv}");
            check(&[
                ("demo-course/lessons/02-more.md", &lesson),
                ("demo-course/questions.toml", ""),
                ("demo-course/questions.csv", &csv),
            ]);
        }
    }
}

/// The checker's warnings on study time and bank size: each with its file, line and message,
/// and none of them stops the pack.
#[test]
fn dishonest_hours_thin_minutes_and_small_banks_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    write_pack(dir.path(), &[]);
    let checked = check_folder(dir.path());
    assert!(checked.problems.is_empty(), "{:?}", checked.problems);
    assert_eq!(checked.packs.len(), 1, "warnings do not stop the pack");
    let warnings: Vec<String> = checked.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "demo-course/course.toml:7: warning: hours = 2 but the lessons' minutes add up to 13, more than 25% apart; the dashboards will count 0.5 hours; correct hours or the lessons' minutes",
            "demo-course/course.toml:14: warning: the bank has 3 questions for draw = 2, so two attempts repeat much; have at least 3 × draw (6) questions",
        ]
    );
    assert!(checked.warnings.iter().all(|w| w.kind.is_warning()));
    assert_eq!(checked.packs[0].counted_hours(), 0.5);
    assert!(checked.warnings[0]
        .text(Lang::Zh)
        .contains("统计学时将按 0.5 学时计"));

    // 1,514 Han characters (6 minutes of reading) and a 15-minute task, declared as 5 minutes.
    let long = format!(
        "+++\nid = \"intro\"\ntitle = \"第一课\"\nminutes = 5\n+++\n\n# 第一课\n\n{}\n\n## 动手练（约 15 分钟）\n\n1. 打开设置。\n\n![图](../media/pic.png)\n",
        "字".repeat(1500)
    );
    let dir = tempfile::tempdir().unwrap();
    write_pack(dir.path(), &[("demo-course/lessons/01-intro.md", &long)]);
    let checked = check_folder(dir.path());
    assert_eq!(
        checked.warnings[0].to_string(),
        "demo-course/lessons/01-intro.md:4: warning: minutes = 5, but this lesson's 1514 Chinese characters (about 300 a minute) and 15 minutes of hands-on tasks need about 21"
    );

    // Honest figures: no warnings, and the declared hours are the ones counted.
    let honest = long.replace("minutes = 5", "minutes = 22");
    let course = COURSE
        .replace("hours = 2", "hours = 0.5")
        .replace("draw = 2", "draw = 1");
    let dir = tempfile::tempdir().unwrap();
    write_pack(
        dir.path(),
        &[
            ("demo-course/lessons/01-intro.md", &honest),
            ("demo-course/course.toml", &course),
        ],
    );
    let checked = check_folder(dir.path());
    assert!(checked.warnings.is_empty(), "{:?}", checked.warnings);
    assert_eq!(checked.packs[0].counted_hours(), 0.5);
}
