//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database on the server named
//! by `GATEHOUSE_TEST_POSTGRES_URL` (default: the local trust-auth server's `test` database).
//! Every test gets its own, so runs never collide.

use super::Backend;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub fn postgres_admin_url() -> String {
    std::env::var("GATEHOUSE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDatabase { url, backend, _dir: Some(dir), pg_name: None }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("gatehouse_test_{}", uuid::Uuid::now_v7().simple());
                let conn = super::Store::connect(&admin).await.expect("PostgreSQL must answer at GATEHOUSE_TEST_POSTGRES_URL");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(conn.pool()).await.expect("create test database");
                conn.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                TestDatabase { url: format!("{base}/{name}"), backend, _dir: None, pg_name: Some(name) }
            }
        }
    }

    /// Drops a PostgreSQL test database (SQLite files go with the temp dir).
    pub async fn cleanup(self) {
        if let Some(name) = &self.pg_name {
            if let Ok(conn) = super::Store::connect(&postgres_admin_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(conn.pool()).await;
                conn.close().await;
            }
        }
    }
}

/// Inserts `count` active placeholder tokens for `user_id` in one statement, for benchmarks that
/// need a large table. Their digests match no real token.
pub async fn seed_tokens(store: &super::Store, user_id: &str, count: i64) -> crate::Result<()> {
    let digest = match store.backend() {
        Backend::Sqlite => "printf('%064d', i)",
        Backend::Postgres => "lpad(i::text, 64, '0')",
    };
    let sql = format!(
        "INSERT INTO personal_tokens (id, user_id, name, scopes, digest, hint, status, created_at, expires_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT 'seed-' || i, $2, 'seed ' || i, 'user:read', {digest}, 'seed', 'active', $3, $4 FROM n"
    );
    let now = crate::clock::now_ms();
    sqlx::query(&sql).bind(count).bind(user_id).bind(now).bind(now + 365 * crate::clock::DAY).execute(store.pool()).await?;
    Ok(())
}
