//! `GET/POST /api/v1/clients` and `GET/PATCH/DELETE /api/v1/clients/{id}` (scopes `clients:read` to
//! read, `clients` to change): the caller's own OAuth clients; another user's id is 404. A secret is
//! returned once, in the answer to the POST that created it; PATCH changes name, grant types, scopes,
//! redirect URIs and status, never the owner or the type.

use app::ssr::AppState;
use axum::Extension;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::oauth::{Client, ClientInput, ClientKind, ClientPatch, ClientSecret, ClientStatus, Owner, SettingsPatch};
use domain::tokens::Principal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::paging::{self, PageQuery};
use super::problem::Problem;
use super::request_meta::ApiMeta;
use super::rfc3339;

/// Scopes as a JSON array or one space-separated string.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Scopes {
    List(Vec<String>),
    Text(String),
}

impl Scopes {
    fn text(self) -> String {
        match self {
            Scopes::List(l) => l.join(" "),
            Scopes::Text(t) => t,
        }
    }
}

/// A redirect URI alone, or with the narrower scopes requests through it may ask for.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum RedirectInput {
    Uri(String),
    WithScopes { uri: String, scopes: Option<Scopes> },
}

impl RedirectInput {
    fn pair(self) -> (String, Option<String>) {
        match self {
            RedirectInput::Uri(u) => (u, None),
            RedirectInput::WithScopes { uri, scopes } => (uri, scopes.map(Scopes::text)),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    name: String,
    /// `confidential` (has a secret) or `public` (a browser or native app).
    #[serde(rename = "type")]
    #[schema(value_type = ClientType)]
    kind: String,
    #[schema(value_type = Vec<GrantName>)]
    grant_types: Vec<String>,
    scopes: Scopes,
    redirect_uris: Vec<RedirectInput>,
}

/// Unknown fields (such as `type` or `owner_id`) are refused rather than ignored.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientChange {
    name: Option<String>,
    grant_types: Option<Vec<String>>,
    scopes: Option<Scopes>,
    redirect_uris: Option<Vec<RedirectInput>>,
    #[schema(value_type = Option<ClientState>)]
    status: Option<String>,
}

// The names the API takes, for the schema (the handlers parse the strings).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ClientType {
    Confidential,
    Public,
}

#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
pub enum GrantName {
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:token-exchange")]
    TokenExchange,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ClientState {
    Active,
    Disabled,
}

/// An OAuth client as its owner sees it (never a secret, except once at creation).
#[derive(Serialize, ToSchema)]
pub struct ClientView {
    id: String,
    /// The same as `id`: what OAuth calls it.
    client_id: String,
    name: String,
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    kind: &'static str,
    #[schema(value_type = String)]
    status: &'static str,
    #[schema(value_type = Vec<String>)]
    grant_types: Vec<&'static str>,
    #[schema(value_type = Vec<String>)]
    scopes: Vec<&'static str>,
    redirect_uris: Vec<RedirectView>,
    secrets: Vec<SecretView>,
    created_at: String,
    updated_at: String,
    /// Only in the answer that creates a confidential client: shown once, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RedirectView {
    uri: String,
    /// Narrower scopes for requests through this URI; null for the client's own.
    #[schema(value_type = Option<Vec<String>>)]
    scopes: Option<Vec<&'static str>>,
}

/// A client secret's metadata (the secret itself is stored only as a hash).
#[derive(Serialize, ToSchema)]
pub struct SecretView {
    id: String,
    hint: String,
    created_at: String,
    expires_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClientPage {
    clients: Vec<ClientView>,
    next: Option<String>,
}

pub fn view(c: &Client) -> ClientView {
    ClientView {
        id: c.id.clone(),
        client_id: c.id.clone(),
        name: c.settings.name.clone(),
        kind: c.kind.as_str(),
        status: c.status.as_str(),
        grant_types: c.settings.grant_types.iter().map(|g| g.as_str()).collect(),
        scopes: c.settings.scopes.iter().map(|s| s.as_str()).collect(),
        redirect_uris: c
            .settings
            .redirects
            .iter()
            .map(|r| RedirectView { uri: r.uri.as_str().to_owned(), scopes: r.scopes.as_ref().map(|s| s.iter().map(|s| s.as_str()).collect()) })
            .collect(),
        secrets: c
            .secrets
            .iter()
            .map(|s| SecretView { id: s.id.clone(), hint: s.hint.clone(), created_at: rfc3339(s.created_at), expires_at: s.expires_at.map(rfc3339) })
            .collect(),
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
        client_secret: None,
    }
}

fn owner(p: &Principal) -> Owner<'_> {
    Owner { id: &p.user_id, role: p.owner.role }
}

fn bad_body(e: JsonRejection) -> Response {
    // The rejection text names the field and the problem, never echoes values.
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", e.body_text()).into_response()
}

/// The caller's clients in pages; `next` is the cursor of the following page.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", operation_id = "list_clients", params(PageQuery),
    summary = "Your OAuth clients",
    security(("bearer" = ["clients:read"])),
    responses((status = 200, body = ClientPage), super::openapi::Refusals, super::openapi::BadQuery))]
pub async fn list(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else { return super::tokens::bad_page() };
    let all = match state.oauth.clients_of(&p.user_id).await {
        Ok(cs) => cs,
        Err(e) => return Problem::from_domain(e).into_response(),
    };
    match paging::page_of(all, |c| c.id.as_str(), &q, 50) {
        Ok((page, next)) => Json(ClientPage { clients: page.iter().map(view).collect(), next }).into_response(),
        Err(refusal) => refusal,
    }
}

#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "clients", operation_id = "get_client",
    summary = "One of your clients", params(("id" = String, Path, description = "The client's id")),
    security(("bearer" = ["clients:read"])),
    responses((status = 200, body = ClientView), super::openapi::Refusals, super::openapi::NotFound))]
pub async fn get(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<String>) -> Response {
    match state.oauth.client_of(&p.user_id, &id).await {
        Ok(c) => Json(view(&c)).into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

/// 201 with the client and, for a confidential client, `client_secret`: the only time it is shown.
#[utoipa::path(post, path = "/api/v1/clients", tag = "clients", operation_id = "create_client",
    summary = "Register a client", request_body = NewClient,
    security(("bearer" = ["clients"])),
    responses((status = 201, body = ClientView, description = "Registered; `client_secret` is shown this once"),
        super::openapi::Refusals, super::openapi::Unprocessable))]
pub async fn create(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    ApiMeta(meta): ApiMeta,
    body: Result<Json<NewClient>, JsonRejection>,
) -> Response {
    let Json(new) = match body {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let kind = match ClientKind::parse(&new.kind) {
        Ok(k) => k,
        Err(e) => return Problem::from_domain(e).into_response(),
    };
    let input = ClientInput {
        name: new.name,
        grant_types: new.grant_types,
        scopes: new.scopes.text(),
        redirects: new.redirect_uris.into_iter().map(RedirectInput::pair).collect(),
    };
    match state.oauth.register(owner(&p), kind, input, &meta).await {
        Ok((client, secret)) => {
            let body = ClientView { client_secret: secret.as_ref().map(|s| ClientSecret::expose(s).to_owned()), ..view(&client) };
            (StatusCode::CREATED, [(axum::http::header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

#[utoipa::path(patch, path = "/api/v1/clients/{id}", tag = "clients", operation_id = "update_client",
    summary = "Change a client; only the fields sent change", request_body = ClientChange,
    params(("id" = String, Path, description = "The client's id")),
    security(("bearer" = ["clients"])),
    responses((status = 200, body = ClientView), super::openapi::Refusals, super::openapi::NotFound, super::openapi::Unprocessable))]
pub async fn update(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    ApiMeta(meta): ApiMeta,
    body: Result<Json<ClientChange>, JsonRejection>,
) -> Response {
    let Json(change) = match body {
        Ok(b) => b,
        Err(e) => return bad_body(e),
    };
    let status = match change.status.as_deref() {
        None => None,
        Some("active") => Some(ClientStatus::Active),
        Some("disabled") => Some(ClientStatus::Disabled),
        Some(_) => return Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", "status is \"active\" or \"disabled\"").into_response(),
    };
    let patch = ClientPatch {
        settings: SettingsPatch {
            name: change.name,
            grant_types: change.grant_types,
            scopes: change.scopes.map(Scopes::text),
            redirects: change.redirect_uris.map(|list| list.into_iter().map(RedirectInput::pair).collect()),
        },
        status,
    };
    match state.oauth.change(owner(&p), &id, patch, &meta).await {
        Ok(c) => Json(view(&c)).into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

#[utoipa::path(delete, path = "/api/v1/clients/{id}", tag = "clients", operation_id = "delete_client",
    summary = "Delete a client and end its tokens", params(("id" = String, Path, description = "The client's id")),
    security(("bearer" = ["clients"])),
    responses((status = 204, description = "Deleted"), super::openapi::Refusals, super::openapi::NotFound))]
pub async fn delete(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<String>, ApiMeta(meta): ApiMeta) -> Response {
    match state.oauth.delete(&p.user_id, &id, &meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
