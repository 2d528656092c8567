//! The append-only audit log: who read or changed which person's file, and when.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::audit_event;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub actor_user_id: Option<Uuid>,
    pub action: String,
    pub person_id: Option<Uuid>,
    pub at: i64,
}

pub async fn record(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    actor_user_id: Option<Uuid>,
    action: &str,
    person_id: Option<Uuid>,
    at: i64,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        actor_user_id: Set(actor_user_id),
        action: Set(action.to_owned()),
        person_id: Set(person_id),
        at: Set(at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A person's audit trail, newest first.
pub async fn for_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
) -> Result<Vec<AuditEvent>, DbErr> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::TenantId.eq(scope.id()))
        .filter(audit_event::Column::PersonId.eq(person_id))
        .order_by_desc(audit_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| AuditEvent {
            id: m.id,
            actor_user_id: m.actor_user_id,
            action: m.action,
            person_id: m.person_id,
            at: m.at,
        })
        .collect())
}
