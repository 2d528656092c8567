//! Referrals: a referrer sends candidates to a programme (a form, or a CSV file checked
//! and corrected in the browser before anything is written); the operator's manager
//! accepts them into a cohort (the person's file and enrolment are created then) or
//! refuses with a reason; referrals left unanswered expire, with a reminder before.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};

use parcours_db::TenantScope;
use parcours_db::repo::programmes::{self, Programme};
use parcours_db::repo::referrals::{self, Cohort, NewImport, NewReferral, Referral, ReferralEvent};
use parcours_db::repo::{accounts, journey, people};
use parcours_domain::referral::{
    Candidate, EXPIRES_AFTER_DAYS, ReferralInput, ReferralProblem, ReferralStatus, RefusalReason,
};
use parcours_domain::{Action, Phase, Relation, Role, allows};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Actor;
use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

/// The person's consent that their referrer sees where they stand (steps only).
pub const MILESTONES_CONSENT_SCOPE: &str = "referrer_milestones";
pub const MILESTONES_CONSENT_TEXT_VERSION: &str = "referrer-milestones-v1";

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const MILESTONES_GIVEN: AuditAction = AuditAction::ConsentReferrerMilestonesGiven;
    pub const MILESTONES_WITHDRAWN: AuditAction = AuditAction::ConsentReferrerMilestonesWithdrawn;
    pub const SUBMITTED: AuditAction = AuditAction::ReferralSubmitted;
    pub const IMPORTED: AuditAction = AuditAction::ReferralImported;
    pub const ACCEPTED: AuditAction = AuditAction::ReferralAccepted;
    pub const REFUSED: AuditAction = AuditAction::ReferralRefused;
    pub const EXPIRED: AuditAction = AuditAction::ReferralExpired;
    pub const IMPORT_UPLOADED: AuditAction = AuditAction::ReferralImportUploaded;
    pub const IMPORT_CORRECTED: AuditAction = AuditAction::ReferralImportCorrected;
    pub const EVIDENCE_CHECKED: AuditAction = AuditAction::ReferralEvidenceChecked;
    pub const COHORT_ADDED: AuditAction = AuditAction::CohortAdded;
    pub const SETTINGS_SAVED: AuditAction = AuditAction::ProgrammeSettingsSaved;
}

const DAY_MS: i64 = 24 * 3600 * 1000;
/// Managers are reminded this long before a referral expires.
pub const REMIND_BEFORE_DAYS: i64 = 7;
/// Largest import accepted, in rows (bigger files are split).
pub const MAX_IMPORT_ROWS: usize = 5_000;
/// The largest file an import reads (the upload's limit).
pub const MAX_IMPORT_BYTES: usize = 6 * 1024 * 1024;

mod workbook;
pub use workbook::{
    MAX_CELL_BYTES, MAX_IMPORT_COLUMNS, MAX_PART_MIB, MAX_SHEET_ROWS, MAX_WORKBOOK_PARTS,
};

/// Today's date (UTC), for ages.
fn today(now: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(now / 1000).map_or(time::Date::MIN, |t| t.date())
}

/// A programme's stored rules as the domain's eligibility check.
fn eligibility_of(r: &referrals::Rules) -> parcours_domain::referral::Eligibility {
    parcours_domain::referral::Eligibility {
        publics: r.publics.iter().filter_map(|p| p.parse().ok()).collect(),
        min_age: r.min_age.and_then(|a| u8::try_from(a).ok()),
        max_age: r.max_age.and_then(|a| u8::try_from(a).ok()),
        departements: r.departements.clone(),
    }
}

/// The current year, for the age check.
fn this_year(now: i64) -> i32 {
    time::OffsetDateTime::from_unix_timestamp(now / 1000).map_or(2026, |t| t.year())
}

/// A refused field, by the domain's code.
fn field_errors(problems: &[ReferralProblem]) -> Vec<FieldError> {
    problems
        .iter()
        .map(|p| FieldError {
            field: p.field,
            code: p.code,
        })
        .collect()
}

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

#[derive(Debug, Clone)]
pub struct ImportView {
    pub id: Uuid,
    pub programme: Programme,
    pub filename: String,
    pub encoding: String,
    pub pending: bool,
    /// Rows to correct (or to leave out), in file order.
    pub to_fix: Vec<CheckedRow>,
    pub ready: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone)]
pub struct ReferralLine {
    pub referral: Referral,
    pub programme_name: String,
    pub referrer_name: String,
    pub history: Vec<ReferralEvent>,
    /// Where the person stands in the bilan, when they agreed that their referrer sees it.
    pub milestone: Option<Phase>,
    /// The programme's rules the declaration does not meet (managers only).
    pub gaps: Vec<parcours_domain::referral::Gap>,
}

#[derive(Debug, Clone)]
pub struct ReferralsView {
    /// The reader decides (the operator's manager) rather than refers.
    pub deciding: bool,
    pub lines: Vec<ReferralLine>,
    /// Programmes the referrer may refer to.
    pub programmes: Vec<Programme>,
    /// Cohorts accepted candidates can join (managers).
    pub cohorts: Vec<Cohort>,
    /// The address of the advisor without an account reading from their link.
    pub advisor: Option<String>,
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
type Table = (Vec<String>, Vec<(u64, Vec<String>)>);

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
fn check_rows(rows: &[ImportRow], standing: &HashSet<String>, year: i32) -> Vec<CheckedRow> {
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

/// Refuses `extra` more referrals from the actor's organisation beyond its `quota`
/// (read by [`referrals::lock_quota`] in the same transaction, which holds the lock).
async fn check_quota(
    txn: &parcours_db::DatabaseTransaction,
    actor: &Actor,
    programme: &Programme,
    quota: Option<i32>,
    extra: u64,
) -> Result<(), AppError> {
    if let Some(quota) = quota {
        let standing = referrals::standing_count(txn, programme.id, actor.organisation_id).await?;
        if standing + extra > u64::try_from(quota).unwrap_or(0) {
            return Err(AppError::invalid("programme", "quota_reached"));
        }
    }
    Ok(())
}

/// A referral refused by the unique identity keys (a concurrent submission of the same
/// person won) answers as the check before it does; other errors pass through.
fn already_referred_if_unique(e: AppError, field: &'static str, code: &'static str) -> AppError {
    match e {
        AppError::Database(db) if parcours_db::is_unique_violation(&db) => {
            AppError::invalid(field, code)
        }
        other => other,
    }
}

/// The managers' reminder of referrals about to expire (no names).
#[derive(askama::Template)]
#[template(path = "email/referrals_awaiting.txt")]
struct ReferralsAwaitingEmail<'a> {
    count: usize,
    days: i64,
    link: &'a str,
}

impl App {
    /// The programme if the actor's organisation refers to it.
    async fn referable(&self, actor: &Actor, programme_id: Uuid) -> Result<Programme, AppError> {
        let referred = programmes::list_referred_by(self.db(), actor.organisation_id).await?;
        let programme = referred.into_iter().find(|p| p.id == programme_id);
        let relation = Relation {
            refers_to_programme: programme.is_some(),
            ..Relation::default()
        };
        if !allows(actor.role, Action::ReferCandidate, relation) {
            return Err(AppError::Forbidden);
        }
        programme.ok_or(AppError::NotFound)
    }

    fn deciding(actor: &Actor) -> Result<(), AppError> {
        let own = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        if actor.role == Role::ProgrammeManager && allows(actor.role, Action::ManageProgramme, own)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// A referrer sends one candidate to a programme.
    pub async fn refer(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        input: &ReferralInput,
    ) -> Result<Uuid, AppError> {
        let programme = self.referable(actor, programme_id).await?;
        let now = self.now();
        let candidate = input
            .check(this_year(now))
            .map_err(|p| AppError::Invalid(field_errors(&p)))?;
        let scope = TenantScope::of(programme.tenant_id);
        // Checked inside the transaction, after the quota row is locked: concurrent
        // referrals of the same referrer are counted one after the other, and the
        // unique identity keys refuse the same person submitted at once by anyone.
        // The referrer changes the programme's tenant, not their own.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let quota = referrals::lock_quota(&*txn, programme.id, actor.organisation_id).await?;
        let standing: HashSet<String> = referrals::standing_keys(&*txn, programme.id)
            .await?
            .into_iter()
            .collect();
        if candidate
            .identity_keys()
            .iter()
            .any(|k| standing.contains(k))
        {
            return Err(AppError::invalid("identity", "already_referred"));
        }
        check_quota(&*txn, actor, &programme, quota, 1).await?;
        let id = self
            .insert_referral(&*txn, scope, actor, &programme, &candidate, None, now)
            .await
            .map_err(|e| already_referred_if_unique(e, "identity", "already_referred"))?;
        self.send_advisor_links(
            &*txn,
            scope,
            candidate.advisor_email.iter().cloned().collect(),
            now,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::SUBMITTED)).await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_referral(
        &self,
        conn: &impl parcours_db::ConnectionTrait,
        scope: TenantScope,
        actor: &Actor,
        programme: &Programme,
        candidate: &Candidate,
        import_id: Option<Uuid>,
        now: i64,
    ) -> Result<Uuid, AppError> {
        Ok(referrals::insert(
            conn,
            scope,
            NewReferral {
                programme_id: programme.id,
                referrer_org_id: actor.organisation_id,
                submitted_by: actor.user_id,
                import_id,
                candidate,
                expires_at: now + EXPIRES_AFTER_DAYS * DAY_MS,
            },
            now,
        )
        .await?)
    }

    /// The referrals a reader sees: a referrer, those of their organisation (status
    /// only, never what happens in the bilan); a manager, those their operator received.
    pub async fn referrals(&self, actor: &Actor) -> Result<ReferralsView, AppError> {
        let (deciding, rows, programmes_list, cohorts) = match actor.role {
            Role::Referrer => (
                false,
                referrals::of_referrer(self.db(), actor.organisation_id).await?,
                programmes::list_referred_by(self.db(), actor.organisation_id).await?,
                Vec::new(),
            ),
            Role::ProgrammeManager => {
                Self::deciding(actor)?;
                (
                    true,
                    referrals::of_tenant(self.db(), actor.tenant()).await?,
                    programmes::list_in_tenant(self.db(), actor.tenant()).await?,
                    referrals::cohorts_of_tenant(self.db(), actor.tenant()).await?,
                )
            }
            _ => return Err(AppError::Forbidden),
        };
        Ok(ReferralsView {
            deciding,
            lines: self.lines(rows, deciding).await?,
            programmes: programmes_list,
            cohorts,
            advisor: None,
        })
    }

    /// Each referral with its programme, referrer, history and, with the person's
    /// consent, their step; the rules it does not meet for the manager who decides.
    pub(crate) async fn lines(
        &self,
        rows: Vec<Referral>,
        deciding: bool,
    ) -> Result<Vec<ReferralLine>, AppError> {
        let mut rules_by_programme: BTreeMap<Uuid, parcours_domain::referral::Eligibility> =
            BTreeMap::new();
        let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
        let mut programme_names: BTreeMap<Uuid, String> = BTreeMap::new();
        let mut lines = Vec::with_capacity(rows.len());
        let mut by_tenant: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for r in &rows {
            by_tenant.entry(r.tenant_id).or_default().push(r.id);
        }
        let mut history = Vec::new();
        for (tenant, ids) in by_tenant {
            history.extend(referrals::history(self.db(), TenantScope::of(tenant), ids).await?);
        }
        for referral in rows {
            if let Entry::Vacant(slot) = names.entry(referral.referrer_org_id) {
                let name = accounts::find_organisation(self.db(), referral.referrer_org_id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
            if let Entry::Vacant(slot) = programme_names.entry(referral.programme_id) {
                let name = programmes::find(self.db(), referral.programme_id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
            let milestone = match referral.person_id {
                Some(person) if referral.status == ReferralStatus::Accepted => {
                    let scope = TenantScope::of(referral.tenant_id);
                    if journey::current_consent(self.db(), scope, person, MILESTONES_CONSENT_SCOPE)
                        .await?
                        .is_some()
                    {
                        people::current_enrolment(self.db(), scope, person)
                            .await?
                            .map(|e| e.phase)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            let gaps = if deciding {
                let rules = match rules_by_programme.entry(referral.programme_id) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(slot) => {
                        let r = referrals::rules(self.db(), referral.programme_id).await?;
                        slot.insert(eligibility_of(&r))
                    }
                };
                let declared =
                    parcours_domain::referral::parse_publics(&referral.publics).unwrap_or_default();
                rules.gaps(
                    &referral.birth_date,
                    &declared,
                    referral.commune_code.as_deref(),
                    today(self.now()),
                )
            } else {
                Vec::new()
            };
            lines.push(ReferralLine {
                gaps,
                milestone,
                programme_name: programme_names
                    .get(&referral.programme_id)
                    .cloned()
                    .unwrap_or_default(),
                referrer_name: names
                    .get(&referral.referrer_org_id)
                    .cloned()
                    .unwrap_or_default(),
                history: history
                    .iter()
                    .filter(|e| e.referral_id == referral.id)
                    .cloned()
                    .collect(),
                referral,
            });
        }
        Ok(lines)
    }

    /// The manager accepts a referral into a cohort of its programme: the person's file
    /// and enrolment are created in the same transaction.
    pub async fn accept_referral(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        cohort_id: &str,
    ) -> Result<Uuid, AppError> {
        Self::deciding(actor)?;
        let scope = actor.tenant();
        let Some(referral) = referrals::find(self.db(), scope, referral_id).await? else {
            return Err(AppError::NotFound);
        };
        let cohort = match cohort_id.trim() {
            "" => None,
            raw => {
                let id: Uuid = raw
                    .parse()
                    .map_err(|_| AppError::invalid("cohort", "unknown"))?;
                let cohorts = referrals::cohorts_of_tenant(self.db(), scope).await?;
                let Some(c) = cohorts
                    .into_iter()
                    .find(|c| c.id == id && c.programme_id == referral.programme_id)
                else {
                    return Err(AppError::invalid("cohort", "unknown"));
                };
                Some(c.id)
            }
        };
        if referral.status != ReferralStatus::Submitted {
            return Err(AppError::invalid("decision", "already_decided"));
        }
        let now = self.now();
        let birth_year = referral
            .birth_date
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok());
        let txn = self.change(actor).await?;
        let person = people::insert_person(
            &*txn,
            scope,
            people::NewPerson {
                user_id: None,
                first_name: &referral.first_name,
                last_name: &referral.last_name,
                email: referral.email.as_deref(),
                phone: referral.phone.as_deref(),
                commune_code: referral.commune_code.as_deref(),
                birth_year,
            },
            now,
        )
        .await?;
        people::insert_enrolment(
            &*txn,
            scope,
            people::NewEnrolment {
                person_id: person,
                programme_id: referral.programme_id,
                cohort_id: cohort,
                coach_id: None,
                referrer_id: Some(referral.referrer_org_id),
                phase: Phase::Referred,
                entered_at: now,
                last_activity_at: now,
                departement: referral
                    .commune_code
                    .as_deref()
                    .map(|c| parcours_domain::referral::departement_of(c).to_owned()),
                publics_mask: parcours_domain::referral::publics_mask(
                    &parcours_domain::referral::parse_publics(&referral.publics)
                        .unwrap_or_default(),
                ),
            },
        )
        .await?;
        if !referrals::decide(
            &*txn,
            scope,
            referral.id,
            ReferralStatus::Accepted,
            None,
            cohort,
            Some(person),
            Some(actor.user_id),
            now,
        )
        .await?
        {
            // Decided by someone else meanwhile: the transaction is dropped, nothing kept.
            return Err(AppError::invalid("decision", "already_decided"));
        }
        txn.commit(Audit::of(audit_action::ACCEPTED, person))
            .await?;
        Ok(person)
    }

    /// The manager refuses a referral with a reason from the list.
    pub async fn refuse_referral(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        reason: &str,
    ) -> Result<(), AppError> {
        Self::deciding(actor)?;
        let scope = actor.tenant();
        let reason: RefusalReason = reason
            .parse()
            .map_err(|_| AppError::invalid("reason", "required"))?;
        let Some(referral) = referrals::find(self.db(), scope, referral_id).await? else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        let txn = self.change(actor).await?;
        if !referrals::decide(
            &*txn,
            scope,
            referral.id,
            ReferralStatus::Refused,
            Some(reason),
            None,
            None,
            Some(actor.user_id),
            now,
        )
        .await?
        {
            return Err(AppError::invalid("decision", "already_decided"));
        }
        txn.commit(Audit::tenant(audit_action::REFUSED)).await?;
        Ok(())
    }

    /// A manager opens a cohort in one of their programmes.
    pub async fn add_cohort(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        name: &str,
        starts_on: &str,
        capacity: &str,
    ) -> Result<Uuid, AppError> {
        Self::deciding(actor)?;
        let scope = actor.tenant();
        let Some(programme) = programmes::list_in_tenant(self.db(), scope)
            .await?
            .into_iter()
            .find(|p| p.id == programme_id)
        else {
            return Err(AppError::invalid("programme", "unknown"));
        };
        let mut errors = Vec::new();
        let name = crate::text_field("name", name, 80)
            .map_err(|e| errors.push(e))
            .ok();
        let starts_on = starts_on.trim();
        if crate::plan::parse_date(starts_on).is_none() {
            errors.push(FieldError {
                field: "starts_on",
                code: "invalid",
            });
        }
        let capacity = match capacity.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(n) if (1..=10_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError {
                        field: "capacity",
                        code: "invalid",
                    });
                    None
                }
            },
        };
        let (Some(name), true) = (name, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let txn = self.change(actor).await?;
        let id = referrals::insert_cohort(
            &*txn,
            scope,
            programme.id,
            &name,
            starts_on,
            capacity,
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::COHORT_ADDED))
            .await?;
        Ok(id)
    }

    // ------------------------------------------------------------ imports

    /// A referrer uploads a file: it is read and kept aside, nothing is referred yet.
    /// The whole file is refused when it cannot be read as a table.
    pub async fn start_import(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        filename: &str,
        bytes: &[u8],
        consent: bool,
    ) -> Result<Uuid, ImportFailure> {
        let programme = self.referable(actor, programme_id).await?;
        if !consent {
            return Err(AppError::invalid("consent", "required").into());
        }
        let (rows, encoding) = parse_import(bytes).map_err(ImportFailure::File)?;
        let json = serde_json::to_string(&rows)
            .map_err(|e| AppError::Internal(format!("import rows: {e}")))?;
        let name: String = filename.chars().take(120).collect();
        let scope = TenantScope::of(programme.tenant_id);
        // The referrer changes the programme's tenant, not their own.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let id = referrals::insert_import(
            &*txn,
            scope,
            NewImport {
                programme_id: programme.id,
                referrer_org_id: actor.organisation_id,
                uploaded_by: actor.user_id,
                filename: &name,
                encoding,
                rows: &json,
            },
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::IMPORT_UPLOADED))
            .await?;
        Ok(id)
    }

    async fn import_of(
        &self,
        actor: &Actor,
        import_id: Uuid,
    ) -> Result<(TenantScope, referrals::Import, Programme, Vec<ImportRow>), AppError> {
        if actor.role != Role::Referrer {
            return Err(AppError::Forbidden);
        }
        let Some((tenant, import)) =
            referrals::find_import(self.db(), actor.organisation_id, import_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let programme = self.referable(actor, import.programme_id).await?;
        let rows: Vec<ImportRow> = serde_json::from_str(&import.rows)
            .map_err(|e| AppError::Internal(format!("import rows: {e}")))?;
        Ok((TenantScope::of(tenant), import, programme, rows))
    }

    async fn checked(
        &self,
        programme: &Programme,
        rows: &[ImportRow],
    ) -> Result<Vec<CheckedRow>, AppError> {
        let standing: HashSet<String> = referrals::standing_keys(self.db(), programme.id)
            .await?
            .into_iter()
            .collect();
        Ok(check_rows(rows, &standing, this_year(self.now())))
    }

    pub async fn import_view(
        &self,
        actor: &Actor,
        import_id: Uuid,
    ) -> Result<ImportView, AppError> {
        let (_, import, programme, rows) = self.import_of(actor, import_id).await?;
        let checked = self.checked(&programme, &rows).await?;
        let skipped = checked.iter().filter(|c| c.row.skip).count();
        let ready = checked
            .iter()
            .filter(|c| !c.row.skip && c.problems.is_empty())
            .count();
        Ok(ImportView {
            id: import.id,
            filename: import.filename,
            encoding: import.encoding,
            pending: import.status == "pending",
            to_fix: checked
                .into_iter()
                .filter(|c| !c.problems.is_empty() || c.row.skip)
                .collect(),
            ready,
            skipped,
            programme,
        })
    }

    /// Saves the referrer's corrections of some rows (by line); other rows stay as they are.
    pub async fn correct_import(
        &self,
        actor: &Actor,
        import_id: Uuid,
        corrections: &[ImportRow],
    ) -> Result<(), AppError> {
        let (scope, import, _, mut rows) = self.import_of(actor, import_id).await?;
        if import.status != "pending" {
            return Err(AppError::invalid("import", "closed"));
        }
        for fix in corrections {
            if let Some(row) = rows.iter_mut().find(|r| r.line == fix.line) {
                *row = fix.clone();
            }
        }
        let json = serde_json::to_string(&rows)
            .map_err(|e| AppError::Internal(format!("import rows: {e}")))?;
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        referrals::update_import_rows(&*txn, import.id, &json).await?;
        txn.commit(Audit::tenant(audit_action::IMPORT_CORRECTED))
            .await?;
        Ok(())
    }

    /// Refers every row not left out, in one transaction, once no row has a problem;
    /// otherwise nothing is written.
    pub async fn commit_import(&self, actor: &Actor, import_id: Uuid) -> Result<usize, AppError> {
        let (scope, import, programme, rows) = self.import_of(actor, import_id).await?;
        if import.status != "pending" {
            return Err(AppError::invalid("import", "closed"));
        }
        let checked = self.checked(&programme, &rows).await?;
        if checked.iter().any(|c| !c.problems.is_empty()) {
            return Err(AppError::invalid("import", "rows_to_fix"));
        }
        let ready = checked.iter().filter(|c| !c.row.skip).count();
        let now = self.now();
        let year = this_year(now);
        // The referrer changes the programme's tenant, not their own.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        // Closing first is a write: a second commit of the same import waits, then
        // finds it closed. The quota is counted under its lock, as for one referral.
        if !referrals::close_import(&*txn, import.id, "committed", now).await? {
            return Err(AppError::invalid("import", "closed"));
        }
        let quota = referrals::lock_quota(&*txn, programme.id, actor.organisation_id).await?;
        check_quota(
            &*txn,
            actor,
            &programme,
            quota,
            u64::try_from(ready).unwrap_or(u64::MAX),
        )
        .await?;
        let mut count = 0;
        let mut advisors = std::collections::BTreeSet::new();
        for row in checked.iter().filter(|c| !c.row.skip) {
            let candidate = row
                .row
                .input()
                .check(year)
                .map_err(|p| AppError::Invalid(field_errors(&p)))?;
            // A person referred meanwhile by someone else: nothing of the file is kept,
            // and the file's page then shows the row to fix, as it would have before.
            self.insert_referral(
                &*txn,
                scope,
                actor,
                &programme,
                &candidate,
                Some(import.id),
                now,
            )
            .await
            .map_err(|e| already_referred_if_unique(e, "import", "rows_to_fix"))?;
            advisors.extend(candidate.advisor_email);
            count += 1;
        }
        self.send_advisor_links(&*txn, scope, advisors, now).await?;
        txn.commit(Audit::tenant(audit_action::IMPORTED)).await?;
        Ok(count)
    }

    // ------------------------------------------------------------ worker side

    /// Daily: referrals unanswered past their date expire; managers are told (without
    /// names) about those expiring in a week. Returns how many expired.
    pub async fn expire_referrals(&self, now: i64) -> Result<usize, AppError> {
        let overdue = referrals::overdue(self.db(), now).await?;
        for r in &overdue {
            let scope = TenantScope::of(r.tenant_id);
            let txn = self.change_in(scope, None).await?;
            // Decided meanwhile: nothing was written, the change is dropped.
            if referrals::decide(
                &*txn,
                scope,
                r.id,
                ReferralStatus::Expired,
                None,
                None,
                None,
                None,
                now,
            )
            .await?
            {
                txn.commit(Audit::tenant(audit_action::EXPIRED)).await?;
            }
        }
        let soon = referrals::expiring(
            self.db(),
            now + (REMIND_BEFORE_DAYS - 1) * DAY_MS,
            now + REMIND_BEFORE_DAYS * DAY_MS,
        )
        .await?;
        let mut per_tenant: BTreeMap<Uuid, usize> = BTreeMap::new();
        for r in &soon {
            *per_tenant.entry(r.tenant_id).or_default() += 1;
        }
        for (tenant, n) in per_tenant {
            for (user, role) in accounts::members_of(self.db(), tenant).await? {
                if role != Role::ProgrammeManager {
                    continue;
                }
                let link = format!("{}/orientations", self.config().base_url);
                let body = mail::body(&ReferralsAwaitingEmail {
                    count: n,
                    days: REMIND_BEFORE_DAYS,
                    link: &link,
                })?;
                mail::send(
                    &self.config().outbox_dir,
                    OutgoingMail {
                        to: &user.email,
                        subject: "Parcours : orientations en attente",
                        body,
                        calendar: None,
                    },
                )?;
            }
        }
        Ok(overdue.len())
    }
}

/// An import refused: a field of the upload form, or the file itself.
#[derive(Debug)]
pub enum ImportFailure {
    App(AppError),
    File(FileProblem),
}

impl From<AppError> for ImportFailure {
    fn from(e: AppError) -> Self {
        ImportFailure::App(e)
    }
}

impl From<parcours_db::DbErr> for ImportFailure {
    fn from(e: parcours_db::DbErr) -> Self {
        ImportFailure::App(e.into())
    }
}

impl App {
    /// The person agrees (or no longer agrees) that the referrer who sent them sees the
    /// step they are at, never their results.
    pub async fn set_milestones_consent(
        &self,
        actor: &Actor,
        person_id: Uuid,
        give: bool,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::AnswerActivities,
                crate::people::audit_action::PERSON_WRITE_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let standing =
            journey::current_consent(&*txn, scope, person.id, MILESTONES_CONSENT_SCOPE).await?;
        let done = match (give, standing) {
            (true, None) => {
                journey::record_consent(
                    &*txn,
                    scope,
                    person.id,
                    MILESTONES_CONSENT_SCOPE,
                    MILESTONES_CONSENT_TEXT_VERSION,
                    actor.user_id,
                    now,
                )
                .await?;
                audit_action::MILESTONES_GIVEN
            }
            (false, Some(_)) => {
                journey::withdraw_consent(&*txn, scope, person.id, MILESTONES_CONSENT_SCOPE, now)
                    .await?;
                audit_action::MILESTONES_WITHDRAWN
            }
            // Already as asked: nothing written, the change is dropped.
            _ => return Ok(()),
        };
        txn.commit(Audit::of(done, person.id)).await?;
        Ok(())
    }

    /// Whether the person lets their referrer see their steps (None: nobody referred them).
    pub async fn milestones_consent(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<Option<bool>, AppError> {
        let scope = actor.tenant();
        let referred = people::current_enrolment(self.db(), scope, person_id)
            .await?
            .is_some_and(|e| e.referrer_id.is_some());
        if !referred {
            return Ok(None);
        }
        Ok(Some(
            journey::current_consent(self.db(), scope, person_id, MILESTONES_CONSENT_SCOPE)
                .await?
                .is_some(),
        ))
    }
}

/// A programme's settings as a manager edits them.
#[derive(Debug, Clone)]
pub struct ProgrammeSettings {
    pub programme: Programme,
    pub rules: referrals::Rules,
    /// Referrer organisations: id, name, quota, referrals standing.
    pub referrers: Vec<(Uuid, String, Option<i32>, u64)>,
}

/// What the settings form sends.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub co_pilots: String,
    pub departements: String,
    pub publics: Vec<String>,
    pub min_age: String,
    pub max_age: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Per referrer organisation, the quota typed (empty: none).
    pub quotas: Vec<(Uuid, String)>,
}

impl App {
    async fn managed_programme(
        &self,
        actor: &Actor,
        programme_id: Uuid,
    ) -> Result<Programme, AppError> {
        Self::deciding(actor)?;
        programmes::list_in_tenant(self.db(), actor.tenant())
            .await?
            .into_iter()
            .find(|p| p.id == programme_id)
            .ok_or(AppError::NotFound)
    }

    pub async fn programme_settings(
        &self,
        actor: &Actor,
        programme_id: Uuid,
    ) -> Result<ProgrammeSettings, AppError> {
        let programme = self.managed_programme(actor, programme_id).await?;
        let rules = referrals::rules(self.db(), programme.id).await?;
        let quotas = referrals::quotas(self.db(), programme.id).await?;
        let mut referrers = Vec::new();
        for org in programmes::referrers_of(self.db(), programme.id).await? {
            let name = accounts::find_organisation(self.db(), org)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let quota = quotas.iter().find(|(o, _)| *o == org).map(|(_, q)| *q);
            let standing = referrals::standing_count(self.db(), programme.id, org).await?;
            referrers.push((org, name, quota, standing));
        }
        Ok(ProgrammeSettings {
            programme,
            rules,
            referrers,
        })
    }

    pub async fn save_programme_settings(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        input: &SettingsInput,
    ) -> Result<(), AppError> {
        let programme = self.managed_programme(actor, programme_id).await?;
        let mut errors = Vec::new();
        let mut refuse = |field, code| errors.push(FieldError { field, code });
        let departements: Vec<String> = input
            .departements
            .split([';', ',', ' '])
            .map(|d| d.trim().to_ascii_uppercase())
            .filter(|d| !d.is_empty())
            .collect();
        if departements
            .iter()
            .any(|d| !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            refuse("departements", "invalid");
        }
        let mut publics = Vec::new();
        for code in &input.publics {
            match code.parse::<parcours_domain::referral::Public>() {
                Ok(p) => publics.push(p.code().to_owned()),
                Err(_) => refuse("publics", "unknown"),
            }
        }
        let age = |raw: &str| -> Result<Option<i32>, ()> {
            match raw.trim() {
                "" => Ok(None),
                s => s
                    .parse::<i32>()
                    .ok()
                    .filter(|a| (14..=99).contains(a))
                    .map(Some)
                    .ok_or(()),
            }
        };
        let min_age = age(&input.min_age).unwrap_or_else(|()| {
            refuse("min_age", "invalid");
            None
        });
        let max_age = age(&input.max_age).unwrap_or_else(|()| {
            refuse("max_age", "invalid");
            None
        });
        if let (Some(a), Some(b)) = (min_age, max_age)
            && a > b
        {
            refuse("max_age", "below_min");
        }
        let date = |raw: &str| -> Result<Option<String>, ()> {
            match raw.trim() {
                "" => Ok(None),
                s => crate::plan::parse_date(s).map(Some).ok_or(()),
            }
        };
        let starts_on = date(&input.starts_on).unwrap_or_else(|()| {
            refuse("starts_on", "invalid");
            None
        });
        let ends_on = date(&input.ends_on).unwrap_or_else(|()| {
            refuse("ends_on", "invalid");
            None
        });
        if let (Some(a), Some(b)) = (&starts_on, &ends_on)
            && b < a
        {
            refuse("ends_on", "before_start");
        }
        let referrers = programmes::referrers_of(self.db(), programme.id).await?;
        let mut quotas = Vec::new();
        for (org, raw) in &input.quotas {
            if !referrers.contains(org) {
                continue;
            }
            match raw.trim() {
                "" => quotas.push((*org, None)),
                s => match s.parse::<i32>() {
                    Ok(q) if (1..=10_000).contains(&q) => quotas.push((*org, Some(q))),
                    _ => refuse("quota", "invalid"),
                },
            }
        }
        let co_pilots = input.co_pilots.trim();
        if co_pilots.chars().count() > 500 {
            refuse("co_pilots", "too_long");
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        referrals::save_rules(
            &*txn,
            actor.tenant(),
            programme.id,
            &referrals::Rules {
                co_pilots: (!co_pilots.is_empty()).then(|| co_pilots.to_owned()),
                departements,
                publics,
                min_age,
                max_age,
                starts_on,
                ends_on,
            },
            now,
        )
        .await?;
        for (org, quota) in quotas {
            referrals::set_quota(&*txn, programme.id, org, quota).await?;
        }
        txn.commit(Audit::tenant(audit_action::SETTINGS_SAVED))
            .await?;
        Ok(())
    }

    /// The manager records that they saw the proofs of what a referral declared.
    pub async fn check_evidence(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        seen: bool,
    ) -> Result<(), AppError> {
        Self::deciding(actor)?;
        let txn = self.change(actor).await?;
        let checked = seen.then(|| (txn.at(), actor.user_id));
        if !referrals::set_evidence_checked(&*txn, actor.tenant(), referral_id, checked).await? {
            return Err(AppError::NotFound);
        }
        txn.commit(Audit::tenant(audit_action::EVIDENCE_CHECKED))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reminder_email_reads_as_it_did_when_written_inline() {
        let (n, link) = (3, "https://x/orientations");
        let before = format!(
            "Bonjour,\n\n{n} orientation(s) attendent votre réponse et expireront dans {REMIND_BEFORE_DAYS} jours.\n\
             Répondez depuis : {link}\n\n--\nHello,\n\n{n} referral(s) await your answer and will expire in \
             {REMIND_BEFORE_DAYS} days.\nAnswer from: {link}\n"
        );
        let now = mail::body(&ReferralsAwaitingEmail {
            count: n,
            days: REMIND_BEFORE_DAYS,
            link,
        })
        .unwrap();
        assert_eq!(now, before);
    }

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
