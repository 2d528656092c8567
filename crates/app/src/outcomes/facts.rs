//! A person's exit and follow-up facts: read, and recorded by their coach.

use super::*;
use crate::outcome_facts::fact_of;

impl App {
    pub async fn person_outcomes(
        &self,
        actor: &crate::auth::Actor,
        person_id: Uuid,
    ) -> Result<PersonOutcomes, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                parcours_domain::Action::ReadPersonFile,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let relation = crate::people::relation_to(actor, &person);
        let scope = actor.tenant();
        let enrolment =
            parcours_db::repo::people::current_enrolment(self.db(), scope, person.id).await?;
        let facts = match &enrolment {
            Some(e) => outcomes::of_enrolment(self.db(), scope, e.id).await?,
            None => Vec::new(),
        };
        let exit_on = match &enrolment {
            Some(e) => outcomes::ended_on(self.db(), scope, e.id).await?,
            None => None,
        };
        let recorded_by = crate::workspace::user_names(
            self.db(),
            facts.iter().filter_map(|f| f.recorded_by).collect(),
        )
        .await?;
        self.record(actor, Audit::of(audit_action::READ, person.id))
            .await?;
        Ok(PersonOutcomes {
            is_self: relation.is_self,
            can_record: parcours_domain::allows(
                actor.role,
                parcours_domain::Action::ManageJourney,
                relation,
            ),
            status: enrolment.map(|e| e.status),
            exit_on,
            facts,
            recorded_by,
            person,
        })
    }

    /// The coach (or manager) records the situation at exit or at a follow-up point;
    /// at exit the participant's status follows.
    pub async fn record_outcome(
        &self,
        actor: &crate::auth::Actor,
        person_id: Uuid,
        input: &parcours_domain::outcome::OutcomeInput,
    ) -> Result<Uuid, AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                parcours_domain::Action::ManageJourney,
                audit_action::ACCESS_DENIED,
            )
            .await?;
        let checked = input.check().map_err(|problems| {
            AppError::Invalid(
                problems
                    .iter()
                    .map(|p| crate::FieldError {
                        field: p.field,
                        code: p.code,
                    })
                    .collect(),
            )
        })?;
        let scope = actor.tenant();
        let Some(enrolment) =
            parcours_db::repo::people::current_enrolment(self.db(), scope, person.id).await?
        else {
            return Err(AppError::invalid("point", "no_enrolment"));
        };
        let now = self.now();
        let today = time::OffsetDateTime::now_utc().date();
        let at_exit = checked.point == parcours_domain::outcome::FollowUpPoint::Exit;
        // The exit may be recorded late: the day given, never in the future nor
        // before the person entered the programme.
        let ended = checked
            .ended_on
            .as_deref()
            .and_then(iso_date)
            .unwrap_or(today);
        if at_exit && ended > today {
            return Err(AppError::invalid("ended_on", "future"));
        }
        let entered = time::OffsetDateTime::from_unix_timestamp(enrolment.entered_at / 1000)
            .map(time::OffsetDateTime::date)
            .ok();
        if at_exit && entered.is_some_and(|e| ended < e) {
            return Err(AppError::invalid("ended_on", "before_entry"));
        }
        // A follow-up point opens some time after the exit (+3 months from 75 days,
        // +6 from 150, +12 from 330): refused before, with the first day it may be
        // recorded (see `earliest_follow_up`).
        if !at_exit {
            let exit = outcomes::ended_on(self.db(), scope, enrolment.id)
                .await?
                .as_deref()
                .and_then(iso_date);
            match exit.and_then(|e| checked.point.earliest(e)) {
                None => return Err(AppError::invalid("point", "no_exit")),
                Some(earliest) if today < earliest => {
                    return Err(AppError::invalid("point", "too_early"));
                }
                Some(_) => {}
            }
        }
        let ended_on = ended.to_string();
        let fact = fact_of(checked, "coach");
        let txn = self.change(actor).await?;
        let id = outcomes::record(
            &*txn,
            scope,
            enrolment.id,
            person.id,
            &fact,
            Some(&ended_on),
            Some(actor.user_id),
            now,
        )
        .await?;
        if at_exit {
            self.schedule_surveys(&*txn, scope, &enrolment, date_ms(ended), now)
                .await?;
        }
        txn.commit(Audit::of(audit_action::RECORDED, person.id))
            .await?;
        self.forget_reports().await;
        Ok(id)
    }
}
