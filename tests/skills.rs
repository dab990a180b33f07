//! Skill records and consents (issue 13, first part): a completion grants the levels its
//! course teaches, in the completing transaction; the highest level wins; back-fill by
//! `qihang skills rebuild` matches, and `skills verify` says so; a revoked certificate
//! withdraws its levels visibly; only she, administrators of her union's subtree, and
//! trainers there with her consent see her profile.

use crate::support::*;
use diesel::prelude::*;
use serde_json::{json, Value};

/// The bundled courses: `smart-manufacturing` (offline, attendance) teaches
/// smart-manufacturing at level 1 and data-analysis at level 2.
async fn app() -> TestApp {
    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses");
    TestApp::spawn_with(
        ServerOptions::default().env("QIHANG_COURSES_DIR", courses.display().to_string()),
    )
    .await
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Completes smart-manufacturing for `learner` by checking in to a class open now.
async fn complete_by_class(app: &TestApp, trainer: &str, learner: &str) {
    let at = |m: i64| (chrono::Utc::now() + chrono::Duration::minutes(m)).to_rfc3339();
    let class = json_of(
        app.post_as(
            trainer,
            "/api/v1/courses/smart-manufacturing/sessions",
            &json!({"location": "南京市工人文化宫", "starts_at": at(-5), "ends_at": at(60)}),
        )
        .await,
        201,
    )
    .await;
    let id = class["id"].as_str().unwrap();
    // The code of now; a window boundary in between is absorbed by the previous window.
    let code = json_of(
        app.get_as(trainer, &format!("/api/v1/sessions/{id}/code"))
            .await,
        200,
    )
    .await;
    let done = json_of(
        app.post_as(
            learner,
            &format!("/api/v1/sessions/{id}/checkin"),
            &json!({"code": code["code"]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["completed"], true, "{done}");
}

fn level_of(profile: &Value, skill: &str) -> i64 {
    profile
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skill"] == skill)
        .unwrap_or_else(|| panic!("no {skill} in {profile}"))["level"]
        .as_i64()
        .unwrap()
}

fn cli(app: &TestApp, command: &str) -> std::process::Output {
    qihang_command()
        .args(["--database-url", &app.db.url, "skills", command])
        .env("QIHANG_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_completion_grants_its_levels_the_highest_wins_and_back_fill_matches() {
    let app = app().await;
    let trainer = app.admin("13600000001", "js-nj").await;
    let her = app.register("13812341234", "js-nj").await;
    let her_id = her["id"].as_str().unwrap().to_string();
    let learner = app.login("13812341234", "password-123").await;
    assert_eq!(
        json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await,
        json!([])
    );

    complete_by_class(&app, &trainer, &learner).await;
    let profile = json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await;
    assert_eq!(level_of(&profile, "smart-manufacturing"), 1);
    assert_eq!(level_of(&profile, "data-analysis"), 2);
    let data = profile
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skill"] == "data-analysis")
        .unwrap();
    assert_eq!(data["level_name"], "中级");
    assert_eq!(data["evidence"][0]["source"], "course");
    assert_eq!(data["evidence"][0]["course"], "smart-manufacturing");
    // The course that takes her higher: one teaching data-analysis above level 2.
    assert_eq!(data["next_course"]["id"], "data-visualisation", "{data}");

    // A confirmation below her level changes nothing; above it, it wins.
    let path = format!("/api/v1/users/{her_id}/skills");
    let lower = json_of(
        app.post_as(
            &trainer,
            &path,
            &json!({"skill": "data-analysis", "level": 1, "reason": "车间实操考核"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(level_of(&lower, "data-analysis"), 2);
    let higher = json_of(
        app.post_as(
            &trainer,
            &path,
            &json!({"skill": "data-analysis", "level": 3, "reason": "质量数据分析实操优秀"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(level_of(&higher, "data-analysis"), 3);
    let evidence = &higher
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["skill"] == "data-analysis")
        .unwrap()["evidence"][0];
    assert_eq!(evidence["source"], "confirmation");
    assert_eq!(evidence["confirmed_by"], "李管理");
    assert_eq!(evidence["reason"], "质量数据分析实操优秀");
    // A level the skill does not have, a skill that does not exist, no reason: refused by field.
    for (body, field) in [
        (
            json!({"skill": "data-analysis", "level": 4, "reason": "x"}),
            "level",
        ),
        (
            json!({"skill": "no-such-skill", "level": 1, "reason": "x"}),
            "skill",
        ),
        (
            json!({"skill": "data-analysis", "level": 1, "reason": " "}),
            "reason",
        ),
    ] {
        let (code, got, _) = error_of(app.post_as(&trainer, &path, &body).await).await;
        assert_eq!((code.as_str(), got.as_deref()), ("invalid", Some(field)));
    }

    // Back-fill: the course records removed (as before skill records existed), verify names
    // them and fails; rebuild restores exactly them; verify then passes.
    assert!(cli(&app, "verify").status.success());
    let mut conn = app.db.connect();
    {
        use qihang_core::db::schema::skill_records;
        diesel::delete(skill_records::table.filter(skill_records::source.eq("course")))
            .execute(&mut conn)
            .unwrap();
    }
    let failed = cli(&app, "verify");
    assert!(!failed.status.success());
    let said = String::from_utf8_lossy(&failed.stdout);
    assert!(
        said.contains("no record of smart-manufacturing level 1"),
        "{said}"
    );
    assert!(said.contains("2 missing or wrong"), "{said}");
    let rebuilt = cli(&app, "rebuild");
    assert!(rebuilt.status.success());
    assert!(String::from_utf8_lossy(&rebuilt.stdout).contains("added 2 skill records"));
    assert!(cli(&app, "verify").status.success());
    assert!(String::from_utf8_lossy(&cli(&app, "rebuild").stdout).contains("added 0 skill records"));
    assert_eq!(
        json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await,
        json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await
    );
    let after = json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await;
    assert_eq!(level_of(&after, "smart-manufacturing"), 1);
    assert_eq!(level_of(&after, "data-analysis"), 3);
}

#[tokio::test]
async fn a_revoked_certificate_withdraws_its_levels_visibly() {
    let app = app().await;
    let trainer = app.admin("13600000001", "js-nj").await;
    app.register("13812341234", "js-nj").await;
    let learner = app.login("13812341234", "password-123").await;
    complete_by_class(&app, &trainer, &learner).await;
    let certificates = json_of(app.get_as(&learner, "/api/v1/me/certificates").await, 200).await;
    let serial = certificates[0]["serial"].as_str().unwrap().to_string();
    let revoked = app
        .post_as(
            &trainer,
            &format!("/api/v1/certificates/{serial}/revoke"),
            &json!({"reason": "签到记录有误"}),
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let profile = json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await;
    assert_eq!(level_of(&profile, "smart-manufacturing"), 0);
    assert_eq!(level_of(&profile, "data-analysis"), 0);
    let evidence = &profile.as_array().unwrap()[0]["evidence"][0];
    assert_eq!(evidence["withdrawn"], true, "{profile}");
    assert!(
        evidence["withdrawn_reason"]
            .as_str()
            .unwrap()
            .contains("签到记录有误"),
        "{evidence}"
    );
    // The counts of women per level followed the withdrawal by themselves.
    skills_verify(&app.db);
    // The rebuild keeps it withdrawn, and verify agrees.
    assert!(cli(&app, "rebuild").status.success());
    assert!(cli(&app, "verify").status.success());
    let again = json_of(app.get_as(&learner, "/api/v1/me/skills").await, 200).await;
    assert_eq!(level_of(&again, "data-analysis"), 0);
}

#[tokio::test]
async fn profiles_are_seen_only_by_her_her_admins_and_consented_trainers() {
    let app = app().await;
    let admin = app.admin("13600000001", "js-nj").await;
    let sibling = app.admin("13600000002", "js-wx").await;
    let her = app.register("13812341234", "js-nj").await;
    let her_id = her["id"].as_str().unwrap().to_string();
    let learner = app.login("13812341234", "password-123").await;
    complete_by_class(&app, &admin, &learner).await;
    app.register("13812340002", "js-nj").await;
    let other = app.login("13812340002", "password-123").await;
    app.register("13912340003", "js-nj").await;
    let granted = app
        .post_as(
            &admin,
            "/api/v1/roles",
            &json!({"phone": "13912340003", "role": "trainer", "org": "js-nj"}),
        )
        .await;
    assert_eq!(granted.status(), 200);
    let trainer = app.login("13912340003", "password-123").await;
    let path = format!("/api/v1/users/{her_id}/skills");

    // Consents start off.
    let consents = json_of(app.get_as(&learner, "/api/v1/me/consents").await, 200).await;
    assert_eq!(
        (
            consents["skills_visible"].clone(),
            consents["talent_pool"].clone()
        ),
        (json!(false), json!(false))
    );

    // Her union's administrator sees her skills without consent; the sibling city's admin,
    // another learner and a trainer without her consent get 403, reading or confirming.
    assert_eq!(app.get_as(&admin, &path).await.status(), 200);
    let confirm = json!({"skill": "digital-life", "level": 1, "reason": "x"});
    for token in [&sibling, &other, &trainer] {
        assert_eq!(app.get_as(token, &path).await.status(), 403);
    }
    for token in [&sibling, &other] {
        assert_eq!(app.post_as(token, &path, &confirm).await.status(), 403);
    }
    assert_eq!(
        app.get_as(&sibling, "/api/v1/users/no-such-person/skills")
            .await
            .status(),
        404
    );

    // She consents: the trainer of her union sees her profile; she withdraws: at once 403.
    let on = json_of(
        app.put_as(
            &learner,
            "/api/v1/me/consents",
            &json!({"skills_visible": true, "talent_pool": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(on["skills_visible"], true);
    assert!(on["updated_at"].is_string());
    let seen = json_of(app.get_as(&trainer, &path).await, 200).await;
    assert_eq!(level_of(&seen, "data-analysis"), 2);
    assert_eq!(app.get_as(&sibling, &path).await.status(), 403);
    app.put_as(
        &learner,
        "/api/v1/me/consents",
        &json!({"skills_visible": false, "talent_pool": false}),
    )
    .await;
    assert_eq!(app.get_as(&trainer, &path).await.status(), 403);
    // A trainer of her union may still confirm a level after an assessment.
    assert_eq!(app.post_as(&trainer, &path, &confirm).await.status(), 201);
}
