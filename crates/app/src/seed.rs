//! `parcours seed --beneficiaries N`: a programme of N generated people for benchmarks,
//! with coaches (one per 40 people), the bilan's activities planned and those of past
//! phases done (answers for one person in twenty), pistes, sessions with the coach, and
//! exit facts for those who left. Deterministic, written in batches with multi-row
//! inserts; not real people, never meant for a production database.

use parcours_db::TenantScope;
use parcours_db::repo::generated::{
    Batch, GenActivity, GenAnswer, GenEnrolment, GenPerson, GenPiste, GenSession,
};
use parcours_db::repo::outcomes::{self as outcome_repo, OutcomeFact};
use parcours_db::repo::{installation::accounts, programmes};
use parcours_domain::instrument::{Kind, Occasion};
use parcours_domain::outcome::quarter_of;
use parcours_domain::referral::departement_of;
use parcours_domain::{Email, OrgKind, Phase, Role};
use uuid::Uuid;

use crate::demo::{SplitMix, demo_phase, synthetic_answers};
use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError};

/// People per coach, as in the programmes the seeds describe.
pub const PEOPLE_PER_COACH: usize = 40;
/// People written per transaction.
const BATCH: usize = 10_000;
const DAY: i64 = 24 * 3600 * 1000;

/// Real ROME 4.0 codes (facts, France Travail, Licence Ouverte), for generated pistes.
const PISTES: [&str; 10] = [
    "D1102", "K2204", "J1501", "N4101", "M1607", "H2913", "G1603", "D1507", "K1302", "F1603",
];
const COMMUNES: [&str; 8] = [
    "76540", "76351", "27229", "14118", "50129", "61001", "35238", "69123",
];
const FIRST_NAMES: [&str; 8] = [
    "Alex",
    "Sam",
    "Charlie",
    "Dominique",
    "Camille",
    "Claude",
    "Morgan",
    "Sacha",
];

/// What `seed --beneficiaries` wrote.
#[derive(Debug, Clone, Default)]
pub struct BeneficiarySeed {
    pub programme: String,
    pub coaches: usize,
    pub beneficiaries: usize,
    pub activities: usize,
    pub answers: usize,
    pub pistes: usize,
    pub sessions: usize,
    pub exits: usize,
    /// A generated coach's sign-in (password: the demo password), for benchmarks.
    pub first_coach_email: String,
}

impl App {
    /// Adds `count` generated beneficiaries to the programme `slug` (created in the first
    /// operator, funded by the first funder, when missing).
    pub async fn seed_beneficiaries(
        &self,
        slug: &str,
        count: usize,
    ) -> Result<BeneficiarySeed, AppError> {
        let now = self.now();
        let run = format!("{:x}", now);
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;
        let (programme_id, scope) = match outcome_repo::unscoped::programmes_by_slug(&txn, slug)
            .await?
            .first()
        {
            Some((id, tenant, _, _)) => (*id, TenantScope::of(*tenant)),
            None => {
                let operator = accounts::organisations_of_kind(&txn, OrgKind::Operator)
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| {
                        AppError::Internal(
                            "no operator: start the server once (demo) or create one".into(),
                        )
                    })?;
                let funder = accounts::organisations_of_kind(&txn, OrgKind::Funder)
                    .await?
                    .into_iter()
                    .next()
                    .map(|f| f.id);
                let scope = TenantScope::of(operator.id);
                let id =
                    programmes::insert(&txn, scope, funder, &format!("{slug} (généré)"), slug, now)
                        .await?;
                (id, scope)
            }
        };
        // One password hash for every generated coach: hashing is slow on purpose.
        let hash = self.hash_password(crate::demo::DEMO_PASSWORD).await?;
        let coach_count = count.div_ceil(PEOPLE_PER_COACH).max(1);
        let mut coaches = Vec::with_capacity(coach_count);
        let mut first_coach_email = String::new();
        for i in 0..coach_count {
            let address = format!("coach-{run}-{i}@generated.parcours.test");
            let email = Email::parse(&address)
                .map_err(|_| AppError::Internal(format!("generated address {address}")))?;
            let user = accounts::insert_user(
                &txn,
                &email,
                &format!("Conseiller·e {i} (généré)"),
                &hash,
                now,
            )
            .await?;
            accounts::insert_membership(&txn, user, scope.id(), Role::Coach, now).await?;
            if i == 0 {
                first_coach_email = address;
            }
            coaches.push(user);
        }
        txn.commit().await?;

        let mut report = BeneficiarySeed {
            programme: slug.to_owned(),
            coaches: coach_count,
            first_coach_email,
            ..BeneficiarySeed::default()
        };
        let mut rng = SplitMix(0x5EED ^ count as u64);
        let mut done = 0;
        while done < count {
            let size = (count - done).min(BATCH);
            let mut batch = Batch::default();
            for i in done..done + size {
                self.generate_one(
                    &mut batch,
                    &mut rng,
                    i,
                    programme_id,
                    coaches[i / PEOPLE_PER_COACH % coaches.len()],
                    now,
                );
            }
            report.beneficiaries += batch.persons.len();
            report.activities += batch.activities.len();
            report.answers += batch.answers.len();
            report.pistes += batch.pistes.len();
            report.sessions += batch.sessions.len();
            report.exits += batch.enrolments.iter().filter(|e| e.exit.is_some()).count();
            let txn = self.bookkeeping(Bookkeeping::Seed).await?;
            parcours_db::repo::generated::insert_batch(&txn, scope, batch, now).await?;
            txn.commit().await?;
            done += size;
        }
        outcome_repo::unscoped::refresh_statistics(self.db()).await?;
        Ok(report)
    }

    /// One person, their enrolment and what their phase implies.
    fn generate_one(
        &self,
        batch: &mut Batch,
        rng: &mut SplitMix,
        i: usize,
        programme_id: Uuid,
        coach: Uuid,
        now: i64,
    ) {
        let person = Uuid::now_v7();
        let enrolment = Uuid::now_v7();
        let phase = demo_phase(i);
        let entered_days = i64::try_from(rng.next() % 400).unwrap_or(0) + 1;
        let entered_at = now - entered_days * DAY;
        let commune = COMMUNES[i % COMMUNES.len()];
        batch.persons.push(GenPerson {
            id: person,
            first_name: FIRST_NAMES[i % FIRST_NAMES.len()].to_owned(),
            last_name: format!("Généré {i}"),
            commune_code: commune.to_owned(),
            birth_year: 1960 + i32::try_from(rng.next() % 45).unwrap_or(0),
        });
        let entered_day = time::OffsetDateTime::from_unix_timestamp(entered_at / 1000)
            .map(|t| t.date().to_string())
            .unwrap_or_default();
        // Those in follow-up have left: mostly finished, with the reference cohort's
        // situations; one in ten of the others dropped out.
        let exit = if phase == Phase::FollowUp || rng.next().is_multiple_of(10) {
            let ended_at = (entered_at + (90 + i64::try_from(rng.next() % 120).unwrap_or(0)) * DAY)
                .min(now - DAY);
            let ended_on = time::OffsetDateTime::from_unix_timestamp(ended_at / 1000)
                .map(|t| t.date().to_string())
                .unwrap_or_default();
            Some((ended_on, exit_fact(phase == Phase::FollowUp, rng)))
        } else {
            None
        };
        batch.enrolments.push(GenEnrolment {
            id: enrolment,
            person_id: person,
            programme_id,
            coach_id: coach,
            phase: phase.code().to_owned(),
            entered_at,
            last_activity_at: now - i64::try_from(rng.next() % 30).unwrap_or(0) * DAY,
            departement: departement_of(commune).to_owned(),
            entry_quarter: quarter_of(&entered_day),
            publics_mask: i64::try_from((rng.next() % 128) & (rng.next() % 128)).unwrap_or(0),
            exit,
        });
        if phase == Phase::Referred {
            return;
        }
        let registry = self.instruments();
        let with_answers = i.is_multiple_of(20);
        for planned in crate::bilan::plan(registry, entered_at) {
            let done = match planned.occasion {
                Occasion::End => matches!(phase, Phase::Conclusions | Phase::FollowUp),
                _ => planned.phase.step() < phase.step(),
            };
            let activity = Uuid::now_v7();
            let completed_at = done.then_some(entered_at + 14 * DAY);
            batch.activities.push(GenActivity {
                id: activity,
                person_id: person,
                enrolment_id: enrolment,
                instrument_id: planned.instrument_id.clone(),
                instrument_version: i32::try_from(planned.instrument_version).unwrap_or(1),
                occasion: planned.occasion.code().to_owned(),
                phase: planned.phase.code().to_owned(),
                due_at: planned.due_at,
                completed_at,
            });
            let Some(instrument) = registry.get(&planned.instrument_id, planned.instrument_version)
            else {
                continue;
            };
            // Likert questionnaires only: rankings draw their options from the
            // reference data, which a seed does not need loaded.
            if with_answers && done && instrument.kind == Kind::Likert {
                let mut at = entered_at + 14 * DAY - 20 * 60 * 1000;
                for (item_id, value) in
                    synthetic_answers(instrument, planned.occasion, rng).unwrap_or_default()
                {
                    at += 4_000 + i64::try_from(rng.next() % 16_000).unwrap_or(0);
                    batch.answers.push(GenAnswer {
                        activity_id: activity,
                        item_id,
                        value,
                        answered_at: at,
                    });
                }
            }
        }
        if phase.step() >= Phase::Investigation.step() {
            for k in 0..2 {
                batch.pistes.push(GenPiste {
                    person_id: person,
                    code_rome: PISTES[(i + k * 3) % PISTES.len()].to_owned(),
                    shortlisted: k == 0,
                    by: coach,
                });
            }
        }
        batch.sessions.push(GenSession {
            coach_id: coach,
            person_id: person,
            starts_at: entered_at + 7 * DAY,
            status: if rng.next().is_multiple_of(8) {
                "missed"
            } else {
                "held"
            }
            .to_owned(),
        });
        if rng.next() % 10 < 3 {
            batch.sessions.push(GenSession {
                coach_id: coach,
                person_id: person,
                starts_at: now + (1 + i64::try_from(rng.next() % 14).unwrap_or(0)) * DAY,
                status: "booked".to_owned(),
            });
        }
    }
}

/// An exit fact: finished with the reference cohort's situations, or dropped.
fn exit_fact(finished: bool, rng: &mut SplitMix) -> OutcomeFact {
    if !finished {
        return OutcomeFact {
            point: "exit".into(),
            status: "dropped".into(),
            drop_reason: Some("health".into()),
            source: "seed".into(),
            ..OutcomeFact::default()
        };
    }
    let (situation, contract) = match rng.next() % 63 {
        0..13 => (
            "employment",
            Some(["cdi", "cdd", "temp"][(rng.next() % 3) as usize]),
        ),
        13..24 => ("training", None),
        24..29 => ("business", None),
        29..40 => ("job_search", None),
        _ => ("validating", None),
    };
    OutcomeFact {
        point: "exit".into(),
        status: "finished".into(),
        situation: Some(situation.into()),
        contract_type: contract.map(str::to_owned),
        contract_months: contract
            .filter(|c| *c != "cdi")
            .map(|_| 1 + i32::try_from(rng.next() % 12).unwrap_or(0)),
        qualifying: (situation == "training").then(|| rng.next().is_multiple_of(2)),
        source: "seed".into(),
        ..OutcomeFact::default()
    }
}
