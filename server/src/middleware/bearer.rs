//! Bearer authentication for `/api/v1`: the `Authorization: Bearer` token becomes a `Principal` in the
//! request's extensions, and the scope the route declared (`RouteScopes`) is checked before the
//! handler runs; a route that declared none is refused (deny by default). A token in the query
//! string is refused (400): URLs end up in logs and histories. Every call made with a valid token is
//! recorded (method, matched route, status, IP, user agent, scopes used) into the token service's
//! in-memory buffer once the response is ready: no database write on the request path.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::tokens::format;
use tower::{Layer, Service, ServiceExt};
use domain::clock::now_ms;
use domain::scopes::Scope;
use domain::oauth::{OAuth, looks_like_jwt};
use domain::tokens::{ActivityRecord, Refusal, Tokens, VerifyError};

use domain::rate_limit::{Group, RateLimits, Subject};
use domain::tokens::{Credential, Principal};

use crate::api::problem::Problem;
use crate::middleware::rate_limit;

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

/// The layer's state, behind one reference count: it is cloned for every request that gets past
/// the precheck.
#[derive(Clone)]
pub struct Bearer(Arc<BearerState>);

pub struct BearerState {
    tokens: Tokens,
    oauth: OAuth,
    scopes: RouteScopes,
    limits: RateLimits,
}

impl Bearer {
    pub fn new(tokens: Tokens, oauth: OAuth, scopes: RouteScopes, limits: RateLimits) -> Self {
        Bearer(Arc::new(BearerState { tokens, oauth, scopes, limits }))
    }
}

/// Puts the bearer check in front of every route of a router.
#[derive(Clone)]
pub struct BearerLayer(pub Bearer);

impl<S> Layer<S> for BearerLayer {
    type Service = BearerService<S>;
    fn layer(&self, inner: S) -> BearerService<S> {
        BearerService { inner, state: self.0.clone() }
    }
}

#[derive(Clone)]
pub struct BearerService<S> {
    inner: S,
    state: Bearer,
}

impl<S> Service<Request> for BearerService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BearerFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> BearerFuture {
        if let Err(refusal) = precheck(&req, &self.state.0.tokens) {
            return BearerFuture::Answered(Some(refusal));
        }
        // The inner service that was polled ready goes with this request; a clone stays.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        BearerFuture::Checking(Box::pin(authenticate(self.state.0.clone(), req, inner)))
    }
}

/// An answer known at once, or the checks and the handler still running.
pub enum BearerFuture {
    Answered(Option<Response>),
    Checking(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl Future for BearerFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            BearerFuture::Answered(res) => res.take().map_or(Poll::Pending, |r| Poll::Ready(Ok(r))),
            BearerFuture::Checking(f) => f.as_mut().poll(cx).map(Ok),
        }
    }
}

/// The checks that need neither the database nor the handler: a token in the query string, no
/// token, another scheme, and a personal token that fails the format check. They answer at once,
/// before the inner service is cloned or any future boxed, so junk costs no more than a bare route.
fn precheck(req: &Request, tokens: &Tokens) -> Result<(), Response> {
    if let Some(q) = req.uri().query() {
        if url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| QUERY_TOKEN_NAMES.contains(&k.as_ref())) {
            return Err(Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "send tokens in the Authorization header, never in the URL")
                .into_response());
        }
    }
    let raw = bearer_token(req).map_err(IntoResponse::into_response)?;
    if !looks_like_jwt(raw) && format::check(raw, tokens.prefix()).is_err() {
        return Err(Problem::malformed_token().into_response());
    }
    Ok(())
}

/// The token of the `Authorization: Bearer` header, trimmed.
fn bearer_token(req: &Request) -> Result<&str, Problem> {
    let value = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or_else(Problem::missing_token)?;
    let raw = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")).ok_or_else(|| Problem::invalid_token("use the Bearer scheme"))?;
    Ok(raw.trim())
}

async fn authenticate<S>(state: Arc<BearerState>, mut req: Request, inner: S) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    let BearerState { tokens, oauth, scopes, limits } = &*state;
    let raw = match bearer_token(&req) {
        Ok(raw) => raw,
        Err(p) => return p.into_response(),
    };
    let ip = rate_limit::client_ip(&req);
    let now = now_ms();
    let verified = if looks_like_jwt(raw) { oauth.verify_access_token(raw, now).await } else { tokens.verify(raw, ip, now).await };
    match verified {
        Ok(principal) => {
            let counted = match rate_limit::count(limits, Group::Api, &subjects(&principal)).await {
                Ok(d) => d,
                Err(refusal) => return refusal,
            };
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
                    return rate_limit::report(res, counted);
                }
            };
            req.extensions_mut().insert(principal);
            let res = match inner.oneshot(req).await {
                Ok(res) => res,
                Err(never) => match never {},
            };
            if let Some(record) = record {
                let scopes = res.status().is_success().then(|| match res.extensions().get::<UsedScopes>() {
                    Some(more) => more.with(scope),
                    None => scope.as_str().to_owned(),
                });
                tokens.record_activity(ActivityRecord { status: res.status().as_u16(), scopes, ..record });
            }
            rate_limit::report(res, counted)
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

/// What an API call is counted against: the token (a personal token, or an access token and the
/// client it was issued to) and the user it acts for.
fn subjects(principal: &Principal) -> Vec<Subject> {
    let mut subjects = vec![Subject::User(principal.user_id.clone())];
    match &principal.credential {
        Credential::PersonalToken { id } => subjects.push(Subject::Token(id.clone())),
        Credential::AccessToken { client_id, jti } => {
            subjects.push(Subject::Token(jti.clone()));
            subjects.push(Subject::Client(client_id.clone()));
        }
    }
    subjects
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
