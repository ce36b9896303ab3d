//! RFC 6749 §5.2 error answers: `{"error", "error_description"}`, 400 — or 401 with a `Basic`
//! challenge when the client failed to authenticate. Server errors are logged once, never echoed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use domain::oauth::OAuthError;
use serde_json::json;

/// Why an OAuth endpoint did not do what was asked: an RFC 6749 error, or an answer already made
/// (a rate-limit refusal).
pub enum OAuthFailure {
    Error(OAuthError),
    Answered(Response),
}

impl From<OAuthError> for OAuthFailure {
    fn from(e: OAuthError) -> Self {
        OAuthFailure::Error(e)
    }
}

impl From<domain::Error> for OAuthFailure {
    fn from(e: domain::Error) -> Self {
        OAuthFailure::Error(OAuthError::Server(e))
    }
}

/// Counts a request against the authenticated client's limit in `group`.
pub async fn count_client(
    state: &app::ssr::AppState,
    group: domain::rate_limit::Group,
    client_id: &str,
) -> Result<Option<domain::rate_limit::Decision>, OAuthFailure> {
    let subject = domain::rate_limit::Subject::Client(client_id.to_owned());
    crate::middleware::rate_limit::count(&state.limits, group, &[subject]).await.map_err(OAuthFailure::Answered)
}

/// Headers every token-endpoint answer carries (RFC 6749 §5.1).
pub fn no_store(mut res: Response) -> Response {
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

impl IntoResponse for OAuthFailure {
    fn into_response(self) -> Response {
        let e = match self {
            OAuthFailure::Error(e) => e,
            OAuthFailure::Answered(res) => return no_store(res),
        };
        let status = match &e {
            OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthError::Server(source) => {
                tracing::error!(error = %source, "internal error at an OAuth endpoint");
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        };
        let description = match &e {
            OAuthError::Server(_) => "internal error".to_owned(),
            other => other.to_string(),
        };
        let mut res = (status, Json(json!({ "error": e.code(), "error_description": description }))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Basic realm="gatehouse""#));
        }
        no_store(res)
    }
}
