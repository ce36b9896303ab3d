//! `GET /api/v1/audit/export?format=jsonl|csv` (scope `audit:read`, auditors and admins) and the
//! portal's `GET /admin/audit/export` (a signed-in auditor or admin): the filtered trail as JSON
//! Lines or CSV, newest first, streamed page by page (500 records at a time), so a million rows
//! never sit in memory.

use app::ssr::AppState;
use axum::Extension;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::audit::AuditRow;
use domain::audit_query::{self, AuditFilter};
use domain::tokens::Principal;

use super::audit::{AuditParams, admit};
use super::problem::Problem;
use super::rfc3339;

const PAGE: i64 = audit_query::MAX_PAGE;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    JsonLines,
    Csv,
}

const COLUMNS: [&str; 12] = ["id", "at", "actor", "credential", "type", "target", "outcome", "ip", "user_agent", "method", "route", "detail"];

fn fields(e: &AuditRow) -> [String; 12] {
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        e.id.clone(),
        rfc3339(e.occurred_at),
        o(&e.actor_user_id),
        o(&e.actor_credential),
        e.event_type.clone(),
        o(&e.target),
        e.outcome.clone(),
        o(&e.ip),
        o(&e.user_agent),
        o(&e.method),
        o(&e.route),
        o(&e.detail),
    ]
}

/// One page in the chosen format; CSV starts with its header row.
fn encode(events: &[AuditRow], format: Format, first: bool) -> std::io::Result<Vec<u8>> {
    match format {
        Format::JsonLines => {
            let mut out = Vec::new();
            for e in events {
                let object: serde_json::Map<String, serde_json::Value> =
                    COLUMNS.iter().zip(fields(e)).map(|(k, v)| (k.to_string(), serde_json::Value::String(v))).collect();
                serde_json::to_writer(&mut out, &object)?;
                out.push(b'\n');
            }
            Ok(out)
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            if first {
                w.write_record(COLUMNS)?;
            }
            for e in events {
                w.write_record(fields(e))?;
            }
            w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))
        }
    }
}

struct Cursor {
    next: Option<String>,
    first: bool,
    done: bool,
}

#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", operation_id = "export_audit_events",
    params(super::audit::AuditFilters, super::audit::ExportQuery),
    summary = "The filtered trail as JSON Lines or CSV, streamed (auditors and admins)",
    security(("bearer" = ["audit:read"])),
    responses(
        (status = 200, description = "One record per line", content(
            (String = "application/jsonl"),
            (String = "text/csv"),
        )),
        super::openapi::Refusals, super::openapi::BadQuery))]
pub async fn export(State(state): State<AppState>, Extension(p): Extension<Principal>, query: Result<Query<AuditParams>, QueryRejection>) -> Response {
    let (filter, q) = match admit(&p, query) {
        Ok(admitted) => admitted,
        Err(refusal) => return refusal,
    };
    if q.cursor.is_some() || q.limit.is_some() {
        return Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "the export has no pages: leave out cursor and limit").into_response();
    }
    match q.format.as_deref() {
        Some("jsonl") => stream(&state, filter, Format::JsonLines),
        Some("csv") => stream(&state, filter, Format::Csv),
        _ => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", "format is jsonl or csv").into_response(),
    }
}

/// The portal's export link: the same filters as the audit page (days as `YYYY-MM-DD`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortalParams {
    actor: Option<String>,
    target: Option<String>,
    #[serde(rename = "type")]
    event_type: Option<String>,
    outcome: Option<String>,
    since: Option<String>,
    until: Option<String>,
    format: Option<String>,
}

pub async fn portal(State(state): State<AppState>, session: tower_sessions::Session, query: Result<Query<PortalParams>, QueryRejection>) -> Response {
    let user = match app::ssr::user_of_session(&state, &session).await {
        Ok(Some((user, _))) => user,
        Ok(None) => return axum::response::Redirect::to("/login").into_response(),
        Err(e) => return Problem::from_domain(e).into_response(),
    };
    if let Err(e) = domain::admin::Reviewer::check(&user) {
        return Problem::from_domain(e).into_response();
    }
    let Ok(Query(p)) = query else {
        return Problem::new(StatusCode::BAD_REQUEST, "Bad Request", "unknown parameter").into_response();
    };
    let o = |v: Option<String>| v.unwrap_or_default();
    let q = app::api::audit_trail::AuditQuery {
        actor: o(p.actor),
        target: o(p.target),
        event_type: o(p.event_type),
        outcome: o(p.outcome),
        since: o(p.since),
        until: o(p.until),
        cursor: String::new(),
    };
    let filter = match app::api::audit_trail::audit_filter(&q) {
        Ok(f) => f,
        Err(e) => return Problem::from_domain(e).into_response(),
    };
    match p.format.as_deref() {
        Some("jsonl") => stream(&state, filter, Format::JsonLines),
        Some("csv") => stream(&state, filter, Format::Csv),
        _ => Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", "format is jsonl or csv").into_response(),
    }
}

fn stream(state: &AppState, filter: AuditFilter, format: Format) -> Response {
    let (content_type, extension) = match format {
        Format::JsonLines => ("application/jsonl", "jsonl"),
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
    };
    let pool = state.accounts.store().pool().clone();
    let pages = futures_util::stream::unfold(Cursor { next: None, first: true, done: false }, move |c| {
        let (pool, filter) = (pool.clone(), filter.clone());
        async move {
            if c.done {
                return None;
            }
            let page = async {
                let mut conn = pool.acquire().await.map_err(std::io::Error::other)?;
                audit_query::query(&mut conn, &filter, c.next.as_deref(), PAGE).await.map_err(|e| std::io::Error::other(e.to_string()))
            };
            match page.await {
                Ok(page) => {
                    let bytes = encode(&page.events, format, c.first).map(Bytes::from);
                    let done = page.next.is_none();
                    Some((bytes, Cursor { next: page.next, first: false, done }))
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit export stopped");
                    Some((Err(e), Cursor { next: None, first: false, done: true }))
                }
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"gatehouse-audit.{extension}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Body::from_stream(pages),
    )
        .into_response()
}
