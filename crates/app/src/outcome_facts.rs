//! The outcome fact as stored, shared by the coach's record (outcomes) and the
//! person's answer to a follow-up survey (surveys): both depend on this module, and
//! outcomes on surveys, one way.

use parcours_db::repo::outcomes::OutcomeFact;

use crate::App;

/// A checked outcome as the fact stored, with where it came from.
pub(crate) fn fact_of(
    checked: parcours_domain::outcome::CheckedOutcome,
    source: &str,
) -> OutcomeFact {
    OutcomeFact {
        point: checked.point.code().to_owned(),
        status: checked.status.code().to_owned(),
        situation: checked.situation.map(|s| s.code().to_owned()),
        contract_type: checked.contract_type.map(|c| c.code().to_owned()),
        starts_on: checked.starts_on,
        planned_end: checked.planned_end,
        contract_months: checked.contract_months,
        weekly_hours: checked.weekly_hours,
        training_name: checked.training_name,
        qualifying: checked.qualifying,
        drop_reason: checked.drop_reason,
        drop_reason_code: checked.drop_reason_code.map(|r| r.code().to_owned()),
        source: source.to_owned(),
    }
}

impl App {
    /// Outcomes changed: the next dashboard read computes again (in this process;
    /// others within the outcomes' report lifetime).
    pub(crate) async fn forget_reports(&self) {
        self.inner.reports.clear().await;
    }
}
