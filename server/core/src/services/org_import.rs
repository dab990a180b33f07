//! Bulk import of union nodes by a union's administrators: a CSV or XLSX of code, name,
//! name_en (optional), kind (district, industry, enterprise) and parent (optional: the union
//! the import is for), so a city union can add its hundreds of enterprise unions at once
//! and women can then find them when they register.
//!
//! Modelled on the learner import ([`super::learner_import`]), with the same file reader:
//! every row is checked first and each bad one reported by line and column; nothing is
//! written unless every row is good, and never on a dry run; the rows are then written in one
//! transaction, all or nothing. The rules are those of adding one union
//! (`orgs::add_child`, which writes each row): the actor administers the union, each parent
//! is inside its subtree (or added by an earlier line), each code extends its parent's, and
//! no code is taken, in the database or earlier in the file.

use std::collections::HashMap;

use super::actor::Actor;
use super::orgs::{self, NewChild};
use super::sheet::{self, cell, Table};
use super::Core;
use crate::db::models::OrgRow;
use crate::db::{write_tx, DbConn};
use crate::domain::{OrgCode, OrgKind, OrgName};
use crate::dto::{OrgImportProblem, OrgImportReport, OrgRowProblem};
use crate::ServiceError;

/// At most this many rows per file.
pub const MAX_ROWS: usize = 20_000;

/// The largest file accepted (a row is short: 20,000 of them fit easily).
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// Where a good row's parent is: a union already in the tree, or one an earlier line adds.
enum Parent {
    Existing(OrgRow),
    Earlier(OrgCode),
}

struct GoodRow {
    code: OrgCode,
    name: OrgName,
    name_en: Option<OrgName>,
    kind: OrgKind,
    parent: Parent,
}

/// Checks (and unless `dry_run`, writes) a file of unions for the union `code` and its
/// subtree.
pub async fn import(
    core: &Core,
    actor: &Actor,
    code: String,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<OrgImportReport, ServiceError> {
    let actor = actor.clone();
    core.run(move |conn, _| {
        let root = orgs::require_administered(conn, &actor, &code)?;
        if bytes.len() > MAX_BYTES {
            return Err(ServiceError::UploadTooLarge(format!(
                "at most {} MB per file; split it",
                MAX_BYTES / 1024 / 1024
            )));
        }
        let table = sheet::read(bytes, MAX_ROWS, "unions")?;
        let encoding = table.encoding;
        let rows = table.rows.len() + table.unreadable.len();
        let (good, problems) = check_rows(conn, &root, table)?;
        let mut report = OrgImportReport {
            dry_run,
            encoding: encoding.into(),
            org: root.code.clone(),
            rows,
            created: good.len(),
            problems,
            written: false,
        };
        if dry_run || !report.problems.is_empty() {
            return Ok(report);
        }
        write_tx(conn, |conn| add_all(conn, &actor, &good))?;
        report.written = true;
        Ok(report)
    })
    .await
}

/// The header of the CSV template, then two example lines under `code` (a district, and an
/// enterprise union under it). Nothing in it comes from the request but the code, which is
/// a checked [`OrgCode`] (a-z, 0-9, '-'), so no cell can start a spreadsheet formula.
pub fn template(code: &str) -> Result<String, ServiceError> {
    let code = OrgCode::parse(code, "org")?;
    let code = code.as_str();
    Ok(format!(
        "\u{feff}code,name,name_en,kind,parent\r\n\
         {code}-example,示例区总工会,Example District Federation of Trade Unions,district,\r\n\
         {code}-example-factory,示例电子有限公司工会,,enterprise,{code}-example\r\n"
    ))
}

fn problem(line: usize, field: &str, problem: OrgRowProblem) -> OrgImportProblem {
    OrgImportProblem {
        line,
        field: field.into(),
        reason: problem.english(),
        problem,
    }
}

/// Which column holds what, from the header (English or Chinese names); each required
/// column that is missing is a problem of line 1.
fn columns(header: &[String]) -> Result<HashMap<&'static str, usize>, Vec<OrgImportProblem>> {
    let mut found = HashMap::new();
    for (i, title) in header.iter().enumerate() {
        let key = match title.trim().to_lowercase().as_str() {
            "code" | "org code" | "代码" | "工会代码" => "code",
            "name" | "名称" | "工会名称" => "name",
            "name_en" | "english name" | "英文名称" | "英文名" => "name_en",
            "kind" | "type" | "类型" | "工会类型" => "kind",
            "parent" | "parent code" | "上级" | "上级代码" | "上级工会代码" => "parent",
            _ => continue,
        };
        found.entry(key).or_insert(i);
    }
    let missing: Vec<OrgImportProblem> = ["code", "name", "kind"]
        .into_iter()
        .filter(|k| !found.contains_key(k))
        .map(|k| problem(1, k, OrgRowProblem::MissingColumn))
        .collect();
    if missing.is_empty() {
        Ok(found)
    } else {
        Err(missing)
    }
}

/// A kind as written in English or Chinese.
fn kind_of(text: &str) -> Option<OrgKind> {
    match text.trim() {
        "区县" | "区" | "县" | "区县工会" => Some(OrgKind::District),
        "产业" | "行业" | "产业工会" => Some(OrgKind::Industry),
        "企业" | "企业工会" => Some(OrgKind::Enterprise),
        other => OrgKind::parse_creatable(&other.to_lowercase()).ok(),
    }
}

/// A value echoed in a report, cut to a length a page can show.
fn shown(text: &str) -> String {
    text.chars().take(64).collect()
}

/// What the checks of one file share: the union imported into, the codes every line adds
/// (first line of each), and the parents already looked up.
struct Checks<'a> {
    root: &'a OrgRow,
    lines_of: HashMap<String, usize>,
    parents: HashMap<String, Option<OrgRow>>,
}

/// Every row checked: the good ones, and each problem by line and column.
fn check_rows(
    conn: &mut DbConn,
    root: &OrgRow,
    table: Table,
) -> Result<(Vec<GoodRow>, Vec<OrgImportProblem>), ServiceError> {
    let at = match columns(&table.header) {
        Ok(at) => at,
        Err(missing) => return Ok((Vec::new(), missing)),
    };
    let mut problems: Vec<OrgImportProblem> = table
        .unreadable
        .iter()
        .map(|(line, _)| problem(*line, "row", OrgRowProblem::Unreadable))
        .collect();
    let mut checks = Checks {
        root,
        lines_of: HashMap::new(),
        parents: HashMap::new(),
    };
    for (line, record) in &table.rows {
        let code = cell(&at, record, "code");
        if !code.is_empty() {
            checks.lines_of.entry(code.to_string()).or_insert(*line);
        }
    }
    let mut good = Vec::new();
    for (line, record) in &table.rows {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row = check_row(conn, &mut checks, *line, &at, record, &mut problems)?;
        good.extend(row);
    }
    problems.sort_by_key(|p| p.line);
    Ok((good, problems))
}

/// One row's values, each problem recorded with its column; the row when all are good.
fn check_row(
    conn: &mut DbConn,
    checks: &mut Checks<'_>,
    line: usize,
    at: &HashMap<&'static str, usize>,
    record: &[String],
    problems: &mut Vec<OrgImportProblem>,
) -> Result<Option<GoodRow>, ServiceError> {
    let before = problems.len();
    let mut fail = |field: &str, kind: OrgRowProblem| problems.push(problem(line, field, kind));
    let code = OrgCode::parse(cell(at, record, "code"), "code").ok();
    let name = OrgName::parse(cell(at, record, "name")).ok();
    let name_en = match cell(at, record, "name_en") {
        "" => Some(None),
        text => OrgName::parse(text).ok().map(Some),
    };
    let kind = kind_of(cell(at, record, "kind"));
    if code.is_none() {
        fail("code", OrgRowProblem::Code);
    }
    if name.is_none() {
        fail("name", OrgRowProblem::Name);
    }
    if name_en.is_none() {
        fail("name_en", OrgRowProblem::NameEn);
    }
    if kind.is_none() {
        fail("kind", OrgRowProblem::Kind);
    }
    let parent = match parent_of(conn, checks, line, cell(at, record, "parent"))? {
        Ok(parent) => Some(parent),
        Err(kind) => {
            fail("parent", kind);
            None
        }
    };
    if let Some(code) = &code {
        if let Some(kind) = code_problem(conn, checks, line, code, parent.as_ref())? {
            fail("code", kind);
        }
    }
    if problems.len() > before {
        return Ok(None);
    }
    match (code, name, name_en, kind, parent) {
        (Some(code), Some(name), Some(name_en), Some(kind), Some(parent)) => Ok(Some(GoodRow {
            code,
            name,
            name_en,
            kind,
            parent,
        })),
        _ => Ok(None),
    }
}

/// The row's parent (the union imported into when the cell is empty), or why it cannot be.
fn parent_of(
    conn: &mut DbConn,
    checks: &mut Checks<'_>,
    line: usize,
    text: &str,
) -> Result<Result<Parent, OrgRowProblem>, ServiceError> {
    if text.is_empty() {
        return Ok(Ok(Parent::Existing(checks.root.clone())));
    }
    let unknown = || OrgRowProblem::UnknownParent {
        parent: shown(text),
    };
    let Ok(code) = OrgCode::parse(text, "parent") else {
        return Ok(Err(unknown()));
    };
    if !checks.parents.contains_key(code.as_str()) {
        let found = orgs::find_by_code(conn, code.as_str())?;
        checks.parents.insert(code.as_str().to_string(), found);
    }
    if let Some(Some(row)) = checks.parents.get(code.as_str()) {
        return Ok(if row.path.starts_with(&checks.root.path) {
            Ok(Parent::Existing(row.clone()))
        } else {
            Err(OrgRowProblem::OutsideSubtree {
                parent: code.as_str().to_string(),
                root: checks.root.code.clone(),
            })
        });
    }
    Ok(match checks.lines_of.get(code.as_str()) {
        Some(&first) if first < line => Ok(Parent::Earlier(code)),
        Some(&first) if first > line => Err(OrgRowProblem::ParentLater {
            parent: code.as_str().to_string(),
            line: first,
        }),
        _ => Err(unknown()),
    })
}

/// What is wrong with a valid code: not extending its parent's, on an earlier line too, or
/// taken in the database.
fn code_problem(
    conn: &mut DbConn,
    checks: &Checks<'_>,
    line: usize,
    code: &OrgCode,
    parent: Option<&Parent>,
) -> Result<Option<OrgRowProblem>, ServiceError> {
    let parent_code = match parent {
        Some(Parent::Existing(row)) => Some(row.code.as_str()),
        Some(Parent::Earlier(earlier)) => Some(earlier.as_str()),
        None => None,
    };
    if let Some(parent) = parent_code {
        if !code.as_str().starts_with(&format!("{parent}-")) {
            return Ok(Some(OrgRowProblem::ChildCode {
                parent: parent.to_string(),
            }));
        }
    }
    if let Some(&first) = checks.lines_of.get(code.as_str()) {
        if first < line {
            return Ok(Some(OrgRowProblem::Duplicate { first_line: first }));
        }
    }
    if orgs::find_by_code(conn, code.as_str())?.is_some() {
        return Ok(Some(OrgRowProblem::Taken));
    }
    Ok(None)
}

/// Adds every row (inside the import's transaction), parents before their children as the
/// file lists them; each through the same checks as adding one union.
fn add_all(conn: &mut DbConn, actor: &Actor, good: &[GoodRow]) -> Result<(), ServiceError> {
    let mut added: HashMap<String, OrgRow> = HashMap::new();
    for row in good {
        let parent = match &row.parent {
            Parent::Existing(parent) => parent.clone(),
            Parent::Earlier(code) => added
                .get(code.as_str())
                .cloned()
                .ok_or_else(|| ServiceError::internal("an imported parent was not added first"))?,
        };
        let child = NewChild {
            code: &row.code,
            name: &row.name,
            name_en: row.name_en.as_ref(),
            kind: row.kind,
        };
        let node = orgs::add_child(conn, actor, &parent, &child)?;
        added.insert(node.code.clone(), node);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_english_or_chinese() {
        let header: Vec<String> = ["工会代码", "工会名称", "类型", "上级代码"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let at = columns(&header).unwrap();
        assert_eq!(
            (at["code"], at["name"], at["kind"], at["parent"]),
            (0, 1, 2, 3)
        );
        let missing = columns(&["code".to_string()]).unwrap_err();
        let fields: Vec<&str> = missing.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind"]);
        assert!(missing.iter().all(|p| p.line == 1));
    }

    #[test]
    fn kinds_in_english_or_chinese() {
        assert_eq!(kind_of("企业"), Some(OrgKind::Enterprise));
        assert_eq!(kind_of(" District "), Some(OrgKind::District));
        assert_eq!(kind_of("产业"), Some(OrgKind::Industry));
        assert_eq!(kind_of("city"), None);
        assert_eq!(kind_of(""), None);
    }

    #[test]
    fn the_template_names_the_union() {
        let text = template("js-nj").unwrap();
        assert!(text.starts_with("\u{feff}code,name,name_en,kind,parent\r\n"));
        assert!(text.contains("js-nj-example-factory,"));
        assert!(template("=cmd|' /C calc'!A0").is_err());
    }
}
