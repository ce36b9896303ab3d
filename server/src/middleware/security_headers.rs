//! Headers every response carries: no MIME sniffing, a referrer policy (none at all from OAuth
//! pages, whose URLs hold codes and state), HSTS for a year when the portal is served over https,
//! and for everything the browser part serves a content security policy without inline scripts,
//! plugins, `<base>` or framing.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The CSP of responses that are not rendered pages (assets, downloads, plain error pages): no
/// script may run at all. Pages carry `app::ssr::page_csp` with their nonce instead.
pub const OTHER_CSP: &str = "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

#[derive(Clone, Copy)]
pub struct Transport {
    pub https: bool,
}

pub async fn add(State(t): State<Transport>, req: Request, next: Next) -> Response {
    let oauth = req.uri().path().starts_with("/oauth/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let referrer = if oauth { "no-referrer" } else { "strict-origin-when-cross-origin" };
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    if t.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    res
}
