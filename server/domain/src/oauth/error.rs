//! Errors of the token endpoint and its friends, one per RFC 6749 §5.2 code; the server maps each to
//! its JSON shape and status. Descriptions are safe to show and never hold a secret.

use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("{0}")]
    InvalidRequest(Cow<'static, str>),
    /// Client authentication failed (unknown client, wrong secret, no secret where one is needed).
    #[error("client authentication failed")]
    InvalidClient,
    #[error("{0}")]
    InvalidGrant(Cow<'static, str>),
    #[error("{0}")]
    UnauthorizedClient(Cow<'static, str>),
    #[error("the grant type is not supported")]
    UnsupportedGrantType,
    #[error("{0}")]
    InvalidScope(Cow<'static, str>),
    #[error("internal error")]
    Server(#[from] crate::Error),
}

impl OAuthError {
    /// The `error` code on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::UnauthorizedClient(_) => "unauthorized_client",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::Server(_) => "server_error",
        }
    }
}

impl From<sqlx::Error> for OAuthError {
    fn from(e: sqlx::Error) -> Self {
        OAuthError::Server(e.into())
    }
}
