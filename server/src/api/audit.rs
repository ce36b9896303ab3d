//! `GET /api/v1/audit` (scope `audit:read`, and the caller must be an auditor or admin now — a
//! token outlives a role change): the audit trail, newest first, filtered by `actor`, `target`,
//! `type`, `outcome`, `since` and `until` (RFC 3339), paged with `limit` (1–100) and `cursor`.

use app::ssr::AppState;
use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::accounts::Role;
use domain::audit::Outcome;
use domain::audit_query::{self, AuditFilter};
use domain::tokens::Principal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::problem::Problem;
use super::rfc3339;

/// The query of both audit routes: the filters, and the page (`list`) or the format (`export`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    actor: Option<String>,
    target: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    outcome: Option<String>,
    since: Option<String>,
    until: Option<String>,
    pub(super) cursor: Option<String>,
    pub(super) limit: Option<i64>,
    pub(super) format: Option<String>,
}

/// The filters of both audit routes, as documented (`AuditParams` reads them).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditFilters {
    /// The acting user's id.
    actor: Option<String>,
    /// What was acted on, e.g. a token's or client's id.
    target: Option<String>,
    /// The event type, e.g. `token.revoked`.
    #[param(rename = "type")]
    event_type: Option<String>,
    #[param(inline, value_type = Option<OutcomeName>)]
    outcome: Option<String>,
    /// From this instant (RFC 3339).
    since: Option<String>,
    /// Until this instant (RFC 3339).
    until: Option<String>,
}

/// The export's format.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ExportQuery {
    #[param(inline, value_type = ExportFormat)]
    format: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum OutcomeName {
    Success,
    Failure,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

/// One audit record.
#[derive(Serialize, ToSchema)]
pub struct AuditEventView {
    id: String,
    at: String,
    /// The acting user's id; null for the system or an anonymous caller.
    actor: Option<String>,
    #[serde(rename = "type")]
    event_type: String,
    target: Option<String>,
    outcome: String,
    ip: Option<String>,
    user_agent: Option<String>,
    method: Option<String>,
    route: Option<String>,
    /// Event-specific facts (never secrets).
    detail: Option<String>,
    /// The credential used: `token:<id>` or `client:<id>`; null for a browser session.
    credential: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    events: Vec<AuditEventView>,
    next: Option<String>,
}

fn unprocessable(detail: impl Into<std::borrow::Cow<'static, str>>) -> Response {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", detail).into_response()
}

fn instant(name: &'static str, text: Option<&str>) -> Result<Option<i64>, Response> {
    let Some(text) = text else { return Ok(None) };
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| Some((t.unix_timestamp_nanos() / 1_000_000) as i64))
        .map_err(|_| unprocessable(format!("{name} must be an RFC 3339 time")))
}

/// The checks both routes make: the caller's current role, known parameters, valid filters.
pub(super) fn admit(p: &Principal, query: Result<Query<AuditParams>, QueryRejection>) -> Result<(AuditFilter, AuditParams), Response> {
    if !matches!(p.owner.role, Role::Auditor | Role::Admin) {
        return Err(Problem::new(StatusCode::FORBIDDEN, "Forbidden", "the audit trail is for auditors and admins").into_response());
    }
    let Ok(Query(q)) = query else {
        return Err(Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "unknown parameter, or limit is not a number").into_response());
    };
    let outcome = q.outcome.as_deref().map(Outcome::parse).transpose().map_err(|e| unprocessable(e.to_string()))?;
    let filter = AuditFilter {
        actor: q.actor.clone(),
        target: q.target.clone(),
        event_type: q.event_type.clone(),
        outcome,
        since: instant("since", q.since.as_deref())?,
        until: instant("until", q.until.as_deref())?,
    }
    .checked()
    .map_err(|e| Problem::from_domain(e).into_response())?;
    Ok((filter, q))
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", operation_id = "list_audit_events", params(AuditFilters, super::paging::PageQuery),
    summary = "The audit trail, newest first (auditors and admins)",
    security(("bearer" = ["audit:read"])),
    responses((status = 200, body = AuditPage), super::openapi::Refusals, super::openapi::BadQuery))]
pub async fn list(State(state): State<AppState>, Extension(p): Extension<Principal>, query: Result<Query<AuditParams>, QueryRejection>) -> Response {
    let (filter, q) = match admit(&p, query) {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    if q.format.is_some() {
        return Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "format belongs to /api/v1/audit/export").into_response();
    }
    let limit = match super::paging::limit(q.limit, super::paging::MAX_PAGE) {
        Ok(n) => n,
        Err(refusal) => return refusal,
    };
    let page = async {
        let mut conn = state.accounts.store().pool().acquire().await?;
        audit_query::query(&mut conn, &filter, q.cursor.as_deref(), limit).await
    };
    match page.await {
        Ok(page) => Json(AuditPage {
            events: page
                .events
                .into_iter()
                .map(|e| AuditEventView {
                    id: e.id,
                    at: rfc3339(e.occurred_at),
                    actor: e.actor_user_id,
                    event_type: e.event_type,
                    target: e.target,
                    outcome: e.outcome,
                    ip: e.ip,
                    user_agent: e.user_agent,
                    method: e.method,
                    route: e.route,
                    detail: e.detail,
                    credential: e.actor_credential,
                })
                .collect(),
            next: page.next,
        })
        .into_response(),
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
