//! A person's journey: its view, the consent that opens the activity plan, and moving
//! to the next phase.

use parcours_db::repo::bilan::{self as repo};
use parcours_db::repo::people;
use parcours_domain::instrument::{Instrument, Text};
use parcours_domain::{Action, Phase, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::people::relation_with_coaching;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

use super::*;

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
        let consent = repo::current_consent(self.db(), scope, person.id, CONSENT_SCOPE).await?;
        let activities = repo::activities_of_person(self.db(), scope, person.id).await?;
        let ids: Vec<Uuid> = activities.iter().map(|a| a.id).collect();
        let answers = repo::answers_of_activities(self.db(), scope, &ids).await?;
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
        if repo::current_consent(&*txn, scope, person.id, CONSENT_SCOPE)
            .await?
            .is_some()
        {
            return Ok(());
        }
        repo::record_consent(
            &*txn,
            scope,
            person.id,
            CONSENT_SCOPE,
            CONSENT_TEXT_VERSION,
            actor.user_id,
            now,
        )
        .await?;
        if repo::activities_of_person(&*txn, scope, person.id)
            .await?
            .is_empty()
        {
            let activities = plan(self.instruments(), now);
            repo::insert_activities(&*txn, scope, person.id, enrolment.id, &activities, now)
                .await?;
        }
        if enrolment.phase == Phase::Referred {
            repo::set_phase(&*txn, scope, enrolment.id, Phase::Preliminary, now).await?;
        }
        txn.commit(Audit::of(audit_action::CONSENT_GIVEN, person.id))
            .await?;
        Ok(())
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
            && repo::current_consent(&*txn, scope, person.id, CONSENT_SCOPE)
                .await?
                .is_none()
        {
            return Err(AppError::invalid("phase", "consent_required"));
        }
        repo::set_phase(&*txn, scope, enrolment.id, next, now).await?;
        txn.commit(Audit::of(audit_action::PHASE_CHANGED, person.id))
            .await?;
        Ok(next)
    }
}
