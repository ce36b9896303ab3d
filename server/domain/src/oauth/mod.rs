//! The authorization server's domain: registered clients, their secrets and redirect URIs.

pub mod client;
mod clients;
pub mod redirect_uri;

use crate::store::Store;

pub use client::{Client, ClientInput, ClientKind, ClientSettings, ClientStatus, GrantType, Redirect, SecretInfo, TOKEN_EXCHANGE};
pub use clients::{ClientPatch, ClientSecret, MAX_SECRET_GRACE_DAYS, Owner, SECRET_PREFIX, SettingsPatch};
pub use redirect_uri::RedirectUri;

/// The OAuth service; cheap to clone.
#[derive(Clone)]
pub struct OAuth {
    store: Store,
}

impl OAuth {
    pub fn new(store: Store) -> Self {
        OAuth { store }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }
}
