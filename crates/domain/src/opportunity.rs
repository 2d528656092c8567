//! Opportunities employers offer, requests for them, and feedback afterwards.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

coded_enum!(OpportunityKind, "opportunity kind", {
    InformationalInterview => "informational_interview",
    // Période de mise en situation en milieu professionnel (PMSMP): a month at most.
    Immersion => "immersion",
    Internship => "internship",
    Sponsorship => "sponsorship",
    TempJob => "temp_job",
    Job => "job",
});

coded_enum!(RequestStatus, "opportunity request status", {
    Requested => "requested",
    Accepted => "accepted",
    Declined => "declined",
    Expired => "expired",
    Cancelled => "cancelled",
});

coded_enum!(FeedbackSide, "feedback side", {
    Candidate => "candidate",
    Employer => "employer",
});

pub const MAX_TITLE: usize = 120;
pub const MAX_DESCRIPTION: usize = 2_000;
pub const MAX_CAPACITY: i32 = 100;
pub const MAX_RESPOND_DAYS: i32 = 60;
/// An immersion lasts one month at most (PMSMP).
pub const MAX_IMMERSION_DAYS: i64 = 31;

/// A field refused, with a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub code: &'static str,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityInput {
    pub kind: String,
    pub title: String,
    pub code_rome: String,
    pub description: String,
    pub commune_code: String,
    pub capacity: String,
    pub respond_within_days: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub kind: OpportunityKind,
    pub title: String,
    pub code_rome: Option<String>,
    pub description: String,
    pub commune_code: Option<String>,
    pub capacity: i32,
    pub respond_within_days: i32,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

/// A calendar date written YYYY-MM-DD that exists.
pub fn date(raw: &str) -> Option<time::Date> {
    let raw = raw.trim();
    let mut parts = raw.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if raw.len() != 10 || parts.next().is_some() {
        return None;
    }
    let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
    time::Date::from_calendar_date(y.parse().ok()?, month, d.parse().ok()?).ok()
}

fn number(raw: &str, default: i32, range: std::ops::RangeInclusive<i32>) -> Option<i32> {
    match raw.trim() {
        "" => Some(default),
        s => s.parse().ok().filter(|n| range.contains(n)),
    }
}

impl OpportunityInput {
    /// Checks the offer; every problem at once.
    pub fn check(&self) -> Result<Offer, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut refuse = |field, code| problems.push(Problem { field, code });
        let kind = self.kind.parse::<OpportunityKind>().ok();
        if kind.is_none() {
            refuse("kind", "required");
        }
        let title = self.title.trim();
        if title.is_empty() {
            refuse("title", "required");
        } else if title.chars().count() > MAX_TITLE {
            refuse("title", "too_long");
        }
        let description = self.description.trim();
        if description.chars().count() > MAX_DESCRIPTION {
            refuse("description", "too_long");
        }
        let code_rome = self.code_rome.trim().to_ascii_uppercase();
        let rome_ok = code_rome.len() == 5
            && code_rome
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
            && code_rome[1..].chars().all(|c| c.is_ascii_digit());
        if !code_rome.is_empty() && !rome_ok {
            refuse("code_rome", "invalid");
        }
        let commune = self.commune_code.trim().to_ascii_uppercase();
        if !commune.is_empty() && commune.len() != 5 {
            refuse("commune_code", "invalid");
        }
        let capacity = number(&self.capacity, 1, 1..=MAX_CAPACITY);
        if capacity.is_none() {
            refuse("capacity", "invalid");
        }
        let respond = number(&self.respond_within_days, 7, 1..=MAX_RESPOND_DAYS);
        if respond.is_none() {
            refuse("respond_within_days", "invalid");
        }
        let starts = (!self.starts_on.trim().is_empty()).then(|| date(&self.starts_on));
        let ends = (!self.ends_on.trim().is_empty()).then(|| date(&self.ends_on));
        if matches!(starts, Some(None)) {
            refuse("starts_on", "invalid");
        }
        if matches!(ends, Some(None)) {
            refuse("ends_on", "invalid");
        }
        if let (Some(Some(s)), Some(Some(e))) = (starts, ends) {
            if e < s {
                refuse("ends_on", "before_start");
            } else if kind == Some(OpportunityKind::Immersion)
                && (e - s).whole_days() + 1 > MAX_IMMERSION_DAYS
            {
                refuse("ends_on", "immersion_too_long");
            }
        }
        if kind == Some(OpportunityKind::Immersion) && (starts.is_none() || ends.is_none()) {
            refuse("starts_on", "immersion_dates");
        }
        match (kind, capacity, respond) {
            (Some(kind), Some(capacity), Some(respond_within_days)) if problems.is_empty() => {
                Ok(Offer {
                    kind,
                    title: title.to_owned(),
                    code_rome: (!code_rome.is_empty()).then_some(code_rome),
                    description: description.to_owned(),
                    commune_code: (!commune.is_empty()).then_some(commune),
                    capacity,
                    respond_within_days,
                    starts_on: self.starts_on.trim().to_owned().into_nonempty(),
                    ends_on: self.ends_on.trim().to_owned().into_nonempty(),
                })
            }
            _ => Err(problems),
        }
    }
}

trait NonEmpty {
    fn into_nonempty(self) -> Option<String>;
}

impl NonEmpty for String {
    fn into_nonempty(self) -> Option<String> {
        (!self.is_empty()).then_some(self)
    }
}

/// How well an opportunity fits a person: the same occupation as their project or a
/// shortlisted piste first, then the closest. Lower sorts first.
pub fn fit_rank(same_occupation: bool, distance_km: Option<f64>) -> (u8, u32) {
    let km = distance_km.map_or(u32::MAX, |d| d.round().clamp(0.0, 100_000.0) as u32);
    (u8::from(!same_occupation), km)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn immersion() -> OpportunityInput {
        OpportunityInput {
            kind: "immersion".into(),
            title: "Découvrir la boulangerie".into(),
            code_rome: "d1102".into(),
            commune_code: "76540".into(),
            starts_on: "2027-03-01".into(),
            ends_on: "2027-03-14".into(),
            ..OpportunityInput::default()
        }
    }

    #[test]
    fn an_immersion_is_checked_and_lasts_a_month_at_most() {
        let offer = immersion().check().unwrap();
        assert_eq!(offer.code_rome.as_deref(), Some("D1102"));
        assert_eq!((offer.capacity, offer.respond_within_days), (1, 7));
        let mut long = immersion();
        long.ends_on = "2027-04-15".into();
        assert_eq!(
            long.check().unwrap_err(),
            vec![Problem {
                field: "ends_on",
                code: "immersion_too_long"
            }]
        );
        let mut undated = immersion();
        undated.starts_on.clear();
        assert!(undated.check().unwrap_err().contains(&Problem {
            field: "starts_on",
            code: "immersion_dates"
        }));
    }

    #[test]
    fn every_problem_is_named() {
        let bad = OpportunityInput {
            kind: "party".into(),
            title: String::new(),
            code_rome: "12345".into(),
            capacity: "0".into(),
            respond_within_days: "365".into(),
            starts_on: "2027-02-30".into(),
            ..OpportunityInput::default()
        };
        let fields: Vec<&str> = bad.check().unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "title",
                "code_rome",
                "capacity",
                "respond_within_days",
                "starts_on"
            ]
        );
    }

    #[test]
    fn the_same_occupation_comes_before_distance() {
        let mut ranks = [
            fit_rank(false, Some(2.0)),
            fit_rank(true, Some(40.0)),
            fit_rank(true, None),
            fit_rank(true, Some(5.0)),
        ];
        ranks.sort();
        assert_eq!(ranks[0], (0, 5));
        assert_eq!(ranks[1], (0, 40));
        assert_eq!(ranks[3], (1, 2));
    }
}
