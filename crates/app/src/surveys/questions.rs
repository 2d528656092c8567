//! The programme's satisfaction questions: asked, edited by its manager, and their
//! figures.

use super::*;

impl App {
    /// The questions of a programme, the defaults written the first time.
    pub(crate) async fn programme_questions(
        &self,
        conn: &impl ConnectionTrait,
        scope: TenantScope,
        programme_id: Uuid,
    ) -> Result<Vec<Question>, AppError> {
        let existing = surveys::questions(conn, scope, programme_id).await?;
        if !existing.is_empty() {
            return Ok(existing);
        }
        let now = self.now();
        for (i, (text, kind)) in DEFAULT_QUESTIONS.iter().enumerate() {
            surveys::add_question(
                conn,
                scope,
                programme_id,
                i32::try_from(i).unwrap_or(0),
                text,
                kind,
                now,
            )
            .await?;
        }
        Ok(surveys::questions(conn, scope, programme_id).await?)
    }

    /// Satisfaction by question for a programme's results: the share who agree (3 or
    /// 4 of 4), hidden under the minimum cell; and the free-text answers.
    pub(crate) async fn satisfaction(
        &self,
        programme_id: Uuid,
        tenant: Uuid,
        min_cell: u64,
    ) -> Result<(Vec<SatisfactionFigure>, Vec<TextAnswers>), AppError> {
        let scope = TenantScope::of(tenant);
        let questions = self
            .programme_questions(self.db(), scope, programme_id)
            .await?;
        let answers = surveys::answers(self.db(), scope, programme_id).await?;
        let mut figures = Vec::new();
        let mut texts = Vec::new();
        for q in questions {
            let mine: Vec<&(Uuid, Option<i32>, Option<String>)> =
                answers.iter().filter(|(id, ..)| *id == q.id).collect();
            if mine.is_empty() && !q.active {
                continue;
            }
            let n = mine.len() as u64;
            let shown = n == 0 || n >= min_cell;
            if q.kind == "text" && shown {
                texts.push(TextAnswers {
                    question: q.text.clone(),
                    texts: mine.iter().filter_map(|(_, _, t)| t.clone()).collect(),
                });
            }
            let agree = mine
                .iter()
                .filter(|(_, r, _)| r.is_some_and(|r| r >= 3))
                .count() as f64;
            figures.push(SatisfactionFigure {
                agree_percent: (q.kind == "agree" && shown && n > 0)
                    .then(|| (agree * 1000.0 / n as f64).round() / 10.0),
                answers: if shown {
                    parcours_domain::outcome::ParticipantsFigure::Count(n)
                } else {
                    parcours_domain::outcome::ParticipantsFigure::Hidden { suppressed: true }
                },
                question: q.text,
                kind: q.kind,
            });
        }
        Ok((figures, texts))
    }

    /// The manager adds a satisfaction question or stops asking one.
    pub async fn edit_survey_questions(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
        add: Option<(&str, &str)>,
        retire: Option<Uuid>,
        follow_up_m12: Option<bool>,
    ) -> Result<(), AppError> {
        let view = self.programme_report(actor, programme_id).await?;
        if !view.can_configure {
            return Err(AppError::Forbidden);
        }
        let scope = TenantScope::of(view.programme.tenant_id);
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let existing = self.programme_questions(&*txn, scope, programme_id).await?;
        if let Some((text, kind)) = add {
            let text =
                crate::text_field("question", text, 300).map_err(|e| AppError::Invalid(vec![e]))?;
            if !matches!(kind, "agree" | "text") {
                return Err(AppError::invalid("kind", "required"));
            }
            let position = existing.iter().map(|q| q.position).max().unwrap_or(0) + 1;
            surveys::add_question(&*txn, scope, programme_id, position, &text, kind, txn.at())
                .await?;
        }
        if let Some(id) = retire
            && !surveys::retire_question(&*txn, scope, programme_id, id).await?
        {
            return Err(AppError::NotFound);
        }
        if let Some(on) = follow_up_m12 {
            surveys::set_follow_up_m12(&*txn, scope, programme_id, on).await?;
        }
        txn.commit(Audit::tenant(audit_action::QUESTIONS_EDITED))
            .await?;
        Ok(())
    }
}
