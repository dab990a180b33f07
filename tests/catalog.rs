//! Importing course packs into a real database (SQLite or PostgreSQL per `QIHANG_TEST_DB`):
//! idempotence, version bumps that keep learners' progress, refusals, archiving, and the
//! bundled catalogue.

use std::path::Path;

use crate::support::packs::{write_course, SKILLS};
use crate::support::*;
use diesel::prelude::*;
use qihang_core::db::schema::{courses, lesson_progress, lessons, questions};
use qihang_core::services::accounts::{self, RegisterInput};
use qihang_core::services::catalog::{self, ImportOutcome};
use qihang_core::{Core, ServiceError};

async fn core_for(db: &TestDb, data: &Path) -> Core {
    let config = core_config(db, data);
    tokio::task::spawn_blocking(move || Core::start(config))
        .await
        .unwrap()
        .expect("core starts")
}

fn outcomes(report: &catalog::ImportReport) -> Vec<(String, ImportOutcome)> {
    report
        .imported
        .iter()
        .map(|(id, _, outcome)| (id.clone(), *outcome))
        .collect()
}

#[tokio::test]
async fn imports_are_idempotent_and_version_bumps_keep_progress() {
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let core = core_for(&db, data.path()).await;
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    std::fs::write(root.join("skills.toml"), SKILLS).unwrap();
    write_course(
        root,
        "course-a",
        "1.0.0",
        &[],
        &[
            ("intro", "第一课"),
            ("middle", "第二课"),
            ("last", "第三课"),
        ],
    );
    write_course(
        root,
        "course-b",
        "1.0.0",
        &["course-a"],
        &[("only", "唯一的一课")],
    );
    let noop = |_: usize, _: usize, _: &str, _: ImportOutcome| {};

    let first = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap();
    assert_eq!(
        outcomes(&first),
        [
            ("course-a".into(), ImportOutcome::Created),
            ("course-b".into(), ImportOutcome::Created)
        ]
    );
    let again = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap();
    assert_eq!(
        outcomes(&again),
        [
            ("course-a".into(), ImportOutcome::Unchanged),
            ("course-b".into(), ImportOutcome::Unchanged)
        ]
    );

    // A learner reads the first lesson of course-a.
    let user = accounts::register(
        &core,
        RegisterInput {
            name: "王秀红".into(),
            phone: "13812341234".into(),
            email: None,
            password: "password-123".into(),
            gender: "female".into(),
            org: "js-nj".into(),
            consent: true,
        },
        "127.0.0.1".into(),
    )
    .await
    .unwrap();
    let mut conn = db.connect();
    let user_id: i64 = qihang_core::db::schema::users::table
        .filter(qihang_core::db::schema::users::public_id.eq(&user.id))
        .select(qihang_core::db::schema::users::id)
        .first(&mut conn)
        .unwrap();
    let (course_a, intro_id): (i64, i64) = lessons::table
        .inner_join(courses::table)
        .filter(courses::code.eq("course-a"))
        .filter(lessons::lesson_key.eq("intro"))
        .select((courses::id, lessons::id))
        .first(&mut conn)
        .unwrap();
    diesel::insert_into(lesson_progress::table)
        .values((
            lesson_progress::user_id.eq(user_id),
            lesson_progress::lesson_id.eq(intro_id),
            lesson_progress::completed_at.eq(chrono::Utc::now().naive_utc()),
        ))
        .execute(&mut conn)
        .unwrap();

    // New content under the same version is refused, and nothing changes.
    write_course(
        root,
        "course-a",
        "1.0.0",
        &[],
        &[("intro", "第一课（修订）"), ("new-one", "新增的一课")],
    );
    let refused = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ServiceError::NeedsNewVersion { course, version } if course == "course-a" && version == "1.0.0"),
        "{refused}"
    );
    assert!(refused.to_string().contains("bump version"));
    let active: i64 = lessons::table
        .filter(lessons::course_id.eq(course_a))
        .filter(lessons::active.eq(true))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(active, 3);

    // Bumped: updated in place; the learner's progress still points at the same lesson.
    write_course(
        root,
        "course-a",
        "1.1.0",
        &[],
        &[("intro", "第一课（修订）"), ("new-one", "新增的一课")],
    );
    let bumped = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap();
    assert_eq!(
        outcomes(&bumped)[0],
        ("course-a".into(), ImportOutcome::Updated)
    );
    let (progress_lesson, key, active, html): (i64, String, bool, String) = lesson_progress::table
        .inner_join(lessons::table)
        .filter(lesson_progress::user_id.eq(user_id))
        .select((
            lessons::id,
            lessons::lesson_key,
            lessons::active,
            lessons::html,
        ))
        .first(&mut conn)
        .unwrap();
    assert_eq!(
        (progress_lesson, key.as_str(), active),
        (intro_id, "intro", true)
    );
    assert!(html.contains("第一课（修订）"), "{html}");
    let keys: Vec<(String, bool)> = lessons::table
        .filter(lessons::course_id.eq(course_a))
        .order(lessons::id.asc())
        .select((lessons::lesson_key, lessons::active))
        .load(&mut conn)
        .unwrap();
    assert_eq!(
        keys,
        [
            ("intro".into(), true),
            ("middle".into(), false),
            ("last".into(), false),
            ("new-one".into(), true)
        ],
        "removed lessons are kept, inactive"
    );
    let version: String = courses::table
        .find(course_a)
        .select(courses::version)
        .first(&mut conn)
        .unwrap();
    assert_eq!(version, "1.1.0");

    // A lower version is refused.
    write_course(root, "course-a", "1.0.1", &[], &[("intro", "旧的")]);
    let older = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap_err();
    assert!(
        older.to_string().contains("older than the imported 1.1.0"),
        "{older}"
    );
    write_course(
        root,
        "course-a",
        "1.1.0",
        &[],
        &[("intro", "第一课（修订）"), ("new-one", "新增的一课")],
    );

    // A course from another folder is never archived by this one.
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("skills.toml"), SKILLS).unwrap();
    write_course(
        other.path(),
        "course-c",
        "1.0.0",
        &[],
        &[("alone", "另一个来源")],
    );
    catalog::import_folder(&core, other.path(), "js-sz", noop)
        .await
        .unwrap();

    // course-b leaves the folder: archived, never deleted; it comes back: restored.
    let b_dir = root.join("course-b");
    let kept = tempfile::tempdir().unwrap();
    std::fs::rename(&b_dir, kept.path().join("course-b")).unwrap();
    let after = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap();
    assert_eq!(after.archived, ["course-b"]);
    let status = |conn: &mut qihang_core::db::DbConn, code: &str| -> String {
        courses::table
            .filter(courses::code.eq(code))
            .select(courses::status)
            .first(conn)
            .unwrap()
    };
    assert_eq!(status(&mut conn, "course-b"), "archived");
    assert_eq!(status(&mut conn, "course-c"), "published");
    let b_questions: i64 = questions::table
        .inner_join(courses::table)
        .filter(courses::code.eq("course-b"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(b_questions, 3, "an archived course keeps its content");
    std::fs::rename(kept.path().join("course-b"), &b_dir).unwrap();
    let back = catalog::import_folder(&core, root, "js", noop)
        .await
        .unwrap();
    assert!(outcomes(&back).contains(&("course-b".into(), ImportOutcome::Restored)));
    assert_eq!(status(&mut conn, "course-b"), "published");
}

#[tokio::test]
async fn a_broken_folder_imports_nothing() {
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let core = core_for(&db, data.path()).await;
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    write_course(
        folder.path(),
        "course-a",
        "1.0.0",
        &[],
        &[("intro", "第一课")],
    );
    write_course(
        folder.path(),
        "course-b",
        "1.0.0",
        &["missing-course"],
        &[("only", "一课")],
    );
    let error = catalog::import_folder(&core, folder.path(), "js", |_, _, _, _| {})
        .await
        .unwrap_err();
    match error {
        ServiceError::InvalidPack { problems } => assert_eq!(
            problems,
            ["course-b/course.toml:8: unknown prerequisite \"missing-course\"; it must be a course in the same folder"]
        ),
        other => panic!("{other}"),
    }
    let mut conn = db.connect();
    let count: i64 = courses::table.count().get_result(&mut conn).unwrap();
    assert_eq!(count, 0);
}

/// A folder import skips a pack whose id a web upload owns (naming the owner) and imports the
/// rest; it used to stop at that pack and leave every later one unimported.
#[tokio::test]
async fn a_folder_import_skips_a_pack_whose_id_an_upload_owns() {
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let core = core_for(&db, data.path()).await;
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    for id in ["course-a", "course-b"] {
        write_course(folder.path(), id, "1.0.0", &[], &[("intro", "第一课")]);
    }
    // course-a was first published by Suzhou through a web upload.
    let sz_folder = tempfile::tempdir().unwrap();
    std::fs::write(sz_folder.path().join("skills.toml"), SKILLS).unwrap();
    write_course(
        sz_folder.path(),
        "course-a",
        "0.9.0",
        &[],
        &[("intro", "苏州版")],
    );
    catalog::import_folder(&core, sz_folder.path(), "js-sz", |_, _, _, _| {})
        .await
        .unwrap();
    {
        let mut conn = db.connect();
        diesel::update(courses::table.filter(courses::code.eq("course-a")))
            .set(courses::source.eq("upload"))
            .execute(&mut conn)
            .unwrap();
    }
    let report = catalog::import_folder(&core, folder.path(), "js", |_, _, _, _| {})
        .await
        .unwrap();
    assert_eq!(
        outcomes(&report),
        [("course-b".into(), ImportOutcome::Created)]
    );
    assert_eq!(report.refused.len(), 1, "{:?}", report.refused);
    assert_eq!(report.refused[0].0, "course-a");
    assert!(
        report.refused[0].1.contains("苏州市总工会（js-sz）"),
        "{:?}",
        report.refused
    );
}

#[tokio::test]
async fn the_command_line_imports_with_a_report() {
    let db = TestDb::create();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    write_course(
        folder.path(),
        "course-a",
        "1.0.0",
        &[],
        &[("intro", "第一课")],
    );
    let run = || {
        qihang_command()
            .args(["--database-url", &db.url, "courses", "import"])
            .arg(folder.path())
            .env("QIHANG_LOG", "warn")
            .output()
            .unwrap()
    };
    let output = run();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("course-a 1.0.0: created") && stdout.contains("1 course pack(s) imported"),
        "{stdout}"
    );
    let again = String::from_utf8(run().stdout).unwrap();
    assert!(again.contains("course-a 1.0.0: unchanged"), "{again}");
    let bad_org = qihang_command()
        .args([
            "--database-url",
            &db.url,
            "courses",
            "import",
            "--org",
            "js-none",
        ])
        .arg(folder.path())
        .output()
        .unwrap();
    assert!(!bad_org.status.success());
    assert!(String::from_utf8_lossy(&bad_org.stderr).contains("js-none"));
}

fn bundled_courses() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses")
}

#[test]
fn every_bundled_pack_is_clean_and_substantial() {
    use qihang_core::packs::depth::{han_chars, task_minutes};
    let checked = qihang_core::packs::check_folder(&bundled_courses());
    let problems: Vec<String> = checked
        .problems
        .iter()
        .chain(&checked.warnings)
        .map(ToString::to_string)
        .collect();
    assert!(
        problems.is_empty(),
        "bundled packs have problems or warnings:\n{}",
        problems.join("\n")
    );
    assert!(
        checked.packs.len() >= 16,
        "at least 16 courses, found {}",
        checked.packs.len()
    );
    for pack in &checked.packs {
        let lessons = pack.lessons.len();
        assert!(lessons >= 6, "{} has {lessons} lessons", pack.id);
        assert!(
            pack.questions.len() >= 40,
            "{} has {} questions",
            pack.id,
            pack.questions.len()
        );
        let kinds: std::collections::BTreeSet<String> = pack
            .questions
            .iter()
            .map(|q| format!("{:?}", q.kind))
            .collect();
        assert_eq!(
            kinds.len(),
            4,
            "{}: all four kinds, found {kinds:?}",
            pack.id
        );
        let chars: usize = pack.lessons.iter().map(|l| han_chars(&l.markdown)).sum();
        assert!(
            chars >= 1_500 * lessons,
            "{}: {chars} Han characters in {lessons} lessons",
            pack.id
        );
        let pictures: usize = pack
            .lessons
            .iter()
            .map(|l| l.markdown.matches("](../media/").count())
            .sum();
        assert!(pictures >= lessons, "{}: {pictures} pictures", pack.id);
        for lesson in &pack.lessons {
            assert!(
                !task_minutes(&lesson.markdown).is_empty(),
                "{}/{}: no hands-on task (## 动手练（约 N 分钟）)",
                pack.id,
                lesson.id
            );
        }
        assert!(
            pack.hours_agree(),
            "{}: hours {} vs {} minutes",
            pack.id,
            pack.hours,
            pack.study_minutes()
        );
    }
    use qihang_core::packs::{Mode, Tier};
    assert!(checked
        .packs
        .iter()
        .any(|p| p.mode == Mode::Offline && p.completion.attendance));
    assert!(checked.packs.iter().any(|p| p.mode == Mode::Blended));
    for tier in [Tier::Basic, Tier::Intermediate, Tier::Advanced] {
        assert!(
            checked.packs.iter().filter(|p| p.tier == tier).count() >= 4,
            "{tier:?}"
        );
    }
    assert_eq!(checked.skills.len(), 7);
    // Every skill can be reached at every level: some course grants exactly that level.
    for skill in checked.skills.keys() {
        for level in 1..=3u8 {
            assert!(
                checked.packs.iter().any(|p| p
                    .skills
                    .iter()
                    .any(|s| &s.skill == skill && s.level == level)),
                "no course gives {skill} level {level}"
            );
        }
    }
}

#[tokio::test]
async fn the_bundled_catalogue_imports_and_reimports_unchanged() {
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let core = core_for(&db, data.path()).await;
    let started = std::time::Instant::now();
    let report = catalog::import_folder(&core, &bundled_courses(), "js", |_, _, _, _| {})
        .await
        .unwrap();
    let first = started.elapsed();
    assert!(report
        .imported
        .iter()
        .all(|(_, _, o)| *o == ImportOutcome::Created));
    let started = std::time::Instant::now();
    let again = catalog::import_folder(&core, &bundled_courses(), "js", |_, _, _, _| {})
        .await
        .unwrap();
    let second = started.elapsed();
    assert!(again
        .imported
        .iter()
        .all(|(_, _, o)| *o == ImportOutcome::Unchanged));
    println!(
        "bundled catalogue on {}: {} packs imported in {:.0} ms, re-imported (unchanged) in {:.0} ms (debug build)",
        backend(),
        report.imported.len(),
        first.as_secs_f64() * 1000.0,
        second.as_secs_f64() * 1000.0
    );
    let mut conn = db.connect();
    let html: String = lessons::table
        .inner_join(courses::table)
        .filter(courses::code.eq("payment-safety"))
        .filter(lessons::lesson_key.eq("help"))
        .select(lessons::html)
        .first(&mut conn)
        .unwrap();
    assert!(
        html.contains("<h1>反诈帮手和受骗后的最初几分钟</h1>")
            && html.contains("<strong>96110</strong>"),
        "{html}"
    );
}

mod web_upload {
    //! `POST /api/v1/course-packs`: refusals, the checker's report, preview and publishing.
    use serde_json::Value;

    use super::*;
    use crate::support::packs::{pack_zip, upload, zip_of};

    async fn app_with_catalogue() -> TestApp {
        TestApp::spawn_with(ServerOptions::default().env(
            "QIHANG_COURSES_DIR",
            bundled_courses().display().to_string(),
        ))
        .await
    }

    #[tokio::test]
    async fn unsafe_or_oversized_zips_are_refused_with_a_clear_message() {
        let app = app_with_catalogue().await;
        let admin = app.admin("13600000001", "js-sz").await;
        let zeros = vec![0u8; 20 * 1024 * 1024];
        let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
            (
                "zip bomb",
                zip_of(&[
                    ("x/course.toml", b"id = \"x\""),
                    ("x/media/big.png", &zeros),
                ]),
                422,
                "possible zip bomb",
            ),
            (
                "path traversal",
                zip_of(&[("../../evil.md", b"x")]),
                422,
                "../../evil.md: the path leaves the pack",
            ),
            (
                "absolute path",
                zip_of(&[("/etc/cron.d/x.md", b"x")]),
                422,
                "the path leaves the pack",
            ),
            (
                "not a zip",
                b"GIF89a not a zip".to_vec(),
                422,
                "not a readable zip archive",
            ),
            (
                "script file",
                zip_of(&[("x/course.toml", b""), ("x/setup.sh", b"rm -rf /")]),
                422,
                "x/setup.sh: this kind of file is not part of a course pack",
            ),
            (
                "html media",
                zip_of(&[
                    ("x/course.toml", b""),
                    ("x/media/a.html", b"<script>alert(1)</script>"),
                ]),
                422,
                "not part of a course pack",
            ),
            (
                "nested zip",
                zip_of(&[("x/course.toml", b""), ("x/media/more.zip", b"PK")]),
                422,
                "not part of a course pack",
            ),
            (
                "no course.toml",
                zip_of(&[("x/lessons/a.md", b"x")]),
                422,
                "no course.toml",
            ),
            (
                "too large",
                vec![7u8; 50 * 1024 * 1024 + 10],
                413,
                "larger than 50 MB",
            ),
        ];
        for (name, bytes, status, message) in cases {
            let response = upload(&app, &admin, bytes).await;
            assert_eq!(response.status(), status, "{name}");
            let (_, _, text) = error_of(response).await;
            assert!(text.contains(message), "{name}: {text}");
        }
        let form = reqwest::multipart::Form::new().text("other", "x");
        let no_file = app
            .client
            .post(app.url("/api/v1/course-packs"))
            .bearer_auth(&admin)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(no_file.status(), 422);

        app.register("13812341234", "js-sz").await;
        let learner = app.login("13812341234", "password-123").await;
        assert_eq!(
            upload(&app, &learner, pack_zip("my-course", "1.0.0", |_| {}))
                .await
                .status(),
            403
        );
        let anonymous = reqwest::Client::new()
            .post(app.url("/api/v1/course-packs"))
            .multipart(
                reqwest::multipart::Form::new()
                    .part("pack", reqwest::multipart::Part::bytes(vec![1])),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), 401);
    }

    #[tokio::test]
    async fn a_report_a_preview_and_publishing_to_the_uploaders_subtree() {
        let app = app_with_catalogue().await;
        let sz_admin = app.admin("13600000001", "js-sz").await;

        // A broken pack: stored with its report, cannot be published.
        let broken = pack_zip("my-course", "1.0.0", |dir| {
            let bank = std::fs::read_to_string(dir.join("questions.toml"))
                .unwrap()
                .replacen("answer = \"A\"", "answer = \"F\"", 1);
            std::fs::write(dir.join("questions.toml"), bank).unwrap();
        });
        let response = upload(&app, &sz_admin, broken).await;
        assert_eq!(response.status(), 201);
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["status"], "rejected");
        assert_eq!(
            report["problems"],
            serde_json::json!([
                "my-course/questions.toml:6: answer \"F\" is not one of the options A, B"
            ])
        );
        // The same problem with its code and values, for clients in any language.
        assert_eq!(
            report["report"],
            serde_json::json!([{
                "path": "my-course/questions.toml",
                "line": 6,
                "message": "answer \"F\" is not one of the options A, B",
                "code": "answer_not_an_option",
                "args": { "answer": "F", "options": 2 }
            }])
        );
        assert_eq!(report["warnings"], serde_json::json!([]));
        assert_eq!(
            (report["org"].as_str(), report["org_name"].as_str()),
            (Some("js-sz"), Some("苏州市总工会"))
        );
        let refused = app
            .post_as(
                &sz_admin,
                &format!(
                    "/api/v1/course-packs/{}/publish",
                    report["id"].as_str().unwrap()
                ),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(refused.status(), 422);

        // A clean pack with an image: the preview is sanitised; publishing puts it under js-sz.
        let with_image = |dir: &Path| {
            std::fs::create_dir_all(dir.join("media")).unwrap();
            std::fs::write(dir.join("media/pic.png"), b"\x89PNG fake image").unwrap();
            let lesson = dir.join("lessons/02-more.md");
            let text = std::fs::read_to_string(&lesson).unwrap() + "\n![图](../media/pic.png)\n";
            std::fs::write(lesson, text).unwrap();
        };
        let response = upload(&app, &sz_admin, pack_zip("my-course", "1.0.0", with_image)).await;
        assert_eq!(response.status(), 201);
        let report: Value = response.json().await.unwrap();
        assert_eq!(
            (
                report["status"].as_str(),
                report["course"].as_str(),
                report["org"].as_str()
            ),
            (Some("checked"), Some("my-course"), Some("js-sz"))
        );
        // Warnings come beside the problems, by code and with their line; a pack with only
        // warnings is still ready to publish.
        let warnings: Vec<(&str, i64)> = report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| (w["code"].as_str().unwrap(), w["line"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            warnings,
            [("hours_disagree", 6), ("bank_small_for_draw", 13)]
        );
        assert_eq!(report["problems"], serde_json::json!([]));
        assert_eq!(report["lessons"].as_array().unwrap().len(), 2);
        let html = report["lessons"][0]["html"].as_str().unwrap();
        assert!(
            html.contains("第一课") && !html.contains("<script"),
            "{html}"
        );
        let id = report["id"].as_str().unwrap().to_string();

        // Another city's administrator cannot see or publish it.
        let nj_admin = app.admin("13600000002", "js-nj").await;
        assert_eq!(
            app.get_as(&nj_admin, &format!("/api/v1/course-packs/{id}"))
                .await
                .status(),
            404
        );
        assert_eq!(
            app.post_as(
                &nj_admin,
                &format!("/api/v1/course-packs/{id}/publish"),
                &serde_json::json!({})
            )
            .await
            .status(),
            404
        );

        let published = app
            .post_as(
                &sz_admin,
                &format!("/api/v1/course-packs/{id}/publish"),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(published.status(), 200);
        let published: Value = published.json().await.unwrap();
        assert_eq!(
            published,
            serde_json::json!({"course": "my-course", "version": "1.0.0", "outcome": "created", "org": "js-sz"})
        );
        let mut conn = app.db.connect();
        let (org, source, status): (String, String, String) = courses::table
            .inner_join(qihang_core::db::schema::orgs::table)
            .filter(courses::code.eq("my-course"))
            .select((
                qihang_core::db::schema::orgs::code,
                courses::source,
                courses::status,
            ))
            .first(&mut conn)
            .unwrap();
        assert_eq!(
            (org.as_str(), source.as_str(), status.as_str()),
            ("js-sz", "upload", "published")
        );

        // Media files are served from the database once the course is published.
        let media = app
            .client
            .get(app.url("/media/my-course/pic.png"))
            .send()
            .await
            .unwrap();
        assert_eq!(media.status(), 200);
        assert_eq!(media.headers().get("content-type").unwrap(), "image/png");
        assert_eq!(
            media.headers().get("x-content-type-options").unwrap(),
            "nosniff"
        );
        assert_eq!(media.bytes().await.unwrap().as_ref(), b"\x89PNG fake image");
        assert_eq!(
            app.client
                .get(app.url("/media/my-course/../secret"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            app.client
                .get(app.url("/media/other-course/pic.png"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );

        // The same version with other content is refused; listing shows the uploads.
        let changed = upload(
            &app,
            &sz_admin,
            pack_zip("my-course", "1.0.0", |dir| {
                std::fs::write(
                    dir.join("lessons/02-more.md"),
                    "+++\nid = \"more\"\ntitle = \"改\"\nminutes = 5\n+++\n\n改过的内容\n",
                )
                .unwrap();
            }),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
        let conflict = app
            .post_as(
                &sz_admin,
                &format!(
                    "/api/v1/course-packs/{}/publish",
                    changed["id"].as_str().unwrap()
                ),
                &serde_json::json!({}),
            )
            .await;
        assert_eq!(conflict.status(), 409);
        assert!(error_of(conflict).await.2.contains("bump version"));
        let mine: Vec<Value> = app
            .get_as(&sz_admin, "/api/v1/course-packs")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(mine.len(), 3);
        assert_eq!(mine[1]["status"], "published");
    }

    #[tokio::test]
    async fn the_upload_pages_work_as_plain_html_forms() {
        let app = app_with_catalogue().await;
        create_admin_cli(&app.db, "13600000001", "js-sz", Some("admin-password"));
        let browser = cookie_client();
        let origin = app.server.base.clone();
        let form_post = |path: &str| {
            browser
                .post(app.url(path))
                .header("Origin", origin.clone())
                .header("Accept", "text/html")
        };
        let login = form_post("/_fn/login")
            .form(&[("login", "13600000001"), ("password", "admin-password")])
            .send()
            .await
            .unwrap();
        // An administrator lands on her dashboard.
        assert_eq!(login.headers().get("location").unwrap(), "/dashboard");

        let page = browser
            .get(app.url("/trainer/packs"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"enctype="multipart/form-data""#) && page.contains("上传课程包"),
            "{page}"
        );
        assert!(
            page.contains(r#"href="/trainer/packs""#),
            "trainers and admins get the nav link"
        );

        // A refused zip comes back to the form with the reason.
        let bad = reqwest::multipart::Form::new().part(
            "pack",
            reqwest::multipart::Part::bytes(zip_of(&[("../x.md", b"x")])).file_name("x.zip"),
        );
        let refused = form_post("/trainer/packs")
            .multipart(bad)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 303);
        assert_eq!(refused.headers().get("location").unwrap(), "/trainer/packs");
        let page = browser
            .get(app.url("/trainer/packs"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("这个文件不能作为课程包接收")
                && page.contains("../x.md：路径指向课程包以外"),
            "{page}"
        );

        // A clean pack: report, preview, publish.
        let good = reqwest::multipart::Form::new().part(
            "pack",
            reqwest::multipart::Part::bytes(pack_zip("page-course", "1.0.0", |_| {}))
                .file_name("page-course.zip"),
        );
        let uploaded = form_post("/trainer/packs")
            .multipart(good)
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), 303);
        let report_path = uploaded
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(report_path.starts_with("/trainer/packs/"));
        let report = browser
            .get(app.url(&report_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            report.contains("检查通过，可以发布")
                && report.contains("第二课")
                && !report.contains("<script>alert"),
            "{report}"
        );
        let id = report_path.rsplit('/').next().unwrap();
        let published = form_post("/_fn/publish_upload")
            .form(&[("id", id)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            published
                .headers()
                .get("location")
                .unwrap()
                .to_str()
                .unwrap(),
            report_path
        );
        let report = browser
            .get(app.url(&report_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            report.contains("已发布，学员现在可以看到这门课。")
                && report.contains(r#"class="status published">已发布"#),
            "{report}"
        );

        // A learner gets nothing from these pages.
        app.register("13812341234", "js-sz").await;
        let learner = cookie_client();
        learner
            .post(app.url("/_fn/login"))
            .header("Origin", origin.clone())
            .header("Accept", "text/html")
            .form(&[("login", "13812341234"), ("password", "password-123")])
            .send()
            .await
            .unwrap();
        let page = learner
            .get(app.url(&report_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("找不到这个内容") && !page.contains("第二课"),
            "{page}"
        );
        // Nor a form that would refuse her: who may upload, and whom to ask.
        let page = learner
            .get(app.url("/trainer/packs"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            !page.contains(r#"enctype="multipart/form-data""#)
                && page.contains("只有工会的培训师和管理员可以上传课程包")
                && page.contains("请联系所在工会"),
            "{page}"
        );
    }

    /// The text of an HTML page, its tags left out.
    fn without_tags(html: &str) -> String {
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        text
    }

    /// A pack with a bad tier: the report page says so in Chinese, and in English once the
    /// reader switches language; the list shows no empty parts and China time.
    #[tokio::test]
    async fn the_report_page_speaks_the_readers_language() {
        let app = app_with_catalogue().await;
        create_admin_cli(&app.db, "13600000001", "js-sz", Some("admin-password"));
        let browser = cookie_client();
        let origin = app.server.base.clone();
        let form_post = |path: &str| {
            browser
                .post(app.url(path))
                .header("Origin", origin.clone())
                .header("Accept", "text/html")
        };
        form_post("/_fn/login")
            .form(&[("login", "13600000001"), ("password", "admin-password")])
            .send()
            .await
            .unwrap();
        let bad_tier = pack_zip("tier-course", "1.0.0", |dir| {
            let toml = std::fs::read_to_string(dir.join("course.toml"))
                .unwrap()
                .replace("tier = 1", "tier = 7");
            std::fs::write(dir.join("course.toml"), toml).unwrap();
        });
        let uploaded = form_post("/trainer/packs")
            .multipart(reqwest::multipart::Form::new().part(
                "pack",
                reqwest::multipart::Part::bytes(bad_tier).file_name("bad-pack.zip"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(uploaded.status(), 303);
        let report_path = uploaded
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let page = |path: String| {
            let browser = browser.clone();
            let url = app.url(&path);
            async move { browser.get(url).send().await.unwrap().text().await.unwrap() }
        };

        let chinese = page(report_path.clone()).await;
        assert!(
            chinese.contains("tier-course/course.toml")
                && chinese
                    .contains("第 4 行：tier 的值 7 无效，应为 1（基础）、2（进阶）或 3（高级）")
                && chinese.contains("苏州市总工会")
                && !chinese.contains("tier 7 is not"),
            "{chinese}"
        );
        // The list as read: the file's name, its status (no empty version between dots), and
        // the time in China.
        let list = without_tags(&page("/trainer/packs".into()).await);
        assert!(
            list.contains("bad-pack.zip · 有问题") && !list.contains("UTC"),
            "{list}"
        );

        let switched = browser
            .get(app.url(&format!("/lang/en?next={report_path}")))
            .send()
            .await
            .unwrap();
        assert_eq!(switched.status(), 303);
        let english = page(report_path.clone()).await;
        assert!(
            english.contains("line 4: tier 7 is not 1 (basic), 2 (intermediate) or 3 (advanced)")
                && english.contains("Suzhou Federation of Trade Unions")
                && !english.contains("tier 的值"),
            "{english}"
        );
    }
}

mod learning_journey {
    //! The catalogue, course pages, enrolment, reading lessons and completion over REST.
    use serde_json::{json, Value};

    use super::*;

    async fn app_with(dir: &Path) -> TestApp {
        TestApp::spawn_with(
            ServerOptions::default().env("QIHANG_COURSES_DIR", dir.display().to_string()),
        )
        .await
    }

    #[tokio::test]
    async fn learners_see_their_courses_and_prerequisites_are_enforced() {
        let app = app_with(&bundled_courses()).await;
        let all: Vec<Value> = app.get_json("/api/v1/courses").await;
        assert_eq!(all.len(), 17);
        assert_eq!(all[0]["tier"], 1);
        let basic: Vec<Value> = app.get_json("/api/v1/courses?tier=1").await;
        assert_eq!(basic.len(), 5);
        let found: Vec<Value> = app.get_json("/api/v1/courses?q=%E8%AF%88%E9%AA%97").await;
        let ids: Vec<&str> = found.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["payment-safety", "family-digital"], "search 诈骗");

        app.register("13812341234", "js-nj").await;
        let learner = app.login("13812341234", "password-123").await;
        let lesson_path = "/api/v1/courses/smartphone-basics/lessons/wifi";
        let not_enrolled = app.get_as(&learner, lesson_path).await;
        assert_eq!(not_enrolled.status(), 403);
        assert_eq!(error_of(not_enrolled).await.0, "not_enrolled");

        let blocked = app
            .post_as(
                &learner,
                "/api/v1/courses/online-services/enrollment",
                &json!({}),
            )
            .await;
        assert_eq!(blocked.status(), 409);
        let (code, _, message) = error_of(blocked).await;
        assert_eq!(code, "prerequisites_missing");
        assert!(message.contains("智能手机基础与无障碍设置"), "{message}");

        assert_eq!(
            app.post_as(
                &learner,
                "/api/v1/courses/smartphone-basics/enrollment",
                &json!({})
            )
            .await
            .status(),
            201
        );
        assert_eq!(
            app.post_as(
                &learner,
                "/api/v1/courses/smartphone-basics/enrollment",
                &json!({})
            )
            .await
            .status(),
            200
        );
        let lesson: Value = app
            .get_as(&learner, lesson_path)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            (lesson["id"].as_str(), lesson["title"].as_str()),
            (Some("wifi"), Some("连上 Wi-Fi，管好流量"))
        );
        assert!(lesson["html"]
            .as_str()
            .unwrap()
            .contains("<h1>连上 Wi-Fi，管好流量</h1>"));
        assert_eq!(
            (lesson["previous"].as_str(), lesson["next"].as_str()),
            (Some("first-steps"), Some("accessibility"))
        );
        assert_eq!(
            app.get_as(&learner, "/api/v1/courses/smartphone-basics/lessons/nope")
                .await
                .status(),
            404
        );

        for key in [
            "first-steps",
            "wifi",
            "accessibility",
            "apps-safely",
            "camera-photos",
            "storage-updates",
            "lock-and-find",
            "voice-video",
            "wifi",
        ] {
            let done = app
                .post_as(
                    &learner,
                    &format!("/api/v1/courses/smartphone-basics/lessons/{key}/complete"),
                    &json!({}),
                )
                .await;
            assert_eq!(done.status(), 200, "{key}");
        }
        let mine: Vec<Value> = app
            .get_as(&learner, "/api/v1/me/enrollments")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (
                mine[0]["lessons_read"].as_u64(),
                mine[0]["lesson_count"].as_u64()
            ),
            (Some(8), Some(8))
        );
        assert!(
            mine[0]["completed_at"].is_null(),
            "the quiz is still required"
        );
        let page: Value = app
            .get_as(&learner, "/api/v1/courses/smartphone-basics")
            .await
            .json()
            .await
            .unwrap();
        assert!(page["lessons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["read"] == true));
        assert_eq!(page["quiz"]["draw"], 12);
        assert_eq!(
            page["completion"],
            json!({"lessons": true, "quiz": true, "attendance": false})
        );

        // A course published for Suzhou is invisible outside Suzhou.
        let sz_admin = app.admin("13600000001", "js-sz").await;
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
        write_course(
            folder.path(),
            "suzhou-only",
            "1.0.0",
            &[],
            &[("intro", "苏州的课")],
        );
        let output = qihang_command()
            .args([
                "--database-url",
                &app.db.url,
                "courses",
                "import",
                "--org",
                "js-sz",
            ])
            .arg(folder.path().join("suzhou-only"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            app.get_as(&learner, "/api/v1/courses/suzhou-only")
                .await
                .status(),
            404,
            "js-nj learner"
        );
        assert_eq!(
            app.client
                .get(app.url("/api/v1/courses/suzhou-only"))
                .send()
                .await
                .unwrap()
                .status(),
            404,
            "anonymous"
        );
        assert_eq!(
            app.get_as(&sz_admin, "/api/v1/courses/suzhou-only")
                .await
                .status(),
            200,
            "js-sz member"
        );
        let nj_list: Vec<Value> = app
            .get_as(&learner, "/api/v1/courses")
            .await
            .json()
            .await
            .unwrap();
        assert!(nj_list.iter().all(|c| c["id"] != "suzhou-only"));
    }

    #[tokio::test]
    async fn a_course_completes_exactly_once_when_its_rules_are_met() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
        write_course(
            folder.path(),
            "read-only",
            "1.0.0",
            &[],
            &[("one", "第一课"), ("two", "第二课")],
        );
        let toml = std::fs::read_to_string(folder.path().join("read-only/course.toml"))
            .unwrap()
            .replace("quiz = true", "quiz = false");
        std::fs::write(folder.path().join("read-only/course.toml"), toml).unwrap();
        let app = app_with(folder.path()).await;
        app.register("13812341234", "js-yc").await;
        let learner = app.login("13812341234", "password-123").await;
        assert_eq!(
            app.post_as(&learner, "/api/v1/courses/read-only/enrollment", &json!({}))
                .await
                .status(),
            201
        );
        let first: Value = app
            .post_as(
                &learner,
                "/api/v1/courses/read-only/lessons/one/complete",
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(first["completed_at"].is_null());
        let done: Value = app
            .post_as(
                &learner,
                "/api/v1/courses/read-only/lessons/two/complete",
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        let completed_at = done["completed_at"]
            .as_str()
            .expect("completed")
            .to_string();
        let again: Value = app
            .post_as(
                &learner,
                "/api/v1/courses/read-only/lessons/one/complete",
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            again["completed_at"].as_str(),
            Some(completed_at.as_str()),
            "completion is recorded once"
        );
        let mut conn = app.db.connect();
        use qihang_core::db::schema::enrollments;
        let evidence: Vec<Option<String>> = enrollments::table
            .select(enrollments::evidence)
            .load(&mut conn)
            .unwrap();
        assert_eq!(evidence, [Some(r#"{"lessons_read":2}"#.to_string())]);
    }

    /// A page as a visitor (or, with a token, as her) sees it in `lang`: status and HTML.
    async fn page(app: &TestApp, token: Option<&str>, lang: &str, path: &str) -> (u16, String) {
        let mut cookies = format!("qihang_lang={lang}");
        if let Some(token) = token {
            cookies.push_str(&format!("; qihang_session={token}"));
        }
        let response = app
            .client
            .get(app.url(path))
            .header("cookie", cookies)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// The ids of the courses `/api/v1/courses?q=` finds, sorted.
    async fn found(app: &TestApp, q: &str) -> Vec<String> {
        let courses: Vec<Value> = app
            .client
            .get(app.url("/api/v1/courses"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let mut ids: Vec<String> = courses
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    }

    /// Issue 11.5: the search looks through summaries, skill names and lesson titles as well
    /// as titles, ignoring the case of Latin letters on both backends, and takes `%` and `_`
    /// as themselves; the page says how many it found, with a way back, and when it found
    /// nothing offers the tiers to browse.
    #[tokio::test]
    async fn search_looks_through_summaries_skills_and_lesson_titles() {
        let app = app_with(&bundled_courses()).await;
        // "微信" is in payment-safety's summary only; "Wi-Fi" in a lesson title of
        // smartphone-basics only.
        assert_eq!(found(&app, "微信").await, ["payment-safety"]);
        assert_eq!(found(&app, "Wi-Fi").await, ["smartphone-basics"]);
        // Without the hyphen, or with a space, as people type it.
        assert_eq!(found(&app, "wifi").await, ["smartphone-basics"]);
        assert_eq!(found(&app, "WI FI").await, ["smartphone-basics"]);
        assert_eq!(
            found(&app, "wi-fi").await,
            ["smartphone-basics"],
            "Latin case"
        );
        assert_eq!(
            found(&app, "WI-FI").await,
            ["smartphone-basics"],
            "Latin case"
        );
        assert_eq!(
            found(&app, "wechat").await,
            ["payment-safety"],
            "English summaries"
        );
        // A skill by its Chinese or English name: the four courses raising 网络安全.
        let safety = [
            "family-digital",
            "genai-safe",
            "payment-safety",
            "personal-info",
        ];
        assert_eq!(found(&app, "网络安全").await, safety);
        assert_eq!(found(&app, "online SAFETY").await, safety);
        // Wildcards are text: nothing in the bundled courses contains them.
        for wildcard in ["%", "_", "%%", "100%", "a_b"] {
            assert!(found(&app, wildcard).await.is_empty(), "{wildcard:?}");
        }
        assert_eq!(
            found(&app, "诈骗").await,
            ["family-digital", "payment-safety"],
            "titles still"
        );

        let (status, html) = page(&app, None, "zh-CN", "/courses?q=%E5%BE%AE%E4%BF%A1").await;
        assert_eq!(status, 200);
        assert!(
            html.contains("找到 1 门与“微信”相关的课程。")
                && html.contains(r#"id="clear-search""#)
                && html.contains("清除搜索"),
            "{html}"
        );
        assert!(html.contains(r#"data-course="payment-safety""#));
        assert!(!html.contains(r#"data-course="smartphone-basics""#));
        let (_, english) = page(&app, None, "en", "/courses?q=Wi-Fi").await;
        assert!(english.contains("1 course found for “Wi-Fi”."), "{english}");

        let (status, none) = page(&app, None, "zh-CN", "/courses?q=blockchain").await;
        assert_eq!(status, 200);
        assert!(
            none.contains("没有找到与“blockchain”相关的课程")
                && none.contains(r#"data-found="0""#)
                && none.contains(r##"href="/courses#tier-1""##)
                && none.contains(r##"href="/courses#tier-3""##),
            "{none}"
        );
        let (_, all) = page(&app, None, "zh-CN", "/courses").await;
        assert!(
            all.contains(r#"id="tier-1""#) && all.contains(r#"id="tier-3""#),
            "the tiers the links lead to"
        );
        assert!(
            !all.contains(r#"id="search-result""#),
            "no search, no count"
        );
    }

    /// Issue 11.5: the catalogue tells a signed-in learner which courses a prerequisite still
    /// locks, and by what, before she taps "enrol" (in words, not by colour); visitors, and
    /// courses she may enrol in or is enrolled in, show no lock.
    #[tokio::test]
    async fn locked_courses_say_what_to_complete_first() {
        let app = app_with(&bundled_courses()).await;
        app.register("13812341234", "js-nj").await;
        let learner = app.login("13812341234", "password-123").await;
        let courses: Vec<Value> = app
            .get_as(&learner, "/api/v1/courses")
            .await
            .json()
            .await
            .unwrap();
        let course = |id: &str| courses.iter().find(|c| c["id"] == id).unwrap().clone();
        assert_eq!(
            course("online-services")["locked_by"],
            json!([{
                "id": "smartphone-basics",
                "title": "智能手机基础与无障碍设置",
                "title_en": "Smartphone basics and accessibility settings",
                "completed": false
            }])
        );
        assert_eq!(course("smartphone-basics")["locked_by"], json!([]));
        let visitor: Vec<Value> = app.get_json("/api/v1/courses").await;
        assert!(visitor.iter().all(|c| c["locked_by"] == json!([])));

        let (_, html) = page(&app, Some(&learner), "zh-CN", "/courses").await;
        assert!(
            html.contains(r#"data-course="online-services" data-locked="true""#)
                && html.contains("需先完成：智能手机基础与无障碍设置"),
            "{html}"
        );
        assert!(!html.contains(r#"data-course="smartphone-basics" data-locked"#));
        let (_, english) = page(&app, Some(&learner), "en", "/courses").await;
        assert!(
            english.contains("Complete first: Smartphone basics and accessibility settings"),
            "{english}"
        );
        let (_, course_page) =
            page(&app, Some(&learner), "zh-CN", "/courses/online-services").await;
        assert!(
            course_page.contains(r#"id="course-locked""#),
            "{course_page}"
        );
        let (_, visitor_page) = page(&app, None, "zh-CN", "/courses").await;
        assert!(!visitor_page.contains("需先完成"), "visitors see no locks");
    }

    /// Issue 11.9: English pages name courses, their summaries, skills and unions in English
    /// where the packs and the union tree have English names; Chinese pages are unchanged.
    #[tokio::test]
    async fn english_pages_use_the_english_names() {
        let app = app_with(&bundled_courses()).await;
        let summary: Vec<Value> = app.get_json("/api/v1/courses?tier=1").await;
        let basics = summary
            .iter()
            .find(|c| c["id"] == "smartphone-basics")
            .unwrap();
        assert!(basics["summary_en"]
            .as_str()
            .unwrap()
            .starts_with("From buttons and gestures, Wi-Fi and data"));
        assert_eq!(basics["skills"][0]["name_en"], "Digital life");

        let (_, catalogue) = page(&app, None, "en", "/courses").await;
        assert!(
            catalogue.contains(">Smartphone basics and accessibility settings<")
                && catalogue.contains("From buttons and gestures")
                && catalogue.contains(">Digital life L1<")
                && catalogue.contains("Online safety L1 · Digital life L1"),
            "{catalogue}"
        );
        assert!(
            !catalogue.contains("智能手机基础与无障碍设置"),
            "{catalogue}"
        );
        let (_, chinese) = page(&app, None, "zh-CN", "/courses").await;
        assert!(
            chinese.contains(">智能手机基础与无障碍设置<") && chinese.contains(">数字生活 L1<")
        );

        let (status, course) = page(&app, None, "en", "/courses/smartphone-basics").await;
        assert_eq!(status, 200);
        assert!(
            course.contains(
                r#"<h1 id="course-title">Smartphone basics and accessibility settings</h1>"#
            ) && course.contains("From buttons and gestures"),
            "{course}"
        );
        let (_, course) = page(&app, None, "en", "/courses/online-services").await;
        assert!(
            course.contains(">Smartphone basics and accessibility settings</a>"),
            "the prerequisite in English: {course}"
        );

        let learner = app
            .enrolled_learner("13812341234", "js-nj", &["smartphone-basics"])
            .await;
        let (_, lesson) = page(
            &app,
            Some(&learner),
            "en",
            "/courses/smartphone-basics/lessons/wifi",
        )
        .await;
        assert!(
            lesson.contains("Smartphone basics and accessibility settings</a>"),
            "the way back names the course in English: {lesson}"
        );
        let (_, learning) = page(&app, Some(&learner), "en", "/learning").await;
        assert!(
            learning.contains(">Smartphone basics and accessibility settings</a>"),
            "{learning}"
        );
        let (_, account) = page(&app, Some(&learner), "en", "/account").await;
        assert!(
            account.contains("Nanjing Federation of Trade Unions"),
            "{account}"
        );
        let (_, home) = page(&app, Some(&learner), "zh-CN", "/").await;
        assert!(home.contains("欢迎回来，王秀红"), "a Chinese comma: {home}");
    }
}

mod quiz_engine {
    //! Quiz attempts over REST: no answers before submission, the attempt limit under
    //! concurrency, idempotent submits, foreign ids, deadlines, grading and completion.
    use std::collections::BTreeMap;

    use serde_json::{json, Value};

    use super::*;

    /// An app with one course: 3 lessons, a bank of 6 questions of every kind, draw 4.
    async fn quiz_app() -> (TestApp, String, tempfile::TempDir) {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
        write_course(
            folder.path(),
            "quiz-course",
            "1.0.0",
            &[],
            &[("one", "第一课"), ("two", "第二课")],
        );
        let dir = folder.path().join("quiz-course");
        let toml = std::fs::read_to_string(dir.join("course.toml"))
            .unwrap()
            .replace("draw = 2", "draw = 4");
        std::fs::write(dir.join("course.toml"), toml).unwrap();
        std::fs::write(
            dir.join("questions.toml"),
            r#"[[question]]
id = "q-single"
kind = "single"
text = "单选题"
options = ["错甲", "对乙", "错丙"]
answer = "B"
explanation = "解释单选 SECRET-EXPLANATION"

[[question]]
id = "q-multi"
kind = "multiple"
text = "多选题"
options = ["对甲", "错乙", "对丙"]
answer = ["A", "C"]

[[question]]
id = "q-truth"
kind = "true_false"
text = "判断题"
answer = false

[[question]]
id = "q-fill"
kind = "fill"
text = "填空题"
answer = ["SECRET-FILL-ANSWER", "二十"]

[[question]]
id = "q-extra-1"
kind = "single"
text = "备用一"
options = ["对", "错"]
answer = "A"

[[question]]
id = "q-extra-2"
kind = "true_false"
text = "备用二"
answer = true
"#,
        )
        .unwrap();
        let app = TestApp::spawn_with(
            ServerOptions::default().env("QIHANG_COURSES_DIR", folder.path().display().to_string()),
        )
        .await;
        app.register("13812341234", "js-wx").await;
        let token = app.login("13812341234", "password-123").await;
        assert_eq!(
            app.post_as(&token, "/api/v1/courses/quiz-course/enrollment", &json!({}))
                .await
                .status(),
            201
        );
        (app, token, folder)
    }

    /// The right answers, worked out from the served option texts (correct ones start with 对).
    fn right_answers(attempt: &Value) -> BTreeMap<String, Value> {
        attempt["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| {
                let options = q["options"].as_array().unwrap();
                let right: Vec<Value> = options
                    .iter()
                    .filter(|o| o["text"].as_str().unwrap().starts_with('对'))
                    .map(|o| o["id"].clone())
                    .collect();
                let answer = match (q["kind"].as_str().unwrap(), q["text"].as_str().unwrap()) {
                    ("true_false", "判断题") => json!(false),
                    ("true_false", _) => json!(true),
                    ("fill", _) => json!("  ＳＥＣＲＥＴ-ＦＩＬＬ-ＡＮＳＷＥＲ "),
                    _ => json!(right),
                };
                (q["id"].as_str().unwrap().to_string(), answer)
            })
            .collect()
    }

    #[tokio::test]
    async fn answers_stay_secret_until_submitted_and_submits_grade_once() {
        let (app, token, _folder) = quiz_app().await;
        let started = app
            .post_as(
                &token,
                "/api/v1/courses/quiz-course/quiz/attempts",
                &json!({}),
            )
            .await;
        assert_eq!(started.status(), 201);
        let raw = started.text().await.unwrap();
        for secret in [
            "SECRET-EXPLANATION",
            "SECRET-FILL-ANSWER",
            "\"answer\"",
            "explanation",
            "\"expected\"",
        ] {
            assert!(
                !raw.contains(secret),
                "{secret} leaked before submission: {raw}"
            );
        }
        let attempt: Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(attempt["questions"].as_array().unwrap().len(), 4);
        let id = attempt["id"].as_str().unwrap().to_string();

        // Save one answer, read it back from a save; a foreign id is refused.
        let answers = right_answers(&attempt);
        let first = answers
            .iter()
            .next()
            .map(|(k, v)| (k.clone(), v.clone()))
            .unwrap();
        let saved = app
            .client
            .put(app.url(&format!("/api/v1/quiz-attempts/{id}/answers")))
            .bearer_auth(&token)
            .json(&json!({"answers": {first.0.clone(): first.1.clone()}}))
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 200);
        let saved: Value = saved.json().await.unwrap();
        assert_eq!(saved["answers"][&first.0], first.1);
        let foreign = app
            .client
            .put(app.url(&format!("/api/v1/quiz-attempts/{id}/answers")))
            .bearer_auth(&token)
            .json(&json!({"answers": {"not-served": true}}))
            .send()
            .await
            .unwrap();
        assert_eq!(foreign.status(), 422);
        assert_eq!(error_of(foreign).await.0, "foreign_question");

        // Ten simultaneous submits: one grading, ten equal answers.
        let body = json!({"answers": answers});
        let submits = (0..10).map(|_| {
            let request = app
                .client
                .post(app.url(&format!("/api/v1/quiz-attempts/{id}/submit")))
                .bearer_auth(&token)
                .json(&body);
            async move { request.send().await.unwrap() }
        });
        let responses = futures_util::future::join_all(submits).await;
        let mut bodies = Vec::new();
        for response in responses {
            assert_eq!(response.status(), 200);
            bodies.push(response.text().await.unwrap());
        }
        assert!(
            bodies.windows(2).all(|w| w[0] == w[1]),
            "all ten results are equal"
        );
        let result: Value = serde_json::from_str(&bodies[0]).unwrap();
        assert_eq!(
            (result["score"].as_u64(), result["passed"].as_bool()),
            (Some(100), Some(true)),
            "{result}"
        );
        let mut conn = app.db.connect();
        use qihang_core::db::schema::quiz_attempts;
        let graded: i64 = quiz_attempts::table
            .filter(quiz_attempts::submitted_at.is_not_null())
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(graded, 1);
        let closed = app
            .client
            .put(app.url(&format!("/api/v1/quiz-attempts/{id}/answers")))
            .bearer_auth(&token)
            .json(&json!({"answers": {}}))
            .send()
            .await
            .unwrap();
        assert_eq!(closed.status(), 409);

        // Passing the quiz and reading both lessons completes the course, once.
        for key in ["one", "two"] {
            app.post_as(
                &token,
                &format!("/api/v1/courses/quiz-course/lessons/{key}/complete"),
                &json!({}),
            )
            .await;
        }
        let mine: Vec<Value> = app
            .get_as(&token, "/api/v1/me/enrollments")
            .await
            .json()
            .await
            .unwrap();
        assert!(mine[0]["completed_at"].is_string(), "{mine:?}");
        use qihang_core::db::schema::enrollments;
        let evidence: Option<String> = enrollments::table
            .select(enrollments::evidence)
            .first(&mut conn)
            .unwrap();
        assert!(evidence.unwrap().contains(&id));
    }

    /// Reading an attempt (the quiz page) takes no row lock: it does not wait behind a submit
    /// in progress (it used to run `SELECT … FOR UPDATE` outside any transaction).
    #[tokio::test]
    async fn the_quiz_page_does_not_wait_for_a_submit_in_progress() {
        use diesel::connection::SimpleConnection;
        let (app, token, _folder) = quiz_app().await;
        let attempt: Value = app
            .post_as(
                &token,
                "/api/v1/courses/quiz-course/quiz/attempts",
                &json!({}),
            )
            .await
            .json()
            .await
            .unwrap();
        let id = attempt["id"].as_str().unwrap().to_string();
        let browser = cookie_client();
        browser
            .post(app.url("/_fn/login"))
            .header("Origin", app.server.base.clone())
            .form(&[("login", "13812341234"), ("password", "password-123")])
            .send()
            .await
            .unwrap();
        // Another transaction holds the attempt's row, as a submit does while grading.
        let mut holder = app.db.connect();
        if backend() == "postgres" {
            holder
                .batch_execute(&format!(
                    "BEGIN; SELECT id FROM quiz_attempts WHERE public_id = '{id}' FOR UPDATE"
                ))
                .unwrap();
        }
        let page = browser
            .post(app.url("/_fn/quiz_attempt"))
            .header("Origin", app.server.base.clone())
            .timeout(std::time::Duration::from_secs(5))
            .form(&[("id", id.as_str())])
            .send()
            .await
            .expect("the page answers while the row is locked");
        assert_eq!(page.status(), 200);
        if backend() == "postgres" {
            holder.batch_execute("ROLLBACK").unwrap();
        }
    }

    #[tokio::test]
    async fn the_attempt_limit_holds_when_attempts_start_at_once() {
        let (app, token, _folder) = quiz_app().await;
        let starts = (0..5).map(|_| {
            let request = app
                .client
                .post(app.url("/api/v1/courses/quiz-course/quiz/attempts"))
                .bearer_auth(&token)
                .json(&json!({}));
            async move { request.send().await.unwrap().status().as_u16() }
        });
        let mut statuses = futures_util::future::join_all(starts).await;
        statuses.sort();
        assert_eq!(statuses, [201, 201, 201, 409, 409]);
        let mut conn = app.db.connect();
        use qihang_core::db::schema::quiz_attempts;
        let count: i64 = quiz_attempts::table.count().get_result(&mut conn).unwrap();
        assert_eq!(count, 3);
        // Later attempts drew the questions she had not seen first.
        let served: Vec<String> = quiz_attempts::table
            .order(quiz_attempts::id.asc())
            .select(quiz_attempts::served)
            .load(&mut conn)
            .unwrap();
        let keys = |s: &String| -> Vec<String> {
            serde_json::from_str::<Vec<Value>>(s)
                .unwrap()
                .iter()
                .map(|q| q["key"].as_str().unwrap().to_string())
                .collect()
        };
        let (first, second) = (keys(&served[0]), keys(&served[1]));
        let unseen_before: Vec<&String> = second.iter().filter(|k| !first.contains(k)).collect();
        assert_eq!(
            unseen_before.len(),
            2,
            "the 2 questions not served first come first: {first:?} then {second:?}"
        );
    }

    #[tokio::test]
    async fn the_quiz_page_works_as_a_plain_form_and_keeps_answers_out_of_the_page() {
        let (app, _token, _folder) = quiz_app().await;
        let browser = cookie_client();
        let origin = app.server.base.clone();
        let form_post = |path: &str| {
            browser
                .post(app.url(path))
                .header("Origin", origin.clone())
                .header("Accept", "text/html")
        };
        form_post("/_fn/login")
            .form(&[("login", "13812341234"), ("password", "password-123")])
            .send()
            .await
            .unwrap();
        let course_page = browser
            .get(app.url("/courses/quiz-course"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(course_page.contains(r#"id="start-quiz""#), "{course_page}");
        let started = form_post("/_fn/start_quiz")
            .form(&[("course", "quiz-course")])
            .send()
            .await
            .unwrap();
        let page_path = started
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(page_path.starts_with("/quiz/"), "{page_path}");
        let page = browser
            .get(app.url(&page_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(r#"id="quiz-form""#));
        for secret in [
            "SECRET-EXPLANATION",
            "SECRET-FILL-ANSWER",
            "expected",
            "explanation",
        ] {
            assert!(
                !page.contains(secret),
                "{secret} is in the page before submission"
            );
        }

        // The right answers, from the attempt's own snapshot in the database.
        let mut conn = app.db.connect();
        use qihang_core::db::schema::quiz_attempts;
        let served: String = quiz_attempts::table
            .select(quiz_attempts::served)
            .first(&mut conn)
            .unwrap();
        let mut fields: Vec<(String, String)> = Vec::new();
        for q in serde_json::from_str::<Vec<Value>>(&served).unwrap() {
            let name = format!("q.{}", q["id"].as_str().unwrap());
            match &q["answer"] {
                Value::Bool(b) => fields.push((name, b.to_string())),
                Value::Array(items) if q["kind"] == "fill" => {
                    fields.push((name, items[0].as_str().unwrap().to_string()))
                }
                Value::Array(items) => fields.extend(
                    items
                        .iter()
                        .map(|i| (name.clone(), i.as_str().unwrap().to_string())),
                ),
                other => panic!("{other}"),
            }
        }
        let submitted = form_post(&page_path).form(&fields).send().await.unwrap();
        assert_eq!(submitted.status(), 303);
        let page = browser
            .get(app.url(&page_path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let after = page.split(r#"id="quiz-score""#).nth(1).unwrap_or_default();
        let score = after
            .split_once('>')
            .map(|(_, rest)| rest)
            .unwrap_or_default()
            .split("</p>")
            .next()
            .unwrap_or_default()
            .replace("<!>", "");
        assert_eq!(score, "得分 100 · 通过", "{page}");
    }
}

/// Deadlines and expiries follow the core's clock: the test moves the clock instead of
/// editing stored times. A late submit is refused and graded on what was saved in time; a
/// set-up link expires after its hours.
#[tokio::test]
async fn deadlines_and_expiries_follow_the_cores_clock() {
    use qihang_core::dto::AnswerInput;
    use qihang_core::services::clock::Clock;
    use qihang_core::services::{learning, quiz};
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let mut core = core_for(&db, data.path()).await;
    core.clock = Clock::fixed(chrono::Utc::now().naive_utc());
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    write_course(folder.path(), "timed", "1.0.0", &[], &[("one", "第一课")]);
    crate::support::packs::edit_course(
        folder.path(),
        "timed",
        &[("time_limit_minutes = 0", "time_limit_minutes = 20")],
    );
    catalog::import_folder(&core, folder.path(), "js", |_, _, _, _| {})
        .await
        .unwrap();
    let input = RegisterInput {
        name: "王秀红".into(),
        phone: "13812341234".into(),
        email: None,
        password: "password-123".into(),
        gender: "female".into(),
        org: "js-nj".into(),
        consent: true,
    };
    let ip = || "127.0.0.1".to_string();
    accounts::register(&core, input, ip()).await.unwrap();
    let login = accounts::login(
        &core,
        "13812341234".into(),
        "password-123".into(),
        accounts::Client::new(ip(), ""),
    )
    .await
    .unwrap();
    let actor = accounts::authenticate(&core, login.token).await.unwrap();
    learning::enroll(&core, &actor, "timed".into())
        .await
        .unwrap();

    // One right answer saved, then the 20 minutes run out.
    let attempt = quiz::start(&core, &actor, "timed".into()).await.unwrap();
    let first = &attempt.questions[0];
    let right = first.options.iter().find(|o| o.text == "甲").unwrap();
    let saved = [(
        first.id.clone(),
        AnswerInput::Choices(vec![right.id.clone()]),
    )]
    .into();
    quiz::save_answers(&core, &actor, attempt.id.clone(), saved)
        .await
        .unwrap();
    core.clock.advance(chrono::Duration::minutes(21));
    let all_right = attempt
        .questions
        .iter()
        .map(|q| {
            let id = q
                .options
                .iter()
                .find(|o| o.text == "甲")
                .unwrap()
                .id
                .clone();
            (q.id.clone(), AnswerInput::Choices(vec![id]))
        })
        .collect();
    let late = quiz::submit(&core, &actor, attempt.id.clone(), all_right).await;
    assert!(
        matches!(late, Err(ServiceError::DeadlinePassed)),
        "{late:?}"
    );
    let page = quiz::get(&core, &actor, attempt.id.clone()).await.unwrap();
    let result = page.result.expect("graded");
    assert_eq!(
        (result.score, result.passed),
        (50, false),
        "only the answer saved in time counts"
    );

    // A set-up link is good for 72 hours, not 73.
    let admin = accounts::create_admin(
        &core,
        accounts::NewAdmin {
            phone: "13700000001".into(),
            name: "张三".into(),
            org: "js".into(),
            email: None,
            gender: "female".into(),
            password: None,
        },
    )
    .await
    .unwrap();
    let link = admin.setup_link.unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();
    core.clock.advance(chrono::Duration::hours(73));
    let expired = accounts::set_password_with_token(&core, token, "brand-new-pass".into()).await;
    assert!(
        matches!(expired, Err(ServiceError::TokenExpired)),
        "{expired:?}"
    );
}

/// Two server processes on one database: a course re-imported (a new version, by a third
/// process: the command line) is what the next lesson view shows on both, API and page. The
/// lesson cache is keyed by course version, so nothing stale survives anywhere.
#[tokio::test]
async fn a_reimport_shows_on_the_next_view_on_every_server() {
    let packs = tempfile::tempdir().unwrap();
    std::fs::write(packs.path().join("skills.toml"), SKILLS).unwrap();
    let app = TestApp::spawn().await;
    let import = |version: &str, text: &str| {
        write_course(packs.path(), "cache-demo", version, &[], &[("one", text)]);
        let output = qihang_command()
            .args(["--database-url", &app.db.url, "courses", "import"])
            .arg(packs.path())
            .env("QIHANG_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    import("1.0.0", "第一版的课文");
    let data = tempfile::tempdir().unwrap();
    let second = TestServer::start(&app.db, data.path(), ServerOptions::default());
    let learner = app
        .enrolled_learner("13800000001", "js-nj", &["cache-demo"])
        .await;
    let bases = [app.server.base.clone(), second.base.clone()];
    let view = |base: &str, path: &str| {
        let request = app
            .client
            .get(format!("{base}{path}"))
            .header("cookie", format!("qihang_session={learner}"));
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.text().await.unwrap()
        }
    };
    for base in &bases {
        for path in [
            "/api/v1/courses/cache-demo/lessons/one",
            "/courses/cache-demo/lessons/one",
        ] {
            let body = view(base, path).await;
            assert!(body.contains("第一版的课文"), "{base}{path}: {body}");
        }
    }
    import("1.1.0", "第二版的课文");
    for base in bases.iter().rev() {
        for path in [
            "/api/v1/courses/cache-demo/lessons/one",
            "/courses/cache-demo/lessons/one",
        ] {
            let body = view(base, path).await;
            assert!(
                body.contains("第二版的课文") && !body.contains("第一版的课文"),
                "{base}{path} after the re-import: {body}"
            );
        }
    }
}

/// A course women have completed keeps its tier and mode in every later version: their
/// completions were counted under them (the dashboard's breakdowns, the evidence list's
/// paging), so a version moving it is refused, naming the file, and nothing changes. A
/// course nobody has completed may still move.
#[tokio::test]
async fn a_completed_course_keeps_its_tier_and_mode() {
    use crate::support::packs::edit_course;
    use crate::support::quiz::{app_with_quiz_courses, right_answers, start_attempt, submit};
    let (app, folder) = app_with_quiz_courses(
        &["kept", "fresh"],
        |root, id| edit_course(root, id, &[("lessons = true", "lessons = false")]),
        ServerOptions::default(),
    )
    .await;
    let learner = app
        .enrolled_learner("13812341234", "js-nj", &["kept"])
        .await;
    let attempt = start_attempt(&app, &learner, "kept").await;
    let result: serde_json::Value = submit(&app, &learner, &attempt, &right_answers(&attempt))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(result["passed"], true, "{result}");
    let import = || {
        qihang_command()
            .args(["--database-url", &app.db.url, "courses", "import"])
            .arg(folder.path())
            .env("QIHANG_LOG", "warn")
            .output()
            .unwrap()
    };
    let bump = [("version = \"1.0.0\"", "version = \"1.1.0\"")];
    edit_course(folder.path(), "fresh", &bump);
    edit_course(folder.path(), "fresh", &[("tier = 1", "tier = 2")]);
    let moved = import();
    assert!(
        moved.status.success(),
        "nobody completed it: {}",
        String::from_utf8_lossy(&moved.stderr)
    );
    edit_course(folder.path(), "kept", &bump);
    for (from, to) in [
        ("tier = 1", "tier = 3"),
        ("mode = \"online\"", "mode = \"blended\""),
    ] {
        edit_course(folder.path(), "kept", &[(from, to)]);
        let refused = import();
        let said = String::from_utf8_lossy(&refused.stderr).to_string()
            + &String::from_utf8_lossy(&refused.stdout);
        assert!(!refused.status.success(), "{to}: {said}");
        assert!(
            said.contains("kept/course.toml: tier 1 and mode online cannot become")
                && said.contains("1 learners have completed the course"),
            "{to}: {said}"
        );
        edit_course(folder.path(), "kept", &[(to, from)]);
    }
    let courses: serde_json::Value = app.get_json("/api/v1/courses").await;
    let tier_of = |id: &str| {
        courses
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["tier"].clone())
    };
    assert_eq!(tier_of("kept"), Some(serde_json::json!(1)), "{courses}");
    assert_eq!(tier_of("fresh"), Some(serde_json::json!(2)), "{courses}");
    stats_verify(&app.db);
}
