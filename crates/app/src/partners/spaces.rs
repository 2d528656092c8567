//! A user's spaces: each membership they hold (a France Travail agent working with two
//! operators holds one per operator), and the switch from one to another. A session
//! works in one space at a time, so a partner's user sees one operator's programmes
//! and referrals, never another's, until they switch.

use parcours_db::repo::installation::{accounts, security};
use parcours_db::repo::staff;
use parcours_domain::Role;
use uuid::Uuid;

use crate::auth::Actor;
use crate::unit_of_work::Bookkeeping;
use crate::{App, AppError};

/// One membership of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub membership_id: Uuid,
    pub role: Role,
    pub organisation: String,
    /// For a partner's membership: the operator it works with.
    pub operator: Option<String>,
    /// The session works in this space now.
    pub current: bool,
}

fn is_partner_role(role: Role) -> bool {
    matches!(role, Role::Referrer | Role::Funder | Role::Employer)
}

impl App {
    /// The signed-in user's spaces that no operator deactivated, oldest first.
    pub async fn spaces(&self, actor: &Actor) -> Result<Vec<Space>, AppError> {
        let memberships = accounts::memberships_of(self.db(), actor.user_id).await?;
        let ids: Vec<Uuid> = memberships.iter().map(|m| m.id).collect();
        let deactivated = staff::unscoped::deactivated_among(self.db(), &ids).await?;
        let mut out = Vec::new();
        for m in memberships {
            if deactivated.contains(&m.id) {
                continue;
            }
            let operator_id = if is_partner_role(m.role) {
                m.operator_id
            } else {
                None
            };
            let operator = match operator_id {
                Some(id) => accounts::find_organisation(self.db(), id)
                    .await?
                    .map(|o| o.name),
                None => None,
            };
            out.push(Space {
                membership_id: m.id,
                role: m.role,
                current: m.organisation.id == actor.organisation_id
                    && m.role == actor.role
                    && operator_id == actor.operator_id,
                organisation: m.organisation.name,
                operator,
            });
        }
        Ok(out)
    }

    /// Moves the session to another of the user's spaces; another's membership (or a
    /// deactivated one) answers not found.
    pub async fn switch_space(&self, actor: &Actor, membership_id: Uuid) -> Result<(), AppError> {
        let Some(space) = self
            .spaces(actor)
            .await?
            .into_iter()
            .find(|s| s.membership_id == membership_id)
        else {
            return Err(AppError::NotFound);
        };
        // The user's own session, like signing in: nobody's file.
        let txn = self.bookkeeping(Bookkeeping::Sessions).await?;
        if !security::set_session_membership(
            &*txn,
            &actor.session_id_hash,
            actor.user_id,
            space.membership_id,
        )
        .await?
        {
            return Err(AppError::NotFound);
        }
        txn.commit().await?;
        Ok(())
    }
}
