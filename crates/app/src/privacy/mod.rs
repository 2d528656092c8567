//! The person's rights over their data (RGPD): what they agreed to, a download of
//! everything held about them, erasure on request (carried out by a programme manager),
//! and anonymisation of files left without contact for two years, after 30 days' notice.
//! Anonymising keeps enrolments, phases, placements and outcomes, so the programmes'
//! figures stay right.

use std::io::Write;

use parcours_db::TenantScope;
use parcours_db::repo::people;
use parcours_db::repo::privacy;
pub use parcours_db::repo::privacy::{ConsentRecord, PendingPerson};
use parcours_domain::policy::Action;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::InactivityNotice;
use crate::mail::{self, OutgoingMail};
use crate::people::audit_action as person_audit;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

mod inactivity;
pub use inactivity::InactivityReport;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const DATA_READ: AuditAction = AuditAction::PrivacyRead;
    pub const DATA_EXPORTED: AuditAction = AuditAction::PrivacyExported;
    pub const ERASURE_REQUESTED: AuditAction = AuditAction::PrivacyErasureRequested;
    pub const ERASURE_WITHDRAWN: AuditAction = AuditAction::PrivacyErasureWithdrawn;
    pub const ANONYMISED: AuditAction = AuditAction::PrivacyAnonymised;
    pub const INACTIVITY_NOTICE: AuditAction = AuditAction::PrivacyInactivityNotice;
    pub const NOTICE_WITHDRAWN: AuditAction = AuditAction::PrivacyNoticeWithdrawn;
}

const DAY_MS: i64 = 24 * 3600 * 1000;
/// A file without contact for this long is anonymised…
pub const INACTIVITY_MS: i64 = 730 * DAY_MS;
/// …once the person was told this long before.
pub const NOTICE_MS: i64 = 30 * DAY_MS;
/// Files handled per query in the daily pass.
const BATCH: u64 = 500;
/// The version of the export's layout, in its `format` key.
pub const EXPORT_FORMAT: &str = "parcours.personal-data/1";

/// The person's page on their data.
#[derive(Debug, Clone)]
pub struct DataRights {
    pub person_id: Uuid,
    pub consents: Vec<ConsentRecord>,
    pub erasure_requested_at: Option<i64>,
}

/// A download: its file name and bytes.
#[derive(Debug, Clone)]
pub struct Download {
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl App {
    /// The signed-in person's file id, or "not found" for anyone without one.
    async fn own_file_id(&self, actor: &Actor) -> Result<Uuid, AppError> {
        self.own_person_id(actor).await?.ok_or(AppError::NotFound)
    }

    /// The person's consents and where their erasure stands.
    pub async fn data_rights(&self, actor: &Actor) -> Result<DataRights, AppError> {
        let person_id = self.own_file_id(actor).await?;
        self.authorize_person(
            actor,
            person_id,
            Action::ExportPersonalData,
            person_audit::PERSON_READ_DENIED,
        )
        .await?;
        let scope = actor.tenant();
        let consents = privacy::consents(self.db(), scope, person_id).await?;
        let Some((erasure_requested_at, _, _)) =
            privacy::status(self.db(), scope, person_id).await?
        else {
            return Err(AppError::NotFound);
        };
        self.record(actor, Audit::of(audit_action::DATA_READ, person_id))
            .await?;
        Ok(DataRights {
            person_id,
            consents,
            erasure_requested_at,
        })
    }

    /// Everything held about the signed-in person, as `export()` lays it out.
    pub async fn own_data_export(&self, actor: &Actor) -> Result<Value, AppError> {
        let person_id = self.own_file_id(actor).await?;
        let (json, _) = self.personal_data(actor, person_id).await?;
        Ok(json)
    }

    /// A ZIP of everything held about a person: `donnees.json`, their documents under
    /// `documents/`, and a note saying what is what. For the person, or a manager
    /// answering a request made on paper.
    pub async fn personal_data_zip(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<Download, AppError> {
        let (json, documents) = self.personal_data(actor, person_id).await?;
        let text = serde_json::to_vec_pretty(&json)
            .map_err(|e| AppError::Internal(format!("export: {e}")))?;
        let zip_error = |e: zip::result::ZipError| AppError::Internal(format!("export zip: {e}"));
        let io_error = |e: std::io::Error| AppError::Internal(format!("export zip: {e}"));
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options =
            zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("LISEZMOI.txt", options).map_err(zip_error)?;
        zip.write_all(README.as_bytes()).map_err(io_error)?;
        zip.start_file("donnees.json", options).map_err(zip_error)?;
        zip.write_all(&text).map_err(io_error)?;
        for (name, content) in documents {
            zip.start_file(name, options).map_err(zip_error)?;
            zip.write_all(&content).map_err(io_error)?;
        }
        let bytes = zip.finish().map_err(zip_error)?.into_inner();
        let day = crate::utc_day(self.now());
        Ok(Download {
            filename: format!("parcours-donnees-{day}.zip"),
            bytes,
        })
    }

    async fn personal_data(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<(Value, Vec<(String, Vec<u8>)>), AppError> {
        self.authorize_person(
            actor,
            person_id,
            Action::ExportPersonalData,
            person_audit::PERSON_READ_DENIED,
        )
        .await?;
        let scope = actor.tenant();
        let Some(data) = privacy::export(self.db(), scope, person_id).await? else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        self.record(actor, Audit::of(audit_action::DATA_EXPORTED, person_id))
            .await?;
        let mut files = Vec::new();
        let mut listed = Vec::new();
        for d in data.documents {
            let extension = if d.content.starts_with(b"%PDF") {
                "pdf"
            } else {
                "bin"
            };
            let name = format!("documents/{}-{}.{extension}", d.kind, d.id);
            listed.push(json!({
                "id": d.id,
                "kind": d.kind,
                "created_at": d.created_at,
                "file": name,
            }));
            files.push((name, d.content));
        }
        let mut root = serde_json::Map::new();
        root.insert("format".into(), json!(EXPORT_FORMAT));
        root.insert("exported_at".into(), json!(now));
        root.insert(
            "times".into(),
            json!("Dates and times are milliseconds since 1970-01-01 UTC."),
        );
        root.insert("document_files".into(), Value::Array(listed));
        root.extend(data.sections);
        Ok((Value::Object(root), files))
    }

    /// The person asks for their file to be erased; a manager of the operator carries
    /// it out. Asking twice changes nothing.
    pub async fn request_erasure(&self, actor: &Actor) -> Result<(), AppError> {
        self.change_own_request(actor, true).await
    }

    /// The person withdraws their request while it waits.
    pub async fn withdraw_erasure(&self, actor: &Actor) -> Result<(), AppError> {
        self.change_own_request(actor, false).await
    }

    async fn change_own_request(&self, actor: &Actor, ask: bool) -> Result<(), AppError> {
        let person_id = self.own_file_id(actor).await?;
        self.authorize_person(
            actor,
            person_id,
            Action::ExportPersonalData,
            person_audit::PERSON_WRITE_DENIED,
        )
        .await?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let (changed, action) = if ask {
            (
                privacy::request_erasure(&txn, scope, person_id, now).await?,
                audit_action::ERASURE_REQUESTED,
            )
        } else {
            (
                privacy::withdraw_erasure(&txn, scope, person_id).await?,
                audit_action::ERASURE_WITHDRAWN,
            )
        };
        // Nothing changed (asked twice): the change is dropped, with nothing to trace.
        if changed {
            txn.commit(Audit::of(action, person_id)).await?;
        }
        Ok(())
    }

    /// Erasure requests and running inactivity notices of the manager's operator.
    pub async fn data_requests(&self, actor: &Actor) -> Result<Vec<PendingPerson>, AppError> {
        if !parcours_domain::policy::allows(
            actor.role,
            Action::ErasePersonalData,
            parcours_domain::policy::Relation {
                same_tenant: true,
                ..Default::default()
            },
        ) {
            return Err(AppError::Forbidden);
        }
        Ok(privacy::pending(self.db(), actor.tenant(), 200).await?)
    }

    /// Whether the actor may erase this file: the check before asking to confirm.
    pub async fn may_erase(&self, actor: &Actor, person_id: Uuid) -> Result<(), AppError> {
        self.authorize_person(
            actor,
            person_id,
            Action::ErasePersonalData,
            person_audit::PERSON_WRITE_DENIED,
        )
        .await
        .map(|_| ())
    }

    /// Carries out an erasure: the file is anonymised at once, for good.
    pub async fn erase_person(&self, actor: &Actor, person_id: Uuid) -> Result<(), AppError> {
        self.authorize_person(
            actor,
            person_id,
            Action::ErasePersonalData,
            person_audit::PERSON_WRITE_DENIED,
        )
        .await?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        // Already anonymised: nothing was written, the change is dropped.
        if privacy::anonymise(&txn, scope, person_id, now).await? {
            txn.commit(Audit::of(audit_action::ANONYMISED, person_id))
                .await?;
        }
        self.release_erased_space().await;
        self.forget_reports().await;
        self.forget_cohorts().await;
        Ok(())
    }

    /// After an erasure, on SQLite, the WAL still holds the pages as they were: it is
    /// checkpointed and truncated at once. A failure (a long reader) is logged and left
    /// to the daily job, which also vacuums PostgreSQL.
    async fn release_erased_space(&self) {
        if self.db().get_database_backend() != parcours_db::DbBackend::Sqlite {
            return;
        }
        match privacy::unscoped::release_erased_space(self.db()).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!("WAL checkpoint after an erasure was busy; the daily job retries")
            }
            Err(error) => tracing::warn!(%error, "WAL checkpoint after an erasure failed"),
        }
    }

    /// Daily: when files were anonymised since the last pass (`since`), the space their
    /// text occupied is released (PostgreSQL: `VACUUM` of the registry's tables;
    /// SQLite: a truncating WAL checkpoint). Returns whether there was anything to do.
    pub async fn release_space_after_erasures(&self, since: i64) -> Result<bool, AppError> {
        if !privacy::unscoped::erased_since(self.db(), audit_action::ANONYMISED.as_str(), since)
            .await?
        {
            return Ok(false);
        }
        if !privacy::unscoped::release_erased_space(self.db()).await? {
            return Err(AppError::Internal(
                "the WAL checkpoint after erasures was busy".into(),
            ));
        }
        Ok(true)
    }
}

const README: &str = "\
Vos données dans Parcours / Your data in Parcours

donnees.json : tout ce que Parcours garde sur vous, rubrique par rubrique (votre fiche,
vos accords, vos questionnaires et réponses, votre journal, les notes et messages, votre
plan, vos rendez-vous, vos sorties, qui a ouvert votre dossier et quand).
Les dates sont en millisecondes depuis le 1er janvier 1970 (UTC).
documents/ : vos documents (la synthèse de votre bilan).

donnees.json: everything Parcours holds about you, section by section (your file, your
consents, your questionnaires and answers, your journal, notes and messages, your plan,
your appointments, your outcomes, who opened your file and when).
Dates are milliseconds since 1 January 1970 (UTC).
documents/: your documents (your bilan's synthesis).
";
