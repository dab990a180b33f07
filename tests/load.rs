//! Load benchmarks (not tests): the real release server on loopback, pinned to one core with
//! the load on the other, against SQLite or PostgreSQL. Prints, per backend:
//! - lesson-page throughput and latency at 50 concurrent clients (50 signed-in learners),
//!   beside a baseline from the same run (the stylesheet: the same server returning bytes
//!   from memory), and wrk's own figures for the same page when wrk is installed;
//! - quiz start + submit throughput and latency at 50 concurrent clients;
//! - the lesson page's first-visit transfer (HTML + CSS + JS + wasm, as compressed on the
//!   wire), and whether its text is in the HTML before any script runs.
//!
//! Run: `cargo bench -p qihang --bench load -- [sqlite|postgres|both] [seconds]`
//! (the browser bundle must be built first: `cargo xtask wasm`).

mod support;

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::*;

const CLIENTS: usize = 50;

struct Figures {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Figures {
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
            "  {what:<34} {:>8.0} /s  p50 {:>6.2} ms  p99 {:>6.2} ms  p99.9 {:>6.2} ms  max {:>7.2} ms  ({} done, {} errors)",
            self.requests as f64 / self.elapsed.as_secs_f64(),
            at(0.50),
            at(0.99),
            at(0.999),
            self.latencies.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
            self.requests,
            self.errors,
        );
    }
}

/// `CLIENTS` closed-loop clients, each running `one` (one unit of work) for `duration`.
async fn closed_loop<F, Fut>(duration: Duration, tokens: &[String], one: F) -> Figures
where
    F: Fn(usize, String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let token = tokens[client % tokens.len()].clone();
        let one = one.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let t = Instant::now();
                if one(client, token.clone()).await {
                    latencies.push(t.elapsed());
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut figures = Figures {
        requests: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (latencies, errors) = task.await.unwrap();
        figures.requests += latencies.len();
        figures.errors += errors;
        figures.latencies.extend(latencies);
    }
    figures.elapsed = start.elapsed();
    figures
}

async fn bench(backend: &str, seconds: u64) {
    std::env::set_var("QIHANG_TEST_DB", backend);
    let duration = Duration::from_secs(seconds);
    println!("\n== {backend}: server pinned to CPU 0, load on CPU 1, {CLIENTS} clients, {seconds} s per run");

    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses");
    let options = ServerOptions::default()
        .env("QIHANG_COURSES_DIR", courses.display().to_string())
        .env("QIHANG_DB_POOL_SIZE", "16")
        .pinned_to(0);
    let db = TestDb::create();
    // A quiz course with unlimited attempts, imported beside the bundled catalogue.
    support::bench::import_bench_quiz(&db);
    let data_dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(&db, data_dir.path(), options);
    let app = TestApp {
        server,
        db,
        data_dir,
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(CLIENTS)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };

    let mut tokens = Vec::new();
    for i in 0..CLIENTS {
        let phone = format!("139{:08}", i);
        let courses = ["smartphone-basics", "bench-quiz"];
        tokens.push(app.enrolled_learner(&phone, "js-nj", &courses).await);
    }
    let course: Value = app.get_json("/api/v1/courses/smartphone-basics").await;
    let lesson = course["lessons"][0]["id"].as_str().unwrap().to_string();
    let lesson_path = format!("/courses/smartphone-basics/lessons/{lesson}");
    let lesson_url = Arc::new(app.url(&lesson_path));

    // Warm up, then the baseline and the lesson page.
    let client = app.client.clone();
    let css = stylesheet_cookie(&app).await;
    let page_cookie = css.clone();
    let get = move |url: Arc<String>| {
        let client = client.clone();
        let css = page_cookie.clone();
        move |_: usize, token: String| {
            let client = client.clone();
            let url = url.clone();
            let css = css.clone();
            async move {
                let response = client
                    .get(url.as_str())
                    .header("cookie", format!("qihang_session={token}; {css}"))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                    _ => false,
                }
            }
        }
    };
    let style_url = Arc::new(app.url("/style.css"));
    closed_loop(Duration::from_secs(2), &tokens, get(lesson_url.clone())).await;
    closed_loop(duration, &tokens, get(style_url))
        .await
        .print("baseline: GET /style.css (memory)");
    closed_loop(duration, &tokens, get(lesson_url.clone()))
        .await
        .print("lesson page (signed in, from DB)");

    if Command::new("wrk").arg("--version").output().is_ok() {
        let out = Command::new("taskset")
            .args([
                "-c",
                "1",
                "wrk",
                "-t1",
                "-c50",
                &format!("-d{seconds}s"),
                "--latency",
                "-H",
            ])
            .arg(format!("Cookie: qihang_session={}; {}", tokens[0], css))
            .arg(lesson_url.as_str())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        println!("  wrk -t1 -c50 on the lesson page (one learner's cookie):");
        for line in text.lines().filter(|l| {
            l.contains("Requests/sec")
                || l.contains("99%")
                || l.contains("50%")
                || l.contains("Latency ")
        }) {
            println!("    {}", line.trim());
        }
    }

    // Quiz: start an attempt, submit it; 50 learners at once (fresh connections: the pool's
    // idle ones have outlived the server's keep-alive by now).
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .unwrap();
    let base = Arc::new(app.server.base.clone());
    let starts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let submits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (s1, s2) = (starts.clone(), submits.clone());
    let mut pairs = closed_loop(duration, &tokens, move |_, token| {
        let client = client.clone();
        let base = base.clone();
        let (starts, submits) = (s1.clone(), s2.clone());
        async move {
            let t = Instant::now();
            let started = client
                .post(format!("{base}/api/v1/courses/bench-quiz/quiz/attempts"))
                .bearer_auth(&token)
                .json(&json!({}))
                .send()
                .await;
            let started = match started {
                Ok(r) if r.status() == 201 => r,
                Ok(r) => {
                    eprintln!(
                        "start: {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    );
                    return false;
                }
                Err(e) => {
                    eprintln!("start: {e}");
                    return false;
                }
            };
            let Ok(attempt) = started.json::<Value>().await else {
                return false;
            };
            starts.lock().unwrap().push(t.elapsed());
            let first = &attempt["questions"][0];
            let answers =
                json!({ first["id"].as_str().unwrap_or(""): [first["options"][0]["id"]] });
            let t = Instant::now();
            let submitted = client
                .post(format!(
                    "{base}/api/v1/quiz-attempts/{}/submit",
                    attempt["id"].as_str().unwrap_or("")
                ))
                .bearer_auth(&token)
                .json(&json!({ "answers": answers }))
                .send()
                .await;
            match submitted {
                Ok(r) if r.status() == 200 => {
                    submits.lock().unwrap().push(t.elapsed());
                    true
                }
                Ok(r) => {
                    eprintln!(
                        "submit: {} {}",
                        r.status(),
                        r.text().await.unwrap_or_default()
                    );
                    false
                }
                Err(e) => {
                    eprintln!("submit: {e}");
                    false
                }
            }
        }
    })
    .await;
    pairs.print("quiz start + submit (pairs)");
    let elapsed = pairs.elapsed;
    for (what, list) in [("  of which start", starts), ("  of which submit", submits)] {
        let latencies = std::mem::take(&mut *list.lock().unwrap());
        Figures {
            requests: latencies.len(),
            errors: 0,
            elapsed,
            latencies,
        }
        .print(what);
    }

    // First visit: every byte the lesson page needs, compressed as served.
    let mut total = 0usize;
    println!("  first visit to the lesson page (gzip as served, no cache):");
    let html = app
        .client
        .get(lesson_url.as_str())
        .header("cookie", format!("qihang_session={}", tokens[0]))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let encoding = html
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap_or("").to_string());
    let html_bytes = html.bytes().await.unwrap();
    let page = app
        .client
        .get(lesson_url.as_str())
        .header("cookie", format!("qihang_session={}", tokens[0]))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"lesson\""),
        "not the lesson page: {page}"
    );
    let mut assets = vec![("HTML".to_string(), html_bytes.len(), encoding)];
    // The stylesheet and the page's bundle, at the hashed addresses the page names.
    let mut paths: Vec<&str> = page
        .split('"')
        .filter(|v| v.starts_with("/style.") || v.starts_with("/pkg/"))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    assert!(
        paths.iter().any(|p| p.ends_with("_bg.wasm")) && paths.iter().any(|p| p.ends_with(".js")),
        "the lesson page names its bundle (build it: cargo xtask wasm): {paths:?}"
    );
    for path in paths {
        let response = app
            .client
            .get(app.url(path))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            200,
            "{path} (build it: cargo xtask wasm)"
        );
        let encoding = response
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or("").to_string());
        assets.push((
            path.to_string(),
            response.bytes().await.unwrap().len(),
            encoding,
        ));
    }
    for (what, bytes, encoding) in &assets {
        total += bytes;
        println!(
            "    {what:<22} {bytes:>8} B  ({})",
            encoding.as_deref().unwrap_or("identity")
        );
    }
    println!(
        "    total {:>8} B = {:.1} KB (target <= 120 KB)",
        total,
        total as f64 / 1024.0
    );
    let title = course["lessons"][0]["title"].as_str().unwrap_or("?");
    let scripts: Vec<&str> = page
        .match_indices("<script")
        .map(|(i, _)| &page[i..page[i..].find('>').map_or(page.len(), |e| i + e + 1)])
        .collect();
    let external_classic = scripts
        .iter()
        .filter(|t| t.contains("src=") && !t.contains("type=\"module\""))
        .count();
    println!(
        "    lesson title {title:?} server-rendered in the HTML: {}; external scripts that block rendering: {external_classic}",
        page.contains(title),
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let which = args.first().map(String::as_str).unwrap_or("both");
    let seconds = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10);
    support::bench::pin_self_to(1);
    let backends: &[&str] = match which {
        "sqlite" => &["sqlite"],
        "postgres" => &["postgres"],
        _ => &["sqlite", "postgres"],
    };
    for backend in backends {
        bench(backend, seconds).await;
    }
}
