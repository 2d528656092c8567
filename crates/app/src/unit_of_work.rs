//! The one way to change data. A [`Change`] begins a transaction; the only way to
//! commit it is [`Change::commit`], which takes the audit row of what was done, so a
//! change to a tenant's data cannot land without its trace, and the jobs it queued
//! land with it or not at all. Dropping a `Change` rolls it back.
//!
//! A few writes are bookkeeping with no person's file behind them (a session's expiry,
//! a job's lease, the reference catalog, the demo world): they go through
//! [`App::bookkeeping`], which names why no audit row is written.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;

use parcours_db::repo::audit;
use parcours_db::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    TenantScope, TransactionTrait,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit_action::AuditAction;
use crate::{App, AppError};

/// One audit row: what was done, and to whose file if anyone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audit {
    pub action: AuditAction,
    pub person: Option<Uuid>,
}

impl Audit {
    /// Something done to one person's file.
    pub fn of(action: AuditAction, person: Uuid) -> Self {
        Audit {
            action,
            person: Some(person),
        }
    }

    /// Something done in the tenant that is nobody's file (a slot, a programme).
    pub fn tenant(action: AuditAction) -> Self {
        Audit {
            action,
            person: None,
        }
    }
}

/// A change in progress: a transaction that commits only with its audit rows.
pub struct Change {
    txn: DatabaseTransaction,
    scope: TenantScope,
    /// Who does it; `None` for the system (a job, an anonymous link's owner).
    by: Option<Uuid>,
    at: i64,
}

impl Deref for Change {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

/// A boxed query future, the shape `ConnectionTrait`'s async methods take.
type Query<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 'a>>;

/// Lets a change (or a bookkeeping write) be handed to any repository function as its
/// connection (`repo::x(&txn, …)`), exactly as the transaction it wraps.
macro_rules! connection_of_txn {
    ($ty:ty) => {
        impl ConnectionTrait for $ty {
            fn get_database_backend(&self) -> DbBackend {
                self.txn.get_database_backend()
            }

            fn execute_raw<'a, 'b>(&'a self, stmt: Statement) -> Query<'b, ExecResult>
            where
                'a: 'b,
                Self: 'b,
            {
                self.txn.execute_raw(stmt)
            }

            fn execute_unprepared<'a, 'b, 'c>(&'a self, sql: &'b str) -> Query<'c, ExecResult>
            where
                'a: 'c,
                'b: 'c,
                Self: 'c,
            {
                self.txn.execute_unprepared(sql)
            }

            fn query_one_raw<'a, 'b>(&'a self, stmt: Statement) -> Query<'b, Option<QueryResult>>
            where
                'a: 'b,
                Self: 'b,
            {
                self.txn.query_one_raw(stmt)
            }

            fn query_all_raw<'a, 'b>(&'a self, stmt: Statement) -> Query<'b, Vec<QueryResult>>
            where
                'a: 'b,
                Self: 'b,
            {
                self.txn.query_all_raw(stmt)
            }
        }
    };
}

connection_of_txn!(Change);
connection_of_txn!(Unaudited);
connection_of_txn!(Undecided);

impl Change {
    /// The time of the change, by the application's clock, read once when it began.
    pub fn at(&self) -> i64 {
        self.at
    }

    pub fn scope(&self) -> TenantScope {
        self.scope
    }

    /// An audit row besides the one `commit` writes (a change that touches several
    /// files), in the same transaction.
    pub async fn audit(&self, row: Audit) -> Result<(), AppError> {
        audit::record(
            &self.txn,
            self.scope,
            self.by,
            row.action.as_str(),
            row.person,
            self.at,
        )
        .await?;
        Ok(())
    }

    /// Writes the audit row and commits the change with it.
    pub async fn commit(self, row: Audit) -> Result<(), AppError> {
        self.audit(row).await?;
        self.txn.commit().await?;
        Ok(())
    }
}

/// Why a write has no audit row: it touches no one's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bookkeeping {
    /// Sessions, sign-in attempts, link throttles: the security ledger itself.
    Sessions,
    /// A worker claiming, finishing or rescheduling a job.
    JobQueue,
    /// The reference catalog (ROME, communes, tension) being replaced.
    Reference,
    /// The demo world or an operator's first seed, on an empty installation.
    Seed,
    /// Caches of computed figures (programme reports, cohort statistics).
    Cache,
    /// What the SMS gateway reports: a message's delivery, a number that answered STOP.
    SmsGateway,
}

/// A write without an audit row, for one of the [`Bookkeeping`] reasons.
pub struct Unaudited {
    txn: DatabaseTransaction,
    pub why: Bookkeeping,
}

impl Deref for Unaudited {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Unaudited {
    pub async fn commit(self) -> Result<(), AppError> {
        self.txn.commit().await?;
        Ok(())
    }
}

/// A change whose tenant is found inside its own transaction (an import that may create
/// the operator it lands in): it cannot commit until [`Undecided::in_tenant`] makes it
/// a [`Change`], which then commits only with its audit row.
pub struct Undecided {
    txn: DatabaseTransaction,
    at: i64,
}

impl Deref for Undecided {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Undecided {
    pub fn at(&self) -> i64 {
        self.at
    }

    /// The tenant is known: from here on, an ordinary change by `by` (`None`: the system).
    pub fn in_tenant(self, scope: TenantScope, by: Option<Uuid>) -> Change {
        Change {
            txn: self.txn,
            scope,
            by,
            at: self.at,
        }
    }
}

impl App {
    /// Begins a change whose tenant the transaction itself will find or create.
    pub async fn change_undecided(&self) -> Result<Undecided, AppError> {
        Ok(Undecided {
            txn: self.db().begin().await?,
            at: self.now(),
        })
    }

    /// Begins a change the actor makes in their own tenant.
    pub async fn change(&self, actor: &Actor) -> Result<Change, AppError> {
        self.change_in(actor.tenant(), Some(actor.user_id)).await
    }

    /// Begins a change in a tenant by someone who is not signed in as its member (the
    /// system running a job, the owner of an emailed link): `by` is `None` for the
    /// system.
    pub async fn change_in(
        &self,
        scope: TenantScope,
        by: Option<Uuid>,
    ) -> Result<Change, AppError> {
        Ok(Change {
            txn: self.db().begin().await?,
            scope,
            by,
            at: self.now(),
        })
    }

    /// Begins a change by the system dated `at` (a daily pass given its own time, so
    /// that every row it writes carries the same instant).
    pub async fn change_at(
        &self,
        scope: TenantScope,
        by: Option<Uuid>,
        at: i64,
    ) -> Result<Change, AppError> {
        Ok(Change {
            txn: self.db().begin().await?,
            scope,
            by,
            at,
        })
    }

    /// An audit row on its own, outside any change: the actor read a person's file (or
    /// was refused it). One insert, committed at once.
    pub async fn record(&self, actor: &Actor, row: Audit) -> Result<(), AppError> {
        audit::record(
            self.db(),
            actor.tenant(),
            Some(actor.user_id),
            row.action.as_str(),
            row.person,
            self.now(),
        )
        .await?;
        Ok(())
    }

    /// An audit row on its own for someone not signed in as a member (the owner of an
    /// emailed link read what it shows; `by` is `None`).
    pub async fn record_in(
        &self,
        scope: TenantScope,
        by: Option<Uuid>,
        row: Audit,
    ) -> Result<(), AppError> {
        audit::record(
            self.db(),
            scope,
            by,
            row.action.as_str(),
            row.person,
            self.now(),
        )
        .await?;
        Ok(())
    }

    /// Begins a write that touches no one's file, saying why.
    pub async fn bookkeeping(&self, why: Bookkeeping) -> Result<Unaudited, AppError> {
        Ok(Unaudited {
            txn: self.db().begin().await?,
            why,
        })
    }
}
