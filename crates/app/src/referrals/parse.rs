//! Reading an uploaded referrals file, with no database: a CSV (any usual encoding
//! and separator) or an Excel workbook becomes rows, each checked for its fields and
//! for the same person twice.

use super::*;

/// What a file-level problem of an import is; the web layer words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    Empty,
    NotText,
    Utf16,
    Workbook,
    /// Over [`MAX_IMPORT_BYTES`].
    TooLarge,
    TooManyRows {
        rows: usize,
    },
    /// A line with more cells than an import reads ([`MAX_IMPORT_COLUMNS`]).
    TooManyColumns {
        line: u64,
        found: usize,
    },
    /// A cell over [`MAX_CELL_BYTES`].
    CellTooLong {
        line: u64,
    },
    /// A sheet reaching past the import's rows or columns (a cell, or its declared size).
    SheetTooLarge {
        sheet: String,
        cell: String,
    },
    /// A workbook made of more zip entries than a workbook has.
    WorkbookParts {
        parts: usize,
    },
    /// A workbook part (or the cells read) unpacking past a bound, in MiB.
    Inflated {
        part: String,
        limit_mib: u64,
    },
    MissingColumn {
        column: &'static str,
    },
    UnknownColumn {
        column: String,
    },
    /// A line whose number of cells differs from the header's.
    Ragged {
        line: u64,
        found: usize,
        expected: usize,
    },
}

/// One row of an import while it is being corrected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub email: String,
    pub phone: String,
    pub commune_code: String,
    pub publics: String,
    pub motivation: String,
    /// The advisor following the person, when they have no account (optional).
    #[serde(default)]
    pub advisor_email: String,
    /// Left out by the referrer (a duplicate, someone who changed their mind).
    pub skip: bool,
}

impl ImportRow {
    pub fn input(&self) -> ReferralInput {
        ReferralInput {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            birth_date: self.birth_date.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            commune_code: self.commune_code.clone(),
            publics: self.publics.clone(),
            motivation: self.motivation.clone(),
            advisor_email: self.advisor_email.clone(),
            // The referrer attested consent for the whole file when uploading it.
            consent: true,
        }
    }
}

/// A row with what is wrong with it.
#[derive(Debug, Clone)]
pub struct CheckedRow {
    pub row: ImportRow,
    pub problems: Vec<ReferralProblem>,
}

/// How a header cell names a column: French or English, accents and case ignored.
fn column_of(header: &str) -> Option<&'static str> {
    let folded: String = header
        .trim()
        .trim_start_matches('\u{feff}')
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'é' | 'è' | 'ê' => 'e',
            'à' => 'a',
            ' ' | '-' => '_',
            c => c,
        })
        .collect();
    Some(match folded.as_str() {
        "prenom" | "first_name" => "first_name",
        "nom" | "last_name" => "last_name",
        "date_naissance" | "date_de_naissance" | "birth_date" => "birth_date",
        "email" | "courriel" | "mail" => "email",
        "telephone" | "tel" | "phone" => "phone",
        "commune" | "code_commune" | "commune_code" => "commune_code",
        "publics" | "public" => "publics",
        "motivation" | "commentaire" => "motivation",
        "email_conseiller" | "conseiller" | "courriel_conseiller" | "advisor_email" => {
            "advisor_email"
        }
        _ => return None,
    })
}

/// Windows-1252, what French Excel writes by default: 0x80–0x9F are typographic signs,
/// the rest Latin-1.
fn windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[usize::from(b - 0x80)],
            b => char::from(b),
        })
        .collect()
}

/// A header and its records, each with its line in the file.
pub(super) type Table = (Vec<String>, Vec<(u64, Vec<String>)>);

/// Reads an uploaded file into rows, or says what is wrong with the file as a whole:
/// a CSV (UTF-8 or Windows-1252, `;`, `,` or tab) or an Excel workbook (.xlsx, first sheet).
pub fn parse_import(bytes: &[u8]) -> Result<(Vec<ImportRow>, &'static str), FileProblem> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(FileProblem::TooLarge);
    }
    let (table, encoding) = if bytes.starts_with(b"PK\x03\x04") {
        (workbook::workbook_table(bytes)?, "xlsx")
    } else {
        csv_table(bytes)?
    };
    Ok((rows_of(table)?, encoding))
}

fn csv_table(bytes: &[u8]) -> Result<(Table, &'static str), FileProblem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileProblem::Utf16);
    }
    if bytes.contains(&0) {
        return Err(FileProblem::NotText);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, encoding) = match std::str::from_utf8(body) {
        Ok(t) => (t.to_owned(), "utf-8"),
        Err(_) => (windows_1252(body), "windows-1252"),
    };
    // One line ending, so that line numbers in messages match what an editor shows.
    let text = text.replace("\r\n", "\n");
    let first_line = text.lines().next().unwrap_or("");
    if first_line.trim().is_empty() {
        return Err(FileProblem::Empty);
    }
    let delimiter = [b';', b',', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b';');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|_| FileProblem::NotText)?;
    bounded_record(1, header)?;
    let header: Vec<String> = header.iter().map(str::to_owned).collect();
    // Rows past the limit are counted, not kept.
    let mut records = Vec::new();
    let mut non_empty = 0usize;
    for record in reader.records() {
        let record = record.map_err(|_| FileProblem::NotText)?;
        let line = record.position().map_or(0, |p| p.line());
        bounded_record(line, &record)?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        non_empty += 1;
        if non_empty <= MAX_IMPORT_ROWS {
            records.push((line, record.iter().map(str::to_owned).collect()));
        }
    }
    if non_empty > MAX_IMPORT_ROWS {
        return Err(FileProblem::TooManyRows { rows: non_empty });
    }
    Ok(((header, records), encoding))
}

/// A CSV line within the columns and cell length an import reads.
fn bounded_record(line: u64, cells: &csv::StringRecord) -> Result<(), FileProblem> {
    if cells.len() > MAX_IMPORT_COLUMNS {
        return Err(FileProblem::TooManyColumns {
            line,
            found: cells.len(),
        });
    }
    for cell in cells {
        if cell.len() > MAX_CELL_BYTES {
            return Err(FileProblem::CellTooLong { line });
        }
    }
    Ok(())
}

/// Maps the header to our columns and the records to rows; any unreadable shape is a
/// problem of the whole file.
fn rows_of((header, records): Table) -> Result<Vec<ImportRow>, FileProblem> {
    if header.iter().all(|h| h.trim().is_empty()) {
        return Err(FileProblem::Empty);
    }
    let mut columns = Vec::new();
    for h in &header {
        match column_of(h) {
            Some(c) => columns.push(c),
            None => {
                return Err(FileProblem::UnknownColumn {
                    column: h.chars().take(40).collect(),
                });
            }
        }
    }
    for required in ["first_name", "last_name", "birth_date"] {
        if !columns.contains(&required) {
            return Err(FileProblem::MissingColumn { column: required });
        }
    }
    let mut rows = Vec::new();
    let mut non_empty = 0usize;
    for (line, record) in records {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        non_empty += 1;
        if record.len() != columns.len() {
            return Err(FileProblem::Ragged {
                line,
                found: record.len(),
                expected: columns.len(),
            });
        }
        if non_empty > MAX_IMPORT_ROWS {
            continue;
        }
        let mut row = ImportRow {
            line,
            ..ImportRow::default()
        };
        for (column, cell) in columns.iter().zip(record) {
            match *column {
                "first_name" => row.first_name = cell,
                "last_name" => row.last_name = cell,
                "birth_date" => row.birth_date = cell,
                "email" => row.email = cell,
                // A spreadsheet keeps 0612345678 as the number 612345678.
                "phone" if cell.len() == 9 && cell.chars().all(|c| c.is_ascii_digit()) => {
                    row.phone = format!("0{cell}");
                }
                "phone" => row.phone = cell,
                "commune_code" => row.commune_code = cell,
                "publics" => row.publics = cell,
                "advisor_email" => row.advisor_email = cell,
                _ => row.motivation = cell,
            }
        }
        rows.push(row);
    }
    if non_empty > MAX_IMPORT_ROWS {
        return Err(FileProblem::TooManyRows { rows: non_empty });
    }
    if rows.is_empty() {
        return Err(FileProblem::Empty);
    }
    Ok(rows)
}

/// Checks every row: its fields, then whether the same person is already referred to
/// the programme or appears earlier in the file.
pub(super) fn check_rows(
    rows: &[ImportRow],
    standing: &HashSet<String>,
    year: i32,
) -> Vec<CheckedRow> {
    let mut seen: HashSet<String> = HashSet::new();
    rows.iter()
        .map(|row| {
            let mut problems = Vec::new();
            if !row.skip {
                match row.input().check(year) {
                    Ok(candidate) => {
                        let keys = candidate.identity_keys();
                        if keys.iter().any(|k| standing.contains(k)) {
                            problems.push(ReferralProblem {
                                field: "identity",
                                code: "already_referred",
                            });
                        } else if keys.iter().any(|k| seen.contains(k)) {
                            problems.push(ReferralProblem {
                                field: "identity",
                                code: "twice_in_file",
                            });
                        }
                        seen.extend(keys);
                    }
                    Err(p) => problems = p,
                }
            }
            CheckedRow {
                row: row.clone(),
                problems,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_french_excel_file_is_read() {
        let mut bytes = b"Pr\xe9nom;Nom;Date de naissance;T\xe9l\xe9phone;Commune\r\n".to_vec();
        bytes.extend_from_slice(b"Ga\xebl;L\xe9vy;08/02/1994;06 12 34 56 78;76540\r\n");
        let (rows, encoding) = parse_import(&bytes).unwrap();
        assert_eq!(encoding, "windows-1252");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].first_name.as_str(), rows[0].last_name.as_str()),
            ("Gaël", "Lévy")
        );
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn unreadable_files_are_refused_whole() {
        assert_eq!(parse_import(b""), Err(FileProblem::Empty));
        assert_eq!(parse_import(b"PK\x03\x04rest"), Err(FileProblem::Workbook));
        let workbook = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/referrals.xlsx"
        ))
        .unwrap();
        let (rows, encoding) = parse_import(&workbook).unwrap();
        assert_eq!(encoding, "xlsx");
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].first_name.as_str(), rows[0].birth_date.as_str()),
            ("Gaël", "1994-02-08")
        );
        assert_eq!(rows[1].phone, "0612345678");
        assert_eq!(rows[1].line, 3);
        assert_eq!(parse_import(b"\xff\xfep\0r\0"), Err(FileProblem::Utf16));
        assert_eq!(
            parse_import(b"prenom,nom\nA,B\n"),
            Err(FileProblem::MissingColumn {
                column: "birth_date"
            })
        );
        assert_eq!(
            parse_import(b"prenom,nom,date_naissance,shoe_size\n"),
            Err(FileProblem::UnknownColumn {
                column: "shoe_size".into()
            })
        );
        assert_eq!(
            parse_import(b"prenom,nom,date_naissance\nA,B\n"),
            Err(FileProblem::Ragged {
                line: 2,
                found: 2,
                expected: 3
            })
        );
        let mut big = b"prenom,nom,date_naissance\n".to_vec();
        for _ in 0..50_000 {
            big.extend_from_slice(b"A,B,1990-01-01\n");
        }
        assert_eq!(
            parse_import(&big),
            Err(FileProblem::TooManyRows { rows: 50_000 })
        );
    }

    #[test]
    fn duplicates_are_found_in_the_file_and_against_the_programme() {
        let row = |line, first: &str, email: &str| ImportRow {
            line,
            first_name: first.into(),
            last_name: "Martin".into(),
            birth_date: "1990-05-01".into(),
            email: email.into(),
            ..ImportRow::default()
        };
        let rows = vec![
            row(2, "Léa", "lea@example.org"),
            row(3, "Lea", "LEA@example.org"),
            row(4, "Zoé", "zoe@example.org"),
        ];
        let standing: HashSet<String> =
            check_rows(&[row(9, "Zoé", "zoe@example.org")], &HashSet::new(), 2026)
                .iter()
                .flat_map(|c| {
                    c.row
                        .input()
                        .check(2026)
                        .map(|c| c.identity_keys())
                        .unwrap_or_default()
                })
                .collect();
        let checked = check_rows(&rows, &standing, 2026);
        let codes: Vec<Vec<&str>> = checked
            .iter()
            .map(|c| c.problems.iter().map(|p| p.code).collect())
            .collect();
        assert_eq!(
            codes,
            vec![vec![], vec!["twice_in_file"], vec!["already_referred"]]
        );
        let mut skipped = rows.clone();
        skipped[1].skip = true;
        assert!(
            check_rows(&skipped, &HashSet::new(), 2026)[1]
                .problems
                .is_empty()
        );
    }
}
