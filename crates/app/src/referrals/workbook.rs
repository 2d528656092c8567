//! Reading an uploaded Excel workbook without trusting it: the zip is measured before
//! anything is unpacked (entries, declared and actual inflated sizes), then the first
//! sheet is read cell by cell, never sized from its outer cells or declared dimension.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader};

use super::{FileProblem, MAX_IMPORT_ROWS, Table};

/// Columns an import reads (A to Z); the file has at most nine meaningful ones.
pub const MAX_IMPORT_COLUMNS: usize = 26;
/// Rows a sheet may span: the header and [`MAX_IMPORT_ROWS`] rows.
pub const MAX_SHEET_ROWS: usize = MAX_IMPORT_ROWS + 1;
/// The longest cell read, in bytes (a motivation is 2,000 characters at most).
pub const MAX_CELL_BYTES: usize = 10_000;
/// Entries in a workbook's zip (Excel writes about a dozen).
pub const MAX_WORKBOOK_PARTS: usize = 500;
/// One entry unpacked, and all of them together, in MiB.
pub const MAX_PART_MIB: u64 = 32;
pub const MAX_WORKBOOK_MIB: u64 = 64;
/// The text of the cells kept, in MiB (shared strings can repeat one long text).
pub const MAX_TABLE_MIB: usize = 16;

const MIB: u64 = 1024 * 1024;

/// Checks the zip before any reader unpacks it: the number of entries, each entry's
/// declared size, and the bytes it really inflates to (a declared size can lie).
fn check_archive(bytes: &[u8]) -> Result<(), FileProblem> {
    let mut zip = zip4::ZipArchive::new(Cursor::new(bytes)).map_err(|_| FileProblem::Workbook)?;
    if zip.len() > MAX_WORKBOOK_PARTS {
        return Err(FileProblem::WorkbookParts { parts: zip.len() });
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|_| FileProblem::Workbook)?;
        let part: String = entry.name().chars().take(80).collect();
        let inflated = |limit_mib: u64| FileProblem::Inflated {
            part: part.clone(),
            limit_mib,
        };
        if entry.size() > MAX_PART_MIB * MIB {
            return Err(inflated(MAX_PART_MIB));
        }
        total = total.saturating_add(entry.size());
        if total > MAX_WORKBOOK_MIB * MIB {
            return Err(inflated(MAX_WORKBOOK_MIB));
        }
        let read = std::io::copy(
            &mut (&mut entry).take(MAX_PART_MIB * MIB + 1),
            &mut std::io::sink(),
        )
        .map_err(|_| FileProblem::Workbook)?;
        if read > MAX_PART_MIB * MIB {
            return Err(inflated(MAX_PART_MIB));
        }
        // The declared sizes were summed above; a smaller one than the truth counts here.
        total = total.saturating_add(read.saturating_sub(entry.size()));
        if total > MAX_WORKBOOK_MIB * MIB {
            return Err(inflated(MAX_WORKBOOK_MIB));
        }
    }
    Ok(())
}

/// Days from Excel's day zero (1899-12-30) to a calendar date, as YYYY-MM-DD.
fn excel_date(serial: f64) -> String {
    let zero = time::Date::from_calendar_date(1899, time::Month::December, 30);
    match zero
        .ok()
        .and_then(|z| z.checked_add(time::Duration::days(serial.floor() as i64)))
    {
        Some(d) => format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        None => serial.to_string(),
    }
}

fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::String(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => excel_date(d.as_f64()),
        DataRef::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// A cell's name as Excel shows it (0-based row and column): `XFD1048576`.
pub fn cell_name(row: u32, column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(column) + 1;
    while n > 0 {
        let rest = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rest).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

fn beyond_limits(row: u32, column: u32) -> bool {
    usize::try_from(row).map_or(true, |r| r >= MAX_SHEET_ROWS)
        || usize::try_from(column).map_or(true, |c| c >= MAX_IMPORT_COLUMNS)
}

/// The first sheet as a header and records, each record with its row number in the sheet.
pub(super) fn workbook_table(bytes: &[u8]) -> Result<Table, FileProblem> {
    check_archive(bytes)?;
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| FileProblem::Workbook)?;
    let Some(sheet) = book.sheet_names().into_iter().next() else {
        return Err(FileProblem::Empty);
    };
    let mut cells = book
        .worksheet_cells_reader(&sheet)
        .map_err(|_| FileProblem::Workbook)?;
    let declared = cells.dimensions();
    let too_large = |(row, column): (u32, u32)| FileProblem::SheetTooLarge {
        sheet: sheet.chars().take(40).collect(),
        cell: cell_name(row, column),
    };
    // Rows kept, by row number; cells by column, within the limits only.
    let mut grid: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut far: Option<(u32, u32)> = None;
    let mut rows_with_text = 0usize;
    let mut last_row_with_text = None;
    let mut kept_bytes = 0usize;
    while let Some(cell) = cells.next_cell().map_err(|_| FileProblem::Workbook)? {
        let (row, column) = cell.get_position();
        if beyond_limits(row, column) {
            // Read on (the sheet is bounded by now) to tell a long sheet from a stray cell.
            far.get_or_insert((row, column));
            if !matches!(cell.get_value(), DataRef::Empty) && last_row_with_text != Some(row) {
                last_row_with_text = Some(row);
                rows_with_text += 1;
            }
            continue;
        }
        let text = cell_text(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        if last_row_with_text != Some(row) {
            last_row_with_text = Some(row);
            rows_with_text += 1;
        }
        if text.len() > MAX_CELL_BYTES {
            return Err(FileProblem::CellTooLong {
                line: u64::from(row) + 1,
            });
        }
        kept_bytes += text.len();
        if kept_bytes > MAX_TABLE_MIB * 1024 * 1024 {
            return Err(FileProblem::Inflated {
                part: sheet.chars().take(40).collect(),
                limit_mib: MAX_TABLE_MIB as u64,
            });
        }
        let cells = grid.entry(row).or_default();
        let at = usize::try_from(column).unwrap_or(MAX_IMPORT_COLUMNS);
        if cells.len() <= at {
            cells.resize(at + 1, String::new());
        }
        cells[at] = text;
    }
    drop(cells);
    if rows_with_text.saturating_sub(1) > MAX_IMPORT_ROWS {
        return Err(FileProblem::TooManyRows {
            rows: rows_with_text - 1,
        });
    }
    if let Some(position) = far {
        return Err(too_large(position));
    }
    if beyond_limits(declared.end.0, declared.end.1) {
        return Err(too_large(declared.end));
    }
    table_of(grid)
}

/// The table starts at its first row and leftmost column with text, as in a CSV.
fn table_of(grid: BTreeMap<u32, Vec<String>>) -> Result<Table, FileProblem> {
    let first_column = grid
        .values()
        .filter_map(|cells| cells.iter().position(|c| !c.is_empty()))
        .min()
        .unwrap_or(0);
    let mut rows = grid.into_iter();
    let Some((_, mut header)) = rows.next() else {
        return Err(FileProblem::Empty);
    };
    header.drain(..first_column.min(header.len()));
    // Trailing empty header cells are formatting, not columns.
    while header.last().is_some_and(|h| h.trim().is_empty()) {
        header.pop();
    }
    let width = header.len();
    let records = rows
        .map(|(row, mut cells)| {
            cells.drain(..first_column.min(cells.len()));
            if cells.len() < width {
                cells.resize(width, String::new());
            }
            while cells.len() > width && cells.last().is_some_and(|c| c.trim().is_empty()) {
                cells.pop();
            }
            (u64::from(row) + 1, cells)
        })
        .collect();
    Ok((header, records))
}

#[cfg(test)]
#[path = "../../tests/support/hostile_workbooks.rs"]
mod hostile_workbooks;

#[cfg(test)]
mod tests {
    use super::super::{MAX_IMPORT_BYTES, parse_import};
    use super::hostile_workbooks as hostile;
    use super::*;

    fn refusal(bytes: &[u8]) -> FileProblem {
        match parse_import(bytes) {
            Ok((rows, _)) => panic!("read {} rows", rows.len()),
            Err(problem) => problem,
        }
    }

    fn sheet_too_large(cell: &str) -> FileProblem {
        FileProblem::SheetTooLarge {
            sheet: "Orientations".into(),
            cell: cell.into(),
        }
    }

    fn inflated(part: &str, limit_mib: u64) -> FileProblem {
        FileProblem::Inflated {
            part: part.into(),
            limit_mib,
        }
    }

    #[test]
    fn a_far_cell_is_refused_without_sizing_the_sheet() {
        assert_eq!(refusal(&hostile::far_cell()), sheet_too_large("XFD1048576"));
    }

    #[test]
    fn every_hostile_workbook_is_refused_with_its_reason() {
        let expected = [
            ("far-cell.xlsx", sheet_too_large("XFD1048576")),
            ("lying-dimension.xlsx", sheet_too_large("XFD1048576")),
            (
                "too-many-rows.xlsx",
                FileProblem::TooManyRows { rows: 6_000 },
            ),
            ("too-many-columns.xlsx", sheet_too_large("AA1")),
            (
                "huge-shared-strings.xlsx",
                inflated("xl/sharedStrings.xml", MAX_PART_MIB),
            ),
            (
                "shared-string-amplified.xlsx",
                inflated("Orientations", MAX_TABLE_MIB as u64),
            ),
            (
                "deflate-bomb.xlsx",
                inflated("xl/media/image1.png", MAX_PART_MIB),
            ),
            (
                "lying-deflate-bomb.xlsx",
                inflated("xl/media/image1.png", MAX_PART_MIB),
            ),
            (
                "many-entries.xlsx",
                FileProblem::WorkbookParts { parts: 2_005 },
            ),
            ("truncated.xlsx", FileProblem::Workbook),
            ("garbage.xlsx", FileProblem::Workbook),
        ];
        let files = hostile::all_hostile();
        assert_eq!(files.len(), expected.len());
        for ((name, bytes), (expected_name, problem)) in files.iter().zip(expected) {
            assert_eq!(*name, expected_name);
            assert!(bytes.len() < 300 * 1024, "{name} is {} bytes", bytes.len());
            assert_eq!(refusal(bytes), problem, "{name}");
        }
    }

    #[test]
    fn a_workbook_within_the_limits_is_read() {
        let (rows, encoding) = parse_import(&hostile::normal(3)).unwrap();
        assert_eq!(encoding, "xlsx");
        assert_eq!(rows.len(), 3);
        assert_eq!((rows[2].first_name.as_str(), rows[2].line), ("LéaC", 4));
        let (rows, _) = parse_import(&hostile::normal(MAX_IMPORT_ROWS)).unwrap();
        assert_eq!(rows.len(), MAX_IMPORT_ROWS);
        // A table away from A1, with blank cells at the end of a row, is read as a CSV.
        let cells: Vec<(String, String)> = [
            ("C3", "prenom"),
            ("D3", "nom"),
            ("E3", "date_naissance"),
            ("F3", "email"),
            ("C4", "Zoé"),
            ("D4", "Petit"),
            ("E4", "1988-11-30"),
        ]
        .iter()
        .map(|(r, v)| ((*r).to_owned(), (*v).to_owned()))
        .collect();
        let book = hostile::workbook(&hostile::sheet(Some("C3:F4"), &cells), None, &[]);
        let (rows, _) = parse_import(&book).unwrap();
        assert_eq!(
            (
                rows[0].last_name.as_str(),
                rows[0].email.as_str(),
                rows[0].line
            ),
            ("Petit", "", 4)
        );
    }

    #[test]
    fn a_csv_is_bounded_in_size_columns_cells_and_rows() {
        let header = "prenom,nom,date_naissance\n";
        // One line of 100 MB, and a file just over the limit.
        let mut line = vec![b'a'; 100 * 1024 * 1024];
        line.push(b'\n');
        assert_eq!(refusal(&line), FileProblem::TooLarge);
        let over = format!(
            "{header}{}",
            "A,B,1990-01-01\n".repeat(MAX_IMPORT_BYTES / 15 + 1)
        );
        assert_eq!(refusal(over.as_bytes()), FileProblem::TooLarge);
        // A huge field, quoted or not.
        for field in [
            "x".repeat(MAX_CELL_BYTES + 1),
            format!("\"{}\"", "y\n".repeat(MAX_CELL_BYTES)),
        ] {
            let csv = format!("{header}A,B,1990-01-01\n{field},B,1990-01-01\n");
            assert_eq!(
                refusal(csv.as_bytes()),
                FileProblem::CellTooLong { line: 3 }
            );
        }
        // Thousands of columns, in the header or on a row.
        let wide = ",".repeat(4_999);
        assert_eq!(
            refusal(format!("prenom{wide}\n").as_bytes()),
            FileProblem::TooManyColumns {
                line: 1,
                found: 5_000
            }
        );
        assert_eq!(
            refusal(format!("{header}A,B,1990-01-01{wide}\n").as_bytes()),
            FileProblem::TooManyColumns {
                line: 2,
                found: 5_002
            }
        );
        // Many rows: counted past the limit, not kept.
        let many = format!("{header}{}", "A,B,1990-01-01\n".repeat(300_000));
        assert_eq!(
            refusal(many.as_bytes()),
            FileProblem::TooManyRows { rows: 300_000 }
        );
        // Blank lines are no rows.
        let blank = format!("{header}{}", "\n".repeat(3_000_000));
        assert_eq!(refusal(blank.as_bytes()), FileProblem::Empty);
    }

    /// Writes the hostile workbooks into the fuzz seeds:
    /// `cargo test -p parcours-app -- --ignored write_fuzz_seeds`.
    #[test]
    #[ignore = "writes files into fuzz/seeds"]
    fn write_fuzz_seeds() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/seeds/import_files");
        let mut files = hostile::all_hostile();
        files.push((
            "many-columns.csv",
            format!("prenom{}\n", ";".repeat(4_999)).into_bytes(),
        ));
        files.push((
            "long-cell.csv",
            format!(
                "prenom;nom;date_naissance\nA;{};1990-01-01\n",
                "x".repeat(MAX_CELL_BYTES + 1)
            )
            .into_bytes(),
        ));
        for (name, bytes) in files {
            std::fs::write(format!("{dir}/{name}"), bytes).unwrap();
        }
    }

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(0, 25), "Z1");
        assert_eq!(cell_name(9, 26), "AA10");
        assert_eq!(cell_name(1_048_575, 16_383), "XFD1048576");
        assert_eq!(cell_name(u32::MAX, u32::MAX), "MWLQKWV4294967296");
    }
}
