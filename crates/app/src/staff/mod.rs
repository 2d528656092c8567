//! Staff accounts (issue 25, item 3): the operator's administrator invites coaches,
//! programme managers and administrators (and partners' users) by email, changes
//! their roles, deactivates an account once its caseload is handed over, reactivates
//! it, and imports many at once from a CSV file.

use parcours_db::TenantScope;
use parcours_db::repo::installation::accounts;
use parcours_db::repo::staff;
pub use parcours_db::repo::staff::StaffAccount;
use parcours_db::repo::transfers::{self, NewTransfer};
use parcours_domain::Role;
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

mod import;
mod invite;
pub use import::*;
pub use invite::*;

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const INVITED: AuditAction = AuditAction::StaffInvited;
    pub const INVITATION_RESENT: AuditAction = AuditAction::StaffInvitationResent;
    pub const INVITATION_CANCELLED: AuditAction = AuditAction::StaffInvitationCancelled;
    pub const ROLE_CHANGED: AuditAction = AuditAction::StaffRoleChanged;
    pub const DEACTIVATED: AuditAction = AuditAction::StaffDeactivated;
    pub const REACTIVATED: AuditAction = AuditAction::StaffReactivated;
    pub const IMPORTED: AuditAction = AuditAction::StaffImported;
    pub const HANDED_OVER: AuditAction = AuditAction::CaseloadTransferred;
}

pub use crate::jobs::StaffInvitation;

/// The role codes of the pages, the CSV file and the API (`manager` is the programme
/// manager).
pub fn parse_role(code: &str) -> Option<Role> {
    match code.trim().to_lowercase().as_str() {
        "coach" => Some(Role::Coach),
        "manager" | "programme_manager" => Some(Role::ProgrammeManager),
        "admin" => Some(Role::Admin),
        "referrer" => Some(Role::Referrer),
        "funder" => Some(Role::Funder),
        "employer" => Some(Role::Employer),
        _ => None,
    }
}

/// The code [`parse_role`] reads back.
pub fn role_code(role: Role) -> &'static str {
    match role {
        Role::ProgrammeManager => "manager",
        other => other.code(),
    }
}

/// Roles of the operator's own staff (the others belong to partner organisations).
pub fn is_staff_role(role: Role) -> bool {
    matches!(role, Role::Coach | Role::ProgrammeManager | Role::Admin)
}

/// A change asked for one account (the API's PATCH; the pages ask one at a time).
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub role: Option<String>,
    pub active: Option<bool>,
    /// The coach who takes over the caseload when a coach is deactivated.
    pub handover_to: Option<Uuid>,
}

impl App {
    /// Only the operator's administrators manage accounts.
    pub(crate) fn administering(actor: &Actor) -> Result<(), AppError> {
        if actor.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The operator's accounts, by name, with their last sign-in and pending invitations.
    pub async fn staff_accounts(&self, actor: &Actor) -> Result<Vec<StaffAccount>, AppError> {
        Self::administering(actor)?;
        Ok(staff::accounts_of(self.db(), actor.tenant()).await?)
    }

    /// One of the operator's accounts; another tenant's answers not found.
    pub async fn staff_account(&self, actor: &Actor, id: Uuid) -> Result<StaffAccount, AppError> {
        Self::administering(actor)?;
        staff::find_account(self.db(), actor.tenant(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// How many open files the account's coach follows (to hand over before leaving).
    pub async fn open_caseload_count(
        &self,
        actor: &Actor,
        account: &StaffAccount,
    ) -> Result<usize, AppError> {
        Self::administering(actor)?;
        if account.role != Role::Coach {
            return Ok(0);
        }
        Ok(
            staff::open_caseload(self.db(), actor.tenant(), account.user_id)
                .await?
                .len(),
        )
    }

    /// The active coaches who could take over `leaving`'s caseload.
    pub async fn handover_coaches(
        &self,
        actor: &Actor,
        leaving: Uuid,
    ) -> Result<Vec<StaffAccount>, AppError> {
        Ok(self
            .staff_accounts(actor)
            .await?
            .into_iter()
            .filter(|a| {
                a.id != leaving
                    && a.role == Role::Coach
                    && a.active()
                    && a.organisation_id == actor.tenant().id()
            })
            .collect())
    }

    /// Changes an account's role and/or deactivates or reactivates it, in one unit of
    /// work: a coach's open caseload goes to `handover_to` first, the sessions of a
    /// deactivated account end, and the operator always keeps an active administrator.
    pub async fn change_account(
        &self,
        actor: &Actor,
        id: Uuid,
        change: &AccountChange,
    ) -> Result<(), AppError> {
        let scope = actor.tenant();
        let account = self.staff_account(actor, id).await?;
        let own = account.organisation_id == scope.id();
        let new_role = match change.role.as_deref() {
            None => None,
            Some(code) => match parse_role(code) {
                Some(role) if own && is_staff_role(role) => Some(role),
                // A partner's user keeps the role of its organisation's kind.
                Some(role) if !own && role == account.role => None,
                _ => return Err(AppError::invalid("role", "invalid")),
            },
        }
        .filter(|r| *r != account.role);
        let deactivate = change.active == Some(false) && account.active();
        let reactivate = change.active == Some(true) && !account.active();
        if new_role.is_none() && !deactivate && !reactivate {
            return Ok(());
        }
        // The operator keeps at least one active administrator.
        let stays_admin = |a: &StaffAccount| {
            a.organisation_id == scope.id() && a.role == Role::Admin && a.active()
        };
        if stays_admin(&account) && (deactivate || new_role.is_some()) {
            let others = self
                .staff_accounts(actor)
                .await?
                .into_iter()
                .filter(|a| a.id != account.id && stays_admin(a))
                .count();
            if others == 0 {
                let field = if deactivate { "active" } else { "role" };
                return Err(AppError::invalid(field, "last_admin"));
            }
        }
        let caseload = if deactivate || new_role.is_some() {
            self.open_caseload_count(actor, &account).await?
        } else {
            0
        };
        let receiver = if caseload > 0 {
            let Some(to) = change.handover_to else {
                return Err(AppError::invalid("handover_to", "required"));
            };
            let coaches = self.handover_coaches(actor, account.id).await?;
            let Some(to) = coaches.into_iter().find(|c| c.id == to || c.user_id == to) else {
                return Err(AppError::invalid("handover_to", "unknown"));
            };
            Some(to)
        } else {
            None
        };

        let txn = self.change(actor).await?;
        let now = txn.at();
        if let Some(to) = &receiver {
            for (enrolment_id, person_id) in
                staff::open_caseload(&txn, scope, account.user_id).await?
            {
                transfers::transfer(
                    &txn,
                    scope,
                    NewTransfer {
                        enrolment_id,
                        person_id,
                        from_coach: Some(account.user_id),
                        to_coach: to.user_id,
                        by_user: actor.user_id,
                        reason: None,
                    },
                    now,
                )
                .await?;
                txn.audit(Audit::of(audit_action::HANDED_OVER, person_id))
                    .await?;
            }
        }
        let mut last = None;
        if let Some(role) = new_role {
            if !staff::set_role(&txn, scope, account.id, role).await? {
                return Err(AppError::NotFound);
            }
            // The sessions carry the role they were opened with.
            staff::end_sessions(&txn, scope, account.id).await?;
            last = Some(audit_action::ROLE_CHANGED);
        }
        if deactivate {
            staff::set_deactivated(&txn, scope, account.id, Some(now)).await?;
            staff::end_sessions(&txn, scope, account.id).await?;
            if let Some(previous) = last.replace(audit_action::DEACTIVATED) {
                txn.audit(Audit::tenant(previous)).await?;
            }
        } else if reactivate {
            staff::set_deactivated(&txn, scope, account.id, None).await?;
            if let Some(previous) = last.replace(audit_action::REACTIVATED) {
                txn.audit(Audit::tenant(previous)).await?;
            }
        }
        let Some(action) = last else {
            return Ok(());
        };
        txn.commit(Audit::tenant(action)).await?;
        Ok(())
    }

    /// The partner organisations of the operator, as the partners page lists them (those
    /// it added, and the funders, referrers and co-pilots of its programmes, its partner
    /// employers): one definition for both.
    pub(crate) async fn partner_organisations_of(
        &self,
        scope: TenantScope,
    ) -> Result<Vec<accounts::Organisation>, AppError> {
        let mut out = Vec::new();
        for partner in parcours_db::repo::programme_admin::partners(self.db(), scope).await? {
            if partner.id == scope.id() {
                continue;
            }
            if let Some(org) = accounts::find_organisation(self.db(), partner.id).await? {
                out.push(org);
            }
        }
        Ok(out)
    }
}

/// The refused fields of one invitation, before anything is written.
pub(crate) fn push_err(errors: &mut Vec<FieldError>, field: &'static str, code: &'static str) {
    errors.push(FieldError { field, code });
}
