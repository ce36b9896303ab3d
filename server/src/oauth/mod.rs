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
use axum::routing::{get, post};

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata::metadata))
        .route("/.well-known/jwks.json", get(metadata::jwks))
        .route("/oauth/token", post(token::token))
        .route("/oauth/introspect", post(introspect::introspect))
        .route("/oauth/revoke", post(revoke::revoke))
        .with_state(state)
}
