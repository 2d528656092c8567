//! The employer's side: their space, offering an opportunity to a partner operator,
//! pausing it.

use parcours_db::TenantScope;
use parcours_db::repo::installation::accounts;
use parcours_db::repo::opportunities::{self};
use parcours_domain::opportunity::OpportunityInput;
use parcours_domain::{Action, Relation, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

use super::*;

impl App {
    /// The operators an employer actor works with; refused for anyone else.
    pub(crate) async fn employer_operators(&self, actor: &Actor) -> Result<Vec<Uuid>, AppError> {
        let operators = opportunities::operators_of_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
        )
        .await?;
        let partner = Relation {
            same_tenant: !operators.is_empty(),
            ..Relation::default()
        };
        if !allows(actor.role, Action::OfferOpportunities, partner) {
            return Err(AppError::Forbidden);
        }
        Ok(operators)
    }

    pub async fn employer_space(&self, actor: &Actor) -> Result<EmployerView, AppError> {
        let operators = self.employer_operators(actor).await?;
        let mut named = Vec::new();
        for id in operators {
            if let Some(org) = accounts::find_organisation(self.db(), id).await? {
                named.push((id, org.name));
            }
        }
        let offers = opportunities::of_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
        )
        .await?;
        let requests = opportunities::requests_for_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
            offers.iter().map(|o| o.id),
        )
        .await?;
        Ok(EmployerView {
            organisation: actor.organisation_name.clone(),
            operators: named,
            offers: offers
                .into_iter()
                .map(|o| OfferLine {
                    requests: requests
                        .iter()
                        .filter(|r| r.opportunity_id == o.id)
                        .cloned()
                        .collect(),
                    opportunity: o,
                })
                .collect(),
        })
    }

    /// The employer offers an opportunity to one of its partner operators.
    pub async fn offer_opportunity(
        &self,
        actor: &Actor,
        operator: Uuid,
        input: &OpportunityInput,
    ) -> Result<Uuid, AppError> {
        let operators = self.employer_operators(actor).await?;
        if !operators.contains(&operator) {
            return Err(AppError::invalid("operator", "unknown"));
        }
        let offer = input.check().map_err(|p| problems(&p))?;
        if let (Some(code), Some(catalog)) = (&offer.code_rome, self.catalog())
            && catalog.fiche(code).is_none()
        {
            return Err(AppError::invalid("code_rome", "unknown"));
        }
        let scope = TenantScope::of(operator);
        // The offer lives in the operator's tenant, where its trace is kept.
        let txn = self.change_in(scope, Some(actor.user_id)).await?;
        let now = txn.at();
        let id = opportunities::insert(
            &*txn,
            scope,
            actor.organisation_id,
            actor.user_id,
            &offer,
            now,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::OFFERED)).await?;
        Ok(id)
    }

    pub async fn pause_opportunity(
        &self,
        actor: &Actor,
        id: Uuid,
        paused: bool,
    ) -> Result<(), AppError> {
        self.employer_operators(actor).await?;
        let Some(offer) = opportunities::of_employer(
            self.db(),
            parcours_db::EmployerScope::of(actor.organisation_id),
        )
        .await?
        .into_iter()
        .find(|o| o.id == id) else {
            return Err(AppError::NotFound);
        };
        // Traced in the operator's tenant, where the offer is shown to people.
        let txn = self
            .change_in(TenantScope::of(offer.tenant_id), Some(actor.user_id))
            .await?;
        if !opportunities::set_paused(
            &*txn,
            parcours_db::EmployerScope::of(actor.organisation_id),
            id,
            paused,
        )
        .await?
        {
            return Err(AppError::NotFound);
        }
        let action = if paused {
            audit_action::PAUSED
        } else {
            audit_action::RESUMED
        };
        txn.commit(Audit::tenant(action)).await?;
        Ok(())
    }
}
