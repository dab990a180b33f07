//! Behind every figure, the learners: the completions by women in a subtree since the drive
//! began (masked names and phones, paged, filterable like the dashboard's breakdowns), with
//! their evidence; and CSV exports of dashboards and evidence, each written to the audit log.
//!
//! Evidence is stored as ids (the passed attempt, the class session). An administrator checks
//! a figure against people and events she knows, so each row also says which attempt it was
//! and where and when the class took place, looked up here for the rows listed. Exports name
//! every column in Chinese and English ("姓名 name"): union staff read the first word, scripts
//! the second.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::drive::drive_start;
use super::stats::{self, Dimension};
use super::xlsx_stream::SheetStream;
use super::{now, orgs, Core};
use crate::db::schema::{
    class_sessions, courses, enrollments, export_audit, first_completions, orgs as orgs_t,
    quiz_attempts, users,
};
use crate::db::types::Json;
use crate::db::{Cmp, CompletionTime, DbConn};
use crate::domain::{mask_name, mask_phone, Gender, OrgCode, Role};
use crate::dto::{
    ChildStatsView, EvidenceFilter, EvidencePage, EvidenceRow, OrgStatsView, StatsBucketView,
};
use crate::ServiceError;

pub const PAGE_SIZE: i64 = 50;
/// The highest page number asked for (500,000,000 rows deep, a hundred times the completions
/// of a 5,000,000-learner drive, whose last page is beyond 100,000): larger numbers are
/// refused, so offsets never overflow.
pub const MAX_PAGE: i64 = 10_000_000;

/// What a list covers: the union she asked for (the export's audit names it), and the node
/// listed, narrowed to `filter.org` when given, with its path.
struct Scope {
    asked: i64,
    node: i64,
    path: String,
}

/// The subtree she administers, narrowed to `filter.org` when given.
fn scope(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    filter: &EvidenceFilter,
) -> Result<Scope, ServiceError> {
    let org = orgs::require_administered(conn, actor, code)?;
    match &filter.org {
        Some(child) => {
            let child = orgs::require(conn, &OrgCode::parse(child, "org")?, "org")?;
            // A filter can only narrow: outside her subtree is forbidden, as by path.
            if !child.path.starts_with(&org.path) || !actor.holds(Role::Admin, &child.path) {
                return Err(ServiceError::Forbidden);
            }
            Ok(Scope {
                asked: org.id,
                node: child.id,
                path: child.path,
            })
        }
        None => Ok(Scope {
            asked: org.id,
            node: org.id,
            path: org.path,
        }),
    }
}

/// The list's total read from the dashboard's counters, when one counter counts exactly the
/// rows the filter keeps: no filter, or one tier, mode, course or month (its women's
/// completions); "first only" alone or with a month (its women trained, each counted at her
/// first completion); two or three of tier, mode and course without a month or "first only"
/// (the summed counters of the courses they keep, [`course_set`]). The counters hold the same
/// completions (by women, since the drive began, attributed inside the node), kept as they
/// happen and checked by `stats verify`; counting the rows instead walks every one of them,
/// at a province millions. `None` for other combinations: those rows are summed from the day
/// counters where [`paging_days`] has them (as "first only" with a tier, mode or course at
/// the province and the unions under it), and counted otherwise.
fn counted_total(
    conn: &mut DbConn,
    node: i64,
    filter: &EvidenceFilter,
) -> QueryResult<Option<i64>> {
    let narrowed = [
        filter.tier.map(|t| (Dimension::Tier, t.to_string())),
        filter.mode.clone().map(|m| (Dimension::Mode, m)),
        filter.course.clone().map(|c| (Dimension::Course, c)),
        filter.month.clone().map(|m| (Dimension::Month, m)),
    ];
    // A month the counters would name otherwise ("2025-3"): count the rows.
    if !counters_name_month(filter) {
        return Ok(None);
    }
    let mut given = narrowed.into_iter().flatten();
    let (dimension, bucket) = match (given.next(), given.next()) {
        (None, _) => (Dimension::Total, String::new()),
        (Some(one), None) => one,
        (Some(_), Some(_)) => {
            if filter.month.is_some() || filter.first_only {
                return Ok(None);
            }
            let Some(codes) = course_set(conn, filter)? else {
                return Ok(None);
            };
            let mut total = 0;
            for code in &codes {
                total += stats::women_counter(conn, node, Dimension::Course, code)?.1;
            }
            return Ok(Some(total));
        }
    };
    let (trained, completions) = stats::women_counter(conn, node, dimension, &bucket)?;
    Ok(match (filter.first_only, dimension) {
        (false, _) => Some(completions),
        (true, Dimension::Total | Dimension::Month) => Some(trained),
        (true, _) => None,
    })
}

/// The codes of the courses that a filter naming two or three of tier, mode and course keeps
/// (by each course's tier and mode now, as the list does); `None` otherwise. Every completion
/// is of one course, so those courses' counters, summed, count the list exactly without
/// "first only" (at 5,000,000 learners, counting the rows of `tier=1&mode=online` at the
/// province took 72 s); with it, their day counters' women trained do (see [`paging_days`]).
fn course_set(conn: &mut DbConn, filter: &EvidenceFilter) -> QueryResult<Option<Vec<String>>> {
    let given = [
        filter.tier.is_some(),
        filter.mode.is_some(),
        filter.course.is_some(),
    ];
    if given.into_iter().filter(|g| *g).count() < 2 {
        return Ok(None);
    }
    let mut q = courses::table.select(courses::code).into_boxed();
    if let Some(tier) = filter.tier {
        q = q.filter(courses::tier.eq(tier));
    }
    if let Some(mode) = &filter.mode {
        q = q.filter(courses::mode.eq(mode.clone()));
    }
    if let Some(course) = &filter.course {
        q = q.filter(courses::code.eq(course.clone()));
    }
    q.load(conn).map(Some)
}

/// Whether the filter's month, if any, is written as the counters name months (`2025-03`, not
/// `2025-3`, which the list also takes).
fn counters_name_month(filter: &EvidenceFilter) -> bool {
    filter.month.as_ref().is_none_or(|m| {
        m.len() == 7
            && m.as_bytes()[4] == b'-'
            && m.bytes().filter(|b| *b != b'-').all(|b| b.is_ascii_digit())
    })
}

/// An enrolment's stored evidence (`{"lessons_read":…,"attempt":…,"score":…,"session":…}`):
/// the keys the evidence list shows, each absent when the course's rules did not ask for it.
#[derive(Debug, Default, Deserialize)]
struct StoredEvidence {
    lessons_read: Option<i64>,
    attempt: Option<String>,
    score: Option<i64>,
    session: Option<String>,
}

/// One completion behind the figures, before masking.
#[derive(Queryable)]
struct CompletionRow {
    enrollment_id: i64,
    name: String,
    phone: String,
    org: String,
    org_name: String,
    course: String,
    course_title: String,
    completed_at: NaiveDateTime,
    evidence: Option<Json<StoredEvidence>>,
    /// Set when this is her first completion in the drive.
    first_of: Option<i64>,
}

impl CompletionRow {
    /// The stored evidence's attempt and session ids (a completion without evidence has none).
    fn evidence_ids(&self) -> (Option<&str>, Option<&str>) {
        match &self.evidence {
            Some(Json(e)) => (e.attempt.as_deref(), e.session.as_deref()),
            None => (None, None),
        }
    }

    fn into_view(self, details: &EvidenceDetails) -> EvidenceRow {
        let evidence = self.evidence.map(|e| e.0).unwrap_or_default();
        let attempt_number = evidence
            .attempt
            .as_ref()
            .and_then(|a| details.attempt_numbers.get(a).copied());
        let class = evidence
            .session
            .as_ref()
            .and_then(|s| details.classes.get(s));
        EvidenceRow {
            name: mask_name(&self.name),
            phone: mask_phone(&self.phone),
            org: self.org,
            org_name: self.org_name,
            course: self.course,
            course_title: self.course_title,
            completed_at: crate::time::iso_utc(self.completed_at),
            completed_on: crate::time::china_date(self.completed_at),
            lessons_read: evidence.lessons_read,
            attempt_number,
            class_place: class.map(|c| c.location.clone()),
            class_date: class.map(|c| crate::time::china_date(c.starts_at)),
            attempt: evidence.attempt,
            score: evidence.score,
            session: evidence.session,
            first: self.first_of.is_some(),
        }
    }
}

/// Ids per lookup query (well under every backend's limit on bound values).
const LOOKUP_CHUNK: usize = 500;

/// An attempt of one of the listed enrolments, in the order she made them.
#[derive(Queryable)]
struct AttemptOrder {
    enrollment_id: i64,
    id: i64,
    public_id: String,
}

/// A class session named as evidence: where and when it took place.
#[derive(Queryable)]
struct ClassFacts {
    public_id: String,
    location: String,
    starts_at: NaiveDateTime,
}

/// What the listed rows' evidence ids stand for. An id no longer on record (a demonstration
/// drive's, or a removed session's) is simply absent: the row still shows its score.
struct EvidenceDetails {
    /// Attempt public id → its number among her attempts at the course (1 for the first).
    attempt_numbers: HashMap<String, i64>,
    /// Session public id → the session.
    classes: HashMap<String, ClassFacts>,
}

impl EvidenceDetails {
    fn load(conn: &mut DbConn, rows: &[CompletionRow]) -> QueryResult<Self> {
        let with_attempt: BTreeSet<i64> = rows
            .iter()
            .filter(|r| r.evidence_ids().0.is_some())
            .map(|r| r.enrollment_id)
            .collect();
        let sessions: BTreeSet<String> = rows
            .iter()
            .filter_map(|r| r.evidence_ids().1.map(str::to_string))
            .collect();
        let with_attempt: Vec<i64> = with_attempt.into_iter().collect();
        let sessions: Vec<String> = sessions.into_iter().collect();
        Ok(EvidenceDetails {
            attempt_numbers: attempt_numbers(conn, &with_attempt)?,
            classes: classes(conn, &sessions)?,
        })
    }
}

/// Every attempt of these enrolments numbered in the order made (ids grow with time).
fn attempt_numbers(conn: &mut DbConn, enrollments: &[i64]) -> QueryResult<HashMap<String, i64>> {
    let mut attempts: Vec<AttemptOrder> = Vec::new();
    for chunk in enrollments.chunks(LOOKUP_CHUNK) {
        attempts.extend(
            quiz_attempts::table
                .filter(quiz_attempts::enrollment_id.eq_any(chunk))
                .select((
                    quiz_attempts::enrollment_id,
                    quiz_attempts::id,
                    quiz_attempts::public_id,
                ))
                .load::<AttemptOrder>(conn)?,
        );
    }
    attempts.sort_by_key(|a| (a.enrollment_id, a.id));
    let mut numbers = HashMap::new();
    let mut previous: Option<i64> = None;
    let mut number = 0;
    for attempt in attempts {
        if previous != Some(attempt.enrollment_id) {
            previous = Some(attempt.enrollment_id);
            number = 0;
        }
        number += 1;
        numbers.insert(attempt.public_id, number);
    }
    Ok(numbers)
}

/// The class sessions with these public ids.
fn classes(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, ClassFacts>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<ClassFacts> = class_sessions::table
            .filter(class_sessions::public_id.eq_any(chunk))
            .select((
                class_sessions::public_id,
                class_sessions::location,
                class_sessions::starts_at,
            ))
            .load(conn)?;
        found.extend(rows.into_iter().map(|c| (c.public_id.clone(), c)));
    }
    Ok(found)
}

/// The stored (UTC) times of the month `filter.month` (`YYYY-MM`, China time), when given.
fn utc_month(
    filter: &EvidenceFilter,
) -> Result<Option<(NaiveDateTime, NaiveDateTime)>, ServiceError> {
    let Some(month) = &filter.month else {
        return Ok(None);
    };
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| crate::domain::DomainError::Month)?;
    let end = start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(start);
    // Months are China time (UTC+8).
    Ok(Some((
        crate::time::china_midnight(start),
        crate::time::china_midnight(end),
    )))
}

/// The days (China time) holding rows `offset ..= offset + PAGE_SIZE - 1` of a list, read
/// from the node's day counters when they count exactly the list's rows (see
/// [`paging_days`]): the database is asked for those days only, and joins and sorts a few
/// days' rows instead of every row of the node (at a province, millions).
#[derive(Debug, Clone, Copy, PartialEq)]
struct DayWindow {
    /// The oldest day's China-time midnight.
    from: NaiveDateTime,
    /// The China-time midnight after the newest day.
    to: NaiveDateTime,
    /// The window's rows before the page, newest first.
    newer: i64,
    /// The window's rows in all.
    rows: i64,
}

impl DayWindow {
    /// Where the page lies in the window: `(offset, limit, oldest_first)`. A window is a day
    /// or a few, and at 5,000,000 learners one day of the province's list holds 3,000 to
    /// 12,000 rows, each skipped row joined before it is dropped: a page nearer the window's
    /// oldest end is read from that end (oldest first, then turned round), so no page skips
    /// more than half its window. A page at the window's start skips nothing either way and
    /// is read newest first, taking whatever rows there are.
    fn reading(self) -> (i64, i64, bool) {
        let older = self.rows - self.newer - PAGE_SIZE;
        if self.newer > 0 && older < self.newer {
            let limit = (self.rows - self.newer).clamp(0, PAGE_SIZE);
            (older.max(0), limit, true)
        } else {
            (self.newer, PAGE_SIZE, false)
        }
    }
}

/// The [`DayWindow`] of the page starting at `offset`. `None` when the counters cannot say,
/// or the page lies beyond the list: then the rows are paged plainly.
fn day_window(days: &[DayCount], filter: &EvidenceFilter, offset: i64) -> Option<DayWindow> {
    let mut newer = 0;
    let mut window: Option<(NaiveDate, NaiveDate, i64)> = None;
    for (day, rows) in list_days(days, filter) {
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
        match &mut window {
            None if newer + rows > offset => window = Some((date, date, newer)),
            None => {}
            Some((oldest, _, _)) => *oldest = date,
        }
        newer += rows;
        if window.is_some() && newer >= offset + PAGE_SIZE {
            break;
        }
    }
    window.and_then(|(oldest, newest, before)| {
        let after = newest.succ_opt()?;
        Some(DayWindow {
            from: crate::time::china_midnight(oldest),
            to: crate::time::china_midnight(after),
            newer: offset - before,
            rows: newer - before,
        })
    })
}

/// Where a streamed export goes on from: the last row sent, in the list's order (newest
/// first, by completion time then id).
type Cursor = (NaiveDateTime, i64);

/// Which rows of a list [`query`] reads.
#[derive(Clone, Copy)]
enum Window {
    /// Page `n` (from 1), with the list's total.
    Page(i64),
    /// The next [`EXPORT_BATCH`] rows after the cursor (from the top when `None`), none
    /// older than `floor` when given (see [`batch_floor`]): keyset paging, each batch reading
    /// a few days' rows however deep into the list it is.
    After {
        after: Option<Cursor>,
        floor: Option<NaiveDateTime>,
    },
    /// No rows, only the total.
    Count,
}

/// The days of [`paging_days`] the list has rows on, newest first, with their number of rows
/// (in `filter.month` only, when given).
fn list_days<'a>(
    days: &'a [DayCount],
    filter: &'a EvidenceFilter,
) -> impl Iterator<Item = (&'a str, i64)> + 'a {
    let month = filter.month.as_ref().map(|m| format!("{m}-"));
    days.iter().filter_map(move |(day, trained, completions)| {
        if month.as_ref().is_some_and(|m| !day.starts_with(m.as_str())) {
            return None;
        }
        let rows = if filter.first_only {
            *trained
        } else {
            *completions
        };
        (rows > 0).then_some((day.as_str(), rows))
    })
}

/// One day's counts of a node, `(YYYY-MM-DD, women_trained, women_completions)`.
type DayCount = (String, i64, i64);

/// The node's day counters that count exactly the rows of the list: its women's completions
/// per day with no filter but a month or "first only" (then the women trained per day); or,
/// for the province and the unions directly under it, with one tier, mode or course (with or
/// without a month and "first only"), that bucket's per day, and with two or three of them,
/// the summed days of the courses they keep ([`course_set`]). With "first only" the list takes each
/// day's women trained ([`list_days`]): those whose first completion in the drive was that
/// day's completion of that tier, mode or course. At 5,000,000 learners the province's
/// `tier=2&first_only=true`, counted and paged through its rows instead, took 85 s a page.
/// `None` otherwise.
fn paging_days(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &EvidenceFilter,
) -> QueryResult<Option<Vec<DayCount>>> {
    let tier = filter.tier.map(|t| t.to_string());
    let narrowed = [
        tier.as_deref().map(|t| (Dimension::Tier, t)),
        filter.mode.as_deref().map(|m| (Dimension::Mode, m)),
        filter.course.as_deref().map(|c| (Dimension::Course, c)),
    ];
    if !counters_name_month(filter) {
        return Ok(None);
    }
    let depth = scope.path.split('/').filter(|c| !c.is_empty()).count() - 1;
    let mut given = narrowed.into_iter().flatten();
    let of = match (given.next(), given.next()) {
        (None, _) => None,
        (Some(one), None) => Some(one),
        (Some(_), Some(_)) => {
            return match course_set(conn, filter)? {
                Some(codes) if depth <= stats::PAGING_DEPTH => {
                    courses_by_day(conn, scope.node, &codes).map(Some)
                }
                _ => Ok(None),
            };
        }
    };
    if of.is_some() && depth > stats::PAGING_DEPTH {
        return Ok(None);
    }
    stats::women_by_day(conn, scope.node, of).map(Some)
}

/// The node's day counters of the courses `codes` together, newest day first (see
/// [`stats::women_by_day`]).
fn courses_by_day(conn: &mut DbConn, node: i64, codes: &[String]) -> QueryResult<Vec<DayCount>> {
    let mut days: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for code in codes {
        let of = Some((Dimension::Course, code.as_str()));
        for (day, trained, completions) in stats::women_by_day(conn, node, of)? {
            let sum = days.entry(day).or_default();
            sum.0 += trained;
            sum.1 += completions;
        }
    }
    Ok(days
        .into_iter()
        .rev()
        .map(|(day, (trained, completions))| (day, trained, completions))
        .collect())
}

/// A union holding less than this share of the drive's completions (1/32) has its lists
/// read by place (see [`CompletionTime`]); larger ones by time.
const BY_PLACE_BELOW: i64 = 32;

/// How the scope's rows are best read: by place (from its unions' own completions) rather
/// than by time (the drive's completions of a time range, newest first, keeping the
/// scope's) when the scope holds under 1/[`BY_PLACE_BELOW`] of the drive's completions, by
/// their counters. Asked only of SQLite, which plans without statistics (PostgreSQL's planner
/// weighs the two itself). At 500,000 learners a small union's first page took 100–500 ms
/// read by time and 2–11 ms read by place; the province's, 490 ms read by place and 3–5 ms by
/// time. Settled once a page, and once for a whole export.
fn reading(conn: &mut DbConn, scope: &Scope) -> QueryResult<CompletionTime> {
    let Some(by_place) = CompletionTime::unindexed(conn) else {
        return Ok(CompletionTime::INDEXED);
    };
    let root = scope
        .path
        .split('/')
        .find(|c| !c.is_empty())
        .map(|c| format!("/{c}/"))
        .unwrap_or_default();
    let root: Option<i64> = orgs_t::table
        .filter(orgs_t::path.eq(root))
        .select(orgs_t::id)
        .first(conn)
        .optional()?;
    let Some(root) = root else {
        return Ok(CompletionTime::INDEXED);
    };
    if root == scope.node {
        return Ok(CompletionTime::INDEXED);
    }
    let (_, drive) = stats::women_counter(conn, root, Dimension::Total, "")?;
    let (_, node) = stats::women_counter(conn, scope.node, Dimension::Total, "")?;
    Ok(if node.saturating_mul(BY_PLACE_BELOW) < drive {
        by_place
    } else {
        CompletionTime::INDEXED
    })
}

/// The completion times a read asks for, as one lower bound and at most one upper bound.
/// SQLite starts and ends an index range at one bound of each side: given two lower bounds
/// (the drive's start and a page's day), it may start from the looser and walk every row
/// between them. At 5,000,000 learners a page read oldest first took 0.75 s at p50 with both
/// lower bounds, and 60 ms with one; a month's last page 76 ms, and 2.5 ms; the CSV's first
/// byte came after 2.0–3.0 s warm, and 0.13–0.18 s (docs/benchmarks.md). So each side's
/// tightest bound is given alone.
#[derive(Debug, Clone, Copy, PartialEq)]
struct TimeRange {
    /// At or after.
    from: NaiveDateTime,
    to: Option<Upper>,
}

/// The upper bound of a [`TimeRange`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Upper {
    Before(NaiveDateTime),
    AtMost(NaiveDateTime),
}

impl Upper {
    /// Orders bounds by the times they keep: `Before(t)` keeps less than `AtMost(t)`.
    fn key(self) -> (NaiveDateTime, bool) {
        match self {
            Upper::Before(t) => (t, false),
            Upper::AtMost(t) => (t, true),
        }
    }
}

impl TimeRange {
    fn since(from: NaiveDateTime) -> Self {
        TimeRange { from, to: None }
    }

    /// Keeps only times at or after `from` as well.
    fn at_least(&mut self, from: NaiveDateTime) {
        self.from = self.from.max(from);
    }

    /// Keeps only times within `to` as well.
    fn below(&mut self, to: Upper) {
        self.to = Some(match self.to {
            Some(old) if old.key() <= to.key() => old,
            _ => to,
        });
    }
}

/// The completions by women attributed inside the scope's node since the drive began that
/// match `filter`, newest first: their number (0 for a batch of an export, which needs none)
/// and the rows of `window`, read as `time` says ([`reading`]).
fn query(
    conn: &mut DbConn,
    scope: &Scope,
    filter: &EvidenceFilter,
    time: CompletionTime,
    window: Window,
) -> Result<(i64, Vec<CompletionRow>), ServiceError> {
    let path = scope.path.as_str();
    let upper = orgs::subtree_upper_bound(path);
    // The drive's and the month's bounds; a page or a batch narrows them further.
    let mut range = TimeRange::since(drive_start());
    if let Some((from, to)) = utc_month(filter)? {
        range.at_least(from);
        range.below(Upper::Before(to));
    }
    let build = |range: &TimeRange| {
        let mut q = enrollments::table
            .inner_join(users::table)
            .inner_join(courses::table)
            .inner_join(
                orgs_t::table.on(orgs_t::path.nullable().eq(enrollments::completed_org_path)),
            )
            .left_join(
                first_completions::table.on(first_completions::enrollment_id.eq(enrollments::id)),
            )
            .filter(enrollments::completed_org_path.ge(path.to_string()))
            .filter(enrollments::completed_org_path.lt(upper.clone()))
            .filter(time.cmp(Cmp::Ge, range.from))
            .filter(users::gender.eq(Gender::Female))
            .into_boxed();
        if time.by_place() {
            // Her unions' rows, found by place: SQLite then starts from them (the list of
            // their ids), not from the index on the time or on a filtered course.
            let placed = diesel::alias!(enrollments as placed);
            q = q.filter(
                enrollments::id.eq_any(
                    placed
                        .filter(
                            placed
                                .field(enrollments::completed_org_path)
                                .ge(path.to_string()),
                        )
                        .filter(
                            placed
                                .field(enrollments::completed_org_path)
                                .lt(upper.clone()),
                        )
                        .select(placed.field(enrollments::id)),
                ),
            );
        }
        if let Some(tier) = filter.tier {
            q = q.filter(courses::tier.eq(tier));
        }
        if let Some(mode) = &filter.mode {
            q = q.filter(courses::mode.eq(mode.clone()));
        }
        if let Some(course) = &filter.course {
            q = q.filter(courses::code.eq(course.clone()));
        }
        match range.to {
            Some(Upper::Before(to)) => q = q.filter(time.cmp(Cmp::Lt, to)),
            Some(Upper::AtMost(to)) => q = q.filter(time.cmp(Cmp::Le, to)),
            None => {}
        }
        if filter.first_only {
            q = q.filter(first_completions::user_id.is_not_null());
        }
        q
    };
    // An export's batches are given their floor by the caller (see `batch`).
    let days = match window {
        Window::After { .. } => None,
        Window::Page(_) | Window::Count => paging_days(conn, scope, filter)?,
    };
    let total: i64 = match window {
        Window::After { .. } => 0,
        Window::Page(_) | Window::Count => match counted_total(conn, scope.node, filter)? {
            Some(total) => total,
            None => match &days {
                Some(days) => list_days(days, filter).map(|(_, rows)| rows).sum(),
                None => build(&range).count().get_result(conn)?,
            },
        },
    };
    let mut tie_break = None;
    let (mut offset, mut limit) = match window {
        Window::Count => return Ok((total, Vec::new())),
        Window::Page(page) => (page_offset(page)?, PAGE_SIZE),
        Window::After { after, floor } => {
            if let Some((at, id)) = after {
                // The bound lets an index on the time find the rows; the rows at the
                // cursor's own time go on after its id.
                range.below(Upper::AtMost(at));
                tie_break = Some((at, id));
            }
            if let Some(floor) = floor {
                range.at_least(floor);
            }
            (0, EXPORT_BATCH)
        }
    };
    let mut oldest_first = false;
    if let (Window::Page(_), Some(days)) = (window, &days) {
        // A page beyond the rows the day counters hold is empty: read plainly, it would walk
        // every row of the drive's time range to find none.
        if list_days(days, filter).map(|(_, rows)| rows).sum::<i64>() <= offset {
            return Ok((total, Vec::new()));
        }
        if let Some(days) = day_window(days, filter, offset) {
            range.at_least(days.from);
            range.below(Upper::Before(days.to));
            (offset, limit, oldest_first) = days.reading();
        }
    }
    let mut listed = build(&range);
    if reads_first_completions(filter, time) {
        let slice = Slice {
            range,
            after: tie_break,
            offset,
            limit,
            oldest_first,
        };
        let ids = first_ids(conn, path, &upper, &slice)?;
        if ids.is_empty() {
            return Ok((total, Vec::new()));
        }
        // The rows are those ids: the list's own filters stay (a row the list would not
        // hold is never shown), and nothing more is skipped.
        (offset, limit, oldest_first) = (0, ids.len() as i64, false);
        listed = listed.filter(enrollments::id.eq_any(ids));
    } else if let Some((at, id)) = tie_break {
        listed = listed.filter(
            time.cmp(Cmp::Lt, at)
                .or(time.cmp(Cmp::Eq, at).and(enrollments::id.lt(id))),
        );
    }
    listed = if oldest_first {
        listed.order((enrollments::completed_at.asc(), enrollments::id.asc()))
    } else {
        listed.order((enrollments::completed_at.desc(), enrollments::id.desc()))
    };
    let mut rows = listed
        .select((
            enrollments::id,
            users::name,
            users::phone,
            orgs_t::code,
            orgs_t::name,
            courses::code,
            courses::title,
            enrollments::completed_at.assume_not_null(),
            enrollments::evidence,
            first_completions::user_id.nullable(),
        ))
        .offset(offset)
        .limit(limit)
        .load::<CompletionRow>(conn)?;
    if oldest_first {
        rows.reverse();
    }
    Ok((total, rows))
}

/// Whether a list's rows are found in `first_completions` (see [`first_ids`]): "first only"
/// with no tier, mode or course (which `first_completions` does not hold), read by time. A
/// small union's list read by place on SQLite keeps the plan that starts from its unions'
/// completions.
fn reads_first_completions(filter: &EvidenceFilter, time: CompletionTime) -> bool {
    filter.first_only
        && filter.tier.is_none()
        && filter.mode.is_none()
        && filter.course.is_none()
        && !time.by_place()
}

/// The rows one read takes from a list: those in `range` and, for an export's batch, after
/// the cursor `after`; skipping `offset` and taking `limit`, counted from the newest or, when
/// `oldest_first`, from the oldest.
#[derive(Debug, Clone, Copy)]
struct Slice {
    range: TimeRange,
    after: Option<Cursor>,
    offset: i64,
    limit: i64,
    oldest_first: bool,
}

/// The enrolments of a "first only" list's `slice`, newest first, read from
/// `first_completions` alone: its (gender, time) index holds the rows in the order of their
/// times (rows at one time are sorted by enrolment), and a skipped row costs an index entry
/// and its narrow row instead of four joined tables. At 5,000,000 learners the 50 ids of a
/// middle page of the province's list took 10 ms read so, and 47 ms through the enrolments (a
/// C program on the bundled SQLite); the page itself, 57.6–60.0 ms at p50 before, 12.5–16.0
/// ms after (docs/benchmarks.md).
///
/// A woman's first completion is recorded with the time, union path and gender of that
/// completion, in the transaction that records it on the enrolment (`completion`,
/// `stats::attribute`); none of the three changes afterwards (a gender is never edited, a
/// union's path is fixed when it is created, a completion is never undone). So the rows kept
/// here are the list's rows, as its tests check against the tiers' lists read through the
/// enrolments. (Were a row changed behind Qihang's back, the list's own filters, kept on the
/// second read, would drop it: a short page, never a wrong row.)
fn first_ids(conn: &mut DbConn, path: &str, upper: &str, slice: &Slice) -> QueryResult<Vec<i64>> {
    use first_completions as fc;
    let mut q = fc::table
        .filter(fc::gender.eq(Gender::Female))
        .filter(fc::completed_at.ge(slice.range.from))
        .filter(fc::org_path.ge(path.to_string()))
        .filter(fc::org_path.lt(upper.to_string()))
        .select(fc::enrollment_id)
        .into_boxed();
    match slice.range.to {
        Some(Upper::Before(to)) => q = q.filter(fc::completed_at.lt(to)),
        Some(Upper::AtMost(to)) => q = q.filter(fc::completed_at.le(to)),
        None => {}
    }
    if let Some((at, id)) = slice.after {
        q = q.filter(
            fc::completed_at
                .lt(at)
                .or(fc::completed_at.eq(at).and(fc::enrollment_id.lt(id))),
        );
    }
    q = if slice.oldest_first {
        q.order((fc::completed_at.asc(), fc::enrollment_id.asc()))
    } else {
        q.order((fc::completed_at.desc(), fc::enrollment_id.desc()))
    };
    q.offset(slice.offset).limit(slice.limit).load(conn)
}

/// The rows as the list shows them: masked, with their evidence looked up.
fn views(conn: &mut DbConn, rows: Vec<CompletionRow>) -> QueryResult<Vec<EvidenceRow>> {
    let details = EvidenceDetails::load(conn, &rows)?;
    Ok(rows.into_iter().map(|r| r.into_view(&details)).collect())
}

/// Where page `page` starts, for pages 1 to [`MAX_PAGE`]; other numbers are refused naming
/// the field.
pub fn page_offset(page: i64) -> Result<i64, ServiceError> {
    if !(1..=MAX_PAGE).contains(&page) {
        return Err(crate::domain::DomainError::Page.into());
    }
    (page - 1)
        .checked_mul(PAGE_SIZE)
        .ok_or(crate::domain::DomainError::Page.into())
}

/// One page of the learners behind a node's figures.
pub async fn trained(
    core: &Core,
    actor: &Actor,
    code: String,
    page: i64,
    filter: EvidenceFilter,
) -> Result<EvidencePage, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let scope = scope(conn, &actor, &code, &filter)?;
        let time = reading(conn, &scope)?;
        let (total, rows) = query(conn, &scope, &filter, time, Window::Page(page))?;
        Ok(EvidencePage {
            org: code,
            page,
            per_page: PAGE_SIZE,
            total,
            rows: views(conn, rows)?,
        })
    })
    .await
}

pub(crate) fn audit(
    conn: &mut DbConn,
    actor: &Actor,
    org_id: i64,
    what: &str,
    filters: &impl Serialize,
) -> QueryResult<()> {
    diesel::insert_into(export_audit::table)
        .values((
            export_audit::user_id.eq(actor.user_id),
            export_audit::org_id.eq(org_id),
            export_audit::what.eq(what),
            export_audit::filters.eq(serde_json::to_string(filters).expect("filters serialise")),
            export_audit::exported_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A cell safe to open in a spreadsheet: text starting with = + - @ (or a tab or carriage
/// return) is prefixed with ' so it is never taken for a formula.
pub fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_string(),
    }
}

/// The two export formats of every table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

/// How a workbook lays out an export's rows.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sheets {
    /// Every row on one sheet of this name.
    One(&'static str),
    /// A sheet per table, named by [`sheet_title`] after the row's first cell (its table key),
    /// which the sheet does not repeat.
    ByTable,
}

pub(crate) fn encode(
    format: ExportFormat,
    header: &[&str],
    rows: Vec<Vec<String>>,
    sheets: Sheets,
) -> Result<Vec<u8>, ServiceError> {
    match format {
        ExportFormat::Csv => csv_bytes(header, rows),
        ExportFormat::Xlsx => xlsx_bytes(header, rows, sheets),
    }
}

/// The bilingual title of a table's sheet (at most 31 characters, as Excel allows).
fn sheet_title(table: &str) -> String {
    let chinese = match table {
        "summary" => "汇总",
        "by_child" => "下级工会",
        "by_tier" => "按层级",
        "by_mode" => "按培训方式",
        "by_month" => "按月份",
        "by_course" => "按课程",
        _ => return table.to_string(),
    };
    format!("{chinese} {table}")
}

/// A cell's number, when it is written as one: digits with at most one decimal point and no
/// leading zero (so "007" or a code of digits stays text); "0" and "0.5" are numbers.
fn numeric(cell: &str) -> Option<f64> {
    let (whole, fraction) = match cell.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (cell, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let whole_ok = digits(whole) && (whole == "0" || !whole.starts_with('0'));
    if whole_ok && fraction.is_none_or(digits) {
        cell.parse().ok()
    } else {
        None
    }
}

/// The rows grouped into named sheets, in order of first appearance.
fn group_sheets(rows: Vec<Vec<String>>, sheets: Sheets) -> Vec<(String, Vec<Vec<String>>)> {
    let mut grouped: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for row in rows {
        let name = match sheets {
            Sheets::One(name) => name.to_string(),
            Sheets::ByTable => sheet_title(row.first().map(String::as_str).unwrap_or_default()),
        };
        match grouped.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(row),
            None => grouped.push((name, vec![row])),
        }
    }
    if grouped.is_empty() {
        let name = match sheets {
            Sheets::One(name) => name.to_string(),
            Sheets::ByTable => sheet_title("summary"),
        };
        grouped.push((name, Vec::new()));
    }
    grouped
}

/// A workbook: one sheet, or a sheet per table. Cells are written as strings or numbers,
/// never as formulas.
fn xlsx_bytes(
    header: &[&str],
    rows: Vec<Vec<String>>,
    sheets: Sheets,
) -> Result<Vec<u8>, ServiceError> {
    use rust_xlsxwriter::Workbook;
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::internal(format!("xlsx: {e}"));
    let skip = usize::from(matches!(sheets, Sheets::ByTable));
    let mut workbook = Workbook::new();
    for (name, rows) in group_sheets(rows, sheets) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name).map_err(fail)?;
        write_header(sheet, header, skip).map_err(fail)?;
        write_rows(sheet, 1, &rows, skip).map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}

fn write_header(
    sheet: &mut rust_xlsxwriter::Worksheet,
    header: &[&str],
    skip: usize,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (col, title) in header.iter().skip(skip).enumerate() {
        sheet.write_string(0, col as u16, *title)?;
    }
    Ok(())
}

/// Rows from sheet row `first` on, each without its first `skip` cells; numbers as numbers.
fn write_rows(
    sheet: &mut rust_xlsxwriter::Worksheet,
    first: u32,
    rows: &[Vec<String>],
    skip: usize,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (r, row) in (first..).zip(rows) {
        for (col, cell) in row.iter().skip(skip).enumerate() {
            match numeric(cell) {
                Some(n) => sheet.write_number(r, col as u16, n),
                None => sheet.write_string(r, col as u16, cell),
            }?;
        }
    }
    Ok(())
}

/// UTF-8 with a byte-order mark (so spreadsheet programs on Windows read Chinese).
fn csv_bytes(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, ServiceError> {
    csv_part(Some(header), rows)
}

/// Part of a CSV file: with `header`, its start (the byte-order mark and the header); the
/// rows, each cell made [`safe_cell`].
fn csv_part(header: Option<&[&str]>, rows: Vec<Vec<String>>) -> Result<Vec<u8>, ServiceError> {
    let start = match header {
        Some(_) => b"\xEF\xBB\xBF".to_vec(),
        None => Vec::new(),
    };
    let mut writer = csv::Writer::from_writer(start);
    let fail = |e: csv::Error| ServiceError::internal(format!("csv: {e}"));
    if let Some(header) = header {
        writer.write_record(header).map_err(fail)?;
    }
    for row in rows {
        writer
            .write_record(row.iter().map(|c| safe_cell(c)))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ServiceError::internal(format!("csv: {e}")))
}

/// The columns of the evidence export (new ones only ever added at the end). A blank cell
/// is evidence the course did not ask for, or that is no longer on record.
const TRAINED_HEADER: [&str; 17] = [
    "姓名 name",
    "手机 phone",
    "工会代码 org",
    "工会 union",
    "课程代码 course",
    "课程 title",
    "完成时间 completed_at (UTC)",
    "测验 attempt",
    "线下课 session",
    "首次完成 first",
    "完成日期（北京时间） completed_on",
    "测验分数 score",
    "第几次测验 attempt_number",
    "线下课地点 class_place",
    "线下课日期（北京时间） class_date",
    "已学课数 lessons_read",
    "完成时间（北京时间） completed_at_china",
];

/// The sheet of the evidence workbook.
const TRAINED_SHEET: &str = "培训明细 trained";

/// One learner of the evidence list as a row of the export.
fn trained_cells(row: EvidenceRow) -> Vec<String> {
    let completed_china = china_time(&row.completed_at);
    vec![
        row.name,
        row.phone,
        row.org,
        row.org_name,
        row.course,
        row.course_title,
        row.completed_at,
        row.attempt.unwrap_or_default(),
        row.session.unwrap_or_default(),
        if row.first { "1" } else { "0" }.to_string(),
        row.completed_on,
        row.score.map(count_cell).unwrap_or_default(),
        row.attempt_number.map(count_cell).unwrap_or_default(),
        row.class_place.unwrap_or_default(),
        row.class_date.unwrap_or_default(),
        row.lessons_read.map(count_cell).unwrap_or_default(),
        completed_china,
    ]
}

/// An RFC 3339 UTC time as China time, `2026-11-28 00:16` (empty if it does not parse).
fn china_time(utc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| {
            crate::time::to_china(t.naive_utc())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Rows read per batch of a streamed export (in debug builds, as the test suite runs, a small
/// odd number, so its lists cross many batch boundaries).
const EXPORT_BATCH: i64 = if cfg!(debug_assertions) { 97 } else { 1_000 };
/// Parts of an export made ahead of a slow download, at most: the server's memory for one
/// download stays a few batches, whatever the list's length.
const EXPORT_QUEUE: usize = 2;
/// The most data rows of a worksheet (Excel's 1,048,576 rows, less the header).
pub const XLSX_MAX_ROWS: i64 = 1_048_575;

/// An export's bytes in parts, as they are made: a download starts with the first part and
/// takes the next while the server makes it. An `Err` part ends the download unfinished.
pub type ExportParts = tokio::sync::mpsc::Receiver<Result<Vec<u8>, ServiceError>>;

/// The evidence list as CSV or XLSX (every row, not paged); audited. Who may export, and the
/// first part, are settled before this returns, so a refusal is an answer, not a broken
/// download. Both formats are made in batches while they download (memory bounded, however
/// long the list); a workbook, limited to one sheet's rows, is refused up front when the list
/// is longer.
pub async fn trained_export(
    core: &Core,
    actor: &Actor,
    code: String,
    filter: EvidenceFilter,
    format: ExportFormat,
) -> Result<ExportParts, ServiceError> {
    let actor = actor.clone();
    let (listing, (encoder, first, mut after)) = core
        .run(move |conn, _| {
            let scope = scope(conn, &actor, &code, &filter)?;
            // How the rows are found, and the day counters, are settled once for the whole
            // export, not once a batch.
            let time = reading(conn, &scope)?;
            let mut encoder = match format {
                ExportFormat::Csv => Encoder::Csv,
                ExportFormat::Xlsx => {
                    let (rows, _) = query(conn, &scope, &filter, time, Window::Count)?;
                    if rows > XLSX_MAX_ROWS {
                        return Err(crate::domain::DomainError::WorkbookRows { rows }.into());
                    }
                    Encoder::Xlsx(Box::new(SheetStream::new(TRAINED_SHEET, &TRAINED_HEADER)?))
                }
            };
            let what = format!("trained.{}", format.extension());
            audit(conn, &actor, scope.asked, &what, &filter)?;
            let days = paging_days(conn, &scope, &filter)?;
            let listing = Listing {
                scope,
                filter,
                days,
                time,
            };
            let (bytes, next) = encoded_batch(conn, &listing, None, &mut encoder)?;
            Ok((std::sync::Arc::new(listing), (encoder, bytes, next)))
        })
        .await?;
    let (parts, queue) = tokio::sync::mpsc::channel(EXPORT_QUEUE);
    // The queue is empty: the first part always fits.
    let _ = parts.try_send(Ok(first));
    let core = core.clone();
    tokio::spawn(async move {
        let mut encoder = Some(encoder);
        while let Some(cursor) = after {
            let listing = listing.clone();
            let Some(mut taken) = encoder.take() else {
                break;
            };
            let batch = core
                .run(move |conn, _| {
                    let (bytes, next) = encoded_batch(conn, &listing, Some(cursor), &mut taken)?;
                    Ok((taken, bytes, next))
                })
                .await;
            let part = match batch {
                Ok((taken, bytes, next)) => {
                    encoder = Some(taken);
                    after = next;
                    Ok(bytes)
                }
                Err(e) => {
                    tracing::error!(error = %e, "the evidence export stopped");
                    after = None;
                    Err(e)
                }
            };
            let broken = part.is_err();
            if parts.send(part).await.is_err() || broken {
                return; // the download was dropped, or cannot be finished
            }
        }
        if let Some(encoder) = encoder {
            let end = encoder.finish();
            if !matches!(&end, Ok(bytes) if bytes.is_empty()) {
                let _ = parts.send(end).await;
            }
        }
    });
    Ok(queue)
}

/// What an export reads, batch after batch, settled before its first: whose rows, which, the
/// day counters that bound each batch ([`paging_days`]) and how the rows are found
/// ([`reading`]).
struct Listing {
    scope: Scope,
    filter: EvidenceFilter,
    days: Option<Vec<DayCount>>,
    time: CompletionTime,
}

/// How an export's rows become bytes, batch after batch.
enum Encoder {
    /// Each batch is CSV text of its own (the first with the header).
    Csv,
    /// One workbook whose compressed bytes leave as its rows are written.
    Xlsx(Box<SheetStream>),
}

impl Encoder {
    /// The bytes of a batch's rows (`first`: the export's first batch).
    fn encode(&mut self, first: bool, cells: Vec<Vec<String>>) -> Result<Vec<u8>, ServiceError> {
        match self {
            Encoder::Csv => csv_part(first.then_some(&TRAINED_HEADER[..]), cells),
            Encoder::Xlsx(book) => {
                // Completions made since the count could pass the sheet's limit: refused, as
                // then.
                let rows = book.data_rows() + cells.len() as i64;
                if rows > XLSX_MAX_ROWS {
                    return Err(crate::domain::DomainError::WorkbookRows { rows }.into());
                }
                book.rows(&cells, numeric)?;
                book.take()
            }
        }
    }

    /// The export's last bytes, after its last batch.
    fn finish(self) -> Result<Vec<u8>, ServiceError> {
        match self {
            Encoder::Csv => Ok(Vec::new()),
            Encoder::Xlsx(book) => book.finish(),
        }
    }
}

/// The rows of the batch after `after` (from the top when `None`), and where the next batch
/// starts (`None` after the last). A full batch goes on after its last row; a batch cut short
/// by its floor has read every row down to the floor, so the next goes on below it.
fn batch(
    conn: &mut DbConn,
    listing: &Listing,
    after: Option<Cursor>,
) -> Result<(Vec<CompletionRow>, Option<Cursor>), ServiceError> {
    let Listing {
        scope,
        filter,
        days,
        time,
    } = listing;
    let floor = days
        .as_deref()
        .and_then(|days| batch_floor(days, filter, after));
    let window = Window::After { after, floor };
    let (_, rows) = query(conn, scope, filter, *time, window)?;
    let next = match rows.last() {
        Some(last) if rows.len() as i64 == EXPORT_BATCH => {
            Some((last.completed_at, last.enrollment_id))
        }
        _ => floor.map(|floor| (floor, i64::MIN)),
    };
    Ok((rows, next))
}

/// How far back (a China-time midnight) the batch after `after` need look to find
/// [`EXPORT_BATCH`] rows, from the day counters ([`paging_days`]): the days older than the
/// cursor's own, newest first, until they hold a batch. The database then joins and sorts
/// those days' rows instead of every row left. `None` when the rows left are fewer than a
/// batch: the rest is read unbounded.
fn batch_floor(
    days: &[DayCount],
    filter: &EvidenceFilter,
    after: Option<Cursor>,
) -> Option<NaiveDateTime> {
    let cursor_day = after.map(|(at, _)| crate::time::china_date(at));
    let mut rows = 0;
    for (day, n) in list_days(days, filter) {
        // The cursor's day and newer: done, but for the cursor day's rows left, which the
        // window takes in whole (it ends at the cursor).
        if cursor_day.as_ref().is_some_and(|c| day >= c.as_str()) {
            continue;
        }
        rows += n;
        if rows >= EXPORT_BATCH {
            return NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .ok()
                .map(crate::time::china_midnight);
        }
    }
    None
}

/// The bytes of the batch after `after` (from the top when `None`), and where the next batch
/// starts (`None` after the last).
fn encoded_batch(
    conn: &mut DbConn,
    listing: &Listing,
    after: Option<Cursor>,
    encoder: &mut Encoder,
) -> Result<(Vec<u8>, Option<Cursor>), ServiceError> {
    let (rows, next) = batch(conn, listing, after)?;
    let cells = views(conn, rows)?.into_iter().map(trained_cells).collect();
    Ok((encoder.encode(after.is_none(), cells)?, next))
}

/// The columns of the dashboard export: the first says which table a row belongs to (its
/// values, `summary`, `by_child`…, are keys for scripts and stay in English). Every count is
/// written, 0 included; `target` is blank where no target is set (a set target may be 0).
const STATS_HEADER: [&str; 10] = [
    "表 table",
    "代码 key",
    "名称 name",
    "已培训女职工 women_trained",
    "目标 target",
    "女职工完成课程数 women_completions",
    "女职工学时 women_hours",
    "已培训学员 learners_trained",
    "完成课程数 completions",
    "学时 hours",
];

fn count_cell(n: i64) -> String {
    n.to_string()
}

/// Hours to one decimal, without it when whole ("0", "12", "12.5").
fn hours_cell(h: f64) -> String {
    let text = format!("{h:.1}");
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => text,
    }
}

/// The node's own figures.
fn summary_row(view: &OrgStatsView) -> Vec<String> {
    vec![
        "summary".into(),
        view.org.code.clone(),
        view.org.name.clone(),
        count_cell(view.trained),
        view.target.map(count_cell).unwrap_or_default(),
        count_cell(view.completions),
        hours_cell(view.hours),
        count_cell(view.all_learners.learners_trained),
        count_cell(view.all_learners.all_completions),
        hours_cell(view.all_learners.all_hours),
    ]
}

/// A child node's totals and target.
fn child_row(child: &ChildStatsView) -> Vec<String> {
    vec![
        "by_child".into(),
        child.org.clone(),
        child.name.clone(),
        count_cell(child.trained),
        child.target.map(count_cell).unwrap_or_default(),
        count_cell(child.completions),
        hours_cell(child.hours),
        count_cell(child.learners_trained),
        count_cell(child.all_completions),
        hours_cell(child.all_hours),
    ]
}

/// One bucket of a breakdown (`table`), under its key and name.
fn bucket_row(table: &str, key: &str, name: &str, b: &StatsBucketView) -> Vec<String> {
    vec![
        table.into(),
        key.into(),
        name.into(),
        count_cell(b.trained),
        String::new(),
        count_cell(b.completions),
        hours_cell(b.hours),
        count_cell(b.learners_trained),
        count_cell(b.all_completions),
        hours_cell(b.all_hours),
    ]
}

/// A tier's name in both languages, for the `name` column (the bucket holds 1, 2 or 3).
fn tier_name(bucket: &str) -> &'static str {
    match bucket {
        "1" => "基础 basic",
        "2" => "进阶 intermediate",
        "3" => "高级 advanced",
        _ => "",
    }
}

/// A training mode's name in both languages (the bucket holds `online`, `offline`, `blended`).
fn mode_name(bucket: &str) -> &'static str {
    match bucket {
        "online" => "线上 online",
        "offline" => "线下 offline",
        "blended" => "线上线下结合 blended",
        _ => "",
    }
}

/// Every table of a dashboard, in order: the summary, the children, then the breakdowns by
/// tier, mode, month and course.
fn stats_rows(view: &OrgStatsView) -> Vec<Vec<String>> {
    let mut rows = vec![summary_row(view)];
    rows.extend(view.by_child.iter().map(child_row));
    rows.extend(
        view.by_tier
            .iter()
            .map(|b| bucket_row("by_tier", &b.bucket, tier_name(&b.bucket), b)),
    );
    rows.extend(
        view.by_mode
            .iter()
            .map(|b| bucket_row("by_mode", &b.bucket, mode_name(&b.bucket), b)),
    );
    rows.extend(
        view.by_month
            .iter()
            .map(|m| bucket_row("by_month", &m.stats.bucket, "", &m.stats)),
    );
    rows.extend(
        view.by_course
            .iter()
            .map(|c| bucket_row("by_course", &c.stats.bucket, &c.title, &c.stats)),
    );
    rows
}

/// Every table of a dashboard as one CSV (a `table` column says which) or one workbook (a
/// sheet per table); audited.
pub async fn stats_export(
    core: &Core,
    actor: &Actor,
    view: &OrgStatsView,
    format: ExportFormat,
) -> Result<Vec<u8>, ServiceError> {
    let rows = stats_rows(view);
    let actor = actor.clone();
    let code = view.org.code.clone();
    core.run(move |conn, _| {
        let org = orgs::require(conn, &OrgCode::parse(&code, "org")?, "org")?;
        audit(
            conn,
            &actor,
            org.id,
            &format!("stats.{}", format.extension()),
            &serde_json::json!({}),
        )?;
        encode(format, &STATS_HEADER, rows, Sheets::ByTable)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(date: &str, trained: i64, completions: i64) -> DayCount {
        (date.to_string(), trained, completions)
    }

    fn midnight(date: &str) -> NaiveDateTime {
        crate::time::china_midnight(NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap())
    }

    /// A page's window is the days holding it, with the rows before the page and in all; a
    /// month filter skips the other months' days, "first only" counts the women trained.
    #[test]
    fn a_page_is_found_in_the_days_that_hold_it() {
        let days = [
            day("2025-04-01", 5, 30),
            day("2025-03-31", 2, 100),
            day("2025-03-30", 1, 40),
        ];
        let all = EvidenceFilter::default();
        // Rows 40..=89: the second day's rows 10..=59.
        assert_eq!(
            day_window(&days, &all, 40),
            Some(DayWindow {
                from: midnight("2025-03-31"),
                to: midnight("2025-04-01"),
                newer: 10,
                rows: 100,
            })
        );
        // Rows 120..=169 cross into the third day, where the list ends.
        assert_eq!(
            day_window(&days, &all, 120),
            Some(DayWindow {
                from: midnight("2025-03-30"),
                to: midnight("2025-04-01"),
                newer: 90,
                rows: 140,
            })
        );
        let march = EvidenceFilter {
            month: Some("2025-03".into()),
            ..EvidenceFilter::default()
        };
        assert_eq!(day_window(&days, &march, 0).map(|w| w.rows), Some(100));
        let first = EvidenceFilter {
            first_only: true,
            ..EvidenceFilter::default()
        };
        assert_eq!(
            day_window(&days, &first, 6).map(|w| (w.newer, w.rows)),
            Some((1, 3))
        );
        // Beyond the list: paged plainly.
        assert_eq!(day_window(&days, &all, 170), None);
    }

    /// A read keeps one bound a side, the tightest: later lower bounds, earlier upper ones,
    /// and of two at the same time the one that keeps less.
    #[test]
    fn a_time_range_keeps_its_tightest_bound_each_side() {
        let (march, april, may) = (
            midnight("2025-03-01"),
            midnight("2025-04-01"),
            midnight("2025-05-01"),
        );
        let mut range = TimeRange::since(march);
        range.at_least(april);
        range.at_least(march);
        assert_eq!(range.from, april);
        assert_eq!(range.to, None);
        range.below(Upper::AtMost(may));
        range.below(Upper::Before(may));
        assert_eq!(range.to, Some(Upper::Before(may)));
        range.below(Upper::AtMost(may));
        assert_eq!(range.to, Some(Upper::Before(may)));
        range.below(Upper::AtMost(april));
        assert_eq!(range.to, Some(Upper::AtMost(april)));
    }

    /// A page is read from the window's nearer end: from the newest while the rows before it
    /// are no more than those after it, else from the oldest (and turned round), so a page
    /// never skips more than half its window; the last page takes only the rows left.
    #[test]
    fn a_page_is_read_from_the_nearer_end_of_its_window() {
        let at = midnight("2025-03-01");
        let window = |newer, rows| DayWindow {
            from: at,
            to: at,
            newer,
            rows,
        };
        assert_eq!(window(0, 1000).reading(), (0, 50, false));
        // A list shorter than a page: nothing skipped, read newest first.
        assert_eq!(window(0, 30).reading(), (0, 50, false));
        assert_eq!(window(475, 1000).reading(), (475, 50, false));
        // Rows 476..=525 of 1,000: 474 after them, read from the oldest end.
        assert_eq!(window(476, 1000).reading(), (474, 50, true));
        assert_eq!(window(900, 1000).reading(), (50, 50, true));
        assert_eq!(window(950, 1000).reading(), (0, 50, true));
        // The list's last page: 20 rows left.
        assert_eq!(window(980, 1000).reading(), (0, 20, true));
        assert_eq!(window(10, 30).reading(), (0, 20, true));
    }

    #[test]
    fn numbers_are_written_as_numbers_and_codes_as_text() {
        assert_eq!(numeric("0"), Some(0.0));
        assert_eq!(numeric("0.5"), Some(0.5));
        assert_eq!(numeric("12.5"), Some(12.5));
        assert_eq!(numeric("120"), Some(120.0));
        for text in [
            "",
            "007",
            "12.",
            ".5",
            "1.2.3",
            "138****0001",
            "-1",
            "js-nj",
            "1e5",
        ] {
            assert_eq!(numeric(text), None, "{text:?}");
        }
        assert_eq!(hours_cell(0.0), "0");
        assert_eq!(hours_cell(12.0), "12");
        assert_eq!(hours_cell(12.5), "12.5");
        assert_eq!(sheet_title("by_child"), "下级工会 by_child");
        assert!(STATS_HEADER
            .iter()
            .chain(TRAINED_HEADER.iter())
            .all(|h| !h.is_ascii() && h.contains(' ')));
    }
}
