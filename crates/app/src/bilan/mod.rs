//! The beneficiary's bilan: consent, the activity plan across the three legal phases,
//! answers saved one by one, and results recomputed from the raw answers each time.

use std::collections::BTreeMap;

use parcours_db::repo::bilan::{Activity, Consent, NewActivity};
use parcours_domain::Phase;
use parcours_domain::instrument::{Instrument, Registry, Text};
use parcours_domain::scoring::{ChangeReading, LikertResult, RawAnswer};
use serde::Serialize;
use uuid::Uuid;

use crate::people::{Enrolment, Person};

mod answers;
mod journey;
mod outcome;
mod results;

pub(crate) use answers::record_quality;
pub use outcome::{experiences, outcome};
pub(crate) use results::CohortCache;
pub use results::{COHORT_SAMPLE, CohortScale};

/// What the person agrees to before any assessment; its text lives in the web layer's
/// translations under this version, which is stored with the consent.
pub const CONSENT_SCOPE: &str = "bilan";
pub const CONSENT_TEXT_VERSION: &str = "bilan-consent-v1";
/// The law caps a bilan de compétences at 24 hours.
pub const BILAN_CAP_MINUTES: u32 = 24 * 60;
const DAY_MS: i64 = 24 * 3600 * 1000;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const JOURNEY_READ: AuditAction = AuditAction::JourneyRead;
    pub const CONSENT_GIVEN: AuditAction = AuditAction::ConsentGiven;
    pub const ACTIVITY_READ: AuditAction = AuditAction::ActivityRead;
    pub const ANSWERS_SAVED: AuditAction = AuditAction::ActivityAnswersSaved;
    pub const ACTIVITY_COMPLETED: AuditAction = AuditAction::ActivityCompleted;
    pub const PHASE_CHANGED: AuditAction = AuditAction::JourneyPhaseChanged;
    pub const ACCESS_DENIED: AuditAction = AuditAction::JourneyAccessDenied;
    pub const HEALTH_ANSWERS_DENIED: AuditAction = AuditAction::ActivityHealthAnswersDenied;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    /// Its phase has not started yet.
    Upcoming,
    Todo,
    InProgress,
    Done,
}

#[derive(Debug, Clone)]
pub struct ActivityView {
    pub activity: Activity,
    pub title: Text,
    pub minutes: u32,
    pub questions: usize,
    pub answered: usize,
    pub status: ActivityStatus,
    pub overdue: bool,
    /// Its answers may hold health facts and the reader is not the person nor one of
    /// their coaches: the activity and its status are shown, not its answers.
    pub answers_withheld: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextStep {
    /// No enrolment: nothing to do until a referral is accepted.
    NotEnrolled,
    /// Read and accept the consent text.
    Consent,
    /// This activity comes next.
    Activity(Uuid),
    /// Everything of the current phase is done: the coach moves the bilan on.
    WaitForCoach,
    /// Every activity is done.
    Finished,
}

#[derive(Debug, Clone)]
pub struct JourneyView {
    pub person: Person,
    pub enrolment: Option<Enrolment>,
    pub consent: Option<Consent>,
    pub activities: Vec<ActivityView>,
    pub minutes_done: u32,
    pub cap_minutes: u32,
    pub next: NextStep,
}

#[derive(Debug, Clone)]
pub struct ActivityDetail {
    pub person_id: Uuid,
    pub view: ActivityView,
    pub instrument: Instrument,
    pub answers: BTreeMap<String, RawAnswer>,
    /// The person may answer (their own file, consent given, phase open, not done).
    pub can_answer: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankedChoice {
    pub id: String,
    pub label: Text,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FormFact {
    pub field: String,
    pub label: Text,
    /// The stored value, and its labels for choices.
    pub value: String,
    pub shown: Vec<Text>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Likert(LikertResult),
    Ranking {
        ranked: Vec<RankedChoice>,
    },
    Form {
        facts: Vec<FormFact>,
        /// ROME work-context codes the person's restrictions exclude.
        excluded_contexts: Vec<String>,
    },
    Experiences(ExperiencesOutcome),
}

/// A job the person has held: a ROME appellation and its fiche.
#[derive(Debug, Clone, Serialize)]
pub struct JobExperience {
    pub code: u32,
    pub label: String,
    pub code_rome: String,
    pub fiche_label: String,
}

/// A skill proposed from the person's jobs and life experiences, and what they said.
#[derive(Debug, Clone, Serialize)]
pub struct ProposedSkill {
    pub code: u32,
    pub label: String,
    /// The jobs and experiences it comes from.
    pub sources: Vec<Text>,
    /// Yes, no, or not said yet.
    pub confirmed: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExperiencesOutcome {
    pub jobs: Vec<JobExperience>,
    pub life: Vec<Text>,
    pub skills: Vec<ProposedSkill>,
}

impl ExperiencesOutcome {
    pub fn confirmed(&self) -> impl Iterator<Item = &ProposedSkill> {
        self.skills.iter().filter(|s| s.confirmed == Some(true))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScaleChange {
    pub scale: String,
    pub reading: ChangeReading,
    /// Where the spread and reliability came from: "cohort" or "provisional".
    pub basis: &'static str,
}

#[derive(Debug, Clone)]
pub struct ResultView {
    pub detail: ActivityDetail,
    pub outcome: Outcome,
    /// For an end taking: the change since the start, per scale.
    pub changes: Vec<ScaleChange>,
}

/// Reliability of one scale over a programme's completed takings.
#[derive(Debug, Clone, Serialize)]
pub struct ScaleReliability {
    pub instrument_id: String,
    pub instrument_version: u32,
    pub title: Text,
    pub scale: String,
    pub label: Text,
    pub n: usize,
    pub alpha: Option<f64>,
    /// Alpha under 0.70 or fewer than 30 people.
    pub warning: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved,
    /// The last question was answered: the activity is complete.
    Completed,
}

/// The plan agreed at consent: every occasion of every current instrument, due by phase.
pub(crate) fn plan(registry: &Registry, consent_at: i64) -> Vec<NewActivity> {
    let due = |phase: Phase| {
        consent_at
            + DAY_MS
                * match phase {
                    Phase::Referred | Phase::Preliminary => 10,
                    Phase::Investigation => 50,
                    Phase::Conclusions | Phase::FollowUp => 85,
                }
    };
    let mut out = Vec::new();
    for instrument in registry.current() {
        for occasion in &instrument.occasions {
            let phase = occasion.phase(instrument.phase);
            out.push(NewActivity {
                instrument_id: instrument.id.clone(),
                instrument_version: instrument.version,
                occasion: *occasion,
                phase,
                due_at: due(phase),
            });
        }
    }
    out
}

fn is_open(activity: &Activity, enrolment_phase: Phase) -> bool {
    activity.phase.step() <= enrolment_phase.step()
}

fn view(
    activity: Activity,
    instrument: &Instrument,
    answered: usize,
    enrolment: Option<&Enrolment>,
    now: i64,
) -> ActivityView {
    let open = enrolment.is_some_and(|e| is_open(&activity, e.phase));
    let status = if activity.completed_at.is_some() {
        ActivityStatus::Done
    } else if !open {
        ActivityStatus::Upcoming
    } else if answered > 0 {
        ActivityStatus::InProgress
    } else {
        ActivityStatus::Todo
    };
    ActivityView {
        overdue: status != ActivityStatus::Done
            && status != ActivityStatus::Upcoming
            && activity.due_at < now,
        title: instrument.title.clone(),
        minutes: instrument.minutes,
        questions: instrument.question_ids().len(),
        answered,
        status,
        activity,
        answers_withheld: false,
    }
}
