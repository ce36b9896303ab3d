//! Rate limits: per token, user, OAuth client and address, per route group; the `X-RateLimit-*`
//! headers on REST and OAuth answers; over a limit, 429 with `Retry-After` and problem+json.

use clap::Parser;
use reqwest::Response;
use serde_json::Value;

use crate::api::{api, token};
use crate::oauth_server::{Registered, confidential_client};
use crate::sign_in::{EMAIL, enrolled};
use crate::support::{PASSWORD, TestApp, totp_code};

const LIMITS: [&str; 14] = [
    "--rate-limit", "api.token=3/m",
    "--rate-limit", "api.user=5/m",
    "--rate-limit", "oauth_token.client=2/m",
    "--rate-limit", "introspection.client=2/m",
    "--rate-limit", "sign_in.user=3/m",
    "--rate-limit", "sign_in.ip=5/m",
    "--rate-limit", "totp.user=2/m",
];

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// (limit, remaining, reset) from the headers; the reset is checked to lie within the minute.
fn counters(res: &Response) -> (u64, u64) {
    let h = |name: &str| -> u64 {
        let v = res.headers().get(name).unwrap_or_else(|| panic!("{name} missing on {} {}", res.status(), res.url()));
        v.to_str().unwrap().parse().unwrap()
    };
    let reset = h("x-ratelimit-reset");
    assert!(reset >= now() && reset <= now() + 61, "reset {reset} is an epoch second within the minute");
    (h("x-ratelimit-limit"), h("x-ratelimit-remaining"))
}

/// A 429 in the problem+json shape with a `Retry-After` of at most `max` seconds.
async fn assert_refused(res: Response, max: u64) {
    assert_eq!(res.status(), 429, "{}", res.url());
    assert_eq!(counters(&res).1, 0);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=max).contains(&wait), "Retry-After {wait}");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], 429);
    assert_eq!(body["title"], "Too Many Requests");
}

async fn api_calls_are_counted_per_token_and_per_user(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, first) = token(app, "ada@example.com", "user:read", "").await;
    let (_, second) = token(app, "ada@example.com", "user:read user:email", "").await;
    for remaining in [2, 1, 0] {
        let res = api(app, "/api/v1/user", Some(&first)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(counters(&res), (3, remaining), "the token's quota is the tightest");
    }
    // 3 of 3 used: each further request waits for one to come back (60 s / 3).
    assert_refused(api(app, "/api/v1/user", Some(&first)).send().await.unwrap(), 20).await;
    // The user has used 4 of 5 (the refused call counted too): one more with the other token, then none.
    let res = api(app, "/api/v1/user", Some(&second)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(counters(&res), (5, 0), "now the user's quota is the tightest");
    assert_refused(api(app, "/api/v1/user", Some(&second)).send().await.unwrap(), 12).await;
    // Answers without a valid token report the address's quota (the default, 6,000 a minute).
    for res in [
        api(app, "/api/v1/user", None).send().await.unwrap(),
        api(app, "/api/v1/user", Some("gat_nonsense")).send().await.unwrap(),
        api(app, "/api/v1/no-such-route", Some(&second)).send().await.unwrap(),
    ] {
        assert!(res.status().is_client_error());
        assert_eq!(counters(&res).0, 6000);
    }
}

async fn form(app: &TestApp, path: &str, c: &Registered, params: &[(&str, &str)]) -> Response {
    reqwest::Client::new().post(app.url(path)).basic_auth(&c.id, Some(&c.secret)).form(params).send().await.unwrap()
}

async fn oauth_endpoints_are_counted_per_client(app: &TestApp) {
    let c = confidential_client(app, &["client_credentials"], "user:read").await;
    let grant = [("grant_type", "client_credentials"), ("scope", "user:read")];
    let res = form(app, "/oauth/token", &c, &grant).await;
    assert_eq!(res.status(), 200);
    assert_eq!(counters(&res), (2, 1));
    let access: Value = res.json().await.unwrap();
    let access = access["access_token"].as_str().unwrap().to_owned();
    let res = form(app, "/oauth/revoke", &c, &[("token", "not-a-token")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(counters(&res), (2, 0), "revocation counts with the token endpoint");
    let refused = form(app, "/oauth/token", &c, &grant).await;
    assert_eq!(refused.headers()["cache-control"], "no-store");
    assert_refused(refused, 30).await;
    // Introspection has a quota of its own.
    for remaining in [1, 0] {
        let res = form(app, "/oauth/introspect", &c, &[("token", &access)]).await;
        assert_eq!(res.status(), 200);
        assert_eq!(counters(&res), (2, remaining));
    }
    assert_refused(form(app, "/oauth/introspect", &c, &[("token", &access)]).await, 30).await;
    // Discovery, the JWKS and the authorization endpoint count the address (default 600 a minute).
    for path in ["/.well-known/oauth-authorization-server", "/.well-known/jwks.json", "/oauth/authorize?client_id=nope"] {
        let res = reqwest::Client::new().get(app.url(path)).send().await.unwrap();
        assert_eq!(counters(&res).0, 600, "{path}");
    }
    // A client that fails to authenticate is counted by its address only.
    let stranger = Registered { id: c.id.clone(), secret: "wrong".into() };
    let res = form(app, "/oauth/token", &stranger, &grant).await;
    assert_eq!(res.status(), 401);
    assert_eq!(counters(&res).0, 600);
}

async fn sign_in_is_counted_per_account_and_per_address(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    for remaining in [2, 1, 0] {
        let res = app.sign_in(&app.browser(), "ada@example.com", "wrong password").await;
        assert_eq!(res.status(), 401);
        assert_eq!(counters(&res), (3, remaining));
    }
    // The account's quota is spent: even the right password waits.
    let res = app.sign_in(&app.browser(), "ADA@example.com ", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    // The address has used 4 of 5: one attempt for another account, then none for anyone.
    assert_eq!(app.sign_in(&app.browser(), "bob@example.com", PASSWORD).await.status(), 401);
    let res = app.sign_in(&app.browser(), "carol@example.com", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert_eq!(counters(&res), (5, 0));
    let body = res.text().await.unwrap();
    assert!(!body.contains("carol"), "no e-mail address in the answer: {body}");
}

async fn second_factor_codes_are_counted_per_account(app: &TestApp) {
    let (secret, _) = enrolled(app).await;
    let b = app.browser();
    assert_eq!(app.sign_in(&b, EMAIL, PASSWORD).await.status(), 200);
    assert_eq!(app.call(&b, "verify_totp", &[("code", "000000")]).await.status(), 401);
    assert_eq!(app.call(&b, "verify_recovery_code", &[("code", "aaaaa-bbbbb")]).await.status(), 401);
    // Two codes a minute for this account: the right one must wait too.
    let res = app.call(&b, "verify_totp", &[("code", &totp_code(&secret, 0))]).await;
    assert_eq!(res.status(), 429);
    assert_eq!(counters(&res), (2, 0));
    assert!(app.overview(&b).await.is_none());
}

async fn answers_before_the_handler_carry_the_headers_too(app: &TestApp) {
    let big = "x".repeat(server::BODY_LIMIT + 1);
    for path in ["/oauth/token", "/oauth/introspect", "/api/v1/clients", "/api/v1/token-leaks"] {
        let res = reqwest::Client::new().post(app.url(path)).header("content-type", "application/json").body(big.clone()).send().await.unwrap();
        assert_eq!(res.status(), 413, "{path}");
        counters(&res);
    }
    // A method the route does not take.
    let res = reqwest::Client::new().put(app.url("/api/v1/user")).send().await.unwrap();
    assert!(res.status().is_client_error());
    counters(&res);
}

#[test]
fn a_bad_rate_limit_setting_is_refused_at_start_with_a_clear_message() {
    for (setting, message) in [
        ("api.token=5/d", "group.subject=N/period"),
        ("web.ip=5/m", "unknown rate-limit group \"web\""),
        ("leak_reports.token=5/m", "the leak_reports group counts ip"),
    ] {
        let err = server::config::Cli::try_parse_from(["gatehouse", "serve", "--rate-limit", setting]).unwrap_err();
        assert!(err.to_string().contains(message), "{setting}: {err}");
    }
}

crate::both_backends!(
    with LIMITS;
    api_calls_are_counted_per_token_and_per_user,
    oauth_endpoints_are_counted_per_client,
    sign_in_is_counted_per_account_and_per_address,
    second_factor_codes_are_counted_per_account,
    answers_before_the_handler_carry_the_headers_too,
);
