//! The introspection journal: the person writes, guided by prompts of their current
//! phase or freely; each entry stays private unless they share it with their coach.
//! Staff never see a private entry, nor how many there are.

pub use parcours_db::repo::journal::JournalEntry;
use parcours_db::repo::journal::{self, NewEntry};
use parcours_db::repo::people;
use parcours_domain::journal::{MAX_ENTRY, Prompt};
use parcours_domain::{Action, Phase, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const JOURNAL_READ: AuditAction = AuditAction::JournalRead;
    pub const ENTRY_WRITTEN: AuditAction = AuditAction::JournalEntryWritten;
    pub const ENTRY_CHANGED: AuditAction = AuditAction::JournalEntryChanged;
    pub const ENTRY_DELETED: AuditAction = AuditAction::JournalEntryDeleted;
    pub const ACCESS_DENIED: AuditAction = AuditAction::JournalAccessDenied;
}

#[derive(Debug, Clone)]
pub struct JournalView {
    pub person: Person,
    /// The reader is the person: they write and see every entry.
    pub is_owner: bool,
    pub phase: Phase,
    /// Prompts of the current phase (only for the owner).
    pub prompts: Vec<Prompt>,
    /// Every entry for the owner; the shared ones for the coach. Newest first.
    pub entries: Vec<JournalEntry>,
}

/// What the person writes: an answer to a prompt, or a free entry.
#[derive(Debug, Clone, Default)]
pub struct EntryInput {
    pub prompt_id: Option<String>,
    pub body: String,
    pub shared: bool,
}

impl App {
    async fn journal_reader(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<(Person, bool), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadSharedJournal,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let is_owner = allows(
            actor.role,
            Action::AnswerActivities,
            relation_to(actor, &person),
        );
        Ok((person, is_owner))
    }

    /// A person's journal as the reader may see it.
    pub async fn journal(&self, actor: &Actor, person_id: Uuid) -> Result<JournalView, AppError> {
        let (person, is_owner) = self.journal_reader(actor, person_id).await?;
        let scope = actor.tenant();
        self.record(actor, Audit::of(audit_action::JOURNAL_READ, person.id))
            .await?;
        let phase = people::current_enrolment(self.db(), scope, person.id)
            .await?
            .map_or(Phase::Preliminary, |e| e.phase);
        let entries = journal::entries_of_person(self.db(), scope, person.id, !is_owner).await?;
        let prompts = if is_owner {
            self.journal_prompts()
                .for_phase(phase)
                .into_iter()
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        Ok(JournalView {
            person,
            is_owner,
            phase,
            prompts,
            entries,
        })
    }

    /// One entry, for its owner to edit, or for the coach when it is shared.
    pub async fn journal_entry(
        &self,
        actor: &Actor,
        entry_id: Uuid,
    ) -> Result<(JournalEntry, bool), AppError> {
        let (entry, is_owner) = self.entry_for(actor, entry_id).await?;
        self.record(
            actor,
            Audit::of(audit_action::JOURNAL_READ, entry.person_id),
        )
        .await?;
        Ok((entry, is_owner))
    }

    async fn entry_for(
        &self,
        actor: &Actor,
        entry_id: Uuid,
    ) -> Result<(JournalEntry, bool), AppError> {
        let scope = actor.tenant();
        let Some(entry) = journal::find_entry(self.db(), scope, entry_id).await? else {
            return Err(AppError::NotFound);
        };
        let (_, is_owner) = self.journal_reader(actor, entry.person_id).await?;
        // A private entry does not exist for anyone but its author.
        if !is_owner && entry.shared_at.is_none() {
            return Err(AppError::NotFound);
        }
        Ok((entry, is_owner))
    }

    fn check_entry(&self, input: &EntryInput) -> Result<(), AppError> {
        if input.body.trim().is_empty() {
            return Err(AppError::invalid("body", "required"));
        }
        if input.body.chars().count() > MAX_ENTRY {
            return Err(AppError::invalid("body", "too_long"));
        }
        if let Some(id) = &input.prompt_id
            && self.journal_prompts().get(id).is_none()
        {
            return Err(AppError::invalid("prompt", "unknown"));
        }
        Ok(())
    }

    /// The person writes a new entry in their journal.
    pub async fn write_journal_entry(
        &self,
        actor: &Actor,
        person_id: Uuid,
        input: &EntryInput,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::AnswerActivities,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        self.check_entry(input)?;
        let scope = actor.tenant();
        let now = self.now();
        let phase = match &input.prompt_id {
            Some(id) => self.journal_prompts().get(id).map(|p| p.phase),
            None => None,
        };
        let phase = match phase {
            Some(p) => p,
            None => people::current_enrolment(self.db(), scope, person.id)
                .await?
                .map_or(Phase::Preliminary, |e| e.phase),
        };
        let txn = self.change(actor).await?;
        let id = journal::insert_entry(
            &txn,
            scope,
            NewEntry {
                person_id: person.id,
                prompt_id: input.prompt_id.as_deref(),
                phase,
                body: input.body.trim(),
                shared: input.shared,
            },
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::ENTRY_WRITTEN, person.id))
            .await?;
        Ok(id)
    }

    /// The author rewrites an entry or changes whether it is shared.
    pub async fn update_journal_entry(
        &self,
        actor: &Actor,
        entry_id: Uuid,
        body: &str,
        shared: bool,
    ) -> Result<(), AppError> {
        let (entry, is_owner) = self.entry_for(actor, entry_id).await?;
        if !is_owner {
            return Err(AppError::Forbidden);
        }
        self.check_entry(&EntryInput {
            prompt_id: None,
            body: body.to_owned(),
            shared,
        })?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        journal::update_entry(&txn, scope, &entry, body.trim(), shared, now).await?;
        txn.commit(Audit::of(audit_action::ENTRY_CHANGED, entry.person_id))
            .await?;
        Ok(())
    }

    /// The author deletes an entry for good.
    pub async fn delete_journal_entry(
        &self,
        actor: &Actor,
        entry_id: Uuid,
    ) -> Result<(), AppError> {
        let (entry, is_owner) = self.entry_for(actor, entry_id).await?;
        if !is_owner {
            return Err(AppError::Forbidden);
        }
        let scope = actor.tenant();
        let _now = self.now();
        let txn = self.change(actor).await?;
        journal::delete_entry(&txn, scope, entry.id).await?;
        txn.commit(Audit::of(audit_action::ENTRY_DELETED, entry.person_id))
            .await?;
        Ok(())
    }
}
