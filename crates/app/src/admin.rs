//! Administration use cases run from the command line.

use parcours_db::repo::accounts;
use parcours_db::{TransactionTrait, is_unique_violation};
use parcours_domain::{Email, OrgKind, Role};
use uuid::Uuid;

use crate::auth::check_new_password;
use crate::{App, AppError, now_ms};

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
        let now = now_ms();
        let txn = self.db().begin().await?;
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
