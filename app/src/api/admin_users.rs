//! The admin area's users: list and search (auditors and admins), and for admins behind the
//! step-up guard: invite, change a role, disable, re-enable, reset second factors.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::step_up::StepUpState;
#[cfg(feature = "ssr")]
use crate::ssr;

pub const USERS_PER_PAGE: i64 = 25;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UserRowView {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub second_factor: String,
    pub active_tokens: i64,
    pub created: String,
    pub is_me: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UsersView {
    pub users: Vec<UserRowView>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub can_change: bool,
    pub step_up: StepUpState,
}

#[server(prefix = "/rpc", endpoint = "admin_users")]
pub async fn admin_users(search: String, page: u32) -> Result<Option<UsersView>, ServerFnError> {
    let Some((me, reviewer)) = ssr::reviewer().await? else { return Ok(None) };
    let state = ssr::state()?;
    let page = page.max(1);
    let found = state.admin.users(&reviewer, &search, USERS_PER_PAGE, (page as i64 - 1) * USERS_PER_PAGE).await.map_err(ssr::fail)?;
    let users = found
        .users
        .into_iter()
        .map(|u| UserRowView {
            is_me: u.id == me.user.id,
            second_factor: match (u.has_totp, u.passkeys, u.must_enrol) {
                (_, _, true) => "must enrol again".to_owned(),
                (true, 0, _) => "authenticator app".to_owned(),
                (true, n, _) => format!("authenticator app, {n} passkeys"),
                (false, 0, _) => "none".to_owned(),
                (false, n, _) => format!("{n} passkeys"),
            },
            id: u.id,
            email: u.email,
            name: u.display_name,
            role: u.role.as_str().to_owned(),
            active: u.status == domain::accounts::UserStatus::Active,
            active_tokens: u.active_tokens,
            created: domain::clock::format_date(u.created_at),
        })
        .collect();
    Ok(Some(UsersView {
        users,
        total: found.total,
        page,
        pages: ((found.total + USERS_PER_PAGE - 1) / USERS_PER_PAGE).max(1) as u32,
        can_change: reviewer.can_change(),
        step_up: StepUpState::of(&me).await?,
    }))
}

/// Changes a role (the page asks for confirmation first).
#[server(prefix = "/rpc", endpoint = "admin_set_role")]
pub async fn set_role(id: String, role: String) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let role = domain::accounts::Role::parse(&role).map_err(ssr::fail)?;
    ssr::state()?.admin.set_role(&admin, &id, role, &ssr::request_meta()).await.map_err(ssr::fail)
}

/// Disables (ending the user's sessions, tokens and grants) or re-enables an account.
#[server(prefix = "/rpc", endpoint = "admin_set_user_status")]
pub async fn set_user_status(id: String, active: bool) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    if active { state.admin.enable(&admin, &id, &meta).await } else { state.admin.disable(&admin, &id, &meta).await }.map_err(ssr::fail)
}

#[server(prefix = "/rpc", endpoint = "admin_reset_mfa")]
pub async fn reset_mfa(id: String) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    ssr::state()?.admin.reset_mfa(&admin, &id, &ssr::request_meta()).await.map_err(ssr::fail)
}

/// Creates a one-time invitation link (valid 7 days) for an email address; shown once.
#[server(prefix = "/rpc", endpoint = "admin_invite")]
pub async fn invite(email: String, role: String) -> Result<String, ServerFnError> {
    use domain::accounts::{Email, Role};
    let (_, admin) = ssr::admin_actor().await?;
    let email = Email::parse(&email).map_err(ssr::fail)?;
    let role = Role::parse(&role).map_err(ssr::fail)?;
    let state = ssr::state()?;
    let secret = state.accounts.invite_as(&admin, email, role, &ssr::request_meta()).await.map_err(ssr::fail)?;
    Ok(format!("{}/signup?invite={secret}", state.public_origin))
}
