//! `User`: an account as the rest of the system sees it (never its password hash).

use super::{Accounts, Role, UserStatus};
use crate::store::accounts::{self as rows, UserRow};
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub has_password: bool,
    pub created_at: i64,
}

impl TryFrom<UserRow> for User {
    type Error = Error;
    fn try_from(r: UserRow) -> Result<Self> {
        Ok(User {
            role: Role::parse(&r.role).map_err(|_| Error::internal_msg("unknown role in the database"))?,
            status: UserStatus::parse(&r.status)?,
            has_password: r.password_hash.is_some(),
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            created_at: r.created_at,
        })
    }
}

/// A display name: 1 to 80 printable characters.
pub(crate) fn validate_display_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(Error::invalid("enter a name of 1 to 80 characters"));
    }
    Ok(name.to_owned())
}

impl Accounts {
    pub async fn user(&self, id: &str) -> Result<User> {
        let mut conn = self.store.pool().acquire().await?;
        rows::user_by_id(&mut conn, id).await?.ok_or(Error::NotFound)?.try_into()
    }

    pub async fn user_count(&self) -> Result<i64> {
        let mut conn = self.store.pool().acquire().await?;
        rows::count_users(&mut conn).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(validate_display_name("  Ada  ").unwrap(), "Ada");
        assert!(validate_display_name("   ").is_err());
        assert!(validate_display_name(&"x".repeat(81)).is_err());
        assert!(validate_display_name("a\u{0}b").is_err());
    }
}

impl Accounts {
    pub async fn user_by_email(&self, email: &super::Email) -> Result<User> {
        let mut conn = self.store.pool().acquire().await?;
        rows::user_by_email(&mut conn, email.as_str()).await?.ok_or(Error::NotFound)?.try_into()
    }
}
