//! `POST /oauth/token`: authenticates the client, then runs the grant it asks for:
//! `authorization_code` (with PKCE), `refresh_token`, `client_credentials` and token exchange
//! (RFC 8693). `password`, `implicit` and anything unknown get `unsupported_grant_type`.

use app::ssr::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Response};
use domain::clock::now_ms;
use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use domain::audit::RequestMeta;
use domain::oauth::{ACCESS_TOKEN_TYPE, ClientKind, GrantType, Issued, OAuthError, Subject, looks_like_jwt};
use domain::tokens::VerifyError;
use serde_json::json;

use super::client_auth::authenticate;
use domain::rate_limit::{Decision, Group};

use super::error::{OAuthFailure, count_client, no_store};
use crate::middleware::rate_limit::report;
use super::form::Form;
use crate::api::request_meta::ApiMeta;

pub async fn token(State(state): State<AppState>, ApiMeta(meta): ApiMeta, ConnectInfo(addr): ConnectInfo<SocketAddr>, headers: HeaderMap, body: Bytes) -> Response {
    match run(&state, &meta, addr.ip(), &headers, &body).await {
        Ok((issued, counted)) => {
            let mut body = json!({
                "access_token": issued.access_token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in_secs,
                "scope": issued.scopes.to_text(),
            });
            if let Some(refresh) = issued.refresh_token {
                body["refresh_token"] = json!(refresh);
            }
            if let Some(kind) = issued.issued_token_type {
                body["issued_token_type"] = json!(kind);
            }
            report(no_store(Json(body).into_response()), counted)
        }
        Err(e) => e.into_response(),
    }
}

async fn run(
    state: &AppState,
    meta: &RequestMeta,
    ip: IpAddr,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(Issued, Option<Decision>), OAuthFailure> {
    let form = Form::parse(headers, body)?;
    let now = now_ms();
    let grant = form.require("grant_type")?;
    let Some(grant) = GrantType::parse(grant) else { return Err(OAuthError::UnsupportedGrantType.into()) };
    let client = authenticate(&state.oauth, headers, &form, now, false).await?;
    let counted = count_client(state, Group::OAuthToken, &client.id).await?;
    let meta = &RequestMeta { credential: Some(format!("client:{}", client.id)), ..meta.clone() };
    let oauth = &state.oauth;
    let issued = match grant {
        GrantType::AuthorizationCode => {
            let code = form.require("code")?;
            oauth.redeem_code(&client, code, form.get("redirect_uri"), form.get("code_verifier"), meta, now).await?
        }
        GrantType::RefreshToken => oauth.refresh(&client, form.require("refresh_token")?, form.get("scope"), meta, now).await?,
        GrantType::ClientCredentials => {
            if client.kind != ClientKind::Confidential {
                return Err(OAuthError::UnauthorizedClient("a public client cannot use client credentials".into()).into());
            }
            oauth.client_credentials(&client, form.get("scope"), meta, now).await?
        }
        GrantType::TokenExchange => {
            let subject = subject(state, &form, ip, now).await?;
            oauth.exchange(&client, &subject, form.get("scope"), meta, now).await?
        }
    };
    Ok((issued, counted))
}

/// The subject token of an exchange: an access token (JWT) or a personal access token.
async fn subject(state: &AppState, form: &Form, ip: IpAddr, now: i64) -> Result<Subject, OAuthFailure> {
    if form.require("subject_token_type")? != ACCESS_TOKEN_TYPE {
        return Err(OAuthError::InvalidRequest("subject_token_type must be an access token".into()).into());
    }
    if form.get("requested_token_type").is_some_and(|t| t != ACCESS_TOKEN_TYPE) {
        return Err(OAuthError::InvalidRequest("only access tokens can be requested".into()).into());
    }
    if form.get("actor_token").is_some() {
        return Err(OAuthError::InvalidRequest("delegation (actor_token) is not supported".into()).into());
    }
    let token = form.require("subject_token")?;
    let invalid = || OAuthFailure::Error(OAuthError::InvalidGrant("the subject token is not valid".into()));
    if looks_like_jwt(token) {
        return state.oauth.access_token_subject(token, now).await?.ok_or_else(invalid);
    }
    match state.tokens.verify_with_expiry(token, ip, now).await {
        Ok((p, expires_at)) => Ok(Subject::of(&p, expires_at)),
        Err(VerifyError::Store(e)) => Err(e.into()),
        Err(VerifyError::Refused(_)) => Err(invalid()),
    }
}
