//! OAuth access tokens presented to the REST API or to introspection: verified locally against
//! the published keys (neither signature check nor database on a hit of the short-lived cache), then turned into the same `Principal` a personal
//! access token gives, so scope checks are the same. A client-credentials token acts for the client's
//! owner. A token revoked at `/oauth/revoke` stops working at once; a revoked refresh family stops
//! working here when its last access token expires.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::OAuth;
use super::access_token::AccessClaims;
use crate::accounts::Role;
use crate::clock::Millis;
use crate::crypto::sha256;
use crate::scopes::ScopeSet;
use crate::store::{accounts as users, oauth_clients as clients, oauth_grants as grants, oauth_keys as keys};
use crate::tokens::{CACHE_CAPACITY, CACHE_TTL, Caller, Credential, Owner, Principal, Refusal, VerifyError};

/// A JWT whose signature, claims, revocation and owner were checked, and when they were.
#[derive(Clone)]
pub(crate) struct Verified {
    pub claims: Arc<AccessClaims>,
    pub principal: Principal,
    pub at: Millis,
}

/// SHA-256 of the JWT → what it was verified as. Keyed by the whole token, so a hit needs neither
/// the signature check nor the database: the same bytes verify the same way until the token
/// expires or its key is retired (which clears the cache). Entries live `CACHE_TTL`, so a change
/// of the owner's role or status shows within it; revocation evicts at once.
#[derive(Clone, Default)]
pub(crate) struct CallerCache(Arc<RwLock<HashMap<[u8; 32], Verified>>>);

impl CallerCache {
    fn get(&self, digest: &[u8; 32], now: Millis) -> Option<Verified> {
        let map = self.0.read().ok()?;
        map.get(digest).filter(|v| now - v.at < CACHE_TTL && now < v.claims.expires_at()).cloned()
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }

    /// Forgets the token with this id (revoked at `/oauth/revoke`).
    pub(crate) fn evict(&self, jti: &str) {
        if let Ok(mut map) = self.0.write() {
            map.retain(|_, v| v.claims.jti != jti);
        }
    }

    fn put(&self, digest: [u8; 32], verified: Verified) {
        if let Ok(mut map) = self.0.write() {
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
            map.insert(digest, verified);
        }
    }
}

impl OAuth {
    /// The caller behind an access token, or why it is refused.
    pub async fn verify_access_token(&self, jwt: &str, now: Millis) -> Result<Principal, VerifyError> {
        self.verified(jwt, now).await.map(|v| v.principal)
    }

    /// The token's claims and caller: from the cache, or checked in full and then cached.
    pub(crate) async fn verified(&self, jwt: &str, now: Millis) -> Result<Verified, VerifyError> {
        let digest = sha256(jwt.as_bytes());
        if let Some(hit) = self.callers.get(&digest, now) {
            return Ok(hit);
        }
        let Ok(claims) = self.keys().verify(jwt, &self.policy().issuer, now).await.map_err(VerifyError::Store)? else {
            return Err(VerifyError::Refused(Refusal::Invalid));
        };
        let principal = self.caller(&claims).await?;
        let verified = Verified { claims: Arc::new(claims), principal, at: now };
        self.callers.put(digest, verified.clone());
        Ok(verified)
    }

    /// Who a token with valid signature and claims acts for, unless it was revoked or its owner
    /// (or, for client credentials, its client) is no longer active.
    async fn caller(&self, claims: &AccessClaims) -> Result<Principal, VerifyError> {
        let refused = || VerifyError::Refused(Refusal::Invalid);
        let mut conn = self.store().pool().acquire().await.map_err(|e| VerifyError::Store(e.into()))?;
        if keys::access_token_revoked(&mut conn, &claims.jti).await.map_err(VerifyError::Store)? {
            return Err(refused());
        }
        if let Some(family) = claims.sid.as_deref() {
            if grants::family_revoked(&mut conn, family).await.map_err(VerifyError::Store)? {
                return Err(refused());
            }
        }
        // Client credentials: the subject is the client, which acts for its owner.
        let user_id = if claims.sub == claims.client_id {
            let client = clients::by_id(&mut conn, &claims.client_id).await.map_err(VerifyError::Store)?.ok_or_else(refused)?;
            if client.status != "active" {
                return Err(refused());
            }
            client.owner_id
        } else {
            claims.sub.clone()
        };
        let user = users::user_by_id(&mut conn, &user_id).await.map_err(VerifyError::Store)?.filter(|u| u.status == "active").ok_or_else(refused)?;
        let role = Role::parse(&user.role).map_err(VerifyError::Store)?;
        let scopes = ScopeSet::parse(&claims.scope).map_err(|_| refused())?;
        // The owner's role or the policy may have shrunk since the token was issued.
        let scopes = self.instance().effective(role, &scopes);
        Ok(Principal::new(Caller {
            user_id: user.id,
            credential: Credential::AccessToken { client_id: claims.client_id.clone(), jti: claims.jti.clone() },
            scopes,
            owner: Arc::new(Owner { display_name: user.display_name, email: user.email, role }),
        }))
    }
}
