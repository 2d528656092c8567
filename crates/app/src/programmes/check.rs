//! The checks of a programme's form: every refusal names its field, and all of them
//! are reported at once.

use super::*;

/// Longest programme name accepted.
pub const MAX_NAME_CHARS: usize = 120;
/// Below this many people a report's cell would point at individuals.
pub const MIN_CELL_FLOOR: i32 = 11;
/// A programme's states, in their order.
pub const STATUSES: [&str; 3] = ["open", "closed", "archived"];

/// A programme's fields, checked and ready to write.
pub(super) struct Checked {
    pub(super) row: ProgrammeRow,
    pub(super) rules: Rules,
    pub(super) status: String,
    pub(super) coaches: Vec<Uuid>,
    pub(super) copilots: Vec<Uuid>,
    pub(super) quotas: Vec<(Uuid, Option<i32>)>,
}

/// YYYY-MM-DD; empty is none.
pub(super) fn date(raw: &str) -> Result<Option<String>, ()> {
    match raw.trim() {
        "" => Ok(None),
        s => crate::plan::parse_date(s).map(Some).ok_or(()),
    }
}

fn number(raw: &str, range: std::ops::RangeInclusive<i32>) -> Result<Option<i32>, ()> {
    match raw.trim() {
        "" => Ok(None),
        s => s
            .parse::<i32>()
            .ok()
            .filter(|n| range.contains(n))
            .map(Some)
            .ok_or(()),
    }
}

fn slug_ok(slug: &str) -> bool {
    (2..=60).contains(&slug.len())
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

impl App {
    pub(super) async fn check_programme(
        &self,
        actor: &Actor,
        current: &ProgrammeDetails,
        input: &ProgrammeInput,
        except: Option<Uuid>,
    ) -> Result<Checked, AppError> {
        let scope = actor.tenant();
        let partners = programme_admin::partners(self.db(), scope).await?;
        let partner_of = |raw: &str, kind: OrgKind| -> Option<Uuid> {
            let id = Uuid::parse_str(raw.trim()).ok()?;
            partners
                .iter()
                .find(|p| p.id == id && p.kind == kind)
                .map(|p| p.id)
        };
        let mut errors = Vec::new();
        let mut refuse = |field: &'static str, code: &'static str| {
            if !errors.iter().any(|e: &FieldError| e.field == field) {
                errors.push(FieldError { field, code });
            }
        };

        let name = match &input.name {
            Some(raw) => match crate::text_field("name", raw, MAX_NAME_CHARS) {
                Ok(n) => n,
                Err(e) => {
                    refuse(e.field, e.code);
                    raw.clone()
                }
            },
            None => current.name.clone(),
        };
        let slug = match &input.slug {
            Some(raw) => {
                let slug = raw.trim().to_owned();
                if slug.is_empty() {
                    refuse("slug", "required");
                } else if !slug_ok(&slug) {
                    refuse("slug", "invalid");
                } else if programme_admin::slug_taken(self.db(), scope, &slug, except).await? {
                    refuse("slug", "taken");
                }
                slug
            }
            None => current.slug.clone(),
        };
        let funder_id = match &input.funder_id {
            Some(raw) if raw.trim().is_empty() => {
                refuse("funder_id", "required");
                None
            }
            Some(raw) => {
                let found = partner_of(raw, OrgKind::Funder);
                if found.is_none() {
                    refuse("funder_id", "unknown");
                }
                found
            }
            None => current.funder_id,
        };
        let operator_cell = self.operator_min_cell(scope).await?;
        let min_cell = match &input.min_cell {
            Some(raw) => match number(raw, MIN_CELL_FLOOR..=1000) {
                Ok(Some(n)) if n < operator_cell => {
                    refuse("min_cell", "below_operator");
                    Some(n)
                }
                Ok(n) => n,
                Err(()) => {
                    refuse("min_cell", "too_small");
                    None
                }
            },
            None => current.min_cell,
        };

        let mut rules = current.rules.clone();
        if let Some(raw) = &input.starts_on {
            rules.starts_on = date(raw).unwrap_or_else(|()| {
                refuse("starts_on", "invalid");
                None
            });
        }
        if let Some(raw) = &input.ends_on {
            rules.ends_on = date(raw).unwrap_or_else(|()| {
                refuse("ends_on", "invalid");
                None
            });
        }
        if let (Some(a), Some(b)) = (&rules.starts_on, &rules.ends_on)
            && b < a
        {
            refuse("ends_on", "before_start");
        }
        if let Some(raw) = &input.departements {
            let list: Vec<String> = raw
                .split([';', ',', ' '])
                .map(|d| d.trim().to_ascii_uppercase())
                .filter(|d| !d.is_empty())
                .collect();
            if list.iter().any(|d| {
                !(2..=3).contains(&d.len()) || !d.chars().all(|c| c.is_ascii_alphanumeric())
            }) {
                refuse("departements", "invalid");
            }
            rules.departements = list;
        }
        if let Some(codes) = &input.publics {
            let mut publics = Vec::new();
            for code in codes.iter().filter(|c| !c.trim().is_empty()) {
                match code.trim().parse::<parcours_domain::referral::Public>() {
                    Ok(p) => publics.push(p.code().to_owned()),
                    Err(_) => refuse("publics", "unknown"),
                }
            }
            rules.publics = publics;
        }
        if let Some(raw) = &input.min_age {
            rules.min_age = number(raw, 14..=99).unwrap_or_else(|()| {
                refuse("min_age", "invalid");
                None
            });
        }
        if let Some(raw) = &input.max_age {
            rules.max_age = number(raw, 14..=99).unwrap_or_else(|()| {
                refuse("max_age", "invalid");
                None
            });
        }
        if let (Some(a), Some(b)) = (rules.min_age, rules.max_age)
            && a > b
        {
            refuse("max_age", "below_min");
        }
        if let Some(raw) = &input.co_pilots {
            let text = raw.trim();
            if text.chars().count() > 500 {
                refuse("co_pilots", "too_long");
            }
            rules.co_pilots = (!text.is_empty()).then(|| text.to_owned());
        }

        let copilots = match &input.copilot_ids {
            Some(raw) => {
                let mut ids = Vec::new();
                for r in raw.iter().filter(|r| !r.trim().is_empty()) {
                    match partner_of(r, OrgKind::Copilot) {
                        Some(id) if !ids.contains(&id) => ids.push(id),
                        Some(_) => {}
                        None => refuse("copilot_ids", "unknown"),
                    }
                }
                ids
            }
            None => current.copilot_ids.clone(),
        };
        let coaches = match &input.coach_ids {
            Some(raw) => {
                let known = programme_admin::coaches(self.db(), scope).await?;
                let mut ids = Vec::new();
                for r in raw.iter().filter(|r| !r.trim().is_empty()) {
                    match Uuid::parse_str(r.trim())
                        .ok()
                        .filter(|id| known.iter().any(|(k, _)| k == id))
                    {
                        Some(id) if !ids.contains(&id) => ids.push(id),
                        Some(_) => {}
                        None => refuse("coach_ids", "unknown"),
                    }
                }
                ids
            }
            None => current.coach_ids.clone(),
        };
        let mut quotas = Vec::new();
        for (org, raw) in input.quotas.iter().flatten() {
            let Some(org) = partner_of(org, OrgKind::Referrer) else {
                refuse("quotas", "unknown");
                continue;
            };
            let quota = match number(raw, 1..=10_000) {
                Ok(q) => q,
                Err(()) => {
                    refuse("quotas", "invalid");
                    continue;
                }
            };
            let standing = current
                .referrers
                .iter()
                .find(|r| r.organisation_id == org)
                .map_or(0, |r| r.standing);
            if quota.is_some_and(|q| u64::try_from(q).unwrap_or(0) < standing) {
                refuse("quotas", "below_referrals");
                continue;
            }
            quotas.push((org, quota));
        }
        let status = match &input.status {
            Some(raw) => match STATUSES.iter().find(|s| **s == raw.trim()) {
                Some(s) => (*s).to_owned(),
                None => {
                    refuse("status", "invalid");
                    current.status.clone()
                }
            },
            None => current.status.clone(),
        };

        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(Checked {
            row: ProgrammeRow {
                id: current.id,
                name,
                slug,
                funder_id,
                min_cell,
            },
            rules,
            status,
            coaches,
            copilots,
            quotas,
        })
    }
}
