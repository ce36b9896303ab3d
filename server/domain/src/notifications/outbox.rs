//! The e-mail outbox: notices waiting to be mailed. A sender claims a batch (so two processes never
//! mail the same notice), then marks each one sent, or failed with a backoff before the next try;
//! after the last try it stays failed. Notices older than a day are not mailed any more (e.g. when
//! SMTP was configured later).

use sqlx::AnyConnection;

use super::NoticeKind;
use crate::clock::{DAY, MINUTE, Millis};
use crate::Result;

/// Tries per notice before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 6;
/// A claim not settled this long (a sender died mid-send) is retried.
const CLAIM_TIMEOUT: Millis = 10 * MINUTE;

/// One e-mail to send: to whom, and what.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub id: String,
    pub to_email: String,
    pub to_name: String,
    pub kind: NoticeKind,
    pub message: String,
    pub attempts: i64,
}

/// Claims up to `limit` notices due at `now` for sending.
pub async fn claim(conn: &mut AnyConnection, now: Millis, limit: i64) -> Result<Vec<Outgoing>> {
    let due: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM notifications WHERE created_at >= $1 AND ((mail_state = 'pending' AND mail_next_at <= $2) \
         OR (mail_state = 'sending' AND mail_next_at <= $3)) ORDER BY created_at LIMIT $4",
    )
    .bind(now - DAY)
    .bind(now)
    .bind(now - CLAIM_TIMEOUT)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (id,) in due {
        // Only the process whose update takes effect sends it.
        let claimed = sqlx::query(
            "UPDATE notifications SET mail_state = 'sending', mail_next_at = $1 WHERE id = $2 AND mail_state IN ('pending', 'sending')",
        )
        .bind(now)
        .bind(&id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT u.email, u.display_name, n.kind, n.message, n.mail_attempts FROM notifications n JOIN users u ON u.id = n.user_id \
             WHERE n.id = $1",
        )
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((to_email, to_name, kind, message, attempts)) = row {
            out.push(Outgoing { id, to_email, to_name, kind: NoticeKind::parse(&kind)?, message, attempts });
        }
    }
    Ok(out)
}

pub async fn mark_sent(conn: &mut AnyConnection, id: &str) -> Result<()> {
    sqlx::query("UPDATE notifications SET mail_state = 'sent', mail_attempts = mail_attempts + 1 WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// Schedules another try (30 s, 1 min, 2 min, … after this one) or gives up after `MAX_ATTEMPTS`.
pub async fn mark_failed(conn: &mut AnyConnection, id: &str, attempts_before: i64, now: Millis) -> Result<()> {
    let attempts = attempts_before + 1;
    let (state, next) = if attempts >= MAX_ATTEMPTS { ("failed", now) } else { ("pending", now + retry_after(attempts)) };
    sqlx::query("UPDATE notifications SET mail_state = $1, mail_attempts = $2, mail_next_at = $3 WHERE id = $4")
        .bind(state)
        .bind(attempts)
        .bind(next)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

fn retry_after(attempts: i64) -> Millis {
    30_000 << (attempts - 1).clamp(0, 10)
}

/// The plain-text body: the notice in words, and where the portal is. No link carries anything
/// but the portal's address.
pub fn body(to_name: &str, message: &str, portal: &str) -> String {
    format!("Hello {to_name},\n\n{message}\n\nYou can read your notices in Gatehouse at {portal}/inbox\n\n-- \nGatehouse\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_from_thirty_seconds() {
        assert_eq!(retry_after(1), 30_000);
        assert_eq!(retry_after(2), 60_000);
        assert_eq!(retry_after(5), 480_000);
    }

    #[test]
    fn the_body_is_plain_words_and_the_portals_address() {
        let b = body("Ada", "Your token “ci” expired.", "https://gate.example.com");
        assert!(b.starts_with("Hello Ada,\n\nYour token “ci” expired.\n"));
        assert!(b.contains("https://gate.example.com/inbox"));
    }
}
