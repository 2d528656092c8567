//! The selection week: events (meeting company managers, interview simulations,
//! workshops) candidates are invited to, their attendance, an evaluation grid for each
//! simulation, and the committee's decision per candidate with its reasons.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(EventKind, "selection event kind", {
    CompanyMeeting => "company_meeting",
    InterviewSimulation => "interview_simulation",
    Workshop => "workshop",
});

coded_enum!(Attendance, "attendance", {
    Invited => "invited",
    Attended => "attended",
    Absent => "absent",
    Excused => "excused",
});

coded_enum!(CommitteeDecision, "committee decision", {
    Selected => "selected",
    WaitingList => "waiting_list",
    NotSelected => "not_selected",
});

/// The evaluation grid of an interview simulation: each criterion scored 1 (to work
/// on) to 4 (strong).
pub const GRID: [&str; 5] = [
    "presentation",
    "motivation",
    "communication",
    "knowledge_of_job",
    "punctuality",
];

pub const MAX_REASONS: usize = 2_000;

/// Scores of the grid from form values, every criterion required and in 1..=4.
pub fn grid_scores(values: &[(String, String)]) -> Result<Vec<(&'static str, u8)>, &'static str> {
    GRID.iter()
        .map(|criterion| {
            let raw = values
                .iter()
                .find(|(k, _)| k == criterion)
                .map(|(_, v)| v.as_str())
                .unwrap_or("");
            match raw.trim().parse::<u8>() {
                Ok(n) if (1..=4).contains(&n) => Ok((*criterion, n)),
                _ => Err(*criterion),
            }
        })
        .collect()
}

/// Mean of a grid, for the committee's summary.
pub fn grid_mean(scores: &[(&str, u8)]) -> Option<f64> {
    (!scores.is_empty())
        .then(|| scores.iter().map(|(_, s)| f64::from(*s)).sum::<f64>() / scores.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_wants_every_criterion_between_one_and_four() {
        let full: Vec<(String, String)> = GRID
            .iter()
            .map(|c| ((*c).to_owned(), "3".to_owned()))
            .collect();
        let scores = grid_scores(&full).unwrap();
        assert_eq!(scores.len(), 5);
        assert_eq!(grid_mean(&scores), Some(3.0));
        let mut missing = full.clone();
        missing.retain(|(k, _)| k != "motivation");
        assert_eq!(grid_scores(&missing), Err("motivation"));
        let mut out_of_range = full;
        out_of_range[0].1 = "5".into();
        assert_eq!(grid_scores(&out_of_range), Err("presentation"));
    }
}
