//! What a referrer or a manager sees of the referrals.

use super::*;

impl App {
    /// The referrals a reader sees: a referrer, those of their organisation (status
    /// only, never what happens in the bilan); a manager, those their operator received.
    pub async fn referrals(&self, actor: &Actor) -> Result<ReferralsView, AppError> {
        let (deciding, rows, programmes_list, cohorts) = match actor.role {
            Role::Referrer => (
                false,
                referrals::of_referrer(self.db(), actor.referrer_scope()).await?,
                self.open_programmes(
                    programmes::list_referred_by(self.db(), actor.referrer_scope()).await?,
                )
                .await?,
                Vec::new(),
            ),
            Role::ProgrammeManager => {
                Self::deciding(actor)?;
                (
                    true,
                    referrals::of_tenant(self.db(), actor.tenant()).await?,
                    programmes::list_in_tenant(self.db(), actor.tenant()).await?,
                    referrals::cohorts_of_tenant(self.db(), actor.tenant()).await?,
                )
            }
            _ => return Err(AppError::Forbidden),
        };
        Ok(ReferralsView {
            deciding,
            lines: self.lines(rows, deciding).await?,
            programmes: programmes_list,
            cohorts,
            advisor: None,
        })
    }

    /// Each referral with its programme, referrer, history and, with the person's
    /// consent, their step; the rules it does not meet for the manager who decides.
    pub(crate) async fn lines(
        &self,
        rows: Vec<Referral>,
        deciding: bool,
    ) -> Result<Vec<ReferralLine>, AppError> {
        let mut rules_by_programme: BTreeMap<Uuid, parcours_domain::referral::Eligibility> =
            BTreeMap::new();
        let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
        let mut programme_names: BTreeMap<Uuid, String> = BTreeMap::new();
        let mut lines = Vec::with_capacity(rows.len());
        let mut by_tenant: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
        for r in &rows {
            by_tenant.entry(r.tenant_id).or_default().push(r.id);
        }
        let mut history = Vec::new();
        for (tenant, ids) in by_tenant {
            history.extend(referrals::history(self.db(), TenantScope::of(tenant), ids).await?);
        }
        for referral in rows {
            if let Entry::Vacant(slot) = names.entry(referral.referrer_org_id) {
                let name = accounts::find_organisation(self.db(), referral.referrer_org_id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
            if let Entry::Vacant(slot) = programme_names.entry(referral.programme_id) {
                let name = programmes::unscoped::find(self.db(), referral.programme_id)
                    .await?
                    .map(|p| p.name)
                    .unwrap_or_default();
                slot.insert(name);
            }
            let milestone = match referral.person_id {
                Some(person) if referral.status == ReferralStatus::Accepted => {
                    let scope = TenantScope::of(referral.tenant_id);
                    if journey::current_consent(self.db(), scope, person, MILESTONES_CONSENT_SCOPE)
                        .await?
                        .is_some()
                    {
                        people::current_enrolment(self.db(), scope, person)
                            .await?
                            .map(|e| e.phase)
                    } else {
                        None
                    }
                }
                _ => None,
            };
            let gaps = if deciding {
                let rules = match rules_by_programme.entry(referral.programme_id) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(slot) => {
                        let r = referrals::rules(
                            self.db(),
                            TenantScope::of(referral.tenant_id),
                            referral.programme_id,
                        )
                        .await?;
                        slot.insert(eligibility_of(&r))
                    }
                };
                let declared =
                    parcours_domain::referral::parse_publics(&referral.publics).unwrap_or_default();
                rules.gaps(
                    &referral.birth_date,
                    &declared,
                    referral.commune_code.as_deref(),
                    today(self.now()),
                )
            } else {
                Vec::new()
            };
            lines.push(ReferralLine {
                gaps,
                milestone,
                programme_name: programme_names
                    .get(&referral.programme_id)
                    .cloned()
                    .unwrap_or_default(),
                referrer_name: names
                    .get(&referral.referrer_org_id)
                    .cloned()
                    .unwrap_or_default(),
                history: history
                    .iter()
                    .filter(|e| e.referral_id == referral.id)
                    .cloned()
                    .collect(),
                referral,
            });
        }
        Ok(lines)
    }
}
