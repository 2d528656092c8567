//! The programme's report as its manager or funder reads and configures it.

use super::*;

impl App {
    /// A programme's outcomes for its manager (same operator) or its funder; nobody
    /// else, and never a person.
    pub async fn programme_report(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
    ) -> Result<ProgrammeReport, AppError> {
        let Some(programme) = programmes::unscoped::find(self.db(), programme_id).await? else {
            return Err(AppError::NotFound);
        };
        let relation = parcours_domain::Relation {
            same_tenant: programme.tenant_id == actor.tenant().id(),
            funds_programme: programme.funder_id == Some(actor.organisation_id)
                && actor.in_context(programme.tenant_id),
            ..parcours_domain::Relation::default()
        };
        if !parcours_domain::allows(
            actor.role,
            parcours_domain::Action::ReadAggregates,
            relation,
        ) {
            return Err(if relation.same_tenant || relation.funds_programme {
                AppError::Forbidden
            } else {
                AppError::NotFound
            });
        }
        let report = self
            .recent_report(&self.programme_ref(&programme).await?)
            .await?;
        // Read in the programme's tenant (a funder reads from their own).
        self.change_in(TenantScope::of(programme.tenant_id), Some(actor.user_id))
            .await?
            .commit(Audit::tenant(audit_action::REPORT_READ))
            .await?;
        let can_configure =
            relation.same_tenant && actor.role == parcours_domain::Role::ProgrammeManager;
        let (texts, questions) = if can_configure {
            let scope = TenantScope::of(programme.tenant_id);
            (
                self.satisfaction(programme.id, programme.tenant_id, report.min_cell)
                    .await?
                    .1,
                self.programme_questions(self.db(), scope, programme.id)
                    .await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(ProgrammeReport {
            texts,
            questions,
            follow_up_m12: parcours_db::repo::surveys::follow_up_m12(
                self.db(),
                TenantScope::of(programme.tenant_id),
                programme.id,
            )
            .await?,
            can_configure: relation.same_tenant
                && actor.role == parcours_domain::Role::ProgrammeManager,
            can_change_rule: relation.funds_programme
                && actor.role == parcours_domain::Role::Funder,
            programme,
            report,
        })
    }

    /// The manager sets the programme's minimum cell: never under the platform's 11.
    pub async fn set_programme_min_cell(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
        raw: &str,
    ) -> Result<(), AppError> {
        let view = self.programme_report(actor, programme_id).await?;
        if !view.can_configure {
            return Err(AppError::Forbidden);
        }
        let operator_cell = self
            .operator_min_cell(TenantScope::of(view.programme.tenant_id))
            .await?;
        let min_cell = match raw.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(n)
                    if i64::from(n)
                        >= i64::try_from(parcours_domain::aggregate::MIN_CELL).unwrap_or(11)
                        && n <= 1000 =>
                {
                    Some(n)
                }
                _ => return Err(AppError::invalid("min_cell", "too_small")),
            },
        };
        // Never under the operator's default minimum cell.
        if min_cell.is_some_and(|n| n < operator_cell) {
            return Err(AppError::invalid("min_cell", "below_operator"));
        }
        let txn = self
            .change_in(
                TenantScope::of(view.programme.tenant_id),
                Some(actor.user_id),
            )
            .await?;
        outcomes::set_min_cell(
            &*txn,
            TenantScope::of(view.programme.tenant_id),
            programme_id,
            min_cell,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::MIN_CELL_SET))
            .await?;
        Ok(())
    }

    /// The funder changes how exits are labelled: a new version, every report re-labels.
    pub async fn change_label_rule(
        &self,
        actor: &crate::auth::Actor,
        programme_id: Uuid,
        durable_months: &str,
        business_is_durable: bool,
    ) -> Result<i32, AppError> {
        let view = self.programme_report(actor, programme_id).await?;
        if !view.can_change_rule {
            return Err(AppError::Forbidden);
        }
        let months = match durable_months.trim().parse::<i32>() {
            Ok(m) if (1..=36).contains(&m) => m,
            _ => return Err(AppError::invalid("durable_months", "invalid")),
        };
        self.check_rule_change(actor.organisation_id, months, business_is_durable)
            .await?;
        // The funder changes how the programme's tenant reports.
        let txn = self
            .change_in(
                TenantScope::of(view.programme.tenant_id),
                Some(actor.user_id),
            )
            .await?;
        let now = txn.at();
        let version = outcomes::save_rule(
            &*txn,
            parcours_db::FunderScope::of(actor.organisation_id),
            months,
            business_is_durable,
            actor.user_id,
            now,
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::RULE_CHANGED))
            .await?;
        Ok(version)
    }

    /// The differencing guard: beside the report under any earlier rule of the funder,
    /// the report under the new one must not show a change of fewer people than the
    /// minimum cell, nor let a hidden figure be worked out, in any programme it funds.
    async fn check_rule_change(
        &self,
        funder: Uuid,
        durable_months: i32,
        business_is_durable: bool,
    ) -> Result<(), AppError> {
        let next = LabelRule {
            version: 0,
            durable_months,
            business_is_durable,
        };
        // Every rule the funder's reports were ever read under, the default first.
        let mut seen = HashSet::from([(durable_months, business_is_durable)]);
        let earlier: Vec<LabelRule> = std::iter::once(LabelRule::default())
            .chain(outcomes::rules_of(self.db(), parcours_db::FunderScope::of(funder)).await?)
            .filter(|r| seen.insert((r.durable_months, r.business_is_durable)))
            .collect();
        for p in programmes::list_funded_by(self.db(), parcours_db::FunderScope::of(funder)).await?
        {
            let own = self.programme_ref(&p).await?;
            let min_cell = effective_min_cell(&own, None);
            let counts = self
                .report_counts(TenantScope::of(p.tenant_id), p.id)
                .await?;
            let next_model = counts.model(&next);
            for rule in &earlier {
                if rule_guard(&counts.model(rule), &next_model, min_cell).is_some() {
                    return Err(AppError::invalid("durable_months", "too_close"));
                }
            }
        }
        Ok(())
    }
}
