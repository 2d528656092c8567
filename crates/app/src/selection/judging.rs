//! Who came, the evaluation grids of the simulations, and the committee's decisions.

use parcours_db::repo::selection::{self, Decision};
use parcours_domain::selection::{
    Attendance, CommitteeDecision, EventKind, MAX_REASONS, grid_scores,
};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, text_field};

use super::*;

impl App {
    pub async fn record_event_attendance(
        &self,
        actor: &Actor,
        event_id: Uuid,
        person: Uuid,
        attendance: &str,
    ) -> Result<(), AppError> {
        let event = self.event_of(actor, event_id).await?;
        let attendance: Attendance = attendance
            .parse()
            .map_err(|_| AppError::invalid("attendance", "required"))?;
        let txn = self.change(actor).await?;
        let now = txn.at();
        if !selection::set_attendance(
            &*txn,
            actor.tenant(),
            event.id,
            person,
            attendance,
            actor.user_id,
            now,
        )
        .await?
        {
            return Err(AppError::NotFound);
        }
        txn.commit(Audit::of(audit_action::ATTENDANCE, person))
            .await?;
        Ok(())
    }

    /// The reader's evaluation grid for a person at a simulation.
    pub async fn evaluate(
        &self,
        actor: &Actor,
        event_id: Uuid,
        person: Uuid,
        values: &[(String, String)],
        comment: &str,
    ) -> Result<(), AppError> {
        let event = self.event_of(actor, event_id).await?;
        if event.kind != EventKind::InterviewSimulation {
            return Err(AppError::invalid("event", "not_a_simulation"));
        }
        let scope = actor.tenant();
        let invited = selection::invitations(self.db(), scope)
            .await?
            .iter()
            .any(|i| i.event_id == event.id && i.person_id == person);
        if !invited {
            return Err(AppError::NotFound);
        }
        let scores = grid_scores(values).map_err(|_| AppError::invalid("grid", "incomplete"))?;
        let comment = comment.trim();
        if comment.chars().count() > MAX_REASONS {
            return Err(AppError::invalid("comment", "too_long"));
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        selection::save_evaluation(
            &*txn,
            scope,
            event.id,
            person,
            actor.user_id,
            &scores,
            (!comment.is_empty()).then_some(comment),
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::EVALUATED, person))
            .await?;
        Ok(())
    }

    /// The committee's decision for a candidate, with its reasons (required).
    pub async fn committee_decide(
        &self,
        actor: &Actor,
        person: Uuid,
        decision: &str,
        reasons: &str,
    ) -> Result<(), AppError> {
        let view = self.selection(actor).await?;
        let Some(candidate) = view.candidates.iter().find(|c| c.person_id == person) else {
            return Err(AppError::NotFound);
        };
        let mut errors = Vec::new();
        let decision = decision.parse::<CommitteeDecision>().ok();
        if decision.is_none() {
            errors.push(crate::FieldError {
                field: "decision",
                code: "required",
            });
        }
        let reasons = text_field("reasons", reasons, MAX_REASONS)
            .map_err(|e| errors.push(e))
            .ok();
        let (Some(decision), Some(reasons)) = (decision, reasons) else {
            return Err(AppError::Invalid(errors));
        };
        let txn = self.change(actor).await?;
        let now = txn.at();
        selection::insert_decision(
            &*txn,
            actor.tenant(),
            &Decision {
                person_id: person,
                programme_id: candidate.programme_id,
                decision,
                reasons,
                decided_by: actor.user_id,
                decided_at: now,
            },
        )
        .await?;
        txn.commit(Audit::of(audit_action::DECIDED, person)).await?;
        Ok(())
    }
}
