//! The Clients page's server functions: registering and rotating need a recent sign-in; a rotated
//! secret keeps working for the grace period picked, and the new one at once.

use serde_json::Value;

use crate::support::TestApp;

async fn rotating_needs_a_recent_sign_in_and_keeps_the_old_secret_for_its_grace(app: &TestApp) {
    let browser = app.browser();
    app.sign_up_admin(&browser, "ada@example.com").await;
    let input = serde_json::json!({ "input": {
        "name": "Deploy", "kind": "confidential", "grant_types": ["client_credentials"], "scopes": ["user:read"],
        "redirect_uris": "https://app.example.com/cb\nhttps://narrow.example.com/cb user:read",
    }});
    let res = browser.post(app.url("/rpc/register_client")).json(&input).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let shown: Value = res.json().await.unwrap();
    let (id, old) = (shown["client"]["id"].as_str().unwrap().to_owned(), shown["secret"].as_str().unwrap().to_owned());
    assert_eq!(shown["client"]["redirects"][1]["scopes"], "user:read");

    let token = |secret: String| {
        let (url, id) = (app.url("/oauth/token"), id.clone());
        async move {
            reqwest::Client::new().post(url).basic_auth(id, Some(secret)).form(&[("grant_type", "client_credentials")]).send().await.unwrap().status()
        }
    };
    app.age_sign_in(30).await;
    let res = app.call(&browser, "rotate_client_secret", &[("id", &id), ("grace_days", "2")]).await;
    assert_eq!(res.status(), 403, "the step-up guard");
    let res = browser.post(app.url("/rpc/register_client")).json(&input).send().await.unwrap();
    assert_eq!(res.status(), 403, "registering too");

    app.age_sign_in(0).await;
    let res = app.call(&browser, "rotate_client_secret", &[("id", &id), ("grace_days", "2")]).await;
    assert_eq!(res.status(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_eq!(rotated["client"]["secrets"].as_array().unwrap().len(), 2, "both listed");
    assert!(rotated["client"]["secrets"].as_array().unwrap().iter().any(|s| s["expires"].is_string()));
    assert_eq!(token(old.clone()).await, 200, "the old secret still works during its grace");
    assert_eq!(token(new.clone()).await, 200);
    let res = app.call(&browser, "rotate_client_secret", &[("id", &id), ("grace_days", "0")]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(token(old).await, 401);
    assert_eq!(token(new).await, 401, "no grace: the previous secret ends at once");
    let res = app.call(&browser, "rotate_client_secret", &[("id", &id), ("grace_days", "8")]).await;
    assert_eq!(res.status(), 422);
}

crate::both_backends!(rotating_needs_a_recent_sign_in_and_keeps_the_old_secret_for_its_grace);
