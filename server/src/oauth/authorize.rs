//! `GET /oauth/authorize` (RFC 6749 §4.1.1 with RFC 9700's rules). Problems with the client or the
//! redirect URI show an error page and never redirect. Other problems that do not depend on the
//! person are sent back to the client before anyone signs in; the rest after. Nobody signed in: the
//! request is kept in the session and the person signs in first. Consent already given: a code at
//! once. Otherwise the consent page (`/oauth/consent`) asks.

use std::collections::HashSet;

use app::ssr::{AppState, keys, user_of_session};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use domain::accounts::Role;
use domain::clock::now_ms;
use domain::oauth::{AuthorizeError, AuthorizeParams};
use leptos::prelude::*;
use tower_sessions::Session;

use crate::api::request_meta::ApiMeta;

/// At most this many requests wait for consent in one session; the oldest go first.
const MAX_PENDING: usize = 5;

/// The query's parameters, and the names that came more than once.
fn parse(query: &str) -> (AuthorizeParams, HashSet<String>) {
    let mut p = AuthorizeParams::default();
    let mut seen = HashSet::new();
    let mut repeated = HashSet::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        if !seen.insert(k.to_string()) {
            repeated.insert(k.to_string());
        }
        let v = Some(v.into_owned()).filter(|v| !v.is_empty());
        match k.as_ref() {
            "client_id" => p.client_id = v,
            "redirect_uri" => p.redirect_uri = v,
            "response_type" => p.response_type = v,
            "scope" => p.scope = v,
            "state" => p.state = v,
            "code_challenge" => p.code_challenge = v,
            "code_challenge_method" => p.code_challenge_method = v,
            _ => {}
        }
    }
    (p, repeated)
}

/// 303 to `location`.
pub fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_owned())]).into_response()
}

/// The page shown when nothing may be sent back to the client.
pub fn error_page(message: &str) -> Response {
    let message = message.to_owned();
    let body = view! {
        <main class="card narrow">
            <h1>"This sign-in request cannot continue"</h1>
            <p role="alert">{message}</p>
            <p>"Go back to the app you came from and try again, or tell its developers."</p>
        </main>
    }
    .to_html();
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Authorization error</title>\
         <link rel=\"stylesheet\" href=\"/pkg/gatehouse.css\"></head><body>{body}</body></html>"
    );
    (StatusCode::BAD_REQUEST, Html(page)).into_response()
}

fn refuse(e: AuthorizeError, issuer: &str) -> Response {
    match (e.location(issuer), e) {
        (Some(location), _) => see_other(&location),
        (None, AuthorizeError::Fatal(message)) => error_page(&message),
        (None, AuthorizeError::Redirect { .. }) => error_page("the request is invalid"),
    }
}

pub async fn authorize(State(state): State<AppState>, session: Session, ApiMeta(meta): ApiMeta, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let (params, repeated) = parse(&query);
    let issuer = state.oauth.policy().issuer.clone();
    if repeated.contains("client_id") || repeated.contains("redirect_uri") {
        return error_page("the request repeats client_id or redirect_uri");
    }
    // Everything that does not depend on the person, checked as if the most privileged asked.
    let first = match state.oauth.check_authorize(params.clone(), Role::Admin).await {
        Ok(Ok(req)) => req,
        Ok(Err(e)) => return refuse(e, &issuer),
        Err(e) => return server_error(e),
    };
    if !repeated.is_empty() {
        return refuse(first.error("invalid_request", "a parameter is repeated"), &issuer);
    }
    let user = match user_of_session(&state, &session).await {
        Ok(Some((user, false))) => user,
        Ok(_) => {
            // Sign in (or finish enrolling a second factor) first, then come back here.
            if session.insert(keys::RETURN_TO, format!("/oauth/authorize?{query}")).await.is_err() {
                return error_page("your session could not be saved; enable cookies and try again");
            }
            return see_other("/login");
        }
        Err(e) => return server_error(e),
    };
    let req = match state.oauth.check_authorize(params.clone(), user.role).await {
        Ok(Ok(req)) => req,
        Ok(Err(e)) => return refuse(e, &issuer),
        Err(e) => return server_error(e),
    };
    match state.oauth.consented(&user.id, &req).await {
        Ok(true) => match state.oauth.approve(&user.id, &req, false, &meta, now_ms()).await {
            Ok(code) => see_other(&req.code_location(&code, &issuer)),
            Err(e) => server_error(e),
        },
        Ok(false) => {
            let id = domain::crypto::random_url_secret(12);
            let mut pending: Vec<(String, AuthorizeParams)> = session.get(keys::OAUTH_PENDING).await.ok().flatten().unwrap_or_default();
            pending.push((id.clone(), params));
            if pending.len() > MAX_PENDING {
                pending.remove(0);
            }
            match session.insert(keys::OAUTH_PENDING, pending).await {
                Ok(()) => see_other(&format!("/oauth/consent?request={id}")),
                Err(_) => error_page("your session could not be saved; enable cookies and try again"),
            }
        }
        Err(e) => server_error(e),
    }
}

fn server_error(e: domain::Error) -> Response {
    tracing::error!(error = %e, "internal error at the authorization endpoint");
    (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}
