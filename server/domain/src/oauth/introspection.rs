//! Introspection (RFC 7662) and revocation (RFC 7009) of access tokens. Revoking a JWT puts its id
//! on a deny list until it would have expired; introspection consults it, so a revoked token is
//! inactive there at once (the REST API, which verifies locally, stops taking it when it expires).

use super::OAuth;
use super::access_token::AccessClaims;
use super::client::Client;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::Millis;
use super::code_grant::REFRESH_PREFIX;
use crate::crypto::sha256_hex;
use crate::store::{oauth_grants as grants, oauth_keys as rows};
use crate::tokens::VerifyError;
use crate::tokens::format::{self, Prefix};
use crate::Result;

impl OAuth {
    /// The claims of an active access token; `None` for anything else. Active means what the REST
    /// API would take: valid, not revoked, its owner (and client, for client credentials) still
    /// active; `scope` is what it grants now (the owner's role or the policy may have narrowed it).
    pub async fn introspect(&self, token: &str, now: Millis) -> Result<Option<AccessClaims>> {
        match self.verified(token, now).await {
            Ok(v) => Ok(Some(AccessClaims { scope: v.principal.scopes.to_text(), ..(*v.claims).clone() })),
            Err(VerifyError::Refused(_)) => Ok(None),
            Err(VerifyError::Store(e)) => Err(e),
        }
    }

    /// Revokes `token` if it is a refresh token or a valid access token issued to `client`; anything
    /// else is quietly ignored (RFC 7009 §2.2: the answer is the same either way). A refresh token
    /// takes its whole family with it.
    pub async fn revoke_token(&self, client: &Client, token: &str, meta: &RequestMeta, now: Millis) -> Result<()> {
        if format::check(token, &Prefix::new(REFRESH_PREFIX).unwrap_or_else(Prefix::personal)).is_ok() {
            let mut tx = self.store().begin().await?;
            let Some(family_id) = grants::refresh_family(&mut tx, &sha256_hex(token.as_bytes())).await? else { return Ok(()) };
            let Some(family) = grants::family(&mut tx, &family_id).await? else { return Ok(()) };
            if family.client_id == client.id && grants::revoke_family(&mut tx, &family.id, "revoked by the client", now).await? {
                audit::record(&mut tx, meta, Event { target: Some(&client.id), detail: Some("refresh_token"), ..Event::success(EventType::OAuthTokenRevoked, Some(&family.user_id)) })
                    .await?;
            }
            tx.commit().await?;
            self.forget_verified();
            return Ok(());
        }
        let Ok(claims) = self.keys().verify(token, &self.policy().issuer, now).await? else { return Ok(()) };
        if claims.client_id != client.id {
            return Ok(());
        }
        let mut tx = self.store().begin().await?;
        rows::revoke_access_token(&mut tx, &claims.jti, claims.expires_at()).await?;
        audit::record(&mut tx, meta, Event { target: Some(&client.id), detail: Some("access_token"), ..Event::success(EventType::OAuthTokenRevoked, None) })
            .await?;
        tx.commit().await?;
        self.callers.evict(&claims.jti);
        self.store.announce(crate::store::notices::Notice::Credentials);
        Ok(())
    }

    /// Forgets revocations of tokens that have expired anyway.
    pub async fn sweep_revocations(&self, now: Millis) -> Result<u64> {
        let mut conn = self.store().pool().acquire().await?;
        rows::forget_expired_revocations(&mut conn, now).await
    }
}
