//! Typed ids: one newtype over a UUID per kind of row an address names, so that a
//! programme's id cannot be passed where a person's is expected. They are
//! `#[serde(transparent)]`: in JSON, in a path and in the database they are the bare UUID.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// The bare UUID, for the layers that still take one.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            /// The hyphenated lower-case form, as in addresses.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            /// Any form `Uuid::parse_str` reads (the same as serde's).
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(raw).map($name)
            }
        }
    )+};
}

ids! {
    /// A person followed (a beneficiary): `/beneficiaries/{id}`.
    PersonId;
    /// An activity of the bilan (a questionnaire taken): `/activites/{id}`.
    ActivityId;
    /// A booked appointment: `/beneficiaries/{id}/rendez-vous/{appointment}`.
    AppointmentId;
    /// A coach's open slot in the agenda: `/agenda/creneaux/{id}`.
    SlotId;
    /// A background job: `/admin/taches/{id}`.
    JobId;
    /// An entry of a person's journal: `/parcours/journal/{id}`.
    JournalEntryId;
    /// An objective of an action plan.
    ObjectiveId;
    /// An action under a plan's objective.
    ActionId;
    /// A programme (a funded scheme): `/programmes/{id}`.
    ProgrammeId;
    /// A question of a programme's follow-up survey.
    SurveyQuestionId;
    /// A referral of a person to a programme: `/orientations/{id}`.
    ReferralId;
    /// An uploaded file of referrals waiting to be validated: `/orientations/import/{id}`.
    ReferralImportId;
    /// A message thread: `/messages/{thread}`.
    ThreadId;
    /// A note on a person's file.
    NoteId;
    /// A document in a person's space.
    DocumentId;
    /// A link sharing a person's synthesis.
    ShareId;
    /// An opportunity an employer offers: `/entreprise/opportunites/{id}`.
    OpportunityId;
    /// A request put to an employer for a person (a placement, a sponsor).
    OpportunityRequestId;
    /// A selection event (an information meeting, a committee): `/selection/evenements/{id}`.
    EventId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_bare_uuid() {
        let raw = "0190f5a2-7c3e-7a1b-9d2e-1234567890ab";
        let id: PersonId = raw.parse().unwrap();
        assert_eq!(id.to_string(), raw);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{raw}\""));
        let back: PersonId = serde_json::from_str(&format!("\"{raw}\"")).unwrap();
        assert_eq!(back, id);
        assert_eq!(Uuid::from(id), Uuid::parse_str(raw).unwrap());
        assert!("1' OR 1=1".parse::<PersonId>().is_err());
        assert!(serde_json::from_str::<PersonId>("\"not-a-uuid\"").is_err());
    }
}
