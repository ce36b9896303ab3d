//! Rows of passkeys.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    pub passkey: String,
    pub backed_up: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, credential_id, name, passkey, backed_up, created_at, last_used_at";

pub async fn insert(conn: &mut AnyConnection, r: &PasskeyRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, credential_id, name, passkey, backed_up, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
    )
    .bind(&r.id)
    .bind(&r.user_id)
    .bind(&r.credential_id)
    .bind(&r.name)
    .bind(&r.passkey)
    .bind(&r.backed_up)
    .bind(r.created_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn for_user(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<PasskeyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at");
    Ok(sqlx::query_as(&sql).bind(user_id).fetch_all(conn).await?)
}

pub async fn by_credential_id(conn: &mut AnyConnection, credential_id: &str) -> Result<Option<PasskeyRow>> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    Ok(sqlx::query_as(&sql).bind(credential_id).fetch_optional(conn).await?)
}

pub async fn count_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM passkeys WHERE user_id = $1").bind(user_id).fetch_one(conn).await?;
    Ok(n)
}

pub async fn record_use(conn: &mut AnyConnection, id: &str, passkey: &str, backed_up: &str, now: Millis) -> Result<()> {
    sqlx::query("UPDATE passkeys SET passkey = $1, backed_up = $2, last_used_at = $3 WHERE id = $4")
        .bind(passkey)
        .bind(backed_up)
        .bind(now)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn rename(conn: &mut AnyConnection, user_id: &str, id: &str, name: &str) -> Result<u64> {
    let done = sqlx::query("UPDATE passkeys SET name = $1 WHERE id = $2 AND user_id = $3")
        .bind(name)
        .bind(id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete(conn: &mut AnyConnection, user_id: &str, id: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2").bind(id).bind(user_id).execute(conn).await?;
    Ok(done.rows_affected())
}

pub async fn delete_all_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM passkeys WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected())
}
