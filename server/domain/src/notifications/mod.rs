//! Each user's inbox: notices about their tokens, sign-ins and second factors, written in the same
//! transaction as the change they report. A notice says what happened in plain words; it never
//! carries a secret, a token or a link that does.

pub mod outbox;

use sqlx::AnyConnection;

use crate::clock::{Millis, now_ms};
use crate::store::new_id;
use crate::{Error, Result};

/// What a notice is about; stored as TEXT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NoticeKind {
    TokenExpiring,
    TokenEnded,
    TokenLeaked,
    NewBrowser,
    SecurityChanged,
    AdminTokenCreated,
    AccountChanged,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::TokenExpiring => "token_expiring",
            NoticeKind::TokenEnded => "token_ended",
            NoticeKind::TokenLeaked => "token_leaked",
            NoticeKind::NewBrowser => "new_browser",
            NoticeKind::SecurityChanged => "security_changed",
            NoticeKind::AdminTokenCreated => "admin_token_created",
            NoticeKind::AccountChanged => "account_changed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "token_expiring" => NoticeKind::TokenExpiring,
            "token_ended" => NoticeKind::TokenEnded,
            "token_leaked" => NoticeKind::TokenLeaked,
            "new_browser" => NoticeKind::NewBrowser,
            "security_changed" => NoticeKind::SecurityChanged,
            "admin_token_created" => NoticeKind::AdminTokenCreated,
            "account_changed" => NoticeKind::AccountChanged,
            _ => return Err(Error::internal_msg("unknown notice kind in the database")),
        })
    }

    /// The subject line of the e-mail for it.
    pub fn subject(self) -> &'static str {
        match self {
            NoticeKind::TokenExpiring => "A personal access token ends soon",
            NoticeKind::TokenEnded => "A personal access token ended",
            NoticeKind::TokenLeaked => "A leaked personal access token was revoked",
            NoticeKind::NewBrowser => "New sign-in from a new browser",
            NoticeKind::SecurityChanged => "Your sign-in methods changed",
            NoticeKind::AdminTokenCreated => "A token with the admin scope was created",
            NoticeKind::AccountChanged => "Your account was changed by an admin",
        }
    }
}

/// One notice to write.
pub struct Notice<'a> {
    pub user_id: &'a str,
    pub kind: NoticeKind,
    pub message: String,
    /// The same key for the same user is written once (e.g. "expiring:<token id>").
    pub dedupe_key: Option<String>,
}

impl<'a> Notice<'a> {
    pub fn new(user_id: &'a str, kind: NoticeKind, message: impl Into<String>) -> Self {
        Notice { user_id, kind, message: message.into(), dedupe_key: None }
    }

    pub fn once(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// Writes a notice in the caller's transaction; a repeated `dedupe_key` is skipped quietly.
/// Returns whether it was written.
pub async fn notify(conn: &mut AnyConnection, n: Notice<'_>) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO notifications (id, user_id, kind, message, dedupe_key, created_at, read_at, mail_state) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, 'pending') ON CONFLICT (user_id, dedupe_key) DO NOTHING",
    )
    .bind(new_id())
    .bind(n.user_id)
    .bind(n.kind.as_str())
    .bind(&n.message)
    .bind(&n.dedupe_key)
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The same notice to every active admin (e.g. an `admin`-scoped token was created).
pub async fn notify_admins(conn: &mut AnyConnection, kind: NoticeKind, message: &str) -> Result<()> {
    let admins: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM users WHERE role = 'admin' AND status = 'active'").fetch_all(&mut *conn).await?;
    for (id,) in admins {
        notify(&mut *conn, Notice::new(&id, kind, message)).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeInfo {
    pub id: String,
    pub kind: NoticeKind,
    pub message: String,
    pub created_at: Millis,
    pub read: bool,
}

/// The newest notices of a user (at most `limit`).
pub async fn inbox(conn: &mut AnyConnection, user_id: &str, limit: i64) -> Result<Vec<NoticeInfo>> {
    let rows: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, kind, message, created_at, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, kind, message, created_at, read_at)| {
            Ok(NoticeInfo { id, kind: NoticeKind::parse(&kind)?, message, created_at, read: read_at.is_some() })
        })
        .collect()
}

pub async fn unread_count(conn: &mut AnyConnection, user_id: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// Marks one notice (or, with `None`, all of them) read; only the user's own.
pub async fn mark_read(conn: &mut AnyConnection, user_id: &str, id: Option<&str>) -> Result<u64> {
    let done = match id {
        Some(id) => sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL")
            .bind(now_ms())
            .bind(user_id)
            .bind(id)
            .execute(conn)
            .await?,
        None => sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now_ms())
            .bind(user_id)
            .execute(conn)
            .await?,
    };
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_text() {
        for k in [
            NoticeKind::TokenExpiring,
            NoticeKind::TokenEnded,
            NoticeKind::TokenLeaked,
            NoticeKind::NewBrowser,
            NoticeKind::SecurityChanged,
            NoticeKind::AdminTokenCreated,
            NoticeKind::AccountChanged,
        ] {
            assert_eq!(NoticeKind::parse(k.as_str()).unwrap(), k);
            assert!(!k.subject().is_empty());
        }
        assert!(NoticeKind::parse("spam").is_err());
    }
}
