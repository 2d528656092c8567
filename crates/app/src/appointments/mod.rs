//! Coaching sessions. The coach publishes slots; the person is invited (not summoned)
//! to pick one from a link, or from their own space; a confirmation with a calendar
//! file and a reminder are emailed by the worker; the coach records what happened and
//! writes session notes, or records after the fact a session held without a slot (a
//! phone call, a walk-in). Held sessions count towards the bilan's hours.

pub use parcours_db::repo::appointments::{Appointment, Slot};
use parcours_domain::appointment::{
    AppointmentStatus, MAX_MINUTES, MAX_SERIES, MIN_MINUTES, SessionMode, from_paris_local,
};

use crate::AppError;
use crate::people::Person;

mod booking;
mod dates;
mod mail;
mod past;
mod sessions;
mod slots;

pub use dates::{MONTHS_EN, MONTHS_FR, calendar_of, day_en, day_fr, paris_today, when_en, when_fr};
pub use past::{MAX_PAST_MINUTES, PastSession, PastSessionInput};

/// An invitation link stays usable this long.
pub const INVITATION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;
/// The reminder goes out this long before the session.
pub const REMINDER_LEAD_MS: i64 = 24 * 3600 * 1000;
/// Longest session notes.
pub const MAX_NOTES: usize = 10_000;
const MAX_PLACE: usize = 300;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const SLOTS_PUBLISHED: AuditAction = AuditAction::AppointmentSlotsPublished;
    pub const SLOT_WITHDRAWN: AuditAction = AuditAction::AppointmentSlotWithdrawn;
    pub const INVITED: AuditAction = AuditAction::AppointmentInvited;
    pub const INVITATION_OPENED: AuditAction = AuditAction::AppointmentInvitationOpened;
    pub const BOOKED: AuditAction = AuditAction::AppointmentBooked;
    pub const STATUS_CHANGED: AuditAction = AuditAction::AppointmentStatusChanged;
    pub const NOTES_WRITTEN: AuditAction = AuditAction::AppointmentNotesWritten;
    pub const READ: AuditAction = AuditAction::AppointmentRead;
    pub const ACCESS_DENIED: AuditAction = AuditAction::AppointmentAccessDenied;
    pub const PAST_RECORDED: AuditAction = AuditAction::AppointmentPastRecorded;
}

/// The slot form as typed (Paris wall-clock time).
#[derive(Debug, Clone, Default)]
pub struct SlotInput {
    /// YYYY-MM-DD
    pub date: String,
    /// HH:MM
    pub time: String,
    pub minutes: String,
    pub mode: String,
    pub place: String,
    /// How many consecutive slots, 1 by default.
    pub count: String,
}

impl SlotInput {
    /// The slots it describes, or every field error at once.
    pub fn parse(&self, now: i64) -> Result<(Vec<i64>, i32, SessionMode, String), AppError> {
        let mut errors = Vec::new();
        let mut push = |field, code| errors.push(crate::FieldError { field, code });
        let date = time::Date::parse(
            self.date.trim(),
            &time::macros::format_description!("[year]-[month]-[day]"),
        );
        let at = time::Time::parse(
            self.time.trim(),
            &time::macros::format_description!("[hour]:[minute]"),
        );
        if date.is_err() {
            push("date", "invalid");
        }
        if at.is_err() {
            push("time", "invalid");
        }
        let minutes = self.minutes.trim().parse::<i32>().ok();
        match minutes {
            Some(m) if (MIN_MINUTES..=MAX_MINUTES).contains(&m) => {}
            _ => push("minutes", "out_of_range"),
        }
        let mode = self.mode.parse::<SessionMode>().ok();
        if mode.is_none() {
            push("mode", "unknown_choice");
        }
        let place = self.place.trim().to_owned();
        if place.chars().count() > MAX_PLACE {
            push("place", "too_long");
        }
        if mode == Some(SessionMode::OnSite) && place.is_empty() {
            push("place", "required");
        }
        let count = match self.count.trim() {
            "" => Some(1),
            raw => raw
                .parse::<u32>()
                .ok()
                .filter(|c| (1..=MAX_SERIES).contains(c)),
        };
        if count.is_none() {
            push("count", "out_of_range");
        }
        let first = match (date, at) {
            (Ok(d), Ok(t)) => Some(from_paris_local(time::PrimitiveDateTime::new(d, t))),
            _ => None,
        };
        if first.is_some_and(|f| f <= now) {
            push("date", "in_the_past");
        }
        match (first, minutes, mode, count) {
            (Some(first), Some(m), Some(mode), Some(count)) if errors.is_empty() => {
                let step = i64::from(m) * 60_000;
                let starts = (0..i64::from(count)).map(|i| first + i * step).collect();
                Ok((starts, m, mode, place))
            }
            _ => Err(AppError::Invalid(errors)),
        }
    }
}

/// A slot of the coach's agenda, with who booked it.
#[derive(Debug, Clone)]
pub struct AgendaSlot {
    pub slot: Slot,
    pub booking: Option<(Appointment, String)>,
}

#[derive(Debug, Clone)]
pub struct InvitationView {
    pub coach_name: String,
    pub usable: bool,
    pub open_slots: Vec<Slot>,
    /// The person's booked sessions still to come.
    pub upcoming: Vec<Appointment>,
}

#[derive(Debug, Clone)]
pub struct AppointmentsView {
    pub person: Person,
    pub is_self: bool,
    /// Coaches and managers record attendance and read session notes.
    pub can_manage: bool,
    pub appointments: Vec<Appointment>,
    /// Free slots of the person's coach, for booking from their own space.
    pub open_slots: Vec<Slot>,
    pub coach_name: Option<String>,
    /// Minutes of held sessions.
    pub held_minutes: u32,
}

/// A link just created for the person to pick a slot.
#[derive(Debug, Clone)]
pub struct InvitationSent {
    pub link: String,
    pub emailed: bool,
}

/// Minutes of the sessions that took place.
pub fn held_minutes(appointments: &[Appointment]) -> u32 {
    appointments
        .iter()
        .filter(|a| a.status == AppointmentStatus::Held)
        .map(|a| u32::try_from(a.slot.minutes).unwrap_or(0))
        .sum()
}

#[cfg(test)]
mod tests {
    use parcours_domain::appointment::paris_local;

    use super::*;

    #[test]
    fn a_series_of_slots_follows_on() {
        let input = SlotInput {
            date: "2099-12-03".into(),
            time: "10:00".into(),
            minutes: "45".into(),
            mode: "phone".into(),
            place: String::new(),
            count: "3".into(),
        };
        let (starts, minutes, mode, _) = input.parse(0).unwrap();
        assert_eq!(starts.len(), 3);
        assert_eq!(starts[1] - starts[0], 45 * 60_000);
        assert_eq!((minutes, mode), (45, SessionMode::Phone));
        assert_eq!(paris_local(starts[0]).hour(), 10);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = SlotInput {
            date: "2020-01-01".into(),
            time: "25:00".into(),
            minutes: "5".into(),
            mode: "carrier pigeon".into(),
            place: String::new(),
            count: "99".into(),
        };
        let Err(AppError::Invalid(errors)) = input.parse(crate::now_ms()) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["time", "minutes", "mode", "count"]);
        let past = SlotInput {
            time: "10:00".into(),
            minutes: "60".into(),
            mode: "on_site".into(),
            ..input
        };
        let Err(AppError::Invalid(errors)) = past.parse(crate::now_ms()) else {
            panic!("expected field errors");
        };
        let codes: Vec<(&str, &str)> = errors.iter().map(|e| (e.field, e.code)).collect();
        assert_eq!(
            codes,
            [
                ("place", "required"),
                ("count", "out_of_range"),
                ("date", "in_the_past")
            ]
        );
    }
}
