//! Union dashboards against the real server on SQLite or PostgreSQL (per `QIHANG_TEST_DB`):
//! the counting rules, subtree scoping through every endpoint and filter, targets (by REST
//! and by the page's form), the projection (held back until 60 days of data, never past
//! 2100; the core's clock stands in for the months), evidence in words, exports (BOM,
//! bilingual headers, zeros written, formula cells neutralised, audited), `qihang stats
//! verify`, and the bulk learner import (dry run, per-row problems, GBK, activation links,
//! matched phones).

use crate::support::packs::{edit_course, write_course, SKILLS};
use crate::support::*;
use diesel::prelude::*;
use serde_json::{json, Value};

/// Three lesson-only courses: `cc1` (基础, online), `cc2` (进阶, online), `cc3` (进阶, blended).
fn catalogue() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    for (id, tier, mode) in [
        ("cc1", 1, "online"),
        ("cc2", 2, "online"),
        ("cc3", 2, "blended"),
    ] {
        write_course(folder.path(), id, "1.0.0", &[], &[("one", "第一课")]);
        let mut edits = vec![
            ("quiz = true".to_string(), "quiz = false".to_string()),
            ("tier = 1".to_string(), format!("tier = {tier}")),
        ];
        if mode != "online" {
            edits.push(("mode = \"online\"".into(), format!("mode = \"{mode}\"")));
        }
        let edits: Vec<(&str, &str)> = edits
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        edit_course(folder.path(), id, &edits);
    }
    folder
}

async fn app() -> (tempfile::TempDir, TestApp) {
    let folder = catalogue();
    let app = TestApp::spawn_with(
        ServerOptions::default().env("QIHANG_COURSES_DIR", folder.path().display().to_string()),
    )
    .await;
    (folder, app)
}

/// A learner of `gender` at `org` who completes `courses` (each has one lesson).
async fn learner(app: &TestApp, phone: &str, org: &str, gender: &str, courses: &[&str]) -> String {
    let mut body = registration(phone, org);
    body["gender"] = json!(gender);
    assert_eq!(app.post("/api/v1/auth/register", &body).await.status(), 201);
    let token = app.login(phone, "password-123").await;
    for course in courses {
        complete(app, &token, course).await;
    }
    token
}

async fn complete(app: &TestApp, token: &str, course: &str) {
    app.enrol(token, course).await;
    let path = format!("/api/v1/courses/{course}/lessons/one/complete");
    let done: Value = app
        .post_as(token, &path, &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert!(done["completed_at"].is_string(), "{done}");
}

async fn stats(app: &TestApp, token: &str, org: &str) -> Value {
    let response = app
        .get_as(token, &format!("/api/v1/orgs/{org}/stats"))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn org_id(app: &TestApp, code: &str) -> i64 {
    use qihang_core::db::schema::orgs;
    orgs::table
        .filter(orgs::code.eq(code))
        .select(orgs::id)
        .first(&mut app.db.connect())
        .unwrap()
}

fn verify(app: &TestApp) -> std::process::Output {
    qihang_command()
        .args(["--database-url", &app.db.url, "stats", "verify"])
        .output()
        .unwrap()
}

/// Rebuilds the counters with `qihang stats rebuild`, which must succeed.
fn rebuild(app: &TestApp) {
    let rebuilt = qihang_command()
        .args(["--database-url", &app.db.url, "stats", "rebuild"])
        .output()
        .unwrap();
    assert!(
        rebuilt.status.success(),
        "{}",
        String::from_utf8_lossy(&rebuilt.stderr)
    );
}

#[tokio::test]
async fn women_count_once_where_they_first_completed_and_men_are_shown_apart() {
    let (_folder, app) = app().await;
    let province = app.admin("13700000001", "js").await;
    let nanjing = app.admin("13700000002", "js-nj").await;

    // Two completions: one woman trained.
    let her = learner(&app, "13800000001", "js-nj", "female", &["cc1", "cc2"]).await;
    // A man: completions and all-learner figures, never `trained`.
    learner(&app, "13800000002", "js-nj", "male", &["cc1"]).await;
    // A woman in Suzhou.
    learner(&app, "13800000003", "js-sz", "female", &["cc2"]).await;

    let js = stats(&app, &province, "js").await;
    assert_eq!(js["trained"], 2);
    assert_eq!(js["completions"], 3, "women's completions");
    assert_eq!(js["all_learners"]["learners_trained"], 3);
    assert_eq!(js["all_learners"]["all_completions"], 4);
    assert_eq!(js["target"], 500000);
    assert_eq!(js["deadline"], "2029-08-05");
    let child = |v: &Value, code: &str| {
        v["by_child"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["org"] == code)
            .cloned()
            .unwrap()
    };
    assert_eq!(child(&js, "js-nj")["trained"], 1);
    assert_eq!(child(&js, "js-sz")["trained"], 1);
    let month = js["by_month"].as_array().unwrap();
    assert_eq!(month.last().unwrap()["cumulative"], 2);
    assert_eq!(
        js["pace_last_90_days"], 1,
        "2 women in 90 days ≈ 0.66 a month, rounded"
    );
    assert!(js["pace_needed_per_month"].as_i64().unwrap() > 5_000);
    // The drive's first completions are today's: too little history to project from, and the
    // pace is averaged over the days there are, not over 90.
    assert_eq!(js["projection"], "not_enough_data", "{js}");
    assert!(js["projected_reach_date"].is_null() && js["projected_at_deadline"].is_null());
    assert!(js["history_days"].as_i64().unwrap() <= 1, "{js}");
    assert!(js["pace_window_days"].as_i64().unwrap() <= 2, "{js}");
    assert!(js["pace_per_30_days"].as_f64().unwrap() >= 30.0, "{js}");

    // She moves to Suzhou and completes a third course: she stays counted for Nanjing; the
    // new completion is Suzhou's.
    let sz = org_id(&app, "js-sz");
    {
        use qihang_core::db::schema::users;
        diesel::update(users::table.filter(users::phone.eq("13800000001")))
            .set(users::org_id.eq(sz))
            .execute(&mut app.db.connect())
            .unwrap();
    }
    complete(&app, &her, "cc3").await;
    let js = stats(&app, &province, "js").await;
    assert_eq!(
        js["trained"], 2,
        "a woman with three completions counts once"
    );
    assert_eq!(js["completions"], 4);
    assert_eq!(
        child(&js, "js-nj")["trained"],
        1,
        "attribution at first completion survives a move"
    );
    assert_eq!(child(&js, "js-sz")["trained"], 1);
    assert_eq!(child(&js, "js-sz")["completions"], 2);
    let tier = |v: &Value, bucket: &str| {
        v["by_tier"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bucket"] == bucket)
            .map(|b| {
                (
                    b["trained"].as_i64().unwrap(),
                    b["completions"].as_i64().unwrap(),
                )
            })
    };
    // Tier 2: she completed two courses there but counts once; the Suzhou woman once.
    assert_eq!(tier(&js, "2"), Some((2, 3)));
    assert_eq!(tier(&js, "1"), Some((1, 1)));
    let nj = stats(&app, &nanjing, "js-nj").await;
    assert_eq!(
        (nj["trained"].clone(), nj["completions"].clone()),
        (json!(1), json!(2))
    );

    // The counters agree with the raw records.
    let checked = verify(&app);
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stdout)
    );

    // The evidence list's total, read from the counters where one counter is the filter and
    // counted otherwise, is the number of rows it lists (all on one page here), for each
    // filter alone and in pairs: with a man, a move and a woman counted once.
    let month = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m")
        .to_string();
    let filters = [
        String::new(),
        "tier=1".into(),
        "tier=2".into(),
        "tier=3".into(),
        "mode=online".into(),
        "mode=blended".into(),
        "course=cc1".into(),
        "course=cc2".into(),
        format!("month={month}"),
        "month=2024-09".into(),
        "first_only=true".into(),
        format!("first_only=true&month={month}"),
        "first_only=true&tier=2".into(),
        "first_only=true&course=cc2".into(),
        "tier=2&course=cc2".into(),
        "org=js-nj".into(),
        "org=js-sz&first_only=true".into(),
        "org=js-sz&tier=2".into(),
    ];
    // Her first completion was cc1 (tier 1), in Nanjing; the Suzhou woman's, cc2 (tier 2).
    let firsts = [
        ("first_only=true", 2),
        ("first_only=true&tier=2", 1),
        ("first_only=true&course=cc2", 1),
        ("org=js-sz&first_only=true", 1),
        ("month=2024-09", 0),
        ("", 4),
    ];
    for filter in filters {
        let list = trained_page(&app, &province, "js", 1, &filter).await;
        let rows = list["rows"].as_array().unwrap().len();
        assert_eq!(list["total"], rows, "{filter}: {list}");
        if let Some((_, expected)) = firsts.iter().find(|(f, _)| *f == filter) {
            assert_eq!(rows, *expected, "{filter}: {list}");
        }
    }
}

#[tokio::test]
async fn completions_before_the_drive_do_not_count_and_verify_finds_tampering() {
    let (_folder, app) = app().await;
    let province = app.admin("13700000001", "js").await;
    learner(&app, "13800000001", "js-nj", "female", &["cc1"]).await;
    learner(&app, "13800000002", "js-wx", "female", &["cc1", "cc2"]).await;
    assert_eq!(stats(&app, &province, "js").await["trained"], 2);
    let clean = verify(&app);
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );

    // A counter changed behind Qihang's back: verify names it and fails.
    let nj = org_id(&app, "js-nj");
    {
        use qihang_core::db::schema::org_stats;
        diesel::update(
            org_stats::table
                .filter(org_stats::org_id.eq(nj))
                .filter(org_stats::dimension.eq("total")),
        )
        .set(org_stats::women_trained.eq(org_stats::women_trained + 5))
        .execute(&mut app.db.connect())
        .unwrap();
    }
    let caught = verify(&app);
    assert_eq!(caught.status.code(), Some(1));
    let report = String::from_utf8_lossy(&caught.stdout);
    assert!(
        report.contains("js-nj total=\"\": stored women_trained=6")
            && report.contains("recomputed women_trained=1"),
        "{report}"
    );
    assert!(report.contains("1 differ"), "{report}");

    // The drive began at 2024-08-05 00:00 China time (2024-08-04 16:00 UTC). One woman's only
    // completion is moved to the second before (and her first completion in the drive, which
    // Qihang would not have recorded, removed); the other woman's two to the very start (and
    // her first completion's time with them). Rebuilt, the counters and the lists count the
    // second woman and not the first.
    {
        use qihang_core::db::schema::{enrollments, first_completions, users};
        let mut conn = app.db.connect();
        let mut user = |phone: &str| -> i64 {
            users::table
                .filter(users::phone.eq(phone))
                .select(users::id)
                .first(&mut conn)
                .unwrap()
        };
        let (before, after) = (user("13800000001"), user("13800000002"));
        let start = chrono::NaiveDate::from_ymd_opt(2024, 8, 4)
            .unwrap()
            .and_hms_opt(16, 0, 0)
            .unwrap();
        diesel::update(enrollments::table.filter(enrollments::user_id.eq(before)))
            .set(enrollments::completed_at.eq(start - chrono::Duration::seconds(1)))
            .execute(&mut conn)
            .unwrap();
        diesel::delete(first_completions::table.find(before))
            .execute(&mut conn)
            .unwrap();
        diesel::update(enrollments::table.filter(enrollments::user_id.eq(after)))
            .set(enrollments::completed_at.eq(start))
            .execute(&mut conn)
            .unwrap();
        diesel::update(first_completions::table.find(after))
            .set(first_completions::completed_at.eq(start))
            .execute(&mut conn)
            .unwrap();
    }
    rebuild(&app);
    let js = stats(&app, &province, "js").await;
    assert_eq!(js["trained"], 1);
    assert_eq!(js["completions"], 2);
    assert_eq!(js["drive_start"], "2024-08-05", "{js}");
    assert!(verify(&app).status.success());
    for (filter, rows) in [
        ("", 2),
        ("first_only=true", 1),
        ("month=2024-08", 2),
        ("first_only=true&month=2024-08", 1),
    ] {
        let list = trained_page(&app, &province, "js", 1, filter).await;
        assert_eq!(list["total"], rows, "{filter}: {list}");
        let listed = list["rows"].as_array().unwrap();
        assert_eq!(listed.len(), rows, "{filter}: {list}");
        assert!(
            listed
                .iter()
                .all(|r| r["completed_at"] == "2024-08-04T16:00:00Z"),
            "{filter}: {list}"
        );
        let exported = exported_rows(&app, &province, "js", filter).await;
        assert_eq!(exported.len(), rows, "{filter}: {exported:?}");
    }
}

#[tokio::test]
async fn administrators_see_their_subtree_and_nothing_else() {
    let (_folder, app) = app().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    learner(&app, "13800000001", "js-sz", "female", &["cc1"]).await;
    learner(&app, "13800000002", "js-nj", "female", &["cc1"]).await;
    let learner_token = app.login("13800000002", "password-123").await;
    for path in [
        "/api/v1/orgs/js-sz/stats",
        "/api/v1/orgs/js-sz/stats.csv",
        "/api/v1/orgs/js-sz/trained",
        "/api/v1/orgs/js-sz/trained.csv",
        "/api/v1/orgs/js-sz/stats.xlsx",
        "/api/v1/orgs/js-sz/trained.xlsx",
        "/api/v1/orgs/js-sz/trained?tier=1&first_only=true",
        "/api/v1/orgs/js/stats",
        "/api/v1/orgs/js-nj/trained?org=js-sz",
        "/api/v1/orgs/js-nj/trained.csv?org=js-sz",
        "/api/v1/orgs/js-nj/trained.xlsx?org=js-sz",
    ] {
        assert_eq!(app.get_as(&nanjing, path).await.status(), 403, "{path}");
    }
    assert_eq!(
        app.get_as(&learner_token, "/api/v1/orgs/js-nj/stats")
            .await
            .status(),
        403
    );
    let put = app
        .client
        .put(app.url("/api/v1/orgs/js-sz/target"))
        .bearer_auth(&nanjing)
        .json(&json!({"target": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 403);
    // Her own node: only her own learner behind the figures, masked.
    let own: Value = app
        .get_as(&nanjing, "/api/v1/orgs/js-nj/trained")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["total"], 1);
    assert_eq!(own["rows"][0]["phone"], "138****0002");
    assert_eq!(own["rows"][0]["name"], "王*红");
    assert_eq!(own["rows"][0]["first"], true);
    // The page says so too, through the server function.
    let page = cookie_client()
        .get(app.url("/dashboard/js-sz"))
        .header("cookie", format!("qihang_session={nanjing}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"dashboard-error\""), "{page}");
    assert!(!page.contains("138****0001"));
}

#[tokio::test]
async fn targets_exports_and_the_audit_log() {
    let (_folder, app) = app().await;
    let province = app.admin("13700000001", "js").await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    learner(&app, "13800000001", "js-nj", "female", &["cc1"]).await;
    let put = |token: String, org: &'static str, body: Value| {
        let app = &app;
        async move {
            app.client
                .put(app.url(&format!("/api/v1/orgs/{org}/target")))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    // Only the parent's administrators set a node's target; the city cannot set its own.
    assert_eq!(
        put(nanjing.clone(), "js-nj", json!({"target": 1}))
            .await
            .status(),
        403
    );
    let set = put(
        province.clone(),
        "js",
        json!({"target": 400000, "deadline": "2028-12-31"}),
    )
    .await;
    assert_eq!(set.status(), 200);
    let bad = put(province.clone(), "js-nj", json!({"target": -1})).await;
    let (code, field, _) = error_of(bad).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("target"))
    );
    assert_eq!(
        put(province.clone(), "js-nj", json!({"target": 30000}))
            .await
            .status(),
        200
    );
    let js: Value = put(province.clone(), "js-sz", json!({"target": 40000}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(js["org"]["code"], "js-sz");
    let js = stats(&app, &province, "js").await;
    assert_eq!(
        (js["target"].clone(), js["deadline"].clone()),
        (json!(400000), json!("2028-12-31"))
    );
    let check = &js["targets_check"];
    assert_eq!(check["children_sum"], 70000);
    assert_eq!(check["adds_up"], false);
    assert!(check["children_without_target"].as_u64().unwrap() > 0);

    // An enterprise union whose name looks like a formula: neutralised in the CSV.
    let created = app
        .post_as(
            &nanjing,
            "/api/v1/orgs",
            &json!({"parent": "js-nj", "code": "js-nj-formula", "name": "=HYPERLINK(\"http://x\")", "kind": "enterprise"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let csv = app.get_as(&nanjing, "/api/v1/orgs/js-nj/stats.csv").await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(!text.contains(",=HYPERLINK"), "{text}");
    // Headers in Chinese and English, in the order they always had; a child with nobody
    // trained yet has 0 in every figure (its target, unset, stays blank).
    assert!(
        text.starts_with(
            "表 table,代码 key,名称 name,已培训女职工 women_trained,目标 target,\
             女职工完成课程数 women_completions,女职工学时 women_hours,\
             已培训学员 learners_trained,完成课程数 completions,学时 hours\n"
        ),
        "{text}"
    );
    let formula_row = text
        .lines()
        .find(|l| l.starts_with("by_child,js-nj-formula,"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(formula_row.ends_with(",0,,0,0,0,0,0"), "{formula_row}");
    // The same tables as a workbook: a sheet per table named in both languages, names as
    // plain strings, figures (0 included) as numbers.
    let xlsx = app.get_as(&nanjing, "/api/v1/orgs/js-nj/stats.xlsx").await;
    assert_eq!(xlsx.status(), 200);
    let bytes = xlsx.bytes().await.unwrap().to_vec();
    {
        use calamine::Reader;
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheets = book.sheet_names();
        assert!(
            sheets.contains(&"汇总 summary".to_string())
                && sheets.contains(&"下级工会 by_child".to_string()),
            "{sheets:?}"
        );
        let children = book.worksheet_range("下级工会 by_child").unwrap();
        let header: Vec<String> = children
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(
            header[..3],
            ["代码 key", "名称 name", "已培训女职工 women_trained"]
        );
        let names: Vec<String> = children.rows().skip(1).map(|r| r[1].to_string()).collect();
        assert!(
            names.contains(&"=HYPERLINK(\"http://x\")".to_string()),
            "{names:?}"
        );
        let formula = children.rows().find(|r| r[0] == "js-nj-formula").unwrap();
        for column in [2, 4, 5, 6, 7, 8] {
            assert_eq!(
                formula[column],
                calamine::Data::Float(0.0),
                "column {column}"
            );
        }
    }
    let evidence = app
        .get_as(&nanjing, "/api/v1/orgs/js-nj/trained.csv?tier=1")
        .await;
    assert_eq!(evidence.status(), 200);
    let evidence = String::from_utf8(evidence.bytes().await.unwrap()[3..].to_vec()).unwrap();
    assert!(
        evidence.contains("138****0001") && !evidence.contains("13800000001"),
        "{evidence}"
    );

    // Both exports are in the audit log: who, what, which node, which filters.
    use qihang_core::db::schema::export_audit;
    let audit: Vec<(String, String)> = export_audit::table
        .order(export_audit::id.asc())
        .select((export_audit::what, export_audit::filters))
        .load(&mut app.db.connect())
        .unwrap();
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert_eq!(audit[0].0, "stats.csv");
    assert_eq!(audit[1].0, "stats.xlsx");
    assert_eq!(audit[2].0, "trained.csv");
    assert!(audit[2].1.contains("\"tier\":1"), "{audit:?}");
}

async fn import(
    app: &TestApp,
    token: &str,
    org: &str,
    body: Vec<u8>,
    dry_run: bool,
) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/orgs/{org}/learners/import?dry_run={dry_run}"
        )))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn user_count(app: &TestApp) -> i64 {
    use qihang_core::db::schema::users;
    users::table
        .count()
        .get_result(&mut app.db.connect())
        .unwrap()
}

#[tokio::test]
async fn learners_import_with_a_dry_run_per_row_problems_and_gbk() {
    let (_folder, app) = app().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    app.register("13800000009", "js-nj").await;
    let before = user_count(&app);

    // Every kind of bad row, reported by line and field; nothing written, dry run or not.
    let bad = "\u{feff}姓名,手机,性别,工会代码,邮箱\n\
               张秀英,13900000001,女,js-nj,\n\
               李红,1390000,女,js-nj,\n\
               王芳,13900000003,未知,js-nj,\n\
               赵敏,13900000004,女,js-nowhere,\n\
               孙丽,13900000005,女,js-sz,\n\
               周静,13900000001,女,js-nj,\n\
               ,13900000007,女,js-nj,\n\
               吴燕,13900000008,女,js-nj,not-an-email\n";
    for dry_run in [true, false] {
        let (status, report) =
            import(&app, &nanjing, "js-nj", bad.as_bytes().to_vec(), dry_run).await;
        assert_eq!(status, 422, "{report}");
        let problems: Vec<(u64, String)> = report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["line"].as_u64().unwrap(),
                    p["field"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            problems,
            [
                (3, "phone".to_string()),
                (4, "gender".to_string()),
                (5, "org".to_string()),
                (6, "org".to_string()),
                (7, "phone".to_string()),
                (8, "name".to_string()),
                (9, "email".to_string()),
            ],
            "{report}"
        );
        let duplicate = report["problems"][4]["reason"].as_str().unwrap();
        assert!(duplicate.contains("line 2"), "{duplicate}");
        assert_eq!(report["written"], false);
    }
    assert_eq!(user_count(&app), before, "nothing written");

    // A clean file saved as GBK: matched phones are not duplicated; the dry run writes nothing.
    let good = "name,phone,gender,org,email\n\
                郑秀兰,139 0000 0011,女,js-nj,zheng@example.cn\n\
                钱建国,13900000012,男,js-nj,\n\
                王秀红,13800000009,女,js-nj,\n";
    let (gbk, _, lossy) = encoding_rs::GBK.encode(good);
    assert!(!lossy);
    let (status, report) = import(&app, &nanjing, "js-nj", gbk.to_vec(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["encoding"], "gbk");
    assert_eq!(
        (report["created"].clone(), report["matched"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(report["written"], false);
    assert_eq!(user_count(&app), before);
    let (status, report) = import(&app, &nanjing, "js-nj", gbk.to_vec(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["written"], true);
    assert_eq!(user_count(&app), before + 2);
    assert_eq!(report["learners"][0]["phone"], "139****0011");
    // Importing again matches everyone.
    let (_, again) = import(&app, &nanjing, "js-nj", gbk.to_vec(), false).await;
    assert_eq!(
        (again["created"].clone(), again["matched"].clone()),
        (json!(0), json!(3))
    );
    assert_eq!(user_count(&app), before + 2);

    // The activation link sets her password; then she signs in with her phone.
    let link = report["learners"][0]["activation_link"].as_str().unwrap();
    let token = link.split("token=").nth(1).unwrap();
    let set = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "new-password-1"}),
        )
        .await;
    assert_eq!(set.status(), 204);
    app.login("13900000011", "new-password-1").await;

    // The same learners as a workbook (phones typed as numbers): all matched, nothing new.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, title) in ["姓名", "手机", "性别", "工会代码"].iter().enumerate() {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    sheet.write_string(1, 0, "郑秀兰").unwrap();
    sheet.write_number(1, 1, 13900000011.0).unwrap();
    sheet.write_string(1, 2, "女").unwrap();
    sheet.write_string(1, 3, "js-nj").unwrap();
    sheet.write_string(2, 0, "冯丽").unwrap();
    sheet.write_number(2, 1, 13900000021.0).unwrap();
    sheet.write_string(2, 2, "X").unwrap();
    sheet.write_string(2, 3, "js-nj").unwrap();
    let xlsx = workbook.save_to_buffer().unwrap();
    let (status, report) = import(&app, &nanjing, "js-nj", xlsx, true).await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(report["encoding"], "xlsx");
    assert_eq!(report["matched"], 1);
    assert_eq!(report["problems"][0]["line"], 3);
    assert_eq!(report["problems"][0]["field"], "gender");

    // Another city's union is out of reach.
    let (status, _) = import(&app, &nanjing, "js-sz", good.as_bytes().to_vec(), true).await;
    assert_eq!(status, 403);
}

/// A page as the signed-in `token` sees it (the session cookie set by hand).
async fn page_as(app: &TestApp, token: &str, path: &str) -> String {
    cookie_client()
        .get(app.url(path))
        .header("cookie", format!("qihang_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A page through a browser-like client (its cookies: session, one-shot form messages).
async fn page_with(browser: &reqwest::Client, app: &TestApp, path: &str) -> String {
    browser
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The province's page holds back the projection while the drive's data is young; once
/// there are 60 days of it, a pace too slow for the target reads "not before 2100", never a
/// date centuries away.
#[tokio::test]
async fn the_dashboard_page_projects_only_from_enough_history() {
    let (_folder, app) = app().await;
    let province = app.admin("13700000001", "js").await;
    learner(&app, "13800000001", "js-nj", "female", &["cc1"]).await;
    let page = page_as(&app, &province, "/dashboard/js").await;
    assert!(
        page.contains("数据不足（需满 60 天数据才能预测，目前 "),
        "{page}"
    );
    assert!(
        page.contains("已培训女职工 ") && page.contains("（目标 500,000 名）"),
        "the headline is a sentence: {page}"
    );
    assert!(!page.contains("2100 年前无法达标"), "{page}");

    // Her completion 100 days ago: history enough, and nobody trained in the last 90 days.
    {
        use qihang_core::db::schema::enrollments;
        let before = chrono::Utc::now().naive_utc() - chrono::Duration::days(100);
        diesel::update(enrollments::table.filter(enrollments::completed_at.is_not_null()))
            .set(enrollments::completed_at.eq(before))
            .execute(&mut app.db.connect())
            .unwrap();
    }
    rebuild(&app);
    let js = stats(&app, &province, "js").await;
    assert_eq!(js["projection"], "after_2100", "{js}");
    assert!(js["projected_reach_date"].is_null(), "{js}");
    assert_eq!(js["projected_at_deadline"], 1, "{js}");
    assert_eq!(
        (
            js["pace_window_days"].clone(),
            js["pace_per_30_days"].clone()
        ),
        (json!(90), json!(0.0))
    );
    let history = js["history_days"].as_i64().unwrap();
    assert!((99..=101).contains(&history), "{js}");
    let page = page_as(&app, &province, "/dashboard/js").await;
    assert!(page.contains("2100 年前无法达标"), "{page}");
    assert!(!page.contains("数据不足"), "{page}");
}

/// A core in this process (no server) on a fresh database, its clock standing at `at`: the
/// clock stands in for the months a projection waits for.
async fn core_at(
    db: &TestDb,
    data: &std::path::Path,
    at: chrono::NaiveDateTime,
) -> qihang_core::Core {
    let config = core_config(db, data);
    let mut core = tokio::task::spawn_blocking(move || qihang_core::Core::start(config))
        .await
        .unwrap()
        .expect("core starts");
    core.clock = qihang_core::services::clock::Clock::fixed(at);
    core
}

/// `phone` signed in on `core`, now by its clock.
async fn actor_on(
    core: &qihang_core::Core,
    phone: &str,
    password: &str,
) -> qihang_core::services::actor::Actor {
    use qihang_core::services::accounts;
    let client = accounts::Client::new("127.0.0.1".into(), "");
    let login = accounts::login(core, phone.into(), password.into(), client)
        .await
        .unwrap();
    accounts::authenticate(core, login.token).await.unwrap()
}

/// A woman at `org` who completes `course` (one lesson) on `core`, now by its clock.
async fn completes_on(core: &qihang_core::Core, phone: &str, org: &str, course: &str) {
    use qihang_core::services::{accounts, learning};
    let input = accounts::RegisterInput {
        name: "王秀红".into(),
        phone: phone.into(),
        email: None,
        password: "password-123".into(),
        gender: "female".into(),
        org: org.into(),
        consent: true,
    };
    accounts::register(core, input, "127.0.0.1".into())
        .await
        .unwrap();
    let her = actor_on(core, phone, "password-123").await;
    learning::enroll(core, &her, course.into()).await.unwrap();
    learning::complete_lesson(core, &her, course.into(), "one".into())
        .await
        .unwrap();
}

/// The projection over months of a drive, the core's clock moved instead of stored times:
/// nothing projected on the first day; after 70 days two women against 500,000 is "after
/// 2100" while one to go for a target of 3 is a date (2 women in 71 days: 35.5 days, rounded
/// up); 100 quiet days later the pace is 0 and the date is gone; a met target is reached.
#[tokio::test]
async fn the_projection_waits_for_sixty_days_and_stops_at_2100() {
    use qihang_core::dto::ProjectionStatus;
    use qihang_core::services::stats::{self, TargetInput};
    use qihang_core::services::{accounts, catalog};
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2025, 3, 1)
        .unwrap()
        .and_hms_opt(2, 0, 0)
        .unwrap();
    let core = core_at(&db, data.path(), start).await;
    let folder = catalogue();
    catalog::import_folder(&core, folder.path(), "js", |_, _, _, _| {})
        .await
        .unwrap();
    let admin = accounts::NewAdmin {
        phone: "13700000001".into(),
        name: "李管理".into(),
        org: "js".into(),
        email: None,
        gender: "female".into(),
        password: Some("admin-password".into()),
    };
    accounts::create_admin(&core, admin).await.unwrap();

    completes_on(&core, "13800000001", "js-nj", "cc1").await;
    let admin = actor_on(&core, "13700000001", "admin-password").await;
    let js = stats::org_stats(&core, &admin, "js".into()).await.unwrap();
    assert_eq!(js.projection, ProjectionStatus::NotEnoughData);
    assert_eq!((js.history_days, js.pace_window_days), (0, 1));
    assert_eq!(
        (js.projected_at_deadline, js.projected_reach_date),
        (None, None)
    );
    assert!(
        (js.pace_per_30_days - 30.0).abs() < 1e-9,
        "one woman in one day"
    );

    core.clock.advance(chrono::Duration::days(70));
    completes_on(&core, "13800000002", "js-nj", "cc1").await;
    let admin = actor_on(&core, "13700000001", "admin-password").await;
    let js = stats::org_stats(&core, &admin, "js".into()).await.unwrap();
    assert_eq!(
        (js.trained, js.history_days, js.pace_window_days),
        (2, 70, 71)
    );
    assert!((js.pace_per_30_days - 60.0 / 71.0).abs() < 1e-9);
    assert_eq!(js.projection, ProjectionStatus::After2100);
    assert_eq!(js.projected_reach_date, None);
    assert!(js.projected_at_deadline.unwrap() < 100);
    let target = |target| TargetInput {
        target,
        deadline: None,
    };
    let nj = stats::set_target(&core, &admin, "js-nj".into(), target(3))
        .await
        .unwrap();
    assert_eq!(nj.projection, ProjectionStatus::OnDate);
    assert_eq!(nj.projected_reach_date.as_deref(), Some("2025-06-15"));
    assert_eq!(nj.deadline.as_deref(), Some("2029-08-05"), "inherited");

    core.clock.advance(chrono::Duration::days(100));
    let admin = actor_on(&core, "13700000001", "admin-password").await;
    let nj = stats::org_stats(&core, &admin, "js-nj".into())
        .await
        .unwrap();
    assert_eq!(
        (nj.history_days, nj.pace_window_days, nj.pace_per_30_days),
        (170, 90, 0.0)
    );
    assert_eq!(nj.projection, ProjectionStatus::After2100);
    assert_eq!(nj.projected_reach_date, None);
    let nj = stats::set_target(&core, &admin, "js-nj".into(), target(2))
        .await
        .unwrap();
    assert_eq!(nj.projection, ProjectionStatus::Reached);
}

/// Her only completion as if it rested on her second quiz attempt (the first failed) and a
/// class at 南京市工人文化宫 at 01:00 on 2 March 2026, China time.
fn quiz_and_class_evidence(app: &TestApp, phone: &str) {
    use qihang_core::db::schema::{class_sessions, enrollments, quiz_attempts, users};
    let mut conn = app.db.connect();
    let (enrollment, user, course): (i64, i64, i64) = enrollments::table
        .inner_join(users::table)
        .filter(users::phone.eq(phone))
        .select((
            enrollments::id,
            enrollments::user_id,
            enrollments::course_id,
        ))
        .first(&mut conn)
        .unwrap();
    // 01:00 on 2 March in China.
    let at = chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
        .unwrap()
        .and_hms_opt(17, 0, 0)
        .unwrap();
    for (public_id, score) in [("att-one", 40_i32), ("att-two", 100_i32)] {
        diesel::insert_into(quiz_attempts::table)
            .values((
                quiz_attempts::public_id.eq(public_id),
                quiz_attempts::user_id.eq(user),
                quiz_attempts::course_id.eq(course),
                quiz_attempts::enrollment_id.eq(enrollment),
                quiz_attempts::seed.eq(1_i64),
                quiz_attempts::served.eq("[]"),
                quiz_attempts::answers.eq("{}"),
                quiz_attempts::started_at.eq(at),
                quiz_attempts::submitted_at.eq(at),
                quiz_attempts::score.eq(score),
                quiz_attempts::passed.eq(score >= 60),
            ))
            .execute(&mut conn)
            .unwrap();
    }
    diesel::insert_into(class_sessions::table)
        .values((
            class_sessions::public_id.eq("class-one"),
            class_sessions::course_id.eq(course),
            class_sessions::org_id.eq(org_id(app, "js-nj")),
            class_sessions::trainer_id.eq(user),
            class_sessions::location.eq("南京市工人文化宫"),
            class_sessions::starts_at.eq(at),
            class_sessions::ends_at.eq(at + chrono::Duration::hours(2)),
            class_sessions::code_secret.eq(vec![7u8; 32]),
            class_sessions::created_at.eq(at),
        ))
        .execute(&mut conn)
        .unwrap();
    let evidence = r#"{"lessons_read":1,"attempt":"att-two","score":100,"session":"class-one"}"#;
    diesel::update(enrollments::table.find(enrollment))
        .set(enrollments::evidence.eq(evidence))
        .execute(&mut conn)
        .unwrap();
}

/// The evidence list names its columns and says in words what each completion rests on: a
/// quiz by its score and which attempt passed, a class by its place and day (China time),
/// lessons by how many; never an internal id. The export carries the same in new columns at
/// the end, and the page's plain GET filters say when they are on.
#[tokio::test]
async fn the_evidence_list_says_what_each_completion_rests_on() {
    let (_folder, app) = app().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    learner(&app, "13800000001", "js-nj", "female", &["cc1"]).await;
    learner(&app, "13800000002", "js-nj", "female", &["cc2"]).await;
    quiz_and_class_evidence(&app, "13800000002");

    let listed: Value = app
        .get_as(&nanjing, "/api/v1/orgs/js-nj/trained")
        .await
        .json()
        .await
        .unwrap();
    let row = listed["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["course"] == "cc2")
        .cloned()
        .unwrap();
    assert_eq!(
        (row["attempt_number"].clone(), row["score"].clone()),
        (json!(2), json!(100)),
        "{row}"
    );
    assert_eq!(
        (row["class_place"].clone(), row["class_date"].clone()),
        (json!("南京市工人文化宫"), json!("2026-03-02")),
        "{row}"
    );
    assert_eq!(
        row["attempt"], "att-two",
        "the stored id stays, for scripts"
    );

    let page = page_as(&app, &nanjing, "/dashboard/js-nj/trained").await;
    for heading in ["姓名", "手机", "工会", "课程", "完成日期", "完成依据"] {
        assert!(
            page.contains(&format!("<th scope=\"col\">{heading}</th>"))
                && page.contains(&format!("data-label=\"{heading}\"")),
            "{heading}: {page}"
        );
    }
    assert!(
        page.contains("测验 100 分，第 2 次；线下课 南京市工人文化宫 2026-03-02"),
        "{page}"
    );
    assert!(page.contains("学完 1 课"), "{page}");
    assert!(
        !page.contains("att-two") && !page.contains("class-one"),
        "{page}"
    );
    assert!(page.contains("第 1/1 页 · 共 2 条完成记录"), "{page}");
    assert!(
        page.contains(r#"id="filter-form""#) && !page.contains(r#"id="clear-filter""#),
        "{page}"
    );

    // The GET form sends its empty fields too: they mean "all".
    let filtered = page_as(
        &app,
        &nanjing,
        "/dashboard/js-nj/trained?tier=2&mode=&course=&month=&org=",
    )
    .await;
    assert!(
        filtered.contains("当前为筛选结果")
            && filtered.contains(r#"id="clear-filter""#)
            && filtered.contains(r#"href="/dashboard/js-nj/trained""#),
        "{filtered}"
    );
    assert!(
        filtered.contains("第 1/1 页 · 共 1 条完成记录"),
        "{filtered}"
    );
    assert!(
        filtered.contains(r#"href="/api/v1/orgs/js-nj/trained.csv?tier=2""#),
        "{filtered}"
    );

    let csv = app
        .get_as(&nanjing, "/api/v1/orgs/js-nj/trained.csv")
        .await
        .bytes()
        .await
        .unwrap();
    let csv = String::from_utf8(csv[3..].to_vec()).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("姓名 name,手机 phone,工会代码 org,")
            && header.ends_with(
                ",线下课日期（北京时间） class_date,已学课数 lessons_read,完成时间（北京时间） completed_at_china"
            ),
        "{header}"
    );
    assert!(
        csv.contains(",att-two,class-one,1,")
            && csv.contains(",100,2,南京市工人文化宫,2026-03-02,1,"),
        "{csv}"
    );
    // The last column is the completion time in China time: the UTC time plus eight hours.
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let utc = chrono::DateTime::parse_from_rfc3339(cells[6]).unwrap();
        let china = (utc + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string();
        assert_eq!(cells[16], china, "{line}");
    }
}

/// The administrators of a union's parent set its target on its dashboard with a plain form
/// (the service behind `PUT /api/v1/orgs/{code}/target`); a refusal comes back to the form in
/// Chinese, naming the field and keeping what was typed; the union's own administrators see
/// their target but get no form.
#[tokio::test]
async fn the_target_form_sets_a_childs_target() {
    let (_folder, app) = app().await;
    let province = app.admin("13700000001", "js").await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let browser = cookie_client();
    let origin = app.server.base.clone();
    let form_post = |path: &str| {
        browser
            .post(app.url(path))
            .header("Origin", origin.clone())
            .header("Accept", "text/html")
    };
    let login = form_post("/_fn/login")
        .form(&[("login", "13700000001"), ("password", "admin-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.headers().get("location").unwrap(), "/dashboard");
    let dashboard = page_with(&browser, &app, "/dashboard/js-nj").await;
    assert!(
        dashboard.contains(r#"id="target-form""#)
            && dashboard.contains(r#"action="/_fn/set_org_target""#),
        "{dashboard}"
    );

    let saved = form_post("/_fn/set_org_target")
        .form(&[("code", "js-nj"), ("target", "30,000"), ("deadline", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        saved.headers().get("location").unwrap(),
        "/dashboard/js-nj#set-target"
    );
    let nj = stats(&app, &province, "js-nj").await;
    assert_eq!(
        (nj["target"].clone(), nj["deadline"].clone()),
        (json!(30000), json!("2029-08-05"))
    );
    let dashboard = page_with(&browser, &app, "/dashboard/js-nj").await;
    assert!(dashboard.contains("目标已保存。"), "{dashboard}");

    // Refusals name the field, in Chinese, and keep what was typed.
    form_post("/_fn/set_org_target")
        .form(&[("code", "js-nj"), ("target", "三万"), ("deadline", "")])
        .send()
        .await
        .unwrap();
    let dashboard = page_with(&browser, &app, "/dashboard/js-nj").await;
    assert!(
        dashboard.contains(r#"data-field="target""#)
            && dashboard.contains("目标人数应为 0 至 100,000,000 之间的整数。")
            && dashboard.contains(r#"value="三万""#)
            && dashboard.contains(r#"aria-invalid="true""#),
        "{dashboard}"
    );
    form_post("/_fn/set_org_target")
        .form(&[
            ("code", "js-nj"),
            ("target", "100"),
            ("deadline", "2200-01-01"),
        ])
        .send()
        .await
        .unwrap();
    let dashboard = page_with(&browser, &app, "/dashboard/js-nj").await;
    assert!(
        dashboard.contains(r#"data-field="deadline""#)
            && dashboard.contains("截止日期应在 2024 年至 2100 年之间"),
        "{dashboard}"
    );
    assert_eq!(
        stats(&app, &province, "js-nj").await["target"],
        30000,
        "refusals change nothing"
    );

    // Nanjing's own administrators read their target; only the province sets it.
    let own = page_as(&app, &nanjing, "/dashboard/js-nj").await;
    assert!(
        own.contains("（目标 30,000 名）") && !own.contains(r#"id="target-form""#),
        "{own}"
    );
}

/// A row of the evidence list as the checks below compare them: phone, course, time.
fn row_key(phone: &str, course: &str, at: &str) -> String {
    format!("{phone} {course} {at}")
}

/// The rows of `/api/v1/orgs/{org}/trained.csv?{query}`, as [`row_key`]s.
async fn exported_rows(app: &TestApp, token: &str, org: &str, query: &str) -> Vec<String> {
    let csv = app
        .get_as(token, &format!("/api/v1/orgs/{org}/trained.csv?{query}"))
        .await
        .text()
        .await
        .unwrap();
    csv.lines()
        .skip(1)
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            row_key(cells[1], cells[4], cells[6])
        })
        .collect()
}

/// Page `page` of `/api/v1/orgs/{org}/trained?{query}`.
async fn trained_page(app: &TestApp, token: &str, org: &str, page: usize, query: &str) -> Value {
    app.get_as(
        token,
        &format!("/api/v1/orgs/{org}/trained?page={page}&{query}"),
    )
    .await
    .json()
    .await
    .unwrap()
}

/// Every page of `/api/v1/orgs/{org}/trained?{query}` in turn, each saying `total` rows, as
/// [`row_key`]s, and the number of pages.
async fn paged_rows(
    app: &TestApp,
    token: &str,
    org: &str,
    query: &str,
    total: usize,
) -> (Vec<String>, usize) {
    let mut listed = Vec::new();
    for page in 1.. {
        let list = trained_page(app, token, org, page, query).await;
        assert_eq!(list["total"], total, "{org} {query}");
        let rows = list["rows"].as_array().unwrap();
        if rows.is_empty() {
            return (listed, page - 1);
        }
        listed.extend(rows.iter().map(|r| {
            row_key(
                r["phone"].as_str().unwrap(),
                r["course"].as_str().unwrap(),
                r["completed_at"].as_str().unwrap(),
            )
        }));
    }
    unreachable!()
}

/// The rows of `/api/v1/orgs/{org}/trained.xlsx?{query}` (its one sheet), as [`row_key`]s.
async fn workbook_rows(app: &TestApp, token: &str, org: &str, query: &str) -> Vec<String> {
    use calamine::Reader;
    let xlsx = app
        .get_as(token, &format!("/api/v1/orgs/{org}/trained.xlsx?{query}"))
        .await
        .bytes()
        .await
        .unwrap();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let sheet = book.worksheet_range("培训明细 trained").unwrap();
    sheet
        .rows()
        .skip(1)
        .map(|r| row_key(&r[1].to_string(), &r[4].to_string(), &r[6].to_string()))
        .collect()
}

/// A page of the evidence list is found through the node's day counters (only the days that
/// hold it are asked for). On a generated drive of 400 learners spread over two years, every
/// page of the province's list, of a city's, and with "first only" or a month, lists exactly
/// the rows the full export lists at those places, in the same order.
#[tokio::test]
async fn every_page_of_the_evidence_list_is_the_matching_stretch_of_the_full_list() {
    let (_folder, app) = app().await;
    crate::support::bench::generate_drive(&app.db, 400);
    let province = app.admin("13700000001", "js").await;
    let mut pages_checked = 0;
    for (org, filter) in [
        ("js", ""),
        ("js", "first_only=true"),
        ("js", "month=2025-03"),
        ("js-wx", ""),
        ("js-wx", "first_only=true&month=2025-12"),
        // Paged by the tier, mode and course day counters (the province and a city)…
        ("js", "tier=1"),
        ("js", "mode=blended"),
        ("js", "course=smartphone-basics"),
        ("js", "tier=3&month=2025-03"),
        ("js-wx", "mode=online"),
        // …by the summed day counters of the courses two filters keep…
        ("js", "tier=1&mode=online"),
        ("js-wx", "tier=2&mode=online"),
        ("js", "mode=online&course=smartphone-basics&month=2025-03"),
        ("js", "tier=1&mode=offline"),
        // …and, with "first only", by those day counters' women trained.
        ("js", "tier=2&first_only=true"),
        ("js", "mode=offline&first_only=true"),
        ("js-wx", "course=smartphone-basics&first_only=true"),
        ("js", "tier=1&mode=online&first_only=true"),
        ("js", "tier=3&first_only=true&month=2025-03"),
        ("js-wx", "tier=2&mode=online&first_only=true&month=2025-12"),
    ] {
        let full = exported_rows(&app, &province, org, filter).await;
        let (listed, pages) = paged_rows(&app, &province, org, filter, full.len()).await;
        pages_checked += pages;
        // The whole province's list spans many pages and days, and many of the export's
        // batches (97 rows each in a debug build): the workbook, written batch by batch to
        // its sheet, holds the same rows in the same order.
        if (org, filter) == ("js", "") {
            assert!(full.len() > 300, "{}", full.len());
            let rows = workbook_rows(&app, &province, "js", "").await;
            assert_eq!(rows, full, "the workbook lists what the CSV lists");
        }
        assert_eq!(listed, full, "{org} {filter}");
    }
    assert!(pages_checked >= 10, "{pages_checked}");
    println!("evidence pages checked against the full export: {pages_checked}");

    // "First only" alone is read from first_completions; with a tier, through the
    // enrolments (first_completions holds no tier), paged by the tier's day counters. Every
    // course has one of the three tiers, so the three tiers' lists together hold exactly its
    // rows; and each tier's first-only list is its first completions: the rows of the tier's
    // list that the first-only list holds, and as many as its pages say.
    for (org, month) in [("js", ""), ("js-wx", ""), ("js", "&month=2025-03")] {
        let mut firsts =
            exported_rows(&app, &province, org, &format!("first_only=true{month}")).await;
        let mut by_tier = Vec::new();
        for tier in 1..=3 {
            let query = format!("tier={tier}&first_only=true{month}");
            by_tier.extend(exported_rows(&app, &province, org, &query).await);
        }
        assert!(!firsts.is_empty(), "{org}{month}");
        for tier in 1..=3 {
            let tier_rows =
                exported_rows(&app, &province, org, &format!("tier={tier}{month}")).await;
            let query = format!("tier={tier}&first_only=true{month}");
            let expected: Vec<String> = tier_rows
                .into_iter()
                .filter(|row| firsts.contains(row))
                .collect();
            let (listed, _) = paged_rows(&app, &province, org, &query, expected.len()).await;
            assert_eq!(listed, expected, "{org} {query}");
        }
        firsts.sort();
        by_tier.sort();
        assert_eq!(firsts, by_tier, "{org}{month}");
    }
}

/// Many completions at one instant span several of the export's batches (97 rows in a debug
/// build) and pages, each of which goes on from the last row before it by time and then
/// enrolment id: every page and every export list each completion once, in the same order.
/// On a generated drive of 3,000 learners, every completion from the drive's start to the end
/// of 2025 is moved to 2025's last second (China time), in the enrolments and in
/// first_completions alike, and the counters are rebuilt.
#[tokio::test]
async fn completions_at_one_instant_are_listed_once_across_pages_and_batches() {
    use qihang_core::db::schema::{enrollments, first_completions};
    let (_folder, app) = app().await;
    crate::support::bench::generate_drive(&app.db, 3_000);
    let utc = |y, m, d, h, min, s| {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, s)
            .unwrap()
    };
    // 2024-08-05 00:00 to 2026-01-01 00:00 China time; the instant is 2025-12-31 23:59:59.
    let (from, to, instant) = (
        utc(2024, 8, 4, 16, 0, 0),
        utc(2025, 12, 31, 16, 0, 0),
        utc(2025, 12, 31, 15, 59, 59),
    );
    let mut conn = app.db.connect();
    let moved = diesel::update(
        enrollments::table
            .filter(enrollments::completed_at.ge(from))
            .filter(enrollments::completed_at.lt(to)),
    )
    .set(enrollments::completed_at.eq(instant))
    .execute(&mut conn)
    .unwrap();
    diesel::update(
        first_completions::table
            .filter(first_completions::completed_at.ge(from))
            .filter(first_completions::completed_at.lt(to)),
    )
    .set(first_completions::completed_at.eq(instant))
    .execute(&mut conn)
    .unwrap();
    drop(conn);
    rebuild(&app);
    assert!(verify(&app).status.success());

    let province = app.admin("13700000001", "js").await;
    let mut at_the_instant = 0;
    for (filter, batches) in [
        ("", 3),
        ("first_only=true", 3),
        ("month=2025-12", 3),
        ("month=2025-12&first_only=true", 3),
        // Which of her completions at the instant was her first is the one first_completions
        // records, for the counters (rebuilt) as for the list.
        ("tier=2&first_only=true", 2),
    ] {
        let full = exported_rows(&app, &province, "js", filter).await;
        let (listed, _) = paged_rows(&app, &province, "js", filter, full.len()).await;
        assert_eq!(listed, full, "{filter}");
        // The pages' total (the counters') is the export's length, so no batch lists a row
        // twice or skips one; the rows at the instant span several batches.
        let shared = full
            .iter()
            .filter(|k| k.ends_with("2025-12-31T15:59:59Z"))
            .count();
        assert!(
            shared > batches * 97,
            "{filter}: {shared} rows at the instant"
        );
        if filter.is_empty() {
            at_the_instant = shared;
        }
    }
    // The women's completions at the instant are the moved ones by women (about nine in ten).
    assert!(
        at_the_instant <= moved && at_the_instant * 10 >= moved * 8,
        "{at_the_instant} of {moved}"
    );
}

/// A small union's list is read by place, not by time (SQLite is kept from the index on the
/// completion time, which would read the whole province's completions of the window to find
/// hers): on a generated drive of 6,000 learners (35 enterprise unions), the list of the one
/// holding the fewest completions (under 1/32, checked), unfiltered and with each filter,
/// pages exactly the rows its CSV export lists (whose batches are read by place too), in the
/// same order; the XLSX export holds the same rows.
#[tokio::test]
async fn a_small_unions_list_read_by_place_is_its_full_list() {
    let (_folder, app) = app().await;
    crate::support::bench::generate_drive(&app.db, 6_000);
    // The generated union with the fewest completions by women, and the province's.
    let (union, held, drive): (String, i64, i64) = {
        use qihang_core::db::schema::{org_stats, orgs};
        let mut conn = app.db.connect();
        let total = |conn: &mut qihang_core::db::DbConn, code: &str| -> i64 {
            org_stats::table
                .inner_join(orgs::table)
                .filter(orgs::code.eq(code))
                .filter(org_stats::dimension.eq("total"))
                .filter(org_stats::bucket.eq(""))
                .select(org_stats::women_completions)
                .first(conn)
                .unwrap()
        };
        let generated: Vec<String> = orgs::table
            .filter(orgs::code.like("%-demo%"))
            .select(orgs::code)
            .load(&mut conn)
            .unwrap();
        let (held, union) = generated
            .into_iter()
            .map(|code| (total(&mut conn, &code), code))
            .min()
            .unwrap();
        (union, held, total(&mut conn, "js"))
    };
    assert!(
        held > 100 && held * 32 < drive,
        "{union} holds {held} of {drive}: not a small union"
    );
    let province = app.admin("13700000001", "js").await;
    let mut rows_checked = 0;
    for filter in [
        "",
        "first_only=true",
        "tier=1",
        "course=smartphone-basics",
        "month=2026-01",
        "tier=2&first_only=true",
        // Counted by the summed counters of the courses kept, paged plainly (no day counters
        // this deep).
        "tier=1&mode=online",
    ] {
        let query = format!("org={union}&{filter}");
        let full = exported_rows(&app, &province, "js", &query).await;
        let (listed, _) = paged_rows(&app, &province, "js", &query, full.len()).await;
        assert_eq!(listed, full, "{union} {filter}");
        if filter.is_empty() {
            assert!(full.len() > 100, "{}", full.len());
            let rows = workbook_rows(&app, &province, "js", &query).await;
            assert_eq!(rows, full, "the workbook lists what the CSV lists");
        }
        rows_checked += full.len();
    }
    assert!(rows_checked > 200, "{rows_checked}");
    println!("{union}: {rows_checked} rows checked page by page against its exports");
}

/// The migrations that added the tier, mode and course day counters fill them from the
/// completions already held, as `stats rebuild` counts them: on a generated drive with those
/// counters removed (as before the first migration), `stats verify` fails; after the first
/// migration's SQL (their completions, no women trained) it still fails; after the second's
/// (the women trained: those whose first completion it was), it passes.
#[tokio::test]
async fn the_paging_day_counters_migration_fills_them_from_the_completions_held() {
    use diesel::connection::SimpleConnection;
    let (_folder, app) = app().await;
    crate::support::bench::generate_drive(&app.db, 150);
    stats_verify(&app.db);
    let mut conn = app.db.connect();
    let paging = "dimension IN ('tier_day', 'mode_day', 'course_day')";
    let count = |conn: &mut qihang_core::db::DbConn| {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM org_stats WHERE {paging}"
        ))
        .get_result::<Count>(conn)
        .unwrap()
        .n
    };
    let kept = count(&mut conn);
    assert!(kept > 100, "{kept}");
    conn.batch_execute(&format!("DELETE FROM org_stats WHERE {paging}"))
        .unwrap();
    let verify = qihang_command()
        .args(["--database-url", &app.db.url, "stats", "verify"])
        .output()
        .unwrap();
    assert!(!verify.status.success(), "verify sees them missing");
    let migration = |name: &str| {
        let path = format!("../migrations/{}/{name}/up.sql", backend());
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
            .unwrap()
    };
    let trained = |conn: &mut qihang_core::db::DbConn| -> (i64, i64) {
        #[derive(QueryableByName)]
        struct Trained {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            women: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            learners: i64,
        }
        let sums = diesel::sql_query(format!(
            "SELECT CAST(COALESCE(SUM(women_trained), 0) AS BIGINT) AS women, \
             CAST(COALESCE(SUM(learners_trained), 0) AS BIGINT) AS learners \
             FROM org_stats WHERE {paging}"
        ))
        .get_result::<Trained>(conn)
        .unwrap();
        (sums.women, sums.learners)
    };
    conn.batch_execute(&migration("2026-11-28-000018_paging_days"))
        .unwrap();
    assert_eq!(count(&mut conn), kept);
    assert_eq!(
        trained(&mut conn),
        (0, 0),
        "the first migration counts no one trained"
    );
    let verify = qihang_command()
        .args(["--database-url", &app.db.url, "stats", "verify"])
        .output()
        .unwrap();
    assert!(
        !verify.status.success(),
        "verify sees no one trained by day"
    );
    conn.batch_execute(&migration("2026-11-29-000021_first_completions_by_day"))
        .unwrap();
    assert_eq!(count(&mut conn), kept);
    let (women, learners) = trained(&mut conn);
    assert!(women > 0 && learners >= women, "{women} {learners}");
    stats_verify(&app.db);
    println!(
        "paging day counters refilled by the migrations: {kept}, counting {women} women \
         ({learners} learners) trained"
    );
}
