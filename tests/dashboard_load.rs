//! Dashboard benchmark (not a test): a synthetic drive of N learners (`qihang demo
//! generate`), then the release server, pinned to one core, answering the province's and one
//! city's dashboards (REST and page) one request at a time, p50/p95 over 200 requests each;
//! beside, in the same run, the naive recomputation of the same figure from the raw rows
//! (one SQL query with a window function) and the full `stats verify` recomputation.
//!
//! Run: `cargo bench -p qihang --bench dashboards -- [sqlite|postgres|both] [learners]`

mod support;

use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use support::*;

const REQUESTS: usize = 200;

fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort_unstable();
    let at = |q: f64| {
        let i = ((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1;
        samples[i].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.95), at(1.0))
}

async fn timed_gets(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    cookie: Option<&str>,
) -> Vec<Duration> {
    let mut samples = Vec::new();
    for i in 0..REQUESTS + 20 {
        let request = client.get(url);
        let request = match cookie {
            Some(css) => request.header("cookie", format!("qihang_session={token}; {css}")),
            None => request.bearer_auth(token),
        };
        let t = Instant::now();
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{url}");
        response.bytes().await.unwrap();
        if i >= 20 {
            samples.push(t.elapsed());
        }
    }
    samples
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Women whose first completion since the drive began was attributed inside `path`,
/// straight from the completion rows.
fn naive_trained(conn: &mut qihang_core::db::DbConn, path: &str) -> (i64, Duration) {
    let upper = format!("{}0", path.trim_end_matches('/'));
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT e.completed_org_path AS path, ROW_NUMBER() OVER \
         (PARTITION BY e.user_id ORDER BY e.completed_at, e.id) AS rn FROM enrollments e \
         JOIN users u ON u.id = e.user_id WHERE u.gender = 'female' AND e.completed_at >= \
         '2024-08-04 16:00:00' AND e.completed_org_path IS NOT NULL) t \
         WHERE rn = 1 AND path >= '{path}' AND path < '{upper}'"
    );
    let t = Instant::now();
    let count: Count = diesel::sql_query(sql).get_result(conn).unwrap();
    (count.n, t.elapsed())
}

async fn bench(backend: &str, learners: usize) {
    std::env::set_var("QIHANG_TEST_DB", backend);
    println!("\n== {backend}: {learners} learners");
    let db = TestDb::create();
    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses");
    let (summary, took) = support::bench::generate_drive(&db, learners);
    println!(
        "  demo generate: {summary} ({:.1} s wall)",
        took.as_secs_f64()
    );
    create_admin_cli(&db, "13700000001", "js", Some("admin-password"));
    create_admin_cli(&db, "13700000002", "js-sz", Some("admin-password"));
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(
        &db,
        data.path(),
        ServerOptions::default()
            .env("QIHANG_COURSES_DIR", courses.display().to_string())
            .pinned_to(0),
    );
    let app = TestApp {
        server,
        db,
        data_dir: data,
        client: client(),
    };
    let province = app.login("13700000001", "admin-password").await;
    let city = app.login("13700000002", "admin-password").await;
    let css = stylesheet_cookie(&app).await;
    let client = reqwest::Client::new();
    let mut figures = Vec::new();
    for (what, path, token, cookie) in [
        (
            "province  GET /api/v1/orgs/js/stats",
            "/api/v1/orgs/js/stats",
            &province,
            None,
        ),
        (
            "city      GET /api/v1/orgs/js-sz/stats",
            "/api/v1/orgs/js-sz/stats",
            &city,
            None,
        ),
        (
            "province  page /dashboard/js",
            "/dashboard/js",
            &province,
            Some(css.as_str()),
        ),
        (
            "city      page /dashboard/js-sz",
            "/dashboard/js-sz",
            &city,
            Some(css.as_str()),
        ),
    ] {
        let (p50, p95, max) = percentiles(timed_gets(&client, &app.url(path), token, cookie).await);
        println!("  {what:<40} p50 {p50:>7.2} ms  p95 {p95:>7.2} ms  max {max:>7.2} ms  ({REQUESTS} sequential)");
        figures.push(p95);
    }
    let js: serde_json::Value = app
        .get_as(&province, "/api/v1/orgs/js/stats")
        .await
        .json()
        .await
        .unwrap();
    let sz: serde_json::Value = app
        .get_as(&city, "/api/v1/orgs/js-sz/stats")
        .await
        .json()
        .await
        .unwrap();
    let mut conn = app.db.connect();
    for (label, path, shown) in [("province", "/js/", &js), ("city js-sz", "/js/js-sz/", &sz)] {
        let (n, took) = naive_trained(&mut conn, path);
        println!(
            "  naive recomputation from raw rows, {label:<10}: {:>9.1} ms (trained {n}; dashboard says {})",
            took.as_secs_f64() * 1000.0,
            shown["trained"]
        );
        assert_eq!(
            shown["trained"].as_i64(),
            Some(n),
            "the dashboard and the raw rows disagree"
        );
    }
    let t = Instant::now();
    let verify = qihang_command()
        .args(["--database-url", &app.db.url, "stats", "verify"])
        .output()
        .unwrap();
    println!(
        "  qihang stats verify (every counter, every node): {:.1} s wall; {}",
        t.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&verify.stdout)
            .lines()
            .last()
            .unwrap_or("")
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let which = args.first().map(String::as_str).unwrap_or("both");
    let learners = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500_000);
    let _ = std::process::Command::new("taskset")
        .args(["-a", "-p", "-c", "1", &std::process::id().to_string()])
        .output();
    let backends: &[&str] = match which {
        "sqlite" => &["sqlite"],
        "postgres" => &["postgres"],
        _ => &["sqlite", "postgres"],
    };
    for backend in backends {
        bench(backend, learners).await;
    }
}
