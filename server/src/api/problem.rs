//! RFC 7807 problem details for the REST API, and RFC 6750 `WWW-Authenticate` challenges.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An RFC 7807 problem: every error of the REST API (`application/problem+json`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what happened.
    #[serde(rename = "type")]
    #[schema(value_type = String)]
    pub kind: &'static str,
    #[schema(value_type = String)]
    pub title: &'static str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub detail: Option<Cow<'static, str>>,
    /// Fixed texts stay borrowed: the refusals of bad tokens are built on every such request.
    #[serde(skip)]
    #[schema(ignore)]
    pub challenge: Option<Cow<'static, str>>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<Cow<'static, str>>) -> Self {
        Problem { kind: "about:blank", title, status: status.as_u16(), detail: Some(detail.into()), challenge: None }
    }

    /// A problem with no detail beyond its title.
    pub fn bare(status: StatusCode, title: &'static str) -> Self {
        Problem { kind: "about:blank", title, status: status.as_u16(), detail: None, challenge: None }
    }

    /// 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
    pub fn invalid_token(detail: impl Into<Cow<'static, str>>) -> Self {
        let detail = detail.into();
        let challenge = format!(r#"Bearer realm="gatehouse", error="invalid_token", error_description="{detail}""#);
        Problem { challenge: Some(challenge.into()), ..Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail) }
    }

    /// 401 for a token that fails the format check: built from fixed texts, as cheap as it gets.
    pub fn malformed_token() -> Self {
        Problem {
            challenge: Some(Cow::Borrowed(r#"Bearer realm="gatehouse", error="invalid_token", error_description="the token is malformed""#)),
            ..Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", "the token is malformed")
        }
    }

    /// 401 without an error code: no credentials were sent (RFC 6750 §3).
    pub fn missing_token() -> Self {
        Problem {
            challenge: Some(Cow::Borrowed(r#"Bearer realm="gatehouse""#)),
            ..Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", "send a token: Authorization: Bearer <token>")
        }
    }

    /// 403 with `error="insufficient_scope", scope="…"`.
    pub fn insufficient_scope(scope: &str) -> Self {
        let challenge = format!(r#"Bearer realm="gatehouse", error="insufficient_scope", scope="{scope}""#);
        Problem {
            challenge: Some(challenge.into()),
            ..Problem::new(StatusCode::FORBIDDEN, "Forbidden", format!("this token lacks the scope {scope}"))
        }
    }

    pub fn from_domain(e: domain::Error) -> Self {
        use domain::Error as E;
        match e {
            E::NotFound => Problem::bare(StatusCode::NOT_FOUND, "Not Found"),
            E::Conflict(m) => Problem::new(StatusCode::CONFLICT, "Conflict", m),
            E::Invalid(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", m),
            E::Unauthorized(m) => Problem::invalid_token(m),
            E::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, "Forbidden", m),
            E::RateLimited { retry_after_secs } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", format!("retry in {retry_after_secs} seconds"))
            }
            E::Locked => Problem::bare(StatusCode::LOCKED, "Locked"),
            E::Internal(source) => {
                tracing::error!(error = %source, "internal error in the REST API");
                Problem::bare(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        let challenge = self.challenge.and_then(|c| match c {
            Cow::Borrowed(fixed) => Some(HeaderValue::from_static(fixed)),
            Cow::Owned(text) => HeaderValue::try_from(text).ok(),
        });
        if let Some(c) = challenge {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        res
    }
}
