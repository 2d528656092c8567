//! Placements of a person, as recorded facts.

use parcours_domain::placement::Placement;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::placement;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacementRecord {
    pub id: Uuid,
    pub person_id: Uuid,
    pub facts: Placement,
    /// The employer's opportunity it followed (an immersion that led to the job).
    pub request_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_at: i64,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    facts: &Placement,
    request_id: Option<Uuid>,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    placement::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person),
        kind: Set(facts.kind.code().to_owned()),
        contract_type: Set(facts.contract_type.map(|c| c.code().to_owned())),
        starts_on: Set(facts.starts_on.clone()),
        planned_end: Set(facts.planned_end.clone()),
        weekly_hours: Set(facts.weekly_hours),
        employer_name: Set(facts.employer_name.clone()),
        training_name: Set(facts.training_name.clone()),
        qualifying: Set(facts.qualifying),
        business_activity: Set(facts.business_activity.clone()),
        request_id: Set(request_id),
        recorded_by: Set(by),
        recorded_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// A person's placements, the most recent start first.
pub async fn of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<PlacementRecord>, DbErr> {
    placement::Entity::find()
        .filter(placement::Column::TenantId.eq(scope.id()))
        .filter(placement::Column::PersonId.eq(person))
        .order_by_desc(placement::Column::StartsOn)
        .order_by_desc(placement::Column::RecordedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| {
            Ok(PlacementRecord {
                id: m.id,
                person_id: m.person_id,
                facts: Placement {
                    kind: parse_code(&m.kind)?,
                    contract_type: m.contract_type.as_deref().map(parse_code).transpose()?,
                    starts_on: m.starts_on,
                    planned_end: m.planned_end,
                    weekly_hours: m.weekly_hours,
                    employer_name: m.employer_name,
                    training_name: m.training_name,
                    qualifying: m.qualifying,
                    business_activity: m.business_activity,
                },
                request_id: m.request_id,
                recorded_by: m.recorded_by,
                recorded_at: m.recorded_at,
            })
        })
        .collect()
}
