//! The database: one `Store` over sqlx's `Any` driver so one SQL text serves SQLite and PostgreSQL.

pub mod accounts;
pub mod filter;
pub mod invitations;
pub mod leader;
pub mod notices;
pub mod oauth_clients;
pub mod oauth_grants;
pub mod oauth_keys;
pub mod passkeys;
pub mod sessions;
pub mod throttle;
pub mod token_activity;
pub mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyPool, Transaction};

use crate::{Error, Result};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::invalid("the database URL must start with sqlite: or postgres://"))
        }
    }
}

/// Set on every SQLite connection: concurrent readers, wait on locks, enforce foreign keys.
const SQLITE_PRAGMAS: [&str; 4] = [
    "PRAGMA journal_mode = WAL",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
];

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// This process among the replicas sharing the database (notices name their sender).
    instance: std::sync::Arc<str>,
    /// The PostgreSQL URL, for the notice listener's own connection.
    url: std::sync::Arc<str>,
}

pub type Tx = Transaction<'static, Any>;

impl Store {
    /// Opens a pool. SQLite gets WAL, a busy timeout and foreign keys on every connection.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let options = AnyConnectOptions::from_str(url).map_err(Error::internal)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        for pragma in SQLITE_PRAGMAS {
                            sqlx::query(pragma).execute(&mut *conn).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(Error::internal)?;
        let instance = crate::crypto::random_url_secret(8).into();
        Ok(Store { pool, backend, instance, url: url.into() })
    }

    pub async fn migrate(&self) -> Result<()> {
        MIGRATOR.run(&self.pool).await.map_err(Error::internal)
    }

    /// Answers whether the database takes a query (readiness).
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction for a change. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred transaction that reads and then writes fails with "database is locked" at once,
    /// without waiting, when another connection wrote in between; an immediate one waits its turn
    /// (`busy_timeout`). Seen under a flood of sign-ins, whose writes met the activity flush's.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A new UUIDv7 id as text: time-ordered, so indexes stay compact.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(feature = "testing")]
pub mod testing;
