//! Background work: writing token activity, retiring expired and idle tokens, removing expired
//! sessions, dead client secrets and stale revocations, sending webhooks and e-mail. Each job is a
//! loop on its own interval; `Jobs::stop` ends them and writes what is left of the activity buffer,
//! so a clean shutdown loses no records. Writing activity, pruning rate-limit counts and listening
//! for other replicas' notices run in every process; the rest only in the leader
//! (`domain::store::leader`), so with several replicas each runs once.

use std::time::Duration;

use domain::clock::now_ms;
use domain::oauth::OAuth;
use domain::store::Store;
use domain::store::leader::Leadership;
use domain::store::notices::Notice;
use domain::tokens::Tokens;
use tokio::task::JoinHandle;

use crate::config::Config;

const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(600);
const WEBHOOK_POLL: Duration = Duration::from_secs(2);
const POLICY_RELOAD: Duration = Duration::from_secs(30);

pub struct Jobs {
    tokens: Tokens,
    handles: Vec<JoinHandle<()>>,
}

/// Starts every background job of a serving instance.
pub fn start(
    store: Store,
    tokens: Tokens,
    oauth: OAuth,
    webhooks: domain::webhooks::Webhooks,
    policy: domain::policy::LivePolicy,
    limits: domain::rate_limit::RateLimits,
    leader: Leadership,
    config: &Config,
) -> Jobs {
    store.campaign(&leader);
    let mut handles = vec![
        spawn_rate_limit_prune(limits),
        spawn_notice_listener(store.clone(), tokens.clone(), oauth.clone(), policy.clone()),
        spawn_policy_reload(policy, store.clone()),
        spawn_session_sweep(store.clone(), leader.clone()),
        spawn_oauth_sweep(oauth, leader.clone()),
        spawn_activity_flush(tokens.clone(), Duration::from_millis(config.activity_flush_ms as u64)),
        spawn_token_sweep(tokens.clone(), Duration::from_secs(config.token_sweep_seconds as u64), leader.clone()),
    ];
    match crate::webhooks::Sender::new(webhooks) {
        Ok(sender) => handles.push(crate::webhooks::spawn(sender, WEBHOOK_POLL, leader.clone())),
        Err(e) => tracing::error!(error = %e, "webhook deliveries are off"),
    }
    if let Some(smtp) = &config.smtp {
        match crate::mail::Mailer::new(smtp, &config.public_origin) {
            Ok(mailer) => handles.push(crate::mail::spawn(store, mailer, Duration::from_millis(config.mail_poll_ms as u64), leader)),
            Err(e) => tracing::error!(error = %e, "e-mail notices are off"),
        }
    }
    Jobs { tokens, handles }
}

impl Jobs {
    pub async fn stop(self) {
        for h in &self.handles {
            h.abort();
        }
        if let Err(e) = self.tokens.flush_activity().await {
            tracing::warn!(error = %e, "final activity flush failed");
        }
    }
}

fn every(period: Duration) -> tokio::time::Interval {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick
}

/// Writes buffered token activity in batches: on every tick, and early when a burst fills the buffer.
pub fn spawn_activity_flush(tokens: Tokens, period: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = every(period);
        let buffer = tokens.activity_buffer().clone();
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = buffer.filled() => {}
            }
            if let Err(e) = tokens.flush_activity().await {
                tracing::warn!(error = %e, "activity flush failed; the batch stays buffered");
            }
        }
    })
}

/// Expires tokens past their date or unused for the inactivity period (leader only).
pub fn spawn_token_sweep(tokens: Tokens, period: Duration, leader: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = every(period);
        loop {
            tick.tick().await;
            if !leader.is_leader() {
                continue;
            }
            leader.note_token_sweep();
            // Flush first, so a token used moments ago is not taken for idle.
            let _ = tokens.flush_activity().await;
            match tokens.sweep_expired(now_ms()).await {
                Ok(r) if r.expired + r.expired_inactive > 0 || r.activity_removed > 0 => tracing::info!(
                    expired = r.expired,
                    expired_inactive = r.expired_inactive,
                    activity_removed = r.activity_removed,
                    "token expiry sweep"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "token expiry sweep failed"),
            }
        }
    })
}

/// Applies the other replicas' notices (PostgreSQL only): ended credentials drop the verified
/// tokens, a saved policy is read again, rotated keys are loaded again.
pub fn spawn_notice_listener(store: Store, tokens: Tokens, oauth: OAuth, policy: domain::policy::LivePolicy) -> JoinHandle<()> {
    tokio::spawn(async move {
        let reader = store.clone();
        reader
            .listen(move |notice| match notice {
                Notice::Credentials => {
                    tokens.drop_cached();
                    oauth.drop_cached();
                }
                Notice::Keys => oauth.drop_cached(),
                Notice::Policy => {
                    let (policy, store, tokens, oauth) = (policy.clone(), store.clone(), tokens.clone(), oauth.clone());
                    tokio::spawn(async move {
                        match policy.reload(&store).await {
                            // What the old policy allowed may be cached.
                            Ok(()) => {
                                tokens.drop_cached();
                                oauth.drop_cached();
                            }
                            Err(e) => tracing::warn!(error = %e, "policy reload failed; the current policy stays"),
                        }
                    });
                }
            })
            .await;
    })
}

/// Forgets rate-limit subjects whose quota is full again, once a minute.
pub fn spawn_rate_limit_prune(limits: domain::rate_limit::RateLimits) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = every(Duration::from_secs(60));
        loop {
            tick.tick().await;
            limits.prune();
        }
    })
}

/// Picks up a policy saved by another process (another replica, an operator command) within
/// `POLICY_RELOAD`; this process's own saves apply at once.
pub fn spawn_policy_reload(policy: domain::policy::LivePolicy, store: Store) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = every(POLICY_RELOAD);
        loop {
            tick.tick().await;
            if let Err(e) = policy.reload(&store).await {
                tracing::warn!(error = %e, "policy reload failed; the current policy stays");
            }
        }
    })
}

/// Deletes expired sessions (leader only).
pub fn spawn_session_sweep(store: Store, leader: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = every(SESSION_SWEEP_EVERY);
        loop {
            tick.tick().await;
            if !leader.is_leader() {
                continue;
            }
            match store.pool().acquire().await {
                Ok(mut conn) => match domain::store::sessions::delete_expired(&mut conn, now_ms()).await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "session sweep failed"),
                },
                Err(e) => tracing::warn!(error = %e, "session sweep could not reach the database"),
            }
        }
    })
}

/// Removes client secrets past their grace period and revocations of tokens that have expired
/// (leader only).
pub fn spawn_oauth_sweep(oauth: OAuth, leader: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = every(SESSION_SWEEP_EVERY);
        loop {
            tick.tick().await;
            if !leader.is_leader() {
                continue;
            }
            let now = now_ms();
            match (oauth.sweep_dead_secrets(now).await, oauth.sweep_revocations(now).await) {
                (Ok(secrets), Ok(revocations)) if secrets + revocations > 0 => {
                    tracing::info!(secrets, revocations, "ended client secrets and stale revocations removed")
                }
                (Ok(_), Ok(_)) => {}
                (Err(e), _) | (_, Err(e)) => tracing::warn!(error = %e, "OAuth sweep failed"),
            }
        }
    })
}
