//! The demo world seeded on a new, empty database: an operator running one programme
//! funded by a Region, two referrers, staff of every role, 100 synthetic beneficiaries
//! spread over the journey, and a second operator to show that tenants stay apart.
//! All names are invented.

use parcours_db::TenantScope;
use parcours_db::repo::{accounts, journey, people, programmes};
use parcours_domain::instrument::{Instrument, Kind, Occasion};
use parcours_domain::{Email, OrgKind, Phase, Role};
use uuid::Uuid;

use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError};

/// The password of every demo account. Printed at start-up; demo databases only.
pub const DEMO_PASSWORD: &str = "parcours-demo";
pub const DEMO_BENEFICIARIES: usize = 100;

#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct DemoMember {
    pub person_id: Uuid,
    pub enrolment_id: Uuid,
    pub coach_id: Uuid,
    pub phase: Phase,
    pub entered_days_ago: i64,
}

/// What the seed created, for start-up messages and tests.
#[derive(Debug, Clone)]
pub struct DemoWorld {
    pub logins: Vec<DemoLogin>,
    pub operator_id: Uuid,
    pub other_operator_id: Uuid,
    /// A beneficiary of the other operator: the cross-tenant probe.
    pub other_tenant_person_id: Uuid,
    /// The person behind the demo beneficiary login.
    pub beneficiary_person_id: Uuid,
    pub programme_id: Uuid,
    /// The synthetic beneficiaries of the programme, for [`App::seed_demo_answers`].
    pub cohort: Vec<DemoMember>,
}

const FIRST_NAMES: [&str; 20] = [
    "Camille", "Yanis", "Inès", "Lucas", "Aïcha", "Théo", "Manon", "Karim", "Léa", "Mamadou",
    "Sarah", "Kevin", "Chloé", "Rayan", "Emma", "Moussa", "Julie", "Hugo", "Nadia", "Dylan",
];
const LAST_NAMES: [&str; 25] = [
    "Martin",
    "Benali",
    "Lefèvre",
    "Diallo",
    "Moreau",
    "Nguyen",
    "Petit",
    "Haddad",
    "Lambert",
    "Traoré",
    "Girard",
    "Rousseau",
    "Mercier",
    "Bouaziz",
    "Fontaine",
    "Colin",
    "Camara",
    "Robin",
    "Masson",
    "Henry",
    "Garnier",
    "Chevalier",
    "Mendy",
    "Roux",
    "Blanc",
];
/// Communes of the Normandy pilot area (INSEE codes).
const COMMUNES: [&str; 6] = ["76540", "76351", "14118", "50129", "27229", "61001"];

/// Phase of the i-th demo beneficiary: 10 referred, 25 preliminary, 35 investigation,
/// 20 conclusions, 10 in follow-up.
pub(crate) fn demo_phase(i: usize) -> Phase {
    match i % 100 {
        0..=9 => Phase::Referred,
        10..=34 => Phase::Preliminary,
        35..=69 => Phase::Investigation,
        70..=89 => Phase::Conclusions,
        _ => Phase::FollowUp,
    }
}

#[derive(Debug, Clone, Copy)]
enum DemoOrg {
    Operator,
    Region,
    FranceTravail,
    MissionLocale,
    Employer,
    OtherOperator,
}

struct DemoAccount {
    email: &'static str,
    name: &'static str,
    org: DemoOrg,
    role: Role,
    description: &'static str,
}

const DEMO_ACCOUNTS: [DemoAccount; 10] = [
    DemoAccount {
        email: "coach@demo.parcours.test",
        name: "Sophie Durand",
        org: DemoOrg::Operator,
        role: Role::Coach,
        description: "coach",
    },
    DemoAccount {
        email: "coach2@demo.parcours.test",
        name: "Olivier Bernard",
        org: DemoOrg::Operator,
        role: Role::Coach,
        description: "second coach",
    },
    DemoAccount {
        email: "manager@demo.parcours.test",
        name: "Claire Dubois",
        org: DemoOrg::Operator,
        role: Role::ProgrammeManager,
        description: "programme manager",
    },
    DemoAccount {
        email: "admin@demo.parcours.test",
        name: "Marc Lefebvre",
        org: DemoOrg::Operator,
        role: Role::Admin,
        description: "administrator",
    },
    DemoAccount {
        email: "beneficiaire@demo.parcours.test",
        name: "Camille Martin",
        org: DemoOrg::Operator,
        role: Role::Beneficiary,
        description: "beneficiary",
    },
    DemoAccount {
        email: "funder@demo.parcours.test",
        name: "Nathalie Leroy",
        org: DemoOrg::Region,
        role: Role::Funder,
        description: "funder (Région Normandie)",
    },
    DemoAccount {
        email: "referrer@demo.parcours.test",
        name: "Julien Faure",
        org: DemoOrg::FranceTravail,
        role: Role::Referrer,
        description: "referrer (France Travail)",
    },
    DemoAccount {
        email: "referrer2@demo.parcours.test",
        name: "Amina Kone",
        org: DemoOrg::MissionLocale,
        role: Role::Referrer,
        description: "referrer (Mission locale)",
    },
    DemoAccount {
        email: "employer@demo.parcours.test",
        name: "Pierre Vasseur",
        org: DemoOrg::Employer,
        role: Role::Employer,
        description: "employer",
    },
    DemoAccount {
        email: "coach@horizon.parcours.test",
        name: "Yves Le Goff",
        org: DemoOrg::OtherOperator,
        role: Role::Coach,
        description: "coach of another operator (tenant isolation)",
    },
];

/// The demo accounts, for start-up messages and tests.
pub fn demo_logins() -> Vec<DemoLogin> {
    DEMO_ACCOUNTS
        .iter()
        .map(|a| DemoLogin {
            role: a.role,
            email: a.email.to_owned(),
            description: a.description.to_owned(),
        })
        .collect()
}

fn email(raw: &str) -> Result<Email, AppError> {
    Email::parse(raw).map_err(|_| AppError::Internal(format!("demo email {raw} is invalid")))
}

/// Participants of last year's demo programme: enough for most cells to show.
pub const DEMO_HISTORY: usize = 480;

impl App {
    /// True when the database holds no organisation yet (a new install).
    pub async fn is_empty(&self) -> Result<bool, AppError> {
        Ok(accounts::count_organisations(self.db()).await? == 0)
    }

    /// True when the demo accounts exist (a demo database started again).
    pub async fn has_demo(&self) -> Result<bool, AppError> {
        Ok(
            accounts::find_user_by_email(self.db(), &email(DEMO_ACCOUNTS[0].email)?)
                .await?
                .is_some(),
        )
    }

    /// Seeds the demo world in one transaction.
    pub async fn seed_demo(&self) -> Result<DemoWorld, AppError> {
        let hash = self.hash_password(DEMO_PASSWORD).await?;
        let now = self.now();
        let day = 24 * 3600 * 1000;
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;

        let operator =
            accounts::insert_organisation(&txn, OrgKind::Operator, "Cap Avenir Normandie", now)
                .await?;
        let region =
            accounts::insert_organisation(&txn, OrgKind::Funder, "Région Normandie", now).await?;
        let france_travail = accounts::insert_organisation(
            &txn,
            OrgKind::Referrer,
            "France Travail – agence de Rouen",
            now,
        )
        .await?;
        let mission_locale = accounts::insert_organisation(
            &txn,
            OrgKind::Referrer,
            "Mission locale de l'agglomération rouennaise",
            now,
        )
        .await?;
        let employer =
            accounts::insert_organisation(&txn, OrgKind::Employer, "Boulangeries du Vexin", now)
                .await?;
        let other =
            accounts::insert_organisation(&txn, OrgKind::Operator, "Horizon Emploi Bretagne", now)
                .await?;
        let scope = TenantScope::of(operator);
        let other_scope = TenantScope::of(other);

        let org_id = |org: DemoOrg| match org {
            DemoOrg::Operator => operator,
            DemoOrg::Region => region,
            DemoOrg::FranceTravail => france_travail,
            DemoOrg::MissionLocale => mission_locale,
            DemoOrg::Employer => employer,
            DemoOrg::OtherOperator => other,
        };
        let mut user_ids = Vec::with_capacity(DEMO_ACCOUNTS.len());
        for account in &DEMO_ACCOUNTS {
            let user =
                accounts::insert_user(&txn, &email(account.email)?, account.name, &hash, now)
                    .await?;
            accounts::insert_membership(&txn, user, org_id(account.org), account.role, now).await?;
            user_ids.push(user);
        }
        let user_of = |email: &str| {
            DEMO_ACCOUNTS
                .iter()
                .position(|a| a.email == email)
                .and_then(|i| user_ids.get(i).copied())
        };
        let (Some(coach_a), Some(coach_b), Some(beneficiary_user), Some(other_coach)) = (
            user_of("coach@demo.parcours.test"),
            user_of("coach2@demo.parcours.test"),
            user_of("beneficiaire@demo.parcours.test"),
            user_of("coach@horizon.parcours.test"),
        ) else {
            return Err(AppError::Internal(
                "demo accounts table is missing a coach or the beneficiary".into(),
            ));
        };

        let programme = programmes::insert(
            &txn,
            scope,
            Some(region),
            "Parcours Normandie 2026",
            "normandie-2026",
            now,
        )
        .await?;
        programmes::add_referrer(&txn, programme, france_travail).await?;
        programmes::add_referrer(&txn, programme, mission_locale).await?;
        // Last year's programme, over: its participants' history gives the results
        // pages and exports something to show (generated, not real people).
        let previous = programmes::insert(
            &txn,
            scope,
            Some(region),
            "Parcours Normandie 2024",
            "normandie-2024",
            now,
        )
        .await?;
        programmes::add_referrer(&txn, previous, france_travail).await?;
        programmes::add_referrer(&txn, previous, mission_locale).await?;
        // The employer works with the operator and offers a first immersion.
        parcours_db::repo::opportunities::add_partner(&txn, scope, employer, now).await?;
        if let Some(employer_user) = user_of("employer@demo.parcours.test") {
            let offer = parcours_domain::opportunity::OpportunityInput {
                kind: "immersion".into(),
                title: "Deux semaines au fournil".into(),
                code_rome: "D1102".into(),
                description:
                    "Découvrir la fabrication du pain aux côtés de nos boulangers, de 6 h à 13 h."
                        .into(),
                commune_code: "76540".into(),
                capacity: "2".into(),
                respond_within_days: "7".into(),
                starts_on: crate::utc_day(now + 21 * 24 * 3600 * 1000),
                ends_on: crate::utc_day(now + 34 * 24 * 3600 * 1000),
            }
            .check()
            .map_err(|p| AppError::Internal(format!("demo offer: {p:?}")))?;
            parcours_db::repo::opportunities::insert(
                &txn,
                scope,
                employer,
                employer_user,
                &offer,
                now,
            )
            .await?;
        }

        let mut beneficiary_person_id = Uuid::nil();
        let mut cohort = Vec::new();
        for i in 0..DEMO_BENEFICIARIES {
            let first = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 7) % LAST_NAMES.len()];
            let is_login = i == 40;
            let (first, last) = if is_login {
                ("Camille", "Martin")
            } else {
                (first, last)
            };
            let phone = format!("06 00 00 {:02} {:02}", i / 100, i % 100);
            let person = people::insert_person(
                &txn,
                scope,
                people::NewPerson {
                    user_id: is_login.then_some(beneficiary_user),
                    first_name: first,
                    last_name: last,
                    email: None,
                    phone: Some(&phone),
                    commune_code: Some(COMMUNES[i % COMMUNES.len()]),
                    birth_year: Some(1975 + i32::try_from(i % 30).unwrap_or(0)),
                },
                now,
            )
            .await?;
            if is_login {
                beneficiary_person_id = person;
            }
            let entered_days_ago = i64::try_from(i % 90).unwrap_or(0);
            let coach_id = if i % 2 == 0 { coach_a } else { coach_b };
            let enrolment = people::insert_enrolment(
                &txn,
                scope,
                people::NewEnrolment {
                    cohort_id: None,
                    person_id: person,
                    programme_id: programme,
                    coach_id: Some(coach_id),
                    referrer_id: Some(if i % 3 == 0 {
                        mission_locale
                    } else {
                        france_travail
                    }),
                    phase: demo_phase(i),
                    entered_at: now - entered_days_ago * day,
                    last_activity_at: now - i64::try_from(i % 17).unwrap_or(0) * day,
                    departement: Some(
                        parcours_domain::referral::departement_of(COMMUNES[i % COMMUNES.len()])
                            .to_owned(),
                    ),
                    // Some declared publics, so the reports' breakdown has rows.
                    publics_mask: [0b1, 0b100, 0b10000, 0b101, 0][i % 5],
                },
            )
            .await?;
            // The demo login starts its bilan itself (consent first).
            if !is_login {
                cohort.push(DemoMember {
                    person_id: person,
                    enrolment_id: enrolment,
                    coach_id,
                    phase: demo_phase(i),
                    entered_days_ago,
                });
            }
        }

        // The employer also sponsors one person of the cohort, met once already.
        if let (Some(employer_user), Some(mentee)) =
            (user_of("employer@demo.parcours.test"), cohort.get(2))
        {
            let offer = parcours_domain::opportunity::OpportunityInput {
                kind: "sponsorship".into(),
                title: "Parrainage par un chef de rayon".into(),
                code_rome: String::new(),
                description:
                    "Un rendez-vous par mois pour préparer vos candidatures et vos entretiens."
                        .into(),
                commune_code: "76540".into(),
                capacity: "3".into(),
                respond_within_days: "10".into(),
                starts_on: String::new(),
                ends_on: String::new(),
            }
            .check()
            .map_err(|p| AppError::Internal(format!("demo sponsorship: {p:?}")))?;
            let opportunity = parcours_db::repo::opportunities::insert(
                &txn,
                scope,
                employer,
                employer_user,
                &offer,
                now,
            )
            .await?;
            let request = parcours_db::repo::opportunities::insert_request(
                &txn,
                scope,
                parcours_db::repo::opportunities::NewRequest {
                    opportunity_id: opportunity,
                    person_id: mentee.person_id,
                    requested_by: mentee.coach_id,
                    message: None,
                    token_hash: &crate::digest(&crate::random_token()),
                    respond_by: now + 10 * day,
                },
                now - 20 * day,
            )
            .await?;
            parcours_db::repo::opportunities::answer_request(
                &txn,
                scope,
                request,
                parcours_domain::opportunity::RequestStatus::Accepted,
                now - 18 * day,
            )
            .await?;
            parcours_db::repo::sponsors::insert(
                &txn,
                scope,
                request,
                &crate::utc_day(now - 7 * day),
                Some("Premier café : CV relu ensemble, deux offres repérées."),
                employer_user,
                now - 7 * day,
            )
            .await?;
        }

        // A second operator, so that a demo coach can see that its files stay closed.
        let other_programme = programmes::insert(
            &txn,
            other_scope,
            None,
            "Cap Emploi Bretagne",
            "cap-bretagne",
            now,
        )
        .await?;
        let mut other_tenant_person_id = Uuid::nil();
        for (i, (first, last)) in [
            ("Gwen", "Le Bihan"),
            ("Erwan", "Kerjean"),
            ("Maëlle", "Tanguy"),
        ]
        .iter()
        .enumerate()
        {
            let person = people::insert_person(
                &txn,
                other_scope,
                people::NewPerson {
                    user_id: None,
                    first_name: first,
                    last_name: last,
                    email: None,
                    phone: None,
                    commune_code: Some("35238"),
                    birth_year: Some(1990 + i32::try_from(i).unwrap_or(0)),
                },
                now,
            )
            .await?;
            other_tenant_person_id = person;
            people::insert_enrolment(
                &txn,
                other_scope,
                people::NewEnrolment {
                    cohort_id: None,
                    person_id: person,
                    programme_id: other_programme,
                    coach_id: Some(other_coach),
                    referrer_id: None,
                    phase: Phase::Investigation,
                    entered_at: now,
                    last_activity_at: now,
                    departement: Some("35".to_owned()),
                    publics_mask: 0,
                },
            )
            .await?;
        }
        // The demo coach's agenda: a morning of free slots on each of the next weekdays,
        // so that an invitation has something to offer.
        let mut date = crate::appointments::paris_today(now);
        let mut mornings = 0;
        while mornings < 3 {
            date = date.next_day().unwrap_or(date);
            if matches!(
                date.weekday(),
                time::Weekday::Saturday | time::Weekday::Sunday
            ) {
                continue;
            }
            mornings += 1;
            for hour in [9, 10, 11] {
                let at = time::PrimitiveDateTime::new(
                    date,
                    time::Time::from_hms(hour, 0, 0).unwrap_or(time::Time::MIDNIGHT),
                );
                parcours_db::repo::appointments::insert_slot(
                    &txn,
                    scope,
                    coach_a,
                    &parcours_db::repo::appointments::NewSlot {
                        starts_at: parcours_domain::appointment::from_paris_local(at),
                        minutes: 60,
                        mode: if hour == 11 {
                            parcours_domain::appointment::SessionMode::Video
                        } else {
                            parcours_domain::appointment::SessionMode::OnSite
                        },
                        place: if hour == 11 {
                            "https://visio.example.org/cap-avenir"
                        } else {
                            "Cap Avenir, 12 rue Saint-Jean, Caen"
                        },
                    },
                    now,
                )
                .await?;
            }
        }
        txn.commit().await?;
        let history = crate::outcomes::SeedPlan {
            scope,
            programme_id: previous,
            first_entry: time::Date::from_calendar_date(2024, time::Month::January, 8)
                .map_err(|e| AppError::Internal(e.to_string()))?,
            entry_span_days: 270,
            referrers: vec![france_travail, mission_locale],
            over: true,
        };
        self.generate_participants(&history, DEMO_HISTORY).await?;
        Ok(DemoWorld {
            logins: demo_logins(),
            operator_id: operator,
            other_operator_id: other,
            other_tenant_person_id,
            beneficiary_person_id,
            programme_id: programme,
            cohort,
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_spread_over_the_journey() {
        let mut counts = std::collections::BTreeMap::new();
        for i in 0..DEMO_BENEFICIARIES {
            *counts.entry(demo_phase(i)).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), Phase::ALL.len());
        assert!(counts.values().all(|n| *n >= 10));
    }
}
