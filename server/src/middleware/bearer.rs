//! Bearer authentication for `/api/v1`: the `Authorization: Bearer` token becomes a `Principal` in the
//! request's extensions; scopes are then checked per route with `require_scope`. A token in the query
//! string is refused (400): URLs end up in logs and histories. Every call made with a valid token is
//! recorded (method, matched route, status, IP, user agent, scopes used) into the token service's
//! in-memory buffer once the response is ready: no database write on the request path.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::clock::now_ms;
use domain::scopes::Scope;
use domain::tokens::{ActivityRecord, Principal, Refusal, Tokens, VerifyError};

use crate::api::problem::Problem;

const QUERY_TOKEN_NAMES: [&str; 3] = ["access_token", "token", "private_token"];

/// Takes only the token service as state: cloning it per request is a few reference counts.
pub async fn authenticate(State(tokens): State<Tokens>, mut req: Request, next: Next) -> Response {
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
    let now = now_ms();
    match tokens.verify(raw.trim(), ip, now).await {
        Ok(principal) => {
            let record = ActivityRecord {
                token_id: principal.token_id.clone(),
                at: now,
                method: req.method().as_str().to_owned(),
                route: req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_owned()).unwrap_or_default(),
                status: 0,
                ip: Some(ip.to_string()),
                user_agent: user_agent(req.headers()),
                scopes: None,
                calls: 1,
            };
            req.extensions_mut().insert(principal);
            let res = next.run(req).await;
            let scopes = res.extensions().get::<UsedScopes>().filter(|u| !u.0.is_empty()).map(UsedScopes::to_text);
            tokens.record_activity(ActivityRecord { status: res.status().as_u16(), scopes, ..record });
            res
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

/// The caller's user agent, cut to 256 characters, for activity and audit records.
pub fn user_agent(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect())
}

/// The scopes a successful call used: the route's requirement plus any the handler added (e.g. the
/// email that `user:email` reveals). Carried on the response to the activity record.
#[derive(Debug, Clone, Default)]
pub struct UsedScopes(pub Vec<Scope>);

impl UsedScopes {
    fn to_text(&self) -> String {
        self.0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }
}

/// The route's required scope, declared where the route is.
pub async fn require_scope(State(scope): State<Scope>, req: Request, next: Next) -> Response {
    match req.extensions().get::<Principal>() {
        Some(p) if p.scopes.grants(scope) => {
            let mut res = next.run(req).await;
            if res.status().is_success() {
                let mut used = res.extensions_mut().remove::<UsedScopes>().unwrap_or_default();
                used.0.insert(0, scope);
                res.extensions_mut().insert(used);
            }
            res
        }
        Some(_) => Problem::insufficient_scope(scope.as_str()).into_response(),
        None => Problem::missing_token().into_response(),
    }
}
