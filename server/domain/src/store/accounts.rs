//! Rows of users, TOTP credentials and recovery codes.

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::Millis;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub status: String,
    pub password_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when an admin reset the second factors: the next sign-in must enrol one.
    pub mfa_reset_at: Option<i64>,
}

const USER_COLUMNS: &str = "id, email, display_name, role, status, password_hash, created_at, updated_at, mfa_reset_at";

pub async fn insert_user(conn: &mut AnyConnection, u: &UserRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, email, display_name, role, status, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&u.id)
    .bind(&u.email)
    .bind(&u.display_name)
    .bind(&u.role)
    .bind(&u.status)
    .bind(&u.password_hash)
    .bind(u.created_at)
    .bind(u.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn user_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
    Ok(sqlx::query_as(&sql).bind(email).fetch_optional(conn).await?)
}

pub async fn user_by_id(conn: &mut AnyConnection, id: &str) -> Result<Option<UserRow>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
    Ok(sqlx::query_as(&sql).bind(id).fetch_optional(conn).await?)
}

pub async fn count_users(conn: &mut AnyConnection) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(conn).await?;
    Ok(n)
}

pub async fn set_password_hash(conn: &mut AnyConnection, user_id: &str, phc: &str, now: Millis) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(phc)
        .bind(now)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TotpRow {
    pub user_id: String,
    pub secret_enc: String,
    pub status: String,
    pub last_step: i64,
    pub created_at: i64,
}

pub async fn totp_for_user(conn: &mut AnyConnection, user_id: &str) -> Result<Option<TotpRow>> {
    Ok(sqlx::query_as(
        "SELECT user_id, secret_enc, status, last_step, created_at FROM totp_credentials WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// Starts (or restarts) an enrolment: a pending credential replaces any earlier pending one.
pub async fn upsert_pending_totp(conn: &mut AnyConnection, user_id: &str, secret_enc: &str, now: Millis) -> Result<()> {
    sqlx::query(
        "INSERT INTO totp_credentials (user_id, secret_enc, status, last_step, created_at) \
         VALUES ($1, $2, 'pending', 0, $3) \
         ON CONFLICT (user_id) DO UPDATE SET secret_enc = $2, status = 'pending', last_step = 0, created_at = $3 \
         WHERE totp_credentials.status = 'pending'",
    )
    .bind(user_id)
    .bind(secret_enc)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records `step` as used, only if it is newer than the last used one. Returns false on replay,
/// so two concurrent requests with one code cannot both pass.
pub async fn consume_totp_step(conn: &mut AnyConnection, user_id: &str, step: i64, activate: bool) -> Result<bool> {
    let sql = if activate {
        "UPDATE totp_credentials SET last_step = $1, status = 'active' WHERE user_id = $2 AND last_step < $1 AND status = 'pending'"
    } else {
        "UPDATE totp_credentials SET last_step = $1 WHERE user_id = $2 AND last_step < $1 AND status = 'active'"
    };
    let done = sqlx::query(sql).bind(step).bind(user_id).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_totp(conn: &mut AnyConnection, user_id: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM totp_credentials WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(done.rows_affected())
}

pub async fn replace_recovery_codes(conn: &mut AnyConnection, user_id: &str, hashes: &[String], now: Millis) -> Result<()> {
    delete_recovery_codes(&mut *conn, user_id).await?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (id, user_id, code_hash, used_at, created_at) VALUES ($1, $2, $3, NULL, $4)")
            .bind(super::new_id())
            .bind(user_id)
            .bind(h)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn delete_recovery_codes(conn: &mut AnyConnection, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Marks the code used if it belongs to the user and is unused; false otherwise.
pub async fn consume_recovery_code(conn: &mut AnyConnection, user_id: &str, hash: &str, now: Millis) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn unused_recovery_codes(conn: &mut AnyConnection, user_id: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

/// A row of the admin's user list, with what the list shows beside each account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserListRow {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub status: String,
    pub created_at: i64,
    pub mfa_reset_at: Option<i64>,
    pub has_totp: i64,
    pub passkeys: i64,
    pub active_tokens: i64,
}

const LIST_SQL: &str = "SELECT u.id, u.email, u.display_name, u.role, u.status, u.created_at, u.mfa_reset_at, \
     (SELECT COUNT(*) FROM totp_credentials t WHERE t.user_id = u.id AND t.status = 'active') AS has_totp, \
     (SELECT COUNT(*) FROM passkeys p WHERE p.user_id = u.id) AS passkeys, \
     (SELECT COUNT(*) FROM personal_tokens k WHERE k.user_id = u.id AND k.status = 'active') AS active_tokens \
     FROM users u";

/// Users whose email or name contains `search` (any case), by email; and how many match in all.
pub async fn search_users(conn: &mut AnyConnection, search: &str, limit: i64, offset: i64) -> Result<(Vec<UserListRow>, i64)> {
    let pattern = format!("%{}%", search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let matches = "LOWER(u.email) LIKE $1 ESCAPE '\\' OR LOWER(u.display_name) LIKE $1 ESCAPE '\\'";
    let sql = format!("{LIST_SQL} WHERE {matches} ORDER BY u.email LIMIT $2 OFFSET $3");
    let rows = sqlx::query_as(&sql).bind(&pattern).bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM users u WHERE {matches}")).bind(&pattern).fetch_one(conn).await?;
    Ok((rows, total))
}

pub async fn list_row(conn: &mut AnyConnection, id: &str) -> Result<Option<UserListRow>> {
    Ok(sqlx::query_as(&format!("{LIST_SQL} WHERE u.id = $1")).bind(id).fetch_optional(conn).await?)
}

/// Active admins other than `except` (the last-admin rule).
pub async fn other_active_admins(conn: &mut AnyConnection, except: &str) -> Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active' AND id <> $1")
        .bind(except)
        .fetch_one(conn)
        .await?;
    Ok(n)
}

pub async fn set_role(conn: &mut AnyConnection, id: &str, role: &str, now: Millis) -> Result<()> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3").bind(role).bind(now).bind(id).execute(conn).await?;
    Ok(())
}

pub async fn set_status(conn: &mut AnyConnection, id: &str, status: &str, now: Millis) -> Result<()> {
    sqlx::query("UPDATE users SET status = $1, updated_at = $2 WHERE id = $3").bind(status).bind(now).bind(id).execute(conn).await?;
    Ok(())
}

/// Sets (an admin reset the second factors) or clears (a new one was enrolled) the re-enrolment mark.
pub async fn set_mfa_reset(conn: &mut AnyConnection, id: &str, at: Option<Millis>) -> Result<()> {
    sqlx::query("UPDATE users SET mfa_reset_at = $1 WHERE id = $2").bind(at).bind(id).execute(conn).await?;
    Ok(())
}
