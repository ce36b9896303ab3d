//! Outbound webhooks for audit events. An admin registers a URL (https; plain http only on this
//! machine) and gets its signing secret once; the secret is sealed at rest with the master key,
//! because signing needs it. Every audit record is queued for every active webhook in the
//! transaction that writes it (`enqueue`), so an event is never lost nor sent for a change that
//! rolled back. A sender claims due deliveries, posts the event signed with HMAC-SHA-256 over
//! `<timestamp>.<body>`, and retries failures with backoff; each delivery's state is kept.

use std::sync::Arc;

use sqlx::AnyConnection;

use crate::admin::{AdminActor, Reviewer};
use crate::audit::{self, AuditRow, Event, EventType, RequestMeta};
use crate::clock::{Millis, now_ms};
use crate::crypto::{MasterKey, hmac_sha256_hex, random_url_secret};
use crate::store::{Store, new_id};
use crate::{Error, Result};

/// Tries per delivery before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// Header names of a delivery.
pub const SIGNATURE_HEADER: &str = "Gatehouse-Signature";
pub const TIMESTAMP_HEADER: &str = "Gatehouse-Timestamp";
pub const DELIVERY_HEADER: &str = "Gatehouse-Delivery";
const SECRET_PREFIX: &str = "whsec_";
const CLAIM_TIMEOUT: Millis = 5 * 60_000;

/// A webhook URL: absolute, https (http only for loopback), no credentials or fragment.
pub fn validate_url(raw: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid(format!("the webhook URL {why}"));
    let url = url::Url::parse(raw.trim()).map_err(|_| bad("is not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(bad("may not hold credentials or a fragment"));
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => return Err(bad("must name a host")),
    };
    match url.scheme() {
        "https" => Ok(url.to_string()),
        "http" if loopback => Ok(url.to_string()),
        _ => Err(bad("must use https (plain http only for this machine)")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookInfo {
    pub id: String,
    pub url: String,
    pub active: bool,
    pub created_at: Millis,
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryInfo {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub status: String,
    pub attempts: i64,
    pub last_code: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// One signed request to make.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub delivery_id: String,
    pub url: String,
    pub body: String,
    pub timestamp: i64,
    /// `v1=<hex HMAC-SHA-256 of "<timestamp>.<body>">`.
    pub signature: String,
    pub attempts: i64,
}

/// What the receiver checks: `v1=` and the HMAC of `<timestamp>.<body>` under its secret.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> Result<String> {
    Ok(format!("v1={}", hmac_sha256_hex(secret.as_bytes(), format!("{timestamp}.{body}").as_bytes())?))
}

/// Queues the event for every active webhook, in the caller's transaction.
pub(crate) async fn enqueue(conn: &mut AnyConnection, event_id: &str, now: Millis) -> Result<()> {
    let hooks: Vec<(String,)> = sqlx::query_as("SELECT id FROM webhooks WHERE status = 'active'").fetch_all(&mut *conn).await?;
    for (hook,) in hooks {
        sqlx::query(
            "INSERT INTO webhook_deliveries (id, webhook_id, event_id, status, attempts, next_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
        )
        .bind(new_id())
        .bind(&hook)
        .bind(event_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The webhooks service; cheap to clone.
#[derive(Clone)]
pub struct Webhooks {
    store: Store,
    master_key: Arc<MasterKey>,
}

impl Webhooks {
    pub fn new(store: Store, master_key: Arc<MasterKey>) -> Self {
        Webhooks { store, master_key }
    }

    /// Registers a webhook; returns it and, once, its signing secret.
    pub async fn register(&self, admin: &AdminActor, url: &str, meta: &RequestMeta) -> Result<(WebhookInfo, String)> {
        let url = validate_url(url)?;
        let id = new_id();
        let secret = format!("{SECRET_PREFIX}{}", random_url_secret(32));
        let sealed = self.master_key.seal(secret.as_bytes(), &id)?;
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        sqlx::query("INSERT INTO webhooks (id, url, secret_enc, status, created_by, created_at) VALUES ($1, $2, $3, 'active', $4, $5)")
            .bind(&id)
            .bind(&url)
            .bind(&sealed)
            .bind(admin.id())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut tx, meta, Event { target: Some(&id), ..Event::success(EventType::WebhookCreated, Some(admin.id())) }).await?;
        tx.commit().await?;
        Ok((WebhookInfo { id, url, active: true, created_at: now, delivered: 0, pending: 0, failed: 0 }, secret))
    }

    pub async fn set_active(&self, admin: &AdminActor, id: &str, active: bool, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let status = if active { "active" } else { "disabled" };
        let n = sqlx::query("UPDATE webhooks SET status = $1 WHERE id = $2").bind(status).bind(id).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Err(Error::NotFound);
        }
        let ev = if active { EventType::WebhookEnabled } else { EventType::WebhookDisabled };
        audit::record(&mut tx, meta, Event { target: Some(id), ..Event::success(ev, Some(admin.id())) }).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete(&self, admin: &AdminActor, id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, meta, Event { target: Some(id), ..Event::success(EventType::WebhookDeleted, Some(admin.id())) }).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list(&self, _who: &Reviewer) -> Result<Vec<WebhookInfo>> {
        let mut conn = self.store.pool().acquire().await?;
        let rows: Vec<(String, String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT w.id, w.url, w.status, w.created_at, \
             (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'delivered'), \
             (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status IN ('pending', 'sending')), \
             (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.status = 'failed') \
             FROM webhooks w ORDER BY w.created_at",
        )
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, url, status, created_at, delivered, pending, failed)| WebhookInfo { id, url, active: status == "active", created_at, delivered, pending, failed })
            .collect())
    }

    /// The newest deliveries of one webhook.
    pub async fn deliveries(&self, _who: &Reviewer, webhook_id: &str, limit: i64) -> Result<Vec<DeliveryInfo>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(sqlx::query_as(
            "SELECT id, webhook_id, event_id, status, attempts, last_code, last_error, created_at, delivered_at \
             FROM webhook_deliveries WHERE webhook_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        )
        .bind(webhook_id)
        .bind(limit.clamp(1, 100))
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Claims up to `limit` due deliveries of active webhooks and signs them.
    pub async fn claim(&self, now: Millis, limit: i64) -> Result<Vec<Outgoing>> {
        let mut conn = self.store.pool().acquire().await?;
        let due: Vec<(String,)> = sqlx::query_as(
            "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE w.status = 'active' \
             AND ((d.status = 'pending' AND d.next_at <= $1) OR (d.status = 'sending' AND d.next_at <= $2)) ORDER BY d.created_at LIMIT $3",
        )
        .bind(now)
        .bind(now - CLAIM_TIMEOUT)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::new();
        for (id,) in due {
            let claimed = sqlx::query("UPDATE webhook_deliveries SET status = 'sending', next_at = $1 WHERE id = $2 AND status IN ('pending', 'sending')")
                .bind(now)
                .bind(&id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if claimed != 1 {
                continue;
            }
            let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
                "SELECT w.id, w.url, w.secret_enc, d.event_id, d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1",
            )
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((hook_id, url, sealed, event_id, attempts)) = row else { continue };
            let event: Option<AuditRow> = sqlx::query_as(
                "SELECT id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail, actor_credential FROM audit_events WHERE id = $1",
            )
            .bind(&event_id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(event) = event else { continue };
            let secret = String::from_utf8(self.master_key.open(&sealed, &hook_id)?).map_err(Error::internal)?;
            let body = serde_json::to_string(&event).map_err(Error::internal)?;
            let timestamp = now / 1000;
            let signature = sign(&secret, timestamp, &body)?;
            out.push(Outgoing { delivery_id: id, url, body, timestamp, signature, attempts });
        }
        Ok(out)
    }

    pub async fn delivered(&self, id: &str, code: u16, now: Millis) -> Result<()> {
        let mut conn = self.store.pool().acquire().await?;
        sqlx::query("UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_code = $1, last_error = NULL, delivered_at = $2 WHERE id = $3")
            .bind(code as i64)
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }

    /// Records a failed try: retried 30 s, 1 min, 2 min … later, failed for good after `MAX_ATTEMPTS`.
    pub async fn failed(&self, id: &str, attempts_before: i64, code: Option<u16>, error: &str, now: Millis) -> Result<()> {
        let attempts = attempts_before + 1;
        let (status, next) = if attempts >= MAX_ATTEMPTS { ("failed", now) } else { ("pending", now + (30_000 << (attempts - 1).clamp(0, 12))) };
        let mut conn = self.store.pool().acquire().await?;
        sqlx::query("UPDATE webhook_deliveries SET status = $1, attempts = $2, next_at = $3, last_code = $4, last_error = $5 WHERE id = $6")
            .bind(status)
            .bind(attempts)
            .bind(next)
            .bind(code.map(i64::from))
            .bind(error.chars().take(200).collect::<String>())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_https_or_local() {
        assert!(validate_url("https://hooks.example.com/gatehouse").is_ok());
        assert!(validate_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(validate_url("http://localhost/hook").is_ok());
        assert!(validate_url("http://hooks.example.com/hook").is_err());
        assert!(validate_url("https://user:pw@hooks.example.com/").is_err());
        assert!(validate_url("https://hooks.example.com/#x").is_err());
        assert!(validate_url("ftp://hooks.example.com/").is_err());
        assert!(validate_url("/relative").is_err());
    }

    #[test]
    fn a_signature_covers_the_timestamp_and_the_body() {
        let s = sign("whsec_k", 1_700_000_000, "{}").unwrap();
        assert!(s.starts_with("v1=") && s.len() == 67);
        assert_ne!(s, sign("whsec_k", 1_700_000_001, "{}").unwrap());
        assert_ne!(s, sign("whsec_k", 1_700_000_000, "{ }").unwrap());
        assert_ne!(s, sign("whsec_j", 1_700_000_000, "{}").unwrap());
    }
}
