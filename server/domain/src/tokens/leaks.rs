//! Leak reports: anyone (a secret scanner, a person who found a token in a paste) may hand in
//! strings; every one that is an active token of this instance is revoked at once. The caller learns
//! nothing about which strings were tokens; the owner sees the reason on the token.

use super::format;
use super::personal::Tokens;
use crate::audit::{self, Event, EventType, RequestMeta};
use crate::clock::{Millis, format_utc};
use crate::notifications::{self, Notice, NoticeKind};
use crate::crypto::sha256_hex;
use crate::store::tokens as rows;
use crate::{Error, Result};

/// The most strings one report may hold.
pub const MAX_LEAK_REPORT: usize = 1_000;
/// The reason owners see on a token revoked this way.
pub const LEAKED_REASON: &str = "reported as leaked";

impl Tokens {
    /// Revokes every active token among `candidates` in one transaction; returns how many (for the
    /// operator's log and tests only: the HTTP answer must not tell).
    pub async fn report_leaks(&self, candidates: &[String], meta: &RequestMeta, now: Millis) -> Result<usize> {
        if candidates.len() > MAX_LEAK_REPORT {
            return Err(Error::invalid(format!("report at most {MAX_LEAK_REPORT} strings at once")));
        }
        let digests: Vec<String> = candidates
            .iter()
            .filter_map(|c| format::parse(c.trim(), self.prefix()).ok())
            .map(|t| sha256_hex(t.expose().as_bytes()))
            .collect();
        if digests.is_empty() {
            return Ok(0);
        }
        let mut revoked = Vec::new();
        let mut tx = self.store().begin().await?;
        for digest in &digests {
            let Some(row) = rows::by_digest(&mut tx, digest).await? else { continue };
            if rows::end_any(&mut tx, &row.id, "revoked", LEAKED_REASON, now).await? {
                audit::record(
                    &mut tx,
                    meta,
                    Event { actor_user_id: None, target: Some(&row.id), detail: Some(&row.user_id), ..Event::success(EventType::TokenLeakRevoked, None) },
                )
                .await?;
                let message = format!(
                    "Your token “{}” was found in a leak report and revoked on {}. Create a new one where you used it.",
                    row.name,
                    format_utc(now)
                );
                notifications::notify(&mut tx, Notice::new(&row.user_id, NoticeKind::TokenLeaked, message)).await?;
                revoked.push(row.id);
            }
        }
        tx.commit().await?;
        for id in &revoked {
            self.ended(id);
        }
        Ok(revoked.len())
    }
}
