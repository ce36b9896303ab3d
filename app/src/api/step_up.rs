//! What a page needs to show the step-up guard: whether the sign-in is recent, and which ways to
//! confirm it the account has.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct StepUpState {
    pub recent_auth: bool,
    pub has_passkey: bool,
    pub has_password: bool,
    pub has_totp: bool,
}

#[cfg(feature = "ssr")]
impl StepUpState {
    pub async fn of(me: &crate::ssr::SignedIn) -> Result<Self, leptos::prelude::ServerFnError> {
        use crate::ssr;
        let state = ssr::state()?;
        let mfa = state.accounts.mfa_status(&me.user.id).await.map_err(ssr::fail)?;
        let passkeys = state.accounts.passkeys(&me.user.id).await.map_err(ssr::fail)?;
        Ok(StepUpState {
            recent_auth: me.recently_authenticated().await?,
            has_passkey: !passkeys.is_empty(),
            has_password: me.user.has_password,
            has_totp: mfa.totp,
        })
    }
}
