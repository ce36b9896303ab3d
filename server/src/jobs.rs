//! Background work: removing expired sessions.

use std::time::Duration;

use domain::store::Store;

const SESSION_SWEEP_EVERY: Duration = Duration::from_secs(600);

/// Deletes expired sessions every ten minutes until the process ends.
pub fn spawn_session_sweep(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SESSION_SWEEP_EVERY);
        loop {
            tick.tick().await;
            match store.pool().acquire().await {
                Ok(mut conn) => match domain::store::sessions::delete_expired(&mut conn, domain::clock::now_ms()).await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "session sweep failed"),
                },
                Err(e) => tracing::warn!(error = %e, "session sweep could not reach the database"),
            }
        }
    })
}
