//! The staff's workspace on a file: where the bilan stands, the timeline, the latest
//! notes, documents and transfers, read in one pass.

use super::*;

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
}
