//! `POST /oauth/introspect` (RFC 7662), for confidential clients: an active access token's claims,
//! and for anything else exactly `{"active": false}`, whatever the reason.

use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use domain::clock::now_ms;
use serde_json::json;

use super::client_auth::authenticate;
use domain::rate_limit::Group;

use super::error::{OAuthFailure, count_client, no_store};
use crate::middleware::rate_limit::report;
use super::form::Form;

pub async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let form = Form::parse(&headers, &body)?;
        let now = now_ms();
        let client = authenticate(&state.oauth, &headers, &form, now, true).await?;
        let counted = count_client(&state, Group::Introspection, &client.id).await?;
        let token = form.require("token")?;
        Ok::<_, OAuthFailure>((state.oauth.introspect(token, now).await?, counted))
    };
    let (claims, counted) = match answer.await {
        Ok(answer) => answer,
        Err(e) => return e.into_response(),
    };
    let res = match claims {
        Some(c) => no_store(
            Json(json!({
                "active": true, "scope": c.scope, "client_id": c.client_id, "sub": c.sub, "aud": c.aud, "iss": c.iss,
                "exp": c.exp, "iat": c.iat, "jti": c.jti, "token_type": "Bearer",
            }))
            .into_response(),
        ),
        None => no_store(Json(json!({ "active": false })).into_response()),
    };
    report(res, counted)
}
