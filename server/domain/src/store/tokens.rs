//! Rows of personal access tokens.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub note: Option<String>,
    pub scopes: String,
    pub digest: String,
    pub hint: String,
    pub allowlist: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub status_at: Option<i64>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    pub last_used_ua: Option<String>,
}

const COLUMNS: &str = "id, user_id, name, note, scopes, digest, hint, allowlist, status, status_reason, status_at, \
                       created_at, expires_at, last_used_at, last_used_ip, last_used_ua";

pub async fn insert(conn: &mut AnyConnection, r: &TokenRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO personal_tokens (id, user_id, name, note, scopes, digest, hint, allowlist, status, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&r.id)
    .bind(&r.user_id)
    .bind(&r.name)
    .bind(&r.note)
    .bind(&r.scopes)
    .bind(&r.digest)
    .bind(&r.hint)
    .bind(&r.allowlist)
    .bind(&r.status)
    .bind(r.created_at)
    .bind(r.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user's tokens, active first, newest first; ended tokens only while younger than `since`.
pub async fn for_user(conn: &mut AnyConnection, user_id: &str, since: Millis) -> Result<Vec<TokenRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM personal_tokens WHERE user_id = $1 AND (status = 'active' OR status_at >= $2) \
         ORDER BY CASE WHEN status = 'active' THEN 0 ELSE 1 END, created_at DESC"
    );
    Ok(sqlx::query_as(&sql).bind(user_id).bind(since).fetch_all(conn).await?)
}

pub async fn by_id_for_user(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<Option<TokenRow>> {
    let sql = format!("SELECT {COLUMNS} FROM personal_tokens WHERE id = $1 AND user_id = $2");
    Ok(sqlx::query_as(&sql).bind(id).bind(user_id).fetch_optional(conn).await?)
}

pub async fn by_digest(conn: &mut AnyConnection, digest: &str) -> Result<Option<TokenRow>> {
    let sql = format!("SELECT {COLUMNS} FROM personal_tokens WHERE digest = $1");
    Ok(sqlx::query_as(&sql).bind(digest).fetch_optional(conn).await?)
}

/// Ends an active token; false if it was not active (already ended, or not this user's).
pub async fn end(conn: &mut AnyConnection, user_id: &str, id: &str, status: &str, reason: &str, now: Millis) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE personal_tokens SET status = $1, status_reason = $2, status_at = $3 \
         WHERE id = $4 AND user_id = $5 AND status = 'active'",
    )
    .bind(status)
    .bind(reason)
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends an active token whoever owns it (expiry sweep, leak reports); false if it was not active.
pub async fn end_any(conn: &mut AnyConnection, id: &str, status: &str, reason: &str, now: Millis) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE personal_tokens SET status = $1, status_reason = $2, status_at = $3 WHERE id = $4 AND status = 'active'",
    )
    .bind(status)
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Active tokens (id, owner) whose expiry date is at or before `now`.
pub async fn past_expiry(conn: &mut AnyConnection, now: Millis) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id FROM personal_tokens WHERE status = 'active' AND expires_at IS NOT NULL AND expires_at <= $1",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Active tokens (id, owner) neither used nor created since `cutoff`.
pub async fn unused_since(conn: &mut AnyConnection, cutoff: Millis) -> Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, user_id FROM personal_tokens WHERE status = 'active' AND COALESCE(last_used_at, created_at) <= $1",
    )
    .bind(cutoff)
    .fetch_all(conn)
    .await?)
}

/// A user's active tokens (id, name, scopes).
pub async fn active_of_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<(String, String, String)>> {
    Ok(sqlx::query_as("SELECT id, name, scopes FROM personal_tokens WHERE user_id = $1 AND status = 'active'")
        .bind(user_id)
        .fetch_all(conn)
        .await?)
}

pub async fn name_of(conn: &mut AnyConnection, id: &str) -> Result<String> {
    let (name,): (String,) = sqlx::query_as("SELECT name FROM personal_tokens WHERE id = $1").bind(id).fetch_one(conn).await?;
    Ok(name)
}

/// Active tokens that reach their date before `before`, or (when `idle_before` is set) were last
/// used, or created, before `idle_before`.
pub async fn ending_before(conn: &mut AnyConnection, before: Millis, idle_before: Option<Millis>) -> Result<Vec<TokenRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM personal_tokens WHERE status = 'active' \
         AND ((expires_at IS NOT NULL AND expires_at <= $1) OR COALESCE(last_used_at, created_at) <= $2)"
    );
    Ok(sqlx::query_as(&sql).bind(before).bind(idle_before.unwrap_or(i64::MIN)).fetch_all(conn).await?)
}
