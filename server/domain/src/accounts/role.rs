//! Roles and account states, stored as TEXT.

use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Developer,
    Auditor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Developer => "developer",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// Developer < auditor < admin.
    pub fn rank(self) -> u8 {
        match self {
            Role::Developer => 0,
            Role::Auditor => 1,
            Role::Admin => 2,
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "developer" => Ok(Role::Developer),
            "auditor" => Ok(Role::Auditor),
            "admin" => Ok(Role::Admin),
            _ => Err(Error::invalid("role must be developer, auditor or admin")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(UserStatus::Active),
            "disabled" => Ok(UserStatus::Disabled),
            _ => Err(Error::internal_msg("unknown user status in the database")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for r in [Role::Developer, Role::Auditor, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
    }
}
