//! The form body of an OAuth request, parsed strictly: `application/x-www-form-urlencoded` only,
//! and a parameter sent twice is an error (RFC 6749 §3.1, §3.2), never "first one wins".

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderMap, header};
use domain::oauth::OAuthError;

pub struct Form(HashMap<String, String>);

impl Form {
    pub fn parse(headers: &HeaderMap, body: &Bytes) -> Result<Self, OAuthError> {
        let form_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(OAuthError::InvalidRequest("send the parameters as application/x-www-form-urlencoded".into()));
        }
        let mut map = HashMap::new();
        for (k, v) in url::form_urlencoded::parse(body) {
            if map.insert(k.clone().into_owned(), v.into_owned()).is_some() {
                return Err(OAuthError::InvalidRequest(format!("the parameter {} is repeated", short(&k)).into()));
            }
        }
        Ok(Form(map))
    }

    /// A parameter; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    pub fn require(&self, name: &'static str) -> Result<&str, OAuthError> {
        self.get(name).ok_or_else(|| OAuthError::InvalidRequest(format!("the parameter {name} is missing").into()))
    }
}

fn short(name: &str) -> String {
    name.chars().take(40).collect()
}
