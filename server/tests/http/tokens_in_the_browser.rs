//! The token pages' server functions: create behind the step-up guard, shown once, never listed,
//! regenerate, revoke, and another user's token is not found.

use serde_json::{Value, json};

use crate::support::TestApp;

async fn create(app: &TestApp, client: &reqwest::Client, input: Value) -> reqwest::Response {
    client.post(app.url("/rpc/create_token")).json(&json!({ "input": input })).send().await.unwrap()
}

fn input(name: &str, scopes: &[&str]) -> Value {
    json!({ "name": name, "note": "", "scopes": scopes, "expiry": "30", "date": "", "allowlist": "" })
}

async fn a_token_is_shown_once_and_never_again(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, "ada@example.com").await;
    let res = create(app, &b, input("ci", &["user:read", "tokens:read"])).await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("gat_") && token.len() == 40, "{token}");
    for (name, form) in [("tokens_overview", vec![]), ("token_detail", vec![("id", id.as_str())])] {
        let body = app.call(&b, name, &form).await.text().await.unwrap();
        assert!(body.contains("ci"), "{name}: {body}");
        assert!(!body.contains(&token), "{name} never shows the token again");
    }
    for page in ["/tokens", &format!("/tokens/{id}")] {
        let html = b.get(app.url(page)).send().await.unwrap().text().await.unwrap();
        assert!(!html.contains(&token), "{page}");
    }
    let res = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

async fn creating_needs_a_recent_sign_in(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, "ada@example.com").await;
    let (id,): (String,) = {
        let created: Value = create(app, &b, input("ci", &["user"])).await.json().await.unwrap();
        (created["id"].as_str().unwrap().to_owned(),)
    };
    app.age_sign_in(11).await;
    let choices: Value = app.call(&b, "new_token_options", &[]).await.json().await.unwrap();
    assert_eq!(choices["recent_auth"], false);
    let res = create(app, &b, input("later", &["user"])).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Confirm it"));
    assert_eq!(app.call(&b, "regenerate_token", &[("id", &id)]).await.status(), 403);
    // Revoking takes rights away: no confirmation needed.
    assert_eq!(app.call(&b, "revoke_token", &[("id", &id)]).await.status(), 200);
    assert_eq!(app.call(&b, "step_up_password", &[("password", crate::support::PASSWORD)]).await.status(), 200);
    assert_eq!(create(app, &b, input("later", &["user"])).await.status(), 200);
}

async fn bad_input_is_refused_with_a_reason_and_nothing_is_stored(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, "ada@example.com").await;
    let cases = [
        (input("x", &["root"]), "unknown scope"),
        (input("x", &[]), "at least one scope"),
        (json!({ "name": "x", "note": "", "scopes": ["user"], "expiry": "date", "date": "2999-01-01", "allowlist": "" }), "at most 365 days"),
        (json!({ "name": "x", "note": "", "scopes": ["user"], "expiry": "never", "date": "", "allowlist": "" }), "without expiry"),
        (json!({ "name": "x", "note": "", "scopes": ["user"], "expiry": "12", "date": "", "allowlist": "" }), "7, 30, 60 or 90"),
        (json!({ "name": "x", "note": "", "scopes": ["user"], "expiry": "30", "date": "", "allowlist": "10.0.0.0/33" }), ""),
        (input(" ", &["user"]), "1 to 100 characters"),
    ];
    for (body, reason) in cases {
        let res = create(app, &b, body.clone()).await;
        assert_eq!(res.status(), 422, "{body}");
        let text = res.text().await.unwrap().to_lowercase();
        assert!(text.contains(reason), "{body}: {text}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM personal_tokens").await, 0);
}

async fn a_date_expiry_ends_at_the_end_of_that_day(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, "ada@example.com").await;
    let date = domain::clock::format_date(domain::clock::now_ms() + 10 * domain::clock::DAY);
    let body = json!({ "name": "dated", "note": "deploys", "scopes": ["user"], "expiry": "date", "date": date, "allowlist": "192.0.2.0/24, 2001:db8::/32" });
    assert_eq!(create(app, &b, body).await.status(), 200);
    let (expires, allowlist): (i64, String) =
        sqlx::query_as("SELECT expires_at, allowlist FROM personal_tokens").fetch_one(app.state.accounts.store().pool()).await.unwrap();
    assert_eq!(expires, domain::clock::end_of_date(&date).unwrap());
    assert_eq!(allowlist, "192.0.2.0/24 2001:db8::/32");
}

async fn regenerating_shows_a_new_token_once_and_ends_the_old(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, "ada@example.com").await;
    let first: Value = create(app, &b, input("ci", &["user"])).await.json().await.unwrap();
    let res = app.call(&b, "regenerate_token", &[("id", first["id"].as_str().unwrap())]).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_ne!(first["token"], second["token"]);
    let call = |t: Value| reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(t.as_str().unwrap().to_owned()).send();
    assert_eq!(call(first["token"].clone()).await.unwrap().status(), 401);
    assert_eq!(call(second["token"].clone()).await.unwrap().status(), 200);
    let list: Value = app.call(&b, "tokens_overview", &[]).await.json().await.unwrap();
    let statuses: Vec<&str> = list["tokens"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["Active", "Revoked"], "the ended token stays listed");
}

async fn another_users_token_is_not_found_in_the_browser(app: &TestApp) {
    let ada = app.browser();
    app.sign_up_admin(&ada, "ada@example.com").await;
    let created: Value = create(app, &ada, input("ci", &["user"])).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let eve = app.browser();
    app.sign_up_admin(&eve, "eve@example.com").await;
    assert_eq!(app.call(&eve, "token_detail", &[("id", id)]).await.status(), 404);
    assert_eq!(app.call(&eve, "revoke_token", &[("id", id)]).await.status(), 404);
    assert_eq!(app.call(&eve, "regenerate_token", &[("id", id)]).await.status(), 404);
    let res = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(created["token"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200, "still active");
}

async fn signed_out_visitors_get_nothing(app: &TestApp) {
    let b = app.browser();
    let list: Value = app.call(&b, "tokens_overview", &[]).await.json().await.unwrap();
    assert!(list.is_null());
    assert_eq!(create(app, &b, input("x", &["user"])).await.status(), 401);
    let res = b.get(app.url("/tokens")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login");
}

crate::both_backends!(
    a_token_is_shown_once_and_never_again,
    creating_needs_a_recent_sign_in,
    bad_input_is_refused_with_a_reason_and_nothing_is_stored,
    a_date_expiry_ends_at_the_end_of_that_day,
    regenerating_shows_a_new_token_once_and_ends_the_old,
    another_users_token_is_not_found_in_the_browser,
    signed_out_visitors_get_nothing,
);

mod prefix {
    use crate::support::{Backend, TestApp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_instance_prefix_names_its_tokens_and_others_are_malformed() {
        let app = TestApp::spawn(Backend::Sqlite, &["--token-prefix", "acme"]).await;
        let b = app.browser();
        app.sign_up_admin(&b, "ada@example.com").await;
        let created: serde_json::Value = super::create(&app, &b, super::input("ci", &["user"])).await.json().await.unwrap();
        let token = created["token"].as_str().unwrap();
        assert!(token.starts_with("acme_"), "{token}");
        let ok = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(token).send().await.unwrap();
        assert_eq!(ok.status(), 200);
        let gat = domain::tokens::format::generate(&domain::tokens::format::Prefix::personal());
        let res = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(gat.expose()).send().await.unwrap();
        assert_eq!(res.status(), 401);
        assert!(res.text().await.unwrap().contains("malformed"));
        app.stop().await;
    }
}
