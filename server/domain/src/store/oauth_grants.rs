//! Rows of consents, grant families, authorization codes and refresh tokens. The single-use rules
//! are conditional updates (`… WHERE used_at IS NULL`), so of two concurrent uses exactly one wins.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

pub async fn consent(conn: &mut AnyConnection, user_id: &str, client_id: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT scopes FROM oauth_consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.0))
}

pub async fn upsert_consent(conn: &mut AnyConnection, user_id: &str, client_id: &str, scopes: &str, now: Millis) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_consents (user_id, client_id, scopes, granted_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(client_id)
    .bind(scopes)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_consent(conn: &mut AnyConnection, user_id: &str, client_id: &str) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM oauth_consents WHERE user_id = $1 AND client_id = $2")
        .bind(user_id)
        .bind(client_id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthorizedAppRow {
    pub client_id: String,
    pub client_name: String,
    pub scopes: String,
    pub granted_at: i64,
    pub last_used_at: Option<i64>,
}

/// The clients a user consented to, with the last time any of their families was used.
pub async fn authorized_apps(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<AuthorizedAppRow>> {
    Ok(sqlx::query_as(
        "SELECT c.client_id, k.name AS client_name, c.scopes, c.granted_at, \
                (SELECT MAX(f.last_used_at) FROM oauth_families f WHERE f.user_id = c.user_id AND f.client_id = c.client_id) AS last_used_at \
         FROM oauth_consents c JOIN oauth_clients k ON k.id = c.client_id WHERE c.user_id = $1 ORDER BY c.granted_at DESC",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FamilyRow {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: i64,
    pub revoked_at: Option<i64>,
}

pub async fn insert_family(conn: &mut AnyConnection, f: &FamilyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_families (id, client_id, user_id, scopes, created_at, expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&f.id)
    .bind(&f.client_id)
    .bind(&f.user_id)
    .bind(&f.scopes)
    .bind(f.created_at)
    .bind(f.expires_at)
    .bind(f.last_used_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn family(conn: &mut AnyConnection, id: &str) -> Result<Option<FamilyRow>> {
    Ok(sqlx::query_as(
        "SELECT id, client_id, user_id, scopes, created_at, expires_at, last_used_at, revoked_at FROM oauth_families WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

pub async fn touch_family(conn: &mut AnyConnection, id: &str, now: Millis) -> Result<()> {
    sqlx::query("UPDATE oauth_families SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(conn).await?;
    Ok(())
}

/// Revokes one family; false when it was already revoked (or does not exist).
pub async fn revoke_family(conn: &mut AnyConnection, id: &str, reason: &str, now: Millis) -> Result<bool> {
    Ok(sqlx::query("UPDATE oauth_families SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Revokes every live family of a user with a client; returns how many.
pub async fn revoke_families_of(conn: &mut AnyConnection, user_id: &str, client_id: &str, reason: &str, now: Millis) -> Result<u64> {
    Ok(sqlx::query("UPDATE oauth_families SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND client_id = $4 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(user_id)
        .bind(client_id)
        .execute(conn)
        .await?
        .rows_affected())
}

pub async fn family_revoked(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT revoked_at FROM oauth_families WHERE id = $1").bind(id).fetch_optional(conn).await?;
    Ok(!matches!(row, Some((None,))))
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeRow {
    pub client_id: String,
    pub user_id: String,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: String,
    pub expires_at: i64,
    pub family_id: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_code(conn: &mut AnyConnection, digest: &str, c: &CodeRow, now: Millis) -> Result<()> {
    sqlx::query(
        "INSERT INTO oauth_codes (digest, client_id, user_id, redirect_uri, scopes, code_challenge, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(digest)
    .bind(&c.client_id)
    .bind(&c.user_id)
    .bind(&c.redirect_uri)
    .bind(&c.scopes)
    .bind(&c.code_challenge)
    .bind(now)
    .bind(c.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

const CODE_COLUMNS: &str = "client_id, user_id, redirect_uri, scopes, code_challenge, expires_at, family_id";

/// Marks the code used and returns it; `None` when it is unknown or was used before.
pub async fn take_code(conn: &mut AnyConnection, digest: &str, now: Millis) -> Result<Option<CodeRow>> {
    Ok(sqlx::query_as(&format!("UPDATE oauth_codes SET used_at = $1 WHERE digest = $2 AND used_at IS NULL RETURNING {CODE_COLUMNS}"))
        .bind(now)
        .bind(digest)
        .fetch_optional(conn)
        .await?)
}

/// A code that was already used, with the family its first use produced.
pub async fn used_code(conn: &mut AnyConnection, digest: &str) -> Result<Option<CodeRow>> {
    Ok(sqlx::query_as(&format!("SELECT {CODE_COLUMNS} FROM oauth_codes WHERE digest = $1 AND used_at IS NOT NULL"))
        .bind(digest)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_code_family(conn: &mut AnyConnection, digest: &str, family_id: &str) -> Result<()> {
    sqlx::query("UPDATE oauth_codes SET family_id = $1 WHERE digest = $2").bind(family_id).bind(digest).execute(conn).await?;
    Ok(())
}

pub async fn delete_old_codes(conn: &mut AnyConnection, before: Millis) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM oauth_codes WHERE expires_at <= $1").bind(before).execute(conn).await?.rows_affected())
}

pub async fn insert_refresh(conn: &mut AnyConnection, digest: &str, family_id: &str, now: Millis) -> Result<()> {
    sqlx::query("INSERT INTO oauth_refresh_tokens (digest, family_id, created_at) VALUES ($1, $2, $3)")
        .bind(digest)
        .bind(family_id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks the refresh token used; its family when this use is the first, else `None`.
pub async fn use_refresh(conn: &mut AnyConnection, digest: &str, now: Millis) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("UPDATE oauth_refresh_tokens SET used_at = $1 WHERE digest = $2 AND used_at IS NULL RETURNING family_id")
        .bind(now)
        .bind(digest)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// The family of a refresh token whatever its state (for reuse detection and revocation).
pub async fn refresh_family(conn: &mut AnyConnection, digest: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT family_id FROM oauth_refresh_tokens WHERE digest = $1").bind(digest).fetch_optional(conn).await?;
    Ok(row.map(|r| r.0))
}

/// Revokes every live family of a user, with any client, and forgets their consents; returns how
/// many families.
pub async fn revoke_all_of_user(conn: &mut AnyConnection, user_id: &str, reason: &str, now: Millis) -> Result<u64> {
    let n = sqlx::query("UPDATE oauth_families SET revoked_at = $1, revoked_reason = $2 WHERE user_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    sqlx::query("DELETE FROM oauth_consents WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(n)
}
