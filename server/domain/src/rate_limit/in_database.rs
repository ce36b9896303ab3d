//! Counting in the database, shared by every replica (selected on PostgreSQL): the same GCRA as
//! `InProcess`, one row per subject holding its theoretical arrival time (TAT), advanced by one
//! statement that takes the request only if the TAT stays within the burst. All subjects of a
//! request are counted in one round trip.

use std::future::Future;
use std::pin::Pin;

use super::{Counter, Decision, Group, Quota, Subject};
use crate::clock::{Millis, now_ms};
use crate::store::Store;

pub struct InDatabase {
    store: Store,
}

impl InDatabase {
    pub fn new(store: Store) -> InDatabase {
        InDatabase { store }
    }
}

fn key(group: Group, subject: &Subject) -> String {
    let id = match subject {
        Subject::Token(id) | Subject::Client(id) | Subject::User(id) => id.clone(),
        Subject::Ip(ip) => ip.to_string(),
    };
    format!("{}:{}:{id}", group.name(), subject.kind().name())
}

/// Milliseconds per request (`T`) and the most a TAT may run ahead of now (`limit × T`).
fn cell(quota: &Quota) -> (Millis, Millis) {
    let t = (quota.interval().as_millis() as Millis).max(1);
    (t, t * Millis::from(quota.limit.get()))
}

fn seconds_up(ms: Millis) -> u64 {
    (ms.max(0) as u64).div_ceil(1000)
}

fn allowed(quota: &Quota, tat: Millis, now: Millis) -> Decision {
    let (t, burst) = cell(quota);
    let remaining = ((burst - (tat - now)).max(0) / t) as u32;
    Decision { limit: quota.limit.get(), remaining, reset_at: seconds_up(tat), retry_after: None }
}

fn refused(quota: &Quota, tat: Millis, now: Millis) -> Decision {
    let (t, burst) = cell(quota);
    let wait = tat + t - burst - now;
    Decision { limit: quota.limit.get(), remaining: 0, reset_at: seconds_up(tat), retry_after: Some(seconds_up(wait).max(1)) }
}

impl InDatabase {
    async fn count(&self, group: Group, subjects: &[(Subject, Quota)]) -> crate::Result<Decision> {
        let now = now_ms();
        let keys: Vec<String> = subjects.iter().map(|(s, _)| key(group, s)).collect();
        // ($key, $t, $burst) per subject, then $now.
        let rows: Vec<String> = (0..subjects.len()).map(|i| format!("(${}, ${}::bigint, ${}::bigint)", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
        let now_at = 3 * subjects.len() + 1;
        let sql = format!(
            "WITH req(key, t, burst) AS (VALUES {values}) \
             INSERT INTO rate_limit_cells (key, tat) SELECT key, ${now_at} + t FROM req \
             ON CONFLICT (key) DO UPDATE SET tat = GREATEST(rate_limit_cells.tat, ${now_at}) + (SELECT t FROM req WHERE req.key = EXCLUDED.key) \
             WHERE GREATEST(rate_limit_cells.tat, ${now_at}) + (SELECT t FROM req WHERE req.key = EXCLUDED.key) - ${now_at} \
                   <= (SELECT burst FROM req WHERE req.key = EXCLUDED.key) \
             RETURNING key, tat",
            values = rows.join(", "),
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
        for (k, (_, quota)) in keys.iter().zip(subjects) {
            let (t, burst) = cell(quota);
            query = query.bind(k.clone()).bind(t).bind(burst);
        }
        let taken: Vec<(String, i64)> = query.bind(now).fetch_all(self.store.pool()).await?;
        let mut outcome: Option<Decision> = None;
        let mut missing = Vec::new();
        for (k, (_, quota)) in keys.iter().zip(subjects) {
            match taken.iter().find(|(key, _)| key == k) {
                Some((_, tat)) => outcome = Some(outcome.map_or(allowed(quota, *tat, now), |d| d.tighter(allowed(quota, *tat, now)))),
                None => missing.push((k, quota)),
            }
        }
        for (k, quota) in missing {
            let tat: Option<(i64,)> = sqlx::query_as("SELECT tat FROM rate_limit_cells WHERE key = $1").bind(k).fetch_optional(self.store.pool()).await?;
            let d = refused(quota, tat.map_or(now, |(t,)| t), now);
            outcome = Some(outcome.map_or(d, |o| o.tighter(d)));
        }
        outcome.ok_or_else(|| crate::Error::internal_msg("a rate-limit check without subjects"))
    }
}

impl Counter for InDatabase {
    fn hit<'a>(
        &'a self,
        group: Group,
        subjects: &'a [(Subject, Quota)],
    ) -> Pin<Box<dyn Future<Output = crate::Result<Decision>> + Send + 'a>> {
        Box::pin(self.count(group, subjects))
    }

    fn prune(&self) {
        let pool = self.store.pool().clone();
        tokio::spawn(async move {
            if let Err(e) = sqlx::query("DELETE FROM rate_limit_cells WHERE tat < $1").bind(now_ms()).execute(&pool).await {
                tracing::warn!(error = %e, "could not prune rate-limit counts");
            }
        });
    }
}
