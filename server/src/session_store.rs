//! tower-sessions over our own store: sessions live in the `sessions` table of the same database,
//! keyed by the SHA-256 of the id. The owner, IP and user agent are copied into columns so the
//! account page can list and revoke them.

use domain::clock::now_ms;
use domain::store::Store;
use domain::store::sessions::{self as rows, SessionRow, handle_of};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

use app::ssr::keys;

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    store: Store,
}

impl DbSessionStore {
    pub fn new(store: Store) -> Self {
        DbSessionStore { store }
    }
}

fn backend(e: impl std::fmt::Display) -> Error {
    Error::Backend(e.to_string())
}

fn to_row(record: &Record) -> Result<SessionRow> {
    let text = |k: &str| record.data.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let now = now_ms();
    Ok(SessionRow {
        id_hash: handle_of(&record.id.to_string()),
        user_id: text(keys::USER_ID),
        data: serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?,
        ip: text(keys::IP),
        user_agent: text(keys::USER_AGENT),
        created_at: record.data.get(keys::CREATED_AT).and_then(|v| v.as_i64()).unwrap_or(now),
        last_seen_at: now,
        expires_at: (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64,
    })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let mut conn = self.store.pool().acquire().await.map_err(backend)?;
        // A 128-bit collision is practically impossible, but never overwrite someone else's session.
        loop {
            if rows::insert(&mut conn, &to_row(record)?).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let mut conn = self.store.pool().acquire().await.map_err(backend)?;
        rows::upsert(&mut conn, &to_row(record)?).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let mut conn = self.store.pool().acquire().await.map_err(backend)?;
        let Some(row) = rows::load(&mut conn, &handle_of(&id.to_string()), now_ms()).await.map_err(backend)? else {
            return Ok(None);
        };
        let data = serde_json::from_str(&row.data).map_err(|e| Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp_nanos(row.expires_at as i128 * 1_000_000)
            .map_err(|e| Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date }))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        let mut conn = self.store.pool().acquire().await.map_err(backend)?;
        rows::delete(&mut conn, &handle_of(&id.to_string())).await.map_err(backend)
    }
}
