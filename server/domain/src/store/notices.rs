//! Notices between the processes that share one PostgreSQL database (LISTEN/NOTIFY on the channel
//! `gatehouse`): a process that ends credentials, saves the policy or rotates keys says so, and the
//! others drop what they cached, within a second instead of a cache lifetime. A notice carries only
//! its kind and the sender's instance id, never an id of what changed. SQLite serves one process:
//! nothing to tell.

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::{Backend, Store};

const CHANNEL: &str = "gatehouse";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A personal or OAuth token ended, or an owner's rights changed: drop verified tokens.
    Credentials,
    /// The instance policy was saved.
    Policy,
    /// Signing keys were rotated.
    Keys,
}

impl Notice {
    fn as_str(self) -> &'static str {
        match self {
            Notice::Credentials => "credentials",
            Notice::Policy => "policy",
            Notice::Keys => "keys",
        }
    }

    fn parse(s: &str) -> Option<Notice> {
        [Notice::Credentials, Notice::Policy, Notice::Keys].into_iter().find(|n| n.as_str() == s)
    }
}

impl Store {
    /// Tells the other processes, in the background (the change is committed already).
    pub fn announce(&self, notice: Notice) {
        if self.backend != Backend::Postgres {
            return;
        }
        let (pool, payload) = (self.pool.clone(), format!("{}:{}", notice.as_str(), self.instance));
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&pool).await {
                tracing::warn!(error = %e, "could not tell the other replicas");
            }
        });
    }

    /// Hands every notice from another process to `on`, for as long as the task runs; reconnects
    /// after a lost connection and then reports `Credentials`, `Policy` and `Keys` (notices may have
    /// been missed meanwhile). Returns at once on SQLite.
    pub async fn listen(&self, mut on: impl FnMut(Notice) + Send) {
        if self.backend != Backend::Postgres {
            return;
        }
        let mut first = true;
        loop {
            match PgListener::connect(&self.url).await {
                Ok(mut listener) => match listener.listen(CHANNEL).await {
                    Ok(()) => {
                        if !first {
                            [Notice::Credentials, Notice::Policy, Notice::Keys].into_iter().for_each(&mut on);
                        }
                        first = false;
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(n)) => {
                                    let Some((kind, sender)) = n.payload().split_once(':') else { continue };
                                    if sender != &*self.instance {
                                        if let Some(notice) = Notice::parse(kind) {
                                            on(notice);
                                        }
                                    }
                                }
                                // The connection was lost: start again.
                                Ok(None) | Err(_) => break,
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot listen for notices from other replicas"),
                },
                Err(e) => tracing::warn!(error = %e, "cannot connect to listen for notices from other replicas"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}
