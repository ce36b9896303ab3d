//! Rows of token activity: one per API call made with a personal access token.

use std::collections::HashSet;

use sqlx::AnyConnection;

use crate::Result;
use crate::clock::{DAY, Millis};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: String,
    pub token_id: String,
    pub occurred_at: i64,
    pub method: String,
    pub route: String,
    pub status: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The scopes the call used, space-separated.
    pub scope: Option<String>,
    /// How many identical calls this row stands for.
    pub calls: i64,
}

/// Rows per INSERT statement: few round trips, and far below SQLite's limit of bound parameters.
const ROWS_PER_STATEMENT: usize = 100;

/// `($1, …, $n), ($n+1, …)`: numbered placeholders for `rows` tuples of `width` values.
fn placeholders(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=width).map(|c| format!("${}", r * width + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts the records, many per statement.
pub async fn insert_many(conn: &mut AnyConnection, rows: &[ActivityRow]) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO token_activity (id, token_id, occurred_at, method, route, status, ip, user_agent, scope, calls) VALUES {}",
            placeholders(chunk.len(), 10)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(&r.id)
                .bind(&r.token_id)
                .bind(r.occurred_at)
                .bind(&r.method)
                .bind(&r.route)
                .bind(r.status)
                .bind(&r.ip)
                .bind(&r.user_agent)
                .bind(&r.scope)
                .bind(r.calls);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which of these token ids still exist (a batch must not fail for a token removed meanwhile).
pub async fn existing_tokens(conn: &mut AnyConnection, ids: &[&str]) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!("SELECT id FROM personal_tokens WHERE id IN ({})", placeholders(1, chunk.len()).trim_matches(['(', ')']));
        let mut q = sqlx::query_as::<_, (String,)>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        found.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|(id,)| id));
    }
    Ok(found)
}

/// Moves a token's "last used" forward (never back: batches may arrive out of order).
pub async fn touch_token(conn: &mut AnyConnection, token_id: &str, at: Millis, ip: Option<&str>, ua: Option<&str>) -> Result<()> {
    sqlx::query(
        "UPDATE personal_tokens SET last_used_at = $1, last_used_ip = $2, last_used_ua = $3 \
         WHERE id = $4 AND (last_used_at IS NULL OR last_used_at < $1)",
    )
    .bind(at)
    .bind(ip)
    .bind(ua)
    .bind(token_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A page of a token's activity, newest first, strictly before the `(occurred_at, id)` cursor.
pub async fn page(conn: &mut AnyConnection, token_id: &str, before: Option<(Millis, &str)>, limit: i64) -> Result<Vec<ActivityRow>> {
    const COLUMNS: &str = "id, token_id, occurred_at, method, route, status, ip, user_agent, scope, calls";
    let rows = match before {
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM token_activity WHERE token_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2"
            ))
            .bind(token_id)
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
        Some((at, id)) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM token_activity WHERE token_id = $1 \
                 AND (occurred_at < $2 OR (occurred_at = $2 AND id < $3)) ORDER BY occurred_at DESC, id DESC LIMIT $4"
            ))
            .bind(token_id)
            .bind(at)
            .bind(id)
            .bind(limit)
            .fetch_all(conn)
            .await?
        }
    };
    Ok(rows)
}

/// Calls per UTC day since `since`: (day number since the epoch, count).
pub async fn per_day(conn: &mut AnyConnection, token_id: &str, since: Millis) -> Result<Vec<(i64, i64)>> {
    Ok(sqlx::query_as(
        "SELECT occurred_at / $1 AS day, CAST(SUM(calls) AS BIGINT) FROM token_activity WHERE token_id = $2 AND occurred_at >= $3 \
         GROUP BY occurred_at / $1 ORDER BY day",
    )
    .bind(DAY)
    .bind(token_id)
    .bind(since)
    .fetch_all(conn)
    .await?)
}

/// The distinct scope texts the token's recorded calls used.
pub async fn scopes_used(conn: &mut AnyConnection, token_id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT scope FROM token_activity WHERE token_id = $1 AND scope IS NOT NULL")
            .bind(token_id)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(|(s,)| s).collect())
}

/// Removes records older than the retention cutoff; returns how many.
pub async fn delete_before(conn: &mut AnyConnection, cutoff: Millis) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM token_activity WHERE occurred_at < $1").bind(cutoff).execute(conn).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_every_value_once() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 2), "($1, $2)");
    }
}
