//! Behind every figure, the learners: the completions by women in a subtree since the drive
//! began (masked names and phones, paged, filterable like the dashboard's breakdowns), with
//! their evidence; and CSV exports of dashboards and evidence, each written to the audit log.

use diesel::prelude::*;
use serde::Serialize;

use super::actor::Actor;
use super::drive::drive_start;
use super::{now, orgs, Core};
use crate::db::schema::{
    courses, enrollments, export_audit, first_completions, orgs as orgs_t, users,
};
use crate::db::DbConn;
use crate::domain::{mask_name, mask_phone, OrgCode, Role};
use crate::dto::{EvidenceFilter, EvidencePage, EvidenceRow, OrgStatsView};
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

/// One key of an enrolment's stored evidence (`{"attempt":…,"score":…,"session":…}`).
fn evidence_field(evidence: &Option<String>, key: &str) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(evidence.as_deref()?).ok()?;
    value.get(key).cloned()
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    chrono::NaiveDateTime,
    Option<String>,
    Option<i64>,
);

fn query(
    conn: &mut DbConn,
    path: &str,
    filter: &EvidenceFilter,
    page: Option<i64>,
) -> Result<(i64, Vec<EvidenceRow>), ServiceError> {
    let upper = orgs::subtree_upper_bound(path);
    let month_range = match &filter.month {
        Some(month) => {
            let start = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .map_err(|_| crate::domain::DomainError::Month)?;
            let end = start
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(start);
            // Months are China time (UTC+8).
            let utc = |d: chrono::NaiveDate| {
                d.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(8)
            };
            Some((utc(start), utc(end)))
        }
        None => None,
    };
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
            .filter(users::gender.eq("female"))
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
        ));
    if let Some(page) = page {
        let offset = page_offset(page)?;
        rows = rows.offset(offset).limit(PAGE_SIZE);
    }
    let rows: Vec<Row> = rows.load(conn)?;
    Ok((
        total,
        rows.into_iter()
            .map(|r| EvidenceRow {
                name: mask_name(&r.1),
                phone: mask_phone(&r.2),
                org: r.3,
                org_name: r.4,
                course: r.5,
                course_title: r.6,
                completed_at: r.7.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                attempt: evidence_field(&r.8, "attempt").and_then(|v| v.as_str().map(String::from)),
                score: evidence_field(&r.8, "score").and_then(|v| v.as_i64()),
                session: evidence_field(&r.8, "session").and_then(|v| v.as_str().map(String::from)),
                first: r.9.is_some(),
            })
            .collect(),
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
            export_audit::filters.eq(serde_json::to_string(filters).unwrap_or_default()),
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
            &[
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
            ],
            rows.into_iter()
                .map(|r| {
                    vec![
                        r.name,
                        r.phone,
                        r.org,
                        r.org_name,
                        r.course,
                        r.course_title,
                        r.completed_at,
                        r.attempt.unwrap_or_default(),
                        r.session.unwrap_or_default(),
                        if r.first { "1" } else { "0" }.to_string(),
                    ]
                })
                .collect(),
        )
    })
    .await
}

/// Every table of a dashboard as one CSV (a `table` column says which) or one workbook (a
/// sheet per table); audited.
pub async fn stats_export(
    core: &Core,
    actor: &Actor,
    view: &OrgStatsView,
    format: ExportFormat,
) -> Result<Vec<u8>, ServiceError> {
    let mut rows = Vec::new();
    let number = |n: i64| n.to_string();
    let hours = |h: f64| format!("{h:.1}");
    rows.push(vec![
        "summary".into(),
        view.org.code.clone(),
        view.org.name.clone(),
        number(view.trained),
        view.target.map(number).unwrap_or_default(),
        number(view.completions),
        hours(view.hours),
        number(view.all_learners.learners_trained),
        number(view.all_learners.all_completions),
        hours(view.all_learners.all_hours),
    ]);
    for c in &view.by_child {
        rows.push(vec![
            "by_child".into(),
            c.org.clone(),
            c.name.clone(),
            number(c.trained),
            c.target.map(number).unwrap_or_default(),
            number(c.completions),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    let mut bucket_rows = |table: &str, key: &str, name: &str, b: &crate::dto::StatsBucketView| {
        rows.push(vec![
            table.into(),
            key.into(),
            name.into(),
            number(b.trained),
            String::new(),
            number(b.completions),
            hours(b.hours),
            number(b.learners_trained),
            number(b.all_completions),
            hours(b.all_hours),
        ]);
    };
    for b in &view.by_tier {
        bucket_rows("by_tier", &b.bucket, "", b);
    }
    for b in &view.by_mode {
        bucket_rows("by_mode", &b.bucket, "", b);
    }
    for m in &view.by_month {
        bucket_rows("by_month", &m.stats.bucket, "", &m.stats);
    }
    for c in &view.by_course {
        bucket_rows("by_course", &c.stats.bucket, &c.title, &c.stats);
    }
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
        encode(
            format,
            &[
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
            ],
            rows,
        )
    })
    .await
}
