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
    pub session_id_hash: String,
    pub csrf_token: String,
}

impl Actor {
    /// The tenant this user works in: their organisation.
    pub fn tenant(&self) -> TenantScope {
        TenantScope::of(self.organisation_id)
    }

    /// Checks a submitted CSRF token against this session's.
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        same_secret(&self.csrf_token, submitted)
    }
}
