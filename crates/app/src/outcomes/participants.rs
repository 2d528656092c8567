//! Reading a participants file (the historical import), with no database: each row
//! checked, every problem with its line.

use super::*;

/// The header of a participants file, exactly.
pub const PARTICIPANTS_HEADER: [&str; 13] = [
    "external_id",
    "birth_year",
    "commune",
    "referrer",
    "publics",
    "entered_on",
    "status",
    "ended_on",
    "drop_reason",
    "outcome",
    "contract_type",
    "contract_months",
    "training_qualifying",
];

/// The largest participants file read, in MiB (a row is about 100 bytes).
pub const MAX_PARTICIPANTS_MIB: u64 = 32;
/// Rows of one participants file; a larger history is imported in several files.
pub const MAX_PARTICIPANT_ROWS: usize = 200_000;
/// The longest cell read, in bytes (the longest field, the referrer, is 120 characters).
pub const MAX_PARTICIPANT_CELL_BYTES: usize = 1_000;

/// A participant row as read, with its line.
pub type ParticipantRow = (u64, (ImportedParticipant, Option<String>));

/// Reads and checks a participants file (see [`PARTICIPANTS_HEADER`]) without the
/// database: the rows that are right and the problems of the others, or what is wrong
/// with the file as a whole.
pub fn read_participants(
    bytes: &[u8],
    this_year: i32,
    geo: Option<&parcours_catalog::geo::Geo>,
) -> Result<(Vec<ParticipantRow>, Vec<RowProblem>), ImportFailure> {
    if u64::try_from(bytes.len()).map_or(true, |n| n > MAX_PARTICIPANTS_MIB * 1024 * 1024) {
        return Err(ImportFailure::File(too_large_file(bytes.len() as u64)));
    }
    let text =
        std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).map_err(|e| {
            ImportFailure::File(format!(
                "the file is not UTF-8 (byte {}): save it as CSV UTF-8",
                e.valid_up_to()
            ))
        })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(ImportFailure::File(format!("line 1: {e}"))),
        None => return Err(ImportFailure::File("the file is empty".into())),
    };
    let got: Vec<&str> = header.iter().map(str::trim).collect();
    if got != PARTICIPANTS_HEADER {
        return Err(ImportFailure::File(format!(
            "line 1: the header must be exactly {}",
            PARTICIPANTS_HEADER.join(",")
        )));
    }
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut non_empty = 0usize;
    for record in records {
        let record = record.map_err(|e| ImportFailure::File(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        non_empty += 1;
        if non_empty > MAX_PARTICIPANT_ROWS {
            return Err(ImportFailure::File(format!(
                "line {line}: more than {MAX_PARTICIPANT_ROWS} participants in one file: split it"
            )));
        }
        if record.len() != PARTICIPANTS_HEADER.len() {
            problems.push(RowProblem {
                line,
                field: "row",
                message: format!(
                    "{} cells where the header has {}",
                    record.len(),
                    PARTICIPANTS_HEADER.len()
                ),
            });
            continue;
        }
        let cells: Vec<&str> = record.iter().collect();
        if let Some(i) = cells
            .iter()
            .position(|c| c.len() > MAX_PARTICIPANT_CELL_BYTES)
        {
            problems.push(RowProblem {
                line,
                field: PARTICIPANTS_HEADER[i],
                message: format!("longer than {MAX_PARTICIPANT_CELL_BYTES} characters"),
            });
            continue;
        }
        if let Some(first) = seen.get(cells[0].trim()) {
            problems.push(RowProblem {
                line,
                field: "external_id",
                message: format!("{:?} already on line {first}", cells[0].trim()),
            });
            continue;
        }
        seen.insert(cells[0].trim().to_owned(), line);
        if let Some(row) = check_row(line, &cells, this_year, geo, &mut problems) {
            rows.push((line, row));
        }
    }
    if rows.is_empty() && problems.is_empty() {
        return Err(ImportFailure::File("the file has no participant".into()));
    }
    Ok((rows, problems))
}

/// Why a participants file is refused before it is read, from its size in bytes.
pub fn too_large_file(bytes: u64) -> String {
    format!(
        "the file is {} MiB: {MAX_PARTICIPANTS_MIB} MiB at most per import, split it",
        bytes.div_ceil(1024 * 1024)
    )
}

/// A row's fields, checked; problems are pushed with the row's line.
#[allow(clippy::too_many_lines)]
fn check_row(
    line: u64,
    cells: &[&str],
    this_year: i32,
    communes: Option<&parcours_catalog::geo::Geo>,
    problems: &mut Vec<RowProblem>,
) -> Option<(ImportedParticipant, Option<String>)> {
    let before = problems.len();
    let mut bad = |field: &'static str, message: String| {
        problems.push(RowProblem {
            line,
            field,
            message,
        });
    };
    let cell = |i: usize| cells.get(i).map_or("", |c| c.trim());
    for (i, name) in PARTICIPANTS_HEADER.iter().enumerate() {
        if looks_like_formula(cell(i)) {
            bad(name, "starts like a spreadsheet formula".into());
        }
    }
    let external_id = cell(0);
    if external_id.is_empty() {
        bad("external_id", "required".into());
    } else if external_id.chars().count() > 64 {
        bad("external_id", "longer than 64 characters".into());
    }
    let birth_year = match cell(1) {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(y) if (1900..=this_year - 14).contains(&y) => Some(y),
            _ => {
                bad(
                    "birth_year",
                    format!("{raw:?} is not a year between 1900 and {}", this_year - 14),
                );
                None
            }
        },
    };
    let commune = match cell(2) {
        "" => None,
        raw => {
            let well_formed = raw.len() == 5
                && raw.chars().enumerate().all(|(i, c)| {
                    c.is_ascii_digit() || (i == 1 && raw.starts_with('2') && (c == 'A' || c == 'B'))
                });
            let known = communes.is_none_or(|g| g.commune(raw).is_some());
            if !well_formed {
                bad(
                    "commune",
                    format!("{raw:?} is not an INSEE commune code (5 characters)"),
                );
            } else if !known {
                bad(
                    "commune",
                    format!("{raw:?} is not in the reference communes"),
                );
            }
            Some(raw.to_owned())
        }
    };
    let referrer = match cell(3) {
        "" => None,
        raw if raw.chars().count() > 120 => {
            bad("referrer", "longer than 120 characters".into());
            None
        }
        raw => Some(raw.to_owned()),
    };
    let publics = parse_publics(cell(4)).unwrap_or_else(|_| {
        bad(
            "publics",
            format!(
                "{:?}: each must be one of {}",
                cell(4),
                Public::ALL
                    .iter()
                    .map(|p| p.code())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        Vec::new()
    });
    let entered = iso_date(cell(5));
    if entered.is_none() {
        bad(
            "entered_on",
            format!("{:?} is not a date (YYYY-MM-DD)", cell(5)),
        );
    }
    let status = cell(6).parse::<ParticipantStatus>().ok();
    if status.is_none() {
        bad(
            "status",
            format!("{:?} must be in_progress, finished or dropped", cell(6)),
        );
    }
    let ended = match cell(7) {
        "" => None,
        raw => {
            let d = iso_date(raw);
            if d.is_none() {
                bad("ended_on", format!("{raw:?} is not a date (YYYY-MM-DD)"));
            }
            d
        }
    };
    match (status, ended, entered) {
        (Some(ParticipantStatus::InProgress), Some(_), _) => {
            bad("ended_on", "must be empty while in progress".into());
        }
        (Some(ParticipantStatus::Finished | ParticipantStatus::Dropped), None, _)
            if cell(7).is_empty() =>
        {
            bad("ended_on", "required for finished and dropped".into());
        }
        (_, Some(end), Some(start)) if end < start => {
            bad("ended_on", "before entered_on".into());
        }
        _ => {}
    }
    let drop_reason = match cell(8) {
        "" => None,
        _ if status != Some(ParticipantStatus::Dropped) => {
            bad("drop_reason", "only for dropped participants".into());
            None
        }
        raw if raw.chars().count() > 200 => {
            bad("drop_reason", "longer than 200 characters".into());
            None
        }
        raw => Some(raw.to_owned()),
    };
    let outcome = match cell(9) {
        "" => None,
        raw => match raw.parse::<Situation>() {
            Ok(s) => Some(s),
            Err(_) => {
                bad(
                    "outcome",
                    format!(
                        "{raw:?} must be employment, training, business, job_search or validating"
                    ),
                );
                None
            }
        },
    };
    match (status, outcome, cell(9).is_empty()) {
        (Some(ParticipantStatus::Finished), None, true) => {
            bad("outcome", "required for finished participants".into());
        }
        (Some(ParticipantStatus::InProgress | ParticipantStatus::Dropped), _, false) => {
            bad("outcome", "only for finished participants".into());
        }
        _ => {}
    }
    let contract_type = match cell(10) {
        "" => {
            if outcome == Some(Situation::Employment) {
                bad(
                    "contract_type",
                    "required when the outcome is employment".into(),
                );
            }
            None
        }
        raw => match raw.parse::<ContractType>() {
            Ok(c) if outcome == Some(Situation::Employment) => Some(c),
            Ok(_) => {
                bad(
                    "contract_type",
                    "only when the outcome is employment".into(),
                );
                None
            }
            Err(_) => {
                bad(
                    "contract_type",
                    format!("{raw:?} must be cdi, cdd, temp, apprenticeship or subsidised"),
                );
                None
            }
        },
    };
    let contract_months = match cell(11) {
        "" => None,
        raw => match raw.parse::<i32>() {
            Ok(m) if (1..=120).contains(&m) && outcome == Some(Situation::Employment) => Some(m),
            Ok(m) if (1..=120).contains(&m) => {
                bad(
                    "contract_months",
                    "only when the outcome is employment".into(),
                );
                None
            }
            _ => {
                bad(
                    "contract_months",
                    format!("{raw:?} is not a number of months (1 to 120)"),
                );
                None
            }
        },
    };
    let qualifying = match cell(12).to_lowercase().as_str() {
        "" => None,
        "yes" | "oui" | "true" | "1" => Some(true),
        "no" | "non" | "false" | "0" => Some(false),
        raw => {
            bad("training_qualifying", format!("{raw:?} must be yes or no"));
            None
        }
    };
    if qualifying.is_some() && outcome != Some(Situation::Training) {
        bad(
            "training_qualifying",
            "only when the outcome is training".into(),
        );
    }
    if problems.len() > before {
        return None;
    }
    let (status, entered) = (status?, entered?);
    let exit = (status != ParticipantStatus::InProgress).then(|| OutcomeFact {
        point: "exit".into(),
        status: status.code().into(),
        situation: outcome.map(|s| s.code().to_owned()),
        contract_type: contract_type.map(|c| c.code().to_owned()),
        contract_months,
        qualifying,
        drop_reason: drop_reason.clone(),
        // A reason from the list, or `other` for any other text (or none).
        drop_reason_code: (status == ParticipantStatus::Dropped).then(|| {
            parcours_domain::outcome::DropReason::of_stored(drop_reason.as_deref())
                .code()
                .to_owned()
        }),
        source: "import".into(),
        ..OutcomeFact::default()
    });
    Some((
        ImportedParticipant {
            person_id: Uuid::now_v7(),
            enrolment_id: Uuid::now_v7(),
            external_id: external_id.to_owned(),
            birth_year,
            departement: commune.as_deref().map(|c| departement_of(c).to_owned()),
            commune_code: commune,
            referrer_id: None,
            publics_mask: parcours_domain::referral::publics_mask(&publics),
            entered_at: date_ms(entered),
            entry_quarter: quarter_of(&entered.to_string()),
            status: status.code().to_owned(),
            ended_on: ended.map(|d| d.to_string()),
            exit,
        },
        referrer,
    ))
}
