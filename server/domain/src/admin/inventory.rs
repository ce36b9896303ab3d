//! The credentials inventory: every personal access token and OAuth client across users, filtered
//! (owner, scope, status, created, expires, unused for N days), sorted and paged; revoking one, or
//! every active one matching a filter in one transaction. A bulk revocation names the count the
//! admin confirmed: if the matching set changed meanwhile, nothing is revoked.

use super::{Admin, AdminActor, Reviewer};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{DAY, Millis, format_utc, now_ms};
use crate::notifications::{self, Notice, NoticeKind};
use crate::scopes::Scope;
use crate::store::filter::{Bind, Filter};
use crate::store::{Tx, oauth_clients, tokens as token_rows};
use crate::{Error, Result};

pub const MAX_INVENTORY_PAGE: i64 = 100;
/// The most credentials one bulk revocation may end (keeps one transaction bounded).
pub const MAX_BULK: i64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialStatus {
    Active,
    /// Revoked or expired tokens; disabled clients.
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    #[default]
    Created,
    LastUsed,
    Expires,
    Owner,
    Name,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

/// Filters for tokens; every field narrows, none means all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenFilter {
    /// Part of the owner's email or name (any case).
    pub owner: Option<String>,
    /// Tokens that hold this scope (named, not through a parent: "has `admin` scope").
    pub scope: Option<Scope>,
    pub status: Option<CredentialStatus>,
    pub created_after: Option<Millis>,
    pub created_before: Option<Millis>,
    /// Ends within this many days.
    pub expires_within_days: Option<u32>,
    /// Never expires.
    pub no_expiry: bool,
    /// Not used (or, if never used, not created) for at least this many days.
    pub unused_days: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientFilter {
    pub owner: Option<String>,
    pub scope: Option<Scope>,
    pub status: Option<CredentialStatus>,
    pub unused_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenEntry {
    pub id: String,
    pub name: String,
    pub owner_id: String,
    pub owner_email: String,
    pub owner_name: String,
    pub scopes: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClientEntry {
    pub id: String,
    pub name: String,
    pub owner_id: String,
    pub owner_email: String,
    pub owner_name: String,
    pub kind: String,
    pub scopes: String,
    pub status: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct InventoryPage<T> {
    pub items: Vec<T>,
    pub total: i64,
}

fn owner_clause(f: &mut Filter, owner: &Option<String>) {
    if let Some(o) = owner.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        let pattern = format!("%{}%", o.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        f.add(
            "(LOWER(u.email) LIKE ? ESCAPE '\\' OR LOWER(u.display_name) LIKE ? ESCAPE '\\')",
            [Bind::Text(pattern.clone()), Bind::Text(pattern)],
        );
    }
}

fn scope_clause(f: &mut Filter, column: &str, scope: Option<Scope>) {
    if let Some(s) = scope {
        f.add(&format!("(' ' || {column} || ' ') LIKE ?"), [Bind::Text(format!("% {} %", s.as_str()))]);
    }
}

/// Tokens never used count from their creation.
const TOKEN_LAST_ACTIVE: &str = "COALESCE(k.last_used_at, k.created_at)";

fn token_where(filter: &TokenFilter, now: Millis) -> Filter {
    let mut f = Filter::default();
    owner_clause(&mut f, &filter.owner);
    scope_clause(&mut f, "k.scopes", filter.scope);
    match filter.status {
        Some(CredentialStatus::Active) => f.add("k.status = 'active'", []),
        Some(CredentialStatus::Ended) => f.add("k.status <> 'active'", []),
        None => {}
    }
    if let Some(t) = filter.created_after {
        f.add("k.created_at >= ?", [Bind::Int(t)]);
    }
    if let Some(t) = filter.created_before {
        f.add("k.created_at < ?", [Bind::Int(t)]);
    }
    if let Some(d) = filter.expires_within_days {
        f.add("k.expires_at IS NOT NULL AND k.expires_at <= ?", [Bind::Int(now + d as i64 * DAY)]);
    }
    if filter.no_expiry {
        f.add("k.expires_at IS NULL", []);
    }
    if let Some(d) = filter.unused_days {
        f.add(&format!("{TOKEN_LAST_ACTIVE} <= ?"), [Bind::Int(now - d as i64 * DAY)]);
    }
    f
}

const CLIENT_LAST_USED: &str = "(SELECT MAX(fa.last_used_at) FROM oauth_families fa WHERE fa.client_id = c.id)";

fn client_where(filter: &ClientFilter, now: Millis) -> Filter {
    let mut f = Filter::default();
    owner_clause(&mut f, &filter.owner);
    scope_clause(&mut f, "c.scopes", filter.scope);
    match filter.status {
        Some(CredentialStatus::Active) => f.add("c.status = 'active'", []),
        Some(CredentialStatus::Ended) => f.add("c.status <> 'active'", []),
        None => {}
    }
    if let Some(d) = filter.unused_days {
        f.add(&format!("COALESCE({CLIENT_LAST_USED}, c.created_at) <= ?"), [Bind::Int(now - d as i64 * DAY)]);
    }
    f
}

fn order_by(sort: Sort, prefix: &str, last_used: &str) -> String {
    let column = match sort.field {
        SortField::Created => format!("{prefix}.created_at"),
        SortField::LastUsed => format!("COALESCE({last_used}, 0)"),
        SortField::Expires if prefix == "k" => "COALESCE(k.expires_at, 9000000000000000)".to_owned(),
        SortField::Expires => format!("{prefix}.created_at"),
        SortField::Owner => "LOWER(u.email)".to_owned(),
        SortField::Name => format!("LOWER({prefix}.name)"),
    };
    let dir = if sort.descending { "DESC" } else { "ASC" };
    format!("ORDER BY {column} {dir}, {prefix}.id {dir}")
}

fn check_page(limit: i64, offset: i64) -> Result<()> {
    if !(1..=MAX_INVENTORY_PAGE).contains(&limit) || offset < 0 {
        return Err(Error::invalid(format!("show 1 to {MAX_INVENTORY_PAGE} items per page")));
    }
    Ok(())
}

const TOKEN_FROM: &str = "FROM personal_tokens k JOIN users u ON u.id = k.user_id";
const CLIENT_FROM: &str = "FROM oauth_clients c JOIN users u ON u.id = c.owner_id";

impl Admin {
    pub async fn tokens(&self, _who: &Reviewer, filter: &TokenFilter, sort: Sort, limit: i64, offset: i64) -> Result<InventoryPage<TokenEntry>> {
        check_page(limit, offset)?;
        let now = now_ms();
        let mut conn = self.store.pool().acquire().await?;
        let total = count(&mut conn, TOKEN_FROM, token_where(filter, now)).await?;
        let mut f = token_where(filter, now);
        let where_sql = f.where_sql();
        let (l, o) = (f.push(Bind::Int(limit)), f.push(Bind::Int(offset)));
        let sql = format!(
            "SELECT k.id, k.name, k.user_id AS owner_id, u.email AS owner_email, u.display_name AS owner_name, k.scopes, \
             k.status, k.status_reason, k.created_at, k.expires_at, k.last_used_at {TOKEN_FROM} {where_sql} {} LIMIT {l} OFFSET {o}",
            order_by(sort, "k", "k.last_used_at")
        );
        Ok(InventoryPage { items: f.query_as::<TokenEntry>(&sql).fetch_all(&mut *conn).await?, total })
    }

    pub async fn clients(&self, _who: &Reviewer, filter: &ClientFilter, sort: Sort, limit: i64, offset: i64) -> Result<InventoryPage<ClientEntry>> {
        check_page(limit, offset)?;
        let now = now_ms();
        let mut conn = self.store.pool().acquire().await?;
        let total = count(&mut conn, CLIENT_FROM, client_where(filter, now)).await?;
        let mut f = client_where(filter, now);
        let where_sql = f.where_sql();
        let (l, o) = (f.push(Bind::Int(limit)), f.push(Bind::Int(offset)));
        let sql = format!(
            "SELECT c.id, c.name, c.owner_id, u.email AS owner_email, u.display_name AS owner_name, c.kind, c.scopes, c.status, \
             c.created_at, {CLIENT_LAST_USED} AS last_used_at {CLIENT_FROM} {where_sql} {} LIMIT {l} OFFSET {o}",
            order_by(sort, "c", CLIENT_LAST_USED)
        );
        Ok(InventoryPage { items: f.query_as::<ClientEntry>(&sql).fetch_all(&mut *conn).await?, total })
    }

    /// How many active tokens a bulk revocation with this filter would end now.
    pub async fn count_active_tokens(&self, _who: &AdminActor, filter: &TokenFilter) -> Result<i64> {
        let mut conn = self.store.pool().acquire().await?;
        let filter = TokenFilter { status: Some(CredentialStatus::Active), ..filter.clone() };
        count(&mut conn, TOKEN_FROM, token_where(&filter, now_ms())).await
    }

    pub async fn count_active_clients(&self, _who: &AdminActor, filter: &ClientFilter) -> Result<i64> {
        let mut conn = self.store.pool().acquire().await?;
        let filter = ClientFilter { status: Some(CredentialStatus::Active), ..filter.clone() };
        count(&mut conn, CLIENT_FROM, client_where(&filter, now_ms())).await
    }

    /// Revokes one active token; its owner gets a notice saying who and why.
    pub async fn revoke_token(&self, admin: &AdminActor, token_id: &str, reason: &str, meta: &RequestMeta) -> Result<()> {
        let reason = validate_reason(reason)?;
        let mut tx = self.store.begin().await?;
        let owner = revoke_one_token(&mut tx, admin, token_id, &reason, meta).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        self.forget(&owner);
        Ok(())
    }

    /// Revokes every active token matching `filter`, in one transaction, if their number is still
    /// `confirmed`; returns it.
    pub async fn revoke_tokens_matching(&self, admin: &AdminActor, filter: &TokenFilter, confirmed: i64, reason: &str, meta: &RequestMeta) -> Result<i64> {
        let reason = validate_reason(reason)?;
        let filter = TokenFilter { status: Some(CredentialStatus::Active), ..filter.clone() };
        let mut tx = self.store.begin().await?;
        let f = token_where(&filter, now_ms());
        let sql = format!("SELECT k.id, k.user_id {TOKEN_FROM} {} ORDER BY k.id", f.where_sql());
        let ids: Vec<(String, String)> = f.query_as(&sql).fetch_all(&mut *tx).await?;
        check_confirmed(ids.len() as i64, confirmed)?;
        for (id, _) in &ids {
            revoke_one_token(&mut tx, admin, id, &reason, meta).await?;
        }
        let detail = format!("{} tokens: {reason}", ids.len());
        audit::record(&mut tx, meta, Event { target: None, detail: Some(&detail), ..Event::success(EventType::CredentialsBulkRevoked, Some(admin.id())) }).await?;
        tx.commit().await?;
        for (_, owner) in &ids {
            self.forget(owner);
        }
        Ok(ids.len() as i64)
    }

    /// Disables one client and revokes every grant it holds; its owner gets a notice.
    pub async fn disable_client(&self, admin: &AdminActor, client_id: &str, reason: &str, meta: &RequestMeta) -> Result<()> {
        let reason = validate_reason(reason)?;
        let mut tx = self.store.begin().await?;
        disable_one_client(&mut tx, admin, client_id, &reason, meta).await?.ok_or(Error::NotFound)?;
        tx.commit().await?;
        self.oauth.forget_verified();
        Ok(())
    }

    pub async fn disable_clients_matching(&self, admin: &AdminActor, filter: &ClientFilter, confirmed: i64, reason: &str, meta: &RequestMeta) -> Result<i64> {
        let reason = validate_reason(reason)?;
        let filter = ClientFilter { status: Some(CredentialStatus::Active), ..filter.clone() };
        let mut tx = self.store.begin().await?;
        let f = client_where(&filter, now_ms());
        let sql = format!("SELECT c.id {CLIENT_FROM} {} ORDER BY c.id", f.where_sql());
        let ids: Vec<(String,)> = f.query_as(&sql).fetch_all(&mut *tx).await?;
        check_confirmed(ids.len() as i64, confirmed)?;
        for (id,) in &ids {
            disable_one_client(&mut tx, admin, id, &reason, meta).await?;
        }
        let detail = format!("{} clients: {reason}", ids.len());
        audit::record(&mut tx, meta, Event { target: None, detail: Some(&detail), ..Event::success(EventType::CredentialsBulkRevoked, Some(admin.id())) }).await?;
        tx.commit().await?;
        self.oauth.forget_verified();
        Ok(ids.len() as i64)
    }
}

async fn count(conn: &mut sqlx::AnyConnection, from: &str, f: Filter) -> Result<i64> {
    let sql = format!("SELECT COUNT(*) {from} {}", f.where_sql());
    let (n,): (i64,) = f.query_as(&sql).fetch_one(conn).await?;
    Ok(n)
}

fn check_confirmed(found: i64, confirmed: i64) -> Result<()> {
    if found > MAX_BULK {
        return Err(Error::invalid(format!("narrow the filter: at most {MAX_BULK} credentials at once")));
    }
    if found != confirmed {
        return Err(Error::conflict(format!("{found} credentials match now, not {confirmed}; review the list and confirm again")));
    }
    Ok(())
}

/// A reason the owner will read: up to 200 printable characters; empty gives a plain default.
fn validate_reason(raw: &str) -> Result<String> {
    let r = raw.trim();
    if r.chars().count() > 200 || r.chars().any(char::is_control) {
        return Err(Error::invalid("keep the reason under 200 characters, on one line"));
    }
    Ok(if r.is_empty() { "revoked by an admin".to_owned() } else { r.to_owned() })
}

/// Ends one active token and writes its audit record and the owner's notice; `None` if it was not
/// active. Returns the owner.
async fn revoke_one_token(tx: &mut Tx, admin: &AdminActor, token_id: &str, reason: &str, meta: &RequestMeta) -> Result<Option<String>> {
    let now = now_ms();
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT user_id, name FROM personal_tokens WHERE id = $1 AND status = 'active'").bind(token_id).fetch_optional(&mut **tx).await?;
    let Some((owner, name)) = row else { return Ok(None) };
    if !token_rows::end_any(tx, token_id, "revoked", reason, now).await? {
        return Ok(None);
    }
    audit::record(tx, meta, Event { target: Some(token_id), detail: Some(reason), ..Event::success(EventType::TokenRevoked, Some(admin.id())) }).await?;
    let message = format!("Your token “{name}” was revoked by an admin on {}. Reason: {reason}.", format_utc(now));
    notifications::notify(tx, Notice::new(&owner, NoticeKind::TokenEnded, message)).await?;
    Ok(Some(owner))
}

async fn disable_one_client(tx: &mut Tx, admin: &AdminActor, client_id: &str, reason: &str, meta: &RequestMeta) -> Result<Option<()>> {
    let now = now_ms();
    let Some(client) = oauth_clients::by_id(tx, client_id).await?.filter(|c| c.status == "active") else { return Ok(None) };
    oauth_clients::set_status(tx, client_id, "disabled", now).await?;
    sqlx::query("UPDATE oauth_families SET revoked_at = $1, revoked_reason = $2 WHERE client_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(client_id)
        .execute(&mut **tx)
        .await?;
    audit::record(tx, meta, Event { target: Some(client_id), detail: Some(reason), ..Event::success(EventType::ClientDisabled, Some(admin.id())) }).await?;
    let message = format!("Your OAuth client “{}” was disabled by an admin on {}. Reason: {reason}.", client.name, format_utc(now));
    notifications::notify(tx, Notice::new(&client.owner_id, NoticeKind::AccountChanged, message)).await?;
    Ok(Some(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_bound_conditions() {
        let f = TokenFilter { owner: Some("Ada".into()), scope: Some(Scope::ADMIN), no_expiry: true, unused_days: Some(60), ..Default::default() };
        let sql = token_where(&f, 100 * DAY).where_sql();
        assert_eq!(
            sql,
            "WHERE (LOWER(u.email) LIKE $1 ESCAPE '\\' OR LOWER(u.display_name) LIKE $2 ESCAPE '\\') AND (' ' || k.scopes || ' ') LIKE $3 \
             AND k.expires_at IS NULL AND COALESCE(k.last_used_at, k.created_at) <= $4"
        );
    }

    #[test]
    fn a_bulk_revocation_needs_the_count_that_was_shown() {
        assert!(check_confirmed(3, 3).is_ok());
        assert!(matches!(check_confirmed(4, 3), Err(Error::Conflict(_))));
        assert!(check_confirmed(MAX_BULK + 1, MAX_BULK + 1).is_err());
    }

    #[test]
    fn reasons_are_one_short_line() {
        assert_eq!(validate_reason("  ").unwrap(), "revoked by an admin");
        assert_eq!(validate_reason(" unused ").unwrap(), "unused");
        assert!(validate_reason("a\nb").is_err());
        assert!(validate_reason(&"x".repeat(201)).is_err());
    }
}
