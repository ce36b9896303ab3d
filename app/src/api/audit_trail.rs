//! The audit trail in the portal (auditors and admins): filtered, newest first, paged by cursor.
//! Export links go to `/admin/audit/export`, which streams the same filtered set.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ssr;

pub const EVENTS_PER_PAGE: i64 = 50;

/// The filters, as the page's query string holds them; dates are `YYYY-MM-DD` (UTC days).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct AuditQuery {
    pub actor: String,
    pub target: String,
    pub event_type: String,
    pub outcome: String,
    pub since: String,
    pub until: String,
    pub cursor: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EventView {
    pub id: String,
    pub when: String,
    pub actor: String,
    pub event_type: String,
    pub target: String,
    pub outcome: String,
    pub ip: String,
    pub how: String,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuditView {
    pub events: Vec<EventView>,
    pub next: Option<String>,
}

#[server(prefix = "/rpc", endpoint = "audit_events", input = Json)]
pub async fn audit_events(query: AuditQuery) -> Result<Option<AuditView>, ServerFnError> {
    use domain::clock::format_utc;
    let Some((_, _reviewer)) = ssr::reviewer().await? else { return Ok(None) };
    let state = ssr::state()?;
    let filter = audit_filter(&query).map_err(ssr::fail)?;
    let mut conn = state.accounts.store().pool().acquire().await.map_err(|e| ssr::fail(e.into()))?;
    let cursor = Some(query.cursor.as_str()).filter(|c| !c.is_empty());
    let page = domain::audit_query::query(&mut conn, &filter, cursor, EVENTS_PER_PAGE).await.map_err(ssr::fail)?;
    let o = |v: Option<String>| v.unwrap_or_default();
    Ok(Some(AuditView {
        events: page
            .events
            .into_iter()
            .map(|e| EventView {
                when: format_utc(e.occurred_at),
                how: [e.method, e.route].into_iter().flatten().collect::<Vec<_>>().join(" "),
                id: e.id,
                actor: match e.actor_credential {
                    Some(c) => format!("{} via {c}", o(e.actor_user_id)),
                    None => o(e.actor_user_id),
                },
                event_type: e.event_type,
                target: o(e.target),
                outcome: e.outcome,
                ip: o(e.ip),
                detail: o(e.detail),
            })
            .collect(),
        next: page.next,
    }))
}

/// The page's filters as the domain's; shared with the export route.
#[cfg(feature = "ssr")]
pub fn audit_filter(q: &AuditQuery) -> domain::Result<domain::audit_query::AuditFilter> {
    use domain::clock::{DAY, end_of_date};
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let day = |s: &str, name: &str| -> domain::Result<Option<i64>> {
        match text(s) {
            None => Ok(None),
            Some(d) => end_of_date(&d).map(Some).ok_or_else(|| domain::Error::invalid(format!("{name} must be a date (YYYY-MM-DD)"))),
        }
    };
    domain::audit_query::AuditFilter {
        actor: text(&q.actor),
        target: text(&q.target),
        event_type: text(&q.event_type),
        outcome: text(&q.outcome).map(|o| domain::audit::Outcome::parse(&o)).transpose()?,
        // From the start of the `since` day to the end of the `until` day.
        since: day(&q.since, "since")?.map(|end| end + 1 - DAY),
        until: day(&q.until, "until")?.map(|end| end + 1),
    }
    .checked()
}
