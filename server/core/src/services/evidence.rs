//! Behind every figure, the learners: the completions by women in a subtree since the drive
//! began (masked names and phones, paged, filterable like the dashboard's breakdowns), with
//! their evidence; and CSV exports of dashboards and evidence, each written to the audit log.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::actor::Actor;
use super::drive::drive_start;
use super::{now, orgs, Core};
use crate::db::schema::{
    courses, enrollments, export_audit, first_completions, orgs as orgs_t, users,
};
use crate::db::types::Json;
use crate::db::DbConn;
use crate::domain::{mask_name, mask_phone, Gender, OrgCode, Role};
use crate::dto::{
    ChildStatsView, EvidenceFilter, EvidencePage, EvidenceRow, OrgStatsView, StatsBucketView,
};
use crate::ServiceError;

pub const PAGE_SIZE: i64 = 50;
/// The highest page number asked for (5,000,000 rows deep): larger numbers are refused, so
/// offsets never overflow.
pub const MAX_PAGE: i64 = 100_000;

/// The subtree she administers, as a path range, narrowed to `filter.org` when given.
fn scope(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    filter: &EvidenceFilter,
) -> Result<(i64, String), ServiceError> {
    let org = orgs::require(conn, &OrgCode::parse(code, "org")?, "org")?;
    if !actor.holds(Role::Admin, &org.path) {
        return Err(ServiceError::Forbidden);
    }
    match &filter.org {
        Some(child) => {
            let child = orgs::require(conn, &OrgCode::parse(child, "org")?, "org")?;
            // A filter can only narrow: outside her subtree is forbidden, as by path.
            if !child.path.starts_with(&org.path) || !actor.holds(Role::Admin, &child.path) {
                return Err(ServiceError::Forbidden);
            }
            Ok((org.id, child.path))
        }
        None => Ok((org.id, org.path)),
    }
}

/// An enrolment's stored evidence (`{"lessons_read":…,"attempt":…,"score":…,"session":…}`):
/// the keys the evidence list shows, each absent when the course's rules did not ask for it.
#[derive(Debug, Default, Deserialize)]
struct StoredEvidence {
    attempt: Option<String>,
    score: Option<i64>,
    session: Option<String>,
}

/// One completion behind the figures, before masking.
#[derive(Queryable)]
struct CompletionRow {
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
    fn into_view(self) -> EvidenceRow {
        let evidence = self.evidence.map(|e| e.0).unwrap_or_default();
        EvidenceRow {
            name: mask_name(&self.name),
            phone: mask_phone(&self.phone),
            org: self.org,
            org_name: self.org_name,
            course: self.course,
            course_title: self.course_title,
            completed_at: crate::time::iso_utc(self.completed_at),
            attempt: evidence.attempt,
            score: evidence.score,
            session: evidence.session,
            first: self.first_of.is_some(),
        }
    }
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

/// The completions by women attributed inside `path` since the drive began that match
/// `filter`, newest first: their number, and one page of them (all when `page` is `None`).
fn query(
    conn: &mut DbConn,
    path: &str,
    filter: &EvidenceFilter,
    page: Option<i64>,
) -> Result<(i64, Vec<EvidenceRow>), ServiceError> {
    let upper = orgs::subtree_upper_bound(path);
    let month_range = utc_month(filter)?;
    let build = || {
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
            .filter(enrollments::completed_at.ge(drive_start()))
            .filter(users::gender.eq(Gender::Female))
            .into_boxed();
        if let Some(tier) = filter.tier {
            q = q.filter(courses::tier.eq(tier));
        }
        if let Some(mode) = &filter.mode {
            q = q.filter(courses::mode.eq(mode.clone()));
        }
        if let Some(course) = &filter.course {
            q = q.filter(courses::code.eq(course.clone()));
        }
        if let Some((from, to)) = month_range {
            q = q
                .filter(enrollments::completed_at.ge(from))
                .filter(enrollments::completed_at.lt(to));
        }
        if filter.first_only {
            q = q.filter(first_completions::user_id.is_not_null());
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let mut rows = build()
        .order((enrollments::completed_at.desc(), enrollments::id.desc()))
        .select((
            users::name,
            users::phone,
            orgs_t::code,
            orgs_t::name,
            courses::code,
            courses::title,
            enrollments::completed_at.assume_not_null(),
            enrollments::evidence,
            first_completions::user_id.nullable(),
        ));
    if let Some(page) = page {
        let offset = page_offset(page)?;
        rows = rows.offset(offset).limit(PAGE_SIZE);
    }
    let rows: Vec<CompletionRow> = rows.load(conn)?;
    Ok((
        total,
        rows.into_iter().map(CompletionRow::into_view).collect(),
    ))
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
        let (_, path) = scope(conn, &actor, &code, &filter)?;
        let (total, rows) = query(conn, &path, &filter, Some(page))?;
        Ok(EvidencePage {
            org: code,
            page,
            per_page: PAGE_SIZE,
            total,
            rows,
        })
    })
    .await
}

fn audit(
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

fn encode(
    format: ExportFormat,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Vec<u8>, ServiceError> {
    match format {
        ExportFormat::Csv => csv_bytes(header, rows),
        ExportFormat::Xlsx => xlsx_bytes(header, rows),
    }
}

/// A workbook: when the first column is `table`, one sheet per table, else one sheet. Cells
/// are written as strings or numbers, never as formulas.
fn xlsx_bytes(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, ServiceError> {
    use rust_xlsxwriter::Workbook;
    let fail = |e: rust_xlsxwriter::XlsxError| ServiceError::internal(format!("xlsx: {e}"));
    let by_table = header.first() == Some(&"table");
    let mut sheets: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for row in rows {
        let name = if by_table {
            row[0].clone()
        } else {
            "data".into()
        };
        match sheets.iter_mut().find(|(n, _)| *n == name) {
            Some((_, list)) => list.push(row),
            None => sheets.push((name, vec![row])),
        }
    }
    if sheets.is_empty() {
        sheets.push(("data".into(), Vec::new()));
    }
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(&name).map_err(fail)?;
        let skip = usize::from(by_table);
        for (col, title) in header.iter().skip(skip).enumerate() {
            sheet.write_string(0, col as u16, *title).map_err(fail)?;
        }
        for (r, row) in rows.iter().enumerate() {
            for (col, cell) in row.iter().skip(skip).enumerate() {
                let (r, col) = (r as u32 + 1, col as u16);
                let numeric = !cell.is_empty()
                    && !cell.starts_with('0')
                    && cell.chars().all(|c| c.is_ascii_digit() || c == '.');
                match cell.parse::<f64>() {
                    Ok(n) if numeric || cell == "0" => sheet.write_number(r, col, n),
                    _ => sheet.write_string(r, col, cell),
                }
                .map_err(fail)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(fail)
}

/// UTF-8 with a byte-order mark (so spreadsheet programs on Windows read Chinese).
fn csv_bytes(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>, ServiceError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| ServiceError::internal(format!("csv: {e}"));
    writer.write_record(header).map_err(fail)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|c| safe_cell(c)))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ServiceError::internal(format!("csv: {e}")))
}

/// The columns of the evidence export.
const TRAINED_HEADER: [&str; 10] = [
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
];

/// One learner of the evidence list as a row of the export.
fn trained_cells(row: EvidenceRow) -> Vec<String> {
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
    ]
}

/// The evidence list as CSV or XLSX (every row, not paged); audited.
pub async fn trained_export(
    core: &Core,
    actor: &Actor,
    code: String,
    filter: EvidenceFilter,
    format: ExportFormat,
) -> Result<Vec<u8>, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let (org_id, path) = scope(conn, &actor, &code, &filter)?;
        let (_, rows) = query(conn, &path, &filter, None)?;
        audit(
            conn,
            &actor,
            org_id,
            &format!("trained.{}", format.extension()),
            &filter,
        )?;
        encode(
            format,
            &TRAINED_HEADER,
            rows.into_iter().map(trained_cells).collect(),
        )
    })
    .await
}

/// The columns of the dashboard export: the first says which table a row belongs to.
const STATS_HEADER: [&str; 10] = [
    "table",
    "key",
    "name",
    "women_trained",
    "target",
    "women_completions",
    "women_hours",
    "learners_trained",
    "completions",
    "hours",
];

fn count_cell(n: i64) -> String {
    n.to_string()
}

fn hours_cell(h: f64) -> String {
    format!("{h:.1}")
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
        String::new(),
        String::new(),
        String::new(),
        String::new(),
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

/// Every table of a dashboard, in order: the summary, the children, then the breakdowns by
/// tier, mode, month and course.
fn stats_rows(view: &OrgStatsView) -> Vec<Vec<String>> {
    let mut rows = vec![summary_row(view)];
    rows.extend(view.by_child.iter().map(child_row));
    rows.extend(
        view.by_tier
            .iter()
            .map(|b| bucket_row("by_tier", &b.bucket, "", b)),
    );
    rows.extend(
        view.by_mode
            .iter()
            .map(|b| bucket_row("by_mode", &b.bucket, "", b)),
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
        encode(format, &STATS_HEADER, rows)
    })
    .await
}
