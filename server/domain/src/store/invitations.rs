//! Rows of one-time sign-up links (bootstrap and invitations). Only the secret's digest is kept.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub secret_hash: String,
    pub kind: String,
    pub email: Option<String>,
    pub role: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub created_at: i64,
}

pub async fn insert(conn: &mut AnyConnection, r: &InvitationRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO invitations (id, secret_hash, kind, email, role, expires_at, used_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
    )
    .bind(&r.id)
    .bind(&r.secret_hash)
    .bind(&r.kind)
    .bind(&r.email)
    .bind(&r.role)
    .bind(r.expires_at)
    .bind(r.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn by_secret_hash(conn: &mut AnyConnection, hash: &str) -> Result<Option<InvitationRow>> {
    Ok(sqlx::query_as(
        "SELECT id, secret_hash, kind, email, role, expires_at, used_at, created_at FROM invitations WHERE secret_hash = $1",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await?)
}

/// Uses the link once: false if it was used meanwhile (a concurrent sign-up) or has expired.
pub async fn mark_used(conn: &mut AnyConnection, id: &str, now: Millis) -> Result<bool> {
    let done = sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1")
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
