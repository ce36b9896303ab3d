//! Bearer authentication for `/api/v1`: the `Authorization: Bearer` token becomes a `Principal` in the
//! request's extensions, and the scope the route declared (`RouteScopes`) is checked before the
//! handler runs; a route that declared none is refused (deny by default). A token in the query
//! string is refused (400): URLs end up in logs and histories. Every call made with a valid token is
//! recorded (method, matched route, status, IP, user agent, scopes used) into the token service's
//! in-memory buffer once the response is ready: no database write on the request path.

use std::net::SocketAddr;

use std::sync::Arc;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::clock::now_ms;
use domain::scopes::Scope;
use domain::oauth::OAuth;
use domain::tokens::{ActivityRecord, Refusal, Tokens, VerifyError};

use crate::api::problem::Problem;

const QUERY_TOKEN_NAMES: [&str; 3] = ["access_token", "token", "private_token"];

/// The scope each API route needs, by method and route pattern; built with the router
/// (`api::ScopedRoutes`), so a route cannot be added without one.
#[derive(Debug, Clone, Default)]
pub struct RouteScopes(Vec<(Method, &'static str, Scope)>);

impl RouteScopes {
    pub fn new(entries: Vec<(Method, &'static str, Scope)>) -> Self {
        RouteScopes(entries)
    }

    fn required(&self, method: &Method, route: &str) -> Option<Scope> {
        self.0.iter().find(|(m, r, _)| m == method && *r == route).map(|(_, _, s)| *s)
    }
}

/// The middleware's state, behind one reference count: axum clones it for every request.
#[derive(Clone)]
pub struct Bearer(Arc<(Tokens, OAuth, RouteScopes)>);

impl Bearer {
    pub fn new(tokens: Tokens, oauth: OAuth, scopes: RouteScopes) -> Self {
        Bearer(Arc::new((tokens, oauth, scopes)))
    }
}

/// A JWT has three dot-separated parts; a personal access token has none.
fn is_jwt(raw: &str) -> bool {
    raw.bytes().filter(|b| *b == b'.').count() == 2
}

pub async fn authenticate(State(Bearer(state)): State<Bearer>, mut req: Request, next: Next) -> Response {
    let (tokens, oauth, scopes) = &*state;
    if let Some(q) = req.uri().query() {
        if url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| QUERY_TOKEN_NAMES.contains(&k.as_ref())) {
            return Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "send tokens in the Authorization header, never in the URL")
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
    let raw = raw.trim();
    let verified = if is_jwt(raw) { oauth.verify_access_token(raw, now).await } else { tokens.verify(raw, ip, now).await };
    match verified {
        Ok(principal) => {
            let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str()).unwrap_or_default();
            let required = scopes.required(req.method(), route);
            // Calls with personal access tokens are recorded for their owner to see.
            let record = principal.personal_token_id().map(|id| ActivityRecord {
                token_id: id.to_owned(),
                at: now,
                method: req.method().as_str().to_owned(),
                route: route.to_owned(),
                status: 0,
                ip: Some(ip.to_string()),
                user_agent: user_agent(req.headers()),
                scopes: None,
                calls: 1,
            });
            let scope = match required {
                Some(scope) if principal.scopes.grants(scope) => scope,
                other => {
                    let refusal = match other {
                        Some(scope) => Problem::insufficient_scope(scope.as_str()),
                        None => {
                            tracing::error!(route, "API route without a declared scope; refused");
                            Problem::new(StatusCode::FORBIDDEN, "Forbidden", "this route is not open to tokens")
                        }
                    };
                    // Refused calls are recorded too: the owner sees what was attempted with the token.
                    let res = refusal.into_response();
                    if let Some(record) = record {
                        tokens.record_activity(ActivityRecord { status: res.status().as_u16(), ..record });
                    }
                    return res;
                }
            };
            req.extensions_mut().insert(principal);
            let res = next.run(req).await;
            if let Some(record) = record {
                let scopes = res.status().is_success().then(|| match res.extensions().get::<UsedScopes>() {
                    Some(more) => more.with(scope),
                    None => scope.as_str().to_owned(),
                });
                tokens.record_activity(ActivityRecord { status: res.status().as_u16(), scopes, ..record });
            }
            res
        }
        Err(VerifyError::Refused(Refusal::Malformed)) => Problem::malformed_token().into_response(),
        Err(VerifyError::Refused(Refusal::Invalid)) => {
            Problem::invalid_token("the token is unknown, expired or revoked").into_response()
        }
        Err(VerifyError::Refused(Refusal::AddressNotAllowed)) => {
            Problem::new(StatusCode::FORBIDDEN, "Forbidden", "this token is not allowed from your address").into_response()
        }
        Err(VerifyError::Store(e)) => Problem::from_domain(e).into_response(),
    }
}

/// The caller's user agent, cut to 256 characters, for activity and audit records.
pub fn user_agent(headers: &axum::http::HeaderMap) -> Option<String> {
    headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(|s| s.chars().take(256).collect())
}

/// Scopes a handler used beyond its route's (e.g. the email that `user:email` reveals), carried on
/// the response to the activity record.
#[derive(Debug, Clone, Default)]
pub struct UsedScopes(pub Vec<Scope>);

impl UsedScopes {
    /// The route's scope and these, space-separated.
    fn with(&self, route_scope: Scope) -> String {
        std::iter::once(route_scope).chain(self.0.iter().copied()).map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_needs_its_declared_scope_for_its_method_and_nothing_else_is_open() {
        let scopes = RouteScopes::new(vec![
            (Method::GET, "/api/v1/tokens/{id}", Scope::TOKENS_READ),
            (Method::DELETE, "/api/v1/tokens/{id}", Scope::TOKENS),
        ]);
        assert_eq!(scopes.required(&Method::GET, "/api/v1/tokens/{id}"), Some(Scope::TOKENS_READ));
        assert_eq!(scopes.required(&Method::DELETE, "/api/v1/tokens/{id}"), Some(Scope::TOKENS));
        assert_eq!(scopes.required(&Method::POST, "/api/v1/tokens/{id}"), None);
        assert_eq!(scopes.required(&Method::GET, "/api/v1/tokens"), None);
    }

    #[test]
    fn used_scopes_start_with_the_routes() {
        assert_eq!(UsedScopes(vec![Scope::USER_EMAIL]).with(Scope::USER_READ), "user:read user:email");
    }
}
