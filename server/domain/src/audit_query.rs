//! Reading the audit trail: filters (actor, target, type, outcome, time range) and keyset pages,
//! newest first. The SQL is built from the filters that are present, each bound as a parameter.

use sqlx::AnyConnection;

use crate::audit::{AuditRow, Outcome};
use crate::clock::Millis;
use crate::store::filter::{Bind, Filter};
use crate::{Error, Result};

/// Most records one page may hold.
pub const MAX_PAGE: i64 = 500;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub event_type: Option<String>,
    pub outcome: Option<Outcome>,
    pub since: Option<Millis>,
    pub until: Option<Millis>,
}

impl AuditFilter {
    /// The filter, if its text filters hold no control character. None can match a stored value,
    /// and PostgreSQL refuses NUL in text outright: caught here, the caller answers 422 before an
    /// export has started streaming (a database error then could only cut the stream short).
    pub fn checked(self) -> Result<Self> {
        for (name, value) in [("actor", &self.actor), ("target", &self.target), ("type", &self.event_type)] {
            if value.as_deref().is_some_and(|v| v.chars().any(char::is_control)) {
                return Err(Error::invalid(format!("{name} may not contain control characters")));
            }
        }
        Ok(self)
    }
}

#[derive(Debug, Clone)]
pub struct AuditPage {
    pub events: Vec<AuditRow>,
    /// Cursor of the next (older) page.
    pub next: Option<String>,
}

/// A cursor is `<occurred_at>.<id>` of the last record shown; opaque to clients, checked here.
fn parse_cursor(cursor: &str) -> Result<(Millis, String)> {
    let bad = || Error::invalid("the page cursor is not valid");
    let (at, id) = cursor.split_once('.').ok_or_else(bad)?;
    let at = at.parse().map_err(|_| bad())?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| bad())?;
    Ok((at, id.to_string()))
}

/// One page of events matching `filter`, newest first.
pub async fn query(conn: &mut AnyConnection, filter: &AuditFilter, cursor: Option<&str>, limit: i64) -> Result<AuditPage> {
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::invalid(format!("limit must be between 1 and {MAX_PAGE}")));
    }
    let mut f = Filter::default();
    let outcome = filter.outcome.map(|o| o.as_str().to_owned());
    for (column, value) in [
        ("actor_user_id", &filter.actor),
        ("target", &filter.target),
        ("event_type", &filter.event_type),
        ("outcome", &outcome),
    ] {
        if let Some(v) = value {
            f.add(&format!("{column} = ?"), [Bind::Text(v.clone())]);
        }
    }
    if let Some(t) = filter.since {
        f.add("occurred_at >= ?", [Bind::Int(t)]);
    }
    if let Some(t) = filter.until {
        f.add("occurred_at < ?", [Bind::Int(t)]);
    }
    if let Some((at, id)) = cursor.map(parse_cursor).transpose()? {
        f.add("(occurred_at < ? OR (occurred_at = ? AND id < ?))", [Bind::Int(at), Bind::Int(at), Bind::Text(id)]);
    }
    let where_sql = f.where_sql();
    let limit_at = f.push(Bind::Int(limit + 1));
    let sql = format!(
        "SELECT id, occurred_at, actor_user_id, event_type, target, outcome, ip, user_agent, method, route, detail, actor_credential \
         FROM audit_events {where_sql} ORDER BY occurred_at DESC, id DESC LIMIT {limit_at}"
    );
    let q = f.query_as::<AuditRow>(&sql);
    let mut events = q.fetch_all(conn).await?;
    let next = if events.len() as i64 > limit {
        events.truncate(limit as usize);
        events.last().map(|e| format!("{}.{}", e.occurred_at, e.id))
    } else {
        None
    };
    Ok(AuditPage { events, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_filters_with_control_characters_are_refused() {
        let with = |target: &str| AuditFilter { target: Some(target.to_owned()), ..Default::default() }.checked();
        assert!(with("tok_123").is_ok());
        assert!(matches!(with("a\u{0}b"), Err(Error::Invalid(_))));
        assert!(matches!(with("line\nbreak"), Err(Error::Invalid(_))));
        assert!(AuditFilter { actor: Some("\u{7f}".into()), ..Default::default() }.checked().is_err());
        assert!(AuditFilter::default().checked().is_ok());
    }

    #[test]
    fn cursors_are_checked() {
        assert!(parse_cursor("12.0190a0b8-0000-7000-8000-000000000000").is_ok());
        assert!(parse_cursor("12").is_err());
        assert!(parse_cursor("x.0190a0b8-0000-7000-8000-000000000000").is_err());
        assert!(parse_cursor("12.'; DROP TABLE users").is_err());
    }
}
