//! Bounds on one request: a body over 64 KiB is refused (413), a body that pauses longer than the
//! client timeout is cut off, and no request is worked on longer than a minute (408). Each route
//! group puts them inside its rate-limit layer, so these answers carry the rate-limit headers too.

use std::time::Duration;

use axum::http::StatusCode;
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

/// Request bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 64 * 1024;
/// No request is worked on longer than this (408); streamed downloads count only until their
/// first byte.
pub const HANDLER_TIMEOUT: Duration = Duration::from_secs(60);

pub type Layers = ServiceBuilder<Stack<TimeoutLayer, Stack<RequestBodyTimeoutLayer, Stack<RequestBodyLimitLayer, Identity>>>>;

/// Outermost first: the size check, then the pause check, then the clock on the handler.
pub fn layers(body_timeout: Duration) -> Layers {
    ServiceBuilder::new()
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, HANDLER_TIMEOUT))
}
