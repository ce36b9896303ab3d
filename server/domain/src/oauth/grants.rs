//! Issuing access tokens: the client-credentials grant, and the checks every grant shares (the
//! client may use the grant; the scopes asked for are within what it may have).

use super::OAuth;
use super::access_token::AccessClaims;
use super::client::{Client, GrantType};
use super::error::OAuthError;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{Millis, SECOND};
use crate::scopes::ScopeSet;

/// What the token endpoint returns. Debug leaves the tokens out.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    pub access_token: String,
    pub expires_in_secs: i64,
    pub scopes: ScopeSet,
    pub refresh_token: Option<String>,
    /// For token exchange (RFC 8693): the type of what was issued.
    pub issued_token_type: Option<&'static str>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued").field("expires_in_secs", &self.expires_in_secs).field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

/// The scopes granted for a request: all of `allowed` when none are asked for, otherwise the ones
/// asked for, each of which `allowed` must grant.
pub fn narrow(allowed: &ScopeSet, requested: Option<&str>) -> Result<ScopeSet, OAuthError> {
    match requested.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(allowed.clone()),
        Some(text) => {
            let asked = ScopeSet::parse(text).map_err(|_| OAuthError::InvalidScope("unknown scope".into()))?;
            if let Some(extra) = asked.iter().find(|s| !allowed.grants(*s)) {
                return Err(OAuthError::InvalidScope(format!("the scope {extra} is not allowed here").into()));
            }
            Ok(asked)
        }
    }
}

impl OAuth {
    pub(crate) fn require_grant(client: &Client, grant: GrantType) -> Result<(), OAuthError> {
        if client.allows(grant) {
            Ok(())
        } else {
            Err(OAuthError::UnauthorizedClient(format!("this client may not use {}", grant.as_str()).into()))
        }
    }

    /// Client credentials (RFC 6749 §4.4): a confidential client acting for itself.
    pub async fn client_credentials(&self, client: &Client, scope: Option<&str>, meta: &RequestMeta, now: Millis) -> Result<Issued, OAuthError> {
        Self::require_grant(client, GrantType::ClientCredentials)?;
        let scopes = narrow(&client.settings.scopes, scope)?;
        let issued = self.issue(&client.id, &client.id, &scopes, self.policy().access_token_lifetime, now).await?;
        let mut conn = self.store().pool().acquire().await?;
        audit::record(&mut conn, meta, Event {
            target: Some(&client.id),
            detail: Some(GrantType::ClientCredentials.as_str()),
            ..Event::success(EventType::OAuthTokenIssued, None)
        })
        .await?;
        Ok(issued)
    }

    /// Signs an access token for `sub` through `client_id`.
    pub(crate) async fn issue(&self, sub: &str, client_id: &str, scopes: &ScopeSet, lifetime: Millis, now: Millis) -> Result<Issued, OAuthError> {
        self.issue_in_family(sub, client_id, scopes, lifetime, None, now).await
    }

    pub(crate) async fn issue_in_family(
        &self,
        sub: &str,
        client_id: &str,
        scopes: &ScopeSet,
        lifetime: Millis,
        family: Option<&str>,
        now: Millis,
    ) -> Result<Issued, OAuthError> {
        let claims = AccessClaims { sid: family.map(str::to_owned), ..AccessClaims::new(&self.policy().issuer, sub, client_id, scopes, now, lifetime) };
        let access_token = self.keys().sign(&claims, now).await?;
        Ok(Issued { access_token, expires_in_secs: lifetime / SECOND, scopes: scopes.clone(), refresh_token: None, issued_token_type: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_keeps_what_is_allowed_and_refuses_the_rest() {
        let allowed = ScopeSet::parse("user tokens:read").unwrap();
        assert_eq!(narrow(&allowed, None).unwrap(), allowed);
        assert_eq!(narrow(&allowed, Some("  ")).unwrap(), allowed);
        assert_eq!(narrow(&allowed, Some("user:email")).unwrap().to_text(), "user:email");
        assert!(matches!(narrow(&allowed, Some("tokens")), Err(OAuthError::InvalidScope(_))));
        assert!(matches!(narrow(&allowed, Some("everything")), Err(OAuthError::InvalidScope(_))));
    }
}
