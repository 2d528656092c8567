//! Meetings a sponsor (parrain, marraine) records with their mentee: the date and a
//! short note the person and their coaches read too.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use crate::entities::{opportunity, opportunity_request, sponsor_meeting};
use crate::{EmployerScope, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    pub id: Uuid,
    pub request_id: Uuid,
    /// YYYY-MM-DD.
    pub met_on: String,
    pub note: Option<String>,
    pub created_by: Uuid,
    pub created_at: i64,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    request_id: Uuid,
    met_on: &str,
    note: Option<&str>,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    sponsor_meeting::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        request_id: Set(request_id),
        met_on: Set(met_on.to_owned()),
        note: Set(note.map(str::to_owned)),
        created_by: Set(by),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The meetings of several of the tenant's sponsorships, most recent first.
pub async fn of_requests(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    requests: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Meeting>, DbErr> {
    let own = opportunity_request::Entity::find()
        .select_only()
        .column(opportunity_request::Column::Id)
        .filter(opportunity_request::Column::TenantId.eq(scope.id()));
    meetings_of(conn, requests, own).await
}

/// The meetings of several sponsorships on the employer's own offers, in every operator
/// tenant, most recent first.
pub async fn of_requests_for_employer(
    conn: &impl ConnectionTrait,
    employer: EmployerScope,
    requests: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Meeting>, DbErr> {
    let offers = opportunity::Entity::find()
        .select_only()
        .column(opportunity::Column::Id)
        .filter(opportunity::Column::EmployerOrgId.eq(employer.id()))
        .into_query();
    let own = opportunity_request::Entity::find()
        .select_only()
        .column(opportunity_request::Column::Id)
        .filter(opportunity_request::Column::OpportunityId.in_subquery(offers));
    meetings_of(conn, requests, own).await
}

/// Meetings of the given requests that the `own` query also lists.
async fn meetings_of(
    conn: &impl ConnectionTrait,
    requests: impl IntoIterator<Item = Uuid>,
    own: sea_orm::Select<opportunity_request::Entity>,
) -> Result<Vec<Meeting>, DbErr> {
    Ok(sponsor_meeting::Entity::find()
        .filter(sponsor_meeting::Column::RequestId.is_in(requests))
        .filter(sponsor_meeting::Column::RequestId.in_subquery(own.into_query()))
        .order_by_desc(sponsor_meeting::Column::MetOn)
        .order_by_desc(sponsor_meeting::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Meeting {
            id: m.id,
            request_id: m.request_id,
            met_on: m.met_on,
            note: m.note,
            created_by: m.created_by,
            created_at: m.created_at,
        })
        .collect())
}
