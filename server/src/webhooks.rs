//! The job that delivers audit events to webhooks: claims due deliveries, posts each signed event
//! (no redirects followed, 10 s timeout) and records the answer; 2xx is delivered, anything else is
//! retried with backoff (`domain::webhooks`).

use std::time::Duration;

use domain::clock::now_ms;
use domain::webhooks::{DELIVERY_HEADER, Outgoing, SIGNATURE_HEADER, TIMESTAMP_HEADER, Webhooks};
use tokio::task::JoinHandle;

const BATCH: i64 = 50;

#[derive(Clone)]
pub struct Sender {
    hooks: Webhooks,
    http: reqwest::Client,
}

impl Sender {
    pub fn new(hooks: Webhooks) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("Gatehouse-Webhook/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Sender { hooks, http })
    }

    /// Delivers every due event once; returns (delivered, failed).
    pub async fn deliver_due(&self) -> domain::Result<(usize, usize)> {
        let (mut ok, mut failed) = (0, 0);
        for out in self.hooks.claim(now_ms(), BATCH).await? {
            match self.post(&out).await {
                Ok(code) => {
                    self.hooks.delivered(&out.delivery_id, code, now_ms()).await?;
                    ok += 1;
                }
                Err((code, why)) => {
                    tracing::warn!(delivery = %out.delivery_id, code, reason = %why, "webhook delivery failed; retrying later");
                    self.hooks.failed(&out.delivery_id, out.attempts, code, &why, now_ms()).await?;
                    failed += 1;
                }
            }
        }
        Ok((ok, failed))
    }

    async fn post(&self, out: &Outgoing) -> Result<u16, (Option<u16>, String)> {
        let res = self
            .http
            .post(&out.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, out.timestamp.to_string())
            .header(SIGNATURE_HEADER, &out.signature)
            .header(DELIVERY_HEADER, &out.delivery_id)
            .body(out.body.clone())
            .send()
            .await
            .map_err(|e| (None, if e.is_timeout() { "timed out".to_owned() } else { "could not connect".to_owned() }))?;
        let code = res.status().as_u16();
        if res.status().is_success() { Ok(code) } else { Err((Some(code), format!("answered {code}"))) }
    }
}

/// Delivers due webhook events every `period`.
pub fn spawn(sender: Sender, period: Duration, leader: domain::store::leader::Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !leader.is_leader() {
                continue;
            }
            match sender.deliver_due().await {
                Ok((delivered, failed)) if delivered + failed > 0 => tracing::info!(delivered, failed, "webhook deliveries"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook job failed"),
            }
        }
    })
}
