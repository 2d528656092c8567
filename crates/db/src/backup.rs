//! Backups of the embedded SQLite database: an online, consistent copy by `VACUUM INTO`
//! (the server may keep running), checked before it is trusted, and its restore in
//! place of the database file, the previous file kept aside. On PostgreSQL the tools
//! are `pg_dump` and `pg_restore` (docs/deploy.md).

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database, DbBackend, DbErr, Statement};
use sea_orm_migration::MigratorTrait;

use crate::{connect, migrations, sqlite_path};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "the database is PostgreSQL: back it up with `pg_dump --format=custom --file=FILE URL` \
         and restore with `pg_restore --clean --dbname=URL FILE` (docs/deploy.md, Backups)"
    )]
    Postgres,
    #[error("{0}: not an SQLite database URL (sqlite://PATH)")]
    NotSqlite(String),
    #[error("{0} already exists: a backup never overwrites a file")]
    Exists(String),
    #[error("{0} does not exist")]
    Missing(String),
    #[error("{path}: not a Parcours backup: {reason}")]
    NotABackup { path: String, reason: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Connect(#[from] crate::ConnectError),
}

/// What a backup file holds, as read back from it.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    /// Migrations applied in it (the schema version).
    pub migrations: usize,
    pub persons: i64,
    pub audit_events: i64,
}

#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub restored: BackupSummary,
    /// Where the database replaced by the restore now is.
    pub previous: Option<PathBuf>,
    /// Migrations applied after the restore (a backup from an older version).
    pub migrated: usize,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn database_file(url: &str) -> Result<PathBuf, BackupError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(BackupError::Postgres);
    }
    sqlite_path(url)
        .map(PathBuf::from)
        .ok_or_else(|| BackupError::NotSqlite(crate::redact_url(url)))
}

/// Writes a consistent copy of the database at `url` to `dest` (a new file), then
/// reads it back to check it.
pub async fn backup(url: &str, dest: &Path) -> Result<BackupSummary, BackupError> {
    database_file(url)?;
    if dest.exists() {
        return Err(BackupError::Exists(dest.display().to_string()));
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let conn = connect(url).await?;
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [dest.display().to_string().into()],
    ))
    .await?;
    conn.close().await?;
    check(dest).await
}

/// Opens a backup read-only and checks it: SQLite's integrity check passes, and its
/// schema is one this version of Parcours knows.
pub async fn check(file: &Path) -> Result<BackupSummary, BackupError> {
    let not_a_backup = |reason: String| BackupError::NotABackup {
        path: file.display().to_string(),
        reason,
    };
    let bytes = std::fs::metadata(file)
        .map_err(|_| BackupError::Missing(file.display().to_string()))?
        .len();
    let conn = Database::connect(format!("sqlite://{}?mode=ro", file.display()))
        .await
        .map_err(|e| not_a_backup(e.to_string()))?;
    let result = read_summary(&conn, file, bytes).await;
    conn.close().await?;
    result.map_err(|e| match e {
        BackupError::Db(db) => not_a_backup(db.to_string()),
        other => other,
    })
}

async fn read_summary(
    conn: &sea_orm::DatabaseConnection,
    file: &Path,
    bytes: u64,
) -> Result<BackupSummary, BackupError> {
    let not_a_backup = |reason: String| BackupError::NotABackup {
        path: file.display().to_string(),
        reason,
    };
    let one = |sql: &str| Statement::from_string(DbBackend::Sqlite, sql.to_owned());
    let integrity: String = conn
        .query_one_raw(one("PRAGMA integrity_check"))
        .await?
        .ok_or_else(|| not_a_backup("no integrity check".into()))?
        .try_get_by_index(0)?;
    if integrity != "ok" {
        return Err(not_a_backup(format!("integrity check: {integrity}")));
    }
    let known: Vec<String> = migrations::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let applied = conn
        .query_all_raw(one("SELECT version FROM seaql_migrations"))
        .await?;
    for row in &applied {
        let version: String = row.try_get("", "version")?;
        if !known.contains(&version) {
            return Err(not_a_backup(format!(
                "migration {version} is unknown to this version of Parcours (a newer one made it)"
            )));
        }
    }
    let count = |table: &'static str| async move {
        let row = conn
            .query_one_raw(one(&format!("SELECT COUNT(*) FROM {table}")))
            .await?;
        Ok::<i64, DbErr>(match row {
            Some(r) => r.try_get_by_index(0)?,
            None => 0,
        })
    };
    Ok(BackupSummary {
        path: file.to_path_buf(),
        bytes,
        migrations: applied.len(),
        persons: count("persons").await?,
        audit_events: count("audit_events").await?,
    })
}

/// Puts the backup `file` in place of the database at `url` (stop the server first).
/// The database replaced is renamed `…before-restore-<unix time>`, never deleted; the
/// restored one is migrated to this version.
pub async fn restore(url: &str, file: &Path, now_unix: i64) -> Result<RestoreSummary, BackupError> {
    let target = database_file(url)?;
    let restored = check(file).await?;
    let mut previous = None;
    if target.exists() {
        // Fold the write-ahead log into the file, so that the file kept aside is whole.
        let conn = connect(url).await?;
        conn.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
        conn.close().await?;
        let aside = PathBuf::from(format!("{}.before-restore-{now_unix}", target.display()));
        std::fs::rename(&target, &aside).map_err(io(&target))?;
        previous = Some(aside);
    }
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side).map_err(io(&side))?;
        }
    }
    let staging = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(file, &staging).map_err(io(&staging))?;
    std::fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(io(&staging))?;
    std::fs::rename(&staging, &target).map_err(io(&target))?;
    let conn = connect(url).await?;
    let migrated = crate::migrate(&conn).await?;
    conn.close().await?;
    Ok(RestoreSummary {
        restored,
        previous,
        migrated,
    })
}
