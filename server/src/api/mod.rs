//! The REST API under `/api/v1`: bearer tokens, declared scopes, RFC 7807 errors.

mod leaks;
pub mod problem;
mod tokens;
mod user;

use app::ssr::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post};
use std::num::NonZeroU32;
use domain::scopes::Scope;

use crate::middleware::bearer::{authenticate, require_scope};
use crate::middleware::rate_limit::{PerAddress, limit};

/// Leak reports a minute per address: enough for a scanner's batches, too few to probe with.
const LEAK_REPORTS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(10).expect("non-zero");

/// Every route with the scope it needs.
pub fn router(state: AppState) -> Router {
    let with = |scope: Scope| from_fn_with_state(scope, require_scope);
    Router::new()
        .route("/api/v1/user", get(user::get_user).route_layer(with(Scope::USER_READ)))
        .route("/api/v1/tokens", get(tokens::list).route_layer(with(Scope::TOKENS_READ)))
        .route(
            "/api/v1/tokens/{id}",
            get(tokens::get).route_layer(with(Scope::TOKENS_READ)).merge(delete(tokens::revoke).route_layer(with(Scope::TOKENS))),
        )
        .route("/api/v1/tokens/{id}/activity", get(tokens::activity).route_layer(with(Scope::TOKENS_READ)))
        .layer(from_fn_with_state(state.tokens.clone(), authenticate))
        .route(
            "/api/v1/token-leaks",
            post(leaks::report).route_layer(from_fn_with_state(PerAddress::per_minute(LEAK_REPORTS_PER_MINUTE), limit)),
        )
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .with_state(state)
}

async fn not_found() -> problem::Problem {
    problem::Problem::new(axum::http::StatusCode::NOT_FOUND, "Not Found", "no such API route".to_owned())
}
