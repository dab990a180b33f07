//! The drive's figures for every node of the organisation tree. A woman is *trained* when she
//! has at least one course completed since the drive began (2024-08-05); she counts once, for
//! the union she belonged to at that first completion. Counters are kept in `org_stats`, in
//! the transaction that records a completion, with the same deltas for the union and every
//! ancestor, so any node's dashboard reads a handful of rows. `recompute` derives the same
//! counters from the raw records, for `qihang stats verify` and `stats rebuild`.

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
use crate::db::schema::{courses, enrollments, org_stats, org_targets, orgs as orgs_t, users};
use crate::db::{write_tx, DbConn};
use crate::domain::{Gender, OrgCode, Role};
use crate::dto::{
    ChildStatsView, CourseStatsView, MonthStatsView, OrgRef, OrgStatsView, StatsBucketView,
    TargetCheckView,
};
use crate::time::to_china;
use crate::ServiceError;

/// What one completion adds to one counter row (the figures of a counter).
pub type Delta = CounterDelta;

/// What a counter row breaks its node's figures down by (`org_stats.dimension`, kept as
/// text): the node as a whole, or one tier, mode, course, month or day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::FromSqlRow)]
pub enum Dimension {
    Total,
    Tier,
    Mode,
    Course,
    Month,
    Day,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Total => "total",
            Dimension::Tier => "tier",
            Dimension::Mode => "mode",
            Dimension::Course => "course",
            Dimension::Month => "month",
            Dimension::Day => "day",
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
    out
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
    let ancestors: Vec<i64> = orgs_t::table
        .filter(orgs_t::code.eq_any(&codes))
        .select(orgs_t::id)
        .load(conn)?;
    let facts = CompletionFacts {
        orgs: ancestors,
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
    for (key, delta) in deltas(&facts) {
        upsert(conn, &key, &delta)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Recomputing from the raw records

/// A completion in the drive, with the union it was attributed to, her gender and its
/// course.
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
}

/// Every counter, derived from the completed enrolments alone (what the stored counters
/// must equal). Loads all completions in the drive: for checks, not for requests.
pub fn recompute(conn: &mut DbConn) -> QueryResult<BTreeMap<StatKey, Delta>> {
    let mut rows: Vec<RawCompletion> = enrollments::table
        .inner_join(courses::table)
        .inner_join(users::table)
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
        ))
        .load(conn)?;
    rows.sort_by_key(|r| (r.completed_at, r.enrollment_id));
    let ids: HashMap<String, i64> = orgs_t::table
        .select((orgs_t::code, orgs_t::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let mut ancestors: HashMap<String, Vec<i64>> = HashMap::new();
    let mut seen_user = HashSet::new();
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
            female: row.gender == Gender::Female,
            first: seen_user.insert(user),
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

/// Stored counter rows, of one node or of all.
fn counter_rows(conn: &mut DbConn, org: Option<i64>) -> QueryResult<Vec<(StatKey, Delta)>> {
    let query = org_stats::table.select(CounterRow::as_select());
    let rows: Vec<CounterRow> = match org {
        Some(org) => query.filter(org_stats::org_id.eq(org)).load(conn)?,
        None => query.load(conn)?,
    };
    Ok(rows.into_iter().map(CounterRow::into_entry).collect())
}

fn stored(conn: &mut DbConn) -> QueryResult<BTreeMap<StatKey, Delta>> {
    Ok(counter_rows(conn, None)?.into_iter().collect())
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

/// The node she may see: it must lie in a subtree she administers.
fn administered(conn: &mut DbConn, actor: &Actor, code: &str) -> Result<OrgRow, ServiceError> {
    let org = orgs::require(conn, &OrgCode::parse(code, "org")?, "org")?;
    if !actor.holds(Role::Admin, &org.path) {
        return Err(ServiceError::Forbidden);
    }
    Ok(org)
}

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

/// Months (30.44 days) from `today` to `deadline`, at least one.
/// When the recent pace reaches the target, if it ever does within ten thousand years (a
/// trickle against a large target would otherwise overflow the calendar).
fn reach_date(today: NaiveDate, still_to_train: i64, pace_per_month: f64) -> Option<String> {
    if pace_per_month <= 0.0 {
        return None;
    }
    let days = (still_to_train.max(0) as f64 / pace_per_month * 30.44).ceil();
    if !(0.0..3_652_500.0).contains(&days) {
        return None;
    }
    today
        .checked_add_signed(chrono::Duration::days(days as i64))
        .map(|d| d.format("%Y-%m-%d").to_string())
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
/// buckets.
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

/// Where a node is heading against its target (nothing without a target).
struct Outlook {
    /// Women to train per month to meet the target by the deadline.
    pace_needed: Option<f64>,
    /// Women trained by the deadline at the recent pace.
    projected: Option<i64>,
    /// When the recent pace reaches the target.
    reach: Option<String>,
}

impl Outlook {
    fn new(today: NaiveDate, trained: i64, pace: f64, target: Option<(i64, NaiveDate)>) -> Self {
        match target {
            Some((target, deadline)) => {
                let months = months_between(today, deadline);
                let needed = ((target - trained).max(0) as f64) / months;
                let projected = trained as f64 + pace * months;
                Outlook {
                    pace_needed: Some(needed),
                    projected: Some(projected.round() as i64),
                    reach: reach_date(today, target - trained, pace),
                }
            }
            None => Outlook {
                pace_needed: None,
                projected: None,
                reach: None,
            },
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
}

/// The node's children in code order, with their totals and targets.
fn child_stats(conn: &mut DbConn, org_id: i64) -> QueryResult<Vec<ChildStatsView>> {
    let children: Vec<ChildOrg> = orgs_t::table
        .filter(orgs_t::parent_id.eq(org_id))
        .order(orgs_t::code.asc())
        .select(ChildOrg::as_select())
        .load(conn)?;
    let child_ids: Vec<i64> = children.iter().map(|c| c.id).collect();
    let child_totals: HashMap<i64, (i64, i64)> = org_stats::table
        .filter(org_stats::org_id.eq_any(&child_ids))
        .filter(org_stats::dimension.eq(Dimension::Total.as_str()))
        .select((
            org_stats::org_id,
            org_stats::women_trained,
            org_stats::women_completions,
        ))
        .load::<(i64, i64, i64)>(conn)?
        .into_iter()
        .map(|(id, t, c)| (id, (t, c)))
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
            let (trained, completions) = child_totals.get(&child.id).copied().unwrap_or((0, 0));
            ChildStatsView {
                target: child_targets.get(&child.id).copied(),
                org: child.code,
                name: child.name,
                trained,
                completions,
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

/// The dashboard of a node (her right to see it already checked).
fn dashboard(conn: &mut DbConn, org: &OrgRow) -> Result<OrgStatsView, ServiceError> {
    let mut counters = Breakdowns::load(conn, org.id)?;
    let total = counters
        .take(Dimension::Total)
        .first()
        .map(|(_, d)| *d)
        .unwrap_or_default();
    let today = to_china(now()).date();
    let pace_last_90_days = recent_pace(&counters.take(Dimension::Day), today);
    let target = target_of(conn, org.id, org.depth)?;
    let outlook = Outlook::new(today, total.women_trained, pace_last_90_days, target);
    let by_child = child_stats(conn, org.id)?;
    let targets_check = check_targets(target, &by_child);
    Ok(OrgStatsView {
        org: OrgRef {
            code: org.code.clone(),
            name: org.name.clone(),
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
        projected_reach_date: outlook.reach,
        by_child,
        targets_check,
        by_tier: bucket_views(counters.take(Dimension::Tier)),
        by_mode: bucket_views(counters.take(Dimension::Mode)),
        by_month: by_month(counters.take(Dimension::Month)),
        by_course: by_course(conn, counters.take(Dimension::Course))?,
        drive_start: drive_start().format("%Y-%m-%d").to_string(),
        as_of: today.format("%Y-%m-%d").to_string(),
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
        dashboard(conn, &org)
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
        let allowed = match org.parent_id {
            Some(parent) => admin.holds(Role::Admin, &orgs::find_by_id(conn, parent)?.path),
            None => admin.holds(Role::Admin, &org.path),
        };
        if !allowed {
            return Err(ServiceError::Forbidden);
        }
        if !(0..=100_000_000).contains(&input.target) {
            return Err(crate::domain::DomainError::Target.into());
        }
        let inherited = match org.parent_id {
            Some(parent) => target_of(conn, parent, 0)?.map(|t| t.1),
            None => None,
        };
        let deadline = match input.deadline.as_deref() {
            Some(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| crate::domain::DomainError::Deadline)?,
            None => inherited.unwrap_or_else(default_deadline),
        };
        if deadline.year() < 2024 || deadline.year() > 2100 {
            return Err(crate::domain::DomainError::Deadline.into());
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

    #[test]
    fn a_trickle_against_a_large_target_has_no_reach_date() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(reach_date(today, 100_000_000, 0.33), None);
        assert_eq!(reach_date(today, 10, 0.0), None);
        assert_eq!(reach_date(today, 0, 5.0).as_deref(), Some("2026-11-27"));
        assert_eq!(reach_date(today, 30, 30.0).as_deref(), Some("2026-12-28"));
    }
}
