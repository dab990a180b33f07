//! The permission matrix of the REST API (issue 15.2): every route the server registers (read
//! from the route table in `server/src/http/*.rs`, so a route added without an entry here
//! fails) × six callers around one union, Wuxi (`js-wx`): anonymous, a learner of it, its
//! trainer, its administrator, the administrator of a sibling city (Suzhou, `js-sz`) and the
//! administrator of its parent (the province, `js`). Each cell's status is asserted against
//! the route's audience; every answer to a Wuxi caller is searched for a Suzhou woman's name
//! and phone, which must never appear; and writes carry a body that is not valid (`{}`), so a
//! refusal can only come from the caller's right, decided before the body.

use std::collections::BTreeSet;

use crate::support::quiz::{app_with_quiz_courses, right_answers, start_attempt, submit};
use crate::support::*;
use serde_json::{json, Value};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Audience {
    /// Everyone, signed in or not.
    Public,
    /// Anyone signed in (her own things).
    SignedIn,
    /// Trainers and administrators anywhere (their own lists, their uploads).
    StaffAnywhere,
    /// Administrators anywhere (their own subtree's lists).
    AdminAnywhere,
    /// Trainers and administrators of Wuxi or above.
    StaffOfNode,
    /// Administrators of Wuxi or above.
    AdminOfNode,
    /// The learner who owns the resource.
    Owner,
    /// The owner, and administrators of Wuxi or above.
    OwnerOrAdmin,
    /// The owner, and administrators of the issuing union (the province, for these courses).
    OwnerOrIssuer,
    /// Administrators of the province only.
    Province,
}

/// The callers, in the order of a row's cells.
const CALLERS: [&str; 6] = [
    "anonymous",
    "learner",
    "trainer",
    "admin of the node",
    "admin of a sibling",
    "admin of the parent",
];

impl Audience {
    /// Whether caller `i` (of [`CALLERS`]) may call the route.
    fn allows(self, i: usize) -> bool {
        let (anon, learner, trainer, node, sibling, parent) =
            (i == 0, i == 1, i == 2, i == 3, i == 4, i == 5);
        match self {
            Audience::Public => true,
            Audience::SignedIn => !anon,
            Audience::StaffAnywhere => trainer || node || sibling || parent,
            Audience::AdminAnywhere => node || sibling || parent,
            Audience::StaffOfNode => trainer || node || parent,
            Audience::AdminOfNode => node || parent,
            Audience::Owner => learner,
            Audience::OwnerOrAdmin => learner || node || parent,
            Audience::OwnerOrIssuer => learner || parent,
            Audience::Province => parent,
        }
    }
}

/// One route: method, path under `/api/v1` with `{…}` filled from the fixture, audience,
/// and whether the resource exists (so an allowed caller must not get 404 either).
struct Entry {
    method: &'static str,
    path: &'static str,
    audience: Audience,
    exists: bool,
}

const fn e(method: &'static str, path: &'static str, audience: Audience) -> Entry {
    Entry {
        method,
        path,
        audience,
        exists: true,
    }
}

/// A route whose resource the fixture does not make (an allowed caller may get 404).
const fn e_absent(method: &'static str, path: &'static str, audience: Audience) -> Entry {
    Entry {
        method,
        path,
        audience,
        exists: false,
    }
}

use Audience::*;

/// The matrix. `{course}` quiz-a, `{serial}` the learner's certificate, `{attempt}` her quiz
/// attempt, `{person}` her public id, `{session}` a Wuxi class, `{code}` js-wx.
const MATRIX: &[Entry] = &[
    e("POST", "/auth/register", Public),
    e("POST", "/auth/login", Public),
    e("POST", "/auth/password-reset", Public),
    e("POST", "/auth/password-reset/confirm", Public),
    e("GET", "/me", SignedIn),
    e("DELETE", "/me", SignedIn),
    e("GET", "/me/export", SignedIn),
    e("GET", "/me/sessions", SignedIn),
    e_absent("DELETE", "/me/sessions/0123456789abcdef", SignedIn),
    e("PUT", "/me/password", SignedIn),
    e("PUT", "/me/email", SignedIn),
    e("GET", "/me/enrollments", SignedIn),
    e("GET", "/me/certificates", SignedIn),
    e("GET", "/me/learning", SignedIn),
    e("GET", "/me/skills", SignedIn),
    e("GET", "/me/consents", SignedIn),
    e("PUT", "/me/consents", SignedIn),
    e("GET", "/certificates/{serial}", Public),
    e(
        "GET",
        "/certificates/{serial}/credential.json",
        OwnerOrIssuer,
    ),
    e("POST", "/certificates/{serial}/revoke", AdminOfNode),
    e("GET", "/certificate-keys", Public),
    e_absent("GET", "/certificate-keys/{key_id}", Public),
    e("POST", "/credentials/verify", Public),
    e("GET", "/courses", Public),
    e("GET", "/courses/{course}", Public),
    e("POST", "/courses/{course}/enrollment", SignedIn),
    e("GET", "/courses/{course}/lessons/{lesson}", SignedIn),
    e(
        "POST",
        "/courses/{course}/lessons/{lesson}/complete",
        SignedIn,
    ),
    e("POST", "/courses/{course}/quiz/attempts", SignedIn),
    e("PUT", "/quiz-attempts/{attempt}/answers", Owner),
    e("POST", "/quiz-attempts/{attempt}/submit", Owner),
    e("GET", "/orgs", Public),
    e("GET", "/orgs/{code}/stats", AdminOfNode),
    // A node's target is set by its parent's administrators.
    e("PUT", "/orgs/{code}/target", Province),
    e("GET", "/orgs/{code}/trained", AdminOfNode),
    e("GET", "/orgs/{code}/{file}", AdminOfNode),
    e("GET", "/orgs/{code}/orgs/import-template.csv", Public),
    e("POST", "/orgs/{code}/learners/import", AdminOfNode),
    e("POST", "/orgs/{code}/orgs/import", AdminOfNode),
    e("GET", "/orgs/{code}/skills", AdminOfNode),
    e("POST", "/orgs", AdminAnywhere),
    e("POST", "/roles", AdminAnywhere),
    e("GET", "/audit", Province),
    e("POST", "/course-packs", StaffAnywhere),
    e("GET", "/course-packs", StaffAnywhere),
    e_absent("GET", "/course-packs/{id}", StaffAnywhere),
    e_absent("POST", "/course-packs/{id}/publish", StaffAnywhere),
    e("POST", "/courses/{course}/sessions", StaffAnywhere),
    e("GET", "/courses/{course}/sessions", Public),
    e("POST", "/courses/{course}/check-in", SignedIn),
    e("GET", "/sessions", SignedIn),
    e("GET", "/sessions/{session}", SignedIn),
    e("PATCH", "/sessions/{session}", StaffOfNode),
    e("POST", "/sessions/{session}/signup", SignedIn),
    e("DELETE", "/sessions/{session}/signup", SignedIn),
    e("GET", "/sessions/{session}/code", StaffOfNode),
    e("POST", "/sessions/{session}/checkin", SignedIn),
    e("GET", "/sessions/{session}/attendance", StaffOfNode),
    e("POST", "/sessions/{session}/attendance", StaffOfNode),
    e(
        "GET",
        "/sessions/{session}/attendance.{format}",
        StaffOfNode,
    ),
    e("PUT", "/sessions/{session}/scores", StaffOfNode),
    e("GET", "/sessions/{session}/learners", StaffOfNode),
    e("POST", "/studios", AdminAnywhere),
    e("GET", "/studios", SignedIn),
    e_absent("GET", "/studios/{id}", SignedIn),
    e_absent("POST", "/studios/{id}/members", SignedIn),
    e_absent("DELETE", "/studios/{id}/members/{user}", SignedIn),
    e_absent("POST", "/studios/{id}/join", SignedIn),
    e_absent("POST", "/studios/{id}/achievements", SignedIn),
    e_absent(
        "GET",
        "/studios/{id}/achievements/{achievement}/attachment",
        SignedIn,
    ),
    e_absent("GET", "/studios/{id}/candidates", SignedIn),
    e("POST", "/competitions", AdminAnywhere),
    e("GET", "/competitions", SignedIn),
    e_absent("GET", "/competitions/{id}", SignedIn),
    e_absent("POST", "/competitions/{id}/registrations", SignedIn),
    e_absent("POST", "/competitions/{id}/theory/attempts", SignedIn),
    e_absent("GET", "/competitions/{id}/ranking", SignedIn),
    e_absent("POST", "/competitions/{id}/results", AdminAnywhere),
    e_absent("GET", "/competitions/{id}/results", SignedIn),
    e_absent("GET", "/theory-attempts/{id}", SignedIn),
    e_absent("PUT", "/theory-attempts/{id}/answers", SignedIn),
    e_absent("POST", "/theory-attempts/{id}/submit", SignedIn),
    e("GET", "/talent-pool", AdminAnywhere),
    e("GET", "/talent-pool.csv", AdminAnywhere),
    e("GET", "/talent-pool.xlsx", AdminAnywhere),
    e("GET", "/people", AdminAnywhere),
    e("GET", "/people/{person}", AdminOfNode),
    e("POST", "/people/{person}/extra-attempts", AdminOfNode),
    e("POST", "/people/{person}/reset-links", AdminOfNode),
    e("POST", "/people/{person}/roles", AdminOfNode),
    e_absent("DELETE", "/people/{person}/roles/{role}/{org}", AdminOfNode),
    e("GET", "/users/{person}/skills", OwnerOrAdmin),
    e("POST", "/users/{person}/skills", StaffOfNode),
    // Near the end: it cancels the class the rows above use.
    e("DELETE", "/sessions/{session}", StaffOfNode),
    // Last: it ends the caller's session.
    e("POST", "/auth/logout", SignedIn),
];

/// The REST routes as the server registers them: `(METHOD, path)` from every `.route(…)` and
/// `web::resource(…)` under `server/src/http` that is mounted under `/api/v1` (the files
/// configured into that scope).
fn registered_routes() -> BTreeSet<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    let mut found = BTreeSet::new();
    for file in [
        "api.rs",
        "classes.rs",
        "competitions.rs",
        "people.rs",
        "skills.rs",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let text: String = text.split_whitespace().collect::<Vec<_>>().join("");
        for part in text.split(".route(\"").skip(1) {
            let (path, rest) = part.split_once('"').unwrap();
            if let Some(method) = rest.strip_prefix(",web::").and_then(|r| r.split_once("()")) {
                found.insert((method.0.to_uppercase(), path.to_string()));
            }
        }
        for part in text.split("web::resource(\"").skip(1) {
            let (path, rest) = part.split_once('"').unwrap();
            let until = rest.find("web::resource(").unwrap_or(rest.len());
            for chunk in rest[..until].split(".route(web::").skip(1) {
                let method = chunk.split_once("()").unwrap().0;
                found.insert((method.to_uppercase(), path.to_string()));
            }
        }
    }
    found
}

#[test]
fn every_registered_route_has_a_row_in_the_matrix() {
    let registered = registered_routes();
    assert!(registered.len() >= 90, "{registered:?}");
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|e| (e.method.to_string(), template(e.path)))
        .collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix row: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(stale.is_empty(), "matrix rows for no route: {stale:?}");
}

/// A matrix path as the route table writes it (the fixture's names back to the handlers').
fn template(path: &str) -> String {
    path.replace("{course}", "{id}")
        .replace("{attempt}", "{id}")
        .replace("{person}", "{id}")
        .replace("{session}", "{id}")
        .replace("0123456789abcdef", "{id}")
}

/// The six callers' tokens (anonymous first, as `None`), and the fixture's values.
struct Fixture {
    callers: Vec<Option<String>>,
    values: Vec<(&'static str, String)>,
    /// A Suzhou woman's name and phone: never in an answer to a Wuxi caller.
    secrets: [&'static str; 2],
}

async fn fixture(app: &TestApp) -> Fixture {
    let parent = app.admin("13600000101", "js").await;
    let node = app.admin("13600000102", "js-wx").await;
    let sibling = app.admin("13600000103", "js-sz").await;
    let trainer = app.enrolled_learner("13600000104", "js-wx", &[]).await;
    let granted = app
        .post_as(
            &node,
            "/api/v1/roles",
            &json!({"phone": "13600000104", "role": "trainer", "org": "js-wx"}),
        )
        .await;
    assert_eq!(granted.status(), 200);
    // The learner completes quiz-a: a certificate, and a submitted attempt.
    let learner = app
        .enrolled_learner("13900000105", "js-wx", &["quiz-a"])
        .await;
    app.post_as(
        &learner,
        "/api/v1/courses/quiz-a/lessons/one/complete",
        &json!({}),
    )
    .await;
    let attempt = start_attempt(app, &learner, "quiz-a").await;
    let passed: Value = submit(app, &learner, &attempt, &right_answers(&attempt))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(passed["passed"], true);
    let certificates: Value = app
        .get_as(&learner, "/api/v1/me/certificates")
        .await
        .json()
        .await
        .unwrap();
    let me: Value = app
        .get_as(&learner, "/api/v1/me")
        .await
        .json()
        .await
        .unwrap();
    // A Suzhou woman who completed too: her name must never reach Wuxi.
    let suzhou = json!({
        "name": "苏州保密人", "phone": "13900000199", "password": "password-123",
        "gender": "female", "org": "js-sz", "consent": true
    });
    assert_eq!(
        app.post("/api/v1/auth/register", &suzhou).await.status(),
        201
    );
    let her = app.login("13900000199", "password-123").await;
    app.enrol(&her, "quiz-a").await;
    let class: Value = app
        .post_as(
            &trainer,
            "/api/v1/courses/quiz-a/sessions",
            &json!({
                "location": "无锡市总工会培训室",
                "starts_at": "2030-03-01T09:00:00+08:00",
                "ends_at": "2030-03-01T11:00:00+08:00",
                "org": "js-wx"
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let session = class["id"].as_str().unwrap_or("nope").to_string();
    Fixture {
        callers: vec![
            None,
            Some(learner),
            Some(trainer),
            Some(node),
            Some(sibling),
            Some(parent),
        ],
        values: vec![
            ("{course}", "quiz-a".into()),
            ("{lesson}", "one".into()),
            (
                "{serial}",
                certificates[0]["serial"].as_str().unwrap().into(),
            ),
            ("{attempt}", attempt["id"].as_str().unwrap().into()),
            ("{person}", me["id"].as_str().unwrap().into()),
            ("{session}", session),
            ("{code}", "js-wx".into()),
            ("{file}", "stats.csv".into()),
            ("{format}", "csv".into()),
            ("{key_id}", "20200101-00000000".into()),
            ("{id}", "nope".into()),
            ("{user}", "nope".into()),
            ("{achievement}", "nope".into()),
            ("{role}", "trainer".into()),
            ("{org}", "js-wx".into()),
        ],
        secrets: ["苏州保密人", "13900000199"],
    }
}

#[tokio::test]
async fn every_route_answers_each_caller_as_its_audience_says() {
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let fixture = fixture(&app).await;
    let http = client();
    let (mut cells, mut searched) = (0, 0);
    let mut wrong = Vec::new();
    for entry in MATRIX {
        let mut path = format!("/api/v1{}", entry.path);
        for (name, value) in &fixture.values {
            path = path.replace(name, value);
        }
        for (i, token) in fixture.callers.iter().enumerate() {
            let mut request = http
                .request(entry.method.parse().unwrap(), app.url(&path))
                .header("Content-Type", "application/json")
                .body("{}");
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            cells += 1;
            let allowed = entry.audience.allows(i);
            let fine = match (allowed, i) {
                (true, _) => status != 401 && status != 403 && (!entry.exists || status != 404),
                (false, 0) => status == 401,
                (false, _) => status == 403 || status == 404,
            };
            if !fine {
                wrong.push(format!(
                    "{} {} as {}: {status} ({})",
                    entry.method,
                    entry.path,
                    CALLERS[i],
                    if allowed {
                        "should be allowed"
                    } else {
                        "should be refused"
                    }
                ));
            }
            // Wuxi's callers (and anonymous ones) never see the Suzhou woman.
            if (0..=3).contains(&i) && status < 300 {
                searched += 1;
                for secret in fixture.secrets {
                    assert!(
                        !body.contains(secret),
                        "{} {} as {} shows {secret}",
                        entry.method,
                        entry.path,
                        CALLERS[i]
                    );
                }
            }
        }
    }
    println!(
        "permission matrix ({}): {} routes × {} callers = {cells} cells, {searched} answers \
         searched for the sibling's data, {} wrong",
        backend(),
        MATRIX.len(),
        CALLERS.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One server function: its endpoint under `/_fn`, a form body (`{…}` filled from the
/// fixture) whose arguments all decode, so a refusal can only come from the caller's right,
/// its audience, and whether the thing it names exists.
struct FnEntry {
    endpoint: &'static str,
    body: &'static str,
    audience: Audience,
    exists: bool,
}

const fn f(endpoint: &'static str, body: &'static str, audience: Audience) -> FnEntry {
    FnEntry {
        endpoint,
        body,
        audience,
        exists: true,
    }
}

/// A server function naming something the fixture does not make.
const fn f_absent(endpoint: &'static str, body: &'static str, audience: Audience) -> FnEntry {
    FnEntry {
        endpoint,
        body,
        audience,
        exists: false,
    }
}

/// The server functions' matrix, in an order where no row spoils the ones after it.
const FN_MATRIX: &[FnEntry] = &[
    f("account", "", Public),
    f("top_orgs", "", Public),
    f("search_orgs", "under=js&q=%E6%97%A0%E9%94%A1", Public),
    f("find_org", "code={code}", Public),
    f("register", "name=&phone=&email=&password=", Public),
    f("login", "login=&password=", Public),
    f("forgot_password", "login=", Public),
    f_absent("password_link_state", "token=nope", Public),
    f("reset_password", "token=nope&password=", Public),
    f("sms_resets", "", Public),
    f("catalogue", "", Public),
    f("course_detail", "id={course}", Public),
    f("recommended_next", "", Public),
    f("verify_certificate", "serial={serial}", Public),
    f("public_url_warning", "", Public),
    f("china_today", "", Public),
    f("class_scan_pass", "id={session}&code=000000", Public),
    f(
        "change_password",
        "current_password=not-her-password&new_password=another-pass-2030",
        SignedIn,
    ),
    f(
        "change_email",
        "email=a%40example.com&current_password=not-her-password",
        SignedIn,
    ),
    f("enroll_course", "id={course}", SignedIn),
    f("lesson", "course={course}&lesson={lesson}", SignedIn),
    f("mark_read", "course={course}&lesson={lesson}", SignedIn),
    f("my_enrollments", "", SignedIn),
    f("quiz_attempt", "id={attempt}", Owner),
    f("start_quiz", "course={course}", SignedIn),
    f("my_learning", "", SignedIn),
    f("check_in", "course={course}&code=000000", SignedIn),
    f("certificate", "serial={serial}", OwnerOrIssuer),
    f("admin_home", "", SignedIn),
    f("my_skills", "", SignedIn),
    f("near_me_classes", "", SignedIn),
    f("class_session", "id={session}", SignedIn),
    f("class_check_in_link", "id={session}&code=000000", SignedIn),
    f("sign_up_class", "id={session}", SignedIn),
    f("cancel_class_signup", "id={session}", SignedIn),
    f("class_check_in", "id={session}&code=000000", SignedIn),
    f("load_competitions", "", SignedIn),
    f_absent("load_competition", "id=nope", SignedIn),
    f_absent("register_competition", "id=nope", SignedIn),
    f_absent("start_theory", "id=nope", SignedIn),
    f_absent("load_theory", "id=nope", SignedIn),
    f_absent("save_theory", "id=nope", SignedIn),
    f_absent("submit_theory", "id=nope", SignedIn),
    f("my_sessions", "", SignedIn),
    f_absent("end_my_session", "id=0123456789abcdef", SignedIn),
    f("my_data", "", SignedIn),
    f(
        "delete_my_account",
        "password=not-her-password&confirm=on",
        SignedIn,
    ),
    f("my_studios", "", SignedIn),
    f_absent("studio_detail", "id=nope", SignedIn),
    f_absent("studio_candidates", "id=nope&skill=nope", SignedIn),
    f_absent("join_studio", "id=nope", SignedIn),
    f_absent("leave_studio", "id=nope", SignedIn),
    f_absent("add_studio_member", "id=nope&user=nope", SignedIn),
    f("my_uploads", "", StaffAnywhere),
    f("upload_scope", "", StaffAnywhere),
    f_absent("get_upload", "id=nope", StaffAnywhere),
    f_absent("publish_upload", "id=nope", StaffAnywhere),
    f("trainer_classes", "", StaffAnywhere),
    f("class_attendance", "id={session}", StaffOfNode),
    f("class_live_code", "id={session}", StaffOfNode),
    f("class_find_learners", "id={session}&q=13", StaffOfNode),
    f(
        "create_class",
        "course={course}&date=&start=&end=&location=",
        StaffAnywhere,
    ),
    f(
        "update_class",
        "id={session}&date=not-a-date&start=&end=&location=",
        StaffOfNode,
    ),
    f(
        "mark_class_attendance",
        "id={session}&person={person}&present=yes",
        StaffOfNode,
    ),
    f(
        "set_class_score",
        "id={session}&person=nope&score=not-a-score",
        StaffOfNode,
    ),
    f("org_dashboard", "code={code}", AdminOfNode),
    f(
        "evidence_page",
        "code={code}&page=1&filter[first_only]=false",
        AdminOfNode,
    ),
    // A node's target is set by its parent's administrators.
    f(
        "set_org_target",
        "code={code}&target=not-a-number",
        Province,
    ),
    f("find_people", "q=13", AdminAnywhere),
    f("person_detail", "id={person}", AdminOfNode),
    f("person_skills", "id={person}", AdminOfNode),
    f(
        "grant_extra_attempt",
        "person={person}&course={course}",
        AdminOfNode,
    ),
    f("issue_reset_link", "person={person}", AdminOfNode),
    f_absent("link_qr", "url=http%3A%2F%2Fexample.com%2F", AdminAnywhere),
    f(
        "change_role",
        "person={person}&role=trainer&org={code}&change=neither",
        AdminOfNode,
    ),
    f("org_import_scope", "org={code}", AdminOfNode),
    f("audit_log", "page=1", Province),
    f("create_competition", "title=&org={code}", AdminAnywhere),
    f_absent("enter_results", "id=nope", AdminAnywhere),
    f("create_studio", "name=", AdminAnywhere),
    f("talent_pool_page", "", AdminAnywhere),
    f("org_skills_figures", "code={code}", AdminOfNode),
    f("set_consents", "", SignedIn),
    // Near the end: it cancels the class the rows above use.
    f("cancel_class", "id={session}", StaffOfNode),
    // Last: it ends the caller's session.
    f("logout", "", Public),
];

/// The server functions the app defines: every `#[server(…, endpoint = "…")]` in `app/src`.
fn defined_server_fns() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src");
    let mut found = BTreeSet::new();
    for file in std::fs::read_dir(&dir).unwrap() {
        let path = file.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for part in text.split("#[server(").skip(1) {
            let head = part.split_once(")]").unwrap().0;
            let endpoint = head
                .split_once("endpoint = \"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(name, _)| name.to_string())
                .unwrap_or_else(|| panic!("a server function without an endpoint: {head}"));
            found.insert(endpoint);
        }
    }
    found
}

#[test]
fn every_server_function_has_a_row_in_the_matrix() {
    let defined = defined_server_fns();
    assert!(defined.len() >= 80, "{defined:?}");
    let listed: BTreeSet<String> = FN_MATRIX.iter().map(|e| e.endpoint.to_string()).collect();
    assert_eq!(
        listed.len(),
        FN_MATRIX.len(),
        "a server function is listed twice"
    );
    let missing: Vec<_> = defined.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "server functions without a matrix row: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&defined).collect();
    assert!(
        stale.is_empty(),
        "matrix rows for no server function: {stale:?}"
    );
}

/// The refusal a form-style server function left in its flash cookie, if any (form handlers
/// answer a refused post by sending the browser back with the error's code).
fn flash_refusal(response: &reqwest::Response) -> Option<String> {
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("qihang_flash="))?;
    let hex = cookie.split(';').next()?;
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    let flash: Value = serde_json::from_slice(&bytes).ok()?;
    let code = flash["code"].as_str()?.to_string();
    ["unauthenticated", "forbidden", "not_found"]
        .contains(&code.as_str())
        .then_some(code)
}

#[tokio::test]
async fn every_server_function_answers_each_caller_as_its_audience_says() {
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let fixture = fixture(&app).await;
    let http = client();
    let (mut cells, mut searched) = (0, 0);
    let mut wrong = Vec::new();
    for entry in FN_MATRIX {
        let mut body = entry.body.to_string();
        for (name, value) in &fixture.values {
            body = body.replace(name, value);
        }
        for (i, token) in fixture.callers.iter().enumerate() {
            let mut request = http
                .post(app.url(&format!("/_fn/{}", entry.endpoint)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .body(body.clone());
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let refusal = flash_refusal(&response);
            let text = response.text().await.unwrap_or_default();
            cells += 1;
            let allowed = entry.audience.allows(i);
            let refused_by_status = match i {
                0 => status == 401,
                _ => status == 403 || status == 404,
            };
            let fine = if allowed {
                status != 401
                    && status != 403
                    && (!entry.exists || (status != 404 && refusal.is_none()))
                    && refusal.as_deref() != Some("forbidden")
                    && refusal.as_deref() != Some("unauthenticated")
            } else {
                refused_by_status || (i > 0 && refusal.is_some())
            };
            if !fine {
                wrong.push(format!(
                    "/_fn/{} as {}: {status} {refusal:?} ({}) {}",
                    entry.endpoint,
                    CALLERS[i],
                    if allowed {
                        "should be allowed"
                    } else {
                        "should be refused"
                    },
                    text.chars().take(160).collect::<String>()
                ));
            }
            if (0..=3).contains(&i) && status < 300 {
                searched += 1;
                for secret in fixture.secrets {
                    assert!(
                        !text.contains(secret),
                        "/_fn/{} as {} shows {secret}",
                        entry.endpoint,
                        CALLERS[i]
                    );
                }
            }
        }
    }
    println!(
        "server function matrix ({}): {} functions × {} callers = {cells} cells, {searched} \
         answers searched for the sibling's data, {} wrong",
        backend(),
        FN_MATRIX.len(),
        CALLERS.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One page: its path (`{…}` filled from the fixture), audience, and whether what it shows
/// exists.
struct PageEntry {
    path: &'static str,
    audience: Audience,
    exists: bool,
}

const fn p(path: &'static str, audience: Audience) -> PageEntry {
    PageEntry {
        path,
        audience,
        exists: true,
    }
}

const fn p_absent(path: &'static str, audience: Audience) -> PageEntry {
    PageEntry {
        path,
        audience,
        exists: false,
    }
}

/// The pages' matrix: `{id}` names nothing (a studio, competition, round or pack the fixture
/// does not make).
const PAGE_MATRIX: &[PageEntry] = &[
    p("/", Public),
    p("/register", Public),
    p("/login", Public),
    p("/forgot-password", Public),
    p("/reset-password", Public),
    p("/privacy", Public),
    p("/courses", Public),
    p("/courses/{course}", Public),
    p("/verify", Public),
    p("/verify/{serial}", Public),
    p("/account/deleted", Public),
    // The QR code's page: signed out, she is sent to log in with a pass for the scan.
    p("/checkin/{session}", SignedIn),
    p("/account", SignedIn),
    p("/account/data", SignedIn),
    p("/courses/{course}/lessons/{lesson}", SignedIn),
    p("/quiz/{attempt}", Owner),
    p("/learning", SignedIn),
    p("/skills", SignedIn),
    p("/classes", SignedIn),
    p("/studios", SignedIn),
    p_absent("/studios/{id}", SignedIn),
    p("/competitions", SignedIn),
    p_absent("/competitions/{id}", SignedIn),
    p_absent("/theory/{id}", SignedIn),
    p("/certificates/{serial}", OwnerOrIssuer),
    p("/trainer/packs", StaffAnywhere),
    p_absent("/trainer/packs/{id}", StaffAnywhere),
    p("/trainer/sessions", StaffAnywhere),
    p("/trainer/sessions/{session}", StaffOfNode),
    p("/trainer/sessions/{session}/screen", StaffOfNode),
    p("/dashboard", AdminAnywhere),
    p("/dashboard/{code}", AdminOfNode),
    p("/dashboard/{code}/trained", AdminOfNode),
    p("/talent-pool", AdminAnywhere),
    p("/admin/people", AdminAnywhere),
    p("/admin/people/{person}", AdminOfNode),
    p("/admin/orgs/import", AdminAnywhere),
    p("/admin/audit", Province),
];

/// The pages the app's router defines: every `path!("…")` in `app/src/app.rs`, with `:name`
/// segments written as the matrix writes them.
fn defined_pages() -> BTreeSet<String> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src/app.rs");
    let text = std::fs::read_to_string(file).unwrap();
    text.split("path!(\"")
        .skip(1)
        .map(|part| {
            let path = part.split_once('"').unwrap().0;
            path.split('/')
                .map(|segment| match segment.strip_prefix(':') {
                    Some(name) => format!("{{{name}}}"),
                    None => segment.to_string(),
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect()
}

/// A matrix page path as the router names its parameters.
fn page_template(path: &str) -> String {
    path.replace("{attempt}", "{id}")
        .replace("{person}", "{id}")
        .replace("{session}", "{id}")
        .replace("{course}", "{id}")
}

#[test]
fn every_page_has_a_row_in_the_matrix() {
    let defined = defined_pages();
    assert!(defined.len() >= 35, "{defined:?}");
    let listed: BTreeSet<String> = PAGE_MATRIX.iter().map(|e| page_template(e.path)).collect();
    let missing: Vec<_> = defined.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "pages without a matrix row: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&defined).collect();
    assert!(stale.is_empty(), "matrix rows for no page: {stale:?}");
}

#[tokio::test]
async fn every_page_answers_each_caller_as_its_audience_says() {
    let (app, _folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let fixture = fixture(&app).await;
    let http = client();
    let (mut cells, mut searched) = (0, 0);
    let mut wrong = Vec::new();
    for entry in PAGE_MATRIX {
        let mut path = entry.path.to_string();
        for (name, value) in &fixture.values {
            path = path.replace(name, value);
        }
        for (i, token) in fixture.callers.iter().enumerate() {
            let mut request = http.get(app.url(&path)).header("Accept", "text/html");
            if let Some(token) = token {
                request = request.header("Cookie", format!("qihang_session={token}"));
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let to_login = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.starts_with("/login"));
            let text = response.text().await.unwrap_or_default();
            cells += 1;
            let allowed = entry.audience.allows(i);
            let fine = match (allowed, i) {
                // Allowed: the page, or a step on (a signed-in woman on the registration
                // page goes to her learning; staff not enrolled go from a lesson to its
                // course), never the login.
                (true, _) => {
                    status == 200
                        || (!entry.exists && status == 404)
                        || ((status == 302 || status == 303) && !to_login)
                }
                (false, 0) => (status == 302 || status == 303) && to_login,
                (false, _) => status == 403 || status == 404,
            };
            if !fine {
                wrong.push(format!(
                    "GET {} as {}: {status} ({})",
                    entry.path,
                    CALLERS[i],
                    if allowed {
                        "should be allowed"
                    } else {
                        "should be refused"
                    }
                ));
            }
            if (0..=3).contains(&i) {
                searched += 1;
                for secret in fixture.secrets {
                    assert!(
                        !text.contains(secret),
                        "GET {} as {} shows {secret}",
                        entry.path,
                        CALLERS[i]
                    );
                }
            }
        }
    }
    println!(
        "page matrix ({}): {} pages × {} callers = {cells} cells, {searched} pages searched \
         for the sibling's data, {} wrong",
        backend(),
        PAGE_MATRIX.len(),
        CALLERS.len(),
        wrong.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The `/_fn` gate itself: nobody reaches a function without a row; the caller's right is
/// decided before any argument is decoded; a browser's own form post (JavaScript off) that is
/// refused gets the login page and back, or a page in words, never a JSON body.
#[tokio::test]
async fn the_server_function_gate_decides_before_the_arguments() {
    let app = TestApp::spawn().await;
    let learner = app.enrolled_learner("13900000301", "js-wx", &[]).await;
    let admin = app.admin("13600000302", "js").await;
    let http = client();
    let post = |path: &str, token: Option<&str>, body: &'static str| {
        let mut request = http
            .post(app.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    // A function nobody defined, or one written with a trailing segment: 404 for everyone.
    for path in ["/_fn/nope", "/_fn/audit_log/x", "/_fn/"] {
        for token in [None, Some(learner.as_str()), Some(admin.as_str())] {
            let status = post(path, token, "").await.unwrap().status();
            assert_eq!(status, 404, "{path} as {token:?}");
        }
    }
    // Arguments that do not decode: the right is judged first (401, 403), and only an
    // administrator learns that the body is wrong (400).
    for body in ["", "page=not-a-number", "%%%"] {
        let anonymous = post("/_fn/audit_log", None, body).await.unwrap();
        assert_eq!(anonymous.status(), 401, "{body}");
        let refused: Value = post("/_fn/audit_log", Some(&learner), body)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(refused["error"]["code"], "forbidden", "{body}");
        let judged = post("/_fn/audit_log", Some(&admin), body).await.unwrap();
        assert_eq!(judged.status(), 400, "{body}");
    }
    // A signed-out browser's form post goes to the login page, then back to the form's page.
    let signed_out = http
        .post(app.url("/_fn/change_password"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "text/html")
        .header("Referer", app.url("/account"))
        .body("current_password=a&new_password=b")
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303);
    assert_eq!(signed_out.headers()["location"], "/login?next=/account");
    // A learner's browser posting a trainer's form gets a page that says why, in Chinese,
    // with the way home.
    let page = http
        .post(app.url("/_fn/create_class"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "text/html")
        .header("Cookie", format!("qihang_session={learner}"))
        .header("Origin", app.url(""))
        .body("course=x")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 403);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let text = page.text().await.unwrap();
    assert!(text.contains("权限"), "{text}");
    assert!(text.contains("href=\"/\">首页</a>"), "{text}");
}
