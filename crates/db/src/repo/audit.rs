//! The append-only audit log: who read or changed which person's file, and when.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
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

/// The latest `limit` rows of a person's audit trail, newest first.
pub async fn for_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    limit: u64,
) -> Result<Vec<AuditEvent>, DbErr> {
    of_person(conn, scope, person_id, false, Some(limit)).await
}

/// What happened on a person's file, without the reads and saved answers (the bulk of
/// the log: one row per page opened), the latest `limit`, newest first.
pub async fn changes_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    limit: u64,
) -> Result<Vec<AuditEvent>, DbErr> {
    of_person(conn, scope, person_id, true, Some(limit)).await
}

async fn of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    changes_only: bool,
    limit: Option<u64>,
) -> Result<Vec<AuditEvent>, DbErr> {
    let mut query = audit_event::Entity::find()
        .filter(audit_event::Column::TenantId.eq(scope.id()))
        .filter(audit_event::Column::PersonId.eq(person_id));
    if changes_only {
        query = query
            .filter(audit_event::Column::Action.not_like("%.read"))
            .filter(audit_event::Column::Action.ne("activity.answers_saved"));
    }
    Ok(query
        .order_by_desc(audit_event::Column::Id)
        .limit(limit)
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

/// Which rows of a tenant's log an administrator reads.
#[derive(Debug, Clone, Default)]
pub struct TenantLogQuery {
    pub person_id: Option<Uuid>,
    /// Only refused accesses (`…denied`).
    pub refusals_only: bool,
    /// Rows older than this one (`at`, `id`): the next page.
    pub before: Option<(i64, Uuid)>,
    pub limit: u64,
}

/// A page of the tenant's whole log, newest first (index `tenant_id, at`).
pub async fn of_tenant(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    q: &TenantLogQuery,
) -> Result<Vec<AuditEvent>, DbErr> {
    let mut query =
        audit_event::Entity::find().filter(audit_event::Column::TenantId.eq(scope.id()));
    if let Some(person) = q.person_id {
        query = query.filter(audit_event::Column::PersonId.eq(person));
    }
    if q.refusals_only {
        query = query.filter(audit_event::Column::Action.like("%denied"));
    }
    if let Some((at, id)) = q.before {
        query = query.filter(
            Condition::any().add(audit_event::Column::At.lt(at)).add(
                Condition::all()
                    .add(audit_event::Column::At.eq(at))
                    .add(audit_event::Column::Id.lt(id)),
            ),
        );
    }
    Ok(query
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .limit(q.limit)
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
