//! Opening a person's own space: an account on their file's address, and a sign-in
//! link by email.

use super::*;

/// How long the link that opens a person's space stays valid.
const PERSON_INVITATION_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

impl App {
    /// Opens the person's own space (a referred person starts without one): an account
    /// on the email of their file, no password, and a link by email that signs them in
    /// (valid 14 days; afterwards they ask for a new one at /connexion).
    pub async fn invite_person(&self, actor: &Actor, person_id: Uuid) -> Result<(), AppError> {
        let person = self
            .authorize_person(
                actor,
                person_id,
                Action::ManageJourney,
                audit_action::INVITE_DENIED,
            )
            .await?;
        if person.user_id.is_some() {
            return Err(AppError::invalid("invitation", "has_account"));
        }
        let Some(email) = person
            .email
            .as_deref()
            .and_then(|e| parcours_domain::Email::parse(e).ok())
        else {
            return Err(AppError::invalid("invitation", "no_email"));
        };
        // The same answer whether the address has an account or not: an existing account
        // is asked by email to accept the personal space (hashed either way, for time).
        let existing = accounts::find_user_by_email(self.db(), &email).await?;
        let scope = actor.tenant();
        // Nobody knows this password: the person signs in with links until they set one.
        let hash = self.hash_password(&crate::random_token()).await?;
        let now = self.now();
        let name = format!("{} {}", person.first_name, person.last_name);
        let txn = self.change(actor).await?;
        if let Some(existing) = existing {
            let invitation = accounts::MembershipInvitation {
                tenant_id: scope.id(),
                user_id: existing.id,
                organisation_id: scope.id(),
                role: Role::Beneficiary,
                person_id: Some(person.id),
            };
            self.invite_existing_account(&txn, scope, &invitation, actor.user_id, now)
                .await?;
        } else {
            let user = accounts::insert_user(&txn, &email, &name, &hash, now).await?;
            accounts::insert_membership(&txn, user, scope.id(), Role::Beneficiary, now).await?;
            if !people::attach_user(&txn, scope, person.id, user, now).await? {
                return Err(AppError::invalid("invitation", "has_account"));
            }
            let token = self
                .issue_sign_in_link(&txn, user, PERSON_INVITATION_TTL_MS, now)
                .await?;
            txn.queue(
                &PersonInvitation {
                    user_id: user,
                    token,
                },
                now,
            )
            .await?;
        }
        txn.commit(Audit::of(audit_action::PERSON_INVITED, person.id))
            .await?;
        Ok(())
    }
}
