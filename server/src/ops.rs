//! Operational endpoints: liveness and readiness, JSON for load balancers and orchestrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use app::ssr::AppState;

/// `GET /healthz`: the process is alive; with the token-activity buffer's counters (records waiting,
/// written, and dropped because the buffer was full) and whether this replica runs the jobs that
/// must run once.
pub async fn healthz(State(state): State<AppState>) -> Json<Value> {
    let a = state.tokens.activity_buffer().stats();
    Json(json!({
        "status": "ok",
        "token_activity": { "pending": a.pending, "flushed": a.flushed, "dropped": a.dropped },
        "jobs": { "leader": state.leader.is_leader(), "token_sweeps": state.leader.token_sweeps() },
    }))
}

/// `GET /readyz`: the database answers; 503 when it does not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    match state.accounts.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok" }))),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": "unreachable" }))),
    }
}
