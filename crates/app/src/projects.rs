//! The professional project and its validation gate: chosen from a piste (or an
//! entrepreneurial idea), backed by evidence that records who confirmed it and when,
//! signed off by the coach with a comment; the whole history is kept.

use parcours_catalog::recommend::{self, Recommendation, Weights};
use parcours_db::repo::installation::accounts;
use parcours_db::repo::projects::{self, EvidenceRecord, GateEvent, NewProject, Project};
use parcours_domain::project::{
    Criterion, Evidence, GateRefusal, ProjectKind, ProjectStatus, check_move,
};
use parcours_domain::{Action, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError};

/// Longest evidence note or gate comment.
pub const MAX_NOTE: usize = 2000;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const PROJECT_READ: AuditAction = AuditAction::ProjectRead;
    pub const PROJECT_CHOSEN: AuditAction = AuditAction::ProjectChosen;
    pub const EVIDENCE_RECORDED: AuditAction = AuditAction::ProjectEvidenceRecorded;
    pub const STATUS_CHANGED: AuditAction = AuditAction::ProjectStatusChanged;
    pub const ACCESS_DENIED: AuditAction = AuditAction::ProjectAccessDenied;
}

#[derive(Debug, Clone)]
pub struct EvidenceView {
    pub item: Evidence,
    /// Recorded: the note, who confirmed it (name) and when.
    pub record: Option<(EvidenceRecord, String)>,
}

#[derive(Debug, Clone)]
pub struct ProjectView {
    pub person: Person,
    pub is_self: bool,
    pub project: Option<Project>,
    pub evidence: Vec<EvidenceView>,
    /// The three criteria of a coherent project and whether their evidence is in.
    pub criteria: Vec<(Criterion, bool)>,
    /// The gate's history with the name of who moved it.
    pub history: Vec<(GateEvent, String)>,
    /// The engine's reading of the chosen occupation for this person.
    pub fit: Option<Recommendation>,
    /// The person or their coach may choose a project and record evidence.
    pub can_work: bool,
    /// Staff may sign the project off or send it back.
    pub can_sign: bool,
}

/// What is chosen as the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectChoice {
    Occupation { code_rome: String },
    Business { title: String },
}

impl App {
    /// The person (answering their own bilan) or their coach (managing the journey).
    pub(crate) async fn project_worker(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<Person, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let relation = relation_to(actor, &person);
        if allows(actor.role, Action::AnswerActivities, relation)
            || allows(actor.role, Action::ManageJourney, relation)
        {
            return Ok(person);
        }
        self.record(actor, Audit::of(audit_action::ACCESS_DENIED, person.id))
            .await?;
        Err(AppError::Forbidden)
    }

    async fn user_name(&self, id: Uuid) -> Result<String, AppError> {
        Ok(accounts::find_user(self.db(), id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default())
    }

    pub async fn project(&self, actor: &Actor, person_id: Uuid) -> Result<ProjectView, AppError> {
        let person = self
            .read_person(
                actor,
                person_id,
                audit_action::PROJECT_READ,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let relation = relation_to(actor, &person);
        let can_work = allows(actor.role, Action::AnswerActivities, relation)
            || allows(actor.role, Action::ManageJourney, relation);
        let can_sign = allows(actor.role, Action::ManageJourney, relation);
        let project = projects::current_project(self.db(), scope, person.id).await?;
        let mut evidence = Vec::new();
        let mut history = Vec::new();
        let mut fit = None;
        if let Some(p) = &project {
            let records = projects::evidence_of(self.db(), scope, p.id).await?;
            for item in Evidence::ALL {
                let record = match records.iter().find(|r| r.item == *item) {
                    Some(r) => Some((r.clone(), self.user_name(r.confirmed_by).await?)),
                    None => None,
                };
                evidence.push(EvidenceView {
                    item: *item,
                    record,
                });
            }
            for event in projects::events_of(self.db(), scope, p.id).await? {
                let name = self.user_name(event.by).await?;
                history.push((event, name));
            }
            if let (Some(code), Some(catalog)) = (&p.code_rome, self.catalog()) {
                let (profile, _, _) = self.bilan_profile(actor, person.id).await?;
                let weights = Weights::default();
                if let Ok(prepared) = profile.prepare(&catalog, &weights) {
                    fit = recommend::explain_fiche(&catalog, &prepared, &weights, code);
                }
            }
        }
        let done: Vec<Evidence> = evidence
            .iter()
            .filter(|e| e.record.is_some())
            .map(|e| e.item)
            .collect();
        let criteria = Criterion::ALL
            .iter()
            .map(|c| (*c, c.evidence().iter().all(|e| done.contains(e))))
            .collect();
        Ok(ProjectView {
            is_self: relation.is_self,
            person,
            project,
            evidence,
            criteria,
            history,
            fit,
            can_work,
            can_sign,
        })
    }

    /// Chooses a new project; the previous one stays in the history of the file.
    pub async fn choose_project(
        &self,
        actor: &Actor,
        person_id: Uuid,
        choice: &ProjectChoice,
    ) -> Result<Uuid, AppError> {
        let person = self.project_worker(actor, person_id).await?;
        let (kind, code, title) = match choice {
            ProjectChoice::Occupation { code_rome } => {
                let code = code_rome.trim().to_ascii_uppercase();
                let label = self
                    .catalog()
                    .and_then(|c| c.fiche(&code).map(|f| f.label.clone()))
                    .ok_or_else(|| AppError::invalid("code", "unknown"))?;
                (ProjectKind::Occupation, Some(code), label)
            }
            ProjectChoice::Business { title } => {
                let title = title.trim();
                if title.is_empty() {
                    return Err(AppError::invalid("title", "required"));
                }
                if title.chars().count() > 200 {
                    return Err(AppError::invalid("title", "too_long"));
                }
                (ProjectKind::Business, None, title.to_owned())
            }
        };
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let id = projects::insert_project(
            &txn,
            scope,
            NewProject {
                person_id: person.id,
                kind,
                code_rome: code.as_deref(),
                title: &title,
            },
            actor.user_id,
            now,
        )
        .await?;
        projects::insert_event(
            &txn,
            scope,
            id,
            None,
            ProjectStatus::Exploring,
            "",
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::PROJECT_CHOSEN, person.id))
            .await?;
        Ok(id)
    }

    /// Records one piece of evidence for the current project, with who and when.
    pub async fn record_project_evidence(
        &self,
        actor: &Actor,
        person_id: Uuid,
        item: Evidence,
        note: &str,
    ) -> Result<(), AppError> {
        let person = self.project_worker(actor, person_id).await?;
        let note = note.trim();
        if note.is_empty() {
            return Err(AppError::invalid("note", "required"));
        }
        if note.chars().count() > MAX_NOTE {
            return Err(AppError::invalid("note", "too_long"));
        }
        let scope = actor.tenant();
        let Some(project) = projects::current_project(self.db(), scope, person.id).await? else {
            return Err(AppError::invalid("project", "none"));
        };
        if project.status == ProjectStatus::Validated {
            return Err(AppError::invalid("project", "validated"));
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        projects::record_evidence(&txn, scope, project.id, item, note, actor.user_id, now).await?;
        txn.commit(Audit::of(audit_action::EVIDENCE_RECORDED, person.id))
            .await?;
        Ok(())
    }

    /// Moves the project through the gate. Asking for validation is the person's or the
    /// coach's; validating and sending back are the coach's, with a comment.
    pub async fn move_project(
        &self,
        actor: &Actor,
        person_id: Uuid,
        to: ProjectStatus,
        comment: &str,
    ) -> Result<(), AppError> {
        let person = self.project_worker(actor, person_id).await?;
        let scope = actor.tenant();
        let Some(project) = projects::current_project(self.db(), scope, person.id).await? else {
            return Err(AppError::invalid("project", "none"));
        };
        let coach_move = to != ProjectStatus::Validating;
        if coach_move
            && !allows(
                actor.role,
                Action::ManageJourney,
                relation_to(actor, &person),
            )
        {
            return Err(AppError::Forbidden);
        }
        if comment.chars().count() > MAX_NOTE {
            return Err(AppError::invalid("comment", "too_long"));
        }
        let done: Vec<Evidence> = projects::evidence_of(self.db(), scope, project.id)
            .await?
            .iter()
            .map(|r| r.item)
            .collect();
        match check_move(project.status, to, &done, comment) {
            Ok(()) => {}
            Err(GateRefusal::NotAllowed) => return Err(AppError::invalid("status", "not_allowed")),
            Err(GateRefusal::CommentRequired) => {
                return Err(AppError::invalid("comment", "required"));
            }
            Err(GateRefusal::MissingEvidence(_)) => {
                return Err(AppError::invalid("evidence", "missing"));
            }
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        projects::set_status(&txn, scope, project.id, to, now).await?;
        projects::insert_event(
            &txn,
            scope,
            project.id,
            Some(project.status),
            to,
            comment.trim(),
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::STATUS_CHANGED, person.id))
            .await?;
        Ok(())
    }
}
