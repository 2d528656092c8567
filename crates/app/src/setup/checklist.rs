//! The administrator's set-up checklist: each step's state is read from the data, so
//! it stays on the home page until the operator is really ready, and a step undone
//! (the last coach leaves) shows again.

use parcours_db::repo::setup;
use parcours_domain::Role;

use crate::actor::Actor;
use crate::{App, AppError};

/// The steps, in the order an operator takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The organisation's legal identity and contacts are filled.
    Organisation,
    /// At least one coach.
    Staff,
    /// At least one referrer organisation attached to a programme.
    Partners,
    /// At least one programme.
    Programme,
    /// At least one referrer's account.
    Referrers,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Organisation,
        Step::Staff,
        Step::Partners,
        Step::Programme,
        Step::Referrers,
    ];

    /// Stable name (message keys, test hooks).
    pub fn code(self) -> &'static str {
        match self {
            Step::Organisation => "organisation",
            Step::Staff => "staff",
            Step::Partners => "partners",
            Step::Programme => "programme",
            Step::Referrers => "referrers",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChecklistStep {
    pub step: Step,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    pub steps: Vec<ChecklistStep>,
}

impl Checklist {
    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.done)
    }

    pub fn done_count(&self) -> usize {
        self.steps.iter().filter(|s| s.done).count()
    }

    /// The first step not done: the one the page puts forward.
    pub fn next(&self) -> Option<Step> {
        self.steps.iter().find(|s| !s.done).map(|s| s.step)
    }
}

impl App {
    /// The set-up checklist of the administrator's operator (administrators only).
    pub async fn setup_checklist(&self, actor: &Actor) -> Result<Checklist, AppError> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        let settings = self.organisation_settings(actor).await?;
        let counts = setup::counts(self.db(), actor.tenant()).await?;
        Ok(checklist_of(&settings, &counts))
    }
}

/// The checklist read from an operator's settings and counts (its administrator's home,
/// the host's list of operators).
pub(crate) fn checklist_of(
    settings: &crate::setup::OrganisationSettings,
    counts: &setup::SetupCounts,
) -> Checklist {
    let done = |step| match step {
        Step::Organisation => settings.legal_identity_complete(),
        Step::Staff => counts.coaches > 0,
        Step::Partners => counts.referrer_organisations > 0,
        Step::Programme => counts.programmes > 0,
        Step::Referrers => counts.referrer_users > 0,
    };
    Checklist {
        steps: Step::ALL
            .into_iter()
            .map(|step| ChecklistStep {
                step,
                done: done(step),
            })
            .collect(),
    }
}
