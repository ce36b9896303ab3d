//! Pages of REST API lists: `limit` (1–100) and an opaque `cursor` naming where the next page starts.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::problem::Problem;

/// No list answers with more items than this, whatever is asked.
pub const MAX_PAGE: i64 = 100;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Where the page starts: the `next` of the previous page.
    pub cursor: Option<String>,
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

/// `limit`, or `default` without one; 422 outside 1–100 (like any well-formed but unusable value).
pub fn limit(limit: Option<i64>, default: i64) -> Result<i64, Response> {
    match limit.unwrap_or(default) {
        n @ 1..=MAX_PAGE => Ok(n),
        _ => Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", "limit must be between 1 and 100").into_response()),
    }
}

/// One page of a list already in its order, and the cursor of the next page (the last item's id).
/// A cursor that names no item is a 422: it was not made by this API (or its item is gone).
pub fn page_of<T>(items: Vec<T>, id: impl Fn(&T) -> &str, q: &PageQuery, default: i64) -> Result<(Vec<T>, Option<String>), Response> {
    let limit = limit(q.limit, default)? as usize;
    let start = match &q.cursor {
        None => 0,
        Some(c) => match items.iter().position(|t| id(t) == c) {
            Some(i) => i + 1,
            None => return Err(Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity", "unknown cursor").into_response()),
        },
    };
    let mut page: Vec<T> = items.into_iter().skip(start).collect();
    let next = (page.len() > limit).then(|| id(&page[limit - 1]).to_owned());
    page.truncate(limit);
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(cursor: Option<&str>, limit: Option<i64>) -> PageQuery {
        PageQuery { cursor: cursor.map(str::to_owned), limit }
    }

    #[test]
    fn pages_follow_each_other_and_stop() {
        let items: Vec<String> = (0..5).map(|i| format!("t{i}")).collect();
        let (first, next) = page_of(items.clone(), |s| s, &q(None, Some(2)), 50).unwrap();
        assert_eq!((first, next.as_deref()), (vec!["t0".to_owned(), "t1".to_owned()], Some("t1")));
        let (last, next) = page_of(items.clone(), |s| s, &q(Some("t3"), Some(2)), 50).unwrap();
        assert_eq!((last, next), (vec!["t4".to_owned()], None));
        let (exact, next) = page_of(items.clone(), |s| s, &q(Some("t2"), Some(2)), 50).unwrap();
        assert_eq!((exact.len(), next), (2, None));
    }

    #[test]
    fn limits_outside_1_to_100_and_foreign_cursors_are_refused() {
        let items = vec!["a".to_owned()];
        for bad in [q(None, Some(0)), q(None, Some(101)), q(None, Some(-1)), q(Some("zzz"), None)] {
            assert_eq!(page_of(items.clone(), |s| s, &bad, 50).unwrap_err().status(), StatusCode::UNPROCESSABLE_ENTITY);
        }
        assert!(page_of(items, |s| s, &q(None, Some(100)), 50).is_ok());
    }
}
