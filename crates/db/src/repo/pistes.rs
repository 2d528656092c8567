//! The person's and the coach's choices about proposed occupations. Tenant-scoped.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::piste_choice;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PisteChoice {
    pub code_rome: String,
    pub shortlisted: bool,
    /// Some when the person turned it down (the reason may be empty).
    pub rejected_reason: Option<String>,
    pub pinned: bool,
    pub updated_at: i64,
}

pub async fn choices_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Vec<PisteChoice>, DbErr> {
    Ok(piste_choice::Entity::find()
        .filter(piste_choice::Column::TenantId.eq(scope.id()))
        .filter(piste_choice::Column::PersonId.eq(person_id))
        .order_by_asc(piste_choice::Column::CodeRome)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| PisteChoice {
            code_rome: m.code_rome,
            shortlisted: m.shortlisted,
            rejected_reason: m.rejected_reason,
            pinned: m.pinned,
            updated_at: m.updated_at,
        })
        .collect())
}

/// Stores the whole state of one piste for the person (insert or replace).
pub async fn save_choice(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    choice: &PisteChoice,
    updated_by: Uuid,
) -> Result<(), DbErr> {
    let model = piste_choice::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        person_id: Set(person_id),
        code_rome: Set(choice.code_rome.clone()),
        shortlisted: Set(choice.shortlisted),
        rejected_reason: Set(choice.rejected_reason.clone()),
        pinned: Set(choice.pinned),
        updated_by: Set(updated_by),
        updated_at: Set(choice.updated_at),
    };
    piste_choice::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([
                piste_choice::Column::PersonId,
                piste_choice::Column::CodeRome,
            ])
            .update_columns([
                piste_choice::Column::Shortlisted,
                piste_choice::Column::RejectedReason,
                piste_choice::Column::Pinned,
                piste_choice::Column::UpdatedBy,
                piste_choice::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}
