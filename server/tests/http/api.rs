//! The REST API: bearer tokens, declared scopes, RFC 6750 challenges and RFC 7807 bodies.

use domain::scopes::ScopeSet;
use domain::tokens::allowlist::Allowlist;
use domain::tokens::{Expiry, NewToken};

use crate::support::TestApp;

pub(crate) async fn token(app: &TestApp, email: &str, scopes: &str, allowlist: &str) -> (String, String) {
    let user = app.state.accounts.user_by_email(&domain::accounts::Email::parse(email).unwrap()).await.unwrap();
    let new = NewToken {
        name: format!("t-{scopes}-{allowlist}"),
        note: None,
        scopes: ScopeSet::parse(scopes).unwrap(),
        expiry: Expiry::Days(30),
        allowlist: Allowlist::parse(allowlist).unwrap(),
    };
    let (info, token) = app.state.tokens.create(&user, new, &Default::default()).await.unwrap();
    (info.id, token.expose().to_owned())
}

pub(crate) fn api(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
    let req = reqwest::Client::new().get(app.url(path));
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

fn challenge(res: &reqwest::Response) -> String {
    res.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn the_user_endpoint_shows_the_email_only_with_its_scope(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, plain) = token(app, "ada@example.com", "user:read", "").await;
    let (_, with_email) = token(app, "ada@example.com", "user:email user:read", "").await;
    let (_, whole) = token(app, "ada@example.com", "user", "").await;
    let res = api(app, "/api/v1/user", Some(&plain)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!((v["name"].as_str(), v["role"].as_str(), v.get("email")), (Some("Ada"), Some("admin"), None));
    let v: serde_json::Value = api(app, "/api/v1/user", Some(&with_email)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["email"], "ada@example.com");
    let v: serde_json::Value = api(app, "/api/v1/user", Some(&whole)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["email"], "ada@example.com", "the parent scope grants its children");
    let (_, email_only) = token(app, "ada@example.com", "user:email", "").await;
    assert_eq!(api(app, "/api/v1/user", Some(&email_only)).send().await.unwrap().status(), 403);
}

async fn bad_tokens_get_401_with_a_bearer_challenge_and_never_an_echo(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (id, good) = token(app, "ada@example.com", "user tokens", "").await;
    let res = api(app, "/api/v1/user", None).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(challenge(&res), r#"Bearer realm="gatehouse""#);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let unknown = domain::tokens::format::generate(&domain::tokens::format::Prefix::personal());
    // Change the last character (to one it is not), so the checksum no longer matches.
    let last = if good.ends_with('x') { 'y' } else { 'x' };
    let broken = format!("{}{last}", &good[..good.len() - 1]);
    for bad in ["gat_short", broken.as_str(), unknown.expose()] {
        let res = api(app, "/api/v1/user", Some(bad)).send().await.unwrap();
        assert_eq!(res.status(), 401, "{bad}");
        assert!(challenge(&res).contains(r#"error="invalid_token""#));
        let body = res.text().await.unwrap();
        assert!(!body.contains(bad), "the body never echoes the token");
        assert!(body.contains("\"status\":401"));
    }
    let res = reqwest::Client::new().get(app.url("/api/v1/user")).header("authorization", format!("Basic {good}")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // Revoking the token through the API ends it at once.
    let res = reqwest::Client::new().delete(app.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&good).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(api(app, "/api/v1/user", Some(&good)).send().await.unwrap().status(), 401);
    // The audit record names the token the call was made with, beside its owner.
    let (route, credential): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT route, actor_credential FROM audit_events WHERE event_type = 'token.revoked' AND target = $1")
            .bind(&id)
            .fetch_one(app.state.accounts.store().pool())
            .await
            .unwrap();
    assert_eq!((route.as_deref(), credential), (Some("/api/v1/tokens/{id}"), Some(format!("token:{id}"))));
}

async fn an_expired_token_is_refused(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (id, t) = token(app, "ada@example.com", "user", "").await;
    sqlx::query("UPDATE personal_tokens SET expires_at = 1 WHERE id = $1").bind(&id).execute(app.state.accounts.store().pool()).await.unwrap();
    assert_eq!(api(app, "/api/v1/user", Some(&t)).send().await.unwrap().status(), 401);
}

async fn a_missing_scope_is_403_naming_it(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "user", "").await;
    let res = api(app, "/api/v1/tokens", Some(&t)).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(challenge(&res), r#"Bearer realm="gatehouse", error="insufficient_scope", scope="tokens:read""#);
    let (_, reader) = token(app, "ada@example.com", "tokens:read", "").await;
    assert_eq!(api(app, "/api/v1/tokens", Some(&reader)).send().await.unwrap().status(), 200);
    let res = reqwest::Client::new().delete(app.url("/api/v1/tokens/whatever")).bearer_auth(&reader).send().await.unwrap();
    assert_eq!(res.status(), 403, "reading does not grant revoking");
}

async fn a_token_in_the_query_string_is_a_bad_request(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "user", "").await;
    let res = api(app, &format!("/api/v1/user?access_token={t}"), None).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(!res.text().await.unwrap().contains(&t));
}

async fn another_users_token_is_404(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    app.sign_up_admin(&app.browser(), "eve@example.com").await;
    let (ada_token_id, _) = token(app, "ada@example.com", "user", "").await;
    let (_, eve) = token(app, "eve@example.com", "tokens", "").await;
    let res = api(app, &format!("/api/v1/tokens/{ada_token_id}"), Some(&eve)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let res = reqwest::Client::new().delete(app.url(&format!("/api/v1/tokens/{ada_token_id}"))).bearer_auth(&eve).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let list: serde_json::Value = api(app, "/api/v1/tokens", Some(&eve)).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1, "only the caller's own tokens");
}

async fn a_request_from_outside_the_allowlist_is_403(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, fenced) = token(app, "ada@example.com", "user", "10.0.0.0/8").await;
    assert_eq!(api(app, "/api/v1/user", Some(&fenced)).send().await.unwrap().status(), 403);
    let (_, local) = token(app, "ada@example.com", "user", "127.0.0.1").await;
    assert_eq!(api(app, "/api/v1/user", Some(&local)).send().await.unwrap().status(), 200);
}

async fn unknown_api_routes_are_problem_404s(app: &TestApp) {
    let res = api(app, "/api/v1/nothing/here", None).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

async fn token_and_client_lists_come_in_pages_of_at_most_100(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "tokens:read clients", "").await;
    for i in 0..4 {
        token(app, "ada@example.com", "user:read", &format!("10.0.{i}.0/24")).await;
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/clients"))
            .bearer_auth(&t)
            .json(&serde_json::json!({"name": format!("App {i}"), "type": "public", "grant_types": ["authorization_code"], "scopes": "user:read", "redirect_uris": ["https://app.example.com/cb"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    }
    for (path, key, total) in [("/api/v1/tokens", "tokens", 5), ("/api/v1/clients", "clients", 4)] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!("{path}?limit=2&cursor={c}"),
                None => format!("{path}?limit=2"),
            };
            let page: serde_json::Value = api(app, &url, Some(&t)).send().await.unwrap().json().await.unwrap();
            let items = page[key].as_array().unwrap();
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(|i| i["id"].as_str().unwrap().to_owned()));
            match page["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!((seen.len(), unique.len()), (total, total), "{path}: every item once");
        for bad in ["limit=0", "limit=101", "cursor=nope"] {
            assert_eq!(api(app, &format!("{path}?{bad}"), Some(&t)).send().await.unwrap().status(), 422, "{path}?{bad}");
        }
        assert_eq!(api(app, &format!("{path}?limit=many"), Some(&t)).send().await.unwrap().status(), 400);
        assert_eq!(api(app, &format!("{path}?limit=100"), Some(&t)).send().await.unwrap().status(), 200);
    }
}

crate::both_backends!(
    token_and_client_lists_come_in_pages_of_at_most_100,
    the_user_endpoint_shows_the_email_only_with_its_scope,
    bad_tokens_get_401_with_a_bearer_challenge_and_never_an_echo,
    an_expired_token_is_refused,
    a_missing_scope_is_403_naming_it,
    a_token_in_the_query_string_is_a_bad_request,
    another_users_token_is_404,
    a_request_from_outside_the_allowlist_is_403,
    unknown_api_routes_are_problem_404s,
);
