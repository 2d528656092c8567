//! Meetings a sponsor (parrain, marraine) records with their mentee: the date and a
//! short note the person and their coaches read too.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::sponsor_meeting;

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

/// The meetings of several sponsorships, most recent first.
pub async fn of_requests(
    conn: &impl ConnectionTrait,
    requests: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Meeting>, DbErr> {
    Ok(sponsor_meeting::Entity::find()
        .filter(sponsor_meeting::Column::RequestId.is_in(requests))
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
