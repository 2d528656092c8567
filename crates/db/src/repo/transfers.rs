//! Caseload transfers: an enrolment handed from one coach to another, history kept.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{caseload_transfer, enrolment};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    pub id: Uuid,
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub from_coach: Option<Uuid>,
    pub to_coach: Uuid,
    pub by_user: Uuid,
    pub reason: Option<String>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransfer<'a> {
    pub enrolment_id: Uuid,
    pub person_id: Uuid,
    pub from_coach: Option<Uuid>,
    pub to_coach: Uuid,
    pub by_user: Uuid,
    pub reason: Option<&'a str>,
}

/// Hands the enrolment to `to_coach` and writes the history row; both or neither.
pub async fn transfer(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    t: NewTransfer<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    caseload_transfer::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        enrolment_id: Set(t.enrolment_id),
        person_id: Set(t.person_id),
        from_coach: Set(t.from_coach),
        to_coach: Set(t.to_coach),
        by_user: Set(t.by_user),
        reason: Set(t.reason.map(str::to_owned)),
        at: Set(now),
    }
    .insert(conn)
    .await?;
    enrolment::Entity::update_many()
        .filter(enrolment::Column::TenantId.eq(scope.id()))
        .filter(enrolment::Column::Id.eq(t.enrolment_id))
        .col_expr(enrolment::Column::CoachId, Expr::value(t.to_coach))
        .exec(conn)
        .await?;
    Ok(id)
}

/// A person's transfers, oldest first.
pub async fn of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<Transfer>, DbErr> {
    Ok(caseload_transfer::Entity::find()
        .filter(caseload_transfer::Column::TenantId.eq(scope.id()))
        .filter(caseload_transfer::Column::PersonId.eq(person))
        .order_by_asc(caseload_transfer::Column::At)
        .order_by_asc(caseload_transfer::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Transfer {
            id: m.id,
            enrolment_id: m.enrolment_id,
            person_id: m.person_id,
            from_coach: m.from_coach,
            to_coach: m.to_coach,
            by_user: m.by_user,
            reason: m.reason,
            at: m.at,
        })
        .collect())
}
