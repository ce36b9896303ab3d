//! Personal access tokens in the browser: list, create (behind the step-up guard), revoke,
//! regenerate, and one token's activity. The plaintext token crosses the wire once, in the answer
//! to `create_token` / `regenerate_token`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScopeChoice {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LastUse {
    pub when: String,
    pub ip: String,
    pub browser: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenSummary {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub hint: String,
    pub created: String,
    pub expires: String,
    pub last_used: Option<LastUse>,
    /// "Active", "Expired", "Revoked" or "Expired for inactivity".
    pub status: String,
    /// Why and when it ended, for ended tokens.
    pub status_detail: Option<String>,
    pub active: bool,
    /// A warning that it ends within a week, or that it was reported as leaked.
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokensPage {
    pub tokens: Vec<TokenSummary>,
    pub inactivity_days: u32,
}

/// What the "New token" page offers this user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewTokenChoices {
    pub scopes: Vec<ScopeChoice>,
    pub presets: Vec<u32>,
    pub min_date: String,
    pub max_date: String,
    pub allow_no_expiry: bool,
    pub recent_auth: bool,
    pub has_passkey: bool,
    pub has_password: bool,
    pub has_totp: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CreateTokenInput {
    pub name: String,
    pub note: String,
    pub scopes: Vec<String>,
    /// "7", "30", "60", "90", "date" or "never".
    pub expiry: String,
    /// "YYYY-MM-DD" when `expiry` is "date".
    pub date: String,
    /// IP addresses or CIDR ranges, separated by spaces, commas or lines.
    pub allowlist: String,
}

/// The one time the token is shown.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct CreatedToken {
    pub id: String,
    pub name: String,
    pub token: String,
}

impl std::fmt::Debug for CreatedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedToken").field("id", &self.id).field("token", &"<redacted>").finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ActivityView {
    pub when: String,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub ip: String,
    pub browser: String,
    /// Identical calls in the same second share one entry.
    pub calls: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DayCount {
    pub day: String,
    pub calls: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TokenPage {
    pub token: TokenSummary,
    pub note: Option<String>,
    pub allowlist: Vec<String>,
    pub days: Vec<DayCount>,
    pub activity: Vec<ActivityView>,
    pub next: Option<String>,
    pub used_scopes: Vec<String>,
    pub recent_auth: bool,
    pub has_passkey: bool,
    pub has_password: bool,
    pub has_totp: bool,
}

#[cfg(feature = "ssr")]
fn summary(tokens: &domain::tokens::Tokens, t: domain::tokens::TokenInfo, now: i64) -> TokenSummary {
    use domain::clock::format_utc;
    use domain::tokens::{LEAKED_REASON, TokenStatus, UpcomingEnd};
    let (status, status_detail) = match &t.status {
        TokenStatus::Active => ("Active", None),
        TokenStatus::Revoked { at, reason } => ("Revoked", Some(format!("{reason}, {}", format_utc(*at)))),
        TokenStatus::Expired { at } => ("Expired", Some(format!("reached its expiry date, {}", format_utc(*at)))),
        TokenStatus::ExpiredInactive { at } => ("Expired for inactivity", Some(format!("not used for too long, {}", format_utc(*at)))),
    };
    let notice = match (&t.status, tokens.upcoming_end(&t, now)) {
        (TokenStatus::Revoked { at, reason }, _) if reason == LEAKED_REASON => Some(format!(
            "“{}” was reported as leaked and revoked on {}. Replace it, and find where it was exposed.",
            t.name,
            format_utc(*at)
        )),
        (_, Some(UpcomingEnd::Expires(at))) => Some(format!("“{}” expires on {}.", t.name, format_utc(at))),
        (_, Some(UpcomingEnd::Inactivity(at))) => {
            Some(format!("“{}” will expire for inactivity on {} unless it is used.", t.name, format_utc(at)))
        }
        _ => None,
    };
    TokenSummary {
        active: t.status == TokenStatus::Active,
        id: t.id,
        name: t.name,
        scopes: t.scopes,
        hint: t.hint,
        created: format_utc(t.created_at),
        expires: t.expires_at.map(format_utc).unwrap_or_else(|| "never".to_owned()),
        last_used: t.last_used_at.map(|at| LastUse {
            when: format_utc(at),
            ip: t.last_used_ip.unwrap_or_else(|| "unknown".to_owned()),
            browser: t.last_used_ua.unwrap_or_else(|| "unknown".to_owned()),
        }),
        status: status.to_owned(),
        status_detail,
        notice,
    }
}

/// Scopes with their one-line descriptions, as the pages show them.
#[cfg(feature = "ssr")]
pub(crate) fn describe(scopes: impl Iterator<Item = domain::scopes::Scope>) -> Vec<ScopeChoice> {
    scopes.map(|s| ScopeChoice { name: s.as_str().to_owned(), description: s.info().description.to_owned() }).collect()
}

/// Every scope a user of `role` may grant, in catalogue order.
#[cfg(feature = "ssr")]
pub(crate) fn scope_choices(role: domain::accounts::Role) -> Vec<ScopeChoice> {
    use domain::scopes::{CATALOGUE, Scope};
    describe(CATALOGUE.iter().filter_map(|s| Scope::parse(s.name).ok()).filter(|s| s.allowed_for(role)))
}

/// `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "tokens_overview")]
pub async fn tokens_overview() -> Result<Option<TokensPage>, ServerFnError> {
    let Some(me) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let now = domain::clock::now_ms();
    let tokens = state.tokens.list(&me.user.id).await.map_err(ssr::fail)?;
    Ok(Some(TokensPage {
        tokens: tokens.into_iter().map(|t| summary(&state.tokens, t, now)).collect(),
        inactivity_days: state.tokens.policy().inactivity_days,
    }))
}

#[server(prefix = "/rpc", endpoint = "new_token_options")]
pub async fn new_token_options() -> Result<Option<NewTokenChoices>, ServerFnError> {
    use domain::clock::{DAY, format_date, now_ms};
    let Some(me) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let mfa = state.accounts.mfa_status(&me.user.id).await.map_err(ssr::fail)?;
    let passkeys = state.accounts.passkeys(&me.user.id).await.map_err(ssr::fail)?;
    let policy = state.tokens.policy();
    let now = now_ms();
    Ok(Some(NewTokenChoices {
        scopes: scope_choices(me.user.role),
        presets: domain::tokens::PRESET_DAYS.to_vec(),
        min_date: format_date(now + DAY),
        // The whole last day must fit in the maximum lifetime.
        max_date: format_date(now + (policy.max_lifetime_days as i64 - 1) * DAY),
        allow_no_expiry: policy.allow_no_expiry,
        recent_auth: me.recently_authenticated().await?,
        has_passkey: !passkeys.is_empty(),
        has_password: me.user.has_password,
        has_totp: mfa.totp,
    }))
}

#[cfg(feature = "ssr")]
fn parse_input(input: CreateTokenInput) -> Result<domain::tokens::NewToken, domain::Error> {
    use domain::tokens::Expiry;
    let expiry = match input.expiry.as_str() {
        "never" => Expiry::Never,
        "date" => Expiry::At(
            domain::clock::end_of_date(&input.date).ok_or_else(|| domain::Error::invalid("choose an expiry date"))?,
        ),
        days => Expiry::Days(days.parse().map_err(|_| domain::Error::invalid("choose 7, 30, 60 or 90 days, or a date"))?),
    };
    Ok(domain::tokens::NewToken {
        name: input.name,
        note: Some(input.note),
        scopes: domain::scopes::ScopeSet::parse(&input.scopes.join(" "))?,
        expiry,
        allowlist: domain::tokens::allowlist::Allowlist::parse(&input.allowlist)?,
    })
}

/// Creates a token and returns it, the one time it is ever shown. Needs a recent sign-in.
#[server(prefix = "/rpc", endpoint = "create_token", input = Json)]
pub async fn create_token(input: CreateTokenInput) -> Result<CreatedToken, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let new = parse_input(input).map_err(ssr::fail)?;
    let (info, token) = state.tokens.create(&me.user, new, &meta).await.map_err(ssr::fail)?;
    Ok(CreatedToken { id: info.id, name: info.name, token: token.expose().to_owned() })
}

#[server(prefix = "/rpc", endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    state.tokens.revoke(&me.user.id, &id, &meta).await.map_err(ssr::fail)
}

/// A new token with the same settings; the old one is revoked. Needs a recent sign-in.
#[server(prefix = "/rpc", endpoint = "regenerate_token")]
pub async fn regenerate_token(id: String) -> Result<CreatedToken, ServerFnError> {
    let me = ssr::signed_in().await?;
    me.require_recent_auth().await?;
    let state = ssr::state()?;
    let meta = ssr::request_meta();
    let (info, token) = state.tokens.regenerate(&me.user, &id, &meta).await.map_err(ssr::fail)?;
    Ok(CreatedToken { id: info.id, name: info.name, token: token.expose().to_owned() })
}

/// One token with a page of its activity (newest first, older than `before`), its calls per day
/// and the scopes it used. `None` when nobody is signed in.
#[server(prefix = "/rpc", endpoint = "token_detail")]
pub async fn token_detail(id: String, before: Option<String>) -> Result<Option<TokenPage>, ServerFnError> {
    use domain::clock::{format_date, format_utc, now_ms};
    let Some(me) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let now = now_ms();
    let info = state.tokens.get(&me.user.id, &id).await.map_err(ssr::fail)?;
    let page = state.tokens.activity(&me.user.id, &id, before.as_deref().filter(|b| !b.is_empty()), 25).await.map_err(ssr::fail)?;
    let days = state.tokens.calls_per_day(&me.user.id, &id, now).await.map_err(ssr::fail)?;
    let used_scopes = state.tokens.scopes_used(&me.user.id, &id).await.map_err(ssr::fail)?;
    let mfa = state.accounts.mfa_status(&me.user.id).await.map_err(ssr::fail)?;
    let passkeys = state.accounts.passkeys(&me.user.id).await.map_err(ssr::fail)?;
    Ok(Some(TokenPage {
        note: info.note.clone(),
        allowlist: info.allowlist.clone(),
        token: summary(&state.tokens, info, now),
        days: days.into_iter().map(|(day, calls)| DayCount { day: format_date(day), calls }).collect(),
        activity: page
            .records
            .into_iter()
            .map(|r| ActivityView {
                when: format_utc(r.at),
                method: r.method,
                route: r.route,
                status: r.status,
                ip: r.ip.unwrap_or_default(),
                browser: r.user_agent.unwrap_or_default(),
                calls: r.calls,
            })
            .collect(),
        next: page.next,
        used_scopes,
        recent_auth: me.recently_authenticated().await?,
        has_passkey: !passkeys.is_empty(),
        has_password: me.user.has_password,
        has_totp: mfa.totp,
    }))
}
