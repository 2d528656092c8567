//! The one rule for text people send, whatever the field: line breaks are stored as
//! LF (browsers send a textarea's as CR LF; a lone CR counts as one too), tabs are
//! kept, and any other control character — the Unicode Cc category: NUL, escape, DEL,
//! the C1 controls such as U+0085 — is refused. PostgreSQL cannot store NUL at all,
//! and the others are invisible: they break documents, exports and searches.
//! Separators that are not controls (U+2028, U+00A0…) are ordinary text.

use std::borrow::Cow;

/// A refused character: which one, and where (in characters, from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlCharacter {
    pub character: char,
    pub position: usize,
}

impl std::fmt::Display for ControlCharacter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "contains the control character U+{:04X} at position {}; only line breaks and tabs are allowed",
            u32::from(self.character),
            self.position + 1
        )
    }
}

/// Whether the rule refuses this character (CR is not refused: it becomes a line break).
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

/// The first refused character of a text, if any.
pub fn first_refused(text: &str) -> Option<ControlCharacter> {
    text.chars()
        .enumerate()
        .find(|(_, c)| is_refused(*c))
        .map(|(position, character)| ControlCharacter {
            character,
            position,
        })
}

/// The text with CR LF and lone CR turned into LF (borrowed when there is none).
pub fn normalise_line_breaks(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
}

/// The text as it may be stored: line breaks normalised, or the first refused character.
pub fn clean(text: &str) -> Result<Cow<'_, str>, ControlCharacter> {
    match first_refused(text) {
        Some(refused) => Err(refused),
        None => Ok(normalise_line_breaks(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_every_control_but_line_breaks_and_tabs() {
        for bad in [
            '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}',
        ] {
            let text = format!("ab{bad}c");
            assert_eq!(
                clean(&text),
                Err(ControlCharacter {
                    character: bad,
                    position: 2
                }),
                "{bad:?}"
            );
        }
        for good in ["a\tb", "a\nb", "a\u{2028}b", "a\u{a0}b", "é😀", ""] {
            assert_eq!(clean(good).as_deref(), Ok(good));
        }
    }

    #[test]
    fn line_breaks_become_lf() {
        assert_eq!(clean("a\r\nb\rc\n\r").as_deref(), Ok("a\nb\nc\n\n"));
        assert!(matches!(clean("plain"), Ok(Cow::Borrowed(_))));
    }

    #[test]
    fn the_message_names_the_character() {
        let e = first_refused("x\u{1b}").map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some(
                "contains the control character U+001B at position 2; only line breaks and tabs are allowed"
            )
        );
    }
}
