//! Who is acting: the signed-in user as every use case sees them.

use parcours_db::TenantScope;
use parcours_domain::Role;
use uuid::Uuid;

use crate::same_secret;

/// The signed-in user as every use case sees them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub display_name: String,
    pub email: String,
    pub locale: String,
    pub role: Role,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    /// For a partner's user (referrer, funder, employer): the operator this session
    /// works with, when the membership belongs to one (see `partners::spaces`); none
    /// for the operator's own staff and for memberships no operator manages.
    pub operator_id: Option<Uuid>,
    pub session_id_hash: String,
    pub csrf_token: String,
}

impl Actor {
    /// The tenant this user works in: their organisation.
    pub fn tenant(&self) -> TenantScope {
        TenantScope::of(self.organisation_id)
    }

    /// A referrer's view: its organisation's, within the session's operator.
    pub fn referrer_scope(&self) -> parcours_db::ReferrerScope {
        parcours_db::ReferrerScope::within(self.organisation_id, self.operator_id)
    }

    /// A funder's view: its organisation's, within the session's operator.
    pub fn funder_scope(&self) -> parcours_db::FunderScope {
        parcours_db::FunderScope::within(self.organisation_id, self.operator_id)
    }

    /// True when a programme run by `tenant` is in this session's context (a partner
    /// working with one operator sees nothing of another's).
    pub fn in_context(&self, tenant: Uuid) -> bool {
        self.operator_id.is_none_or(|op| op == tenant)
    }

    /// Checks a submitted CSRF token against this session's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        same_secret(&self.csrf_token, submitted)
    }
}
