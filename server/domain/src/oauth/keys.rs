//! Signing keys for access tokens: Ed25519, generated here, the private half sealed with the master
//! key at rest. A new key is published in the JWKS before it signs (so resource servers that cache
//! the JWKS already know it) and an old one stays published until its last token has expired.
//! Each server process reloads the ring every `RELOAD_EVERY`, so `gatehouse keys rotate` run in
//! another process takes effect without a restart.

use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;

use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{Millis, SECOND};
use crate::crypto::MasterKey;
use crate::store::oauth_keys::{self as rows, KeyRow};
use crate::store::{Store, new_id};
use crate::{Error, Result};

pub const ALG: &str = "EdDSA";
/// How often a process re-reads the keys from the database.
pub const RELOAD_EVERY: Millis = 30 * SECOND;

/// A public key as published at `/.well-known/jwks.json` (RFC 7517, RFC 8037).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwk {
    pub kty: &'static str,
    pub crv: &'static str,
    pub x: String,
    pub kid: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub usage: &'static str,
}

struct LoadedKey {
    kid: String,
    signs_from: Millis,
    retired_at: Option<Millis>,
    x: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

struct Loaded {
    at: Millis,
    keys: Vec<LoadedKey>,
}

/// The published keys, shared by the clones of one `OAuth`.
#[derive(Clone)]
pub struct KeyRing {
    store: Store,
    master_key: Arc<MasterKey>,
    loaded: Arc<RwLock<Option<Arc<Loaded>>>>,
}

fn context(kid: &str) -> String {
    format!("oauth-signing-key:{kid}")
}

impl KeyRing {
    pub fn new(store: Store, master_key: Arc<MasterKey>) -> Self {
        KeyRing { store, master_key, loaded: Arc::new(RwLock::new(None)) }
    }

    fn new_key(&self, now: Millis, signs_from: Millis) -> Result<KeyRow> {
        let signing = SigningKey::generate(&mut rand::rngs::OsRng);
        let der = signing.to_pkcs8_der().map_err(|_| Error::internal_msg("cannot encode the signing key"))?;
        let kid = new_id();
        Ok(KeyRow {
            alg: ALG.to_owned(),
            public_key: URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes()),
            sealed_private_key: self.master_key.seal(der.as_bytes(), &context(&kid))?,
            created_at: now,
            signs_from,
            retired_at: None,
            remove_at: None,
            kid,
        })
    }

    async fn load(&self, now: Millis) -> Result<Arc<Loaded>> {
        if let Some(l) = self.loaded.read().ok().and_then(|g| g.clone()).filter(|l| now - l.at < RELOAD_EVERY && now >= l.at) {
            return Ok(l);
        }
        let mut conn = self.store.pool().acquire().await?;
        let mut rows = rows::published(&mut conn, now).await?;
        if !rows.iter().any(|k| k.signs_from <= now && k.retired_at.is_none_or(|r| r > now)) {
            // First start (or every key retired): a key that signs at once.
            let fresh = self.new_key(now, now)?;
            rows::insert(&mut conn, &fresh).await?;
            tracing::info!(kid = %fresh.kid, "generated a signing key for access tokens");
            rows.push(fresh);
        }
        let keys = rows
            .into_iter()
            .map(|r| {
                let der = self.master_key.open(&r.sealed_private_key, &context(&r.kid))?;
                Ok(LoadedKey {
                    encoding: EncodingKey::from_ed_der(&der),
                    decoding: DecodingKey::from_ed_components(&r.public_key).map_err(Error::internal)?,
                    kid: r.kid,
                    signs_from: r.signs_from,
                    retired_at: r.retired_at,
                    x: r.public_key,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let loaded = Arc::new(Loaded { at: now, keys });
        if let Ok(mut slot) = self.loaded.write() {
            *slot = Some(loaded.clone());
        }
        Ok(loaded)
    }

    /// The key that signs at `now`: the newest one whose time has come and that is not retired.
    pub async fn signing_key(&self, now: Millis) -> Result<(String, EncodingKey)> {
        let loaded = self.load(now).await?;
        loaded
            .keys
            .iter()
            .rev()
            .find(|k| k.signs_from <= now && k.retired_at.is_none_or(|r| r > now))
            .map(|k| (k.kid.clone(), k.encoding.clone()))
            .ok_or_else(|| Error::internal_msg("no signing key"))
    }

    /// The public key with this id, if it is published.
    pub async fn verifying_key(&self, kid: &str, now: Millis) -> Result<Option<DecodingKey>> {
        let loaded = self.load(now).await?;
        Ok(loaded.keys.iter().find(|k| k.kid == kid).map(|k| k.decoding.clone()))
    }

    /// Every published public key.
    pub async fn jwks(&self, now: Millis) -> Result<Vec<Jwk>> {
        let loaded = self.load(now).await?;
        Ok(loaded
            .keys
            .iter()
            .map(|k| Jwk { kty: "OKP", crv: "Ed25519", x: k.x.clone(), kid: k.kid.clone(), alg: ALG, usage: "sig" })
            .collect())
    }

    /// Publishes a new key that starts signing `publish_ahead` from now; the keys before it stop
    /// signing then and leave the JWKS `token_lifetime` later. Returns the new key's id.
    pub async fn rotate(&self, now: Millis, publish_ahead: Millis, token_lifetime: Millis, meta: &RequestMeta) -> Result<String> {
        let starts = now + publish_ahead;
        let fresh = self.new_key(now, starts)?;
        let mut tx = self.store.begin().await?;
        rows::retire_all(&mut tx, starts, starts + token_lifetime + RELOAD_EVERY).await?;
        rows::insert(&mut tx, &fresh).await?;
        audit::record(&mut tx, meta, Event { target: Some(&fresh.kid), ..Event::success(EventType::SigningKeyRotated, None) }).await?;
        tx.commit().await?;
        self.drop_loaded();
        self.store.announce(crate::store::notices::Notice::Keys);
        Ok(fresh.kid)
    }

    /// Forgets the loaded keys: the next use reads them again.
    pub fn drop_loaded(&self) {
        if let Ok(mut slot) = self.loaded.write() {
            *slot = None;
        }
    }
}
