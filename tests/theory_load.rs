//! Theory-round benchmark (not a test): the real server (as built by the profile run: release
//! by default, `--profile dev` for a quick upper bound) on loopback, pinned to one
//! core, on SQLite (or PostgreSQL). A competition's online theory round is started by N
//! registrants (2,000 by default) within the same second — each client waits for the
//! round's start time and fires at once — then each submits. Prints, beside a baseline of the
//! same burst against `GET /healthz` in the same run: how many starts and submits were
//! answered and how (status counts), p50 / p99 / max latency, and then checks in the database
//! that every attempt was stored once and graded once (none lost, none doubled).
//!
//! Run: `cargo bench -p qihang --bench theory -- [sqlite|postgres|both] [registrants]`

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};
use support::*;

struct Burst {
    statuses: BTreeMap<u16, usize>,
    latencies: Vec<Duration>,
    spread: Duration,
}

impl Burst {
    fn print(&mut self, what: &str) {
        self.latencies.sort_unstable();
        let at = |q: f64| {
            let n = self.latencies.len();
            if n == 0 {
                return 0.0;
            }
            let i = ((n as f64 * q).ceil() as usize).clamp(1, n) - 1;
            self.latencies[i].as_secs_f64() * 1000.0
        };
        println!(
            "  {what:<40} p50 {:>8.1} ms  p99 {:>8.1} ms  max {:>8.1} ms  sent within {:>5.0} ms  statuses {:?}",
            at(0.5),
            at(0.99),
            self.latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            self.spread.as_secs_f64() * 1000.0,
            self.statuses,
        );
    }
}

/// Fires one request per item at `at` (all tasks wait for the same instant), each built by
/// `send`; returns the statuses and latencies, and each response body.
async fn burst<F, Fut>(
    items: Vec<(String, String)>,
    at: Instant,
    send: F,
) -> (Burst, Vec<(u16, Value)>)
where
    F: Fn(String, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send,
{
    let mut tasks = Vec::new();
    for (token, arg) in items {
        let send = send.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let sent = Instant::now();
            let outcome = send(token, arg).await;
            let took = sent.elapsed();
            match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response.json::<Value>().await.unwrap_or(Value::Null);
                    (sent, took, status, body)
                }
                Err(e) => {
                    let mut text = String::new();
                    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(&e);
                    while let Some(c) = cause {
                        text.push_str(&format!("{c}; "));
                        cause = c.source();
                    }
                    (sent, took, 0, json!(text))
                }
            }
        }));
    }
    let mut result = Burst {
        statuses: BTreeMap::new(),
        latencies: Vec::new(),
        spread: Duration::ZERO,
    };
    let mut first: Option<Instant> = None;
    let mut last: Option<Instant> = None;
    let mut bodies = Vec::new();
    let mut errors = BTreeMap::new();
    for task in tasks {
        let (sent, took, status, body) = task.await.unwrap();
        if status == 0 {
            let text = body.as_str().unwrap_or_default();
            let short: String = text.chars().take(160).collect();
            *errors.entry(short).or_insert(0usize) += 1;
        }
        first = Some(first.map_or(sent, |f| f.min(sent)));
        last = Some(last.map_or(sent, |l| l.max(sent)));
        *result.statuses.entry(status).or_default() += 1;
        result.latencies.push(took);
        bodies.push((status, body));
    }
    if let (Some(f), Some(l)) = (first, last) {
        result.spread = l - f;
    }
    for (error, n) in errors {
        println!("    {n} × transport error: {error}");
    }
    (result, bodies)
}

async fn bench(backend: &str, registrants: usize) {
    std::env::set_var("QIHANG_TEST_DB", backend);
    println!("\n== {backend}: server pinned to CPU 0, {registrants} registrants starting the theory round within one second");
    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses");
    let options = ServerOptions::default()
        .env("QIHANG_COURSES_DIR", courses.display().to_string())
        .env("QIHANG_DB_POOL_SIZE", "16")
        .pinned_to(0);
    let db = TestDb::create();
    let data_dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&db, data_dir.path(), options);
    let app = TestApp {
        server,
        db,
        data_dir,
        // Each request on a connection of its own, as 2,000 phones would (a pooled
        // connection the server closed after its keep-alive would fail the client, not the
        // server).
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(120))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let admin = app.admin("13600000001", "js-nj").await;
    let tokens =
        support::bench::women_with_sessions(&app.db, registrants, "js-nj", "137", "选手", None);

    // The round starts a whole second well after everyone has registered.
    let setup = Instant::now();
    let created: Value = {
        let response = app
            .post_as(
                &admin,
                "/api/v1/competitions",
                &json!({
                    "title": "南京市女职工数字技能竞赛",
                    "org": "js-nj",
                    "level": "city",
                    "skills": ["digital-life"],
                    "registration_opens": (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string(),
                    "registration_closes": (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%d").to_string(),
                    "theory": {"bank": "smartphone-basics", "starts_at": (chrono::Utc::now() + chrono::Duration::seconds(600)).to_rfc3339(), "minutes": 30, "draw": 10}
                }),
            )
            .await;
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    };
    let id = created["id"].as_str().unwrap().to_string();
    // Registration through the API, 50 at a time.
    let client = app.client.clone();
    let register_url = Arc::new(app.url(&format!("/api/v1/competitions/{id}/registrations")));
    for chunk in tokens.chunks(50) {
        let mut tasks = Vec::new();
        for token in chunk {
            let client = client.clone();
            let url = register_url.clone();
            let token = token.clone();
            tasks.push(tokio::spawn(async move {
                client
                    .post(url.as_str())
                    .bearer_auth(token)
                    .json(&json!({}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), 201);
        }
    }
    println!(
        "  set-up (accounts and {registrants} registrations) {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    // Move the round's start to 2 s from now (the organiser's clock is the server's).
    let starts = chrono::Utc::now() + chrono::Duration::seconds(2);
    {
        use qihang_core::db::schema::competitions;
        diesel::update(competitions::table.filter(competitions::public_id.eq(&id)))
            .set(competitions::theory_starts_at.eq(starts.naive_utc()))
            .execute(&mut app.db.connect())
            .unwrap();
    }
    // Baseline: the same burst of requests against /healthz, a second before.
    let health = Arc::new(app.url("/healthz"));
    let client = app.client.clone();
    let items: Vec<(String, String)> = tokens.iter().map(|t| (t.clone(), String::new())).collect();
    let (mut baseline, _) = burst(
        items.clone(),
        Instant::now() + Duration::from_millis(300),
        {
            let client = client.clone();
            let health = health.clone();
            move |_, _| {
                let client = client.clone();
                let health = health.clone();
                async move { client.get(health.as_str()).send().await }
            }
        },
    )
    .await;
    baseline.print("baseline: GET /healthz, same burst");

    let wait = (starts + chrono::Duration::milliseconds(50) - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    let start_url = Arc::new(app.url(&format!("/api/v1/competitions/{id}/theory/attempts")));
    let (mut started, bodies) = burst(items, Instant::now() + wait, {
        let client = client.clone();
        let url = start_url.clone();
        move |token, _| {
            let client = client.clone();
            let url = url.clone();
            async move {
                client
                    .post(url.as_str())
                    .bearer_auth(token)
                    .json(&json!({}))
                    .send()
                    .await
            }
        }
    })
    .await;
    started.print("POST …/theory/attempts (start)");

    // Each answers the first option of every question and submits at once.
    let mut submits = Vec::new();
    for ((status, body), token) in bodies.iter().zip(&tokens) {
        if *status != 201 {
            continue;
        }
        let mut answers = serde_json::Map::new();
        for q in body["questions"].as_array().unwrap() {
            let first = q["options"][0]["id"].clone();
            let answer = match q["kind"].as_str() {
                Some("true_false") => json!(true),
                Some("fill") => json!("答案"),
                _ => json!([first]),
            };
            answers.insert(q["id"].as_str().unwrap().to_string(), answer);
        }
        submits.push((
            token.clone(),
            json!({"id": body["id"], "answers": answers}).to_string(),
        ));
    }
    let submit_base = Arc::new(app.url("/api/v1/theory-attempts/"));
    let (mut submitted, _) = burst(submits, Instant::now() + Duration::from_millis(100), {
        let client = client.clone();
        move |token, body| {
            let client = client.clone();
            let base = submit_base.clone();
            async move {
                let body: Value = serde_json::from_str(&body).unwrap();
                let url = format!("{}{}/submit", base, body["id"].as_str().unwrap());
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"answers": body["answers"]}))
                    .send()
                    .await
            }
        }
    })
    .await;
    submitted.print("POST /theory-attempts/{id}/submit");

    // None lost, none doubled: one attempt per registrant, each graded once.
    let (attempts, graded): (i64, i64) = {
        use qihang_core::db::schema::theory_attempts;
        let mut conn = app.db.connect();
        (
            theory_attempts::table
                .count()
                .get_result(&mut conn)
                .unwrap(),
            theory_attempts::table
                .filter(theory_attempts::submitted_at.is_not_null())
                .filter(theory_attempts::score.is_not_null())
                .count()
                .get_result(&mut conn)
                .unwrap(),
        )
    };
    let ranking = app
        .get_as(&admin, &format!("/api/v1/competitions/{id}/ranking"))
        .await;
    let ranked = ranking
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .map_or(0, Vec::len);
    println!("  stored attempts {attempts}, graded {graded}, ranked {ranked} (of {registrants})");
    let all_ok = started.statuses.get(&201) == Some(&registrants)
        && submitted.statuses.get(&200) == Some(&registrants)
        && attempts == registrants as i64
        && graded == registrants as i64
        && ranked == registrants;
    println!(
        "  every start and submit answered, none lost: {}",
        if all_ok { "yes" } else { "NO" }
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let which = args.first().map(String::as_str).unwrap_or("sqlite");
    let registrants: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2000);
    let backends: Vec<&str> = match which {
        "both" => vec!["sqlite", "postgres"],
        other => vec![other],
    };
    for backend in backends {
        bench(backend, registrants).await;
    }
}
