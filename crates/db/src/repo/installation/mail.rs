//! Outgoing emails handed to an SMTP relay: one row per message, its status and the
//! relay's last reply. Installation-wide because the worker delivers every tenant's
//! mail and sign-in links are sent before a tenant is known; an administrator reads
//! only their tenant's rows (through a [`TenantScope`]).

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::TenantScope;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Option<Uuid>,
        pub recipient: String,
        pub subject: String,
        pub message: Option<String>,
        pub status: String,
        pub attempts: i32,
        pub last_reply: Option<String>,
        pub created_at: i64,
        pub updated_at: i64,
        pub sent_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

/// Waiting for its first try.
pub const QUEUED: &str = "queued";
/// The relay accepted it.
pub const SENT: &str = "sent";
/// The relay answered a temporary failure (4xx) or could not be reached: tried again.
pub const RETRYING: &str = "retrying";
/// The relay refused it for good (5xx): not tried again.
pub const REFUSED: &str = "refused";
/// Still failing after the last try.
pub const FAILED: &str = "failed";

/// One message's delivery, as the worker and the administrator see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub recipient: String,
    pub subject: String,
    /// The message as sent (RFC 5322), until it is sent or given up.
    pub message: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_reply: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

impl From<entity::Model> for Delivery {
    fn from(m: entity::Model) -> Self {
        Delivery {
            id: m.id,
            tenant_id: m.tenant_id,
            recipient: m.recipient,
            subject: m.subject,
            message: m.message,
            status: m.status,
            attempts: m.attempts,
            last_reply: m.last_reply,
            created_at: m.created_at,
            updated_at: m.updated_at,
            sent_at: m.sent_at,
        }
    }
}

pub struct NewDelivery<'a> {
    pub tenant: Option<TenantScope>,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub message: String,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    new: NewDelivery<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    ActiveModel {
        id: Set(id),
        tenant_id: Set(new.tenant.map(TenantScope::id)),
        recipient: Set(new.recipient.to_owned()),
        subject: Set(new.subject.to_owned()),
        message: Set(Some(new.message)),
        status: Set(QUEUED.to_owned()),
        attempts: Set(0),
        last_reply: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Read by the worker, whatever the tenant (the job names the row).
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Delivery>, DbErr> {
    Ok(Entity::find_by_id(id).one(conn).await?.map(Delivery::from))
}

/// Records a try. A final status (sent, refused, failed) erases the message, which may
/// hold a sign-in link, and keeps only what the administrator needs.
pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    reply: &str,
    now: i64,
) -> Result<(), DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::LastReply, Expr::value(reply))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if status != RETRYING {
        update = update.col_expr(Column::Message, Expr::value(Option::<String>::None));
    }
    if status == SENT {
        update = update.col_expr(Column::SentAt, Expr::value(now));
    }
    update.filter(Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// This tenant's messages, newest first, with the ones sent before any tenant was known
/// (sign-in links, resets, lockout notices) to a member of the tenant's organisation.
pub async fn recent(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    let (users, memberships) = (Alias::new("users"), Alias::new("memberships"));
    let members = Query::select()
        .column((users.clone(), Alias::new("email")))
        .from(users.clone())
        .inner_join(
            memberships.clone(),
            Expr::col((memberships.clone(), Alias::new("user_id")))
                .equals((users, Alias::new("id"))),
        )
        .and_where(ExprTrait::eq(
            Expr::col((memberships, Alias::new("organisation_id"))),
            scope.id(),
        ))
        .to_owned();
    Ok(Entity::find()
        .filter(
            Condition::any().add(Column::TenantId.eq(scope.id())).add(
                Condition::all()
                    .add(Column::TenantId.is_null())
                    .add(Column::Recipient.in_subquery(members)),
            ),
        )
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Delivery::from)
        .collect())
}

/// Rows older than `before` go (they hold addresses): the log is for recent mail.
pub async fn purge_before(conn: &impl ConnectionTrait, before: i64) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::CreatedAt.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}
