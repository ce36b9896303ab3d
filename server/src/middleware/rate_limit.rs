//! Rate limits in front of a route group. The layer counts the caller's address; code further in
//! counts the credential it identified (token, client, user) with `count` and leaves its outcome on
//! the response; the layer then reports the tightest outcome in `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (UTC epoch seconds). Over a limit: 429 with
//! `Retry-After` and a problem+json body.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::rate_limit::{Decision, Group, RateLimits, Subject};

use crate::api::problem::Problem;

pub const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// The limits of one route group, as the state of its layer.
#[derive(Clone)]
pub struct GroupLimit {
    pub limits: RateLimits,
    pub group: Group,
}

pub async fn limit(State(g): State<GroupLimit>, req: Request, next: Next) -> Response {
    let by_address = match g.limits.check(g.group, [Subject::Ip(client_ip(&req))]).await {
        Ok(d) => d,
        Err(e) => return Problem::from_domain(e).into_response(),
    };
    if let Some(d) = by_address.filter(|d| !d.allowed()) {
        return too_many(d);
    }
    let mut res = next.run(req).await;
    let further_in = res.extensions_mut().remove::<Decision>();
    let reported = match (by_address, further_in) {
        (Some(a), Some(b)) => Some(a.tighter(b)),
        (a, b) => a.or(b),
    };
    if let Some(d) = reported {
        write_headers(res.headers_mut(), &d);
    }
    res
}

/// Counts one request against `subjects` in `group`. `Err` is the answer to send (429, or 500 if
/// counting failed); `Ok` carries the outcome to leave on the response with `report`.
pub async fn count(limits: &RateLimits, group: Group, subjects: impl IntoIterator<Item = Subject>) -> Result<Option<Decision>, Response> {
    match limits.check(group, subjects).await {
        Ok(Some(d)) if !d.allowed() => Err(too_many(d)),
        Ok(d) => Ok(d),
        Err(e) => Err(Problem::from_domain(e).into_response()),
    }
}

/// Leaves an outcome on the response for the group's layer to report.
pub fn report(mut res: Response, decision: Option<Decision>) -> Response {
    if let Some(d) = decision {
        res.extensions_mut().insert(d);
    }
    res
}

/// 429 with `Retry-After`, the limit headers and a problem+json body.
pub fn too_many(d: Decision) -> Response {
    let secs = d.retry_after.unwrap_or(1);
    let mut res = Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", format!("rate limit reached; retry in {secs} seconds"))
        .into_response();
    write_headers(res.headers_mut(), &d);
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
    res.extensions_mut().insert(d);
    res
}

pub fn write_headers(h: &mut HeaderMap, d: &Decision) {
    h.insert(LIMIT, HeaderValue::from(d.limit));
    h.insert(REMAINING, HeaderValue::from(d.remaining));
    h.insert(RESET, HeaderValue::from(d.reset_at));
}

/// The peer's address (the portal does not trust forwarding headers).
pub fn client_ip(req: &Request) -> IpAddr {
    req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}
