//! Storage: one diesel connection type over SQLite and PostgreSQL, chosen by the URL scheme,
//! a small r2d2 manager that reports real connection errors, embedded migrations per backend,
//! and write transactions that begin IMMEDIATE on SQLite.

pub mod backup;
pub mod competition_rows;
pub mod counters;
pub mod models;
pub mod schema;
pub mod skill_rows;
pub mod types;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

// `lower(text)`, for searches that ignore the case of Latin letters on both backends:
// compared with a lower-cased `LIKE` pattern (SQLite's `LIKE` ignores ASCII case already,
// PostgreSQL's does not).
define_sql_function! { fn lower(x: Text) -> Text; }

// `replace(text, from, to)` (the same on both backends), to compare words without their
// hyphens and spaces ("wifi" finds "Wi-Fi").
define_sql_function! { fn replace(x: Text, from: Text, to: Text) -> Text; }

/// A `LIKE` pattern matching `text` anywhere, with the wildcards in it (`%`, `_`) and the
/// escape character `\` escaped: use it with `.escape('\\')`, so a search for "100%" finds
/// "100%", not everything.
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL scheme {0:?}: use sqlite://path/to/file.db or postgres://user@host/database")]
    UnknownScheme(String),
    #[error("cannot create the folder for the SQLite database {path}: {source}")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot connect to the {backend:?} database: {source}")]
    Connect {
        backend: Backend,
        source: ConnectionError,
    },
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::Error),
}

/// Where to connect, parsed from a database URL.
#[derive(Debug, Clone)]
pub struct DbTarget {
    pub backend: Backend,
    /// The SQLite file path, or the PostgreSQL URL as given.
    pub location: String,
}

impl DbTarget {
    pub fn parse(url: &str) -> Result<DbTarget, DbError> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(DbError::UnknownScheme(
                    "sqlite:// without a file path".into(),
                ));
            }
            return Ok(DbTarget {
                backend: Backend::Sqlite,
                location: path.to_string(),
            });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget {
                backend: Backend::Postgres,
                location: url.to_string(),
            });
        }
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or(url);
        Err(DbError::UnknownScheme(scheme.to_string()))
    }
}

/// Opens connections for r2d2, with SQLite's pragmas set on each.
#[derive(Debug, Clone)]
pub struct ConnManager {
    target: DbTarget,
}

impl ConnManager {
    pub fn new(target: DbTarget) -> Self {
        ConnManager { target }
    }

    pub fn open(&self) -> Result<DbConn, DbError> {
        let backend = self.target.backend;
        match backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target.location)
                    .map_err(|source| DbError::Connect { backend, source })?;
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                )?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => PgConnection::establish(&self.target.location)
                .map(DbConn::Pg)
                .map_err(|source| DbError::Connect { backend, source }),
        }
    }
}

impl r2d2::ManageConnection for ConnManager {
    type Connection = DbConn;
    type Error = DbError;

    fn connect(&self) -> Result<DbConn, DbError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), DbError> {
        conn.batch_execute("SELECT 1").map_err(DbError::Query)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

pub type DbPool = r2d2::Pool<ConnManager>;

/// Connects (failing fast with the driver's own message), migrates, and returns a pool.
pub fn connect_and_migrate(
    url: &str,
    pool_size: u32,
    wait: Duration,
) -> Result<(DbPool, Backend), DbError> {
    let target = DbTarget::parse(url)?;
    if target.backend == Backend::Sqlite {
        if let Some(parent) = std::path::Path::new(&target.location).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|source| DbError::CreateDir {
                    path: parent.display().to_string(),
                    source,
                })?;
            }
        }
    }
    let backend = target.backend;
    let manager = ConnManager::new(target.clone());
    // One direct connection first: a wrong URL or a stopped server is reported at once, verbatim.
    let mut first = manager.open()?;
    run_migrations(&mut first)?;
    drop(first);
    let pool = r2d2::Pool::builder()
        .max_size(pool_size.max(1))
        .min_idle(Some(1))
        .connection_timeout(wait)
        // A checkout asks PostgreSQL `SELECT 1` first, so a connection the server dropped (a
        // restart) is replaced, not handed out. A SQLite connection is a file opened in this
        // process and cannot be dropped from outside: the check would only cost every
        // checkout a statement (3% of the lesson page's CPU in its profile).
        .test_on_check_out(backend == Backend::Postgres)
        .build(manager)?;
    Ok((pool, backend))
}

/// Applies pending migrations for the connection's backend. On PostgreSQL an advisory lock
/// keeps two servers starting at once from migrating together.
pub fn run_migrations(conn: &mut DbConn) -> Result<(), DbError> {
    let migrate = |result: Result<_, Box<dyn std::error::Error + Send + Sync>>| {
        result
            .map(|_| ())
            .map_err(|e| DbError::Migration(e.to_string()))
    };
    match conn {
        DbConn::Sqlite(c) => migrate(c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ())),
        DbConn::Pg(c) => {
            c.batch_execute("SELECT pg_advisory_lock(7368210001)")?;
            let result = migrate(c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()));
            c.batch_execute("SELECT pg_advisory_unlock(7368210001)")?;
            result
        }
    }
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite (so the write lock is taken
/// up front and busy_timeout applies), a plain `BEGIN` on PostgreSQL.
pub fn write_tx<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    let result = f(conn);
    let end = match (&result, &mut *conn) {
        (Ok(_), DbConn::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c),
        (Ok(_), DbConn::Pg(c)) => AnsiTransactionManager::commit_transaction(c),
        (Err(_), DbConn::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c),
        (Err(_), DbConn::Pg(c)) => AnsiTransactionManager::rollback_transaction(c),
    };
    match (result, end) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// Runs the reads of `f` as one read transaction on SQLite (`BEGIN DEFERRED`: one snapshot,
/// and one round of file-lock calls for all its statements instead of one per statement); on
/// PostgreSQL the statements run as they are (a transaction there adds two round trips and
/// buys a page nothing). Never call it inside [`write_tx`], nor write inside it.
pub fn read_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if let DbConn::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN DEFERRED")?;
    } else {
        return f(conn);
    }
    let result = f(conn);
    let end = match &mut *conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
        DbConn::Pg(_) => Ok(()),
    };
    match (result, end) {
        (Ok(value), Ok(())) => Ok(value),
        (Ok(_), Err(e)) => Err(e.into()),
        (Err(e), _) => Err(e),
    }
}

/// A row to lock until the end of the current write transaction.
#[derive(Debug, Clone, Copy)]
pub enum RowLock<'a> {
    /// An enrolment: serialises quiz starts and check-ins of one learner in one course.
    Enrollment(i64),
    /// A quiz attempt by its public id: serialises saving and submitting it.
    QuizAttempt(&'a str),
    /// A class session: serialises sign-ups for its seats and check-ins to it.
    ClassSession(i64),
    /// A theory-round attempt by its public id: serialises saving and submitting it.
    TheoryAttempt(&'a str),
    /// A user: serialises changes to her skill levels (and so to the counts of them).
    User(i64),
}

/// Locks `row` for the rest of the write transaction: `SELECT … FOR UPDATE` on PostgreSQL;
/// nothing on SQLite, whose write transactions (`BEGIN IMMEDIATE`, see [`write_tx`]) already
/// hold the database's one write lock. Call it only inside [`write_tx`].
pub fn lock_for_update(conn: &mut DbConn, row: RowLock<'_>) -> QueryResult<()> {
    use schema::{class_sessions, enrollments, quiz_attempts, theory_attempts, users};
    let DbConn::Pg(pg) = conn else {
        return Ok(());
    };
    match row {
        RowLock::Enrollment(id) => enrollments::table
            .find(id)
            .select(enrollments::id)
            .for_update()
            .load::<i64>(pg)
            .map(drop),
        RowLock::QuizAttempt(public_id) => quiz_attempts::table
            .filter(quiz_attempts::public_id.eq(public_id))
            .select(quiz_attempts::id)
            .for_update()
            .load::<i64>(pg)
            .map(drop),
        RowLock::ClassSession(id) => class_sessions::table
            .find(id)
            .select(class_sessions::id)
            .for_update()
            .load::<i64>(pg)
            .map(drop),
        RowLock::TheoryAttempt(public_id) => theory_attempts::table
            .filter(theory_attempts::public_id.eq(public_id))
            .select(theory_attempts::id)
            .for_update()
            .load::<i64>(pg)
            .map(drop),
        RowLock::User(id) => users::table
            .find(id)
            .select(users::id)
            .for_update()
            .load::<i64>(pg)
            .map(drop),
    }
}

/// Ids of up to `limit` outbox messages of `channel` due at `at` and not leased, oldest
/// first, for the caller to lease inside its write transaction. PostgreSQL locks them and
/// skips rows another server has locked (`FOR UPDATE SKIP LOCKED`), so two servers never
/// claim one message; SQLite's write transaction already excludes every other writer.
pub fn claim_due_ids(
    conn: &mut DbConn,
    channel: crate::domain::MessageChannel,
    at: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    use schema::outbox;
    let due = || {
        outbox::table
            .filter(outbox::channel.eq(channel))
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.le(at))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.lt(at)),
            )
            .order(outbox::id.asc())
            .limit(limit)
            .select(outbox::id)
    };
    match conn {
        DbConn::Pg(c) => due().for_update().skip_locked().load(c),
        DbConn::Sqlite(c) => due().load(c),
    }
}

/// After rows were written with explicit ids (the demo generator), moves PostgreSQL's id
/// sequences past them; SQLite needs nothing.
pub fn reset_id_sequences(conn: &mut DbConn, tables: &[IdTable]) -> QueryResult<()> {
    let DbConn::Pg(pg) = conn else {
        return Ok(());
    };
    for table in tables {
        let name = table.name();
        diesel::sql_query(format!(
            "SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))"
        ))
        .execute(pg)?;
    }
    diesel::sql_query("ANALYZE").execute(pg)?;
    Ok(())
}

/// A comparison of [`CompletionTime::cmp`].
#[derive(Debug, Clone, Copy)]
pub enum Cmp {
    Ge,
    Le,
    Lt,
    Eq,
}

/// Conditions on `enrollments.completed_at` for a list read by place or by time. Read by
/// place, SQLite is kept from answering them from an index on the column (a unary plus, its
/// documented way): SQLite plans without statistics (nothing runs ANALYZE) and so prefers the
/// index on the completion time whenever it returns rows in the wanted order, which at a
/// small union reads the whole province's completions of the time range to find a few of
/// hers; read by place, her union's rows come from the index on (place, time). PostgreSQL
/// plans from its statistics and is always given the plain comparison.
#[derive(Debug, Clone, Copy)]
pub struct CompletionTime {
    unindexed: bool,
}

impl CompletionTime {
    /// Plain comparisons, which an index on the time may answer: a list read by time, and
    /// every list on PostgreSQL.
    pub const INDEXED: Self = CompletionTime { unindexed: false };

    /// Comparisons kept off the index on the time, for a list read by place: `Some` only on
    /// SQLite, the one backend whose plans need it.
    pub fn unindexed(conn: &DbConn) -> Option<Self> {
        match conn {
            DbConn::Sqlite(_) => Some(CompletionTime { unindexed: true }),
            DbConn::Pg(_) => None,
        }
    }

    /// Whether the list is read by place (its rows found from the index on the place).
    pub fn by_place(self) -> bool {
        self.unindexed
    }

    /// `enrollments.completed_at <cmp> at`.
    pub fn cmp(
        self,
        cmp: Cmp,
        at: chrono::NaiveDateTime,
    ) -> diesel::expression::UncheckedBind<
        diesel::expression::SqlLiteral<diesel::sql_types::Bool>,
        diesel::dsl::AsExprOf<chrono::NaiveDateTime, diesel::sql_types::Timestamp>,
    > {
        let plus = if self.unindexed { "+" } else { "" };
        let op = match cmp {
            Cmp::Ge => ">=",
            Cmp::Le => "<=",
            Cmp::Lt => "<",
            Cmp::Eq => "=",
        };
        diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "{plus}enrollments.completed_at {op} "
        ))
        .bind::<diesel::sql_types::Timestamp, _>(at)
    }
}

/// Tables whose id sequence [`reset_id_sequences`] may move (names fixed in code, never
/// taken from input).
#[derive(Debug, Clone, Copy)]
pub enum IdTable {
    Users,
    Enrollments,
}

impl IdTable {
    fn name(self) -> &'static str {
        match self {
            IdTable::Users => "users",
            IdTable::Enrollments => "enrollments",
        }
    }
}

/// Whether a diesel error is a unique-constraint violation, and on which constraint text.
pub fn unique_violation(error: &diesel::result::Error) -> Option<String> {
    match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            info,
        ) => Some(format!(
            "{} {}",
            info.message(),
            info.constraint_name().unwrap_or_default()
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(
            DbTarget::parse("sqlite://data/q.db").unwrap().location,
            "data/q.db"
        );
        assert_eq!(
            DbTarget::parse("sqlite:///tmp/q.db").unwrap().location,
            "/tmp/q.db"
        );
        assert_eq!(
            DbTarget::parse("postgres://postgres@127.0.0.1/x")
                .unwrap()
                .backend,
            Backend::Postgres
        );
        let err = DbTarget::parse("mysql://root@localhost/q")
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"mysql\""), "{err}");
    }

    /// The bundled SQLite holds its plans whatever is bound (`.cargo/config.toml`), so a
    /// cached statement with `LIMIT ?` is not recompiled each time it is used.
    #[test]
    fn sqlite_is_built_with_the_query_planner_stability_guarantee() {
        #[derive(QueryableByName)]
        struct CompileOption {
            #[diesel(sql_type = diesel::sql_types::Text)]
            compile_options: String,
        }
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<CompileOption> = diesel::sql_query("PRAGMA compile_options")
            .load(&mut conn)
            .unwrap();
        let options: Vec<String> = options.into_iter().map(|o| o.compile_options).collect();
        assert!(
            options.iter().any(|o| o == "ENABLE_QPSG"),
            "SQLite was built without ENABLE_QPSG: {options:?}"
        );
    }
}
