//! The scope catalogue: every scope a token or client can hold, its one-line description, and the
//! hierarchy (a parent grants its children: `tokens` grants `tokens:read`; `admin` grants all).

use std::collections::BTreeSet;
use std::fmt;

use crate::accounts::Role;
use crate::{Error, Result};

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopeInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// The lowest role that may hold it.
    pub min_role: Role,
}

pub const CATALOGUE: &[ScopeInfo] = &[
    ScopeInfo { name: "user", description: "Read your whole profile, email address included", min_role: Role::Developer },
    ScopeInfo { name: "user:read", description: "Read your profile: name and role", min_role: Role::Developer },
    ScopeInfo { name: "user:email", description: "Read your email address", min_role: Role::Developer },
    ScopeInfo { name: "tokens", description: "List and revoke your personal access tokens", min_role: Role::Developer },
    ScopeInfo { name: "tokens:read", description: "List your personal access tokens and what they did", min_role: Role::Developer },
    ScopeInfo { name: "clients", description: "Manage your OAuth clients", min_role: Role::Developer },
    ScopeInfo { name: "clients:read", description: "Read your OAuth clients", min_role: Role::Developer },
    ScopeInfo { name: "audit:read", description: "Read the whole audit trail", min_role: Role::Auditor },
    ScopeInfo { name: "admin", description: "Everything, for every user: the admin area and its API", min_role: Role::Admin },
];

/// A scope from the catalogue. Only `Scope::parse` makes one, so an unknown scope cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope(&'static str);

impl Scope {
    pub const USER: Scope = Scope("user");
    pub const USER_READ: Scope = Scope("user:read");
    pub const USER_EMAIL: Scope = Scope("user:email");
    pub const TOKENS: Scope = Scope("tokens");
    pub const TOKENS_READ: Scope = Scope("tokens:read");
    pub const CLIENTS: Scope = Scope("clients");
    pub const CLIENTS_READ: Scope = Scope("clients:read");
    pub const AUDIT_READ: Scope = Scope("audit:read");
    pub const ADMIN: Scope = Scope("admin");

    pub fn parse(name: &str) -> Result<Self> {
        CATALOGUE
            .iter()
            .find(|s| s.name == name)
            .map(|s| Scope(s.name))
            .ok_or_else(|| Error::invalid(format!("unknown scope {:?}", name.chars().take(40).collect::<String>())))
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    pub fn info(self) -> &'static ScopeInfo {
        CATALOGUE.iter().find(|s| s.name == self.0).unwrap_or(&CATALOGUE[0])
    }

    /// `a` grants `b` when they are equal, `a` is `b`'s parent (`tokens` → `tokens:read`), or `a` is `admin`.
    pub fn grants(self, other: Scope) -> bool {
        self == other
            || self.0 == "admin"
            || other.0.split_once(':').is_some_and(|(parent, _)| parent == self.0)
    }

    /// Whether a user of `role` may hold this scope.
    pub fn allowed_for(self, role: Role) -> bool {
        role.rank() >= self.info().min_role.rank()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A non-empty set of scopes, stored as space-separated text (the OAuth `scope` form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeSet(BTreeSet<Scope>);

impl ScopeSet {
    /// Parses space- or comma-separated names; refuses unknown names and an empty set.
    pub fn parse(text: &str) -> Result<Self> {
        let set = text
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(Scope::parse)
            .collect::<Result<BTreeSet<_>>>()?;
        if set.is_empty() {
            return Err(Error::invalid("choose at least one scope"));
        }
        Ok(ScopeSet(set))
    }

    /// The empty set: what a credential holds once its owner's role or the policy took every one of
    /// its scopes away. It grants nothing; `parse` never makes one.
    pub fn nothing() -> ScopeSet {
        ScopeSet(BTreeSet::new())
    }

    /// A set of the given scopes; `None` when there are none.
    pub fn from_scopes(scopes: impl IntoIterator<Item = Scope>) -> Option<ScopeSet> {
        let set: BTreeSet<Scope> = scopes.into_iter().collect();
        (!set.is_empty()).then_some(ScopeSet(set))
    }

    pub fn grants(&self, required: Scope) -> bool {
        self.0.iter().any(|s| s.grants(required))
    }

    /// Refuses a set holding any scope beyond the role.
    pub fn check_role(&self, role: Role) -> Result<()> {
        match self.0.iter().find(|s| !s.allowed_for(role)) {
            Some(s) => Err(Error::forbidden(format!("your role cannot grant the scope {s}"))),
            None => Ok(()),
        }
    }

    /// What both sets grant, as the fewest scopes (`user` and `user:read` give `user:read`);
    /// `None` when they share nothing.
    pub fn common(a: &ScopeSet, b: &ScopeSet) -> Option<ScopeSet> {
        let both: Vec<Scope> = CATALOGUE.iter().map(|i| Scope(i.name)).filter(|s| a.grants(*s) && b.grants(*s)).collect();
        let minimal: BTreeSet<Scope> = both.iter().copied().filter(|s| !both.iter().any(|o| o != s && o.grants(*s))).collect();
        (!minimal.is_empty()).then_some(ScopeSet(minimal))
    }

    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    pub fn to_text(&self) -> String {
        self.0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn common_scopes_are_what_both_grant_in_the_fewest_names() {
        let set = |t: &str| ScopeSet::parse(t).unwrap();
        assert_eq!(ScopeSet::common(&set("user tokens:read"), &set("user:read tokens:read clients")).unwrap().to_text(), "tokens:read user:read");
        assert_eq!(ScopeSet::common(&set("admin"), &set("tokens")).unwrap().to_text(), "tokens");
        assert_eq!(ScopeSet::common(&set("user"), &set("user")).unwrap().to_text(), "user");
        assert!(ScopeSet::common(&set("user"), &set("clients")).is_none());
    }

    use super::*;

    #[test]
    fn catalogue_names_follow_the_naming_rule() {
        for s in CATALOGUE {
            assert!(s.name.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == ':'), "{}", s.name);
            // A child's parent, where the catalogue has it, holds the child's role or a lower one.
            if let Some(parent) = s.name.split_once(':').and_then(|(p, _)| CATALOGUE.iter().find(|c| c.name == p)) {
                assert!(parent.min_role.rank() <= s.min_role.rank(), "{}", s.name);
            }
            assert!(!s.description.is_empty());
        }
    }

    #[test]
    fn the_named_constants_are_the_catalogue() {
        let consts = [
            Scope::USER, Scope::USER_READ, Scope::USER_EMAIL, Scope::TOKENS, Scope::TOKENS_READ,
            Scope::CLIENTS, Scope::CLIENTS_READ, Scope::AUDIT_READ, Scope::ADMIN,
        ];
        assert_eq!(consts.len(), CATALOGUE.len());
        for c in consts {
            assert_eq!(Scope::parse(c.as_str()).unwrap(), c);
        }
    }

    #[test]
    fn unknown_scopes_are_refused() {
        assert!(Scope::parse("user").is_ok());
        assert!(Scope::parse("users").is_err());
        assert!(Scope::parse("USER").is_err());
        assert!(ScopeSet::parse("user repo").is_err());
        assert!(ScopeSet::parse("  ").is_err());
    }

    #[test]
    fn a_parent_grants_its_children_but_not_the_reverse() {
        let s = |n| Scope::parse(n).unwrap();
        assert!(s("tokens").grants(s("tokens:read")));
        assert!(!s("tokens:read").grants(s("tokens")));
        assert!(s("user").grants(s("user:email")));
        assert!(!s("user").grants(s("tokens:read")));
        assert!(s("admin").grants(s("audit:read")));
        let set = ScopeSet::parse("user:email, tokens").unwrap();
        assert!(set.grants(s("tokens:read")) && set.grants(s("user:email")) && !set.grants(s("user")));
        assert_eq!(set.to_text(), "tokens user:email");
    }

    #[test]
    fn a_role_cannot_grant_scopes_beyond_itself() {
        assert!(ScopeSet::parse("audit:read").unwrap().check_role(Role::Developer).is_err());
        assert!(ScopeSet::parse("audit:read").unwrap().check_role(Role::Auditor).is_ok());
        assert!(ScopeSet::parse("admin").unwrap().check_role(Role::Auditor).is_err());
        assert!(ScopeSet::parse("admin user").unwrap().check_role(Role::Admin).is_ok());
    }
}
