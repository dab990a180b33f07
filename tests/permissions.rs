//! The permission matrix of the REST API (issue 15.2): every route the server registers (read
//! from the route table in `server/src/http/*.rs`, so a route added without an entry here
//! fails) × six callers around one union, Wuxi (`js-wx`): anonymous, a learner of it, its
//! trainer, its administrator, the administrator of a sibling city (Suzhou, `js-sz`) and the
//! administrator of its parent (the province, `js`). Each cell's status is asserted against
//! the route's audience; every answer to a Wuxi caller is searched for a Suzhou woman's name
//! and phone, which must never appear; and writes carry a body that is not valid (`{}`), so a
//! refusal can only come from the caller's right, decided before the body.

mod support;

use std::collections::BTreeSet;

use serde_json::{json, Value};
use support::quiz::{app_with_quiz_courses, right_answers, start_attempt, submit};
use support::*;

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
