//! What tokens did. The request path only pushes a record into a bounded in-memory buffer (no
//! database write, DESIGN.md §4); a background job flushes the buffer in batches, in one
//! transaction per batch, and moves each token's "last used" forward. When the buffer is full a
//! record is dropped and counted, so an overloaded server slows nobody down and loses visibly.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::personal::Tokens;
use crate::clock::{DAY, Millis, SECOND};
use crate::store::new_id;
use crate::store::token_activity::{self as rows, ActivityRow};
use crate::{Error, Result};

/// How many records may wait for the flush job (a few hundred bytes each).
pub const DEFAULT_BUFFER_CAPACITY: usize = 50_000;
/// This many waiting records wake the flush job before its next tick, so bursts are written in
/// batches of about this size instead of overflowing the buffer.
pub const FLUSH_EARLY_AT: usize = 2_000;
/// Records older than this are deleted by the expiry sweep.
pub const RETENTION: Millis = 90 * DAY;
/// The most records one page of the log holds.
pub const PAGE_MAX: i64 = 100;
/// The chart covers this many days, today included.
pub const CHART_DAYS: i64 = 30;

/// One API call made with a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRecord {
    pub token_id: String,
    pub at: Millis,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The scopes the call used, space-separated; `None` when the call used none.
    pub scopes: Option<String>,
    /// How many identical calls this stands for: 1 when recorded, more once stored (see `write_batch`).
    pub calls: u64,
}

/// Counters of the buffer, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BufferStats {
    pub pending: usize,
    pub dropped: u64,
    pub flushed: u64,
}

struct Buffer {
    records: Mutex<Vec<ActivityRecord>>,
    capacity: usize,
    wake: tokio::sync::Notify,
    dropped: AtomicU64,
    flushed: AtomicU64,
}

/// The bounded buffer, shared by the clones of one `Tokens`.
#[derive(Clone)]
pub struct ActivityBuffer(Arc<Buffer>);

impl Default for ActivityBuffer {
    fn default() -> Self {
        ActivityBuffer::with_capacity(DEFAULT_BUFFER_CAPACITY)
    }
}

impl ActivityBuffer {
    pub fn with_capacity(capacity: usize) -> Self {
        ActivityBuffer(Arc::new(Buffer {
            records: Mutex::new(Vec::new()),
            capacity,
            wake: tokio::sync::Notify::new(),
            dropped: AtomicU64::new(0),
            flushed: AtomicU64::new(0),
        }))
    }

    /// Queues a record; false (and counted) when the buffer is full.
    pub fn push(&self, record: ActivityRecord) -> bool {
        let Ok(mut records) = self.0.records.lock() else { return false };
        if records.len() >= self.0.capacity {
            drop(records);
            self.0.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        records.push(record);
        if records.len() == FLUSH_EARLY_AT {
            self.0.wake.notify_one();
        }
        true
    }

    /// Resolves once enough records wait that the flush job should not wait for its tick.
    pub async fn filled(&self) {
        self.0.wake.notified().await
    }

    fn take(&self) -> Vec<ActivityRecord> {
        self.0.records.lock().map(|mut r| std::mem::take(&mut *r)).unwrap_or_default()
    }

    /// Puts back a batch that could not be written, as far as room allows; the rest is dropped.
    fn restore(&self, batch: Vec<ActivityRecord>) {
        let Ok(mut records) = self.0.records.lock() else { return };
        let room = self.0.capacity.saturating_sub(records.len());
        let lost = batch.len().saturating_sub(room);
        records.extend(batch.into_iter().take(room));
        self.0.dropped.fetch_add(lost as u64, Ordering::Relaxed);
    }

    pub fn stats(&self) -> BufferStats {
        BufferStats {
            pending: self.0.records.lock().map(|r| r.len()).unwrap_or(0),
            dropped: self.0.dropped.load(Ordering::Relaxed),
            flushed: self.0.flushed.load(Ordering::Relaxed),
        }
    }
}

/// A page of the activity log, newest first, with the cursor of the next (older) page.
#[derive(Debug, Clone)]
pub struct ActivityPage {
    pub records: Vec<ActivityRecord>,
    pub next: Option<String>,
}

/// A cursor is `<occurred_at>.<id>` of the last record shown; opaque to clients, checked here.
fn parse_cursor(cursor: &str) -> Result<(Millis, &str)> {
    let (at, id) = cursor.split_once('.').ok_or_else(|| Error::invalid("the page cursor is not valid"))?;
    let at = at.parse().map_err(|_| Error::invalid("the page cursor is not valid"))?;
    uuid::Uuid::parse_str(id).map_err(|_| Error::invalid("the page cursor is not valid"))?;
    Ok((at, id))
}

impl Tokens {
    pub fn activity_buffer(&self) -> &ActivityBuffer {
        &self.activity
    }

    /// Records an API call; never touches the database.
    pub fn record_activity(&self, record: ActivityRecord) {
        self.activity.push(record);
    }

    /// Writes everything buffered in one transaction; returns how many records were written.
    pub async fn flush_activity(&self) -> Result<usize> {
        let batch = self.activity.take();
        if batch.is_empty() {
            return Ok(0);
        }
        match self.write_batch(&batch).await {
            Ok(()) => {
                self.activity.0.flushed.fetch_add(batch.len() as u64, Ordering::Relaxed);
                Ok(batch.len())
            }
            Err(e) => {
                self.activity.restore(batch);
                Err(e)
            }
        }
    }

    async fn write_batch(&self, batch: &[ActivityRecord]) -> Result<()> {
        // The newest record per token moves its "last used".
        let mut latest: HashMap<&str, &ActivityRecord> = HashMap::new();
        for r in batch {
            let newest = latest.entry(&r.token_id).or_insert(r);
            if r.at > newest.at {
                *newest = r;
            }
        }
        let mut tx = self.store().begin().await?;
        let ids: Vec<&str> = latest.keys().copied().collect();
        let existing = rows::existing_tokens(&mut tx, &ids).await?;
        latest.retain(|id, _| existing.contains(*id));
        // Identical calls in the same second become one row that counts them, dated by the latest.
        type Key<'a> = (Millis, &'a str, &'a str, &'a str, u16, Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let mut same: HashMap<Key<'_>, ActivityRow> = HashMap::new();
        for r in batch.iter().filter(|r| existing.contains(&r.token_id)) {
            let key = (
                r.at / SECOND,
                r.token_id.as_str(),
                r.method.as_str(),
                r.route.as_str(),
                r.status,
                r.ip.as_deref(),
                r.user_agent.as_deref(),
                r.scopes.as_deref(),
            );
            let row = same.entry(key).or_insert_with(|| ActivityRow {
                id: new_id(),
                token_id: r.token_id.clone(),
                occurred_at: r.at,
                method: r.method.clone(),
                route: r.route.clone(),
                status: r.status as i64,
                ip: r.ip.clone(),
                user_agent: r.user_agent.clone(),
                scope: r.scopes.clone(),
                calls: 0,
            });
            row.calls += r.calls as i64;
            row.occurred_at = row.occurred_at.max(r.at);
        }
        let mut records: Vec<ActivityRow> = same.into_values().collect();
        records.sort_by_key(|r| r.occurred_at);
        rows::insert_many(&mut tx, &records).await?;
        for r in latest.values() {
            rows::touch_token(&mut tx, &r.token_id, r.at, r.ip.as_deref(), r.user_agent.as_deref()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A page of one of the user's tokens' activity; another user's token is not found.
    pub async fn activity(&self, user_id: &str, token_id: &str, cursor: Option<&str>, limit: i64) -> Result<ActivityPage> {
        self.get(user_id, token_id).await?;
        let before = cursor.map(parse_cursor).transpose()?;
        let limit = limit.clamp(1, PAGE_MAX);
        let mut conn = self.store().pool().acquire().await?;
        let mut found = rows::page(&mut conn, token_id, before, limit + 1).await?;
        let more = found.len() as i64 > limit;
        found.truncate(limit as usize);
        let next = if more { found.last().map(|r| format!("{}.{}", r.occurred_at, r.id)) } else { None };
        let records = found
            .into_iter()
            .map(|r| ActivityRecord {
                token_id: r.token_id,
                at: r.occurred_at,
                method: r.method,
                route: r.route,
                status: u16::try_from(r.status).unwrap_or(0),
                ip: r.ip,
                user_agent: r.user_agent,
                scopes: r.scope,
                calls: u64::try_from(r.calls).unwrap_or(0),
            })
            .collect();
        Ok(ActivityPage { records, next })
    }

    /// Calls per UTC day for the last 30 days, oldest first, today last; days without calls are 0.
    pub async fn calls_per_day(&self, user_id: &str, token_id: &str, now: Millis) -> Result<Vec<(Millis, u64)>> {
        self.get(user_id, token_id).await?;
        let today = now / DAY;
        let first = today - (CHART_DAYS - 1);
        let mut conn = self.store().pool().acquire().await?;
        let counts: HashMap<i64, i64> = rows::per_day(&mut conn, token_id, first * DAY).await?.into_iter().collect();
        Ok((first..=today).map(|d| (d * DAY, counts.get(&d).copied().unwrap_or(0).max(0) as u64)).collect())
    }

    /// The scopes the token's recorded calls needed, sorted by name.
    pub async fn scopes_used(&self, user_id: &str, token_id: &str) -> Result<Vec<String>> {
        self.get(user_id, token_id).await?;
        let mut conn = self.store().pool().acquire().await?;
        let texts = rows::scopes_used(&mut conn, token_id).await?;
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let used = crate::scopes::ScopeSet::parse(&texts.join(" "))?;
        Ok(used.iter().map(|s| s.as_str().to_owned()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u16) -> ActivityRecord {
        ActivityRecord {
            token_id: "t".into(),
            at: n as i64,
            method: "GET".into(),
            route: "/api/v1/user".into(),
            status: 200,
            ip: None,
            user_agent: None,
            scopes: None,
            calls: 1,
        }
    }

    #[test]
    fn a_full_buffer_drops_and_counts() {
        let buffer = ActivityBuffer::with_capacity(2);
        assert!(buffer.push(record(1)));
        assert!(buffer.push(record(2)));
        assert!(!buffer.push(record(3)));
        assert_eq!(buffer.stats(), BufferStats { pending: 2, dropped: 1, flushed: 0 });
    }

    #[test]
    fn a_restored_batch_keeps_what_fits_and_counts_the_rest() {
        let buffer = ActivityBuffer::with_capacity(2);
        buffer.push(record(1));
        let batch = buffer.take();
        buffer.push(record(2));
        buffer.restore([batch, vec![record(3)]].concat());
        assert_eq!(buffer.stats().pending, 2);
        assert_eq!(buffer.stats().dropped, 1);
    }

    #[test]
    fn cursors_are_checked() {
        assert!(parse_cursor("12.0190a0b8-0000-7000-8000-000000000000").is_ok());
        assert!(parse_cursor("12").is_err());
        assert!(parse_cursor("x.0190a0b8-0000-7000-8000-000000000000").is_err());
        assert!(parse_cursor("12.'; DROP").is_err());
    }
}
