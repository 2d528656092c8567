//! The worker's side: the emails of an invitation, a confirmation and a reminder. Their
//! text is in `templates/email/`.

use parcours_db::TenantScope;
use parcours_db::repo::appointments::{self as repo};
use parcours_db::repo::people;
use parcours_domain::appointment::AppointmentStatus;
use uuid::Uuid;

use super::dates::{mode_en, mode_fr};
use super::*;
use crate::jobs::{AppointmentConfirmation, AppointmentReminder, BookingInvitation};
use crate::mail::{self, CalendarFile, OutgoingMail};
use crate::{App, AppError, digest};

/// The link to pick a slot.
#[derive(askama::Template)]
#[template(path = "email/booking_invitation.txt")]
struct BookingInvitationEmail<'a> {
    link: &'a str,
}

/// A booked session's confirmation or reminder (the openings say which).
#[derive(askama::Template)]
#[template(path = "email/appointment.txt")]
struct AppointmentEmail<'a> {
    opening_fr: &'a str,
    opening_en: &'a str,
    when_fr: &'a str,
    when_en: &'a str,
    minutes: i32,
    mode_fr: &'a str,
    mode_en: &'a str,
    /// Empty when the session has no place (video, phone).
    place: &'a str,
    link: &'a str,
}

impl App {
    pub(crate) async fn send_invitation_mail(
        &self,
        scope: TenantScope,
        job: &BookingInvitation,
    ) -> Result<(), AppError> {
        let (token, id) = (&job.token, job.invitation_id);
        let Some(invitation) =
            repo::unscoped::invitation_by_token_hash(self.db(), &digest(token)).await?
        else {
            return Err(AppError::Internal(format!("invitation {id} is gone")));
        };
        let Some(person) = people::find_person(self.db(), scope, invitation.person_id).await?
        else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let link = format!("{}/rendez-vous/{token}", self.config().base_url);
        let body = mail::body(&BookingInvitationEmail { link: &link })?;
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &to,
                subject: "Parcours : choisissez votre rendez-vous",
                body,
                calendar: None,
            },
        )
        .await
    }

    pub(crate) async fn send_confirmation_mail(
        &self,
        scope: TenantScope,
        job: &AppointmentConfirmation,
        now: i64,
    ) -> Result<(), AppError> {
        self.send_appointment_mail(scope, job.appointment_id, false, now)
            .await
    }

    pub(crate) async fn send_reminder_mail(
        &self,
        scope: TenantScope,
        job: &AppointmentReminder,
        now: i64,
    ) -> Result<(), AppError> {
        self.send_appointment_mail(scope, job.appointment_id, true, now)
            .await
    }

    /// A confirmation and a reminder differ only by their openings.
    async fn send_appointment_mail(
        &self,
        scope: TenantScope,
        id: Uuid,
        reminder: bool,
        now: i64,
    ) -> Result<(), AppError> {
        let Some(appointment) = repo::find_appointment(self.db(), scope, id).await? else {
            return Err(AppError::Internal(format!("appointment {id} is gone")));
        };
        // A cancelled or past session needs no reminder any more.
        if appointment.status != AppointmentStatus::Booked || appointment.slot.starts_at <= now {
            return Ok(());
        }
        let Some(person) = people::find_person(self.db(), scope, appointment.person_id).await?
        else {
            return Ok(());
        };
        let Some(to) = self.contact_email(&person).await? else {
            return Ok(());
        };
        let slot = &appointment.slot;
        let (subject, opening_fr, opening_en) = if reminder {
            (
                "Parcours : rappel de votre rendez-vous",
                "Petit rappel : vous avez rendez-vous",
                "A reminder: your session is",
            )
        } else {
            (
                "Parcours : votre rendez-vous est confirmé",
                "Votre rendez-vous est confirmé",
                "Your session is confirmed",
            )
        };
        let link = format!("{}/parcours/rendez-vous", self.config().base_url);
        let body = mail::body(&AppointmentEmail {
            opening_fr,
            opening_en,
            when_fr: &when_fr(slot.starts_at),
            when_en: &when_en(slot.starts_at),
            minutes: slot.minutes,
            mode_fr: mode_fr(slot.mode),
            mode_en: mode_en(slot.mode),
            place: &slot.place,
            link: &link,
        })?;
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &to,
                subject,
                body,
                calendar: Some(CalendarFile {
                    filename: "rendez-vous.ics".into(),
                    content: calendar_of(&appointment, &self.config().base_url, now),
                }),
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invitation_reads_as_before() {
        let link = "https://parcours.test/rendez-vous/abc";
        assert_eq!(
            mail::body(&BookingInvitationEmail { link }).unwrap(),
            format!(
                "Bonjour,\n\nVotre conseiller ou conseillère Parcours vous propose de choisir un rendez-vous.\n\
                 Ouvrez ce lien et prenez le créneau qui vous convient (valable 14 jours) :\n{link}\n\n\
                 --\nHello,\nYour Parcours coach invites you to pick a time for your next session.\n\
                 Open this link and choose the slot that suits you (valid for 14 days):\n{link}\n"
            )
        );
    }

    #[test]
    fn the_confirmation_reads_as_before_with_or_without_a_place() {
        let link = "https://parcours.test/parcours/rendez-vous";
        for (place, shown) in [("", String::new()), ("12 rue X", "\n12 rue X".to_owned())] {
            let body = mail::body(&AppointmentEmail {
                opening_fr: "Votre rendez-vous est confirmé",
                opening_en: "Your session is confirmed",
                when_fr: "jeudi 3 décembre 2026 à 10h00",
                when_en: "Thursday, 3 December 2026 at 10:00",
                minutes: 45,
                mode_fr: "sur place",
                mode_en: "on site",
                place,
                link,
            })
            .unwrap();
            assert_eq!(
                body,
                format!(
                    "Bonjour,\n\nVotre rendez-vous est confirmé le jeudi 3 décembre 2026 à 10h00 (heure de Paris), 45 minutes, sur place.{shown}\n\n\
                     Un empêchement ? Prévenez votre conseiller ou annulez depuis votre espace : {link}\n\n\
                     --\nHello,\n\nYour session is confirmed on Thursday, 3 December 2026 at 10:00 (Paris time), 45 minutes, on site.{shown}\n\n\
                     Can't make it? Tell your coach or cancel from your space: {link}\n"
                )
            );
        }
    }
}
