//! Reading an uploaded table for the bulk imports (learners, union nodes): CSV in UTF-8 (with
//! or without BOM) or GBK as saved by spreadsheet programs on Chinese Windows, or the first
//! sheet of an XLSX workbook. One reader for every import, so each file format quirk is
//! handled once and every import reports lines the same way (the header is line 1).

use std::collections::HashMap;

use crate::ServiceError;

/// The file's header and rows (with their line numbers), and the rows that could not be read
/// (line, why).
pub(crate) struct Table {
    /// `utf-8`, `gbk` or `xlsx`.
    pub encoding: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    pub unreadable: Vec<(usize, String)>,
}

/// The table in `bytes`: a workbook when it is a zip (XLSX), else CSV text. At most
/// `max_rows` rows; `what` names them in the refusal ("learners", "unions").
pub(crate) fn read(bytes: Vec<u8>, max_rows: usize, what: &str) -> Result<Table, ServiceError> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, max_rows, what)
    } else {
        read_csv(&bytes, max_rows, what)
    }
}

fn too_many(max_rows: usize, what: &str) -> ServiceError {
    ServiceError::UploadTooLarge(format!("at most {max_rows} {what} per file; split it"))
}

/// The file as text: UTF-8 (a BOM is dropped) when it is valid UTF-8, else GBK.
fn decode(bytes: &[u8]) -> Result<(String, &'static str), ServiceError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_string(), "utf-8"));
    }
    let (text, _, had_errors) = encoding_rs::GBK.decode(bytes);
    if had_errors {
        return Err(ServiceError::BadUpload(
            "the file is neither UTF-8 nor GBK text: save it as CSV (UTF-8) and try again".into(),
        ));
    }
    Ok((text.into_owned(), "gbk"))
}

fn read_csv(bytes: &[u8], max_rows: usize, what: &str) -> Result<Table, ServiceError> {
    let (text, encoding) = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| ServiceError::BadUpload(format!("line 1: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let mut table = Table {
        encoding,
        header,
        rows: Vec::new(),
        unreadable: Vec::new(),
    };
    for (index, record) in reader.records().enumerate() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(index + 2, |p| p.line() as usize);
                table
                    .rows
                    .push((line, r.iter().map(String::from).collect()));
            }
            Err(e) => table.unreadable.push((
                e.position().map_or(index + 2, |p| p.line() as usize),
                e.to_string(),
            )),
        }
        if table.rows.len() > max_rows {
            return Err(too_many(max_rows, what));
        }
    }
    Ok(table)
}

/// The first sheet of a workbook; numbers that are whole (phones typed as numbers) lose
/// their ".0".
fn read_xlsx(bytes: Vec<u8>, max_rows: usize, what: &str) -> Result<Table, ServiceError> {
    use calamine::{Data, Reader, Xlsx};
    let bad = |e: String| ServiceError::BadUpload(format!("the workbook cannot be read: {e}"));
    let mut workbook: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| bad("it has no sheet".into()))?
        .map_err(|e| bad(e.to_string()))?;
    let text = |cell: &Data| match cell {
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Empty => String::new(),
        other => other.to_string(),
    };
    let mut rows = range.rows();
    let header = rows
        .next()
        .map(|r| r.iter().map(text).collect())
        .unwrap_or_default();
    let rows: Vec<(usize, Vec<String>)> = rows
        .enumerate()
        .map(|(i, r)| (i + 2, r.iter().map(text).collect()))
        .collect();
    if rows.len() > max_rows {
        return Err(too_many(max_rows, what));
    }
    Ok(Table {
        encoding: "xlsx",
        header,
        rows,
        unreadable: Vec::new(),
    })
}

/// The trimmed cell of `record` in the column named `key` (empty when absent).
pub(crate) fn cell<'a>(
    at: &HashMap<&'static str, usize>,
    record: &'a [String],
    key: &str,
) -> &'a str {
    at.get(key)
        .and_then(|&i| record.get(i))
        .map_or("", |c| c.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_in_utf8_with_a_bom_or_gbk() {
        let table = read("\u{feff}a,b\n1,2\n".as_bytes().to_vec(), 10, "rows").unwrap();
        assert_eq!(table.encoding, "utf-8");
        assert_eq!(table.header, ["a", "b"]);
        assert_eq!(table.rows, [(2, vec!["1".to_string(), "2".to_string()])]);
        let (gbk, _, _) = encoding_rs::GBK.encode("名称\n鼓楼\n");
        let table = read(gbk.to_vec(), 10, "rows").unwrap();
        assert_eq!(table.encoding, "gbk");
        assert_eq!(table.header, ["名称"]);
    }

    #[test]
    fn too_many_rows_are_refused() {
        let text = "a\n1\n2\n3\n";
        assert!(matches!(
            read(text.as_bytes().to_vec(), 2, "unions"),
            Err(ServiceError::UploadTooLarge(message)) if message.contains("2 unions")
        ));
    }
}
