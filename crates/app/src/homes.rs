//! What each role sees first after signing in.

use parcours_db::repo::{installation::accounts, people, programmes};
use parcours_domain::aggregate::{MIN_CELL, Table};
use parcours_domain::{Action, Phase, Relation, Role, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::PersonFile;
use crate::{App, AppError};

pub use parcours_db::repo::people::CaseloadRow;

/// A count per phase; `None` where the cell is too small to show.
#[derive(Debug, Clone)]
pub struct PhaseCount {
    pub phase: Phase,
    pub count: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct ProgrammeFigures {
    pub id: Uuid,
    pub name: String,
    pub total: Option<u64>,
    pub phases: Vec<PhaseCount>,
}

#[derive(Debug, Clone)]
pub struct StaffMember {
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, Clone)]
pub enum Home {
    Beneficiary(Option<Box<PersonFile>>),
    Coach(Vec<CaseloadRow>),
    ProgrammeManager {
        programmes: Vec<ProgrammeFigures>,
        /// The most recently active of the people followed, at most
        /// [`MANAGER_LIST_LIMIT`].
        caseload: Vec<CaseloadRow>,
        /// All the people followed.
        people_total: u64,
        /// Per programme: the internal consistency of every questionnaire scale.
        reliability: Vec<(String, Vec<crate::bilan::ScaleReliability>)>,
    },
    Funder(Vec<ProgrammeFigures>),
    Referrer(Vec<ProgrammeFigures>),
    Employer,
    Admin(Vec<StaffMember>),
}

/// The phases' counts and their total; `suppress`: as a table whose parts add up to
/// its total, with small cells hidden and enough others that none can be derived.
/// `suppress` is the minimum cell, when cells are hidden.
fn figures(
    id: Uuid,
    name: String,
    counts: Vec<(Phase, u64)>,
    suppress: Option<u64>,
) -> ProgrammeFigures {
    let mut table = Table::default();
    let total = table.cell(counts.iter().map(|(_, n)| n).sum());
    let phases: Vec<usize> = Phase::ALL
        .iter()
        .map(|phase| {
            table.cell(
                counts
                    .iter()
                    .find(|(p, _)| p == phase)
                    .map_or(0, |(_, n)| *n),
            )
        })
        .collect();
    table.sum(total, &phases);
    let hidden = match suppress {
        Some(min_cell) => table.protect(min_cell, &[]),
        None => vec![false; table.values.len()],
    };
    let show = |c: usize| (!hidden[c]).then_some(table.values[c]);
    ProgrammeFigures {
        id,
        name,
        total: show(total),
        phases: Phase::ALL
            .iter()
            .zip(phases)
            .map(|(phase, c)| PhaseCount {
                phase: *phase,
                count: show(c),
            })
            .collect(),
    }
}

impl App {
    pub async fn home(&self, actor: &Actor) -> Result<Home, AppError> {
        let db = self.db();
        let scope = actor.tenant();
        let now = self.now();
        let in_tenant = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        Ok(match actor.role {
            Role::Beneficiary => Home::Beneficiary(self.own_file(actor).await?.map(Box::new)),
            Role::Coach => Home::Coach(
                people::followed(
                    db,
                    scope,
                    Some(actor.user_id),
                    &follow_up_since(now),
                    None,
                    now,
                )
                .await?,
            ),
            Role::ProgrammeManager => {
                let mut out = Vec::new();
                let mut reliability = Vec::new();
                for p in programmes::list_in_tenant(db, scope).await? {
                    reliability.push((p.name.clone(), self.scale_reliability(actor, p.id).await?));
                    out.push(figures(
                        p.id,
                        p.name,
                        people::phase_counts(db, scope, p.id).await?,
                        None,
                    ));
                }
                let since = follow_up_since(now);
                let (caseload, people_total) =
                    if allows(actor.role, Action::ReadCaseload, in_tenant) {
                        (
                            people::followed(
                                db,
                                scope,
                                None,
                                &since,
                                Some(MANAGER_LIST_LIMIT),
                                now,
                            )
                            .await?,
                            people::count_followed(db, scope, &since).await?,
                        )
                    } else {
                        (Vec::new(), 0)
                    };
                Home::ProgrammeManager {
                    programmes: out,
                    caseload,
                    people_total,
                    reliability,
                }
            }
            Role::Funder => Home::Funder(self.funded_programmes(actor).await?),
            Role::Referrer => {
                let mut out = Vec::new();
                for p in programmes::list_referred_by(db, actor.referrer_scope()).await? {
                    let counts =
                        people::phase_counts_for_referrer(db, actor.referrer_scope(), p.id).await?;
                    // The programme's minimum cell, never under its operator's default.
                    let tenant = parcours_db::TenantScope::of(p.tenant_id);
                    let own = parcours_db::repo::outcomes::min_cell(db, tenant, p.id).await?;
                    let min_cell = self.report_min_cell(tenant, own).await?;
                    out.push(figures(
                        p.id,
                        p.name,
                        counts,
                        Some(u64::try_from(min_cell).unwrap_or(MIN_CELL).max(MIN_CELL)),
                    ));
                }
                Home::Referrer(out)
            }
            Role::Employer => Home::Employer,
            // Member of no operator: its page is the host's list of operators.
            Role::HostAdmin => return Err(AppError::Forbidden),
            Role::Admin => Home::Admin(
                accounts::members_of(db, actor.organisation_id)
                    .await?
                    .into_iter()
                    .map(|(u, role)| StaffMember {
                        display_name: u.display_name,
                        email: u.email,
                        role,
                    })
                    .collect(),
            ),
        })
    }
}

impl App {
    /// The people the caller follows, most recently active first: a coach's own
    /// caseload, or everyone followed in the operator for a programme manager.
    pub async fn caseload(&self, actor: &Actor) -> Result<Vec<CaseloadRow>, AppError> {
        let in_tenant = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        let coach = match actor.role {
            Role::Coach => Some(actor.user_id),
            Role::ProgrammeManager => None,
            _ => return Err(AppError::Forbidden),
        };
        if !allows(actor.role, Action::ReadCaseload, in_tenant) {
            return Err(AppError::Forbidden);
        }
        let now = self.now();
        Ok(people::followed(
            self.db(),
            actor.tenant(),
            coach,
            &follow_up_since(now),
            None,
            now,
        )
        .await?)
    }

    /// The programmes a funder's organisation funds, each with its figures by phase
    /// (small cells hidden like in the programme's report).
    pub async fn funded_programmes(
        &self,
        actor: &Actor,
    ) -> Result<Vec<ProgrammeFigures>, AppError> {
        if actor.role != Role::Funder {
            return Err(AppError::Forbidden);
        }
        let funds = Relation {
            funds_programme: true,
            ..Relation::default()
        };
        let mut out = Vec::new();
        for p in programmes::list_funded_by(self.db(), actor.funder_scope()).await? {
            if allows(actor.role, Action::ReadAggregates, funds) {
                // The same total as the programme's report: protected with it.
                let (total, counts) = self.funder_home_figures(&p).await?;
                out.push(ProgrammeFigures {
                    id: p.id,
                    name: p.name,
                    total,
                    phases: Phase::ALL
                        .iter()
                        .zip(counts)
                        .map(|(phase, count)| PhaseCount {
                            phase: *phase,
                            count,
                        })
                        .collect(),
                });
            }
        }
        Ok(out)
    }
}

/// People who left a programme more than a year ago (past the last follow-up point)
/// leave the caseloads; they still count in the programme's results.
fn follow_up_since(now: i64) -> String {
    let today = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(now) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .date();
    (today - time::Duration::days(FOLLOW_UP_DAYS)).to_string()
}

const FOLLOW_UP_DAYS: i64 = 400;

/// People listed on a manager's home: the most recently active (the count gives all).
pub const MANAGER_LIST_LIMIT: u64 = 300;
