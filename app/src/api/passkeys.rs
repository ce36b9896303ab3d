//! Passkeys: sign in, sign up, add, rename, remove, and step up. The ceremony's two halves are two
//! server functions; its state stays in the session between them.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use webauthn_rs_proto::{CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse};

#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub backed_up: bool,
}

#[server(prefix = "/rpc", endpoint = "begin_passkey_sign_in", input = Json)]
pub async fn begin_passkey_sign_in(autofill: bool) -> Result<RequestChallengeResponse, ServerFnError> {
    ssr::rate_limit(domain::rate_limit::Group::SignIn, []).await?;
    let state = ssr::state()?;
    let (options, ceremony) = state.accounts.begin_passkey_sign_in(autofill).map_err(ssr::fail)?;
    ssr::store_ceremony(&ceremony).await?;
    Ok(options)
}

#[server(prefix = "/rpc", endpoint = "finish_passkey_sign_in", input = Json)]
/// Returns where to go next: the account page, or the authorization request that asked for sign-in.
pub async fn finish_passkey_sign_in(credential: PublicKeyCredential) -> Result<String, ServerFnError> {
    ssr::rate_limit(domain::rate_limit::Group::SignIn, []).await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let ceremony = ssr::take_ceremony().await?;
    let user = state.accounts.finish_passkey_sign_in(ceremony, &credential, &meta).await.map_err(ssr::fail)?;
    // A passkey verifies the user: it satisfies "require MFA" on its own.
    ssr::establish_session(&user.id, false, &meta).await?;
    Ok(ssr::after_sign_in().await)
}

#[server(prefix = "/rpc", endpoint = "begin_passkey_sign_up", input = Json)]
pub async fn begin_passkey_sign_up(
    invitation: Option<String>,
    email: String,
    display_name: String,
) -> Result<CreationChallengeResponse, ServerFnError> {
    let state = ssr::state()?;
    let (options, ceremony) = state
        .accounts
        .begin_passkey_sign_up(invitation.as_deref(), &email, &display_name)
        .await
        .map_err(ssr::fail)?;
    ssr::store_ceremony(&ceremony).await?;
    Ok(options)
}

#[server(prefix = "/rpc", endpoint = "finish_passkey_sign_up", input = Json)]
pub async fn finish_passkey_sign_up(credential: RegisterPublicKeyCredential) -> Result<(), ServerFnError> {
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let ceremony = ssr::take_ceremony().await?;
    let name = ssr::describe_user_agent(meta.user_agent.as_deref());
    let user = state.accounts.finish_passkey_sign_up(ceremony, &name, &credential, &meta).await.map_err(ssr::fail)?;
    ssr::establish_session(&user.id, false, &meta).await?;
    leptos_axum::redirect("/account");
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "begin_passkey_registration", input = Json)]
pub async fn begin_passkey_registration() -> Result<CreationChallengeResponse, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let (options, ceremony) = state.accounts.begin_passkey_registration(&me.user).await.map_err(ssr::fail)?;
    ssr::store_ceremony(&ceremony).await?;
    Ok(options)
}

#[server(prefix = "/rpc", endpoint = "finish_passkey_registration", input = Json)]
pub async fn finish_passkey_registration(name: String, credential: RegisterPublicKeyCredential) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    let ceremony = ssr::take_ceremony().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state
        .accounts
        .finish_passkey_registration(ceremony, &me.user.id, &name, &credential, &meta)
        .await
        .map_err(ssr::fail)?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "rename_passkey")]
pub async fn rename_passkey(id: String, name: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.accounts.rename_passkey(&me.user.id, &id, &name, &meta).await.map_err(ssr::fail)
}

#[server(prefix = "/rpc", endpoint = "remove_passkey")]
pub async fn remove_passkey(id: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.accounts.remove_passkey(&me.user.id, &id, &meta).await.map_err(ssr::fail)
}

#[server(prefix = "/rpc", endpoint = "begin_step_up", input = Json)]
pub async fn begin_step_up() -> Result<RequestChallengeResponse, ServerFnError> {
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    let (options, ceremony) = state.accounts.begin_passkey_step_up(&me.user.id).await.map_err(ssr::fail)?;
    ssr::store_ceremony(&ceremony).await?;
    Ok(options)
}

#[server(prefix = "/rpc", endpoint = "finish_step_up", input = Json)]
pub async fn finish_step_up(credential: PublicKeyCredential) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    let ceremony = ssr::take_ceremony().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.accounts.finish_passkey_step_up(ceremony, &me.user.id, &credential, &meta).await.map_err(ssr::fail)?;
    me.stepped_up().await
}

/// Step-up with the password, plus the authenticator code when the account has TOTP.
#[server(prefix = "/rpc", endpoint = "step_up_password")]
pub async fn step_up_password(password: String, code: Option<String>) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    ssr::rate_limit(domain::rate_limit::Group::SignIn, [domain::rate_limit::Subject::User(me.user.id.clone())]).await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state
        .accounts
        .step_up_with_password(&me.user.id, &password, code.as_deref(), &meta)
        .await
        .map_err(ssr::fail)?;
    me.stepped_up().await
}
