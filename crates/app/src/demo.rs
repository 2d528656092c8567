//! The demo world seeded on a new, empty database: an operator running one programme
//! funded by a Region, two referrers, staff of every role, 100 synthetic beneficiaries
//! spread over the journey, and a second operator to show that tenants stay apart.
//! All names are invented.

use parcours_db::repo::{accounts, people, programmes};
use parcours_db::{TenantScope, TransactionTrait};
use parcours_domain::{Email, OrgKind, Phase, Role};
use uuid::Uuid;

use crate::{App, AppError, now_ms};

/// The password of every demo account. Printed at start-up; demo databases only.
pub const DEMO_PASSWORD: &str = "parcours-demo";
pub const DEMO_BENEFICIARIES: usize = 100;

#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    pub description: String,
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
fn demo_phase(i: usize) -> Phase {
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
        let now = now_ms();
        let day = 24 * 3600 * 1000;
        let txn = self.db().begin().await?;

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

        let mut beneficiary_person_id = Uuid::nil();
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
            people::insert_enrolment(
                &txn,
                scope,
                people::NewEnrolment {
                    person_id: person,
                    programme_id: programme,
                    coach_id: Some(if i % 2 == 0 { coach_a } else { coach_b }),
                    referrer_id: Some(if i % 3 == 0 {
                        mission_locale
                    } else {
                        france_travail
                    }),
                    phase: demo_phase(i),
                    entered_at: now - entered_days_ago * day,
                    last_activity_at: now - i64::try_from(i % 17).unwrap_or(0) * day,
                },
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
                    person_id: person,
                    programme_id: other_programme,
                    coach_id: Some(other_coach),
                    referrer_id: None,
                    phase: Phase::Investigation,
                    entered_at: now,
                    last_activity_at: now,
                },
            )
            .await?;
        }
        txn.commit().await?;
        Ok(DemoWorld {
            logins: demo_logins(),
            operator_id: operator,
            other_operator_id: other,
            other_tenant_person_id,
            beneficiary_person_id,
            programme_id: programme,
        })
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
