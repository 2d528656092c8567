//! Documents a bilan produces (the synthesis), stored whole and destroyed on schedule.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::{document, document_share};

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

/// Destroys a person's documents and the share links pointing at them.
pub async fn delete_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<u64, DbErr> {
    document_share::Entity::delete_many()
        .filter(document_share::Column::TenantId.eq(scope.id()))
        .filter(document_share::Column::PersonId.eq(person))
        .exec(conn)
        .await?;
    let r = document::Entity::delete_many()
        .filter(document::Column::TenantId.eq(scope.id()))
        .filter(document::Column::PersonId.eq(person))
        .exec(conn)
        .await?;
    Ok(r.rows_affected)
}

/// What a list of documents shows: everything but the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentInfo {
    pub id: Uuid,
    pub kind: String,
    pub size: usize,
    pub created_by: Uuid,
    pub created_at: i64,
}

/// A person's documents, newest first, without loading their content.
pub async fn list_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<DocumentInfo>, DbErr> {
    let rows: Vec<(Uuid, String, Uuid, i64, Option<i64>)> = document::Entity::find()
        .select_only()
        .column(document::Column::Id)
        .column(document::Column::Kind)
        .column(document::Column::CreatedBy)
        .column(document::Column::CreatedAt)
        .column_as(
            // BIGINT on both engines (PostgreSQL's LENGTH gives a 32-bit integer).
            Expr::cust("CAST(LENGTH(content) AS BIGINT)"),
            "size",
        )
        .filter(document::Column::TenantId.eq(scope.id()))
        .filter(document::Column::PersonId.eq(person))
        .order_by_desc(document::Column::CreatedAt)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, created_by, created_at, size)| DocumentInfo {
            id,
            kind,
            size: usize::try_from(size.unwrap_or(0)).unwrap_or(0),
            created_by,
            created_at,
        })
        .collect())
}

pub async fn find(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Document>, DbErr> {
    Ok(document::Entity::find_by_id(id)
        .filter(document::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Document::from))
}

/// A document given to a named recipient on the person's consent, through a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub person_id: Uuid,
    pub document_id: Uuid,
    pub recipient_name: String,
    pub recipient_email: String,
    pub consent_text_version: String,
    pub consented_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub downloads: i32,
    pub last_download_at: Option<i64>,
}

impl From<document_share::Model> for Share {
    fn from(m: document_share::Model) -> Self {
        Share {
            id: m.id,
            tenant_id: m.tenant_id,
            person_id: m.person_id,
            document_id: m.document_id,
            recipient_name: m.recipient_name,
            recipient_email: m.recipient_email,
            consent_text_version: m.consent_text_version,
            consented_at: m.consented_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            downloads: m.downloads,
            last_download_at: m.last_download_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare<'a> {
    pub person_id: Uuid,
    pub document_id: Uuid,
    pub recipient_name: &'a str,
    pub recipient_email: &'a str,
    pub token_hash: &'a str,
    pub consent_text_version: &'a str,
    pub expires_at: i64,
}

pub async fn insert_share(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    s: NewShare<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    document_share::ActiveModel {
        id: Set(id),
        tenant_id: Set(scope.id()),
        person_id: Set(s.person_id),
        document_id: Set(s.document_id),
        recipient_name: Set(s.recipient_name.to_owned()),
        recipient_email: Set(s.recipient_email.to_owned()),
        token_hash: Set(s.token_hash.to_owned()),
        consent_text_version: Set(s.consent_text_version.to_owned()),
        consented_at: Set(now),
        expires_at: Set(s.expires_at),
        revoked_at: Set(None),
        downloads: Set(0),
        last_download_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// A person's shares, newest first.
pub async fn shares_of_person(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    person: Uuid,
) -> Result<Vec<Share>, DbErr> {
    Ok(document_share::Entity::find()
        .filter(document_share::Column::TenantId.eq(scope.id()))
        .filter(document_share::Column::PersonId.eq(person))
        .order_by_desc(document_share::Column::ConsentedAt)
        .order_by_desc(document_share::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Share::from)
        .collect())
}

pub async fn find_share(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
) -> Result<Option<Share>, DbErr> {
    Ok(document_share::Entity::find_by_id(id)
        .filter(document_share::Column::TenantId.eq(scope.id()))
        .one(conn)
        .await?
        .map(Share::from))
}

/// The person withdraws their consent: the link stops working at once.
pub async fn revoke_share(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let r = document_share::Entity::update_many()
        .filter(document_share::Column::TenantId.eq(scope.id()))
        .filter(document_share::Column::Id.eq(id))
        .filter(document_share::Column::RevokedAt.is_null())
        .col_expr(document_share::Column::RevokedAt, Expr::value(now))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

pub async fn count_download(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<(), DbErr> {
    document_share::Entity::update_many()
        .filter(document_share::Column::TenantId.eq(scope.id()))
        .filter(document_share::Column::Id.eq(id))
        .col_expr(
            document_share::Column::Downloads,
            Expr::col(document_share::Column::Downloads).add(1),
        )
        .col_expr(document_share::Column::LastDownloadAt, Expr::value(now))
        .exec(conn)
        .await?;
    Ok(())
}

/// What must cross tenants: the installation's daily purge, and a share link's token,
/// the only key its reader holds.
pub mod unscoped {
    use super::*;

    /// (tenant, person) pairs that still hold documents, across tenants: the
    /// installation's daily retention purge, which then works in each pair's tenant.
    pub async fn holders_in_every_tenant(
        conn: &impl ConnectionTrait,
    ) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
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

    /// The share a link's token opens, whatever its tenant (the token is the key).
    pub async fn share_by_token_hash(
        conn: &impl ConnectionTrait,
        token_hash: &str,
    ) -> Result<Option<Share>, DbErr> {
        Ok(document_share::Entity::find()
            .filter(document_share::Column::TokenHash.eq(token_hash))
            .one(conn)
            .await?
            .map(Share::from))
    }
}
