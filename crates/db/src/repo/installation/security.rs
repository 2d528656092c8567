//! Sessions, login attempts (for the rate limit), emailed links (sign-in, reset,
//! invitation) and the counters that limit requests for links.
//! Secrets are stored hashed: a copy of the database does not open sessions.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use uuid::Uuid;

use crate::entities::{link_request_limit, login_attempt, password_reset, session};

/// What an emailed link is for; each opens only its own door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Asked for at /connexion: signs in once.
    SignIn,
    /// Asked for at /password/forgot: sets a new password once.
    Reset,
    /// Sent when a manager opens a light account: signs in once.
    Invitation,
}

impl LinkPurpose {
    pub fn code(self) -> &'static str {
        match self {
            LinkPurpose::SignIn => "sign_in",
            LinkPurpose::Reset => "reset",
            LinkPurpose::Invitation => "invitation",
        }
    }
}

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

/// Moves a live session of the user to another of their memberships (a partner's
/// user switching between the operators they work with); false if it is not theirs.
pub async fn set_session_membership(
    conn: &impl ConnectionTrait,
    id_hash: &str,
    user_id: Uuid,
    membership_id: Uuid,
) -> Result<bool, DbErr> {
    Ok(session::Entity::update_many()
        .col_expr(session::Column::MembershipId, membership_id.into())
        .filter(session::Column::Id.eq(id_hash))
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?
        .rows_affected
        == 1)
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
    purpose: LinkPurpose,
    now: i64,
    expires_at: i64,
) -> Result<(), DbErr> {
    password_reset::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        user_id: Set(user_id),
        purpose: Set(purpose.code().to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The user a link belongs to, if it is unused, unexpired and for one of `purposes`.
pub async fn find_usable_reset(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    purposes: &[LinkPurpose],
    now: i64,
) -> Result<Option<Uuid>, DbErr> {
    Ok(password_reset::Entity::find_by_id(token_hash.to_owned())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::Purpose.is_in(purposes.iter().map(|p| p.code())))
        .one(conn)
        .await?
        .map(|m| m.user_id))
}

/// Marks the link used; false if someone used it first (single use under races), or
/// if it is not for one of `purposes`.
pub async fn consume_reset(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    purposes: &[LinkPurpose],
    now: i64,
) -> Result<bool, DbErr> {
    let result = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(now).into())
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::Purpose.is_in(purposes.iter().map(|p| p.code())))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Revokes the user's open links of `purposes` (all of them when empty); returns how
/// many were open.
pub async fn revoke_links(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    purposes: &[LinkPurpose],
    now: i64,
) -> Result<u64, DbErr> {
    let mut update = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Some(now).into())
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null());
    if !purposes.is_empty() {
        update =
            update.filter(password_reset::Column::Purpose.is_in(purposes.iter().map(|p| p.code())));
    }
    Ok(update.exec(conn).await?.rows_affected)
}

/// Counts one request under `key` and says whether it is within `max` per `window_ms`.
/// The count is a single row updated in place: concurrent requests queue on its lock
/// (in the caller's transaction), so a burst cannot pass the limit together. Call it
/// first in a transaction (on SQLite the write lock is then taken at once).
pub async fn take_link_request(
    conn: &impl ConnectionTrait,
    key: &str,
    window_ms: i64,
    max: i64,
    now: i64,
) -> Result<bool, DbErr> {
    link_request_limit::Entity::insert(link_request_limit::ActiveModel {
        key: Set(key.to_owned()),
        window_start: Set(now),
        count: Set(0),
    })
    .on_conflict(
        OnConflict::column(link_request_limit::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    let cutoff = now - window_ms;
    // An elapsed window starts again with this request.
    let restarted = link_request_limit::Entity::update_many()
        .col_expr(link_request_limit::Column::WindowStart, now.into())
        .col_expr(link_request_limit::Column::Count, 1i64.into())
        .filter(link_request_limit::Column::Key.eq(key))
        .filter(link_request_limit::Column::WindowStart.lte(cutoff))
        .exec(conn)
        .await?
        .rows_affected;
    if restarted == 1 {
        return Ok(max > 0);
    }
    let counted = link_request_limit::Entity::update_many()
        .col_expr(
            link_request_limit::Column::Count,
            Expr::col(link_request_limit::Column::Count).add(1),
        )
        .filter(link_request_limit::Column::Key.eq(key))
        .filter(link_request_limit::Column::Count.lt(max))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(counted == 1)
}
