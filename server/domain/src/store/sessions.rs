//! Rows of browser sessions. The key is the SHA-256 of the session id, so a leaked table
//! does not hand out live cookies; that digest doubles as the handle shown on the account page.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: Option<String>,
    pub data: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds a row's columns as $1..$8 in table order.
fn bind_row<'q>(q: AnyQuery<'q>, r: &'q SessionRow) -> AnyQuery<'q> {
    q        .bind(&r.id_hash)
        .bind(&r.user_id)
        .bind(&r.data)
        .bind(&r.ip)
        .bind(&r.user_agent)
        .bind(r.created_at)
        .bind(r.last_seen_at)
        .bind(r.expires_at)
}

const INSERT: &str = "INSERT INTO sessions (id_hash, user_id, data, ip, user_agent, created_at, last_seen_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

pub async fn insert(conn: &mut AnyConnection, r: &SessionRow) -> Result<bool> {
    let sql = format!("{INSERT} ON CONFLICT (id_hash) DO NOTHING");
    let done = bind_row(sqlx::query(&sql), r).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn upsert(conn: &mut AnyConnection, r: &SessionRow) -> Result<()> {
    let sql = format!(
        "{INSERT} ON CONFLICT (id_hash) DO UPDATE SET user_id = $2, data = $3, ip = $4, user_agent = $5, \
         last_seen_at = $7, expires_at = $8"
    );
    bind_row(sqlx::query(&sql), r).execute(conn).await?;
    Ok(())
}

pub async fn load(conn: &mut AnyConnection, id_hash: &str, now: Millis) -> Result<Option<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT id_hash, user_id, data, ip, user_agent, created_at, last_seen_at, expires_at \
         FROM sessions WHERE id_hash = $1 AND expires_at > $2",
    )
    .bind(id_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?)
}

pub async fn delete(conn: &mut AnyConnection, id_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(conn).await?;
    Ok(())
}

pub async fn for_user(conn: &mut AnyConnection, user_id: &str, now: Millis) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT id_hash, user_id, data, ip, user_agent, created_at, last_seen_at, expires_at \
         FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(conn)
    .await?)
}

pub async fn delete_for_user(conn: &mut AnyConnection, user_id: &str, id_hash: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
        .bind(user_id)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_others_for_user(conn: &mut AnyConnection, user_id: &str, keep_id_hash: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep_id_hash)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired(conn: &mut AnyConnection, now: Millis) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(conn).await?;
    Ok(done.rows_affected())
}

/// The stored key (and public handle) of a session id.
pub fn handle_of(session_id: &str) -> String {
    crate::crypto::sha256_hex(session_id.as_bytes())
}

/// Ends every session of a user (disabled, second factors reset).
pub async fn delete_all_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected())
}
