//! The person's consent that their referrer sees the step they are at.

use super::*;
use crate::people::PersonConsent;

impl App {
    /// The person agrees (or no longer agrees) that the referrer who sent them sees the
    /// step they are at, never their results.
    pub async fn set_milestones_consent(
        &self,
        actor: &Actor,
        person_id: Uuid,
        give: bool,
    ) -> Result<(), AppError> {
        self.set_person_consent(
            actor,
            person_id,
            give,
            &PersonConsent {
                name: MILESTONES_CONSENT_SCOPE,
                text_version: MILESTONES_CONSENT_TEXT_VERSION,
                denied: crate::people::audit_action::PERSON_WRITE_DENIED,
                given: audit_action::MILESTONES_GIVEN,
                withdrawn: audit_action::MILESTONES_WITHDRAWN,
            },
        )
        .await
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
