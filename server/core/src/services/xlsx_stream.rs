//! A one-sheet workbook whose bytes leave as its rows are written, for exports too long to
//! assemble first. rust_xlsxwriter (every other workbook) puts its zip together only when the
//! workbook is saved, so a download of 500,000 rows could start only once all were read (two
//! and a half minutes at a province). This writes the few parts of a package in order and the
//! sheet last, its XML deflated into a zip that never seeks back (each entry's sizes follow it
//! in a data descriptor), and hands out the compressed bytes made so far after each batch.
//!
//! Cells are inline strings or numbers, never formulas; text is escaped and characters XML
//! cannot hold are dropped.

use std::io::Write;
use std::sync::{Arc, Mutex};

use zip::write::{SimpleFileOptions, StreamWriter};
use zip::ZipWriter;

use crate::ServiceError;

/// The compressed bytes made and not yet taken (shared with the zip writer, which owns its
/// sink).
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A workbook of one sheet being written: [`SheetStream::rows`] then [`SheetStream::take`]
/// as often as needed, then [`SheetStream::finish`].
pub(crate) struct SheetStream {
    zip: ZipWriter<StreamWriter<Sink>>,
    sink: Sink,
    /// The sheet's next row number (from 1, as the sheet counts them).
    next_row: u32,
    /// XML of rows not yet handed to the compressor.
    xml: String,
}

fn failed(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::internal(format!("xlsx: {e}"))
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

/// The least a spreadsheet program expects: one font, fill, border and cell format.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#;

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;

const SHEET_END: &str = "</sheetData></worksheet>";

/// Sheet XML collected before it is compressed (a few rows' worth).
const XML_CHUNK: usize = 64 * 1024;

impl SheetStream {
    /// A workbook whose one sheet is named `name` (at most 31 characters, as Excel allows),
    /// starting with the row `header`.
    pub fn new(name: &str, header: &[&str]) -> Result<Self, ServiceError> {
        let sink = Sink::default();
        let mut zip = ZipWriter::new_stream(sink.clone());
        let deflated =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let workbook = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            escape(name)
        );
        for (path, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ] {
            zip.start_file(path, deflated).map_err(failed)?;
            zip.write_all(text.as_bytes()).map_err(failed)?;
        }
        zip.start_file("xl/worksheets/sheet1.xml", deflated)
            .map_err(failed)?;
        zip.write_all(SHEET_START.as_bytes()).map_err(failed)?;
        let mut book = SheetStream {
            zip,
            sink,
            next_row: 1,
            xml: String::new(),
        };
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        book.row(&header, |_| None)?;
        Ok(book)
    }

    /// Appends rows, each cell a number where `number` reads one, else text.
    pub fn rows(
        &mut self,
        rows: &[Vec<String>],
        number: impl Fn(&str) -> Option<f64> + Copy,
    ) -> Result<(), ServiceError> {
        for row in rows {
            self.row(row, number)?;
        }
        Ok(())
    }

    fn row(
        &mut self,
        cells: &[String],
        number: impl Fn(&str) -> Option<f64>,
    ) -> Result<(), ServiceError> {
        use std::fmt::Write as _;
        let r = self.next_row;
        let _ = write!(self.xml, r#"<row r="{r}">"#);
        for (col, cell) in cells.iter().enumerate() {
            let at = cell_name(col, r);
            match number(cell) {
                Some(n) => {
                    let _ = write!(self.xml, r#"<c r="{at}"><v>{n}</v></c>"#);
                }
                None if cell.is_empty() => {}
                None => {
                    let _ = write!(
                        self.xml,
                        r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                        escape(cell)
                    );
                }
            }
        }
        self.xml.push_str("</row>");
        self.next_row += 1;
        if self.xml.len() >= XML_CHUNK {
            self.compress()?;
        }
        Ok(())
    }

    fn compress(&mut self) -> Result<(), ServiceError> {
        self.zip.write_all(self.xml.as_bytes()).map_err(failed)?;
        self.xml.clear();
        Ok(())
    }

    /// The data rows written so far (the header not counted).
    pub fn data_rows(&self) -> i64 {
        i64::from(self.next_row) - 2
    }

    /// The workbook's bytes made since the last call (possibly none: the compressor holds
    /// some back until it has enough).
    pub fn take(&mut self) -> Result<Vec<u8>, ServiceError> {
        self.compress()?;
        Ok(self.sink.take())
    }

    /// Ends the sheet and the package: the last bytes of the workbook.
    pub fn finish(mut self) -> Result<Vec<u8>, ServiceError> {
        self.xml.push_str(SHEET_END);
        self.compress()?;
        self.zip.finish().map_err(failed)?;
        Ok(self.sink.take())
    }
}

/// A cell's name: column letters (A … Z, AA …) then the row number.
fn cell_name(col: usize, row: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8(letters).expect("ascii"))
}

/// Text as XML character data: `& < > "` escaped, characters XML 1.0 cannot hold (control
/// characters but tab, newline and carriage return) dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names_follow_the_sheet() {
        assert_eq!(cell_name(0, 1), "A1");
        assert_eq!(cell_name(25, 7), "Z7");
        assert_eq!(cell_name(26, 2), "AA2");
        assert_eq!(cell_name(16, 3), "Q3");
        assert_eq!(cell_name(701, 1), "ZZ1");
        assert_eq!(cell_name(702, 1), "AAA1");
    }

    #[test]
    fn a_streamed_workbook_reads_back_cell_for_cell() {
        use calamine::{Data, Reader};
        let number = |c: &str| c.parse::<f64>().ok().filter(|_| c != "007");
        let mut book = SheetStream::new("培训明细 trained", &["姓名 name", "分数 score"]).unwrap();
        let mut bytes = Vec::new();
        let rows: Vec<Vec<String>> = (0..5_000)
            .map(|i| {
                vec![
                    format!("王<&\"{i}\"> \u{1}x"),
                    if i % 2 == 0 {
                        i.to_string()
                    } else {
                        "007".into()
                    },
                ]
            })
            .collect();
        for chunk in rows.chunks(997) {
            book.rows(chunk, number).unwrap();
            bytes.extend(book.take().unwrap());
        }
        assert!(!bytes.is_empty(), "bytes leave before the workbook ends");
        assert_eq!(book.data_rows(), 5_000);
        bytes.extend(book.finish().unwrap());
        let mut read = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(read.sheet_names(), vec!["培训明细 trained".to_string()]);
        let range = read.worksheet_range("培训明细 trained").unwrap();
        assert_eq!(range.height(), 5_001);
        assert_eq!(range.get((0, 0)), Some(&Data::String("姓名 name".into())));
        assert_eq!(
            range.get((1, 0)),
            Some(&Data::String("王<&\"0\"> x".into()))
        );
        assert_eq!(range.get((1, 1)), Some(&Data::Float(0.0)));
        assert_eq!(range.get((2, 1)), Some(&Data::String("007".into())));
        assert_eq!(range.get((5_000, 1)), Some(&Data::String("007".into())));
    }
}
