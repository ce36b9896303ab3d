//! Users, roles, passwords, TOTP, recovery codes, invitations, sign-in and its throttling.

mod browsers;
mod email;
mod hashing_pool;
mod invitations;
mod passkeys;
mod password;
mod recovery;
mod role;
mod security;
mod sessions;
mod sign_in;
mod throttle;
mod totp;
mod user;

use std::sync::Arc;

pub use email::Email;
pub use invitations::{InvitationKind, InvitationPreview, SignUp, BOOTSTRAP_LINK_TTL, INVITATION_TTL};
pub use passkeys::{CEREMONY_TTL, Ceremony, PasskeyInfo, relying_party};
pub use password::{Password, PasswordHasher};
pub use recovery::RecoveryCodes;
pub use role::{Role, UserStatus};
pub use security::{MfaStatus, TotpEnrolment};
pub use sessions::SessionInfo;
pub use sign_in::{PasswordStep, PENDING_MFA_TTL};
pub use user::User;

use crate::crypto::MasterKey;
use crate::policy::{InstancePolicy, LivePolicy};
use crate::store::Store;

/// The accounts service: every account operation goes through here.
#[derive(Clone)]
pub struct Accounts {
    store: Store,
    hasher: PasswordHasher,
    master_key: Arc<MasterKey>,
    policy: LivePolicy,
    webauthn: Arc<webauthn_rs::Webauthn>,
}

impl Accounts {
    pub fn new(
        store: Store,
        hasher: PasswordHasher,
        master_key: Arc<MasterKey>,
        policy: LivePolicy,
        webauthn: Arc<webauthn_rs::Webauthn>,
    ) -> Self {
        Accounts { store, hasher, master_key, policy, webauthn }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The instance policy in force now (MFA for everyone, self-registration).
    pub fn policy(&self) -> Arc<InstancePolicy> {
        self.policy.current()
    }
}
