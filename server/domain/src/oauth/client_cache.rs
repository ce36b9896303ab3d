//! Confidential clients that authenticated recently, so introspection and the token endpoint do
//! not read the client, its secrets and its redirects on every call. Keyed by SHA-256 of the id and
//! the secret together: only a caller holding a live secret hits. An entry lives `CACHE_TTL` and
//! never past its secret's grace period; any change to a client (settings, status, deletion, a
//! rotated or swept secret) clears the cache on every replica.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use super::client::Client;
use crate::clock::Millis;
use crate::tokens::{CACHE_CAPACITY, CACHE_TTL};

#[derive(Clone, Default)]
pub(crate) struct ClientCache(Arc<RwLock<HashMap<[u8; 32], (Client, Millis)>>>);

/// The key of an id and secret pair; the zero byte keeps `ab`+`c` apart from `a`+`bc`.
pub(crate) fn key(id: &str, secret: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(id.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    h.finalize().into()
}

impl ClientCache {
    pub(crate) fn get(&self, key: &[u8; 32], now: Millis) -> Option<Client> {
        let map = self.0.read().ok()?;
        map.get(key).filter(|(_, until)| now < *until).map(|(c, _)| c.clone())
    }

    /// Keeps `client` until `CACHE_TTL` from `now`, or until its secret expires if sooner.
    pub(crate) fn put(&self, key: [u8; 32], client: Client, now: Millis, secret_expires_at: Option<Millis>) {
        let until = secret_expires_at.map_or(now + CACHE_TTL, |end| end.min(now + CACHE_TTL));
        if let Ok(mut map) = self.0.write() {
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
            map.insert(key, (client, until));
        }
    }

    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.0.write() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_and_secret_are_keyed_together_and_apart() {
        assert_ne!(key("ab", "c"), key("a", "bc"));
        assert_eq!(key("a", "b"), key("a", "b"));
    }
}
