//! The outcomes report of a programme: computed from grouped counts, cached a minute
//! for the dashboards, fresh for the command line.

use super::*;

impl App {
    /// The outcomes report of a programme named by slug (the operator's command line:
    /// no person is shown, only counts, with small cells suppressed).
    pub async fn outcomes_report_by_slug(
        &self,
        slug: &str,
        min_cell: Option<u64>,
    ) -> Result<(Uuid, OutcomesReport), AppError> {
        let found = outcomes::unscoped::programmes_by_slug(self.db(), slug).await?;
        let [(id, tenant, funder, own_min)] = found.as_slice() else {
            return Err(if found.is_empty() {
                AppError::NotFound
            } else {
                AppError::Internal(format!("several programmes are named {slug:?}"))
            });
        };
        let programme = ProgrammeRef {
            id: *id,
            tenant: TenantScope::of(*tenant),
            funder: *funder,
            min_cell: Some(
                self.report_min_cell(TenantScope::of(*tenant), *own_min)
                    .await?,
            ),
        };
        Ok((*id, self.outcomes_report(&programme, min_cell).await?))
    }

    /// The programme's report as computed less than [`REPORT_TTL_MS`] ago, else
    /// computed now, one computation at a time.
    pub(super) async fn recent_report(
        &self,
        programme: &ProgrammeRef,
    ) -> Result<OutcomesReport, AppError> {
        let rule = outcomes::current_rule(self.db(), programme.funder_scope()).await?;
        // A new rule version or minimum cell is a new key: read at once.
        let key = (programme.id, programme.min_cell, rule.version);
        self.inner
            .reports
            .get_or_compute(key, self.now(), async || {
                self.outcomes_report(programme, None).await
            })
            .await
    }

    async fn outcomes_report(
        &self,
        programme: &ProgrammeRef,
        min_cell: Option<u64>,
    ) -> Result<OutcomesReport, AppError> {
        let rule: LabelRule = outcomes::current_rule(self.db(), programme.funder_scope()).await?;
        let min_cell = effective_min_cell(programme, min_cell);
        let counts = self.report_counts(programme.tenant, programme.id).await?;
        let mut report = counts.report(&rule, min_cell);
        report.satisfaction = self
            .satisfaction(programme.id, programme.tenant.id(), min_cell)
            .await?
            .0;
        Ok(report)
    }

    /// Everything a programme's report is built from, named.
    pub(super) async fn report_counts(
        &self,
        scope: TenantScope,
        programme_id: Uuid,
    ) -> Result<ReportCounts, AppError> {
        let (counted, by_public) = outcomes::report_counts(self.db(), scope, programme_id).await?;
        let mut names: HashMap<Uuid, String> = HashMap::new();
        let mut rows = Vec::with_capacity(counted.len());
        for (mut row, referrer) in counted {
            if let Some(id) = referrer {
                if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(id) {
                    let name = accounts::find_organisation(self.db(), id)
                        .await?
                        .map_or_else(|| id.to_string(), |o| o.name);
                    slot.insert(name);
                }
                row.referrer = names.get(&id).cloned();
            }
            rows.push(row);
        }
        let phase_counts =
            parcours_db::repo::people::phase_counts(self.db(), scope, programme_id).await?;
        let phases = parcours_domain::Phase::ALL
            .iter()
            .map(|phase| {
                phase_counts
                    .iter()
                    .find(|(p, _)| p == phase)
                    .map_or(0, |(_, n)| *n)
            })
            .collect();
        let today = time::OffsetDateTime::from_unix_timestamp(self.now() / 1000)
            .map_or_else(|_| time::OffsetDateTime::now_utc().date(), |t| t.date());
        let followup = outcomes::followup_counts(self.db(), scope, programme_id, today).await?;
        Ok(ReportCounts {
            rows,
            by_public,
            phases,
            followup,
        })
    }

    pub(super) async fn programme_ref(
        &self,
        programme: &programmes::Programme,
    ) -> Result<ProgrammeRef, AppError> {
        let tenant = TenantScope::of(programme.tenant_id);
        // The programme's own cell, never under its operator's default.
        let own = outcomes::min_cell(self.db(), tenant, programme.id).await?;
        let min_cell = Some(self.report_min_cell(tenant, own).await?);
        Ok(ProgrammeRef {
            id: programme.id,
            tenant,
            funder: programme.funder_id,
            min_cell,
        })
    }

    /// The figures of a programme the funder's home shows: its participants and their
    /// journey phases, hidden exactly as in the programme's report (the same total
    /// appears on both, so they are protected together).
    pub(crate) async fn funder_home_figures(
        &self,
        programme: &programmes::Programme,
    ) -> Result<(Option<u64>, Vec<Option<u64>>), AppError> {
        let report = self
            .recent_report(&self.programme_ref(programme).await?)
            .await?;
        let total = match report.overall.participants {
            parcours_domain::outcome::ParticipantsFigure::Count(n) => Some(n),
            parcours_domain::outcome::ParticipantsFigure::Hidden { .. } => None,
        };
        Ok((total, report.phases))
    }
}

/// The programme's minimum cell: the one asked for (the command line), else the
/// programme's (already raised to its operator's default, see `report_min_cell`),
/// else the platform's.
pub(super) fn effective_min_cell(programme: &ProgrammeRef, asked: Option<u64>) -> u64 {
    asked
        .or_else(|| programme.min_cell.and_then(|m| u64::try_from(m).ok()))
        .unwrap_or(parcours_domain::aggregate::MIN_CELL)
        .max(1)
}

/// The grouped counts of a programme's report.
pub(super) struct ReportCounts {
    rows: Vec<parcours_domain::outcome::CountRow>,
    by_public: Vec<parcours_domain::outcome::CountRow>,
    /// Participants per journey phase, in `Phase::ALL` order.
    phases: Vec<u64>,
    /// The follow-up points and the drop reasons.
    followup: parcours_domain::outcome::FollowUpCounts,
}

impl ReportCounts {
    pub(super) fn model(&self, rule: &LabelRule) -> ReportModel {
        let publics: Vec<&str> = Public::ALL.iter().map(|p| p.code()).collect();
        ReportModel::with_followup(
            &self.rows,
            &self.by_public,
            rule,
            &publics,
            &self.phases,
            &self.followup,
        )
    }

    fn report(&self, rule: &LabelRule, min_cell: u64) -> OutcomesReport {
        let model = self.model(rule);
        model.publish(&model.protect(min_cell), rule, min_cell)
    }
}
