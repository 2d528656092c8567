//! An operator's set-up of its partners and programmes (issue 25): the partner
//! organisations it works with, a programme's details as the administrator edits them
//! (state, rules, quotas, coaches, co-pilots) and its cohorts. Every function takes the
//! operator's [`TenantScope`]: a partner linked to two operators is seen by each through
//! its own link only.

use std::collections::BTreeSet;

use parcours_domain::{OrgKind, Role};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{
    cohort, employer_partner, membership, operator_partner, organisation, programme,
    programme_coach, programme_copilot, programme_referrer, programme_state, user,
};
use crate::repo::parse_code;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    pub id: Uuid,
    pub kind: OrgKind,
    pub name: String,
}

/// Links an organisation to the operator as its partner (once).
pub async fn add_partner(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    organisation_id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    operator_partner::Entity::insert(operator_partner::ActiveModel {
        tenant_id: sea_orm::Set(scope.id()),
        organisation_id: sea_orm::Set(organisation_id),
        created_at: sea_orm::Set(now),
    })
    .on_conflict_do_nothing_on([
        operator_partner::Column::TenantId,
        operator_partner::Column::OrganisationId,
    ])
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// The ids of the organisations the operator works with: linked as partners, funding or
/// referring to one of its programmes, or offering to its candidates as employers.
async fn partner_ids(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<BTreeSet<Uuid>, DbErr> {
    let mut ids: BTreeSet<Uuid> = operator_partner::Entity::find()
        .filter(operator_partner::Column::TenantId.eq(scope.id()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.organisation_id)
        .collect();
    let programmes = programme::Entity::find()
        .filter(programme::Column::TenantId.eq(scope.id()))
        .all(conn)
        .await?;
    ids.extend(programmes.iter().filter_map(|p| p.funder_id));
    let own: Vec<Uuid> = programmes.iter().map(|p| p.id).collect();
    ids.extend(
        programme_referrer::Entity::find()
            .filter(programme_referrer::Column::ProgrammeId.is_in(own.clone()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.organisation_id),
    );
    ids.extend(
        programme_copilot::Entity::find()
            .filter(programme_copilot::Column::TenantId.eq(scope.id()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.organisation_id),
    );
    ids.extend(
        employer_partner::Entity::find()
            .filter(employer_partner::Column::TenantId.eq(scope.id()))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| r.employer_org_id),
    );
    ids.remove(&scope.id());
    Ok(ids)
}

/// The operator itself first, then its partners by name.
pub async fn partners(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<Partner>, DbErr> {
    let ids = partner_ids(conn, scope).await?;
    let mut out = Vec::new();
    if let Some(own) = organisation::Entity::find_by_id(scope.id())
        .one(conn)
        .await?
    {
        out.push(Partner {
            id: own.id,
            kind: parse_code(&own.kind)?,
            name: own.name,
        });
    }
    for m in organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids))
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(conn)
        .await?
    {
        out.push(Partner {
            id: m.id,
            kind: parse_code(&m.kind)?,
            name: m.name,
        });
    }
    Ok(out)
}

/// One of the operator's partners (not the operator itself), if it is one.
pub async fn find_partner(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Partner>, DbErr> {
    if !partner_ids(conn, scope).await?.contains(&id) {
        return Ok(None);
    }
    organisation::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|m| {
            Ok(Partner {
                id: m.id,
                kind: parse_code(&m.kind)?,
                name: m.name,
            })
        })
        .transpose()
}

// ------------------------------------------------------------------ programmes

/// A programme's state: `open`, `closed` (no new cohort) or `archived` (read-only).
pub async fn status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<String, DbErr> {
    Ok(programme_state::Entity::find_by_id(programme_id)
        .filter(programme_state::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map_or_else(|| "open".to_owned(), |s| s.status))
}

pub async fn set_status(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    status: &str,
    now: i64,
) -> Result<(), DbErr> {
    programme_state::Entity::insert(programme_state::ActiveModel {
        programme_id: sea_orm::Set(programme_id),
        tenant_id: sea_orm::Set(scope.id()),
        status: sea_orm::Set(status.to_owned()),
        updated_at: sea_orm::Set(now),
    })
    .on_conflict(
        OnConflict::column(programme_state::Column::ProgrammeId)
            .update_columns([
                programme_state::Column::Status,
                programme_state::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// The fields of the `programmes` row an administrator edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeRow {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub funder_id: Option<Uuid>,
    pub min_cell: Option<i32>,
}

pub async fn find_programme(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<ProgrammeRow>, DbErr> {
    Ok(programme::Entity::find_by_id(id)
        .filter(programme::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(|m| ProgrammeRow {
            id: m.id,
            name: m.name,
            slug: m.slug,
            funder_id: m.funder_id,
            min_cell: m.min_cell,
        }))
}

/// Whether another of the operator's programmes has this slug.
pub async fn slug_taken(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    slug: &str,
    except: Option<Uuid>,
) -> Result<bool, DbErr> {
    let mut q = programme::Entity::find()
        .filter(programme::Column::TenantId.eq(scope.id()))
        .filter(programme::Column::Slug.eq(slug));
    if let Some(id) = except {
        q = q.filter(programme::Column::Id.ne(id));
    }
    Ok(q.count(conn).await? > 0)
}

pub async fn update_programme(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    row: &ProgrammeRow,
) -> Result<(), DbErr> {
    programme::Entity::update_many()
        .filter(programme::Column::TenantId.eq(scope.id()))
        .filter(programme::Column::Id.eq(row.id))
        .col_expr(programme::Column::Name, Expr::value(row.name.clone()))
        .col_expr(programme::Column::Slug, Expr::value(row.slug.clone()))
        .col_expr(programme::Column::FunderId, Expr::value(row.funder_id))
        .col_expr(programme::Column::MinCell, Expr::value(row.min_cell))
        .exec(conn)
        .await?;
    Ok(())
}

// A programme's rules, quotas and standing referrals are the referral repository's
// (`referrals::rules`, `save_rules`, `quotas`, `set_quota`, `standing_count`): the
// administrator's form and the manager's settings page read and write the same rows
// through the same functions.
pub use super::referrals::{Rules, rules, save_rules};

/// A referrer of the programme: its quota (if any) and its referrals standing
/// (submitted or accepted), which a quota may not go under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferrerQuota {
    pub organisation_id: Uuid,
    pub name: String,
    pub quota: Option<i32>,
    pub standing: u64,
}

async fn own_programme(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(programme::Entity::find_by_id(programme_id)
        .filter(programme::Column::TenantId.eq(scope.id()))
        .count(conn)
        .await?
        > 0)
}

pub async fn referrers(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<ReferrerQuota>, DbErr> {
    if !own_programme(conn, scope, programme_id).await? {
        return Ok(Vec::new());
    }
    let orgs: Vec<Uuid> = programme_referrer::Entity::find()
        .filter(programme_referrer::Column::ProgrammeId.eq(programme_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| r.organisation_id)
        .collect();
    let quotas = super::referrals::quotas(conn, scope, programme_id).await?;
    let mut out = Vec::new();
    for org in organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(orgs))
        .order_by_asc(organisation::Column::Name)
        .all(conn)
        .await?
    {
        let standing = super::referrals::standing_count(conn, scope, programme_id, org.id).await?;
        out.push(ReferrerQuota {
            quota: quotas.iter().find(|(o, _)| *o == org.id).map(|(_, q)| *q),
            organisation_id: org.id,
            name: org.name,
            standing,
        });
    }
    Ok(out)
}

/// Makes the organisation a referrer of the programme (once) with this quota (None:
/// no quota).
pub async fn set_referrer(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    organisation_id: Uuid,
    quota: Option<i32>,
) -> Result<(), DbErr> {
    if !own_programme(conn, scope, programme_id).await? {
        return Err(DbErr::RecordNotFound(format!(
            "programme {programme_id} in this tenant"
        )));
    }
    programme_referrer::Entity::insert(programme_referrer::ActiveModel {
        programme_id: sea_orm::Set(programme_id),
        organisation_id: sea_orm::Set(organisation_id),
    })
    .on_conflict_do_nothing_on([
        programme_referrer::Column::ProgrammeId,
        programme_referrer::Column::OrganisationId,
    ])
    .exec_without_returning(conn)
    .await?;
    super::referrals::set_quota(conn, scope, programme_id, organisation_id, quota).await?;
    Ok(())
}

/// The operator's coaches: (user id, display name), by name.
pub async fn coaches(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    let ids: Vec<Uuid> = membership::Entity::find()
        .filter(membership::Column::OrganisationId.eq(scope.id()))
        .filter(membership::Column::Role.eq(Role::Coach.code()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::DisplayName)
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

pub async fn assigned_coaches(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(programme_coach::Entity::find()
        .filter(programme_coach::Column::TenantId.eq(scope.id()))
        .filter(programme_coach::Column::ProgrammeId.eq(programme_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.user_id)
        .collect())
}

pub async fn set_coaches(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    coaches: &[Uuid],
) -> Result<(), DbErr> {
    programme_coach::Entity::delete_many()
        .filter(programme_coach::Column::TenantId.eq(scope.id()))
        .filter(programme_coach::Column::ProgrammeId.eq(programme_id))
        .exec(conn)
        .await?;
    for user_id in coaches {
        programme_coach::Entity::insert(programme_coach::ActiveModel {
            programme_id: sea_orm::Set(programme_id),
            user_id: sea_orm::Set(*user_id),
            tenant_id: sea_orm::Set(scope.id()),
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

pub async fn copilots(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(programme_copilot::Entity::find()
        .filter(programme_copilot::Column::TenantId.eq(scope.id()))
        .filter(programme_copilot::Column::ProgrammeId.eq(programme_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| c.organisation_id)
        .collect())
}

pub async fn set_copilots(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
    organisations: &[Uuid],
) -> Result<(), DbErr> {
    programme_copilot::Entity::delete_many()
        .filter(programme_copilot::Column::TenantId.eq(scope.id()))
        .filter(programme_copilot::Column::ProgrammeId.eq(programme_id))
        .exec(conn)
        .await?;
    for organisation_id in organisations {
        programme_copilot::Entity::insert(programme_copilot::ActiveModel {
            programme_id: sea_orm::Set(programme_id),
            organisation_id: sea_orm::Set(*organisation_id),
            tenant_id: sea_orm::Set(scope.id()),
        })
        .exec(conn)
        .await?;
    }
    Ok(())
}

// ------------------------------------------------------------------ cohorts

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortRow {
    pub id: Uuid,
    pub name: String,
    pub starts_on: String,
    pub capacity: Option<i32>,
}

/// The cohorts of one of the operator's programmes, by start date.
pub async fn cohorts(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    programme_id: Uuid,
) -> Result<Vec<CohortRow>, DbErr> {
    Ok(cohort::Entity::find()
        .filter(cohort::Column::TenantId.eq(scope.id()))
        .filter(cohort::Column::ProgrammeId.eq(programme_id))
        .order_by_asc(cohort::Column::StartsOn)
        .order_by_asc(cohort::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| CohortRow {
            id: m.id,
            name: m.name,
            starts_on: m.starts_on,
            capacity: m.capacity,
        })
        .collect())
}
