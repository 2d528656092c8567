//! The generator of large programmes, for benchmarks and demonstrations.

use super::*;

/// A small deterministic generator (xorshift), so that seeded programmes are the same
/// from one run to the next.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Communes of several départements (INSEE codes), for the generated participants.
const SEED_COMMUNES: [&str; 12] = [
    "76540", "76351", "27229", "14118", "50129", "61001", "75056", "69123", "13055", "33063",
    "59350", "35238",
];
const SEED_REFERRERS: [&str; 4] = [
    "France Travail (généré)",
    "Mission locale (générée)",
    "Cap emploi (généré)",
    "Département (généré)",
];

impl App {
    /// Adds `count` synthetic participants to a programme (created if needed): the
    /// reference cohort's proportions (63 % finished, 24 % in progress, 13 % dropped),
    /// written in batches of 20,000 per transaction.
    pub async fn seed_participants(&self, slug: &str, count: usize) -> Result<usize, AppError> {
        let now = self.now();
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;
        let (programme, _, _) = self
            .programme_for_import(&*txn, slug, None, now)
            .await
            .map_err(|e| match e {
                ImportFailure::App(e) => e,
                other => AppError::Internal(other.to_string()),
            })?;
        let mut referrers = Vec::new();
        for name in SEED_REFERRERS {
            let id = match accounts::find_organisation_by_name(&*txn, OrgKind::Referrer, name)
                .await?
            {
                Some(o) => o.id,
                None => accounts::insert_organisation(&*txn, OrgKind::Referrer, name, now).await?,
            };
            referrers.push(id);
        }
        txn.commit().await?;
        let start = time::Date::from_calendar_date(2023, time::Month::January, 1)
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let plan = SeedPlan {
            scope: programme.tenant,
            programme_id: programme.id,
            first_entry: start,
            entry_span_days: 1000,
            referrers,
            over: false,
        };
        let done = self.generate_participants(&plan, count).await?;
        // After a bulk load the planner's statistics (and PostgreSQL's visibility map,
        // which index-only scans need) are stale: refresh them as an operator would.
        outcomes::unscoped::refresh_statistics(self.db()).await?;
        Ok(done)
    }

    /// Writes `count` synthetic participants into a programme, with the reference
    /// cohort's proportions: deterministic, not real people. Returns how many.
    pub(crate) async fn generate_participants(
        &self,
        plan: &SeedPlan,
        count: usize,
    ) -> Result<usize, AppError> {
        let now = self.now();
        let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ count as u64);
        let mut done = 0;
        let run = format!("{:x}", now);
        while done < count {
            let batch = (count - done).min(20_000);
            let mut participants = Vec::with_capacity(batch);
            for i in 0..batch {
                let entered = plan.first_entry
                    + time::Duration::days(
                        i64::try_from(dice.below(plan.entry_span_days)).unwrap_or(0),
                    );
                let roll = dice.below(100);
                // A programme over has nobody in progress: they finished.
                let status = if roll < 63 || (plan.over && roll < 87) {
                    ParticipantStatus::Finished
                } else if roll < 87 {
                    ParticipantStatus::InProgress
                } else {
                    ParticipantStatus::Dropped
                };
                let ended = entered
                    + time::Duration::days(90 + i64::try_from(dice.below(120)).unwrap_or(0));
                let exit = match status {
                    ParticipantStatus::InProgress => None,
                    ParticipantStatus::Dropped => Some(OutcomeFact {
                        point: "exit".into(),
                        status: status.code().into(),
                        drop_reason_code: Some("health".into()),
                        source: "seed".into(),
                        ..OutcomeFact::default()
                    }),
                    ParticipantStatus::Finished => {
                        let o = dice.below(63);
                        let situation = match o {
                            0..13 => Situation::Employment,
                            13..24 => Situation::Training,
                            24..29 => Situation::Business,
                            29..40 => Situation::JobSearch,
                            _ => Situation::Validating,
                        };
                        let contract = (situation == Situation::Employment).then(|| {
                            ContractType::ALL[usize::try_from(dice.below(5)).unwrap_or(0)]
                        });
                        Some(OutcomeFact {
                            point: "exit".into(),
                            status: status.code().into(),
                            situation: Some(situation.code().into()),
                            contract_type: contract.map(|c| c.code().to_owned()),
                            contract_months: contract
                                .filter(|c| *c != ContractType::Cdi)
                                .map(|_| i32::try_from(1 + dice.below(12)).unwrap_or(1)),
                            qualifying: (situation == Situation::Training)
                                .then(|| dice.below(2) == 0),
                            source: "seed".into(),
                            ..OutcomeFact::default()
                        })
                    }
                };
                let commune = SEED_COMMUNES[usize::try_from(dice.below(12)).unwrap_or(0)];
                participants.push(ImportedParticipant {
                    person_id: Uuid::now_v7(),
                    enrolment_id: Uuid::now_v7(),
                    external_id: format!("seed-{run}-{}", done + i),
                    birth_year: Some(1960 + i32::try_from(dice.below(45)).unwrap_or(0)),
                    commune_code: Some(commune.to_owned()),
                    departement: Some(departement_of(commune).to_owned()),
                    referrer_id: plan
                        .referrers
                        .get(usize::try_from(dice.below(plan.referrers.len() as u64)).unwrap_or(0))
                        .copied(),
                    publics_mask: i64::try_from(dice.below(128) & dice.below(128)).unwrap_or(0),
                    entered_at: date_ms(entered),
                    entry_quarter: quarter_of(&entered.to_string()),
                    status: status.code().to_owned(),
                    ended_on: (status != ParticipantStatus::InProgress).then(|| ended.to_string()),
                    exit,
                });
            }
            let txn = self.bookkeeping(Bookkeeping::Seed).await?;
            outcomes::insert_participants(&*txn, plan.scope, plan.programme_id, &participants, now)
                .await?;
            txn.commit().await?;
            done += batch;
        }
        Ok(done)
    }
}

/// Where generated participants go and when they entered.
pub(crate) struct SeedPlan {
    pub scope: TenantScope,
    pub programme_id: Uuid,
    pub first_entry: time::Date,
    pub entry_span_days: u64,
    /// Spread evenly among these (none: no referrer).
    pub referrers: Vec<Uuid>,
    /// The programme is over: nobody is still in progress.
    pub over: bool,
}
