//! What a registered OAuth client is: its kind, the grants it may use, its redirect URIs (each
//! optionally narrowing the scopes) and its scopes. Built only through `ClientSettings::validate`,
//! so a stored client always satisfies these rules.

use crate::accounts::Role;
use crate::clock::Millis;
use crate::scopes::ScopeSet;
use crate::{Error, Result};

use super::redirect_uri::RedirectUri;

/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// A server-side app that can keep a secret.
    Confidential,
    /// A single-page or native app: no secret, PKCE only.
    Public,
}

impl ClientKind {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "confidential" => Ok(ClientKind::Confidential),
            "public" => Ok(ClientKind::Public),
            _ => Err(Error::invalid("the client type is \"confidential\" or \"public\"")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Confidential => "confidential",
            ClientKind::Public => "public",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
    ClientCredentials,
    TokenExchange,
}

pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";

impl GrantType {
    pub const ALL: [GrantType; 4] =
        [GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials, GrantType::TokenExchange];

    /// The name on the wire (`grant_type` and discovery metadata).
    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::TokenExchange => TOKEN_EXCHANGE,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        GrantType::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// A redirect URI and, optionally, the narrower scopes a request through it may ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub uri: RedirectUri,
    pub scopes: Option<ScopeSet>,
}

/// The changeable settings of a client, validated together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    pub name: String,
    pub grant_types: Vec<GrantType>,
    pub scopes: ScopeSet,
    pub redirects: Vec<Redirect>,
}

/// What a person typed, before validation.
#[derive(Debug, Clone, Default)]
pub struct ClientInput {
    pub name: String,
    pub grant_types: Vec<String>,
    pub scopes: String,
    /// `(uri, optional space-separated scopes)`.
    pub redirects: Vec<(String, Option<String>)>,
}

impl ClientSettings {
    /// Checks every rule for a client of `kind` owned by someone with `role`.
    pub fn validate(input: ClientInput, kind: ClientKind, role: Role) -> Result<Self> {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(Error::invalid("name the client with 1 to 100 characters"));
        }
        let mut grant_types = Vec::new();
        for g in &input.grant_types {
            let grant = GrantType::parse(g.trim()).ok_or_else(|| Error::invalid(format!("unknown grant type {:?}", shorten(g))))?;
            if !grant_types.contains(&grant) {
                grant_types.push(grant);
            }
        }
        grant_types.sort();
        if grant_types.is_empty() {
            return Err(Error::invalid("choose at least one grant type"));
        }
        if kind == ClientKind::Public && grant_types.contains(&GrantType::ClientCredentials) {
            return Err(Error::invalid("a public client cannot use client credentials: it has no secret"));
        }
        let scopes = ScopeSet::parse(&input.scopes).map_err(|_| Error::invalid("choose at least one known scope"))?;
        scopes.check_role(role)?;
        if input.redirects.is_empty() {
            return Err(Error::invalid("register at least one redirect URI"));
        }
        if input.redirects.len() > MAX_REDIRECT_URIS {
            return Err(Error::invalid(format!("register at most {MAX_REDIRECT_URIS} redirect URIs")));
        }
        let mut redirects: Vec<Redirect> = Vec::new();
        for (uri, narrow) in input.redirects {
            let uri = RedirectUri::parse(&uri)?;
            if redirects.iter().any(|r| r.uri == uri) {
                return Err(Error::invalid(format!("the redirect URI {uri} is listed twice")));
            }
            let narrow = match narrow.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => None,
                Some(text) => {
                    let set = ScopeSet::parse(text)?;
                    if let Some(extra) = set.iter().find(|s| !scopes.grants(*s)) {
                        return Err(Error::invalid(format!("the redirect URI {uri} asks for {extra}, which the client does not have")));
                    }
                    Some(set)
                }
            };
            redirects.push(Redirect { uri, scopes: narrow });
        }
        Ok(ClientSettings { name: name.to_owned(), grant_types, scopes, redirects })
    }

    pub fn grant_types_text(&self) -> String {
        self.grant_types.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientStatus {
    Active,
    Disabled,
}

impl ClientStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientStatus::Active => "active",
            ClientStatus::Disabled => "disabled",
        }
    }
}

/// A secret as the owner sees it: never the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    pub id: String,
    pub hint: String,
    pub created_at: Millis,
    /// `None` for the current secret; the end of the grace period for a rotated one.
    pub expires_at: Option<Millis>,
}

/// A registered client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    pub owner_id: String,
    pub kind: ClientKind,
    pub status: ClientStatus,
    pub settings: ClientSettings,
    pub secrets: Vec<SecretInfo>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl Client {
    pub fn allows(&self, grant: GrantType) -> bool {
        self.status == ClientStatus::Active && self.settings.grant_types.contains(&grant)
    }

    /// The registered redirect that `requested` names (exact match; loopback port may vary).
    pub fn redirect(&self, requested: &str) -> Option<&Redirect> {
        self.settings.redirects.iter().find(|r| r.uri.matches(requested))
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ClientInput {
        ClientInput {
            name: "CI bot".into(),
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            scopes: "user tokens:read".into(),
            redirects: vec![("https://app.example.com/cb".into(), None), ("http://127.0.0.1/cb".into(), Some("user:read".into()))],
        }
    }

    #[test]
    fn a_valid_client_keeps_its_uris_in_order_with_their_scopes() {
        let s = ClientSettings::validate(input(), ClientKind::Confidential, Role::Developer).unwrap();
        assert_eq!(s.redirects[0].uri.as_str(), "https://app.example.com/cb");
        assert_eq!(s.redirects[1].scopes.as_ref().unwrap().to_text(), "user:read");
        assert_eq!(s.grant_types_text(), "authorization_code refresh_token");
    }

    #[test]
    fn public_clients_cannot_use_client_credentials() {
        let i = ClientInput { grant_types: vec!["client_credentials".into()], ..input() };
        assert!(ClientSettings::validate(i.clone(), ClientKind::Public, Role::Developer).is_err());
        assert!(ClientSettings::validate(i, ClientKind::Confidential, Role::Developer).is_ok());
    }

    #[test]
    fn unknown_grants_the_password_grant_and_no_grant_are_refused() {
        for grants in [vec!["password".to_owned()], vec!["implicit".to_owned()], vec![]] {
            assert!(ClientSettings::validate(ClientInput { grant_types: grants, ..input() }, ClientKind::Confidential, Role::Developer).is_err());
        }
    }

    #[test]
    fn a_uri_cannot_widen_the_clients_scopes_and_scopes_stay_within_the_role() {
        let wider = ClientInput { redirects: vec![("https://a.example/cb".into(), Some("clients".into()))], ..input() };
        assert!(ClientSettings::validate(wider, ClientKind::Confidential, Role::Developer).is_err());
        let admin = ClientInput { scopes: "admin".into(), ..input() };
        assert!(ClientSettings::validate(admin, ClientKind::Confidential, Role::Developer).is_err());
    }

    #[test]
    fn at_least_one_and_no_duplicate_redirect_uris() {
        assert!(ClientSettings::validate(ClientInput { redirects: vec![], ..input() }, ClientKind::Public, Role::Developer).is_err());
        let twice = ClientInput { redirects: vec![("https://a.example/cb".into(), None), ("https://a.example/cb".into(), None)], ..input() };
        assert!(ClientSettings::validate(twice, ClientKind::Public, Role::Developer).is_err());
    }
}
