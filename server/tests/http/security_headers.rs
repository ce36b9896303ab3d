//! Every response carries the security headers: nosniff everywhere, no referrer from OAuth pages,
//! a CSP that forbids plugins, `<base>` and framing on pages, HSTS only over https.

use crate::both_backends;
use crate::support::{Backend, TestApp, site_with};

async fn every_response_carries_the_security_headers(app: &TestApp) {
    let b = app.browser();
    let cases = [
        ("/login", "strict-origin-when-cross-origin", true),
        ("/tokens", "strict-origin-when-cross-origin", true),
        ("/oauth/authorize?client_id=nope", "no-referrer", true),
        ("/oauth/consent", "no-referrer", true),
        ("/healthz", "strict-origin-when-cross-origin", false),
        ("/api/v1/user", "strict-origin-when-cross-origin", false),
        ("/.well-known/oauth-authorization-server", "strict-origin-when-cross-origin", false),
        ("/pkg/gatehouse.css", "strict-origin-when-cross-origin", true),
        ("/no/such/page", "strict-origin-when-cross-origin", true),
    ];
    for (path, referrer, page) in cases {
        let res = b.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], referrer, "{path}");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS over http: {path}");
        if page {
            let csp = h["content-security-policy"].to_str().unwrap().to_owned();
            for rule in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"] {
                assert!(csp.contains(rule), "{path}: {csp}");
            }
            assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(h["x-frame-options"], "DENY", "{path}");
            let body = res.text().await.unwrap();
            scripts_carry_the_nonce_of(&csp, &body, path);
        }
    }
    let res = reqwest::Client::new().post(app.url("/oauth/token")).form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

/// Every `<script>` of the body carries the CSP's nonce; a body without scripts gets a CSP that
/// allows none.
fn scripts_carry_the_nonce_of(csp: &str, body: &str, path: &str) {
    let scripts = body.matches("<script").count();
    let Some(nonce) = csp.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()) else {
        assert!(csp.contains("script-src 'none'"), "{path}: no nonce, so no script at all: {csp}");
        assert_eq!(scripts, 0, "{path}");
        return;
    };
    assert!(nonce.len() >= 16, "{path}: a nonce of at least 96 bits: {nonce}");
    assert!(scripts >= 1, "{path}: a page hydrates");
    assert_eq!(body.matches(&format!("<script type=\"module\" nonce=\"{nonce}\"")).count() + body.matches(&format!("<script nonce=\"{nonce}\"")).count(), scripts, "{path}: every script has the nonce: {body}");
}

async fn each_page_gets_a_fresh_script_nonce(app: &TestApp) {
    let nonce = || async {
        let res = app.browser().get(app.url("/login")).send().await.unwrap();
        let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
        assert!(csp.contains("'wasm-unsafe-eval'"), "the bundle is WebAssembly: {csp}");
        csp
    };
    assert_ne!(nonce().await, nonce().await);
}

/// Pages rendered while the bundle's files are being fetched keep their own headers, and the files
/// get none of theirs. leptos_axum's file handler looked up response options through whatever
/// reactive owner the worker thread had last seen, so a file fetched during a render could take
/// that page's headers (its CSP among them) and leave the page with the no-script fallback.
async fn files_fetched_during_renders_never_take_the_pages_headers(backend: Backend) {
    let site = site_with(&[("gatehouse.js", b"export default function () {}\n"), ("gatehouse.css", b"body { margin: 0 }\n")]);
    let app = TestApp::spawn(backend, &["--site-dir", site.path().to_str().unwrap()]).await;
    for _ in 0..15 {
        let mut tasks = Vec::new();
        for i in 0..32 {
            let (client, url) = (app.browser(), app.url(if i % 4 == 0 { "/login" } else if i % 2 == 0 { "/pkg/gatehouse.js" } else { "/pkg/gatehouse.css" }));
            tasks.push(tokio::spawn(async move {
                let res = client.get(&url).send().await.unwrap();
                assert_eq!(res.status(), 200, "{url}");
                let csp = res.headers()["content-security-policy"].to_str().unwrap().to_owned();
                (url, csp, res.text().await.unwrap())
            }));
        }
        for task in tasks {
            let (url, csp, body) = task.await.unwrap();
            if url.ends_with("/login") {
                assert!(csp.contains("'nonce-"), "the page keeps its CSP: {csp}");
                scripts_carry_the_nonce_of(&csp, &body, &url);
            } else {
                assert!(csp.contains("script-src 'none'"), "{url} has a page's CSP: {csp}");
            }
        }
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_fetched_during_renders_never_take_the_pages_headers_sqlite() {
    files_fetched_during_renders_never_take_the_pages_headers(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_fetched_during_renders_never_take_the_pages_headers_postgres() {
    files_fetched_during_renders_never_take_the_pages_headers(Backend::Postgres).await;
}

async fn an_https_portal_sends_hsts_for_a_year(backend: Backend) {
    let app = TestApp::spawn(backend, &["--public-url", "https://gatehouse.example.com"]).await;
    for path in ["/healthz", "/login", "/api/v1/user"] {
        let res = reqwest::Client::new().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains", "{path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_portal_sends_hsts_for_a_year_sqlite() {
    an_https_portal_sends_hsts_for_a_year(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_portal_sends_hsts_for_a_year_postgres() {
    an_https_portal_sends_hsts_for_a_year(Backend::Postgres).await;
}

both_backends!(every_response_carries_the_security_headers, each_page_gets_a_fresh_script_nonce);
