//! The instance policy page: auditors and admins read it; admins change it behind the step-up
//! guard. A change is audited and applies to the next request.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::step_up::StepUpState;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RoleScopesView {
    pub role: String,
    /// Every scope the role could hold, and whether the policy allows it now.
    pub scopes: Vec<(String, String, bool)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PolicyPage {
    pub max_lifetime_days: u32,
    pub allow_no_expiry: bool,
    pub inactivity_days: u32,
    pub require_mfa: bool,
    pub self_registration: bool,
    pub roles: Vec<RoleScopesView>,
    pub can_change: bool,
    pub step_up: StepUpState,
}

#[server(prefix = "/rpc", endpoint = "policy_view")]
pub async fn policy_view() -> Result<Option<PolicyPage>, ServerFnError> {
    use domain::accounts::Role;
    let Some((me, reviewer)) = ssr::reviewer().await? else { return Ok(None) };
    let p = ssr::state()?.policy.current();
    let roles = [Role::Developer, Role::Auditor, Role::Admin]
        .into_iter()
        .map(|role| RoleScopesView {
            role: role.as_str().to_owned(),
            scopes: domain::policy::ceiling(role)
                .into_iter()
                .map(|s| (s.as_str().to_owned(), s.info().description.to_owned(), p.allowed(role).contains(&s)))
                .collect(),
        })
        .collect();
    Ok(Some(PolicyPage {
        max_lifetime_days: p.max_lifetime_days,
        allow_no_expiry: p.allow_no_expiry,
        inactivity_days: p.inactivity_days,
        require_mfa: p.require_mfa,
        self_registration: p.self_registration,
        roles,
        can_change: reviewer.can_change(),
        step_up: StepUpState::of(&me).await?,
    }))
}

/// The policy as the page sends it; scopes are space-separated names per role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct PolicyInput {
    pub max_lifetime_days: u32,
    pub allow_no_expiry: bool,
    pub inactivity_days: u32,
    pub require_mfa: bool,
    pub self_registration: bool,
    pub developer_scopes: String,
    pub auditor_scopes: String,
    pub admin_scopes: String,
}

/// Saves the whole policy (admins, behind the step-up guard).
#[server(prefix = "/rpc", endpoint = "save_policy", input = leptos::server_fn::codec::Json)]
pub async fn save_policy(input: PolicyInput) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let state = ssr::state()?;
    let settings = domain::policy::PolicySettings {
        max_lifetime_days: input.max_lifetime_days,
        allow_no_expiry: input.allow_no_expiry,
        inactivity_days: input.inactivity_days,
        require_mfa: input.require_mfa,
        self_registration: input.self_registration,
        developer_scopes: input.developer_scopes,
        auditor_scopes: input.auditor_scopes,
        admin_scopes: input.admin_scopes,
    };
    state.policy.save(state.accounts.store(), &admin, &settings, &ssr::request_meta()).await.map_err(ssr::fail)?;
    // Verified credentials are re-read under the new policy at their next call.
    state.tokens.forget_verified();
    state.oauth.forget_verified();
    Ok(())
}
