//! The coach's view of a person's file: where the bilan stands, a timeline of what
//! happened, notes (private to coaches or shared with the person), documents, and
//! handing the follow-up over to another coach with the history kept.

use std::collections::HashMap;

use parcours_db::repo::documents::{self, DocumentInfo, Share};
use parcours_db::repo::notes::{self, Note};
use parcours_db::repo::transfers::{self, NewTransfer};
use parcours_db::repo::{
    accounts, appointments, audit, journal, journey, messages, people, pistes, projects,
};
use parcours_db::{ConnectionTrait, TenantScope};
use parcours_domain::appointment::AppointmentStatus;
use parcours_domain::project::ProjectStatus;
use parcours_domain::workspace::{MAX_NOTE, MAX_TRANSFER_REASON, NoteVisibility};
use parcours_domain::{Action, Role, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::PersonInvitation;
use crate::people::{Person, relation_to, relation_with_coaching};
use crate::unit_of_work::Audit;
use crate::{App, AppError, checked_text};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const NOTE_WRITTEN: AuditAction = AuditAction::NoteWritten;
    pub const NOTE_DELETED: AuditAction = AuditAction::NoteDeleted;
    pub const NOTES_READ: AuditAction = AuditAction::NotesRead;
    pub const NOTES_ACCESS_DENIED: AuditAction = AuditAction::NotesAccessDenied;
    pub const TRANSFERRED: AuditAction = AuditAction::CaseloadTransferred;
    pub const TRANSFER_DENIED: AuditAction = AuditAction::CaseloadTransferDenied;
    pub const PERSON_INVITED: AuditAction = AuditAction::PersonInvited;
    pub const INVITE_DENIED: AuditAction = AuditAction::PersonInviteDenied;
}

/// How long the link that opens a person's space stays valid.
const PERSON_INVITATION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

/// Where the bilan stands, one line per part of the file.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub activities_done: usize,
    pub activities_total: usize,
    /// Finished questionnaires whose answers look unreliable.
    pub flagged_answers: usize,
    pub shared_journal_entries: usize,
    pub shortlisted_pistes: usize,
    pub project: Option<(String, ProjectStatus)>,
    pub next_appointment: Option<i64>,
    pub sessions_held: usize,
    pub unread_messages: u32,
}

/// One thing that happened on the file, and who did it.
#[derive(Debug, Clone)]
pub struct TimelineEntry {
    pub at: i64,
    pub action: String,
    /// None when the system did it (a scheduled job, a link without an account).
    pub actor_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NoteView {
    pub note: Note,
    pub author_name: String,
    /// Its author may take it back.
    pub can_delete: bool,
}

#[derive(Debug, Clone)]
pub struct TransferView {
    pub from_name: Option<String>,
    pub to_name: String,
    pub by_name: String,
    pub reason: Option<String>,
    pub at: i64,
}

/// What the staff see beside the identity on a file.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    pub overview: Overview,
    pub timeline: Vec<TimelineEntry>,
    /// The latest `NOTES_ON_FILE` notes, and how many there are in all.
    pub notes: Vec<NoteView>,
    pub notes_total: u64,
    pub can_write_notes: bool,
    pub documents: Vec<DocumentInfo>,
    pub shares: Vec<Share>,
    pub transfers: Vec<TransferView>,
    /// Coaches the follow-up can be handed to, the current one left out (empty when the
    /// reader may not transfer).
    pub coaches: Vec<(Uuid, String)>,
    pub current_coach: Option<Uuid>,
    /// The person has an account, so messages reach them.
    pub has_account: bool,
    /// The reader may open the shared journal and the messages (coaches, not managers).
    pub can_read_journal: bool,
    pub can_message: bool,
    /// The reader may open the person's own space (send them a sign-in link).
    pub can_invite: bool,
}

/// Audit actions that are accesses, not events: left out of the timeline (the access
/// log beside it lists them).
fn is_event(action: &str) -> bool {
    !(action.ends_with(".read")
        || action.ends_with("denied")
        || action == "activity.answers_saved"
        || action == "person.read")
}

/// Names of users, looked up once each.
pub(crate) async fn user_names(
    conn: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let mut names = HashMap::new();
    for id in ids {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id)
            && let Some(user) = accounts::find_user(conn, id).await?
        {
            slot.insert(user.display_name);
        }
    }
    Ok(names)
}

/// The latest notes shown on a file; the others are on the notes pages.
pub const NOTES_ON_FILE: u64 = 10;
/// Notes on one page of `/beneficiaries/{id}/notes`.
pub const NOTES_PER_PAGE: u64 = 50;
/// The latest changes shown in a file's timeline.
pub const TIMELINE_SHOWN: u64 = 100;

/// A person's notes as a reader sees them: only the shared ones unless `all`, each
/// deletable by its author when that author is `writer`; `limit` of them from `offset`
/// when a window is given.
pub(crate) async fn note_views(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    all: bool,
    writer: Option<Uuid>,
    window: Option<(u64, u64)>,
) -> Result<Vec<NoteView>, AppError> {
    let rows = notes::of_person(conn, scope, person, !all, window).await?;
    let names = user_names(conn, rows.iter().map(|n| n.author_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|note| NoteView {
            author_name: names.get(&note.author_id).cloned().unwrap_or_default(),
            can_delete: writer == Some(note.author_id),
            note,
        })
        .collect())
}

/// The latest notes a file shows, and how many there are in all.
pub(crate) async fn latest_note_views(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    all: bool,
    writer: Option<Uuid>,
) -> Result<(Vec<NoteView>, u64), AppError> {
    let total = notes::count_of_person(conn, scope, person, !all).await?;
    let shown = note_views(conn, scope, person, all, writer, Some((0, NOTES_ON_FILE))).await?;
    Ok((shown, total))
}

/// One page of a person's notes.
#[derive(Debug, Clone)]
pub struct NotesPage {
    pub person: Person,
    pub notes: Vec<NoteView>,
    pub total: u64,
    /// From 1; a page past the last is the last.
    pub page: u64,
    pub pages: u64,
    /// The reader is the person (who reads only what was shared with them).
    pub is_self: bool,
}

/// The tenant's coaches, by name.
async fn coaches_of(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<(Uuid, String)>, AppError> {
    Ok(accounts::members_of(conn, scope.id())
        .await?
        .into_iter()
        .filter(|(_, role)| *role == Role::Coach)
        .map(|(user, _)| (user.id, user.display_name))
        .collect())
}

impl App {
    /// The staff's workspace on a file, read in the caller's transaction after the file
    /// itself was authorised and its reading audited.
    pub(crate) async fn workspace_of(
        &self,
        conn: &impl ConnectionTrait,
        actor: &Actor,
        person: &Person,
    ) -> Result<Workspace, AppError> {
        let scope = actor.tenant();
        let relation = relation_with_coaching(conn, actor, person).await?;
        let can_message = allows(actor.role, Action::ExchangeMessages, relation);
        let now = self.now();

        let activities = journey::activities_of_person(conn, scope, person.id).await?;
        let flagged_answers = journey::flagged_activities_of_person(conn, scope, person.id).await?;
        let shared_journal_entries = journal::entries_of_person(conn, scope, person.id, true)
            .await?
            .len();
        let shortlisted_pistes = pistes::choices_of_person(conn, scope, person.id)
            .await?
            .iter()
            .filter(|c| c.shortlisted)
            .count();
        let project = projects::current_project(conn, scope, person.id)
            .await?
            .map(|p| (p.title, p.status));
        let sessions = appointments::appointments_of_person(conn, scope, person.id).await?;
        let unread = messages::unread_from_people(conn, scope, [person.id]).await?;
        let overview = Overview {
            activities_done: activities
                .iter()
                .filter(|a| a.completed_at.is_some())
                .count(),
            activities_total: activities.len(),
            flagged_answers,
            shared_journal_entries,
            shortlisted_pistes,
            project,
            next_appointment: sessions
                .iter()
                .filter(|a| a.status == AppointmentStatus::Booked && a.slot.starts_at > now)
                .map(|a| a.slot.starts_at)
                .min(),
            sessions_held: sessions
                .iter()
                .filter(|a| a.status == AppointmentStatus::Held)
                .count(),
            // Only those who may read the messages learn that some wait.
            unread_messages: if can_message {
                unread.get(&person.id).copied().unwrap_or(0)
            } else {
                0
            },
        };

        let can_write_notes = allows(actor.role, Action::WriteNotes, relation);
        let (notes, notes_total) = latest_note_views(
            conn,
            scope,
            person.id,
            can_write_notes,
            can_write_notes.then_some(actor.user_id),
        )
        .await?;
        let transfer_rows = transfers::of_person(conn, scope, person.id).await?;
        let changes = audit::changes_of_person(conn, scope, person.id, TIMELINE_SHOWN).await?;
        let events: Vec<&audit::AuditEvent> =
            changes.iter().filter(|e| is_event(&e.action)).collect();
        let mut ids: Vec<Uuid> = events.iter().filter_map(|e| e.actor_user_id).collect();
        for t in &transfer_rows {
            ids.extend(
                [Some(t.to_coach), Some(t.by_user), t.from_coach]
                    .into_iter()
                    .flatten(),
            );
        }
        let names = user_names(conn, ids).await?;
        let name = |id: Uuid| names.get(&id).cloned().unwrap_or_default();
        let timeline = events
            .iter()
            .map(|e| TimelineEntry {
                at: e.at,
                action: e.action.clone(),
                actor_name: e.actor_user_id.map(name),
            })
            .collect();
        let transfers = transfer_rows
            .into_iter()
            .map(|t| TransferView {
                from_name: t.from_coach.map(name),
                to_name: name(t.to_coach),
                by_name: name(t.by_user),
                reason: t.reason,
                at: t.at,
            })
            .collect();
        let current_coach = people::current_enrolment(conn, scope, person.id)
            .await?
            .and_then(|e| e.coach_id);
        let coaches = if allows(actor.role, Action::TransferCaseload, relation) {
            let mut all = coaches_of(conn, scope).await?;
            all.retain(|(id, _)| Some(*id) != current_coach);
            all
        } else {
            Vec::new()
        };
        Ok(Workspace {
            overview,
            timeline,
            notes,
            notes_total,
            can_write_notes,
            documents: documents::list_of_person(conn, scope, person.id).await?,
            shares: documents::shares_of_person(conn, scope, person.id).await?,
            transfers,
            coaches,
            current_coach,
            // A pending invitation to an existing account reads like a new space: the
            // page must not tell whether the address already had an account.
            has_account: person.user_id.is_some()
                || accounts::person_invitation_pending(conn, scope, person.id, now).await?,
            can_read_journal: allows(actor.role, Action::ReadSharedJournal, relation),
            can_message,
            can_invite: allows(actor.role, Action::ManageJourney, relation),
        })
    }

    /// A coach writes a note on the file, private to coaches or shared with the person.
    pub async fn add_note(
        &self,
        actor: &Actor,
        person_id: Uuid,
        body: &str,
        visibility: &str,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::WriteNotes,
                audit_action::NOTES_ACCESS_DENIED,
            )
            .await?;
        let body = checked_text("body", body, MAX_NOTE)?;
        let visibility: NoteVisibility = visibility
            .parse()
            .map_err(|_| AppError::invalid("visibility", "invalid"))?;
        let now = self.now();
        let txn = self.change(actor).await?;
        let id = notes::insert(
            &txn,
            actor.tenant(),
            person.id,
            actor.user_id,
            visibility,
            &body,
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::NOTE_WRITTEN, person.id))
            .await?;
        Ok(id)
    }

    /// Its author takes a note back.
    pub async fn delete_note(
        &self,
        actor: &Actor,
        person_id: Uuid,
        note_id: Uuid,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::WriteNotes,
                audit_action::NOTES_ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let Some(note) = notes::find(self.db(), scope, note_id).await? else {
            return Err(AppError::NotFound);
        };
        if note.person_id != person.id {
            return Err(AppError::NotFound);
        }
        if note.author_id != actor.user_id {
            return Err(AppError::Forbidden);
        }
        let _now = self.now();
        let txn = self.change(actor).await?;
        notes::delete(&txn, scope, note.id).await?;
        txn.commit(Audit::of(audit_action::NOTE_DELETED, person.id))
            .await?;
        Ok(())
    }

    /// The notes a reader may see: all of them for a coach, the shared ones for the
    /// person and for managers.
    pub async fn notes(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<(Person, Vec<NoteView>), AppError> {
        let all = self.notes_window(actor, person_id, None).await?;
        Ok((all.person, all.notes))
    }

    /// Page `page` (from 1) of the notes a reader may see, newest first; a page past
    /// the last (notes deleted meanwhile, or a hand-made address) is the last.
    pub async fn notes_page(
        &self,
        actor: &Actor,
        person_id: Uuid,
        page: u64,
    ) -> Result<NotesPage, AppError> {
        self.notes_window(actor, person_id, Some(page)).await
    }

    /// The notes of a person, page `page` or all of them (as one page); each read
    /// audited.
    async fn notes_window(
        &self,
        actor: &Actor,
        person_id: Uuid,
        page: Option<u64>,
    ) -> Result<NotesPage, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::NOTES_ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let all = allows(actor.role, Action::WriteNotes, relation_to(actor, &person));
        let txn = self.change(actor).await?;
        let writer = all.then_some(actor.user_id);
        let (notes, total, page, pages) = match page {
            None => {
                let notes = note_views(&txn, scope, person.id, all, writer, None).await?;
                let total = notes.len() as u64;
                (notes, total, 1, 1)
            }
            Some(page) => {
                let total = notes::count_of_person(&txn, scope, person.id, !all).await?;
                let pages = total.div_ceil(NOTES_PER_PAGE).max(1);
                let page = page.clamp(1, pages);
                let window = Some(((page - 1) * NOTES_PER_PAGE, NOTES_PER_PAGE));
                let notes = note_views(&txn, scope, person.id, all, writer, window).await?;
                (notes, total, page, pages)
            }
        };
        txn.commit(Audit::of(audit_action::NOTES_READ, person.id))
            .await?;
        Ok(NotesPage {
            is_self: relation_to(actor, &person).is_self,
            person,
            notes,
            total,
            page,
            pages,
        })
    }

    /// Hands the person's current enrolment to another coach of the organisation; the
    /// history keeps who did it, when and why.
    pub async fn transfer_caseload(
        &self,
        actor: &Actor,
        person_id: Uuid,
        to_coach: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::TransferCaseload,
                audit_action::TRANSFER_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let to: Uuid = to_coach
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("coach", "required"))?;
        if !coaches_of(self.db(), scope)
            .await?
            .iter()
            .any(|(id, _)| *id == to)
        {
            return Err(AppError::invalid("coach", "unknown"));
        }
        let reason = reason.trim();
        if reason.chars().count() > MAX_TRANSFER_REASON {
            return Err(AppError::invalid("reason", "too_long"));
        }
        let Some(enrolment) = people::current_enrolment(self.db(), scope, person.id).await? else {
            return Err(AppError::invalid("coach", "no_enrolment"));
        };
        if enrolment.coach_id == Some(to) {
            return Err(AppError::invalid("coach", "same"));
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        transfers::transfer(
            &txn,
            scope,
            NewTransfer {
                enrolment_id: enrolment.id,
                person_id: person.id,
                from_coach: enrolment.coach_id,
                to_coach: to,
                by_user: actor.user_id,
                reason: (!reason.is_empty()).then_some(reason),
            },
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::TRANSFERRED, person.id))
            .await?;
        Ok(())
    }
}

impl App {
    /// Opens the person's own space (a referred person starts without one): an account
    /// on the email of their file, no password, and a link by email that signs them in
    /// (valid 14 days; afterwards they ask for a new one at /connexion).
    pub async fn invite_person(&self, actor: &Actor, person_id: Uuid) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::INVITE_DENIED,
            )
            .await?;
        if person.user_id.is_some() {
            return Err(AppError::invalid("invitation", "has_account"));
        }
        let Some(email) = person
            .email
            .as_deref()
            .and_then(|e| parcours_domain::Email::parse(e).ok())
        else {
            return Err(AppError::invalid("invitation", "no_email"));
        };
        // The same answer whether the address has an account or not: an existing account
        // is asked by email to accept the personal space (hashed either way, for time).
        let existing = accounts::find_user_by_email(self.db(), &email).await?;
        let scope = actor.tenant();
        // Nobody knows this password: the person signs in with links until they set one.
        let hash = self.hash_password(&crate::random_token()).await?;
        let now = self.now();
        let name = format!("{} {}", person.first_name, person.last_name);
        let txn = self.change(actor).await?;
        if let Some(existing) = existing {
            let invitation = accounts::MembershipInvitation {
                tenant_id: scope.id(),
                user_id: existing.id,
                organisation_id: scope.id(),
                role: Role::Beneficiary,
                person_id: Some(person.id),
            };
            self.invite_existing_account(&txn, scope, &invitation, actor.user_id, now)
                .await?;
        } else {
            let user = accounts::insert_user(&txn, &email, &name, &hash, now).await?;
            accounts::insert_membership(&txn, user, scope.id(), Role::Beneficiary, now).await?;
            if !people::attach_user(&txn, scope, person.id, user, now).await? {
                return Err(AppError::invalid("invitation", "has_account"));
            }
            let token = self
                .issue_sign_in_link(&txn, user, PERSON_INVITATION_TTL_MS, now)
                .await?;
            txn.queue(
                &PersonInvitation {
                    user_id: user,
                    token,
                },
                now,
            )
            .await?;
        }
        txn.commit(Audit::of(audit_action::PERSON_INVITED, person.id))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_refusals_stay_out_of_the_timeline() {
        assert!(!is_event("person.read"));
        assert!(!is_event("journal.read"));
        assert!(!is_event("synthesis.access_denied"));
        assert!(!is_event("person.read_denied"));
        assert!(!is_event("activity.answers_saved"));
        assert!(is_event("activity.completed"));
        assert!(is_event("caseload.transferred"));
        assert!(is_event("synthesis.downloaded"));
    }
}
