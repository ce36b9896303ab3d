//! Access tokens: JWTs per RFC 9068 (`typ: at+jwt`), signed with the current key of the ring,
//! verified locally against the published keys. Only EdDSA with a known `kid` is accepted, so
//! `alg: none`, an HMAC token made with the public key, or a token from a foreign key all fail.

use jsonwebtoken::{Algorithm, Header, Validation, decode, decode_header, encode};
use serde::{Deserialize, Serialize};

use super::keys::KeyRing;
use crate::clock::{Millis, SECOND};
use crate::crypto::random_url_secret;
use crate::scopes::ScopeSet;
use crate::{Error, Result};

pub const TYP: &str = "at+jwt";

/// The claims of an access token. Times are seconds since the epoch, as JWT wants them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// The user the token acts for, or the client itself (client credentials).
    pub sub: String,
    pub aud: String,
    pub client_id: String,
    /// Space-separated scopes.
    pub scope: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    /// The grant family (authorization code or exchange) the token belongs to: revoking the family
    /// ends the token too. Absent for client credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl AccessClaims {
    pub fn new(issuer: &str, sub: &str, client_id: &str, scopes: &ScopeSet, now: Millis, lifetime: Millis) -> Self {
        AccessClaims {
            iss: issuer.to_owned(),
            sub: sub.to_owned(),
            aud: issuer.to_owned(),
            client_id: client_id.to_owned(),
            scope: scopes.to_text(),
            exp: (now + lifetime) / SECOND,
            iat: now / SECOND,
            jti: random_url_secret(16),
            sid: None,
        }
    }

    pub fn expires_at(&self) -> Millis {
        self.exp * SECOND
    }

    pub fn scopes(&self) -> Result<ScopeSet> {
        ScopeSet::parse(&self.scope)
    }
}

/// Whether a bearer credential has a JWT's shape (three dot-separated parts); a personal access
/// token has no dot. Which verifier to ask, not a check of anything.
pub fn looks_like_jwt(raw: &str) -> bool {
    raw.bytes().filter(|b| *b == b'.').count() == 2
}

/// Why a JWT was refused; callers answer all of them the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the access token is not valid")]
pub struct InvalidAccessToken;

impl KeyRing {
    pub async fn sign(&self, claims: &AccessClaims, now: Millis) -> Result<String> {
        let (kid, key) = self.signing_key(now).await?;
        let header = Header { typ: Some(TYP.to_owned()), kid: Some(kid), ..Header::new(Algorithm::EdDSA) };
        encode(&header, claims, &key).map_err(Error::internal)
    }

    /// Checks signature, type, issuer, audience and expiry (no leeway: tokens are short and the
    /// clocks are the same machine's). Store failures are errors; bad tokens are `Ok(Err(..))`.
    pub async fn verify(&self, jwt: &str, issuer: &str, now: Millis) -> Result<Result<AccessClaims, InvalidAccessToken>> {
        let Ok(header) = decode_header(jwt) else { return Ok(Err(InvalidAccessToken)) };
        let typ_ok = header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(TYP) || t.eq_ignore_ascii_case("application/at+jwt"));
        if header.alg != Algorithm::EdDSA || !typ_ok {
            return Ok(Err(InvalidAccessToken));
        }
        let Some(kid) = header.kid else { return Ok(Err(InvalidAccessToken)) };
        let Some(key) = self.verifying_key(&kid, now).await? else { return Ok(Err(InvalidAccessToken)) };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        let Ok(data) = decode::<AccessClaims>(jwt, &key, &validation) else { return Ok(Err(InvalidAccessToken)) };
        // Expiry against the injected clock, not the system's.
        if data.claims.expires_at() <= now {
            return Ok(Err(InvalidAccessToken));
        }
        Ok(Ok(data.claims))
    }
}
