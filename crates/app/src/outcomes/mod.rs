//! Outcomes: the historical import of participants from a spreadsheet, the outcomes
//! report (CLI and dashboard), the exit and follow-up facts coaches record, and the
//! generator of large programmes for benchmarks.

use std::collections::{BTreeMap, HashMap, HashSet};

use parcours_db::TenantScope;
use parcours_db::repo::outcomes::{self, ImportedParticipant, OutcomeFact};
use parcours_db::repo::{installation::accounts, programmes};
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

mod dashboard;
mod facts;
mod import;
mod participants;
mod report;
mod seed;

pub use participants::{
    MAX_PARTICIPANT_CELL_BYTES, MAX_PARTICIPANT_ROWS, MAX_PARTICIPANTS_MIB, PARTICIPANTS_HEADER,
    ParticipantRow, read_participants, too_large_file,
};
use report::effective_min_cell;
pub(crate) use seed::SeedPlan;
// The report's text form is presentation: it lives with the documents.
pub use parcours_documents::outcomes_text::report_text;

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

impl ProgrammeRef {
    /// The funder whose label rule the programme's report follows.
    fn funder_scope(&self) -> Option<parcours_db::FunderScope> {
        self.funder.map(parcours_db::FunderScope::of)
    }
}

fn iso_date(raw: &str) -> Option<time::Date> {
    parcours_domain::opportunity::date(raw)
}

impl PersonOutcomes {
    /// The first day each follow-up point may be recorded, once the exit is.
    pub fn earliest_follow_up(
        &self,
        point: parcours_domain::outcome::FollowUpPoint,
    ) -> Option<time::Date> {
        point.earliest(iso_date(self.exit_on.as_deref()?)?)
    }
}

fn date_ms(d: time::Date) -> i64 {
    d.midnight().assume_utc().unix_timestamp() * 1000
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
    /// The day the person left the programme (YYYY-MM-DD), once recorded.
    pub exit_on: Option<String>,
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
