//! Sessions recorded after the fact: a phone call or a walk-in that happened without a
//! published slot. The coach gives its date, start, length, mode and notes; it is kept
//! as a held session (a slot of the coach's in the past, booked by the coach) and counts
//! in the bilan's hours like any other.

use parcours_db::repo::appointments::{self as repo, NewSlot};
use parcours_domain::Action;
use parcours_domain::appointment::{AppointmentStatus, BookedVia, SessionMode, from_paris_local};
use uuid::Uuid;

use super::*;
use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

/// Longest session recorded after the fact: a working day.
pub const MAX_PAST_MINUTES: i32 = 8 * 60;

/// The form of a past session as typed (Paris wall-clock time).
#[derive(Debug, Clone, Default)]
pub struct PastSessionInput {
    /// YYYY-MM-DD
    pub date: String,
    /// HH:MM
    pub time: String,
    pub minutes: String,
    pub mode: String,
    pub notes: String,
}

/// A past session, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastSession {
    pub starts_at: i64,
    pub minutes: i32,
    pub mode: SessionMode,
    pub notes: Option<String>,
}

impl PastSessionInput {
    /// The session it describes, or every field error at once. A session is in the
    /// past when it has started by `now`: a later day names the date, a later hour of
    /// today names the time.
    pub fn parse(&self, now: i64) -> Result<PastSession, AppError> {
        let mut errors = Vec::new();
        let mut push = |field, code| errors.push(FieldError { field, code });
        let date = time::Date::parse(
            self.date.trim(),
            &time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok();
        let at = time::Time::parse(
            self.time.trim(),
            &time::macros::format_description!("[hour]:[minute]"),
        )
        .ok();
        match date {
            None => push("date", "invalid"),
            Some(d) if d > paris_today(now) => push("date", "in_the_future"),
            Some(_) => {}
        }
        if at.is_none() {
            push("time", "invalid");
        }
        let minutes = self
            .minutes
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| (1..=MAX_PAST_MINUTES).contains(m));
        if minutes.is_none() {
            push("minutes", "out_of_range");
        }
        let mode = self.mode.parse::<SessionMode>().ok();
        if mode.is_none() {
            push("mode", "unknown_choice");
        }
        let notes = self.notes.trim();
        if notes.chars().count() > MAX_NOTES {
            push("notes", "too_long");
        }
        let starts_at = match (date, at) {
            (Some(d), Some(t)) => Some(from_paris_local(time::PrimitiveDateTime::new(d, t))),
            _ => None,
        };
        if date.is_some_and(|d| d <= paris_today(now)) && starts_at.is_some_and(|s| s > now) {
            push("time", "in_the_future");
        }
        match (starts_at, minutes, mode) {
            (Some(starts_at), Some(minutes), Some(mode)) if errors.is_empty() => Ok(PastSession {
                starts_at,
                minutes,
                mode,
                notes: (!notes.is_empty()).then(|| notes.to_owned()),
            }),
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

impl App {
    /// The coach (or manager) of the person records a session that took place without
    /// a published slot. Stored held, with its notes (the coaches' own); audited.
    pub async fn record_past_session(
        &self,
        actor: &Actor,
        person_id: Uuid,
        input: &PastSessionInput,
    ) -> Result<Uuid, AppError> {
        Self::session_staff(actor)?;
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let session = input.parse(self.now())?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let now = txn.at();
        let slot = repo::insert_slot(
            &*txn,
            scope,
            actor.user_id,
            &NewSlot {
                starts_at: session.starts_at,
                minutes: session.minutes,
                mode: session.mode,
                place: "",
            },
            now,
        )
        .await?;
        let appointment =
            repo::insert_appointment(&*txn, scope, slot, person.id, BookedVia::Coach, now).await?;
        repo::set_status(
            &*txn,
            scope,
            appointment,
            AppointmentStatus::Held,
            Some(actor.user_id),
            "coach",
            now,
        )
        .await?;
        if let Some(notes) = &session.notes {
            repo::set_notes(&*txn, scope, appointment, Some(notes), actor.user_id, now).await?;
        }
        txn.commit(Audit::of(audit_action::PAST_RECORDED, person.id))
            .await?;
        Ok(appointment)
    }
}

#[cfg(test)]
mod tests {
    use parcours_domain::appointment::paris_local;

    use super::*;

    const DAY: i64 = 24 * 3600 * 1000;

    fn input(date: &str, time: &str, minutes: &str) -> PastSessionInput {
        PastSessionInput {
            date: date.into(),
            time: time.into(),
            minutes: minutes.into(),
            mode: "phone".into(),
            notes: "  Appel : bonne nouvelle.  ".into(),
        }
    }

    fn fields(result: Result<PastSession, AppError>) -> Vec<(&'static str, &'static str)> {
        match result {
            Err(AppError::Invalid(errors)) => errors.iter().map(|e| (e.field, e.code)).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    fn ymd(d: time::Date) -> String {
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    }

    #[test]
    fn yesterday_is_a_past_session() {
        let now = from_paris_local(time::macros::datetime!(2026-12-07 15:00));
        let session = input("2026-12-06", "09:30", "45").parse(now).unwrap();
        assert_eq!(paris_local(session.starts_at).hour(), 9);
        assert_eq!(session.minutes, 45);
        assert_eq!(session.mode, SessionMode::Phone);
        assert_eq!(session.notes.as_deref(), Some("Appel : bonne nouvelle."));
        // Earlier today, and a full working day, are accepted too.
        assert!(input("2026-12-07", "14:59", "480").parse(now).is_ok());
    }

    #[test]
    fn the_future_and_bad_lengths_are_refused_naming_the_field() {
        let now = from_paris_local(time::macros::datetime!(2026-12-07 15:00));
        let tomorrow = ymd(paris_today(now + DAY));
        assert_eq!(
            fields(input(&tomorrow, "09:00", "60").parse(now)),
            [("date", "in_the_future")]
        );
        assert_eq!(
            fields(input("2026-12-07", "15:30", "60").parse(now)),
            [("time", "in_the_future")]
        );
        for bad in ["0", "-30", "481", "", "une heure"] {
            assert_eq!(
                fields(input("2026-12-01", "09:00", bad).parse(now)),
                [("minutes", "out_of_range")],
                "{bad}"
            );
        }
        let mut all_wrong = input("03/12/2026", "9h", "0");
        all_wrong.mode = "pigeon".into();
        all_wrong.notes = "x".repeat(MAX_NOTES + 1);
        assert_eq!(
            fields(all_wrong.parse(now)),
            [
                ("date", "invalid"),
                ("time", "invalid"),
                ("minutes", "out_of_range"),
                ("mode", "unknown_choice"),
                ("notes", "too_long")
            ]
        );
    }
}
