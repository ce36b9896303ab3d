//! OAuth access tokens presented to the REST API: verified locally against the published keys
//! (no database on a hit of the short-lived cache), then turned into the same `Principal` a personal
//! access token gives, so scope checks are the same. A client-credentials token acts for the client's
//! owner. A token revoked at `/oauth/revoke` stops working at once; a revoked refresh family stops
//! working here when its last access token expires.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::OAuth;
use crate::accounts::Role;
use crate::clock::Millis;
use crate::scopes::ScopeSet;
use crate::store::{accounts as users, oauth_clients as clients, oauth_grants as grants, oauth_keys as keys};
use crate::tokens::{CACHE_CAPACITY, CACHE_TTL, Caller, Credential, Owner, Principal, Refusal, VerifyError};

/// JWT id → (principal, when looked up, when the token expires).
#[derive(Clone, Default)]
pub(crate) struct CallerCache(Arc<RwLock<HashMap<String, (Principal, Millis, Millis)>>>);

impl CallerCache {
    fn get(&self, jti: &str, now: Millis) -> Option<Principal> {
        let map = self.0.read().ok()?;
        map.get(jti).filter(|(_, at, exp)| now - at < CACHE_TTL && now < *exp).map(|(p, _, _)| p.clone())
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }

    pub(crate) fn evict(&self, jti: &str) {
        if let Ok(mut map) = self.0.write() {
            map.remove(jti);
        }
    }

    fn put(&self, jti: String, entry: (Principal, Millis, Millis)) {
        if let Ok(mut map) = self.0.write() {
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
            map.insert(jti, entry);
        }
    }
}

impl OAuth {
    /// The caller behind an access token, or why it is refused.
    pub async fn verify_access_token(&self, jwt: &str, now: Millis) -> Result<Principal, VerifyError> {
        let Ok(claims) = self.keys().verify(jwt, &self.policy().issuer, now).await.map_err(VerifyError::Store)? else {
            return Err(VerifyError::Refused(Refusal::Invalid));
        };
        if let Some(hit) = self.callers.get(&claims.jti, now) {
            return Ok(hit);
        }
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
        let principal = Principal::new(Caller {
            user_id: user.id,
            credential: Credential::AccessToken { client_id: claims.client_id.clone(), jti: claims.jti.clone() },
            scopes,
            owner: Arc::new(Owner { display_name: user.display_name, email: user.email, role }),
        });
        self.callers.put(claims.jti.clone(), (principal.clone(), now, claims.expires_at()));
        Ok(principal)
    }
}
