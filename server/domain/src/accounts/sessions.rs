//! The account's browser sessions as the owner sees them: list, revoke one, revoke the others, sign out.

use super::Accounts;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::now_ms;
use crate::store::sessions::{self as rows, SessionRow};
use crate::{Error, Result};

/// A session as listed on the account page; `handle` is the digest of its id, never the id.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub handle: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl From<SessionRow> for SessionInfo {
    fn from(r: SessionRow) -> Self {
        SessionInfo { handle: r.id_hash, ip: r.ip, user_agent: r.user_agent, created_at: r.created_at, last_seen_at: r.last_seen_at }
    }
}

impl Accounts {
    pub async fn sessions(&self, user_id: &str) -> Result<Vec<SessionInfo>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(rows::for_user(&mut conn, user_id, now_ms()).await?.into_iter().map(Into::into).collect())
    }

    pub async fn revoke_session(&self, user_id: &str, handle: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if rows::delete_for_user(&mut tx, user_id, handle).await? == 0 {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, meta, Event::success(EventType::SessionRevoked, Some(user_id))).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs out every session of the account except `keep`; returns how many ended.
    pub async fn revoke_other_sessions(&self, user_id: &str, keep: &str, meta: &RequestMeta) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = rows::delete_others_for_user(&mut tx, user_id, keep).await?;
        let mut event = Event::success(EventType::SessionRevoked, Some(user_id));
        event.detail = Some("all_others");
        audit::record(&mut tx, meta, event).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn sign_out(&self, user_id: &str, handle: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        rows::delete(&mut tx, handle).await?;
        audit::record(&mut tx, meta, Event::success(EventType::SignOut, Some(user_id))).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Accounts {
    /// The account's own security events, newest first.
    pub async fn recent_events(&self, user_id: &str, limit: i64) -> Result<Vec<crate::audit::AuditRow>> {
        let mut conn = self.store.pool().acquire().await?;
        audit::for_user(&mut conn, user_id, limit).await
    }
}
