//! E-mail notices over SMTP (lettre): the job that sends what the outbox holds. Plain text, one
//! message per notice, to the account's address; addresses and message bodies never reach a log.

use std::time::Duration;

use domain::clock::now_ms;
use domain::notifications::outbox::{self, Outgoing};
use domain::store::Store;
use domain::store::leader::Leadership;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::task::JoinHandle;

use crate::config::Smtp;

const BATCH: i64 = 50;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP settings are unusable")]
    Settings,
    #[error("the message could not be built")]
    Build,
    #[error("the SMTP server refused or could not be reached: {0}")]
    Send(String),
}

#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    portal: String,
}

impl Mailer {
    pub fn new(smtp: &Smtp, portal: &str) -> Result<Self, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.url)
            .map_err(|_| MailError::Settings)?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Mailer { transport, from: smtp.from.clone(), portal: portal.to_owned() })
    }

    async fn send(&self, m: &Outgoing) -> Result<(), MailError> {
        let to = Mailbox::new(Some(m.to_name.clone()), m.to_email.parse().map_err(|_| MailError::Build)?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.kind.subject())
            .header(ContentType::TEXT_PLAIN)
            .body(outbox::body(&m.to_name, &m.message, &self.portal))
            .map_err(|_| MailError::Build)?;
        // The server's answer may quote the recipient, so only its kind is kept.
        self.transport.send(message).await.map(|_| ()).map_err(|e| MailError::Send(smtp_error_kind(&e)))
    }

    /// Sends every due notice once; returns (sent, failed).
    pub async fn deliver_due(&self, store: &Store) -> domain::Result<(usize, usize)> {
        let mut conn = store.pool().acquire().await?;
        let batch = outbox::claim(&mut conn, now_ms(), BATCH).await?;
        let (mut sent, mut failed) = (0, 0);
        for m in batch {
            match self.send(&m).await {
                Ok(()) => {
                    outbox::mark_sent(&mut conn, &m.id).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(notice = %m.id, error = %e, "e-mail notice not sent; retrying later");
                    outbox::mark_failed(&mut conn, &m.id, m.attempts, now_ms()).await?;
                    failed += 1;
                }
            }
        }
        Ok((sent, failed))
    }
}

fn smtp_error_kind(e: &lettre::transport::smtp::Error) -> String {
    if e.is_transient() {
        "transient error".into()
    } else if e.is_permanent() {
        "permanent error".into()
    } else if e.is_timeout() {
        "timeout".into()
    } else {
        "connection or protocol error".into()
    }
}

/// Sends due e-mail notices every `period`.
pub fn spawn(store: Store, mailer: Mailer, period: Duration, leader: Leadership) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !leader.is_leader() {
                continue;
            }
            match mailer.deliver_due(&store).await {
                Ok((sent, failed)) if sent + failed > 0 => tracing::info!(sent, failed, "e-mail notices"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "e-mail job failed"),
            }
        }
    })
}
