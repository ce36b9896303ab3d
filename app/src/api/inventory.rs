//! The credentials inventory in the browser: every personal token and OAuth client, filtered,
//! sorted and paged (auditors and admins); revoking one, or every active one matching the filter
//! after confirming the count (admins, behind the step-up guard).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::step_up::StepUpState;
#[cfg(feature = "ssr")]
use crate::ssr;

pub const ITEMS_PER_PAGE: i64 = 25;

/// The filter, as the page's query string holds it (so a filtered view can be linked).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct InventoryQuery {
    /// "tokens" (default) or "clients".
    pub kind: String,
    pub owner: String,
    /// A scope name, or empty.
    pub scope: String,
    /// "active", "ended" or empty.
    pub status: String,
    pub unused_days: Option<u32>,
    /// Created on or after / before this day (`YYYY-MM-DD`, UTC), or empty.
    #[serde(default)]
    pub created_from: String,
    #[serde(default)]
    pub created_to: String,
    pub no_expiry: bool,
    pub expires_within_days: Option<u32>,
    /// "created", "last_used", "expires", "owner" or "name".
    pub sort: String,
    pub descending: bool,
    pub page: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CredentialView {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub owner_email: String,
    pub scopes: String,
    pub status: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InventoryView {
    pub items: Vec<CredentialView>,
    pub total: i64,
    pub page: u32,
    pub pages: u32,
    pub can_change: bool,
    pub step_up: StepUpState,
    pub scopes: Vec<String>,
}

#[cfg(feature = "ssr")]
mod parse {
    use domain::admin::{ClientFilter, CredentialStatus, Sort, SortField, TokenFilter};
    use domain::scopes::Scope;

    use super::InventoryQuery;

    fn text(s: &str) -> Option<String> {
        Some(s.trim().to_owned()).filter(|s| !s.is_empty())
    }

    fn scope(q: &InventoryQuery) -> domain::Result<Option<Scope>> {
        text(&q.scope).map(|s| Scope::parse(&s)).transpose()
    }

    fn status(q: &InventoryQuery) -> domain::Result<Option<CredentialStatus>> {
        match q.status.as_str() {
            "" => Ok(None),
            "active" => Ok(Some(CredentialStatus::Active)),
            "ended" => Ok(Some(CredentialStatus::Ended)),
            _ => Err(domain::Error::invalid("status is active or ended")),
        }
    }

    /// The first millisecond of a `YYYY-MM-DD` day (UTC), from the end of the day before.
    fn day_start(s: &str, name: &str) -> domain::Result<Option<i64>> {
        match text(s) {
            None => Ok(None),
            Some(d) => domain::clock::end_of_date(&d)
                .map(|end| Some(end + 1 - domain::clock::DAY))
                .ok_or_else(|| domain::Error::invalid(format!("{name} must be a date (YYYY-MM-DD)"))),
        }
    }

    pub fn tokens(q: &InventoryQuery) -> domain::Result<TokenFilter> {
        Ok(TokenFilter {
            owner: text(&q.owner),
            scope: scope(q)?,
            status: status(q)?,
            created_after: day_start(&q.created_from, "created from")?,
            // Up to the end of that day.
            created_before: day_start(&q.created_to, "created to")?.map(|start| start + domain::clock::DAY),
            expires_within_days: q.expires_within_days,
            no_expiry: q.no_expiry,
            unused_days: q.unused_days,
        })
    }

    pub fn clients(q: &InventoryQuery) -> domain::Result<ClientFilter> {
        Ok(ClientFilter { owner: text(&q.owner), scope: scope(q)?, status: status(q)?, unused_days: q.unused_days })
    }

    pub fn sort(q: &InventoryQuery) -> domain::Result<Sort> {
        let field = match q.sort.as_str() {
            "" | "created" => SortField::Created,
            "last_used" => SortField::LastUsed,
            "expires" => SortField::Expires,
            "owner" => SortField::Owner,
            "name" => SortField::Name,
            _ => return Err(domain::Error::invalid("sort by created, last_used, expires, owner or name")),
        };
        Ok(Sort { field, descending: q.descending })
    }

    pub fn is_clients(q: &InventoryQuery) -> domain::Result<bool> {
        match q.kind.as_str() {
            "" | "tokens" => Ok(false),
            "clients" => Ok(true),
            _ => Err(domain::Error::invalid("kind is tokens or clients")),
        }
    }
}

#[server(prefix = "/rpc", endpoint = "credentials", input = Json)]
pub async fn credentials(query: InventoryQuery) -> Result<Option<InventoryView>, ServerFnError> {
    use domain::clock::format_utc;
    let Some((me, reviewer)) = ssr::reviewer().await? else { return Ok(None) };
    let state = ssr::state()?;
    let page = query.page.max(1);
    let offset = (page as i64 - 1) * ITEMS_PER_PAGE;
    let sort = parse::sort(&query).map_err(ssr::fail)?;
    let when = |t: Option<i64>, none: &str| t.map(format_utc).unwrap_or_else(|| none.to_owned());
    let (items, total) = if parse::is_clients(&query).map_err(ssr::fail)? {
        let filter = parse::clients(&query).map_err(ssr::fail)?;
        let found = state.admin.clients(&reviewer, &filter, sort, ITEMS_PER_PAGE, offset).await.map_err(ssr::fail)?;
        let items = found
            .items
            .into_iter()
            .map(|c| CredentialView {
                active: c.status == "active",
                status: if c.status == "active" { "Active".into() } else { "Disabled".into() },
                name: format!("{} ({})", c.name, c.kind),
                id: c.id,
                owner: c.owner_name,
                owner_email: c.owner_email,
                scopes: c.scopes,
                created: format_utc(c.created_at),
                expires: "—".into(),
                last_used: when(c.last_used_at, "never"),
            })
            .collect();
        (items, found.total)
    } else {
        let filter = parse::tokens(&query).map_err(ssr::fail)?;
        let found = state.admin.tokens(&reviewer, &filter, sort, ITEMS_PER_PAGE, offset).await.map_err(ssr::fail)?;
        let items = found
            .items
            .into_iter()
            .map(|t| CredentialView {
                active: t.status == "active",
                status: match (t.status.as_str(), &t.status_reason) {
                    ("active", _) => "Active".to_owned(),
                    (s, Some(r)) => format!("{} ({r})", s.replace('_', " ")),
                    (s, None) => s.replace('_', " "),
                },
                id: t.id,
                name: t.name,
                owner: t.owner_name,
                owner_email: t.owner_email,
                scopes: t.scopes,
                created: format_utc(t.created_at),
                expires: when(t.expires_at, "never"),
                last_used: when(t.last_used_at, "never"),
            })
            .collect();
        (items, found.total)
    };
    Ok(Some(InventoryView {
        items,
        total,
        page,
        pages: ((total + ITEMS_PER_PAGE - 1) / ITEMS_PER_PAGE).max(1) as u32,
        can_change: reviewer.can_change(),
        step_up: StepUpState::of(&me).await?,
        scopes: domain::scopes::CATALOGUE.iter().map(|s| s.name.to_owned()).collect(),
    }))
}

/// How many active credentials a bulk revocation with this filter would end now (shown before
/// the admin confirms).
#[server(prefix = "/rpc", endpoint = "count_matching", input = Json)]
pub async fn count_matching(query: InventoryQuery) -> Result<i64, ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let state = ssr::state()?;
    if parse::is_clients(&query).map_err(ssr::fail)? {
        state.admin.count_active_clients(&admin, &parse::clients(&query).map_err(ssr::fail)?).await
    } else {
        state.admin.count_active_tokens(&admin, &parse::tokens(&query).map_err(ssr::fail)?).await
    }
    .map_err(ssr::fail)
}

/// Revokes every active credential matching the filter, if their number is still `confirmed`.
#[server(prefix = "/rpc", endpoint = "bulk_revoke", input = Json)]
pub async fn bulk_revoke(query: InventoryQuery, confirmed: i64, reason: String) -> Result<i64, ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    if parse::is_clients(&query).map_err(ssr::fail)? {
        let filter = parse::clients(&query).map_err(ssr::fail)?;
        state.admin.disable_clients_matching(&admin, &filter, confirmed, &reason, &meta).await
    } else {
        let filter = parse::tokens(&query).map_err(ssr::fail)?;
        state.admin.revoke_tokens_matching(&admin, &filter, confirmed, &reason, &meta).await
    }
    .map_err(ssr::fail)
}

/// Revokes one token, or disables one client (`kind` "clients").
#[server(prefix = "/rpc", endpoint = "revoke_credential")]
pub async fn revoke_credential(kind: String, id: String, #[server(default)] reason: String) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    match kind.as_str() {
        "clients" => state.admin.disable_client(&admin, &id, &reason, &meta).await,
        _ => state.admin.revoke_token(&admin, &id, &reason, &meta).await,
    }
    .map_err(ssr::fail)
}
