//! Inviting an account: a link by email to choose a password (valid a week), resent
//! or cancelled while pending. The answer never tells whether the address already
//! had an account or an invitation.

use parcours_db::is_unique_violation;
use parcours_db::repo::installation::accounts::{self, MembershipInvitation};
use parcours_db::repo::installation::security::{self, LinkPurpose};
use parcours_domain::{Email, Role};

use super::*;
use crate::auth::{LoginError, NewSession, check_new_password};
use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::{Bookkeeping, Change};
use crate::{digest, random_token};

/// How long the link to choose a password works.
pub const STAFF_INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
const MAX_NAME_CHARS: usize = 80;

/// An invitation as typed in the form, the CSV file or the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffInvite {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// `coach`, `manager`, `admin`, or a partner's `referrer`, `funder`, `employer`.
    pub role: String,
    /// The operator itself when empty (staff roles); a partner organisation of the
    /// operator for the partner roles.
    pub organisation_id: Option<Uuid>,
}

/// An invitation whose fields passed their rules.
#[derive(Debug, Clone)]
pub(crate) struct CheckedInvite {
    email: Email,
    display_name: String,
    role: Role,
    organisation_id: Uuid,
}

#[derive(askama::Template)]
#[template(path = "email/staff_invitation.txt")]
struct StaffInvitationEmail<'a> {
    operator: &'a str,
    role_fr: &'a str,
    role_en: &'a str,
    link: &'a str,
}

fn role_names(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Coach => ("conseiller ou conseillère", "coach"),
        Role::ProgrammeManager => ("responsable de programme", "programme manager"),
        Role::Admin => ("administrateur ou administratrice", "administrator"),
        Role::Referrer => ("prescripteur", "referrer"),
        Role::Funder => ("financeur", "funder"),
        Role::Employer => ("entreprise", "employer"),
        Role::Beneficiary => ("espace personnel", "personal space"),
        Role::HostAdmin => ("administrateur de l'hébergement", "host administrator"),
    }
}

impl App {
    /// Checks one invitation's fields (each refusal names its field).
    pub(crate) async fn check_invite(
        &self,
        actor: &Actor,
        input: &StaffInvite,
    ) -> Result<CheckedInvite, Vec<FieldError>> {
        let mut errors = Vec::new();
        let email = Email::parse(input.email.trim()).ok();
        if input.email.trim().is_empty() {
            push_err(&mut errors, "email", "required");
        } else if email.is_none() {
            push_err(&mut errors, "email", "invalid");
        }
        let first = crate::text_field("first_name", &input.first_name, MAX_NAME_CHARS)
            .map_err(|e| errors.push(e))
            .ok();
        let last = crate::text_field("last_name", &input.last_name, MAX_NAME_CHARS)
            .map_err(|e| errors.push(e))
            .ok();
        let role = if input.role.trim().is_empty() {
            push_err(&mut errors, "role", "required");
            None
        } else {
            let role = parse_role(&input.role);
            if role.is_none() {
                push_err(&mut errors, "role", "invalid");
            }
            role
        };
        let scope = actor.tenant();
        let organisation_id = match role {
            Some(role) if is_staff_role(role) => match input.organisation_id {
                None => Some(scope.id()),
                Some(id) if id == scope.id() => Some(id),
                Some(_) => {
                    push_err(&mut errors, "organisation_id", "invalid");
                    None
                }
            },
            Some(role) => {
                // A failed read refuses the organisation (fails closed); the invitation
                // answers with the field, and nothing is written.
                let partners = self
                    .partner_organisations_of(scope)
                    .await
                    .unwrap_or_default();
                match input.organisation_id {
                    Some(id)
                        if partners
                            .iter()
                            .any(|o| o.id == id && o.kind.partner_role() == Some(role)) =>
                    {
                        Some(id)
                    }
                    Some(_) => {
                        push_err(&mut errors, "organisation_id", "invalid");
                        None
                    }
                    None => {
                        push_err(&mut errors, "organisation_id", "required");
                        None
                    }
                }
            }
            None => None,
        };
        match (email, first, last, role, organisation_id) {
            (Some(email), Some(first), Some(last), Some(role), Some(organisation_id))
                if errors.is_empty() =>
            {
                Ok(CheckedInvite {
                    email,
                    display_name: format!("{first} {last}"),
                    role,
                    organisation_id,
                })
            }
            _ => Err(errors),
        }
    }

    /// Invites one account; the answer (an id for the API) is the same whether the
    /// address is new, already invited or already has an account.
    pub async fn invite_staff(&self, actor: &Actor, input: &StaffInvite) -> Result<Uuid, AppError> {
        Self::administering(actor)?;
        let checked = self
            .check_invite(actor, input)
            .await
            .map_err(AppError::Invalid)?;
        // Hashed whichever path is taken, so that the time of the answer does not tell.
        let hash = self.hash_password(&random_token()).await?;
        let txn = self.change(actor).await?;
        match self.invite_in(&txn, actor, &checked, &hash).await {
            Ok(id) => {
                txn.commit(Audit::tenant(audit_action::INVITED)).await?;
                Ok(id)
            }
            // Invited at the same moment by another request: that one stands.
            Err(AppError::Database(e)) if is_unique_violation(&e) => Ok(Uuid::now_v7()),
            Err(e) => Err(e),
        }
    }

    /// In the caller's change: opens the account (or asks its owner to join, or sends
    /// the pending invitation again). Returns the new account's id, or a fresh id that
    /// names nothing when no account was opened (the answer must look the same).
    pub(crate) async fn invite_in(
        &self,
        txn: &Change,
        actor: &Actor,
        invite: &CheckedInvite,
        hash: &str,
    ) -> Result<Uuid, AppError> {
        let scope = actor.tenant();
        let now = txn.at();
        let Some(existing) = accounts::find_user_by_email(&**txn, &invite.email).await? else {
            let user =
                accounts::insert_user(&**txn, &invite.email, &invite.display_name, hash, now)
                    .await?;
            // A partner's user works in this operator's context (see `partners`).
            let membership = if invite.organisation_id == scope.id() {
                accounts::insert_membership(&**txn, user, invite.organisation_id, invite.role, now)
                    .await?
            } else {
                accounts::insert_partner_membership(
                    &**txn,
                    user,
                    invite.organisation_id,
                    invite.role,
                    scope.id(),
                    now,
                )
                .await?
            };
            staff::mark_invited(&**txn, scope, membership, actor.user_id, now).await?;
            self.queue_staff_link(txn, user, invite.role).await?;
            return Ok(membership);
        };
        let mine = staff::accounts_of(&**txn, scope)
            .await?
            .into_iter()
            .find(|a| a.user_id == existing.id);
        match mine {
            // Still waiting: the same invitation goes again, with a new link.
            Some(account) if account.pending() => {
                staff::mark_invited(&**txn, scope, account.id, actor.user_id, now).await?;
                self.queue_staff_link(txn, existing.id, account.role)
                    .await?;
            }
            // Already one of the operator's accounts: nothing to send.
            Some(_) => {}
            // An account elsewhere: its owner is asked to accept joining.
            None => {
                let invitation = MembershipInvitation {
                    tenant_id: scope.id(),
                    user_id: existing.id,
                    organisation_id: invite.organisation_id,
                    role: invite.role,
                    person_id: None,
                };
                self.invite_existing_account(&**txn, scope, &invitation, actor.user_id, now)
                    .await?;
            }
        }
        Ok(Uuid::now_v7())
    }

    /// A new link to choose a password (the previous one stops working), emailed by
    /// the job queue once the change commits.
    pub(crate) async fn queue_staff_link(
        &self,
        txn: &Change,
        user: Uuid,
        role: Role,
    ) -> Result<(), AppError> {
        let now = txn.at();
        security::revoke_links(&**txn, user, &[LinkPurpose::Invitation], now).await?;
        let token = self
            .issue_sign_in_link(&**txn, user, STAFF_INVITATION_TTL_MS, now)
            .await?;
        txn.queue(
            &StaffInvitation {
                user_id: user,
                role,
                token,
            },
            now,
        )
        .await?;
        Ok(())
    }

    /// Sends a pending invitation again, with a new link.
    pub async fn resend_staff_invitation(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        let account = self.staff_account(actor, id).await?;
        if !account.pending() {
            return Err(AppError::invalid("invitation", "not_pending"));
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        staff::mark_invited(&*txn, actor.tenant(), account.id, actor.user_id, now).await?;
        self.queue_staff_link(&txn, account.user_id, account.role)
            .await?;
        txn.commit(Audit::tenant(audit_action::INVITATION_RESENT))
            .await?;
        Ok(())
    }

    /// Cancels a pending invitation: its link stops working and the account it opened
    /// goes (nobody ever signed in with it).
    pub async fn cancel_staff_invitation(&self, actor: &Actor, id: Uuid) -> Result<(), AppError> {
        let account = self.staff_account(actor, id).await?;
        if !account.pending() {
            return Err(AppError::invalid("invitation", "not_pending"));
        }
        let txn = self.change(actor).await?;
        let now = txn.at();
        if !staff::delete_unused_membership(&*txn, actor.tenant(), account.id).await? {
            return Err(AppError::invalid("invitation", "not_pending"));
        }
        // The user row stays (it may be someone's elsewhere); with no membership left
        // here, its links open nothing here.
        security::revoke_links(&*txn, account.user_id, &[LinkPurpose::Invitation], now).await?;
        txn.commit(Audit::tenant(audit_action::INVITATION_CANCELLED))
            .await?;
        Ok(())
    }

    /// The invitation email (run by the job queue).
    pub(crate) async fn send_staff_invitation(
        &self,
        scope: TenantScope,
        job: &StaffInvitation,
    ) -> Result<(), AppError> {
        let Some(user) = accounts::find_user(self.db(), job.user_id).await? else {
            return Ok(());
        };
        let operator = accounts::find_organisation(self.db(), scope.id())
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let link = format!("{}/invitation/{}", self.config().base_url, job.token);
        let (role_fr, role_en) = role_names(job.role);
        self.send_mail(
            Some(scope),
            OutgoingMail {
                to: &user.email,
                subject: "Parcours : votre compte vous attend",
                body: mail::body(&StaffInvitationEmail {
                    operator: &operator,
                    role_fr,
                    role_en,
                    link: &link,
                })?,
                calendar: None,
            },
        )
        .await
    }

    /// True when an invitation link can still choose a password.
    pub async fn staff_invitation_usable(&self, token: &str) -> Result<bool, AppError> {
        Ok(security::find_usable_reset(
            self.db(),
            &digest(token),
            &[LinkPurpose::Invitation],
            self.now(),
        )
        .await?
        .is_some())
    }

    /// The invited person chooses their password: the link is used up and they are
    /// signed in.
    pub async fn accept_staff_invitation(
        &self,
        token: &str,
        password: &str,
    ) -> Result<NewSession, LoginError> {
        check_new_password(password)?;
        let now = self.now();
        let token_hash = digest(token);
        let purpose = [LinkPurpose::Invitation];
        let Some(user_id) =
            security::find_usable_reset(self.db(), &token_hash, &purpose, now).await?
        else {
            return Err(LoginError::InvalidCredentials);
        };
        let hash = self.hash_password(password).await?;
        // The invitee's own password and session: nobody's file, like a reset.
        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        if !security::consume_reset(&txn, &token_hash, &purpose, now).await? {
            return Err(LoginError::InvalidCredentials);
        }
        accounts::set_password_hash(&txn, user_id, &hash).await?;
        let session = self.open_session(&txn, user_id, now).await?;
        txn.commit().await?;
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_codes_read_back() {
        for role in [
            Role::Coach,
            Role::ProgrammeManager,
            Role::Admin,
            Role::Referrer,
            Role::Funder,
            Role::Employer,
        ] {
            assert_eq!(parse_role(role_code(role)), Some(role));
        }
        assert_eq!(parse_role(" Manager "), Some(Role::ProgrammeManager));
        assert_eq!(parse_role("beneficiary"), None);
        assert_eq!(parse_role("chef"), None);
    }

    #[test]
    fn the_invitation_email_carries_its_link_in_both_languages() {
        let body = mail::body(&StaffInvitationEmail {
            operator: "Horizon",
            role_fr: "responsable de programme",
            role_en: "programme manager",
            link: "https://x/invitation/abc",
        })
        .unwrap();
        assert_eq!(body.matches("https://x/invitation/abc").count(), 2);
        assert!(body.contains("Horizon vous ouvre un compte"));
        assert!(body.contains("(programme manager)"));
    }
}
