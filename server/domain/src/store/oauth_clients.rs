//! Rows of OAuth clients, their redirect URIs and their secrets.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClientRow {
    pub id: String,
    pub owner_id: String,
    pub name: String,
    pub kind: String,
    pub grant_types: String,
    pub scopes: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RedirectRow {
    pub client_id: String,
    pub uri: String,
    pub scopes: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SecretRow {
    pub id: String,
    pub client_id: String,
    pub hint: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

const COLUMNS: &str = "id, owner_id, name, kind, grant_types, scopes, status, created_at, updated_at";

pub async fn insert(conn: &mut AnyConnection, r: &ClientRow) -> Result<()> {
    sqlx::query(&format!("INSERT INTO oauth_clients ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&r.id)
        .bind(&r.owner_id)
        .bind(&r.name)
        .bind(&r.kind)
        .bind(&r.grant_types)
        .bind(&r.scopes)
        .bind(&r.status)
        .bind(r.created_at)
        .bind(r.updated_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the client's redirect URIs with `uris` (uri, narrower scopes), keeping their order.
pub async fn set_redirects(conn: &mut AnyConnection, client_id: &str, uris: &[(String, Option<String>)]) -> Result<()> {
    sqlx::query("DELETE FROM oauth_redirect_uris WHERE client_id = $1").bind(client_id).execute(&mut *conn).await?;
    for (i, (uri, scopes)) in uris.iter().enumerate() {
        sqlx::query("INSERT INTO oauth_redirect_uris (client_id, position, uri, scopes) VALUES ($1, $2, $3, $4)")
            .bind(client_id)
            .bind(i as i64)
            .bind(uri)
            .bind(scopes)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<ClientRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM oauth_clients WHERE id = $1")).bind(id).fetch_optional(conn).await?)
}

pub async fn for_owner(conn: &mut AnyConnection, owner_id: &str) -> Result<Vec<ClientRow>> {
    Ok(sqlx::query_as(&format!("SELECT {COLUMNS} FROM oauth_clients WHERE owner_id = $1 ORDER BY created_at DESC, id DESC"))
        .bind(owner_id)
        .fetch_all(conn)
        .await?)
}

/// Redirect URIs of the given clients, in registration order.
pub async fn redirects(conn: &mut AnyConnection, client_id: &str) -> Result<Vec<RedirectRow>> {
    Ok(sqlx::query_as("SELECT client_id, uri, scopes FROM oauth_redirect_uris WHERE client_id = $1 ORDER BY position")
        .bind(client_id)
        .fetch_all(conn)
        .await?)
}

pub async fn update_settings(
    conn: &mut AnyConnection,
    id: &str,
    (name, grant_types, scopes): (&str, &str, &str),
    now: Millis,
) -> Result<bool> {
    let done = sqlx::query("UPDATE oauth_clients SET name = $1, grant_types = $2, scopes = $3, updated_at = $4 WHERE id = $5")
        .bind(name)
        .bind(grant_types)
        .bind(scopes)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_status(conn: &mut AnyConnection, id: &str, status: &str, now: Millis) -> Result<bool> {
    let done = sqlx::query("UPDATE oauth_clients SET status = $1, updated_at = $2 WHERE id = $3 AND status <> $1")
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(conn: &mut AnyConnection, id: &str) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM oauth_clients WHERE id = $1").bind(id).execute(conn).await?.rows_affected() == 1)
}

pub async fn insert_secret(conn: &mut AnyConnection, r: &SecretRow, digest: &str) -> Result<()> {
    sqlx::query("INSERT INTO oauth_client_secrets (id, client_id, digest, hint, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&r.id)
        .bind(&r.client_id)
        .bind(digest)
        .bind(&r.hint)
        .bind(r.created_at)
        .bind(r.expires_at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Secrets still working at `now`, newest first.
pub async fn live_secrets(conn: &mut AnyConnection, client_id: &str, now: Millis) -> Result<Vec<SecretRow>> {
    Ok(sqlx::query_as(
        "SELECT id, client_id, hint, created_at, expires_at FROM oauth_client_secrets \
         WHERE client_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id DESC",
    )
    .bind(client_id)
    .bind(now)
    .fetch_all(conn)
    .await?)
}

/// Ends every live secret of the client at `until` (never later than an end already set).
pub async fn end_secrets(conn: &mut AnyConnection, client_id: &str, until: Millis) -> Result<()> {
    sqlx::query("UPDATE oauth_client_secrets SET expires_at = $1 WHERE client_id = $2 AND (expires_at IS NULL OR expires_at > $1)")
        .bind(until)
        .bind(client_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether the digest is a live secret of the client.
pub async fn secret_matches(conn: &mut AnyConnection, client_id: &str, digest: &str, now: Millis) -> Result<Option<Option<Millis>>> {
    let found: Option<(Option<Millis>,)> = sqlx::query_as(
        "SELECT expires_at FROM oauth_client_secrets WHERE digest = $1 AND client_id = $2 AND (expires_at IS NULL OR expires_at > $3)",
    )
    .bind(digest)
    .bind(client_id)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(found.map(|(expires_at,)| expires_at))
}

/// Removes secrets whose grace period ended before `before`.
pub async fn delete_dead_secrets(conn: &mut AnyConnection, before: Millis) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM oauth_client_secrets WHERE expires_at IS NOT NULL AND expires_at <= $1")
        .bind(before)
        .execute(conn)
        .await?
        .rows_affected())
}
