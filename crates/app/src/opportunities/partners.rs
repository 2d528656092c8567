//! The manager's side: the operator's partner employers, and opening an employer's
//! light account.

use parcours_db::repo::installation::accounts;
use parcours_db::repo::opportunities::{self, Opportunity};
use parcours_domain::{Action, Relation, Role, allows};

use crate::auth::Actor;
use crate::jobs::EmployerInvitation;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError, random_token};

use super::*;

impl App {
    pub(super) fn managing(actor: &Actor) -> Result<(), AppError> {
        let own = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        if actor.role == Role::ProgrammeManager && allows(actor.role, Action::ManageProgramme, own)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The employers working with the manager's operator.
    pub async fn partners(&self, actor: &Actor) -> Result<Vec<Partner>, AppError> {
        Self::managing(actor)?;
        let offers = opportunities::of_tenant(self.db(), actor.tenant()).await?;
        let mut out = Vec::new();
        for org in opportunities::employers_of_operator(self.db(), actor.tenant()).await? {
            let Some(found) = accounts::find_organisation(self.db(), org).await? else {
                continue;
            };
            let theirs: Vec<&Opportunity> =
                offers.iter().filter(|o| o.employer_org_id == org).collect();
            out.push(Partner {
                organisation_id: org,
                name: found.name,
                offers: theirs.len(),
                open_offers: theirs.iter().filter(|o| !o.paused).count(),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// A manager opens a light account for an employer contact: no sign-up, a link by
    /// email that signs them in (valid a week), then their space to offer opportunities.
    pub async fn invite_employer(
        &self,
        actor: &Actor,
        organisation: &str,
        contact_name: &str,
        email: &str,
    ) -> Result<(), AppError> {
        Self::managing(actor)?;
        let mut errors = Vec::new();
        let organisation = crate::text_field("organisation", organisation, 120)
            .map_err(|e| errors.push(e))
            .ok();
        let contact_name = crate::text_field("contact_name", contact_name, 120)
            .map_err(|e| errors.push(e))
            .ok();
        let email = parcours_domain::Email::parse(email.trim()).ok();
        if email.is_none() {
            errors.push(FieldError {
                field: "email",
                code: "invalid",
            });
        }
        let (Some(organisation), Some(contact_name), Some(email), true) =
            (organisation, contact_name, email, errors.is_empty())
        else {
            return Err(AppError::Invalid(errors));
        };
        // The answer is the same whether the address has an account (here or in another
        // operator) or not: an existing account is asked by email to accept joining.
        let existing = accounts::find_user_by_email(self.db(), &email).await?;
        // Nobody knows this password: the account signs in with links. Hashed either
        // way, so that the time of the answer does not tell either.
        let hash = self.hash_password(&random_token()).await?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let now = txn.at();
        let org = accounts::insert_organisation(
            &*txn,
            parcours_domain::OrgKind::Employer,
            &organisation,
            now,
        )
        .await?;
        opportunities::add_partner(&*txn, scope, org, now).await?;
        // An existing account is only linked once its owner accepts; a new one gets
        // its sign-in link. The manager's answer is the same either way.
        if let Some(existing) = existing {
            let invitation = accounts::MembershipInvitation {
                tenant_id: scope.id(),
                user_id: existing.id,
                organisation_id: org,
                role: Role::Employer,
                person_id: None,
            };
            self.invite_existing_account(&*txn, scope, &invitation, actor.user_id, now)
                .await?;
        } else {
            let user = accounts::insert_user(&*txn, &email, &contact_name, &hash, now).await?;
            accounts::insert_membership(&*txn, user, org, Role::Employer, now).await?;
            let token = self
                .issue_sign_in_link(&*txn, user, INVITATION_TTL_MS, now)
                .await?;
            txn.queue(
                &EmployerInvitation {
                    user_id: user,
                    token,
                },
                now,
            )
            .await?;
        }
        txn.commit(Audit::tenant(audit_action::EMPLOYER_INVITED))
            .await?;
        Ok(())
    }
}
