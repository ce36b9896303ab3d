//! The authorization server's HTTP endpoints: discovery metadata (RFC 8414), the JWKS, the token
//! endpoint (RFC 6749 §3.2), introspection (RFC 7662) and revocation (RFC 7009). Errors take RFC
//! 6749's JSON shape; every answer carries `Cache-Control: no-store`.

pub mod authorize;
mod client_auth;
mod error;
mod form;
mod introspect;
mod metadata;
mod revoke;
mod token;

use app::ssr::AppState;
use axum::Router;
use axum::http::{Method, header};
use axum::routing::{get, post};
use domain::rate_limit::Group;
use tower_http::cors::{Any, CorsLayer};

use crate::middleware::rate_limit::{GroupLimitLayer, LIMIT, REMAINING, RESET};
use crate::middleware::request_limits;
use axum::routing::MethodRouter;

/// Single-page apps (public clients) call discovery, the JWKS, the token endpoint and revocation
/// from their own origin; no cookie is involved, so any origin may. Introspection is for resource
/// servers, not browsers, and the authorization endpoint is a page: no CORS for either.
/// Each endpoint sits in its rate-limit group.
pub fn router(state: AppState, request_limits: &request_limits::Layers) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([LIMIT, REMAINING, RESET, header::RETRY_AFTER]);
    // The request limits sit inside the rate-limit layer, so their 413 and 408 report the quota too.
    let guarded = |route: MethodRouter<AppState>, group| {
        route
            .route_layer(request_limits.clone())
            .route_layer(GroupLimitLayer::new(state.limits.clone(), group))
    };
    let for_browsers = Router::new()
        .route("/.well-known/oauth-authorization-server", guarded(get(metadata::metadata), Group::OAuth))
        .route("/.well-known/jwks.json", guarded(get(metadata::jwks), Group::OAuth))
        .route("/oauth/token", guarded(post(token::token), Group::OAuthToken))
        .route("/oauth/revoke", guarded(post(revoke::revoke), Group::OAuthToken))
        .layer(cors);
    Router::new()
        .merge(for_browsers)
        .route("/oauth/introspect", guarded(post(introspect::introspect), Group::Introspection))
        .with_state(state)
}
