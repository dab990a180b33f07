//! Faults (issue 15.1 and 15.7): the server killed with SIGKILL while 200 women submit their
//! quizzes, two servers on one database taking the same submissions, and an online backup
//! under write load, restored. Each checks, record by record, that nothing acknowledged was
//! lost and nothing was done twice; on SQLite or PostgreSQL per `QIHANG_TEST_DB`.

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::{json, Value};
use support::bench::women_with_sessions;
use support::quiz::{app_with_quiz_courses, right_answers};
use support::*;

const WOMEN: usize = 200;

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
        let attempt = support::quiz::start_attempt(app, &token, "quiz-a").await;
        ready.push((token, attempt));
    }
    ready
}

/// Submits every attempt at once to `base`: the attempt ids whose submission was
/// acknowledged (200, passed).
async fn submit_all(base: &str, ready: &[(String, Value)]) -> HashSet<String> {
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
                    (result["passed"] == true).then_some(id)
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
    let submitting = tokio::spawn({
        let ready = ready.clone();
        async move { submit_all(&base, &ready).await }
    });
    // Kill it while the submissions are in flight (SIGKILL: no shutdown, no flush).
    tokio::time::sleep(Duration::from_millis(150)).await;
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
