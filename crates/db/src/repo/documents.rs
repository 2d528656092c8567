//! Documents a bilan produces (the synthesis), stored whole and destroyed on schedule.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::document;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: Uuid,
    pub person_id: Uuid,
    pub kind: String,
    pub content: Vec<u8>,
    pub created_by: Uuid,
    pub created_at: i64,
}

impl From<document::Model> for Document {
    fn from(m: document::Model) -> Self {
        Document {
            id: m.id,
            person_id: m.person_id,
            kind: m.kind,
            content: m.content,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    kind: &str,
    content: Vec<u8>,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    document::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person),
        kind: Set(kind.to_owned()),
        content: Set(content),
        created_by: Set(by),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// The newest document of this kind for the person.
pub async fn latest(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    kind: &str,
) -> Result<Option<Document>, DbErr> {
    Ok(document::Entity::find()
        .filter(document::Column::TenantId.eq(scope.id()))
        .filter(document::Column::PersonId.eq(person))
        .filter(document::Column::Kind.eq(kind))
        .order_by_desc(document::Column::CreatedAt)
        .one(conn)
        .await?
        .map(Document::from))
}

/// (tenant, person) pairs that still hold documents, for the retention purge.
pub async fn holders(conn: &impl ConnectionTrait) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    let mut out: Vec<(Uuid, Uuid)> = document::Entity::find()
        .select_only()
        .column(document::Column::TenantId)
        .column(document::Column::PersonId)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    out.sort();
    Ok(out)
}

pub async fn delete_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<u64, DbErr> {
    let r = document::Entity::delete_many()
        .filter(document::Column::TenantId.eq(scope.id()))
        .filter(document::Column::PersonId.eq(person))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}
