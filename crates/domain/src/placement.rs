//! Placements: what became of a person, recorded as raw facts (a contract and its
//! terms, a training and whether it qualifies, a business created). Labels such as
//! "durable employment" are derived from these facts by versioned rules, never stored.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(PlacementKind, "placement kind", {
    Employment => "employment",
    Training => "training",
    Business => "business",
});

coded_enum!(ContractType, "contract type", {
    Cdi => "cdi",
    Cdd => "cdd",
    Temp => "temp",
    Apprenticeship => "apprenticeship",
    Subsidised => "subsidised",
});

pub const MAX_NAME: usize = 160;
pub const MAX_WEEKLY_HOURS: i32 = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub code: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacementInput {
    pub kind: String,
    pub contract_type: String,
    pub starts_on: String,
    pub planned_end: String,
    pub weekly_hours: String,
    pub employer_name: String,
    pub training_name: String,
    /// "yes" or "no" for a training.
    pub qualifying: String,
    pub business_activity: String,
}

/// The facts once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub kind: PlacementKind,
    pub contract_type: Option<ContractType>,
    pub starts_on: String,
    pub planned_end: Option<String>,
    pub weekly_hours: Option<i32>,
    pub employer_name: Option<String>,
    pub training_name: Option<String>,
    pub qualifying: Option<bool>,
    pub business_activity: Option<String>,
}

/// Whitespace folded; `None` when nothing is left.
pub fn tidy(raw: &str) -> Option<String> {
    text(raw)
}

fn text(raw: &str) -> Option<String> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

impl PlacementInput {
    pub fn check(&self) -> Result<Placement, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut refuse = |field, code| problems.push(Problem { field, code });
        let kind = self.kind.parse::<PlacementKind>().ok();
        if kind.is_none() {
            refuse("kind", "required");
        }
        let starts = crate::opportunity::date(&self.starts_on);
        if self.starts_on.trim().is_empty() {
            refuse("starts_on", "required");
        } else if starts.is_none() {
            refuse("starts_on", "invalid");
        }
        let planned_end = match self.planned_end.trim() {
            "" => None,
            raw => match crate::opportunity::date(raw) {
                Some(end) if starts.is_none_or(|s| end >= s) => Some(raw.to_owned()),
                Some(_) => {
                    refuse("planned_end", "before_start");
                    None
                }
                None => {
                    refuse("planned_end", "invalid");
                    None
                }
            },
        };
        let mut contract_type = None;
        let mut weekly_hours = None;
        let mut employer_name = None;
        let mut training_name = None;
        let mut qualifying = None;
        let mut business_activity = None;
        for (field, value) in [
            ("employer_name", &self.employer_name),
            ("training_name", &self.training_name),
            ("business_activity", &self.business_activity),
        ] {
            if value.chars().count() > MAX_NAME {
                refuse(field, "too_long");
            }
        }
        match kind {
            Some(PlacementKind::Employment) => {
                contract_type = self.contract_type.parse::<ContractType>().ok();
                if contract_type.is_none() {
                    refuse("contract_type", "required");
                }
                // A fixed-term contract has its planned end: durable employment depends on it.
                if matches!(contract_type, Some(ContractType::Cdd | ContractType::Temp))
                    && planned_end.is_none()
                    && self.planned_end.trim().is_empty()
                {
                    refuse("planned_end", "required");
                }
                weekly_hours = match self.weekly_hours.trim() {
                    "" => None,
                    raw => match raw.replace(',', ".").parse::<f64>() {
                        Ok(h) if h > 0.0 && h <= f64::from(MAX_WEEKLY_HOURS) => {
                            Some(h.round() as i32)
                        }
                        _ => {
                            refuse("weekly_hours", "invalid");
                            None
                        }
                    },
                };
                employer_name = text(&self.employer_name);
                if employer_name.is_none() {
                    refuse("employer_name", "required");
                }
            }
            Some(PlacementKind::Training) => {
                training_name = text(&self.training_name);
                if training_name.is_none() {
                    refuse("training_name", "required");
                }
                qualifying = match self.qualifying.as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => {
                        refuse("qualifying", "required");
                        None
                    }
                };
            }
            Some(PlacementKind::Business) => {
                business_activity = text(&self.business_activity);
                if business_activity.is_none() {
                    refuse("business_activity", "required");
                }
            }
            None => {}
        }
        match (kind, starts) {
            (Some(kind), Some(_)) if problems.is_empty() => Ok(Placement {
                kind,
                contract_type,
                starts_on: self.starts_on.trim().to_owned(),
                planned_end,
                weekly_hours,
                employer_name,
                training_name,
                qualifying,
                business_activity,
            }),
            _ => Err(problems),
        }
    }
}

impl Placement {
    /// Planned length in whole months (30.44 days), when the end is known.
    pub fn planned_months(&self) -> Option<f64> {
        let start = crate::opportunity::date(&self.starts_on)?;
        let end = crate::opportunity::date(self.planned_end.as_deref()?)?;
        Some((end - start).whole_days() as f64 / 30.44)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_term_contract_needs_its_end_and_an_employer() {
        let cdd = PlacementInput {
            kind: "employment".into(),
            contract_type: "cdd".into(),
            starts_on: "2027-01-04".into(),
            ..PlacementInput::default()
        };
        let fields: Vec<&str> = cdd.check().unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["planned_end", "employer_name"]);
        let ok = PlacementInput {
            planned_end: "2027-07-03".into(),
            employer_name: " Boulangeries  du Vexin ".into(),
            weekly_hours: "35".into(),
            ..cdd
        }
        .check()
        .unwrap();
        assert_eq!(ok.employer_name.as_deref(), Some("Boulangeries du Vexin"));
        assert_eq!(ok.weekly_hours, Some(35));
        assert!((ok.planned_months().unwrap() - 5.9).abs() < 0.1);
    }

    #[test]
    fn trainings_say_whether_they_qualify_and_businesses_what_they_do() {
        let training = PlacementInput {
            kind: "training".into(),
            starts_on: "2027-09-01".into(),
            training_name: "CAP Boulanger".into(),
            ..PlacementInput::default()
        };
        assert_eq!(
            training.check().unwrap_err(),
            vec![Problem {
                field: "qualifying",
                code: "required"
            }]
        );
        let business = PlacementInput {
            kind: "business".into(),
            starts_on: "2027-02-30".into(),
            ..PlacementInput::default()
        };
        let fields: Vec<&str> = business
            .check()
            .unwrap_err()
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, vec!["starts_on", "business_activity"]);
    }
}
