//! Sessions, login attempts (for the rate limit) and password-reset tokens.
//! Secrets are stored hashed: a copy of the database does not open sessions.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::entities::{login_attempt, password_reset, session};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub user_id: Uuid,
    pub membership_id: Uuid,
    pub csrf_token: String,
    pub expires_at: i64,
    pub last_seen_at: i64,
}

pub async fn insert_session(
    conn: &impl ConnectionTrait,
    s: &Session,
    now: i64,
) -> Result<(), DbErr> {
    session::ActiveModel {
        id: Set(s.id_hash.clone()),
        user_id: Set(s.user_id),
        membership_id: Set(s.membership_id),
        csrf_token: Set(s.csrf_token.clone()),
        created_at: Set(now),
        expires_at: Set(s.expires_at),
        last_seen_at: Set(s.last_seen_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The session, if it exists and has not expired.
pub async fn find_live_session(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    now: i64,
) -> Result<Option<Session>, DbErr> {
    Ok(session::Entity::find_by_id(id_hash.to_owned())
        .filter(session::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?
        .map(|m| Session {
            id_hash: m.id,
            user_id: m.user_id,
            membership_id: m.membership_id,
            csrf_token: m.csrf_token,
            expires_at: m.expires_at,
            last_seen_at: m.last_seen_at,
        }))
}

pub async fn extend_session(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, now.into())
        .col_expr(session::Column::ExpiresAt, expires_at.into())
        .filter(session::Column::Id.eq(id_hash))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_session(conn: &impl ConnectionTrait, id_hash: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id_hash.to_owned())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_sessions_of_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected)
}

pub async fn delete_expired_sessions(conn: &impl ConnectionTrait, now: i64) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(conn)
        .await?
        .rows_affected)
}

pub async fn record_login_attempt(
    conn: &impl ConnectionTrait,
    account_key: &str,
    ip: &str,
    succeeded: bool,
    at: i64,
) -> Result<(), DbErr> {
    login_attempt::ActiveModel {
        account_key: Set(account_key.to_owned()),
        ip: Set(ip.to_owned()),
        succeeded: Set(succeeded),
        at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Failed attempts since `since` for one account key and for one address.
pub async fn failures_since(
    conn: &impl ConnectionTrait,
    account_key: &str,
    ip: &str,
    since: i64,
) -> Result<(u64, u64), DbErr> {
    let failed = || {
        login_attempt::Entity::find()
            .filter(login_attempt::Column::Succeeded.eq(false))
            .filter(login_attempt::Column::At.gt(since))
    };
    let by_account = failed()
        .filter(login_attempt::Column::AccountKey.eq(account_key))
        .count(conn)
        .await?;
    let by_ip = failed()
        .filter(login_attempt::Column::Ip.eq(ip))
        .count(conn)
        .await?;
    Ok((by_account, by_ip))
}

/// A successful login clears the account's failure count.
pub async fn clear_failures(conn: &impl ConnectionTrait, account_key: &str) -> Result<(), DbErr> {
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::AccountKey.eq(account_key))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn insert_password_reset(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    user_id: Uuid,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    password_reset::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The user a reset token belongs to, if the token is unused and unexpired.
pub async fn find_usable_reset(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> Result<Option<Uuid>, DbErr> {
    Ok(password_reset::Entity::find_by_id(token_hash.to_owned())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .filter(password_reset::Column::UsedAt.is_null())
        .one(conn)
        .await?
        .map(|m| m.user_id))
}

/// Marks the token used; false if someone used it first (single use under races).
pub async fn consume_reset(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: i64,
) -> Result<bool, DbErr> {
    let result = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(now).into())
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}
