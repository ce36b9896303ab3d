//! `GET /api/v1/tokens`, `GET /api/v1/tokens/{id}`, `GET /api/v1/tokens/{id}/activity` (scope `tokens:read`) and
//! `DELETE /api/v1/tokens/{id}` (scope `tokens`): the caller's own tokens only; another user's id is 404.
//! Tokens are never created through the API.

use app::ssr::AppState;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::tokens::{Principal, TokenInfo, TokenStatus};
use serde::Serialize;
use utoipa::ToSchema;

use super::paging::{self, PageQuery};
use super::problem::Problem;
use super::request_meta::ApiMeta;
use super::rfc3339;

/// A personal access token as its owner sees it (never the secret).
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    id: String,
    name: String,
    note: Option<String>,
    scopes: Vec<String>,
    /// The last characters of the token, to recognise it.
    hint: String,
    /// Addresses or networks (CIDR) the token may be used from; empty for anywhere.
    allowlist: Vec<String>,
    #[schema(value_type = String, pattern = "^(active|revoked|expired|expired_inactive)$")]
    status: &'static str,
    /// Why it was revoked.
    status_reason: Option<String>,
    ended_at: Option<String>,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
}

fn view(t: TokenInfo) -> TokenView {
    let (status, ended_at, reason) = match t.status {
        TokenStatus::Active => ("active", None, None),
        TokenStatus::Revoked { at, reason } => ("revoked", Some(at), Some(reason)),
        TokenStatus::Expired { at } => ("expired", Some(at), None),
        TokenStatus::ExpiredInactive { at } => ("expired_inactive", Some(at), None),
    };
    TokenView {
        id: t.id,
        name: t.name,
        note: t.note,
        scopes: t.scopes,
        hint: t.hint,
        allowlist: t.allowlist,
        status,
        status_reason: reason,
        ended_at: ended_at.map(rfc3339),
        created_at: rfc3339(t.created_at),
        expires_at: t.expires_at.map(rfc3339),
        last_used_at: t.last_used_at.map(rfc3339),
    }
}

#[derive(Serialize, ToSchema)]
pub struct TokenPage {
    tokens: Vec<TokenView>,
    /// The cursor of the next page; null on the last.
    next: Option<String>,
}

/// One recorded call (identical calls within a minute are counted together).
#[derive(Serialize, ToSchema)]
pub struct CallView {
    at: String,
    method: String,
    route: String,
    status: u16,
    ip: Option<String>,
    user_agent: Option<String>,
    calls: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPage {
    activity: Vec<CallView>,
    next: Option<String>,
}

/// The caller's tokens, newest first, in pages; `next` is the cursor of the following page.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", operation_id = "list_tokens", params(PageQuery),
    summary = "Your personal access tokens",
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = TokenPage), super::openapi::Refusals, super::openapi::BadQuery))]
pub async fn list(State(state): State<AppState>, Extension(p): Extension<Principal>, query: Result<Query<PageQuery>, QueryRejection>) -> Response {
    let Ok(Query(q)) = query else { return bad_page() };
    let all = match state.tokens.list(&p.user_id).await {
        Ok(ts) => ts,
        Err(e) => return Problem::from_domain(e).into_response(),
    };
    match paging::page_of(all, |t| t.id.as_str(), &q, 50) {
        Ok((page, next)) => Json(TokenPage { tokens: page.into_iter().map(view).collect(), next }).into_response(),
        Err(refusal) => refusal,
    }
}

pub(super) fn bad_page() -> Response {
    Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "unknown parameter, or limit is not a number").into_response()
}

#[utoipa::path(get, path = "/api/v1/tokens/{id}", tag = "tokens", operation_id = "get_token",
    summary = "One of your tokens", params(("id" = String, Path, description = "The token's id")),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = TokenView), super::openapi::Refusals, super::openapi::NotFound))]
pub async fn get(State(state): State<AppState>, Extension(p): Extension<Principal>, Path(id): Path<String>) -> Response {
    match state.tokens.get(&p.user_id, &id).await {
        Ok(t) => Json(view(t)).into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", operation_id = "revoke_token",
    summary = "Revoke one of your tokens", params(("id" = String, Path, description = "The token's id")),
    security(("bearer" = ["tokens"])),
    responses((status = 204, description = "Revoked (or already ended)"), super::openapi::Refusals, super::openapi::NotFound))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    ApiMeta(meta): ApiMeta,
) -> Response {
    match state.tokens.revoke(&p.user_id, &id, &meta).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}

/// One page of the token's calls, newest first; `next` is the cursor of the following page.
#[utoipa::path(get, path = "/api/v1/tokens/{id}/activity", tag = "tokens", operation_id = "token_activity",
    summary = "What one of your tokens did", params(("id" = String, Path, description = "The token's id"), PageQuery),
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, body = ActivityPage), super::openapi::Refusals, super::openapi::NotFound, super::openapi::BadQuery))]
pub async fn activity(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(id): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else { return bad_page() };
    let limit = match paging::limit(q.limit, 50) {
        Ok(n) => n,
        Err(refusal) => return refusal,
    };
    match state.tokens.activity(&p.user_id, &id, q.cursor.as_deref(), limit).await {
        Ok(page) => Json(ActivityPage {
            activity: page
                .records
                .into_iter()
                .map(|r| CallView { at: rfc3339(r.at), method: r.method, route: r.route, status: r.status, ip: r.ip, user_agent: r.user_agent, calls: r.calls })
                .collect(),
            next: page.next,
        })
        .into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
