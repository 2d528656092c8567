//! Notes on a person's file: private to the coaches, or shared with the person.

use parcours_domain::workspace::NoteVisibility;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::note;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: Uuid,
    pub person_id: Uuid,
    pub author_id: Uuid,
    pub visibility: NoteVisibility,
    pub body: String,
    pub created_at: i64,
}

impl TryFrom<note::Model> for Note {
    type Error = DbErr;
    fn try_from(m: note::Model) -> Result<Self, DbErr> {
        Ok(Note {
            id: m.id,
            person_id: m.person_id,
            author_id: m.author_id,
            visibility: parse_code(&m.visibility)?,
            body: m.body,
            created_at: m.created_at,
        })
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    author: Uuid,
    visibility: NoteVisibility,
    body: &str,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    note::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person),
        author_id: Set(author),
        visibility: Set(visibility.code().to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

fn of_person_query(
    scope: TenantScope,
    person: Uuid,
    shared_only: bool,
) -> sea_orm::Select<note::Entity> {
    let query = note::Entity::find()
        .filter(note::Column::TenantId.eq(scope.id()))
        .filter(note::Column::PersonId.eq(person));
    if shared_only {
        query.filter(note::Column::Visibility.eq(NoteVisibility::Shared.code()))
    } else {
        query
    }
}

/// A person's notes, newest first; only the shared ones when `shared_only`; `limit`
/// of them from `offset` when given (a file can collect notes for years).
pub async fn of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    shared_only: bool,
    window: Option<(u64, u64)>,
) -> Result<Vec<Note>, DbErr> {
    let mut query = of_person_query(scope, person, shared_only)
        .order_by_desc(note::Column::CreatedAt)
        .order_by_desc(note::Column::Id);
    if let Some((offset, limit)) = window {
        query = query.offset(offset).limit(limit);
    }
    query
        .all(conn)
        .await?
        .into_iter()
        .map(Note::try_from)
        .collect()
}

/// How many notes `of_person` lists without a window.
pub async fn count_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    shared_only: bool,
) -> Result<u64, DbErr> {
    of_person_query(scope, person, shared_only)
        .count(conn)
        .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Note>, DbErr> {
    note::Entity::find_by_id(id)
        .filter(note::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Note::try_from)
        .transpose()
}

pub async fn delete(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<(), DbErr> {
    note::Entity::delete_many()
        .filter(note::Column::TenantId.eq(scope.id()))
        .filter(note::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
