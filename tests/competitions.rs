//! Studios, competitions with their theory round, results and the talent pool (issue 13):
//! each eligibility rule refused with its reason; the theory round refuses starts before
//! its time and submissions after it and ranks ties by time; a city-level award puts a
//! consenting winner in the pool and an enterprise-level one does not; withdrawing consent
//! removes her from searches, the pool and its export at once; a studio leader searches only
//! her host's subtree; a learner cannot read another's profile; a sibling city's
//! administrator gets 403 on every route.

use crate::support::quiz::{app_with_quiz_courses, right_answers};
use crate::support::*;
use diesel::prelude::*;
use serde_json::{json, Value};

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "body: {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// A server with one small quiz course, `bank` (three questions; the right option is 甲),
/// teaching digital-life at level 1.
async fn app() -> (TestApp, tempfile::TempDir) {
    app_with_quiz_courses(&["bank"], |_, _| {}, ServerOptions::default()).await
}

async fn me(app: &TestApp, token: &str) -> String {
    let me = json_of(app.get_as(token, "/api/v1/me").await, 200).await;
    me["id"].as_str().unwrap().to_string()
}

/// Registers a learner (`gender`) at `org` and signs her in: (token, public id).
async fn person(app: &TestApp, phone: &str, org: &str, gender: &str) -> (String, String) {
    let mut body = registration(phone, org);
    body["gender"] = json!(gender);
    let registered = json_of(app.post("/api/v1/auth/register", &body).await, 201).await;
    let token = app.login(phone, "password-123").await;
    (token, registered["id"].as_str().unwrap().to_string())
}

/// An administrator confirms her level in digital-life.
async fn confirm(app: &TestApp, admin: &str, user: &str, level: i64) {
    json_of(
        app.post_as(
            admin,
            &format!("/api/v1/users/{user}/skills"),
            &json!({"skill": "digital-life", "level": level, "reason": "实操考核"}),
        )
        .await,
        201,
    )
    .await;
}

async fn consent(app: &TestApp, token: &str, skills_visible: bool, talent_pool: bool) {
    json_of(
        app.put_as(
            token,
            "/api/v1/me/consents",
            &json!({"skills_visible": skills_visible, "talent_pool": talent_pool}),
        )
        .await,
        200,
    )
    .await;
}

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d")
        .to_string()
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A competition held by `admin` at `org`, registration open today.
async fn competition(app: &TestApp, admin: &str, org: &str, level: &str, extra: Value) -> String {
    let mut body = json!({
        "title": format!("{org} 数字技能竞赛"),
        "org": org,
        "level": level,
        "skills": ["digital-life"],
        "eligibility": {"min_levels": {}, "women_only": false},
        "registration_opens": today(),
        "registration_closes": in_days(10),
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let created = json_of(app.post_as(admin, "/api/v1/competitions", &body).await, 201).await;
    created["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn each_eligibility_rule_is_refused_with_its_reason() {
    let (app, _folder) = app().await;
    let admin = app.admin("13600000001", "js-nj").await;
    json_of(
        app.post_as(
            &admin,
            "/api/v1/orgs",
            &json!({"parent": "js-nj", "code": "js-nj-gulou", "name": "鼓楼区总工会", "kind": "district"}),
        )
        .await,
        201,
    )
    .await;
    let id = competition(
        &app,
        &admin,
        "js-nj",
        "city",
        json!({"eligibility": {"min_levels": {"digital-life": 2}, "women_only": true, "org": "js-nj-gulou"}}),
    )
    .await;
    let path = format!("/api/v1/competitions/{id}/registrations");

    // A woman of 鼓楼 at level 1: the level rule, naming the skill and the level.
    let (low, low_id) = person(&app, "13800000001", "js-nj-gulou", "female").await;
    confirm(&app, &admin, &low_id, 1).await;
    let refused = app.post_as(&low, &path, &json!({})).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_eligible", "{body}");
    assert_eq!(
        body["error"]["reasons"].as_array().unwrap().len(),
        1,
        "{body}"
    );
    let reason = &body["error"]["reasons"][0];
    assert_eq!(
        (
            &reason["rule"],
            &reason["skill"],
            &reason["level"],
            &reason["have"]
        ),
        (
            &json!("min_level"),
            &json!("digital-life"),
            &json!(2),
            &json!(1)
        )
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("digital-life needs level 2"), "{message}");
    assert!(
        reason["message_zh"]
            .as_str()
            .unwrap()
            .contains("「数字生活」需要达到 2 级"),
        "{reason}"
    );
    // The page's view says the same before she tries.
    let seen = json_of(
        app.get_as(&low, &format!("/api/v1/competitions/{id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(seen["misses"][0]["rule"], "min_level");

    // A man of 鼓楼 at level 2: women only.
    let (man, man_id) = person(&app, "13800000002", "js-nj-gulou", "male").await;
    confirm(&app, &admin, &man_id, 2).await;
    let body = json_of(app.post_as(&man, &path, &json!({})).await, 422).await;
    let rules: Vec<&str> = body["error"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["women_only"]);

    // A woman of 南京 outside 鼓楼 at level 2: the union rule.
    let (outside, outside_id) = person(&app, "13800000003", "js-nj", "female").await;
    confirm(&app, &admin, &outside_id, 2).await;
    let body = json_of(app.post_as(&outside, &path, &json!({})).await, 422).await;
    assert_eq!(body["error"]["reasons"][0]["rule"], "org", "{body}");
    assert!(body["error"]["reasons"][0]["message_zh"]
        .as_str()
        .unwrap()
        .contains("鼓楼区总工会"));

    // Account age: a competition asking 30 days refuses today's account, naming both.
    let aged = competition(
        &app,
        &admin,
        "js-nj",
        "city",
        json!({"eligibility": {"min_levels": {}, "women_only": false, "min_account_days": 30}}),
    )
    .await;
    let body = json_of(
        app.post_as(
            &outside,
            &format!("/api/v1/competitions/{aged}/registrations"),
            &json!({}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        (
            &body["error"]["reasons"][0]["rule"],
            &body["error"]["reasons"][0]["level"],
            &body["error"]["reasons"][0]["have"]
        ),
        (&json!("account_age"), &json!(30), &json!(0))
    );

    // A woman of 鼓楼 at level 2 meets every rule: 201, then 200 again, counted once.
    let (ok, ok_id) = person(&app, "13800000004", "js-nj-gulou", "female").await;
    confirm(&app, &admin, &ok_id, 2).await;
    let first = json_of(app.post_as(&ok, &path, &json!({})).await, 201).await;
    assert_eq!(first["registered"], true);
    let again = json_of(app.post_as(&ok, &path, &json!({})).await, 200).await;
    assert_eq!(again["registrations"], 1);

    // Registration closed: a competition opening tomorrow says when.
    let later = competition(
        &app,
        &admin,
        "js-nj",
        "enterprise",
        json!({"registration_opens": in_days(1), "registration_closes": in_days(3)}),
    )
    .await;
    let (code, _, message) = error_of(
        app.post_as(
            &ok,
            &format!("/api/v1/competitions/{later}/registrations"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(code, "registration_closed");
    assert!(message.contains(&in_days(1)), "{message}");

    // Levels above the holder's node are refused: an enterprise-level node cannot hold a
    // city-level competition, a city a province-level one.
    let (code, field, _) = error_of(
        app.post_as(
            &admin,
            "/api/v1/competitions",
            &json!({"title": "x", "org": "js-nj", "level": "province", "skills": ["digital-life"],
                    "registration_opens": today(), "registration_closes": today()}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("level"))
    );
}

/// Registers `n` women of js-nj for `competition`: their tokens.
async fn registrants(app: &TestApp, competition: &str, phones: &[&str]) -> Vec<String> {
    let mut tokens = Vec::new();
    for phone in phones {
        let (token, _) = person(app, phone, "js-nj", "female").await;
        json_of(
            app.post_as(
                &token,
                &format!("/api/v1/competitions/{competition}/registrations"),
                &json!({}),
            )
            .await,
            201,
        )
        .await;
        tokens.push(token);
    }
    tokens
}

#[tokio::test]
async fn the_theory_round_refuses_early_starts_and_late_submissions_and_ranks_ties_by_time() {
    let (app, _folder) = app().await;
    let admin = app.admin("13600000001", "js-nj").await;
    let at = |seconds: i64| (chrono::Utc::now() + chrono::Duration::seconds(seconds)).to_rfc3339();

    // Not yet: the round starts in an hour.
    let upcoming = competition(
        &app,
        &admin,
        "js-nj",
        "city",
        json!({"theory": {"bank": "bank", "starts_at": at(3600), "minutes": 30, "draw": 2}}),
    )
    .await;
    let early = registrants(&app, &upcoming, &["13800000011"]).await;
    let (code, _, message) = error_of(
        app.post_as(
            &early[0],
            &format!("/api/v1/competitions/{upcoming}/theory/attempts"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(code, "round_not_started");
    assert!(message.contains("China time"), "{message}");

    // A round of one minute that started 45 seconds ago: 15 seconds left.
    let running = competition(
        &app,
        &admin,
        "js-nj",
        "city",
        json!({"theory": {"bank": "bank", "starts_at": at(-45), "minutes": 1, "draw": 2}}),
    )
    .await;
    let women = registrants(
        &app,
        &running,
        &["13800000021", "13800000022", "13800000023", "13800000024"],
    )
    .await;
    let start = |token: String| {
        let app = &app;
        let running = running.clone();
        async move {
            app.post_as(
                &token,
                &format!("/api/v1/competitions/{running}/theory/attempts"),
                &json!({}),
            )
            .await
        }
    };
    // Someone not registered may not start.
    let (stranger, _) = person(&app, "13800000029", "js-nj", "female").await;
    let (code, _, _) = error_of(start(stranger).await).await;
    assert_eq!(code, "not_registered");

    let first = json_of(start(women[0].clone()).await, 201).await;
    // No keys leave the server; starting again returns the same attempt.
    assert!(!first.to_string().contains("\"answer\""), "{first}");
    let again = json_of(start(women[0].clone()).await, 200).await;
    assert_eq!(again["id"], first["id"]);
    let second = json_of(start(women[1].clone()).await, 201).await;
    let third = json_of(start(women[2].clone()).await, 201).await;

    let submit = |token: &str, attempt: &Value, answers: Value| {
        let path = format!(
            "/api/v1/theory-attempts/{}/submit",
            attempt["id"].as_str().unwrap()
        );
        let token = token.to_string();
        let app = &app;
        async move {
            app.post_as(&token, &path, &json!({"answers": answers}))
                .await
        }
    };
    // The first and second answer everything right, the second 1.5 s later; the third saves
    // one right answer and never submits.
    let one = json_of(submit(&women[0], &first, right_answers(&first)).await, 200).await;
    assert_eq!(one["score"], 100);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let two = json_of(
        submit(&women[1], &second, right_answers(&second)).await,
        200,
    )
    .await;
    assert_eq!(two["score"], 100);
    assert!(
        two["seconds"].as_i64() > one["seconds"].as_i64(),
        "{one} {two}"
    );
    // A repeat returns the stored result.
    let repeat = json_of(submit(&women[0], &first, json!({})).await, 200).await;
    assert_eq!(repeat, one);
    let q = third["questions"][0]["id"].as_str().unwrap().to_string();
    let right = right_answers(&third)[&q].clone();
    json_of(
        app.put_as(
            &women[2],
            &format!(
                "/api/v1/theory-attempts/{}/answers",
                third["id"].as_str().unwrap()
            ),
            &json!({"answers": {q.clone(): right}}),
        )
        .await,
        200,
    )
    .await;

    // The round ends (15 s after it was created, at most).
    tokio::time::sleep(std::time::Duration::from_secs(16)).await;
    let (code, _, _) = error_of(
        app.put_as(
            &women[2],
            &format!(
                "/api/v1/theory-attempts/{}/answers",
                third["id"].as_str().unwrap()
            ),
            &json!({"answers": {}}),
        )
        .await,
    )
    .await;
    assert_eq!(code, "deadline_passed");
    let late = submit(&women[2], &third, right_answers(&third)).await;
    assert_eq!(late.status(), 409);
    let (code, _, _) = error_of(late).await;
    assert_eq!(code, "deadline_passed");
    let (code, _, _) = error_of(start(women[3].clone()).await).await;
    assert_eq!(code, "round_over");

    // By score, then by time: the first, the second, then the third graded on what she
    // saved in time (one of two right: 50).
    let ranking = json_of(
        app.get_as(&admin, &format!("/api/v1/competitions/{running}/ranking"))
            .await,
        200,
    )
    .await;
    let scores: Vec<(i64, i64)> = ranking
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rank"].as_i64().unwrap(), r["score"].as_i64().unwrap()))
        .collect();
    assert_eq!(scores, [(1, 100), (2, 100), (3, 50)], "{ranking}");
    assert_eq!(ranking[0]["user"], me(&app, &women[0]).await);
    assert_eq!(ranking[1]["user"], me(&app, &women[1]).await);
    // A registrant sees the ranking with the others' names masked.
    let seen = json_of(
        app.get_as(
            &women[3],
            &format!("/api/v1/competitions/{running}/ranking"),
        )
        .await,
        200,
    )
    .await;
    assert!(seen[0]["name"].as_str().unwrap().contains('*'), "{seen}");
}

#[tokio::test]
async fn a_city_award_puts_a_consenting_winner_in_the_pool_and_withdrawal_removes_her_at_once() {
    let (app, _folder) = app().await;
    let admin = app.admin("13600000001", "js-nj").await;
    let city = competition(&app, &admin, "js-nj", "city", json!({})).await;
    let company = competition(&app, &admin, "js-nj", "enterprise", json!({})).await;
    let (winner, winner_id) = person(&app, "13800000031", "js-nj", "female").await;
    let (local, local_id) = person(&app, "13800000032", "js-nj", "female").await;
    for token in [&winner, &local] {
        consent(&app, token, true, true).await;
    }
    for (token, id) in [(&winner, &city), (&local, &company)] {
        json_of(
            app.post_as(
                token,
                &format!("/api/v1/competitions/{id}/registrations"),
                &json!({}),
            )
            .await,
            201,
        )
        .await;
    }
    // Only registrants get results.
    let (code, field, _) = error_of(
        app.post_as(
            &admin,
            &format!("/api/v1/competitions/{city}/results"),
            &json!({"results": [{"user": local_id, "rank": 1, "score": 90, "award": "一等奖"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("results"))
    );
    let entered = json_of(
        app.post_as(
            &admin,
            &format!("/api/v1/competitions/{city}/results"),
            &json!({"results": [{"user": winner_id, "rank": 1, "score": 96, "award": "一等奖"}]}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(entered[0]["award"], "一等奖");
    json_of(
        app.post_as(
            &admin,
            &format!("/api/v1/competitions/{company}/results"),
            &json!({"results": [{"user": local_id, "rank": 1, "score": 99, "award": "一等奖"}]}),
        )
        .await,
        201,
    )
    .await;

    // The result is skill evidence: an award at level 1 asked → level 2, with the award.
    let skills = json_of(app.get_as(&winner, "/api/v1/me/skills").await, 200).await;
    assert_eq!(skills[0]["level"], 2, "{skills}");
    assert_eq!(skills[0]["evidence"][0]["source"], "competition");
    assert_eq!(skills[0]["evidence"][0]["award"], "一等奖");
    assert_eq!(skills[0]["evidence"][0]["competition"], json!(city));
    // Corrected (no award now): the level falls back, the counts of women per level follow.
    json_of(
        app.post_as(
            &admin,
            &format!("/api/v1/competitions/{city}/results"),
            &json!({"results": [{"user": winner_id, "rank": 2, "score": 80}]}),
        )
        .await,
        201,
    )
    .await;
    skills_verify(&app.db);
    let corrected = json_of(app.get_as(&winner, "/api/v1/me/skills").await, 200).await;
    assert_eq!(corrected[0]["level"], 1, "{corrected}");
    json_of(
        app.post_as(
            &admin,
            &format!("/api/v1/competitions/{city}/results"),
            &json!({"results": [{"user": winner_id, "rank": 1, "score": 96, "award": "一等奖"}]}),
        )
        .await,
        201,
    )
    .await;
    skills_verify(&app.db);

    // The pool: the city winner, not the company one.
    let pool = json_of(app.get_as(&admin, "/api/v1/talent-pool").await, 200).await;
    let users: Vec<&str> = pool
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, [winner_id.as_str()], "{pool}");
    assert_eq!(pool[0]["honours"], true);
    assert_eq!(pool[0]["awards"][0]["level"], "city");
    assert_eq!(pool[0]["org"], "js-nj");
    let filtered = json_of(
        app.get_as(&admin, "/api/v1/talent-pool?skill=digital-life&min_level=3")
            .await,
        200,
    )
    .await;
    assert_eq!(filtered, json!([]));
    let csv = app.get_as(&admin, "/api/v1/talent-pool.csv").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert!(text.contains(&winner_id), "{text}");
    assert!(!text.contains(&local_id));
    let xlsx = app.get_as(&admin, "/api/v1/talent-pool.xlsx").await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let audited: i64 = {
        use qihang_core::db::schema::export_audit;
        export_audit::table
            .filter(export_audit::what.eq("talent_pool"))
            .count()
            .get_result(&mut app.db.connect())
            .unwrap()
    };
    assert_eq!(audited, 2);

    // She withdraws: gone from the pool, its export and the leader's search at once.
    let studio = json_of(
        app.post_as(
            &admin,
            "/api/v1/studios",
            &json!({"name": "巾帼数字创新工作室", "org": "js-nj", "leader": me(&app, &admin).await, "skills": ["digital-life"]}),
        )
        .await,
        201,
    )
    .await;
    let candidates = format!(
        "/api/v1/studios/{}/candidates?skill=digital-life&min_level=1",
        studio["id"].as_str().unwrap()
    );
    let found = json_of(app.get_as(&admin, &candidates).await, 200).await;
    assert!(found.to_string().contains(&winner_id), "{found}");
    consent(&app, &winner, false, false).await;
    assert_eq!(
        json_of(app.get_as(&admin, "/api/v1/talent-pool").await, 200).await,
        json!([])
    );
    let text = app
        .get_as(&admin, "/api/v1/talent-pool.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains(&winner_id), "{text}");
    let found = json_of(app.get_as(&admin, &candidates).await, 200).await;
    assert!(!found.to_string().contains(&winner_id), "{found}");
    let _ = local;
}

#[tokio::test]
async fn a_studio_leader_searches_only_her_host_subtree_and_runs_her_studio() {
    let (app, _folder) = app().await;
    let nj_admin = app.admin("13600000001", "js-nj").await;
    let sz_admin = app.admin("13600000002", "js-sz").await;
    let (leader, leader_id) = person(&app, "13800000041", "js-nj", "female").await;
    let studio = json_of(
        app.post_as(
            &nj_admin,
            "/api/v1/studios",
            &json!({"name": "南京巾帼工匠创新工作室", "org": "js-nj", "leader": leader_id,
                    "skills": ["digital-life"], "description": "数字化改造"}),
        )
        .await,
        201,
    )
    .await;
    let id = studio["id"].as_str().unwrap().to_string();
    assert_eq!(studio["members"], 1);
    assert_eq!(studio["leader"]["id"], json!(leader_id));
    // A leader from another city is refused by field.
    let (_, sz_woman_id) = person(&app, "13800000042", "js-sz", "female").await;
    let (code, field, _) = error_of(
        app.post_as(
            &nj_admin,
            "/api/v1/studios",
            &json!({"name": "x工作室", "org": "js-nj", "leader": sz_woman_id, "skills": ["digital-life"]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (code.as_str(), field.as_deref()),
        ("invalid", Some("leader"))
    );

    // Consenting women at level 2: one in 南京, one in 苏州; only 南京's is found.
    let (nj_woman, nj_woman_id) = person(&app, "13800000043", "js-nj", "female").await;
    let sz_woman = app.login("13800000042", "password-123").await;
    confirm(&app, &nj_admin, &nj_woman_id, 2).await;
    confirm(&app, &sz_admin, &sz_woman_id, 2).await;
    consent(&app, &nj_woman, true, false).await;
    consent(&app, &sz_woman, true, false).await;
    let found = json_of(
        app.get_as(
            &leader,
            &format!("/api/v1/studios/{id}/candidates?skill=digital-life&min_level=2"),
        )
        .await,
        200,
    )
    .await;
    let users: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, [nj_woman_id.as_str()], "{found}");
    assert_eq!(found[0]["level"], 2);
    // A member who is not the leader cannot search.
    let (code, _, _) = error_of(
        app.get_as(
            &nj_woman,
            &format!("/api/v1/studios/{id}/candidates?skill=digital-life"),
        )
        .await,
    )
    .await;
    assert_eq!(code, "forbidden");

    // The leader invites her; she accepts; her level shows (she consents).
    json_of(
        app.post_as(
            &leader,
            &format!("/api/v1/studios/{id}/members"),
            &json!({"user": nj_woman_id}),
        )
        .await,
        201,
    )
    .await;
    let page = json_of(
        app.post_as(&nj_woman, &format!("/api/v1/studios/{id}/join"), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(page["studio"]["my_status"], "member");
    assert_eq!(page["studio"]["members"], 2);
    let member = page["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["user"] == json!(nj_woman_id))
        .unwrap();
    assert_eq!(member["levels"][0]["level"], 2, "{member}");
    // A 苏州 woman cannot join a 南京 studio (she does not even see it).
    let (code, _, _) = error_of(
        app.post_as(&sz_woman, &format!("/api/v1/studios/{id}/join"), &json!({}))
            .await,
    )
    .await;
    assert_eq!(code, "forbidden");
    // Inviting someone outside the host's subtree is refused by field.
    let (code, field, _) = error_of(
        app.post_as(
            &leader,
            &format!("/api/v1/studios/{id}/members"),
            &json!({"user": sz_woman_id}),
        )
        .await,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("user")));

    // Achievements: dated, newest first; a bad kind names its field.
    for (date, title) in [
        ("2026-03-08", "数控编程操作法"),
        ("2026-10-01", "质检小程序"),
    ] {
        json_of(
            app.post_as(
                &leader,
                &format!("/api/v1/studios/{id}/achievements"),
                &json!({"date": date, "kind": "technique", "title": title}),
            )
            .await,
            201,
        )
        .await;
    }
    let (code, field, _) = error_of(
        app.post_as(
            &leader,
            &format!("/api/v1/studios/{id}/achievements"),
            &json!({"date": "2026-10-01", "kind": "prize", "title": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!((code.as_str(), field.as_deref()), ("invalid", Some("kind")));
    let page = json_of(
        app.get_as(&nj_admin, &format!("/api/v1/studios/{id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(page["achievements"][0]["title"], "质检小程序");
    assert_eq!(page["studio"]["achievements"], 2);

    // A learner cannot read another's profile.
    let (code, _, _) = error_of(
        app.get_as(&nj_woman, &format!("/api/v1/users/{leader_id}/skills"))
            .await,
    )
    .await;
    assert_eq!(code, "forbidden");
    // The dashboard's figures count the studio and the women per level.
    let figures = json_of(
        app.get_as(&nj_admin, "/api/v1/orgs/js-nj/skills").await,
        200,
    )
    .await;
    assert_eq!(figures["studios"], 1);
    assert_eq!(figures["studio_goal"], 100);
    let digital = figures["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["skill"] == "digital-life")
        .unwrap();
    assert_eq!(digital["women"], json!([0, 1, 0]), "{figures}");
}

#[tokio::test]
async fn a_sibling_citys_administrator_gets_403_on_every_route() {
    let (app, _folder) = app().await;
    let nj_admin = app.admin("13600000001", "js-nj").await;
    let sz_admin = app.admin("13600000002", "js-sz").await;
    let (learner, learner_id) = person(&app, "13800000051", "js-nj", "female").await;
    let studio = json_of(
        app.post_as(
            &nj_admin,
            "/api/v1/studios",
            &json!({"name": "南京创新工作室", "org": "js-nj", "leader": me(&app, &nj_admin).await, "skills": ["digital-life"]}),
        )
        .await,
        201,
    )
    .await;
    let studio = studio["id"].as_str().unwrap();
    let at = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
    let contest = competition(
        &app,
        &nj_admin,
        "js-nj",
        "city",
        json!({"theory": {"bank": "bank", "starts_at": at, "minutes": 30, "draw": 2}}),
    )
    .await;
    json_of(
        app.post_as(
            &learner,
            &format!("/api/v1/competitions/{contest}/registrations"),
            &json!({}),
        )
        .await,
        201,
    )
    .await;
    let gets = [
        format!("/api/v1/studios/{studio}"),
        "/api/v1/studios?org=js-nj".to_string(),
        format!("/api/v1/studios/{studio}/candidates?skill=digital-life"),
        format!("/api/v1/competitions/{contest}"),
        "/api/v1/competitions?org=js-nj".to_string(),
        format!("/api/v1/competitions/{contest}/ranking"),
        format!("/api/v1/competitions/{contest}/results"),
        "/api/v1/talent-pool?org=js-nj".to_string(),
        "/api/v1/talent-pool.csv?org=js-nj".to_string(),
        "/api/v1/talent-pool.xlsx?org=js-nj".to_string(),
        "/api/v1/orgs/js-nj/skills".to_string(),
        format!("/api/v1/users/{learner_id}/skills"),
    ];
    for path in &gets {
        let response = app.get_as(&sz_admin, path).await;
        assert_eq!(response.status(), 403, "GET {path}");
    }
    let posts = [
        (
            "/api/v1/studios".to_string(),
            json!({"name": "x工作室", "org": "js-nj", "leader": learner_id, "skills": ["digital-life"]}),
        ),
        (
            format!("/api/v1/studios/{studio}/members"),
            json!({"user": learner_id}),
        ),
        (format!("/api/v1/studios/{studio}/join"), json!({})),
        (
            format!("/api/v1/studios/{studio}/achievements"),
            json!({"date": "2026-10-01", "kind": "patent", "title": "x"}),
        ),
        (
            "/api/v1/competitions".to_string(),
            json!({"title": "x", "org": "js-nj", "level": "city", "skills": ["digital-life"],
                   "registration_opens": today(), "registration_closes": today()}),
        ),
        (
            format!("/api/v1/competitions/{contest}/registrations"),
            json!({}),
        ),
        (
            format!("/api/v1/competitions/{contest}/theory/attempts"),
            json!({}),
        ),
        (
            format!("/api/v1/competitions/{contest}/results"),
            json!({"results": [{"user": learner_id, "rank": 1}]}),
        ),
        (
            format!("/api/v1/users/{learner_id}/skills"),
            json!({"skill": "digital-life", "level": 3, "reason": "x"}),
        ),
    ];
    for (path, body) in &posts {
        let response = app.post_as(&sz_admin, path, body).await;
        assert_eq!(response.status(), 403, "POST {path}");
    }
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/studios/{studio}/members/{learner_id}")))
        .bearer_auth(&sz_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Her own learner's theory attempt is hers alone: another woman gets 404.
    let attempt = json_of(
        app.post_as(
            &learner,
            &format!("/api/v1/competitions/{contest}/theory/attempts"),
            &json!({}),
        )
        .await,
        201,
    )
    .await;
    let response = app
        .get_as(
            &sz_admin,
            &format!(
                "/api/v1/theory-attempts/{}",
                attempt["id"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(response.status(), 404);
}
