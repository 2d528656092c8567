//! Text messages handed to the SMS gateway: one row per message with its status, the
//! gateway's last word and the hash of the secret its delivery reports carry; the
//! numbers that answered STOP; each operator's SMS rules. Installation-wide because
//! the worker sends every tenant's messages and the gateway's reports and incoming
//! messages arrive with no tenant; an administrator reads only their tenant's rows.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::TenantScope;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sms_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub tenant_id: Option<Uuid>,
        pub recipient: String,
        pub purpose: String,
        pub body: Option<String>,
        pub status: String,
        pub attempts: i32,
        pub last_reply: Option<String>,
        pub token_hash: Option<String>,
        pub send_after: i64,
        pub created_at: i64,
        pub updated_at: i64,
        pub sent_at: Option<i64>,
        pub delivered_at: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod opt_out {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sms_opt_outs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub phone: String,
        pub created_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod settings {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sms_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tenant_id: Uuid,
        pub abroad_allowed: bool,
        pub daily_cap: i32,
        pub updated_at: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

/// Waiting for the worker (or for 08:00).
pub const QUEUED: &str = "queued";
/// The gateway took it (and, later, maybe the operator).
pub const SENT: &str = "sent";
/// The phone received it (the gateway's delivery report).
pub const DELIVERED: &str = "delivered";
/// Refused by the gateway or the operator, not delivered, or not sent at all (the
/// reply says why: the number answered STOP, the day's cap was reached).
pub const FAILED: &str = "failed";

/// One message, as the worker and the administrator see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRow {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub recipient: String,
    pub purpose: String,
    /// The text, until the gateway takes it or it is given up.
    pub body: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_reply: Option<String>,
    pub token_hash: Option<String>,
    pub send_after: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
    pub delivered_at: Option<i64>,
}

impl From<entity::Model> for SmsRow {
    fn from(m: entity::Model) -> Self {
        SmsRow {
            id: m.id,
            tenant_id: m.tenant_id,
            recipient: m.recipient,
            purpose: m.purpose,
            body: m.body,
            status: m.status,
            attempts: m.attempts,
            last_reply: m.last_reply,
            token_hash: m.token_hash,
            send_after: m.send_after,
            created_at: m.created_at,
            updated_at: m.updated_at,
            sent_at: m.sent_at,
            delivered_at: m.delivered_at,
        }
    }
}

pub struct NewSms<'a> {
    pub tenant: Option<TenantScope>,
    pub recipient: &'a str,
    pub purpose: &'a str,
    /// `None` for a message refused before it was queued (with its reason as reply).
    pub body: Option<String>,
    pub status: &'a str,
    pub reply: Option<&'a str>,
    pub token_hash: Option<String>,
    pub send_after: i64,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewSms<'_>, now: i64) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    ActiveModel {
        id: Set(id),
        tenant_id: Set(new.tenant.map(TenantScope::id)),
        recipient: Set(new.recipient.to_owned()),
        purpose: Set(new.purpose.to_owned()),
        body: Set(new.body),
        status: Set(new.status.to_owned()),
        attempts: Set(0),
        last_reply: Set(new.reply.map(str::to_owned)),
        token_hash: Set(new.token_hash),
        send_after: Set(new.send_after),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
        delivered_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Read by the worker and by the delivery-report route, whatever the tenant.
pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<SmsRow>, DbErr> {
    Ok(Entity::find_by_id(id).one(conn).await?.map(SmsRow::from))
}

/// Records a try at handing the message to the gateway. Any status but `queued`
/// erases the text (it may hold a sign-in code). A delivery report that came first
/// (the gateway may call back before its answer is read) keeps its status and reply.
pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: &str,
    reply: &str,
    now: i64,
) -> Result<(), DbErr> {
    Entity::update_many()
        .col_expr(Column::Status, Expr::value(status))
        .col_expr(Column::LastReply, Expr::value(reply))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(QUEUED))
        .exec(conn)
        .await?;
    let mut update = Entity::update_many()
        .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if status != QUEUED {
        update = update.col_expr(Column::Body, Expr::value(Option::<String>::None));
    }
    if status == SENT {
        update = update.col_expr(Column::SentAt, Expr::value(now));
    }
    update.filter(Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// A delivery report: `status` is the new status (`None`: still on its way, only the
/// reply is kept). A delivered message stays delivered whatever comes after.
pub async fn record_report(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: Option<&str>,
    reply: &str,
    now: i64,
) -> Result<(), DbErr> {
    let mut update = Entity::update_many()
        .col_expr(Column::LastReply, Expr::value(reply))
        .col_expr(Column::UpdatedAt, Expr::value(now));
    if let Some(status) = status {
        update = update.col_expr(Column::Status, Expr::value(status));
        if status == DELIVERED {
            update = update.col_expr(Column::DeliveredAt, Expr::value(now));
        }
    }
    update
        .filter(Column::Id.eq(id))
        .filter(Column::Status.ne(DELIVERED))
        .exec(conn)
        .await?;
    Ok(())
}

/// Messages to `recipient` created since `since` that were (or will be) sent: the
/// ones refused before sending (STOP, cap) do not count.
pub async fn count_sent_since(
    conn: &impl ConnectionTrait,
    recipient: &str,
    purposes: &[&str],
    since: i64,
) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::Recipient.eq(recipient))
        .filter(Column::Purpose.is_in(purposes.iter().copied()))
        .filter(Column::CreatedAt.gte(since))
        .filter(
            Condition::any()
                .add(Column::Status.ne(FAILED))
                .add(Column::Attempts.gt(0)),
        )
        .count(conn)
        .await
}

/// This tenant's messages, newest first.
pub async fn recent(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    limit: u64,
) -> Result<Vec<SmsRow>, DbErr> {
    Ok(Entity::find()
        .filter(Column::TenantId.eq(scope.id()))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(SmsRow::from)
        .collect())
}

/// Rows older than `before` go (they hold numbers): the log is for recent messages.
pub async fn purge_before(conn: &impl ConnectionTrait, before: i64) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(Column::CreatedAt.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}

/// The number answered STOP: no SMS goes to it any more (kept until it asks again).
pub async fn opt_out(conn: &impl ConnectionTrait, phone: &str, now: i64) -> Result<(), DbErr> {
    opt_out::Entity::insert(opt_out::ActiveModel {
        phone: Set(phone.to_owned()),
        created_at: Set(now),
    })
    .on_conflict_do_nothing_on([opt_out::Column::Phone])
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

pub async fn is_opted_out(conn: &impl ConnectionTrait, phone: &str) -> Result<bool, DbErr> {
    Ok(opt_out::Entity::find_by_id(phone.to_owned())
        .one(conn)
        .await?
        .is_some())
}

/// An operator's SMS rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmsRules {
    /// Numbers outside France may receive SMS.
    pub abroad_allowed: bool,
    /// SMS a number may receive per day (Paris time), sign-in codes aside.
    pub daily_cap: i32,
}

/// The product's defaults: France only, three a day.
pub const DEFAULT_RULES: SmsRules = SmsRules {
    abroad_allowed: false,
    daily_cap: 3,
};

pub async fn rules(conn: &impl ConnectionTrait, scope: TenantScope) -> Result<SmsRules, DbErr> {
    Ok(settings::Entity::find_by_id(scope.id())
        .one(conn)
        .await?
        .map_or(DEFAULT_RULES, |m| SmsRules {
            abroad_allowed: m.abroad_allowed,
            daily_cap: m.daily_cap,
        }))
}

pub async fn set_rules(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    rules: SmsRules,
    now: i64,
) -> Result<(), DbErr> {
    settings::Entity::insert(settings::ActiveModel {
        tenant_id: Set(scope.id()),
        abroad_allowed: Set(rules.abroad_allowed),
        daily_cap: Set(rules.daily_cap),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(settings::Column::TenantId)
            .update_columns([
                settings::Column::AbroadAllowed,
                settings::Column::DailyCap,
                settings::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec(conn)
    .await?;
    Ok(())
}
