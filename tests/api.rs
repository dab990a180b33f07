//! The REST API and the command line, against the real server on a random port, on the
//! backend chosen by `QIHANG_TEST_DB`.

use crate::support::*;
use serde_json::{json, Value};

#[tokio::test]
async fn health_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "ok");
}

/// The front end's files: served under content-hashed addresses, cached for a year, and sent
/// precompressed exactly as built (the bytes of `NAME.br`/`NAME.gz`, never compressed per
/// request); pages are `text/html; charset=utf-8`. A page names only the bundle of the
/// islands it shows (the sign-in page its forms bundle), and a page without islands none.
#[tokio::test]
async fn static_assets_are_hashed_immutable_and_precompressed() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let js = "export default function init() {}\n".repeat(40);
    for name in ["qihang", "qihang-forms"] {
        std::fs::write(pkg.join(format!("{name}.js")), &js).unwrap();
        std::fs::write(pkg.join(format!("{name}_bg.wasm")), b"\0asm\x01\0\0\0").unwrap();
    }
    std::fs::write(pkg.join("qihang-forms.js.br"), b"BROTLI-TWIN").unwrap();
    std::fs::write(pkg.join("qihang-forms.js.gz"), b"GZIP-TWIN").unwrap();
    let app = TestApp::spawn_with(
        ServerOptions::default().env("QIHANG_SITE_ROOT", site.path().display().to_string()),
    )
    .await;
    let catalogue = app.client.get(app.url("/courses")).send().await.unwrap();
    assert_eq!(catalogue.status(), 200);
    let remembered = catalogue
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("qihang_css="))
        .expect("a first visit is sent the stylesheet for its cache")
        .to_string();
    assert_eq!(
        catalogue.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let catalogue = catalogue.text().await.unwrap();
    assert!(catalogue.contains("<h1>课程目录</h1>"), "{catalogue}");
    // A first visit: the stylesheet inline (no extra round trip before the first paint), the
    // file fetched into the cache at the lowest priority, and a cookie saying so.
    let style_file = remembered
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("qihang_css=")
        .to_string();
    assert!(
        style_file.starts_with("/style.") && style_file.ends_with(".css"),
        "{remembered}"
    );
    assert!(
        catalogue.contains("<style>")
            && catalogue.contains(&format!(
                r#"<link rel="prefetch" href="{style_file}" as="style">"#
            ))
            && !catalogue.contains(r#"rel="stylesheet""#),
        "{catalogue}"
    );
    assert!(
        !catalogue.contains("/pkg/") && !catalogue.contains("type=\"module\""),
        "no islands, no bundle: {catalogue}"
    );
    let page = app
        .client
        .get(app.url("/login"))
        .header("cookie", format!("qihang_css={style_file}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    // The next page, with the cookie: the cached stylesheet linked, nothing inline.
    assert!(
        html.contains(&format!(r#"<link rel="stylesheet" href="{style_file}">"#))
            && !html.contains("<style>"),
        "{html}"
    );
    // A cookie naming another (older) stylesheet does not count: inline again.
    let stale = app
        .page_with_cookie("/login", "qihang_css=/style.0123456789abcdef.css")
        .await;
    assert!(
        stale.contains("<style>") && !stale.contains(r#"rel="stylesheet""#),
        "{stale}"
    );
    let start = html.find("/pkg/").expect("the page names the bundle") + 5;
    let hash: String = html[start..].chars().take_while(|c| *c != '/').collect();
    assert_eq!(hash.len(), 16, "{html}");
    assert!(
        html.contains(&format!("/pkg/{hash}/qihang-forms.js")),
        "{html}"
    );
    assert!(
        html.contains(&format!("/pkg/{hash}/qihang-forms_bg.wasm")),
        "{html}"
    );
    assert!(!html.contains(&format!("/pkg/{hash}/qihang.js")), "{html}");
    let style_start = html.find("href=\"/style.").expect("hashed stylesheet") + 6;
    let style: String = html[style_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    assert!(
        style.ends_with(".css") && style.len() == "/style.".len() + 16 + 4,
        "{style}"
    );

    let get = |path: String, encoding: &'static str| {
        let request = app.client.get(app.url(&path));
        async move {
            request
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap()
        }
    };
    for (encoding, want_encoding, want_body) in [
        ("gzip, deflate, br", "br", b"BROTLI-TWIN".to_vec()),
        ("gzip", "gzip", b"GZIP-TWIN".to_vec()),
        ("identity", "identity", js.as_bytes().to_vec()),
    ] {
        let response = get(format!("/pkg/{hash}/qihang-forms.js"), encoding).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.headers()["content-encoding"], want_encoding);
        assert_eq!(
            response.headers()["content-type"],
            "text/javascript; charset=utf-8"
        );
        assert_eq!(
            response.bytes().await.unwrap().to_vec(),
            want_body,
            "{encoding}"
        );
    }
    // The wasm had no twins on disk: gzipped once at start-up, then served as stored.
    let wasm = get(format!("/pkg/{hash}/qihang_bg.wasm"), "gzip").await;
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["content-encoding"], "gzip");
    let css = get(style.clone(), "gzip").await;
    assert_eq!(css.status(), 200);
    assert_eq!(
        css.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    assert_eq!(css.headers()["content-encoding"], "gzip");
    // The unhashed addresses still answer, briefly cached; unknown files are 404.
    let old = get("/pkg/qihang.js".into(), "identity").await;
    assert_eq!(old.headers()["cache-control"], "public, max-age=300");
    assert_eq!(get("/pkg/nothing.js".into(), "gzip").await.status(), 404);
    assert_eq!(
        get(format!("/pkg/{hash}/nothing.js"), "gzip")
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn register_login_me_logout() {
    let app = TestApp::spawn().await;
    let user = app.register("13812341234", "js-nj").await;
    assert_eq!(user["phone"], "138****1234");
    assert_eq!(user["org"]["code"], "js-nj");
    assert_eq!(
        user["roles"],
        json!([{"role": "learner", "org": "js-nj", "org_name": "南京市总工会", "org_name_en": "Nanjing Federation of Trade Unions"}])
    );

    let response = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "138 1234 1234", "password": "password-123"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        cookie.starts_with("qihang_session=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(body["user"]["name"], "王秀红");

    let me: Value = app.get_as(&token, "/api/v1/me").await.json().await.unwrap();
    assert_eq!(me["phone"], "138****1234", "the phone is masked in the API");
    assert_eq!(me["name"], "王秀红");
    assert_eq!(me["id"], user["id"]);
    assert!(me.get("password_hash").is_none() && !me.to_string().contains("13812341234"));

    // Login by email works too.
    app.login("13812341234@EXAMPLE.cn", "password-123").await;

    let response = app.post_as(&token, "/api/v1/auth/logout", &json!({})).await;
    assert_eq!(response.status(), 204);
    let response = app.get_as(&token, "/api/v1/me").await;
    assert_eq!(response.status(), 401, "the session is revoked at logout");
    assert_eq!(
        app.client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn duplicate_phone_is_a_conflict_naming_the_field() {
    let app = TestApp::spawn().await;
    app.register("13912345678", "js-sz").await;
    let mut again = registration("139-1234-5678", "js-wx");
    again["email"] = json!("other@example.cn");
    let response = app.post("/api/v1/auth/register", &again).await;
    assert_eq!(response.status(), 409);
    let (code, field, _) = error_of(response).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("conflict", Some("phone"))
    );

    let mut same_email = registration("13700000001", "js-wx");
    same_email["email"] = json!("13912345678@example.cn");
    let response = app.post("/api/v1/auth/register", &same_email).await;
    assert_eq!(response.status(), 409);
    assert_eq!(error_of(response).await.1.as_deref(), Some("email"));
}

#[tokio::test]
async fn bad_json_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let send = |body: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/register"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = send(r#"{"name": "王", "phone": "#).await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(error_of(response).await.0, "malformed_json");

    let response = send(r#"{"name":"王","phone":13812341234,"password":"password-123","gender":"female","org":"js","consent":true}"#).await.unwrap();
    assert_eq!(response.status(), 422);
    let (code, field, message) = error_of(response).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("phone")),
        "{message}"
    );

    let response =
        send(r#"{"name":"王","phone":"13812341234","gender":"female","org":"js","consent":true}"#)
            .await
            .unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(error_of(response).await.1.as_deref(), Some("password"));

    // Mass assignment: a learner cannot send herself a role.
    let mut with_role = registration("13812341234", "js");
    with_role["role"] = json!("admin");
    let response = app.post("/api/v1/auth/register", &with_role).await;
    assert_eq!(response.status(), 422);
    assert_eq!(error_of(response).await.1.as_deref(), Some("role"));

    let response = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
}

#[tokio::test]
async fn invalid_values_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let cases: &[(&str, Value, &str)] = &[
        ("phone", json!("12345"), "phone"),
        ("password", json!("short"), "password"),
        ("gender", json!("other"), "gender"),
        ("consent", json!(false), "consent"),
        ("email", json!("not-an-email"), "email"),
        ("name", json!("张\u{202E}红"), "name"),
        ("name", json!("长".repeat(51)), "name"),
    ];
    for (key, value, field) in cases {
        let mut body = registration("13812341234", "js");
        body[*key] = value.clone();
        let response = app.post("/api/v1/auth/register", &body).await;
        assert_eq!(response.status(), 422, "{key}={value}");
        assert_eq!(
            error_of(response).await.1.as_deref(),
            Some(*field),
            "{key}={value}"
        );
    }
}

#[tokio::test]
async fn unknown_org_is_unprocessable() {
    let app = TestApp::spawn().await;
    let response = app
        .post(
            "/api/v1/auth/register",
            &registration("13812341234", "js-xx"),
        )
        .await;
    assert_eq!(response.status(), 422);
    let (code, field, _) = error_of(response).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("unknown_org", Some("org"))
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_account_look_the_same() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js").await;
    let wrong = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13812341234", "password": "wrong-password"}),
        )
        .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13900000000", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.text().await.unwrap(), unknown.text().await.unwrap());
}

#[tokio::test]
async fn more_than_ten_failed_logins_are_throttled() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js").await;
    let attempt = async |password: &str| {
        app.post(
            "/api/v1/auth/login",
            &json!({"login": "13812341234", "password": password}),
        )
        .await
    };
    for i in 0..10 {
        assert_eq!(attempt("wrong-password").await.status(), 401, "attempt {i}");
    }
    let throttled = attempt("wrong-password").await;
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers().get("retry-after").unwrap(), "900");
    assert_eq!(error_of(throttled).await.0, "too_many_attempts");
    // Even the right password waits: the window has not passed.
    assert_eq!(attempt("password-123").await.status(), 429);
    // The same address trying other accounts is throttled too.
    let other = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13900000000", "password": "x-password"}),
        )
        .await;
    assert_eq!(other.status(), 429);
}

#[tokio::test]
async fn orgs_subtree_and_admin_scoping() {
    let app = TestApp::spawn().await;
    let all: Vec<Value> = app.get_json("/api/v1/orgs?under=js").await;
    let codes: Vec<&str> = all.iter().map(|o| o["code"].as_str().unwrap()).collect();
    for city in [
        "js-nj", "js-wx", "js-xz", "js-cz", "js-sz", "js-nt", "js-lyg", "js-ha", "js-yc", "js-yz",
        "js-zj", "js-tz", "js-sq",
    ] {
        assert!(codes.contains(&city), "{city} is seeded");
    }
    assert_eq!(all.iter().filter(|o| o["kind"] == "city").count(), 13);
    assert!(all.iter().any(|o| o["kind"] == "industry"));
    assert_eq!(all[0]["code"], "js");

    let nj_admin = app.admin("13600000001", "js-nj").await;
    let created = app
        .post_as(&nj_admin, "/api/v1/orgs", &json!({"parent": "js-nj", "code": "js-nj-gulou", "name": "鼓楼区总工会", "kind": "district"}))
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(
        (created["parent"].as_str(), created["kind"].as_str()),
        (Some("js-nj"), Some("district"))
    );
    let enterprise = app
        .post_as(&nj_admin, "/api/v1/orgs", &json!({"parent": "js-nj-gulou", "code": "js-nj-gulou-acme", "name": "某电子厂工会", "kind": "enterprise"}))
        .await;
    assert_eq!(
        enterprise.status(),
        201,
        "an admin of js-nj administers the whole subtree"
    );

    let under_sz = app
        .post_as(&nj_admin, "/api/v1/orgs", &json!({"parent": "js-sz", "code": "js-sz-x", "name": "吴中区总工会", "kind": "district"}))
        .await;
    assert_eq!(
        under_sz.status(),
        403,
        "an admin of js-nj cannot add under js-sz"
    );

    let duplicate = app
        .post_as(
            &nj_admin,
            "/api/v1/orgs",
            &json!({"parent": "js-nj", "code": "js-nj-gulou", "name": "重复", "kind": "district"}),
        )
        .await;
    assert_eq!(duplicate.status(), 409);
    let bad_kind = app
        .post_as(
            &nj_admin,
            "/api/v1/orgs",
            &json!({"parent": "js-nj", "code": "js-nj-new", "name": "新城市", "kind": "city"}),
        )
        .await;
    assert_eq!(bad_kind.status(), 422);
    assert_eq!(error_of(bad_kind).await.1.as_deref(), Some("kind"));

    let subtree: Vec<Value> = app.get_json("/api/v1/orgs?under=js-nj").await;
    let codes: Vec<&str> = subtree
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["js-nj", "js-nj-gulou", "js-nj-gulou-acme"]);

    // A learner registering under the new enterprise union, then asking for an admin route.
    app.register("13812341234", "js-nj-gulou-acme").await;
    let learner = app.login("13812341234", "password-123").await;
    let forbidden = app
        .post_as(&learner, "/api/v1/orgs", &json!({"parent": "js-nj-gulou-acme", "code": "js-nj-gulou-acme-a", "name": "一车间", "kind": "enterprise"}))
        .await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(error_of(forbidden).await.0, "forbidden");
    let anonymous = app
        .post(
            "/api/v1/orgs",
            &json!({"parent": "js-nj", "code": "js-nj-b", "name": "某区", "kind": "district"}),
        )
        .await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn cookie_requests_are_protected_from_csrf_and_bearer_requests_are_not() {
    let app = TestApp::spawn().await;
    create_admin_cli(&app.db, "13600000001", "js", Some("admin-password"));
    let browser = cookie_client();
    let login = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "13600000001", "password": "admin-password"}))
        .send()
        .await
        .unwrap();
    let admin_token = login.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    // `browser` now holds the session cookie.
    let body = json!({"parent": "js", "code": "js-a", "name": "甲工会", "kind": "industry"});
    let cross = browser
        .post(app.url("/api/v1/orgs"))
        .header("Origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(error_of(cross).await.0, "csrf");
    let cross_fetch = browser
        .post(app.url("/api/v1/orgs"))
        .header("Sec-Fetch-Site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_fetch.status(), 403);
    let no_origin = browser
        .post(app.url("/api/v1/orgs"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        no_origin.status(),
        403,
        "a cookie-authenticated request must say where it comes from"
    );
    let same = browser
        .post(app.url("/api/v1/orgs"))
        .header("Origin", app.server.base.clone())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 201);

    let bearer_only = reqwest::Client::new()
        .post(app.url("/api/v1/orgs"))
        .bearer_auth(&admin_token)
        .json(&json!({"parent": "js", "code": "js-b", "name": "乙工会", "kind": "industry"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        bearer_only.status(),
        201,
        "bearer requests are not affected"
    );

    // A server function (the page's login form) posted from another site is refused too.
    let forged = reqwest::Client::new()
        .post(app.url("/_fn/login"))
        .header("Origin", "https://evil.example")
        .form(&[("login", "13600000001"), ("password", "admin-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn admin_create_prints_a_one_time_link() {
    let app = TestApp::spawn().await;
    let output = qihang_command()
        .args([
            "--database-url",
            &app.db.url,
            "admin",
            "create",
            "--phone",
            "13600000009",
            "--name",
            "赵主席",
            "--org",
            "js",
            "--email",
            "zhao@example.cn",
        ])
        .env("QIHANG_PUBLIC_URL", "http://qihang.test")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("136****0009"),
        "the phone is masked in the output: {stdout}"
    );
    let link = stdout
        .lines()
        .find(|l| l.starts_with("http://qihang.test/reset-password?token="))
        .expect(&stdout);
    let token = link.rsplit('=').next().unwrap();

    // No password works before the link is used.
    let before = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13600000009", "password": "chosen-password"}),
        )
        .await;
    assert_eq!(before.status(), 401);
    let set = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "chosen-password"}),
        )
        .await;
    assert_eq!(set.status(), 204);
    let admin = app.login("13600000009", "chosen-password").await;
    let me: Value = app.get_as(&admin, "/api/v1/me").await.json().await.unwrap();
    assert!(me["roles"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["role"] == "admin" && r["org"] == "js"));

    let reused = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "another-password"}),
        )
        .await;
    assert_eq!(reused.status(), 400);
    assert_eq!(error_of(reused).await.0, "token_invalid");

    let unknown_org = qihang_command()
        .args([
            "--database-url",
            &app.db.url,
            "admin",
            "create",
            "--phone",
            "13600000008",
            "--name",
            "钱",
            "--org",
            "js-zz",
        ])
        .output()
        .unwrap();
    assert!(!unknown_org.status.success());
    assert!(String::from_utf8_lossy(&unknown_org.stderr).contains("js-zz"));
}

#[tokio::test]
async fn expired_and_reused_reset_links_are_refused() {
    // Links valid for 0 minutes are expired as soon as they are made.
    let expired_app =
        TestApp::spawn_with(ServerOptions::default().env("QIHANG_RESET_TOKEN_MINUTES", "0")).await;
    expired_app.register("13812341234", "js").await;
    let response = expired_app
        .post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13812341234"}),
        )
        .await;
    assert_eq!(response.status(), 202);
    let token = wait_for_eml_token(expired_app.data_dir.path()).await;
    let expired = expired_app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "new-password-1"}),
        )
        .await;
    assert_eq!(expired.status(), 400);
    assert_eq!(error_of(expired).await.0, "token_expired");

    let app = TestApp::spawn().await;
    app.register("13812341234", "js").await;
    let old_session = app.login("13812341234", "password-123").await;
    // An unknown account gets the same answer and no mail.
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13999999999"})
        )
        .await
        .status(),
        202
    );
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset",
            &json!({"login": "13812341234"})
        )
        .await
        .status(),
        202
    );
    let token = wait_for_eml_token(app.data_dir.path()).await;
    let ok = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "new-password-1"}),
        )
        .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(
        app.get_as(&old_session, "/api/v1/me").await.status(),
        401,
        "a reset revokes existing sessions"
    );
    app.login("13812341234", "new-password-1").await;
    let reused = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "new-password-2"}),
        )
        .await;
    assert_eq!(reused.status(), 400);
    assert_eq!(error_of(reused).await.0, "token_invalid");
    let garbage = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": "abc", "password": "new-password-2"}),
        )
        .await;
    assert_eq!(error_of(garbage).await.0, "token_invalid");
    let mail_files = std::fs::read_dir(app.data_dir.path().join("mail"))
        .unwrap()
        .count();
    assert_eq!(mail_files, 1, "no mail for the unknown account");
}

/// Without SMTP, mail is written as .eml files under the data folder.
async fn wait_for_eml_token(data_dir: &std::path::Path) -> String {
    let dir = data_dir.join("mail");
    eventually(std::time::Duration::from_secs(10), async || {
        let entry = std::fs::read_dir(&dir).ok()?.next()?.ok()?;
        let data = std::fs::read_to_string(entry.path()).ok()?;
        ReceivedMail { to: vec![], data }.token()
    })
    .await
    .expect("a reset mail in data/mail")
}

#[tokio::test]
async fn an_unknown_database_scheme_exits_with_one_clear_line() {
    let output = qihang_command()
        .args(["--database-url", "mysql://root@localhost/qihang", "migrate"])
        .env("QIHANG_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("\"mysql\"")
            && stderr.contains("sqlite://")
            && stderr.contains("postgres://"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_unreachable_postgres_is_reported_quickly_and_verbatim() {
    let started = std::time::Instant::now();
    let port = free_port();
    let output = qihang_command()
        .args([
            "--database-url",
            &format!("postgres://postgres@127.0.0.1:{port}/qihang"),
            "migrate",
        ])
        .env("QIHANG_LOG", "off")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("Connection refused") || stderr.contains("connection to server"),
        "{stderr}"
    );
    assert!(!stderr.contains("Invalid connection url"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn help_documents_every_subcommand() {
    let output = qihang_command().arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for word in [
        "serve",
        "migrate",
        "admin",
        "courses",
        "--database-url",
        "--config",
    ] {
        assert!(help.contains(word), "{word} in {help}");
    }
    let serve = String::from_utf8(
        qihang_command()
            .args(["serve", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        serve.contains("--bind")
            && serve.contains("QIHANG_BIND")
            && serve.contains("--database-url"),
        "{serve}"
    );
    let admin = String::from_utf8(
        qihang_command()
            .args(["admin", "create", "--help"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert!(
        admin.contains("--password-stdin") && admin.contains("--org"),
        "{admin}"
    );
}

#[tokio::test]
async fn pages_render_in_chinese_first_and_english_on_request() {
    let app = TestApp::spawn().await;
    let home = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert_eq!(
        home.headers().get("x-content-type-options").unwrap(),
        "nosniff"
    );
    let html = home.text().await.unwrap();
    assert!(
        html.contains(r#"<html lang="zh-CN">"#) && html.contains("50 万名女职工"),
        "{html}"
    );

    // The union picker lists the province, then the cities in their official order.
    let register = app
        .client
        .get(app.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let order: Vec<usize> = [
        "value=\"js\"",
        "value=\"js-nj\"",
        "value=\"js-wx\"",
        "value=\"js-xz\"",
        "value=\"js-sq\"",
        "value=\"js-ind-",
    ]
    .iter()
    .map(|needle| {
        register
            .find(needle)
            .unwrap_or_else(|| panic!("{needle} in the picker"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "picker order {order:?}"
    );
    assert!(
        register.contains(r#"action="/_fn/register""#),
        "a plain HTML form"
    );

    let english = app.page_with_cookie("/register", "qihang_lang=en").await;
    assert!(english.contains(r#"<html lang="en">"#) && english.contains("Create an account"));

    // The language switch comes back to this very page, its query (a reset link's token, a
    // search) included.
    let search = app
        .page_with_cookie("/courses?q=%E6%89%8B%E6%9C%BA&page=2", "qihang_lang=zh-CN")
        .await;
    let next = "/courses%3Fq%3D%25E6%2589%258B%25E6%259C%25BA%26page%3D2";
    assert!(
        search.contains(&format!(r#"href="/lang/en?next={next}""#)),
        "{search}"
    );
    let back = app
        .client
        .get(app.url(&format!("/lang/en?next={next}")))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), 303);
    assert_eq!(
        back.headers().get("location").unwrap(),
        "/courses?q=%E6%89%8B%E6%9C%BA&page=2"
    );

    // The no-JavaScript language switch: a cookie and a redirect back, never off-site.
    let switch = app
        .client
        .get(app.url("/lang/en?next=/login"))
        .send()
        .await
        .unwrap();
    assert_eq!(switch.status(), 303);
    assert_eq!(switch.headers().get("location").unwrap(), "/login");
    assert!(switch
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("qihang_lang=en"));
    let offsite = app
        .client
        .get(app.url("/lang/en?next=//evil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(offsite.headers().get("location").unwrap(), "/");

    // Signed out, "my account" sends her to log in, and back here afterwards.
    let account = app
        .client
        .get(app.url("/account"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 302);
    assert_eq!(
        account.headers().get("location").unwrap(),
        "/login?next=/account"
    );

    let missing = app
        .client
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let missing_api = app
        .client
        .get(app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing_api.status(), 404);
    assert_eq!(error_of(missing_api).await.0, "not_found");
}

#[tokio::test]
async fn courses_check_reports_file_line_and_message_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("demo-pack");
    std::fs::create_dir_all(pack.join("lessons")).unwrap();
    std::fs::write(
        pack.join("course.toml"),
        "id = \"demo-pack\"\nversion = \"1.0.0\"\ntitle = \"示例\"\ntier = 9\nmode = \"online\"\nhours = 1\nsummary = \"示例\"\n\
         lessons = [\"lessons/01-a.md\"]\n\n[completion]\nlessons = true\nquiz = false\nattendance = false\n",
    )
    .unwrap();
    std::fs::write(
        pack.join("lessons/01-a.md"),
        "+++\nid = \"aaa\"\ntitle = \"一\"\nminutes = 3\n+++\n\n正文\n",
    )
    .unwrap();
    let output = qihang_command()
        .args(["courses", "check"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        "demo-pack/course.toml:4: tier 9 is not 1 (basic), 2 (intermediate) or 3 (advanced)"
    );

    std::fs::write(
        pack.join("course.toml"),
        std::fs::read_to_string(pack.join("course.toml"))
            .unwrap()
            .replace("tier = 9", "tier = 1"),
    )
    .unwrap();
    let output = qihang_command()
        .args(["courses", "check"])
        .arg(&pack)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("1 course pack(s) checked"));
}

/// Issue 11.10: the icon browsers ask for on every page, a 404 page in the site's own layout
/// with the ways back (the API keeps its JSON 404), a show-password button that is not there
/// before its script runs, and the consent line's words kept apart in English.
#[tokio::test]
async fn favicon_not_found_page_password_toggle_and_consent_line() {
    let app = TestApp::spawn().await;
    for (path, kind) in [
        ("/favicon.ico", "image/x-icon"),
        ("/favicon.svg", "image/svg+xml"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        let bytes = response.bytes().await.unwrap();
        if path.ends_with(".ico") {
            assert_eq!(&bytes[..4], &[0u8, 0, 1, 0], "an ICO header");
            assert_eq!(&bytes[22..26], b"\x89PNG", "holding a PNG");
        } else {
            let svg = String::from_utf8(bytes.to_vec()).unwrap();
            assert!(svg.contains("航") && svg.contains("#b5223b"), "{svg}");
        }
    }
    let home = app
        .client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains(r#"href="/favicon.svg""#) && home.contains(r#"href="/favicon.ico""#),
        "{home}"
    );

    for (lang, heading, back) in [
        ("zh-CN", "页面不存在", "浏览课程"),
        ("en", "Page not found", "Browse the courses"),
    ] {
        let missing = app
            .client
            .get(app.url("/no-such-page/at-all"))
            .header("cookie", format!("qihang_lang={lang}"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404, "{lang}");
        let html = missing.text().await.unwrap();
        assert!(
            html.contains(r#"href="/style."#)
                && html.contains(r#"id="not-found""#)
                && html.contains(&format!("<h1>{heading}</h1>"))
                && html.contains(r#"id="not-found-home""#)
                && html.contains(r#"href="/courses" id="not-found-courses""#)
                && html.contains(back),
            "{lang}: {html}"
        );
    }
    for path in ["/api/v1/nothing", "/api/nothing"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(error_of(response).await.0, "not_found", "{path}");
    }

    // The server's HTML has the toggle hidden: it works only once hydrated.
    for path in ["/login", "/register"] {
        let html = app
            .client
            .get(app.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let at = html.find(r#"class="toggle""#).expect("the toggle");
        let start = html[..at].rfind("<button").unwrap();
        let end = at + html[at..].find('>').unwrap();
        let tag = &html[start..end];
        assert!(tag.contains(" hidden"), "{path}: {tag}");
    }

    let english = app.page_with_cookie("/register", "qihang_lang=en").await;
    assert!(
        english.contains("accept the privacy notice")
            || english.contains("accept the <!>privacy notice"),
        "{english}"
    );
}
/// Issue 11.7: she changes her password with her current one. A wrong current password is
/// 422 `wrong_password`; a weak or short new one 422 on `new_password`; after the change the
/// old password fails, her other sessions are revoked and this one still works.
#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js-nj").await;
    let here = app.login("13812341234", "password-123").await;
    let elsewhere = app.login("13812341234", "password-123").await;
    let change = async |current: &str, new: &str| {
        app.put_as(
            &here,
            "/api/v1/me/password",
            &json!({"current_password": current, "new_password": new}),
        )
        .await
    };

    let wrong = change("not-my-password", "brand-new-pass").await;
    assert_eq!(wrong.status(), 422);
    let (code, field, _) = error_of(wrong).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("wrong_password", Some("current_password"))
    );
    for (new, expected) in [
        ("12345678", "weak_password"),
        ("x13812341234", "weak_password"),
        ("王秀红的密码123", "weak_password"),
        ("short", "invalid"),
    ] {
        let refused = change("password-123", new).await;
        assert_eq!(refused.status(), 422, "{new}");
        let (code, field, _) = error_of(refused).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            (expected, Some("new_password")),
            "{new}"
        );
    }
    assert_eq!(
        app.get_as(&elsewhere, "/api/v1/me").await.status(),
        200,
        "a refused change ends no session"
    );

    assert_eq!(change("password-123", "brand-new-pass").await.status(), 204);
    assert_eq!(
        app.get_as(&here, "/api/v1/me").await.status(),
        200,
        "the session she changed it from stays"
    );
    assert_eq!(
        app.get_as(&elsewhere, "/api/v1/me").await.status(),
        401,
        "her other sessions are revoked"
    );
    let old = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13812341234", "password": "password-123"}),
        )
        .await;
    assert_eq!(old.status(), 401);
    app.login("13812341234", "brand-new-pass").await;
    let stale = change("password-123", "another-new-pass").await;
    assert_eq!(error_of(stale).await.0, "wrong_password");

    let anonymous = app
        .client
        .put(app.url("/api/v1/me/password"))
        .json(&json!({"current_password": "brand-new-pass", "new_password": "another-new-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let again = change("brand-new-pass", "another-new-pass").await;
    assert_eq!(again.status(), 204, "a second change works too");
}

/// Issue 11.7: she adds, changes or removes her email with her current password. Another
/// woman's address is 409 on `email`, a malformed one 422; an empty or null address removes
/// hers.
#[tokio::test]
async fn her_email_can_be_added_changed_and_removed() {
    let app = TestApp::spawn().await;
    app.register_phone_only("13812341234", "js-nj").await;
    app.register("13812345678", "js-nj").await;
    let token = app.login("13812341234", "password-123").await;
    let set_email = async |email: Value, current: &str| {
        app.put_as(
            &token,
            "/api/v1/me/email",
            &json!({"email": email, "current_password": current}),
        )
        .await
    };

    let added = set_email(json!(" Wang.XH@Example.CN "), "password-123").await;
    assert_eq!(added.status(), 200);
    let account: Value = added.json().await.unwrap();
    assert_eq!(account["email"], "wang.xh@example.cn");
    assert_eq!(account["own_phone"], "13812341234");
    assert_eq!(account["user"]["name"], "王秀红");
    app.login("wang.xh@example.cn", "password-123").await;

    let taken = set_email(json!("13812345678@EXAMPLE.cn"), "password-123").await;
    assert_eq!(taken.status(), 409);
    let (code, field, _) = error_of(taken).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("conflict", Some("email"))
    );
    let malformed = set_email(json!("not-an-address"), "password-123").await;
    assert_eq!(malformed.status(), 422);
    let (code, field, _) = error_of(malformed).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("email"))
    );
    let wrong = set_email(json!("new@example.cn"), "not-my-password").await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(error_of(wrong).await.0, "wrong_password");

    let changed = set_email(json!("new@example.cn"), "password-123").await;
    assert_eq!(
        changed.json::<Value>().await.unwrap()["email"],
        "new@example.cn"
    );
    let old = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "wang.xh@example.cn", "password": "password-123"}),
        )
        .await;
    assert_eq!(old.status(), 401, "the old address no longer signs in");

    for removal in [json!(""), Value::Null] {
        let removed = set_email(removal.clone(), "password-123").await;
        assert_eq!(removed.status(), 200, "{removal}");
        assert!(removed.json::<Value>().await.unwrap()["email"].is_null());
        set_email(json!("new@example.cn"), "password-123").await;
    }
    // A freed address can be taken by another woman.
    set_email(json!(""), "password-123").await;
    let other = app.login("13812345678", "password-123").await;
    let taken_over = app
        .put_as(
            &other,
            "/api/v1/me/email",
            &json!({"email": "new@example.cn", "current_password": "password-123"}),
        )
        .await;
    assert_eq!(taken_over.status(), 200);
}

/// Issue 11.7, the pages: 我的账户 changes her password and her email with plain forms, and
/// a refusal comes back to its form in Chinese, naming the field and keeping the address
/// typed (never a password).
#[tokio::test]
async fn the_account_page_changes_password_and_email_with_plain_forms() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js-nj").await;
    app.register("13812345678", "js-nj").await;
    let browser = cookie_client();
    let origin = app.server.base.clone();
    let form_post = async |path: &str, form: &[(&str, &str)]| {
        browser
            .post(app.url(path))
            .header("Origin", origin.clone())
            .header("Accept", "text/html")
            .form(form)
            .send()
            .await
            .unwrap()
    };
    let page = async || {
        browser
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    form_post(
        "/_fn/login",
        &[("login", "13812341234"), ("password", "password-123")],
    )
    .await;
    let account = page().await;
    assert!(
        account.contains(r#"action="/_fn/change_password""#)
            && account.contains(r#"action="/_fn/change_email""#)
            && account.contains("修改密码")
            && account.contains(r#"value="13812341234@example.cn""#),
        "{account}"
    );

    let refused = form_post(
        "/_fn/change_password",
        &[
            ("current_password", "not-my-password"),
            ("new_password", "brand-new-pass"),
        ],
    )
    .await;
    assert_eq!(
        refused.headers().get("location").unwrap(),
        "/account#password"
    );
    let account = page().await;
    assert!(
        account.contains(r#"data-field="current_password""#) && account.contains("当前密码不对"),
        "{account}"
    );
    form_post(
        "/_fn/change_password",
        &[
            ("current_password", "password-123"),
            ("new_password", "12345678"),
        ],
    )
    .await;
    let account = page().await;
    assert!(
        account.contains(r#"data-field="new_password""#)
            && account.contains("这个密码太容易被猜到"),
        "{account}"
    );
    form_post(
        "/_fn/change_password",
        &[
            ("current_password", "password-123"),
            ("new_password", "brand-new-pass"),
        ],
    )
    .await;
    let account = page().await;
    assert!(account.contains("密码已修改。"), "{account}");
    app.login("13812341234", "brand-new-pass").await;

    form_post(
        "/_fn/change_email",
        &[
            ("email", "not-an-address"),
            ("current_password", "brand-new-pass"),
        ],
    )
    .await;
    let account = page().await;
    assert!(
        account.contains(r#"data-field="email""#)
            && account.contains("电子邮箱格式不正确。")
            && account.contains(r#"value="not-an-address""#)
            && account.contains(r#"aria-invalid="true""#),
        "{account}"
    );
    form_post(
        "/_fn/change_email",
        &[
            ("email", "13812345678@example.cn"),
            ("current_password", "brand-new-pass"),
        ],
    )
    .await;
    assert!(page().await.contains("这个电子邮箱已经被使用。"));
    let removed = form_post(
        "/_fn/change_email",
        &[("email", ""), ("current_password", "brand-new-pass")],
    )
    .await;
    assert_eq!(removed.headers().get("location").unwrap(), "/account#email");
    let account = page().await;
    assert!(
        account.contains("电子邮箱已保存。") && !account.contains("13812341234@example.cn"),
        "{account}"
    );
}

/// The server's resident memory in KiB (Linux).
#[cfg(target_os = "linux")]
fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("the server's /proc status")
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// A burst of logins gives back the memory of its password hashes (an Argon2 block of
/// 19 MiB each): glibc, left to itself, kept them in its arenas (500 logins left the server
/// 1.4 GB larger; docs/benchmarks.md). Linux: it reads the server's /proc status.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_burst_of_logins_gives_its_memory_back() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js-nj").await;
    app.login("13812341234", "password-123").await;
    let before = resident_kib(app.server.pid());
    for _ in 0..10 {
        // Eight at a time; each login asserts its own 200.
        let logins = (0..8).map(|_| app.login("13812341234", "password-123"));
        futures_util::future::join_all(logins).await;
    }
    let after = resident_kib(app.server.pid());
    assert!(
        after < before + 96 * 1024,
        "80 logins grew the server from {} MB to {} MB",
        before / 1024,
        after / 1024
    );
}
