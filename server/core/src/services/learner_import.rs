//! Bulk learner import for enterprise unions: a CSV or XLSX of name, phone, gender and union
//! code (optional email); CSV in UTF-8 (with or without BOM) or GBK as saved by spreadsheet
//! programs on Chinese Windows; XLSX from its first sheet. Every row is checked first and each bad one reported (line, field,
//! reason); nothing is written unless every row is good, and never on a dry run. New accounts
//! get an activation link (mailed when an email is given); phones already registered are
//! matched, not duplicated.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::accounts;
use super::actor::Actor;
use super::sheet::{self, cell, Table};
use super::{orgs, Core};
use crate::db::models::OrgRow;
use crate::db::{write_tx, DbConn};
use crate::domain::{Email, Gender, OrgCode, PersonName, Phone};
use crate::ServiceError;

/// At most this many rows per file.
pub const MAX_ROWS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedLearner {
    pub line: usize,
    /// Masked.
    pub phone: String,
    pub activation_link: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport {
    pub dry_run: bool,
    /// `utf-8` or `gbk`.
    pub encoding: String,
    pub rows: usize,
    /// New accounts (to be) created.
    pub created: usize,
    /// Rows whose phone is already registered: left as they are.
    pub matched: usize,
    pub problems: Vec<RowProblem>,
    /// Written only when nothing was wrong and it was not a dry run.
    pub written: bool,
    pub learners: Vec<ImportedLearner>,
}

/// Which column holds what, from the header (English or Chinese names).
fn columns(header: &[String]) -> Result<HashMap<&'static str, usize>, ServiceError> {
    let mut found = HashMap::new();
    for (i, title) in header.iter().enumerate() {
        let key = match title.trim().to_lowercase().as_str() {
            "name" | "姓名" => "name",
            "phone" | "mobile" | "手机" | "手机号" | "手机号码" => "phone",
            "gender" | "性别" => "gender",
            "org" | "org code" | "union" | "工会代码" | "所属工会代码" => "org",
            "email" | "邮箱" | "电子邮箱" => "email",
            _ => continue,
        };
        found.insert(key, i);
    }
    let missing: Vec<&str> = ["name", "phone", "gender", "org"]
        .into_iter()
        .filter(|k| !found.contains_key(k))
        .collect();
    if !missing.is_empty() {
        return Err(ServiceError::BadUpload(format!(
            "line 1: the header needs the columns name/姓名, phone/手机, gender/性别, org/工会代码; missing: {}",
            missing.join(", ")
        )));
    }
    Ok(found)
}

fn gender_of(text: &str) -> Option<Gender> {
    match text.trim() {
        "女" | "f" | "F" => Some(Gender::Female),
        "男" | "m" | "M" => Some(Gender::Male),
        other => Gender::parse(&other.to_lowercase()).ok(),
    }
}

struct GoodRow {
    line: usize,
    name: PersonName,
    phone: Phone,
    gender: Gender,
    email: Option<Email>,
    org: OrgRow,
}

/// Checks (and unless `dry_run`, writes) a learner file for the union `code` and its subtree.
pub async fn import(
    core: &Core,
    actor: &Actor,
    code: String,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<ImportReport, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, config| {
        let root = orgs::require_administered(conn, &actor, &code)?;
        let table = sheet::read(bytes, MAX_ROWS, "learners")?;
        let encoding = table.encoding;
        let rows = table.rows.len() + table.unreadable.len();
        let (good, problems) = check_rows(conn, &root, table)?;
        let (matched, fresh) = split_registered(conn, good)?;
        let mut report = ImportReport {
            dry_run,
            encoding: encoding.into(),
            rows,
            created: fresh.len(),
            matched,
            problems,
            written: false,
            learners: Vec::new(),
        };
        if dry_run || !report.problems.is_empty() {
            return Ok(report);
        }
        report.learners = write_tx(conn, |conn| create_learners(conn, config, &fresh))?;
        report.written = true;
        Ok(report)
    })
    .await
}

/// Every row checked: the good ones, and each problem by line and field.
fn check_rows(
    conn: &mut DbConn,
    root: &OrgRow,
    table: Table,
) -> Result<(Vec<GoodRow>, Vec<RowProblem>), ServiceError> {
    let at = columns(&table.header)?;
    let mut problems: Vec<RowProblem> = table
        .unreadable
        .into_iter()
        .map(|(line, reason)| RowProblem {
            line,
            field: "row".into(),
            reason,
        })
        .collect();
    let mut good = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut org_cache: HashMap<String, Option<OrgRow>> = HashMap::new();
    for (line, record) in table.rows {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let org_code = cell(&at, &record, "org").to_string();
        let org = org_cache
            .entry(org_code.clone())
            .or_insert_with(|| {
                OrgCode::parse(&org_code, "org")
                    .ok()
                    .and_then(|c| orgs::find_by_code(conn, c.as_str()).ok().flatten())
            })
            .clone();
        let checked = check_row(line, &at, &record, org, root, &mut seen, &mut problems);
        good.extend(checked);
    }
    Ok((good, problems))
}

/// One row's values, each problem recorded with its field; the row when all are good.
fn check_row(
    line: usize,
    at: &HashMap<&'static str, usize>,
    record: &[String],
    org: Option<OrgRow>,
    root: &OrgRow,
    seen: &mut HashMap<String, usize>,
    problems: &mut Vec<RowProblem>,
) -> Option<GoodRow> {
    let cell = |key: &str| cell(at, record, key);
    let mut fail = |field: &str, reason: String| {
        problems.push(RowProblem {
            line,
            field: field.into(),
            reason,
        })
    };
    let name = PersonName::parse(cell("name"));
    let phone = Phone::parse(cell("phone"));
    let gender = gender_of(cell("gender"));
    let email = match cell("email") {
        "" => Ok(None),
        e => Email::parse(e).map(Some),
    };
    if let Err(e) = &name {
        fail("name", e.to_string());
    }
    if let Err(e) = &phone {
        fail("phone", e.to_string());
    }
    if gender.is_none() {
        fail("gender", "gender must be 女/男 (female/male)".into());
    }
    if let Err(e) = &email {
        fail("email", e.to_string());
    }
    let org_code = cell("org");
    match &org {
        None => fail("org", format!("no union has the code {org_code:?}")),
        Some(o) if !o.path.starts_with(&root.path) => fail(
            "org",
            format!("{org_code} is not part of {} ({})", root.name, root.code),
        ),
        Some(_) => {}
    }
    if let Ok(p) = &phone {
        if let Some(first) = seen.insert(p.as_str().to_string(), line) {
            fail(
                "phone",
                format!("the same phone is already on line {first}"),
            );
        }
    }
    let (Ok(name), Ok(phone), Some(gender), Ok(email), Some(org)) =
        (name, phone, gender, email, org)
    else {
        return None;
    };
    org.path.starts_with(&root.path).then_some(GoodRow {
        line,
        name,
        phone,
        gender,
        email,
        org,
    })
}

/// (how many are already registered, the rows to create).
fn split_registered(
    conn: &mut DbConn,
    good: Vec<GoodRow>,
) -> Result<(usize, Vec<GoodRow>), ServiceError> {
    let mut matched = 0;
    let mut fresh = Vec::new();
    for row in good {
        if accounts::phone_registered(conn, row.phone.as_str())? {
            matched += 1;
        } else {
            fresh.push(row);
        }
    }
    Ok((matched, fresh))
}

/// Creates the new learners (inside the import's transaction) with their activation links.
fn create_learners(
    conn: &mut DbConn,
    config: &crate::config::Config,
    fresh: &[GoodRow],
) -> Result<Vec<ImportedLearner>, ServiceError> {
    fresh
        .iter()
        .map(|row| {
            let link = accounts::create_imported_learner(
                conn,
                config,
                &row.name,
                &row.phone,
                row.gender,
                row.email.as_ref(),
                &row.org,
            )?;
            Ok(ImportedLearner {
                line: row.line,
                phone: row.phone.masked(),
                activation_link: link,
            })
        })
        .collect()
}
