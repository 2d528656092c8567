//! The "pistes": occupations proposed from what the bilan revealed, with the reasons
//! and cautions of the recommendation engine. The person keeps some in a shortlist and
//! turns others down (the ranking then leaves them out); the coach sees the scores and
//! can pin a piste, including one the engine did not propose.

use std::collections::BTreeMap;

use parcours_catalog::recommend::{
    self, HealthLimit, Hours, Intent, Profile, Qualification, Recommendation, ScheduleLimit,
    Training, Travel, TravelMode, WEIGHTS_VERSION, Weights,
};
use parcours_db::repo::journey;
use parcours_db::repo::pistes::{self, PisteChoice};
use parcours_domain::instrument::{Kind, Text};
use parcours_domain::{Action, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::bilan::{self as bilan_use_cases, Outcome};
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError};

/// How many pistes the person is shown.
pub const PISTES_SHOWN: usize = 40;
/// Longest reason for turning a piste down.
pub const MAX_REASON: usize = 500;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const PISTES_READ: AuditAction = AuditAction::PistesRead;
    pub const PISTE_CHANGED: AuditAction = AuditAction::PistesChanged;
    pub const ACCESS_DENIED: AuditAction = AuditAction::PistesAccessDenied;
}

#[derive(Debug, Clone)]
pub struct Piste {
    pub recommendation: Recommendation,
    pub choice: PisteChoice,
    /// Not among the engine's proposals: pinned by the coach.
    pub added: bool,
}

#[derive(Debug, Clone)]
pub struct PistesView {
    pub person: Person,
    pub is_self: bool,
    /// Staff may see the scores and pin pistes.
    pub can_pin: bool,
    pub catalog_version: Option<String>,
    pub weights_version: &'static str,
    /// The activities the profile was built from, and those still missing.
    pub based_on: Vec<Text>,
    pub missing: Vec<Text>,
    pub pistes: Vec<Piste>,
    /// Pistes the person turned down: (code, label, reason).
    pub rejected: Vec<(String, String, String)>,
    /// No activity answered yet: no pistes, invite the person to start instead.
    pub needs_answers: bool,
    /// For the coach: how the list was built (flat RIASEC profile…) and the answers a
    /// new reference release no longer knows (to ask again).
    pub coach_notes: Vec<String>,
}

/// What someone does to a piste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PisteOp {
    Shortlist,
    Unshortlist,
    Reject { reason: String },
    Unreject,
    Pin,
    Unpin,
}

impl PisteOp {
    pub fn parse(op: &str, reason: &str) -> Option<Self> {
        Some(match op {
            "shortlist" => PisteOp::Shortlist,
            "unshortlist" => PisteOp::Unshortlist,
            "reject" => PisteOp::Reject {
                reason: reason.trim().to_owned(),
            },
            "unreject" => PisteOp::Unreject,
            "pin" => PisteOp::Pin,
            "unpin" => PisteOp::Unpin,
            _ => return None,
        })
    }

    /// Only the person keeps or turns down; staff pin.
    fn action(&self) -> Action {
        match self {
            PisteOp::Pin | PisteOp::Unpin => Action::ManageJourney,
            _ => Action::AnswerActivities,
        }
    }
}

impl App {
    /// The recommendation profile drawn from the person's completed activities (and
    /// their answers so far to the experiences and constraints), with which activities
    /// informed it.
    pub async fn bilan_profile(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<(Profile, Vec<Text>, Vec<Text>), AppError> {
        let scope = actor.tenant();
        let mut profile = Profile::default();
        let mut based_on = Vec::new();
        let mut missing = Vec::new();
        let catalog = self.catalog();
        let activities = journey::activities_of_person(self.db(), scope, person_id).await?;
        let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
        let mut all_answers = journey::answers_of_activities(self.db(), scope, &ids).await?;
        for activity in activities {
            let Some(instrument) =
                self.instrument(&activity.instrument_id, activity.instrument_version)
            else {
                continue;
            };
            if !matches!(
                instrument.id.as_str(),
                "riasec" | "centres_interet" | "experiences" | "constraints" | "values"
            ) {
                continue;
            }
            let answers = all_answers.remove(&activity.id).unwrap_or_default();
            let usable = activity.completed_at.is_some()
                || (instrument.kind != Kind::Likert && !answers.is_empty());
            if !usable {
                missing.push(instrument.title.clone());
                continue;
            }
            based_on.push(instrument.title.clone());
            match bilan_use_cases::outcome(&instrument, &answers, catalog.as_deref()) {
                Outcome::Likert(result) if instrument.reference_items.is_some() => {
                    for (item, value) in result.ranked_items {
                        profile
                            .interests
                            .insert(item, u8::try_from(value).unwrap_or(3));
                    }
                }
                Outcome::Likert(result) => {
                    for scale in result.scales {
                        if let Some(score) = scale.score {
                            profile.riasec.insert(scale.scale, score);
                        }
                    }
                }
                Outcome::Experiences(e) => {
                    profile.experiences = e.jobs.iter().map(|j| j.code.to_string()).collect();
                    profile.skills = e.confirmed().map(|s| s.code.to_string()).collect();
                }
                Outcome::Form { facts, .. } => {
                    // The v2 keys replace the form's raw context lists, which removed a
                    // fiche for a condition found in some posts only.
                    let fields: BTreeMap<String, String> =
                        facts.into_iter().map(|f| (f.field, f.value)).collect();
                    apply_constraints(&mut profile, &fields);
                }
                Outcome::Ranking { ranked } => {
                    profile.values = ranked.into_iter().map(|c| c.id).collect();
                }
            }
        }
        Ok((profile, based_on, missing))
    }

    /// The person's pistes as the reader may see them.
    pub async fn pistes(&self, actor: &Actor, person_id: Uuid) -> Result<PistesView, AppError> {
        let person = self
            .read_person(
                actor,
                person_id,
                audit_action::PISTES_READ,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let relation = relation_to(actor, &person);
        let is_self = relation.is_self;
        let can_pin = allows(actor.role, Action::ManageJourney, relation);
        let choices: BTreeMap<String, PisteChoice> =
            pistes::choices_of_person(self.db(), scope, person.id)
                .await?
                .into_iter()
                .map(|c| (c.code_rome.clone(), c))
                .collect();
        let (mut profile, based_on, missing) = self.bilan_profile(actor, person.id).await?;
        let Some(catalog) = self.catalog() else {
            let needs_answers = based_on.is_empty();
            return Ok(PistesView {
                person,
                is_self,
                can_pin,
                catalog_version: None,
                weights_version: WEIGHTS_VERSION,
                based_on,
                missing,
                pistes: Vec::new(),
                rejected: Vec::new(),
                needs_answers,
                coach_notes: Vec::new(),
            });
        };
        profile.rejected = choices
            .values()
            .filter(|c| c.rejected_reason.is_some() && catalog.fiche(&c.code_rome).is_some())
            .map(|c| c.code_rome.clone())
            .collect();
        let weights = Weights::default();
        // Stored answers were checked when given; a reference release that dropped a
        // code since is the one thing that can fail here: those answers are taken out
        // and named to the coach, never dropped silently.
        let mut coach_notes = profile.fit_to(&catalog, &BTreeMap::new());
        let prepared = match profile.prepare(&catalog, &weights) {
            Ok(p) => p,
            Err(errors) => {
                tracing::warn!(
                    count = errors.len(),
                    "bilan profile does not fit the catalog"
                );
                coach_notes.extend(errors.iter().map(|e| format!("{e} (réponse à revoir)")));
                Profile {
                    rejected: profile.rejected.clone(),
                    ..Profile::default()
                }
                .prepare(&catalog, &weights)
                .map_err(|_| AppError::Internal("empty profile refused".into()))?
            }
        };
        coach_notes.extend(prepared.notes_fr().into_iter().map(str::to_owned));
        let needs_answers = !prepared.has_answers();
        let ranked = recommend::rank(&catalog, &prepared, &weights, PISTES_SHOWN);
        let mut list: Vec<Piste> = Vec::new();
        // The coach's pins and the person's shortlist come first, then the proposals.
        for choice in choices.values().filter(|c| c.pinned || c.shortlisted) {
            if choice.rejected_reason.is_some() {
                continue;
            }
            if let Some(recommendation) =
                recommend::explain_fiche(&catalog, &prepared, &weights, &choice.code_rome)
            {
                list.push(Piste {
                    added: !ranked.iter().any(|r| r.code_rome == choice.code_rome),
                    recommendation,
                    choice: choice.clone(),
                });
            }
        }
        for recommendation in ranked {
            if list
                .iter()
                .any(|p| p.recommendation.code_rome == recommendation.code_rome)
            {
                continue;
            }
            let choice = choices
                .get(&recommendation.code_rome)
                .cloned()
                .unwrap_or_default();
            list.push(Piste {
                recommendation,
                choice,
                added: false,
            });
        }
        let rejected = choices
            .values()
            .filter_map(|c| {
                let reason = c.rejected_reason.clone()?;
                let label = catalog.fiche(&c.code_rome)?.label.clone();
                Some((c.code_rome.clone(), label, reason))
            })
            .collect();
        Ok(PistesView {
            person,
            is_self,
            can_pin,
            catalog_version: Some(catalog.version.number.clone()),
            weights_version: WEIGHTS_VERSION,
            based_on,
            missing,
            pistes: list,
            rejected,
            needs_answers,
            coach_notes,
        })
    }

    /// Keeps, turns down, pins or unpins one piste.
    pub async fn change_piste(
        &self,
        actor: &Actor,
        person_id: Uuid,
        code: &str,
        op: &PisteOp,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(actor, person_id, op.action(), audit_action::ACCESS_DENIED)
            .await?;
        let code = code.trim().to_ascii_uppercase();
        if self.catalog().is_none_or(|c| c.fiche(&code).is_none()) {
            return Err(AppError::invalid("code", "unknown"));
        }
        if let PisteOp::Reject { reason } = op
            && reason.chars().count() > MAX_REASON
        {
            return Err(AppError::invalid("reason", "too_long"));
        }
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let mut choice = pistes::choices_of_person(&txn, scope, person.id)
            .await?
            .into_iter()
            .find(|c| c.code_rome == code)
            .unwrap_or_else(|| PisteChoice {
                code_rome: code.clone(),
                ..PisteChoice::default()
            });
        match op {
            PisteOp::Shortlist => {
                choice.shortlisted = true;
                choice.rejected_reason = None;
            }
            PisteOp::Unshortlist => choice.shortlisted = false,
            PisteOp::Reject { reason } => {
                choice.rejected_reason = Some(reason.clone());
                choice.shortlisted = false;
            }
            PisteOp::Unreject => choice.rejected_reason = None,
            PisteOp::Pin => choice.pinned = true,
            PisteOp::Unpin => choice.pinned = false,
        }
        choice.updated_at = now;
        pistes::save_choice(&txn, scope, person.id, &choice, actor.user_id).await?;
        txn.commit(Audit::of(audit_action::PISTE_CHANGED, person.id))
            .await?;
        Ok(())
    }
}

/// Maps the constraints form's answers (field id → raw value, multi-choice values
/// comma-separated) onto the profile v2 keys. Choices with no v2 counterpart (on-call
/// duty, cold) keep their ROME context as a hard exclusion.
fn apply_constraints(profile: &mut Profile, fields: &BTreeMap<String, String>) {
    let picked = |id: &str| -> Vec<&str> {
        fields
            .get(id)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Some(code) = fields.get("home_commune") {
        profile.home_commune = Some(code.clone());
    }
    profile.max_commute_km = fields.get("max_commute_km").and_then(|v| v.parse().ok());
    profile.max_training = fields.get("training").and_then(|v| {
        [
            Training::None,
            Training::Short,
            Training::OneYear,
            Training::More,
        ]
        .into_iter()
        .find(|t| t.code() == v)
    });
    profile.qualification = fields.get("qualification").and_then(|v| match v.as_str() {
        "none" => Some(Qualification::None),
        "cap" | "cap_bep" => Some(Qualification::CapBep),
        "bac" => Some(Qualification::Bac),
        "bac2" => Some(Qualification::Bac2),
        "bac3" | "bac3plus" => Some(Qualification::Bac3),
        "bac5" => Some(Qualification::Bac5),
        _ => None,
    });
    profile.intent = fields.get("intent").and_then(|v| match v.as_str() {
        "change" => Some(Intent::Change),
        "stay" => Some(Intent::Stay),
        "open" => Some(Intent::Open),
        _ => None,
    });
    profile.hours = fields
        .get("part_time")
        .or_else(|| fields.get("working_time"))
        .and_then(|v| match v.as_str() {
            "full" | "full_time" => Some(Hours::FullTime),
            "part" | "part_time" => Some(Hours::PartTime),
            "either" | "any" => Some(Hours::Any),
            _ => None,
        });
    profile.driving_licence = fields.get("licence").and_then(|v| match v.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    });
    let mut extra_contexts: Vec<String> = Vec::new();
    for id in picked("hours") {
        match id {
            "nights" => profile.schedule_limits.push(ScheduleLimit::Nights),
            "weekends" => profile.schedule_limits.push(ScheduleLimit::Weekends),
            "shifts" => profile.schedule_limits.push(ScheduleLimit::Shifts),
            "on_call" => extra_contexts.push("300804".into()),
            _ => {}
        }
    }
    for id in picked("health") {
        let limit = match id {
            "heavy_loads" => HealthLimit::HeavyLoads,
            "standing" => HealthLimit::Standing,
            "painful_posture" | "bending_kneeling" => HealthLimit::BendingKneeling,
            "heights" => HealthLimit::Heights,
            "outdoors" => HealthLimit::Outdoors,
            "chemicals_dust" => HealthLimit::ChemicalsDust,
            "driving" => HealthLimit::Driving,
            "noise" => HealthLimit::Noise,
            "repetitive" | "repetitive_gestures" => HealthLimit::RepetitiveGestures,
            "cold" => {
                extra_contexts.push("300787".into());
                continue;
            }
            _ => continue,
        };
        profile.health_limits.push(limit);
    }
    profile.excluded_contexts = extra_contexts;
    // The fastest way the person can travel, for the time they accept.
    let minutes = fields
        .get("max_commute_minutes")
        .and_then(|v| v.parse::<u32>().ok());
    let modes = picked("transport");
    let mode = [
        ("car", TravelMode::Car),
        ("two_wheels", TravelMode::Car),
        ("public", TravelMode::PublicTransport),
        ("public_transport", TravelMode::PublicTransport),
        ("bike", TravelMode::Bike),
        ("walk", TravelMode::Walk),
    ]
    .into_iter()
    .find(|(id, _)| modes.contains(id))
    .map(|(_, m)| m);
    profile.travel = match (mode, minutes) {
        (Some(mode), Some(max_minutes)) => Some(Travel { mode, max_minutes }),
        _ => None,
    };
}

#[cfg(test)]
mod tests {
    use parcours_catalog::recommend::VALUES;
    use parcours_domain::instrument::Registry;

    #[test]
    fn every_work_value_of_the_ranking_is_known_to_the_engine() {
        let registry = Registry::shipped().unwrap();
        let options: Vec<String> = registry
            .get("values", 1)
            .and_then(|v| v.ranking.clone())
            .unwrap()
            .options
            .into_iter()
            .map(|o| o.id)
            .collect();
        let mut engine: Vec<String> = VALUES.iter().map(|(id, _, _)| (*id).to_owned()).collect();
        let mut options_sorted = options.clone();
        engine.sort();
        options_sorted.sort();
        assert_eq!(engine, options_sorted);
    }

    #[test]
    fn the_constraints_form_maps_to_the_profile_v2_keys() {
        use std::collections::BTreeMap;

        use parcours_catalog::recommend::{
            HealthLimit, Hours, Profile, Qualification, ScheduleLimit, TravelMode,
        };
        let fields: BTreeMap<String, String> = [
            ("hours", "nights,weekends,on_call"),
            ("health", "heavy_loads,painful_posture,cold"),
            ("licence", "no"),
            ("transport", "walk,public"),
            ("max_commute_minutes", "45"),
            ("part_time", "part"),
            ("qualification", "bac3plus"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut profile = Profile::default();
        super::apply_constraints(&mut profile, &fields);
        assert_eq!(
            profile.schedule_limits,
            vec![ScheduleLimit::Nights, ScheduleLimit::Weekends]
        );
        assert_eq!(
            profile.health_limits,
            vec![HealthLimit::HeavyLoads, HealthLimit::BendingKneeling]
        );
        assert_eq!(profile.excluded_contexts, vec!["300804", "300787"]);
        assert_eq!(profile.driving_licence, Some(false));
        assert_eq!(profile.hours, Some(Hours::PartTime));
        assert_eq!(profile.qualification, Some(Qualification::Bac3));
        let travel = profile.travel.unwrap();
        assert_eq!(
            (travel.mode, travel.max_minutes),
            (TravelMode::PublicTransport, 45)
        );
    }
}
