//! How a session reads in emails, pages and calendar files: Paris dates in French and
//! English, the session's mode, the calendar file. Kept apart from the use cases so that
//! wording and month names live in one place.

use parcours_domain::appointment::{
    AppointmentStatus, CalendarEvent, SessionMode, ics, paris_local,
};

use super::Appointment;

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
/// Month names, shared with the web layer's dates.
pub const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
pub const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Today's date in Paris.
pub fn paris_today(now: i64) -> time::Date {
    paris_local(now).date()
}

/// "mercredi 3 décembre 2026 à 10h00" in Paris time.
pub fn when_fr(ms: i64) -> String {
    let t = paris_local(ms);
    format!("{} à {}h{:02}", day_fr(ms), t.hour(), t.minute())
}

pub fn when_en(ms: i64) -> String {
    let t = paris_local(ms);
    format!("{} at {:02}:{:02}", day_en(ms), t.hour(), t.minute())
}

/// "jeudi 3 décembre 2026", the Paris date.
pub fn day_fr(ms: i64) -> String {
    let t = paris_local(ms);
    format!(
        "{} {} {} {}",
        DAYS_FR[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS_FR[usize::from(u8::from(t.month())) - 1],
        t.year()
    )
}

/// "Thursday, 3 December 2026", the Paris date.
pub fn day_en(ms: i64) -> String {
    let t = paris_local(ms);
    format!(
        "{}, {} {} {}",
        DAYS_EN[usize::from(t.weekday().number_days_from_monday())],
        t.day(),
        MONTHS_EN[usize::from(u8::from(t.month())) - 1],
        t.year()
    )
}

pub(crate) fn mode_fr(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::Video => "en visio",
        SessionMode::Phone => "par téléphone",
        SessionMode::OnSite => "sur place",
    }
}

pub(crate) fn mode_en(mode: SessionMode) -> &'static str {
    match mode {
        SessionMode::Video => "by video",
        SessionMode::Phone => "by phone",
        SessionMode::OnSite => "on site",
    }
}

/// The calendar file of an appointment (no names: it travels by email).
pub fn calendar_of(appointment: &Appointment, base_url: &str, now: i64) -> String {
    let description = format!(
        "Rendez-vous Parcours ({}), {} min. / Parcours session ({}), {} min.\n{base_url}/parcours/rendez-vous",
        mode_fr(appointment.slot.mode),
        appointment.slot.minutes,
        mode_en(appointment.slot.mode),
        appointment.slot.minutes
    );
    ics(&CalendarEvent {
        uid: &format!("{}@parcours", appointment.id),
        starts_at: appointment.slot.starts_at,
        minutes: appointment.slot.minutes,
        summary: "Rendez-vous Parcours",
        location: &appointment.slot.place,
        description: &description,
        stamp: now,
        cancelled: appointment.status == AppointmentStatus::Cancelled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_in_both_languages() {
        assert_eq!(when_fr(1_796_288_400_000), "jeudi 3 décembre 2026 à 10h00");
        assert_eq!(
            when_en(1_796_288_400_000),
            "Thursday, 3 December 2026 at 10:00"
        );
    }
}
