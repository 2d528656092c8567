//! Message threads between a person and the staff following them, with read marks
//! per side.

use std::collections::HashMap;

use parcours_domain::workspace::MessageSide;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use super::parse_code;
use crate::TenantScope;
use crate::entities::{message, message_read, message_thread};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    pub id: Uuid,
    pub person_id: Uuid,
    pub subject: String,
    pub created_by: Uuid,
    pub created_at: i64,
    pub last_message_at: i64,
}

impl From<message_thread::Model> for Thread {
    fn from(m: message_thread::Model) -> Self {
        Thread {
            id: m.id,
            person_id: m.person_id,
            subject: m.subject,
            created_by: m.created_by,
            created_at: m.created_at,
            last_message_at: m.last_message_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: Uuid,
    pub thread_id: Uuid,
    pub author_id: Uuid,
    pub side: MessageSide,
    pub body: String,
    pub created_at: i64,
}

impl TryFrom<message::Model> for Message {
    type Error = DbErr;
    fn try_from(m: message::Model) -> Result<Self, DbErr> {
        Ok(Message {
            id: m.id,
            thread_id: m.thread_id,
            author_id: m.author_id,
            side: parse_code(&m.author_side)?,
            body: m.body,
            created_at: m.created_at,
        })
    }
}

/// When each side last opened each thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadMarks(HashMap<(Uuid, MessageSide), i64>);

impl ReadMarks {
    pub fn last_read(&self, thread: Uuid, side: MessageSide) -> Option<i64> {
        self.0.get(&(thread, side)).copied()
    }
}

pub async fn insert_thread(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
    subject: &str,
    by: Uuid,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    message_thread::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(person),
        subject: Set(subject.to_owned()),
        created_by: Set(by),
        created_at: Set(now),
        last_message_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Adds a message to a thread and moves the thread up.
pub async fn insert_message(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    thread: Uuid,
    author: Uuid,
    side: MessageSide,
    body: &str,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    message::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        thread_id: Set(thread),
        author_id: Set(author),
        author_side: Set(side.code().to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    message_thread::Entity::update_many()
        .filter(message_thread::Column::TenantId.eq(scope.id()))
        .filter(message_thread::Column::Id.eq(thread))
        .col_expr(message_thread::Column::LastMessageAt, Expr::value(now))
        .exec(conn)
        .await?;
    Ok(id)
}

pub async fn find_thread(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Thread>, DbErr> {
    Ok(message_thread::Entity::find_by_id(id)
        .filter(message_thread::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Thread::from))
}

/// A person's threads, the most recently active first.
pub async fn threads_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<Thread>, DbErr> {
    Ok(message_thread::Entity::find()
        .filter(message_thread::Column::TenantId.eq(scope.id()))
        .filter(message_thread::Column::PersonId.eq(person))
        .order_by_desc(message_thread::Column::LastMessageAt)
        .order_by_desc(message_thread::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Thread::from)
        .collect())
}

/// The messages of some threads, oldest first.
pub async fn messages_of_threads(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    threads: impl IntoIterator<Item = Uuid>,
) -> Result<Vec<Message>, DbErr> {
    message::Entity::find()
        .filter(message::Column::TenantId.eq(scope.id()))
        .filter(message::Column::ThreadId.is_in(threads))
        .order_by_asc(message::Column::CreatedAt)
        .order_by_asc(message::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Message::try_from)
        .collect()
}

/// Records that a user of one side opened the thread now.
pub async fn mark_read(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    thread: Uuid,
    user: Uuid,
    side: MessageSide,
    now: i64,
) -> Result<(), DbErr> {
    message_read::Entity::insert(message_read::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(scope.id()),
        thread_id: Set(thread),
        user_id: Set(user),
        side: Set(side.code().to_owned()),
        read_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([message_read::Column::ThreadId, message_read::Column::UserId])
            .update_column(message_read::Column::ReadAt)
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}

/// The latest read of each side on these threads.
pub async fn read_marks(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    threads: impl IntoIterator<Item = Uuid>,
) -> Result<ReadMarks, DbErr> {
    let rows: Vec<(Uuid, String, i64)> = message_read::Entity::find()
        .select_only()
        .column(message_read::Column::ThreadId)
        .column(message_read::Column::Side)
        .column_as(message_read::Column::ReadAt.max(), "read_at")
        .filter(message_read::Column::TenantId.eq(scope.id()))
        .filter(message_read::Column::ThreadId.is_in(threads))
        .group_by(message_read::Column::ThreadId)
        .group_by(message_read::Column::Side)
        .into_tuple()
        .all(conn)
        .await?;
    let mut marks = HashMap::new();
    for (thread, side, at) in rows {
        marks.insert((thread, parse_code::<MessageSide>(&side)?), at);
    }
    Ok(ReadMarks(marks))
}

/// How many messages from each of these people the staff has not read yet.
pub async fn unread_from_people(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    people: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, u32>, DbErr> {
    let threads: HashMap<Uuid, Uuid> = message_thread::Entity::find()
        .select_only()
        .column(message_thread::Column::Id)
        .column(message_thread::Column::PersonId)
        .filter(message_thread::Column::TenantId.eq(scope.id()))
        .filter(message_thread::Column::PersonId.is_in(people))
        .into_tuple::<(Uuid, Uuid)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if threads.is_empty() {
        return Ok(HashMap::new());
    }
    let marks = read_marks(conn, scope, threads.keys().copied()).await?;
    let from_people: Vec<(Uuid, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::ThreadId)
        .column(message::Column::CreatedAt)
        .filter(message::Column::TenantId.eq(scope.id()))
        .filter(message::Column::ThreadId.is_in(threads.keys().copied()))
        .filter(message::Column::AuthorSide.eq(MessageSide::Person.code()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut unread = HashMap::new();
    for (thread, at) in from_people {
        let read = marks.last_read(thread, MessageSide::Staff);
        if !parcours_domain::workspace::is_read(at, read)
            && let Some(person) = threads.get(&thread)
        {
            *unread.entry(*person).or_insert(0) += 1;
        }
    }
    Ok(unread)
}
