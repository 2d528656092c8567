//! The synthesis document of the phase de conclusions: circumstances, skills and
//! aptitudes, the results that matter, the project and its steps, the follow-up. The
//! coach issues it (a PDF kept as issued); the person owns it and downloads it, and
//! may give it to a named recipient (a link sent to them, on the consent the person
//! records for that recipient, revocable). Documents are destroyed once the bilan has
//! ended, unless the person asked in writing to keep them (then three years).

use parcours_db::TenantScope;
use parcours_db::repo::documents::{self, Document, NewShare};
pub use parcours_db::repo::documents::{DocumentInfo, Share};
use parcours_db::repo::{
    appointments, installation::accounts, journey, people, plan, programmes, projects,
};
use parcours_documents::{ProjectPart, ResultLine, StepGroup, Synthesis, SynthesisLabels};
use parcours_domain::appointment::AppointmentStatus;
use parcours_domain::instrument::Kind;
use parcours_domain::workspace::{MAX_RECIPIENT_NAME, SHARE_VALID_MS};
use parcours_domain::{Action, Email, allows};
use uuid::Uuid;

use crate::appointments::{day_en, day_fr, held_minutes, when_en, when_fr};
use crate::auth::Actor;
use crate::bilan::{BILAN_CAP_MINUTES, Outcome, outcome};
use crate::jobs::DocumentShare;
use crate::mail::{self, OutgoingMail};
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

pub const KIND_SYNTHESIS: &str = "synthesis";
/// The person's written agreement to keep their documents after the bilan.
pub const KEEP_CONSENT_SCOPE: &str = "keep_documents";
pub const KEEP_CONSENT_TEXT_VERSION: &str = "keep-documents-v1";
/// How long kept documents stay after the bilan's end.
pub const KEEP_MS: i64 = 3 * 365 * 24 * 3600 * 1000;
/// Time the person has to download their documents after the end, when not kept.
pub const GRACE_MS: i64 = 30 * 24 * 3600 * 1000;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const ISSUED: AuditAction = AuditAction::SynthesisIssued;
    pub const DOWNLOADED: AuditAction = AuditAction::SynthesisDownloaded;
    pub const READ: AuditAction = AuditAction::SynthesisRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::SynthesisAccessDenied;
    pub const KEEP_GIVEN: AuditAction = AuditAction::ConsentKeepDocumentsGiven;
    pub const KEEP_WITHDRAWN: AuditAction = AuditAction::ConsentKeepDocumentsWithdrawn;
    pub const PURGED: AuditAction = AuditAction::DocumentsPurged;
    pub const SHARED: AuditAction = AuditAction::DocumentShared;
    pub const SHARE_REVOKED: AuditAction = AuditAction::DocumentShareRevoked;
    pub const SHARE_DOWNLOADED: AuditAction = AuditAction::DocumentShareDownloaded;
}

/// The wording the person agrees to when giving their synthesis to someone.
pub const SHARE_CONSENT_TEXT_VERSION: &str = "share-synthesis-v1";

/// Turns a translation key into text in the reader's language; the web layer owns
/// the words.
pub type Words<'a> = &'a (dyn Fn(&str) -> String + Sync);

#[derive(Debug, Clone)]
pub struct SynthesisView {
    pub person: Person,
    pub is_self: bool,
    /// The coach (or manager) may issue a new version.
    pub can_issue: bool,
    /// When the current version was issued, if any.
    pub issued_at: Option<i64>,
    pub keep_consent_at: Option<i64>,
    /// When the documents will be destroyed, once the bilan has ended.
    pub destroy_after: Option<i64>,
    /// Who the person gave the synthesis to, newest first.
    pub shares: Vec<Share>,
}

fn hours(minutes: u32, lang: &str) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match lang {
        "en" => format!("{h} h {m:02} min"),
        _ => format!("{h} h {m:02}"),
    }
}

mod content;
mod issued;
mod shares;

impl App {
    /// Who may have the synthesis: the person, and the staff who conduct the bilan.
    async fn synthesis_reader(&self, actor: &Actor, person_id: Uuid) -> Result<Person, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let relation = relation_to(actor, &person);
        if relation.is_self || allows(actor.role, Action::ManageJourney, relation) {
            return Ok(person);
        }
        self.record(actor, Audit::of(audit_action::ACCESS_DENIED, person.id))
            .await?;
        Err(AppError::Forbidden)
    }

    pub async fn synthesis(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<SynthesisView, AppError> {
        let person = self.synthesis_reader(actor, person_id).await?;
        let scope = actor.tenant();
        self.record(actor, Audit::of(audit_action::READ, person.id))
            .await?;
        let relation = relation_to(actor, &person);
        let issued_at = documents::latest(self.db(), scope, person.id, KIND_SYNTHESIS)
            .await?
            .map(|d| d.created_at);
        let keep =
            journey::current_consent(self.db(), scope, person.id, KEEP_CONSENT_SCOPE).await?;
        let ended = people::current_enrolment(self.db(), scope, person.id)
            .await?
            .and_then(|e| e.bilan_ended_at);
        Ok(SynthesisView {
            is_self: relation.is_self,
            can_issue: allows(actor.role, Action::ManageJourney, relation),
            issued_at,
            destroy_after: ended.map(|end| end + if keep.is_some() { KEEP_MS } else { GRACE_MS }),
            keep_consent_at: keep.map(|c| c.given_at),
            shares: documents::shares_of_person(self.db(), scope, person.id).await?,
            person,
        })
    }
}
