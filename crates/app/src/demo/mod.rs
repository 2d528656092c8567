//! The demo world seeded on a new, empty database: an operator running one programme
//! funded by a Region, two referrers, staff of every role, 100 synthetic beneficiaries
//! spread over the journey, and a second operator to show that tenants stay apart.
//! All names are invented.

use parcours_db::TenantScope;
use parcours_db::repo::{installation::accounts, journey, people, programmes};
use parcours_domain::instrument::{Instrument, Kind, Occasion};
use parcours_domain::{Email, OrgKind, Phase, Role};
use uuid::Uuid;

use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError};

mod answers;
mod world;
pub(crate) use answers::{SplitMix, synthetic_answers};

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
