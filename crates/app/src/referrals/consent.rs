//! The person's consent that their referrer sees the step they are at.

use super::*;

impl App {
    /// The person agrees (or no longer agrees) that the referrer who sent them sees the
    /// step they are at, never their results.
    pub async fn set_milestones_consent(
        &self,
        actor: &Actor,
        person_id: Uuid,
        give: bool,
    ) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::AnswerActivities,
                crate::people::audit_action::PERSON_WRITE_DENIED,
            )
            .await?;
        let scope = actor.tenant();
        let now = self.now();
        let txn = self.change(actor).await?;
        let standing =
            journey::current_consent(&*txn, scope, person.id, MILESTONES_CONSENT_SCOPE).await?;
        let done = match (give, standing) {
            (true, None) => {
                journey::record_consent(
                    &*txn,
                    scope,
                    person.id,
                    MILESTONES_CONSENT_SCOPE,
                    MILESTONES_CONSENT_TEXT_VERSION,
                    actor.user_id,
                    now,
                )
                .await?;
                audit_action::MILESTONES_GIVEN
            }
            (false, Some(_)) => {
                journey::withdraw_consent(&*txn, scope, person.id, MILESTONES_CONSENT_SCOPE, now)
                    .await?;
                audit_action::MILESTONES_WITHDRAWN
            }
            // Already as asked: nothing written, the change is dropped.
            _ => return Ok(()),
        };
        txn.commit(Audit::of(done, person.id)).await?;
        Ok(())
    }

    /// Whether the person lets their referrer see their steps (None: nobody referred them).
    pub async fn milestones_consent(
        &self,
        actor: &Actor,
        person_id: Uuid,
    ) -> Result<Option<bool>, AppError> {
        let scope = actor.tenant();
        let referred = people::current_enrolment(self.db(), scope, person_id)
            .await?
            .is_some_and(|e| e.referrer_id.is_some());
        if !referred {
            return Ok(None);
        }
        Ok(Some(
            journey::current_consent(self.db(), scope, person_id, MILESTONES_CONSENT_SCOPE)
                .await?
                .is_some(),
        ))
    }
}
