//! Who is calling the token, introspection and revocation endpoints: a confidential client by
//! `client_secret_basic` or `client_secret_post`, or a public client by its `client_id` alone. Using
//! two methods at once is refused (RFC 6749 §2.3).

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use domain::clock::Millis;
use domain::oauth::{Client, ClientKind, ClientStatus, OAuth, OAuthError};

use super::form::Form;

/// `Authorization: Basic` with the form-encoded id and secret (RFC 6749 §2.3.1).
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let text = value.to_str().map_err(|_| OAuthError::InvalidClient)?;
    let Some(encoded) = text.strip_prefix("Basic ").or_else(|| text.strip_prefix("basic ")) else {
        return Err(OAuthError::InvalidClient);
    };
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| OAuthError::InvalidClient)?;
    let pair = String::from_utf8(decoded).map_err(|_| OAuthError::InvalidClient)?;
    let (id, secret) = pair.split_once(':').ok_or(OAuthError::InvalidClient)?;
    Ok(Some((form_decode(id)?, form_decode(secret)?)))
}

/// One form-encoded component, decoded by the form parser itself.
fn form_decode(part: &str) -> Result<String, OAuthError> {
    let mut pairs = url::form_urlencoded::parse(part.as_bytes());
    match (pairs.next(), pairs.next()) {
        (Some((k, v)), None) if v.is_empty() && !part.contains('=') => Ok(k.into_owned()),
        (None, None) => Ok(String::new()),
        _ => Err(OAuthError::InvalidClient),
    }
}

/// The authenticated client. `confidential_only` refuses public clients (introspection, client
/// credentials).
pub async fn authenticate(oauth: &OAuth, headers: &HeaderMap, form: &Form, now: Millis, confidential_only: bool) -> Result<Client, OAuthError> {
    let from_header = basic(headers)?;
    let (id, secret) = match (from_header, form.get("client_secret")) {
        (Some(_), Some(_)) => return Err(OAuthError::InvalidRequest("use one client authentication method, not two".into())),
        (Some((id, secret)), None) => {
            if form.get("client_id").is_some_and(|c| c != id) {
                return Err(OAuthError::InvalidRequest("client_id does not match the credentials".into()));
            }
            (id, Some(secret))
        }
        (None, secret) => (form.get("client_id").ok_or(OAuthError::InvalidClient)?.to_owned(), secret.map(str::to_owned)),
    };
    match secret {
        Some(secret) => oauth.authenticate_client(&id, &secret, now).await?.ok_or(OAuthError::InvalidClient),
        None if confidential_only => Err(OAuthError::InvalidClient),
        None => match oauth.client(&id).await? {
            Some(c) if c.kind == ClientKind::Public && c.status == ClientStatus::Active => Ok(c),
            _ => Err(OAuthError::InvalidClient),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, format!("Basic {}", STANDARD.encode("my%20app:s%3Ac+x")).parse().unwrap());
        assert_eq!(basic(&h).unwrap(), Some(("my app".to_owned(), "s:c x".to_owned())));
        h.insert(header::AUTHORIZATION, "Basic !!!".parse().unwrap());
        assert!(basic(&h).is_err());
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert!(basic(&h).is_err());
        assert_eq!(basic(&HeaderMap::new()).unwrap(), None);
    }
}
