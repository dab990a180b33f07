//! What the benchmarks share: women with sessions written straight into the database
//! (registering through the API would spend minutes hashing passwords), the unlimited-attempts
//! quiz course, a generated drive, pinning to a core and percentiles.

use std::time::Duration;

use diesel::prelude::*;

use super::packs::{edit_course, write_course};
use super::{qihang_command, TestDb};

/// Adds `n` women of `org_code` (phones `{prefix}00000000`…, names `{name}0`…) with a
/// day-long session each, and `password_hash` if given: their session tokens.
pub fn women_with_sessions(
    db: &TestDb,
    n: usize,
    org_code: &str,
    prefix: &str,
    name: &str,
    password_hash: Option<&str>,
) -> Vec<String> {
    use qihang_core::db::schema::{orgs, sessions, users};
    use qihang_core::services::tokens::{hash_secret, new_public_id, new_secret};
    let mut conn = db.connect();
    let org: i64 = orgs::table
        .filter(orgs::code.eq(org_code))
        .select(orgs::id)
        .first(&mut conn)
        .unwrap();
    let now = chrono::Utc::now().naive_utc();
    let mut tokens = Vec::new();
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for i in 0..n {
            let phone = format!("{prefix}{i:08}");
            diesel::insert_into(users::table)
                .values((
                    users::public_id.eq(new_public_id()),
                    users::name.eq(format!("{name}{i}")),
                    users::phone.eq(&phone),
                    users::gender.eq("female"),
                    users::org_id.eq(org),
                    users::password_hash.eq(password_hash),
                    users::consent_version.eq("2026-11"),
                    users::consent_at.eq(now),
                    users::disabled.eq(false),
                    users::created_at.eq(now),
                ))
                .execute(conn)?;
            let user: i64 = users::table
                .filter(users::phone.eq(&phone))
                .select(users::id)
                .first(conn)?;
            let token = new_secret();
            diesel::insert_into(sessions::table)
                .values((
                    sessions::token_hash.eq(hash_secret(&token)),
                    sessions::user_id.eq(user),
                    sessions::created_at.eq(now),
                    sessions::expires_at.eq(now + chrono::Duration::days(1)),
                ))
                .execute(conn)?;
            tokens.push(token);
        }
        Ok(())
    })
    .unwrap();
    tokens
}

/// Imports `bench-quiz` (one lesson, a quiz with unlimited attempts) into `db`.
pub fn import_bench_quiz(db: &TestDb) {
    let packs = tempfile::tempdir().unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses/skills.toml"),
        packs.path().join("skills.toml"),
    )
    .unwrap();
    write_course(
        packs.path(),
        "bench-quiz",
        "1.0.0",
        &[],
        &[("one", "第一课")],
    );
    edit_course(
        packs.path(),
        "bench-quiz",
        &[("max_attempts = 3", "max_attempts = 0")],
    );
    let imported = qihang_command()
        .args(["--database-url", &db.url, "courses", "import"])
        .arg(packs.path())
        .env("QIHANG_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
}

/// The code of the first enterprise union `demo generate` made (by code), e.g. for a small
/// union's evidence list.
pub fn first_generated_union(db: &TestDb) -> String {
    use qihang_core::db::schema::orgs;
    let mut conn = db.connect();
    orgs::table
        .filter(orgs::code.like("%-demo%"))
        .order(orgs::code.asc())
        .select(orgs::code)
        .first(&mut conn)
        .expect("a generated drive has enterprise unions")
}

/// `qihang demo generate --learners N` with the bundled courses: its summary line and the
/// wall time it took.
pub fn generate_drive(db: &TestDb, learners: usize) -> (String, Duration) {
    let courses = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../courses");
    let started = std::time::Instant::now();
    let generated = qihang_command()
        .args(["--database-url", &db.url, "demo", "generate", "--learners"])
        .arg(learners.to_string())
        .env("QIHANG_COURSES_DIR", &courses)
        .env("QIHANG_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    let summary = String::from_utf8_lossy(&generated.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    (summary, started.elapsed())
}

/// Pins this process (all its threads) to `cpu`.
pub fn pin_self_to(cpu: u32) {
    let _ = std::process::Command::new("taskset")
        .args([
            "-a",
            "-p",
            "-c",
            &cpu.to_string(),
            &std::process::id().to_string(),
        ])
        .output();
}

/// The `q` quantile of sorted samples, in milliseconds (NaN when there are none).
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}
