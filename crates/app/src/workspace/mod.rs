//! The coach's view of a person's file: where the bilan stands, a timeline of what
//! happened, notes (private to coaches or shared with the person), documents, and
//! handing the follow-up over to another coach with the history kept.

use std::collections::HashMap;

use parcours_db::repo::documents::{self, DocumentInfo, Share};
use parcours_db::repo::notes::{self, Note};
use parcours_db::repo::people::Person;
use parcours_db::repo::transfers::{self, NewTransfer};
use parcours_db::repo::{
    appointments, audit, installation::accounts, journal, journey, messages, people, pistes,
    projects,
};
use parcours_db::{ConnectionTrait, TenantScope};
use parcours_domain::appointment::AppointmentStatus;
use parcours_domain::project::ProjectStatus;
use parcours_domain::workspace::{MAX_NOTE, MAX_TRANSFER_REASON, NoteVisibility};
use parcours_domain::{Action, Role, allows};
use uuid::Uuid;

use crate::access::{relation_to, relation_with_coaching};
use crate::auth::Actor;
use crate::jobs::PersonInvitation;
use crate::unit_of_work::Audit;
use crate::{App, AppError, checked_text};

mod invite;
mod note_taking;
mod overview;
mod transfer;

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
