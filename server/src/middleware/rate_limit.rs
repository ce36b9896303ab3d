//! Per-client-address rate limits for unauthenticated endpoints (GCRA, from `governor`).

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::api::problem::Problem;

/// A keyed limiter shared by the requests of one route.
#[derive(Clone)]
pub struct PerAddress(Arc<DefaultKeyedRateLimiter<IpAddr>>);

impl PerAddress {
    /// `per_minute` requests a minute per address, with bursts of the same size.
    pub fn per_minute(per_minute: NonZeroU32) -> Self {
        PerAddress(Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))))
    }
}

/// Answers 429 with `Retry-After` once an address has used its quota.
pub async fn limit(State(limiter): State<PerAddress>, req: Request, next: Next) -> Response {
    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0]));
    match limiter.0.check_key(&ip) {
        Ok(()) => next.run(req).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            let secs = wait.as_secs().max(1);
            let mut res = Problem::new(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", format!("retry in {secs} seconds"))
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}
