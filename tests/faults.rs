//! Faults (issue 15.1 and 15.7): the server killed with SIGKILL while 200 women submit their
//! quizzes, two servers on one database taking the same submissions, and an online backup
//! under write load, restored. Each checks, record by record, that nothing acknowledged was
//! lost and nothing was done twice; on SQLite or PostgreSQL per `QIHANG_TEST_DB`.

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::bench::women_with_sessions;
use crate::support::quiz::{app_with_quiz_courses, right_answers};
use crate::support::*;
use diesel::prelude::*;
use serde_json::{json, Value};

const WOMEN: usize = 200;

/// The kill test's server is killed once this many submissions are acknowledged.
const KILL_AFTER: usize = 10;

/// `n` women of Wuxi enrolled in `quiz-a` with its lesson read, each with a quiz attempt
/// started: (token, attempt) pairs.
async fn women_at_their_quiz(app: &TestApp, n: usize, prefix: &str) -> Vec<(String, Value)> {
    let tokens = women_with_sessions(&app.db, n, "js-wx", prefix, "测试", None);
    let mut ready = Vec::new();
    for token in tokens {
        app.enrol(&token, "quiz-a").await;
        let read = app
            .post_as(
                &token,
                "/api/v1/courses/quiz-a/lessons/one/complete",
                &json!({}),
            )
            .await;
        assert_eq!(read.status(), 200);
        let attempt = crate::support::quiz::start_attempt(app, &token, "quiz-a").await;
        ready.push((token, attempt));
    }
    ready
}

/// Submits every attempt at once to `base`: the attempt ids whose submission was
/// acknowledged (200, passed).
async fn submit_all(base: &str, ready: &[(String, Value)]) -> HashSet<String> {
    submit_all_counting(base, ready, &AtomicUsize::new(0)).await
}

/// [`submit_all`], counting the acknowledgements in `acknowledged` as they arrive.
async fn submit_all_counting(
    base: &str,
    ready: &[(String, Value)],
    acknowledged: &AtomicUsize,
) -> HashSet<String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let calls = ready.iter().map(|(token, attempt)| {
        let http = http.clone();
        let id = attempt["id"].as_str().unwrap().to_string();
        let url = format!("{base}/api/v1/quiz-attempts/{id}/submit");
        let body = json!({ "answers": right_answers(attempt) });
        let token = token.clone();
        async move {
            let response = http.post(url).bearer_auth(token).json(&body).send().await;
            match response {
                Ok(r) if r.status() == 200 => {
                    let result: Value = r.json().await.ok()?;
                    let passed = result["passed"] == true;
                    if passed {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                    passed.then_some(id)
                }
                _ => None,
            }
        }
    });
    futures_util::future::join_all(calls)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// What the database holds of the quiz: (submitted attempt ids, completed enrolments,
/// certificates, distinct certificate holders).
fn quiz_records(db: &TestDb) -> (HashSet<String>, i64, i64, i64) {
    use qihang_core::db::schema::{certificates, enrollments, quiz_attempts};
    let mut conn = db.connect();
    let submitted: Vec<String> = quiz_attempts::table
        .filter(quiz_attempts::submitted_at.is_not_null())
        .select(quiz_attempts::public_id)
        .load(&mut conn)
        .unwrap();
    let completed: i64 = enrollments::table
        .filter(enrollments::completed_at.is_not_null())
        .count()
        .get_result(&mut conn)
        .unwrap();
    let issued: i64 = certificates::table.count().get_result(&mut conn).unwrap();
    let holders: Vec<i64> = certificates::table
        .select(certificates::user_id)
        .load(&mut conn)
        .unwrap();
    let holders = holders.into_iter().collect::<HashSet<i64>>().len() as i64;
    let unique: HashSet<String> = submitted.iter().cloned().collect();
    assert_eq!(unique.len(), submitted.len(), "an attempt submitted twice");
    (unique, completed, issued, holders)
}

/// Every one of the women submitted once, completed once and holds one certificate; the
/// counters agree with the records.
fn everything_once(db: &TestDb) {
    let (submitted, completed, issued, holders) = quiz_records(db);
    assert_eq!(submitted.len(), WOMEN);
    let all = WOMEN as i64;
    assert_eq!((completed, issued, holders), (all, all, all));
    stats_verify(db);
}

/// A server on `db` serving the quiz courses in `folder`.
fn quiz_server(db: &TestDb, data: &std::path::Path, folder: &tempfile::TempDir) -> TestServer {
    let courses = folder.path().display().to_string();
    TestServer::start(
        db,
        data,
        ServerOptions::default().env("QIHANG_COURSES_DIR", courses),
    )
}

/// Fault 1: `kill -9` while 200 women submit. Every acknowledged submission is in the
/// database once, with its completion and certificate; every completion has exactly one
/// certificate; after a restart the others can submit again and the counters agree.
#[tokio::test]
async fn a_killed_server_loses_no_acknowledged_submission() {
    let (app, folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let ready = women_at_their_quiz(&app, WOMEN, "1390").await;
    let TestApp {
        server,
        db,
        data_dir,
        client,
    } = app;
    let base = server.base.clone();
    let pid = server.pid();
    let so_far = Arc::new(AtomicUsize::new(0));
    let submitting = tokio::spawn({
        let ready = ready.clone();
        let so_far = so_far.clone();
        async move { submit_all_counting(&base, &ready, &so_far).await }
    });
    // Kill it once the first submissions are acknowledged and the rest are in flight
    // (SIGKILL: no shutdown, no flush): a kill before any answer would prove nothing.
    let waited = Instant::now();
    while so_far.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "no {KILL_AFTER} submissions acknowledged within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let killed = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let acknowledged = submitting.await.unwrap();
    drop(server);

    let (submitted, completed, issued, holders) = quiz_records(&db);
    let lost: Vec<&String> = acknowledged.difference(&submitted).collect();
    println!(
        "kill -9 ({}): {} submissions sent, {} acknowledged, {} in the database, lost {}",
        backend(),
        WOMEN,
        acknowledged.len(),
        submitted.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(acknowledged.len() >= KILL_AFTER);
    assert_eq!(completed, submitted.len() as i64);
    assert_eq!((issued, holders), (completed, completed));

    // Restarted, the server takes the rest; nothing is done twice.
    let app = TestApp {
        server: quiz_server(&db, data_dir.path(), &folder),
        db,
        data_dir,
        client,
    };
    let again = submit_all(&app.server.base, &ready).await;
    assert_eq!(
        again.len(),
        WOMEN,
        "every submission answers after the restart"
    );
    everything_once(&app.db);
}

/// Fault 3: two servers on one database take the same 200 submissions at the same moment,
/// each sent to both: every attempt is submitted once, each woman completes once with one
/// certificate, and the counters agree.
#[tokio::test]
async fn two_servers_taking_the_same_submissions_do_everything_once() {
    let (app, folder) =
        app_with_quiz_courses(&["quiz-a"], |_, _| {}, ServerOptions::default()).await;
    let ready = women_at_their_quiz(&app, WOMEN, "1391").await;
    let second_data = tempfile::tempdir().unwrap();
    let second = quiz_server(&app.db, second_data.path(), &folder);
    let (one, two) = tokio::join!(
        submit_all(&app.server.base, &ready),
        submit_all(&second.base, &ready)
    );
    println!(
        "two servers ({}): {} submissions each, acknowledged {} and {}",
        backend(),
        WOMEN,
        one.len(),
        two.len()
    );
    // A repeated submission answers with the same result, so both acknowledge all.
    assert_eq!((one.len(), two.len()), (WOMEN, WOMEN));
    everything_once(&app.db);
}

/// Fault 7: `qihang backup` while registrations pour in. The copy holds every registration
/// acknowledged before the backup began; `restore --check` passes; `restore` makes it the
/// database (keeping the one that was there), and a server runs on it. Damaged files and
/// other files are refused by name. On PostgreSQL the command points to pg_dump.
#[tokio::test]
async fn a_backup_under_write_load_restores_every_acknowledged_record() {
    let app = TestApp::spawn().await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("qihang-backup.db");
    if backend() == "postgres" {
        let refused = qihang_command()
            .args(["--database-url", &app.db.url, "backup"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("pg_dump"));
        return;
    }
    let started = Instant::now();
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(String, Duration)>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (base, acked, stop) = (app.server.base.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                let http = client();
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let phone = format!("1370{w}{i:06}");
                    i += 1;
                    let sent = http
                        .post(format!("{base}/api/v1/auth/register"))
                        .json(&registration(&phone, "js-nj"))
                        .send()
                        .await;
                    if sent.is_ok_and(|r| r.status() == 201) {
                        acked.lock().unwrap().push((phone, started.elapsed()));
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let backup_began = started.elapsed();
    let backed = qihang_command()
        .args(["--database-url", &app.db.url, "backup"])
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&backed.stdout).to_string();
    assert!(
        backed.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&backed.stderr)
    );
    assert!(said.contains("integrity ok"), "{said}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let before: Vec<&String> = acked
        .iter()
        .filter(|(_, at)| *at < backup_began)
        .map(|(phone, _)| phone)
        .collect();
    assert!(before.len() >= 5, "too little load: {}", before.len());

    // A second backup to the same file is refused: a backup never overwrites.
    let again = qihang_command()
        .args(["--database-url", &app.db.url, "backup"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let checked = qihang_command()
        .args(["restore", "--check"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(checked.status.success());
    assert!(String::from_utf8_lossy(&checked.stdout).contains("integrity ok"));

    // Restored where a database already is: that one is kept aside.
    let target = work.path().join("restored/qihang.db");
    let url = format!("sqlite://{}", target.display());
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    std::fs::write(&target, b"an older database").unwrap();
    let restored = qihang_command()
        .args(["--database-url", &url, "restore"])
        .arg(&file)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&restored.stdout).to_string();
    assert!(
        restored.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    assert!(said.contains("is kept as"), "{said}");
    let kept = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("qihang.db.before-restore-")
        });
    assert!(kept);

    let phones: HashSet<String> = {
        use qihang_core::db::schema::users;
        let mut conn = diesel::SqliteConnection::establish(&target.display().to_string()).unwrap();
        users::table
            .select(users::phone)
            .load(&mut conn)
            .unwrap()
            .into_iter()
            .collect()
    };
    let missing: Vec<&&String> = before.iter().filter(|p| !phones.contains(**p)).collect();
    let registered_in_copy = acked.iter().filter(|(p, _)| phones.contains(p)).count();
    println!(
        "backup under load: {} registrations acknowledged, {} before the backup began, {} in \
         the copy, lost {}",
        acked.len(),
        before.len(),
        registered_in_copy,
        missing.len()
    );
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing: {missing:?}"
    );

    // A server runs on the restored database.
    let restored_app = TestDb::at(&url);
    let server = TestServer::start(&restored_app, work.path(), ServerOptions::default());
    let health = client()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    drop(server);

    // Damaged and foreign files are refused, by name.
    let damaged = work.path().join("damaged.db");
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4096].fill(0x5a);
    std::fs::write(&damaged, bytes).unwrap();
    let foreign = work.path().join("notes.txt");
    std::fs::write(&foreign, "not a database at all").unwrap();
    for (bad, why) in [(&damaged, "damaged"), (&foreign, "not an SQLite database")] {
        let refused = qihang_command()
            .args(["--database-url", &url, "restore"])
            .arg(bad)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&refused.stderr).to_string();
        assert!(!refused.status.success(), "{}", bad.display());
        assert!(
            said.contains(why) || said.contains("cannot be read"),
            "{said}"
        );
        assert!(said.contains(&bad.display().to_string()), "{said}");
    }
}

/// A PostgreSQL cluster of the test's own (initdb in a temporary folder, its own port), so it
/// can be stopped and started without touching the machine's.
struct PrivatePg {
    dir: tempfile::TempDir,
    bin: std::path::PathBuf,
    port: u16,
}

impl PrivatePg {
    fn start() -> PrivatePg {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's binaries under /usr/lib/postgresql")
            .filter_map(Result::ok)
            .map(|e| e.path().join("bin"))
            .find(|p| p.join("initdb").exists())
            .expect("initdb");
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let status = std::process::Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
            let out = std::process::Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let data = dir.path().join("data");
        run(&[
            &bin.join("initdb").display().to_string(),
            "-D",
            &data.display().to_string(),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ]);
        let pg = PrivatePg {
            bin,
            port: free_port(),
            dir,
        };
        pg.ctl(&["start", "-w"]);
        let mut admin = diesel::PgConnection::establish(&pg.url("postgres")).unwrap();
        diesel::connection::SimpleConnection::batch_execute(&mut admin, "CREATE DATABASE qihang")
            .unwrap();
        pg
    }

    fn ctl(&self, args: &[&str]) {
        let data = self.dir.path().join("data").display().to_string();
        let log = self.dir.path().join("log").display().to_string();
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let out = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &data, "-l", &log, "-o", &options])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pg_ctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.dir.path().join("data").display().to_string();
        let _ = std::process::Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join("pg_ctl"))
            .args(["-D", &data, "stop", "-m", "immediate"])
            .output();
    }
}

/// One request's outcome: (status, how long it took, `Retry-After` present).
type Outcome = (u16, Duration, bool);

/// Fault 2: PostgreSQL stopped (immediately, as a crash) and started again under load. While
/// it is down every request is answered within the stated bound (`db_wait_ms`, 5 s, plus
/// the request's own work) with 503 and `Retry-After`, never 500; Qihang recovers by itself;
/// every registration acknowledged is in the database. (PostgreSQL only: SQLite has no
/// server to lose; its faults are the full disk below.)
#[tokio::test]
async fn a_restarted_postgresql_fails_requests_fast_and_qihang_recovers() {
    if backend() != "postgres" {
        return;
    }
    let pg = PrivatePg::start();
    let db = TestDb::at(&pg.url("qihang"));
    let data = tempfile::tempdir().unwrap();
    let server = TestServer::start(&db, data.path(), ServerOptions::default());
    let base = server.base.clone();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let registered = http
        .post(format!("{base}/api/v1/auth/register"))
        .json(&registration("13700000300", "js-nj"))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": "13700000300", "password": "password-123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reads = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Outcome>::new()));
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for w in 0..3 {
        let (http, base, stop, reads, token) = (
            http.clone(),
            base.clone(),
            stop.clone(),
            reads.clone(),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let began = Instant::now();
                let answer = http
                    .get(format!("{base}/api/v1/me"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                let retry = answer.headers().contains_key("retry-after");
                reads
                    .lock()
                    .unwrap()
                    .push((answer.status().as_u16(), began.elapsed(), retry));
                tokio::time::sleep(Duration::from_millis(20 + w * 7)).await;
            }
        }));
    }
    {
        let (http, base, stop, acked) = (http.clone(), base.clone(), stop.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let phone = format!("1370001{i:04}");
                i += 1;
                let answer = http
                    .post(format!("{base}/api/v1/auth/register"))
                    .json(&registration(&phone, "js-nj"))
                    .send()
                    .await
                    .unwrap();
                if answer.status() == 201 {
                    acked.lock().unwrap().push(phone);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    pg.ctl(&["stop", "-m", "immediate", "-w"]);
    let down = Instant::now();
    // Longer than a request waits for a connection (5 s), so some are answered 503.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let down_for = down.elapsed();
    pg.ctl(&["start", "-w"]);
    // Recovered by itself: a read succeeds again within 15 s, the server untouched.
    let back = Instant::now();
    let recovered = loop {
        let answer = http
            .get(format!("{base}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        if answer.status() == 200 {
            break back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(15), "not recovered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for task in tasks {
        task.await.unwrap();
    }
    let reads = reads.lock().unwrap().clone();
    let unavailable: Vec<&Outcome> = reads.iter().filter(|r| r.0 == 503).collect();
    let slowest = reads.iter().map(|r| r.1).max().unwrap();
    let acked = acked.lock().unwrap().clone();
    let phones: HashSet<String> = {
        use qihang_core::db::schema::users;
        users::table
            .select(users::phone)
            .load(&mut db.connect())
            .unwrap()
            .into_iter()
            .collect()
    };
    let lost = acked.iter().filter(|p| !phones.contains(*p)).count();
    println!(
        "PostgreSQL down {:.1} s: {} reads ({} answered 503, all with Retry-After: {}), slowest \
         {:.2} s, recovered {:.2} s after the start; {} registrations acknowledged, lost {lost}",
        down_for.as_secs_f64(),
        reads.len(),
        unavailable.len(),
        unavailable.iter().all(|r| r.2),
        slowest.as_secs_f64(),
        recovered.as_secs_f64(),
        acked.len()
    );
    assert!(!unavailable.is_empty(), "no request saw the database down");
    assert!(unavailable.iter().all(|r| r.2), "503 without Retry-After");
    let statuses: BTreeSet<u16> = reads.iter().map(|r| r.0).collect();
    assert!(
        statuses.iter().all(|s| [200, 503].contains(s)),
        "{statuses:?}"
    );
    assert!(slowest < Duration::from_secs(7), "a read hung {slowest:?}");
    assert_eq!(lost, 0);
    drop(server);
}

/// A small tmpfs mounted for one test, unmounted after.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(megabytes: u32) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            mounted.status.success(),
            "this test mounts a tmpfs (run as root): {}",
            String::from_utf8_lossy(&mounted.stderr)
        );
        SmallDisk { dir }
    }

    fn grow(&self, megabytes: u32) {
        let grown = std::process::Command::new("mount")
            .args(["-o", &format!("remount,size={megabytes}m")])
            .arg(self.dir.path())
            .status()
            .unwrap();
        assert!(grown.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

/// A course pack of about 900 KB (a picture of random bytes: nothing compresses it).
fn heavy_pack(n: usize) -> Vec<u8> {
    crate::support::packs::pack_zip(&format!("heavy-{n}"), "1.0.0", |folder| {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64 ^ n as u64;
        let noise: Vec<u8> = (0..900 * 1024)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        std::fs::create_dir_all(folder.join("media")).unwrap();
        std::fs::write(folder.join("media/noise.png"), noise).unwrap();
    })
}

/// Fault 5: SQLite's disk fills while trainers upload packs. Uploads are then refused with
/// 503 `unavailable` and `Retry-After` (not 500), reads go on, the database stays sound
/// (`PRAGMA integrity_check`), every acknowledged upload is kept, and uploads work again as
/// soon as there is space, without a restart. (SQLite only: PostgreSQL's disk is its own.)
#[tokio::test]
async fn a_full_disk_refuses_writes_clearly_and_recovers() {
    if backend() != "sqlite" {
        return;
    }
    let disk = SmallDisk::mount(6);
    let url = format!("sqlite://{}", disk.dir.path().join("qihang.db").display());
    let db = TestDb::at(&url);
    let data = tempfile::tempdir().unwrap();
    let app = TestApp {
        server: TestServer::start(&db, data.path(), ServerOptions::default()),
        db,
        data_dir: data,
        client: client(),
    };
    create_admin_cli(&app.db, "13600000401", "js-wx", Some("admin-password"));
    let admin = app.login("13600000401", "admin-password").await;
    let mut acked = Vec::new();
    let mut refusal = None;
    for n in 0..40 {
        let answer = crate::support::packs::upload(&app, &admin, heavy_pack(n)).await;
        if answer.status() == 201 {
            let view: Value = answer.json().await.unwrap();
            acked.push(view["id"].as_str().unwrap().to_string());
            continue;
        }
        let retry = answer.headers().get("retry-after").cloned();
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.unwrap();
        refusal = Some((status, retry, body));
        break;
    }
    let (status, retry, body) = refusal.expect("the disk never filled");
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some());
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert_eq!(app.get_as(&admin, "/api/v1/me").await.status(), 200);

    disk.grow(64);
    let again = crate::support::packs::upload(&app, &admin, heavy_pack(99)).await;
    assert_eq!(
        again.status(),
        201,
        "uploads work again once there is space"
    );
    let stored: HashSet<String> = {
        use qihang_core::db::schema::pack_uploads;
        pack_uploads::table
            .select(pack_uploads::public_id)
            .load(&mut app.db.connect())
            .unwrap()
            .into_iter()
            .collect()
    };
    let lost = acked.iter().filter(|id| !stored.contains(*id)).count();
    drop(app.server);
    let checked = qihang_command()
        .args(["restore", "--check"])
        .arg(disk.dir.path().join("qihang.db"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stdout).to_string();
    println!(
        "full disk: {} uploads acknowledged before it filled, then {status} `unavailable`; lost \
         {lost}; after growing it: {}",
        acked.len(),
        said.trim()
    );
    assert!(
        checked.status.success() && said.contains("integrity ok"),
        "{said}"
    );
    assert_eq!(lost, 0);
}
