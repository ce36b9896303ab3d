//! Proof of the right to act in the admin area, checked against the caller's current role. Only
//! these constructors make one, so a function that takes `&AdminActor` cannot run for anyone else.

use crate::accounts::{Role, User, UserStatus};
use crate::{Error, Result};

/// An active admin: may change everything in the admin area.
#[derive(Debug, Clone)]
pub struct AdminActor {
    id: String,
}

/// An active auditor or admin: may read everything in the admin area and the audit trail.
#[derive(Debug, Clone)]
pub struct Reviewer {
    role: Role,
}

pub(crate) const ADMINS_ONLY: &str = "only admins can do this";
pub(crate) const REVIEWERS_ONLY: &str = "only auditors and admins can see this";

impl AdminActor {
    pub fn check(user: &User) -> Result<Self> {
        match (user.role, user.status) {
            (Role::Admin, UserStatus::Active) => Ok(AdminActor { id: user.id.clone() }),
            _ => Err(Error::forbidden(ADMINS_ONLY)),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

impl Reviewer {
    pub fn check(user: &User) -> Result<Self> {
        match (user.role, user.status) {
            (Role::Admin | Role::Auditor, UserStatus::Active) => Ok(Reviewer { role: user.role }),
            _ => Err(Error::forbidden(REVIEWERS_ONLY)),
        }
    }

    /// Whether this reviewer may also change things (an admin), for the read-only view.
    pub fn can_change(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, status: UserStatus) -> User {
        User { id: "u".into(), email: "a@example.com".into(), display_name: "A".into(), role, status, has_password: true, created_at: 0 }
    }

    #[test]
    fn only_active_admins_act_and_only_auditors_and_admins_review() {
        assert!(AdminActor::check(&user(Role::Admin, UserStatus::Active)).is_ok());
        assert!(AdminActor::check(&user(Role::Auditor, UserStatus::Active)).is_err());
        assert!(AdminActor::check(&user(Role::Developer, UserStatus::Active)).is_err());
        assert!(AdminActor::check(&user(Role::Admin, UserStatus::Disabled)).is_err());
        assert!(Reviewer::check(&user(Role::Auditor, UserStatus::Active)).is_ok_and(|r| !r.can_change()));
        assert!(Reviewer::check(&user(Role::Admin, UserStatus::Active)).is_ok_and(|r| r.can_change()));
        assert!(Reviewer::check(&user(Role::Developer, UserStatus::Active)).is_err());
    }
}
