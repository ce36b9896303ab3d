//! The instance policy an admin changes at runtime: token lifetimes, inactivity, MFA for everyone,
//! self-registration and the scopes each role may grant. Start-up flags give the first value; once
//! an admin saves the policy page, the stored row wins. Readers take a snapshot (`current`), so a
//! change applies to the next request without a restart.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use crate::accounts::Role;
use crate::admin::AdminActor;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::now_ms;
use crate::scopes::{CATALOGUE, Scope, ScopeSet};
use crate::store::Store;
use crate::{Error, Result};

pub const MAX_LIFETIME_DAYS: u32 = 3650;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstancePolicy {
    /// The longest lifetime a personal access token may have.
    pub max_lifetime_days: u32,
    pub allow_no_expiry: bool,
    /// Tokens unused this many days expire; 0 turns this off.
    pub inactivity_days: u32,
    /// Every account must have a second factor.
    pub require_mfa: bool,
    /// Anyone may create a developer account without an invitation.
    pub self_registration: bool,
    pub role_scopes: RoleScopes,
}

/// What each role may grant to tokens and clients (developer, auditor, admin). Only made by
/// `InstancePolicy::validate` or `default`, so it always stays within each role's ceiling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleScopes([BTreeSet<Scope>; 3]);

impl Default for RoleScopes {
    fn default() -> Self {
        RoleScopes([ceiling(Role::Developer), ceiling(Role::Auditor), ceiling(Role::Admin)])
    }
}

fn index(role: Role) -> usize {
    match role {
        Role::Developer => 0,
        Role::Auditor => 1,
        Role::Admin => 2,
    }
}

/// Everything the catalogue lets a role hold.
pub fn ceiling(role: Role) -> BTreeSet<Scope> {
    CATALOGUE.iter().filter_map(|i| Scope::parse(i.name).ok()).filter(|s| s.allowed_for(role)).collect()
}

impl Default for InstancePolicy {
    fn default() -> Self {
        InstancePolicy {
            max_lifetime_days: 365,
            allow_no_expiry: false,
            inactivity_days: 90,
            require_mfa: false,
            self_registration: false,
            role_scopes: RoleScopes::default(),
        }
    }
}

/// The policy as stored and as the policy page sends it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicySettings {
    pub max_lifetime_days: u32,
    pub allow_no_expiry: bool,
    pub inactivity_days: u32,
    pub require_mfa: bool,
    pub self_registration: bool,
    /// Space-separated scope names per role.
    pub developer_scopes: String,
    pub auditor_scopes: String,
    pub admin_scopes: String,
}

impl InstancePolicy {
    /// Checks every rule; the message names the setting that breaks one.
    pub fn validate(s: &PolicySettings) -> Result<Self> {
        if !(1..=MAX_LIFETIME_DAYS).contains(&s.max_lifetime_days) {
            return Err(Error::invalid(format!("the maximum token lifetime must be 1 to {MAX_LIFETIME_DAYS} days")));
        }
        if s.inactivity_days > MAX_LIFETIME_DAYS {
            return Err(Error::invalid(format!("the inactivity window must be 0 (off) to {MAX_LIFETIME_DAYS} days")));
        }
        let scopes = |role: Role, text: &str| -> Result<BTreeSet<Scope>> {
            let set: BTreeSet<Scope> =
                text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).map(Scope::parse).collect::<Result<_>>()?;
            match set.iter().find(|s| !s.allowed_for(role)) {
                Some(s) => Err(Error::invalid(format!("the {} role cannot hold the scope {s}", role.as_str()))),
                None => Ok(set),
            }
        };
        Ok(InstancePolicy {
            max_lifetime_days: s.max_lifetime_days,
            allow_no_expiry: s.allow_no_expiry,
            inactivity_days: s.inactivity_days,
            require_mfa: s.require_mfa,
            self_registration: s.self_registration,
            role_scopes: RoleScopes([
                scopes(Role::Developer, &s.developer_scopes)?,
                scopes(Role::Auditor, &s.auditor_scopes)?,
                scopes(Role::Admin, &s.admin_scopes)?,
            ]),
        })
    }

    pub fn settings(&self) -> PolicySettings {
        let text = |role: Role| self.allowed(role).iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
        PolicySettings {
            max_lifetime_days: self.max_lifetime_days,
            allow_no_expiry: self.allow_no_expiry,
            inactivity_days: self.inactivity_days,
            require_mfa: self.require_mfa,
            self_registration: self.self_registration,
            developer_scopes: text(Role::Developer),
            auditor_scopes: text(Role::Auditor),
            admin_scopes: text(Role::Admin),
        }
    }

    /// The scopes a role may grant now.
    pub fn allowed(&self, role: Role) -> &BTreeSet<Scope> {
        &self.role_scopes.0[index(role)]
    }

    /// Whether every scope of the set is one the role may grant (directly or through a parent).
    pub fn check_scopes(&self, role: Role, set: &ScopeSet) -> Result<()> {
        set.check_role(role)?;
        let allowed = self.allowed(role);
        match set.iter().find(|s| !allowed.iter().any(|a| a.grants(*s))) {
            Some(s) => Err(Error::forbidden(format!("the instance policy does not let your role grant the scope {s}"))),
            None => Ok(()),
        }
    }

    /// What a credential holding `set` may still do for an owner of `role` under this policy:
    /// a role change or a policy change takes away at once what it no longer allows. What is left
    /// may be nothing; the credential is still genuine, so its calls get 403, not 401.
    pub fn effective(&self, role: Role, set: &ScopeSet) -> ScopeSet {
        if self.check_scopes(role, set).is_ok() {
            return set.clone();
        }
        ScopeSet::from_scopes(self.allowed(role).iter().copied())
            .and_then(|allowed| ScopeSet::common(set, &allowed))
            .unwrap_or_else(ScopeSet::nothing)
    }

    /// Names of the settings that differ, for the audit record.
    fn changes(&self, other: &InstancePolicy) -> Vec<&'static str> {
        let (a, b) = (self.settings(), other.settings());
        let mut out = Vec::new();
        let mut note = |changed: bool, name| {
            if changed {
                out.push(name)
            }
        };
        note(a.max_lifetime_days != b.max_lifetime_days, "max_lifetime_days");
        note(a.allow_no_expiry != b.allow_no_expiry, "allow_no_expiry");
        note(a.inactivity_days != b.inactivity_days, "inactivity_days");
        note(a.require_mfa != b.require_mfa, "require_mfa");
        note(a.self_registration != b.self_registration, "self_registration");
        note(a.developer_scopes != b.developer_scopes, "developer_scopes");
        note(a.auditor_scopes != b.auditor_scopes, "auditor_scopes");
        note(a.admin_scopes != b.admin_scopes, "admin_scopes");
        out
    }
}

/// The policy in force, shared by every service; a clone shares the same snapshot.
#[derive(Clone, Debug)]
pub struct LivePolicy(Arc<RwLock<Arc<InstancePolicy>>>);

impl LivePolicy {
    pub fn new(initial: InstancePolicy) -> Self {
        LivePolicy(Arc::new(RwLock::new(Arc::new(initial))))
    }

    pub fn current(&self) -> Arc<InstancePolicy> {
        match self.0.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, p: InstancePolicy) {
        match self.0.write() {
            Ok(mut w) => *w = Arc::new(p),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(p),
        }
    }

    /// Takes the stored policy, if an admin ever saved one (at start-up, and to pick up a change
    /// another process made).
    pub async fn reload(&self, store: &Store) -> Result<()> {
        let mut conn = store.pool().acquire().await?;
        let row: Option<(String,)> = sqlx::query_as("SELECT settings FROM instance_policy WHERE id = 1").fetch_optional(&mut *conn).await?;
        if let Some((json,)) = row {
            let settings: PolicySettings = serde_json::from_str(&json).map_err(Error::internal)?;
            self.replace(InstancePolicy::validate(&settings)?);
        }
        Ok(())
    }

    /// Validates and stores a new policy, audited in the same transaction; it applies at once.
    pub async fn save(&self, store: &Store, admin: &AdminActor, settings: &PolicySettings, meta: &RequestMeta) -> Result<Arc<InstancePolicy>> {
        let admin_id = admin.id();
        let next = InstancePolicy::validate(settings)?;
        let changed = self.current().changes(&next).join(" ");
        let json = serde_json::to_string(&next.settings()).map_err(Error::internal)?;
        let now = now_ms();
        let mut tx = store.begin().await?;
        sqlx::query(
            "INSERT INTO instance_policy (id, settings, updated_at, updated_by) VALUES (1, $1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET settings = $1, updated_at = $2, updated_by = $3",
        )
        .bind(&json)
        .bind(now)
        .bind(admin_id)
        .execute(&mut *tx)
        .await?;
        let detail = if changed.is_empty() { "unchanged" } else { changed.as_str() };
        audit::record(&mut tx, meta, Event { target: None, detail: Some(detail), ..Event::success(EventType::PolicyChanged, Some(admin_id)) }).await?;
        tx.commit().await?;
        self.replace(next);
        store.announce(crate::store::notices::Notice::Policy);
        Ok(self.current())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PolicySettings {
        InstancePolicy::default().settings()
    }

    #[test]
    fn the_default_lets_each_role_grant_its_whole_ceiling() {
        let p = InstancePolicy::default();
        assert!(p.check_scopes(Role::Developer, &ScopeSet::parse("user tokens clients").unwrap()).is_ok());
        assert!(p.check_scopes(Role::Developer, &ScopeSet::parse("audit:read").unwrap()).is_err());
        assert!(p.check_scopes(Role::Admin, &ScopeSet::parse("admin").unwrap()).is_ok());
        assert_eq!(InstancePolicy::validate(&p.settings()).unwrap(), p);
    }

    #[test]
    fn a_role_cannot_be_given_scopes_beyond_its_ceiling() {
        let err = InstancePolicy::validate(&PolicySettings { developer_scopes: "user admin".into(), ..settings() }).unwrap_err();
        assert!(err.to_string().contains("developer role cannot hold the scope admin"), "{err}");
        assert!(InstancePolicy::validate(&PolicySettings { auditor_scopes: "repo".into(), ..settings() }).is_err());
    }

    #[test]
    fn lifetimes_are_bounded() {
        assert!(InstancePolicy::validate(&PolicySettings { max_lifetime_days: 0, ..settings() }).is_err());
        assert!(InstancePolicy::validate(&PolicySettings { max_lifetime_days: 3651, ..settings() }).is_err());
        assert!(InstancePolicy::validate(&PolicySettings { inactivity_days: 0, ..settings() }).is_ok());
    }

    #[test]
    fn a_narrowed_role_keeps_only_what_the_policy_still_allows() {
        let p = InstancePolicy::validate(&PolicySettings { developer_scopes: "user:read tokens:read".into(), ..settings() }).unwrap();
        let held = ScopeSet::parse("user tokens clients").unwrap();
        assert!(p.check_scopes(Role::Developer, &held).is_err());
        assert!(p.check_scopes(Role::Developer, &ScopeSet::parse("tokens:read").unwrap()).is_ok());
        assert_eq!(p.effective(Role::Developer, &held).to_text(), "tokens:read user:read");
        let nothing = p.effective(Role::Developer, &ScopeSet::parse("clients").unwrap());
        assert!(nothing.iter().next().is_none() && !nothing.grants(Scope::CLIENTS_READ));
        // A demoted admin's `admin` token keeps nothing of `admin` itself.
        let demoted = InstancePolicy::default().effective(Role::Developer, &ScopeSet::parse("admin").unwrap());
        assert!(!demoted.grants(Scope::ADMIN) && !demoted.grants(Scope::AUDIT_READ));
    }

    #[test]
    fn changes_name_the_settings_that_differ() {
        let a = InstancePolicy::default();
        let b = InstancePolicy::validate(&PolicySettings { require_mfa: true, admin_scopes: "admin".into(), ..settings() }).unwrap();
        assert_eq!(a.changes(&b), vec!["require_mfa", "admin_scopes"]);
    }
}
