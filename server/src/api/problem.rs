//! RFC 7807 problem details for the REST API, and RFC 6750 `WWW-Authenticate` challenges.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    pub challenge: Option<String>,
}

impl Problem {
    pub fn new(status: StatusCode, title: &'static str, detail: impl Into<Option<String>>) -> Self {
        Problem { kind: "about:blank", title, status: status.as_u16(), detail: detail.into(), challenge: None }
    }

    /// 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1).
    pub fn invalid_token(detail: &str) -> Self {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail.to_owned());
        p.challenge = Some(format!(r#"Bearer realm="gatehouse", error="invalid_token", error_description="{detail}""#));
        p
    }

    /// 401 without an error code: no credentials were sent (RFC 6750 §3).
    pub fn missing_token() -> Self {
        let mut p = Problem::new(StatusCode::UNAUTHORIZED, "Unauthorized", "send a token: Authorization: Bearer <token>".to_owned());
        p.challenge = Some(r#"Bearer realm="gatehouse""#.to_owned());
        p
    }

    /// 403 with `error="insufficient_scope", scope="…"`.
    pub fn insufficient_scope(scope: &str) -> Self {
        let mut p = Problem::new(StatusCode::FORBIDDEN, "Forbidden", format!("this token lacks the scope {scope}"));
        p.challenge = Some(format!(r#"Bearer realm="gatehouse", error="insufficient_scope", scope="{scope}""#));
        p
    }

    pub fn from_domain(e: domain::Error) -> Self {
        use domain::Error as E;
        match e {
            E::NotFound => Problem::new(StatusCode::NOT_FOUND, "Not Found", None),
            E::Conflict(m) => Problem::new(StatusCode::CONFLICT, "Conflict", m.into_owned()),
            E::Invalid(m) => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", m.into_owned()),
            E::Unauthorized(m) => Problem::invalid_token(&m),
            E::Forbidden(m) => Problem::new(StatusCode::FORBIDDEN, "Forbidden", m.into_owned()),
            E::RateLimited { retry_after_secs } => {
                Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", format!("retry in {retry_after_secs} seconds"))
            }
            E::Locked => Problem::new(StatusCode::LOCKED, "Locked", None),
            E::Internal(source) => {
                tracing::error!(error = %source, "internal error in the REST API");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error", None)
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
        if let Some(c) = self.challenge.and_then(|c| HeaderValue::from_str(&c).ok()) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, c);
        }
        res
    }
}
