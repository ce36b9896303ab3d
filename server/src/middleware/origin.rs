//! Browser writes are refused unless their Origin (or, failing that, Referer) is the public URL:
//! a cross-site form or fetch cannot act with the victim's session cookie.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(Clone)]
pub struct PublicOrigin(pub Arc<str>);

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn same_origin(req: &Request, origin: &str) -> bool {
    let headers = req.headers();
    if let Some(o) = headers.get(header::ORIGIN) {
        return o.to_str().is_ok_and(|o| o == origin);
    }
    headers.get(header::REFERER).and_then(|r| r.to_str().ok()).is_some_and(|r| {
        r.strip_prefix(origin).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

pub async fn require_same_origin(State(origin): State<PublicOrigin>, req: Request, next: Next) -> Response {
    if is_safe(req.method()) || same_origin(&req, &origin.0) {
        return next.run(req).await;
    }
    tracing::warn!(method = %req.method(), path = req.uri().path(), "refused a cross-origin write");
    (StatusCode::FORBIDDEN, "Cross-origin request refused: the Origin header does not match this portal.\n").into_response()
}
