//! Signing up, in and out.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ssr;

/// What the sign-up page shows about its link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InvitationDetails {
    pub bootstrap: bool,
    pub email: Option<String>,
    pub role: String,
}

/// Checks a sign-up link before the form is shown; `None` means self-registration (when enabled).
#[server(prefix = "/rpc", endpoint = "invitation_info")]
pub async fn invitation_info(invitation: Option<String>) -> Result<Option<InvitationDetails>, ServerFnError> {
    let state = ssr::state()?;
    match invitation.filter(|s| !s.is_empty()) {
        Some(secret) => {
            let p = state.accounts.preview_invitation(&secret).await.map_err(ssr::fail)?;
            Ok(Some(InvitationDetails { bootstrap: p.bootstrap, email: p.email, role: p.role.as_str().to_owned() }))
        }
        None if state.accounts.policy().self_registration => Ok(None),
        None => Err(ssr::fail(domain::Error::forbidden("sign-up needs an invitation link"))),
    }
}

#[server(prefix = "/rpc", endpoint = "sign_up")]
pub async fn sign_up(
    invitation: Option<String>,
    email: String,
    display_name: String,
    password: String,
    password_confirm: String,
) -> Result<(), ServerFnError> {
    if password != password_confirm {
        return Err(ssr::fail(domain::Error::invalid("the two passwords differ")));
    }
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let form = domain::accounts::SignUp { invitation, email, display_name, password };
    let user = state.accounts.sign_up(form, &meta).await.map_err(ssr::fail)?;
    let must_enrol = state.accounts.policy().require_mfa;
    ssr::establish_session(&user.id, must_enrol, &meta).await?;
    leptos_axum::redirect(&if must_enrol { "/account".to_owned() } else { ssr::after_sign_in().await });
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), ServerFnError> {
    use domain::accounts::PasswordStep;
    ssr::rate_limit(domain::rate_limit::Group::SignIn, [ssr::sign_in_subject(&email)]).await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let step = state.accounts.sign_in_password(&email, &password, &meta).await.map_err(ssr::fail)?;
    match step {
        PasswordStep::SecondFactor { user_id } => {
            ssr::begin_second_factor(&user_id).await?;
            leptos_axum::redirect("/login/totp");
        }
        PasswordStep::SignedIn(user) => {
            ssr::establish_session(&user.id, false, &meta).await?;
            leptos_axum::redirect(&ssr::after_sign_in().await);
        }
        PasswordStep::MustEnrol(user) => {
            ssr::establish_session(&user.id, true, &meta).await?;
            leptos_axum::redirect("/account");
        }
    }
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "verify_totp")]
pub async fn verify_totp(code: String) -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let user_id = ssr::pending_second_factor().await?;
    ssr::rate_limit(domain::rate_limit::Group::Totp, [domain::rate_limit::Subject::User(user_id.clone())]).await?;
    let user = state.accounts.sign_in_totp(&user_id, &code, &meta).await.map_err(ssr::fail)?;
    ssr::establish_session(&user.id, false, &meta).await?;
    leptos_axum::redirect(&ssr::after_sign_in().await);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "verify_recovery_code")]
pub async fn verify_recovery_code(code: String) -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let user_id = ssr::pending_second_factor().await?;
    ssr::rate_limit(domain::rate_limit::Group::Totp, [domain::rate_limit::Subject::User(user_id.clone())]).await?;
    let user = state.accounts.sign_in_recovery_code(&user_id, &code, &meta).await.map_err(ssr::fail)?;
    ssr::establish_session(&user.id, false, &meta).await?;
    leptos_axum::redirect(&ssr::after_sign_in().await);
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    if let Some(me) = ssr::current_user().await? {
        state.accounts.sign_out(&me.user.id, &me.handle, &meta).await.map_err(ssr::fail)?;
        me.session.flush().await.map_err(ssr::session_error)?;
    }
    leptos_axum::redirect("/login");
    Ok(())
}
