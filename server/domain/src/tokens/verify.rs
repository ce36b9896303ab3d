//! The hot path: a bearer token to a `Principal`. Parse and checksum first (a malformed token costs
//! no I/O), then the SHA-256 digest is looked up in a short-lived in-process cache, and only on a miss
//! in the database; then status, expiry, the owner's state and the IP allowlist are checked.
//! Revoking through this service evicts the cache entry at once (DESIGN.md §4).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use super::allowlist::Allowlist;
use super::format;
use super::personal::Tokens;
use crate::clock::{Millis, SECOND};
use crate::crypto::sha256;
use crate::accounts::Role;
use crate::scopes::ScopeSet;
use crate::store::notices::Notice;
use crate::{Error, Result};

/// How long a verified token's record may be reused without asking the database.
pub const CACHE_TTL: Millis = 10 * SECOND;
/// Beyond this many entries the cache is cleared rather than grown.
pub const CACHE_CAPACITY: usize = 100_000;

/// Who is calling, and with what rights. Shared: the cache, the request and its handler hold the
/// same record, so passing it along costs a reference count, not a copy.
#[derive(Debug, Clone)]
pub struct Principal(Arc<Caller>);

impl Principal {
    pub fn new(caller: Caller) -> Self {
        Principal(Arc::new(caller))
    }
}

impl Caller {
    /// The personal access token's id, when that is what the caller presented.
    pub fn personal_token_id(&self) -> Option<&str> {
        match &self.credential {
            Credential::PersonalToken { id } => Some(id),
            Credential::AccessToken { .. } => None,
        }
    }
}

impl std::ops::Deref for Principal {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.0
    }
}

/// What the caller presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    PersonalToken { id: String },
    /// An OAuth access token (JWT) issued to `client_id`.
    AccessToken { client_id: String, jti: String },
}

/// The fields of a `Principal`.
#[derive(Debug)]
pub struct Caller {
    pub user_id: String,
    pub credential: Credential,
    pub scopes: ScopeSet,
    /// The owner as of the lookup (at most `CACHE_TTL` old): `/api/v1/user` answers from it
    /// without asking the database.
    pub owner: Arc<Owner>,
}

/// The token owner's public profile. Debug leaves the email out.
#[derive(Clone, PartialEq, Eq)]
pub struct Owner {
    pub display_name: String,
    pub email: String,
    pub role: Role,
}

impl std::fmt::Debug for Owner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Owner").field("display_name", &self.display_name).field("role", &self.role).finish_non_exhaustive()
    }
}

/// Why a token was refused; the API maps each to RFC 6750's shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the token is malformed")]
    Malformed,
    #[error("the token is not valid")]
    Invalid,
    #[error("the token is not allowed from this address")]
    AddressNotAllowed,
}

#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub(crate) principal: Principal,
    pub(crate) expires_at: Option<Millis>,
    pub(crate) allowlist: Allowlist,
    pub(crate) fetched_at: Millis,
}

impl Cached {
    /// Expiry and allowlist: what can change between two calls with the same record.
    fn check(&self, ip: IpAddr, now: Millis) -> Result<Principal, Refusal> {
        if self.expires_at.is_some_and(|e| e <= now) {
            return Err(Refusal::Invalid);
        }
        if !self.allowlist.allows(ip) {
            return Err(Refusal::AddressNotAllowed);
        }
        Ok(self.principal.clone())
    }
}

/// Raw SHA-256 digest → verified record. Shared by the clones of one `Tokens`.
#[derive(Clone, Default)]
pub(crate) struct Cache(Arc<RwLock<HashMap<[u8; 32], Cached>>>);

impl Cache {
    /// Checks a fresh entry under the read lock, so a hit copies nothing but a reference count.
    fn check(&self, digest: &[u8; 32], ip: IpAddr, now: Millis) -> Option<Result<Principal, Refusal>> {
        let map = self.0.read().ok()?;
        map.get(digest).filter(|c| now - c.fetched_at < CACHE_TTL).map(|c| c.check(ip, now))
    }

    fn expiry_of(&self, digest: &[u8; 32]) -> Option<Option<Millis>> {
        self.0.read().ok()?.get(digest).map(|c| c.expires_at)
    }

    fn put(&self, digest: [u8; 32], entry: Cached) {
        if let Ok(mut map) = self.0.write() {
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
            map.insert(digest, entry);
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }

    /// Drops every token of one owner (disabled, demoted).
    pub(crate) fn evict_owner(&self, user_id: &str) {
        if let Ok(mut map) = self.0.write() {
            map.retain(|_, c| c.principal.user_id != user_id);
        }
    }

    pub(crate) fn evict_token(&self, token_id: &str) {
        if let Ok(mut map) = self.0.write() {
            map.retain(|_, c| c.principal.personal_token_id() != Some(token_id));
        }
    }
}

impl Tokens {
    /// Forgets every verified token, so the next call re-reads it under the current policy; the
    /// other replicas are told to do the same.
    pub fn forget_verified(&self) {
        self.cache.clear();
        self.store().announce(Notice::Credentials);
    }

    /// Forgets one owner's verified tokens (their role or status changed), here and on the other replicas.
    pub fn forget_owner(&self, user_id: &str) {
        self.cache.evict_owner(user_id);
        self.store().announce(Notice::Credentials);
    }

    /// A token ended (committed): it stops working here at once and on the other replicas when
    /// their notice arrives.
    pub(super) fn ended(&self, token_id: &str) {
        self.cache.evict_token(token_id);
        self.store().announce(Notice::Credentials);
    }

    /// Another replica ended credentials: drop every verified token (without telling anyone).
    pub fn drop_cached(&self) {
        self.cache.clear();
    }

    /// Verifies a bearer token presented from `ip` at `now`.
    pub async fn verify(&self, raw: &str, ip: IpAddr, now: Millis) -> Result<Principal, VerifyError> {
        format::check(raw, self.prefix()).map_err(|_| VerifyError::Refused(Refusal::Malformed))?;
        let digest = sha256(raw.as_bytes());
        if let Some(hit) = self.cache.check(&digest, ip, now) {
            return hit.map_err(VerifyError::Refused);
        }
        let fresh = self
            .load_active(&hex::encode(digest), now)
            .await
            .map_err(VerifyError::Store)?
            .ok_or(VerifyError::Refused(Refusal::Invalid))?;
        let verdict = fresh.check(ip, now);
        self.cache.put(digest, fresh);
        verdict.map_err(VerifyError::Refused)
    }

    /// `verify`, and also when the token ends (for token exchange, which may not outlive it).
    pub async fn verify_with_expiry(&self, raw: &str, ip: IpAddr, now: Millis) -> Result<(Principal, Option<Millis>), VerifyError> {
        let principal = self.verify(raw, ip, now).await?;
        let expires_at = self.cache.expiry_of(&sha256(raw.as_bytes())).ok_or(VerifyError::Refused(Refusal::Invalid))?;
        Ok((principal, expires_at))
    }

    async fn load_active(&self, digest: &str, now: Millis) -> Result<Option<Cached>> {
        let mut conn = self.store().pool().acquire().await?;
        #[allow(clippy::type_complexity)]
        let row: Option<(String, String, String, Option<i64>, Option<String>, String, String, String)> = sqlx::query_as(
            "SELECT t.id, t.user_id, t.scopes, t.expires_at, t.allowlist, u.display_name, u.email, u.role \
             FROM personal_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.digest = $1 AND t.status = 'active' AND u.status = 'active'",
        )
        .bind(digest)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((token_id, user_id, scopes, expires_at, allowlist, display_name, email, role)) = row else { return Ok(None) };
        let role = Role::parse(&role)?;
        // A role or policy change since the token was made takes away what it no longer allows.
        let scopes = self.policy().effective(role, &ScopeSet::parse(&scopes)?);
        let owner = Arc::new(Owner { display_name, email, role });
        Ok(Some(Cached {
            principal: Principal::new(Caller { user_id, credential: Credential::PersonalToken { id: token_id }, scopes, owner }),
            expires_at,
            allowlist: Allowlist::parse(allowlist.as_deref().unwrap_or(""))?,
            fetched_at: now,
        }))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Refused(Refusal),
    #[error("the token store failed")]
    Store(#[source] Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_entries_expire_and_are_evicted_by_token() {
        let cache = Cache::default();
        let entry = Cached {
            principal: Principal::new(Caller {
                user_id: "u".into(),
                credential: Credential::PersonalToken { id: "t".into() },
                scopes: ScopeSet::parse("user").unwrap(),
                owner: Arc::new(Owner { display_name: "Ada".into(), email: "ada@example.com".into(), role: Role::Developer }),
            }),
            expires_at: None,
            allowlist: Allowlist::default(),
            fetched_at: 1_000,
        };
        let ip = IpAddr::from([127, 0, 0, 1]);
        cache.put([7; 32], entry);
        assert!(cache.check(&[7; 32], ip, 1_000 + CACHE_TTL - 1).is_some());
        assert!(cache.check(&[7; 32], ip, 1_000 + CACHE_TTL).is_none());
        cache.evict_token("t");
        assert!(cache.check(&[7; 32], ip, 1_001).is_none());
    }
}
