//! Outcomes: what became of a participant, recorded as facts at exit and at follow-up
//! points, and the labels funders count (durable employment, transition employment,
//! positive and dynamic exits), derived from the facts by a versioned rule. The report
//! counts participants by status and outcome, with the cells too small to publish
//! suppressed (and enough others that no hidden cell can be recovered from the totals).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::aggregate::{Table, Unknowns};
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

coded_enum!(DropReason, "drop reason", {
    Personal => "personal",
    Health => "health",
    Moved => "moved",
    FoundJob => "found_job",
    LostContact => "lost_contact",
    Other => "other",
});

impl DropReason {
    /// A stored reason: its code, or `other` for the free text of earlier records (and
    /// for a drop recorded without any reason, as imports may).
    pub fn of_stored(raw: Option<&str>) -> DropReason {
        raw.and_then(|r| r.trim().parse().ok())
            .unwrap_or(DropReason::Other)
    }
}

impl FollowUpPoint {
    /// How many days after the exit the point may be recorded (and is due in the
    /// report): +3 months from about 2.5 months, +6 from 5, +12 from 11.
    pub fn opens_after_days(self) -> Option<i64> {
        match self {
            FollowUpPoint::Exit => None,
            FollowUpPoint::Month3 => Some(75),
            FollowUpPoint::Month6 => Some(150),
            FollowUpPoint::Month12 => Some(330),
        }
    }

    /// The first day this point may be recorded for a person who left on `exit`.
    pub fn earliest(self, exit: time::Date) -> Option<time::Date> {
        self.opens_after_days()
            .and_then(|d| exit.checked_add(time::Duration::days(d)))
    }
}

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
    /// The situation at exit and at each follow-up point (+3, +6, +12 months), among
    /// finished participants: how many were measured of those due, and their
    /// situations and labels.
    #[serde(serialize_with = "by_point_code")]
    pub followup: BTreeMap<FollowUpPoint, PointFigures>,
    /// Why dropped participants left (percent of the dropped).
    pub drop_reasons: BTreeMap<DropReason, Figure>,
    /// From the follow-up surveys (filled by the application; empty in `report`).
    pub satisfaction: Vec<SatisfactionFigure>,
    /// The participants by journey phase (`None`: hidden), for the funder's home.
    #[serde(skip)]
    pub phases: Vec<Option<u64>>,
}

/// The points by their codes (`exit`, `m3`, `m6`, `m12`), in time order.
fn by_point_code<S: serde::Serializer>(
    points: &BTreeMap<FollowUpPoint, PointFigures>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(points.len()))?;
    for (k, v) in points {
        map.serialize_entry(k.code(), v)?;
    }
    map.end()
}

/// The figures of one time point (exit, +3, +6, +12 months).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointFigures {
    /// Finished participants whose situation at this point is known.
    pub measured: ParticipantsFigure,
    /// Finished participants for whom the point has come (their exit at least the
    /// point's window ago), or measured anyway.
    pub due: ParticipantsFigure,
    /// Measured of due, in percent (`null` when either is hidden).
    pub response_rate: Option<f64>,
    /// Percentages of the measured.
    pub situations: BTreeMap<Situation, Figure>,
    pub labels: PointLabels,
}

/// The labels at one time point, percentages of the measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointLabels {
    pub durable_employment: Figure,
    pub transition_employment: Figure,
    pub positive_exits: Figure,
    pub dynamic_exits: Figure,
}

/// One group of identical follow-up facts (the latest of each participant at a point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRow {
    pub point: FollowUpPoint,
    pub situation: Situation,
    pub contract_type: Option<ContractType>,
    pub contract_months: Option<i32>,
    pub qualifying: Option<bool>,
    pub count: u64,
}

/// What the report adds to the exit counts: the follow-up facts, how many were due at
/// each point, and the dropped participants by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpCounts {
    pub rows: Vec<FollowUpRow>,
    pub due: Vec<(FollowUpPoint, u64)>,
    pub drop_reasons: Vec<(DropReason, u64)>,
}

/// Where one time point's figures sit in the table.
#[derive(Debug, Clone)]
struct PointCells {
    due: usize,
    measured: usize,
    /// Due but not measured: never published, yet protected like any figure (it is
    /// due − measured).
    unmeasured: Option<usize>,
    situations: Vec<(Situation, usize)>,
    durable: usize,
    transition: usize,
    positive: usize,
    dynamic: usize,
}

impl PointCells {
    /// At exit: the programme's own figures, no new cell.
    fn exit(overall: &SectionCells) -> PointCells {
        let finished = overall.status_cell(ParticipantStatus::Finished);
        PointCells {
            due: finished,
            measured: finished,
            unmeasured: None,
            situations: overall.outcomes.clone(),
            durable: overall.durable,
            transition: overall.transition,
            positive: overall.positive,
            dynamic: overall.dynamic,
        }
    }

    /// A follow-up point: due = measured + unmeasured, the situations add up to the
    /// measured, the labels as at exit.
    fn add(table: &mut Table, rows: &[&FollowUpRow], due: u64, rule: &LabelRule) -> PointCells {
        let mut tally = Tally::default();
        for row in rows {
            tally.add(
                &CountRow {
                    status: ParticipantStatus::Finished,
                    situation: Some(row.situation),
                    contract_type: row.contract_type,
                    contract_months: row.contract_months,
                    qualifying: row.qualifying,
                    referrer: None,
                    departement: None,
                    quarter: None,
                    publics_mask: 0,
                    count: row.count,
                },
                rule,
            );
        }
        let measured_n = tally.participants;
        // Due counts every measured participant; a caller's shortfall is made up.
        let due_n = due.max(measured_n);
        let due = table.cell(due_n);
        let measured = table.cell(measured_n);
        let unmeasured = table.cell(due_n - measured_n);
        table.sum(due, &[measured, unmeasured]);
        let situations: Vec<(Situation, usize)> = Situation::ALL
            .iter()
            .map(|s| (*s, table.cell(tally.outcomes.get(s).copied().unwrap_or(0))))
            .collect();
        let cells = PointCells {
            due,
            measured,
            unmeasured: Some(unmeasured),
            durable: table.cell(tally.durable_employment),
            transition: table.cell(tally.transition_employment),
            positive: table.cell(tally.positive_exit),
            dynamic: table.cell(tally.dynamic_exit),
            situations,
        };
        let situation_cells: Vec<usize> = cells.situations.iter().map(|(_, c)| *c).collect();
        table.sum(measured, &situation_cells);
        let situation = |s: Situation| {
            cells
                .situations
                .iter()
                .find(|(k, _)| *k == s)
                .map_or(measured, |(_, c)| *c)
        };
        table.equal_sums(
            &[cells.durable, cells.transition],
            &[
                situation(Situation::Employment),
                situation(Situation::Business),
            ],
        );
        table.sum(
            cells.dynamic,
            &[cells.durable, cells.transition, cells.positive],
        );
        let mut shares = situation_cells;
        shares.extend([
            cells.durable,
            cells.transition,
            cells.positive,
            cells.dynamic,
        ]);
        table.denominators.push((measured, shares));
        cells
    }

    fn all(&self) -> Vec<usize> {
        let mut all = vec![self.due, self.measured];
        all.extend(self.unmeasured);
        all.extend(self.situations.iter().map(|(_, c)| *c));
        all.extend([self.durable, self.transition, self.positive, self.dynamic]);
        all
    }

    /// The cells whatever the label rule.
    fn rule_free(&self) -> Vec<usize> {
        let mut free = vec![self.due, self.measured, self.positive];
        free.extend(self.unmeasured);
        free.extend(self.situations.iter().map(|(_, c)| *c));
        free
    }

    fn publish(&self, table: &Table, hidden: &[bool]) -> PointFigures {
        let value = |c: usize| table.values[c];
        let count = |c: usize| {
            if hidden[c] {
                ParticipantsFigure::Hidden { suppressed: true }
            } else {
                ParticipantsFigure::Count(value(c))
            }
        };
        let figure = |c: usize| {
            if hidden[c] {
                Figure::Hidden { suppressed: true }
            } else {
                Figure::Shown {
                    count: value(c),
                    percent: percent(value(c), value(self.measured)),
                }
            }
        };
        PointFigures {
            measured: count(self.measured),
            due: count(self.due),
            response_rate: (!hidden[self.due] && !hidden[self.measured] && value(self.due) > 0)
                .then(|| percent(value(self.measured), value(self.due))),
            situations: self
                .situations
                .iter()
                .map(|(k, c)| (*k, figure(*c)))
                .collect(),
            labels: PointLabels {
                durable_employment: figure(self.durable),
                transition_employment: figure(self.transition),
                positive_exits: figure(self.positive),
                dynamic_exits: figure(self.dynamic),
            },
        }
    }
}

/// Key for rows without a value in a breakdown.
pub const UNKNOWN: &str = "unknown";

/// Where one population's figures sit in the surface's [`Table`].
#[derive(Debug, Clone)]
struct SectionCells {
    participants: usize,
    status: Vec<(ParticipantStatus, usize)>,
    outcomes: Vec<(Situation, usize)>,
    durable: usize,
    transition: usize,
    positive: usize,
    dynamic: usize,
}

impl SectionCells {
    /// Adds a population's figures and what a reader knows links them: the statuses
    /// add up to the participants, the situations to the finished, every employment
    /// or business exit is durable or transition, and dynamic is durable, transition
    /// and positive together. Percentages are of the participants (status) and of the finished
    /// (the rest).
    fn add(table: &mut Table, tally: &Tally) -> SectionCells {
        let participants = table.cell(tally.participants);
        let status: Vec<(ParticipantStatus, usize)> = ParticipantStatus::ALL
            .iter()
            .map(|s| (*s, table.cell(tally.status.get(s).copied().unwrap_or(0))))
            .collect();
        let outcomes: Vec<(Situation, usize)> = Situation::ALL
            .iter()
            .map(|s| (*s, table.cell(tally.outcomes.get(s).copied().unwrap_or(0))))
            .collect();
        let cells = SectionCells {
            participants,
            durable: table.cell(tally.durable_employment),
            transition: table.cell(tally.transition_employment),
            positive: table.cell(tally.positive_exit),
            dynamic: table.cell(tally.dynamic_exit),
            status,
            outcomes,
        };
        let status_cells: Vec<usize> = cells.status.iter().map(|(_, c)| *c).collect();
        let outcome_cells: Vec<usize> = cells.outcomes.iter().map(|(_, c)| *c).collect();
        table.sum(participants, &status_cells);
        let finished = cells.status_cell(ParticipantStatus::Finished);
        table.sum(finished, &outcome_cells);
        table.equal_sums(
            &[cells.durable, cells.transition],
            &[
                cells.outcome_cell(Situation::Employment),
                cells.outcome_cell(Situation::Business),
            ],
        );
        table.sum(
            cells.dynamic,
            &[cells.durable, cells.transition, cells.positive],
        );
        table.denominators.push((participants, status_cells));
        let mut of_finished = outcome_cells;
        of_finished.extend(cells.labels());
        table.denominators.push((finished, of_finished));
        cells
    }

    fn status_cell(&self, s: ParticipantStatus) -> usize {
        self.status
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(self.participants, |(_, c)| *c)
    }

    fn outcome_cell(&self, s: Situation) -> usize {
        self.outcomes
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(self.participants, |(_, c)| *c)
    }

    fn labels(&self) -> [usize; 4] {
        [self.durable, self.transition, self.positive, self.dynamic]
    }

    /// Every figure, in a fixed order (for partitions: the same figure of each row).
    fn all(&self) -> Vec<usize> {
        let mut all = vec![self.participants];
        all.extend(self.status.iter().map(|(_, c)| *c));
        all.extend(self.outcomes.iter().map(|(_, c)| *c));
        all.extend(self.labels());
        all
    }

    fn publish(&self, table: &Table, hidden: &[bool]) -> Section {
        let value = |c: usize| table.values[c];
        let figure = |c: usize, of: usize| {
            if hidden[c] {
                Figure::Hidden { suppressed: true }
            } else {
                Figure::Shown {
                    count: value(c),
                    percent: percent(value(c), value(of)),
                }
            }
        };
        let finished = self.status_cell(ParticipantStatus::Finished);
        Section {
            participants: if hidden[self.participants] {
                ParticipantsFigure::Hidden { suppressed: true }
            } else {
                ParticipantsFigure::Count(value(self.participants))
            },
            status: self
                .status
                .iter()
                .map(|(k, c)| (*k, figure(*c, self.participants)))
                .collect(),
            outcomes_among_finished: self
                .outcomes
                .iter()
                .map(|(k, c)| (*k, figure(*c, finished)))
                .collect(),
            durable_employment: figure(self.durable, finished),
            transition_employment: figure(self.transition, finished),
            positive_exits: figure(self.positive, finished),
            dynamic_exits: figure(self.dynamic, finished),
        }
    }
}

/// Every figure published about a programme (the report on every surface, and the
/// funder's home: the participants by journey phase), as one table with its
/// relations: the breakdowns by referrer, département and entry quarter partition the
/// participants, so each of their figures adds up to the programme's; the phases add
/// up to the participants. Publics overlap (a person may declare several) and add up
/// to nothing published.
#[derive(Debug, Clone)]
pub struct ReportModel {
    pub table: Table,
    overall: SectionCells,
    by_public: BTreeMap<String, SectionCells>,
    by_referrer: BTreeMap<String, SectionCells>,
    by_departement: BTreeMap<String, SectionCells>,
    by_entry_quarter: BTreeMap<String, SectionCells>,
    phases: Vec<usize>,
    followup: Vec<(FollowUpPoint, PointCells)>,
    drop_reasons: Vec<(DropReason, usize)>,
    /// Figures that do not depend on the label rule: two reports under two rules show
    /// the same value there.
    rule_free: Vec<usize>,
}

impl ReportModel {
    /// The model of the report built from grouped counts (see [`report`]); `phases`:
    /// the programme's participants by journey phase, as the funder's home shows them.
    pub fn new(
        rows: &[CountRow],
        public_rows: &[CountRow],
        rule: &LabelRule,
        publics: &[&str],
        phases: &[u64],
    ) -> ReportModel {
        Self::with_followup(
            rows,
            public_rows,
            rule,
            publics,
            phases,
            &FollowUpCounts::default(),
        )
    }

    /// [`ReportModel::new`] with the follow-up points and the drop reasons: programme
    /// figures, protected with the programme's own.
    pub fn with_followup(
        rows: &[CountRow],
        public_rows: &[CountRow],
        rule: &LabelRule,
        publics: &[&str],
        phases: &[u64],
        followup: &FollowUpCounts,
    ) -> ReportModel {
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
        let mut table = Table::default();
        let overall = SectionCells::add(&mut table, &overall);
        let mut partition = |tallies: BTreeMap<String, Tally>| {
            let rows: BTreeMap<String, SectionCells> = tallies
                .into_iter()
                .map(|(k, t)| (k, SectionCells::add(&mut table, &t)))
                .collect();
            if !rows.is_empty() {
                let columns: Vec<Vec<usize>> = rows.values().map(SectionCells::all).collect();
                for (i, total) in overall.all().into_iter().enumerate() {
                    let parts: Vec<usize> =
                        columns.iter().filter_map(|c| c.get(i)).copied().collect();
                    table.sum(total, &parts);
                }
            }
            rows
        };
        let by_referrer = partition(by_referrer);
        let by_departement = partition(by_departement);
        let by_entry_quarter = partition(by_quarter);
        let by_public = by_public
            .into_iter()
            .map(|(k, t)| (k, SectionCells::add(&mut table, &t)))
            .collect();
        let phases: Vec<usize> = phases.iter().map(|n| table.cell(*n)).collect();
        if !phases.is_empty() {
            table.sum(overall.participants, &phases);
        }
        let mut points = vec![(FollowUpPoint::Exit, PointCells::exit(&overall))];
        for point in &FollowUpPoint::ALL[1..] {
            let rows: Vec<&FollowUpRow> =
                followup.rows.iter().filter(|r| r.point == *point).collect();
            let due = followup
                .due
                .iter()
                .filter(|(p, _)| p == point)
                .map(|(_, n)| *n)
                .sum();
            points.push((*point, PointCells::add(&mut table, &rows, due, rule)));
        }
        let dropped = overall.status_cell(ParticipantStatus::Dropped);
        let reasons: Vec<(DropReason, u64)> = DropReason::ALL
            .iter()
            .map(|r| {
                let n = followup
                    .drop_reasons
                    .iter()
                    .filter(|(k, _)| k == r)
                    .map(|(_, n)| *n)
                    .sum();
                (*r, n)
            })
            .collect();
        let drop_reasons: Vec<(DropReason, usize)> =
            reasons.iter().map(|(r, n)| (*r, table.cell(*n))).collect();
        let reason_cells: Vec<usize> = drop_reasons.iter().map(|(_, c)| *c).collect();
        // Every dropped participant has one reason (`other` when none was given): the
        // reasons add up to the dropped, when the caller counted them all.
        if reasons.iter().map(|(_, n)| *n).sum::<u64>() == table.values[dropped] {
            table.sum(dropped, &reason_cells);
        }
        table.denominators.push((dropped, reason_cells));
        let mut model = ReportModel {
            followup: points,
            drop_reasons,
            table,
            overall,
            by_public,
            by_referrer,
            by_departement,
            by_entry_quarter,
            phases,
            rule_free: Vec::new(),
        };
        model.rule_free = model
            .sections()
            .flat_map(|s| {
                let mut free = vec![s.participants, s.positive];
                free.extend(s.status.iter().map(|(_, c)| *c));
                free.extend(s.outcomes.iter().map(|(_, c)| *c));
                free
            })
            .chain(model.phases.iter().copied())
            .chain(model.followup.iter().flat_map(|(_, p)| p.rule_free()))
            .chain(model.drop_reasons.iter().map(|(_, c)| *c))
            .collect();
        model
    }

    fn sections(&self) -> impl Iterator<Item = &SectionCells> {
        std::iter::once(&self.overall)
            .chain(self.by_public.values())
            .chain(self.by_referrer.values())
            .chain(self.by_departement.values())
            .chain(self.by_entry_quarter.values())
    }

    /// The cells to hide: see [`Table::protect`].
    ///
    /// The programme's own figures (and the home's phases) are protected first, among
    /// themselves; the breakdowns then take their complements among their own cells
    /// where they can, so that a small breakdown row does not blank the programme's
    /// figures.
    pub fn protect(&self, min_cell: u64) -> Vec<bool> {
        let mut whole = vec![false; self.table.values.len()];
        for c in self
            .overall
            .all()
            .into_iter()
            .chain(self.phases.iter().copied())
            .chain(self.followup.iter().flat_map(|(_, p)| p.all()))
            .chain(self.drop_reasons.iter().map(|(_, c)| *c))
        {
            whole[c] = true;
        }
        let own = Table {
            values: self.table.values.clone(),
            relations: self
                .table
                .relations
                .iter()
                .filter(|r| r.iter().all(|(c, _)| whole[*c]))
                .cloned()
                .collect(),
            denominators: self
                .table
                .denominators
                .iter()
                .filter(|(d, _)| whole[*d])
                .cloned()
                .collect(),
        };
        let mut forced = own.protect(min_cell, &[]);
        for (f, w) in forced.iter_mut().zip(&whole) {
            *f &= *w;
        }
        self.table.protect_keeping(min_cell, &forced, &whole)
    }

    /// The report with these cells hidden.
    pub fn publish(&self, hidden: &[bool], rule: &LabelRule, min_cell: u64) -> OutcomesReport {
        let sections = |rows: &BTreeMap<String, SectionCells>| {
            rows.iter()
                .map(|(k, s)| (k.clone(), s.publish(&self.table, hidden)))
                .collect()
        };
        OutcomesReport {
            overall: self.overall.publish(&self.table, hidden),
            min_cell,
            rule: rule.clone(),
            by_public: sections(&self.by_public),
            by_referrer: sections(&self.by_referrer),
            by_departement: sections(&self.by_departement),
            by_entry_quarter: sections(&self.by_entry_quarter),
            followup: self
                .followup
                .iter()
                .map(|(k, p)| (*k, p.publish(&self.table, hidden)))
                .collect(),
            drop_reasons: {
                let dropped = self.overall.status_cell(ParticipantStatus::Dropped);
                self.drop_reasons
                    .iter()
                    .map(|(k, c)| {
                        let figure = if hidden[*c] {
                            Figure::Hidden { suppressed: true }
                        } else {
                            Figure::Shown {
                                count: self.table.values[*c],
                                percent: percent(self.table.values[*c], self.table.values[dropped]),
                            }
                        };
                        (*k, figure)
                    })
                    .collect()
            },
            satisfaction: Vec::new(),
            phases: self
                .phases
                .iter()
                .map(|c| (!hidden[*c]).then_some(self.table.values[*c]))
                .collect(),
        }
    }
}

/// Builds the report from the grouped counts: `rows` by exit facts, referrer,
/// département and quarter (the whole comes from them), `public_rows` by exit facts and
/// declared publics. `publics` gives the code of each bit of `publics_mask`; a
/// participant counts under each public they declared. `phases`: the participants by
/// journey phase, protected with the rest since the funder's home shows them beside
/// the same total. Small cells are hidden, and enough others that none can be derived
/// (see [`Table::protect`]).
pub fn report(
    rows: &[CountRow],
    public_rows: &[CountRow],
    rule: &LabelRule,
    min_cell: u64,
    publics: &[&str],
    phases: &[u64],
) -> OutcomesReport {
    let model = ReportModel::new(rows, public_rows, rule, publics, phases);
    model.publish(&model.protect(min_cell), rule, min_cell)
}

/// The differencing guard: the reports of the same facts under two rules, read side
/// by side, are one system of relations (the figures that don't depend on the rule
/// are the same in both). The new rule passes when no hidden cell of either report
/// can be derived from that system, and no figure's change from one rule to the
/// other is both recoverable and under the minimum cell (the people it moves would be
/// a cell of their own: "6 → 7 months moves one person"). `Some(moved)` when it
/// fails: the fewest people a recoverable change moves (0: a hidden cell comes back).
pub fn rule_guard(earlier: &ReportModel, next: &ReportModel, min_cell: u64) -> Option<u64> {
    let (a_hidden, b_hidden) = (earlier.protect(min_cell), next.protect(min_cell));
    let n = earlier.table.values.len();
    if next.table.values.len() != n {
        return Some(0);
    }
    let mut both = Table {
        values: earlier.table.values.clone(),
        relations: earlier.table.relations.clone(),
        ..Table::default()
    };
    both.values.extend(&next.table.values);
    both.relations.extend(
        next.table
            .relations
            .iter()
            .map(|r| r.iter().map(|(c, k)| (c + n, *k)).collect()),
    );
    for c in &earlier.rule_free {
        both.equal_sums(&[*c], &[c + n]);
    }
    let mut hidden = a_hidden;
    hidden.extend(b_hidden);
    let system = Unknowns::new(&both.relations, &hidden);
    let mut smallest: Option<u64> = None;
    for (c, h) in hidden.iter().enumerate() {
        if *h && both.values[c] > 0 && system.determines(&[(c, 1)]) {
            smallest = Some(0);
        }
    }
    for c in 0..n {
        let (a, b) = (both.values[c], both.values[c + n]);
        let moved = a.abs_diff(b);
        if moved > 0 && moved < min_cell && system.determines(&[(c + n, 1), (c, -1)]) {
            smallest = Some(smallest.map_or(moved, |s| s.min(moved)));
        }
    }
    smallest
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
    /// When dropped: one of [`DropReason`]'s codes (a free text instead reads as
    /// `other` with that text).
    pub drop_reason: String,
    /// The optional free text beside the reason.
    pub drop_note: String,
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
    /// The free text about the drop, if any.
    pub drop_reason: Option<String>,
    pub drop_reason_code: Option<DropReason>,
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
        let note = crate::placement::tidy(&self.drop_note);
        let (drop_reason_code, drop_reason) = match self.drop_reason.trim().parse::<DropReason>() {
            Ok(code) => (Some(code), note),
            Err(_) => match crate::placement::tidy(&self.drop_reason) {
                Some(text) => (
                    Some(DropReason::Other),
                    Some(match note {
                        Some(n) => format!("{text} {n}"),
                        None => text,
                    }),
                ),
                None => (note.as_ref().map(|_| DropReason::Other), note),
            },
        };
        if dropped && drop_reason_code.is_none() {
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
                drop_reason_code: if dropped { drop_reason_code } else { None },
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
        "followup",
        "For each time point (exit, +3, +6 and +12 months): the finished participants whose situation is known (measured), those for whom the point has come (due: left at least 75, 150 or 330 days ago, or measured anyway), the response rate (measured of due), and the situations and labels, in percent of the measured. At each follow-up point the latest fact recorded counts.",
    ),
    (
        "drop_reasons",
        "Why dropped participants left: personal, health, moved, found a job, lost contact, other (earlier free-text reasons count as other). Percentages of the dropped.",
    ),
    (
        "suppressed",
        "A figure about fewer people than the minimum cell is not shown. Figures are linked (statuses add up to the participants, situations to the finished, durable + transition = employment + business, dynamic = durable + transition + positive, each breakdown to the programme, the journey phases to the participants), so other figures are hidden too, the fewest people possible, until no hidden figure can be worked out exactly from the shown ones on any page, export or home. A new label rule is refused when, beside a report under an earlier rule, it would show a change of fewer people than the minimum cell or let a hidden figure be worked out.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        let r = report(&cohort(), &[], &LabelRule::default(), 1, &[], &[]);
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
        let r = report(&cohort(), &[], &LabelRule::default(), 11, &[], &[]);
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
        // 27: 13 people, all employed; 76: 87: no hidden figure comes back.
        let model = ReportModel::new(&rows, &[], &LabelRule::default(), &[], &[]);
        hidden_in(&model, 11);
        rows[0].count = 4;
        let r = report(&rows, &[], &LabelRule::default(), 11, &[], &[]);
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
        // A reason from the list, the text optional; a free text alone is `other`.
        let moved = OutcomeInput {
            drop_reason: "moved".into(),
            ..dropped.clone()
        }
        .check()
        .unwrap();
        assert_eq!(
            (moved.drop_reason_code, moved.drop_reason),
            (Some(DropReason::Moved), None)
        );
        let noted = OutcomeInput {
            drop_reason: "health".into(),
            drop_note: "  hospitalisée ".into(),
            ..dropped.clone()
        }
        .check()
        .unwrap();
        assert_eq!(noted.drop_reason.as_deref(), Some("hospitalisée"));
        let free = OutcomeInput {
            drop_reason: "Parti à Lyon".into(),
            ..dropped.clone()
        }
        .check()
        .unwrap();
        assert_eq!(
            (free.drop_reason_code, free.drop_reason.as_deref()),
            (Some(DropReason::Other), Some("Parti à Lyon"))
        );
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

    fn exit(situation: Situation, contract: Option<(ContractType, i32)>, count: u64) -> CountRow {
        CountRow {
            contract_type: contract.map(|c| c.0),
            contract_months: contract.map(|c| c.1),
            qualifying: (situation == Situation::Training).then_some(count.is_multiple_of(2)),
            ..finished(situation, count)
        }
    }

    fn hidden_in(model: &ReportModel, min_cell: u64) -> Vec<bool> {
        let hidden = model.protect(min_cell);
        assert_eq!(model.table.exposed(&hidden).count(), 0);
        hidden
    }

    /// Before, a breakdown's rows were complemented by their sizes only: one small
    /// business cell in one département came back from the programme's cell minus the
    /// other département's.
    #[test]
    fn a_cell_of_a_breakdown_cannot_be_recovered_from_the_programme_figure() {
        let mut rows = cohort();
        for (i, row) in rows.iter_mut().enumerate() {
            row.departement = Some(if i % 2 == 0 { "27" } else { "76" }.to_owned());
        }
        let model = ReportModel::new(&rows, &[], &LabelRule::default(), &[], &[]);
        let hidden = hidden_in(&model, 11);
        let r = model.publish(&hidden, &LabelRule::default(), 11);
        let business = |s: &Section| s.outcomes_among_finished[&Situation::Business].count();
        let shown: Vec<Option<u64>> = std::iter::once(&r.overall)
            .chain(r.by_departement.values())
            .map(business)
            .collect();
        assert!(
            shown.iter().filter(|c| c.is_none()).count() >= 2,
            "{shown:?}"
        );
    }

    fn arbitrary_rows() -> impl Strategy<Value = Vec<CountRow>> {
        let row = (
            0_usize..3,
            0_usize..5,
            0_usize..5,
            1_i32..13,
            0_usize..3,
            0_usize..3,
            0_i64..8,
            prop_oneof![1_u64..4, 1_u64..12, 10_u64..40],
        )
            .prop_map(
                |(st, si, ct, months, referrer, dep, mask, count)| CountRow {
                    status: ParticipantStatus::ALL[st],
                    situation: (st == 1).then_some(Situation::ALL[si]),
                    contract_type: (st == 1 && si == 0).then_some(ContractType::ALL[ct]),
                    contract_months: Some(months),
                    qualifying: Some(count.is_multiple_of(2)),
                    referrer: (referrer > 0).then(|| format!("r{referrer}")),
                    departement: Some(format!("{}", 27 + dep)),
                    quarter: Some(format!("2025-Q{}", 1 + (count % 3))),
                    publics_mask: mask,
                    count,
                },
            );
        proptest::collection::vec(row, 1..14)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]

        /// Random programmes: every figure under the minimum cell is hidden, and no
        /// hidden figure of the whole surface (breakdowns, publics, the home's phases)
        /// can be derived from the shown ones and the relations.
        #[test]
        fn no_hidden_figure_of_a_report_can_be_derived(
            rows in arbitrary_rows(),
            phases in proptest::collection::vec(0_u64..30, 6),
            min_cell in prop_oneof![Just(11_u64), 2_u64..20],
        ) {
            let total: u64 = rows.iter().map(|r| r.count).sum();
            let mut phases = phases;
            let rest: u64 = phases[1..].iter().sum::<u64>().min(total);
            let mut left = total - rest;
            phases[0] = left;
            for p in phases.iter_mut().skip(1) {
                let take = (*p).min(total - left);
                *p = take;
                left += take;
            }
            let publics = ["youth", "qpv", "disabled"];
            let model = ReportModel::new(&rows, &rows, &LabelRule::default(), &publics, &phases);
            let hidden = model.protect(min_cell);
            for (i, v) in model.table.values.iter().enumerate() {
                if *v > 0 && *v < min_cell {
                    prop_assert!(hidden[i], "cell {i} ({v}) shown");
                }
            }
            let exposed: Vec<usize> = model.table.exposed(&hidden).collect();
            prop_assert!(exposed.is_empty(), "{exposed:?}");
            let r = model.publish(&hidden, &LabelRule::default(), min_cell);
            let json = serde_json::to_value(&r).unwrap_or_default();
            prop_assert!(json["participants"].is_number() || json["participants"]["suppressed"] == true);
        }
    }

    fn contracts(months: &[(i32, u64)]) -> Vec<CountRow> {
        let mut rows = cohort();
        rows.retain(|r| r.situation != Some(Situation::Employment));
        for (m, n) in months {
            rows.push(exit(
                Situation::Employment,
                Some((ContractType::Cdd, *m)),
                *n,
            ));
        }
        rows
    }

    #[test]
    fn a_rule_that_moves_one_person_is_refused_one_that_moves_many_passes() {
        let six = LabelRule::default();
        let rule = |months| LabelRule {
            version: 1,
            durable_months: months,
            ..LabelRule::default()
        };
        // One CDD of exactly 6 months among 40 long ones and 20 short ones.
        let rows = contracts(&[(6, 1), (12, 40), (3, 20)]);
        let model = |r: &LabelRule| ReportModel::new(&rows, &[], r, &[], &[]);
        assert_eq!(rule_guard(&model(&six), &model(&rule(7)), 11), Some(1));
        // The reverse and a far rule moving the same one person are refused too.
        assert_eq!(rule_guard(&model(&rule(7)), &model(&six), 11), Some(1));
        // 6 → 12 moves the 6-month one and nobody else: refused.
        assert!(rule_guard(&model(&six), &model(&rule(12)), 11).is_some());
        // 6 → 13 moves 41 people: passes.
        assert_eq!(rule_guard(&model(&six), &model(&rule(13)), 11), None);
        // Same rule, same figures: nothing to compare.
        assert_eq!(rule_guard(&model(&six), &model(&six), 11), None);
        // 15 CDDs of 6 months: a move of 15 is shown, and that is fine.
        let rows = contracts(&[(6, 15), (12, 40), (3, 20)]);
        let model = |r: &LabelRule| ReportModel::new(&rows, &[], r, &[], &[]);
        assert_eq!(rule_guard(&model(&six), &model(&rule(7)), 11), None);
    }

    fn follow_up(point: FollowUpPoint, situation: Situation, count: u64) -> FollowUpRow {
        FollowUpRow {
            point,
            situation,
            contract_type: (situation == Situation::Employment).then_some(ContractType::Cdi),
            contract_months: None,
            qualifying: (situation == Situation::Training).then_some(true),
            count,
        }
    }

    fn with_followup(followup: &FollowUpCounts, min_cell: u64) -> (ReportModel, OutcomesReport) {
        let model =
            ReportModel::with_followup(&cohort(), &[], &LabelRule::default(), &[], &[], followup);
        let hidden = hidden_in(&model, min_cell);
        let r = model.publish(&hidden, &LabelRule::default(), min_cell);
        (model, r)
    }

    #[test]
    fn each_follow_up_point_is_counted_with_its_response_rate_and_labels() {
        use FollowUpPoint::{Month3, Month6};
        let followup = FollowUpCounts {
            rows: vec![
                follow_up(Month3, Situation::Employment, 20),
                follow_up(Month3, Situation::JobSearch, 15),
                follow_up(Month6, Situation::Employment, 12),
                follow_up(Month6, Situation::Training, 14),
            ],
            due: vec![(Month3, 50), (Month6, 40)],
            drop_reasons: Vec::new(),
        };
        let (_, r) = with_followup(&followup, 11);
        let m3 = &r.followup[&Month3];
        assert_eq!(m3.measured, ParticipantsFigure::Count(35));
        assert_eq!(m3.due, ParticipantsFigure::Count(50));
        assert_eq!(m3.response_rate, Some(70.0));
        assert_eq!(shown(m3.situations.get(&Situation::Employment)), (20, 57.1));
        assert_eq!(shown(Some(&m3.labels.durable_employment)), (20, 57.1));
        let m6 = &r.followup[&Month6];
        assert_eq!(shown(Some(&m6.labels.positive_exits)), (14, 53.8));
        assert_eq!(shown(Some(&m6.labels.dynamic_exits)), (26, 100.0));
        // At exit: the finished and their situations, as in the programme's figures.
        let exit = &r.followup[&FollowUpPoint::Exit];
        assert_eq!(exit.measured, ParticipantsFigure::Count(63));
        assert_eq!(
            shown(exit.situations.get(&Situation::Validating)),
            (23, 36.5)
        );
        let json = serde_json::to_value(&r).unwrap();
        for point in ["exit", "m3", "m6", "m12"] {
            let p = &json["followup"][point];
            assert!(p["measured"].is_number(), "{point}: {p}");
            assert!(
                p["situations"].is_object() && p["labels"].is_object(),
                "{point}"
            );
        }
        assert_eq!(
            json["followup"]["m3"]["situations"]["employment"]["count"],
            20
        );
        assert_eq!(json["followup"]["m12"]["measured"], 0);
        assert_eq!(
            json["followup"]["m3"]["labels"]["durable_employment"]["count"],
            20
        );
    }

    #[test]
    fn a_small_follow_up_cell_is_hidden_and_cannot_be_worked_out() {
        use FollowUpPoint::Month3;
        // 3 in business at +3: hidden, and a complement so that measured minus the
        // other situations does not give it back; 2 not measured of 40 due.
        let followup = FollowUpCounts {
            rows: vec![
                follow_up(Month3, Situation::Employment, 20),
                follow_up(Month3, Situation::Business, 3),
                follow_up(Month3, Situation::JobSearch, 15),
            ],
            due: vec![(Month3, 40)],
            drop_reasons: Vec::new(),
        };
        let (model, r) = with_followup(&followup, 11);
        let m3 = &r.followup[&Month3];
        assert_eq!(
            m3.situations[&Situation::Business],
            Figure::Hidden { suppressed: true }
        );
        let hidden = m3
            .situations
            .values()
            .filter(|f| f.count().is_none())
            .count();
        assert!(hidden >= 2, "{m3:?}");
        // Due − measured = 2 people not reached: one of the two is hidden, so is the rate.
        assert!(
            m3.due.eq(&ParticipantsFigure::Hidden { suppressed: true })
                || m3
                    .measured
                    .eq(&ParticipantsFigure::Hidden { suppressed: true }),
            "{m3:?}"
        );
        assert_eq!(m3.response_rate, None);
        assert_eq!(model.table.exposed(&model.protect(11)).count(), 0);
        // With a minimum cell of 1 everything is shown.
        let (_, r) = with_followup(&followup, 1);
        assert_eq!(r.followup[&Month3].response_rate, Some(95.0));
    }

    #[test]
    fn drop_reasons_are_counted_and_small_ones_hidden() {
        // 13 dropped: 11 lost contact, 2 moved.
        let followup = FollowUpCounts {
            drop_reasons: vec![(DropReason::LostContact, 11), (DropReason::Moved, 2)],
            ..FollowUpCounts::default()
        };
        let (_, r) = with_followup(&followup, 1);
        assert_eq!(
            shown(r.drop_reasons.get(&DropReason::LostContact)),
            (11, 84.6)
        );
        assert_eq!(shown(r.drop_reasons.get(&DropReason::Health)), (0, 0.0));
        let (_, r) = with_followup(&followup, 11);
        assert_eq!(
            r.drop_reasons[&DropReason::Moved],
            Figure::Hidden { suppressed: true }
        );
        // 13 dropped − 11 lost contact would give the 2 back.
        assert!(
            r.drop_reasons[&DropReason::LostContact].count().is_none()
                || r.overall.status[&ParticipantStatus::Dropped]
                    .count()
                    .is_none()
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json["drop_reasons"]["moved"],
            serde_json::json!({"suppressed": true})
        );
        // Free text of earlier records reads as `other`.
        assert_eq!(
            DropReason::of_stored(Some("déménagement")),
            DropReason::Other
        );
        assert_eq!(DropReason::of_stored(Some("health")), DropReason::Health);
        assert_eq!(DropReason::of_stored(None), DropReason::Other);
    }

    #[test]
    fn follow_up_points_open_after_their_window() {
        let exit = time::macros::date!(2026 - 01 - 15);
        assert_eq!(FollowUpPoint::Exit.earliest(exit), None);
        assert_eq!(
            FollowUpPoint::Month3.earliest(exit),
            Some(time::macros::date!(2026 - 03 - 31))
        );
        assert_eq!(
            FollowUpPoint::Month6.earliest(exit),
            Some(time::macros::date!(2026 - 06 - 14))
        );
        assert_eq!(
            FollowUpPoint::Month12.earliest(exit),
            Some(time::macros::date!(2026 - 12 - 11))
        );
    }
}
