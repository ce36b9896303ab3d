//! Token exchange (RFC 8693): a client trades a valid access token or personal access token (the
//! subject) for an access token with the same or fewer scopes and no longer life. Never more: the
//! scopes must be within the subject's and the client's, the lifetime within the subject's.

use super::OAuth;
use super::client::{Client, GrantType};
use super::error::OAuthError;
use super::grants::{Issued, narrow};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::Millis;
use crate::scopes::ScopeSet;
use crate::tokens::{Principal, VerifyError};

pub const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A verified subject token: who it acts for, what it may do, and when it ends.
#[derive(Debug, Clone)]
pub struct Subject {
    pub user_id: String,
    pub scopes: ScopeSet,
    pub expires_at: Option<Millis>,
}

impl Subject {
    pub fn of(p: &Principal, expires_at: Option<Millis>) -> Self {
        Subject { user_id: p.user_id.clone(), scopes: p.scopes.clone(), expires_at }
    }
}

impl OAuth {
    /// The subject behind an access token (checked as the REST API checks it).
    pub async fn access_token_subject(&self, jwt: &str, now: Millis) -> Result<Option<Subject>, crate::Error> {
        let Ok(claims) = self.keys().verify(jwt, &self.policy().issuer, now).await? else { return Ok(None) };
        match self.verify_access_token(jwt, now).await {
            Ok(p) => Ok(Some(Subject::of(&p, Some(claims.expires_at())))),
            Err(VerifyError::Refused(_)) => Ok(None),
            Err(VerifyError::Store(e)) => Err(e),
        }
    }

    pub async fn exchange(&self, client: &Client, subject: &Subject, scope: Option<&str>, meta: &RequestMeta, now: Millis) -> Result<Issued, OAuthError> {
        Self::require_grant(client, GrantType::TokenExchange)?;
        let common = ScopeSet::common(&subject.scopes, &client.settings.scopes)
            .ok_or_else(|| OAuthError::InvalidScope("the subject token and the client share no scope".into()))?;
        let scopes = narrow(&common, scope)?;
        let mut lifetime = self.policy().access_token_lifetime;
        if let Some(end) = subject.expires_at {
            lifetime = lifetime.min(end - now);
        }
        if lifetime <= 0 {
            return Err(OAuthError::InvalidGrant("the subject token has expired".into()));
        }
        let mut conn = self.store().pool().acquire().await?;
        audit::record(&mut conn, meta, Event { target: Some(&client.id), detail: Some(&scopes.to_text()), ..Event::success(EventType::TokenExchanged, Some(&subject.user_id)) })
            .await?;
        let issued = self.issue(&subject.user_id, &client.id, &scopes, lifetime, now).await?;
        Ok(Issued { issued_token_type: Some(ACCESS_TOKEN_TYPE), ..issued })
    }
}
