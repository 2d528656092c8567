//! Handing a person's follow-up over to another coach, with the history kept.

use super::*;

impl App {
    /// Hands the person's current enrolment to another coach of the organisation; the
    /// history keeps who did it, when and why.
    pub async fn transfer_caseload(
        &self,
        actor: &Actor,
        person_id: Uuid,
        to_coach: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::TransferCaseload,
                audit_action::TRANSFER_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let to: Uuid = to_coach
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("coach", "required"))?;
        if !coaches_of(self.db(), scope)
            .await?
            .iter()
            .any(|(id, _)| *id == to)
        {
            return Err(AppError::invalid("coach", "unknown"));
        }
        let reason = reason.trim();
        if reason.chars().count() > MAX_TRANSFER_REASON {
            return Err(AppError::invalid("reason", "too_long"));
        }
        let Some(enrolment) = people::current_enrolment(self.db(), scope, person.id).await? else {
            return Err(AppError::invalid("coach", "no_enrolment"));
        };
        if enrolment.coach_id == Some(to) {
            return Err(AppError::invalid("coach", "same"));
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        transfers::transfer(
            &txn,
            scope,
            NewTransfer {
                enrolment_id: enrolment.id,
                person_id: person.id,
                from_coach: enrolment.coach_id,
                to_coach: to,
                by_user: actor.user_id,
                reason: (!reason.is_empty()).then_some(reason),
            },
            now,
        )
        .await?;
        txn.commit(Audit::of(audit_action::TRANSFERRED, person.id))
            .await?;
        Ok(())
    }
}
