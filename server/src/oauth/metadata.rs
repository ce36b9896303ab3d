//! `GET /.well-known/oauth-authorization-server` (RFC 8414) and `GET /.well-known/jwks.json`.

use app::ssr::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Json, Response};
use domain::clock::now_ms;
use domain::oauth::GrantType;
use domain::scopes::CATALOGUE;
use serde_json::json;

use super::error::OAuthFailure;

/// What this server supports, for client libraries that configure themselves from it.
pub async fn metadata(State(state): State<AppState>) -> Response {
    let issuer = &state.oauth.policy().issuer;
    let grants = GrantType::ALL;
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oauth/authorize"),
        "token_endpoint": format!("{issuer}/oauth/token"),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "introspection_endpoint": format!("{issuer}/oauth/introspect"),
        "revocation_endpoint": format!("{issuer}/oauth/revoke"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": grants.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "scopes_supported": CATALOGUE.iter().map(|s| s.name).collect::<Vec<_>>(),
    }))
    .into_response()
}

/// The published public keys. Cacheable for five minutes: a new key is published an hour before
/// it signs.
pub async fn jwks(State(state): State<AppState>) -> Response {
    match state.oauth.keys().jwks(now_ms()).await {
        Ok(keys) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(json!({ "keys": keys }))).into_response(),
        Err(e) => OAuthFailure::from(e).into_response(),
    }
}
