//! Webhooks for audit events in the admin area: auditors and admins see them and their recent
//! deliveries; admins (behind the step-up guard) register one — its signing secret is shown once —
//! disable, enable or delete it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::step_up::StepUpState;
#[cfg(feature = "ssr")]
use crate::ssr;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeliveryView {
    pub event_id: String,
    pub status: String,
    pub attempts: i64,
    pub answer: String,
    pub when: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HookView {
    pub id: String,
    pub url: String,
    pub active: bool,
    pub created: String,
    pub delivered: i64,
    pub pending: i64,
    pub failed: i64,
    pub recent: Vec<DeliveryView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct WebhooksPage {
    pub hooks: Vec<HookView>,
    pub can_change: bool,
    pub step_up: StepUpState,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NewWebhook {
    pub id: String,
    pub url: String,
    pub secret: String,
}

#[server(prefix = "/rpc", endpoint = "webhooks_view")]
pub async fn webhooks_view() -> Result<Option<WebhooksPage>, ServerFnError> {
    use domain::clock::format_utc;
    let Some((me, reviewer)) = ssr::reviewer().await? else { return Ok(None) };
    let state = ssr::state()?;
    let mut hooks = Vec::new();
    for h in state.webhooks.list(&reviewer).await.map_err(ssr::fail)? {
        let recent = state.webhooks.deliveries(&reviewer, &h.id, 10).await.map_err(ssr::fail)?;
        hooks.push(HookView {
            recent: recent
                .into_iter()
                .map(|d| DeliveryView {
                    answer: match (d.last_code, d.last_error) {
                        (Some(c), _) => format!("HTTP {c}"),
                        (None, Some(e)) => e,
                        (None, None) => "—".to_owned(),
                    },
                    when: format_utc(d.delivered_at.unwrap_or(d.created_at)),
                    event_id: d.event_id,
                    status: d.status,
                    attempts: d.attempts,
                })
                .collect(),
            id: h.id,
            url: h.url,
            active: h.active,
            created: format_utc(h.created_at),
            delivered: h.delivered,
            pending: h.pending,
            failed: h.failed,
        });
    }
    Ok(Some(WebhooksPage { hooks, can_change: reviewer.can_change(), step_up: StepUpState::of(&me).await? }))
}

#[server(prefix = "/rpc", endpoint = "register_webhook")]
pub async fn register_webhook(url: String) -> Result<NewWebhook, ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    let (hook, secret) = ssr::state()?.webhooks.register(&admin, &url, &ssr::request_meta()).await.map_err(ssr::fail)?;
    Ok(NewWebhook { id: hook.id, url: hook.url, secret })
}

#[server(prefix = "/rpc", endpoint = "set_webhook_status")]
pub async fn set_webhook_status(id: String, active: bool) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    ssr::state()?.webhooks.set_active(&admin, &id, active, &ssr::request_meta()).await.map_err(ssr::fail)
}

#[server(prefix = "/rpc", endpoint = "delete_webhook")]
pub async fn delete_webhook(id: String) -> Result<(), ServerFnError> {
    let (_, admin) = ssr::admin_actor().await?;
    ssr::state()?.webhooks.delete(&admin, &id, &ssr::request_meta()).await.map_err(ssr::fail)
}
