//! Browsers a user signed in from, known by the digest of a long-lived random cookie, so a sign-in
//! from a new one can be reported in the user's inbox.

use super::Accounts;
use crate::clock::{format_utc, now_ms};
use crate::crypto::sha256_hex;
use crate::notifications::{self, Notice, NoticeKind};
use crate::Result;

impl Accounts {
    /// Records a sign-in from the browser holding `browser_secret`. If the account had signed in
    /// before from another browser and this one is new, the user gets a notice. Returns whether
    /// the browser was new.
    pub async fn note_browser(&self, user_id: &str, browser_secret: &str, described: &str) -> Result<bool> {
        let digest = sha256_hex(browser_secret.as_bytes());
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let updated = sqlx::query("UPDATE known_browsers SET last_seen = $1 WHERE user_id = $2 AND digest = $3")
            .bind(now)
            .bind(user_id)
            .bind(&digest)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if updated == 1 {
            tx.commit().await?;
            return Ok(false);
        }
        let (known,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM known_browsers WHERE user_id = $1").bind(user_id).fetch_one(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO known_browsers (user_id, digest, first_seen, last_seen) VALUES ($1, $2, $3, $3) ON CONFLICT (user_id, digest) DO NOTHING",
        )
        .bind(user_id)
        .bind(&digest)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if known > 0 {
            let message = format!(
                "New sign-in to your account from a browser not seen before ({described}) on {}. If this was not you, change your password and tell an admin.",
                format_utc(now)
            );
            notifications::notify(&mut tx, Notice::new(user_id, NoticeKind::NewBrowser, message)).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
