//! An invitation to an address that already has an account (in this operator or in
//! another): the manager's answer is the same as for a new address, so an invitation
//! does not tell who has an account; the owner gets an email with a link to accept
//! joining the organisation in that role, and nothing is linked until they do.

use parcours_db::repo::installation::accounts::{self, MembershipInvitation};
use parcours_db::repo::{people, staff};
use parcours_db::{ConnectionTrait, TenantScope, is_unique_violation};
use parcours_domain::Role;
use uuid::Uuid;

use crate::jobs::{self, JoinInvitation};
use crate::mail::{self, OutgoingMail};
use crate::unit_of_work::Audit;
use crate::{App, AppError, digest, random_token};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const ACCEPTED: AuditAction = AuditAction::MembershipInvitationAccepted;
}

/// How long the owner of an account has to accept.
pub const JOIN_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

/// What the link offers, for the page that asks the owner to accept.
#[derive(Debug, Clone)]
pub struct JoinOffer {
    pub operator: String,
    pub organisation: String,
    pub role: Role,
}

#[derive(askama::Template)]
#[template(path = "email/join_invitation.txt")]
struct JoinInvitationEmail<'a> {
    fr: &'a str,
    en: &'a str,
    link: &'a str,
}

impl App {
    /// In the caller's transaction: stores the pending invitation and queues its email.
    pub(crate) async fn invite_existing_account(
        &self,
        conn: &impl ConnectionTrait,
        scope: TenantScope,
        invitation: &MembershipInvitation,
        invited_by: Uuid,
        now: i64,
    ) -> Result<(), AppError> {
        let token = random_token();
        accounts::insert_membership_invitation(
            conn,
            scope,
            &digest(&token),
            invitation,
            invited_by,
            now,
            now + JOIN_TTL_MS,
        )
        .await?;
        jobs::enqueue_job(
            conn,
            Some(scope),
            &JoinInvitation {
                user_id: invitation.user_id,
                token,
            },
            now,
            now,
        )
        .await?;
        Ok(())
    }

    /// What a join link offers; `NotFound` when it is unknown, used or expired.
    pub async fn join_offer(&self, token: &str) -> Result<JoinOffer, AppError> {
        let Some(invitation) =
            accounts::find_membership_invitation(self.db(), &digest(token), self.now()).await?
        else {
            return Err(AppError::NotFound);
        };
        let name_of = |id| async move {
            Ok::<_, AppError>(
                accounts::find_organisation(self.db(), id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default(),
            )
        };
        Ok(JoinOffer {
            operator: name_of(invitation.tenant_id).await?,
            organisation: name_of(invitation.organisation_id).await?,
            role: invitation.role,
        })
    }

    /// The owner accepts: the membership is added (and the person's file attached for
    /// a personal space), once.
    pub async fn accept_join(&self, token: &str) -> Result<(), AppError> {
        let now = self.now();
        let token_hash = digest(token);
        let Some(invitation) =
            accounts::find_membership_invitation(self.db(), &token_hash, now).await?
        else {
            return Err(AppError::NotFound);
        };
        let scope = TenantScope::of(invitation.tenant_id);
        let txn = self.change_in(scope, Some(invitation.user_id)).await?;
        if !accounts::consume_membership_invitation(&txn, &token_hash, now).await? {
            return Err(AppError::NotFound);
        }
        // A partner's user works with each operator through a membership of its own
        // (managed by that operator): the one it has with another operator stays apart.
        let partner = matches!(
            invitation.role,
            Role::Referrer | Role::Funder | Role::Employer
        ) && invitation.organisation_id != invitation.tenant_id;
        let already = accounts::memberships_of(&txn, invitation.user_id)
            .await?
            .iter()
            .any(|m| {
                m.organisation.id == invitation.organisation_id
                    && m.role == invitation.role
                    && (!partner || m.operator_id == Some(scope.id()))
            });
        if !already && partner {
            let membership = accounts::insert_partner_membership(
                &txn,
                invitation.user_id,
                invitation.organisation_id,
                invitation.role,
                scope.id(),
                now,
            )
            .await?;
            staff::adopt(&txn, scope, membership).await?;
        } else if !already {
            accounts::insert_membership(
                &txn,
                invitation.user_id,
                invitation.organisation_id,
                invitation.role,
                now,
            )
            .await?;
        }
        if let Some(person) = invitation.person_id {
            // One file per account, and a file that found its account meanwhile stays.
            match people::attach_user(&txn, scope, person, invitation.user_id, now).await {
                Ok(true) => {}
                Ok(false) => return Err(AppError::invalid("invitation", "has_account")),
                Err(e) if is_unique_violation(&e) => {
                    return Err(AppError::invalid("invitation", "has_account"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        txn.commit(Audit {
            action: audit_action::ACCEPTED,
            person: invitation.person_id,
        })
        .await?;
        Ok(())
    }

    /// The email that asks the owner of an account to accept.
    pub(crate) async fn send_join_invitation(&self, job: &JoinInvitation) -> Result<(), AppError> {
        let (user, token) = (job.user_id, &job.token);
        let Some(user) = accounts::find_user(self.db(), user).await? else {
            return Ok(());
        };
        let offer = match self.join_offer(token).await {
            Ok(offer) => offer,
            // Accepted or expired before the email left: nothing to send.
            Err(AppError::NotFound) => return Ok(()),
            Err(e) => return Err(e),
        };
        let link = format!("{}/rejoindre/{token}", self.config().base_url);
        let (fr, en) = if offer.role == Role::Beneficiary {
            (
                format!(
                    "{} vous ouvre un espace personnel dans son programme",
                    offer.operator
                ),
                format!(
                    "{} opens a personal space for you in its programme",
                    offer.operator
                ),
            )
        } else if offer.role == Role::Employer {
            (
                format!(
                    "{} vous invite à rejoindre l'espace entreprise de {}",
                    offer.operator, offer.organisation
                ),
                format!(
                    "{} invites you to join the employer space of {}",
                    offer.operator, offer.organisation
                ),
            )
        } else {
            // A referrer's or a funder's user: a space of its own with this operator.
            (
                format!(
                    "{} vous invite à travailler avec lui pour {}",
                    offer.operator, offer.organisation
                ),
                format!(
                    "{} invites you to work with it for {}",
                    offer.operator, offer.organisation
                ),
            )
        };
        self.send_mail(
            None,
            OutgoingMail {
                to: &user.email,
                subject: "Parcours : une invitation à accepter",
                body: mail::body(&JoinInvitationEmail {
                    fr: &fr,
                    en: &en,
                    link: &link,
                })?,
                calendar: None,
            },
        )
        .await
    }
}

#[cfg(test)]
mod email_tests {
    use super::*;

    #[test]
    fn the_invitation_renders_the_text_it_always_had() {
        let (fr, en, link) = ("A & B vous ouvre", "A & B opens", "https://x/rejoindre/t");
        assert_eq!(
            mail::body(&JoinInvitationEmail { fr, en, link }).unwrap(),
            format!(
                "Bonjour,\n\n{fr}, avec le compte Parcours que vous avez déjà. Rien ne change \
                 tant que vous n'acceptez pas. Pour accepter, ouvrez ce lien dans les 14 jours :\n{link}\n\
                 Si vous ne connaissez pas cette structure, ignorez ce message.\n\n--\nHello,\n\n{en}, \
                 with the Parcours account you already have. Nothing changes until you accept. To \
                 accept, open this link within 14 days:\n{link}\nIf you do not know this organisation, \
                 ignore this message.\n"
            )
        );
    }
}
