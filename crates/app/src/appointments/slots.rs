//! The coach's agenda: publishing slots, reading them with who booked, withdrawing a
//! free one.

use parcours_db::repo::appointments::{self as repo, NewSlot};
use parcours_db::repo::{installation::accounts, people};
use parcours_domain::Role;
use uuid::Uuid;

use super::*;
use crate::auth::Actor;
use crate::people::Person;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

impl App {
    /// Where to write to the person: their contact address, else their login's.
    pub(crate) async fn contact_email(&self, person: &Person) -> Result<Option<String>, AppError> {
        if let Some(email) = &person.email {
            return Ok(Some(email.clone()));
        }
        Ok(match person.user_id {
            Some(user) => accounts::find_user(self.db(), user).await?.map(|u| u.email),
            None => None,
        })
    }

    /// Staff who run sessions: coaches and managers of the tenant.
    pub(super) fn session_staff(actor: &Actor) -> Result<(), AppError> {
        if matches!(actor.role, Role::Coach | Role::ProgrammeManager) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub async fn publish_slots(&self, actor: &Actor, input: &SlotInput) -> Result<usize, AppError> {
        Self::session_staff(actor)?;
        let now = self.now();
        let (starts, minutes, mode, place) = input.parse(now)?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        for starts_at in &starts {
            repo::insert_slot(
                &*txn,
                scope,
                actor.user_id,
                &NewSlot {
                    starts_at: *starts_at,
                    minutes,
                    mode,
                    place: &place,
                },
                now,
            )
            .await?;
        }
        txn.commit(Audit::tenant(audit_action::SLOTS_PUBLISHED))
            .await?;
        Ok(starts.len())
    }

    /// The coach's agenda from today on: every slot, and who booked it.
    pub async fn agenda(&self, actor: &Actor) -> Result<Vec<AgendaSlot>, AppError> {
        Self::session_staff(actor)?;
        let scope = actor.tenant();
        let from = self.now() - 24 * 3600 * 1000;
        let slots = repo::slots_of_coach(self.db(), scope, actor.user_id, from).await?;
        // The names of everyone booked, in one query.
        let names = people::find_persons(
            self.db(),
            scope,
            slots
                .iter()
                .filter_map(|(_, b)| b.as_ref().map(|a| a.person_id)),
        )
        .await?;
        let out = slots
            .into_iter()
            .map(|(slot, booking)| AgendaSlot {
                slot,
                booking: booking.map(|a| {
                    let name = names
                        .get(&a.person_id)
                        .map(|p| format!("{} {}", p.first_name, p.last_name))
                        .unwrap_or_default();
                    (a, name)
                }),
            })
            .collect();
        Ok(out)
    }

    /// Withdraws a free slot of one's own agenda.
    pub async fn withdraw_slot(&self, actor: &Actor, slot_id: Uuid) -> Result<(), AppError> {
        Self::session_staff(actor)?;
        let scope = actor.tenant();
        let Some(slot) = repo::find_slot(self.db(), scope, slot_id).await? else {
            return Err(AppError::NotFound);
        };
        if slot.coach_id != actor.user_id {
            return Err(AppError::Forbidden);
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        // Under the slot's lock: a booking made meanwhile is seen, and one that comes
        // after finds the slot withdrawn.
        repo::lock_slot(&*txn, scope, slot.id).await?;
        if repo::is_held(&*txn, scope, slot.id).await? {
            return Err(AppError::invalid("slot", "booked"));
        }
        repo::withdraw_slot(&*txn, scope, slot.id, now).await?;
        txn.commit(Audit::tenant(audit_action::SLOT_WITHDRAWN))
            .await?;
        Ok(())
    }
}
