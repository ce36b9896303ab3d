//! `ApiMeta`: the audit trail's view of an API request (address, user agent, method, matched route),
//! taken from the request itself so handlers cannot misstate it.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use domain::audit::RequestMeta;
use domain::tokens::{Credential, Principal};

use crate::middleware::bearer::user_agent;

pub struct ApiMeta(pub RequestMeta);

impl<S: Send + Sync> FromRequestParts<S> for ApiMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(ApiMeta(RequestMeta {
            ip: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()),
            user_agent: user_agent(&parts.headers),
            method: Some(parts.method.as_str().to_owned()),
            route: parts.extensions.get::<MatchedPath>().map(|m| m.as_str().to_owned()),
            credential: parts.extensions.get::<Principal>().map(|p| credential_of(&p.credential)),
        }))
    }
}

/// "token:<id>" for a personal access token, "client:<id>" for an OAuth access token.
pub fn credential_of(c: &Credential) -> String {
    match c {
        Credential::PersonalToken { id } => format!("token:{id}"),
        Credential::AccessToken { client_id, .. } => format!("client:{client_id}"),
    }
}
