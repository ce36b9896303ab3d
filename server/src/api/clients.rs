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
use serde::Deserialize;
use serde_json::{Value, json};

use super::paging::{self, PageQuery};
use super::problem::Problem;
use super::request_meta::ApiMeta;
use super::rfc3339;

/// Scopes as a JSON array or one space-separated string.
#[derive(Deserialize)]
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
#[derive(Deserialize)]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    grant_types: Vec<String>,
    scopes: Scopes,
    redirect_uris: Vec<RedirectInput>,
}

/// Unknown fields (such as `type` or `owner_id`) are refused rather than ignored.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientChange {
    name: Option<String>,
    grant_types: Option<Vec<String>>,
    scopes: Option<Scopes>,
    redirect_uris: Option<Vec<RedirectInput>>,
    status: Option<String>,
}

pub fn view(c: &Client) -> Value {
    json!({
        "id": c.id,
        "client_id": c.id,
        "name": c.settings.name,
        "type": c.kind.as_str(),
        "status": c.status.as_str(),
        "grant_types": c.settings.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "scopes": c.settings.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "redirect_uris": c.settings.redirects.iter().map(|r| json!({
            "uri": r.uri.as_str(),
            "scopes": r.scopes.as_ref().map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
        })).collect::<Vec<_>>(),
        "secrets": c.secrets.iter().map(|s| json!({
            "id": s.id, "hint": s.hint, "created_at": rfc3339(s.created_at), "expires_at": s.expires_at.map(rfc3339),
        })).collect::<Vec<_>>(),
        "created_at": rfc3339(c.created_at),
        "updated_at": rfc3339(c.updated_at),
    })
}

fn owner(p: &Principal) -> Owner<'_> {
    Owner { id: &p.user_id, role: p.owner.role }
}

fn bad_body(e: JsonRejection) -> Response {
    // The rejection text names the field and the problem, never echoes values.
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", e.body_text()).into_response()
}

/// The caller's clients in pages; `next` is the cursor of the following page.
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
        Ok((page, next)) => Json(json!({ "clients": page.iter().map(view).collect::<Vec<_>>(), "next": next })).into_response(),
        Err(refusal) => refusal,
    }
}

pub async fn get(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<String>) -> Response {
    match state.oauth.client_of(&p.user_id, &id).await {
        Ok(c) => Json(view(&c)).into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

/// 201 with the client and, for a confidential client, `client_secret`: the only time it is shown.
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
            let mut body = view(&client);
            if let Some(secret) = secret.as_ref().map(ClientSecret::expose) {
                body["client_secret"] = json!(secret);
            }
            (StatusCode::CREATED, [(axum::http::header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
        }
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

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

pub async fn delete(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<String>, ApiMeta(meta): ApiMeta) -> Response {
    match state.oauth.delete(&p.user_id, &id, &meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
