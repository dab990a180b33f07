//! A union administrator's work for a person in her subtree (issue 11): another quiz attempt
//! once hers ran out, a one-time password link handed over in person, roles; each audited,
//! none reaching outside her subtree. And registration reporting every wrong field at once.
//! Against the real server on SQLite or PostgreSQL (per `QIHANG_TEST_DB`).

use crate::support::quiz::{app_with_quiz_courses, right_answers, start_attempt, submit};
use crate::support::*;
use serde_json::{json, Value};

/// A wrong answer to every question of an attempt (the option reading 乙).
fn wrong_answers(attempt: &Value) -> Value {
    let mut answers = serde_json::Map::new();
    for q in attempt["questions"].as_array().unwrap() {
        let wrong: Vec<Value> = q["options"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["text"] == "乙")
            .map(|o| o["id"].clone())
            .collect();
        answers.insert(q["id"].as_str().unwrap().to_string(), Value::Array(wrong));
    }
    Value::Object(answers)
}

async fn course_page(app: &TestApp, token: &str, course: &str) -> Value {
    app.get_as(token, &format!("/api/v1/courses/{course}"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_administrator_grants_another_attempt_once_hers_ran_out_audited() {
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let learner = app
        .enrolled_learner("13812341234", "js-nj", &["quiz-a"])
        .await;
    let her_id = {
        let me: Value = app
            .get_as(&learner, "/api/v1/me")
            .await
            .json()
            .await
            .unwrap();
        me["id"].as_str().unwrap().to_string()
    };
    let admin = app.admin("13600000001", "js-nj").await;
    let other_city = app.admin("13600000002", "js-sz").await;

    // The course page counts her attempts.
    let detail = course_page(&app, &learner, "quiz-a").await;
    assert_eq!(detail["my_quiz"]["used"], 0);
    assert_eq!(detail["my_quiz"]["left"], 3);

    // Nothing to grant while she has attempts left.
    let grant = async |token: &str, person: &str| {
        app.post_as(
            token,
            &format!("/api/v1/people/{person}/extra-attempts"),
            &json!({ "course": "quiz-a" }),
        )
        .await
    };
    let early = grant(&admin, &her_id).await;
    assert_eq!(early.status(), 409);
    assert_eq!(error_of(early).await.0, "no_grant_needed");

    for _ in 0..3 {
        let attempt = start_attempt(&app, &learner, "quiz-a").await;
        let result: Value = submit(&app, &learner, &attempt, &wrong_answers(&attempt))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(result["passed"], false);
    }
    let detail = course_page(&app, &learner, "quiz-a").await;
    assert_eq!(
        (
            detail["my_quiz"]["used"].as_i64(),
            detail["my_quiz"]["left"].as_i64()
        ),
        (Some(3), Some(0))
    );
    let refused = app
        .post_as(&learner, "/api/v1/courses/quiz-a/quiz/attempts", &json!({}))
        .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(error_of(refused).await.0, "no_attempts_left");

    // An administrator of another city cannot see or help her: not found, not forbidden.
    let outsider = grant(&other_city, &her_id).await;
    assert_eq!(outsider.status(), 404);
    // Nor can she grant herself one: she administers nothing, so she is refused before anyone
    // is looked up (403 whoever she names; issue 15).
    assert_eq!(grant(&learner, &her_id).await.status(), 403);

    // Her own union's administrator finds her by phone and grants one more.
    let found: Vec<Value> = app
        .get_as(&admin, "/api/v1/people?q=138%201234%201234")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["id"], her_id.as_str());
    let none: Vec<Value> = app
        .get_as(&other_city, "/api/v1/people?q=13812341234")
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty(), "another city's administrator finds nobody");
    // By name too (a part of it), and by the last four digits.
    let by_name: Vec<Value> = app
        .get_as(&admin, "/api/v1/people?q=%E7%A7%80")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        by_name.iter().any(|p| p["id"] == her_id.as_str()),
        "{by_name:?}"
    );
    let by_tail: Vec<Value> = app
        .get_as(&admin, "/api/v1/people?q=1234")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        by_tail.iter().any(|p| p["id"] == her_id.as_str()),
        "{by_tail:?}"
    );
    let granted = grant(&admin, &her_id).await;
    assert_eq!(granted.status(), 201);
    let standing: Value = granted.json().await.unwrap();
    assert_eq!(
        (
            standing["allowed"].as_i64(),
            standing["left"].as_i64(),
            standing["granted"].as_i64()
        ),
        (Some(4), Some(1), Some(1))
    );

    // She may try once more, and passes; then there is nothing more to grant.
    app.post_as(
        &learner,
        "/api/v1/courses/quiz-a/lessons/one/complete",
        &json!({}),
    )
    .await;
    let attempt = start_attempt(&app, &learner, "quiz-a").await;
    let result: Value = submit(&app, &learner, &attempt, &right_answers(&attempt))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(result["passed"], true, "{result}");
    assert_eq!(grant(&admin, &her_id).await.status(), 409);

    // The audit log names who granted what.
    let person: Value = app
        .get_as(&admin, &format!("/api/v1/people/{her_id}"))
        .await
        .json()
        .await
        .unwrap();
    let audit = person["audit"].as_array().unwrap();
    assert_eq!(audit.len(), 1, "{person}");
    assert_eq!(audit[0]["action"], "grant_attempt");
    assert!(audit[0]["detail"].as_str().unwrap().contains("quiz-a"));
    let quiz = &person["courses"][0]["quiz"];
    assert_eq!(
        (quiz["passed"].as_bool(), quiz["used"].as_i64()),
        (Some(true), Some(4))
    );
}

#[tokio::test]
async fn an_administrator_hands_her_a_one_time_password_link_in_her_subtree_only() {
    let app = TestApp::spawn().await;
    let her = app.register("13812341234", "js-nj").await;
    let her_id = her["id"].as_str().unwrap();
    let admin = app.admin("13600000001", "js-nj").await;
    let province = app.admin("13600000003", "js").await;
    let other_city = app.admin("13600000002", "js-sz").await;
    let issue = async |token: &str| {
        app.post_as(
            token,
            &format!("/api/v1/people/{her_id}/reset-links"),
            &json!({}),
        )
        .await
    };
    assert_eq!(
        issue(&other_city).await.status(),
        404,
        "outside her subtree"
    );

    let first: Value = issue(&admin).await.json().await.unwrap();
    let second = issue(&province).await;
    assert_eq!(second.status(), 201, "the province is above her union");
    let second: Value = second.json().await.unwrap();
    assert!(second["qr_svg"].as_str().unwrap().contains("<svg"));
    let token_of = |link: &Value| {
        link["url"]
            .as_str()
            .unwrap()
            .split("token=")
            .nth(1)
            .unwrap()
            .to_string()
    };
    let confirm = async |token: &str, password: &str| {
        app.post(
            "/api/v1/auth/password-reset/confirm",
            &json!({ "token": token, "password": password }),
        )
        .await
    };
    // Only the newest link works, and only once.
    assert_eq!(
        confirm(&token_of(&first), "brand-new-pass").await.status(),
        400
    );
    assert_eq!(
        confirm(&token_of(&second), "brand-new-pass").await.status(),
        204
    );
    let again = confirm(&token_of(&second), "another-new-pass").await;
    assert_eq!(again.status(), 400);
    assert_eq!(error_of(again).await.0, "token_invalid");
    app.login("13812341234", "brand-new-pass").await;

    // Both issues are in her audit log, newest first.
    let person: Value = app
        .get_as(&admin, &format!("/api/v1/people/{her_id}"))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = person["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["issue_reset_link", "issue_reset_link"]);
}

/// The link expires: the core's clock is moved past its 24 hours.
#[tokio::test]
async fn a_handed_over_link_expires_after_a_day() {
    use qihang_core::services::clock::Clock;
    use qihang_core::services::{accounts, people};
    let db = TestDb::create();
    let data = tempfile::tempdir().unwrap();
    let config = core_config(&db, data.path());
    let mut core = tokio::task::spawn_blocking(move || qihang_core::Core::start(config))
        .await
        .unwrap()
        .unwrap();
    core.clock = Clock::fixed(chrono::Utc::now().naive_utc());
    let her = accounts::register(
        &core,
        accounts::RegisterInput {
            name: "王秀红".into(),
            phone: "13812341234".into(),
            email: None,
            password: "long-enough-1".into(),
            gender: "female".into(),
            org: "js-nj".into(),
            consent: true,
        },
        "127.0.0.1".into(),
    )
    .await
    .unwrap();
    accounts::create_admin(
        &core,
        accounts::NewAdmin {
            phone: "13600000001".into(),
            name: "管理员".into(),
            org: "js-nj".into(),
            email: None,
            gender: "female".into(),
            password: Some("admin-password".into()),
        },
    )
    .await
    .unwrap();
    let login = accounts::login(
        &core,
        "13600000001".into(),
        "admin-password".into(),
        qihang_core::services::accounts::Client::new("127.0.0.1".into(), ""),
    )
    .await
    .unwrap();
    let admin = accounts::authenticate(&core, login.token).await.unwrap();
    let link = people::issue_reset_link(&core, &admin, her.id.clone())
        .await
        .unwrap();
    let token = link.url.split("token=").nth(1).unwrap().to_string();
    core.clock
        .advance(chrono::Duration::hours(24) + chrono::Duration::minutes(1));
    let late = accounts::set_password_with_token(&core, token, "brand-new-pass".into()).await;
    assert!(
        matches!(late, Err(qihang_core::ServiceError::TokenExpired)),
        "{late:?}"
    );
}

#[tokio::test]
async fn roles_are_granted_and_revoked_within_the_subtree_audited() {
    let app = TestApp::spawn().await;
    let her = app.register("13812341234", "js-nj").await;
    let her_id = her["id"].as_str().unwrap();
    let admin = app.admin("13600000001", "js-nj").await;
    let grant = app
        .post_as(
            &admin,
            &format!("/api/v1/people/{her_id}/roles"),
            &json!({"role": "trainer", "org": "js-nj"}),
        )
        .await;
    assert_eq!(grant.status(), 200);
    let user: Value = grant.json().await.unwrap();
    let roles = |user: &Value| -> Vec<String> {
        user["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{}@{}",
                    r["role"].as_str().unwrap(),
                    r["org"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert!(
        roles(&user).contains(&"trainer@js-nj".to_string()),
        "{user}"
    );
    // Not on a node above the administrator's own.
    let above = app
        .post_as(
            &admin,
            &format!("/api/v1/people/{her_id}/roles"),
            &json!({"role": "admin", "org": "js"}),
        )
        .await;
    assert_eq!(above.status(), 403);
    let revoke = client()
        .delete(app.url(&format!("/api/v1/people/{her_id}/roles/trainer/js-nj")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    let user: Value = revoke.json().await.unwrap();
    assert!(
        !roles(&user).contains(&"trainer@js-nj".to_string()),
        "{user}"
    );
    let person: Value = app
        .get_as(&admin, &format!("/api/v1/people/{her_id}"))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = person["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["revoke_role", "grant_role"]);
}

#[tokio::test]
async fn registration_reports_every_wrong_field_at_once() {
    let app = TestApp::spawn().await;
    let mut form = registration("123", "js-nj");
    form["password"] = json!("short");
    form["consent"] = json!(false);
    let response = app.post("/api/v1/auth/register", &form).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid");
    assert_eq!(body["error"]["field"], "phone");
    assert_eq!(
        body["error"]["fields"],
        json!(["phone", "password", "consent"])
    );

    // The page shows one line per field, in Chinese.
    let browser = cookie_client();
    let posted = browser
        .post(app.url("/_fn/register"))
        .header("Origin", app.server.base.clone())
        .header("Accept", "text/html")
        .form(&[
            ("name", "王秀红"),
            ("phone", "123"),
            ("email", ""),
            ("password", "short"),
            ("gender", "female"),
            ("org", "js-nj"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 302, "{:?}", posted.headers());
    let page = browser
        .get(app.url("/register"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in ["11 位", "至少需要 8 个字符", "个人信息保护告知书"] {
        assert!(page.contains(text), "{text} missing from the page");
    }
    assert_eq!(
        page.matches("<li data-field=").count(),
        3,
        "one line per field"
    );
}
