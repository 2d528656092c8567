//! The professional project and its validation gate: a project moves from exploring to
//! validating to validated (or back to exploring) only with evidence, as a coach would
//! require it. Pure rules; the application layer stores and audits.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(ProjectStatus, "project status", {
    Exploring => "exploring",
    Validating => "validating",
    Validated => "validated",
});

coded_enum!(ProjectKind, "project kind", {
    Occupation => "occupation",
    Business => "business",
});

// The evidence a coherent project needs (the three criteria of a bilan's conclusions:
// coherence with the person, a training and funding path, job prospects in the region).
coded_enum!(Evidence, "project evidence", {
    InformationalInterview => "informational_interview",
    Immersion => "immersion",
    TrainingPath => "training_path",
    JobProspects => "job_prospects",
    ConstraintsCompatible => "constraints_compatible",
});

/// The three criteria shown with a project, each backed by evidence items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    /// The project fits the person: tried and talked about with professionals.
    Coherence,
    /// The training it needs and its funding are identified.
    TrainingAndFunding,
    /// There are jobs (or customers) within reach.
    Prospects,
}

impl Criterion {
    pub const ALL: [Criterion; 3] = [
        Criterion::Coherence,
        Criterion::TrainingAndFunding,
        Criterion::Prospects,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Criterion::Coherence => "coherence",
            Criterion::TrainingAndFunding => "training_and_funding",
            Criterion::Prospects => "prospects",
        }
    }

    pub fn evidence(self) -> &'static [Evidence] {
        match self {
            Criterion::Coherence => &[
                Evidence::InformationalInterview,
                Evidence::Immersion,
                Evidence::ConstraintsCompatible,
            ],
            Criterion::TrainingAndFunding => &[Evidence::TrainingPath],
            Criterion::Prospects => &[Evidence::JobProspects],
        }
    }
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateRefusal {
    /// Not a move of the gate (for example validated → validating).
    NotAllowed,
    /// Validation needs every piece of evidence; these are missing.
    MissingEvidence(Vec<Evidence>),
    /// Validating, and going back, need the coach's comment.
    CommentRequired,
}

/// Checks a move of the gate. `confirmed` is the evidence recorded so far.
pub fn check_move(
    from: ProjectStatus,
    to: ProjectStatus,
    confirmed: &[Evidence],
    comment: &str,
) -> Result<(), GateRefusal> {
    use ProjectStatus::*;
    match (from, to) {
        (Exploring, Validating) => Ok(()),
        (Validating, Validated) => {
            let missing: Vec<Evidence> = Evidence::ALL
                .iter()
                .copied()
                .filter(|e| !confirmed.contains(e))
                .collect();
            if !missing.is_empty() {
                return Err(GateRefusal::MissingEvidence(missing));
            }
            if comment.trim().is_empty() {
                return Err(GateRefusal::CommentRequired);
            }
            Ok(())
        }
        (Validating | Validated, Exploring) => {
            if comment.trim().is_empty() {
                Err(GateRefusal::CommentRequired)
            } else {
                Ok(())
            }
        }
        _ => Err(GateRefusal::NotAllowed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;

    #[test]
    fn validation_needs_every_piece_of_evidence_and_a_comment() {
        let all = Evidence::ALL.to_vec();
        assert_eq!(check_move(Exploring, Validating, &[], ""), Ok(()));
        assert_eq!(
            check_move(Validating, Validated, &all[..3], "ok"),
            Err(GateRefusal::MissingEvidence(all[3..].to_vec()))
        );
        assert_eq!(
            check_move(Validating, Validated, &all, "  "),
            Err(GateRefusal::CommentRequired)
        );
        assert_eq!(
            check_move(Validating, Validated, &all, "Projet solide"),
            Ok(())
        );
    }

    #[test]
    fn going_back_needs_a_comment_and_no_step_is_skipped() {
        assert_eq!(
            check_move(Validating, Exploring, &[], ""),
            Err(GateRefusal::CommentRequired)
        );
        assert_eq!(
            check_move(Validated, Exploring, &[], "Nouvelle piste"),
            Ok(())
        );
        let all = Evidence::ALL.to_vec();
        assert_eq!(
            check_move(Exploring, Validated, &all, "trop vite"),
            Err(GateRefusal::NotAllowed)
        );
        assert_eq!(
            check_move(Validated, Validating, &all, "x"),
            Err(GateRefusal::NotAllowed)
        );
        assert_eq!(
            check_move(Exploring, Exploring, &[], "x"),
            Err(GateRefusal::NotAllowed)
        );
    }

    #[test]
    fn the_three_criteria_cover_every_piece_of_evidence_once() {
        let mut covered: Vec<Evidence> = Criterion::ALL
            .iter()
            .flat_map(|c| c.evidence().iter().copied())
            .collect();
        covered.sort_by_key(|e| e.code());
        let mut all = Evidence::ALL.to_vec();
        all.sort_by_key(|e| e.code());
        assert_eq!(covered, all);
    }
}
