//! The service layer: every use case once, called by both the REST API and the Leptos server
//! functions. Services run their database work on the blocking pool through [`Core::run`].

pub mod account_settings;
pub mod accounts;
pub mod actor;
pub mod audit;
pub mod catalog;
pub mod certificates;
pub mod classes;
pub mod clock;
pub mod competitions;
pub mod completion;
pub mod content;
pub mod demo;
pub mod drive;
pub mod enrolment;
pub mod evidence;
pub mod learner_import;
pub mod learning;
pub mod my_data;
pub mod org_import;
pub mod orgs;
pub mod outbox;
pub mod passwords;
pub mod people;
pub mod quiz;
pub(crate) mod reach;
pub(crate) mod sheet;
pub mod skill_stats;
pub mod skills;
pub mod stats;
pub mod studios;
pub mod talent;
pub mod throttle;
pub mod tokens;
pub mod uploads;
mod xlsx_stream;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::db::{self, Backend, DbConn, DbPool};
use crate::ServiceError;

/// Shared state of one process: configuration and the database pool. Cheap to clone.
#[derive(Clone)]
pub struct Core {
    pub config: Arc<Config>,
    pub db: DbPool,
    pub backend: Backend,
    /// The certificate font, read on first use.
    certificate_font: Arc<std::sync::OnceLock<Result<Arc<Vec<u8>>, String>>>,
    /// Where services read the time ([`now`]): the system clock, or one a test sets.
    pub clock: clock::Clock,
    /// The password-hashing threads (see [`Core::hash_work`]).
    hashing: passwords::HashPool,
    /// Published lesson content by course version (see [`content`]).
    pub content: Arc<content::ContentCache>,
}

/// How many password hashes may run at once: one core fewer than the machine has (at least
/// one), so a burst of logins always leaves a core for the pages (and on one core, the
/// hashing thread's low priority does: see [`passwords`]).
fn hash_permits() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

impl Core {
    /// Connects to the configured database, applies migrations and seeds the organisation tree.
    /// Resolves the key-encryption key too (`config.certificates.kek` says whether this
    /// process can sign).
    pub fn start(mut config: Config) -> Result<Core, db::DbError> {
        let (pool, backend) = db::connect_and_migrate(
            &config.database_url,
            config.db_pool_size,
            Duration::from_millis(config.db_wait_ms),
        )?;
        certificates::prepare_signing(&mut *pool.get()?, &mut config)?;
        let core = Core {
            config: Arc::new(config),
            db: pool,
            backend,
            certificate_font: Arc::default(),
            clock: clock::Clock::system(),
            hashing: passwords::HashPool::start(hash_permits()),
            content: Arc::default(),
        };
        let mut conn = core.db.get()?;
        orgs::seed_bundled_tree(&mut conn)?;
        Ok(core)
    }

    /// Runs blocking database work on tokio's blocking pool with a pooled connection.
    pub async fn run<T, F>(&self, work: F) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut DbConn, &Config) -> Result<T, ServiceError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.db.clone();
        let config = self.config.clone();
        let clock = self.clock.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            clock::with_clock(&clock, || work(&mut conn, &config))
        })
        .await
        .map_err(|e| ServiceError::internal(format!("blocking task failed: {e}")))?
    }

    /// Runs CPU-heavy password hashing on a hashing thread with its reused memory, holding
    /// no database connection, at most [`hash_permits`] at a time and at the lowest priority
    /// (the others wait their turn, in order; past a queue limit, [`ServiceError::Busy`]).
    pub async fn hash_work<T, F>(&self, work: F) -> Result<T, ServiceError>
    where
        F: FnOnce(&mut passwords::Scratch) -> T + Send + 'static,
        T: Send + 'static,
    {
        self.hashing.run(work).await
    }

    /// The bytes of the configured certificate font (read once per process).
    pub fn certificate_font(&self) -> Result<Arc<Vec<u8>>, ServiceError> {
        let path = &self.config.certificates.font;
        self.certificate_font
            .get_or_init(|| {
                std::fs::read(path)
                    .map(Arc::new)
                    .map_err(|e| format!("certificate font {}: {e}", path.display()))
            })
            .clone()
            .map_err(ServiceError::internal)
    }

    /// The benchmark's write baseline: one single-row write transaction through the pool
    /// (an organisation's name set to itself), nothing else.
    pub async fn bench_write(&self, org_id: i64) -> Result<(), ServiceError> {
        use crate::db::schema::orgs;
        use diesel::prelude::*;
        self.run(move |conn, _| {
            db::write_tx(conn, |conn| {
                diesel::update(orgs::table.find(org_id))
                    .set(orgs::name.eq(orgs::name))
                    .execute(conn)?;
                Ok(())
            })
        })
        .await
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> Result<(), ServiceError> {
        use diesel::connection::SimpleConnection;
        self.run(|conn, _| conn.batch_execute("SELECT 1").map_err(ServiceError::from))
            .await
    }
}

/// Decodes JSON read from a TEXT column: a value that does not decode is a fault, never an
/// empty default (a corrupt prerequisites column must not drop the prerequisites).
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ServiceError> {
    crate::db::types::decode_json(text).map_err(ServiceError::internal)
}

/// The current time in UTC, as stored: from the [`Core`]'s clock while a service runs (see
/// [`clock`]), else the system's.
pub fn now() -> chrono::NaiveDateTime {
    clock::now()
}

pub use crate::time::china_date;
