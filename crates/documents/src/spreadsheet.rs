//! Spreadsheet downloads: CSV for French Excel (`;`, a BOM, no cell that runs as a
//! formula) and XLSX workbooks (numbers as numbers, text never evaluated). The web
//! wraps the bytes in an attachment; the rules of the format live here.

use parcours_domain::referral::looks_like_formula;

#[derive(Debug, thiserror::Error)]
pub enum SpreadsheetError {
    #[error("csv: {0}")]
    Csv(#[from] csv::Error),
    #[error("csv: {0}")]
    CsvFlush(String),
    #[error("xlsx: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// A cell a spreadsheet would run as a formula is written as text (a leading quote).
pub fn spreadsheet_safe(cell: &str) -> String {
    if looks_like_formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A `;`-separated file with a BOM, so that French Excel opens it as it is; every
/// cell (not the header) is made safe from formula evaluation.
pub fn csv(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, SpreadsheetError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row.iter().map(|c| spreadsheet_safe(c)))?;
    }
    let mut body = "\u{feff}".as_bytes().to_vec();
    body.extend(
        writer
            .into_inner()
            .map_err(|e| SpreadsheetError::CsvFlush(e.to_string()))?,
    );
    Ok(body)
}

/// One worksheet: the header, then the lines; cells from column `first_number_col`
/// on that read as numbers are written as numbers, everything else as text.
pub fn xlsx(
    header: &[&str],
    lines: &[Vec<String>],
    first_number_col: u16,
) -> Result<Vec<u8>, SpreadsheetError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, title) in (0_u16..).zip(header) {
        sheet.write_string_only(0, col, title)?;
    }
    for (row, line) in (1_u32..).zip(lines) {
        for (col, cell) in (0_u16..).zip(line) {
            match cell.parse::<f64>() {
                Ok(n) if col >= first_number_col => sheet.write_number_only(row, col, n)?,
                _ => sheet.write_string_only(row, col, cell)?,
            };
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-2+3"), "'-2+3");
        assert_eq!(spreadsheet_safe("Gaël Lévy"), "Gaël Lévy");
        assert_eq!(spreadsheet_safe("2026-11-23"), "2026-11-23");
    }

    #[test]
    fn csv_has_a_bom_semicolons_and_safe_cells() {
        let body = csv(
            &["a", "b"],
            [vec!["=1+1".to_owned(), "x;y".to_owned()]].into_iter(),
        )
        .unwrap();
        let text = String::from_utf8(body).unwrap();
        assert_eq!(text, "\u{feff}a;b\n'=1+1;\"x;y\"\n");
    }

    #[test]
    fn xlsx_is_a_zip() {
        let body = xlsx(&["k", "n"], &[vec!["a".to_owned(), "3".to_owned()]], 1).unwrap();
        assert!(body.starts_with(b"PK"));
    }
}
