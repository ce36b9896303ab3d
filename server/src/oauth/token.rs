//! `POST /oauth/token`: authenticates the client, then runs the grant it asks for. Only grants this
//! server implements are accepted; `password`, `implicit` and anything unknown get
//! `unsupported_grant_type`.

use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use domain::clock::now_ms;
use domain::oauth::{GrantType, Issued};
use serde_json::json;

use super::client_auth::authenticate;
use super::error::{OAuthFailure, no_store};
use super::form::Form;
use crate::api::request_meta::ApiMeta;

pub async fn token(State(state): State<AppState>, ApiMeta(meta): ApiMeta, headers: HeaderMap, body: Bytes) -> Response {
    match run(&state, &meta, &headers, &body).await {
        Ok(issued) => no_store(
            Json(json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in_secs,
                "scope": issued.scopes.to_text(),
            }))
            .into_response(),
        ),
        Err(e) => e.into_response(),
    }
}

async fn run(state: &AppState, meta: &domain::audit::RequestMeta, headers: &HeaderMap, body: &Bytes) -> Result<Issued, OAuthFailure> {
    let form = Form::parse(headers, body)?;
    let now = now_ms();
    let client = authenticate(&state.oauth, headers, &form, now, false).await?;
    let grant = form.require("grant_type")?;
    match GrantType::parse(grant) {
        Some(GrantType::ClientCredentials) => Ok(state.oauth.client_credentials(&client, form.get("scope"), meta, now).await?),
        _ => Err(domain::oauth::OAuthError::UnsupportedGrantType.into()),
    }
}
