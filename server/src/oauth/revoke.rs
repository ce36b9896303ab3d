//! `POST /oauth/revoke` (RFC 7009): 200 whether or not the token was valid, so the answer says
//! nothing about it; only the client it was issued to can revoke it.

use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::clock::now_ms;

use domain::rate_limit::Group;

use super::client_auth::authenticate;
use crate::middleware::rate_limit::report;
use super::error::{OAuthFailure, count_client, no_store};
use super::form::Form;
use crate::api::request_meta::ApiMeta;

pub async fn revoke(State(state): State<AppState>, ApiMeta(meta): ApiMeta, headers: HeaderMap, body: Bytes) -> Response {
    let answer = async {
        let form = Form::parse(&headers, &body)?;
        let now = now_ms();
        let client = authenticate(&state.oauth, &headers, &form, now, false).await?;
        let counted = count_client(&state, Group::OAuthToken, &client.id).await?;
        let token = form.require("token")?;
        let meta = domain::audit::RequestMeta { credential: Some(format!("client:{}", client.id)), ..meta.clone() };
        state.oauth.revoke_token(&client, token, &meta, now).await?;
        Ok::<_, OAuthFailure>(counted)
    };
    match answer.await {
        Ok(counted) => report(no_store(StatusCode::OK.into_response()), counted),
        Err(e) => e.into_response(),
    }
}
