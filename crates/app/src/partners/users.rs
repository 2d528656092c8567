//! A partner organisation's users as the operator's administrator manages them from
//! `/partenaires/{id}`: listed with their last sign-in and pending invitations, invited
//! by email in the role the organisation's kind gives. Built on the staff invitation
//! use cases (one path to open an account), so the answer never tells whether the
//! address already had an account.

use parcours_db::repo::programme_admin::{self, Partner};
use parcours_domain::Role;
use uuid::Uuid;

use super::role_for_kind;
use crate::auth::Actor;
use crate::staff::{StaffAccount, StaffInvite, role_code};
use crate::{App, AppError};

/// One partner organisation with the accounts the operator invited or manages there.
#[derive(Debug, Clone)]
pub struct PartnerUsers {
    pub partner: Partner,
    /// The role its users get.
    pub role: Role,
    /// The operator's accounts in the organisation, by name (pending ones included).
    pub accounts: Vec<StaffAccount>,
}

/// An invitation typed on the partner's page.
#[derive(Debug, Clone, Default)]
pub struct PartnerInvite {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

impl App {
    /// A partner of the operator and its users, as this operator knows them (another
    /// operator's accounts in the same organisation are not listed). Administrators
    /// only; another operator's organisation, or none, answers not found.
    pub async fn partner_users(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
    ) -> Result<PartnerUsers, AppError> {
        Self::administering(actor)?;
        let Some(partner) =
            programme_admin::find_partner(self.db(), actor.tenant(), organisation_id).await?
        else {
            return Err(AppError::NotFound);
        };
        let Some(role) = role_for_kind(partner.kind) else {
            return Err(AppError::NotFound);
        };
        let accounts = self
            .staff_accounts(actor)
            .await?
            .into_iter()
            .filter(|a| a.organisation_id == partner.id)
            .collect();
        Ok(PartnerUsers {
            partner,
            role,
            accounts,
        })
    }

    /// Invites a user of the partner, in the role its kind gives, through the staff
    /// invitation (the same answer for a new, an invited or an existing address).
    pub async fn invite_partner_user(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        input: &PartnerInvite,
    ) -> Result<Uuid, AppError> {
        let users = self.partner_users(actor, organisation_id).await?;
        self.invite_staff(
            actor,
            &StaffInvite {
                email: input.email.clone(),
                first_name: input.first_name.clone(),
                last_name: input.last_name.clone(),
                role: role_code(users.role).to_owned(),
                organisation_id: Some(users.partner.id),
            },
        )
        .await
    }

    /// The account, if it is one of the operator's in this partner organisation.
    async fn partner_account(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        account_id: Uuid,
    ) -> Result<StaffAccount, AppError> {
        self.partner_users(actor, organisation_id)
            .await?
            .accounts
            .into_iter()
            .find(|a| a.id == account_id)
            .ok_or(AppError::NotFound)
    }

    /// Sends a partner user's pending invitation again, with a new link.
    pub async fn resend_partner_invitation(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        account_id: Uuid,
    ) -> Result<(), AppError> {
        let account = self
            .partner_account(actor, organisation_id, account_id)
            .await?;
        self.resend_staff_invitation(actor, account.id).await
    }

    /// Cancels a partner user's pending invitation.
    pub async fn cancel_partner_invitation(
        &self,
        actor: &Actor,
        organisation_id: Uuid,
        account_id: Uuid,
    ) -> Result<(), AppError> {
        let account = self
            .partner_account(actor, organisation_id, account_id)
            .await?;
        self.cancel_staff_invitation(actor, account.id).await
    }
}
