//! Results: a taking's outcome with its change since the start, and the cohort figures
//! (norms, reliability) they are read against, cached per programme.

use std::collections::BTreeMap;
use std::sync::Arc;

use parcours_db::TenantScope;
use parcours_db::repo::bilan::{self as repo, Activity};
use parcours_db::repo::people;
use parcours_domain::instrument::{Instrument, Kind, Occasion};
use parcours_domain::scoring::{self, LikertResult, RawAnswer};
use parcours_domain::{Action, Relation, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::{App, AppError};

use super::*;

impl App {
    /// The results of an activity, recomputed from its raw answers by the rules of the
    /// instrument version it was taken with.
    pub async fn results(&self, actor: &Actor, activity_id: Uuid) -> Result<ResultView, AppError> {
        let detail = self.activity(actor, activity_id).await?;
        let answers: Vec<RawAnswer> = detail.answers.values().cloned().collect();
        let outcome = outcome(&detail.instrument, &answers, self.catalog().as_deref());
        let mut changes = Vec::new();
        if detail.view.activity.occasion == Occasion::End
            && let Outcome::Likert(end) = &outcome
        {
            changes = self.changes_since_start(actor, &detail, end).await?;
        }
        Ok(ResultView {
            detail,
            outcome,
            changes,
        })
    }

    async fn changes_since_start(
        &self,
        actor: &Actor,
        detail: &ActivityDetail,
        end: &LikertResult,
    ) -> Result<Vec<ScaleChange>, AppError> {
        let scope = actor.tenant();
        let activities = repo::activities_of_person(self.db(), scope, detail.person_id).await?;
        let Some(start) = activities.iter().find(|a| {
            a.instrument_id == detail.instrument.id
                && a.occasion == Occasion::Start
                && a.completed_at.is_some()
        }) else {
            return Ok(Vec::new());
        };
        let Some(start_instrument) =
            self.instrument(&start.instrument_id, start.instrument_version)
        else {
            return Ok(Vec::new());
        };
        let start_answers = repo::answers_of_activity(self.db(), scope, start.id).await?;
        let before = scoring::score_likert(&start_instrument, &start_answers);
        let norms = self.cohort_norms(actor, start, &start_instrument).await?;
        let mut out = Vec::new();
        for scale in &detail.instrument.scales {
            let score = |r: &LikertResult| {
                r.scales
                    .iter()
                    .find(|s| s.scale == scale.id)
                    .and_then(|s| s.score)
            };
            let (Some(b), Some(a)) = (score(&before), score(end)) else {
                continue;
            };
            let (sd, alpha, basis) = match norms.get(&scale.id) {
                Some((sd, alpha)) => (*sd, *alpha, "cohort"),
                None => match (scale.norm_sd, scale.norm_alpha) {
                    (Some(sd), Some(alpha)) => (sd, alpha, "provisional"),
                    _ => continue,
                },
            };
            if let Some(reading) = scoring::reliable_change(b, a, sd, alpha) {
                out.push(ScaleChange {
                    scale: scale.id.clone(),
                    reading,
                    basis,
                });
            }
        }
        Ok(out)
    }

    /// Spread and reliability of each scale over the programme's baseline takings, once
    /// the cohort has at least [`scoring::ALPHA_MIN_N`] people; empty before that.
    async fn cohort_norms(
        &self,
        actor: &Actor,
        start: &Activity,
        instrument: &Instrument,
    ) -> Result<BTreeMap<String, (f64, f64)>, AppError> {
        let scope = actor.tenant();
        let Some(enrolment) = people::enrolments_of_person(self.db(), scope, start.person_id)
            .await?
            .into_iter()
            .find(|e| e.id == start.enrolment_id)
        else {
            return Ok(BTreeMap::new());
        };
        let cohort = self
            .cohort_scales(scope, enrolment.programme_id, instrument)
            .await?;
        Ok(cohort
            .iter()
            .filter_map(|s| {
                let alpha = s.alpha?;
                (s.scored >= scoring::ALPHA_MIN_N && s.sd > 0.0)
                    .then(|| (s.scale.clone(), (s.sd, alpha)))
            })
            .collect())
    }

    /// Each scale of an instrument over the programme's latest [`COHORT_SAMPLE`] baseline
    /// takings, as computed less than a minute ago: a programme-wide statistic, read on
    /// every manager's home, that a taking more or less moves by a hair.
    async fn cohort_scales(
        &self,
        scope: TenantScope,
        programme_id: Uuid,
        instrument: &Instrument,
    ) -> Result<Arc<Vec<CohortScale>>, AppError> {
        let key = (
            scope.id(),
            programme_id,
            instrument.id.clone(),
            instrument.version,
        );
        self.inner
            .cohorts
            .get_or_compute(key, self.now(), async || {
                let takings = repo::completed_answers_in_programme(
                    self.db(),
                    scope,
                    programme_id,
                    &instrument.id,
                    instrument.version,
                    COHORT_SAMPLE,
                )
                .await?;
                Ok(Arc::new(cohort_statistics(instrument, &takings)))
            })
            .await
    }

    /// Takings were added or removed in bulk: reliability and norms compute again.
    pub(crate) async fn forget_cohorts(&self) {
        self.inner.cohorts.clear().await;
    }

    /// Cronbach's alpha of every scale of every Likert instrument over a programme's
    /// completed takings, for programme managers.
    pub async fn scale_reliability(
        &self,
        actor: &Actor,
        programme_id: Uuid,
    ) -> Result<Vec<ScaleReliability>, AppError> {
        let in_tenant = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        if !allows(actor.role, Action::ReadAggregates, in_tenant) {
            return Err(AppError::Forbidden);
        }
        let scope = actor.tenant();
        let mut out = Vec::new();
        for current in self.instruments().current() {
            if current.kind != Kind::Likert {
                continue;
            }
            let Some(instrument) = self.instrument(&current.id, current.version) else {
                continue;
            };
            let cohort = self.cohort_scales(scope, programme_id, &instrument).await?;
            for scale in &instrument.scales {
                let items = instrument
                    .items
                    .iter()
                    .filter(|i| i.scale == scale.id)
                    .count();
                if items < 2 {
                    continue;
                }
                let Some(stats) = cohort.iter().find(|s| s.scale == scale.id) else {
                    continue;
                };
                out.push(ScaleReliability {
                    instrument_id: instrument.id.clone(),
                    instrument_version: instrument.version,
                    title: instrument.title.clone(),
                    scale: scale.id.clone(),
                    label: scale.label.clone(),
                    n: stats.complete,
                    alpha: stats.alpha,
                    warning: stats.complete < scoring::ALPHA_MIN_N
                        || stats.alpha.is_none_or(|a| a < scoring::ALPHA_WARNING),
                });
            }
        }
        Ok(out)
    }
}

/// How many of a programme's latest baseline takings its reliability and norms are
/// computed over: Cronbach's alpha and a spread are steady long before (the standard
/// error of alpha is about 0.005 at 2,000 people), and a programme of a million would
/// otherwise be read whole on a manager's home.
pub const COHORT_SAMPLE: u64 = 2_000;

/// Programmes' scale statistics computed lately, by tenant, programme and instrument.
pub(crate) type CohortCache =
    crate::recent::Recent<(Uuid, Uuid, String, u32), Arc<Vec<CohortScale>>>;

/// One scale of an instrument over a programme's cohort.
#[derive(Debug, Clone)]
pub struct CohortScale {
    pub scale: String,
    /// Takings that answered every item of the scale (the rows of alpha).
    pub complete: usize,
    pub alpha: Option<f64>,
    /// Takings with a score on the scale, and the spread of those scores.
    pub scored: usize,
    pub sd: f64,
}

fn cohort_statistics(instrument: &Instrument, takings: &[Vec<RawAnswer>]) -> Vec<CohortScale> {
    let results: Vec<LikertResult> = takings
        .iter()
        .map(|answers| scoring::score_likert(instrument, answers))
        .collect();
    instrument
        .scales
        .iter()
        .map(|scale| {
            let scores: Vec<f64> = results
                .iter()
                .filter_map(|r| r.scales.iter().find(|s| s.scale == scale.id)?.score)
                .collect();
            let rows: Vec<Vec<f64>> = takings
                .iter()
                .filter_map(|answers| scoring::scale_row(instrument, &scale.id, answers))
                .collect();
            CohortScale {
                scale: scale.id.clone(),
                complete: rows.len(),
                alpha: scoring::cronbach_alpha(&rows),
                scored: scores.len(),
                sd: scoring::variance(&scores).sqrt(),
            }
        })
        .collect()
}
