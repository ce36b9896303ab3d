//! Redirect URIs (RFC 9700 §4.1): absolute, `https` (or `http` on a loopback address for native
//! apps), no fragment, no wildcard, no user info. A request's URI must equal a registered one
//! string for string; only a loopback URI's port may differ (RFC 8252 §7.3).

use std::fmt;

use url::{Host, Url};

use crate::{Error, Result};

const MAX_LEN: usize = 2000;

#[derive(Clone, PartialEq, Eq)]
pub struct RedirectUri(String);

impl RedirectUri {
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let bad = |why: &str| Error::invalid(format!("redirect URI {}: {why}", shorten(raw)));
        if raw.is_empty() || raw.len() > MAX_LEN {
            return Err(bad("must be 1 to 2000 characters"));
        }
        if raw.contains('#') {
            return Err(bad("must not have a fragment"));
        }
        if raw.contains('*') {
            return Err(bad("must not contain a wildcard"));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("must not contain spaces"));
        }
        let url = Url::parse(raw).map_err(|_| bad("must be an absolute URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad("must not carry a user name or password"));
        }
        match url.scheme() {
            "https" if url.host().is_some() => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(bad("must use https (http only for localhost, 127.0.0.1 or [::1])")),
            _ => return Err(bad("must use https")),
        }
        Ok(RedirectUri(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn is_loopback(&self) -> bool {
        Url::parse(&self.0).is_ok_and(|u| u.scheme() == "http" && is_loopback(&u))
    }

    /// Whether `requested` is this URI: the same string, or for a loopback URI the same string
    /// once both ports are set aside (a native app listens on whatever port it got).
    pub fn matches(&self, requested: &str) -> bool {
        if self.0 == requested {
            return true;
        }
        if !self.is_loopback() {
            return false;
        }
        match (without_port(&self.0), without_port(requested)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }
}

/// The URI's text with its port removed, only when the text is already in the form the URL
/// parser writes (so no case or escaping difference slips through the comparison).
fn without_port(raw: &str) -> Option<String> {
    let mut url = Url::parse(raw).ok()?;
    if url.scheme() != "http" || !is_loopback(&url) || raw.contains('#') {
        return None;
    }
    let port = url.port();
    url.set_port(None).ok()?;
    let rebuilt = match port {
        Some(p) => {
            let mut with = url.clone();
            with.set_port(Some(p)).ok()?;
            with.to_string()
        }
        None => url.to_string(),
    };
    (rebuilt == raw).then(|| url.to_string())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d == "localhost",
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        None => false,
    }
}

fn shorten(raw: &str) -> String {
    let short: String = raw.chars().take(80).collect();
    if short.len() < raw.len() { format!("{short:?}…") } else { format!("{short:?}") }
}

impl fmt::Debug for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedirectUri({:?})", self.0)
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_and_loopback_http_are_accepted() {
        for ok in [
            "https://app.example.com/callback",
            "https://app.example.com/cb?tenant=1",
            "http://localhost/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]:9000/cb",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn fragments_wildcards_plain_http_and_relative_uris_are_refused() {
        for bad in [
            "https://app.example.com/cb#x",
            "https://*.example.com/cb",
            "https://app.example.com/*",
            "http://app.example.com/cb",
            "http://127.0.0.2/cb",
            "/cb",
            "app.example.com/cb",
            "javascript:alert(1)",
            "com.example.app:/cb",
            "https://user:pw@app.example.com/cb",
            "https://app.example.com/c b",
            "",
        ] {
            assert!(RedirectUri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_is_exact_for_https() {
        let uri = RedirectUri::parse("https://app.example.com/callback").unwrap();
        assert!(uri.matches("https://app.example.com/callback"));
        for other in [
            "https://app.example.com/callback/",
            "https://APP.example.com/callback",
            "https://app.example.com/Callback",
            "https://app.example.com/callback?x=1",
            "https://app.example.com/callback#f",
            "https://app.example.com.evil.com/callback",
            "https://app.example.com:443/callback",
            "http://app.example.com/callback",
        ] {
            assert!(!uri.matches(other), "{other}");
        }
    }

    #[test]
    fn only_a_loopback_port_may_vary() {
        let uri = RedirectUri::parse("http://127.0.0.1/cb").unwrap();
        assert!(uri.matches("http://127.0.0.1:51234/cb"));
        assert!(!uri.matches("http://127.0.0.1:51234/cb/"));
        assert!(!uri.matches("http://127.0.0.1:51234/CB"));
        assert!(!uri.matches("http://localhost:51234/cb"));
        assert!(!uri.matches("http://127.0.0.1:51234/cb?x=1"));
        assert!(!uri.matches("http://127.0.0.1:51234/cb#x"));
        let with_port = RedirectUri::parse("http://localhost:3000/cb").unwrap();
        assert!(with_port.matches("http://localhost:4000/cb"));
        assert!(!with_port.matches("https://localhost:4000/cb"));
    }
}
