//! Rate limits in front of a route group. The layer counts the caller's address; code further in
//! counts the credential it identified (token, client, user) with `count` and leaves its outcome on
//! the response; the layer then reports the tightest outcome in `X-RateLimit-Limit`,
//! `X-RateLimit-Remaining` and `X-RateLimit-Reset` (UTC epoch seconds). Over a limit: 429 with
//! `Retry-After` and a problem+json body.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service, ServiceExt};
use domain::rate_limit::{Decision, Group, RateLimits, Subject};

use crate::api::problem::Problem;

pub const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
pub const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
pub const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// Puts a route group's limits in front of every route of a router. A hand-written service, not
/// `from_fn`: counted in this process, the address check answers or passes on without boxing a
/// future, so a refused or junk request costs no more than a bare route.
/// The service is cloned for every request, so its state sits behind one reference count.
#[derive(Clone)]
pub struct GroupLimitLayer(Arc<(RateLimits, Group)>);

impl GroupLimitLayer {
    pub fn new(limits: RateLimits, group: Group) -> Self {
        GroupLimitLayer(Arc::new((limits, group)))
    }
}

impl<S> Layer<S> for GroupLimitLayer {
    type Service = GroupLimit<S>;
    fn layer(&self, inner: S) -> GroupLimit<S> {
        GroupLimit { inner, state: self.0.clone() }
    }
}

#[derive(Clone)]
pub struct GroupLimit<S> {
    inner: S,
    state: Arc<(RateLimits, Group)>,
}

impl<S> Service<Request> for GroupLimit<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GroupLimitFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let by_address = Subject::Ip(client_ip(&req));
        let (limits, group) = &*self.state;
        match limits.check_now(*group, std::slice::from_ref(&by_address)) {
            Some(Some(d)) if !d.allowed() => GroupLimitFuture::Answered { response: Some(too_many(d)) },
            Some(decision) => GroupLimitFuture::Passing { inner: self.inner.call(req), by_address: decision },
            None => {
                // Counted in the database: the inner service that was polled ready goes along.
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                let state = self.state.clone();
                GroupLimitFuture::Counting {
                    future: Box::pin(async move {
                        let (limits, group) = &*state;
                        let decision = match count(limits, *group, &[by_address]).await {
                            Ok(d) => d,
                            Err(refusal) => return refusal,
                        };
                        let res = match inner.oneshot(req).await {
                            Ok(res) => res,
                            Err(never) => match never {},
                        };
                        finish(res, decision)
                    }),
                }
            }
        }
    }
}

pin_project! {
    /// An answer known at once, the inner service running after an address counted in this
    /// process, or the database count and the inner service running.
    #[project = Step]
    pub enum GroupLimitFuture<F> {
        Answered { response: Option<Response> },
        Passing { #[pin] inner: F, by_address: Option<Decision> },
        Counting { future: Pin<Box<dyn Future<Output = Response> + Send>> },
    }
}

impl<F> Future for GroupLimitFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            Step::Answered { response } => response.take().map_or(Poll::Pending, |r| Poll::Ready(Ok(r))),
            Step::Passing { inner, by_address } => inner.poll(cx).map(|res| Ok(finish(res.unwrap_or_else(|never| match never {}), *by_address))),
            Step::Counting { future } => future.as_mut().poll(cx).map(Ok),
        }
    }
}

/// Reports the tighter of the address's outcome and the one code further in left on the response.
fn finish(mut res: Response, by_address: Option<Decision>) -> Response {
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
pub async fn count(limits: &RateLimits, group: Group, subjects: &[Subject]) -> Result<Option<Decision>, Response> {
    let outcome = match limits.check_now(group, subjects) {
        Some(decision) => Ok(decision),
        None => limits.check(group, subjects.iter().cloned()).await,
    };
    match outcome {
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
