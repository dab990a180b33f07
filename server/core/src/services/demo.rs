//! A synthetic drive for demonstrations and benchmarks: a few thousand enterprise unions under
//! the 13 cities, learners (90% women) with enrolments in the bundled courses, completions
//! spread from the drive's start to today (online and in person, with their evidence), then
//! the dashboard counters rebuilt from those records. Rows are written in multi-row
//! statements of generated values only (numbers, codes, dates, names from fixed lists).

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::drive::drive_start;
use super::{now, stats, Core};
use crate::db::schema::{courses, enrollments, orgs, users};
use crate::db::{reset_id_sequences, write_tx, DbConn, IdTable};
use crate::ServiceError;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "丽", "敏", "静", "燕", "艳", "娟", "霞", "芳", "婷", "雪",
    "红梅", "晓燕", "春花", "海燕", "文静", "佳怡", "欣怡", "建国", "志强", "伟", "磊", "军",
];
const BATCH: usize = 1_000;

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub enterprises: usize,
    pub learners: usize,
    pub enrollments: usize,
    pub completions: usize,
    pub counters: usize,
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn stamp(t: NaiveDateTime) -> String {
    quote(&t.format("%Y-%m-%d %H:%M:%S").to_string())
}

/// Runs `INSERT INTO {table} ({columns}) VALUES …` for `rows`, `BATCH` rows a statement.
fn insert_rows(conn: &mut DbConn, table: &str, columns: &str, rows: &[String]) -> QueryResult<()> {
    for chunk in rows.chunks(BATCH) {
        diesel::sql_query(format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            chunk.join(", ")
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// A completion time between the drive's start and now, denser towards today (the drive
/// gathers pace).
fn completion_time(rng: &mut StdRng, start: NaiveDateTime, end: NaiveDateTime) -> NaiveDateTime {
    let span = (end - start).num_seconds().max(1) as f64;
    let x: f64 = rng.random::<f64>().sqrt();
    start + chrono::Duration::seconds((x * span) as i64)
}

/// Fills the database with a synthetic drive of `learners` learners (after the bundled
/// courses are imported). `progress(done, total)` is called as learners are written.
pub fn generate(
    conn: &mut DbConn,
    learners: usize,
    seed: u64,
    progress: &dyn Fn(usize, usize),
) -> Result<DemoReport, ServiceError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let courses: Vec<(i64, String, i32)> = courses::table
        .filter(courses::status.eq("published"))
        .select((courses::id, courses::mode, courses::tier))
        .load(conn)?;
    if courses.is_empty() {
        return Err(ServiceError::BadUpload(
            "no published courses: import the course packs first".into(),
        ));
    }
    let existing: i64 = orgs::table
        .filter(orgs::code.like("%-demo%"))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(ServiceError::BadUpload(
            "this database already holds a generated drive: use a fresh database".into(),
        ));
    }
    // Enterprise unions: about one per 170 learners, under the 13 cities.
    let cities: Vec<(i64, String, String)> = orgs::table
        .filter(orgs::kind.eq("city"))
        .order(orgs::code.asc())
        .select((orgs::id, orgs::code, orgs::path))
        .load(conn)?;
    let enterprises = (learners / 170).clamp(13, 5_000);
    let created = now();
    let mut org_rows = Vec::new();
    for i in 0..enterprises {
        let (city_id, city_code, city_path) = &cities[i % cities.len()];
        let code = format!("{city_code}-demo{i:05}");
        org_rows.push(format!(
            "({}, {}, NULL, 'enterprise', {city_id}, {}, 2, {})",
            quote(&code),
            quote(&format!("示例企业工会 {i:05}")),
            quote(&format!("{city_path}{code}/")),
            stamp(created)
        ));
    }
    write_tx(conn, |conn| {
        insert_rows(
            conn,
            "orgs",
            "code, name, name_en, kind, parent_id, path, depth, created_at",
            &org_rows,
        )
    })?;
    let units: Vec<(i64, String)> = orgs::table
        .filter(orgs::code.like("%-demo%"))
        .select((orgs::id, orgs::path))
        .load(conn)?;

    let first_id: i64 = users::table
        .select(diesel::dsl::max(users::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0)
        + 1;
    let first_enrollment: i64 = enrollments::table
        .select(diesel::dsl::max(enrollments::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0)
        + 1;
    let start = drive_start();
    let end = Utc::now().naive_utc();
    let mut report = DemoReport {
        enterprises,
        ..DemoReport::default()
    };
    let mut next_enrollment = first_enrollment;
    let chunk = 10_000;
    for block in (0..learners).step_by(chunk) {
        let mut user_rows = Vec::new();
        let mut enrollment_rows = Vec::new();
        let mut first_rows = Vec::new();
        for i in block..(block + chunk).min(learners) {
            let id = first_id + i as i64;
            let (org_id, org_path) = &units[rng.random_range(0..units.len())];
            let female = rng.random_bool(0.9);
            let name = format!(
                "{}{}",
                SURNAMES[rng.random_range(0..SURNAMES.len())],
                GIVEN[rng.random_range(0..GIVEN.len())]
            );
            let registered = completion_time(&mut rng, start, end);
            user_rows.push(format!(
                "({id}, {}, {}, {}, NULL, NULL, {}, {org_id}, 'demo', {}, FALSE, {})",
                quote(&format!("demo{id:012}")),
                quote(&name),
                quote(&format!("19{:09}", id % 1_000_000_000)),
                quote(if female { "female" } else { "male" }),
                stamp(registered),
                stamp(registered),
            ));
            // 1 to 4 courses; about 85% of enrolments completed.
            let count = 1 + (rng.random::<f64>().powi(3) * 3.0) as usize;
            let mut taken = std::collections::HashSet::new();
            let mut first: Option<(i64, NaiveDateTime)> = None;
            for _ in 0..count {
                let (course_id, mode, _) = &courses[rng.random_range(0..courses.len())];
                if !taken.insert(*course_id) {
                    continue;
                }
                let enrolled = registered + chrono::Duration::minutes(rng.random_range(1..600));
                let done = rng.random_bool(0.85);
                let completed = done
                    .then(|| (enrolled + chrono::Duration::days(rng.random_range(0..30))).min(end));
                let evidence = match (completed, mode.as_str()) {
                    (None, _) => "NULL".to_string(),
                    (Some(_), "offline") => quote(&format!(
                        "{{\"lessons_read\":0,\"session\":\"demo-session-{}\"}}",
                        rng.random_range(0..50_000)
                    )),
                    (Some(_), _) => quote(&format!(
                        "{{\"lessons_read\":4,\"attempt\":\"demo-attempt-{next_enrollment}\",\"score\":{}}}",
                        rng.random_range(60..=100)
                    )),
                };
                let (completed_sql, org_sql, path_sql) = match completed {
                    Some(at) => (stamp(at), org_id.to_string(), quote(org_path)),
                    None => ("NULL".into(), "NULL".into(), "NULL".into()),
                };
                enrollment_rows.push(format!(
                    "({next_enrollment}, {id}, {course_id}, {}, {completed_sql}, {evidence}, {org_sql}, {path_sql})",
                    stamp(enrolled)
                ));
                if let Some(at) = completed {
                    report.completions += 1;
                    if first.is_none_or(|(_, t)| at < t) {
                        first = Some((next_enrollment, at));
                    }
                }
                report.enrollments += 1;
                next_enrollment += 1;
            }
            if let Some((enrollment, at)) = first {
                first_rows.push(format!(
                    "({id}, {enrollment}, {org_id}, {}, {}, {})",
                    quote(org_path),
                    quote(if female { "female" } else { "male" }),
                    stamp(at)
                ));
            }
            report.learners += 1;
        }
        write_tx(conn, |conn| {
            insert_rows(
                conn,
                "users",
                "id, public_id, name, phone, email, password_hash, gender, org_id, consent_version, consent_at, disabled, created_at",
                &user_rows,
            )?;
            insert_rows(
                conn,
                "enrollments",
                "id, user_id, course_id, enrolled_at, completed_at, evidence, completed_org_id, completed_org_path",
                &enrollment_rows,
            )?;
            insert_rows(
                conn,
                "first_completions",
                "user_id, enrollment_id, org_id, org_path, gender, completed_at",
                &first_rows,
            )
        })?;
        progress(report.learners, learners);
    }
    // PostgreSQL's sequences do not see explicit ids: move them past what was written.
    reset_id_sequences(conn, &[IdTable::Users, IdTable::Enrollments])?;
    report.counters = stats::rebuild(conn)?;
    Ok(report)
}

/// [`generate`] on the blocking pool.
pub async fn generate_async(
    core: &Core,
    learners: usize,
    seed: u64,
    progress: impl Fn(usize, usize) + Send + 'static,
) -> Result<DemoReport, ServiceError> {
    core.run(move |conn, _| generate(conn, learners, seed, &progress))
        .await
}
