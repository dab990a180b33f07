//! The campaign-day benchmark (not a test; `cargo xtask bench` runs it in release): a generated
//! drive, the real server pinned to CPU 0 and an **open-loop** load generator on CPU 1.
//!
//! Open loop: requests are sent at fixed arrival times (rate R: the i-th at i/R seconds) whatever
//! the server's answers, and each latency is measured from its *scheduled* time, so a server
//! that falls behind shows it in the tail instead of slowing the generator down (coordinated
//! omission). For each request kind the rate climbs by ×1.5 from a low start, a few seconds a
//! step, until the step fails its bound (any error, less than 97% of the offered rate done, or
//! p99 over the kind's bound); the table shows the last step that held, beside same-run
//! baselines: the same number of bytes from the server's memory, and a bare single-row write
//! transaction through the same pool.
//!
//! Then, at the drive's size: the dashboards, the evidence list (first, middle and last page;
//! each filter) and its exports, with time to first byte and the server's peak memory.
//!
//! Run: `cargo bench -p qihang --bench campaign -- [sqlite|postgres|both] [learners] [step seconds]`
//! (step seconds 0 skips the ladders: only the drive's dashboards, evidence list and exports)
//! (the browser bundle must be built first: `cargo xtask wasm`; `cargo xtask bench` does all).

mod support;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};
use support::bench::{
    generate_drive, import_bench_quiz, pin_self_to, quantile_ms, women_with_sessions,
};
use support::*;

/// One open-loop step's figures.
#[derive(Clone, Default)]
struct Step {
    offered: f64,
    achieved: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    errors: usize,
    /// The server process's CPU time per request done, in µs (its own threads; PostgreSQL's
    /// backends are other processes and not counted).
    cpu_us: f64,
}

impl Step {
    fn holds(&self, p99_bound_ms: f64) -> bool {
        self.errors == 0 && self.achieved >= 0.97 * self.offered && self.p99 <= p99_bound_ms
    }
}

/// Why requests failed, by kind (what, status or error, the start of the body), so a broken
/// step says what broke it; printed under each backend's table.
static FAILURES: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

/// Whether `sent` answered `want` with its body read; a failure is counted in [`FAILURES`].
async fn answered(what: &str, sent: reqwest::Result<reqwest::Response>, want: u16) -> bool {
    let why = match sent {
        Ok(r) if r.status().as_u16() == want => match r.bytes().await {
            Ok(_) => return true,
            Err(e) => format!("body: {e}"),
        },
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            format!("{status} {}", body.chars().take(160).collect::<String>())
        }
        Err(e) => format!("{e:?}").chars().take(200).collect(),
    };
    *FAILURES
        .lock()
        .unwrap()
        .entry(format!("{what}: {why}"))
        .or_default() += 1;
    false
}

/// The failures counted since the last call, one line each.
fn take_failures() -> Vec<String> {
    std::mem::take(&mut *FAILURES.lock().unwrap())
        .into_iter()
        .map(|(why, n)| format!("- {n} × {why}"))
        .collect()
}

/// The benchmarked server's pid, for its CPU time.
static SERVER_PID: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// The server's CPU time so far (user + system), in µs: `/proc/PID/stat` fields 14 and 15, in
/// ticks of 1/100 s (USER_HZ is 100 on Linux's x86 ABI).
fn server_cpu_us() -> f64 {
    let pid = SERVER_PID.load(std::sync::atomic::Ordering::Relaxed);
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The command name may hold spaces: count fields after its closing parenthesis.
            let rest = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks =
                fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks * 10_000.0)
        })
        .unwrap_or(0.0)
}

/// Sends `one(i)` at `rate` per second for `seconds`, each at its scheduled time, and waits
/// for the stragglers (at most 10 s each: longer is an error).
async fn open_loop<F, Fut>(rate: f64, seconds: f64, one: F) -> Step
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let total = (rate * seconds).round() as u64;
    let cpu_before = server_cpu_us();
    let start = tokio::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let work = one(i);
        tasks.spawn(async move {
            let ok = matches!(
                tokio::time::timeout(Duration::from_secs(10), work).await,
                Ok(true)
            );
            (due.elapsed(), ok)
        });
    }
    let mut latencies = Vec::with_capacity(total as usize);
    let mut errors = 0;
    let mut last_done = Duration::ZERO;
    while let Some(joined) = tasks.join_next().await {
        let (latency, ok) = joined.unwrap_or((Duration::from_secs(10), false));
        if ok {
            latencies.push(latency);
        } else {
            errors += 1;
        }
        last_done = last_done.max(start.elapsed());
    }
    let cpu = server_cpu_us() - cpu_before;
    latencies.sort_unstable();
    let done = latencies.len();
    Step {
        offered: rate,
        achieved: done as f64 / last_done.as_secs_f64().max(seconds),
        p50: quantile_ms(&latencies, 0.50),
        p99: quantile_ms(&latencies, 0.99),
        p999: quantile_ms(&latencies, 0.999),
        errors,
        cpu_us: cpu / done.max(1) as f64,
    }
}

/// The highest step that held its bound, and the first that did not.
struct Capacity {
    held: Option<Step>,
    broke: Option<Step>,
}

async fn capacity<F, Fut>(
    start_rate: f64,
    max_rate: f64,
    p99_ms: f64,
    seconds: f64,
    one: F,
) -> Capacity
where
    F: Fn(u64) -> Fut + Clone,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let mut rate = start_rate;
    let mut held = None;
    let mut offset = 0u64;
    loop {
        let one = one.clone();
        let base = offset;
        let step = open_loop(rate, seconds, move |i| one(base + i)).await;
        offset += (rate * seconds) as u64 + 1;
        // Let the queue drain before the next step.
        tokio::time::sleep(Duration::from_millis(500)).await;
        if !step.holds(p99_ms) {
            return Capacity {
                held,
                broke: Some(step),
            };
        }
        held = Some(step);
        if rate >= max_rate {
            return Capacity { held, broke: None };
        }
        rate = (rate * 1.5).min(max_rate);
    }
}

/// The printed and saved report.
#[derive(Default)]
struct Report {
    text: String,
}

impl Report {
    fn line(&mut self, line: impl AsRef<str>) {
        println!("{}", line.as_ref());
        let _ = writeln!(self.text, "{}", line.as_ref());
    }

    fn header(&mut self) {
        self.line(format!(
            "| {:<44} | {:>8} | {:>8} | {:>8} | {:>8} | {:>6} | {:>10} | {:>10} | {:<26} |",
            "request (open loop, bound)",
            "req/s",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "errors",
            "vs base",
            "CPU µs/req",
            "next step (×1.5) gave"
        ));
        self.line(format!(
            "|{}|{}|{}|{}|{}|{}|{}|{}|{}|",
            "-".repeat(46),
            "-".repeat(10),
            "-".repeat(10),
            "-".repeat(10),
            "-".repeat(10),
            "-".repeat(8),
            "-".repeat(12),
            "-".repeat(12),
            "-".repeat(28)
        ));
    }

    fn capacity(&mut self, what: &str, c: &Capacity, baseline: Option<f64>) -> f64 {
        let broke = c
            .broke
            .as_ref()
            .map_or("(top of the ladder)".to_string(), |b| {
                format!("{:.0}/s: p99 {:.1} ms, {} err", b.offered, b.p99, b.errors)
            });
        match &c.held {
            Some(s) => {
                let ratio = baseline.map_or("baseline".to_string(), |b| {
                    format!("{:.1}%", 100.0 * s.achieved / b)
                });
                self.line(format!(
                    "| {what:<44} | {:>8.0} | {:>8.2} | {:>8.2} | {:>8.2} | {:>6} | {:>10} | {:>10.0} | {broke:<26} |",
                    s.achieved, s.p50, s.p99, s.p999, s.errors, ratio, s.cpu_us
                ));
                s.achieved
            }
            None => {
                self.line(format!(
                    "| {what:<44} | {:>8} | {:>8} | {:>8} | {:>8} | {:>6} | {:>10} | {:>10} | {broke:<26} |",
                    "—", "—", "—", "—", "—", "—", "—"
                ));
                0.0
            }
        }
    }
}

/// Peak resident memory of a process since the last reset, and a reset (Linux: writing 5 to
/// `clear_refs` resets the high-water mark).
fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

type Get = Arc<dyn Fn(String, Option<String>) -> futures_like::BoxFut + Send + Sync>;

mod futures_like {
    pub type BoxFut = std::pin::Pin<Box<dyn std::future::Future<Output = bool> + Send>>;
}

/// A GET that counts as done on 200 with its body read.
/// Pages are asked for as a returning browser would: with the session and the
/// stylesheet-cached cookie `css` ([`stylesheet_cookie`]).
fn getter(client: reqwest::Client, css: String) -> Get {
    Arc::new(move |url: String, cookie: Option<String>| {
        let client = client.clone();
        let css = css.clone();
        Box::pin(async move {
            let mut request = client.get(url);
            if let Some(token) = cookie {
                request = request.header("cookie", format!("qihang_session={token}; {css}"));
            }
            answered("GET", request.send().await, 200).await
        })
    })
}

/// `n` sequential GETs (fewer when slow) after 3 unmeasured ones, signed in with a bearer token or (for pages) the
/// session cookie: p50, p95 and max in ms, and the body's size.
async fn sequential(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    cookie: Option<&str>,
    n: usize,
) -> (f64, f64, f64, usize) {
    let mut samples = Vec::new();
    let mut bytes = 0;
    let started = Instant::now();
    for i in 0..n + 3 {
        // A slow endpoint gets at least 5 samples and at most about 10 s.
        if samples.len() >= 5 && started.elapsed() > Duration::from_secs(10) {
            break;
        }
        let t = Instant::now();
        let request = client.get(url);
        let request = match cookie {
            Some(css) => request.header("cookie", format!("qihang_session={token}; {css}")),
            None => request.bearer_auth(token),
        };
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        bytes = response.bytes().await.unwrap().len();
        if i >= 3 {
            samples.push(t.elapsed());
        }
    }
    samples.sort_unstable();
    (
        quantile_ms(&samples, 0.5),
        quantile_ms(&samples, 0.95),
        quantile_ms(&samples, 1.0),
        bytes,
    )
}

async fn bench(backend: &str, learners: usize, seconds: f64) -> String {
    std::env::set_var("QIHANG_TEST_DB", backend);
    let mut report = Report::default();
    report.line(format!(
        "\n### {backend}: a drive of {learners} learners; server on CPU 0, open-loop load on CPU 1, {seconds} s per step\n"
    ));
    let db = TestDb::create();
    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses");
    let (summary, took) = generate_drive(&db, learners);
    report.line(format!(
        "demo generate: {summary} ({:.0} s)",
        took.as_secs_f64()
    ));
    // A quiz course with unlimited attempts beside the bundled catalogue.
    import_bench_quiz(&db);
    create_admin_cli(&db, "13700000001", "js", Some("admin-password"));
    create_admin_cli(&db, "13700000002", "js-sz", Some("admin-password"));

    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(
        &db,
        data.path(),
        ServerOptions::default()
            .env("QIHANG_COURSES_DIR", courses.display().to_string())
            .env("QIHANG_DB_POOL_SIZE", "16")
            .env("QIHANG_BENCH_ENDPOINTS", "true")
            .env("QIHANG_JOBS_ENABLED", "false")
            .pinned_to(0),
    );
    let pid = server.pid();
    SERVER_PID.store(pid, std::sync::atomic::Ordering::Relaxed);
    let app = TestApp {
        server,
        db,
        data_dir: data,
        client: client(),
    };
    // One registration through the API gives a real password hash to copy.
    app.register("13500000000", "js-nj").await;
    let hash: String = {
        use qihang_core::db::schema::users;
        let mut conn = app.db.connect();
        users::table
            .filter(users::phone.eq("13500000000"))
            .select(users::password_hash)
            .first::<Option<String>>(&mut conn)
            .unwrap()
            .unwrap()
    };
    let tokens = Arc::new(women_with_sessions(
        &app.db,
        400,
        "js-nj",
        "136",
        "学员",
        Some(&hash),
    ));
    for token in tokens.iter() {
        app.enrol(token, "smartphone-basics").await;
        app.enrol(token, "bench-quiz").await;
    }
    let province = app.login("13700000001", "admin-password").await;
    let city = app.login("13700000002", "admin-password").await;
    let css = stylesheet_cookie(&app).await;

    // Idle connections are dropped after 2 s, before the server's 5 s keep-alive (and its 20 s
    // wait for a first request): otherwise a connection the pool opened but never used gets
    // the server's 408, or one the server is closing takes a request, and the step fails for
    // the generator's sake, not the server's.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .pool_idle_timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Step seconds 0: the drive's rows alone (dashboards, evidence list, exports), for a size
    // whose generation leaves no time for the ladders.
    if seconds > 0.0 {
        let base = Arc::new(app.server.base.clone());
        let get = getter(client.clone(), css.clone());
        let lesson_url = app.url("/courses/smartphone-basics/lessons/wifi");
        let lesson_len = client
            .get(&lesson_url)
            .header("cookie", format!("qihang_session={}; {css}", tokens[0]))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len();
        let catalogue_url = app.url("/courses");

        report.line(format!(
        "lesson page {lesson_len} B (identity); bound p99 ≤ 50 ms for pages and logins, ≤ 25 ms for the quiz\n"
    ));
        report.header();
        let page = |url: String| {
            let get = get.clone();
            let tokens = tokens.clone();
            move |i: u64| get(url.clone(), Some(tokens[i as usize % tokens.len()].clone()))
        };
        let static_base = capacity(
            500.0,
            60_000.0,
            50.0,
            seconds,
            page(app.url(&format!("/_bench/bytes/{lesson_len}"))),
        )
        .await;
        let base_read = report.capacity(
            &format!("baseline: {lesson_len} B from memory"),
            &static_base,
            None,
        );
        let lesson = capacity(100.0, 60_000.0, 50.0, seconds, page(lesson_url.clone())).await;
        let lesson_rate = report.capacity("GET lesson page (signed in)", &lesson, Some(base_read));
        let catalogue = capacity(100.0, 60_000.0, 50.0, seconds, page(catalogue_url)).await;
        report.capacity(
            "GET catalogue page (signed in)",
            &catalogue,
            Some(base_read),
        );
        let api_lesson = capacity(
            100.0,
            60_000.0,
            50.0,
            seconds,
            page(app.url("/api/v1/courses/smartphone-basics/lessons/wifi")),
        )
        .await;
        report.capacity("GET lesson (API, JSON)", &api_lesson, Some(base_read));

        // Writes: the baseline, then the quiz.
        let orgs: Vec<i64> = {
            use qihang_core::db::schema::orgs;
            let mut conn = app.db.connect();
            orgs::table
                .select(orgs::id)
                .limit(2000)
                .load(&mut conn)
                .unwrap()
        };
        let orgs = Arc::new(orgs);
        let write_one = {
            let client = client.clone();
            let base = base.clone();
            move |i: u64| {
                let client = client.clone();
                let url = format!("{base}/_bench/write/{}", orgs[i as usize % orgs.len()]);
                async move {
                    answered(
                        "write baseline",
                        client.post(url).bearer_auth("bench").send().await,
                        204,
                    )
                    .await
                }
            }
        };
        let write_base = capacity(100.0, 60_000.0, 25.0, seconds, write_one).await;
        let base_write =
            report.capacity("baseline: single-row write transaction", &write_base, None);

        let start_one = {
            let client = client.clone();
            let base = base.clone();
            let tokens = tokens.clone();
            move |i: u64| {
                let client = client.clone();
                let url = format!("{base}/api/v1/courses/bench-quiz/quiz/attempts");
                let token = tokens[i as usize % tokens.len()].clone();
                async move {
                    let sent = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&json!({}))
                        .send()
                        .await;
                    answered("quiz start", sent, 201).await
                }
            }
        };
        let starts = capacity(50.0, 20_000.0, 25.0, seconds, start_one).await;
        report.capacity("POST quiz start", &starts, Some(base_write));

        // Save and submit need an open attempt each: start them first (not timed).
        let open_attempts = |n: usize| {
            let client = client.clone();
            let base = base.clone();
            let tokens = tokens.clone();
            async move {
                let mut attempts = Vec::new();
                for i in 0..n {
                    let token = tokens[i % tokens.len()].clone();
                    let attempt: Value = client
                        .post(format!("{base}/api/v1/courses/bench-quiz/quiz/attempts"))
                        .bearer_auth(&token)
                        .json(&json!({}))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let first = &attempt["questions"][0];
                    let answers =
                        json!({ first["id"].as_str().unwrap_or(""): [first["options"][0]["id"]] });
                    attempts.push((
                        token,
                        attempt["id"].as_str().unwrap_or("").to_string(),
                        answers,
                    ));
                }
                Arc::new(attempts)
            }
        };
        let pool = open_attempts(tokens.len()).await;
        let save_one = {
            let client = client.clone();
            let base = base.clone();
            let pool = pool.clone();
            move |i: u64| {
                let client = client.clone();
                let (token, id, answers) = pool[i as usize % pool.len()].clone();
                let url = format!("{base}/api/v1/quiz-attempts/{id}/answers");
                async move {
                    let sent = client
                        .put(url)
                        .bearer_auth(token)
                        .json(&json!({ "answers": answers }))
                        .send()
                        .await;
                    answered("quiz save", sent, 200).await
                }
            }
        };
        let saves = capacity(50.0, 20_000.0, 25.0, seconds, save_one).await;
        report.capacity("PUT quiz answers (save)", &saves, Some(base_write));

        // Submits: each attempt once; the ladder's steps draw from a pool large enough for them.
        let submit_pool = open_attempts(6_000).await;
        let submit_one = {
            let client = client.clone();
            let base = base.clone();
            let pool = submit_pool.clone();
            move |i: u64| {
                let client = client.clone();
                let (token, id, answers) = pool[i as usize % pool.len()].clone();
                let url = format!("{base}/api/v1/quiz-attempts/{id}/submit");
                async move {
                    let sent = client
                        .post(url)
                        .bearer_auth(token)
                        .json(&json!({ "answers": answers }))
                        .send()
                        .await;
                    answered("quiz submit", sent, 200).await
                }
            }
        };
        let submits = capacity(50.0, 20_000.0, 25.0, (seconds / 2.0).max(1.0), submit_one).await;
        report.capacity(
            "POST quiz submit (each attempt once)",
            &submits,
            Some(base_write),
        );

        let journey_one = {
            let client = client.clone();
            let base = base.clone();
            let tokens = tokens.clone();
            move |i: u64| {
                let client = client.clone();
                let base = base.clone();
                let token = tokens[i as usize % tokens.len()].clone();
                async move {
                    let Ok(r) = client
                        .post(format!("{base}/api/v1/courses/bench-quiz/quiz/attempts"))
                        .bearer_auth(&token)
                        .json(&json!({}))
                        .send()
                        .await
                    else {
                        return false;
                    };
                    let Ok(attempt) = r.json::<Value>().await else {
                        return false;
                    };
                    let id = attempt["id"].as_str().unwrap_or("").to_string();
                    let answers = Value::Object(
                        attempt["questions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|q| {
                                (
                                    q["id"].as_str().unwrap_or("").to_string(),
                                    json!([q["options"][0]["id"]]),
                                )
                            })
                            .collect(),
                    );
                    let saved = client
                        .put(format!("{base}/api/v1/quiz-attempts/{id}/answers"))
                        .bearer_auth(&token)
                        .json(&json!({ "answers": answers }))
                        .send()
                        .await;
                    if !answered("journey save", saved, 200).await {
                        return false;
                    }
                    let submitted = client
                        .post(format!("{base}/api/v1/quiz-attempts/{id}/submit"))
                        .bearer_auth(&token)
                        .json(&json!({ "answers": answers }))
                        .send()
                        .await;
                    answered("journey submit", submitted, 200).await
                }
            }
        };
        let journeys = capacity(20.0, 10_000.0, 75.0, seconds, journey_one).await;
        report.capacity(
            "journey: start + save + submit (p99 ≤ 75 ms)",
            &journeys,
            Some(base_write),
        );
        let issued: (i64, i64) = {
            use qihang_core::db::schema::{certificates, enrollments};
            let mut conn = app.db.connect();
            (
                enrollments::table
                    .filter(enrollments::completed_at.is_not_null())
                    .count()
                    .get_result(&mut conn)
                    .unwrap(),
                certificates::table.count().get_result(&mut conn).unwrap(),
            )
        };

        // Logins, then the lesson page at half its capacity during a burst of 200 logins/s.
        let login_one = {
            let client = client.clone();
            let base = base.clone();
            let n = tokens.len();
            move |i: u64| {
                let client = client.clone();
                let url = format!("{base}/api/v1/auth/login");
                let phone = format!("136{:08}", i as usize % n);
                async move {
                    let sent = client
                        .post(url)
                        .json(&json!({"login": phone, "password": "password-123"}))
                        .send()
                        .await;
                    answered("login", sent, 200).await
                }
            }
        };
        let logins = capacity(5.0, 2_000.0, 250.0, seconds, login_one.clone()).await;
        report.capacity("POST login (p99 ≤ 250 ms)", &logins, None);
        let page_rate = (lesson_rate / 2.0).max(50.0);
        let burst_seconds = seconds.max(3.0);
        let (during, _) = tokio::join!(
            open_loop(page_rate, burst_seconds, page(lesson_url.clone())),
            open_loop(200.0, burst_seconds, login_one.clone()),
        );
        report.line(format!(
        "\nlesson page at {page_rate:.0}/s during 200 logins/s: p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, {} errors (target p99 ≤ 50 ms)",
        during.p50, during.p99, during.p999, during.errors
    ));
        report.line(format!(
        "completed enrolments in the database (the drive's and the benchmark's): {}; certificates: {} (the quiz alone does not complete bench-quiz: its lesson is unread)",
        issued.0, issued.1
    ));

        let failures = take_failures();
        if failures.is_empty() {
            report.line("failed requests above: none");
        } else {
            report.line("failed requests above, by kind:");
            for line in failures {
                report.line(line);
            }
        }
    }

    // The drive: dashboards and the evidence list, one request at a time.
    report.line(format!(
        "\nat {learners} learners, up to 50 sequential requests each (about 10 s at most a row):\n"
    ));
    report.line(format!(
        "| {:<58} | {:>8} | {:>8} | {:>8} | {:>9} |",
        "request", "p50 ms", "p95 ms", "max ms", "bytes"
    ));
    report.line(format!(
        "|{}|{}|{}|{}|{}|",
        "-".repeat(60),
        "-".repeat(10),
        "-".repeat(10),
        "-".repeat(10),
        "-".repeat(11)
    ));
    let mut rows: Vec<(String, String, &str)> = vec![
        (
            "province dashboard API".into(),
            "/api/v1/orgs/js/stats".into(),
            &province,
        ),
        (
            "city dashboard API".into(),
            "/api/v1/orgs/js-sz/stats".into(),
            &city,
        ),
        (
            "province dashboard page".into(),
            "/dashboard/js".into(),
            &province,
        ),
    ];
    // The evidence list: its first, middle and last page, unfiltered and with each filter;
    // and a small union's (one generated enterprise union, read by place), alone and with a
    // course.
    let small = support::bench::first_generated_union(&app.db);
    let small_alone = format!("org={small}");
    let small_course = format!("org={small}&course=smartphone-basics");
    for query in [
        "",
        "tier=2",
        "mode=offline",
        "course=smartphone-basics",
        "month=2025-03",
        "org=js-sz",
        "first_only=true",
        "tier=2&month=2025-03",
        small_alone.as_str(),
        small_course.as_str(),
    ] {
        let first: Value = app
            .get_as(
                &province,
                &format!("/api/v1/orgs/js/trained?page=1&{query}"),
            )
            .await
            .json()
            .await
            .unwrap();
        let per_page = first["per_page"].as_i64().unwrap_or(50).max(1);
        let pages = ((first["total"].as_i64().unwrap_or(0) + per_page - 1) / per_page).max(1);
        let label = if query.is_empty() { "no filter" } else { query };
        for (which, page) in [
            ("first", 1),
            ("middle", (pages / 2).max(1)),
            ("last", pages),
        ] {
            rows.push((
                format!("evidence list, province, {label}, {which} page ({page})"),
                format!("/api/v1/orgs/js/trained?page={page}&{query}"),
                &province,
            ));
        }
    }
    for (label, path, token) in &rows {
        let cookie_page = path.starts_with("/dashboard").then_some(css.as_str());
        let (p50, p95, max, bytes) =
            sequential(&client, &app.url(path), token, cookie_page, 50).await;
        report.line(format!(
            "| {label:<58} | {p50:>8.2} | {p95:>8.2} | {max:>8.2} | {bytes:>9} |"
        ));
    }

    // Exports: time to the first byte, to the last, and the server's peak memory.
    report.line("");
    for file in ["trained.csv", "trained.xlsx"] {
        let idle = rss_kb(pid);
        reset_peak(pid);
        let t = Instant::now();
        let mut response = client
            .get(app.url(&format!("/api/v1/orgs/js/{file}")))
            .bearer_auth(&province)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let mut first_byte = None;
        let mut total = 0usize;
        while let Some(chunk) = response.chunk().await.unwrap() {
            first_byte.get_or_insert(t.elapsed());
            total += chunk.len();
        }
        let peak = peak_rss_kb(pid);
        report.line(format!(
            "export {file}: {status}, {total} bytes, first byte {:.0} ms, done {:.0} ms; server memory idle {} MB, peak {} MB (+{} MB)",
            first_byte.unwrap_or_default().as_secs_f64() * 1000.0,
            t.elapsed().as_secs_f64() * 1000.0,
            idle / 1024,
            peak / 1024,
            peak.saturating_sub(idle) / 1024
        ));
    }
    report.text
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let which = args.first().map(String::as_str).unwrap_or("both");
    let learners = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500_000);
    let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3.0);
    // The machine's cores, counted before this process is pinned to one of them.
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    pin_self_to(1);
    let backends: &[&str] = match which {
        "sqlite" => &["sqlite"],
        "postgres" => &["postgres"],
        _ => &["sqlite", "postgres"],
    };
    let mut all = String::new();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    let _ = writeln!(
        all,
        "# Campaign benchmark\n\n{} · {} cores · {cpu} · release build\n",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        cores,
    );
    for backend in backends {
        all.push_str(&bench(backend, learners, seconds).await);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("campaign.md");
    std::fs::write(&path, &all).unwrap();
    println!("\nwritten to {}", path.display());
}
