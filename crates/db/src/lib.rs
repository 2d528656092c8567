//! Storage for Parcours: one code path for SQLite (the embedded default) and
//! PostgreSQL. Entities are private; repositories return plain records, and every
//! repository that touches personal data takes a [`TenantScope`].

pub mod backup;
mod entities;
pub mod migrations;
pub mod repo;

use std::time::Duration;

use sea_orm::{ConnectOptions, Database};
pub use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, Statement, TransactionTrait, Value,
};
use sea_orm_migration::MigratorTrait;
use uuid::Uuid;

/// The operator organisation whose data a query may touch. Built by the application
/// layer from the signed-in user's membership, never from request input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantScope(Uuid);

impl TenantScope {
    pub fn of(tenant_id: Uuid) -> Self {
        TenantScope(tenant_id)
    }

    pub fn id(self) -> Uuid {
        self.0
    }
}

/// Declares a scope for a partner organisation's own view, which spans the operator
/// tenants it works with (so it cannot be a [`TenantScope`]). Built by the application
/// layer from the signed-in user's membership, never from request input.
macro_rules! partner_scope {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(Uuid, Option<Uuid>);

        impl $name {
            /// The organisation's view in every operator it works with.
            pub fn of(organisation_id: Uuid) -> Self {
                $name(organisation_id, None)
            }

            /// The organisation's view within one operator (the context its user signed
            /// in with); `None` spans every operator, as [`Self::of`].
            pub fn within(organisation_id: Uuid, operator: Option<Uuid>) -> Self {
                $name(organisation_id, operator)
            }

            pub fn id(self) -> Uuid {
                self.0
            }

            /// The one operator this view is limited to, if any.
            pub fn operator(self) -> Option<Uuid> {
                self.1
            }
        }
    };
}

partner_scope!(
    /// An employer's view: its own offers and partnerships, in every operator tenant.
    EmployerScope
);
partner_scope!(
    /// A referrer's view: the programmes it refers into and the people it sent.
    ReferrerScope
);
partner_scope!(
    /// A funder's view: the programmes it funds.
    FunderScope
);

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Opens the database. SQLite files (and their folder) are created on first use and run
/// in WAL mode with a busy timeout and foreign keys enforced, and with `secure_delete`
/// on every connection: deleted or overwritten content is zeroed, so an erased person's
/// text does not linger in the file's free space.
pub async fn connect(url: &str) -> Result<DatabaseConnection, ConnectError> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10));
    if let Some(path) = sqlite_path(url) {
        if let Some(parent) = std::path::Path::new(path).parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|source| ConnectError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
        options.map_sqlx_sqlite_opts(|opts| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            opts.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                .pragma("secure_delete", "ON")
        });
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        options.max_connections(16);
    } else {
        return Err(ConnectError::UnsupportedUrl(redact_url(url)));
    }
    Ok(Database::connect(options).await?)
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// A database URL safe to print: the password, if any, is masked.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Applies every pending migration; returns how many ran.
pub async fn migrate(conn: &DatabaseConnection) -> Result<usize, DbErr> {
    let pending = migrations::Migrator::get_pending_migrations(conn)
        .await?
        .len();
    migrations::Migrator::up(conn, None).await?;
    Ok(pending)
}

pub fn backend_name(conn: &impl ConnectionTrait) -> &'static str {
    match conn.get_database_backend() {
        DbBackend::Postgres => "PostgreSQL",
        DbBackend::Sqlite => "SQLite",
        _ => "other",
    }
}

/// True when the error is a unique-constraint violation (e.g. an email already taken).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://var/p.db"), "sqlite://var/p.db");
    }

    #[test]
    fn finds_sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://var/parcours.db?mode=rwc"),
            Some("var/parcours.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x"), None);
    }
}
