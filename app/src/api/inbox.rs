//! The signed-in user's inbox: notices about their tokens, sign-ins and second factors.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use crate::ssr;

/// The newest notices shown.
pub const INBOX_SIZE: i64 = 200;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoticeView {
    pub id: String,
    pub title: String,
    pub message: String,
    pub when: String,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InboxView {
    pub notices: Vec<NoticeView>,
    pub unread: i64,
}

#[server(prefix = "/rpc", endpoint = "inbox")]
pub async fn inbox() -> Result<Option<InboxView>, ServerFnError> {
    use domain::notifications;
    let Some(me) = ssr::current_user().await? else { return Ok(None) };
    let state = ssr::state()?;
    let mut conn = state.accounts.store().pool().acquire().await.map_err(|e| ssr::fail(e.into()))?;
    let notices = notifications::inbox(&mut conn, &me.user.id, INBOX_SIZE).await.map_err(ssr::fail)?;
    let unread = notifications::unread_count(&mut conn, &me.user.id).await.map_err(ssr::fail)?;
    Ok(Some(InboxView {
        notices: notices
            .into_iter()
            .map(|n| NoticeView {
                id: n.id,
                title: n.kind.subject().to_owned(),
                message: n.message,
                when: domain::clock::format_utc(n.created_at),
                read: n.read,
            })
            .collect(),
        unread,
    }))
}

/// Marks one notice read, or all of them when `id` is empty.
#[server(prefix = "/rpc", endpoint = "mark_read")]
pub async fn mark_read(#[server(default)] id: String) -> Result<(), ServerFnError> {
    let me = ssr::signed_in().await?;
    let state = ssr::state()?;
    let mut conn = state.accounts.store().pool().acquire().await.map_err(|e| ssr::fail(e.into()))?;
    let id = (!id.is_empty()).then_some(id.as_str());
    domain::notifications::mark_read(&mut conn, &me.user.id, id).await.map_err(ssr::fail)?;
    Ok(())
}

/// What the header shows: the unread count, and whether the admin area is open to the user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct NavSummary {
    pub signed_in: bool,
    pub unread: i64,
    pub staff: bool,
}

#[server(prefix = "/rpc", endpoint = "nav_info")]
pub async fn nav_info() -> Result<NavSummary, ServerFnError> {
    use domain::accounts::Role;
    let Some(me) = ssr::current_user().await? else { return Ok(NavSummary::default()) };
    let state = ssr::state()?;
    let mut conn = state.accounts.store().pool().acquire().await.map_err(|e| ssr::fail(e.into()))?;
    let unread = domain::notifications::unread_count(&mut conn, &me.user.id).await.map_err(ssr::fail)?;
    Ok(NavSummary { signed_in: true, unread, staff: matches!(me.user.role, Role::Auditor | Role::Admin) })
}
