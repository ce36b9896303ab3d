//! `domain::Error`: what went wrong, in domain words. Outer layers map it once to HTTP shapes.

use std::borrow::Cow;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken (e.g. an email that is already registered).
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    /// The input is wrong; the message is safe to show to the person who sent it.
    #[error("{0}")]
    Invalid(Cow<'static, str>),
    /// Credentials are missing or wrong; the message never says which part was wrong.
    #[error("{0}")]
    Unauthorized(Cow<'static, str>),
    #[error("{0}")]
    Forbidden(Cow<'static, str>),
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("this account is locked after too many failed attempts; ask an admin to unlock it")]
    Locked,
    /// Anything the caller cannot fix. Logged once by the outer layer, never echoed.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(msg: impl Into<Cow<'static, str>>) -> Self {
        Error::Invalid(msg.into())
    }
    pub fn unauthorized(msg: impl Into<Cow<'static, str>>) -> Self {
        Error::Unauthorized(msg.into())
    }
    pub fn forbidden(msg: impl Into<Cow<'static, str>>) -> Self {
        Error::Forbidden(msg.into())
    }
    pub fn conflict(msg: impl Into<Cow<'static, str>>) -> Self {
        Error::Conflict(msg.into())
    }
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Internal(Box::new(e))
    }
    pub fn internal_msg(msg: &'static str) -> Self {
        Error::Internal(msg.into())
    }
}

/// Unique-constraint names mapped to the message a person sees (DESIGN.md §8).
const CONSTRAINT_MESSAGES: &[(&str, &str)] = &[
    ("users_email_key", "an account with this email already exists"),
    ("users.email", "an account with this email already exists"),
    ("personal_tokens_active_name_key", "you already have an active token with this name"),
    ("personal_tokens.user_id, personal_tokens.name", "you already have an active token with this name"),
];

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return Error::NotFound;
        }
        if let Some(db) = e.as_database_error() {
            if db.is_unique_violation() {
                let text = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
                for (name, msg) in CONSTRAINT_MESSAGES {
                    if text.contains(name) {
                        return Error::conflict(*msg);
                    }
                }
                return Error::conflict("this already exists");
            }
        }
        Error::internal(e)
    }
}
