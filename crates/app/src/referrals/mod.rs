//! Referrals: a referrer sends candidates to a programme (a form, or a CSV file checked
//! and corrected in the browser before anything is written); the operator's manager
//! accepts them into a cohort (the person's file and enrolment are created then) or
//! refuses with a reason; referrals left unanswered expire, with a reminder before.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};

use parcours_db::TenantScope;
use parcours_db::repo::programmes::{self, Programme};
use parcours_db::repo::referrals::{self, Cohort, NewImport, NewReferral, Referral, ReferralEvent};
use parcours_db::repo::{installation::accounts, journey, people};
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

mod consent;
mod decisions;
mod imports;
mod parse;
mod settings;
mod submit;
mod view;
mod worker;

pub use imports::ImportFailure;
pub use parse::{CheckedRow, FileProblem, ImportRow, parse_import};
use parse::{Table, check_rows};
pub use settings::{ProgrammeSettings, SettingsInput};

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

/// Refuses `extra` more referrals from the actor's organisation beyond its `quota`
/// (read by [`referrals::lock_quota`] in the same transaction, which holds the lock).
async fn check_quota(
    txn: &parcours_db::DatabaseTransaction,
    scope: TenantScope,
    actor: &Actor,
    programme: &Programme,
    quota: Option<i32>,
    extra: u64,
) -> Result<(), AppError> {
    if let Some(quota) = quota {
        let standing =
            referrals::standing_count(txn, scope, programme.id, actor.organisation_id).await?;
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

impl App {
    /// The programme if the actor's organisation refers to it.
    async fn referable(&self, actor: &Actor, programme_id: Uuid) -> Result<Programme, AppError> {
        let referred = programmes::list_referred_by(self.db(), actor.referrer_scope()).await?;
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

    /// Whether the programme still takes referrals and cohorts: `open`, neither closed
    /// nor archived.
    async fn takes_referrals(&self, programme: &Programme) -> Result<bool, AppError> {
        Ok(parcours_db::repo::programme_admin::status(
            self.db(),
            TenantScope::of(programme.tenant_id),
            programme.id,
        )
        .await?
            == "open")
    }

    /// Refuses new referrals (and cohorts) to a programme that is closed or archived:
    /// the refusal names the programme and says it is closed.
    async fn open_for_referrals(&self, programme: &Programme) -> Result<(), AppError> {
        if self.takes_referrals(programme).await? {
            Ok(())
        } else {
            Err(AppError::invalid("programme", "closed"))
        }
    }

    /// The programmes of the list that still take referrals (a referrer's choice).
    async fn open_programmes(&self, list: Vec<Programme>) -> Result<Vec<Programme>, AppError> {
        let mut out = Vec::new();
        for p in list {
            if self.takes_referrals(&p).await? {
                out.push(p);
            }
        }
        Ok(out)
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
}
