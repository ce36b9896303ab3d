//! The REST API under `/api/v1`: bearer tokens, declared scopes, RFC 7807 errors.

mod audit;
pub mod audit_export;
mod clients;
mod leaks;
pub mod openapi;
pub mod paging;
pub(crate) mod request_meta;
pub mod problem;
mod tokens;
mod user;

use app::ssr::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::response::IntoResponse;
use axum::http::Method;
use axum::routing::{MethodFilter, get, on, post};
use domain::scopes::Scope;
use tower::ServiceBuilder;

use crate::middleware::bearer::{Bearer, BearerLayer, RouteScopes};
use crate::middleware::rate_limit::GroupLimitLayer;
use crate::middleware::request_limits;
use domain::rate_limit::Group;

/// Every token route with the scope it needs.
pub fn router(state: AppState, request_limits: &request_limits::Layers) -> Router {
    let (tokens, oauth, limits) = (state.tokens.clone(), state.oauth.clone(), state.limits.clone());
    let group = |group| GroupLimitLayer::new(limits.clone(), group);
    // A route's layers go on in one `layer` call: every call boxes each route once more, and axum
    // clones each box for every request (it showed in the profile of the malformed-token route).
    // The quota (outermost, so every answer below carries its headers), the request limits, then
    // the bearer check, which needs the matched route and so sits on each route.
    let api_layers = |bearer: Option<BearerLayer>| {
        ServiceBuilder::new()
            .layer(group(Group::Api))
            .map_response(IntoResponse::into_response)
            .layer(request_limits.clone())
            .map_request(boxed_body)
            .option_layer(bearer)
    };
    let ScopedRoutes { router: scoped, scopes } = scoped();
    let bearer = BearerLayer(Bearer::new(tokens, oauth, RouteScopes::new(scopes), limits.clone()));
    let scoped = scoped.layer(api_layers(Some(bearer)));
    let open = Router::new()
        .route("/api/v1/{*rest}", axum::routing::any(not_found))
        .route("/api/openapi.json", get(openapi::document))
        .layer(api_layers(None));
    Router::new()
        .route("/api/v1/token-leaks", post(leaks::report).layer(request_limits.clone()).route_layer(group(Group::LeakReports)))
        .merge(scoped)
        .merge(open)
        .with_state(state)
}

/// The request as routes take it (the request limits wrapped its body), what axum does between
/// two layers put on separately.
fn boxed_body<B>(req: axum::http::Request<B>) -> axum::extract::Request
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    req.map(axum::body::Body::new)
}

/// The scope every bearer route needs, as the router declares them (the OpenAPI document's test
/// compares its operations with this).
pub fn declared_routes() -> Vec<(Method, &'static str, Scope)> {
    scoped().scopes
}

fn scoped() -> ScopedRoutes {
    ScopedRoutes::default()
        .route(Method::GET, "/api/v1/user", Scope::USER_READ, user::get_user)
        .route(Method::GET, "/api/v1/tokens", Scope::TOKENS_READ, tokens::list)
        .route(Method::GET, "/api/v1/tokens/{id}", Scope::TOKENS_READ, tokens::get)
        .route(Method::DELETE, "/api/v1/tokens/{id}", Scope::TOKENS, tokens::revoke)
        .route(Method::GET, "/api/v1/tokens/{id}/activity", Scope::TOKENS_READ, tokens::activity)
        .route(Method::GET, "/api/v1/clients", Scope::CLIENTS_READ, clients::list)
        .route(Method::POST, "/api/v1/clients", Scope::CLIENTS, clients::create)
        .route(Method::GET, "/api/v1/clients/{id}", Scope::CLIENTS_READ, clients::get)
        .route(Method::PATCH, "/api/v1/clients/{id}", Scope::CLIENTS, clients::update)
        .route(Method::DELETE, "/api/v1/clients/{id}", Scope::CLIENTS, clients::delete)
        .route(Method::GET, "/api/v1/audit", Scope::AUDIT_READ, audit::list)
        .route(Method::GET, "/api/v1/audit/export", Scope::AUDIT_READ, audit_export::export)
}

/// Routes that need a token, each declared with its scope in the same call, so none can be added
/// without one; `router` puts the bearer check (token, then the declared scope) in front of them all.
#[derive(Default)]
struct ScopedRoutes {
    router: Router<AppState>,
    scopes: Vec<(Method, &'static str, Scope)>,
}

impl ScopedRoutes {
    fn route<H, T>(mut self, method: Method, path: &'static str, scope: Scope, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        self.router = self.router.route(path, on(filter, handler));
        self.scopes.push((method, path, scope));
        self
    }

}

/// Milliseconds since the epoch as RFC 3339 text (UTC), always with three fractional digits so
/// the strings sort as the instants do.
pub(crate) fn rfc3339(ms: i64) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).ok().and_then(|t| t.format(FORMAT).ok()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_have_fixed_precision_so_they_sort() {
        assert_eq!(super::rfc3339(1_764_115_200_000), "2025-11-26T00:00:00.000Z");
        assert_eq!(super::rfc3339(1_764_115_200_500), "2025-11-26T00:00:00.500Z");
        assert!(super::rfc3339(1_764_115_200_000) < super::rfc3339(1_764_115_200_001));
    }
}

async fn not_found() -> problem::Problem {
    problem::Problem::new(axum::http::StatusCode::NOT_FOUND, "Not Found", "no such API route")
}
