//! Rules of the text messages Parcours sends (issue 29): which numbers may receive
//! them (French mobiles, in E.164; abroad only when the operator allows it), when
//! (never at night in Paris), how a gateway's delivery report reads, and what an
//! incoming "STOP" looks like. No clock and no database: callers pass the time.

use crate::appointment::{from_paris_local, paris_local};

/// Why a phone number can't receive an SMS (the code shown beside the field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a phone number at all (letters, too short, too long).
    Invalid,
    /// A French number that is not a mobile (01–05, 08, 09): no SMS reaches it.
    NotMobile,
    /// A number outside France while the operator has not enabled them.
    Abroad,
}

impl PhoneError {
    /// The error code used with the field's name (`phone: not_mobile`).
    pub fn code(self) -> &'static str {
        match self {
            PhoneError::Invalid => "invalid",
            PhoneError::NotMobile => "not_mobile",
            PhoneError::Abroad => "abroad",
        }
    }
}

/// The number in E.164 (`+33612345678`) from the ways people write a French mobile:
/// `06 12 34 56 78`, `06.12.34.56.78`, `+33 6 12 34 56 78`, `+33 (0)6…`, `0033 6…`.
/// A number with another country code (`+32…`, `0044…`) is accepted only when
/// `abroad_allowed`, as `+` and 8 to 15 digits.
pub fn normalise_phone(raw: &str, abroad_allowed: bool) -> Result<String, PhoneError> {
    let compact: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '/' | '\u{a0}'))
        .collect::<String>()
        .replace("(0)", "");
    if compact.is_empty() || compact.chars().any(|c| c != '+' && !c.is_ascii_digit()) {
        return Err(PhoneError::Invalid);
    }
    // The international form, without its prefix (`+` or `00`).
    let international = if let Some(rest) = compact.strip_prefix('+') {
        Some(rest)
    } else {
        compact.strip_prefix("00")
    };
    let national = match international {
        Some(rest) if rest.contains('+') => return Err(PhoneError::Invalid),
        Some(rest) => match rest.strip_prefix("33") {
            Some(french) => french.strip_prefix('0').unwrap_or(french).to_owned(),
            None => {
                if !(8..=15).contains(&rest.len()) || rest.starts_with('0') {
                    return Err(PhoneError::Invalid);
                }
                return if abroad_allowed {
                    Ok(format!("+{rest}"))
                } else {
                    Err(PhoneError::Abroad)
                };
            }
        },
        None if compact.contains('+') => return Err(PhoneError::Invalid),
        None => match compact.strip_prefix('0') {
            Some(rest) if compact.len() == 10 => rest.to_owned(),
            _ => return Err(PhoneError::Invalid),
        },
    };
    if national.len() != 9 {
        return Err(PhoneError::Invalid);
    }
    if !(national.starts_with('6') || national.starts_with('7')) {
        return Err(PhoneError::NotMobile);
    }
    Ok(format!("+33{national}"))
}

/// The number as a French reader writes it (`06 12 34 56 78`), else as stored.
pub fn display_phone(e164: &str) -> String {
    match e164.strip_prefix("+33") {
        Some(rest) if rest.len() == 9 => {
            let national = format!("0{rest}");
            national
                .as_bytes()
                .chunks(2)
                .map(|pair| String::from_utf8_lossy(pair).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => e164.to_owned(),
    }
}

/// No SMS is sent from this hour (Paris time)…
pub const QUIET_FROM_HOUR: u8 = 21;
/// …until this one.
pub const QUIET_UNTIL_HOUR: u8 = 8;

/// When an SMS asked for at `now` may leave: at once during the day, else at the next
/// 08:00 in Paris (21:00–08:00 is quiet).
pub fn quiet_hours_release(now: i64) -> i64 {
    let local = paris_local(now);
    let hour = local.hour();
    if (QUIET_UNTIL_HOUR..QUIET_FROM_HOUR).contains(&hour) {
        return now;
    }
    let day = if hour >= QUIET_FROM_HOUR {
        local.date().next_day().unwrap_or(local.date())
    } else {
        local.date()
    };
    let eight = time::Time::from_hms(QUIET_UNTIL_HOUR, 0, 0).unwrap_or(time::Time::MIDNIGHT);
    from_paris_local(time::PrimitiveDateTime::new(day, eight))
}

/// The instant the Paris day of `now` began (daily caps count from it).
pub fn paris_day_start(now: i64) -> i64 {
    from_paris_local(time::PrimitiveDateTime::new(
        paris_local(now).date(),
        time::Time::MIDNIGHT,
    ))
}

/// An incoming message asking for no more SMS: "STOP", in any case, alone or first
/// (`Stop.`, `STOP SMS`, `stop 36180`), also the usual French variants.
pub fn is_stop_word(text: &str) -> bool {
    let first: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_uppercase();
    matches!(
        first.as_str(),
        "STOP" | "ARRET" | "ARRÊT" | "STOPSMS" | "UNSUBSCRIBE"
    )
}

/// What a gateway's delivery report (Kannel's `%d` type) says of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryReport {
    /// Reached the phone (1).
    Delivered,
    /// Did not reach it, or the operator refused it (2, 16).
    Failed,
    /// Still on its way: taken by the operator (8) or buffered (4).
    InTransit,
}

impl DeliveryReport {
    /// From Kannel's report type; `None` for a value Kannel never sends.
    pub fn from_kannel(code: u32) -> Option<Self> {
        match code {
            1 => Some(DeliveryReport::Delivered),
            2 | 16 => Some(DeliveryReport::Failed),
            4 | 8 => Some(DeliveryReport::InTransit),
            _ => None,
        }
    }
}

/// Kannel's report types asked for every message: delivered, failed, buffered,
/// taken by the operator, refused by the operator (1 + 2 + 4 + 8 + 16).
pub const KANNEL_DLR_MASK: u32 = 31;

/// The GSM 7-bit default alphabet (3GPP 23.038) with its extension table's € and
/// brackets: a text of only these characters goes as GSM, 160 characters a message;
/// any other (ç, ê, â, emoji…) makes the message UCS-2, 70 characters.
pub fn fits_gsm7(text: &str) -> bool {
    const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    const EXTENSION: &str = "^{}\\[~]|€\u{c}";
    text.chars()
        .all(|c| BASIC.contains(c) || EXTENSION.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_mobiles_in_every_usual_form_become_e164() {
        for raw in [
            "06 12 34 56 78",
            "0612345678",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "+33 6 12 34 56 78",
            "+33612345678",
            "+33 (0)6 12 34 56 78",
            "0033 6 12 34 56 78",
            "0033612345678",
            " 06 12 34 56 78 ",
        ] {
            assert_eq!(
                normalise_phone(raw, false),
                Ok("+33612345678".into()),
                "{raw}"
            );
        }
        assert_eq!(
            normalise_phone("07 81 23 45 67", false),
            Ok("+33781234567".into())
        );
    }

    #[test]
    fn landlines_garbage_and_foreign_numbers_are_refused_with_a_reason() {
        assert_eq!(
            normalise_phone("01 23 45 67 89", false),
            Err(PhoneError::NotMobile)
        );
        assert_eq!(
            normalise_phone("09 70 00 00 00", false),
            Err(PhoneError::NotMobile)
        );
        assert_eq!(
            normalise_phone("+33 1 23 45 67 89", false),
            Err(PhoneError::NotMobile)
        );
        for raw in [
            "",
            "06 12",
            "06123456789",
            "abc",
            "6 12 34 56 78",
            "+33 6 12 34 56",
            "++33612345678",
            "06+12345678",
        ] {
            assert_eq!(
                normalise_phone(raw, false),
                Err(PhoneError::Invalid),
                "{raw}"
            );
        }
        assert_eq!(
            normalise_phone("+32 470 12 34 56", false),
            Err(PhoneError::Abroad)
        );
        assert_eq!(
            normalise_phone("0044 7911 123456", false),
            Err(PhoneError::Abroad)
        );
        assert_eq!(
            normalise_phone("+32 470 12 34 56", true),
            Ok("+32470123456".into())
        );
        assert_eq!(
            normalise_phone("0044 7911 123456", true),
            Ok("+447911123456".into())
        );
        // A French number stays French when abroad is allowed.
        assert_eq!(
            normalise_phone("0612345678", true),
            Ok("+33612345678".into())
        );
        assert_eq!(normalise_phone("+1234", true), Err(PhoneError::Invalid));
    }

    #[test]
    fn numbers_display_as_french_readers_write_them() {
        assert_eq!(display_phone("+33612345678"), "06 12 34 56 78");
        assert_eq!(display_phone("+32470123456"), "+32470123456");
    }

    fn paris(y: i32, m: u8, d: u8, h: u8, min: u8) -> i64 {
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
        from_paris_local(time::PrimitiveDateTime::new(
            date,
            time::Time::from_hms(h, min, 0).unwrap(),
        ))
    }

    #[test]
    fn nothing_leaves_between_nine_pm_and_eight_am_in_paris() {
        // Daytime: at once.
        let noon = paris(2026, 12, 7, 12, 0);
        assert_eq!(quiet_hours_release(noon), noon);
        let before_nine = paris(2026, 12, 7, 20, 59);
        assert_eq!(quiet_hours_release(before_nine), before_nine);
        let eight = paris(2026, 12, 7, 8, 0);
        assert_eq!(quiet_hours_release(eight), eight);
        // Evening: the next morning at 08:00; after midnight: the same morning.
        assert_eq!(
            quiet_hours_release(paris(2026, 12, 7, 21, 0)),
            paris(2026, 12, 8, 8, 0)
        );
        assert_eq!(
            quiet_hours_release(paris(2026, 12, 7, 23, 30)),
            paris(2026, 12, 8, 8, 0)
        );
        assert_eq!(
            quiet_hours_release(paris(2026, 12, 8, 3, 0)),
            paris(2026, 12, 8, 8, 0)
        );
        assert_eq!(
            quiet_hours_release(paris(2026, 12, 8, 7, 59)),
            paris(2026, 12, 8, 8, 0)
        );
        // In summer time too (UTC+2), and across a month's end.
        assert_eq!(
            quiet_hours_release(paris(2026, 7, 31, 22, 0)),
            paris(2026, 8, 1, 8, 0)
        );
        assert_eq!(paris(2026, 8, 1, 8, 0) % (3600 * 1000), 0);
    }

    #[test]
    fn the_paris_day_starts_at_midnight_paris_time() {
        assert_eq!(
            paris_day_start(paris(2026, 12, 7, 15, 12)),
            paris(2026, 12, 7, 0, 0)
        );
        assert_eq!(
            paris_day_start(paris(2026, 12, 7, 0, 30)),
            paris(2026, 12, 7, 0, 0)
        );
    }

    #[test]
    fn stop_is_recognised_in_its_usual_forms_only() {
        for text in [
            "STOP",
            "stop",
            " Stop. ",
            "STOP SMS",
            "stop 36180",
            "Arrêt",
            "ARRET",
        ] {
            assert!(is_stop_word(text), "{text}");
        }
        for text in ["", "Bonjour", "ne stop pas", "STOPPER", "OK"] {
            assert!(!is_stop_word(text), "{text}");
        }
    }

    #[test]
    fn kannel_report_types_map_to_statuses() {
        assert_eq!(
            DeliveryReport::from_kannel(1),
            Some(DeliveryReport::Delivered)
        );
        assert_eq!(DeliveryReport::from_kannel(2), Some(DeliveryReport::Failed));
        assert_eq!(
            DeliveryReport::from_kannel(16),
            Some(DeliveryReport::Failed)
        );
        assert_eq!(
            DeliveryReport::from_kannel(8),
            Some(DeliveryReport::InTransit)
        );
        assert_eq!(
            DeliveryReport::from_kannel(4),
            Some(DeliveryReport::InTransit)
        );
        assert_eq!(DeliveryReport::from_kannel(3), None);
    }

    #[test]
    fn gsm_text_is_told_from_text_that_needs_unicode() {
        assert!(!fits_gsm7("Bonjour Léa, votre code : 123456. À bientôt ?"));
        assert!(fits_gsm7("Bonjour Léa, votre code : 123456. A demain [€]"));
        // Ç is in the GSM alphabet; ê and Œ are not.
        assert!(!fits_gsm7("Fenêtre"));
        assert!(fits_gsm7("Ici à 9h, rendez-vous réservé"));
    }
}
