//! The coach's caseload rules: who "needs watching", and the orders and filters a
//! caseload offers. Pure functions over the few facts they read, so that the web only
//! maps its rows onto [`Line`] and presents the result.

use crate::Phase;

/// Days without activity after which a person shows as "to watch".
pub const INACTIVE_DAYS: u32 = 14;

/// The signals that make a person worth a look.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Signals {
    pub days_inactive: u32,
    pub overdue_activities: u32,
    pub missed_appointments: u32,
    pub flagged_answers: u32,
    pub unread_messages: u32,
}

impl Signals {
    /// Someone the coach should look at: inactive, late, absent, answers to check, or a
    /// message waiting.
    pub fn needs_watching(&self) -> bool {
        self.days_inactive >= INACTIVE_DAYS
            || self.overdue_activities > 0
            || self.missed_appointments > 0
            || self.flagged_answers > 0
            || self.unread_messages > 0
    }
}

/// What a caseload line offers to sort and filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub signals: Signals,
    pub phase: Phase,
    pub last_activity_at: i64,
    pub next_appointment: Option<i64>,
}

/// A caseload's order; the names are stable in URLs (`?tri=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// By name: the order the caseload comes in.
    #[default]
    Name,
    /// Furthest phase first.
    Phase,
    /// Longest without activity first.
    Activity,
    /// Soonest appointment first, those without one last.
    Appointment,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Name, Sort::Phase, Sort::Activity, Sort::Appointment];

    /// The URL name.
    pub fn param(self) -> &'static str {
        match self {
            Sort::Name => "nom",
            Sort::Phase => "etape",
            Sort::Activity => "activite",
            Sort::Appointment => "rdv",
        }
    }

    /// The sort a URL names; anything else is the default (by name).
    pub fn from_param(param: &str) -> Sort {
        Sort::ALL
            .into_iter()
            .find(|s| s.param() == param)
            .unwrap_or_default()
    }
}

/// A caseload's filter; the names are stable in URLs (`?filtre=`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    /// Only those who need watching.
    Watching,
}

impl Filter {
    pub const ALL: [Filter; 2] = [Filter::All, Filter::Watching];

    /// The URL name.
    pub fn param(self) -> &'static str {
        match self {
            Filter::All => "tous",
            Filter::Watching => "a-surveiller",
        }
    }

    /// The filter a URL names; anything else is the default (everyone).
    pub fn from_param(param: &str) -> Filter {
        Filter::ALL
            .into_iter()
            .find(|f| f.param() == param)
            .unwrap_or_default()
    }
}

/// Filters then sorts a caseload that comes sorted by name (the sorts are stable, so
/// ties keep the name order).
pub fn arrange<T>(rows: &mut Vec<T>, sort: Sort, filter: Filter, line: impl Fn(&T) -> Line) {
    if filter == Filter::Watching {
        rows.retain(|r| line(r).signals.needs_watching());
    }
    match sort {
        Sort::Name => {}
        Sort::Phase => rows.sort_by_key(|r| std::cmp::Reverse(line(r).phase.step())),
        Sort::Activity => rows.sort_by_key(|r| line(r).last_activity_at),
        Sort::Appointment => rows.sort_by_key(|r| line(r).next_appointment.unwrap_or(i64::MAX)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(
        name: &'static str,
        phase: Phase,
        last: i64,
        next: Option<i64>,
    ) -> (&'static str, Line) {
        (
            name,
            Line {
                signals: Signals::default(),
                phase,
                last_activity_at: last,
                next_appointment: next,
            },
        )
    }

    fn names(rows: &[(&'static str, Line)]) -> Vec<&'static str> {
        rows.iter().map(|r| r.0).collect()
    }

    #[test]
    fn each_signal_alone_needs_watching() {
        assert!(!Signals::default().needs_watching());
        let quiet = Signals {
            days_inactive: INACTIVE_DAYS - 1,
            ..Signals::default()
        };
        assert!(!quiet.needs_watching());
        for s in [
            Signals {
                days_inactive: INACTIVE_DAYS,
                ..Signals::default()
            },
            Signals {
                overdue_activities: 1,
                ..Signals::default()
            },
            Signals {
                missed_appointments: 1,
                ..Signals::default()
            },
            Signals {
                flagged_answers: 1,
                ..Signals::default()
            },
            Signals {
                unread_messages: 1,
                ..Signals::default()
            },
        ] {
            assert!(s.needs_watching(), "{s:?}");
        }
    }

    #[test]
    fn url_names_round_trip_and_default() {
        for s in Sort::ALL {
            assert_eq!(Sort::from_param(s.param()), s);
        }
        for f in Filter::ALL {
            assert_eq!(Filter::from_param(f.param()), f);
        }
        assert_eq!(Sort::from_param("x"), Sort::Name);
        assert_eq!(Filter::from_param(""), Filter::All);
    }

    #[test]
    fn sorts_and_filters() {
        let first = Phase::ALL[0];
        let last = Phase::ALL[Phase::ALL.len() - 1];
        let mut rows = vec![
            line("ana", first, 30, None),
            line("bob", last, 10, Some(5)),
            line("cy", first, 20, Some(1)),
        ];
        let by = |sort| {
            let mut r = rows.clone();
            arrange(&mut r, sort, Filter::All, |r| r.1);
            names(&r)
        };
        assert_eq!(by(Sort::Name), ["ana", "bob", "cy"]);
        assert_eq!(by(Sort::Phase), ["bob", "ana", "cy"]);
        assert_eq!(by(Sort::Activity), ["bob", "cy", "ana"]);
        assert_eq!(by(Sort::Appointment), ["cy", "bob", "ana"]);
        rows[2].1.signals.unread_messages = 2;
        arrange(&mut rows, Sort::Name, Filter::Watching, |r| r.1);
        assert_eq!(names(&rows), ["cy"]);
    }
}
