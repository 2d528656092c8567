//! One activity: reading it with its answers, and saving answers (checked against the
//! instrument, all or nothing), with the answer quality kept when a questionnaire ends.

use std::collections::BTreeMap;

use parcours_db::repo::bilan::{self as repo, Activity};
use parcours_db::repo::people;
use parcours_domain::instrument::{
    AnswerError, FieldType, Instrument, JOB_PREFIX, Kind, SKILL_PREFIX,
};
use parcours_domain::scoring::{self, RawAnswer};
use parcours_domain::{Action, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::{Person, relation_to};
use crate::unit_of_work::Audit;
use crate::{App, AppError};

use super::*;

impl App {
    /// One activity with its instrument and the answers so far.
    pub async fn activity(
        &self,
        actor: &Actor,
        activity_id: Uuid,
    ) -> Result<ActivityDetail, AppError> {
        let scope = actor.tenant();
        let Some(activity) = repo::find_activity(self.db(), scope, activity_id).await? else {
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
            repo::answers_of_activity(self.db(), scope, activity.id)
                .await?
                .into_iter()
                .map(|a| (a.item.clone(), a))
                .collect();
        let consent = repo::current_consent(self.db(), scope, person.id, CONSENT_SCOPE)
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
            // A form (the constraints) states facts that change with life: it stays
            // open after completion, unlike a questionnaire whose scores are kept.
            && (view.status != ActivityStatus::Done || instrument.kind == Kind::Form);
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
        let Some(activity) = repo::find_activity(self.db(), scope, activity_id).await? else {
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
        repo::save_answers(&*txn, scope, activity_id, &to_save, now).await?;
        repo::delete_answers(&*txn, scope, activity_id, &to_delete).await?;
        let done = complete
            || (instrument.kind == Kind::Likert && answered_after >= instrument.items.len());
        // Editing a completed form keeps its completion date: it is a change, not a
        // second completion.
        let already_done = detail.view.status == ActivityStatus::Done;
        repo::mark_activity(
            &*txn,
            scope,
            activity_id,
            detail.view.activity.started_at.is_none().then_some(now),
            (done && !already_done).then_some(Some(now)),
        )
        .await?;
        if done && instrument.kind == Kind::Likert {
            record_quality(&*txn, scope, instrument, activity_id).await?;
        }
        repo::touch_enrolment(&*txn, scope, detail.view.activity.enrolment_id, now).await?;
        let action = if done && !already_done {
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
}

/// Scores the answer quality of a finished questionnaire and keeps the flags with the
/// activity, for the caseload's "answers to look at" warning.
pub(crate) async fn record_quality(
    conn: &impl parcours_db::ConnectionTrait,
    scope: parcours_db::TenantScope,
    instrument: &Instrument,
    activity_id: Uuid,
) -> Result<(), AppError> {
    let answers = repo::answers_of_activity(conn, scope, activity_id).await?;
    let flags: Vec<&str> = scoring::quality_flags(instrument.items.len(), &answers)
        .into_iter()
        .map(|f| f.code())
        .collect();
    repo::set_quality_flags(conn, scope, activity_id, &flags.join(",")).await?;
    Ok(())
}
