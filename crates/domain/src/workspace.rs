//! The coach's workspace: notes on a person's file, messages between coach and person,
//! and sharing a document with a named recipient.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(NoteVisibility, "note visibility", {
    // Coaches of the operator only.
    Private => "private",
    // The person reads it too.
    Shared => "shared",
});

coded_enum!(MessageSide, "message side", {
    Person => "person",
    Staff => "staff",
});

impl MessageSide {
    pub fn other(self) -> MessageSide {
        match self {
            MessageSide::Person => MessageSide::Staff,
            MessageSide::Staff => MessageSide::Person,
        }
    }
}

/// Longest note, message and subject accepted, in characters.
pub const MAX_NOTE: usize = 5_000;
pub const MAX_MESSAGE: usize = 5_000;
pub const MAX_SUBJECT: usize = 120;
pub const MAX_RECIPIENT_NAME: usize = 120;
/// Longest reason given for a caseload transfer.
pub const MAX_TRANSFER_REASON: usize = 500;
/// How long a share link to a document stays valid.
pub const SHARE_VALID_MS: i64 = 30 * 24 * 3600 * 1000;

/// Whether a message was read by the other side: they opened the thread after it came.
pub fn is_read(message_at: i64, other_side_read_at: Option<i64>) -> bool {
    other_side_read_at.is_some_and(|read| read >= message_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_sides_face_each_other() {
        for v in [NoteVisibility::Private, NoteVisibility::Shared] {
            assert_eq!(v.code().parse::<NoteVisibility>().unwrap(), v);
        }
        assert!("public".parse::<NoteVisibility>().is_err());
        assert_eq!(MessageSide::Person.other(), MessageSide::Staff);
        assert_eq!(MessageSide::Staff.other(), MessageSide::Person);
    }

    #[test]
    fn a_message_is_read_once_the_other_side_opened_the_thread_after_it() {
        assert!(!is_read(100, None));
        assert!(!is_read(100, Some(99)));
        assert!(is_read(100, Some(100)));
        assert!(is_read(100, Some(250)));
    }
}
