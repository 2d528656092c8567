//! Programmes as the operator sets them up (issue 25): create and edit one (name, slug,
//! funder, co-pilots, territory, publics, age band, dates, referrer quotas, minimum
//! cell, coaches), open its cohorts, close it (no new cohort) and archive it
//! (read-only; its reports stay available). The referral rules the manager edits on
//! `/programmes/{id}` are the same stored rules.

use parcours_db::repo::programme_admin::{self, ProgrammeRow};
pub use parcours_db::repo::programme_admin::{CohortRow, Partner, ReferrerQuota, Rules};
use parcours_db::repo::{programmes, referrals};
use parcours_domain::OrgKind;
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

mod check;

pub use check::{MAX_NAME_CHARS, MIN_CELL_FLOOR, STATUSES};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const CREATED: AuditAction = AuditAction::ProgrammeCreated;
    pub const UPDATED: AuditAction = AuditAction::ProgrammeUpdated;
    pub const STATUS_CHANGED: AuditAction = AuditAction::ProgrammeStatusChanged;
    pub const COHORT_ADDED: AuditAction = AuditAction::CohortAdded;
}

/// A programme with everything its edit page and the API show.
#[derive(Debug, Clone)]
pub struct ProgrammeDetails {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub funder_id: Option<Uuid>,
    /// `open`, `closed` or `archived`.
    pub status: String,
    pub min_cell: Option<i32>,
    pub rules: Rules,
    pub coach_ids: Vec<Uuid>,
    pub copilot_ids: Vec<Uuid>,
    pub referrers: Vec<ReferrerQuota>,
    pub cohorts: Vec<CohortRow>,
}

/// What the form or the API sends. `None` leaves a field as it is (PATCH); creation
/// requires name, slug, funder and dates. Values are as typed, checked here so that
/// every refusal names its field.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeInput {
    pub name: Option<String>,
    pub slug: Option<String>,
    pub funder_id: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub co_pilots: Option<String>,
    pub copilot_ids: Option<Vec<String>>,
    pub departements: Option<String>,
    pub publics: Option<Vec<String>>,
    pub min_age: Option<String>,
    pub max_age: Option<String>,
    pub min_cell: Option<String>,
    pub coach_ids: Option<Vec<String>>,
    /// (referrer organisation id, quota; empty: none).
    pub quotas: Option<Vec<(String, String)>>,
    pub status: Option<String>,
}

impl ProgrammeInput {
    /// Whether anything but the state would change.
    fn edits_content(&self) -> bool {
        self.name.is_some()
            || self.slug.is_some()
            || self.funder_id.is_some()
            || self.starts_on.is_some()
            || self.ends_on.is_some()
            || self.co_pilots.is_some()
            || self.copilot_ids.is_some()
            || self.departements.is_some()
            || self.publics.is_some()
            || self.min_age.is_some()
            || self.max_age.is_some()
            || self.min_cell.is_some()
            || self.coach_ids.is_some()
            || self.quotas.is_some()
    }
}

/// What the programme form offers to choose from.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeChoices {
    pub funders: Vec<Partner>,
    pub referrers: Vec<Partner>,
    pub copilots: Vec<Partner>,
    /// (user id, name).
    pub coaches: Vec<(Uuid, String)>,
}

/// One line of the programmes list.
#[derive(Debug, Clone)]
pub struct ProgrammeLine {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub funder_id: Option<Uuid>,
    pub status: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

impl App {
    /// The operator's default minimum cell (set on `/admin/organisation`), never under
    /// the platform's floor: reports that are not a programme's own use it, and a
    /// programme's own cell starts from it and may not go under it.
    pub async fn operator_min_cell(
        &self,
        scope: parcours_db::TenantScope,
    ) -> Result<i32, AppError> {
        let saved = parcours_db::repo::setup::settings(self.db(), scope)
            .await?
            .map_or(0, |s| s.min_cell);
        Ok(saved.max(MIN_CELL_FLOOR))
    }

    /// The minimum cell a programme's figures are published with: its own, never
    /// under the operator's default (which applies when it has none).
    pub(crate) async fn report_min_cell(
        &self,
        scope: parcours_db::TenantScope,
        own: Option<i32>,
    ) -> Result<i32, AppError> {
        let operator = self.operator_min_cell(scope).await?;
        Ok(own.map_or(operator, |own| own.max(operator)))
    }

    /// The operator's programmes, by name.
    pub async fn programme_lines(&self, actor: &Actor) -> Result<Vec<ProgrammeLine>, AppError> {
        Self::setting_up(actor)?;
        let scope = actor.tenant();
        let mut out = Vec::new();
        for p in programmes::list_in_tenant(self.db(), scope).await? {
            let rules = programme_admin::rules(self.db(), scope, p.id).await?;
            out.push(ProgrammeLine {
                status: programme_admin::status(self.db(), scope, p.id).await?,
                id: p.id,
                name: p.name,
                slug: p.slug,
                funder_id: p.funder_id,
                starts_on: rules.starts_on,
                ends_on: rules.ends_on,
            });
        }
        Ok(out)
    }

    pub async fn programme_choices(&self, actor: &Actor) -> Result<ProgrammeChoices, AppError> {
        Self::setting_up(actor)?;
        let scope = actor.tenant();
        let partners = programme_admin::partners(self.db(), scope).await?;
        let of = |kind: OrgKind| -> Vec<Partner> {
            partners
                .iter()
                .filter(|p| p.kind == kind)
                .cloned()
                .collect()
        };
        Ok(ProgrammeChoices {
            funders: of(OrgKind::Funder),
            referrers: of(OrgKind::Referrer),
            copilots: of(OrgKind::Copilot),
            coaches: programme_admin::coaches(self.db(), scope).await?,
        })
    }

    /// One of the operator's programmes; another tenant's answers NotFound.
    pub async fn programme_details(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<ProgrammeDetails, AppError> {
        Self::setting_up(actor)?;
        let scope = actor.tenant();
        let row = programme_admin::find_programme(self.db(), scope, id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(ProgrammeDetails {
            status: programme_admin::status(self.db(), scope, id).await?,
            rules: programme_admin::rules(self.db(), scope, id).await?,
            coach_ids: programme_admin::assigned_coaches(self.db(), scope, id).await?,
            copilot_ids: programme_admin::copilots(self.db(), scope, id).await?,
            referrers: programme_admin::referrers(self.db(), scope, id).await?,
            cohorts: programme_admin::cohorts(self.db(), scope, id).await?,
            id: row.id,
            name: row.name,
            slug: row.slug,
            funder_id: row.funder_id,
            min_cell: row.min_cell,
        })
    }

    /// Creates a programme; name, slug, funder and dates are required.
    pub async fn create_programme(
        &self,
        actor: &Actor,
        input: &ProgrammeInput,
    ) -> Result<Uuid, AppError> {
        Self::setting_up(actor)?;
        let mut required = Vec::new();
        for (field, value) in [
            ("name", &input.name),
            ("slug", &input.slug),
            ("funder_id", &input.funder_id),
            ("starts_on", &input.starts_on),
            ("ends_on", &input.ends_on),
        ] {
            if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
                required.push(FieldError {
                    field,
                    code: "required",
                });
            }
        }
        let blank = ProgrammeDetails {
            id: Uuid::nil(),
            name: String::new(),
            slug: String::new(),
            funder_id: None,
            status: "open".to_owned(),
            // A new programme's minimum cell is the operator's default unless given.
            min_cell: Some(self.operator_min_cell(actor.tenant()).await?),
            rules: Rules::default(),
            coach_ids: Vec::new(),
            copilot_ids: Vec::new(),
            referrers: Vec::new(),
            cohorts: Vec::new(),
        };
        let checked = match self.check_programme(actor, &blank, input, None).await {
            Ok(c) if required.is_empty() => c,
            Ok(_) => return Err(AppError::Invalid(required)),
            Err(AppError::Invalid(mut errors)) => {
                // A required field's own message wins over its format's.
                errors.retain(|e| !required.iter().any(|r| r.field == e.field));
                required.extend(errors);
                return Err(AppError::Invalid(required));
            }
            Err(e) => return Err(e),
        };
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        let id = programmes::insert(
            &*txn,
            scope,
            checked.row.funder_id,
            &checked.row.name,
            &checked.row.slug,
            txn.at(),
        )
        .await?;
        self.write_programme(&txn, scope, id, &checked).await?;
        txn.commit(Audit::tenant(audit_action::CREATED)).await?;
        Ok(id)
    }

    /// Changes the fields given; an archived programme only changes state.
    pub async fn update_programme(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &ProgrammeInput,
    ) -> Result<(), AppError> {
        let current = self.programme_details(actor, id).await?;
        if current.status == "archived" && input.edits_content() {
            return Err(AppError::invalid("status", "archived"));
        }
        let checked = self
            .check_programme(actor, &current, input, Some(id))
            .await?;
        let scope = actor.tenant();
        let txn = self.change(actor).await?;
        self.write_programme(&txn, scope, id, &checked).await?;
        let action = if input.edits_content() {
            audit_action::UPDATED
        } else {
            audit_action::STATUS_CHANGED
        };
        if input.edits_content() && checked.status != current.status {
            txn.audit(Audit::tenant(audit_action::STATUS_CHANGED))
                .await?;
        }
        txn.commit(Audit::tenant(action)).await?;
        Ok(())
    }

    async fn write_programme(
        &self,
        txn: &crate::unit_of_work::Change,
        scope: parcours_db::TenantScope,
        id: Uuid,
        checked: &check::Checked,
    ) -> Result<(), AppError> {
        let at = txn.at();
        programme_admin::update_programme(
            &**txn,
            scope,
            &ProgrammeRow {
                id,
                ..checked.row.clone()
            },
        )
        .await?;
        programme_admin::save_rules(&**txn, scope, id, &checked.rules, at).await?;
        programme_admin::set_status(&**txn, scope, id, &checked.status, at).await?;
        programme_admin::set_coaches(&**txn, scope, id, &checked.coaches).await?;
        programme_admin::set_copilots(&**txn, scope, id, &checked.copilots).await?;
        for (org, quota) in &checked.quotas {
            programme_admin::set_referrer(&**txn, scope, id, *org, *quota).await?;
        }
        Ok(())
    }

    /// The cohorts of one of the operator's programmes.
    pub async fn programme_cohorts(
        &self,
        actor: &Actor,
        programme_id: Uuid,
    ) -> Result<Vec<CohortRow>, AppError> {
        Self::setting_up(actor)?;
        let scope = actor.tenant();
        programme_admin::find_programme(self.db(), scope, programme_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(programme_admin::cohorts(self.db(), scope, programme_id).await?)
    }

    /// Opens a cohort in an open programme.
    pub async fn open_cohort(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        name: &str,
        starts_on: &str,
    ) -> Result<Uuid, AppError> {
        Self::setting_up(actor)?;
        let scope = actor.tenant();
        programme_admin::find_programme(self.db(), scope, programme_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let mut errors = Vec::new();
        if programme_admin::status(self.db(), scope, programme_id).await? != "open" {
            errors.push(FieldError {
                field: "programme",
                code: "closed",
            });
        }
        let name = crate::text_field("name", name, 80)
            .map_err(|e| errors.push(e))
            .ok();
        let starts_on = match check::date(starts_on) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.push(FieldError {
                    field: "starts_on",
                    code: "required",
                });
                None
            }
            Err(()) => {
                errors.push(FieldError {
                    field: "starts_on",
                    code: "invalid",
                });
                None
            }
        };
        let (Some(name), Some(starts_on), true) = (name, starts_on, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let txn = self.change(actor).await?;
        let id = referrals::insert_cohort(
            &*txn,
            scope,
            programme_id,
            &name,
            &starts_on,
            None,
            txn.at(),
        )
        .await?;
        txn.commit(Audit::tenant(audit_action::COHORT_ADDED))
            .await?;
        Ok(id)
    }
}
