//! Registering, changing, disabling and deleting clients, and their secrets. A secret is shown once
//! (the return value of `register`/`rotate_secret`) and stored as a SHA-256 digest; rotation keeps the
//! old secret working for a grace period of 0 to 7 days. Every change is audited in its transaction.

use std::fmt;

use sqlx::AnyConnection;

use super::OAuth;
use super::client_cache;
use super::client::{Client, ClientInput, ClientKind, ClientSettings, ClientStatus, GrantType, Redirect, SecretInfo};
use super::redirect_uri::RedirectUri;
use crate::accounts::Role;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{DAY, Millis, now_ms};
use crate::crypto::sha256_hex;
use crate::scopes::ScopeSet;
use crate::store::new_id;
use crate::store::oauth_clients::{self as rows, ClientRow, SecretRow};
use crate::tokens::format::{self, Prefix};
use crate::{Error, Result};

pub const SECRET_PREFIX: &str = "gac";

/// A change to a client: `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    pub settings: SettingsPatch,
    pub status: Option<ClientStatus>,
}

#[derive(Debug, Clone, Default)]
pub struct SettingsPatch {
    pub name: Option<String>,
    pub grant_types: Option<Vec<String>>,
    pub scopes: Option<String>,
    pub redirects: Option<Vec<(String, Option<String>)>>,
}

impl ClientPatch {
    fn touches_settings(&self) -> bool {
        let s = &self.settings;
        s.name.is_some() || s.grant_types.is_some() || s.scopes.is_some() || s.redirects.is_some()
    }
}

impl SettingsPatch {
    fn merge(self, current: &ClientSettings) -> ClientInput {
        ClientInput {
            name: self.name.unwrap_or_else(|| current.name.clone()),
            grant_types: self.grant_types.unwrap_or_else(|| current.grant_types.iter().map(|g| g.as_str().to_owned()).collect()),
            scopes: self.scopes.unwrap_or_else(|| current.scopes.to_text()),
            redirects: self.redirects.unwrap_or_else(|| redirect_rows(&current.redirects)),
        }
    }
}

/// Who registers or changes a client: their id, and their role (which bounds the client's scopes).
#[derive(Debug, Clone, Copy)]
pub struct Owner<'a> {
    pub id: &'a str,
    pub role: Role,
}
pub const MAX_SECRET_GRACE_DAYS: u32 = 7;

/// A client secret in plain text: exists only between its creation and the response showing it.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret(<redacted>)")
    }
}

fn secret_prefix() -> Prefix {
    Prefix::new(SECRET_PREFIX).unwrap_or_else(Prefix::personal)
}

impl OAuth {
    /// Registers a client for `owner`; a confidential client gets its first secret, returned once.
    pub async fn register(&self, owner: Owner<'_>, kind: ClientKind, input: ClientInput, meta: &RequestMeta) -> Result<(Client, Option<ClientSecret>)> {
        let settings = ClientSettings::validate(input, kind, owner.role)?;
        self.instance().check_scopes(owner.role, &settings.scopes)?;
        let now = now_ms();
        let row = ClientRow {
            id: new_id(),
            owner_id: owner.id.to_owned(),
            name: settings.name.clone(),
            kind: kind.as_str().to_owned(),
            grant_types: settings.grant_types_text(),
            scopes: settings.scopes.to_text(),
            status: ClientStatus::Active.as_str().to_owned(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.store().begin().await?;
        rows::insert(&mut tx, &row).await?;
        rows::set_redirects(&mut tx, &row.id, &redirect_rows(&settings.redirects)).await?;
        let secret = match kind {
            ClientKind::Confidential => Some(insert_secret(&mut tx, &row.id, now).await?),
            ClientKind::Public => None,
        };
        audit::record(&mut tx, meta, Event { target: Some(&row.id), detail: Some(kind.as_str()), ..Event::success(EventType::ClientCreated, Some(owner.id)) })
            .await?;
        let client = load(&mut tx, row, now).await?;
        tx.commit().await?;
        Ok((client, secret))
    }

    /// The owner's clients, newest first.
    pub async fn clients_of(&self, owner_id: &str) -> Result<Vec<Client>> {
        let mut conn = self.store().pool().acquire().await?;
        let now = now_ms();
        let mut out = Vec::new();
        for row in rows::for_owner(&mut conn, owner_id).await? {
            out.push(load(&mut conn, row, now).await?);
        }
        Ok(out)
    }

    /// One of the owner's clients; another owner's client is not found.
    pub async fn client_of(&self, owner_id: &str, id: &str) -> Result<Client> {
        let mut conn = self.store().pool().acquire().await?;
        let row = rows::by_id(&mut conn, id).await?.filter(|r| r.owner_id == owner_id).ok_or(Error::NotFound)?;
        load(&mut conn, row, now_ms()).await
    }

    /// Any client by its public id (the authorization server's view).
    pub async fn client(&self, id: &str) -> Result<Option<Client>> {
        let mut conn = self.store().pool().acquire().await?;
        match rows::by_id(&mut conn, id).await? {
            Some(row) => Ok(Some(load(&mut conn, row, now_ms()).await?)),
            None => Ok(None),
        }
    }

    /// Applies a change in one transaction: the fields it names are merged over the stored ones
    /// and the result is validated as a whole; the owner and the kind never change.
    pub async fn change(&self, owner: Owner<'_>, id: &str, patch: ClientPatch, meta: &RequestMeta) -> Result<Client> {
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let row = rows::by_id(&mut tx, id).await?.filter(|r| r.owner_id == owner.id).ok_or(Error::NotFound)?;
        if patch.touches_settings() {
            let current = load(&mut tx, row.clone(), now).await?.settings;
            let input = patch.settings.merge(&current);
            let settings = ClientSettings::validate(input, ClientKind::parse(&row.kind)?, owner.role)?;
            self.instance().check_scopes(owner.role, &settings.scopes)?;
            rows::update_settings(&mut tx, id, (&settings.name, &settings.grant_types_text(), &settings.scopes.to_text()), now).await?;
            rows::set_redirects(&mut tx, id, &redirect_rows(&settings.redirects)).await?;
            audit::record(&mut tx, meta, Event { target: Some(id), ..Event::success(EventType::ClientUpdated, Some(owner.id)) }).await?;
        }
        if let Some(status) = patch.status {
            if rows::set_status(&mut tx, id, status.as_str(), now).await? {
                let event = match status {
                    ClientStatus::Active => EventType::ClientEnabled,
                    ClientStatus::Disabled => EventType::ClientDisabled,
                };
                audit::record(&mut tx, meta, Event { target: Some(id), ..Event::success(event, Some(owner.id)) }).await?;
            }
        }
        let fresh = rows::by_id(&mut tx, id).await?.ok_or(Error::NotFound)?;
        let client = load(&mut tx, fresh, now).await?;
        tx.commit().await?;
        // Its tokens and cached authentications must follow a new status or scopes at once.
        self.forget_verified();
        Ok(client)
    }

    /// Deletes a client with its URIs and secrets.
    pub async fn delete(&self, owner_id: &str, id: &str, meta: &RequestMeta) -> Result<()> {
        let mut tx = self.store().begin().await?;
        rows::by_id(&mut tx, id).await?.filter(|r| r.owner_id == owner_id).ok_or(Error::NotFound)?;
        rows::delete(&mut tx, id).await?;
        audit::record(&mut tx, meta, Event { target: Some(id), ..Event::success(EventType::ClientDeleted, Some(owner_id)) }).await?;
        tx.commit().await?;
        self.forget_verified();
        Ok(())
    }

    /// A new secret, returned once; the ones before it keep working for `grace_days` (0 to 7).
    pub async fn rotate_secret(&self, owner_id: &str, id: &str, grace_days: u32, meta: &RequestMeta) -> Result<(Client, ClientSecret)> {
        if grace_days > MAX_SECRET_GRACE_DAYS {
            return Err(Error::invalid("the old secret may keep working for 0 to 7 days"));
        }
        let now = now_ms();
        let mut tx = self.store().begin().await?;
        let row = rows::by_id(&mut tx, id).await?.filter(|r| r.owner_id == owner_id).ok_or(Error::NotFound)?;
        if row.kind != ClientKind::Confidential.as_str() {
            return Err(Error::invalid("a public client has no secret"));
        }
        rows::end_secrets(&mut tx, id, now + grace_days as i64 * DAY).await?;
        let secret = insert_secret(&mut tx, id, now).await?;
        let detail = format!("grace_days={grace_days}");
        audit::record(&mut tx, meta, Event { target: Some(id), detail: Some(&detail), ..Event::success(EventType::ClientSecretRotated, Some(owner_id)) })
            .await?;
        let client = load(&mut tx, row, now).await?;
        tx.commit().await?;
        // A rotation without grace ends the old secret now, cached or not.
        self.forget_verified();
        Ok((client, secret))
    }

    /// The client, when `secret` is one of its live secrets and it is active. The secret's format
    /// is checked first, so junk costs no database work; a recent success is remembered briefly
    /// (`client_cache`).
    pub async fn authenticate_client(&self, id: &str, secret: &str, now: Millis) -> Result<Option<Client>> {
        if format::check(secret, &secret_prefix()).is_err() {
            return Ok(None);
        }
        let key = client_cache::key(id, secret);
        if let Some(client) = self.clients.get(&key, now) {
            return Ok(Some(client));
        }
        let mut conn = self.store().pool().acquire().await?;
        let Some(secret_expires_at) = rows::secret_matches(&mut conn, id, &sha256_hex(secret.as_bytes()), now).await? else {
            return Ok(None);
        };
        let Some(row) = rows::by_id(&mut conn, id).await? else { return Ok(None) };
        let client = load(&mut conn, row, now).await?;
        if client.status != ClientStatus::Active || client.kind != ClientKind::Confidential {
            return Ok(None);
        }
        self.clients.put(key, client.clone(), now, secret_expires_at);
        Ok(Some(client))
    }

    /// Removes secrets whose grace period is over; returns how many.
    pub async fn sweep_dead_secrets(&self, now: Millis) -> Result<u64> {
        let mut conn = self.store().pool().acquire().await?;
        rows::delete_dead_secrets(&mut conn, now).await
    }
}

async fn insert_secret(conn: &mut AnyConnection, client_id: &str, now: Millis) -> Result<ClientSecret> {
    let token = format::generate(&secret_prefix());
    let row = SecretRow { id: new_id(), client_id: client_id.to_owned(), hint: token.hint(), created_at: now, expires_at: None };
    rows::insert_secret(conn, &row, &sha256_hex(token.expose().as_bytes())).await?;
    Ok(ClientSecret(token.expose().to_owned()))
}

fn redirect_rows(redirects: &[Redirect]) -> Vec<(String, Option<String>)> {
    redirects.iter().map(|r| (r.uri.as_str().to_owned(), r.scopes.as_ref().map(ScopeSet::to_text))).collect()
}

/// A row with its redirect URIs and live secrets. Stored values passed validation when written;
/// they are parsed again so a client in memory is always well-formed.
async fn load(conn: &mut AnyConnection, row: ClientRow, now: Millis) -> Result<Client> {
    let redirects = rows::redirects(conn, &row.id)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Redirect { uri: RedirectUri::parse(&r.uri)?, scopes: r.scopes.as_deref().map(ScopeSet::parse).transpose()? })
        })
        .collect::<Result<Vec<_>>>()?;
    let secrets = rows::live_secrets(conn, &row.id, now)
        .await?
        .into_iter()
        .map(|s| SecretInfo { id: s.id, hint: s.hint, created_at: s.created_at, expires_at: s.expires_at })
        .collect();
    let grant_types = row.grant_types.split_whitespace().filter_map(GrantType::parse).collect();
    Ok(Client {
        kind: ClientKind::parse(&row.kind)?,
        status: if row.status == ClientStatus::Active.as_str() { ClientStatus::Active } else { ClientStatus::Disabled },
        settings: ClientSettings { name: row.name, grant_types, scopes: ScopeSet::parse(&row.scopes)?, redirects },
        secrets,
        created_at: row.created_at,
        updated_at: row.updated_at,
        id: row.id,
        owner_id: row.owner_id,
    })
}
