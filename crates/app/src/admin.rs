//! Administration: accounts made from the command line, the tenant's audit log.

use parcours_db::is_unique_violation;
use parcours_db::repo::audit;
pub use parcours_db::repo::audit::TenantLogQuery;
use parcours_db::repo::installation::accounts;
use parcours_domain::{Email, OrgKind, Role};
use uuid::Uuid;

use crate::auth::{Actor, check_new_password};
use crate::unit_of_work::{Audit, Bookkeeping};
use crate::{App, AppError};

impl App {
    /// Creates an administrator of an operator organisation, creating the organisation
    /// when none has that name.
    pub async fn create_admin(
        &self,
        raw_email: &str,
        display_name: &str,
        organisation_name: &str,
        password: &str,
    ) -> Result<Uuid, AppError> {
        let email = Email::parse(raw_email).map_err(|_| AppError::invalid("email", "invalid"))?;
        if display_name.trim().is_empty() {
            return Err(AppError::invalid("name", "required"));
        }
        if organisation_name.trim().is_empty() {
            return Err(AppError::invalid("organisation", "required"));
        }
        check_new_password(password)?;
        let hash = self.hash_password(password).await?;
        let now = self.now();
        // An operator's first account, on its own: no tenant exists yet to trace it in.
        let txn = self.bookkeeping(Bookkeeping::Seed).await?;
        let org_id = match accounts::find_organisation_by_name(
            &txn,
            OrgKind::Operator,
            organisation_name.trim(),
        )
        .await?
        {
            Some(org) => org.id,
            None => {
                accounts::insert_organisation(
                    &txn,
                    OrgKind::Operator,
                    organisation_name.trim(),
                    now,
                )
                .await?
            }
        };
        let user_id = match accounts::insert_user(&txn, &email, display_name.trim(), &hash, now)
            .await
        {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => return Err(AppError::invalid("email", "taken")),
            Err(e) => return Err(e.into()),
        };
        accounts::insert_membership(&txn, user_id, org_id, Role::Admin, now).await?;
        txn.commit().await?;
        Ok(user_id)
    }
}

/// Rows of the audit log shown per page.
pub const AUDIT_PAGE: u64 = 100;

/// One row of the audit log as an administrator reads it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: Uuid,
    pub at: i64,
    /// Who acted (display name), or none for the person or a system job.
    pub actor: Option<String>,
    pub action: String,
    pub person_id: Option<Uuid>,
}

impl App {
    /// A page of the tenant's audit log (administrators only; the log itself is
    /// append-only: the database refuses updates and deletes). Reading it is audited.
    pub async fn audit_log(
        &self,
        actor: &Actor,
        mut query: TenantLogQuery,
    ) -> Result<(Vec<AuditRow>, bool), AppError> {
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        query.limit = AUDIT_PAGE + 1;
        let mut events = audit::of_tenant(self.db(), actor.tenant(), &query).await?;
        let more = events.len() as u64 > AUDIT_PAGE;
        events.truncate(AUDIT_PAGE as usize);
        let mut authors: Vec<Uuid> = events.iter().filter_map(|e| e.actor_user_id).collect();
        authors.sort_unstable();
        authors.dedup();
        let names = crate::workspace::user_names(self.db(), authors).await?;
        self.record(
            actor,
            Audit {
                action: crate::audit_action::AuditAction::AuditRead,
                person: query.person_id,
            },
        )
        .await?;
        Ok((
            events
                .into_iter()
                .map(|e| AuditRow {
                    id: e.id,
                    at: e.at,
                    actor: e.actor_user_id.and_then(|u| names.get(&u).cloned()),
                    action: e.action,
                    person_id: e.person_id,
                })
                .collect(),
            more,
        ))
    }
}
