//! The week's events: adding one, inviting candidates (each told by email), and that
//! email.

use std::collections::HashSet;

use parcours_db::repo::people;
use parcours_db::repo::programmes::{self};
use parcours_db::repo::selection::{self, Event};
use parcours_domain::appointment::from_paris_local;
use parcours_domain::selection::EventKind;
use uuid::Uuid;

use crate::auth::Actor;
use crate::jobs::SelectionInvitation;
use crate::unit_of_work::Audit;
use crate::{App, AppError, text_field};

use super::*;

impl App {
    #[allow(clippy::too_many_arguments)]
    pub async fn add_selection_event(
        &self,
        actor: &Actor,
        programme: &str,
        kind: &str,
        title: &str,
        date: &str,
        time_of_day: &str,
        place: &str,
    ) -> Result<Uuid, AppError> {
        staff(actor)?;
        let scope = actor.tenant();
        let mut errors = Vec::new();
        let programme = programme.parse::<Uuid>().ok();
        let known = programmes::list_in_tenant(self.db(), scope).await?;
        let programme = programme.filter(|id| known.iter().any(|p| p.id == *id));
        if programme.is_none() {
            errors.push(crate::FieldError {
                field: "programme",
                code: "unknown",
            });
        }
        let kind = kind.parse::<EventKind>().ok();
        if kind.is_none() {
            errors.push(crate::FieldError {
                field: "kind",
                code: "required",
            });
        }
        let title = text_field("title", title, 120)
            .map_err(|e| errors.push(e))
            .ok();
        let day = parcours_domain::opportunity::date(date);
        let clock = time_of_day
            .trim()
            .split_once(':')
            .and_then(|(h, m)| time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok());
        if day.is_none() {
            errors.push(crate::FieldError {
                field: "date",
                code: "invalid",
            });
        }
        if clock.is_none() {
            errors.push(crate::FieldError {
                field: "time",
                code: "invalid",
            });
        }
        let place = place.trim();
        if place.chars().count() > 200 {
            errors.push(crate::FieldError {
                field: "place",
                code: "too_long",
            });
        }
        let (Some(programme), Some(kind), Some(title), Some(day), Some(clock), true) =
            (programme, kind, title, day, clock, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        let starts_at = from_paris_local(time::PrimitiveDateTime::new(day, clock));
        let txn = self.change(actor).await?;
        let id = selection::insert_event(
            &*txn,
            scope,
            programme,
            kind,
            &title,
            starts_at,
            place,
            actor.user_id,
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::EVENT_ADDED)).await?;
        Ok(id)
    }

    pub(super) async fn event_of(&self, actor: &Actor, event: Uuid) -> Result<Event, AppError> {
        staff(actor)?;
        selection::find_event(self.db(), actor.tenant(), event)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Invites people of the event's programme (others are ignored).
    pub async fn invite_to_event(
        &self,
        actor: &Actor,
        event_id: Uuid,
        people_ids: &[Uuid],
    ) -> Result<usize, AppError> {
        let event = self.event_of(actor, event_id).await?;
        let scope = actor.tenant();
        let enrolled: HashSet<Uuid> = people::caseload(self.db(), scope, None, self.now())
            .await?
            .into_iter()
            .filter(|r| r.enrolment.programme_id == event.programme_id)
            .map(|r| r.person_id)
            .collect();
        let chosen: Vec<Uuid> = people_ids
            .iter()
            .copied()
            .filter(|p| enrolled.contains(p))
            .collect();
        if chosen.is_empty() {
            return Err(AppError::invalid("people", "required"));
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        // Each newly invited person is told by email (a job: the page does not wait).
        // "Newly" is what the insert found, not a read before it: invitations sent at
        // once queue one email.
        let invited = selection::invite(&*txn, scope, event.id, &chosen, now).await?;
        for person in &invited {
            let job = SelectionInvitation {
                event_id: event.id,
                person_id: *person,
            };
            txn.queue(&job, now).await?;
        }
        // One row per person newly invited: the invitation is on their file.
        let Some((last, others)) = invited.split_last() else {
            // Everyone chosen was invited already: nothing changed, nothing to trace.
            return Ok(chosen.len());
        };
        for person in others {
            txn.audit(Audit::of(audit_action::INVITED, *person)).await?;
        }
        txn.commit(Audit::of(audit_action::INVITED, *last)).await?;
        Ok(chosen.len())
    }

    pub(crate) async fn send_selection_invitation(
        &self,
        scope: parcours_db::TenantScope,
        job: &SelectionInvitation,
    ) -> Result<(), AppError> {
        let (event, person) = (job.event_id, job.person_id);
        let (Some(event), Some(person)) = (
            selection::find_event(self.db(), scope, event).await?,
            people::find_person(self.db(), scope, person).await?,
        ) else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let (kind_fr, kind_en) = match event.kind {
            EventKind::CompanyMeeting => (
                "une rencontre avec des entreprises",
                "a meeting with employers",
            ),
            EventKind::InterviewSimulation => {
                ("une simulation d'entretien", "an interview simulation")
            }
            EventKind::Workshop => ("un atelier", "a workshop"),
        };
        let link = format!("{}/parcours", self.config().base_url);
        self.send_mail(
            Some(scope),
            crate::mail::OutgoingMail {
                to: &to,
                subject: "Parcours : vous êtes invité(e) à la semaine de sélection",
                body: crate::mail::body(&SelectionInvitationEmail {
                    kind_fr,
                    kind_en,
                    title: &event.title,
                    when_fr: &crate::appointments::when_fr(event.starts_at),
                    when_en: &crate::appointments::when_en(event.starts_at),
                    place: &event.place,
                    link: &link,
                })?,
                calendar: None,
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_reads_as_before_with_or_without_a_place() {
        let (kind_fr, kind_en, title, link) =
            ("un atelier", "a workshop", "CV", "https://p.test/parcours");
        let (when_fr, when_en) = (
            "jeudi 3 décembre 2026 à 10h00",
            "Thursday, 3 December 2026 at 10:00",
        );
        for (place, shown) in [("", String::new()), ("Salle 2", "\nSalle 2".to_owned())] {
            let body = crate::mail::body(&SelectionInvitationEmail {
                kind_fr,
                kind_en,
                title,
                when_fr,
                when_en,
                place,
                link,
            })
            .unwrap();
            assert_eq!(
                body,
                format!(
                    "Bonjour,\n\nVous êtes invité(e) à {kind_fr}, « {title} », le {when_fr} (heure de Paris).{shown}\n\n\
                     Un empêchement ? Prévenez votre conseiller. Votre espace : {link}\n\n--\nHello,\n\n\
                     You are invited to {kind_en}, \"{title}\", on {when_en} (Paris time).{shown}\n\n\
                     Can't make it? Tell your coach. Your space: {link}\n"
                )
            );
        }
    }
}
