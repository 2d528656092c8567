//! The employer's offers as the API reads and changes them: the employer sees and
//! changes its own (in every operator it works with); the operator's programme manager
//! reads the offers made to its candidates, as its partners page counts them.

use parcours_db::repo::opportunities::{self, Opportunity};
use parcours_db::{EmployerScope, TenantScope};
use parcours_domain::Role;
use parcours_domain::opportunity::{OpportunityInput, RequestStatus};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError};

use super::*;

/// A change to an offer: `None` leaves a field as it is. Values as typed, checked
/// with the same rules as the employer's form.
#[derive(Debug, Clone, Default)]
pub struct OfferPatch {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub code_rome: Option<String>,
    pub description: Option<String>,
    pub commune_code: Option<String>,
    pub capacity: Option<String>,
    pub respond_within_days: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// Paused: no longer suggested to candidates (the requests made stay).
    pub paused: Option<bool>,
}

impl OfferPatch {
    fn edits_content(&self) -> bool {
        self.kind.is_some()
            || self.title.is_some()
            || self.code_rome.is_some()
            || self.description.is_some()
            || self.commune_code.is_some()
            || self.capacity.is_some()
            || self.respond_within_days.is_some()
            || self.starts_on.is_some()
            || self.ends_on.is_some()
    }

    /// The offer's form with the patch applied over what is stored.
    fn over(&self, o: &Opportunity) -> OpportunityInput {
        let pick = |given: &Option<String>, stored: String| given.clone().unwrap_or(stored);
        OpportunityInput {
            kind: pick(&self.kind, o.kind.code().to_owned()),
            title: pick(&self.title, o.title.clone()),
            code_rome: pick(&self.code_rome, o.code_rome.clone().unwrap_or_default()),
            description: pick(&self.description, o.description.clone()),
            commune_code: pick(
                &self.commune_code,
                o.commune_code.clone().unwrap_or_default(),
            ),
            capacity: pick(&self.capacity, o.capacity.to_string()),
            respond_within_days: pick(&self.respond_within_days, o.respond_within_days.to_string()),
            starts_on: pick(&self.starts_on, o.starts_on.clone().unwrap_or_default()),
            ends_on: pick(&self.ends_on, o.ends_on.clone().unwrap_or_default()),
        }
    }
}

fn lines(offers: Vec<Opportunity>, requests: &[Request]) -> Vec<OfferLine> {
    offers
        .into_iter()
        .map(|o| OfferLine {
            requests: requests
                .iter()
                .filter(|r| r.opportunity_id == o.id)
                .cloned()
                .collect(),
            opportunity: o,
        })
        .collect()
}

impl App {
    /// The operators an employer works with (refused for anyone else).
    pub async fn employer_operator_ids(&self, actor: &Actor) -> Result<Vec<Uuid>, AppError> {
        self.employer_operators(actor).await
    }

    /// The offers the actor may read: an employer's own, or (a programme manager) those
    /// made to the operator's candidates. Anyone else is refused.
    pub async fn offers(&self, actor: &Actor) -> Result<Vec<OfferLine>, AppError> {
        if actor.role == Role::Employer {
            self.employer_operators(actor).await?;
            let employer = EmployerScope::of(actor.organisation_id);
            let offers = opportunities::of_employer(self.db(), employer).await?;
            let requests = opportunities::requests_for_employer(
                self.db(),
                employer,
                offers.iter().map(|o| o.id),
            )
            .await?;
            return Ok(lines(offers, &requests));
        }
        Self::managing(actor)?;
        let offers = opportunities::of_tenant(self.db(), actor.tenant()).await?;
        let requests =
            opportunities::requests_for(self.db(), actor.tenant(), offers.iter().map(|o| o.id))
                .await?;
        Ok(lines(offers, &requests))
    }

    /// One offer the actor may read; another employer's or operator's answers NotFound.
    pub async fn offer(&self, actor: &Actor, id: Uuid) -> Result<OfferLine, AppError> {
        self.offers(actor)
            .await?
            .into_iter()
            .find(|l| l.opportunity.id == id)
            .ok_or(AppError::NotFound)
    }

    /// The employer changes one of its offers: the fields given, checked as the form's,
    /// and its state (`paused`). Its capacity never goes under the requests it accepted.
    pub async fn change_offer(
        &self,
        actor: &Actor,
        id: Uuid,
        patch: &OfferPatch,
    ) -> Result<(), AppError> {
        if actor.role != Role::Employer {
            // A manager reads the offers made to its candidates, never changes them.
            Self::managing(actor)?;
            return Err(AppError::Forbidden);
        }
        let line = self.offer(actor, id).await?;
        let current = &line.opportunity;
        let offer = patch.over(current).check().map_err(|p| problems(&p))?;
        if patch.code_rome.is_some()
            && let (Some(code), Some(catalog)) = (&offer.code_rome, self.catalog())
            && catalog.fiche(code).is_none()
        {
            return Err(AppError::invalid("code_rome", "unknown"));
        }
        let accepted = line
            .requests
            .iter()
            .filter(|r| r.status == RequestStatus::Accepted)
            .count();
        if usize::try_from(offer.capacity).unwrap_or(0) < accepted {
            return Err(AppError::invalid("capacity", "below_accepted"));
        }
        let employer = EmployerScope::of(actor.organisation_id);
        // Traced in the operator's tenant, where the offer is shown to people.
        let txn = self
            .change_in(TenantScope::of(current.tenant_id), Some(actor.user_id))
            .await?;
        let mut actions = Vec::new();
        if patch.edits_content() {
            if !opportunities::update(&*txn, employer, id, &offer).await? {
                return Err(AppError::NotFound);
            }
            actions.push(audit_action::UPDATED);
        }
        if let Some(paused) = patch.paused
            && paused != current.paused
        {
            if !opportunities::set_paused(&*txn, employer, id, paused).await? {
                return Err(AppError::NotFound);
            }
            actions.push(if paused {
                audit_action::PAUSED
            } else {
                audit_action::RESUMED
            });
        }
        let Some((last, first)) = actions.split_last() else {
            // Nothing changes: nothing to trace either.
            return Ok(());
        };
        for action in first {
            txn.audit(Audit::tenant(*action)).await?;
        }
        txn.commit(Audit::tenant(*last)).await?;
        Ok(())
    }
}
