//! Throttling of failed password and TOTP attempts, per account and per IP: after a few failures
//! each further one waits longer (doubling, capped at 15 minutes); an account stops accepting
//! attempts at 100 consecutive failures until an admin unlocks it. A success resets the account.

use sqlx::AnyConnection;

use crate::clock::{MINUTE, Millis, SECOND};
use crate::crypto::sha256_hex;
use crate::store::throttle as rows;
use crate::{Error, Result};

pub const ACCOUNT_FREE_FAILURES: i64 = 5;
/// Offices and NATs share addresses, so an IP gets more room than an account.
pub const IP_FREE_FAILURES: i64 = 20;
pub const MAX_DELAY: Millis = 15 * MINUTE;
pub const ACCOUNT_HARD_LIMIT: i64 = 100;

/// What is throttled: an account (known or not: unknown emails get a key of their own so they
/// behave exactly like known ones), or the client's IP.
pub(crate) enum Key {
    Account(String),
    UnknownEmail(String),
    Ip(String),
}

impl Key {
    pub(crate) fn unknown_email(email: &str) -> Key {
        Key::UnknownEmail(sha256_hex(email.as_bytes()))
    }

    fn db_key(&self) -> String {
        match self {
            Key::Account(id) => format!("acct:{id}"),
            Key::UnknownEmail(h) => format!("email:{h}"),
            Key::Ip(ip) => format!("ip:{ip}"),
        }
    }

    fn free_failures(&self) -> i64 {
        match self {
            Key::Ip(_) => IP_FREE_FAILURES,
            _ => ACCOUNT_FREE_FAILURES,
        }
    }

    fn has_hard_limit(&self) -> bool {
        !matches!(self, Key::Ip(_))
    }
}

/// How long to wait after `failures` consecutive failures.
pub(crate) fn delay_after(failures: i64, free: i64) -> Millis {
    if failures < free {
        return 0;
    }
    let exp = (failures - free).min(20) as u32;
    (SECOND << exp).min(MAX_DELAY)
}

/// Refuses the attempt if any key is waiting or locked.
pub(crate) async fn check(conn: &mut AnyConnection, keys: &[Key], now: Millis) -> Result<()> {
    for key in keys {
        if let Some(row) = rows::get(&mut *conn, &key.db_key()).await? {
            if key.has_hard_limit() && row.failures >= ACCOUNT_HARD_LIMIT {
                return Err(Error::Locked);
            }
            if row.locked_until > now {
                let secs = ((row.locked_until - now) + SECOND - 1) / SECOND;
                return Err(Error::RateLimited { retry_after_secs: secs as u64 });
            }
        }
    }
    Ok(())
}

pub(crate) async fn record_failure(conn: &mut AnyConnection, keys: &[Key], now: Millis) -> Result<()> {
    for key in keys {
        let k = key.db_key();
        let failures = rows::add_failure(&mut *conn, &k, now).await?;
        let delay = delay_after(failures, key.free_failures());
        if delay > 0 {
            rows::set_locked_until(&mut *conn, &k, now + delay).await?;
        }
    }
    Ok(())
}

pub(crate) async fn reset(conn: &mut AnyConnection, key: &Key) -> Result<()> {
    rows::clear(conn, &key.db_key()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_then_double_up_to_the_cap() {
        assert_eq!(delay_after(4, 5), 0);
        assert_eq!(delay_after(5, 5), SECOND);
        assert_eq!(delay_after(6, 5), 2 * SECOND);
        assert_eq!(delay_after(10, 5), 32 * SECOND);
        assert_eq!(delay_after(99, 5), MAX_DELAY);
    }
}
