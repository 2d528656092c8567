//! The operator's partner organisations: referrers (a France Travail agency, a Mission
//! locale…), funders, employers and co-pilot companies, and their users.
//!
//! One organisation can work with several operators on a host: an operator that adds a
//! partner whose kind and exact name already exist links that organisation
//! (`operator_partners`) instead of making a second one, with the same answer as a
//! creation. Each operator sees only its own link: the users it invited (an account's
//! row in `staff_accounts` names the operator that manages it), its programmes, the
//! referrals sent to it. A partner's user has one membership per operator it works
//! with; the session's membership is its context (`Actor::operator_id`), and the
//! referrer's and funder's views are limited to that operator (`spaces` switches).

use parcours_db::repo::installation::accounts;
use parcours_db::repo::programme_admin::{self, Partner};
use parcours_domain::{Action, OrgKind, Relation, Role, allows};
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Audit;
use crate::{App, AppError, FieldError};

pub mod audit_action {
    use crate::audit_action::AuditAction;

    pub const PARTNER_ADDED: AuditAction = AuditAction::PartnerAdded;
}

mod spaces;
mod users;
pub use spaces::*;
pub use users::*;

/// The role of a partner organisation's users (the domain's rule, named here for the
/// pages that list partners).
pub fn role_for_kind(kind: OrgKind) -> Option<Role> {
    kind.partner_role()
}

/// Longest organisation name accepted.
pub const MAX_NAME_CHARS: usize = 120;

/// The kinds of partner an operator creates (an operator is created with its admin).
pub const PARTNER_KINDS: [OrgKind; 4] = [
    OrgKind::Referrer,
    OrgKind::Funder,
    OrgKind::Employer,
    OrgKind::Copilot,
];

impl App {
    /// Administrators and programme managers set up the operator's partners and
    /// programmes (the policy's `ManageProgramme`, in their own tenant).
    pub(crate) fn setting_up(actor: &Actor) -> Result<(), AppError> {
        let own = Relation {
            same_tenant: true,
            ..Relation::default()
        };
        if allows(actor.role, Action::ManageProgramme, own) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The caller's operator first, then its partners by name.
    pub async fn partner_organisations(&self, actor: &Actor) -> Result<Vec<Partner>, AppError> {
        Self::setting_up(actor)?;
        Ok(programme_admin::partners(self.db(), actor.tenant()).await?)
    }

    /// Creates a partner organisation linked to the caller's operator; when the host
    /// already has one of that kind and exact name (an agency working with another
    /// operator), links that one instead. The answer is the same either way.
    pub async fn add_partner(
        &self,
        actor: &Actor,
        name: &str,
        kind: &str,
    ) -> Result<Uuid, AppError> {
        Self::setting_up(actor)?;
        let mut errors = Vec::new();
        let name = crate::text_field("name", name, MAX_NAME_CHARS)
            .map_err(|e| errors.push(e))
            .ok();
        let kind = match kind.trim().parse::<OrgKind>() {
            Ok(k) if PARTNER_KINDS.contains(&k) => Some(k),
            // A new operator is a new tenant: the host's business, not an operator's.
            Ok(OrgKind::Operator) => {
                errors.push(FieldError {
                    field: "kind",
                    code: "operator",
                });
                None
            }
            _ => {
                errors.push(FieldError {
                    field: "kind",
                    code: if kind.trim().is_empty() {
                        "required"
                    } else {
                        "unknown"
                    },
                });
                None
            }
        };
        let (Some(name), Some(kind), true) = (name, kind, errors.is_empty()) else {
            return Err(AppError::Invalid(errors));
        };
        let txn = self.change(actor).await?;
        let id = match accounts::find_organisation_by_name(&*txn, kind, &name).await? {
            Some(existing) => existing.id,
            None => accounts::insert_organisation(&*txn, kind, &name, txn.at()).await?,
        };
        programme_admin::add_partner(&*txn, actor.tenant(), id, txn.at()).await?;
        txn.commit(Audit::tenant(audit_action::PARTNER_ADDED))
            .await?;
        Ok(id)
    }
}
