//! Outcomes: the historical import of participants from a spreadsheet, the outcomes
//! report (CLI and dashboard), the exit and follow-up facts coaches record, and the
//! generator of large programmes for benchmarks.

use std::collections::{BTreeMap, HashMap, HashSet};

use parcours_db::repo::outcomes::{self, ImportedParticipant, OutcomeFact};
use parcours_db::repo::{accounts, programmes};
use parcours_db::{TenantScope, TransactionTrait};
use parcours_domain::OrgKind;
use parcours_domain::outcome::{
    LabelRule, OutcomesReport, ParticipantStatus, ReportModel, Situation, quarter_of, rule_guard,
};
use parcours_domain::placement::ContractType;
use parcours_domain::referral::{Public, departement_of, looks_like_formula, parse_publics};
use uuid::Uuid;

use crate::unit_of_work::{Audit, Bookkeeping};
use crate::{App, AppError};

pub use parcours_db::repo::outcomes::{OutcomeFact as Fact, OutcomeRecord};

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

/// A file row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub field: &'static str,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    #[error("{0}")]
    File(String),
    #[error("{} row problem(s)", .0.len())]
    Rows(Vec<RowProblem>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<parcours_db::DbErr> for ImportFailure {
    fn from(e: parcours_db::DbErr) -> Self {
        ImportFailure::App(e.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub programme_id: Uuid,
    pub programme_created: bool,
    pub operator: String,
    pub imported: usize,
    pub by_status: BTreeMap<String, usize>,
}

/// A programme named on the command line: found by slug, or created in an operator.
struct ProgrammeRef {
    id: Uuid,
    tenant: TenantScope,
    funder: Option<Uuid>,
    min_cell: Option<i32>,
}

/// A checked outcome as the fact stored, with where it came from.
pub(crate) fn fact_of(
    checked: parcours_domain::outcome::CheckedOutcome,
    source: &str,
) -> OutcomeFact {
    OutcomeFact {
        point: checked.point.code().to_owned(),
        status: checked.status.code().to_owned(),
        situation: checked.situation.map(|s| s.code().to_owned()),
        contract_type: checked.contract_type.map(|c| c.code().to_owned()),
        starts_on: checked.starts_on,
        planned_end: checked.planned_end,
        contract_months: checked.contract_months,
        weekly_hours: checked.weekly_hours,
        training_name: checked.training_name,
        qualifying: checked.qualifying,
        drop_reason: checked.drop_reason,
        source: source.to_owned(),
    }
}

fn iso_date(raw: &str) -> Option<time::Date> {
    parcours_domain::opportunity::date(raw)
}

fn date_ms(d: time::Date) -> i64 {
    d.midnight().assume_utc().unix_timestamp() * 1000
}

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

impl App {
    /// The programme with this slug; created (in `operator`, or the oldest operator,
    /// or a new one) when none exists.
    async fn programme_for_import(
        &self,
        conn: &impl parcours_db::ConnectionTrait,
        slug: &str,
        operator: Option<&str>,
        now: i64,
    ) -> Result<(ProgrammeRef, bool, String), ImportFailure> {
        let found = outcomes::programmes_by_slug(conn, slug).await?;
        let operator_org = match operator {
            Some(name) => {
                accounts::find_organisation_by_name(conn, OrgKind::Operator, name).await?
            }
            None => None,
        };
        let matching: Vec<_> = found
            .into_iter()
            .filter(|(_, tenant, _, _)| operator_org.as_ref().is_none_or(|o| o.id == *tenant))
            .collect();
        match matching.as_slice() {
            [(id, tenant, funder, min_cell)] => {
                let name = accounts::find_organisation(conn, *tenant)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                return Ok((
                    ProgrammeRef {
                        id: *id,
                        tenant: TenantScope::of(*tenant),
                        funder: *funder,
                        min_cell: *min_cell,
                    },
                    false,
                    name,
                ));
            }
            [] => {}
            _ => {
                return Err(ImportFailure::File(format!(
                    "several operators have a programme {slug:?}: name one with --operator"
                )));
            }
        }
        if slug.is_empty()
            || slug.len() > 60
            || !slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ImportFailure::File(format!(
                "{slug:?} is not a programme slug (lower-case letters, digits and -)"
            )));
        }
        let org = match (operator_org, operator) {
            (Some(o), _) => o,
            (None, Some(name)) => {
                let id = accounts::insert_organisation(conn, OrgKind::Operator, name, now).await?;
                accounts::find_organisation(conn, id)
                    .await?
                    .ok_or(AppError::NotFound)?
            }
            (None, None) => {
                match accounts::organisations_of_kind(conn, OrgKind::Operator)
                    .await?
                    .into_iter()
                    .next()
                {
                    Some(o) => o,
                    None => {
                        let id = accounts::insert_organisation(
                            conn,
                            OrgKind::Operator,
                            "Opérateur",
                            now,
                        )
                        .await?;
                        accounts::find_organisation(conn, id)
                            .await?
                            .ok_or(AppError::NotFound)?
                    }
                }
            }
        };
        let tenant = TenantScope::of(org.id);
        let id = programmes::insert(conn, tenant, None, slug, slug, now).await?;
        Ok((
            ProgrammeRef {
                id,
                tenant,
                funder: None,
                min_cell: None,
            },
            true,
            org.name,
        ))
    }

    /// Imports a participants file (see [`PARTICIPANTS_HEADER`]) into a programme: every
    /// row is checked first; one problem anywhere and nothing is written.
    pub async fn import_participants(
        &self,
        slug: &str,
        operator: Option<&str>,
        bytes: &[u8],
    ) -> Result<ImportSummary, ImportFailure> {
        let now = self.now();
        let this_year = time::OffsetDateTime::now_utc().year();
        let catalog = self.catalog();
        let (rows, mut problems) =
            read_participants(bytes, this_year, catalog.as_ref().map(|c| &c.geo))?;
        let txn = self.db().begin().await?;
        let (programme, created, operator_name) =
            self.programme_for_import(&txn, slug, operator, now).await?;
        let existing = outcomes::existing_external_ids(&txn, programme.id).await?;
        for (line, (p, _)) in &rows {
            if existing.contains(&p.external_id) {
                problems.push(RowProblem {
                    line: *line,
                    field: "external_id",
                    message: format!("{:?} is already in the programme", p.external_id),
                });
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            // Dropping the transaction undoes a programme created above.
            return Err(ImportFailure::Rows(problems));
        }
        let mut referrers: HashMap<String, Uuid> = HashMap::new();
        let mut participants = Vec::with_capacity(rows.len());
        let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
        for (_, (mut p, referrer)) in rows {
            if let Some(name) = referrer {
                let id = match referrers.get(&name) {
                    Some(id) => *id,
                    None => {
                        let id = match accounts::find_organisation_by_name(
                            &txn,
                            OrgKind::Referrer,
                            &name,
                        )
                        .await?
                        {
                            Some(o) => o.id,
                            None => {
                                accounts::insert_organisation(&txn, OrgKind::Referrer, &name, now)
                                    .await?
                            }
                        };
                        referrers.insert(name, id);
                        id
                    }
                };
                p.referrer_id = Some(id);
            }
            *by_status.entry(p.status.clone()).or_default() += 1;
            participants.push(p);
        }
        let known: HashSet<Uuid> = programmes::referrers_of(&txn, programme.id)
            .await?
            .into_iter()
            .collect();
        for id in referrers.values().filter(|id| !known.contains(id)) {
            programmes::add_referrer(&txn, programme.id, *id).await?;
        }
        outcomes::insert_participants(&txn, programme.tenant, programme.id, &participants, now)
            .await?;
        parcours_db::repo::audit::record(
            &txn,
            programme.tenant,
            None,
            "participants.imported",
            None,
            now,
        )
        .await?;
        txn.commit().await?;
        self.forget_reports().await;
        Ok(ImportSummary {
            programme_id: programme.id,
            programme_created: created,
            operator: operator_name,
            imported: participants.len(),
            by_status,
        })
    }

    /// The outcomes report of a programme named by slug (the operator's command line:
    /// no person is shown, only counts, with small cells suppressed).
    pub async fn outcomes_report_by_slug(
        &self,
        slug: &str,
        min_cell: Option<u64>,
    ) -> Result<(Uuid, OutcomesReport), AppError> {
        let found = outcomes::programmes_by_slug(self.db(), slug).await?;
        let [(id, tenant, funder, own_min)] = found.as_slice() else {
            return Err(if found.is_empty() {
                AppError::NotFound
            } else {
                AppError::Internal(format!("several programmes are named {slug:?}"))
            });
        };
        let programme = ProgrammeRef {
            id: *id,
            tenant: TenantScope::of(*tenant),
            funder: *funder,
            min_cell: *own_min,
        };
        Ok((*id, self.outcomes_report(&programme, min_cell).await?))
    }

    /// The programme's report as computed less than [`REPORT_TTL_MS`] ago, else
    /// computed now, one computation at a time.
    async fn recent_report(&self, programme: &ProgrammeRef) -> Result<OutcomesReport, AppError> {
        let rule = outcomes::current_rule(self.db(), programme.funder).await?;
        // A new rule version or minimum cell is a new key: read at once.
        let key = (programme.id, programme.min_cell, rule.version);
        self.inner
            .reports
            .get_or_compute(key, self.now(), async || {
                self.outcomes_report(programme, None).await
            })
            .await
    }

    /// Outcomes changed: the next dashboard read computes again (in this process;
    /// others within [`REPORT_TTL_MS`]).
    pub(crate) async fn forget_reports(&self) {
        self.inner.reports.clear().await;
    }

    async fn outcomes_report(
        &self,
        programme: &ProgrammeRef,
        min_cell: Option<u64>,
    ) -> Result<OutcomesReport, AppError> {
        let rule: LabelRule = outcomes::current_rule(self.db(), programme.funder).await?;
        let min_cell = effective_min_cell(programme, min_cell);
        let counts = self.report_counts(programme.id).await?;
        let mut report = counts.report(&rule, min_cell);
        report.satisfaction = self
            .satisfaction(programme.id, programme.tenant.id(), min_cell)
            .await?
            .0;
        Ok(report)
    }

    /// Everything a programme's report is built from, named.
    async fn report_counts(&self, programme_id: Uuid) -> Result<ReportCounts, AppError> {
        let (counted, by_public) = outcomes::report_counts(self.db(), programme_id).await?;
        let mut names: HashMap<Uuid, String> = HashMap::new();
        let mut rows = Vec::with_capacity(counted.len());
        for (mut row, referrer) in counted {
            if let Some(id) = referrer {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
                    let name = accounts::find_organisation(self.db(), id)
                        .await?
                        .map_or_else(|| id.to_string(), |o| o.name);
                    slot.insert(name);
                }
                row.referrer = names.get(&id).cloned();
            }
            rows.push(row);
        }
        let phase_counts = parcours_db::repo::people::phase_counts(self.db(), programme_id).await?;
        let phases = parcours_domain::Phase::ALL
            .iter()
            .map(|phase| {
                phase_counts
                    .iter()
                    .find(|(p, _)| p == phase)
                    .map_or(0, |(_, n)| *n)
            })
            .collect();
        Ok(ReportCounts {
            rows,
            by_public,
            phases,
        })
    }

    async fn programme_ref(
        &self,
        programme: &programmes::Programme,
    ) -> Result<ProgrammeRef, AppError> {
        let min_cell = outcomes::programmes_by_slug(self.db(), &programme.slug)
            .await?
            .into_iter()
            .find(|(id, ..)| *id == programme.id)
            .and_then(|(.., m)| m);
        Ok(ProgrammeRef {
            id: programme.id,
            tenant: TenantScope::of(programme.tenant_id),
            funder: programme.funder_id,
            min_cell,
        })
    }

    /// The figures of a programme the funder's home shows: its participants and their
    /// journey phases, hidden exactly as in the programme's report (the same total
    /// appears on both, so they are protected together).
    pub(crate) async fn funder_home_figures(
        &self,
        programme: &programmes::Programme,
    ) -> Result<(Option<u64>, Vec<Option<u64>>), AppError> {
        let report = self
            .recent_report(&self.programme_ref(programme).await?)
            .await?;
        let total = match report.overall.participants {
            parcours_domain::outcome::ParticipantsFigure::Count(n) => Some(n),
            parcours_domain::outcome::ParticipantsFigure::Hidden { .. } => None,
        };
        Ok((total, report.phases))
    }
}

/// The programme's minimum cell: the one asked for (the command line), else the
/// programme's, else the platform's.
fn effective_min_cell(programme: &ProgrammeRef, asked: Option<u64>) -> u64 {
    asked
        .or_else(|| programme.min_cell.and_then(|m| u64::try_from(m).ok()))
        .unwrap_or(parcours_domain::aggregate::MIN_CELL)
        .max(1)
}

/// The grouped counts of a programme's report.
struct ReportCounts {
    rows: Vec<parcours_domain::outcome::CountRow>,
    by_public: Vec<parcours_domain::outcome::CountRow>,
    /// Participants per journey phase, in `Phase::ALL` order.
    phases: Vec<u64>,
}

impl ReportCounts {
    fn model(&self, rule: &LabelRule) -> ReportModel {
        let publics: Vec<&str> = Public::ALL.iter().map(|p| p.code()).collect();
        ReportModel::new(&self.rows, &self.by_public, rule, &publics, &self.phases)
    }

    fn report(&self, rule: &LabelRule, min_cell: u64) -> OutcomesReport {
        let model = self.model(rule);
        model.publish(&model.protect(min_cell), rule, min_cell)
    }
}

fn figure_text(f: &parcours_domain::outcome::Figure) -> String {
    match f {
        parcours_domain::outcome::Figure::Shown { count, percent } => {
            format!("{count:>8}  {percent:>5.1} %")
        }
        parcours_domain::outcome::Figure::Hidden { .. } => format!("{:>8}", "suppressed"),
    }
}

fn section_text(out: &mut String, s: &parcours_domain::outcome::Section, indent: &str) {
    use std::fmt::Write;
    let participants = match s.participants {
        parcours_domain::outcome::ParticipantsFigure::Count(n) => n.to_string(),
        parcours_domain::outcome::ParticipantsFigure::Hidden { .. } => "suppressed".into(),
    };
    let _ = writeln!(out, "{indent}participants {participants}");
    let _ = writeln!(out, "{indent}status (percent of participants)");
    for (k, f) in &s.status {
        let _ = writeln!(out, "{indent}  {:<14}{}", k.code(), figure_text(f));
    }
    let _ = writeln!(out, "{indent}outcomes among finished (percent of finished)");
    for (k, f) in &s.outcomes_among_finished {
        let _ = writeln!(out, "{indent}  {:<14}{}", k.code(), figure_text(f));
    }
    let _ = writeln!(out, "{indent}labels among finished");
    for (k, f) in [
        ("durable", &s.durable_employment),
        ("transition", &s.transition_employment),
        ("positive", &s.positive_exits),
        ("dynamic", &s.dynamic_exits),
    ] {
        let _ = writeln!(out, "{indent}  {k:<14}{}", figure_text(f));
    }
}

/// The report as text for the terminal: the whole programme, each breakdown, then what
/// each figure means.
pub fn report_text(slug: &str, r: &OutcomesReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Outcomes of {slug} (minimum cell {}, label rule v{}: durable = CDI or a contract of {}+ months{})",
        r.min_cell,
        r.rule.version,
        r.rule.durable_months,
        if r.rule.business_is_durable {
            ", or a business created"
        } else {
            ""
        }
    );
    section_text(&mut out, &r.overall, "");
    for (title, rows) in [
        ("by public", &r.by_public),
        ("by referrer", &r.by_referrer),
        ("by département", &r.by_departement),
        ("by entry quarter", &r.by_entry_quarter),
    ] {
        let _ = writeln!(out, "\n{title}");
        if rows.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for (key, section) in rows {
            let _ = writeln!(out, "  {key}");
            section_text(&mut out, section, "    ");
        }
    }
    let _ = writeln!(out, "\ndefinitions");
    for (key, text) in parcours_domain::outcome::DEFINITIONS {
        let _ = writeln!(out, "  {key}: {text}");
    }
    out
}

/// A small deterministic generator (xorshift), so that seeded programmes are the same
/// from one run to the next.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Communes of several départements (INSEE codes), for the generated participants.
const SEED_COMMUNES: [&str; 12] = [
    "76540", "76351", "27229", "14118", "50129", "61001", "75056", "69123", "13055", "33063",
    "59350", "35238",
];
const SEED_REFERRERS: [&str; 4] = [
    "France Travail (généré)",
    "Mission locale (générée)",
    "Cap emploi (généré)",
    "Département (généré)",
];

impl App {
    /// Adds `count` synthetic participants to a programme (created if needed): the
    /// reference cohort's proportions (63 % finished, 24 % in progress, 13 % dropped),
    /// written in batches of 20,000 per transaction.
    pub async fn seed_participants(&self, slug: &str, count: usize) -> Result<usize, AppError> {
        let now = self.now();
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;
        let (programme, _, _) = self
            .programme_for_import(&*txn, slug, None, now)
            .await
            .map_err(|e| match e {
                ImportFailure::App(e) => e,
                other => AppError::Internal(other.to_string()),
            })?;
        let mut referrers = Vec::new();
        for name in SEED_REFERRERS {
            let id = match accounts::find_organisation_by_name(&*txn, OrgKind::Referrer, name)
                .await?
            {
                Some(o) => o.id,
                None => accounts::insert_organisation(&*txn, OrgKind::Referrer, name, now).await?,
            };
            referrers.push(id);
        }
        txn.commit().await?;
        let start = time::Date::from_calendar_date(2023, time::Month::January, 1)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let plan = SeedPlan {
            scope: programme.tenant,
            programme_id: programme.id,
            first_entry: start,
            entry_span_days: 1000,
            referrers,
            over: false,
        };
        let done = self.generate_participants(&plan, count).await?;
        // After a bulk load the planner's statistics (and PostgreSQL's visibility map,
        // which index-only scans need) are stale: refresh them as an operator would.
        outcomes::refresh_statistics(self.db()).await?;
        Ok(done)
    }

    /// Writes `count` synthetic participants into a programme, with the reference
    /// cohort's proportions: deterministic, not real people. Returns how many.
    pub(crate) async fn generate_participants(
        &self,
        plan: &SeedPlan,
        count: usize,
    ) -> Result<usize, AppError> {
        let now = self.now();
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ count as u64);
        let mut done = 0;
        let run = format!("{:x}", now);
        while done < count {
            let batch = (count - done).min(20_000);
            let mut participants = Vec::with_capacity(batch);
            for i in 0..batch {
                let entered = plan.first_entry
                    + time::Duration::days(
                        i64::try_from(dice.below(plan.entry_span_days)).unwrap_or(0),
                    );
                let roll = dice.below(100);
                // A programme over has nobody in progress: they finished.
                let status = if roll < 63 || (plan.over && roll < 87) {
                    ParticipantStatus::Finished
                } else if roll < 87 {
                    ParticipantStatus::InProgress
                } else {
                    ParticipantStatus::Dropped
                };
                let ended = entered
                    + time::Duration::days(90 + i64::try_from(dice.below(120)).unwrap_or(0));
                let exit = match status {
                    ParticipantStatus::InProgress => None,
                    ParticipantStatus::Dropped => Some(OutcomeFact {
                        point: "exit".into(),
                        status: status.code().into(),
                        drop_reason: Some("health".into()),
                        source: "seed".into(),
                        ..OutcomeFact::default()
                    }),
                    ParticipantStatus::Finished => {
                        let o = dice.below(63);
                        let situation = match o {
                            0..13 => Situation::Employment,
                            13..24 => Situation::Training,
                            24..29 => Situation::Business,
                            29..40 => Situation::JobSearch,
                            _ => Situation::Validating,
                        };
                        let contract = (situation == Situation::Employment).then(|| {
                            ContractType::ALL[usize::try_from(dice.below(5)).unwrap_or(0)]
                        });
                        Some(OutcomeFact {
                            point: "exit".into(),
                            status: status.code().into(),
                            situation: Some(situation.code().into()),
                            contract_type: contract.map(|c| c.code().to_owned()),
                            contract_months: contract
                                .filter(|c| *c != ContractType::Cdi)
                                .map(|_| i32::try_from(1 + dice.below(12)).unwrap_or(1)),
                            qualifying: (situation == Situation::Training)
                                .then(|| dice.below(2) == 0),
                            source: "seed".into(),
                            ..OutcomeFact::default()
                        })
                    }
                };
                let commune = SEED_COMMUNES[usize::try_from(dice.below(12)).unwrap_or(0)];
                participants.push(ImportedParticipant {
                    person_id: Uuid::now_v7(),
                    enrolment_id: Uuid::now_v7(),
                    external_id: format!("seed-{run}-{}", done + i),
                    birth_year: Some(1960 + i32::try_from(dice.below(45)).unwrap_or(0)),
                    commune_code: Some(commune.to_owned()),
                    departement: Some(departement_of(commune).to_owned()),
                    referrer_id: plan
                        .referrers
                        .get(usize::try_from(dice.below(plan.referrers.len() as u64)).unwrap_or(0))
                        .copied(),
                    publics_mask: i64::try_from(dice.below(128) & dice.below(128)).unwrap_or(0),
                    entered_at: date_ms(entered),
                    entry_quarter: quarter_of(&entered.to_string()),
                    status: status.code().to_owned(),
                    ended_on: (status != ParticipantStatus::InProgress).then(|| ended.to_string()),
                    exit,
                });
            }
            let txn = self.bookkeeping(Bookkeeping::Seed).await?;
            outcomes::insert_participants(&*txn, plan.scope, plan.programme_id, &participants, now)
                .await?;
            txn.commit().await?;
            done += batch;
        }
        Ok(done)
    }
}

/// Where generated participants go and when they entered.
pub(crate) struct SeedPlan {
    pub scope: TenantScope,
    pub programme_id: Uuid,
    pub first_entry: time::Date,
    pub entry_span_days: u64,
    /// Spread evenly among these (none: no referrer).
    pub referrers: Vec<Uuid>,
    /// The programme is over: nobody is still in progress.
    pub over: bool,
}

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const RECORDED: AuditAction = AuditAction::OutcomeRecorded;
    pub const READ: AuditAction = AuditAction::OutcomesRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::OutcomesAccessDenied;
    pub const REPORT_READ: AuditAction = AuditAction::OutcomesReportRead;
    pub const RULE_CHANGED: AuditAction = AuditAction::OutcomesRuleChanged;
    pub const MIN_CELL_SET: AuditAction = AuditAction::OutcomesMinCellSet;
    pub const PARTICIPANTS_IMPORTED: AuditAction = AuditAction::ParticipantsImported;
}

/// A person's exit and follow-up facts, and whether the reader may add one.
#[derive(Debug, Clone)]
pub struct PersonOutcomes {
    pub person: crate::people::Person,
    pub is_self: bool,
    pub can_record: bool,
    /// The current enrolment's status (in_progress, finished, dropped).
    pub status: Option<String>,
    pub facts: Vec<outcomes::OutcomeRecord>,
    pub recorded_by: HashMap<Uuid, String>,
}

/// How long the dashboards serve a programme's figures from memory: over a million
/// participants they take about a second to compute, and funders read figures of the
/// day, not of the second. The command line always computes afresh.
pub const REPORT_TTL_MS: i64 = 60_000;

/// Reports computed lately, by programme, minimum cell and rule version.
pub(crate) type ReportCache = crate::recent::Recent<(Uuid, Option<i32>, i32), OutcomesReport>;

/// A programme's report as a reader of aggregates sees it.
#[derive(Debug, Clone)]
pub struct ProgrammeReport {
    pub programme: programmes::Programme,
    pub report: OutcomesReport,
    /// The reader may change the programme's minimum cell (its manager).
    pub can_configure: bool,
    /// The reader may change the label rule (the programme's funder).
    pub can_change_rule: bool,
    /// Free-text answers to the satisfaction survey (the operator's manager only).
    pub texts: Vec<crate::surveys::TextAnswers>,
    /// The satisfaction questions asked (for the manager to edit).
    pub questions: Vec<parcours_db::repo::surveys::Question>,
    pub follow_up_m12: bool,
}

impl App {
    pub async fn person_outcomes(
        &self,
        actor: &crate::auth::Actor,
        person_id: Uuid,
    ) -> Result<PersonOutcomes, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                parcours_domain::Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let relation = crate::people::relation_to(actor, &person);
        let scope = actor.tenant();
        let enrolment =
            parcours_db::repo::people::current_enrolment(self.db(), scope, person.id).await?;
        let facts = match &enrolment {
            Some(e) => outcomes::of_enrolment(self.db(), scope, e.id).await?,
            None => Vec::new(),
        };
        let recorded_by = crate::workspace::user_names(
            self.db(),
            facts.iter().filter_map(|f| f.recorded_by).collect(),
        )
        .await?;
        self.record(actor, Audit::of(audit_action::READ, person.id))
            .await?;
        Ok(PersonOutcomes {
            is_self: relation.is_self,
            can_record: parcours_domain::allows(
                actor.role,
                parcours_domain::Action::ManageJourney,
                relation,
            ),
            status: enrolment.map(|e| e.status),
            facts,
            recorded_by,
            person,
        })
    }

    /// The coach (or manager) records the situation at exit or at a follow-up point;
    /// at exit the participant's status follows.
    pub async fn record_outcome(
        &self,
        actor: &crate::auth::Actor,
        person_id: Uuid,
        input: &parcours_domain::outcome::OutcomeInput,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                parcours_domain::Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let checked = input.check().map_err(|problems| {
            AppError::Invalid(
                problems
                    .iter()
                    .map(|p| crate::FieldError {
                        field: p.field,
                        code: p.code,
                    })
                    .collect(),
            )
        })?;
        let scope = actor.tenant();
        let Some(enrolment) =
            parcours_db::repo::people::current_enrolment(self.db(), scope, person.id).await?
        else {
            return Err(AppError::invalid("point", "no_enrolment"));
        };
        let now = self.now();
        let today = time::OffsetDateTime::now_utc().date();
        let at_exit = checked.point == parcours_domain::outcome::FollowUpPoint::Exit;
        // The exit may be recorded late: the day given, never in the future nor
        // before the person entered the programme.
        let ended = checked
            .ended_on
            .as_deref()
            .and_then(iso_date)
            .unwrap_or(today);
        if at_exit && ended > today {
            return Err(AppError::invalid("ended_on", "future"));
        }
        let entered = time::OffsetDateTime::from_unix_timestamp(enrolment.entered_at / 1000)
            .map(time::OffsetDateTime::date)
            .ok();
        if at_exit && entered.is_some_and(|e| ended < e) {
            return Err(AppError::invalid("ended_on", "before_entry"));
        }
        let ended_on = ended.to_string();
        let fact = fact_of(checked, "coach");
        let txn = self.change(actor).await?;
        let id = outcomes::record(
            &*txn,
            scope,
            enrolment.id,
            person.id,
            &fact,
            Some(&ended_on),
            Some(actor.user_id),
            now,
        )
        .await?;
        if at_exit {
            self.schedule_surveys(&*txn, scope, &enrolment, date_ms(ended), now)
                .await?;
        }
        txn.commit(Audit::of(audit_action::RECORDED, person.id))
            .await?;
        self.forget_reports().await;
        Ok(id)
    }

    /// A programme's outcomes for its manager (same operator) or its funder; nobody
    /// else, and never a person.
    pub async fn programme_report(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
    ) -> Result<ProgrammeReport, AppError> {
        let Some(programme) = programmes::find(self.db(), programme_id).await? else {
            return Err(AppError::NotFound);
        };
        let relation = parcours_domain::Relation {
            same_tenant: programme.tenant_id == actor.tenant().id(),
            funds_programme: programme.funder_id == Some(actor.organisation_id),
            ..parcours_domain::Relation::default()
        };
        if !parcours_domain::allows(
            actor.role,
            parcours_domain::Action::ReadAggregates,
            relation,
        ) {
            return Err(if relation.same_tenant || relation.funds_programme {
                AppError::Forbidden
            } else {
                AppError::NotFound
            });
        }
        let min_cell = outcomes::programmes_by_slug(self.db(), &programme.slug)
            .await?
            .into_iter()
            .find(|(id, ..)| *id == programme.id)
            .and_then(|(.., m)| m);
        let report = self
            .recent_report(&ProgrammeRef {
                id: programme.id,
                tenant: TenantScope::of(programme.tenant_id),
                funder: programme.funder_id,
                min_cell,
            })
            .await?;
        // Read in the programme's tenant (a funder reads from their own).
        self.change_in(TenantScope::of(programme.tenant_id), Some(actor.user_id))
            .await?
            .commit(Audit::tenant(audit_action::REPORT_READ))
            .await?;
        let can_configure =
            relation.same_tenant && actor.role == parcours_domain::Role::ProgrammeManager;
        let (texts, questions) = if can_configure {
            let scope = TenantScope::of(programme.tenant_id);
            (
                self.satisfaction(programme.id, programme.tenant_id, report.min_cell)
                    .await?
                    .1,
                self.programme_questions(self.db(), scope, programme.id)
                    .await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(ProgrammeReport {
            texts,
            questions,
            follow_up_m12: parcours_db::repo::surveys::follow_up_m12(self.db(), programme.id)
                .await?,
            can_configure: relation.same_tenant
                && actor.role == parcours_domain::Role::ProgrammeManager,
            can_change_rule: relation.funds_programme
                && actor.role == parcours_domain::Role::Funder,
            programme,
            report,
        })
    }

    /// The manager sets the programme's minimum cell: never under the platform's 11.
    pub async fn set_programme_min_cell(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
        raw: &str,
    ) -> Result<(), AppError> {
        let view = self.programme_report(actor, programme_id).await?;
        if !view.can_configure {
            return Err(AppError::Forbidden);
        }
        let min_cell = match raw.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(n)
                    if i64::from(n)
                        >= i64::try_from(parcours_domain::aggregate::MIN_CELL).unwrap_or(11)
                        && n <= 1000 =>
                {
                    Some(n)
                }
                _ => return Err(AppError::invalid("min_cell", "too_small")),
            },
        };
        let txn = self
            .change_in(
                TenantScope::of(view.programme.tenant_id),
                Some(actor.user_id),
            )
            .await?;
        outcomes::set_min_cell(&*txn, programme_id, min_cell).await?;
        txn.commit(Audit::tenant(audit_action::MIN_CELL_SET))
            .await?;
        Ok(())
    }

    /// The funder changes how exits are labelled: a new version, every report re-labels.
    pub async fn change_label_rule(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
        durable_months: &str,
        business_is_durable: bool,
    ) -> Result<i32, AppError> {
        let view = self.programme_report(actor, programme_id).await?;
        if !view.can_change_rule {
            return Err(AppError::Forbidden);
        }
        let months = match durable_months.trim().parse::<i32>() {
            Ok(m) if (1..=36).contains(&m) => m,
            _ => return Err(AppError::invalid("durable_months", "invalid")),
        };
        self.check_rule_change(actor.organisation_id, months, business_is_durable)
            .await?;
        // The funder changes how the programme's tenant reports.
        let txn = self
            .change_in(
                TenantScope::of(view.programme.tenant_id),
                Some(actor.user_id),
            )
            .await?;
        let now = txn.at();
        let version = outcomes::save_rule(
            &*txn,
            actor.organisation_id,
            months,
            business_is_durable,
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::RULE_CHANGED))
            .await?;
        Ok(version)
    }

    /// The differencing guard: beside the report under any earlier rule of the funder,
    /// the report under the new one must not show a change of fewer people than the
    /// minimum cell, nor let a hidden figure be worked out, in any programme it funds.
    async fn check_rule_change(
        &self,
        funder: Uuid,
        durable_months: i32,
        business_is_durable: bool,
    ) -> Result<(), AppError> {
        let next = LabelRule {
            version: 0,
            durable_months,
            business_is_durable,
        };
        // Every rule the funder's reports were ever read under, the default first.
        let mut seen = HashSet::from([(durable_months, business_is_durable)]);
        let earlier: Vec<LabelRule> = std::iter::once(LabelRule::default())
            .chain(outcomes::rules_of(self.db(), funder).await?)
            .filter(|r| seen.insert((r.durable_months, r.business_is_durable)))
            .collect();
        for p in programmes::list_funded_by(self.db(), funder).await? {
            let own = self.programme_ref(&p).await?;
            let min_cell = effective_min_cell(&own, None);
            let counts = self.report_counts(p.id).await?;
            let next_model = counts.model(&next);
            for rule in &earlier {
                if rule_guard(&counts.model(rule), &next_model, min_cell).is_some() {
                    return Err(AppError::invalid("durable_months", "too_close"));
                }
            }
        }
        Ok(())
    }
}
