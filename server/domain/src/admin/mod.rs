//! The admin area: who may act (`authority`), managing users (`users`) and the credentials
//! inventory with bulk revocation (`inventory`). Every change is one transaction with its audit
//! record and the notices it causes; caches of verified credentials are dropped after it commits.

mod authority;
mod inventory;
mod users;

pub use authority::{AdminActor, Reviewer};
pub use inventory::{
    ClientEntry, ClientFilter, CredentialStatus, InventoryPage, MAX_INVENTORY_PAGE, Sort, SortField, TokenEntry, TokenFilter,
};
pub use users::{UserEntry, UserPage, MAX_USER_PAGE};

use crate::oauth::OAuth;
use crate::store::Store;
use crate::tokens::Tokens;

/// The admin service; cheap to clone.
#[derive(Clone)]
pub struct Admin {
    store: Store,
    tokens: Tokens,
    oauth: OAuth,
}

impl Admin {
    pub fn new(store: Store, tokens: Tokens, oauth: OAuth) -> Self {
        Admin { store, tokens, oauth }
    }

    /// After a change to a user's credentials or role: the next call re-reads them.
    fn forget(&self, user_id: &str) {
        self.tokens.forget_owner(user_id);
        self.oauth.forget_verified();
    }
}
