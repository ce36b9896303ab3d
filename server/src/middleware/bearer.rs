//! Bearer authentication for `/api/v1`: the `Authorization: Bearer` token becomes a `Principal` in the
//! request's extensions; scopes are then checked per route with `require_scope`. A token in the query
//! string is refused (400): URLs end up in logs and histories.

use std::net::SocketAddr;

use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::clock::now_ms;
use domain::scopes::Scope;
use domain::tokens::{Principal, Refusal, VerifyError};

use crate::api::problem::Problem;

const QUERY_TOKEN_NAMES: [&str; 3] = ["access_token", "token", "private_token"];

pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(q) = req.uri().query() {
        if url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| QUERY_TOKEN_NAMES.contains(&k.as_ref())) {
            return Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "send tokens in the Authorization header, never in the URL".to_owned())
                .into_response();
        }
    }
    let Some(value) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Problem::missing_token().into_response();
    };
    let Some(raw) = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")) else {
        return Problem::invalid_token("use the Bearer scheme").into_response();
    };
    let ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match state.tokens.verify(raw.trim(), ip, now_ms()).await {
        Ok(principal) => {
            req.extensions_mut().insert(principal);
            next.run(req).await
        }
        Err(VerifyError::Refused(Refusal::Malformed)) => Problem::invalid_token("the token is malformed").into_response(),
        Err(VerifyError::Refused(Refusal::Invalid)) => {
            Problem::invalid_token("the token is unknown, expired or revoked").into_response()
        }
        Err(VerifyError::Refused(Refusal::AddressNotAllowed)) => {
            Problem::new(StatusCode::FORBIDDEN, "Forbidden", "this token is not allowed from your address".to_owned()).into_response()
        }
        Err(VerifyError::Store(e)) => Problem::from_domain(e).into_response(),
    }
}

/// The route's required scope, declared where the route is.
pub async fn require_scope(State(scope): State<Scope>, req: Request, next: Next) -> Response {
    match req.extensions().get::<Principal>() {
        Some(p) if p.scopes.grants(scope) => next.run(req).await,
        Some(_) => Problem::insufficient_scope(scope.as_str()).into_response(),
        None => Problem::missing_token().into_response(),
    }
}
