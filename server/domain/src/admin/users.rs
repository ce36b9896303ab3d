//! Users, as an admin manages them: list and search, change a role, disable (which ends their
//! sessions, tokens and grants at once), re-enable, and reset second factors. The last active
//! admin can be neither demoted nor disabled.

use super::{Admin, AdminActor, Reviewer};
use crate::accounts::{Role, UserStatus};
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{Millis, now_ms};
use crate::notifications::{self, Notice, NoticeKind};
use crate::scopes::ScopeSet;
use crate::store::accounts::{self as rows, UserListRow};
use crate::store::{Tx, oauth_grants, passkeys, sessions, tokens as token_rows};
use crate::{Error, Result};

pub const MAX_USER_PAGE: i64 = 100;
const LAST_ADMIN: &str = "this is the last active admin; make another account an admin first";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEntry {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: Millis,
    pub has_totp: bool,
    pub passkeys: i64,
    pub active_tokens: i64,
    /// An admin reset the second factors and the user has not enrolled again yet.
    pub must_enrol: bool,
}

impl TryFrom<UserListRow> for UserEntry {
    type Error = Error;
    fn try_from(r: UserListRow) -> Result<Self> {
        Ok(UserEntry {
            role: Role::parse(&r.role)?,
            status: UserStatus::parse(&r.status)?,
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            created_at: r.created_at,
            has_totp: r.has_totp > 0,
            passkeys: r.passkeys,
            active_tokens: r.active_tokens,
            must_enrol: r.mfa_reset_at.is_some(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<UserEntry>,
    pub total: i64,
}

impl Admin {
    /// Users whose email or name contains `search`, by email, `limit` (1–100) from `offset`.
    pub async fn users(&self, _who: &Reviewer, search: &str, limit: i64, offset: i64) -> Result<UserPage> {
        if !(1..=MAX_USER_PAGE).contains(&limit) || offset < 0 {
            return Err(Error::invalid(format!("show 1 to {MAX_USER_PAGE} users per page")));
        }
        let search: String = search.trim().chars().take(100).collect();
        let mut conn = self.store.pool().acquire().await?;
        let (rows, total) = rows::search_users(&mut conn, &search, limit, offset).await?;
        Ok(UserPage { users: rows.into_iter().map(TryInto::try_into).collect::<Result<_>>()?, total })
    }

    pub async fn user_entry(&self, _who: &Reviewer, id: &str) -> Result<UserEntry> {
        let mut conn = self.store.pool().acquire().await?;
        rows::list_row(&mut conn, id).await?.ok_or(Error::NotFound)?.try_into()
    }

    /// Changes a role. Tokens holding scopes the new role cannot hold are revoked in the same
    /// transaction, and so are the user's OAuth grants when the role shrinks.
    pub async fn set_role(&self, admin: &AdminActor, user_id: &str, role: Role, meta: &RequestMeta) -> Result<()> {
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let target = rows::user_by_id(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
        let old = Role::parse(&target.role)?;
        if old == role {
            return Ok(());
        }
        if old == Role::Admin && target.status == UserStatus::Active.as_str() && rows::other_active_admins(&mut tx, user_id).await? == 0 {
            return Err(Error::conflict(LAST_ADMIN));
        }
        rows::set_role(&mut tx, user_id, role.as_str(), now).await?;
        let reason = format!("the owner's role changed to {}", role.as_str());
        let mut ended = 0;
        for (id, _, scopes) in token_rows::active_of_user(&mut tx, user_id).await? {
            if ScopeSet::parse(&scopes)?.check_role(role).is_err() && token_rows::end_any(&mut tx, &id, "revoked", &reason, now).await? {
                ended += 1;
            }
        }
        if role.rank() < old.rank() {
            oauth_grants::revoke_all_of_user(&mut tx, user_id, &reason, now).await?;
        }
        let detail = format!("{} -> {}; {ended} tokens revoked", old.as_str(), role.as_str());
        audit::record(&mut tx, meta, Event { target: Some(user_id), detail: Some(&detail), ..Event::success(EventType::RoleChanged, Some(admin.id())) }).await?;
        let message = format!("An admin changed your role from {} to {}.", old.as_str(), role.as_str());
        notifications::notify(&mut tx, Notice::new(user_id, NoticeKind::AccountChanged, message)).await?;
        tx.commit().await?;
        self.forget(user_id);
        Ok(())
    }

    /// Disables an account: its sessions, active tokens and OAuth grants end in the same transaction.
    pub async fn disable(&self, admin: &AdminActor, user_id: &str, meta: &RequestMeta) -> Result<()> {
        if user_id == admin.id() {
            return Err(Error::conflict("you cannot disable your own account"));
        }
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let target = rows::user_by_id(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
        if target.status == UserStatus::Disabled.as_str() {
            return Ok(());
        }
        if target.role == Role::Admin.as_str() && rows::other_active_admins(&mut tx, user_id).await? == 0 {
            return Err(Error::conflict(LAST_ADMIN));
        }
        rows::set_status(&mut tx, user_id, UserStatus::Disabled.as_str(), now).await?;
        let ended = end_everything(&mut tx, user_id, "the account was disabled by an admin", now).await?;
        audit::record(&mut tx, meta, Event { target: Some(user_id), detail: Some(&ended), ..Event::success(EventType::UserDisabled, Some(admin.id())) }).await?;
        tx.commit().await?;
        self.forget(user_id);
        Ok(())
    }

    /// Re-enables an account. What disabling ended stays ended.
    pub async fn enable(&self, admin: &AdminActor, user_id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let target = rows::user_by_id(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
        if target.status == UserStatus::Active.as_str() {
            return Ok(());
        }
        rows::set_status(&mut tx, user_id, UserStatus::Active.as_str(), now_ms()).await?;
        audit::record(&mut tx, meta, Event { target: Some(user_id), ..Event::success(EventType::UserEnabled, Some(admin.id())) }).await?;
        notifications::notify(&mut tx, Notice::new(user_id, NoticeKind::AccountChanged, "An admin re-enabled your account.")).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes the account's authenticator app, recovery codes and passkeys and ends its sessions;
    /// the next sign-in (with the password) must enrol a second factor again. An account without
    /// a password would be locked out, so it is refused.
    pub async fn reset_mfa(&self, admin: &AdminActor, user_id: &str, meta: &RequestMeta) -> Result<()> {
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let target = rows::user_by_id(&mut tx, user_id).await?.ok_or(Error::NotFound)?;
        if target.password_hash.is_none() {
            return Err(Error::conflict("this account signs in with passkeys only; removing them would lock it out"));
        }
        rows::delete_totp(&mut tx, user_id).await?;
        rows::delete_recovery_codes(&mut tx, user_id).await?;
        let removed = passkeys::delete_all_for_user(&mut tx, user_id).await?;
        rows::set_mfa_reset(&mut tx, user_id, Some(now)).await?;
        sessions::delete_all_for_user(&mut tx, user_id).await?;
        let detail = format!("{removed} passkeys removed");
        audit::record(&mut tx, meta, Event { target: Some(user_id), detail: Some(&detail), ..Event::success(EventType::MfaReset, Some(admin.id())) }).await?;
        let message = "An admin reset your second factors. Set up an authenticator app or a passkey when you next sign in.";
        notifications::notify(&mut tx, Notice::new(user_id, NoticeKind::SecurityChanged, message)).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Ends a user's sessions, active tokens and OAuth grants; returns a summary for the audit record.
async fn end_everything(tx: &mut Tx, user_id: &str, reason: &str, now: Millis) -> Result<String> {
    let sessions = sessions::delete_all_for_user(tx, user_id).await?;
    let mut tokens = 0;
    for (id, _, _) in token_rows::active_of_user(tx, user_id).await? {
        if token_rows::end_any(tx, &id, "revoked", reason, now).await? {
            tokens += 1;
        }
    }
    let families = oauth_grants::revoke_all_of_user(tx, user_id, reason, now).await?;
    Ok(format!("{sessions} sessions, {tokens} tokens, {families} grants ended"))
}
