//! A person's sessions: reading them, recording what became of one (attendance, notes),
//! and their calendar files.

use parcours_db::TenantScope;
use parcours_db::repo::appointments::{self as repo};
use parcours_db::repo::{installation::accounts, people};
use parcours_domain::appointment::AppointmentStatus;
use parcours_domain::{Action, allows};
use uuid::Uuid;

use super::*;
use crate::auth::Actor;
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest};

impl App {
    /// A person's sessions: for the person, their coach or manager. Audited.
    pub async fn appointments(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<AppointmentsView, AppError> {
        let person = self
            .read_person(
                actor,
                person_id,
                audit_action::READ,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let relation = relation_to(actor, &person);
        let can_manage = allows(actor.role, Action::ManageJourney, relation);
        let mut appointments = repo::appointments_of_person(self.db(), scope, person.id).await?;
        if !can_manage {
            // Session notes are the coaches' working notes.
            for a in &mut appointments {
                a.notes = None;
            }
        }
        let coach = people::current_enrolment(self.db(), scope, person.id)
            .await?
            .and_then(|e| e.coach_id);
        let open_slots = match (relation.is_self, coach) {
            (true, Some(coach)) => {
                repo::open_slots_of_coach(self.db(), scope, coach, self.now()).await?
            }
            _ => Vec::new(),
        };
        let coach_name = match coach {
            Some(id) => accounts::find_user(self.db(), id)
                .await?
                .map(|u| u.display_name),
            None => None,
        };
        Ok(AppointmentsView {
            held_minutes: held_minutes(&appointments),
            is_self: relation.is_self,
            can_manage,
            person,
            appointments,
            open_slots,
            coach_name,
        })
    }

    /// The appointment and the person it concerns, for someone allowed to act on it.
    /// The person an appointment of the actor's tenant is with, so that a page whose
    /// address names a person checks it before changing anything.
    pub async fn person_of_appointment(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
    ) -> Result<Option<Uuid>, AppError> {
        Ok(
            repo::find_appointment(self.db(), actor.tenant(), appointment_id)
                .await?
                .map(|a| a.person_id),
        )
    }

    async fn appointment_for(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
        action: Action,
    ) -> Result<(Appointment, Person), AppError> {
        let Some(appointment) =
            repo::find_appointment(self.db(), actor.tenant(), appointment_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let person = self
            .authorize_person(
                actor,
                appointment.person_id,
                action,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        Ok((appointment, person))
    }

    /// The coach records what became of a session (held, missed, cancelled) and its
    /// notes; the person may only cancel a session still to come.
    pub async fn record_attendance(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
        status: AppointmentStatus,
        notes: Option<&str>,
    ) -> Result<Uuid, AppError> {
        let (appointment, person) = self
            .appointment_for(actor, appointment_id, Action::ReadPersonFile)
            .await?;
        let relation = relation_to(actor, &person);
        let staff = allows(actor.role, Action::ManageJourney, relation);
        let now = self.now();
        let by_role = if staff { "coach" } else { "person" };
        if !staff {
            let own = allows(actor.role, Action::AnswerActivities, relation);
            if !own || status != AppointmentStatus::Cancelled || notes.is_some() {
                return Err(AppError::Forbidden);
            }
            if appointment.status != AppointmentStatus::Booked || appointment.slot.starts_at <= now
            {
                return Err(AppError::invalid("status", "too_late"));
            }
        }
        if status == AppointmentStatus::Booked {
            return Err(AppError::invalid("status", "unknown_choice"));
        }
        // Held or missed is a fact about the past: recorded once the session has started
        // (a call or walk-in that happened without a slot is recorded after the fact).
        if matches!(status, AppointmentStatus::Held | AppointmentStatus::Missed)
            && appointment.slot.starts_at > now
        {
            return Err(AppError::invalid("status", "not_yet"));
        }
        if appointment.status == AppointmentStatus::Cancelled
            && status != AppointmentStatus::Cancelled
        {
            // A cancelled booking freed its slot: it cannot come back.
            return Err(AppError::invalid("status", "cancelled"));
        }
        let notes = match notes.map(str::trim) {
            Some(n) if n.chars().count() > MAX_NOTES => {
                return Err(AppError::invalid("notes", "too_long"));
            }
            Some("") => None,
            other => other,
        };
        let status_changed = status != appointment.status;
        let notes_changed = staff && notes != appointment.notes.as_deref();
        if !status_changed && !notes_changed {
            // Nothing to change, nothing to trace.
            return Ok(person.id);
        }
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        if status_changed {
            repo::set_status(
                &*txn,
                scope,
                appointment.id,
                status,
                Some(actor.user_id),
                by_role,
                now,
            )
            .await?;
        }
        if notes_changed {
            repo::set_notes(&*txn, scope, appointment.id, notes, actor.user_id, now).await?;
        }
        // One row per kind of change, the status's first.
        let last = if notes_changed {
            if status_changed {
                txn.audit(Audit::of(audit_action::STATUS_CHANGED, person.id))
                    .await?;
            }
            audit_action::NOTES_WRITTEN
        } else {
            audit_action::STATUS_CHANGED
        };
        txn.commit(Audit::of(last, person.id)).await?;
        Ok(person.id)
    }

    /// The calendar file of one's appointment (person or their staff).
    pub async fn appointment_calendar(
        &self,
        actor: &Actor,
        appointment_id: Uuid,
    ) -> Result<String, AppError> {
        let (appointment, person) = self
            .appointment_for(actor, appointment_id, Action::ReadPersonFile)
            .await?;
        self.record(actor, Audit::of(audit_action::READ, person.id))
            .await?;
        Ok(calendar_of(
            &appointment,
            &self.config().base_url,
            self.now(),
        ))
    }

    /// The calendar file from the invitation link (the token is the key).
    pub async fn invitation_calendar(
        &self,
        token: &str,
        appointment_id: Uuid,
    ) -> Result<String, AppError> {
        let Some(invitation) =
            repo::unscoped::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        let scope = TenantScope::of(invitation.tenant_id);
        match repo::find_appointment(self.db(), scope, appointment_id).await? {
            Some(a) if a.person_id == invitation.person_id => {
                Ok(calendar_of(&a, &self.config().base_url, self.now()))
            }
            _ => Err(AppError::NotFound),
        }
    }
}
