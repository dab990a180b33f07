//! Certificates, in-person attendance and her place in the drive, against the real server on
//! SQLite or PostgreSQL (per `QIHANG_TEST_DB`): issue once on completion, public verification
//! with masked names, signed credentials checked online and offline, tampering caught, PDFs,
//! revocation by the issuing subtree, throttled serial lookups, check-in codes and mail sent
//! through the outbox even when SMTP is down at issue time.

use std::path::Path;
use std::time::Duration;

use crate::support::packs::{edit_course, write_course, SKILLS};
use crate::support::*;
use serde_json::{json, Value};

/// A folder with `reading` (two lessons, no quiz) and `workshop` (offline: attendance only).
fn catalogue() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("skills.toml"), SKILLS).unwrap();
    write_course(
        folder.path(),
        "reading",
        "1.0.0",
        &[],
        &[("one", "第一课"), ("two", "第二课")],
    );
    edit_course(folder.path(), "reading", &[("quiz = true", "quiz = false")]);
    write_course(
        folder.path(),
        "workshop",
        "1.0.0",
        &[],
        &[("intro", "线下课说明")],
    );
    edit_course(
        folder.path(),
        "workshop",
        &[
            ("mode = \"online\"", "mode = \"offline\""),
            ("lessons = true", "lessons = false"),
            ("quiz = true", "quiz = false"),
            ("attendance = false", "attendance = true"),
        ],
    );
    folder
}

async fn app_with(folder: &Path, options: ServerOptions) -> TestApp {
    TestApp::spawn_with(options.env("QIHANG_COURSES_DIR", folder.display().to_string())).await
}

/// A GET without credentials, as JSON.
async fn public_json(app: &TestApp, path: &str) -> Value {
    json_of(app.client.get(app.url(path)).send().await.unwrap()).await
}

/// A page fetched without credentials.
async fn public_page(app: &TestApp, path: &str) -> String {
    let response = app.client.get(app.url(path)).send().await.unwrap();
    response.text().await.unwrap()
}

async fn json_of(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}"))
}

/// Registers `phone` (王秀红 unless `name` says otherwise), completes `reading`, and returns
/// her token and certificate serial.
async fn complete_reading(app: &TestApp, phone: &str, body: Value) -> (String, String) {
    assert_eq!(app.post("/api/v1/auth/register", &body).await.status(), 201);
    let token = app.login(phone, "password-123").await;
    app.enrol(&token, "reading").await;
    for lesson in ["one", "two"] {
        let done = app
            .post_as(
                &token,
                &format!("/api/v1/courses/reading/lessons/{lesson}/complete"),
                &json!({}),
            )
            .await;
        assert_eq!(done.status(), 200);
    }
    let mine = json_of(app.get_as(&token, "/api/v1/me/certificates").await).await;
    let serial = mine[0]["serial"]
        .as_str()
        .expect("a certificate")
        .to_string();
    (token, serial)
}

/// An app where one learner completed `reading`: her token, serial and signed credential.
async fn holder_of_a_credential() -> (tempfile::TempDir, TestApp, String, String, Value) {
    let folder = catalogue();
    let app = app_with(folder.path(), ServerOptions::default()).await;
    let (token, serial) =
        complete_reading(&app, "13812341234", registration("13812341234", "js-yc")).await;
    let path = format!("/api/v1/certificates/{serial}/credential.json");
    let credential = json_of(app.get_as(&token, &path).await).await;
    (folder, app, token, serial, credential)
}

fn is_serial(s: &str) -> bool {
    let Some(tail) = s.strip_prefix("QH-") else {
        return false;
    };
    let (year, random) = tail.split_once('-').unwrap_or_default();
    year.len() == 4
        && random.len() == 10
        && random
            .chars()
            .all(|c| "23456789ABCDEFGHJKMNPQRSTUVWXYZ".contains(c))
}

#[tokio::test]
async fn completion_issues_one_certificate_that_anyone_can_verify() {
    let folder = catalogue();
    let app = app_with(folder.path(), ServerOptions::default()).await;
    let (token, serial) =
        complete_reading(&app, "13812341234", registration("13812341234", "js-yc")).await;
    assert!(is_serial(&serial), "{serial}");

    // Once: reading a lesson again issues nothing new.
    app.post_as(
        &token,
        "/api/v1/courses/reading/lessons/one/complete",
        &json!({}),
    )
    .await;
    let mine = json_of(app.get_as(&token, "/api/v1/me/certificates").await).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["course"], "课程 reading");
    assert!(mine[0]["issued_at"].as_str().unwrap().ends_with('Z'));

    // Public and masked, whatever case the serial is typed in.
    let public = public_json(
        &app,
        &format!("/api/v1/certificates/{}", serial.to_lowercase()),
    )
    .await;
    assert_eq!(public["valid"], true);
    assert_eq!(public["revoked"], false);
    assert_eq!(public["holder"], "王*红");
    assert_eq!(public["course"], "课程 reading");
    // The test pack declares 2 hours for 5 minutes of lessons: the checker does not accept
    // that, so the hours counted (and printed on the certificate) are the lessons' own.
    assert_eq!(public["hours"], 0.5);
    assert_eq!(public["issuer"], "江苏省总工会");
    assert!(!public.to_string().contains("王秀红"), "full name leaked");

    // The verification page says the same, without signing in.
    let page = public_page(&app, &format!("/verify/{serial}")).await;
    assert!(
        page.contains("王*红") && page.contains("data-valid=\"true\""),
        "{page}"
    );
    assert!(!page.contains("王秀红"));

    // The mail went through the outbox (written as .eml without SMTP) with the link.
    let link = format!("/verify/{serial}");
    let mut conn = app.db.connect();
    let mail = eventually(Duration::from_secs(15), async || {
        use diesel::prelude::*;
        use qihang_core::db::schema::outbox;
        let rows: Vec<(String, bool)> = outbox::table
            .select((outbox::body_text, outbox::sent_at.is_not_null()))
            .load(&mut conn)
            .ok()?;
        rows.into_iter()
            .find(|(body, sent)| *sent && body.contains(&serial))
            .map(|(body, _)| body)
    })
    .await;
    assert!(
        mail.is_some_and(|m| m.contains(&link)),
        "no certificate mail"
    );
    let files = std::fs::read_dir(app.data_dir.path().join("mail"))
        .unwrap()
        .count();
    assert_eq!(files, 1, "one .eml file");

    // The PDF, for her only.
    let pdf = app
        .get_as(&token, &format!("/api/v1/certificates/{serial}.pdf"))
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("certificate.pdf"), &bytes).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() < 300_000,
        "{} bytes",
        bytes.len()
    );
    let anonymous = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{serial}.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    app.register("13912341234", "js-yc").await;
    let other = app.login("13912341234", "password-123").await;
    for path in [
        format!("/api/v1/certificates/{serial}.pdf"),
        format!("/api/v1/certificates/{serial}/credential.json"),
    ] {
        assert_eq!(app.get_as(&other, &path).await.status(), 404, "{path}");
    }
}

#[tokio::test]
async fn credentials_verify_online_and_offline_and_tampering_is_caught() {
    let (_folder, app, _token, serial, credential) = holder_of_a_credential().await;
    assert_eq!(
        credential["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(credential["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(
        credential["credentialSubject"]["identifier"][0]["identityHash"],
        "王秀红"
    );
    let keys = public_json(&app, "/api/v1/certificate-keys").await;
    let key = &keys["keys"][0];
    assert_eq!(credential["proof"]["verificationMethod"], key["id"]);
    assert!(key["publicKeyMultibase"]
        .as_str()
        .unwrap()
        .starts_with("z6Mk"));

    let check = |doc: Value| {
        let app = &app;
        async move { json_of(app.post("/api/v1/credentials/verify", &doc).await).await }
    };
    let genuine = check(credential.clone()).await;
    assert_eq!(genuine["valid"], true, "{genuine}");
    assert_eq!(genuine["serial"], serial.as_str());

    let mut renamed = credential.clone();
    renamed["credentialSubject"]["identifier"][0]["identityHash"] = json!("王秀兰");
    let mut more_hours = credential.clone();
    more_hours["credentialSubject"]["achievement"]["creditsAvailable"] = json!(20);
    let mut forged_key = credential.clone();
    forged_key["proof"]["verificationMethod"] = json!(format!(
        "{}/api/v1/certificate-keys/forged",
        app.server.base
    ));
    for tampered in [renamed, more_hours, forged_key] {
        let verdict = check(tampered).await;
        assert_eq!(verdict["signature_valid"], false, "{verdict}");
        assert_eq!(verdict["valid"], false);
        assert!(verdict["problem"].is_string());
    }

    // Offline, with a saved copy of the keys and no database.
    let dir = tempfile::tempdir().unwrap();
    let keys_file = dir.path().join("keys.json");
    std::fs::write(&keys_file, keys.to_string()).unwrap();
    let good_file = dir.path().join("good.json");
    std::fs::write(&good_file, credential.to_string()).unwrap();
    let mut edited = credential.clone();
    edited["validFrom"] = json!("2020-01-01T00:00:00Z");
    let bad_file = dir.path().join("bad.json");
    std::fs::write(&bad_file, edited.to_string()).unwrap();
    let run = |file: &Path| {
        qihang_command()
            .args(["certificates", "verify"])
            .arg(file)
            .arg("--keys")
            .arg(&keys_file)
            .output()
            .unwrap()
    };
    let ok = run(&good_file);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let bad = run(&bad_file);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("does not verify"));

    // After a key rotation, the old credential still verifies.
    let rotate = qihang_command()
        .args(["certificates", "rotate-key", "--database-url", &app.db.url])
        .output()
        .unwrap();
    assert!(
        rotate.status.success(),
        "{}",
        String::from_utf8_lossy(&rotate.stderr)
    );
    let keys = public_json(&app, "/api/v1/certificate-keys").await;
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
    assert!(keys["keys"][0]["retired_at"].is_string());
    assert_eq!(check(credential).await["valid"], true);
}

#[tokio::test]
async fn only_the_issuing_subtree_revokes_and_verification_then_says_so() {
    let (_folder, app, token, serial, credential) = holder_of_a_credential().await;
    let path = format!("/api/v1/certificates/{serial}/revoke");
    // The bundled courses are issued by the province, and she completed in Yancheng: an
    // administrator of another city cannot revoke, and learns nothing (404, as for an unknown
    // serial); nor can the holder, who administers nothing: 403 whatever the serial, decided
    // before her body is read (issue 15).
    let city = app.admin("13700000001", "js-nj").await;
    let refused = app.post_as(&city, &path, &json!({"reason": "测试"})).await;
    assert_eq!(refused.status(), 404);
    for any in [path.as_str(), "/api/v1/certificates/QH-2026-NOPE/revoke"] {
        assert_eq!(
            app.post_as(&token, any, &json!({"reason": "x"}))
                .await
                .status(),
            403
        );
    }
    let province = app.admin("13700000002", "js").await;
    let empty = app.post_as(&province, &path, &json!({"reason": " "})).await;
    let (code, field, _) = error_of(empty).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("reason"))
    );
    let revoked = json_of(
        app.post_as(&province, &path, &json!({"reason": "冒名顶替"}))
            .await,
    )
    .await;
    assert_eq!(revoked["revoked"], true);
    assert_eq!(revoked["valid"], false);
    assert_eq!(
        app.post_as(&province, &path, &json!({"reason": "again"}))
            .await
            .status(),
        409
    );

    let public = public_json(&app, &format!("/api/v1/certificates/{serial}")).await;
    assert_eq!(
        (public["valid"].clone(), public["revoked"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(public["revoked_reason"], "冒名顶替");
    let verdict = json_of(app.post("/api/v1/credentials/verify", &credential).await).await;
    assert_eq!(verdict["signature_valid"], true);
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["revoked"], true);
    let page = public_page(&app, &format!("/verify/{serial}")).await;
    assert!(page.contains("data-valid=\"false\"") && page.contains("冒名顶替"));
}

#[tokio::test]
async fn unknown_serials_are_not_found_and_guessing_is_throttled() {
    let folder = catalogue();
    let app = app_with(
        folder.path(),
        ServerOptions::default().env("QIHANG_CERTIFICATES__LOOKUP_MISSES_PER_15MIN", "5"),
    )
    .await;
    let (_, serial) =
        complete_reading(&app, "13812341234", registration("13812341234", "js-yc")).await;
    let get = |path: String| {
        let app = &app;
        async move { app.client.get(app.url(&path)).send().await.unwrap() }
    };
    // A real serial with one character changed, a random one, garbage, a lookalike.
    let mut tampered = serial.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for guess in [
        tampered,
        "QH-2026-ABCDEFGHJK".to_string(),
        "not-a-serial".to_string(),
        serial.replace('-', "_"),
        "QH-2026-0000000000".to_string(),
    ] {
        let response = get(format!("/api/v1/certificates/{guess}")).await;
        assert_eq!(response.status(), 404, "{guess}");
        let (code, _, _) = error_of(response).await;
        assert_eq!(code, "not_found");
    }
    // Past the limit every lookup from this address is refused, hits included, so a hit
    // cannot be told from a miss.
    let limited = get(format!("/api/v1/certificates/{serial}")).await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    let page = get(format!("/verify/{serial}")).await.text().await.unwrap();
    assert!(page.contains("data-code=\"rate_limited\""), "{page}");
}

#[tokio::test]
async fn check_in_codes_complete_an_offline_course_only_while_the_class_runs() {
    let folder = catalogue();
    let app = app_with(
        folder.path(),
        ServerOptions::default().env("QIHANG_CERTIFICATES__CHECK_IN_FAILURES_PER_15MIN", "4"),
    )
    .await;
    let trainer = app.admin("13700000001", "js-wx").await;
    app.register("13812341234", "js-wx").await;
    let learner = app.login("13812341234", "password-123").await;
    assert_eq!(
        app.post_as(&learner, "/api/v1/courses/workshop/enrollment", &json!({}))
            .await
            .status(),
        201
    );
    let at = |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
    let open = |starts: i64, ends: i64| {
        let app = &app;
        let trainer = trainer.clone();
        let body = json!({"location": "无锡市总工会 3 楼培训室", "starts_at": at(starts), "ends_at": at(ends)});
        async move {
            let response = app
                .post_as(&trainer, "/api/v1/courses/workshop/sessions", &body)
                .await;
            assert_eq!(response.status(), 201);
            json_of(response).await
        }
    };
    let yesterday = open(-26 * 60, -25 * 60).await;
    let now = open(-10, 60).await;
    let code = now["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);

    // A learner cannot open classes; the times must make sense.
    let refused = app
        .post_as(
            &learner,
            "/api/v1/courses/workshop/sessions",
            &json!({"location": "x", "starts_at": at(0), "ends_at": at(60)}),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let backwards = app
        .post_as(
            &trainer,
            "/api/v1/courses/workshop/sessions",
            &json!({"location": "x", "starts_at": at(60), "ends_at": at(0)}),
        )
        .await;
    let (code_name, field, _) = error_of(backwards).await;
    assert_eq!(
        (code_name.as_str(), field.as_deref()),
        ("invalid", Some("ends_at"))
    );

    let check_in = |code: String| {
        let app = &app;
        let learner = learner.clone();
        async move {
            app.post_as(
                &learner,
                "/api/v1/courses/workshop/check-in",
                &json!({ "code": code }),
            )
            .await
        }
    };
    // Yesterday's code, a wrong code: refused, naming the field.
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for bad in [
        yesterday["code"].as_str().unwrap().to_string(),
        wrong.to_string(),
    ] {
        if bad == code {
            continue;
        }
        let response = check_in(bad).await;
        assert_eq!(response.status(), 422);
        let (name, field, _) = error_of(response).await;
        assert_eq!(
            (name.as_str(), field.as_deref()),
            ("check_in_code", Some("code"))
        );
    }
    // The right code completes the course, with the session as evidence; twice is once.
    let done = json_of(check_in(format!(" {code} ")).await).await;
    let completed_at = done["completed_at"]
        .as_str()
        .expect("completed")
        .to_string();
    let again = json_of(check_in(code.clone()).await).await;
    assert_eq!(again["completed_at"].as_str(), Some(completed_at.as_str()));
    let certificates = json_of(app.get_as(&learner, "/api/v1/me/certificates").await).await;
    assert_eq!(certificates.as_array().unwrap().len(), 1);
    let mut conn = app.db.connect();
    {
        use diesel::prelude::*;
        use qihang_core::db::schema::enrollments;
        let evidence: Vec<Option<String>> = enrollments::table
            .select(enrollments::evidence)
            .load(&mut conn)
            .unwrap();
        let evidence: Value = serde_json::from_str(evidence[0].as_deref().unwrap()).unwrap();
        assert_eq!(evidence["session"], now["id"]);
    }

    // The trainer sees who came (masked) and marks a learner whose phone failed.
    app.register("13912341234", "js-wx").await;
    let second = app.login("13912341234", "password-123").await;
    app.post_as(&second, "/api/v1/courses/workshop/enrollment", &json!({}))
        .await;
    let session_id = now["id"].as_str().unwrap();
    let marked = json_of(
        app.post_as(
            &trainer,
            &format!("/api/v1/sessions/{session_id}/attendance"),
            &json!({"phone": "13912341234"}),
        )
        .await,
    )
    .await;
    let phones: Vec<&str> = marked["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["phone"].as_str().unwrap())
        .collect();
    // She opened the class: she calls the roll, so she sees the phones in full.
    assert_eq!(phones, ["13812341234", "13912341234"]);
    let second_certs = json_of(app.get_as(&second, "/api/v1/me/certificates").await).await;
    assert_eq!(second_certs.as_array().unwrap().len(), 1);
    // Another city's administrator sees the class as any learner does (place, time, seats),
    // never its code or who came; its register is not acknowledged at all.
    let other = app.admin("13700000003", "js-nj").await;
    let seen = json_of(
        app.get_as(&other, &format!("/api/v1/sessions/{session_id}"))
            .await,
    )
    .await;
    assert_eq!(seen["code"], Value::Null, "{seen}");
    assert_eq!(seen["attendees"], json!([]), "{seen}");
    assert_eq!(seen["can_manage"], false, "{seen}");
    assert_eq!(
        app.get_as(&other, &format!("/api/v1/sessions/{session_id}/attendance"))
            .await
            .status(),
        404
    );

    // Guessing codes: after the limit, refused outright.
    app.register("13612341234", "js-wx").await;
    let guesser = app.login("13612341234", "password-123").await;
    app.post_as(&guesser, "/api/v1/courses/workshop/enrollment", &json!({}))
        .await;
    let mut statuses = Vec::new();
    for guess in 0..6 {
        let guess = format!(
            "{:06}",
            (code.parse::<u32>().unwrap() + 1 + guess) % 1_000_000
        );
        let response = app
            .post_as(
                &guesser,
                "/api/v1/courses/workshop/check-in",
                &json!({ "code": guess }),
            )
            .await;
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [422, 422, 422, 422, 429, 429]);
    let late = app
        .post_as(
            &guesser,
            "/api/v1/courses/workshop/check-in",
            &json!({ "code": code }),
        )
        .await;
    assert_eq!(late.status(), 429, "even the right code, once locked out");
}

#[tokio::test]
async fn her_place_in_the_drive_counts_women_by_first_completion() {
    let folder = catalogue();
    let app = app_with(folder.path(), ServerOptions::default()).await;
    let (first, _) =
        complete_reading(&app, "13812341234", registration("13812341234", "js-yc")).await;
    let mut man = registration("13912341234", "js-yc");
    man["gender"] = json!("male");
    man["name"] = json!("李明");
    let (man, _) = complete_reading(&app, "13912341234", man).await;
    let (second, _) =
        complete_reading(&app, "13612341234", registration("13612341234", "js-sz")).await;
    let place = |token: String| {
        let app = &app;
        async move { json_of(app.get_as(&token, "/api/v1/me/learning").await).await }
    };
    let her = place(first.clone()).await;
    assert_eq!(her["place_in_drive"], 1);
    assert_eq!(her["certificates"].as_array().unwrap().len(), 1);
    assert_eq!(her["enrollments"][0]["course"], "reading");
    assert_eq!(her["recommended"]["id"], "workshop");
    assert_eq!(place(second.clone()).await["place_in_drive"], 2);
    assert!(place(man).await["place_in_drive"].is_null());
    // The page says it in words.
    let page = cookie_client()
        .get(app.url("/learning"))
        .header("cookie", format!("qihang_session={second}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("你是江苏第 <strong>2</strong> 位完成数字赋能培训的女职工"),
        "{page}"
    );
}

#[tokio::test]
async fn a_certificate_issued_while_smtp_is_down_is_mailed_later() {
    let port = free_port();
    let folder = catalogue();
    let app = app_with(folder.path(), ServerOptions::default().smtp(port)).await;
    let (token, serial) =
        complete_reading(&app, "13812341234", registration("13812341234", "js-yc")).await;
    // The certificate stands while the mail waits.
    let public = public_json(&app, &format!("/api/v1/certificates/{serial}")).await;
    assert_eq!(public["valid"], true);
    assert_eq!(
        json_of(app.get_as(&token, "/api/v1/me/certificates").await)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("rebind SMTP port");
    let sink = SmtpSink::start_on(listener);
    let mail = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(mail.len(), 1);
    assert!(mail[0].body().contains(&serial), "{}", mail[0].body());
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.received().len(), 1, "no duplicate");
}

#[tokio::test]
async fn rare_names_print_in_the_pdf_or_are_refused_by_name() {
    let folder = catalogue();
    let app = app_with(folder.path(), ServerOptions::default()).await;
    let mut rare = registration("13812341234", "js-yc");
    rare["name"] = json!("𠮷𡒄");
    let (token, serial) = complete_reading(&app, "13812341234", rare).await;
    let pdf = app
        .get_as(&token, &format!("/api/v1/certificates/{serial}.pdf"))
        .await;
    assert_eq!(pdf.status(), 200);
    let text = String::from_utf8_lossy(&pdf.bytes().await.unwrap()).to_string();
    // Both characters are in the embedded subset's ToUnicode map (UTF-16 surrogates).
    assert!(text.contains("D842DFB7") && text.contains("D845DC84"));
    assert_eq!(
        public_json(&app, &format!("/api/v1/certificates/{serial}")).await["holder"],
        "𠮷*"
    );

    // A character no installed font has (CJK Extension H): refused, never dropped.
    let mut unprintable = registration("13912341234", "js-yc");
    unprintable["name"] = json!("张\u{31350}红");
    let (token, serial) = complete_reading(&app, "13912341234", unprintable).await;
    let refused = app
        .get_as(&token, &format!("/api/v1/certificates/{serial}.pdf"))
        .await;
    assert_eq!(refused.status(), 422);
    let (code, field, message) = error_of(refused).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("cannot_print", Some("name"))
    );
    assert!(message.contains('\u{31350}'), "{message}");
    // The certificate itself stands, and its page shows the name.
    let page = cookie_client()
        .get(app.url(&format!("/certificates/{serial}")))
        .header("cookie", format!("qihang_session={token}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("张\u{31350}红"));
}

/// Two (here eight) check-ins of one learner at once — a double tap on a weak network — all
/// succeed and record one attendance (they used to race between a count and an insert, and
/// one got a 500).
#[tokio::test]
async fn simultaneous_check_ins_of_one_learner_record_one_attendance() {
    let folder = catalogue();
    let app = app_with(folder.path(), ServerOptions::default()).await;
    let trainer = app.admin("13700000001", "js-wx").await;
    let learner = app
        .enrolled_learner("13812341234", "js-wx", &["workshop"])
        .await;
    let at = |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
    let session = json_of(
        app.post_as(
            &trainer,
            "/api/v1/courses/workshop/sessions",
            &json!({"location": "无锡市总工会 3 楼培训室", "starts_at": at(-10), "ends_at": at(60)}),
        )
        .await,
    )
    .await;
    let code = session["code"].as_str().unwrap().to_string();
    let taps = (0..8).map(|_| {
        let request = app
            .client
            .post(app.url("/api/v1/courses/workshop/check-in"))
            .bearer_auth(&learner)
            .json(&json!({ "code": code }));
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(taps).await;
    assert_eq!(statuses, [200; 8]);
    use diesel::prelude::*;
    use qihang_core::db::schema::{attendances, certificates};
    let mut conn = app.db.connect();
    let rows: i64 = attendances::table.count().get_result(&mut conn).unwrap();
    let issued: i64 = certificates::table.count().get_result(&mut conn).unwrap();
    assert_eq!((rows, issued), (1, 1));
}

/// A page in `lang`, as a visitor or (with a token) as her.
async fn page_in(app: &TestApp, token: Option<&str>, lang: &str, path: &str) -> String {
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
    response.text().await.unwrap()
}

/// Issue 11.9 and 11.10: on English pages the certificate and its verification name the
/// course and the issuing union in English where they have English names (the certificate as
/// issued stays in Chinese); her certificate page says what the digital credential is for.
#[tokio::test]
async fn english_pages_name_the_course_and_the_union_in_english() {
    let folder = catalogue();
    edit_course(
        folder.path(),
        "reading",
        &[(
            "title = \"课程 reading\"",
            "title = \"课程 reading\"\ntitle_en = \"Reading course\"",
        )],
    );
    let app = app_with(folder.path(), ServerOptions::default()).await;
    let (token, serial) =
        complete_reading(&app, "13812341234", registration("13812341234", "js-yc")).await;
    let status = public_json(&app, &format!("/api/v1/certificates/{serial}")).await;
    assert_eq!(
        (&status["course"], &status["course_en"]),
        (&json!("课程 reading"), &json!("Reading course"))
    );
    assert_eq!(
        (&status["issuer"], &status["issuer_en"]),
        (
            &json!("江苏省总工会"),
            &json!("Jiangsu Federation of Trade Unions")
        )
    );
    let mine = json_of(app.get_as(&token, "/api/v1/me/certificates").await).await;
    assert_eq!(mine[0]["course_en"], "Reading course");

    let verify = format!("/verify/{serial}");
    let english = page_in(&app, None, "en", &verify).await;
    assert!(
        english.contains(r#"id="cert-course">Reading course<"#)
            && english.contains(r#"id="cert-issuer">Jiangsu Federation of Trade Unions<"#),
        "{english}"
    );
    let chinese = page_in(&app, None, "zh-CN", &verify).await;
    assert!(
        chinese.contains(r#"id="cert-course">课程 reading<"#)
            && chinese.contains(r#"id="cert-issuer">江苏省总工会<"#),
        "{chinese}"
    );
    let certificate = format!("/certificates/{serial}");
    let hers = page_in(&app, Some(&token), "zh-CN", &certificate).await;
    assert!(
        hers.contains(r#"id="credential-explained""#)
            && hers.contains("数字凭证是这张证书带起航电子签名的电子版"),
        "{hers}"
    );
    let hers = page_in(&app, Some(&token), "en", &certificate).await;
    assert!(
        hers.contains(r#"id="cert-course">Reading course<"#)
            && hers.contains("confirm through Qihang's verification API"),
        "{hers}"
    );
    let learning = page_in(&app, Some(&token), "en", "/learning").await;
    assert!(learning.contains(">Reading course</a>"), "{learning}");
}

/// A signing key as a database dump holds it.
#[derive(diesel::Queryable)]
struct DumpedKey {
    key_id: String,
    secret: Vec<u8>,
    public: Vec<u8>,
    sealed_with: Option<String>,
}

fn dumped_keys(db: &TestDb) -> Vec<DumpedKey> {
    use diesel::prelude::*;
    use qihang_core::db::schema::signing_keys::dsl as k;
    k::signing_keys
        .order(k::id.asc())
        .select((k::key_id, k::secret_key, k::public_key, k::sealed_with))
        .load(&mut db.connect())
        .unwrap()
}

/// Issue 15: a database dump (or backup) alone cannot sign a credential. The secret halves are
/// sealed under the key-encryption key from configuration: no 32 bytes of the stored column
/// are the key, and a credential re-signed with what the dump holds does not verify.
#[tokio::test]
async fn a_database_dump_alone_cannot_produce_a_valid_signature() {
    let (_folder, app, _token, _serial, credential) = holder_of_a_credential().await;
    let keys = dumped_keys(&app.db);
    assert_eq!(keys.len(), 1);
    let DumpedKey {
        key_id,
        secret,
        public,
        sealed_with,
    } = &keys[0];
    let kek = qihang_core::kek::Kek::parse(TEST_KEK, "test").unwrap();
    assert_eq!(sealed_with.as_deref(), Some(kek.fingerprint().as_str()));
    let mut candidates = 0;
    for window in secret.windows(32) {
        let guess = ed25519_dalek::SigningKey::from_bytes(window.try_into().unwrap());
        assert_ne!(
            guess.verifying_key().as_bytes().as_slice(),
            public.as_slice()
        );
        candidates += 1;
    }
    assert_eq!(candidates, secret.len() - 31);
    // The best a thief can do: sign with the stored bytes under the real key's id.
    let mut forged = credential.clone();
    forged["credentialSubject"]["identifier"][0]["identityHash"] = json!("李冒名");
    let method = credential["proof"]["verificationMethod"].as_str().unwrap();
    let stolen = ed25519_dalek::SigningKey::from_bytes(secret[..32].try_into().unwrap());
    let unsigned = {
        let mut doc = forged.clone();
        doc.as_object_mut().unwrap().remove("proof");
        doc
    };
    let resigned = qihang_core::services::certificates::sign_document(
        unsigned,
        &stolen,
        method,
        credential["proof"]["created"].as_str().unwrap(),
    );
    let verdict = json_of(app.post("/api/v1/credentials/verify", &resigned).await).await;
    assert_eq!(verdict["signature_valid"], false, "{verdict}");
    // With the key-encryption key, the same column opens to the real key.
    let seed = kek.open(key_id, secret).unwrap();
    let real = ed25519_dalek::SigningKey::from_bytes(seed.as_slice().try_into().unwrap());
    assert_eq!(
        real.verifying_key().as_bytes().as_slice(),
        public.as_slice()
    );
}

/// Runs `qihang serve` on `db` with `env` until it says where it listens or exits; returns
/// (started, what it wrote to standard error).
fn try_serve(db: &TestDb, data: &Path, env: &[(&str, &str)]) -> (bool, String) {
    use std::io::{BufRead, BufReader, Read};
    let mut cmd = qihang_command();
    cmd.args(["--database-url", &db.url, "serve", "--bind", "127.0.0.1:0"])
        .env("QIHANG_DATA_DIR", data)
        .env("QIHANG_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started = line.starts_with("listening on ");
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (started, stderr)
}

/// Issue 15: without its key-encryption key (or with another one) a server of a database
/// with sealed keys refuses to start, saying why; a rotation re-seals under a new key, which
/// then serves, and every credential issued before still verifies. Keys stored in the clear
/// by an older Qihang are sealed at the next start. A database's first start makes the
/// default key file, readable by its owner only.
#[tokio::test]
async fn the_key_encryption_key_is_required_rotated_and_made_on_first_start() {
    let (folder, app, _token, _serial, credential) = holder_of_a_credential().await;
    let data = tempfile::tempdir().unwrap();
    let (started, said) = try_serve(&app.db, data.path(), &[(KEK_VAR, "")]);
    assert!(!started, "started without its key");
    assert!(
        said.contains("certificate signing: the key-encryption key is missing")
            && said.contains("1 sealed signing key(s)")
            && said.contains("QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY"),
        "{said}"
    );
    let other = "11".repeat(32);
    let (started, said) = try_serve(&app.db, data.path(), &[(KEK_VAR, &other)]);
    assert!(!started);
    assert!(said.contains("sealed with key-encryption key"), "{said}");
    let (started, said) = try_serve(&app.db, data.path(), &[(KEK_VAR, "not-hex")]);
    assert!(!started);
    assert!(said.contains("want 64 hexadecimal digits"), "{said}");

    // Rotation: a new signing key, and every key re-sealed under a new KEK file.
    let new_file = data.path().join("kek-2026.kek");
    let rotated = qihang_command()
        .args(["--database-url", &app.db.url, "certificates", "rotate-key"])
        .arg("--new-kek-file")
        .arg(&new_file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    assert!(said.contains("re-sealed 2 signing key(s)"), "{said}");
    let new_kek = qihang_core::kek::Kek::read(&new_file).unwrap();
    let dumped = dumped_keys(&app.db);
    assert!(dumped
        .iter()
        .all(|k| k.sealed_with.as_deref() == Some(new_kek.fingerprint().as_str())));
    let (started, said) = try_serve(&app.db, data.path(), &[(KEK_VAR, TEST_KEK)]);
    assert!(!started, "the old key no longer opens them: {said}");
    drop(app.server);
    let file = new_file.display().to_string();
    let served = TestApp {
        server: TestServer::start(
            &app.db,
            data.path(),
            ServerOptions::default()
                .env(KEK_VAR, "")
                .env("QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY_FILE", &file)
                .env("QIHANG_COURSES_DIR", folder.path().display().to_string()),
        ),
        db: app.db,
        data_dir: app.data_dir,
        client: client(),
    };
    let verdict = json_of(served.post("/api/v1/credentials/verify", &credential).await).await;
    assert_eq!(verdict["valid"], true, "{verdict}");
    let (token, serial) =
        complete_reading(&served, "13812341299", registration("13812341299", "js-yc")).await;
    let path = format!("/api/v1/certificates/{serial}/credential.json");
    let signed_after = json_of(served.get_as(&token, &path).await).await;
    let verdict = json_of(
        served
            .post("/api/v1/credentials/verify", &signed_after)
            .await,
    )
    .await;
    assert_eq!(verdict["valid"], true, "{verdict}");

    // A key in the clear (as Qihang stored them before) is sealed at the next start.
    {
        use diesel::prelude::*;
        use qihang_core::db::schema::signing_keys::dsl as k;
        let key = dumped_keys(&served.db).pop().unwrap();
        let seed = new_kek.open(&key.key_id, &key.secret).unwrap();
        let key_id = key.key_id;
        diesel::update(k::signing_keys.filter(k::key_id.eq(&key_id)))
            .set((k::secret_key.eq(seed), k::sealed_with.eq(None::<String>)))
            .execute(&mut served.db.connect())
            .unwrap();
    }
    let again = TestServer::start(
        &served.db,
        data.path(),
        ServerOptions::default()
            .env(KEK_VAR, "")
            .env("QIHANG_CERTIFICATES__KEY_ENCRYPTION_KEY_FILE", &file),
    );
    assert!(dumped_keys(&served.db)
        .iter()
        .all(|k| k.sealed_with.as_deref() == Some(new_kek.fingerprint().as_str())));
    drop(again);

    // A fresh database with no key configured: the first start makes DATA_DIR/signing.kek.
    let fresh = TestDb::create();
    let fresh_data = tempfile::tempdir().unwrap();
    let (started, said) = try_serve(&fresh, fresh_data.path(), &[(KEK_VAR, "")]);
    assert!(started, "{said}");
    let made = fresh_data.path().join("signing.kek");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&made).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(qihang_core::kek::Kek::read(&made).is_ok());
}
