//! Programmes and their partner organisations.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use crate::entities::{programme, programme_referrer};
use crate::{FunderScope, ReferrerScope, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub funder_id: Option<Uuid>,
    pub name: String,
    pub slug: String,
}

fn record(m: programme::Model) -> Programme {
    Programme {
        id: m.id,
        tenant_id: m.tenant_id,
        funder_id: m.funder_id,
        name: m.name,
        slug: m.slug,
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    funder_id: Option<Uuid>,
    name: &str,
    slug: &str,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    programme::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        funder_id: Set(funder_id),
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        created_at: Set(now),
        min_cell: Set(None),
        follow_up_m12: Set(false),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The tenant's programme row, for the repositories of what hangs on a programme.
pub(crate) async fn row(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Option<programme::Model>, DbErr> {
    programme::Entity::find_by_id(programme_id)
        .filter(programme::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await
}

/// Refuses a write on a programme that is not the tenant's.
pub(crate) async fn require(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<(), DbErr> {
    match row(conn, scope, programme_id).await? {
        Some(_) => Ok(()),
        None => Err(DbErr::RecordNotFound(format!(
            "programme {programme_id} in this tenant"
        ))),
    }
}

/// Lets a referrer organisation send people into one of the tenant's programmes.
pub async fn add_referrer(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    organisation_id: Uuid,
) -> Result<(), DbErr> {
    require(conn, scope, programme_id).await?;
    programme_referrer::ActiveModel {
        programme_id: Set(programme_id),
        organisation_id: Set(organisation_id),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn list_in_tenant(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Programme>, DbErr> {
    Ok(programme::Entity::find()
        .filter(programme::Column::TenantId.eq(scope.id()))
        .order_by_asc(programme::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(record)
        .collect())
}

/// The programmes a funder funds, whichever operator runs them.
pub async fn list_funded_by(
    conn: &impl ConnectionTrait,
    funder: FunderScope,
) -> Result<Vec<Programme>, DbErr> {
    Ok(programme::Entity::find()
        .filter(programme::Column::FunderId.eq(funder.id()))
        .apply_if(funder.operator(), |q, op| {
            q.filter(programme::Column::TenantId.eq(op))
        })
        .order_by_asc(programme::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(record)
        .collect())
}

/// The programmes a referrer may send people into: whichever operator runs them, or
/// the one its scope is limited to.
pub async fn list_referred_by(
    conn: &impl ConnectionTrait,
    referrer: ReferrerScope,
) -> Result<Vec<Programme>, DbErr> {
    let ids: Vec<Uuid> = programme_referrer::Entity::find()
        .filter(programme_referrer::Column::OrganisationId.eq(referrer.id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.programme_id)
        .collect();
    Ok(programme::Entity::find()
        .filter(programme::Column::Id.is_in(ids))
        .apply_if(referrer.operator(), |q, op| {
            q.filter(programme::Column::TenantId.eq(op))
        })
        .order_by_asc(programme::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(record)
        .collect())
}

/// Lookups that cross tenants.
pub mod unscoped {
    use super::*;

    /// A programme by id, whichever tenant runs it: its funder, its referrers and the
    /// operators whose people are enrolled in it see its name; the row holds no
    /// personal data, and the caller checks its relation to the programme.
    pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Programme>, DbErr> {
        Ok(programme::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(record))
    }
}

/// The referrer organisations of one of the tenant's programmes.
pub async fn referrers_of(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    let own = programme::Entity::find()
        .select_only()
        .column(programme::Column::Id)
        .filter(programme::Column::TenantId.eq(scope.id()))
        .into_query();
    Ok(programme_referrer::Entity::find()
        .filter(programme_referrer::Column::ProgrammeId.eq(programme_id))
        .filter(programme_referrer::Column::ProgrammeId.in_subquery(own))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.organisation_id)
        .collect())
}
