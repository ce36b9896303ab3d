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
use tower_http::cors::{Any, CorsLayer};

/// Single-page apps (public clients) call these from their own origin; no cookie is involved, so
/// any origin may (the authorization endpoint, a page, is not among them).
pub fn router(state: AppState) -> Router {
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata::metadata))
        .route("/.well-known/jwks.json", get(metadata::jwks))
        .route("/oauth/token", post(token::token))
        .route("/oauth/introspect", post(introspect::introspect))
        .route("/oauth/revoke", post(revoke::revoke))
        .layer(cors)
        .with_state(state)
}
