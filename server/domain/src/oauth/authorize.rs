//! The authorization endpoint's rules (RFC 6749 §4.1.1, RFC 9700): a request is checked in two
//! stages. Client and redirect URI first — if either is wrong nothing may be sent anywhere, so the
//! person sees an error page. Everything after that goes back to the client's redirect URI as
//! `error`, with `state` and `iss`. Consent is remembered per client and scope set; codes are
//! single use, live 10 minutes and are bound to client, redirect URI, PKCE challenge and user.

use std::borrow::Cow;

use super::OAuth;
use super::client::GrantType;
use super::grants::narrow;
use super::pkce::{CodeChallenge, PkceError};
use crate::accounts::Role;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{MINUTE, Millis};
use crate::crypto::{random_url_secret, sha256_hex};
use crate::scopes::ScopeSet;
use crate::store::oauth_grants::{self as rows, CodeRow};
use crate::Result;

pub const CODE_LIFETIME: Millis = 10 * MINUTE;

/// The parameters of an authorization request, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
}

/// Why a request cannot go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// Unknown client or redirect URI: show an error page, never redirect.
    Fatal(Cow<'static, str>),
    /// Send the person back to the client with this error.
    Redirect { redirect_uri: String, error: &'static str, description: Cow<'static, str>, state: Option<String> },
}

/// A request that passed every check and waits for the person's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub client_name: String,
    pub redirect_uri: String,
    pub scopes: ScopeSet,
    pub state: Option<String>,
    pub code_challenge: CodeChallenge,
}

/// The client's redirect URI with `params` added to its query (RFC 6749 §4.1.2: keep what is there).
fn with_query(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(mut url) => {
            url.query_pairs_mut().extend_pairs(params);
            url.to_string()
        }
        // Registered URIs always parse; an unparsable one gets nothing appended.
        Err(_) => redirect_uri.to_owned(),
    }
}

impl AuthorizeError {
    /// Where to send the person for a redirect error, with `iss` (RFC 9207); `None` for a fatal one.
    pub fn location(&self, issuer: &str) -> Option<String> {
        match self {
            AuthorizeError::Fatal(_) => None,
            AuthorizeError::Redirect { redirect_uri, error, description, state } => {
                let mut params = vec![("error", *error), ("error_description", description.as_ref())];
                if let Some(s) = state {
                    params.push(("state", s));
                }
                params.push(("iss", issuer));
                Some(with_query(redirect_uri, &params))
            }
        }
    }
}

impl AuthorizeRequest {
    /// Where to send the person with a fresh code, `state` echoed verbatim, and `iss`.
    pub fn code_location(&self, code: &str, issuer: &str) -> String {
        let mut params = vec![("code", code)];
        if let Some(s) = &self.state {
            params.push(("state", s));
        }
        params.push(("iss", issuer));
        with_query(&self.redirect_uri, &params)
    }

    /// The `error` redirect for this request (e.g. `access_denied` when the person declines).
    pub fn error(&self, error: &'static str, description: impl Into<Cow<'static, str>>) -> AuthorizeError {
        AuthorizeError::Redirect { redirect_uri: self.redirect_uri.clone(), error, description: description.into(), state: self.state.clone() }
    }
}

impl OAuth {
    /// Checks a request from a person whose role is `role`.
    pub async fn check_authorize(&self, p: AuthorizeParams, role: Role) -> Result<Result<AuthorizeRequest, AuthorizeError>> {
        let fatal = |m: &'static str| Ok(Err(AuthorizeError::Fatal(m.into())));
        let Some(client_id) = p.client_id.as_deref() else { return fatal("the request names no client") };
        let Some(client) = self.client(client_id).await? else { return fatal("this client is not registered here") };
        if !client.allows(GrantType::AuthorizationCode) {
            return fatal("this client cannot ask for authorization");
        }
        let redirect = match p.redirect_uri.as_deref() {
            Some(uri) => match client.redirect(uri) {
                Some(r) => (uri.to_owned(), r.scopes.clone()),
                None => return fatal("the redirect URI is not registered for this client"),
            },
            None if client.settings.redirects.len() == 1 => {
                let r = &client.settings.redirects[0];
                (r.uri.as_str().to_owned(), r.scopes.clone())
            }
            None => return fatal("the request must name one of the client's redirect URIs"),
        };
        let (redirect_uri, narrower) = redirect;
        let back = |error: &'static str, description: Cow<'static, str>| {
            Ok(Err(AuthorizeError::Redirect { redirect_uri: redirect_uri.clone(), error, description, state: p.state.clone() }))
        };
        match p.response_type.as_deref() {
            Some("code") => {}
            None => return back("invalid_request", "response_type is missing".into()),
            Some(_) => return back("unsupported_response_type", "only response_type=code is supported".into()),
        }
        let code_challenge = match CodeChallenge::parse(p.code_challenge.as_deref(), p.code_challenge_method.as_deref()) {
            Ok(c) => c,
            Err(e @ (PkceError::Missing | PkceError::Method | PkceError::Shape)) => return back("invalid_request", e.to_string().into()),
        };
        let allowed = narrower.unwrap_or_else(|| client.settings.scopes.clone());
        let scopes = match narrow(&allowed, p.scope.as_deref()) {
            Ok(s) => s,
            Err(e) => return back("invalid_scope", e.to_string().into()),
        };
        if self.instance().check_scopes(role, &scopes).is_err() {
            return back("invalid_scope", "the request asks for more than your account may grant".into());
        }
        Ok(Ok(AuthorizeRequest { client_id: client.id.clone(), client_name: client.settings.name.clone(), redirect_uri, scopes, state: p.state, code_challenge }))
    }

    /// Whether the person already allowed this client these scopes.
    pub async fn consented(&self, user_id: &str, req: &AuthorizeRequest) -> Result<bool> {
        let mut conn = self.store().pool().acquire().await?;
        Ok(match rows::consent(&mut conn, user_id, &req.client_id).await? {
            Some(text) => ScopeSet::parse(&text).is_ok_and(|granted| req.scopes.iter().all(|s| granted.grants(s))),
            None => false,
        })
    }

    /// The person allowed the request: remembers the consent (adding to what was allowed before)
    /// and returns a fresh code, in one transaction.
    pub async fn approve(&self, user_id: &str, req: &AuthorizeRequest, remember: bool, meta: &RequestMeta, now: Millis) -> Result<String> {
        let code = random_url_secret(32);
        let mut tx = self.store().begin().await?;
        if remember {
            let merged = match rows::consent(&mut tx, user_id, &req.client_id).await? {
                Some(before) => format!("{before} {}", req.scopes.to_text()),
                None => req.scopes.to_text(),
            };
            let merged = ScopeSet::parse(&merged)?.to_text();
            rows::upsert_consent(&mut tx, user_id, &req.client_id, &merged, now).await?;
            audit::record(&mut tx, meta, Event { target: Some(&req.client_id), detail: Some(&merged), ..Event::success(EventType::ConsentGranted, Some(user_id)) })
                .await?;
        }
        let row = CodeRow {
            client_id: req.client_id.clone(),
            user_id: user_id.to_owned(),
            redirect_uri: req.redirect_uri.clone(),
            scopes: req.scopes.to_text(),
            code_challenge: req.code_challenge.as_str().to_owned(),
            expires_at: now + CODE_LIFETIME,
            family_id: None,
        };
        rows::insert_code(&mut tx, &sha256_hex(code.as_bytes()), &row, now).await?;
        tx.commit().await?;
        Ok(code)
    }
}
