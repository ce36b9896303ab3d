//! One replica at a time runs the jobs that must run once (the expiry sweep, the cleanups, webhook
//! and e-mail sending): the one holding a PostgreSQL advisory lock on a connection of its own. When
//! that process dies its connection closes, the lock is free, and another replica takes it within
//! `RETRY`. On SQLite the one process always leads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::{Connection, PgConnection};

use super::{Backend, Store};

/// The advisory lock's key ("gatehous" in ASCII): one per database.
const LOCK_KEY: i64 = 0x6761_7465_686f_7573;
/// How often a follower tries to take the lock and a leader checks it still holds it.
pub const RETRY: Duration = Duration::from_secs(2);

/// Whether this process leads now, and how often it ran the expiry sweep (reported by
/// `/healthz`, so operators and the replica test see that it runs in one place); cheap to clone
/// and to read.
#[derive(Clone, Debug, Default)]
pub struct Leadership(Arc<State>);

#[derive(Debug, Default)]
struct State {
    leading: AtomicBool,
    token_sweeps: AtomicU64,
}

impl Leadership {
    pub fn is_leader(&self) -> bool {
        self.0.leading.load(Ordering::Relaxed)
    }

    fn set(&self, leading: bool) {
        self.0.leading.store(leading, Ordering::Relaxed);
    }

    /// Not leading (yet): what a process that runs no jobs reports.
    pub fn none() -> Leadership {
        Leadership::default()
    }

    pub fn note_token_sweep(&self) {
        self.0.token_sweeps.fetch_add(1, Ordering::Relaxed);
    }

    /// How many expiry sweeps this process has run.
    pub fn token_sweeps(&self) -> u64 {
        self.0.token_sweeps.load(Ordering::Relaxed)
    }
}

impl Store {
    /// Campaigns for leadership in the background for as long as the runtime runs, reporting in
    /// `flag`. On SQLite this process leads at once.
    pub fn campaign(&self, flag: &Leadership) {
        if self.backend != Backend::Postgres {
            flag.set(true);
            return;
        }
        tokio::spawn(campaign(self.url.clone(), flag.clone()));
    }
}

async fn campaign(url: Arc<str>, flag: Leadership) {
    loop {
        match PgConnection::connect(&url).await {
            Ok(mut conn) => loop {
                let held = if flag.is_leader() {
                    // Still connected means still holding it.
                    sqlx::query("SELECT 1").execute(&mut conn).await.map(|_| true)
                } else {
                    sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)").bind(LOCK_KEY).fetch_one(&mut conn).await
                };
                match held {
                    Ok(now_leads) => {
                        if now_leads != flag.is_leader() {
                            tracing::info!(leader = now_leads, "job leadership changed");
                        }
                        flag.set(now_leads);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the connection that holds job leadership");
                        break;
                    }
                }
                tokio::time::sleep(RETRY).await;
            },
            Err(e) => tracing::warn!(error = %e, "cannot connect to campaign for job leadership"),
        }
        flag.set(false);
        tokio::time::sleep(RETRY).await;
    }
}
