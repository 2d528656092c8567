//! The operators (tenants) of the installation as the host administrator sees them:
//! names, dates and counts, never a person's data. Crosses tenants by design, which is
//! why it lives here.

use parcours_domain::{OrgKind, Role};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{membership, organisation, staff_account};
use crate::repo::setup::{self, OperatorSettings, SetupCounts};

/// One operator as the host's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorRow {
    pub id: Uuid,
    pub name: String,
    pub created_at: i64,
    /// Accounts of the operator's own organisation (coaches, managers, administrators)
    /// that can sign in: not deactivated, and not an invitation still waiting.
    pub active_accounts: u64,
    /// Invitations sent and not yet taken up (the first administrator's, at first).
    pub pending_invitations: u64,
    /// What the set-up checklist reads: the saved settings and the counts.
    pub settings: Option<OperatorSettings>,
    pub counts: SetupCounts,
}

/// Every operator, oldest first, with its account counts and set-up facts.
pub async fn operators(conn: &impl ConnectionTrait) -> Result<Vec<OperatorRow>, DbErr> {
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Operator.code()))
        .order_by_asc(organisation::Column::CreatedAt)
        .order_by_asc(organisation::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = orgs.iter().map(|o| o.id).collect();
    let members = membership::Entity::find()
        .filter(membership::Column::OrganisationId.is_in(ids.clone()))
        .filter(membership::Column::Role.ne(Role::Beneficiary.code()))
        .all(conn)
        .await?;
    let staff = staff_account::Entity::find()
        .filter(staff_account::Column::Id.is_in(members.iter().map(|m| m.id)))
        .all(conn)
        .await?;
    let mut saved: Vec<(Uuid, Option<OperatorSettings>)> = setup::unscoped::operators(conn)
        .await?
        .into_iter()
        .map(|(id, _, settings)| (id, settings))
        .collect();
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        let (mut active, mut pending) = (0, 0);
        for m in members.iter().filter(|m| m.organisation_id == org.id) {
            match staff.iter().find(|s| s.id == m.id) {
                Some(s) if s.deactivated_at.is_some() => {}
                Some(s) if s.invited_at.is_some() && s.last_sign_in_at.is_none() => pending += 1,
                _ => active += 1,
            }
        }
        let settings = saved
            .iter_mut()
            .find(|(id, _)| *id == org.id)
            .and_then(|(_, s)| s.take());
        // Counts only (coaches, programmes, referrers): no row of the tenant is read.
        let counts = setup::counts(conn, TenantScope::of(org.id)).await?;
        out.push(OperatorRow {
            id: org.id,
            name: org.name,
            created_at: org.created_at,
            active_accounts: active,
            pending_invitations: pending,
            settings,
            counts,
        });
    }
    Ok(out)
}

/// The names of every operator (to refuse a new one whose name or slug is taken).
pub async fn operator_names(conn: &impl ConnectionTrait) -> Result<Vec<String>, DbErr> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Operator.code()))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect())
}

/// The operator's record that its first administrator was invited (by the host
/// administrator `by`, or `None` from the command line): the account shows as a
/// pending invitation on the operator's staff list until its owner signs in.
pub async fn mark_first_admin_invited(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    membership_id: Uuid,
    by: Option<Uuid>,
    now: i64,
) -> Result<(), DbErr> {
    staff_account::ActiveModel {
        id: Set(membership_id),
        tenant_id: Set(scope.id()),
        invited_by: Set(by),
        invited_at: Set(Some(now)),
        last_sign_in_at: Set(None),
        deactivated_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The installation's own organisation (kind `host`), created with its first host
/// administrator; there is one.
pub async fn host_organisation(conn: &impl ConnectionTrait, now: i64) -> Result<Uuid, DbErr> {
    if let Some(host) = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Host.code()))
        .order_by_asc(organisation::Column::CreatedAt)
        .one(conn)
        .await?
    {
        return Ok(host.id);
    }
    crate::repo::installation::accounts::insert_organisation(conn, OrgKind::Host, "Parcours", now)
        .await
}
