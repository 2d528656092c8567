//! The demo cohort's questionnaire answers: deterministic, drawn from a latent level
//! per scale plus noise.

use super::*;

impl App {
    /// Gives the demo cohort a bilan in progress: consent and plan for everyone past
    /// the referral, and synthetic answers to the questionnaires of the phases they
    /// have been through (end takings for those in conclusions), so that results, the
    /// managers' reliability table and the change since the start have data. Answers
    /// come from a latent level per scale plus noise: deterministic, not real people.
    pub async fn seed_demo_answers(&self, world: &DemoWorld) -> Result<usize, AppError> {
        let scope = TenantScope::of(world.operator_id);
        let now = self.now();
        let day = 24 * 3600 * 1000;
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;
        let mut completed = 0;
        for (n, member) in world.cohort.iter().enumerate() {
            let phase = member.phase;
            if phase == Phase::Referred {
                continue;
            }
            let consent_at = now - member.entered_days_ago * day;
            // Consent taken with the coach at the first meeting.
            journey::record_consent(
                &txn,
                scope,
                member.person_id,
                crate::bilan::CONSENT_SCOPE,
                crate::bilan::CONSENT_TEXT_VERSION,
                member.coach_id,
                consent_at,
            )
            .await?;
            journey::insert_activities(
                &txn,
                scope,
                member.person_id,
                member.enrolment_id,
                &crate::bilan::plan(self.instruments(), consent_at),
                consent_at,
            )
            .await?;
            let mut rng = SplitMix(n as u64 + 1);
            for activity in journey::activities_of_person(&txn, scope, member.person_id).await? {
                let Some(instrument) =
                    self.instrument(&activity.instrument_id, activity.instrument_version)
                else {
                    continue;
                };
                // Past phases done; half of the cohort has also done the current one.
                let due = match activity.occasion {
                    Occasion::End => phase == Phase::Conclusions || phase == Phase::FollowUp,
                    _ => {
                        activity.phase.step() < phase.step()
                            || (activity.phase == phase && n % 2 == 0)
                    }
                };
                if !due {
                    continue;
                }
                let Some(answers) = synthetic_answers(&instrument, activity.occasion, &mut rng)
                else {
                    continue;
                };
                // Answered one after the other, 4 to 20 seconds apart, like a person does.
                let mut at = consent_at;
                let timed: Vec<(&str, &str, i64)> = answers
                    .iter()
                    .map(|(item, value)| {
                        at += 4_000 + i64::try_from(rng.next() % 16_000).unwrap_or(0);
                        (item.as_str(), value.as_str(), at)
                    })
                    .collect();
                journey::save_timed_answers(&txn, scope, activity.id, &timed).await?;
                journey::mark_activity(&txn, scope, activity.id, Some(consent_at), Some(Some(now)))
                    .await?;
                if instrument.kind == parcours_domain::instrument::Kind::Likert {
                    crate::bilan::record_quality(&txn, scope, &instrument, activity.id).await?;
                }
                completed += 1;
            }
        }
        txn.commit().await?;
        self.forget_cohorts().await;
        Ok(completed)
    }
}

/// A small deterministic generator (SplitMix64) for the synthetic answers.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Roughly normal, mean 0 and sd 1 (sum of uniforms).
    fn normal(&mut self) -> f64 {
        // Six uniforms: variance 6/12, so divide by its root.
        ((0..6).map(|_| self.unit()).sum::<f64>() - 3.0) / std::f64::consts::FRAC_1_SQRT_2
    }
}

/// Answers to a Likert questionnaire (a level per scale, noise per item; end takings
/// a little higher) or to the values ranking; None for the rest.
pub(crate) fn synthetic_answers(
    instrument: &Instrument,
    occasion: Occasion,
    rng: &mut SplitMix,
) -> Option<Vec<(String, String)>> {
    match instrument.kind {
        Kind::Likert => {
            let points = instrument.points.len() as f64;
            let middle = (points + 1.0) / 2.0;
            let shift = if occasion == Occasion::End { 0.4 } else { 0.0 };
            let levels: Vec<(String, f64)> = instrument
                .scales
                .iter()
                .map(|s| (s.id.clone(), rng.normal() + shift))
                .collect();
            Some(
                instrument
                    .items
                    .iter()
                    .map(|item| {
                        let level = levels
                            .iter()
                            .find(|(id, _)| *id == item.scale)
                            .map_or(0.0, |(_, l)| *l);
                        let keyed = if item.reverse { -level } else { level };
                        let raw = (middle + keyed * 1.1 + rng.normal() * 0.8).round();
                        let value = raw.clamp(1.0, points) as u32;
                        (item.id.clone(), value.to_string())
                    })
                    .collect(),
            )
        }
        Kind::Ranking => {
            let ranking = instrument.ranking.as_ref()?;
            let mut options: Vec<&str> = ranking.options.iter().map(|o| o.id.as_str()).collect();
            let mut out = Vec::new();
            for n in 1..=ranking.pick {
                let i = (rng.next() % options.len() as u64) as usize;
                out.push((format!("rank{n}"), options.remove(i).to_owned()));
            }
            Some(out)
        }
        Kind::Form | Kind::Experiences => None,
    }
}
