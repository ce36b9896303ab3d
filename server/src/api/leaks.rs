//! `POST /api/v1/token-leaks` (no authentication, rate-limited per address): report strings that
//! may be leaked tokens. Every active token among them is revoked. The body is a JSON array of up
//! to 1,000 strings, or of objects with a `token` field (the shape GitHub's secret scanning sends).
//! The answer is the same whatever the strings were: it never says which were tokens.

use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use domain::audit::RequestMeta;
use domain::clock::now_ms;
use domain::tokens::MAX_LEAK_REPORT;
use serde::Deserialize;

use super::problem::Problem;

/// A string that may be a leaked token, alone or in the object shape GitHub's secret scanning sends.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum Reported {
    Plain(String),
    Described { token: String },
}

/// How many strings were received (never which were tokens).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Received {
    received: usize,
}

#[utoipa::path(post, path = "/api/v1/token-leaks", tag = "token leaks", operation_id = "report_token_leaks",
    summary = "Report strings that may be leaked tokens; active ones are revoked",
    request_body(content = Vec<Reported>, description = "Up to 1,000 strings"),
    responses(
        (status = 202, body = Received, description = "Received; the same answer whatever the strings were"),
        (status = 400, body = super::problem::Problem, content_type = "application/problem+json", description = "Not such an array"),
        (status = 413, description = "The body is larger than 64 KiB"),
        (status = 429, body = super::problem::Problem, content_type = "application/problem+json", description = "Too many reports from this address")))]
pub async fn report(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bad = |detail: String| Problem::new(StatusCode::BAD_REQUEST, "Bad Request", detail).into_response();
    let items: Vec<Reported> = match serde_json::from_slice(&body) {
        Ok(items) => items,
        Err(_) => return bad("send a JSON array of strings, or of objects with a \"token\" field".to_owned()),
    };
    if items.len() > MAX_LEAK_REPORT {
        return bad(format!("report at most {MAX_LEAK_REPORT} strings at once"));
    }
    let candidates: Vec<String> = items
        .into_iter()
        .map(|r| match r {
            Reported::Plain(s) | Reported::Described { token: s } => s,
        })
        .collect();
    let meta = RequestMeta {
        ip: Some(addr.ip().to_string()),
        user_agent: crate::middleware::bearer::user_agent(&headers),
        method: Some("POST".into()),
        route: Some("/api/v1/token-leaks".into()),
        credential: None,
    };
    match state.tokens.report_leaks(&candidates, &meta, now_ms()).await {
        Ok(revoked) => {
            if revoked > 0 {
                tracing::warn!(revoked, "leaked tokens reported and revoked");
            }
            (StatusCode::ACCEPTED, Json(Received { received: candidates.len() })).into_response()
        }
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
