//! Introspection journal entries. Tenant-scoped; whether the reader may see a private
//! entry is decided by the caller (`shared_only`).

use parcours_domain::Phase;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::journal_entry;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: Uuid,
    pub person_id: Uuid,
    pub prompt_id: Option<String>,
    pub phase: Phase,
    pub body: String,
    pub shared_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn record(m: journal_entry::Model) -> Result<JournalEntry, DbErr> {
    Ok(JournalEntry {
        id: m.id,
        person_id: m.person_id,
        prompt_id: m.prompt_id,
        phase: parse_code(&m.phase)?,
        body: m.body,
        shared_at: m.shared_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub struct NewEntry<'a> {
    pub person_id: Uuid,
    pub prompt_id: Option<&'a str>,
    pub phase: Phase,
    pub body: &'a str,
    pub shared: bool,
}

pub async fn insert_entry(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    entry: NewEntry<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    journal_entry::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(entry.person_id),
        prompt_id: Set(entry.prompt_id.map(str::to_owned)),
        phase: Set(entry.phase.code().to_owned()),
        body: Set(entry.body.to_owned()),
        shared_at: Set(entry.shared.then_some(now)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Rewrites an entry and whether it is shared; an entry already shared keeps the time
/// it was first shared.
pub async fn update_entry(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    entry: &JournalEntry,
    body: &str,
    shared: bool,
    now: i64,
) -> Result<bool, DbErr> {
    let shared_at = if shared {
        Some(entry.shared_at.unwrap_or(now))
    } else {
        None
    };
    let result = journal_entry::Entity::update_many()
        .col_expr(journal_entry::Column::Body, body.into())
        .col_expr(journal_entry::Column::SharedAt, shared_at.into())
        .col_expr(journal_entry::Column::UpdatedAt, now.into())
        .filter(journal_entry::Column::Id.eq(entry.id))
        .filter(journal_entry::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn delete_entry(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<bool, DbErr> {
    let result = journal_entry::Entity::delete_many()
        .filter(journal_entry::Column::Id.eq(id))
        .filter(journal_entry::Column::TenantId.eq(scope.id()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find_entry(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<JournalEntry>, DbErr> {
    journal_entry::Entity::find_by_id(id)
        .filter(journal_entry::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(record)
        .transpose()
}

/// A person's entries, newest first; only the shared ones when `shared_only`.
pub async fn entries_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person_id: Uuid,
    shared_only: bool,
) -> Result<Vec<JournalEntry>, DbErr> {
    let mut query = journal_entry::Entity::find()
        .filter(journal_entry::Column::TenantId.eq(scope.id()))
        .filter(journal_entry::Column::PersonId.eq(person_id));
    if shared_only {
        query = query.filter(journal_entry::Column::SharedAt.is_not_null());
    }
    query
        .order_by_desc(journal_entry::Column::CreatedAt)
        .order_by_desc(journal_entry::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(record)
        .collect()
}
