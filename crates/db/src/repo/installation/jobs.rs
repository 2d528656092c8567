//! The background jobs table: queued in the same transaction as the change that asks
//! for them, claimed by a worker with a lease, retried with backoff, kept when dead.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::TenantScope;
use crate::entities::job;

pub const PENDING: &str = "pending";
pub const DONE: &str = "done";
pub const DEAD: &str = "dead";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: Uuid,
    pub tenant_id: Option<Uuid>,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub run_at: i64,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

impl From<job::Model> for Job {
    fn from(m: job::Model) -> Self {
        Job {
            id: m.id,
            tenant_id: m.tenant_id,
            kind: m.kind,
            payload: m.payload,
            status: m.status,
            run_at: m.run_at,
            attempts: m.attempts,
            max_attempts: m.max_attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            finished_at: m.finished_at,
        }
    }
}

pub struct NewJob<'a> {
    pub tenant: Option<TenantScope>,
    pub kind: &'a str,
    pub payload: String,
    pub run_at: i64,
    pub max_attempts: i32,
}

pub async fn enqueue(
    conn: &impl ConnectionTrait,
    new: NewJob<'_>,
    now: i64,
) -> Result<Uuid, DbErr> {
    let id = Uuid::now_v7();
    job::ActiveModel {
        id: Set(id),
        tenant_id: Set(new.tenant.map(TenantScope::id)),
        kind: Set(new.kind.to_owned()),
        payload: Set(new.payload),
        status: Set(PENDING.to_owned()),
        run_at: Set(new.run_at),
        attempts: Set(0),
        max_attempts: Set(new.max_attempts),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// Takes up to `limit` due jobs for `lease_ms`. A job is taken by one worker only.
/// On PostgreSQL one statement locks the due rows it can (`FOR UPDATE SKIP LOCKED`: a
/// concurrent worker takes the next ones instead of waiting) and leases them; SQLite
/// has one writer at a time, and each update there is conditional on the attempt
/// count read, so a concurrent taker loses.
pub async fn claim_due(
    conn: &impl ConnectionTrait,
    now: i64,
    lease_ms: i64,
    limit: u64,
) -> Result<Vec<Job>, DbErr> {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        return claim_due_skip_locked(conn, now, lease_ms, limit).await;
    }
    let due = job::Entity::find()
        .filter(job::Column::Status.eq(PENDING))
        .filter(job::Column::RunAt.lte(now))
        .filter(
            Condition::any()
                .add(job::Column::LockedUntil.is_null())
                .add(job::Column::LockedUntil.lt(now)),
        )
        .order_by_asc(job::Column::RunAt)
        .limit(limit)
        .all(conn)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for candidate in due {
        let taken = job::Entity::update_many()
            .col_expr(job::Column::Attempts, Expr::value(candidate.attempts + 1))
            .col_expr(job::Column::LockedUntil, Expr::value(now + lease_ms))
            .filter(job::Column::Id.eq(candidate.id))
            .filter(job::Column::Status.eq(PENDING))
            .filter(job::Column::Attempts.eq(candidate.attempts))
            .exec(conn)
            .await?;
        if taken.rows_affected == 1 {
            let mut job = Job::from(candidate);
            job.attempts += 1;
            claimed.push(job);
        }
    }
    Ok(claimed)
}

async fn claim_due_skip_locked(
    conn: &impl ConnectionTrait,
    now: i64,
    lease_ms: i64,
    limit: u64,
) -> Result<Vec<Job>, DbErr> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let claimed = job::Entity::find()
        .from_raw_sql(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "UPDATE jobs SET attempts = attempts + 1, locked_until = $2 \
             WHERE id IN (SELECT id FROM jobs WHERE status = $3 AND run_at <= $1 \
               AND (locked_until IS NULL OR locked_until < $1) \
               ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING *",
            [
                now.into(),
                (now + lease_ms).into(),
                PENDING.into(),
                limit.into(),
            ],
        ))
        .all(conn)
        .await?;
    let mut jobs: Vec<Job> = claimed.into_iter().map(Job::from).collect();
    jobs.sort_by_key(|j| j.run_at);
    Ok(jobs)
}

/// Done: the payload is erased (it may hold a link token).
pub async fn complete(conn: &impl ConnectionTrait, id: Uuid, now: i64) -> Result<(), DbErr> {
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(DONE))
        .col_expr(job::Column::Payload, Expr::value("{}"))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<i64>::None))
        .col_expr(job::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(job::Column::FinishedAt, Expr::value(now))
        .filter(job::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Failed: tried again at `retry_at`, or dead (kept for an administrator) when None.
pub async fn fail(
    conn: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), DbErr> {
    let mut update = job::Entity::update_many()
        .col_expr(job::Column::LastError, Expr::value(error))
        .col_expr(job::Column::LockedUntil, Expr::value(Option::<i64>::None));
    update = match retry_at {
        Some(at) => update.col_expr(job::Column::RunAt, Expr::value(at)),
        None => update
            .col_expr(job::Column::Status, Expr::value(DEAD))
            .col_expr(job::Column::FinishedAt, Expr::value(now)),
    };
    update.filter(job::Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// A pending job of this kind exists (recurring jobs are queued once).
pub async fn pending_of_kind(conn: &impl ConnectionTrait, kind: &str) -> Result<bool, DbErr> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Status.eq(PENDING))
        .count(conn)
        .await?
        > 0)
}

/// When a job of this kind last finished well (a recurring job's previous pass).
pub async fn last_done_at(conn: &impl ConnectionTrait, kind: &str) -> Result<Option<i64>, DbErr> {
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::Status.eq(DONE))
        .order_by_desc(job::Column::FinishedAt)
        .one(conn)
        .await?
        .and_then(|j| j.finished_at))
}

/// What an administrator of this tenant sees: its jobs and the installation's own.
fn visible_to(scope: TenantScope) -> Condition {
    Condition::any()
        .add(job::Column::TenantId.eq(scope.id()))
        .add(job::Column::TenantId.is_null())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub pending: u64,
    pub retrying: u64,
    pub dead: u64,
    pub done: u64,
}

pub async fn counts(conn: &impl ConnectionTrait, scope: TenantScope) -> Result<JobCounts, DbErr> {
    let count = |status: &'static str, retrying: Option<bool>| {
        let mut q = job::Entity::find()
            .filter(visible_to(scope))
            .filter(job::Column::Status.eq(status));
        q = match retrying {
            Some(true) => q.filter(job::Column::Attempts.gt(0)),
            Some(false) => q.filter(job::Column::Attempts.eq(0)),
            None => q,
        };
        q.count(conn)
    };
    Ok(JobCounts {
        pending: count(PENDING, Some(false)).await?,
        retrying: count(PENDING, Some(true)).await?,
        dead: count(DEAD, None).await?,
        done: count(DONE, None).await?,
    })
}

/// Jobs that failed at least once (dead, or waiting for another try), newest first.
pub async fn troubled(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    limit: u64,
) -> Result<Vec<Job>, DbErr> {
    Ok(job::Entity::find()
        .filter(visible_to(scope))
        .filter(job::Column::LastError.is_not_null())
        .filter(job::Column::Status.ne(DONE))
        .order_by_desc(job::Column::CreatedAt)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Job::from)
        .collect())
}

/// A dead job is queued again with a fresh attempt count.
pub async fn retry(
    conn: &impl ConnectionTrait,
    scope: TenantScope,
    id: Uuid,
    now: i64,
) -> Result<bool, DbErr> {
    let result = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(PENDING))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::RunAt, Expr::value(now))
        .col_expr(job::Column::FinishedAt, Expr::value(Option::<i64>::None))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::Status.eq(DEAD))
        .filter(visible_to(scope))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn find(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<Job>, DbErr> {
    Ok(job::Entity::find_by_id(id).one(conn).await?.map(Job::from))
}
