//! The drive's figures for every node of the organisation tree. A woman is *trained* when she
//! has at least one course completed since the drive began (2024-08-05); she counts once, for
//! the union she belonged to at that first completion. Counters are kept in `org_stats`, in
//! the transaction that records a completion, with the same deltas for the union and every
//! ancestor, so any node's dashboard reads a handful of rows. `recompute` derives the same
//! counters from the raw records, for `qihang stats verify` and `stats rebuild`.
//!
//! A dashboard also looks ahead, carefully: the recent pace averages over the last 90 days or
//! over the node's whole history when that is shorter, and it is projected onto the target
//! only once the node has 60 days of history (counted from its first completion, which is
//! never before the drive began), and never to a date after 2100. One busy month of a new
//! union would otherwise promise the target in weeks, and one slow month a date in the year
//! 63,629.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Deserialize;

use super::actor::Actor;
use super::drive::{default_deadline, drive_start, DEFAULT_TARGET};
use super::{now, orgs, Core};
use crate::db::counters::{add_to_counter, insert_counters, CounterDelta, NewCounter};
use crate::db::models::OrgRow;
use crate::db::schema::{
    courses, enrollments, first_completions, org_stats, org_targets, orgs as orgs_t, users,
};
use crate::db::{write_tx, DbConn};
use crate::domain::{DomainError, Gender, OrgCode, Role};
use crate::dto::{
    ChildStatsView, CourseStatsView, MonthStatsView, OrgRef, OrgStatsView, ProjectionStatus,
    StatsBucketView, TargetCheckView, PROJECTION_LAST_YEAR, PROJECTION_MIN_DAYS,
};
use crate::time::to_china;
use crate::ServiceError;

/// What one completion adds to one counter row (the figures of a counter).
pub type Delta = CounterDelta;

/// What a counter row breaks its node's figures down by (`org_stats.dimension`, kept as
/// text): the node as a whole, or one tier, mode, course, month or day; or, for the province
/// and the unions directly under it, one tier, mode or course on one day (bucket
/// `"{tier|mode|course}|YYYY-MM-DD"`), which the evidence list pages by when it is filtered
/// (the evidence list's `paging_days`).
///
/// What "trained" counts differs by dimension: in the node, a month or a day, the learners
/// whose first completion in the drive fell there (each counted once); in a tier or a mode,
/// those with a completion in it (a learner counts in each tier she completed); in a course,
/// its completions (each learner completes a course once); in a tier, mode or course on one
/// day, the learners whose first completion in the drive was that day's completion of that
/// tier, mode or course (which "first only" with that filter lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::FromSqlRow)]
pub enum Dimension {
    Total,
    Tier,
    Mode,
    Course,
    Month,
    Day,
    TierDay,
    ModeDay,
    CourseDay,
}

/// The dimensions kept only to page the evidence list by day: never part of a dashboard.
const PAGING_DIMENSIONS: [Dimension; 3] =
    [Dimension::TierDay, Dimension::ModeDay, Dimension::CourseDay];

/// How deep in the tree [`PAGING_DIMENSIONS`] are kept: the province (0) and the unions
/// directly under it (1), whose lists run to hundreds of thousands. Below, lists are short
/// enough to page plainly, and the counters stay bounded by days × buckets × those nodes
/// whatever the number of learners.
pub const PAGING_DEPTH: usize = 1;

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Total => "total",
            Dimension::Tier => "tier",
            Dimension::Mode => "mode",
            Dimension::Course => "course",
            Dimension::Month => "month",
            Dimension::Day => "day",
            Dimension::TierDay => "tier_day",
            Dimension::ModeDay => "mode_day",
            Dimension::CourseDay => "course_day",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "total" => Some(Dimension::Total),
            "tier" => Some(Dimension::Tier),
            "mode" => Some(Dimension::Mode),
            "course" => Some(Dimension::Course),
            "month" => Some(Dimension::Month),
            "day" => Some(Dimension::Day),
            "tier_day" => Some(Dimension::TierDay),
            "mode_day" => Some(Dimension::ModeDay),
            "course_day" => Some(Dimension::CourseDay),
            _ => None,
        }
    }
}

/// Ordered as their stored text, so counters sort as the table's rows do.
impl Ord for Dimension {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Dimension {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// Read from `org_stats.dimension`: any other text is an error, never a default.
crate::db::types::text_enum!(Dimension, Dimension::parse);

/// Counter key: (org id, dimension, bucket).
pub type StatKey = (i64, Dimension, String);

/// One completion as the counters see it.
pub struct CompletionFacts {
    /// The union she belonged to and all its ancestors (ids).
    pub orgs: Vec<i64>,
    /// Of those, the ones at most [`PAGING_DEPTH`] deep (the province first).
    pub upper: Vec<i64>,
    pub female: bool,
    pub tier: i32,
    pub mode: String,
    pub course: String,
    pub hours: f64,
    pub completed_at: NaiveDateTime,
    /// Her first completion in the drive (she becomes trained now).
    pub first: bool,
    pub first_in_tier: bool,
    pub first_in_mode: bool,
}

/// The codes on a materialised path `/js/js-nj/`: the node and all its ancestors.
fn path_codes(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|p| !p.is_empty())
}

/// Every counter row one completion changes, with its delta.
pub fn deltas(facts: &CompletionFacts) -> Vec<(StatKey, Delta)> {
    let local = to_china(facts.completed_at);
    let base = |trained: bool| Delta {
        women_trained: i64::from(trained && facts.female),
        learners_trained: i64::from(trained),
        women_completions: i64::from(facts.female),
        completions: 1,
        women_hours: if facts.female { facts.hours } else { 0.0 },
        hours: facts.hours,
    };
    let buckets = [
        (Dimension::Total, String::new(), facts.first),
        (Dimension::Tier, facts.tier.to_string(), facts.first_in_tier),
        (Dimension::Mode, facts.mode.clone(), facts.first_in_mode),
        (Dimension::Course, facts.course.clone(), true),
        (
            Dimension::Month,
            local.format("%Y-%m").to_string(),
            facts.first,
        ),
        (
            Dimension::Day,
            local.format("%Y-%m-%d").to_string(),
            facts.first,
        ),
    ];
    let mut out = Vec::new();
    for &org in &facts.orgs {
        for (dimension, bucket, trained) in &buckets {
            out.push(((org, *dimension, bucket.clone()), base(*trained)));
        }
    }
    let day = local.format("%Y-%m-%d");
    let paging = [
        (Dimension::TierDay, format!("{}|{day}", facts.tier)),
        (Dimension::ModeDay, format!("{}|{day}", facts.mode)),
        (Dimension::CourseDay, format!("{}|{day}", facts.course)),
    ];
    for &org in &facts.upper {
        for (dimension, bucket) in &paging {
            out.push(((org, *dimension, bucket.clone()), base(facts.first)));
        }
    }
    out
}

/// The ids of a path's unions at most [`PAGING_DEPTH`] deep, the province first.
fn upper_ids(path: &str, ids: &HashMap<String, i64>) -> Vec<i64> {
    path_codes(path)
        .take(PAGING_DEPTH + 1)
        .filter_map(|c| ids.get(c).copied())
        .collect()
}

/// Adds one completion's delta to one stored counter.
fn upsert(conn: &mut DbConn, key: &StatKey, d: &Delta) -> QueryResult<()> {
    add_to_counter(conn, key.0, key.1.as_str(), &key.2, d)
}

/// An enrolment with the facts of its course that the counters break down by.
#[derive(Queryable)]
struct EnrolledCourse {
    user_id: i64,
    completed_at: Option<NaiveDateTime>,
    tier: i32,
    mode: String,
    code: String,
    hours: f64,
}

/// Attributes a completion to the union she belongs to now: that union's path, and her
/// gender.
fn attribute(conn: &mut DbConn, enrollment: i64, user_id: i64) -> QueryResult<(String, Gender)> {
    let (org_id, org_path, gender): (i64, String, Gender) = users::table
        .inner_join(orgs_t::table)
        .filter(users::id.eq(user_id))
        .select((users::org_id, orgs_t::path, users::gender))
        .first(conn)?;
    diesel::update(enrollments::table.find(enrollment))
        .set((
            enrollments::completed_org_id.eq(org_id),
            enrollments::completed_org_path.eq(&org_path),
        ))
        .execute(conn)?;
    Ok((org_path, gender))
}

/// Counts a just-recorded completion (inside its transaction): attributes it to her union
/// now and adds its deltas to that union and every ancestor.
pub(crate) fn record_completion(
    conn: &mut DbConn,
    enrollment: i64,
    first: bool,
) -> Result<(), ServiceError> {
    let course: EnrolledCourse = enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::id.eq(enrollment))
        .select((
            enrollments::user_id,
            enrollments::completed_at,
            courses::tier,
            courses::mode,
            courses::code,
            courses::hours,
        ))
        .first(conn)?;
    let Some(completed_at) = course.completed_at else {
        return Ok(());
    };
    let user_id = course.user_id;
    let (org_path, gender) = attribute(conn, enrollment, user_id)?;
    if completed_at < drive_start() {
        return Ok(());
    }
    // Her other completions in the drive, by tier and mode.
    let earlier: Vec<(i32, String)> = enrollments::table
        .inner_join(courses::table)
        .filter(enrollments::user_id.eq(user_id))
        .filter(enrollments::id.ne(enrollment))
        .filter(enrollments::completed_at.ge(drive_start()))
        .select((courses::tier, courses::mode))
        .load(conn)?;
    let codes: Vec<&str> = path_codes(&org_path).collect();
    let ids: HashMap<String, i64> = orgs_t::table
        .filter(orgs_t::code.eq_any(&codes))
        .select((orgs_t::code, orgs_t::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let facts = CompletionFacts {
        orgs: ids.values().copied().collect(),
        upper: upper_ids(&org_path, &ids),
        female: gender == Gender::Female,
        tier: course.tier,
        first_in_tier: !earlier.iter().any(|(t, _)| *t == course.tier),
        first_in_mode: !earlier.iter().any(|(_, m)| *m == course.mode),
        mode: course.mode,
        course: course.code,
        hours: course.hours,
        completed_at,
        first,
    };
    // In one order for every transaction (by node, dimension, bucket): two completions under
    // the same unions take the counters' row locks in the same order, so PostgreSQL never has
    // to break a deadlock between them.
    let mut changes = deltas(&facts);
    changes.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, delta) in changes {
        upsert(conn, &key, &delta)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Recomputing from the raw records

/// A completion in the drive, with the union it was attributed to, her gender and its
/// course, and whether `first_completions` records it as her first.
#[derive(Queryable)]
struct RawCompletion {
    enrollment_id: i64,
    user_id: i64,
    completed_at: NaiveDateTime,
    org_path: String,
    gender: Gender,
    tier: i32,
    mode: String,
    course: String,
    hours: f64,
    first_of: Option<i64>,
}

/// Every counter, derived from the completed enrolments and the first completions recorded
/// with them (what the stored counters must equal). Loads all completions in the drive: for
/// checks, not for requests.
///
/// Her first completion is the one `first_completions` records, as for the evidence list's
/// "first only" and the completing transaction (which records it): two of her completions
/// at one instant are told apart by which was recorded first, not by their ids. The tier,
/// mode and course day counters count it by its tier, mode and course, so the two must agree.
pub fn recompute(conn: &mut DbConn) -> QueryResult<BTreeMap<StatKey, Delta>> {
    let mut rows: Vec<RawCompletion> = enrollments::table
        .inner_join(courses::table)
        .inner_join(users::table)
        .left_join(
            first_completions::table.on(first_completions::enrollment_id.eq(enrollments::id)),
        )
        .filter(enrollments::completed_at.ge(drive_start()))
        .filter(enrollments::completed_org_path.is_not_null())
        .select((
            enrollments::id,
            enrollments::user_id,
            enrollments::completed_at.assume_not_null(),
            enrollments::completed_org_path.assume_not_null(),
            users::gender,
            courses::tier,
            courses::mode,
            courses::code,
            courses::hours,
            first_completions::user_id.nullable(),
        ))
        .load(conn)?;
    rows.sort_by_key(|r| (r.completed_at, r.enrollment_id));
    let ids: HashMap<String, i64> = orgs_t::table
        .select((orgs_t::code, orgs_t::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut ancestors: HashMap<String, Vec<i64>> = HashMap::new();
    let mut seen_tier = HashSet::new();
    let mut seen_mode = HashSet::new();
    let mut totals: BTreeMap<StatKey, Delta> = BTreeMap::new();
    for row in rows {
        let user = row.user_id;
        let orgs = ancestors
            .entry(row.org_path.clone())
            .or_insert_with(|| {
                path_codes(&row.org_path)
                    .filter_map(|c| ids.get(c).copied())
                    .collect()
            })
            .clone();
        let facts = CompletionFacts {
            orgs,
            upper: upper_ids(&row.org_path, &ids),
            female: row.gender == Gender::Female,
            first: row.first_of == Some(user),
            first_in_tier: seen_tier.insert((user, row.tier)),
            first_in_mode: seen_mode.insert((user, row.mode.clone())),
            tier: row.tier,
            mode: row.mode,
            course: row.course,
            hours: row.hours,
            completed_at: row.completed_at,
        };
        for (key, delta) in deltas(&facts) {
            totals.entry(key).or_default().add(&delta);
        }
    }
    Ok(totals)
}

/// One stored counter row.
#[derive(Queryable, Selectable)]
#[diesel(table_name = org_stats)]
struct CounterRow {
    org_id: i64,
    dimension: Dimension,
    bucket: String,
    women_trained: i64,
    learners_trained: i64,
    women_completions: i64,
    completions: i64,
    women_hours: f64,
    hours: f64,
}

impl CounterRow {
    fn into_entry(self) -> (StatKey, Delta) {
        (
            (self.org_id, self.dimension, self.bucket),
            Delta {
                women_trained: self.women_trained,
                learners_trained: self.learners_trained,
                women_completions: self.women_completions,
                completions: self.completions,
                women_hours: self.women_hours,
                hours: self.hours,
            },
        )
    }
}

/// Stored counter rows: of one node, its dashboard's (not [`PAGING_DIMENSIONS`]); or all.
fn counter_rows(conn: &mut DbConn, org: Option<i64>) -> QueryResult<Vec<(StatKey, Delta)>> {
    let query = org_stats::table.select(CounterRow::as_select());
    let rows: Vec<CounterRow> = match org {
        Some(org) => query
            .filter(org_stats::org_id.eq(org))
            .filter(org_stats::dimension.ne_all(PAGING_DIMENSIONS.map(Dimension::as_str)))
            .load(conn)?,
        None => query.load(conn)?,
    };
    Ok(rows.into_iter().map(CounterRow::into_entry).collect())
}

fn stored(conn: &mut DbConn) -> QueryResult<BTreeMap<StatKey, Delta>> {
    Ok(counter_rows(conn, None)?.into_iter().collect())
}

/// One stored counter's women figures, `(women_trained, women_completions)`: zeros when no
/// completion has touched it.
pub(crate) fn women_counter(
    conn: &mut DbConn,
    org_id: i64,
    dimension: Dimension,
    bucket: &str,
) -> QueryResult<(i64, i64)> {
    Ok(org_stats::table
        .filter(org_stats::org_id.eq(org_id))
        .filter(org_stats::dimension.eq(dimension.as_str()))
        .filter(org_stats::bucket.eq(bucket))
        .select((org_stats::women_trained, org_stats::women_completions))
        .first(conn)
        .optional()?
        .unwrap_or((0, 0)))
}

/// A node's day counters, `(YYYY-MM-DD, women_trained, women_completions)`, newest day first
/// (days no completion touched are absent): of all its completions, or (`of`) of one tier,
/// mode or course only (`(Dimension::Tier, "2")`), kept for nodes at most [`PAGING_DEPTH`]
/// deep. Women trained are those whose first completion in the drive was that day's (and, of
/// one tier, mode or course, of it).
pub(crate) fn women_by_day(
    conn: &mut DbConn,
    org_id: i64,
    of: Option<(Dimension, &str)>,
) -> QueryResult<Vec<(String, i64, i64)>> {
    let (dimension, prefix) = match of {
        None => (Dimension::Day, String::new()),
        Some((Dimension::Tier, b)) => (Dimension::TierDay, format!("{b}|")),
        Some((Dimension::Mode, b)) => (Dimension::ModeDay, format!("{b}|")),
        Some((Dimension::Course, b)) => (Dimension::CourseDay, format!("{b}|")),
        Some(_) => return Ok(Vec::new()),
    };
    // Codes and modes hold no `%`; a `_` would match more, which the prefix check drops.
    let rows: Vec<(String, i64, i64)> = org_stats::table
        .filter(org_stats::org_id.eq(org_id))
        .filter(org_stats::dimension.eq(dimension.as_str()))
        .filter(org_stats::bucket.like(format!("{prefix}%")))
        .select((
            org_stats::bucket,
            org_stats::women_trained,
            org_stats::women_completions,
        ))
        .load(conn)?;
    // Sorted here, not by the database, whose collation may not sort text by code point.
    let mut days: Vec<(String, i64, i64)> = rows
        .into_iter()
        .filter_map(|(bucket, trained, completions)| {
            let day = bucket.strip_prefix(prefix.as_str())?;
            Some((day.to_string(), trained, completions))
        })
        .collect();
    days.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(days)
}

/// One counter that differs from its recomputation.
#[derive(Debug, Clone, PartialEq)]
pub struct Discrepancy {
    pub org_code: String,
    pub dimension: String,
    pub bucket: String,
    pub stored: Delta,
    pub recomputed: Delta,
}

fn close(a: &Delta, b: &Delta) -> bool {
    a.women_trained == b.women_trained
        && a.learners_trained == b.learners_trained
        && a.women_completions == b.women_completions
        && a.completions == b.completions
        && (a.women_hours - b.women_hours).abs() < 1e-6
        && (a.hours - b.hours).abs() < 1e-6
}

/// Compares every stored counter with its recomputation from the raw records.
pub async fn verify(core: &Core) -> Result<(usize, Vec<Discrepancy>), ServiceError> {
    core.run(|conn, _| {
        let expected = recompute(conn)?;
        let actual = stored(conn)?;
        let codes: HashMap<i64, String> = orgs_t::table
            .select((orgs_t::id, orgs_t::code))
            .load::<(i64, String)>(conn)?
            .into_iter()
            .collect();
        let zero = Delta::default();
        let keys: std::collections::BTreeSet<&StatKey> =
            expected.keys().chain(actual.keys()).collect();
        let checked = keys.len();
        let differences = keys
            .into_iter()
            .filter_map(|key| {
                let want = expected.get(key).unwrap_or(&zero);
                let have = actual.get(key).unwrap_or(&zero);
                (!close(want, have)).then(|| Discrepancy {
                    org_code: codes
                        .get(&key.0)
                        .cloned()
                        .unwrap_or_else(|| key.0.to_string()),
                    dimension: key.1.as_str().to_string(),
                    bucket: key.2.clone(),
                    stored: *have,
                    recomputed: *want,
                })
            })
            .collect();
        Ok((checked, differences))
    })
    .await
}

/// Replaces every counter with its recomputation (after a bulk load, or to repair).
pub fn rebuild(conn: &mut DbConn) -> Result<usize, ServiceError> {
    let expected = recompute(conn)?;
    write_tx(conn, |conn| {
        diesel::delete(org_stats::table).execute(conn)?;
        let rows: Vec<NewCounter<'_>> = expected
            .iter()
            .map(|((org, dimension, bucket), d)| {
                NewCounter::new(*org, dimension.as_str(), bucket, d)
            })
            .collect();
        insert_counters(conn, &rows)?;
        Ok::<_, ServiceError>(expected.len())
    })
}

// ---------------------------------------------------------------------------------------------
// Reading

use super::orgs::require_administered as administered;

/// The node's target: set, or the province default for the root.
fn target_of(conn: &mut DbConn, org_id: i64, depth: i32) -> QueryResult<Option<(i64, NaiveDate)>> {
    let set: Option<(i64, NaiveDate)> = org_targets::table
        .find(org_id)
        .select((org_targets::target, org_targets::deadline))
        .first(conn)
        .optional()?;
    Ok(set.or((depth == 0).then(|| (DEFAULT_TARGET, default_deadline()))))
}

fn bucket_view(bucket: String, d: &Delta) -> StatsBucketView {
    StatsBucketView {
        bucket,
        trained: d.women_trained,
        completions: d.women_completions,
        hours: d.women_hours,
        learners_trained: d.learners_trained,
        all_completions: d.completions,
        all_hours: d.hours,
    }
}

fn months_between(today: NaiveDate, deadline: NaiveDate) -> f64 {
    ((deadline - today).num_days() as f64 / 30.44).max(1.0)
}

/// A node's counters by dimension, each bucket with its counts.
struct Breakdowns(HashMap<Dimension, Vec<(String, Delta)>>);

impl Breakdowns {
    fn load(conn: &mut DbConn, org_id: i64) -> QueryResult<Self> {
        let mut by: HashMap<Dimension, Vec<(String, Delta)>> = HashMap::new();
        for ((_, dimension, bucket), delta) in counter_rows(conn, Some(org_id))? {
            by.entry(dimension).or_default().push((bucket, delta));
        }
        Ok(Breakdowns(by))
    }

    /// One dimension's buckets in bucket order (none before the node's first completion).
    fn take(&mut self, dimension: Dimension) -> Vec<(String, Delta)> {
        let mut buckets = self.0.remove(&dimension).unwrap_or_default();
        buckets.sort_by(|a, b| a.0.cmp(&b.0));
        buckets
    }
}

/// Women trained per month (30.44 days) over the 90 days before `today`, from the daily
/// buckets: `pace_last_90_days`, kept as it was for existing clients (a node younger than
/// 90 days is averaged over all 90; the dashboard shows [`Pace`] instead).
fn recent_pace(days: &[(String, Delta)], today: NaiveDate) -> f64 {
    let since = (today - chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    let last_90: i64 = days
        .iter()
        .filter(|(day, _)| *day > since)
        .map(|(_, d)| d.women_trained)
        .sum();
    last_90 as f64 / (90.0 / 30.44)
}

/// The most days the recent pace averages over.
const PACE_WINDOW_DAYS: i64 = 90;

/// A node's recent pace, from its daily buckets (China days). Its history starts at its first
/// completion in the drive: the counters hold nothing from before the drive began, so this is
/// the later of that completion and the drive's start. The pace averages over the last 90
/// days of that history, or over all of it while it is younger, so a new node's pace is not
/// diluted by days before it had any data.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pace {
    /// Days since the first completion (0 on its day, and without one).
    history_days: i64,
    /// Days averaged over, the first and today both counted (0 without data).
    window_days: i64,
    /// Women newly trained in those days.
    trained: i64,
}

impl Pace {
    fn of(days: &[(String, Delta)], today: NaiveDate) -> Result<Pace, ServiceError> {
        let Some((first, _)) = days.first() else {
            return Ok(Pace {
                history_days: 0,
                window_days: 0,
                trained: 0,
            });
        };
        let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").map_err(|_| {
            ServiceError::internal(format!("org_stats day bucket {first:?} is not a date"))
        })?;
        let start = first.max(to_china(drive_start()).date());
        let history_days = (today - start).num_days().max(0);
        let window_days = (history_days + 1).min(PACE_WINDOW_DAYS);
        let since = (today - chrono::Duration::days(window_days - 1))
            .format("%Y-%m-%d")
            .to_string();
        let trained = days
            .iter()
            .filter(|(day, _)| *day >= since)
            .map(|(_, d)| d.women_trained)
            .sum();
        Ok(Pace {
            history_days,
            window_days,
            trained,
        })
    }

    /// Women newly trained per day (0 without data).
    fn per_day(&self) -> f64 {
        if self.window_days == 0 {
            0.0
        } else {
            self.trained as f64 / self.window_days as f64
        }
    }

    /// Enough history to project from ([`PROJECTION_MIN_DAYS`]).
    fn enough_history(&self) -> bool {
        self.history_days >= PROJECTION_MIN_DAYS
    }
}

/// The day the recent pace meets the target: `None` when that is after the end of
/// [`PROJECTION_LAST_YEAR`] (or never, with nobody trained lately). Whole days rounded up,
/// counted in integers so no rounding of a float decides the date.
fn reach_date(today: NaiveDate, still_to_train: i64, pace: &Pace) -> Option<NaiveDate> {
    if still_to_train <= 0 {
        return Some(today);
    }
    if pace.trained <= 0 || pace.window_days <= 0 {
        return None;
    }
    let days = still_to_train
        .checked_mul(pace.window_days)?
        .checked_add(pace.trained - 1)?
        / pace.trained;
    let last = NaiveDate::from_ymd_opt(PROJECTION_LAST_YEAR, 12, 31)?;
    if days > (last - today).num_days() {
        return None;
    }
    today.checked_add_signed(chrono::Duration::try_days(days)?)
}

/// Where a node is heading against its target (nothing without a target).
struct Outlook {
    /// Women to train per month to meet the target by the deadline.
    pace_needed: Option<f64>,
    /// Women trained by the deadline at the recent pace (with enough history).
    projected: Option<i64>,
    /// When the recent pace meets the target (status `OnDate` only).
    reach: Option<NaiveDate>,
    status: ProjectionStatus,
}

impl Outlook {
    fn new(today: NaiveDate, trained: i64, pace: &Pace, target: Option<(i64, NaiveDate)>) -> Self {
        let Some((target, deadline)) = target else {
            return Outlook {
                pace_needed: None,
                projected: None,
                reach: None,
                status: ProjectionStatus::NoTarget,
            };
        };
        let needed = ((target - trained).max(0) as f64) / months_between(today, deadline);
        let days_left = (deadline - today).num_days().max(0);
        let projected = pace
            .enough_history()
            .then(|| trained + (pace.per_day() * days_left as f64).round() as i64);
        let (status, reach) = if trained >= target {
            (ProjectionStatus::Reached, None)
        } else if !pace.enough_history() {
            (ProjectionStatus::NotEnoughData, None)
        } else {
            match reach_date(today, target - trained, pace) {
                Some(day) => (ProjectionStatus::OnDate, Some(day)),
                None => (ProjectionStatus::After2100, None),
            }
        };
        Outlook {
            pace_needed: Some(needed),
            projected,
            reach,
            status,
        }
    }
}

/// A child node as its parent's dashboard lists it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = orgs_t)]
struct ChildOrg {
    id: i64,
    code: String,
    name: String,
    name_en: Option<String>,
}

/// The node's children in code order, with their totals and targets.
fn child_stats(conn: &mut DbConn, org_id: i64) -> QueryResult<Vec<ChildStatsView>> {
    let children: Vec<ChildOrg> = orgs_t::table
        .filter(orgs_t::parent_id.eq(org_id))
        .order(orgs_t::code.asc())
        .select(ChildOrg::as_select())
        .load(conn)?;
    let child_ids: Vec<i64> = children.iter().map(|c| c.id).collect();
    let child_totals: HashMap<i64, Delta> = org_stats::table
        .filter(org_stats::org_id.eq_any(&child_ids))
        .filter(org_stats::dimension.eq(Dimension::Total.as_str()))
        .select(CounterRow::as_select())
        .load::<CounterRow>(conn)?
        .into_iter()
        .map(|row| {
            let ((id, _, _), delta) = row.into_entry();
            (id, delta)
        })
        .collect();
    let child_targets: HashMap<i64, i64> = org_targets::table
        .filter(org_targets::org_id.eq_any(&child_ids))
        .select((org_targets::org_id, org_targets::target))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(children
        .into_iter()
        .map(|child| {
            // A child without a completion has no counter row yet: its figures are all 0.
            let total = child_totals.get(&child.id).copied().unwrap_or_default();
            ChildStatsView {
                target: child_targets.get(&child.id).copied(),
                org: child.code,
                name: child.name,
                name_en: child.name_en,
                trained: total.women_trained,
                completions: total.women_completions,
                hours: total.women_hours,
                learners_trained: total.learners_trained,
                all_completions: total.completions,
                all_hours: total.hours,
            }
        })
        .collect())
}

/// Whether the children's targets add up to the node's: only when the node has a target
/// and at least one child has one.
fn check_targets(
    target: Option<(i64, NaiveDate)>,
    by_child: &[ChildStatsView],
) -> Option<TargetCheckView> {
    let (target, _) = target?;
    let set: Vec<i64> = by_child.iter().filter_map(|c| c.target).collect();
    if set.is_empty() {
        return None;
    }
    let sum: i64 = set.iter().sum();
    let unset = by_child.len() - set.len();
    Some(TargetCheckView {
        children_sum: sum,
        target,
        children_without_target: unset,
        adds_up: sum == target && unset == 0,
    })
}

fn bucket_views(buckets: Vec<(String, Delta)>) -> Vec<StatsBucketView> {
    buckets
        .into_iter()
        .map(|(bucket, d)| bucket_view(bucket, &d))
        .collect()
}

/// The course buckets with the courses' titles (a code no course has is its own title).
fn by_course(
    conn: &mut DbConn,
    buckets: Vec<(String, Delta)>,
) -> QueryResult<Vec<CourseStatsView>> {
    let titles: HashMap<String, String> = courses::table
        .select((courses::code, courses::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(buckets
        .into_iter()
        .map(|(code, d)| CourseStatsView {
            title: titles.get(&code).cloned().unwrap_or_else(|| code.clone()),
            stats: bucket_view(code, &d),
        })
        .collect())
}

/// The month buckets, each with the women trained up to and including it.
fn by_month(buckets: Vec<(String, Delta)>) -> Vec<MonthStatsView> {
    let mut cumulative = 0;
    buckets
        .into_iter()
        .map(|(month, d)| {
            cumulative += d.women_trained;
            MonthStatsView {
                cumulative,
                stats: bucket_view(month, &d),
            }
        })
        .collect()
}

/// The node's parent (none for the province).
fn parent_of(conn: &mut DbConn, org: &OrgRow) -> QueryResult<Option<OrgRow>> {
    org.parent_id
        .map(|parent| orgs::find_by_id(conn, parent))
        .transpose()
}

/// Who sets a node's target: administrators of its parent (the province's own
/// administrators set the province's).
fn may_set_target(actor: &Actor, org: &OrgRow, parent: Option<&OrgRow>) -> bool {
    let over = parent.unwrap_or(org);
    actor.holds(Role::Admin, &over.path)
}

/// The dashboard of a node (her right to see it already checked).
fn dashboard(conn: &mut DbConn, actor: &Actor, org: &OrgRow) -> Result<OrgStatsView, ServiceError> {
    let mut counters = Breakdowns::load(conn, org.id)?;
    let total = counters
        .take(Dimension::Total)
        .first()
        .map(|(_, d)| *d)
        .unwrap_or_default();
    let today = to_china(now()).date();
    let days = counters.take(Dimension::Day);
    let pace_last_90_days = recent_pace(&days, today);
    let pace = Pace::of(&days, today)?;
    let target = target_of(conn, org.id, org.depth)?;
    let outlook = Outlook::new(today, total.women_trained, &pace, target);
    let by_child = child_stats(conn, org.id)?;
    let targets_check = check_targets(target, &by_child);
    let parent = parent_of(conn, org)?;
    Ok(OrgStatsView {
        org: OrgRef {
            code: org.code.clone(),
            name: org.name.clone(),
            name_en: org.name_en.clone(),
        },
        trained: total.women_trained,
        target: target.map(|t| t.0),
        deadline: target.map(|t| t.1.format("%Y-%m-%d").to_string()),
        percent: target
            .filter(|t| t.0 > 0)
            .map(|t| (total.women_trained as f64 * 1000.0 / t.0 as f64).round() / 10.0),
        completions: total.women_completions,
        hours: total.women_hours,
        all_learners: bucket_view(String::new(), &total),
        pace_needed_per_month: outlook.pace_needed.map(|p| p.ceil() as i64),
        pace_last_90_days: pace_last_90_days.round() as i64,
        projected_at_deadline: outlook.projected,
        projected_reach_date: outlook.reach.map(|d| d.format("%Y-%m-%d").to_string()),
        by_child,
        targets_check,
        by_tier: bucket_views(counters.take(Dimension::Tier)),
        by_mode: bucket_views(counters.take(Dimension::Mode)),
        by_month: by_month(counters.take(Dimension::Month)),
        by_course: by_course(conn, counters.take(Dimension::Course))?,
        drive_start: to_china(drive_start()).format("%Y-%m-%d").to_string(),
        as_of: today.format("%Y-%m-%d").to_string(),
        pace_per_30_days: pace.per_day() * 30.0,
        pace_window_days: pace.window_days,
        history_days: pace.history_days,
        projection: outlook.status,
        can_set_target: may_set_target(actor, org, parent.as_ref()),
        parent: parent.map(|p| OrgRef {
            code: p.code,
            name: p.name,
            name_en: p.name_en,
        }),
    })
}

/// The dashboard of one node she administers.
pub async fn org_stats(
    core: &Core,
    actor: &Actor,
    code: String,
) -> Result<OrgStatsView, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let org = administered(conn, &actor, &code)?;
        dashboard(conn, &actor, &org)
    })
    .await
}

/// `PUT /api/v1/orgs/{code}/target`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    pub target: i64,
    /// `YYYY-MM-DD`; defaults to the parent's deadline (or 2029-08-05).
    #[serde(default)]
    pub deadline: Option<String>,
}

impl TargetInput {
    /// The dashboard's target form as typed: a whole number, thousands separators allowed
    /// ("30,000"); an empty deadline keeps the inherited one.
    pub fn from_form(target: &str, deadline: &str) -> Result<TargetInput, ServiceError> {
        let digits: String = target
            .chars()
            .filter(|c| !matches!(c, ',' | '，' | ' ' | '_'))
            .collect();
        let target = digits.parse::<i64>().map_err(|_| DomainError::Target)?;
        let deadline = Some(deadline.trim())
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        Ok(TargetInput { target, deadline })
    }
}

/// Whether she may set `code`'s target, decided before what she sends is read (404 for an
/// unknown union, 403 for anyone but its parent's administrators).
pub async fn authorize_set_target(
    core: &Core,
    actor: &Actor,
    code: String,
) -> Result<(), ServiceError> {
    let admin = actor.clone();
    core.run(move |conn, _| {
        let org = orgs::require(conn, &OrgCode::parse(&code, "org")?, "org")?;
        let parent = parent_of(conn, &org)?;
        if may_set_target(&admin, &org, parent.as_ref()) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    })
    .await
}

/// Sets a node's target: administrators of its parent set it (the province's own
/// administrators set the province's).
pub async fn set_target(
    core: &Core,
    actor: &Actor,
    code: String,
    input: TargetInput,
) -> Result<OrgStatsView, ServiceError> {
    let admin = actor.clone();
    let code_for_view = code.clone();
    core.run(move |conn, _| {
        let org = orgs::require(conn, &OrgCode::parse(&code, "org")?, "org")?;
        let parent = parent_of(conn, &org)?;
        if !may_set_target(&admin, &org, parent.as_ref()) {
            return Err(ServiceError::Forbidden);
        }
        if !(0..=100_000_000).contains(&input.target) {
            return Err(DomainError::Target.into());
        }
        let inherited = match &parent {
            Some(parent) => target_of(conn, parent.id, 0)?.map(|t| t.1),
            None => None,
        };
        let deadline = match input.deadline.as_deref() {
            Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| DomainError::Deadline)?,
            None => inherited.unwrap_or_else(default_deadline),
        };
        if deadline.year() < 2024 || deadline.year() > 2100 {
            return Err(DomainError::Deadline.into());
        }
        write_tx(conn, |conn| {
            diesel::delete(org_targets::table.find(org.id)).execute(conn)?;
            diesel::insert_into(org_targets::table)
                .values((
                    org_targets::org_id.eq(org.id),
                    org_targets::target.eq(input.target),
                    org_targets::deadline.eq(deadline),
                    org_targets::set_by.eq(admin.user_id),
                    org_targets::set_at.eq(now()),
                ))
                .execute(conn)?;
            Ok::<_, ServiceError>(())
        })
    })
    .await?;
    org_stats(core, actor, code_for_view).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pace(trained: i64, window_days: i64) -> Pace {
        Pace {
            history_days: 100,
            window_days,
            trained,
        }
    }

    fn day(date: &str, women: i64) -> (String, Delta) {
        let delta = Delta {
            women_trained: women,
            ..Delta::default()
        };
        (date.to_string(), delta)
    }

    #[test]
    fn reach_dates_stop_at_the_end_of_2100() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(reach_date(today, 100_000_000, &pace(1, 90)), None);
        assert_eq!(reach_date(today, 10, &pace(0, 90)), None);
        assert_eq!(reach_date(today, 0, &pace(5, 90)), Some(today));
        let at = |d: Option<NaiveDate>| d.map(|d| d.to_string());
        // One woman a day: 30 days.
        assert_eq!(
            at(reach_date(today, 30, &pace(30, 30))).as_deref(),
            Some("2026-12-27")
        );
        // Two women in 71 days, one to go: 35.5 days, rounded up.
        assert_eq!(
            at(reach_date(today, 1, &pace(2, 71))).as_deref(),
            Some("2027-01-02")
        );
        let late = NaiveDate::from_ymd_opt(2100, 12, 1).unwrap();
        assert_eq!(
            at(reach_date(late, 30, &pace(30, 30))).as_deref(),
            Some("2100-12-31")
        );
        assert_eq!(reach_date(late, 31, &pace(30, 30)), None);
    }

    #[test]
    fn the_pace_averages_over_the_days_a_node_has_data() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        // One woman today: a day of data, averaged over that day; too little to project.
        let young = Pace::of(&[day("2026-03-10", 1)], today).unwrap();
        assert_eq!(
            (young.history_days, young.window_days, young.trained),
            (0, 1, 1)
        );
        assert!(!young.enough_history());
        // A long history: the last 90 days only (2025-12-11 to 2026-03-10).
        let days = [
            day("2025-01-01", 5),
            day("2025-12-10", 2),
            day("2025-12-11", 3),
        ];
        let old = Pace::of(&days, today).unwrap();
        assert_eq!((old.window_days, old.trained), (90, 3));
        assert!(old.enough_history());
        // 59 days is not enough; 60 is.
        assert!(!Pace::of(&[day("2026-01-10", 1)], today)
            .unwrap()
            .enough_history());
        assert!(Pace::of(&[day("2026-01-09", 1)], today)
            .unwrap()
            .enough_history());
        assert_eq!(
            Pace::of(&[], today).unwrap(),
            Pace {
                history_days: 0,
                window_days: 0,
                trained: 0
            }
        );
        assert!(Pace::of(&[day("not a day", 1)], today).is_err());
    }

    #[test]
    fn no_projection_without_sixty_days_and_none_past_2100() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let deadline = NaiveDate::from_ymd_opt(2029, 8, 5).unwrap();
        let young = Pace {
            history_days: 10,
            window_days: 11,
            trained: 5,
        };
        let outlook = Outlook::new(today, 5, &young, Some((500_000, deadline)));
        assert_eq!(outlook.status, ProjectionStatus::NotEnoughData);
        assert_eq!((outlook.projected, outlook.reach), (None, None));
        let outlook = Outlook::new(today, 5, &pace(1, 90), Some((500_000, deadline)));
        assert_eq!(outlook.status, ProjectionStatus::After2100);
        assert!(outlook.projected.is_some() && outlook.reach.is_none());
        let outlook = Outlook::new(today, 5, &pace(1, 90), Some((5, deadline)));
        assert_eq!(outlook.status, ProjectionStatus::Reached);
        let outlook = Outlook::new(today, 5, &pace(1, 90), None);
        assert_eq!(outlook.status, ProjectionStatus::NoTarget);
        let forms = TargetInput::from_form(" 30,000 ", "").unwrap();
        assert_eq!((forms.target, forms.deadline), (30_000, None));
        assert!(TargetInput::from_form("三万", "").is_err());
    }
}
