//! A programme's referral rules, quotas and co-pilots, as its manager sets them, and
//! the proofs the manager checked.

use super::*;

/// A programme's settings as a manager edits them.
#[derive(Debug, Clone)]
pub struct ProgrammeSettings {
    pub programme: Programme,
    pub rules: referrals::Rules,
    /// Referrer organisations: id, name, quota, referrals standing.
    pub referrers: Vec<(Uuid, String, Option<i32>, u64)>,
    /// Archived: read-only, its rules and quotas no longer change.
    pub archived: bool,
}

/// What the settings form sends.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub co_pilots: String,
    pub departements: String,
    pub publics: Vec<String>,
    pub min_age: String,
    pub max_age: String,
    pub starts_on: String,
    pub ends_on: String,
    /// Per referrer organisation, the quota typed (empty: none).
    pub quotas: Vec<(Uuid, String)>,
}

impl App {
    async fn managed_programme(
        &self,
        actor: &Actor,
        programme_id: Uuid,
    ) -> Result<Programme, AppError> {
        Self::deciding(actor)?;
        programmes::list_in_tenant(self.db(), actor.tenant())
            .await?
            .into_iter()
            .find(|p| p.id == programme_id)
            .ok_or(AppError::NotFound)
    }

    pub async fn programme_settings(
        &self,
        actor: &Actor,
        programme_id: Uuid,
    ) -> Result<ProgrammeSettings, AppError> {
        let programme = self.managed_programme(actor, programme_id).await?;
        let rules = referrals::rules(self.db(), actor.tenant(), programme.id).await?;
        let quotas = referrals::quotas(self.db(), actor.tenant(), programme.id).await?;
        let mut referrers = Vec::new();
        for org in programmes::referrers_of(self.db(), actor.tenant(), programme.id).await? {
            let name = accounts::find_organisation(self.db(), org)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let quota = quotas.iter().find(|(o, _)| *o == org).map(|(_, q)| *q);
            let standing =
                referrals::standing_count(self.db(), actor.tenant(), programme.id, org).await?;
            referrers.push((org, name, quota, standing));
        }
        let archived =
            parcours_db::repo::programme_admin::status(self.db(), actor.tenant(), programme.id)
                .await?
                == "archived";
        Ok(ProgrammeSettings {
            archived,
            programme,
            rules,
            referrers,
        })
    }

    pub async fn save_programme_settings(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        input: &SettingsInput,
    ) -> Result<(), AppError> {
        let programme = self.managed_programme(actor, programme_id).await?;
        // An archived programme is read-only: its rules and quotas stay as they were.
        if parcours_db::repo::programme_admin::status(self.db(), actor.tenant(), programme.id)
            .await?
            == "archived"
        {
            return Err(AppError::invalid("status", "archived"));
        }
        let mut errors = Vec::new();
        let mut refuse = |field, code| errors.push(FieldError { field, code });
        let departements: Vec<String> = input
            .departements
            .split([';', ',', ' '])
            .map(|d| d.trim().to_ascii_uppercase())
            .filter(|d| !d.is_empty())
            .collect();
        if departements
            .iter()
            .any(|d| !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            refuse("departements", "invalid");
        }
        let mut publics = Vec::new();
        for code in &input.publics {
            match code.parse::<parcours_domain::referral::Public>() {
                Ok(p) => publics.push(p.code().to_owned()),
                Err(_) => refuse("publics", "unknown"),
            }
        }
        let age = |raw: &str| -> Result<Option<i32>, ()> {
            match raw.trim() {
                "" => Ok(None),
                s => s
                    .parse::<i32>()
                    .ok()
                    .filter(|a| (14..=99).contains(a))
                    .map(Some)
                    .ok_or(()),
            }
        };
        let min_age = age(&input.min_age).unwrap_or_else(|()| {
            refuse("min_age", "invalid");
            None
        });
        let max_age = age(&input.max_age).unwrap_or_else(|()| {
            refuse("max_age", "invalid");
            None
        });
        if let (Some(a), Some(b)) = (min_age, max_age)
            && a > b
        {
            refuse("max_age", "below_min");
        }
        let date = |raw: &str| -> Result<Option<String>, ()> {
            match raw.trim() {
                "" => Ok(None),
                s => crate::plan::parse_date(s).map(Some).ok_or(()),
            }
        };
        let starts_on = date(&input.starts_on).unwrap_or_else(|()| {
            refuse("starts_on", "invalid");
            None
        });
        let ends_on = date(&input.ends_on).unwrap_or_else(|()| {
            refuse("ends_on", "invalid");
            None
        });
        if let (Some(a), Some(b)) = (&starts_on, &ends_on)
            && b < a
        {
            refuse("ends_on", "before_start");
        }
        let referrers = programmes::referrers_of(self.db(), actor.tenant(), programme.id).await?;
        let mut quotas = Vec::new();
        for (org, raw) in &input.quotas {
            if !referrers.contains(org) {
                continue;
            }
            match raw.trim() {
                "" => quotas.push((*org, None)),
                s => match s.parse::<i32>() {
                    Ok(q) if (1..=10_000).contains(&q) => quotas.push((*org, Some(q))),
                    _ => refuse("quota", "invalid"),
                },
            }
        }
        // A quota never goes under the referrals already counted (submitted or accepted).
        for (org, quota) in &quotas {
            if let Some(q) = quota {
                let standing =
                    referrals::standing_count(self.db(), actor.tenant(), programme.id, *org)
                        .await?;
                if u64::try_from(*q).unwrap_or(0) < standing {
                    refuse("quota", "below_referrals");
                    break;
                }
            }
        }
        let co_pilots = input.co_pilots.trim();
        if co_pilots.chars().count() > 500 {
            refuse("co_pilots", "too_long");
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let now = self.now();
        let txn = self.change(actor).await?;
        referrals::save_rules(
            &*txn,
            actor.tenant(),
            programme.id,
            &referrals::Rules {
                co_pilots: (!co_pilots.is_empty()).then(|| co_pilots.to_owned()),
                departements,
                publics,
                min_age,
                max_age,
                starts_on,
                ends_on,
            },
            now,
        )
        .await?;
        for (org, quota) in quotas {
            referrals::set_quota(&*txn, actor.tenant(), programme.id, org, quota).await?;
        }
        txn.commit(Audit::tenant(audit_action::SETTINGS_SAVED))
            .await?;
        Ok(())
    }

    /// The manager records that they saw the proofs of what a referral declared.
    pub async fn check_evidence(
        &self,
        actor: &Actor,
        referral_id: Uuid,
        seen: bool,
    ) -> Result<(), AppError> {
        Self::deciding(actor)?;
        let txn = self.change(actor).await?;
        let checked = seen.then(|| (txn.at(), actor.user_id));
        if !referrals::set_evidence_checked(&*txn, actor.tenant(), referral_id, checked).await? {
            return Err(AppError::NotFound);
        }
        txn.commit(Audit::tenant(audit_action::EVIDENCE_CHECKED))
            .await?;
        Ok(())
    }
}
