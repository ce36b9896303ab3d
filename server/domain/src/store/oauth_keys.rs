//! Rows of signing keys and of revoked access tokens.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub alg: String,
    pub public_key: String,
    pub sealed_private_key: String,
    pub created_at: i64,
    pub signs_from: i64,
    pub retired_at: Option<i64>,
    pub remove_at: Option<i64>,
}

pub async fn insert(conn: &mut AnyConnection, k: &KeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_signing_keys (kid, alg, public_key, sealed_private_key, created_at, signs_from, retired_at, remove_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&k.kid)
    .bind(&k.alg)
    .bind(&k.public_key)
    .bind(&k.sealed_private_key)
    .bind(k.created_at)
    .bind(k.signs_from)
    .bind(k.retired_at)
    .bind(k.remove_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Keys still published at `now`, oldest first.
pub async fn published(conn: &mut AnyConnection, now: Millis) -> Result<Vec<KeyRow>> {
    Ok(sqlx::query_as(
        "SELECT kid, alg, public_key, sealed_private_key, created_at, signs_from, retired_at, remove_at \
         FROM oauth_signing_keys WHERE remove_at IS NULL OR remove_at > $1 ORDER BY signs_from, created_at",
    )
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Retires every key still signing (or due to) at `at`, and schedules its removal.
pub async fn retire_all(conn: &mut AnyConnection, at: Millis, remove_at: Millis) -> Result<()> {
    sqlx::query("UPDATE oauth_signing_keys SET retired_at = $1, remove_at = $2 WHERE retired_at IS NULL")
        .bind(at)
        .bind(remove_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn revoke_access_token(conn: &mut AnyConnection, jti: &str, expires_at: Millis) -> Result<()> {
    sqlx::query("INSERT INTO oauth_revoked_access_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING")
        .bind(jti)
        .bind(expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn access_token_revoked(conn: &mut AnyConnection, jti: &str) -> Result<bool> {
    let found: Option<(String,)> = sqlx::query_as("SELECT jti FROM oauth_revoked_access_tokens WHERE jti = $1").bind(jti).fetch_optional(conn).await?;
    Ok(found.is_some())
}

pub async fn forget_expired_revocations(conn: &mut AnyConnection, now: Millis) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM oauth_revoked_access_tokens WHERE expires_at <= $1").bind(now).execute(conn).await?.rows_affected())
}
