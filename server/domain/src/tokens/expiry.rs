//! Retiring tokens: past their date ("expired") or unused for the instance's inactivity period
//! ("expired for inactivity"). The sweep is idempotent and safe to run twice at once: each token is
//! ended by a conditional update, and only the run whose update took effect writes the audit event.
//! Owners are warned a week ahead (`upcoming_end`).

use super::personal::{TokenInfo, TokenStatus, Tokens};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{DAY, Millis, format_utc};
use crate::notifications::{self, Notice, NoticeKind};
use crate::store::token_activity;
use crate::store::tokens as rows;
use crate::Result;

/// Owners see a notice this long before a token ends.
pub const NOTICE_BEFORE: Millis = 7 * DAY;

/// What one sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SweepReport {
    pub expired: usize,
    pub expired_inactive: usize,
    pub activity_removed: u64,
    /// Owners told this sweep that a token ends within a week.
    pub warned: usize,
}

/// How an active token will end soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpcomingEnd {
    /// It reaches its expiry date at this moment.
    Expires(Millis),
    /// It will expire for inactivity at this moment unless it is used.
    Inactivity(Millis),
}

impl Tokens {
    /// Ends every token that is due at `now`; the clock is a parameter so tests need not sleep.
    pub async fn sweep_expired(&self, now: Millis) -> Result<SweepReport> {
        let mut report = SweepReport::default();
        let meta = RequestMeta { route: Some("expiry sweep".into()), ..Default::default() };
        let due = {
            let mut conn = self.store().pool().acquire().await?;
            rows::past_expiry(&mut conn, now).await?
        };
        for (id, owner) in due {
            if self.end_one(&id, &owner, "expired", "reached its expiry date", EventType::TokenExpired, now, &meta).await? {
                report.expired += 1;
            }
        }
        if let Some(cutoff) = self.inactivity_cutoff(now) {
            let idle = {
                let mut conn = self.store().pool().acquire().await?;
                rows::unused_since(&mut conn, cutoff).await?
            };
            let reason = format!("not used for {} days", self.policy().inactivity_days);
            for (id, owner) in idle {
                if self.end_one(&id, &owner, "expired_inactive", &reason, EventType::TokenExpiredInactive, now, &meta).await? {
                    report.expired_inactive += 1;
                }
            }
        }
        report.warned = self.warn_upcoming(now).await?;
        let mut conn = self.store().pool().acquire().await?;
        report.activity_removed = token_activity::delete_before(&mut conn, now - super::activity::RETENTION).await?;
        Ok(report)
    }

    /// Writes a notice, once per token and end date, for every active token that ends within a week.
    async fn warn_upcoming(&self, now: Millis) -> Result<usize> {
        let soon = {
            let mut conn = self.store().pool().acquire().await?;
            let idle_before = self.inactivity_cutoff(now + NOTICE_BEFORE);
            rows::ending_before(&mut conn, now + NOTICE_BEFORE, idle_before).await?
        };
        let mut warned = 0;
        for row in soon {
            let owner = row.user_id.clone();
            let t = TokenInfo::from(row);
            let Some(end) = self.upcoming_end(&t, now) else { continue };
            let (at, how, key) = match end {
                UpcomingEnd::Expires(at) => (at, "reaches its expiry date", "expires"),
                UpcomingEnd::Inactivity(at) => (at, "expires for inactivity unless it is used", "idle"),
            };
            let message = format!("Your token “{}” {how} on {}.", t.name, format_utc(at));
            let notice = Notice::new(&owner, NoticeKind::TokenExpiring, message).once(format!("{key}:{}:{at}", t.id));
            let mut tx = self.store().begin().await?;
            if notifications::notify(&mut tx, notice).await? {
                warned += 1;
            }
            tx.commit().await?;
        }
        Ok(warned)
    }

    #[allow(clippy::too_many_arguments)]
    async fn end_one(&self, id: &str, owner: &str, status: &str, reason: &str, event: EventType, now: Millis, meta: &RequestMeta) -> Result<bool> {
        let mut tx = self.store().begin().await?;
        if !rows::end_any(&mut tx, id, status, reason, now).await? {
            return Ok(false);
        }
        audit::record(&mut tx, meta, Event { actor_user_id: None, target: Some(id), detail: Some(owner), ..Event::success(event, None) }).await?;
        let name = rows::name_of(&mut tx, id).await?;
        let message = format!("Your token “{name}” expired on {}: {reason}.", format_utc(now));
        notifications::notify(&mut tx, Notice::new(owner, NoticeKind::TokenEnded, message)).await?;
        tx.commit().await?;
        self.ended(id);
        Ok(true)
    }

    /// Tokens last used (or, if never, created) at or before this moment are idle; `None` when the
    /// instance does not expire idle tokens.
    fn inactivity_cutoff(&self, now: Millis) -> Option<Millis> {
        match self.policy().inactivity_days {
            0 => None,
            days => Some(now - days as i64 * DAY),
        }
    }

    /// How the token will end within the next week, if it will; the earlier of the two.
    pub fn upcoming_end(&self, t: &TokenInfo, now: Millis) -> Option<UpcomingEnd> {
        if t.status != TokenStatus::Active {
            return None;
        }
        let idle_at = match self.policy().inactivity_days {
            0 => None,
            days => Some(t.last_used_at.unwrap_or(t.created_at) + days as i64 * DAY),
        };
        let end = match (t.expires_at, idle_at) {
            (Some(e), Some(i)) if i < e => UpcomingEnd::Inactivity(i),
            (Some(e), _) => UpcomingEnd::Expires(e),
            (None, Some(i)) => UpcomingEnd::Inactivity(i),
            (None, None) => return None,
        };
        let at = match end {
            UpcomingEnd::Expires(at) | UpcomingEnd::Inactivity(at) => at,
        };
        (at - now <= NOTICE_BEFORE).then_some(end)
    }
}
