//! Online backup and checked restore of an embedded SQLite database (issue 15.7).
//!
//! A backup is `VACUUM INTO` a new file: it reads inside one transaction, so it is a
//! consistent snapshot of every transaction committed before it began, while the server goes
//! on writing (WAL mode lets readers and the writer work at once). The copy is then opened and
//! checked (`PRAGMA integrity_check`, Qihang's migrations table) before the command says it is
//! done. A restore checks the file the same way, refuses one from a newer Qihang, moves any
//! database already at the target aside (nothing is deleted), copies the file in with its
//! stale `-wal`/`-shm` files removed, and leaves migrating to the next start.
//!
//! PostgreSQL has its own tools (`pg_dump`, `pg_restore`): see the README.

use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::SqliteConnection;
use diesel_migrations::MigrationHarness;

use super::{Backend, DbError, DbTarget, SQLITE_MIGRATIONS};

/// Why a backup or restore was refused.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Db(#[from] DbError),
    #[error(
        "backups of PostgreSQL are made with pg_dump (see the README, \"Backup and restore\")"
    )]
    Postgres,
    #[error("{0} already exists: choose a new file (a backup never overwrites one)")]
    Exists(String),
    #[error("{path}: {why}")]
    Unusable { path: String, why: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// What a checked copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub migrations: i64,
    pub users: i64,
    pub enrollments: i64,
    pub certificates: i64,
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} bytes, integrity ok, {} migrations, {} users, {} enrolments, {} certificates",
            self.path.display(),
            self.bytes,
            self.migrations,
            self.users,
            self.enrollments,
            self.certificates
        )
    }
}

fn sqlite_path(database_url: &str) -> Result<PathBuf, BackupError> {
    let target = DbTarget::parse(database_url)?;
    match target.backend {
        Backend::Sqlite => Ok(PathBuf::from(target.location)),
        Backend::Postgres => Err(BackupError::Postgres),
    }
}

fn open(path: &Path) -> Result<SqliteConnection, BackupError> {
    SqliteConnection::establish(&path.display().to_string()).map_err(|e| BackupError::Unusable {
        path: path.display().to_string(),
        why: e.to_string(),
    })
}

/// Copies the database at `database_url` (SQLite) to `to`, online, and checks the copy.
pub fn backup(database_url: &str, to: &Path) -> Result<BackupReport, BackupError> {
    let from = sqlite_path(database_url)?;
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    if !from.exists() {
        return Err(BackupError::Unusable {
            path: from.display().to_string(),
            why: "no database here".into(),
        });
    }
    let mut conn = open(&from)?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")
        .map_err(DbError::Query)?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(to.display().to_string())
        .execute(&mut conn)
        .map_err(DbError::Query)?;
    check(to)
}

#[derive(QueryableByName)]
struct Integrity {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut SqliteConnection, sql: &str) -> QueryResult<i64> {
    Ok(diesel::sql_query(sql).get_result::<Count>(conn)?.n)
}

/// Checks that `file` is a whole, sound Qihang database this version can run.
pub fn check(file: &Path) -> Result<BackupReport, BackupError> {
    let unusable = |why: String| BackupError::Unusable {
        path: file.display().to_string(),
        why,
    };
    let header = std::fs::read(file)
        .map_err(|source| BackupError::Io {
            path: file.display().to_string(),
            source,
        })?
        .into_iter()
        .take(16)
        .collect::<Vec<u8>>();
    if header != b"SQLite format 3\0" {
        return Err(unusable("not an SQLite database".into()));
    }
    let mut conn = open(file)?;
    let problems: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .map_err(|e| unusable(format!("cannot be read: {e}")))?;
    let problems: Vec<String> = problems
        .into_iter()
        .map(|p| p.integrity_check)
        .filter(|p| p != "ok")
        .collect();
    if !problems.is_empty() {
        return Err(unusable(format!(
            "damaged (integrity check: {})",
            problems.join("; ")
        )));
    }
    let migrations = count(
        &mut conn,
        "SELECT count(*) AS n FROM __diesel_schema_migrations",
    )
    .map_err(|_| unusable("not a Qihang database (no migrations table)".into()))?;
    let known = conn
        .applied_migrations()
        .map_err(|e| unusable(e.to_string()))?;
    let embedded = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
        .map_err(|e| unusable(e.to_string()))?;
    let names: Vec<String> = embedded
        .iter()
        .map(|m| m.name().version().to_string())
        .collect();
    if let Some(newer) = known.iter().find(|v| !names.contains(&v.to_string())) {
        return Err(unusable(format!(
            "made by a newer Qihang (migration {newer} is unknown to this one): restore it with \
             that version"
        )));
    }
    let counted = |conn: &mut SqliteConnection, table: &str| {
        count(conn, &format!("SELECT count(*) AS n FROM {table}"))
            .map_err(|e| unusable(format!("{table}: {e}")))
    };
    Ok(BackupReport {
        path: file.to_path_buf(),
        bytes: std::fs::metadata(file).map(|m| m.len()).unwrap_or(0),
        migrations,
        users: counted(&mut conn, "users")?,
        enrollments: counted(&mut conn, "enrollments")?,
        certificates: counted(&mut conn, "certificates")?,
    })
}

/// What a restore did.
#[derive(Debug)]
pub struct RestoreReport {
    pub restored: BackupReport,
    /// Where the database that was at the target went, if there was one.
    pub moved_aside: Option<PathBuf>,
}

/// Restores the checked backup `file` as the database at `database_url` (SQLite). Stop every
/// server of that database first. A database already there is kept, renamed
/// `<name>.before-restore-<UTC time>`.
pub fn restore(file: &Path, database_url: &str) -> Result<RestoreReport, BackupError> {
    let target = sqlite_path(database_url)?;
    let restored = check(file)?;
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| BackupError::Io { path, source }
    };
    let moved_aside = if target.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = PathBuf::from(format!("{}.before-restore-{stamp}", target.display()));
        // Fold the write-ahead log in first, so the copy kept aside is whole on its own.
        if let Ok(mut conn) = open(&target) {
            let _ = conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE);");
        }
        std::fs::rename(&target, &aside).map_err(io(&target))?;
        Some(aside)
    } else {
        None
    };
    for suffix in ["-wal", "-shm", "-journal"] {
        let stale = PathBuf::from(format!("{}{suffix}", target.display()));
        if stale.exists() {
            std::fs::remove_file(&stale).map_err(io(&stale))?;
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let partial = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(file, &partial).map_err(io(&partial))?;
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io(&partial))?;
    std::fs::rename(&partial, &target).map_err(io(&target))?;
    Ok(RestoreReport {
        restored: BackupReport {
            path: target,
            ..restored
        },
        moved_aside,
    })
}
