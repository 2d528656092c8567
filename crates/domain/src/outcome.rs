//! Outcomes: what became of a participant, recorded as facts at exit and at follow-up
//! points, and the labels funders count (durable employment, transition employment,
//! positive and dynamic exits), derived from the facts by a versioned rule. The report
//! counts participants by status and outcome, with the cells too small to publish
//! suppressed (and enough others that no hidden cell can be recovered from the totals).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::placement::ContractType;
use crate::role::{UnknownCode, coded_enum};

coded_enum!(ParticipantStatus, "participant status", {
    InProgress => "in_progress",
    Finished => "finished",
    Dropped => "dropped",
});

coded_enum!(Situation, "situation", {
    Employment => "employment",
    Training => "training",
    Business => "business",
    JobSearch => "job_search",
    Validating => "validating",
});

coded_enum!(FollowUpPoint, "follow-up point", {
    Exit => "exit",
    Month3 => "m3",
    Month6 => "m6",
    Month12 => "m12",
});

/// How a funder labels exits. A new version is stored on every change; labels are
/// computed from the facts at report time, so a change re-labels every participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LabelRule {
    pub version: i32,
    /// A fixed-term contract (CDD, temp work, apprenticeship) of at least this many
    /// months is durable employment; shorter, transition employment.
    pub durable_months: i32,
    /// A business created counts as durable employment.
    pub business_is_durable: bool,
}

impl Default for LabelRule {
    /// The French insertion funders' usual definitions (DGEFP): CDI or a contract of
    /// six months or more, and business creation, are durable employment.
    fn default() -> Self {
        LabelRule {
            version: 0,
            durable_months: 6,
            business_is_durable: true,
        }
    }
}

/// The facts of an exit that matter for its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitFacts {
    pub situation: Situation,
    pub contract_type: Option<ContractType>,
    pub contract_months: Option<i32>,
    pub qualifying: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Labels {
    pub durable_employment: bool,
    pub transition_employment: bool,
    /// Qualifying training (the funders' "sortie positive" besides employment).
    pub positive_exit: bool,
}

impl Labels {
    /// Durable, transition or positive: the funders' "sortie dynamique".
    pub fn dynamic_exit(self) -> bool {
        self.durable_employment || self.transition_employment || self.positive_exit
    }
}

impl LabelRule {
    pub fn labels(&self, facts: &ExitFacts) -> Labels {
        match facts.situation {
            Situation::Employment => {
                let durable = match facts.contract_type {
                    Some(ContractType::Cdi) => true,
                    Some(ContractType::Subsidised) | None => false,
                    Some(ContractType::Cdd | ContractType::Temp | ContractType::Apprenticeship) => {
                        facts.contract_months.unwrap_or(0) >= self.durable_months
                    }
                };
                Labels {
                    durable_employment: durable,
                    transition_employment: !durable,
                    positive_exit: false,
                }
            }
            Situation::Business => Labels {
                durable_employment: self.business_is_durable,
                transition_employment: !self.business_is_durable,
                positive_exit: false,
            },
            Situation::Training => Labels {
                positive_exit: facts.qualifying == Some(true),
                ..Labels::default()
            },
            Situation::JobSearch | Situation::Validating => Labels::default(),
        }
    }
}

/// One group of identical participants as the database counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    pub status: ParticipantStatus,
    pub situation: Option<Situation>,
    pub contract_type: Option<ContractType>,
    pub contract_months: Option<i32>,
    pub qualifying: Option<bool>,
    pub referrer: Option<String>,
    pub departement: Option<String>,
    /// "2025-Q3".
    pub quarter: Option<String>,
    /// Bit i set: declared `Public::ALL[i]`.
    pub publics_mask: i64,
    pub count: u64,
}

/// A published figure: a count and its percentage, or suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figure {
    Shown { count: u64, percent: f64 },
    Hidden { suppressed: bool },
}

impl Figure {
    pub fn count(&self) -> Option<u64> {
        match self {
            Figure::Shown { count, .. } => Some(*count),
            Figure::Hidden { .. } => None,
        }
    }
}

fn percent(count: u64, of: u64) -> f64 {
    if of == 0 {
        return 0.0;
    }
    // Counts stay far below 2^52: the conversion is exact.
    let p = count as f64 * 100.0 / of as f64;
    (p * 10.0).round() / 10.0
}

/// Hides cells under `min_cell` (zero identifies nobody and stays), then, when the
/// cells add up to a total that is published, hides the smallest other cell as long as
/// exactly one cell of the group is hidden: one hidden cell could be recovered by
/// subtraction, two cannot.
pub fn suppress(counts: &[u64], min_cell: u64, total_published: bool) -> Vec<bool> {
    let mut hidden: Vec<bool> = counts.iter().map(|&c| c > 0 && c < min_cell).collect();
    if total_published && hidden.iter().filter(|h| **h).count() == 1 {
        let next = counts
            .iter()
            .enumerate()
            .filter(|(i, c)| !hidden[*i] && **c > 0)
            .min_by_key(|(i, c)| (**c, *i))
            .map(|(i, _)| i);
        if let Some(i) = next {
            hidden[i] = true;
        }
    }
    hidden
}

fn figures<K: Ord + Copy>(
    cells: &[(K, u64)],
    of: u64,
    min_cell: u64,
    total_published: bool,
) -> BTreeMap<K, Figure> {
    let counts: Vec<u64> = cells.iter().map(|(_, c)| *c).collect();
    let hidden = suppress(&counts, min_cell, total_published);
    cells
        .iter()
        .zip(hidden)
        .map(|((k, c), h)| {
            (
                *k,
                if h {
                    Figure::Hidden { suppressed: true }
                } else {
                    Figure::Shown {
                        count: *c,
                        percent: percent(*c, of),
                    }
                },
            )
        })
        .collect()
}

/// The counts of one population (the whole programme, or one public, referrer…).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub participants: u64,
    pub status: BTreeMap<ParticipantStatus, u64>,
    pub outcomes: BTreeMap<Situation, u64>,
    pub durable_employment: u64,
    pub transition_employment: u64,
    pub positive_exit: u64,
    pub dynamic_exit: u64,
}

impl Tally {
    fn add(&mut self, row: &CountRow, rule: &LabelRule) {
        self.participants += row.count;
        *self.status.entry(row.status).or_default() += row.count;
        if row.status != ParticipantStatus::Finished {
            return;
        }
        let Some(situation) = row.situation else {
            return;
        };
        *self.outcomes.entry(situation).or_default() += row.count;
        let labels = rule.labels(&ExitFacts {
            situation,
            contract_type: row.contract_type,
            contract_months: row.contract_months,
            qualifying: row.qualifying,
        });
        if labels.durable_employment {
            self.durable_employment += row.count;
        }
        if labels.transition_employment {
            self.transition_employment += row.count;
        }
        if labels.positive_exit {
            self.positive_exit += row.count;
        }
        if labels.dynamic_exit() {
            self.dynamic_exit += row.count;
        }
    }

    fn finished(&self) -> u64 {
        self.status
            .get(&ParticipantStatus::Finished)
            .copied()
            .unwrap_or(0)
    }
}

/// A population's figures, ready to publish.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// The number of participants, or `{"suppressed": true}` when too few to show anything.
    pub participants: ParticipantsFigure,
    pub status: BTreeMap<ParticipantStatus, Figure>,
    pub outcomes_among_finished: BTreeMap<Situation, Figure>,
    /// Among finished participants.
    pub durable_employment: Figure,
    pub transition_employment: Figure,
    pub positive_exits: Figure,
    pub dynamic_exits: Figure,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParticipantsFigure {
    Count(u64),
    Hidden { suppressed: bool },
}

impl Section {
    /// `participants_published`: whether the population's size is itself shown (a
    /// breakdown row whose size was hidden to protect its neighbours hides everything).
    fn of(tally: &Tally, min_cell: u64, participants_published: bool) -> Section {
        let hidden = Figure::Hidden { suppressed: true };
        let too_small =
            !participants_published || (tally.participants > 0 && tally.participants < min_cell);
        let status_cells: Vec<(ParticipantStatus, u64)> = ParticipantStatus::ALL
            .iter()
            .map(|s| (*s, tally.status.get(s).copied().unwrap_or(0)))
            .collect();
        let status = if too_small {
            status_cells.iter().map(|(s, _)| (*s, hidden)).collect()
        } else {
            figures(&status_cells, tally.participants, min_cell, true)
        };
        let finished_shown = status
            .get(&ParticipantStatus::Finished)
            .is_some_and(|f| f.count().is_some());
        let finished = tally.finished();
        let outcome_cells: Vec<(Situation, u64)> = Situation::ALL
            .iter()
            .map(|s| (*s, tally.outcomes.get(s).copied().unwrap_or(0)))
            .collect();
        let outcomes_among_finished = if finished_shown {
            figures(&outcome_cells, finished, min_cell, true)
        } else {
            outcome_cells.iter().map(|(s, _)| (*s, hidden)).collect()
        };
        // A label adds up outcome cells: it is hidden when one of them is, or the hidden
        // cell would come back by subtraction (durable + transition - employment).
        let is_hidden = |s: Situation| {
            outcomes_among_finished
                .get(&s)
                .is_some_and(|f| f.count().is_none())
        };
        let employment_hidden = is_hidden(Situation::Employment) || is_hidden(Situation::Business);
        let training_hidden = is_hidden(Situation::Training);
        let label = |count: u64, from_hidden: bool| -> Figure {
            if !finished_shown || from_hidden || (count > 0 && count < min_cell) {
                hidden
            } else {
                Figure::Shown {
                    count,
                    percent: percent(count, finished),
                }
            }
        };
        Section {
            participants: if too_small {
                ParticipantsFigure::Hidden { suppressed: true }
            } else {
                ParticipantsFigure::Count(tally.participants)
            },
            status,
            outcomes_among_finished,
            durable_employment: label(tally.durable_employment, employment_hidden),
            transition_employment: label(tally.transition_employment, employment_hidden),
            positive_exits: label(tally.positive_exit, training_hidden),
            dynamic_exits: label(tally.dynamic_exit, employment_hidden || training_hidden),
        }
    }
}

/// A satisfaction question's result: how many answered, and the share who agree (3 or
/// 4 on a four-level scale) for scale questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionFigure {
    pub question: String,
    /// agree | text
    pub kind: String,
    pub answers: ParticipantsFigure,
    pub agree_percent: Option<f64>,
}

/// The report on a programme: the whole, then broken down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomesReport {
    #[serde(flatten)]
    pub overall: Section,
    pub min_cell: u64,
    pub rule: LabelRule,
    pub by_public: BTreeMap<String, Section>,
    pub by_referrer: BTreeMap<String, Section>,
    pub by_departement: BTreeMap<String, Section>,
    pub by_entry_quarter: BTreeMap<String, Section>,
    /// From the follow-up surveys (filled by the application; empty in `report`).
    pub satisfaction: Vec<SatisfactionFigure>,
}

/// Key for rows without a value in a breakdown.
pub const UNKNOWN: &str = "unknown";

/// A breakdown whose rows partition the participants (referrer, département, quarter):
/// when exactly one row is too small, the smallest other row is hidden too, since the
/// rows add up to the published total.
fn partition(tallies: BTreeMap<String, Tally>, min_cell: u64) -> BTreeMap<String, Section> {
    let keys: Vec<String> = tallies.keys().cloned().collect();
    let sizes: Vec<u64> = tallies.values().map(|t| t.participants).collect();
    let hidden = suppress(&sizes, min_cell, true);
    keys.into_iter()
        .zip(hidden)
        .map(|(k, h)| {
            let section = Section::of(&tallies[&k], min_cell, !h);
            (k, section)
        })
        .collect()
}

/// Builds the report from the grouped counts: `rows` by exit facts, referrer,
/// département and quarter (the whole comes from them), `public_rows` by exit facts and
/// declared publics. `publics` gives the code of each bit of `publics_mask`; a
/// participant counts under each public they declared (those rows overlap, so they are
/// not complemented against the total).
pub fn report(
    rows: &[CountRow],
    public_rows: &[CountRow],
    rule: &LabelRule,
    min_cell: u64,
    publics: &[&str],
) -> OutcomesReport {
    let mut overall = Tally::default();
    let mut by_public: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_referrer: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_departement: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_quarter: BTreeMap<String, Tally> = BTreeMap::new();
    let key = |v: &Option<String>| v.clone().unwrap_or_else(|| UNKNOWN.to_owned());
    for row in rows {
        overall.add(row, rule);
        by_referrer
            .entry(key(&row.referrer))
            .or_default()
            .add(row, rule);
        by_departement
            .entry(key(&row.departement))
            .or_default()
            .add(row, rule);
        by_quarter
            .entry(key(&row.quarter))
            .or_default()
            .add(row, rule);
    }
    for row in public_rows {
        for (bit, code) in publics.iter().enumerate() {
            if row.publics_mask & (1 << bit) != 0 {
                by_public
                    .entry((*code).to_owned())
                    .or_default()
                    .add(row, rule);
            }
        }
    }
    OutcomesReport {
        overall: Section::of(&overall, min_cell, true),
        min_cell,
        rule: rule.clone(),
        by_public: by_public
            .into_iter()
            .map(|(k, t)| {
                let s = Section::of(&t, min_cell, true);
                (k, s)
            })
            .collect(),
        by_referrer: partition(by_referrer, min_cell),
        by_departement: partition(by_departement, min_cell),
        by_entry_quarter: partition(by_quarter, min_cell),
        satisfaction: Vec::new(),
    }
}

/// "2025-Q3" for an ISO date.
pub fn quarter_of(iso_date: &str) -> Option<String> {
    let year = iso_date.get(..4)?;
    let month: u32 = iso_date.get(5..7)?.parse().ok()?;
    if !(1..=12).contains(&month) || !year.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(format!("{year}-Q{}", month.div_ceil(3)))
}

/// An outcome as a coach (or a survey answer) gives it, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutcomeInput {
    /// exit | m3 | m6 | m12
    pub point: String,
    /// At exit: finished | dropped.
    pub status: String,
    pub situation: String,
    pub contract_type: String,
    pub starts_on: String,
    pub planned_end: String,
    pub weekly_hours: String,
    pub training_name: String,
    /// yes | no (training).
    pub qualifying: String,
    pub drop_reason: String,
    /// At exit: the day the person left the programme (empty: today).
    pub ended_on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub code: &'static str,
}

/// An outcome once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOutcome {
    pub point: FollowUpPoint,
    pub status: ParticipantStatus,
    pub situation: Option<Situation>,
    pub contract_type: Option<ContractType>,
    pub starts_on: Option<String>,
    pub planned_end: Option<String>,
    /// From the start and planned end (whole months, rounded).
    pub contract_months: Option<i32>,
    pub weekly_hours: Option<i32>,
    pub training_name: Option<String>,
    pub qualifying: Option<bool>,
    pub drop_reason: Option<String>,
    /// At exit, when given: the day the person left (YYYY-MM-DD).
    pub ended_on: Option<String>,
}

/// Longest free text in an outcome.
pub const MAX_OUTCOME_TEXT: usize = 200;

impl OutcomeInput {
    pub fn check(&self) -> Result<CheckedOutcome, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut refuse = |field, code| problems.push(Problem { field, code });
        let point = self.point.trim().parse::<FollowUpPoint>().ok();
        if point.is_none() {
            refuse("point", "required");
        }
        let status = if point == Some(FollowUpPoint::Exit) {
            match self.status.trim().parse::<ParticipantStatus>() {
                Ok(s @ (ParticipantStatus::Finished | ParticipantStatus::Dropped)) => Some(s),
                _ => {
                    refuse("status", "required");
                    None
                }
            }
        } else {
            Some(ParticipantStatus::Finished)
        };
        let situation = match self.situation.trim() {
            "" => None,
            raw => {
                let s = raw.parse::<Situation>().ok();
                if s.is_none() {
                    refuse("situation", "required");
                }
                s
            }
        };
        let dropped = status == Some(ParticipantStatus::Dropped);
        if situation.is_none() && !dropped && self.situation.trim().is_empty() {
            refuse("situation", "required");
        }
        let drop_reason = crate::placement::tidy(&self.drop_reason);
        if dropped && drop_reason.is_none() {
            refuse("drop_reason", "required");
        }
        if drop_reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_OUTCOME_TEXT)
        {
            refuse("drop_reason", "too_long");
        }
        let date = |raw: &str| crate::opportunity::date(raw);
        let starts = date(&self.starts_on);
        if !self.starts_on.trim().is_empty() && starts.is_none() {
            refuse("starts_on", "invalid");
        }
        let ended_on = if point == Some(FollowUpPoint::Exit) {
            date(&self.ended_on)
        } else {
            None
        };
        if point == Some(FollowUpPoint::Exit)
            && !self.ended_on.trim().is_empty()
            && ended_on.is_none()
        {
            refuse("ended_on", "invalid");
        }
        let ends = date(&self.planned_end);
        if !self.planned_end.trim().is_empty() && ends.is_none() {
            refuse("planned_end", "invalid");
        }
        if let (Some(s), Some(e)) = (starts, ends)
            && e < s
        {
            refuse("planned_end", "before_start");
        }
        let mut contract_type = None;
        let mut qualifying = None;
        let mut weekly_hours = None;
        let training_name = crate::placement::tidy(&self.training_name);
        if training_name
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_OUTCOME_TEXT)
        {
            refuse("training_name", "too_long");
        }
        match situation {
            Some(Situation::Employment) => {
                contract_type = self.contract_type.trim().parse::<ContractType>().ok();
                if contract_type.is_none() {
                    refuse("contract_type", "required");
                }
                if matches!(contract_type, Some(ContractType::Cdd | ContractType::Temp))
                    && self.planned_end.trim().is_empty()
                {
                    refuse("planned_end", "required");
                }
                weekly_hours = match self.weekly_hours.trim() {
                    "" => None,
                    raw => match raw.parse::<i32>() {
                        Ok(h) if (1..=48).contains(&h) => Some(h),
                        _ => {
                            refuse("weekly_hours", "invalid");
                            None
                        }
                    },
                };
            }
            Some(Situation::Training) => {
                qualifying = match self.qualifying.trim() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => {
                        refuse("qualifying", "required");
                        None
                    }
                };
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let contract_months = match (contract_type, starts, ends) {
            (Some(_), Some(s), Some(e)) => {
                let days = (e - s).whole_days();
                // 30.44 days a month on average; a contract of 5 months 29 days is 6.
                Some(i32::try_from((days * 100 + 1522) / 3044).unwrap_or(i32::MAX))
            }
            _ => None,
        };
        match (point, status) {
            (Some(point), Some(status)) => Ok(CheckedOutcome {
                point,
                status,
                situation: if dropped { None } else { situation },
                contract_type,
                starts_on: starts.map(|d| d.to_string()),
                planned_end: ends.map(|d| d.to_string()),
                contract_months,
                weekly_hours,
                training_name: if situation == Some(Situation::Training) {
                    training_name
                } else {
                    None
                },
                qualifying,
                drop_reason: if dropped { drop_reason } else { None },
                ended_on: ended_on.map(|d| d.to_string()),
            }),
            _ => Err(problems),
        }
    }
}

/// What each figure means, for the report and the dashboard.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "participants",
        "People enrolled in the programme (entered, whatever their status).",
    ),
    (
        "status",
        "Finished: completed the programme; dropped: left before the end; in progress: neither yet. Percentages of participants.",
    ),
    (
        "outcomes_among_finished",
        "Situation at exit of those who finished: employment, training, business created, job search, still validating their project. Percentages of finished participants.",
    ),
    (
        "durable_employment",
        "Among finished: a CDI, or a fixed-term contract (CDD, temp work, apprenticeship) of at least the rule's months, or a business created when the rule counts it.",
    ),
    (
        "transition_employment",
        "Among finished: employment that is not durable (a shorter contract, a subsidised contract).",
    ),
    (
        "positive_exits",
        "Among finished: entry into a qualifying training.",
    ),
    (
        "dynamic_exits",
        "Among finished: durable employment, transition employment or a positive exit.",
    ),
    (
        "suppressed",
        "A figure about fewer people than the minimum cell is not shown, nor a second figure that would let it be recovered from the total.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(situation: Situation, count: u64) -> CountRow {
        CountRow {
            status: ParticipantStatus::Finished,
            situation: Some(situation),
            contract_type: None,
            contract_months: None,
            qualifying: None,
            referrer: None,
            departement: None,
            quarter: None,
            publics_mask: 0,
            count,
        }
    }

    fn cohort() -> Vec<CountRow> {
        let mut rows = vec![
            finished(Situation::Employment, 13),
            finished(Situation::Training, 11),
            finished(Situation::Business, 5),
            finished(Situation::JobSearch, 11),
            finished(Situation::Validating, 23),
        ];
        for (status, count) in [
            (ParticipantStatus::InProgress, 24),
            (ParticipantStatus::Dropped, 13),
        ] {
            rows.push(CountRow {
                status,
                situation: None,
                ..finished(Situation::Employment, count)
            });
        }
        rows
    }

    fn shown(f: Option<&Figure>) -> (u64, f64) {
        match f {
            Some(Figure::Shown { count, percent }) => (*count, *percent),
            other => panic!("not shown: {other:?}"),
        }
    }

    #[test]
    fn the_reference_cohort_gives_the_expected_percentages() {
        let r = report(&cohort(), &[], &LabelRule::default(), 1, &[]);
        assert_eq!(r.overall.participants, ParticipantsFigure::Count(100));
        let s = &r.overall.status;
        assert_eq!(shown(s.get(&ParticipantStatus::Finished)), (63, 63.0));
        assert_eq!(shown(s.get(&ParticipantStatus::InProgress)), (24, 24.0));
        assert_eq!(shown(s.get(&ParticipantStatus::Dropped)), (13, 13.0));
        let o = &r.overall.outcomes_among_finished;
        assert_eq!(shown(o.get(&Situation::Employment)), (13, 20.6));
        assert_eq!(shown(o.get(&Situation::Training)), (11, 17.5));
        assert_eq!(shown(o.get(&Situation::Business)), (5, 7.9));
        assert_eq!(shown(o.get(&Situation::JobSearch)), (11, 17.5));
        assert_eq!(shown(o.get(&Situation::Validating)), (23, 36.5));
    }

    #[test]
    fn small_cells_and_one_complement_are_hidden_by_default() {
        let r = report(&cohort(), &[], &LabelRule::default(), 11, &[]);
        let o = &r.overall.outcomes_among_finished;
        assert_eq!(
            o.get(&Situation::Business),
            Some(&Figure::Hidden { suppressed: true })
        );
        let hidden = o.values().filter(|f| f.count().is_none()).count();
        assert_eq!(hidden, 2, "the business cell and one complement: {o:?}");
        // 63 = 13 + 11 + ? + ? + 23: two unknowns, so neither can be recovered.
        assert_eq!(shown(o.get(&Situation::Validating)), (23, 36.5));
        // Durable + transition - employment would give the business cell back.
        assert_eq!(
            r.overall.durable_employment,
            Figure::Hidden { suppressed: true }
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["participants"], 100);
        assert_eq!(json["status"]["finished"]["percent"], 63.0);
        assert_eq!(
            json["outcomes_among_finished"]["business"],
            serde_json::json!({"suppressed": true})
        );
    }

    #[test]
    fn suppression_never_leaves_a_single_hidden_cell_under_a_total() {
        assert_eq!(suppress(&[20, 3, 40], 11, true), vec![true, true, false]);
        assert_eq!(suppress(&[20, 3, 4], 11, true), vec![false, true, true]);
        assert_eq!(suppress(&[20, 0, 40], 11, true), vec![false, false, false]);
        assert_eq!(suppress(&[20, 3, 40], 11, false), vec![false, true, false]);
    }

    #[test]
    fn labels_follow_the_rule_and_change_with_it() {
        let cdd = |months| ExitFacts {
            situation: Situation::Employment,
            contract_type: Some(ContractType::Cdd),
            contract_months: Some(months),
            qualifying: None,
        };
        let six = LabelRule::default();
        assert!(six.labels(&cdd(6)).durable_employment);
        assert!(six.labels(&cdd(5)).transition_employment);
        let twelve = LabelRule {
            version: 2,
            durable_months: 12,
            business_is_durable: false,
        };
        assert!(twelve.labels(&cdd(6)).transition_employment);
        let business = ExitFacts {
            situation: Situation::Business,
            contract_type: None,
            contract_months: None,
            qualifying: None,
        };
        assert!(six.labels(&business).durable_employment);
        assert!(!twelve.labels(&business).durable_employment);
        let cdi = ExitFacts {
            contract_type: Some(ContractType::Cdi),
            contract_months: None,
            ..cdd(0)
        };
        assert!(twelve.labels(&cdi).durable_employment);
        let training = ExitFacts {
            situation: Situation::Training,
            contract_type: None,
            contract_months: None,
            qualifying: Some(true),
        };
        assert!(six.labels(&training).positive_exit && six.labels(&training).dynamic_exit());
    }

    #[test]
    fn a_partition_row_left_alone_under_the_minimum_takes_another_with_it() {
        let mut rows = cohort();
        for (i, row) in rows.iter_mut().enumerate() {
            row.departement = Some(if i == 0 { "27" } else { "76" }.to_owned());
        }
        // 27: 13 people; 76: 87. Both at least 11: both shown.
        let r = report(&rows, &[], &LabelRule::default(), 11, &[]);
        assert_eq!(
            r.by_departement["27"].participants,
            ParticipantsFigure::Count(13)
        );
        rows[0].count = 4;
        let r = report(&rows, &[], &LabelRule::default(), 11, &[]);
        assert_eq!(
            r.by_departement["27"].participants,
            ParticipantsFigure::Hidden { suppressed: true }
        );
        assert_eq!(
            r.by_departement["76"].participants,
            ParticipantsFigure::Hidden { suppressed: true },
            "the only other row would give 27 away"
        );
    }

    #[test]
    fn an_outcome_is_checked_and_its_contract_measured() {
        let cdd = OutcomeInput {
            point: "exit".into(),
            status: "finished".into(),
            situation: "employment".into(),
            contract_type: "cdd".into(),
            starts_on: "2026-01-05".into(),
            planned_end: "2026-07-03".into(),
            ..OutcomeInput::default()
        };
        let checked = cdd.check().unwrap();
        assert_eq!(checked.contract_months, Some(6));
        let no_end = OutcomeInput {
            planned_end: String::new(),
            ..cdd.clone()
        };
        assert_eq!(
            no_end.check().unwrap_err(),
            vec![Problem {
                field: "planned_end",
                code: "required"
            }]
        );
        let dropped = OutcomeInput {
            point: "exit".into(),
            status: "dropped".into(),
            ..OutcomeInput::default()
        };
        assert_eq!(dropped.check().unwrap_err()[0].field, "drop_reason");
        let follow_up = OutcomeInput {
            point: "m6".into(),
            situation: "training".into(),
            qualifying: "yes".into(),
            training_name: "CAP boulanger".into(),
            ..OutcomeInput::default()
        };
        let f = follow_up.check().unwrap();
        assert_eq!((f.point, f.qualifying), (FollowUpPoint::Month6, Some(true)));
        // The exit date belongs to the exit only, and must be a date.
        let follow_up_dated = OutcomeInput {
            ended_on: "2026-03-31".into(),
            ..follow_up
        };
        assert_eq!(follow_up_dated.check().unwrap().ended_on, None);
        let exit = |ended_on: &str| OutcomeInput {
            point: "exit".into(),
            status: "finished".into(),
            situation: "job_search".into(),
            ended_on: ended_on.into(),
            ..OutcomeInput::default()
        };
        assert_eq!(
            exit("2026-03-31").check().unwrap().ended_on.as_deref(),
            Some("2026-03-31")
        );
        assert_eq!(exit("").check().unwrap().ended_on, None);
        assert_eq!(
            exit("31/03/2026").check().unwrap_err(),
            [Problem {
                field: "ended_on",
                code: "invalid"
            }]
        );
    }

    #[test]
    fn quarters_are_read_from_iso_dates() {
        assert_eq!(quarter_of("2025-08-14").as_deref(), Some("2025-Q3"));
        assert_eq!(quarter_of("2025-13-01"), None);
        assert_eq!(quarter_of("nope"), None);
    }
}
