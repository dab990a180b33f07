//! The hostile tester's findings (issue 9), each replayed against the real server on SQLite
//! or PostgreSQL (per `QIHANG_TEST_DB`) with the answer the fix gives.

use std::path::Path;

use crate::support::packs::{edit_course, pack_zip, upload};
use crate::support::quiz::{app_with_quiz_courses, right_answers, start_attempt, submit};
use crate::support::*;
use diesel::prelude::*;
use serde_json::{json, Value};

fn bundled_courses() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses")
}

async fn app_with_catalogue() -> TestApp {
    TestApp::spawn_with(ServerOptions::default().env(
        "QIHANG_COURSES_DIR",
        bundled_courses().display().to_string(),
    ))
    .await
}

/// Reads every lesson and passes the quiz: the course completes and a certificate is issued.
async fn complete_course(app: &TestApp, token: &str, course: &str) -> String {
    app.post_as(
        token,
        &format!("/api/v1/courses/{course}/lessons/one/complete"),
        &json!({}),
    )
    .await;
    let attempt = start_attempt(app, token, course).await;
    let result: Value = submit(app, token, &attempt, &right_answers(&attempt))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(result["passed"], true, "{result}");
    let mine: Vec<Value> = app
        .get_as(token, "/api/v1/me/certificates")
        .await
        .json()
        .await
        .unwrap();
    mine.iter()
        .find(|c| c["course_id"] == course)
        .map(|c| c["serial"].as_str().unwrap().to_string())
        .expect("a certificate for the course")
}

/// Appoints a trainer of `org` (registered there) and returns her token.
async fn trainer(app: &TestApp, admin: &str, phone: &str, org: &str) -> String {
    let token = app.enrolled_learner(phone, org, &[]).await;
    let granted = app
        .post_as(
            admin,
            "/api/v1/roles",
            &json!({"phone": phone, "role": "trainer", "org": org}),
        )
        .await;
    assert_eq!(granted.status(), 200);
    token
}

async fn publish(app: &TestApp, token: &str, upload_id: &str) -> reqwest::Response {
    app.post_as(
        token,
        &format!("/api/v1/course-packs/{upload_id}/publish"),
        &json!({}),
    )
    .await
}

/// Finding 1: a Suzhou trainer re-publishing a bundled course's id (or another union's) was
/// accepted and took the course over; now the clash is refused naming the owner.
#[tokio::test]
async fn course_ids_belong_to_the_union_and_source_that_first_published_them() {
    let app = app_with_catalogue().await;
    let sz_admin = app.admin("13600000001", "js-sz").await;
    let wx_admin = app.admin("13600000002", "js-wx").await;
    let sz_trainer = trainer(&app, &sz_admin, "13600000011", "js-sz").await;
    let wx_trainer = trainer(&app, &wx_admin, "13600000012", "js-wx").await;

    // The probe: the bundled course's id with a higher version.
    let no_prerequisites = |dir: &Path| {
        let toml = std::fs::read_to_string(dir.join("course.toml")).unwrap();
        let toml = toml.replace(
            "prerequisites = [\"smartphone-basics\"]",
            "prerequisites = []",
        );
        std::fs::write(dir.join("course.toml"), toml).unwrap();
    };
    let report: Value = upload(
        &app,
        &sz_trainer,
        pack_zip("smartphone-basics", "9.9.9", no_prerequisites),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(report["status"], "rejected", "{report}");
    let problems = report["problems"].to_string();
    assert!(
        problems.contains("江苏省总工会（js）") && problems.contains("bundled"),
        "the owner is named: {problems}"
    );
    let refused = publish(&app, &sz_trainer, report["id"].as_str().unwrap()).await;
    assert_eq!(refused.status(), 422);

    // A Wuxi trainer uploads an id before anyone owns it; Suzhou publishes it first.
    let early: Value = upload(&app, &wx_trainer, pack_zip("shared-id", "1.0.0", |_| {}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(early["status"], "checked");
    let sz_upload: Value = upload(&app, &sz_trainer, pack_zip("shared-id", "1.0.0", |_| {}))
        .await
        .json()
        .await
        .unwrap();
    let first = publish(&app, &sz_trainer, sz_upload["id"].as_str().unwrap()).await;
    assert_eq!(first.status(), 200);
    // Publishing the early upload now clashes at publication, naming the owner.
    let clash = publish(&app, &wx_trainer, early["id"].as_str().unwrap()).await;
    assert_eq!(clash.status(), 409);
    let (code, field, message) = error_of(clash).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("course_owned", Some("id"))
    );
    assert!(message.contains("苏州市总工会（js-sz）"), "{message}");
    // Suzhou's own admin may publish a new version; the course stays Suzhou's.
    let v2: Value = upload(&app, &sz_admin, pack_zip("shared-id", "2.0.0", |_| {}))
        .await
        .json()
        .await
        .unwrap();
    let updated: Value = publish(&app, &sz_admin, v2["id"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (updated["outcome"].as_str(), updated["org"].as_str()),
        (Some("updated"), Some("js-sz"))
    );

    // The bundled course is untouched for everyone, and still owned by its folder.
    let wx_learner = app.enrolled_learner("13812340001", "js-wx", &[]).await;
    let course: Value = app
        .get_as(&wx_learner, "/api/v1/courses/smartphone-basics")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(course["title"], "智能手机基础与无障碍设置", "{course}");
    use qihang_core::db::schema::courses;
    let mut conn = app.db.connect();
    let (version, source): (String, String) = courses::table
        .filter(courses::code.eq("smartphone-basics"))
        .select((courses::version, courses::source))
        .first(&mut conn)
        .unwrap();
    assert!(
        version.starts_with("2.") && source.starts_with("folder:"),
        "{version} {source}"
    );
}

/// Finding 2: results handed out the key, and option ids were the author's letters, the
/// same for everyone; collected keys let another learner pass blind.
#[tokio::test]
async fn keys_collected_from_one_attempt_are_useless_in_another() {
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let collector = app
        .enrolled_learner("13812340001", "js-nj", &["quiz-a"])
        .await;
    let other = app
        .enrolled_learner("13812340002", "js-sz", &["quiz-a"])
        .await;

    // A blank attempt: right or wrong only, no key, no explanations.
    let first = start_attempt(&app, &collector, "quiz-a").await;
    let blank = submit(&app, &collector, &first, &json!({}))
        .await
        .text()
        .await
        .unwrap();
    let result: Value = serde_json::from_str(&blank).unwrap();
    assert_eq!(
        (
            result["score"].as_u64(),
            result["answers_revealed"].as_bool()
        ),
        (Some(0), Some(false))
    );
    assert!(
        !blank.contains("expected") && !blank.contains("explanation"),
        "{blank}"
    );

    // Ids are drawn per attempt: nothing of the first attempt appears in the next one or in
    // another learner's.
    let ids = |attempt: &Value| -> Vec<String> {
        let mut ids = Vec::new();
        for q in attempt["questions"].as_array().unwrap() {
            ids.push(q["id"].as_str().unwrap().to_string());
            for o in q["options"].as_array().unwrap() {
                ids.push(o["id"].as_str().unwrap().to_string());
            }
        }
        ids
    };
    let second = start_attempt(&app, &collector, "quiz-a").await;
    let theirs = start_attempt(&app, &other, "quiz-a").await;
    for later in [&second, &theirs] {
        let reused: Vec<String> = ids(later)
            .into_iter()
            .filter(|id| ids(&first).contains(id))
            .collect();
        assert!(reused.is_empty(), "ids reused across attempts: {reused:?}");
        assert!(
            !ids(later).iter().any(|id| id == "A" || id == "q-1"),
            "bank letters or ids shown"
        );
    }
    // The collector's answers, replayed by the other learner, are foreign to her attempt.
    let replay = submit(&app, &other, &theirs, &right_answers(&first)).await;
    assert_eq!(replay.status(), 422);
    assert_eq!(error_of(replay).await.0, "foreign_question");

    // Passing reveals the key (the default rule, after_pass) with the right option's id.
    let passed: Value = submit(&app, &collector, &second, &right_answers(&second))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            passed["passed"].as_bool(),
            passed["answers_revealed"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let right = right_answers(&second);
    for r in passed["results"].as_array().unwrap() {
        assert_eq!(r["expected"], right[r["id"].as_str().unwrap()], "{passed}");
    }
}

/// Finding 2, the course setting: with `reveal = "never"` even a pass shows no key.
#[tokio::test]
async fn a_course_can_keep_its_key_even_after_a_pass() {
    let (app, _folder) = app_with_quiz_courses(
        &["quiz-never"],
        |root, id| {
            let rule = "time_limit_minutes = 0\nreveal = \"never\"\n";
            edit_course(root, id, &[("time_limit_minutes = 0\n", rule)]);
        },
        ServerOptions::default(),
    )
    .await;
    let learner = app
        .enrolled_learner("13812340001", "js-nj", &["quiz-never"])
        .await;
    let attempt = start_attempt(&app, &learner, "quiz-never").await;
    let result: Value = submit(&app, &learner, &attempt, &right_answers(&attempt))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            result["passed"].as_bool(),
            result["answers_revealed"].as_bool()
        ),
        (Some(true), Some(false))
    );
    assert!(result["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r.get("expected").is_none() && r.get("explanation").is_none()));
    assert_eq!(result["reveal"], "never");
}

/// Finding 3: a credential for a serial Qihang never issued, signed with the (leaked)
/// signing key, verified as valid; now verification checks the records.
#[tokio::test]
async fn a_well_signed_credential_is_valid_only_if_it_is_what_was_issued() {
    use ed25519_dalek::SigningKey;
    use qihang_core::services::certificates::sign_document;
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let learner = app
        .enrolled_learner("13812340001", "js-nj", &["quiz-a"])
        .await;
    let serial = complete_course(&app, &learner, "quiz-a").await;
    let genuine: Value = app
        .get_as(
            &learner,
            &format!("/api/v1/certificates/{serial}/credential.json"),
        )
        .await
        .json()
        .await
        .unwrap();
    let verify = async |credential: &Value| -> Value {
        let response = app.post("/api/v1/credentials/verify", credential).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    };
    let ok = verify(&genuine).await;
    assert_eq!(
        (
            ok["valid"].as_bool(),
            ok["issued"].as_bool(),
            ok["matches_issued"].as_bool()
        ),
        (Some(true), Some(true), Some(true)),
        "{ok}"
    );

    // The probe: the key's secret half, read from the database and opened with the
    // key-encryption key (an insider with both), signs a forgery.
    use qihang_core::db::schema::signing_keys;
    let mut conn = app.db.connect();
    let (key_id, sealed): (String, Vec<u8>) = signing_keys::table
        .select((signing_keys::key_id, signing_keys::secret_key))
        .first(&mut conn)
        .unwrap();
    let kek = qihang_core::kek::Kek::parse(TEST_KEK, "test").unwrap();
    let secret = kek.open(&key_id, &sealed).unwrap();
    let key = SigningKey::from_bytes(&secret.try_into().unwrap());
    let method = genuine["proof"]["verificationMethod"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(method.ends_with(&key_id));
    let forge = |edit: &dyn Fn(&mut Value)| {
        let mut doc = genuine.clone();
        doc.as_object_mut().unwrap().remove("proof");
        edit(&mut doc);
        sign_document(doc, &key, &method, "2026-11-27T00:00:00Z")
    };
    let unknown = forge(&|doc| {
        let id = doc["id"]
            .as_str()
            .unwrap()
            .replace(&serial, "QH-2026-ZZZZZZZZZZ");
        doc["id"] = json!(id);
        doc["credentialSubject"]["identifier"][0]["identityHash"] = json!("李伪造");
    });
    let checked = verify(&unknown).await;
    assert_eq!(
        (
            checked["signature_valid"].as_bool(),
            checked["valid"].as_bool(),
            checked["issued"].as_bool()
        ),
        (Some(true), Some(false), Some(false)),
        "{checked}"
    );
    assert!(checked["problem"]
        .as_str()
        .unwrap()
        .contains("no certificate with this serial"));

    let altered = forge(&|doc| {
        doc["credentialSubject"]["achievement"]["creditsAvailable"] = json!(80);
    });
    let checked = verify(&altered).await;
    assert_eq!(
        (
            checked["signature_valid"].as_bool(),
            checked["valid"].as_bool(),
            checked["issued"].as_bool(),
            checked["matches_issued"].as_bool()
        ),
        (Some(true), Some(false), Some(true), Some(false)),
        "{checked}"
    );
    assert!(checked["problem"]
        .as_str()
        .unwrap()
        .contains("differs from the certificate issued"));
}

/// Finding 4: `next=/%09/evil.example` redirected off-site (browsers drop the tab).
#[tokio::test]
async fn the_language_switch_redirects_only_to_local_paths() {
    let app = TestApp::spawn().await;
    let location = async |next: &str| -> String {
        let response = app
            .client
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        response.headers()["location"].to_str().unwrap().to_string()
    };
    for bypass in [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "%09//evil.example",
        "/%20/evil.example",
        "/%5C/evil.example",
        "%5C%5Cevil.example",
        "//evil.example",
        "/%2F/evil.example",
        "https://evil.example",
        "/%E3%80%80/evil.example",
        "/%C2%A0/evil.example",
        "/%0B/evil.example",
    ] {
        assert_eq!(location(bypass).await, "/", "{bypass}");
    }
    assert_eq!(location("/courses?tier=1").await, "/courses?tier=1");
}

/// Finding 5: sent outbox rows kept working reset links, older links stayed valid after a
/// newer one, and reset mails were unthrottled.
#[tokio::test]
async fn reset_links_are_voided_redacted_and_throttled() {
    let sink = SmtpSink::start();
    let app = TestApp::spawn_with(ServerOptions::default().smtp(sink.port)).await;
    app.register("13812341234", "js-nj").await;
    let ask = async |login: &str| {
        app.post("/api/v1/auth/password-reset", &json!({ "login": login }))
            .await
            .status()
    };
    assert_eq!(ask("13812341234").await, 202);
    assert_eq!(ask("13812341234").await, 202);
    let mails = sink.wait_for(2, std::time::Duration::from_secs(15)).await;
    let older = mails[0].token().unwrap();
    let newer = mails[1].token().unwrap();

    // Sent rows keep no working link.
    use qihang_core::db::schema::outbox;
    let mut conn = app.db.connect();
    let bodies = eventually(std::time::Duration::from_secs(10), async || {
        let rows: Vec<(String, bool)> = outbox::table
            .select((outbox::body_text, outbox::sent_at.is_not_null()))
            .load(&mut conn)
            .ok()?;
        (rows.len() == 2 && rows.iter().all(|r| r.1)).then_some(rows)
    })
    .await
    .expect("both mails marked sent");
    for (body, _) in &bodies {
        assert!(!body.contains(&older) && !body.contains(&newer), "{body}");
        assert!(body.contains("token=[removed after sending]"), "{body}");
    }

    // Only the newest link works.
    let confirm = async |token: &str| {
        app.post(
            "/api/v1/auth/password-reset/confirm",
            &json!({"token": token, "password": "brand-new-pass"}),
        )
        .await
    };
    let old = confirm(&older).await;
    assert_eq!(old.status(), 400);
    assert_eq!(error_of(old).await.0, "token_invalid");
    assert_eq!(confirm(&newer).await.status(), 204);

    // A third request is allowed, a fourth for the same login refused, registered or not.
    assert_eq!(ask("13812341234").await, 202);
    assert_eq!(ask("13812341234").await, 429);
    for _ in 0..3 {
        assert_eq!(ask("13900000000").await, 202);
    }
    assert_eq!(
        ask("13900000000").await,
        429,
        "unregistered logins look the same"
    );
    // Per address: twenty in all from here, whatever the logins.
    for i in 0..14 {
        assert_eq!(ask(&format!("139000001{i:02}")).await, 202);
    }
    let refused = app
        .post(
            "/api/v1/auth/password-reset",
            &json!({ "login": "13900000009" }),
        )
        .await;
    assert_eq!(refused.status(), 429);
    assert_eq!(error_of(refused).await.0, "rate_limited");
}

/// Finding 6: raw HTML in lessons loaded images and media from other sites, and plain http
/// links passed; pages had no policy restricting where content loads from.
#[tokio::test]
async fn lessons_load_nothing_from_other_sites() {
    let app = app_with_catalogue().await;
    let admin = app.admin("13600000001", "js-sz").await;
    let report: Value = upload(
        &app,
        &admin,
        pack_zip("leaky", "1.0.0", |dir| {
            std::fs::write(
                dir.join("lessons/02-more.md"),
                "+++\nid = \"more\"\ntitle = \"外链\"\nminutes = 5\n+++\n\n\
                 <img src=\"https://evil.example/t.png\">\n\n<video poster=\"//evil.example/p.png\"></video>\n\n\
                 <audio><source src=\"https://evil.example/s.mp3\"></audio>\n\n[明文链接](http://evil.example/x)\n",
            )
            .unwrap();
        }),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(report["status"], "rejected");
    let problems: Vec<String> = serde_json::from_value(report["problems"].clone()).unwrap();
    for needle in [
        "https://evil.example/t.png",
        "//evil.example/p.png",
        "https://evil.example/s.mp3",
        "plain http",
    ] {
        assert!(
            problems
                .iter()
                .any(|p| p.contains(needle) && p.contains("lessons/02-more.md:")),
            "{needle} not reported with its file and line: {problems:?}"
        );
    }

    // Every page carries a policy: media only from here, scripts only with this page's nonce.
    let page = app
        .client
        .get(app.url("/courses/smartphone-basics"))
        .send()
        .await
        .unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = page.text().await.unwrap();
    for directive in [
        "img-src 'self' data:",
        "media-src 'self'",
        "default-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "{directive} missing from {policy}"
        );
    }
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a script nonce");
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the hydration script carries it"
    );
    let again = app
        .client
        .get(app.url("/courses/smartphone-basics"))
        .send()
        .await
        .unwrap();
    assert!(
        !again.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains(nonce),
        "a fresh nonce per page"
    );
    let api = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert!(api.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
}

/// Finding 7 (and 10, who revokes): revoking answered 403 for existing serials and 404 for
/// unknown ones, unthrottled. Now both look alike and count as misses; the holder's own union
/// may revoke.
#[tokio::test]
async fn revocation_is_no_oracle_and_the_holders_union_may_revoke() {
    let (app, _folder) = app_with_quiz_courses(
        &["quiz-a"],
        |_, _| {},
        ServerOptions::default().env("QIHANG_CERTIFICATES__LOOKUP_MISSES_PER_15MIN", "4"),
    )
    .await;
    let holder = app
        .enrolled_learner("13812340001", "js-wx", &["quiz-a"])
        .await;
    let serial = complete_course(&app, &holder, "quiz-a").await;
    // The snoop administers another city; a learner is refused before anything is looked up
    // (403 whatever the serial, issue 15).
    let snoop = app.admin("13812340002", "js-nj").await;
    let learner = app.enrolled_learner("13812340003", "js-sz", &[]).await;
    let revoke = async |token: &str, serial: &str| {
        app.post_as(
            token,
            &format!("/api/v1/certificates/{serial}/revoke"),
            &json!({"reason": "测试"}),
        )
        .await
    };
    let existing = revoke(&snoop, &serial).await;
    let unknown = revoke(&snoop, "QH-2026-ZZZZZZZZZZ").await;
    assert_eq!(
        (existing.status().as_u16(), unknown.status().as_u16()),
        (404, 404)
    );
    assert_eq!(
        existing.text().await.unwrap(),
        unknown.text().await.unwrap()
    );
    for serial in [serial.as_str(), "QH-2026-ZZZZZZZZZZ"] {
        assert_eq!(revoke(&learner, serial).await.status(), 403);
    }

    // The course was issued by the province; the Wuxi admin (her union when she completed)
    // may revoke it, a Suzhou admin may not (and gets the same 404).
    let sz_admin = app.admin("13600000001", "js-sz").await;
    assert_eq!(revoke(&sz_admin, &serial).await.status(), 404);
    let wx_admin = app.admin("13600000002", "js-wx").await;
    let revoked = revoke(&wx_admin, &serial).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(revoked.json::<Value>().await.unwrap()["revoked"], true);

    // Four misses from this address (the limit here): now every attempt waits.
    revoke(&snoop, "QH-2026-ZZZZZZZZZY").await;
    assert_eq!(
        revoke(&snoop, &serial).await.status(),
        429,
        "throttled like lookups"
    );
    assert_eq!(revoke(&wx_admin, "QH-2026-ZZZZZZZZZX").await.status(), 429);
}

/// Finding 8: ten failures from one address locked the account everywhere, `12345678` was
/// accepted, and duplicate registrations were never throttled.
#[tokio::test]
async fn one_address_cannot_lock_out_an_account_and_weak_passwords_are_refused() {
    // Real peers on distinct loopback addresses (127.0.0.x), no proxy configured.
    let app = TestApp::spawn().await;
    app.register("13812341234", "js-nj").await;
    let login_from = async |last_octet: u8, password: &str| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
            .build()
            .unwrap()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"login": "13812341234", "password": password}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    for _ in 0..10 {
        assert_eq!(login_from(11, "wrong-password").await, 401);
    }
    assert_eq!(
        login_from(11, "password-123").await,
        429,
        "that address waits"
    );
    assert_eq!(
        login_from(12, "password-123").await,
        200,
        "its owner elsewhere does not"
    );
    // A spread attack (three addresses, thirty failures) locks the account everywhere.
    for address in [13, 14, 15] {
        for _ in 0..10 {
            assert_eq!(login_from(address, "wrong-password").await, 401);
        }
    }
    assert_eq!(login_from(16, "password-123").await, 429);

    // Weak passwords, at registration and at reset.
    for (password, phone) in [
        ("12345678", "13812340001"),
        ("iloveyou", "13812340002"),
        ("13812340003x", "13812340003"),
    ] {
        let mut body = registration(phone, "js-nj");
        body["password"] = json!(password);
        let refused = app.post("/api/v1/auth/register", &body).await;
        assert_eq!(refused.status(), 422, "{password}");
        let (code, field, _) = error_of(refused).await;
        assert_eq!(
            (code.as_str(), field.as_deref()),
            ("weak_password", Some("password"))
        );
    }

    // Duplicate registrations from one address: 409 ten times, then 429.
    for _ in 0..10 {
        let duplicate = app
            .post(
                "/api/v1/auth/register",
                &registration("13812341234", "js-nj"),
            )
            .await;
        assert_eq!(duplicate.status(), 409);
    }
    let throttled = app
        .post(
            "/api/v1/auth/register",
            &registration("13812341234", "js-nj"),
        )
        .await;
    assert_eq!(throttled.status(), 429);
    // A new woman registering from another address is not affected.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 19]))
        .build()
        .unwrap()
        .post(app.url("/api/v1/auth/register"))
        .json(&registration("13812349999", "js-nj"))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
}

/// Finding 8, the other half: without a configured proxy, `X-Forwarded-For` is ignored, so a
/// client cannot escape the per-address limit by inventing addresses.
#[tokio::test]
async fn forwarded_addresses_are_ignored_without_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js-nj").await;
    for i in 0..10 {
        let status = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("X-Forwarded-For", format!("10.0.1.{i}"))
            .json(&json!({"login": "13812341234", "password": "wrong-password"}))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 401);
    }
    let blocked = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", "10.0.1.99")
        .json(&json!({"login": "13812341234", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(blocked.status(), 429);
}

/// Finding 9: server functions answered 500 for ordinary client errors, and an enormous
/// page number wrapped around to the first page.
#[tokio::test]
async fn server_functions_answer_like_the_api_and_pages_are_bounded() {
    let app = TestApp::spawn().await;
    let admin = app.admin("13600000001", "js-sz").await;
    let browser = cookie_client();
    let call = async |path: &str, form: &[(&str, &str)]| {
        browser
            .post(app.url(path))
            .header("Origin", app.server.base.clone())
            .form(form)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(call("/_fn/quiz_attempt", &[("id", "nothing")]).await, 401);
    assert!(
        call(
            "/_fn/login",
            &[("login", "13600000001"), ("password", "admin-password")]
        )
        .await
            < 400
    );
    assert_eq!(call("/_fn/quiz_attempt", &[("id", "nothing")]).await, 404);
    assert_eq!(call("/_fn/org_dashboard", &[("code", "js-wx")]).await, 403);
    assert_eq!(call("/_fn/quiz_attempt", &[]).await, 400);
    assert_eq!(call("/_fn/org_dashboard", &[("code", "js-sz")]).await, 200);

    let page = app
        .get_as(
            &admin,
            "/api/v1/orgs/js-sz/trained?page=9223372036854775807",
        )
        .await;
    assert_eq!(page.status(), 422);
    let (code, field, _) = error_of(page).await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("page")));
    for bad in ["0", "-1", "10000001"] {
        let page = app
            .get_as(&admin, &format!("/api/v1/orgs/js-sz/trained?page={bad}"))
            .await;
        assert_eq!(page.status(), 422, "page={bad}");
    }
    let last: Value = app
        .get_as(&admin, "/api/v1/orgs/js-sz/trained?page=10000000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (last["page"].as_i64(), last["rows"].as_array().map(Vec::len)),
        (Some(10_000_000), Some(0))
    );
}

/// Finding 10: decisions on the informational findings.
#[tokio::test]
async fn union_codes_extend_their_parent_and_attendance_reveals_no_phones() {
    let (app, _folder) = app_with_quiz_courses(
        &["class-course"],
        |root, id| {
            edit_course(
                root,
                id,
                &[
                    ("mode = \"online\"", "mode = \"blended\""),
                    ("attendance = false", "attendance = true"),
                ],
            );
        },
        ServerOptions::default(),
    )
    .await;
    let sz_admin = app.admin("13600000001", "js-sz").await;
    let evil = app
        .post_as(&sz_admin, "/api/v1/orgs", &json!({"parent": "js-sz", "code": "js-wx-evil2", "name": "冒名工会", "kind": "enterprise"}))
        .await;
    assert_eq!(evil.status(), 422);
    let (code, field, message) = error_of(evil).await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("code")));
    assert!(message.contains("js-sz-"), "{message}");
    let fine = app
        .post_as(&sz_admin, "/api/v1/orgs", &json!({"parent": "js-sz", "code": "js-sz-wuzhong", "name": "吴中区总工会", "kind": "district"}))
        .await;
    assert_eq!(fine.status(), 201);

    // Marking present: an unregistered phone and a registered one not enrolled look alike.
    let session: Value = app
        .post_as(
            &sz_admin,
            "/api/v1/courses/class-course/sessions",
            &json!({
                "location": "苏州工人文化宫",
                "starts_at": chrono::Utc::now().to_rfc3339(),
                "ends_at": (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339(),
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    app.register("13812340001", "js-wx").await;
    let mark = async |phone: &str| {
        let path = format!(
            "/api/v1/sessions/{}/attendance",
            session["id"].as_str().unwrap()
        );
        let response = app
            .post_as(&sz_admin, &path, &json!({ "phone": phone }))
            .await;
        (response.status().as_u16(), response.text().await.unwrap())
    };
    let unregistered = mark("13999999999").await;
    let not_enrolled = mark("13812340001").await;
    assert_eq!(unregistered.0, 404);
    assert_eq!(unregistered, not_enrolled);
    // Enrolled, she may be marked present in a Suzhou class though her union is in Wuxi.
    let token = app.login("13812340001", "password-123").await;
    app.enrol(&token, "class-course").await;
    assert_eq!(mark("13812340001").await.0, 200);

    // The CSRF guard believes X-Forwarded-Host only from a configured proxy.
    let browser = cookie_client();
    browser
        .post(app.url("/_fn/login"))
        .header("Origin", app.server.base.clone())
        .form(&[("login", "13600000001"), ("password", "admin-password")])
        .send()
        .await
        .unwrap();
    let forged = browser
        .post(app.url("/_fn/logout"))
        .header("Origin", "http://evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .header("Forwarded", "host=evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

/// Issue 11.7: a session left open cannot be used to guess her password through "change
/// password": wrong current passwords count as failed logins, so after ten from one address
/// that address waits (429, for login too), while she still signs in from elsewhere.
#[tokio::test]
async fn wrong_current_passwords_count_as_failed_logins() {
    let app = TestApp::spawn().await;
    app.register("13812341234", "js-nj").await;
    let token = app.login("13812341234", "password-123").await;
    let from = |last_octet: u8| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, last_octet]))
            .build()
            .unwrap()
    };
    let thief = from(31);
    let guess = async |password: &str| {
        thief
            .put(app.url("/api/v1/me/password"))
            .bearer_auth(&token)
            .json(&json!({"current_password": password, "new_password": "taken-over-now"}))
            .send()
            .await
            .unwrap()
    };
    for i in 0..10 {
        let wrong = guess(&format!("guess-number-{i}")).await;
        assert_eq!(wrong.status(), 422);
    }
    let locked = guess("password-123").await;
    assert_eq!(locked.status(), 429, "even the right password waits");
    assert_eq!(error_of(locked).await.0, "too_many_attempts");
    let login = thief
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "13812341234", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 429, "the same counter as login");
    let email_guess = thief
        .put(app.url("/api/v1/me/email"))
        .bearer_auth(&token)
        .json(&json!({"email": "thief@example.cn", "current_password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(email_guess.status(), 429, "changing the email waits too");
    let owner = from(32)
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "13812341234", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        owner.status(),
        200,
        "her own phone elsewhere is not locked out"
    );
}

/// The message a form post left on a page (`<p class="notice …">…</p>`).
fn notice_of(page: &str) -> String {
    let start = page.find(r#"class="notice"#).expect("a notice on the page");
    let end = start + page[start..].find("</p>").expect("the notice's end");
    page[start..end].to_string()
}

/// What the forgot-password page answers after asking for `login`, in a fresh browser.
async fn forgot_answer(app: &TestApp, login: &str) -> String {
    let browser = cookie_client();
    let posted = browser
        .post(app.url("/_fn/forgot_password"))
        .header("Origin", app.server.base.clone())
        .header("Accept", "text/html")
        .form(&[("login", login)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        posted.headers().get("location").unwrap(),
        "/forgot-password"
    );
    let page = browser
        .get(app.url("/forgot-password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    notice_of(&page)
}

/// Issue 11.7: the forgot-password page shows a woman with only a phone her way (her union's
/// administrator, in person; SMS when it is on), and its answer is the same for a woman with
/// email, one with only a phone and a number nobody registered: no account oracle.
#[tokio::test]
async fn the_forgot_password_page_shows_the_way_without_email_and_is_no_oracle() {
    let sms_dir = tempfile::tempdir().unwrap();
    let sms_on = format!("file:{}", sms_dir.path().join("sms.log").display());
    for sms in [None, Some(sms_on)] {
        let options = match &sms {
            Some(mode) => ServerOptions::default().env("QIHANG_SMS", mode.clone()),
            None => ServerOptions::default(),
        };
        let app = TestApp::spawn_with(options).await;
        let page = app
            .client
            .get(app.url("/forgot-password"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"id="no-email""#)
                && page.contains("请联系为你注册账号的工会")
                && page.contains("当面给你一个一次性的重设密码链接或二维码"),
            "{page}"
        );
        assert_eq!(
            page.contains(r#"id="forgot-sms""#) && page.contains("本平台已开通短信"),
            sms.is_some(),
            "the SMS line only when SMS is on: {page}"
        );
        let english = app
            .client
            .get(app.url("/forgot-password"))
            .header("cookie", "qihang_lang=en")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            english.contains("Ask the union that registered you"),
            "{english}"
        );

        app.register("13812341234", "js-nj").await;
        app.register_phone_only("13812345678", "js-nj").await;
        let with_email = forgot_answer(&app, "13812341234").await;
        let phone_only = forgot_answer(&app, "13812345678").await;
        let nobody = forgot_answer(&app, "13999999999").await;
        let expected = if sms.is_some() {
            "如果该账户存在，重设密码的链接已经发出"
        } else {
            "如果该账户存在并留有电子邮箱"
        };
        assert!(with_email.contains(expected), "{with_email}");
        assert_eq!(with_email, phone_only);
        assert_eq!(with_email, nobody);
    }
}

/// Issue 15: the caller's right to a staff route is decided before her body is judged. A
/// learner posting half a union, or nothing at all, gets 403 (not 422 naming a field that
/// would teach her the shape); without a session, 401.
#[tokio::test]
async fn authorisation_is_decided_before_the_body_is_read() {
    let app = TestApp::spawn().await;
    let learner = app.enrolled_learner("13900000151", "js-sz", &[]).await;
    let routes: [(&str, &str); 13] = [
        ("POST", "/api/v1/orgs"),
        ("POST", "/api/v1/roles"),
        ("POST", "/api/v1/certificates/QH-NOPE/revoke"),
        ("PUT", "/api/v1/orgs/js-sz/target"),
        ("POST", "/api/v1/courses/digital-basics/sessions"),
        ("PATCH", "/api/v1/sessions/nope"),
        ("PUT", "/api/v1/sessions/nope/scores"),
        ("POST", "/api/v1/studios"),
        ("POST", "/api/v1/competitions"),
        ("POST", "/api/v1/competitions/nope/results"),
        ("POST", "/api/v1/people/nope/extra-attempts"),
        ("POST", "/api/v1/people/nope/roles"),
        ("POST", "/api/v1/users/nope/skills"),
    ];
    let bodies: [(&str, &str); 3] = [
        ("application/json", r#"{"parent":"js-sz"}"#),
        ("application/json", "{not json"),
        ("text/plain", "hello"),
    ];
    let http = client();
    let mut cells = 0;
    for (method, path) in routes {
        for (content_type, body) in bodies {
            for (token, want) in [(None, 401), (Some(learner.as_str()), 403)] {
                let mut request = http
                    .request(method.parse().unwrap(), app.url(path))
                    .header("Content-Type", content_type)
                    .body(body);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                let status = request.send().await.unwrap().status().as_u16();
                assert_eq!(status, want, "{method} {path} {body:?} as {token:?}");
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 78);
}

/// A request with a browser's User-Agent.
async fn login_from(app: &TestApp, phone: &str, user_agent: &str) -> String {
    let response = client()
        .post(app.url("/api/v1/auth/login"))
        .header("User-Agent", user_agent)
        .json(&json!({"login": phone, "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

const WECHAT_UA: &str = "Mozilla/5.0 (Linux; Android 12; M2006C3MG) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/86.0.4240.99 Mobile Safari/537.36 MicroMessenger/8.0.28.2240";
const EDGE_UA: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0";

/// Issue 15.3: she sees the devices signed in as her (device, first and last seen) and can
/// sign any of them out; another woman's session is never found; a password change ends
/// every other session.
#[tokio::test]
async fn her_sessions_are_listed_and_each_can_be_ended() {
    let app = TestApp::spawn().await;
    app.register("13900000161", "js-sz").await;
    app.register("13900000162", "js-sz").await;
    let phone = login_from(&app, "13900000161", WECHAT_UA).await;
    let pc = login_from(&app, "13900000161", EDGE_UA).await;
    let other = login_from(&app, "13900000162", EDGE_UA).await;

    let listed = app.get_as(&phone, "/api/v1/me/sessions").await;
    assert_eq!(listed.headers()["cache-control"], "private, no-store");
    let sessions: Vec<Value> = listed.json().await.unwrap();
    let devices: Vec<(&str, bool)> = sessions
        .iter()
        .map(|s| {
            (
                s["device"].as_str().unwrap(),
                s["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(devices.len(), 2, "{sessions:?}");
    assert!(devices.contains(&("Android · 微信", true)), "{devices:?}");
    assert!(devices.contains(&("Windows · Edge", false)), "{devices:?}");
    for s in &sessions {
        assert!(s["created_at"].as_str().unwrap().ends_with('Z'));
        assert!(s["last_seen_at"].as_str().unwrap().ends_with('Z'));
        let id = s["id"].as_str().unwrap();
        assert_eq!(id.len(), 16);
        assert!(
            !phone.contains(id) && !pc.contains(id),
            "the handle is not the token"
        );
    }
    let pc_handle = sessions.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let others: Vec<Value> = app
        .get_as(&other, "/api/v1/me/sessions")
        .await
        .json()
        .await
        .unwrap();
    let other_handle = others[0]["id"].as_str().unwrap().to_string();

    let end = |token: String, handle: String| {
        let app = &app;
        async move {
            client()
                .delete(app.url(&format!("/api/v1/me/sessions/{handle}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(end(phone.clone(), other_handle.clone()).await, 404);
    assert_eq!(end(phone.clone(), "not-a-handle".into()).await, 404);
    assert_eq!(app.get_as(&other, "/api/v1/me").await.status(), 200);
    assert_eq!(end(phone.clone(), pc_handle).await, 204);
    assert_eq!(app.get_as(&pc, "/api/v1/me").await.status(), 401);
    assert_eq!(app.get_as(&phone, "/api/v1/me").await.status(), 200);

    // A password change ends every other session; the one it came from stays.
    let second = login_from(&app, "13900000161", EDGE_UA).await;
    let changed = app
        .put_as(
            &phone,
            "/api/v1/me/password",
            &json!({"current_password": "password-123", "new_password": "another-pass-456"}),
        )
        .await;
    assert_eq!(changed.status(), 204);
    assert_eq!(app.get_as(&second, "/api/v1/me").await.status(), 401);
    assert_eq!(app.get_as(&phone, "/api/v1/me").await.status(), 200);
    let left: Vec<Value> = app
        .get_as(&phone, "/api/v1/me/sessions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
}

/// The stats of `org` as its administrator sees them, without the moment they were read.
async fn stats_of(app: &TestApp, admin: &str, org: &str) -> Value {
    let mut stats: Value = app
        .get_as(admin, &format!("/api/v1/orgs/{org}/stats"))
        .await
        .json()
        .await
        .unwrap();
    stats.as_object_mut().unwrap().remove("as_of");
    stats
}

/// Issue 15.5 (PIPL art. 44–47): she downloads everything held about her; deleting her
/// account erases what identifies her, the verification page still verifies her certificate
/// with only the masked name, her own copy of the credential still verifies, the dashboard's
/// counts do not move and `qihang stats verify` stays clean; her number may register again.
#[tokio::test]
async fn her_data_downloads_and_deletion_keeps_only_what_verification_needs() {
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let her = app
        .enrolled_learner("13812340071", "js-wx", &["quiz-a"])
        .await;
    let serial = complete_course(&app, &her, "quiz-a").await;
    let credential: Value = app
        .get_as(
            &her,
            &format!("/api/v1/certificates/{serial}/credential.json"),
        )
        .await
        .json()
        .await
        .unwrap();
    let province = app.admin("13600000071", "js").await;
    let before = stats_of(&app, &province, "js").await;
    assert_eq!(before["trained"], 1, "{before}");

    let export = app.get_as(&her, "/api/v1/me/export").await;
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["cache-control"], "private, no-store");
    assert!(export.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"qihang-my-data-"));
    let data: Value = export.json().await.unwrap();
    assert_eq!(data["account"]["name"], "王秀红");
    assert_eq!(data["account"]["phone"], "13812340071");
    assert_eq!(data["account"]["org"], "js-wx");
    assert!(data["account"]["consent_version"].is_string());
    assert_eq!(data["enrolments"][0]["course_id"], "quiz-a");
    assert!(data["enrolments"][0]["completed_at"].is_string());
    assert_eq!(data["attempts"][0]["passed"], true);
    assert_eq!(data["certificates"][0]["serial"], serial.as_str());
    assert_eq!(data["consents"]["talent_pool"], false);
    assert_eq!(data["sessions"][0]["current"], true);
    assert!(data["attendance"].as_array().unwrap().is_empty());
    // The readable page, signed in by cookie, is not stored by caches.
    let browser = cookie_client();
    let signed_in = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "13812340071", "password": "password-123"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let page = browser.get(app.url("/account/data")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    let page = page.text().await.unwrap();
    assert!(
        page.contains("13812340071") && page.contains("quiz-a"),
        "{page}"
    );

    // Deletion: a wrong password is refused on `password`, like a failed login.
    let delete = |token: &str, body: Value| {
        client()
            .delete(app.url("/api/v1/me"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let wrong = delete(&her, json!({"password": "not-her-password"}))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 422);
    let (code, field, _) = error_of(wrong).await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("wrong_password", Some("password"))
    );
    let gone = delete(&her, json!({"password": "password-123"}))
        .await
        .unwrap();
    assert_eq!(gone.status(), 204);
    assert_eq!(app.get_as(&her, "/api/v1/me").await.status(), 401);
    // Her other sessions ended with the account: the browser is asked to sign in.
    let page_after = browser
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page_after.contains("href=\"/login") && !page_after.contains("13812340071"),
        "{page_after}"
    );
    let login = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13812340071", "password": "password-123"}),
        )
        .await;
    assert_eq!(login.status(), 401);

    // Verification: the same masked name, course and date; her own copy still verifies.
    let status: Value = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{serial}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (status["valid"].as_bool(), status["holder"].as_str()),
        (Some(true), Some("王*红")),
        "{status}"
    );
    let verify_page = app
        .client
        .get(app.url(&format!("/verify/{serial}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(verify_page.contains("王*红") && !verify_page.contains("王秀红"));
    let verdict: Value = app
        .post("/api/v1/credentials/verify", &credential)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(verdict["valid"], true, "{verdict}");

    // What the database still holds of her.
    {
        use qihang_core::db::schema::{audit_log, certificates, users};
        let mut conn = app.db.connect();
        let (name, phone, email, hash): (String, String, Option<String>, Option<String>) =
            users::table
                .filter(users::phone.like("deleted:%"))
                .select((
                    users::name,
                    users::phone,
                    users::email,
                    users::password_hash,
                ))
                .first(&mut conn)
                .unwrap();
        assert_eq!(name, "已注销用户");
        assert!(email.is_none() && hash.is_none(), "{phone}");
        let (holder, stored): (String, String) = certificates::table
            .select((certificates::holder_name, certificates::credential))
            .first(&mut conn)
            .unwrap();
        assert_eq!(holder, "王*红");
        assert!(!stored.contains("王秀红") && !stored.contains("13812340071"));
        let actions: Vec<String> = audit_log::table
            .select(audit_log::action)
            .load(&mut conn)
            .unwrap();
        assert!(actions.contains(&"delete_account".to_string()));
    }

    // The counts stay, and the counters agree with the records.
    assert_eq!(stats_of(&app, &province, "js").await, before);
    stats_verify(&app.db);
    // Her number is free again.
    assert_eq!(
        app.post(
            "/api/v1/auth/register",
            &registration("13812340071", "js-wx")
        )
        .await
        .status(),
        201
    );
}

/// Issue 15.3: every text answer names its charset, API answers and pages for a signed-in
/// caller are not stored by caches, and the session cookie is HttpOnly and SameSite.
#[tokio::test]
async fn text_answers_name_their_charset_and_personal_ones_are_not_stored() {
    let app = TestApp::spawn().await;
    let admin = app.admin("13600000081", "js-sz").await;
    let csv = app.get_as(&admin, "/api/v1/orgs/js-sz/stats.csv").await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("charset=utf-8"),
        "{:?}",
        csv.headers()["content-type"]
    );
    assert!(csv.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("no-store"));
    let public = app.client.get(app.url("/courses")).send().await.unwrap();
    assert_eq!(public.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(public.headers()["cache-control"], "no-cache");
    let missing = app
        .client
        .get(app.url("/api/v1/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.headers()["cache-control"], "private, no-store");
    let login = app
        .post(
            "/api/v1/auth/login",
            &json!({"login": "13600000081", "password": "admin-password"}),
        )
        .await;
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = cookie.split(';').next().unwrap().to_string();
    let page = app
        .client
        .get(app.url("/courses"))
        .header("Cookie", session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["cache-control"], "private, no-store");
}

/// Issue 15.5: administrators of the province read the audit log (actions on people and
/// exports of personal data, newest first, subjects masked); no one else does.
#[tokio::test]
async fn the_province_reads_the_audit_log_and_no_one_else_does() {
    let app = TestApp::spawn().await;
    let province = app.admin("13600000091", "js").await;
    let city = app.admin("13600000092", "js-wx").await;
    let learner = app.enrolled_learner("13900000093", "js-wx", &[]).await;
    let me: Value = app
        .get_as(&learner, "/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    let person = me["id"].as_str().unwrap();
    let link = app
        .post_as(
            &city,
            &format!("/api/v1/people/{person}/reset-links"),
            &json!({}),
        )
        .await;
    assert!(link.status().is_success(), "{}", link.status());
    let export = app.get_as(&city, "/api/v1/orgs/js-wx/trained.csv").await;
    assert_eq!(export.status(), 200);

    let log = app.get_as(&province, "/api/v1/audit").await;
    assert_eq!(log.status(), 200);
    assert_eq!(log.headers()["cache-control"], "private, no-store");
    let log: Value = log.json().await.unwrap();
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions[..2], ["export", "issue_reset_link"], "{log}");
    assert_eq!(entries[1]["subject"], "王*红");
    assert_eq!(entries[1]["org"], "无锡市总工会");
    assert!(entries[0]["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(log["more"], false);

    assert_eq!(app.get_as(&city, "/api/v1/audit").await.status(), 403);
    assert_eq!(app.get_as(&learner, "/api/v1/audit").await.status(), 403);
    let anonymous = app
        .client
        .get(app.url("/api/v1/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        app.get_as(&province, "/api/v1/audit?page=0").await.status(),
        422
    );

    // The page, signed in by cookie.
    let browser = cookie_client();
    let signed_in = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"login": "13600000091", "password": "admin-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    let page = browser
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("审计日志") && page.contains("发放重设密码链接") && page.contains("王*红"),
        "{page}"
    );
    // Details in words for a clerk, not the raw record.
    assert!(page.contains("文件：trained.csv"), "{page}");
    let log_part = page.split("id=\"audit\"").nth(1).unwrap_or_default();
    assert!(
        !log_part.contains("expires_at") && !log_part.contains("{&quot;"),
        "{page}"
    );
}
