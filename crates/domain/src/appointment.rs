//! Coaching sessions: how they happen, what became of them, and the calendar file a
//! person adds to their phone.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(SessionMode, "session mode", {
    Video => "video",
    Phone => "phone",
    OnSite => "on_site",
});

coded_enum!(AppointmentStatus, "appointment status", {
    Booked => "booked",
    Held => "held",
    Missed => "missed",
    Cancelled => "cancelled",
});

coded_enum!(BookedVia, "booking channel", {
    Link => "link",
    Account => "account",
    Coach => "coach",
});

/// Shortest and longest session a coach may publish, in minutes.
pub const MIN_MINUTES: i32 = 15;
pub const MAX_MINUTES: i32 = 240;
/// At most this many consecutive slots in one go.
pub const MAX_SERIES: u32 = 12;

/// Metropolitan France's legal time: UTC+1, and UTC+2 from 01:00 UTC on the last Sunday
/// of March to 01:00 UTC on the last Sunday of October (the EU rule). Overseas
/// territories keep their own offsets and are not handled yet.
pub fn paris_offset_minutes(utc_ms: i64) -> i64 {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp(utc_ms.div_euclid(1000)) else {
        return 60;
    };
    let switch = |month: time::Month| {
        // The last Sunday of the month, 01:00 UTC.
        let mut day =
            time::Date::from_calendar_date(t.year(), month, 31).unwrap_or(time::Date::MIN);
        while day.weekday() != time::Weekday::Sunday {
            day = day.previous_day().unwrap_or(time::Date::MIN);
        }
        day.with_hms(1, 0, 0)
            .map(|d| d.assume_utc().unix_timestamp() * 1000)
            .unwrap_or(0)
    };
    if utc_ms >= switch(time::Month::March) && utc_ms < switch(time::Month::October) {
        120
    } else {
        60
    }
}

/// The wall-clock time in Paris at that instant.
pub fn paris_local(utc_ms: i64) -> time::PrimitiveDateTime {
    let shifted = utc_ms + paris_offset_minutes(utc_ms) * 60_000;
    let t = time::OffsetDateTime::from_unix_timestamp(shifted.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    time::PrimitiveDateTime::new(t.date(), t.time())
}

/// The instant a Paris wall-clock time names (in the autumn's repeated hour, the first).
pub fn from_paris_local(local: time::PrimitiveDateTime) -> i64 {
    let naive = local.assume_utc().unix_timestamp() * 1000;
    // Try summer time first, then winter time: the one that maps back wins.
    for offset in [120, 60] {
        let candidate = naive - offset * 60_000;
        if paris_offset_minutes(candidate) == offset {
            return candidate;
        }
    }
    // The spring gap (02:00–03:00 does not exist): read it as winter time.
    naive - 60 * 60_000
}

/// What a calendar entry says. Times are milliseconds since the epoch, UTC.
#[derive(Debug, Clone)]
pub struct CalendarEvent<'a> {
    /// Stable across updates, so that a second file replaces the first.
    pub uid: &'a str,
    pub starts_at: i64,
    pub minutes: i32,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub stamp: i64,
    pub cancelled: bool,
}

fn ics_time(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// RFC 5545 text: backslash, semicolon, comma and newlines escaped.
fn ics_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets are folded with CRLF + space, never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// An iCalendar file (RFC 5545) with one event.
pub fn ics(event: &CalendarEvent<'_>) -> String {
    let end = event.starts_at + i64::from(event.minutes) * 60_000;
    let mut out = String::new();
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Parcours//Rendez-vous//FR".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!(
            "METHOD:{}",
            if event.cancelled { "CANCEL" } else { "PUBLISH" }
        ),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", event.uid),
        format!("DTSTAMP:{}", ics_time(event.stamp)),
        format!("DTSTART:{}", ics_time(event.starts_at)),
        format!("DTEND:{}", ics_time(end)),
        format!("SUMMARY:{}", ics_text(event.summary)),
        format!("LOCATION:{}", ics_text(event.location)),
        format!("DESCRIPTION:{}", ics_text(event.description)),
        format!(
            "STATUS:{}",
            if event.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(summary: &str) -> CalendarEvent<'_> {
        CalendarEvent {
            uid: "a1@parcours",
            // 2026-12-03 09:00:00 UTC
            starts_at: 1_796_288_400_000,
            minutes: 45,
            summary,
            location: "12, rue des Lilas; Lyon",
            description: "Ligne 1\nLigne 2",
            stamp: 1_796_200_000_000,
            cancelled: false,
        }
    }

    #[test]
    fn an_event_has_start_end_and_escaped_text() {
        let out = ics(&event("Rendez-vous"));
        assert!(out.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(out.contains("DTSTART:20261203T090000Z\r\n"));
        assert!(out.contains("DTEND:20261203T094500Z\r\n"));
        assert!(out.contains("LOCATION:12\\, rue des Lilas\\; Lyon\r\n"));
        assert!(out.contains("DESCRIPTION:Ligne 1\\nLigne 2\r\n"));
        assert!(out.contains("STATUS:CONFIRMED"));
        assert!(out.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let long = "é".repeat(100);
        let out = ics(&event(&long));
        for line in out.split("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        let unfolded = out.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}")));
    }

    #[test]
    fn paris_time_follows_the_eu_rule() {
        // 2026-12-03 09:00 UTC is 10:00 in Paris (winter).
        let winter = paris_local(1_796_288_400_000);
        assert_eq!((winter.hour(), winter.minute()), (10, 0));
        // 2026-07-01 08:00 UTC is 10:00 in Paris (summer).
        let summer = paris_local(1_782_892_800_000);
        assert_eq!(summer.hour(), 10);
        // Summer time starts 2026-03-29 01:00 UTC.
        assert_eq!(paris_offset_minutes(1_774_745_999_000), 60);
        assert_eq!(paris_offset_minutes(1_774_746_000_000), 120);
        // Round trip through local time, both seasons.
        for utc in [1_796_288_400_000, 1_782_892_800_000] {
            assert_eq!(from_paris_local(paris_local(utc)), utc);
        }
    }

    #[test]
    fn codes_round_trip() {
        for m in SessionMode::ALL {
            assert_eq!(m.code().parse::<SessionMode>().ok(), Some(*m));
        }
        assert!("held".parse::<AppointmentStatus>().is_ok());
        assert!("maybe".parse::<AppointmentStatus>().is_err());
    }
}
