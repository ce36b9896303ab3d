//! The account security page: who I am, my second factor, my password, my sessions.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionView {
    pub handle: String,
    pub browser: String,
    pub ip: String,
    pub created: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventView {
    pub when: String,
    pub what: String,
    pub outcome: String,
    pub ip: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AccountView {
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub has_password: bool,
    pub totp_enabled: bool,
    pub recovery_codes_left: i64,
    pub must_enrol: bool,
    /// Signed in (or confirmed) recently enough to change credentials.
    pub recent_auth: bool,
    pub passkeys: Vec<crate::api::passkeys::PasskeyView>,
    pub sessions: Vec<SessionView>,
    pub events: Vec<EventView>,
}

/// Shown once while enrolling.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct TotpSetup {
    pub qr_svg: String,
    pub secret: String,
}

/// `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "account_overview")]
pub async fn account_overview() -> Result<Option<AccountView>, ServerFnError> {
    use domain::clock::format_utc;
    let Some(me) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let mfa = state.accounts.mfa_status(&me.user.id).await.map_err(ssr::fail)?;
    let sessions = state.accounts.sessions(&me.user.id).await.map_err(ssr::fail)?;
    let events = state.accounts.recent_events(&me.user.id, 20).await.map_err(ssr::fail)?;
    let passkeys = state.accounts.passkeys(&me.user.id).await.map_err(ssr::fail)?;
    let recent_auth = me.recently_authenticated().await?;
    Ok(Some(AccountView {
        display_name: me.user.display_name,
        email: me.user.email,
        role: me.user.role.as_str().to_owned(),
        has_password: me.user.has_password,
        totp_enabled: mfa.totp,
        recovery_codes_left: mfa.recovery_codes_left,
        must_enrol: me.must_enrol && !mfa.totp && passkeys.is_empty(),
        recent_auth,
        passkeys: passkeys
            .into_iter()
            .map(|p| crate::api::passkeys::PasskeyView {
                id: p.id,
                name: p.name,
                created: format_utc(p.created_at),
                last_used: p.last_used_at.map(format_utc).unwrap_or_else(|| "never".to_owned()),
                backed_up: p.backed_up,
            })
            .collect(),
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                current: s.handle == me.handle,
                browser: ssr::describe_user_agent(s.user_agent.as_deref()),
                ip: s.ip.unwrap_or_else(|| "unknown".to_owned()),
                created: format_utc(s.created_at),
                last_seen: format_utc(s.last_seen_at),
                handle: s.handle,
            })
            .collect(),
        events: events
            .into_iter()
            .map(|e| EventView {
                when: format_utc(e.occurred_at),
                what: describe_event(&e.event_type, e.detail.as_deref()),
                outcome: e.outcome,
                ip: e.ip.unwrap_or_default(),
            })
            .collect(),
    }))
}

#[server(prefix = "/rpc", endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), ServerFnError> {
    if new_password != new_password_confirm {
        return Err(ssr::fail(domain::Error::invalid("the two new passwords differ")));
    }
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state
        .accounts
        .change_password(&me.user.id, &current_password, new_password, &me.handle, &meta)
        .await
        .map_err(ssr::fail)?;
    ssr::cycle_session(&me.session).await
}

#[server(prefix = "/rpc", endpoint = "begin_totp")]
pub async fn begin_totp() -> Result<TotpSetup, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let e = state.accounts.begin_totp_enrolment(&me.user.id, &me.user.email).await.map_err(ssr::fail)?;
    Ok(TotpSetup { qr_svg: e.qr_svg, secret: e.secret_base32 })
}

/// Returns the ten recovery codes, shown once.
#[server(prefix = "/rpc", endpoint = "confirm_totp")]
pub async fn confirm_totp(code: String) -> Result<Vec<String>, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let codes = state.accounts.confirm_totp_enrolment(&me.user.id, &code, &meta).await.map_err(ssr::fail)?;
    me.session.remove_value(ssr::keys::MUST_ENROL).await.map_err(ssr::session_error)?;
    ssr::cycle_session(&me.session).await?;
    Ok(codes.0)
}

#[server(prefix = "/rpc", endpoint = "remove_totp")]
pub async fn remove_totp(password: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.accounts.remove_totp(&me.user.id, &password, &meta).await.map_err(ssr::fail)?;
    if state.accounts.policy().require_mfa {
        me.session.insert(ssr::keys::MUST_ENROL, true).await.map_err(ssr::session_error)?;
    }
    ssr::cycle_session(&me.session).await
}

#[server(prefix = "/rpc", endpoint = "regenerate_recovery_codes")]
pub async fn regenerate_recovery_codes(password: String) -> Result<Vec<String>, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let codes = state.accounts.regenerate_recovery_codes(&me.user.id, &password, &meta).await.map_err(ssr::fail)?;
    Ok(codes.0)
}

#[server(prefix = "/rpc", endpoint = "revoke_session")]
pub async fn revoke_session(handle: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    if handle == me.handle {
        return Err(ssr::fail(domain::Error::invalid("use Sign out to end this session")));
    }
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.accounts.revoke_session(&me.user.id, &handle, &meta).await.map_err(ssr::fail)
}

/// Returns how many sessions ended.
#[server(prefix = "/rpc", endpoint = "revoke_other_sessions")]
pub async fn revoke_other_sessions() -> Result<u64, ServerFnError> {
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.accounts.revoke_other_sessions(&me.user.id, &me.handle, &meta).await.map_err(ssr::fail)
}

/// Audit event types in plain words for the account page.
#[cfg(feature = "ssr")]
fn describe_event(event_type: &str, detail: Option<&str>) -> String {
    let what = match event_type {
        "user.signed_up" => "Account created",
        "session.signed_in" => match detail {
            Some("totp") => "Signed in with password and authenticator app",
            Some("recovery_code") => "Signed in with a recovery code",
            Some("passkey") => "Signed in with a passkey",
            _ => "Signed in with password",
        },
        "sign_in.password" => "Password accepted, second factor asked",
        "sign_in.totp" => "Authenticator code refused",
        "sign_in.recovery_code" => "Recovery code refused",
        "session.signed_out" => "Signed out",
        "session.revoked" => "Session revoked",
        "password.changed" => "Password changed",
        "totp.enrolled" => "Authenticator app turned on",
        "totp.removed" => "Authenticator app removed",
        "recovery_codes.regenerated" => "New recovery codes made",
        "account.unlocked" => "Account unlocked by an operator",
        "sign_in.passkey" => "Passkey sign-in refused",
        "passkey.added" => "Passkey added",
        "passkey.renamed" => "Passkey renamed",
        "passkey.removed" => "Passkey removed",
        "session.stepped_up" => "Confirmed it was you",
        "token.created" => "Personal access token created",
        "token.revoked" => "Personal access token revoked",
        "token.regenerated" => "Personal access token regenerated",
        other => other,
    };
    match (event_type, detail) {
        ("sign_in.password", Some("bad_credentials")) => "Wrong password".to_owned(),
        ("sign_in.password", Some("throttled")) | ("sign_in.totp", Some("throttled")) => "Attempt refused: too many failures".to_owned(),
        _ => what.to_owned(),
    }
}
