use std::fmt;
use std::str::FromStr;

use crate::role::{UnknownCode, coded_enum};

// The three legal phases of a bilan de compétences (Code du travail, R6313-4),
// bracketed by the referral before it and the follow-up after it.
coded_enum!(Phase, "journey phase", {
    Referred => "referred",
    Preliminary => "preliminary",
    Investigation => "investigation",
    Conclusions => "conclusions",
    FollowUp => "follow_up",
});

impl Phase {
    /// Position in the journey, for progress bars and sorting.
    pub fn step(self) -> usize {
        Phase::ALL.iter().position(|p| *p == self).unwrap_or(0) + 1
    }
}
