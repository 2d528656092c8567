//! The beneficiary's bilan: consent, the activity plan across the three legal phases,
//! answers saved one by one, and results recomputed from the raw answers each time.

use std::collections::BTreeMap;
use std::sync::Arc;

use parcours_catalog::Catalog;
use parcours_db::repo::journey::{self, Activity, Consent, NewActivity};
use parcours_db::TenantScope;
use parcours_db::repo::people;
use parcours_domain::instrument::{
    AnswerError, FieldType, Instrument, JOB_PREFIX, Kind, LIFE_PREFIX, Occasion, Registry,
    SKILL_PREFIX, Text,
};
use parcours_domain::scoring::{self, ChangeReading, LikertResult, RawAnswer};
use parcours_domain::{Action, Phase, Relation, allows};
use serde::Serialize;
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::{Enrolment, Person, relation_to, relation_with_coaching};
use crate::unit_of_work::Audit;
use crate::{App, AppError};

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

impl App {
    /// An instrument version with its reference items filled in (centres d'intérêt).
    pub fn instrument(&self, id: &str, version: u32) -> Option<Instrument> {
        let instrument = self.instruments().get(id, version)?.clone();
        match instrument.reference_items.as_deref() {
            Some("rome_centres_interet") => {
                let catalog = self.catalog()?;
                let items = catalog.centres_interet.iter().map(|c| {
                    // The reference statements exist in French only.
                    (
                        c.code.to_string(),
                        Text::new(c.label.clone(), c.label.clone()),
                    )
                });
                Some(instrument.with_reference_items(items))
            }
            Some(_) => None,
            None => Some(instrument),
        }
    }

    /// The signed-in person's own id, if they have a file.
    pub async fn own_person_id(&self, actor: &Actor) -> Result<Option<Uuid>, AppError> {
        Ok(
            people::find_person_of_user(self.db(), actor.tenant(), actor.user_id)
                .await?
                .map(|p| p.id),
        )
    }

    /// A person's journey: consent, activities with status, bilan time, what comes next.
    pub async fn journey(&self, actor: &Actor, person_id: Uuid) -> Result<JourneyView, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        self.record(actor, Audit::of(audit_action::JOURNEY_READ, person.id))
            .await?;
        let enrolment = people::current_enrolment(self.db(), scope, person.id).await?;
        let consent = journey::current_consent(self.db(), scope, person.id, CONSENT_SCOPE).await?;
        let activities = journey::activities_of_person(self.db(), scope, person.id).await?;
        let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
        let answers = journey::answers_of_activities(self.db(), scope, &ids).await?;
        let health_visible = allows(
            actor.role,
            Action::ReadHealthAnswers,
            relation_with_coaching(self.db(), actor, &person).await?,
        );
        let mut views = Vec::with_capacity(activities.len());
        for activity in activities {
            let Some(instrument) =
                self.instrument(&activity.instrument_id, activity.instrument_version)
            else {
                continue;
            };
            let answered = answers.get(&activity.id).map_or(0, Vec::len);
            let mut shown = view(activity, &instrument, answered, enrolment.as_ref(), now);
            shown.answers_withheld = instrument.health && !health_visible;
            views.push(shown);
        }
        // Bilan time: the activities done and the sessions held with the coach.
        let sessions =
            parcours_db::repo::appointments::appointments_of_person(self.db(), scope, person.id)
                .await?;
        let minutes_done = (views
            .iter()
            .filter(|v| v.status == ActivityStatus::Done)
            .map(|v| v.minutes)
            .sum::<u32>()
            + crate::appointments::held_minutes(&sessions))
        .min(BILAN_CAP_MINUTES);
        let next = match (&enrolment, &consent) {
            (None, _) => NextStep::NotEnrolled,
            (Some(_), None) => NextStep::Consent,
            (Some(_), Some(_)) => {
                let open = views.iter().find(|v| {
                    matches!(v.status, ActivityStatus::InProgress | ActivityStatus::Todo)
                });
                match open {
                    Some(v) => NextStep::Activity(v.activity.id),
                    None if views.iter().all(|v| v.status == ActivityStatus::Done) => {
                        NextStep::Finished
                    }
                    None => NextStep::WaitForCoach,
                }
            }
        };
        Ok(JourneyView {
            person,
            enrolment,
            consent,
            activities: views,
            minutes_done,
            cap_minutes: BILAN_CAP_MINUTES,
            next,
        })
    }

    /// The person accepts the consent text: recorded with its version and time, the
    /// activity plan is created, and a referred person enters the preliminary phase.
    pub async fn give_consent(&self, actor: &Actor, person_id: Uuid) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::AnswerActivities,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let now = txn.at();
        let Some(enrolment) = people::current_enrolment(&*txn, scope, person.id).await? else {
            return Err(AppError::invalid("consent", "not_enrolled"));
        };
        if journey::current_consent(&*txn, scope, person.id, CONSENT_SCOPE)
            .await?
            .is_some()
        {
            return Ok(());
        }
        journey::record_consent(
            &*txn,
            scope,
            person.id,
            CONSENT_SCOPE,
            CONSENT_TEXT_VERSION,
            actor.user_id,
            now,
        )
        .await?;
        if journey::activities_of_person(&*txn, scope, person.id)
            .await?
            .is_empty()
        {
            let activities = plan(self.instruments(), now);
            journey::insert_activities(&*txn, scope, person.id, enrolment.id, &activities, now)
                .await?;
        }
        if enrolment.phase == Phase::Referred {
            journey::set_phase(&*txn, scope, enrolment.id, Phase::Preliminary, now).await?;
        }
        txn.commit(Audit::of(audit_action::CONSENT_GIVEN, person.id))
            .await?;
        Ok(())
    }

    /// One activity with its instrument and the answers so far.
    pub async fn activity(
        &self,
        actor: &Actor,
        activity_id: Uuid,
    ) -> Result<ActivityDetail, AppError> {
        let scope = actor.tenant();
        let Some(activity) = journey::find_activity(self.db(), scope, activity_id).await? else {
            return Err(AppError::NotFound);
        };
        let person = self
            .authorize_person(
                actor,
                activity.person_id,
                Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        // Answers that may hold health facts: the person and their coaches only; the
        // journey still shows the activity and its status to the rest of the staff.
        if self
            .instrument(&activity.instrument_id, activity.instrument_version)
            .is_some_and(|i| i.health)
        {
            self.authorize_person(
                actor,
                person.id,
                Action::ReadHealthAnswers,
                audit_action::HEALTH_ANSWERS_DENIED,
            )
            .await?;
        }
        let now = self.now();
        self.record(actor, Audit::of(audit_action::ACTIVITY_READ, person.id))
            .await?;
        self.detail(actor, &person, activity, now).await
    }

    async fn detail(
        &self,
        actor: &Actor,
        person: &Person,
        activity: Activity,
        now: i64,
    ) -> Result<ActivityDetail, AppError> {
        let scope = actor.tenant();
        let instrument = self
            .instrument(&activity.instrument_id, activity.instrument_version)
            .ok_or_else(|| {
                AppError::Internal(format!("instrument {} unavailable", activity.instrument_id))
            })?;
        let enrolment = people::enrolments_of_person(self.db(), scope, person.id)
            .await?
            .into_iter()
            .find(|e| e.id == activity.enrolment_id);
        let answers: BTreeMap<String, RawAnswer> =
            journey::answers_of_activity(self.db(), scope, activity.id)
                .await?
                .into_iter()
                .map(|a| (a.item.clone(), a))
                .collect();
        let consent = journey::current_consent(self.db(), scope, person.id, CONSENT_SCOPE)
            .await?
            .is_some();
        let view = view(
            activity,
            &instrument,
            answers.len(),
            enrolment.as_ref(),
            now,
        );
        let can_answer = allows(
            actor.role,
            Action::AnswerActivities,
            relation_to(actor, person),
        ) && consent
            && view.status != ActivityStatus::Upcoming
            && view.status != ActivityStatus::Done;
        Ok(ActivityDetail {
            person_id: person.id,
            view,
            instrument,
            answers,
            can_answer,
        })
    }

    /// Saves answers to an activity. All or nothing: one unknown item or out-of-range
    /// value and nothing is stored. A Likert activity completes with its last answer; a
    /// ranking or a form completes when saved whole (`complete`).
    pub async fn save_answers(
        &self,
        actor: &Actor,
        activity_id: Uuid,
        submitted: &[(String, String)],
        complete: bool,
    ) -> Result<SaveOutcome, AppError> {
        let scope = actor.tenant();
        let Some(activity) = journey::find_activity(self.db(), scope, activity_id).await? else {
            return Err(AppError::NotFound);
        };
        let person = self
            .authorize_person(
                actor,
                activity.person_id,
                Action::AnswerActivities,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let now = self.now();
        let detail = self.detail(actor, &person, activity, now).await?;
        if !detail.can_answer {
            let code = match detail.view.status {
                ActivityStatus::Done => "activity_done",
                ActivityStatus::Upcoming => "activity_upcoming",
                _ => "consent_required",
            };
            return Err(AppError::invalid("activity", code));
        }
        let instrument = &detail.instrument;
        let (to_save, to_delete) = self.check_answers(instrument, submitted, complete)?;
        let ids_after: std::collections::BTreeSet<&str> = {
            let mut ids: std::collections::BTreeSet<&str> =
                detail.answers.keys().map(String::as_str).collect();
            for (item, _) in &to_save {
                ids.insert(item);
            }
            for item in &to_delete {
                ids.remove(item.as_str());
            }
            ids
        };
        if let Some(spec) = &instrument.experiences {
            let jobs = ids_after
                .iter()
                .filter(|i| i.starts_with(JOB_PREFIX))
                .count();
            if jobs > spec.max_jobs {
                return Err(AppError::Answers(vec![AnswerError::TooMany {
                    item: "jobs".into(),
                    max: spec.max_jobs,
                }]));
            }
        }
        let answered_after = ids_after.len();
        let txn = self.change(actor).await?;
        journey::save_answers(&*txn, scope, activity_id, &to_save, now).await?;
        journey::delete_answers(&*txn, scope, activity_id, &to_delete).await?;
        let done = complete
            || (instrument.kind == Kind::Likert && answered_after >= instrument.items.len());
        journey::mark_activity(
            &*txn,
            scope,
            activity_id,
            detail.view.activity.started_at.is_none().then_some(now),
            done.then_some(Some(now)),
        )
        .await?;
        if done && instrument.kind == Kind::Likert {
            record_quality(&*txn, scope, instrument, activity_id).await?;
        }
        journey::touch_enrolment(&*txn, scope, detail.view.activity.enrolment_id, now).await?;
        let action = if done {
            audit_action::ACTIVITY_COMPLETED
        } else {
            audit_action::ANSWERS_SAVED
        };
        txn.commit(Audit::of(action, person.id)).await?;
        Ok(if done {
            SaveOutcome::Completed
        } else {
            SaveOutcome::Saved
        })
    }

    /// Validates submitted answers against the instrument; returns what to store and
    /// which optional answers were emptied.
    #[allow(clippy::type_complexity)]
    fn check_answers(
        &self,
        instrument: &Instrument,
        submitted: &[(String, String)],
        whole: bool,
    ) -> Result<(Vec<(String, String)>, Vec<String>), AppError> {
        let mut errors: Vec<AnswerError> = Vec::new();
        let mut save = Vec::new();
        let mut delete = Vec::new();
        match instrument.kind {
            Kind::Ranking if whole => {
                let map: BTreeMap<String, String> = submitted.iter().cloned().collect();
                match instrument.validate_ranking(&map) {
                    Ok(values) => {
                        for id in instrument.question_ids() {
                            match values.iter().find(|(item, _)| *item == id) {
                                Some((_, v)) => save.push((id, v.0.clone())),
                                None => delete.push(id),
                            }
                        }
                    }
                    Err(e) => errors.extend(e),
                }
            }
            _ => {
                for (item, value) in submitted {
                    let optional_empty = value.trim().is_empty()
                        && instrument.kind != Kind::Likert
                        && instrument.knows_item(item);
                    if optional_empty {
                        delete.push(item.clone());
                        continue;
                    }
                    let value = self.commune_code_for(instrument, item, value);
                    match instrument.validate(item, &value) {
                        Ok(v) => {
                            if let Some(field) = instrument.fields.iter().find(|f| f.id == *item)
                                && field.field_type == FieldType::Commune
                                && self
                                    .catalog()
                                    .is_some_and(|c| c.geo.commune(&v.0).is_none())
                            {
                                errors.push(AnswerError::UnknownChoice {
                                    item: item.clone(),
                                    value: v.0,
                                });
                                continue;
                            }
                            if let Err(e) = self.check_in_reference(item) {
                                errors.push(e);
                                continue;
                            }
                            save.push((item.clone(), v.0));
                        }
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        if errors.is_empty() {
            Ok((save, delete))
        } else {
            Err(AppError::Answers(errors))
        }
    }

    /// A past job must be a ROME appellation and a confirmed skill a ROME skill.
    fn check_in_reference(&self, item: &str) -> Result<(), AnswerError> {
        let Some(catalog) = self.catalog() else {
            return Ok(());
        };
        let code = |prefix: &str| {
            item.strip_prefix(prefix)
                .and_then(|c| c.parse::<u32>().ok())
        };
        let known = if let Some(c) = code(JOB_PREFIX) {
            catalog.appellation(c).is_some()
        } else if let Some(c) = code(SKILL_PREFIX) {
            catalog.items.contains_key(&c)
        } else {
            true
        };
        if known {
            Ok(())
        } else {
            Err(AnswerError::NotInReference {
                item: item.to_owned(),
                value: item.split(':').nth(1).unwrap_or_default().to_owned(),
            })
        }
    }

    /// A commune typed by name becomes its INSEE code when the name is unambiguous
    /// (the most populous commune of that exact name); anything else is left as typed.
    fn commune_code_for(&self, instrument: &Instrument, item: &str, value: &str) -> String {
        let is_commune = instrument
            .fields
            .iter()
            .any(|f| f.id == item && f.field_type == FieldType::Commune);
        let typed = value.trim();
        let looks_like_code = typed.len() == 5 && typed[2..].chars().all(|c| c.is_ascii_digit());
        if !is_commune || typed.is_empty() || looks_like_code {
            return value.to_owned();
        }
        let Some(catalog) = self.catalog() else {
            return value.to_owned();
        };
        let wanted = parcours_catalog::fold::fold(typed);
        catalog
            .geo
            .search(typed, 20)
            .into_iter()
            .filter(|hit| parcours_catalog::fold::fold(&hit.name) == wanted)
            .max_by_key(|hit| hit.population)
            .map_or_else(|| value.to_owned(), |hit| hit.code)
    }

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
        let activities = journey::activities_of_person(self.db(), scope, detail.person_id).await?;
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
        let start_answers = journey::answers_of_activity(self.db(), scope, start.id).await?;
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
                let takings = journey::completed_answers_in_programme(
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

    /// The coach or manager moves the bilan to its next phase.
    pub async fn advance_phase(&self, actor: &Actor, person_id: Uuid) -> Result<Phase, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let now = txn.at();
        let Some(enrolment) = people::current_enrolment(&*txn, scope, person.id).await? else {
            return Err(AppError::invalid("phase", "not_enrolled"));
        };
        let Some(next) = Phase::ALL.get(enrolment.phase.step()).copied() else {
            return Err(AppError::invalid("phase", "last_phase"));
        };
        if enrolment.phase == Phase::Referred
            && journey::current_consent(&*txn, scope, person.id, CONSENT_SCOPE)
                .await?
                .is_none()
        {
            return Err(AppError::invalid("phase", "consent_required"));
        }
        journey::set_phase(&*txn, scope, enrolment.id, next, now).await?;
        txn.commit(Audit::of(audit_action::PHASE_CHANGED, person.id))
            .await?;
        Ok(next)
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

/// The result of a taking, from its raw answers.
pub fn outcome(
    instrument: &Instrument,
    answers: &[RawAnswer],
    catalog: Option<&Catalog>,
) -> Outcome {
    let value = |id: &str| {
        answers
            .iter()
            .find(|a| a.item == id)
            .map(|a| a.value.clone())
    };
    match instrument.kind {
        Kind::Likert => Outcome::Likert(scoring::score_likert(instrument, answers)),
        Kind::Ranking => {
            let ranked = instrument
                .ranking
                .as_ref()
                .map(|r| {
                    (1..=r.pick)
                        .filter_map(|n| {
                            let id = value(&format!("rank{n}"))?;
                            let option = r.options.iter().find(|o| o.id == id)?;
                            Some(RankedChoice {
                                id,
                                label: option.label.clone(),
                                reason: value(&format!("reason{n}")).filter(|r| !r.is_empty()),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Outcome::Ranking { ranked }
        }
        Kind::Form => {
            let mut facts = Vec::new();
            let mut excluded = Vec::new();
            for field in &instrument.fields {
                let Some(v) = value(&field.id) else { continue };
                let shown = match &field.field_type {
                    FieldType::Choice { choices } | FieldType::Multi { choices } => {
                        let picked: Vec<&str> = v.split(',').collect();
                        choices
                            .iter()
                            .filter(|c| picked.contains(&c.id.as_str()))
                            .map(|c| {
                                excluded.extend(c.excludes_contexts.iter().cloned());
                                c.label.clone()
                            })
                            .collect()
                    }
                    FieldType::YesNo => vec![if v == "yes" {
                        Text::new("Oui", "Yes")
                    } else {
                        Text::new("Non", "No")
                    }],
                    FieldType::Number { unit, .. } => vec![Text::new(
                        format!("{v} {}", unit.fr),
                        format!("{v} {}", unit.en),
                    )],
                    FieldType::Commune => Vec::new(),
                };
                facts.push(FormFact {
                    field: field.id.clone(),
                    label: field.label.clone(),
                    value: v,
                    shown,
                });
            }
            excluded.sort();
            excluded.dedup();
            Outcome::Form {
                facts,
                excluded_contexts: excluded,
            }
        }
        Kind::Experiences => Outcome::Experiences(experiences(instrument, answers, catalog)),
    }
}

/// The jobs and life experiences a person listed, and the skills they suggest: each
/// job's core know-how, then each experience's skills, without repeats.
pub fn experiences(
    instrument: &Instrument,
    answers: &[RawAnswer],
    catalog: Option<&Catalog>,
) -> ExperiencesOutcome {
    let mut out = ExperiencesOutcome {
        jobs: Vec::new(),
        life: Vec::new(),
        skills: Vec::new(),
    };
    let (Some(spec), Some(catalog)) = (&instrument.experiences, catalog) else {
        return out;
    };
    let said: BTreeMap<u32, bool> = answers
        .iter()
        .filter_map(|a| {
            let code = a.item.strip_prefix(SKILL_PREFIX)?.parse().ok()?;
            Some((code, a.value == "yes"))
        })
        .collect();
    let mut propose = |code: u32, source: &Text| {
        if let Some(existing) = out.skills.iter_mut().find(|s| s.code == code) {
            if !existing.sources.contains(source) {
                existing.sources.push(source.clone());
            }
            return;
        }
        let Some(item) = catalog.items.get(&code) else {
            return;
        };
        out.skills.push(ProposedSkill {
            code,
            label: item.label.clone(),
            sources: vec![source.clone()],
            confirmed: said.get(&code).copied(),
        });
    };
    // Jobs in the order they were added.
    let mut jobs: Vec<&RawAnswer> = answers
        .iter()
        .filter(|a| a.item.starts_with(JOB_PREFIX))
        .collect();
    jobs.sort_by(|a, b| a.answered_at.cmp(&b.answered_at).then(a.item.cmp(&b.item)));
    for answer in jobs {
        let Some(code) = answer
            .item
            .strip_prefix(JOB_PREFIX)
            .and_then(|c| c.parse::<u32>().ok())
        else {
            continue;
        };
        let Some((appellation, fiche)) = catalog.appellation(code) else {
            continue;
        };
        let source = Text::new(appellation.label.clone(), appellation.label.clone());
        for skill in catalog.practised_skills(fiche, spec.skills_per_job) {
            propose(skill, &source);
        }
        out.jobs.push(JobExperience {
            code,
            label: appellation.label.clone(),
            code_rome: fiche.code.clone(),
            fiche_label: fiche.label.clone(),
        });
    }
    for life in &spec.life {
        if answers
            .iter()
            .any(|a| a.item.strip_prefix(LIFE_PREFIX) == Some(life.id.as_str()) && a.value == "yes")
        {
            for skill in &life.skills {
                propose(*skill, &life.label);
            }
            out.life.push(life.label.clone());
        }
    }
    out
}

/// Scores the answer quality of a finished questionnaire and keeps the flags with the
/// activity, for the caseload's "answers to look at" warning.
pub(crate) async fn record_quality(
    conn: &impl parcours_db::ConnectionTrait,
    scope: parcours_db::TenantScope,
    instrument: &Instrument,
    activity_id: Uuid,
) -> Result<(), AppError> {
    let answers = journey::answers_of_activity(conn, scope, activity_id).await?;
    let flags: Vec<&str> = scoring::quality_flags(instrument.items.len(), &answers)
        .into_iter()
        .map(|f| f.code())
        .collect();
    journey::set_quality_flags(conn, scope, activity_id, &flags.join(",")).await?;
    Ok(())
}
