//! The consent step of the authorization flow, and "Authorized apps". The pending request lives in
//! the session (put there by `/oauth/authorize`); it is checked again when the person decides, and
//! can be decided once.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use super::tokens::ScopeChoice;
#[cfg(feature = "ssr")]
use super::tokens::describe;
#[cfg(feature = "ssr")]
use crate::ssr;

/// What the consent page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub request: String,
    pub client_name: String,
    /// The host the person will be sent back to.
    pub redirect_host: String,
    pub scopes: Vec<ScopeChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizedAppView {
    pub client_id: String,
    pub client_name: String,
    pub scopes: Vec<ScopeChoice>,
    pub granted: String,
    pub last_used: Option<String>,
}

#[cfg(feature = "ssr")]
async fn pending(signed: &ssr::SignedIn, request: &str, take: bool) -> Result<domain::oauth::AuthorizeParams, ServerFnError> {
    use domain::oauth::AuthorizeParams;
    let mut list: Vec<(String, AuthorizeParams)> =
        signed.session.get(ssr::keys::OAUTH_PENDING).await.ok().flatten().unwrap_or_default();
    let Some(pos) = list.iter().position(|(id, _)| id == request) else {
        return Err(ssr::fail(domain::Error::invalid("this sign-in request has expired or was already answered; start again from the app")));
    };
    let params = if take { list.remove(pos).1 } else { list[pos].1.clone() };
    if take {
        signed.session.insert(ssr::keys::OAUTH_PENDING, list).await.map_err(|_| ssr::fail(domain::Error::internal_msg("session store failed")))?;
    }
    Ok(params)
}

/// The pending request, for the consent page.
#[server(prefix = "/rpc", endpoint = "consent_request")]
pub async fn consent_request(request: String) -> Result<ConsentView, ServerFnError> {
    let signed = ssr::signed_in().await?;
    let params = pending(&signed, &request, false).await?;
    let state = ssr::state()?;
    match state.oauth.check_authorize(params, signed.user.role).await.map_err(ssr::fail)? {
        Ok(req) => Ok(ConsentView {
            request,
            client_name: req.client_name.clone(),
            redirect_host: url::Url::parse(&req.redirect_uri).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default(),
            scopes: describe(req.scopes.iter()),
        }),
        Err(_) => Err(ssr::fail(domain::Error::invalid("this request is no longer valid; start again from the app"))),
    }
}

/// Allows (`decision = "allow"`) or denies the request; returns where the browser goes next: the
/// app's redirect URI with a code, or with `error=access_denied`.
#[server(prefix = "/rpc", endpoint = "decide_consent")]
pub async fn decide_consent(request: String, decision: String) -> Result<String, ServerFnError> {
    use domain::oauth::AuthorizeError;
    let signed = ssr::signed_in().await?;
    let params = pending(&signed, &request, true).await?;
    let state = ssr::state()?;
    let issuer = state.oauth.policy().issuer.clone();
    let location = match state.oauth.check_authorize(params, signed.user.role).await.map_err(ssr::fail)? {
        Err(e @ AuthorizeError::Redirect { .. }) => e.location(&issuer).unwrap_or_default(),
        Err(AuthorizeError::Fatal(m)) => return Err(ssr::fail(domain::Error::invalid(m))),
        Ok(req) if decision == "allow" => {
            let code = state.oauth.approve(&signed.user.id, &req, true, &ssr::request_meta(), domain::clock::now_ms()).await.map_err(ssr::fail)?;
            req.code_location(&code, &issuer)
        }
        Ok(req) => req.error("access_denied", "the user declined").location(&issuer).unwrap_or_default(),
    };
    leptos_axum::redirect(&location);
    Ok(location)
}

#[server(prefix = "/rpc", endpoint = "authorized_apps")]
pub async fn authorized_apps() -> Result<Option<Vec<AuthorizedAppView>>, ServerFnError> {
    let Some(signed) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let apps = state.oauth.authorized_apps(&signed.user.id).await.map_err(ssr::fail)?;
    Ok(Some(
        apps.into_iter()
            .map(|a| AuthorizedAppView {
                scopes: describe(a.scopes.iter().filter_map(|s| domain::scopes::Scope::parse(s).ok())),
                client_id: a.client_id,
                client_name: a.client_name,
                granted: domain::clock::format_utc(a.granted_at),
                last_used: a.last_used_at.map(domain::clock::format_utc),
            })
            .collect(),
    ))
}

/// Withdraws the app's access: the consent is forgotten and its refresh tokens stop working.
#[server(prefix = "/rpc", endpoint = "withdraw_app")]
pub async fn withdraw_app(client_id: String) -> Result<(), ServerFnError> {
    let signed = ssr::signed_in().await?;
    let state = ssr::state()?;
    state.oauth.withdraw(&signed.user.id, &client_id, &ssr::request_meta(), domain::clock::now_ms()).await.map_err(ssr::fail)
}
