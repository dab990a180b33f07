//! The union tree below the cities (issue 11.6), against the real server on SQLite or
//! PostgreSQL (per `QIHANG_TEST_DB`): the bulk union import (dry run, a real run, per-line
//! problems naming line and column, codes outside the subtree or not extending their
//! parent's, other cities' administrators refused), its CSV template and its page (a plain
//! multipart form answered with the report), the name search behind the registration picker
//! (wildcards taken literally), and registering through the picker without JavaScript.

use crate::support::*;
use diesel::prelude::*;
use serde_json::{json, Value};

/// `POST /api/v1/orgs/{org}/orgs/import?dry_run=…` with the file as the body: (status, report).
async fn import(
    app: &TestApp,
    token: &str,
    org: &str,
    body: Vec<u8>,
    dry_run: bool,
) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(&format!("/api/v1/orgs/{org}/orgs/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn org_count(app: &TestApp) -> i64 {
    use qihang_core::db::schema::orgs;
    orgs::table
        .count()
        .get_result(&mut app.db.connect())
        .unwrap()
}

/// The codes of `GET /api/v1/orgs?…`.
async fn codes(app: &TestApp, query: &str) -> Vec<String> {
    let found: Vec<Value> = app.get_json(&format!("/api/v1/orgs?{query}")).await;
    found
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_string())
        .collect()
}

/// (line, column, problem kind) of each problem in a report.
fn problems(report: &Value) -> Vec<(u64, String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap(),
                p["field"].as_str().unwrap().to_string(),
                p["problem"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const NANJING_UNIONS: &str = "\u{feff}code,name,name_en,kind,parent\n\
    js-nj-gulou,鼓楼区总工会,Gulou District Federation of Trade Unions,district,\n\
    js-nj-gulou-xinhua,新华电子科技有限公司工会,,enterprise,js-nj-gulou\n\
    js-nj-bolt,金陵紧固件制造厂工会,,企业,\n";

#[tokio::test]
async fn a_dry_run_changes_nothing_and_a_real_run_adds_the_unions() {
    let app = TestApp::spawn().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let before = org_count(&app);

    let (status, report) = import(&app, &nanjing, "js-nj", NANJING_UNIONS.into(), true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["dry_run"].clone(),
            report["written"].clone(),
            report["rows"].clone(),
            report["created"].clone(),
            report["encoding"].clone(),
            report["org"].clone(),
        ),
        (
            json!(true),
            json!(false),
            json!(3),
            json!(3),
            json!("utf-8"),
            json!("js-nj")
        )
    );
    assert_eq!(report["problems"], json!([]));
    assert_eq!(org_count(&app), before, "a dry run writes nothing");
    assert!(codes(&app, "under=js-nj&q=新华").await.is_empty());

    let (status, report) = import(&app, &nanjing, "js-nj", NANJING_UNIONS.into(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["written"], true);
    assert_eq!(org_count(&app), before + 3);

    // The picker's search finds them by part of the name, under the city and the province.
    let found: Vec<Value> = app.get_json("/api/v1/orgs?under=js-nj&q=新华").await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "js-nj-gulou-xinhua");
    assert_eq!(found[0]["parent"], "js-nj-gulou");
    assert_eq!(found[0]["kind"], "enterprise");
    assert_eq!(codes(&app, "under=js&q=紧固件").await, ["js-nj-bolt"]);
    assert!(codes(&app, "under=js-sz&q=新华").await.is_empty());
    // Only the unions below the node, never the node itself; the shallowest first (names
    // of one depth in the database's collation, which differs between backends).
    let mut all = codes(&app, "under=js-nj&q=工会").await;
    assert_eq!(all.pop().as_deref(), Some("js-nj-gulou-xinhua"), "{all:?}");
    all.sort();
    assert_eq!(all, ["js-nj-bolt", "js-nj-gulou"]);
    let one = codes(&app, "under=js-nj&q=工会&limit=1").await;
    assert_eq!(one.len(), 1);
    assert_ne!(one[0], "js-nj-gulou-xinhua");
    // Without q the listing is the subtree, as before.
    assert_eq!(
        codes(&app, "under=js-nj-gulou").await,
        ["js-nj-gulou", "js-nj-gulou-xinhua"]
    );
    let english: Vec<Value> = app.get_json("/api/v1/orgs?under=js-nj-gulou").await;
    assert_eq!(
        english[0]["name_en"],
        "Gulou District Federation of Trade Unions"
    );

    // The same file again: every code is taken now, and nothing changes.
    let (status, again) = import(&app, &nanjing, "js-nj", NANJING_UNIONS.into(), false).await;
    assert_eq!(status, 422, "{again}");
    assert_eq!(
        problems(&again),
        [
            (2, "code".to_string(), "taken".to_string()),
            (3, "code".to_string(), "taken".to_string()),
            (4, "code".to_string(), "taken".to_string()),
        ]
    );
    assert_eq!(again["written"], false);
    assert_eq!(org_count(&app), before + 3);

    // A workbook with Chinese headers, a parent added under the new district.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, title) in ["工会代码", "工会名称", "类型", "上级代码"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, col as u16, *title).unwrap();
    }
    for (col, value) in [
        "js-nj-gulou-hunan",
        "湖南路街道总工会",
        "区县",
        "js-nj-gulou",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, col as u16, *value).unwrap();
    }
    let xlsx = workbook.save_to_buffer().unwrap();
    let (status, report) = import(&app, &nanjing, "js-nj", xlsx, false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["encoding"], "xlsx");
    assert_eq!(
        codes(&app, "under=js-nj-gulou&q=湖南路").await,
        ["js-nj-gulou-hunan"]
    );
}

#[tokio::test]
async fn bad_lines_are_named_by_line_and_column_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let before = org_count(&app);
    let file = "code,name,kind,parent\n\
                js-nj-a,甲街道总工会,district,\n\
                js-sz-x,外市工会,district,\n\
                js-nj-a,重复的工会,district,\n\
                js-nj-b,乙,district,\n\
                js-nj-c,丙街道总工会,city,\n\
                js-sz-y,苏州某厂工会,enterprise,js-sz\n\
                js-nj-d-e,丁厂工会,enterprise,js-nj-d\n\
                js-nj-d,丁街道总工会,district,\n\
                js-nj-f,戊厂工会,enterprise,js-nj-nowhere\n\
                JS-NJ-G,己厂工会,enterprise,\n\
                js-nj-a-1,甲一厂工会,enterprise,js-nj-a\n";
    for dry_run in [true, false] {
        let (status, report) = import(&app, &nanjing, "js-nj", file.into(), dry_run).await;
        assert_eq!(status, 422, "{report}");
        assert_eq!(
            problems(&report),
            [
                (3, "code".to_string(), "child_code".to_string()),
                (4, "code".to_string(), "duplicate".to_string()),
                (5, "name".to_string(), "name".to_string()),
                (6, "kind".to_string(), "kind".to_string()),
                (7, "parent".to_string(), "outside_subtree".to_string()),
                (8, "parent".to_string(), "parent_later".to_string()),
                (10, "parent".to_string(), "unknown_parent".to_string()),
                (11, "code".to_string(), "code".to_string()),
            ],
            "{report}"
        );
        let by_line = |line: u64| {
            report["problems"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["line"] == line)
                .unwrap()
                .clone()
        };
        // The code that does not extend its parent's, and the parent outside the subtree,
        // are refused naming the union they had to be under.
        assert_eq!(by_line(3)["problem"]["parent"], "js-nj");
        assert!(by_line(3)["reason"]
            .as_str()
            .unwrap()
            .contains("\"js-nj-\""));
        assert_eq!(
            by_line(7)["problem"],
            json!({"kind": "outside_subtree", "parent": "js-sz", "root": "js-nj"})
        );
        assert_eq!(by_line(4)["problem"]["first_line"], 2);
        assert!(by_line(4)["reason"].as_str().unwrap().contains("line 2"));
        assert_eq!(by_line(8)["problem"]["line"], 9);
        assert_eq!(report["written"], false);
        assert_eq!(report["created"], 3, "lines 2, 9 and 12 are good");
    }
    assert_eq!(org_count(&app), before, "all or nothing");

    // A header without the needed columns: line 1, each missing column named.
    let (status, report) = import(
        &app,
        &nanjing,
        "js-nj",
        "名称,备注\n某工会,x\n".into(),
        true,
    )
    .await;
    assert_eq!(status, 422, "{report}");
    assert_eq!(
        problems(&report),
        [
            (1, "code".to_string(), "missing_column".to_string()),
            (1, "kind".to_string(), "missing_column".to_string()),
        ]
    );
}

#[tokio::test]
async fn only_administrators_of_the_union_may_import_into_it() {
    let app = TestApp::spawn().await;
    let suzhou = app.admin("13700000003", "js-sz").await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let before = org_count(&app);
    for dry_run in [true, false] {
        let (status, body) = import(&app, &suzhou, "js-nj", NANJING_UNIONS.into(), dry_run).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    // Nor above her own union.
    let (status, _) = import(&app, &nanjing, "js", NANJING_UNIONS.into(), true).await;
    assert_eq!(status, 403);
    // A learner, and nobody at all.
    app.register("13800000001", "js-nj").await;
    let learner = app.login("13800000001", "password-123").await;
    let (status, _) = import(&app, &learner, "js-nj", NANJING_UNIONS.into(), true).await;
    assert_eq!(status, 403);
    let anonymous = app
        .client
        .post(app.url("/api/v1/orgs/js-nj/orgs/import?dry_run=true"))
        .body(NANJING_UNIONS)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    // Suzhou's own file, into Suzhou, with a Nanjing code: the code is refused.
    let file = "code,name,kind\njs-nj-sneaky,冒名工会,enterprise\n";
    let (status, report) = import(&app, &suzhou, "js-sz", file.into(), false).await;
    assert_eq!(status, 422);
    assert_eq!(
        problems(&report),
        [(2, "code".to_string(), "child_code".to_string())]
    );
    assert_eq!(org_count(&app), before);
}

#[tokio::test]
async fn the_search_takes_wildcards_literally() {
    let app = TestApp::spawn().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let file = "code,name,kind\n\
                js-nj-p1,百分百%工会,enterprise\n\
                js-nj-p2,下划线_工会,enterprise\n\
                js-nj-p3,反斜杠\\工会,enterprise\n\
                js-nj-p4,普通工会甲,enterprise\n";
    let (status, report) = import(&app, &nanjing, "js-nj", file.into(), false).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(codes(&app, "under=js-nj&q=%25").await, ["js-nj-p1"]);
    assert_eq!(codes(&app, "under=js-nj&q=_").await, ["js-nj-p2"]);
    assert_eq!(codes(&app, "under=js-nj&q=%5C").await, ["js-nj-p3"]);
    assert_eq!(
        codes(&app, "under=js-nj&q=%25%E5%B7%A5").await,
        ["js-nj-p1"]
    );
    assert_eq!(codes(&app, "under=js-nj&q=工会").await.len(), 4);
    // An over-long search is refused, naming the field.
    let long = "工".repeat(51);
    let response = app
        .client
        .get(app.url(&format!("/api/v1/orgs?under=js-nj&q={long}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(error_of(response).await.1.as_deref(), Some("q"));
    // A node that does not exist.
    let response = app
        .client
        .get(app.url("/api/v1/orgs?under=js-nowhere&q=工会"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
}

#[tokio::test]
async fn the_template_is_a_file_the_import_accepts() {
    let app = TestApp::spawn().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let response = app
        .client
        .get(app.url("/api/v1/orgs/js-nj/orgs/import-template.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert!(header("content-type").starts_with("text/csv"));
    assert!(header("content-disposition").contains("qihang-orgs-js-nj.csv"));
    let template = response.bytes().await.unwrap().to_vec();
    assert!(template.starts_with("\u{feff}code,name,name_en,kind,parent".as_bytes()));
    let (status, report) = import(&app, &nanjing, "js-nj", template, true).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 2);
    let bad = app
        .client
        .get(app.url("/api/v1/orgs/JS%3D1/orgs/import-template.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

/// A browser-like client signed in as `token` (the session cookie set by hand), posting
/// forms as a page would.
fn signed_in(app: &TestApp, token: &str, path: &str) -> reqwest::RequestBuilder {
    cookie_client()
        .post(app.url(path))
        .header("cookie", format!("qihang_session={token}"))
        .header("Origin", app.server.base.clone())
        .header("Accept", "text/html")
}

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

fn upload(file: &str, dry_run: bool) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new().text("org", "js-nj");
    let form = if dry_run {
        form.text("dry_run", "true")
    } else {
        form
    };
    form.part(
        "file",
        reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("unions.csv"),
    )
}

#[tokio::test]
async fn the_import_page_answers_its_form_with_the_report() {
    let app = TestApp::spawn().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let before = org_count(&app);

    // The dashboard links to it; the form has the file input and the dry run ticked.
    let dashboard = page_as(&app, &nanjing, "/dashboard/js-nj").await;
    assert!(
        dashboard.contains(r#"href="/admin/orgs/import?org=js-nj""#),
        "{dashboard}"
    );
    let page = page_as(&app, &nanjing, "/admin/orgs/import?org=js-nj").await;
    assert!(
        page.contains(r#"enctype="multipart/form-data""#)
            && page.contains(r#"type="file""#)
            && page.contains("批量添加下级工会")
            && page.contains("/api/v1/orgs/js-nj/orgs/import-template.csv"),
        "{page}"
    );
    assert!(
        page.contains(r#"name="dry_run""#) && page.contains("checked"),
        "{page}"
    );

    // A file with a bad line: the report in Chinese, by line and column; nothing written.
    let bad = "code,name,kind\njs-nj-a,甲街道总工会,district\njs-sz-x,外市工会,district\n";
    let response = signed_in(&app, &nanjing, "/admin/orgs/import")
        .multipart(upload(bad, false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"id="import-report""#)
            && html.contains(r#"data-written="false""#)
            && html.contains(r#"data-line="3""#)
            && html.contains("工会代码应以上级工会代码加“-”开头：js-nj-")
            && html.contains("表格中有问题，没有添加任何工会"),
        "{html}"
    );
    assert_eq!(org_count(&app), before);

    // A dry run of a good file, then the real import.
    let response = signed_in(&app, &nanjing, "/admin/orgs/import")
        .multipart(upload(NANJING_UNIONS, true))
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"data-dry-run="true""#) && html.contains("检查通过"),
        "{html}"
    );
    assert_eq!(org_count(&app), before);
    let response = signed_in(&app, &nanjing, "/admin/orgs/import")
        .multipart(upload(NANJING_UNIONS, false))
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(
        html.contains(r#"data-written="true""#) && html.contains("导入成功"),
        "{html}"
    );
    assert_eq!(org_count(&app), before + 3);

    // Another city's administrator: refused, nothing written.
    let suzhou = app.admin("13700000003", "js-sz").await;
    let response = signed_in(&app, &suzhou, "/admin/orgs/import")
        .multipart(upload(
            "code,name,kind\njs-nj-z,某厂工会,enterprise\n",
            false,
        ))
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("您没有权限进行此操作"), "{html}");
    assert_eq!(org_count(&app), before + 3);

    // Signed out: to the login page.
    let response = cookie_client()
        .post(app.url("/admin/orgs/import"))
        .header("Origin", app.server.base.clone())
        .multipart(upload(NANJING_UNIONS, false))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers().get("location").unwrap(), "/login");
}

#[tokio::test]
async fn registering_through_the_picker_without_javascript() {
    let app = TestApp::spawn().await;
    let nanjing = app.admin("13700000002", "js-nj").await;
    let (status, _) = import(&app, &nanjing, "js-nj", NANJING_UNIONS.into(), false).await;
    assert_eq!(status, 200);
    let browser = cookie_client();
    let post = |fields: &[(&str, &str)]| {
        browser
            .post(app.url("/_fn/register"))
            .header("Origin", app.server.base.clone())
            .header("Accept", "text/html")
            .form(fields)
    };
    // "Search" posts the form back: nothing registered, the matches shown, what she typed
    // kept (but the password).
    let searched = post(&[
        ("name", "王秀红"),
        ("phone", "13812341234"),
        ("email", ""),
        ("password", "password-123"),
        ("gender", "female"),
        ("city", "js-nj"),
        ("org_q", "新华"),
        ("find", "1"),
    ])
    .send()
    .await
    .unwrap();
    let location = searched
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with("/register?city=js-nj&org_q=%E6%96%B0%E5%8D%8E"),
        "{location}"
    );
    let page = browser
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"value="js-nj-gulou-xinhua""#) && page.contains("新华电子科技有限公司工会"),
        "{page}"
    );
    assert!(page.contains(r#"value="王秀红""#), "her name is kept");
    assert!(!page.contains("password-123"), "never the password");
    let login = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13812341234", "password": "password-123"}),
        )
        .await;
    assert_eq!(login.status(), 401, "not registered by the search");

    // Then she chooses it and registers.
    let registered = post(&[
        ("name", "王秀红"),
        ("phone", "13812341234"),
        ("email", ""),
        ("password", "password-123"),
        ("gender", "female"),
        ("city", "js-nj"),
        ("org_q", "新华"),
        ("org", "js-nj-gulou-xinhua"),
        ("consent", "on"),
    ])
    .send()
    .await
    .unwrap();
    assert_eq!(
        registered.headers().get("location").unwrap(),
        "/courses?welcome=1"
    );
    let token = app.login("13812341234", "password-123").await;
    let me: Value = app.get_as(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["org"]["code"], "js-nj-gulou-xinhua");

    // Choosing nothing below the city registers her with the city.
    let city_only = post(&[
        ("name", "李红"),
        ("phone", "13812341235"),
        ("email", ""),
        ("password", "password-123"),
        ("gender", "female"),
        ("city", "js-nj"),
        ("org_q", "新华"),
        ("org", ""),
        ("consent", "on"),
    ])
    .send()
    .await
    .unwrap();
    assert_eq!(
        city_only.headers().get("location").unwrap(),
        "/courses?welcome=1"
    );
    let token = app.login("13812341235", "password-123").await;
    let me: Value = app.get_as(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["org"]["code"], "js-nj");
}
