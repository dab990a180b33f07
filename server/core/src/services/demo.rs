//! A synthetic drive for demonstrations and benchmarks: a few thousand enterprise unions under
//! the 13 cities, learners (90% women) with enrolments in the bundled courses, completions
//! spread from the drive's start to today (online and in person, with their evidence), then
//! the dashboard counters rebuilt from those records. Rows are drawn in a fixed order from
//! one seeded generator (a seed always gives the same drive) and written as typed rows in
//! multi-row statements ([`crate::db::counters`]), one transaction per block of learners.

use std::collections::HashSet;
use std::ops::Range;

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::drive::drive_start;
use super::{now, stats, Core};
use crate::db::counters::{
    insert_enrollments, insert_first_completions, insert_orgs, insert_users, NewEnrollment,
    NewFirstCompletion, NewOrg, NewUser,
};
use crate::db::schema::{courses, enrollments, orgs, users};
use crate::db::{reset_id_sequences, write_tx, DbConn, IdTable};
use crate::domain::Gender;
use crate::ServiceError;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN: &[&str] = &[
    "秀英", "桂英", "秀兰", "玉兰", "丽", "敏", "静", "燕", "艳", "娟", "霞", "芳", "婷", "雪",
    "红梅", "晓燕", "春花", "海燕", "文静", "佳怡", "欣怡", "建国", "志强", "伟", "磊", "军",
];

/// Learners written per transaction (and between progress reports).
const LEARNERS_PER_BLOCK: usize = 10_000;

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub enterprises: usize,
    pub learners: usize,
    pub enrollments: usize,
    pub completions: usize,
    pub counters: usize,
}

/// A time as the database keeps generated times: whole seconds.
fn whole_seconds(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

/// A completion time between the drive's start and now, denser towards today (the drive
/// gathers pace).
fn completion_time(rng: &mut StdRng, start: NaiveDateTime, end: NaiveDateTime) -> NaiveDateTime {
    let span = (end - start).num_seconds().max(1) as f64;
    let x: f64 = rng.random::<f64>().sqrt();
    start + chrono::Duration::seconds((x * span) as i64)
}

/// The published courses, as (id, mode): learners enrol in these.
fn published_courses(conn: &mut DbConn) -> Result<Vec<(i64, String)>, ServiceError> {
    let courses: Vec<(i64, String)> = courses::table
        .filter(courses::status.eq(crate::domain::CourseStatus::Published))
        .select((courses::id, courses::mode))
        .load(conn)?;
    if courses.is_empty() {
        return Err(ServiceError::BadUpload(
            "no published courses: import the course packs first".into(),
        ));
    }
    Ok(courses)
}

/// Refuses a database that already holds a generated drive.
fn ensure_fresh(conn: &mut DbConn) -> Result<(), ServiceError> {
    let existing: i64 = orgs::table
        .filter(orgs::code.like("%-demo%"))
        .count()
        .get_result(conn)?;
    if existing > 0 {
        return Err(ServiceError::BadUpload(
            "this database already holds a generated drive: use a fresh database".into(),
        ));
    }
    Ok(())
}

/// Enterprise union number `i` under `city` (id, code, path).
fn union_row(city: &(i64, String, String), i: usize, created: NaiveDateTime) -> NewOrg {
    let (city_id, city_code, city_path) = city;
    let code = format!("{city_code}-demo{i:05}");
    NewOrg {
        name: format!("示例企业工会 {i:05}"),
        name_en: None,
        kind: "enterprise".to_string(),
        parent_id: Some(*city_id),
        path: format!("{city_path}{code}/"),
        depth: 2,
        created_at: created,
        code,
    }
}

/// Creates the enterprise unions, about one per 170 learners (13 to 5,000), in turn under
/// the 13 cities; returns how many, and every union as (id, path).
fn create_unions(
    conn: &mut DbConn,
    learners: usize,
) -> Result<(usize, Vec<(i64, String)>), ServiceError> {
    let cities: Vec<(i64, String, String)> = orgs::table
        .filter(orgs::kind.eq("city"))
        .order(orgs::code.asc())
        .select((orgs::id, orgs::code, orgs::path))
        .load(conn)?;
    if cities.is_empty() {
        return Err(ServiceError::BadUpload(
            "no cities in the organisation tree: the database is not set up".into(),
        ));
    }
    let enterprises = (learners / 170).clamp(13, 5_000);
    let created = whole_seconds(now());
    let rows: Vec<NewOrg> = (0..enterprises)
        .map(|i| union_row(&cities[i % cities.len()], i, created))
        .collect();
    write_tx(conn, |conn| insert_orgs(conn, &rows))?;
    let units: Vec<(i64, String)> = orgs::table
        .filter(orgs::code.like("%-demo%"))
        .select((orgs::id, orgs::path))
        .load(conn)?;
    Ok((enterprises, units))
}

/// The first free user id and enrolment id: generated rows carry their own ids, so
/// enrolments can name their learner without reading ids back.
fn first_free_ids(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let user: Option<i64> = users::table
        .select(diesel::dsl::max(users::id))
        .first(conn)?;
    let enrollment: Option<i64> = enrollments::table
        .select(diesel::dsl::max(enrollments::id))
        .first(conn)?;
    Ok((user.unwrap_or(0) + 1, enrollment.unwrap_or(0) + 1))
}

/// The rows of one block of learners, written in one transaction.
#[derive(Default)]
struct Block {
    users: Vec<NewUser>,
    enrollments: Vec<NewEnrollment>,
    firsts: Vec<NewFirstCompletion>,
}

impl Block {
    fn write(&self, conn: &mut DbConn) -> QueryResult<()> {
        insert_users(conn, &self.users)?;
        insert_enrollments(conn, &self.enrollments)?;
        insert_first_completions(conn, &self.firsts)
    }
}

/// The union a learner belongs to.
struct Union {
    id: i64,
    path: String,
}

/// Draws learners and their enrolments. The draws happen in a fixed order (per learner: union,
/// gender, name, registration, course count, then per course: course, enrolment, completion,
/// evidence), so the same seed gives the same drive.
struct Generator {
    rng: StdRng,
    /// (id, mode) of the published courses.
    courses: Vec<(i64, String)>,
    /// (id, path) of the enterprise unions.
    units: Vec<(i64, String)>,
    start: NaiveDateTime,
    end: NaiveDateTime,
    first_user: i64,
    next_enrollment: i64,
    report: DemoReport,
}

impl Generator {
    /// The rows of learners `range` (numbered from 0; ids follow `first_user`).
    fn block(&mut self, range: Range<usize>) -> Block {
        let mut block = Block::default();
        for i in range {
            self.learner(self.first_user + i as i64, &mut block);
        }
        block
    }

    /// One learner: her user row, her enrolments and her first completion.
    fn learner(&mut self, id: i64, block: &mut Block) {
        let (org_id, org_path) = &self.units[self.rng.random_range(0..self.units.len())];
        let union = Union {
            id: *org_id,
            path: org_path.clone(),
        };
        let gender = if self.rng.random_bool(0.9) {
            Gender::Female
        } else {
            Gender::Male
        };
        let name = format!(
            "{}{}",
            SURNAMES[self.rng.random_range(0..SURNAMES.len())],
            GIVEN[self.rng.random_range(0..GIVEN.len())]
        );
        let registered = completion_time(&mut self.rng, self.start, self.end);
        block.users.push(NewUser {
            id,
            public_id: format!("demo{id:012}"),
            name,
            phone: format!("19{:09}", id % 1_000_000_000),
            email: None,
            password_hash: None,
            gender,
            org_id: union.id,
            consent_version: Some("demo".to_string()),
            consent_at: Some(registered),
            disabled: false,
            created_at: registered,
        });
        if let Some((enrollment_id, completed_at)) =
            self.enrolments(id, &union, registered, &mut block.enrollments)
        {
            block.firsts.push(NewFirstCompletion {
                user_id: id,
                enrollment_id,
                org_id: union.id,
                org_path: union.path,
                gender,
                completed_at,
            });
        }
        self.report.learners += 1;
    }

    /// Her 1 to 4 courses (a course drawn twice is taken once); returns her first
    /// completion (enrolment id, time), if any.
    fn enrolments(
        &mut self,
        user_id: i64,
        union: &Union,
        registered: NaiveDateTime,
        rows: &mut Vec<NewEnrollment>,
    ) -> Option<(i64, NaiveDateTime)> {
        let count = 1 + (self.rng.random::<f64>().powi(3) * 3.0) as usize;
        let mut taken = HashSet::new();
        let mut first: Option<(i64, NaiveDateTime)> = None;
        for _ in 0..count {
            let (course_id, mode) = &self.courses[self.rng.random_range(0..self.courses.len())];
            let (course_id, offline) = (*course_id, mode == "offline");
            if !taken.insert(course_id) {
                continue;
            }
            let row = self.enrolment(user_id, course_id, offline, union, registered);
            if let Some(at) = row.completed_at {
                self.report.completions += 1;
                if first.is_none_or(|(_, t)| at < t) {
                    first = Some((row.id, at));
                }
            }
            self.report.enrollments += 1;
            self.next_enrollment += 1;
            rows.push(row);
        }
        first
    }

    /// One enrolment (id `next_enrollment`), completed in about 85% of cases within 30 days,
    /// attributed to her union.
    fn enrolment(
        &mut self,
        user_id: i64,
        course_id: i64,
        offline: bool,
        union: &Union,
        registered: NaiveDateTime,
    ) -> NewEnrollment {
        let id = self.next_enrollment;
        let enrolled = registered + chrono::Duration::minutes(self.rng.random_range(1..600));
        // A completion that would fall after the drive's end (today) has not happened yet:
        // the enrolment stays open (clamped to the end, thousands shared one second).
        let completed = if self.rng.random_bool(0.85) {
            let days = chrono::Duration::days(self.rng.random_range(0..30));
            Some(enrolled + days).filter(|at| *at <= self.end)
        } else {
            None
        };
        let evidence = completed.map(|_| self.evidence(offline, id));
        NewEnrollment {
            id,
            user_id,
            course_id,
            enrolled_at: enrolled,
            completed_at: completed,
            evidence,
            completed_org_id: completed.map(|_| union.id),
            completed_org_path: completed.map(|_| union.path.clone()),
        }
    }

    /// What a completion recorded: a class session in person, a passed quiz online.
    fn evidence(&mut self, offline: bool, enrollment: i64) -> String {
        if offline {
            let session = self.rng.random_range(0..50_000);
            format!("{{\"lessons_read\":0,\"session\":\"demo-session-{session}\"}}")
        } else {
            let score = self.rng.random_range(60..=100);
            format!(
                "{{\"lessons_read\":4,\"attempt\":\"demo-attempt-{enrollment}\",\"score\":{score}}}"
            )
        }
    }
}

/// Moves PostgreSQL's id sequences past the explicit ids written, then rebuilds the
/// dashboard counters from the records.
fn finish(conn: &mut DbConn, mut report: DemoReport) -> Result<DemoReport, ServiceError> {
    reset_id_sequences(conn, &[IdTable::Users, IdTable::Enrollments])?;
    report.counters = stats::rebuild(conn)?;
    Ok(report)
}

/// Fills the database with a synthetic drive of `learners` learners (after the bundled
/// courses are imported). `progress(done, total)` is called as learners are written.
pub fn generate(
    conn: &mut DbConn,
    learners: usize,
    seed: u64,
    progress: &dyn Fn(usize, usize),
) -> Result<DemoReport, ServiceError> {
    let courses = published_courses(conn)?;
    ensure_fresh(conn)?;
    let (enterprises, units) = create_unions(conn, learners)?;
    let (first_user, next_enrollment) = first_free_ids(conn)?;
    let mut generator = Generator {
        rng: StdRng::seed_from_u64(seed),
        courses,
        units,
        start: drive_start(),
        end: whole_seconds(now()),
        first_user,
        next_enrollment,
        report: DemoReport {
            enterprises,
            ..DemoReport::default()
        },
    };
    for start in (0..learners).step_by(LEARNERS_PER_BLOCK) {
        let block = generator.block(start..(start + LEARNERS_PER_BLOCK).min(learners));
        write_tx(conn, |conn| block.write(conn))?;
        progress(generator.report.learners, learners);
    }
    finish(conn, generator.report)
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
