//! Creating, listing, revoking and regenerating personal access tokens. A token is immutable: only
//! its status changes. The plaintext exists once, in the return value of `create`/`regenerate`.

use sqlx::AnyConnection;

use super::allowlist::Allowlist;
use super::format::{self, Prefix, Token};
use crate::accounts::User;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{DAY, Millis, now_ms};
use crate::crypto::sha256_hex;
use crate::policy::{InstancePolicy, LivePolicy};
use crate::notifications::{self, NoticeKind};
use crate::scopes::{Scope, ScopeSet};
use crate::store::tokens::{self as rows, TokenRow};
use crate::store::{Store, new_id};
use crate::{Error, Result};

/// Ended tokens stay visible, greyed, this long.
pub const ENDED_VISIBLE_FOR: Millis = 90 * DAY;
pub const PRESET_DAYS: [u32; 4] = [7, 30, 60, 90];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// One of 7, 30, 60 or 90 days from now.
    Days(u32),
    /// A chosen moment (end of a date).
    At(Millis),
    Never,
}

pub struct NewToken {
    pub name: String,
    pub note: Option<String>,
    pub scopes: ScopeSet,
    pub expiry: Expiry,
    pub allowlist: Allowlist,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenStatus {
    Active,
    Revoked { at: Millis, reason: String },
    Expired { at: Millis },
    ExpiredInactive { at: Millis },
}

#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub note: Option<String>,
    pub scopes: Vec<String>,
    pub hint: String,
    pub allowlist: Vec<String>,
    pub status: TokenStatus,
    pub created_at: Millis,
    pub expires_at: Option<Millis>,
    pub last_used_at: Option<Millis>,
    pub last_used_ip: Option<String>,
    pub last_used_ua: Option<String>,
}

impl From<TokenRow> for TokenInfo {
    fn from(r: TokenRow) -> Self {
        let at = r.status_at.unwrap_or(r.created_at);
        let status = match r.status.as_str() {
            "active" => TokenStatus::Active,
            "expired" => TokenStatus::Expired { at },
            "expired_inactive" => TokenStatus::ExpiredInactive { at },
            _ => TokenStatus::Revoked { at, reason: r.status_reason.clone().unwrap_or_default() },
        };
        TokenInfo {
            id: r.id,
            name: r.name,
            note: r.note,
            scopes: r.scopes.split_whitespace().map(str::to_owned).collect(),
            hint: r.hint,
            allowlist: r.allowlist.map(|a| a.split_whitespace().map(str::to_owned).collect()).unwrap_or_default(),
            status,
            created_at: r.created_at,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            last_used_ip: r.last_used_ip,
            last_used_ua: r.last_used_ua,
        }
    }
}

fn validate_name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(Error::invalid("name the token with 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

fn validate_note(raw: Option<String>) -> Result<Option<String>> {
    match raw.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 500 => Err(Error::invalid("keep the note under 500 characters")),
        other => Ok(other),
    }
}

#[derive(Clone)]
pub struct Tokens {
    store: Store,
    /// Shared, so a clone of the service (one per API request) allocates nothing.
    prefix: std::sync::Arc<Prefix>,
    policy: LivePolicy,
    pub(super) cache: super::verify::Cache,
    pub(super) activity: super::activity::ActivityBuffer,
}

impl Tokens {
    pub fn new(store: Store, prefix: Prefix, policy: LivePolicy) -> Self {
        Tokens { store, prefix: std::sync::Arc::new(prefix), policy, cache: Default::default(), activity: Default::default() }
    }

    pub(super) fn store(&self) -> &Store {
        &self.store
    }

    /// The instance policy in force now.
    pub fn policy(&self) -> std::sync::Arc<InstancePolicy> {
        self.policy.current()
    }

    pub fn prefix(&self) -> &Prefix {
        &self.prefix
    }

    /// When a token made now with `expiry` ends; refuses what the policy does not allow.
    pub fn expires_at(&self, expiry: Expiry, now: Millis) -> Result<Option<Millis>> {
        let policy = self.policy();
        let max = now + policy.max_lifetime_days as i64 * DAY;
        match expiry {
            Expiry::Days(d) if PRESET_DAYS.contains(&d) => Ok(Some((now + d as i64 * DAY).min(max))),
            Expiry::Days(_) => Err(Error::invalid("choose 7, 30, 60 or 90 days, or a date")),
            Expiry::At(t) if t <= now => Err(Error::invalid("the expiry date must be in the future")),
            Expiry::At(t) if t > max => Err(Error::invalid(format!(
                "tokens live at most {} days on this instance",
                policy.max_lifetime_days
            ))),
            Expiry::At(t) => Ok(Some(t)),
            Expiry::Never if policy.allow_no_expiry => Ok(None),
            Expiry::Never => Err(Error::invalid("tokens without expiry are not allowed on this instance")),
        }
    }

    /// Creates a token; returns its description and, once, the token itself.
    pub async fn create(&self, user: &User, new: NewToken, meta: &RequestMeta) -> Result<(TokenInfo, Token)> {
        let now = now_ms();
        self.policy().check_scopes(user.role, &new.scopes)?;
        let row_settings = (
            validate_name(&new.name)?,
            validate_note(new.note)?,
            new.scopes.to_text(),
            new.allowlist.to_text(),
            self.expires_at(new.expiry, now)?,
        );
        let mut tx = self.store.begin().await?;
        let (info, token) = self.insert(&mut tx, &user.id, row_settings, now).await?;
        audit::record(&mut tx, meta, Event { target: Some(&info.id), detail: Some(&info.scopes.join(" ")), ..Event::success(EventType::TokenCreated, Some(&user.id)) })
            .await?;
        if new.scopes.iter().any(|s| s == Scope::ADMIN) {
            let message = format!("{} created the personal access token “{}” with the admin scope.", user.display_name, info.name);
            notifications::notify_admins(&mut tx, NoticeKind::AdminTokenCreated, &message).await?;
        }
        tx.commit().await?;
        Ok((info, token))
    }

    async fn insert(
        &self,
        conn: &mut AnyConnection,
        user_id: &str,
        (name, note, scopes, allowlist, expires_at): (String, Option<String>, String, Option<String>, Option<Millis>),
        now: Millis,
    ) -> Result<(TokenInfo, Token)> {
        let token = format::generate(&self.prefix);
        let row = TokenRow {
            id: new_id(),
            user_id: user_id.to_owned(),
            name,
            note,
            scopes,
            digest: sha256_hex(token.expose().as_bytes()),
            hint: token.hint(),
            allowlist,
            status: "active".to_owned(),
            status_reason: None,
            status_at: None,
            created_at: now,
            expires_at,
            last_used_at: None,
            last_used_ip: None,
            last_used_ua: None,
        };
        rows::insert(conn, &row).await?;
        Ok((row.into(), token))
    }

    /// The user's tokens: active ones, and ended ones for 90 days.
    pub async fn list(&self, user_id: &str) -> Result<Vec<TokenInfo>> {
        let mut conn = self.store.pool().acquire().await?;
        Ok(rows::for_user(&mut conn, user_id, now_ms() - ENDED_VISIBLE_FOR).await?.into_iter().map(Into::into).collect())
    }

    /// One of the user's tokens; another user's token is simply not found.
    pub async fn get(&self, user_id: &str, id: &str) -> Result<TokenInfo> {
        let mut conn = self.store.pool().acquire().await?;
        rows::by_id_for_user(&mut conn, user_id, id).await?.map(Into::into).ok_or(Error::NotFound)
    }

    pub async fn revoke(&self, user_id: &str, id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if !rows::end(&mut tx, user_id, id, "revoked", "revoked by its owner", now_ms()).await? {
            return Err(Error::NotFound);
        }
        audit::record(&mut tx, meta, Event { target: Some(id), ..Event::success(EventType::TokenRevoked, Some(user_id)) }).await?;
        tx.commit().await?;
        self.ended(id);
        Ok(())
    }

    /// A new token with the same name, note, scopes, allowlist and lifetime; the old one is revoked
    /// in the same transaction.
    pub async fn regenerate(&self, user: &User, id: &str, meta: &RequestMeta) -> Result<(TokenInfo, Token)> {
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let old = rows::by_id_for_user(&mut tx, &user.id, id).await?.filter(|r| r.status == "active").ok_or(Error::NotFound)?;
        self.policy().check_scopes(user.role, &ScopeSet::parse(&old.scopes)?)?;
        if !rows::end(&mut tx, &user.id, id, "revoked", "regenerated", now).await? {
            return Err(Error::NotFound);
        }
        let lifetime = old.expires_at.map(|e| e - old.created_at);
        let settings = (old.name, old.note, old.scopes, old.allowlist, lifetime.map(|l| now + l));
        let (info, token) = self.insert(&mut tx, &user.id, settings, now).await?;
        audit::record(&mut tx, meta, Event { target: Some(&info.id), detail: Some(id), ..Event::success(EventType::TokenRegenerated, Some(&user.id)) })
            .await?;
        tx.commit().await?;
        self.ended(id);
        Ok((info, token))
    }
}
