//! Tables out to spreadsheets: CSV (UTF-8 with a byte-order mark, so Excel reads the
//! Vietnamese marks right) and XLSX (a minimal SpreadsheetML package with inline strings,
//! written with the bundle's ZIP writer).
//!
//! A [`Table`] is also what the dashboard renders as HTML, so an export holds exactly the
//! numbers the page shows.

use crate::bundle::{Zip, ZipError};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// One value of a table, typed so a spreadsheet gets numbers rather than text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Whole VND.
    Money(i64),
    Kg(f64),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// As people read it on the page: 95.000, 1.250,5.
    pub fn display(&self) -> String {
        use nongsan_domain::quantity::{format_kg, format_vnd};
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => format_vnd(*n),
            Cell::Money(n) => format_vnd(*n),
            Cell::Kg(kg) => format_kg(*kg),
        }
    }

    /// As a spreadsheet reads it: plain digits, a decimal point.
    fn raw(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) | Cell::Money(n) => n.to_string(),
            Cell::Kg(kg) => format!("{}", nongsan_domain::quantity::round_kg(*kg)),
        }
    }

    pub fn is_number(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

/// A titled table with a header row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file name's stem: ASCII, stable ("sales-by-channel").
    pub stem: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// Splits "ledger.csv" into its stem and format.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let format = match ext {
            "csv" => Format::Csv,
            "xlsx" => Format::Xlsx,
            _ => return None,
        };
        Some((stem, format))
    }
}

/// Quotes a CSV field when it needs it, and defuses text a spreadsheet would run as a formula.
fn csv_field(cell: &Cell) -> String {
    let mut s = cell.raw();
    if !cell.is_number() && s.starts_with(['=', '+', '-', '@']) {
        s.insert(0, '\'');
    }
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The table as CSV: BOM, header row, CRLF line ends (RFC 4180).
pub fn csv(table: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = table.headers.iter().map(|h| csv_field(&Cell::Text(h.clone()))).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let fields: Vec<String> = row.iter().map(csv_field).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// Escapes text for XML, dropping characters XML 1.0 cannot carry.
fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// "A", "B", … "Z", "AA": a spreadsheet column's name.
fn column(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap_or_default()
}

/// A sheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let cleaned: String = title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    if cleaned.trim().is_empty() { "Sheet1".into() } else { cleaned }
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
/// Style 0 plain, 1 bold (headers), 2 thousands (VND, counts), 3 up to three decimals (kg).
const STYLES: &str = r##"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="#,##0.###"/></numFmts><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"##;

fn sheet_xml(table: &Table) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    let header: Vec<Cell> = table.headers.iter().map(|h| Cell::Text(h.clone())).collect();
    for (r, row) in std::iter::once(&header).chain(table.rows.iter()).enumerate() {
        xml.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column(c), r + 1);
            match cell {
                Cell::Text(s) => {
                    let style = if r == 0 { " s=\"1\"" } else { "" };
                    xml.push_str(&format!(
                        "<c r=\"{at}\" t=\"inlineStr\"{style}><is><t xml:space=\"preserve\">{}</t></is></c>",
                        xml_escape(s)
                    ));
                }
                Cell::Int(_) | Cell::Money(_) => xml.push_str(&format!("<c r=\"{at}\" s=\"2\"><v>{}</v></c>", cell.raw())),
                Cell::Kg(_) => xml.push_str(&format!("<c r=\"{at}\" s=\"3\"><v>{}</v></c>", cell.raw())),
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// The table as an XLSX workbook of one sheet.
pub fn xlsx(table: &Table) -> Result<Vec<u8>, ZipError> {
    let now = time::OffsetDateTime::now_utc().to_offset(time::UtcOffset::from_whole_seconds(7 * 3600).unwrap_or(time::UtcOffset::UTC));
    let mut zip = Zip::new(time::PrimitiveDateTime::new(now.date(), now.time()));
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        xml_escape(&sheet_name(&table.title))
    );
    zip.add("[Content_Types].xml", CONTENT_TYPES.as_bytes())?;
    zip.add("_rels/.rels", ROOT_RELS.as_bytes())?;
    zip.add("xl/workbook.xml", workbook.as_bytes())?;
    zip.add("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes())?;
    zip.add("xl/styles.xml", STYLES.as_bytes())?;
    zip.add("xl/worksheets/sheet1.xml", sheet_xml(table).as_bytes())?;
    Ok(zip.finish())
}

/// The table as a download in `format`.
pub fn download(table: &Table, format: Format) -> Response {
    let (body, content_type) = match format {
        Format::Csv => (csv(table), "text/csv; charset=utf-8"),
        Format::Xlsx => match xlsx(table) {
            Ok(bytes) => (bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            Err(_) => return crate::error::AppError::TooLarge.into_response(),
        },
    };
    let disposition = format!("attachment; filename=\"nongsan-{}.{}\"", table.stem, format.ext());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            stem: "test",
            title: "Doanh số theo kênh: thử?".into(),
            headers: vec!["Kênh".into(), "Số lượng (kg)".into(), "Thành tiền (đồng)".into()],
            rows: vec![
                vec![Cell::text("Bán trực tiếp, tại vườn"), Cell::Kg(1250.5), Cell::Money(118_797_500)],
                vec![Cell::text("=cmd \"x\""), Cell::Kg(2.0), Cell::Money(-5)],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_and_defused_formulas() {
        let text = String::from_utf8(csv(&table())).unwrap();
        assert!(text.starts_with("\u{feff}Kênh,Số lượng (kg),Thành tiền (đồng)\r\n"));
        assert!(text.contains("\"Bán trực tiếp, tại vườn\",1250.5,118797500\r\n"));
        assert!(text.contains("\"'=cmd \"\"x\"\"\",2,-5\r\n"));
    }

    #[test]
    fn columns_and_sheet_names_follow_the_format() {
        assert_eq!(column(0), "A");
        assert_eq!(column(25), "Z");
        assert_eq!(column(26), "AA");
        assert_eq!(column(27), "AB");
        assert_eq!(sheet_name("Doanh số theo kênh: thử?"), "Doanh số theo kênh thử");
        assert_eq!(Format::split("ledger.xlsx"), Some(("ledger", Format::Xlsx)));
        assert_eq!(Format::split("ledger.pdf"), None);
    }

    #[test]
    fn xlsx_is_a_zip_with_the_sheet() {
        let bytes = xlsx(&table()).unwrap();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("<t xml:space=\"preserve\">Bán trực tiếp, tại vườn</t>"));
        assert!(text.contains("&quot;x&quot;"));
    }
}
