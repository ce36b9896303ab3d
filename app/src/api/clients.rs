//! OAuth clients in the browser: list, register, view, disable, delete, rotate the secret. A secret
//! crosses the wire once, in the answer to `register_client` / `rotate_client_secret`; both need a
//! recent sign-in (the step-up guard).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::tokens::ScopeChoice;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RedirectView {
    pub uri: String,
    pub scopes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SecretView {
    pub hint: String,
    pub created: String,
    /// `None` for the current secret; the end of the grace period for a rotated one.
    pub expires: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClientView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub redirects: Vec<RedirectView>,
    pub secrets: Vec<SecretView>,
    pub created: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClientsPage {
    pub clients: Vec<ClientView>,
    pub scopes: Vec<ScopeChoice>,
    pub recent_auth: bool,
    pub has_passkey: bool,
    pub has_password: bool,
    pub has_totp: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct NewClientInput {
    pub name: String,
    /// "confidential" or "public".
    pub kind: String,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    /// One redirect URI per line, optionally followed by the narrower scopes requests through it
    /// may ask for (`https://app.example.com/cb user:read`).
    pub redirect_uris: String,
}

/// A client secret, shown once.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct ShownSecret {
    pub client: ClientView,
    pub secret: Option<String>,
}

impl std::fmt::Debug for ShownSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShownSecret").field("client", &self.client.id).field("secret", &"<redacted>").finish()
    }
}

#[cfg(feature = "ssr")]
fn view_of(c: domain::oauth::Client) -> ClientView {
    use domain::clock::format_utc;
    ClientView {
        active: c.status == domain::oauth::ClientStatus::Active,
        kind: c.kind.as_str().to_owned(),
        grant_types: c.settings.grant_types.iter().map(|g| g.as_str().to_owned()).collect(),
        scopes: c.settings.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        redirects: c.settings.redirects.iter().map(|r| RedirectView { uri: r.uri.as_str().to_owned(), scopes: r.scopes.as_ref().map(|s| s.to_text()) }).collect(),
        secrets: c.secrets.iter().map(|s| SecretView { hint: s.hint.clone(), created: format_utc(s.created_at), expires: s.expires_at.map(format_utc) }).collect(),
        created: format_utc(c.created_at),
        name: c.settings.name,
        id: c.id,
    }
}

/// `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "clients_overview")]
pub async fn clients_overview() -> Result<Option<ClientsPage>, ServerFnError> {
    let Some(me) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let clients = state.oauth.clients_of(&me.user.id).await.map_err(ssr::fail)?;
    let mfa = state.accounts.mfa_status(&me.user.id).await.map_err(ssr::fail)?;
    let passkeys = state.accounts.passkeys(&me.user.id).await.map_err(ssr::fail)?;
    Ok(Some(ClientsPage {
        clients: clients.into_iter().map(view_of).collect(),
        scopes: super::tokens::scope_choices(me.user.role),
        recent_auth: me.recently_authenticated().await?,
        has_passkey: !passkeys.is_empty(),
        has_password: me.user.has_password,
        has_totp: mfa.totp,
    }))
}

#[server(prefix = "/rpc", endpoint = "register_client", input = Json)]
pub async fn register_client(input: NewClientInput) -> Result<ShownSecret, ServerFnError> {
    use domain::oauth::{ClientInput, ClientKind, Owner};
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let kind = ClientKind::parse(&input.kind).map_err(ssr::fail)?;
    let redirects = input
        .redirect_uris
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let uri = words.next()?.to_owned();
            let scopes = words.collect::<Vec<_>>().join(" ");
            Some((uri, Some(scopes).filter(|s| !s.is_empty())))
        })
        .collect();
    let client_input = ClientInput { name: input.name, grant_types: input.grant_types, scopes: input.scopes.join(" "), redirects };
    let owner = Owner { id: &me.user.id, role: me.user.role };
    let (client, secret) = state.oauth.register(owner, kind, client_input, &ssr::request_meta()).await.map_err(ssr::fail)?;
    Ok(ShownSecret { client: view_of(client), secret: secret.map(|s| s.expose().to_owned()) })
}

#[server(prefix = "/rpc", endpoint = "rotate_client_secret")]
pub async fn rotate_client_secret(id: String, grace_days: u32) -> Result<ShownSecret, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let (client, secret) = state.oauth.rotate_secret(&me.user.id, &id, grace_days, &ssr::request_meta()).await.map_err(ssr::fail)?;
    Ok(ShownSecret { client: view_of(client), secret: Some(secret.expose().to_owned()) })
}

/// `active` = "true" enables, anything else disables.
#[server(prefix = "/rpc", endpoint = "set_client_status")]
pub async fn set_client_status(id: String, active: String) -> Result<(), ServerFnError> {
    use domain::oauth::{ClientPatch, ClientStatus, Owner};
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    let status = if active == "true" { ClientStatus::Active } else { ClientStatus::Disabled };
    let patch = ClientPatch { status: Some(status), ..Default::default() };
    state.oauth.change(Owner { id: &me.user.id, role: me.user.role }, &id, patch, &ssr::request_meta()).await.map_err(ssr::fail)?;
    Ok(())
}

#[server(prefix = "/rpc", endpoint = "delete_client")]
pub async fn delete_client(id: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    state.oauth.delete(&me.user.id, &id, &ssr::request_meta()).await.map_err(ssr::fail)
}
