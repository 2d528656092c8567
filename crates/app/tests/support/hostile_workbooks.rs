//! Workbooks built to exhaust an importer, each small on disk: a far cell, a lying
//! dimension, too many rows or columns, a huge shared-strings part, deflate bombs
//! (honest and lying about their size), thousands of zip entries, a truncated zip.
//! Shared by the app's unit tests, the integration tests and the fuzz seeds.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;

/// The header every variant starts with, then one good row.
const HEADER: [&str; 3] = ["prenom", "nom", "date_naissance"];
const ROW: [&str; 3] = ["Léa", "Martin", "1990-05-01"];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn row_of(cell: &str) -> u64 {
    cell.trim_start_matches(|c: char| c.is_ascii_uppercase())
        .parse()
        .unwrap_or(1)
}

/// A cell as `(reference, value)`: text inline, or `s:N` for shared string N.
fn cell_xml(reference: &str, value: &str) -> String {
    match value.strip_prefix("s:") {
        Some(index) => format!(r#"<c r="{reference}" t="s"><v>{index}</v></c>"#),
        None => format!(
            r#"<c r="{reference}" t="inlineStr"><is><t>{}</t></is></c>"#,
            escape(value)
        ),
    }
}

/// A worksheet's XML: an optional `<dimension>`, then the cells grouped by row.
pub fn sheet(dimension: Option<&str>, cells: &[(String, String)]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    if let Some(d) = dimension {
        xml.push_str(&format!(r#"<dimension ref="{d}"/>"#));
    }
    xml.push_str("<sheetData>");
    let mut current = None;
    for (reference, value) in cells {
        let row = row_of(reference);
        if current != Some(row) {
            if current.is_some() {
                xml.push_str("</row>");
            }
            xml.push_str(&format!(r#"<row r="{row}">"#));
            current = Some(row);
        }
        xml.push_str(&cell_xml(reference, value));
    }
    if current.is_some() {
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

fn letters(column: usize) -> String {
    let mut n = column + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(char::from(b'A' + ((n - 1) % 26) as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// Rows of text from row 1, as `(reference, value)` cells.
pub fn cells(rows: &[Vec<String>]) -> Vec<(String, String)> {
    rows.iter()
        .enumerate()
        .flat_map(|(r, row)| {
            row.iter()
                .enumerate()
                .map(move |(c, v)| (format!("{}{}", letters(c), r + 1), v.clone()))
        })
        .collect()
}

fn owned(row: &[&str]) -> Vec<String> {
    row.iter().map(|s| (*s).to_owned()).collect()
}

/// The header and one good row.
fn good_rows() -> Vec<Vec<String>> {
    vec![owned(&HEADER), owned(&ROW)]
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Orientations" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A workbook's zip: the usual parts, the sheet, shared strings when given, then
/// `extra` entries as `(name, bytes)` written in chunks (a large one compresses well).
pub fn workbook(sheet_xml: &str, shared: Option<&str>, extra: &[(&str, &[u8], usize)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, chunk: &[u8], times: usize| {
        zip.start_file(name, deflated).unwrap();
        for _ in 0..times {
            zip.write_all(chunk).unwrap();
        }
    };
    part("[Content_Types].xml", CONTENT_TYPES.as_bytes(), 1);
    part("_rels/.rels", ROOT_RELS.as_bytes(), 1);
    part("xl/workbook.xml", WORKBOOK.as_bytes(), 1);
    part("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes(), 1);
    part("xl/worksheets/sheet1.xml", sheet_xml.as_bytes(), 1);
    if let Some(s) = shared {
        part("xl/sharedStrings.xml", s.as_bytes(), 1);
    }
    for (name, chunk, times) in extra {
        part(name, chunk, *times);
    }
    zip.finish().unwrap().into_inner()
}

/// A normal workbook: the header and `rows` good rows (distinct people, each with an email).
pub fn normal(rows: usize) -> Vec<u8> {
    let mut table = vec![owned(&["prenom", "nom", "date_naissance", "email"])];
    for i in 0..rows {
        table.push(vec![
            format!("Léa{}", letters(i)),
            "Martin".into(),
            "1990-05-01".into(),
            format!("lea{i}@example.org"),
        ]);
    }
    let dimension = format!("A1:D{}", rows + 1);
    workbook(&sheet(Some(&dimension), &cells(&table)), None, &[])
}

/// The attack: A1:C1 (and one good row) plus one cell at XFD1048576.
pub fn far_cell() -> Vec<u8> {
    let mut all = cells(&good_rows());
    all.push(("XFD1048576".into(), "x".into()));
    workbook(&sheet(Some("A1:XFD1048576"), &all), None, &[])
}

/// Honest cells, a dimension claiming the whole sheet.
pub fn lying_dimension() -> Vec<u8> {
    workbook(
        &sheet(Some("A1:XFD1048576"), &cells(&good_rows())),
        None,
        &[],
    )
}

/// The header and 6,000 good rows.
pub fn too_many_rows() -> Vec<u8> {
    let mut table = vec![owned(&HEADER)];
    table.extend((0..6_000).map(|_| owned(&ROW)));
    workbook(&sheet(None, &cells(&table)), None, &[])
}

/// A header of 40 columns.
pub fn too_many_columns() -> Vec<u8> {
    let mut header = owned(&HEADER);
    header.extend((0..37).map(|i| format!("colonne{i}")));
    workbook(&sheet(None, &cells(&[header])), None, &[])
}

/// A shared-strings part of 40 MiB of one-character strings (honestly declared).
pub fn huge_shared_strings() -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
    );
    xml.push_str(&"<si><t>a</t></si>".repeat(40 * 1024 * 1024 / 17));
    xml.push_str("</sst>");
    workbook(&sheet(None, &cells(&good_rows())), Some(&xml), &[])
}

/// One shared string of 9,000 characters in every cell of 5,000 rows × 3 columns:
/// a small sheet whose cells expand to 135 MB of text.
pub fn shared_string_amplified() -> Vec<u8> {
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{}</t></si></sst>"#,
        "x".repeat(9_000)
    );
    let mut table = vec![owned(&HEADER)];
    table.extend((0..5_000).map(|_| vec!["s:0".to_owned(); 3]));
    workbook(&sheet(None, &cells(&table)), Some(&shared), &[])
}

/// A normal workbook carrying a 48 MiB entry of zeros (declared as such).
pub fn deflate_bomb() -> Vec<u8> {
    let zeros = vec![0u8; 1024 * 1024];
    workbook(
        &sheet(None, &cells(&good_rows())),
        None,
        &[("xl/media/image1.png", &zeros, 48)],
    )
}

/// The same bomb declaring 1 KiB in both its local header and the central directory.
pub fn lying_deflate_bomb() -> Vec<u8> {
    let mut zip = deflate_bomb();
    lie_about_size(&mut zip, b"xl/media/image1.png", 1024);
    zip
}

/// Rewrites an entry's uncompressed size in its local header and central directory.
pub fn lie_about_size(zip: &mut [u8], name: &[u8], declared: u32) {
    let size = declared.to_le_bytes();
    let mut i = 0;
    while i + 46 <= zip.len() {
        let local = zip[i..i + 4] == *b"PK\x03\x04";
        let central = zip[i..i + 4] == *b"PK\x01\x02";
        let (name_at, size_at) = if local { (30, 22) } else { (46, 24) };
        if local || central {
            let len = if local {
                u16::from_le_bytes([zip[i + 26], zip[i + 27]]) as usize
            } else {
                u16::from_le_bytes([zip[i + 28], zip[i + 29]]) as usize
            };
            if zip.get(i + name_at..i + name_at + len) == Some(name) {
                zip[i + size_at..i + size_at + 4].copy_from_slice(&size);
            }
        }
        i += 1;
    }
}

/// A normal workbook with 2,000 more (empty) entries.
pub fn many_entries() -> Vec<u8> {
    let names: Vec<String> = (0..2_000).map(|i| format!("x/{i}")).collect();
    let extra: Vec<(&str, &[u8], usize)> =
        names.iter().map(|n| (n.as_str(), &b""[..], 0)).collect();
    workbook(&sheet(None, &cells(&good_rows())), None, &extra)
}

/// A normal workbook cut in half.
pub fn truncated() -> Vec<u8> {
    let mut zip = normal(3);
    zip.truncate(zip.len() / 2);
    zip
}

/// A zip signature, then noise.
pub fn garbage() -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    let mut x = 0x2545_f491_u32;
    for _ in 0..4_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        bytes.push(x.to_le_bytes()[0]);
    }
    bytes
}

/// Every hostile variant by name (the fuzz seeds' file names).
pub fn all_hostile() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("far-cell.xlsx", far_cell()),
        ("lying-dimension.xlsx", lying_dimension()),
        ("too-many-rows.xlsx", too_many_rows()),
        ("too-many-columns.xlsx", too_many_columns()),
        ("huge-shared-strings.xlsx", huge_shared_strings()),
        ("shared-string-amplified.xlsx", shared_string_amplified()),
        ("deflate-bomb.xlsx", deflate_bomb()),
        ("lying-deflate-bomb.xlsx", lying_deflate_bomb()),
        ("many-entries.xlsx", many_entries()),
        ("truncated.xlsx", truncated()),
        ("garbage.xlsx", garbage()),
    ]
}
