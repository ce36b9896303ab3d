//! The authorization server's domain: registered clients, their secrets and redirect URIs, the
//! signing keys, and the grants that issue access tokens.

pub mod access_token;
pub mod authorize;
mod bearer;
mod client_cache;
pub mod client;
mod clients;
mod code_grant;
mod consents;
pub mod error;
pub mod exchange;
pub mod grants;
mod introspection;
pub mod keys;
pub mod pkce;
pub mod redirect_uri;

use std::sync::Arc;

use crate::clock::{HOUR, Millis, SECOND};
use crate::crypto::MasterKey;
use crate::policy::{InstancePolicy, LivePolicy};
use crate::store::Store;

pub use access_token::{AccessClaims, InvalidAccessToken, looks_like_jwt};
pub use authorize::{AuthorizeError, AuthorizeParams, AuthorizeRequest, CODE_LIFETIME};
pub use code_grant::{CODE_REUSED, REFRESH_PREFIX, REFRESH_REUSED};
pub use consents::{AuthorizedApp, WITHDRAWN};
pub use exchange::{ACCESS_TOKEN_TYPE, Subject};
pub use client::{Client, ClientInput, ClientKind, ClientSettings, ClientStatus, GrantType, Redirect, SecretInfo, TOKEN_EXCHANGE};
pub use clients::{ClientPatch, ClientSecret, MAX_SECRET_GRACE_DAYS, Owner, SECRET_PREFIX, SettingsPatch};
pub use error::OAuthError;
pub use grants::Issued;
pub use keys::{Jwk, KeyRing};
pub use redirect_uri::RedirectUri;

/// Instance settings of the authorization server.
#[derive(Debug, Clone)]
pub struct OAuthPolicy {
    /// The public URL: `iss` and `aud` of every token, and the base of every endpoint.
    pub issuer: String,
    pub access_token_lifetime: Millis,
    pub refresh_token_lifetime: Millis,
    /// How long a new signing key is published before it signs.
    pub key_publish_ahead: Millis,
}

impl OAuthPolicy {
    pub fn new(issuer: &str) -> Self {
        OAuthPolicy {
            issuer: issuer.trim_end_matches('/').to_owned(),
            access_token_lifetime: 5 * 60 * SECOND,
            refresh_token_lifetime: 24 * HOUR,
            key_publish_ahead: HOUR,
        }
    }
}

/// The OAuth service; cheap to clone.
#[derive(Clone)]
pub struct OAuth {
    store: Store,
    policy: Arc<OAuthPolicy>,
    keys: KeyRing,
    callers: bearer::CallerCache,
    clients: client_cache::ClientCache,
    instance: LivePolicy,
}

impl OAuth {
    pub fn new(store: Store, master_key: Arc<MasterKey>, policy: OAuthPolicy, instance: LivePolicy) -> Self {
        OAuth { keys: KeyRing::new(store.clone(), master_key), store, policy: Arc::new(policy), callers: Default::default(), clients: Default::default(), instance }
    }

    /// The instance policy in force now (the scopes each role may grant).
    pub fn instance(&self) -> Arc<InstancePolicy> {
        self.instance.current()
    }

    /// Forgets every verified access token and authenticated client, so the next call re-reads
    /// them and the policy; the other replicas are told to do the same.
    pub fn forget_verified(&self) {
        self.callers.clear();
        self.clients.clear();
        self.store.announce(crate::store::notices::Notice::Credentials);
    }

    /// Another replica ended credentials or rotated keys: drop what is cached (without telling anyone).
    pub fn drop_cached(&self) {
        self.callers.clear();
        self.clients.clear();
        self.keys.drop_loaded();
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub fn policy(&self) -> &OAuthPolicy {
        &self.policy
    }

    pub fn keys(&self) -> &KeyRing {
        &self.keys
    }
}
