//! The token endpoint's `authorization_code` and `refresh_token` grants. A code is redeemed once:
//! a second use fails and revokes the family its first use created. A refresh token is used once:
//! each use returns the next one, and presenting a used one revokes the whole family (RFC 9700
//! §4.14). A family lives at most the configured absolute lifetime; scope can only narrow.

use super::OAuth;
use super::client::{Client, GrantType};
use super::error::OAuthError;
use super::grants::{Issued, narrow};
use super::pkce::CodeChallenge;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::Millis;
use crate::crypto::sha256_hex;
use crate::scopes::ScopeSet;
use crate::store::new_id;
use crate::store::oauth_grants::{self as rows, FamilyRow};
use crate::tokens::format::{self, Prefix};

pub const REFRESH_PREFIX: &str = "gar";
pub const CODE_REUSED: &str = "authorization code used twice";
pub const REFRESH_REUSED: &str = "refresh token used twice";

fn refresh_prefix() -> Prefix {
    Prefix::new(REFRESH_PREFIX).unwrap_or_else(Prefix::personal)
}

fn bad(m: &'static str) -> OAuthError {
    OAuthError::InvalidGrant(m.into())
}

impl OAuth {
    /// Redeems an authorization code (RFC 6749 §4.1.3 with PKCE).
    pub async fn redeem_code(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        meta: &RequestMeta,
        now: Millis,
    ) -> Result<Issued, OAuthError> {
        Self::require_grant(client, GrantType::AuthorizationCode)?;
        let verifier = verifier.ok_or_else(|| OAuthError::InvalidRequest("code_verifier is missing".into()))?;
        let redirect_uri = redirect_uri.ok_or_else(|| OAuthError::InvalidRequest("redirect_uri is missing".into()))?;
        let digest = sha256_hex(code.as_bytes());
        let mut tx = self.store().begin().await?;
        let Some(row) = rows::take_code(&mut tx, &digest, now).await? else {
            // Unknown, or used before: then whatever the first use produced is revoked.
            if let Some(used) = rows::used_code(&mut tx, &digest).await? {
                if let Some(family) = used.family_id.as_deref() {
                    rows::revoke_family(&mut tx, family, CODE_REUSED, now).await?;
                }
                audit::record(&mut tx, meta, Event { target: Some(&used.client_id), detail: Some(CODE_REUSED), ..Event::failure(EventType::CodeReused, Some(&used.user_id), CODE_REUSED) })
                    .await?;
                tx.commit().await?;
                self.forget_verified();
            }
            return Err(bad("the code is invalid, expired or used"));
        };
        // The code is spent whatever happens next.
        let checks = row.client_id == client.id
            && row.expires_at > now
            && row.redirect_uri == redirect_uri
            && CodeChallenge::stored(row.code_challenge.clone()).verify(verifier);
        if !checks {
            tx.commit().await?;
            return Err(bad("the code is invalid, expired or used, or was issued for another client, redirect URI or verifier"));
        }
        let family = FamilyRow {
            id: new_id(),
            client_id: client.id.clone(),
            user_id: row.user_id.clone(),
            scopes: row.scopes.clone(),
            created_at: now,
            expires_at: now + self.policy().refresh_token_lifetime,
            last_used_at: now,
            revoked_at: None,
        };
        rows::insert_family(&mut tx, &family).await?;
        rows::set_code_family(&mut tx, &digest, &family.id).await?;
        let refresh = self.new_refresh(&mut tx, client, &family.id, now).await?;
        audit::record(&mut tx, meta, Event { target: Some(&client.id), detail: Some(GrantType::AuthorizationCode.as_str()), ..Event::success(EventType::OAuthTokenIssued, Some(&row.user_id)) })
            .await?;
        tx.commit().await?;
        // Signed after the commit: loading the keys may write (first key), which must not wait on
        // this transaction's lock (SQLite has one writer).
        let scopes = ScopeSet::parse(&row.scopes)?;
        let issued = self.issue_in_family(&row.user_id, &client.id, &scopes, self.policy().access_token_lifetime, Some(&family.id), now).await?;
        Ok(Issued { refresh_token: refresh, ..issued })
    }

    /// A refresh token for the family, when the client may refresh.
    async fn new_refresh(&self, conn: &mut sqlx::AnyConnection, client: &Client, family: &str, now: Millis) -> Result<Option<String>, OAuthError> {
        if !client.allows(GrantType::RefreshToken) {
            return Ok(None);
        }
        let token = format::generate(&refresh_prefix());
        rows::insert_refresh(conn, &sha256_hex(token.expose().as_bytes()), family, now).await?;
        Ok(Some(token.expose().to_owned()))
    }

    /// Uses a refresh token (RFC 6749 §6): the next access and refresh token of its family.
    pub async fn refresh(&self, client: &Client, token: &str, scope: Option<&str>, meta: &RequestMeta, now: Millis) -> Result<Issued, OAuthError> {
        Self::require_grant(client, GrantType::RefreshToken)?;
        if format::check(token, &refresh_prefix()).is_err() {
            return Err(bad("the refresh token is invalid"));
        }
        let digest = sha256_hex(token.as_bytes());
        let mut tx = self.store().begin().await?;
        let Some(family_id) = rows::use_refresh(&mut tx, &digest, now).await? else {
            if let Some(family) = rows::refresh_family(&mut tx, &digest).await? {
                if rows::revoke_family(&mut tx, &family, REFRESH_REUSED, now).await? {
                    audit::record(&mut tx, meta, Event { target: Some(&client.id), detail: Some(REFRESH_REUSED), ..Event::failure(EventType::RefreshReused, None, REFRESH_REUSED) })
                        .await?;
                }
                tx.commit().await?;
                self.forget_verified();
            }
            return Err(bad("the refresh token is invalid, expired or used"));
        };
        let family = rows::family(&mut tx, &family_id).await?.ok_or_else(|| bad("the refresh token is invalid"))?;
        if family.client_id != client.id || family.revoked_at.is_some() || family.expires_at <= now {
            tx.commit().await?;
            return Err(bad("the refresh token is invalid, expired or revoked"));
        }
        let granted = ScopeSet::parse(&family.scopes)?;
        let scopes = narrow(&granted, scope)?;
        rows::touch_family(&mut tx, &family.id, now).await?;
        let refresh = self.new_refresh(&mut tx, client, &family.id, now).await?;
        audit::record(&mut tx, meta, Event { target: Some(&client.id), detail: Some(GrantType::RefreshToken.as_str()), ..Event::success(EventType::OAuthTokenIssued, Some(&family.user_id)) })
            .await?;
        // Never past the family's end.
        let lifetime = self.policy().access_token_lifetime.min(family.expires_at - now);
        tx.commit().await?;
        let issued = self.issue_in_family(&family.user_id, &client.id, &scopes, lifetime, Some(&family.id), now).await?;
        Ok(Issued { refresh_token: refresh, ..issued })
    }
}
