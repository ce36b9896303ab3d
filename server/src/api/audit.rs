//! `GET /api/v1/audit` (scope `audit:read`, and the caller must be an auditor or admin now — a
//! token outlives a role change): the audit trail, newest first, filtered by `actor`, `target`,
//! `type`, `outcome`, `since` and `until` (RFC 3339), paged with `limit` (1–500) and `cursor`.

use app::ssr::AppState;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::accounts::Role;
use domain::audit_query::{self, AuditFilter};
use domain::tokens::Principal;
use serde::Deserialize;
use serde_json::json;

use super::problem::Problem;
use super::rfc3339;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    target: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    outcome: Option<String>,
    since: Option<String>,
    until: Option<String>,
    cursor: Option<String>,
    limit: Option<i64>,
}

pub(super) fn instant(name: &'static str, text: Option<&str>) -> Result<Option<i64>, Response> {
    let Some(text) = text else { return Ok(None) };
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
        .map_err(|_| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", format!("{name} must be an RFC 3339 time")).into_response())
}

pub async fn list(State(state): State<AppState>, Extension(p): Extension<Principal>, query: Result<Query<AuditQuery>, QueryRejection>) -> Response {
    if !matches!(p.owner.role, Role::Auditor | Role::Admin) {
        return Problem::new(StatusCode::FORBIDDEN, "Forbidden", "the audit trail is for auditors and admins").into_response();
    }
    let Ok(Query(q)) = query else {
        return Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "unknown parameter, or limit is not a number").into_response();
    };
    let (since, until) = match (instant("since", q.since.as_deref()), instant("until", q.until.as_deref())) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let filter = AuditFilter { actor: q.actor, target: q.target, event_type: q.event_type, outcome: q.outcome, since, until };
    let page = async {
        let mut conn = state.accounts.store().pool().acquire().await?;
        audit_query::query(&mut conn, &filter, q.cursor.as_deref(), q.limit.unwrap_or(100)).await
    };
    match page.await {
        Ok(page) => Json(json!({
            "events": page.events.into_iter().map(|e| json!({
                "id": e.id, "at": rfc3339(e.occurred_at), "actor": e.actor_user_id, "type": e.event_type, "target": e.target,
                "outcome": e.outcome, "ip": e.ip, "user_agent": e.user_agent, "method": e.method, "route": e.route, "detail": e.detail,
            })).collect::<Vec<_>>(),
            "next": page.next,
        }))
        .into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
