//! Rows counting consecutive failed sign-in attempts per account and per IP.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ThrottleRow {
    pub failures: i64,
    pub locked_until: i64,
}

pub async fn get(conn: &mut AnyConnection, key: &str) -> Result<Option<ThrottleRow>> {
    Ok(sqlx::query_as("SELECT failures, locked_until FROM login_throttle WHERE throttle_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

/// Adds one failure atomically and returns the new count.
pub async fn add_failure(conn: &mut AnyConnection, key: &str, now: Millis) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO login_throttle (throttle_key, failures, locked_until, updated_at) VALUES ($1, 1, 0, $2) \
         ON CONFLICT (throttle_key) DO UPDATE SET failures = login_throttle.failures + 1, updated_at = $2 \
         RETURNING failures",
    )
    .bind(key)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

pub async fn set_locked_until(conn: &mut AnyConnection, key: &str, until: Millis) -> Result<()> {
    sqlx::query("UPDATE login_throttle SET locked_until = $1 WHERE throttle_key = $2")
        .bind(until)
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn clear(conn: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1").bind(key).execute(conn).await?;
    Ok(())
}
