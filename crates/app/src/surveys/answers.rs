//! The person's answers, through their link (no account): landed as outcome facts.

use super::*;

impl App {
    async fn survey_of(&self, token: &str) -> Result<Survey, AppError> {
        surveys::unscoped::by_token_hash(self.db(), &digest(token))
            .await?
            .ok_or(AppError::NotFound)
    }

    pub async fn survey_form(&self, token: &str) -> Result<SurveyView, AppError> {
        let survey = self.survey_of(token).await?;
        let scope = TenantScope::of(survey.tenant_id);
        let questions = if asks_satisfaction(&survey.point) {
            self.programme_questions(self.db(), scope, survey.programme_id)
                .await?
                .into_iter()
                .filter(|q| q.active)
                .collect()
        } else {
            Vec::new()
        };
        Ok(SurveyView {
            operator: accounts::find_organisation(self.db(), scope.id())
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
            answered: survey.answered_at.is_some(),
            point: survey.point,
            questions,
        })
    }

    /// The person's answer: their situation as a fact, and their satisfaction. Once.
    pub async fn answer_survey(
        &self,
        token: &str,
        situation: &OutcomeInput,
        answers: &HashMap<String, String>,
    ) -> Result<(), AppError> {
        let survey = self.survey_of(token).await?;
        if survey.answered_at.is_some() {
            return Err(AppError::invalid("survey", "answered"));
        }
        let scope = TenantScope::of(survey.tenant_id);
        let enrolment = people::enrolments_of_person(self.db(), scope, survey.person_id)
            .await?
            .into_iter()
            .find(|e| e.id == survey.enrolment_id)
            .ok_or(AppError::NotFound)?;
        // At exit the status stays the one recorded (finished or dropped).
        let status = if survey.point == "exit" && enrolment.status == "dropped" {
            "dropped"
        } else {
            "finished"
        };
        let input = OutcomeInput {
            point: survey.point.clone(),
            status: status.to_owned(),
            drop_reason: if status == "dropped" && situation.drop_reason.trim().is_empty() {
                "—".to_owned()
            } else {
                situation.drop_reason.clone()
            },
            ..situation.clone()
        };
        let mut errors: Vec<FieldError> = match input.check() {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| FieldError {
                    field: p.field,
                    code: p.code,
                })
                .collect(),
        };
        let questions = if asks_satisfaction(&survey.point) {
            self.programme_questions(self.db(), scope, survey.programme_id)
                .await?
                .into_iter()
                .filter(|q| q.active)
                .collect()
        } else {
            Vec::new()
        };
        let mut given = Vec::new();
        for q in &questions {
            let raw = answers.get(&q.id.to_string()).map_or("", |s| s.trim());
            match (q.kind.as_str(), raw) {
                (_, "") => {}
                ("agree", r) => match r.parse::<i32>() {
                    Ok(n) if (1..=4).contains(&n) => given.push((q.id, Some(n), None)),
                    _ => errors.push(FieldError {
                        field: "satisfaction",
                        code: "invalid",
                    }),
                },
                (_, text) if text.chars().count() > MAX_TEXT_ANSWER => errors.push(FieldError {
                    field: "satisfaction",
                    code: "too_long",
                }),
                (_, text) => given.push((q.id, None, Some(text.to_owned()))),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let checked = input
            .check()
            .map_err(|_| AppError::invalid("situation", "required"))?;
        let now = self.now();
        // The stand-in reason that let a dropped participant's answer pass the check
        // is not kept: the reason recorded at exit stays the one.
        let fact = OutcomeFact {
            drop_reason: None,
            drop_reason_code: None,
            ..crate::outcome_facts::fact_of(checked, "survey")
        };
        // The person answers through their link: nobody signed in.
        let txn = self.change_in(scope, None).await?;
        if !surveys::mark_answered(&*txn, scope, survey.id, now).await? {
            return Err(AppError::invalid("survey", "answered"));
        }
        // At exit, the person's own answer adds a fact; the status and the coach's exit
        // facts on the enrolment stay (only a coach's exit changes them).
        let point_for_log = if survey.point == "exit" {
            "exit_survey"
        } else {
            survey.point.as_str()
        };
        outcomes::record(
            &*txn,
            scope,
            survey.enrolment_id,
            survey.person_id,
            &OutcomeFact {
                point: point_for_log.to_owned(),
                ..fact
            },
            None,
            None,
            now,
        )
        .await?;
        for (question, rating, text) in given {
            surveys::insert_answer(
                &*txn,
                scope,
                survey.id,
                survey.programme_id,
                question,
                rating,
                text.as_deref(),
                now,
            )
            .await?;
        }
        txn.commit(Audit::of(audit_action::ANSWERED, survey.person_id))
            .await?;
        self.forget_reports().await;
        Ok(())
    }
}
