//! Booking a session: the coach's invitation link, what it opens, and the booking itself
//! (from the link or from the person's own space), with its confirmation and reminder
//! queued in the same change.

use parcours_db::repo::appointments::{self as repo};
use parcours_db::repo::{installation::accounts, people};
use parcours_db::{TenantScope, is_unique_violation};
use parcours_domain::Action;
use parcours_domain::appointment::{AppointmentStatus, BookedVia};
use uuid::Uuid;

use super::*;
use crate::auth::Actor;
use crate::jobs::{AppointmentConfirmation, AppointmentReminder, BookingInvitation};
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

impl App {
    /// The coach invites the person to pick one of their slots: a link valid two weeks,
    /// emailed by the worker when the person has an address, shown to the coach anyway
    /// (to pass on by text message or on paper).
    pub async fn invite_to_book(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<InvitationSent, AppError> {
        Self::session_staff(actor)?;
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let token = random_token();
        if token.is_empty() {
            return Err(AppError::Internal("no random source".into()));
        }
        let emailed = self.contact_email(&person).await?.is_some();
        let txn = self.change(actor).await?;
        let invitation = repo::insert_invitation(
            &*txn,
            scope,
            person.id,
            actor.user_id,
            &digest(&token),
            now + INVITATION_TTL_MS,
            now,
        )
        .await?;
        if emailed {
            let job = BookingInvitation {
                invitation_id: invitation,
                token: token.clone(),
            };
            txn.queue(&job, now).await?;
        }
        txn.commit(Audit::of(audit_action::INVITED, person.id))
            .await?;
        Ok(InvitationSent {
            link: format!("{}/rendez-vous/{token}", self.config().base_url),
            emailed,
        })
    }

    /// What a link's token opens. The token is the key: no login, so that people far
    /// from digital tools can book from a text message.
    pub async fn invitation(&self, token: &str) -> Result<InvitationView, AppError> {
        let Some(invitation) =
            repo::unscoped::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        let scope = TenantScope::of(invitation.tenant_id);
        // Opened by whoever holds the link: no signed-in author.
        let txn = self.change_in(scope, None).await?;
        let now = txn.at();
        txn.commit(Audit::of(
            audit_action::INVITATION_OPENED,
            invitation.person_id,
        ))
        .await?;
        let usable = invitation.used_at.is_none() && invitation.expires_at > now;
        let open_slots = if usable {
            repo::open_slots_of_coach(self.db(), scope, invitation.coach_id, now).await?
        } else {
            Vec::new()
        };
        let upcoming = repo::appointments_of_person(self.db(), scope, invitation.person_id)
            .await?
            .into_iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.slot.starts_at > now)
            .collect();
        let coach_name = accounts::find_user(self.db(), invitation.coach_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        Ok(InvitationView {
            coach_name,
            usable,
            open_slots,
            upcoming,
        })
    }

    /// Books a slot from an invitation link: once per link, a slot held by nobody.
    pub async fn book_with_invitation(&self, token: &str, slot_id: Uuid) -> Result<Uuid, AppError> {
        let Some(invitation) =
            repo::unscoped::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        if invitation.used_at.is_some() || invitation.expires_at <= now {
            return Err(AppError::invalid("invitation", "expired"));
        }
        let scope = TenantScope::of(invitation.tenant_id);
        self.book(
            scope,
            invitation.coach_id,
            invitation.person_id,
            slot_id,
            BookedVia::Link,
            None,
            Some(invitation.id),
        )
        .await
    }

    /// The person books one of their coach's free slots from their own space.
    pub async fn book_own(&self, actor: &Actor, slot_id: Uuid) -> Result<Uuid, AppError> {
        let Some(person) =
            people::find_person_of_user(self.db(), actor.tenant(), actor.user_id).await?
        else {
            return Err(AppError::Forbidden);
        };
        let person = self
            .authorize_person(
                actor,
                person.id,
                Action::AnswerActivities,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let Some(coach) = people::current_enrolment(self.db(), actor.tenant(), person.id)
            .await?
            .and_then(|e| e.coach_id)
        else {
            return Err(AppError::invalid("slot", "no_coach"));
        };
        self.book(
            actor.tenant(),
            coach,
            person.id,
            slot_id,
            BookedVia::Account,
            Some(actor.user_id),
            None,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn book(
        &self,
        scope: TenantScope,
        coach: Uuid,
        person: Uuid,
        slot_id: Uuid,
        via: BookedVia,
        by_user: Option<Uuid>,
        invitation: Option<Uuid>,
    ) -> Result<Uuid, AppError> {
        let txn = self.change_in(scope, by_user).await?;
        let now = txn.at();
        // Read under the slot's lock: a withdrawal made meanwhile is seen (the slot
        // held by someone else fails on the unique hold below).
        let Some(slot) = repo::lock_slot(&*txn, scope, slot_id).await? else {
            return Err(AppError::invalid("slot", "unavailable"));
        };
        if slot.coach_id != coach || slot.cancelled_at.is_some() || slot.starts_at <= now {
            return Err(AppError::invalid("slot", "unavailable"));
        }
        if let Some(id) = invitation
            && !repo::use_invitation(&*txn, scope, id, now).await?
        {
            return Err(AppError::invalid("invitation", "expired"));
        }
        let appointment =
            match repo::insert_appointment(&*txn, scope, slot.id, person, via, now).await {
                Ok(id) => id,
                Err(e) if is_unique_violation(&e) => {
                    return Err(AppError::invalid("slot", "taken"));
                }
                Err(e) => return Err(e.into()),
            };
        let confirmation = AppointmentConfirmation {
            appointment_id: appointment,
        };
        txn.queue(&confirmation, now).await?;
        let reminder = AppointmentReminder {
            appointment_id: appointment,
        };
        txn.queue(&reminder, (slot.starts_at - REMINDER_LEAD_MS).max(now))
            .await?;
        txn.commit(Audit::of(audit_action::BOOKED, person)).await?;
        Ok(appointment)
    }
}
