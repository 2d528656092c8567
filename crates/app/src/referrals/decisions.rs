//! The manager's decisions: accept into a cohort, refuse with a reason, open a cohort.

use super::*;

impl App {
    /// The manager accepts a referral into a cohort of its programme: the person's file
    /// and enrolment are created in the same transaction.
    pub async fn accept_referral(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        cohort_id: &str,
    ) -> Result<Uuid, AppError> {
        Self::deciding(actor)?;
        let scope = actor.tenant();
        let Some(referral) = referrals::find(self.db(), scope, referral_id).await? else {
            return Err(AppError::NotFound);
        };
        let cohort = match cohort_id.trim() {
            "" => None,
            raw => {
                let id: Uuid = raw
                    .parse()
                    .map_err(|_| AppError::invalid("cohort", "unknown"))?;
                let cohorts = referrals::cohorts_of_tenant(self.db(), scope).await?;
                let Some(c) = cohorts
                    .into_iter()
                    .find(|c| c.id == id && c.programme_id == referral.programme_id)
                else {
                    return Err(AppError::invalid("cohort", "unknown"));
                };
                Some(c.id)
            }
        };
        if referral.status != ReferralStatus::Submitted {
            return Err(AppError::invalid("decision", "already_decided"));
        }
        let now = self.now();
        let birth_year = referral
            .birth_date
            .get(..4)
            .and_then(|y| y.parse::<i32>().ok());
        let txn = self.change(actor).await?;
        let person = people::insert_person(
            &*txn,
            scope,
            people::NewPerson {
                user_id: None,
                first_name: &referral.first_name,
                last_name: &referral.last_name,
                email: referral.email.as_deref(),
                phone: referral.phone.as_deref(),
                commune_code: referral.commune_code.as_deref(),
                birth_year,
            },
            now,
        )
        .await?;
        people::insert_enrolment(
            &*txn,
            scope,
            people::NewEnrolment {
                person_id: person,
                programme_id: referral.programme_id,
                cohort_id: cohort,
                coach_id: None,
                referrer_id: Some(referral.referrer_org_id),
                phase: Phase::Referred,
                entered_at: now,
                last_activity_at: now,
                departement: referral
                    .commune_code
                    .as_deref()
                    .map(|c| parcours_domain::referral::departement_of(c).to_owned()),
                publics_mask: parcours_domain::referral::publics_mask(
                    &parcours_domain::referral::parse_publics(&referral.publics)
                        .unwrap_or_default(),
                ),
            },
        )
        .await?;
        if !referrals::decide(
            &*txn,
            scope,
            referral.id,
            ReferralStatus::Accepted,
            None,
            cohort,
            Some(person),
            Some(actor.user_id),
            now,
        )
        .await?
        {
            // Decided by someone else meanwhile: the transaction is dropped, nothing kept.
            return Err(AppError::invalid("decision", "already_decided"));
        }
        txn.commit(Audit::of(audit_action::ACCEPTED, person))
            .await?;
        Ok(person)
    }

    /// The manager refuses a referral with a reason from the list.
    pub async fn refuse_referral(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        reason: &str,
    ) -> Result<(), AppError> {
        Self::deciding(actor)?;
        let scope = actor.tenant();
        let reason: RefusalReason = reason
            .parse()
            .map_err(|_| AppError::invalid("reason", "required"))?;
        let Some(referral) = referrals::find(self.db(), scope, referral_id).await? else {
            return Err(AppError::NotFound);
        };
        let now = self.now();
        let txn = self.change(actor).await?;
        if !referrals::decide(
            &*txn,
            scope,
            referral.id,
            ReferralStatus::Refused,
            Some(reason),
            None,
            None,
            Some(actor.user_id),
            now,
        )
        .await?
        {
            return Err(AppError::invalid("decision", "already_decided"));
        }
        txn.commit(Audit::tenant(audit_action::REFUSED)).await?;
        Ok(())
    }

    /// A manager opens a cohort in one of their programmes.
    pub async fn add_cohort(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        name: &str,
        starts_on: &str,
        capacity: &str,
    ) -> Result<Uuid, AppError> {
        Self::deciding(actor)?;
        let scope = actor.tenant();
        let Some(programme) = programmes::list_in_tenant(self.db(), scope)
            .await?
            .into_iter()
            .find(|p| p.id == programme_id)
        else {
            return Err(AppError::invalid("programme", "unknown"));
        };
        // A closed or archived programme opens no new cohort.
        self.open_for_referrals(&programme).await?;
        let mut errors = Vec::new();
        let name = crate::text_field("name", name, 80)
            .map_err(|e| errors.push(e))
            .ok();
        let starts_on = starts_on.trim();
        if crate::plan::parse_date(starts_on).is_none() {
            errors.push(FieldError {
                field: "starts_on",
                code: "invalid",
            });
        }
        let capacity = match capacity.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(n) if (1..=10_000).contains(&n) => Some(n),
                _ => {
                    errors.push(FieldError {
                        field: "capacity",
                        code: "invalid",
                    });
                    None
                }
            },
        };
        let (Some(name), true) = (name, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let txn = self.change(actor).await?;
        let id = referrals::insert_cohort(
            &*txn,
            scope,
            programme.id,
            &name,
            starts_on,
            capacity,
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::COHORT_ADDED))
            .await?;
        Ok(id)
    }
}
