//! `/api/v1/clients`: register, read, change, disable and delete OAuth clients with a token.

use serde_json::{Value, json};

use crate::api::{api, token};
use crate::support::TestApp;

fn send(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new().request(method, app.url(path)).bearer_auth(token)
}

fn new_client() -> Value {
    json!({
        "name": "Deploy bot",
        "type": "confidential",
        "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
        "scopes": ["user", "tokens:read"],
        "redirect_uris": ["https://app.example.com/cb", {"uri": "http://127.0.0.1/cb", "scopes": ["user:read"]}],
    })
}

async fn a_client_is_registered_and_its_secret_shown_only_once(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "clients", "").await;
    let res = send(app, reqwest::Method::POST, "/api/v1/clients", &t).json(&new_client()).send().await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let created: Value = res.json().await.unwrap();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("gac_"));
    let id = created["client_id"].as_str().unwrap();
    assert_eq!(created["redirect_uris"][1]["scopes"], json!(["user:read"]));
    assert_eq!(created["secrets"][0]["hint"], secret[secret.len() - 4..]);

    let listed = api(app, "/api/v1/clients", Some(&t)).send().await.unwrap().text().await.unwrap();
    let one = api(app, &format!("/api/v1/clients/{id}"), Some(&t)).send().await.unwrap().text().await.unwrap();
    assert!(!listed.contains(&secret) && !one.contains(&secret), "the secret is never returned again");
    assert!(listed.contains(id));

    let public = json!({ "name": "SPA", "type": "public", "grant_types": ["authorization_code"], "scopes": "user:read", "redirect_uris": ["https://spa.example.com/cb"] });
    let res = send(app, reqwest::Method::POST, "/api/v1/clients", &t).json(&public).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert!(v.get("client_secret").is_none() && v["secrets"].as_array().unwrap().is_empty());
}

async fn bad_clients_are_refused_with_problem_details(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "clients", "").await;
    let mut cases = Vec::new();
    for uri in ["http://app.example.com/cb", "https://app.example.com/cb#frag", "https://*.example.com/cb", "/relative"] {
        let mut c = new_client();
        c["redirect_uris"] = json!([uri]);
        cases.push(c);
    }
    let mut public_cc = new_client();
    public_cc["type"] = json!("public");
    cases.push(public_cc);
    let mut password = new_client();
    password["grant_types"] = json!(["password"]);
    cases.push(password);
    let mut no_uri = new_client();
    no_uri["redirect_uris"] = json!([]);
    cases.push(no_uri);
    let mut unknown_scope = new_client();
    unknown_scope["scopes"] = json!(["everything"]);
    cases.push(unknown_scope);
    for body in cases {
        let res = send(app, reqwest::Method::POST, "/api/v1/clients", &t).json(&body).send().await.unwrap();
        assert_eq!(res.status(), 422, "{body}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let res = send(app, reqwest::Method::POST, "/api/v1/clients", &t).body("{").header("content-type", "application/json").send().await.unwrap();
    assert!(res.status().is_client_error());
    assert_eq!(app.count("SELECT COUNT(*) FROM oauth_clients").await, 0);
}

async fn changes_keep_owner_and_type_and_need_the_clients_scope(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "clients", "").await;
    let (_, read_only) = token(app, "ada@example.com", "clients:read", "").await;
    let created: Value = send(app, reqwest::Method::POST, "/api/v1/clients", &t).json(&new_client()).send().await.unwrap().json().await.unwrap();
    let path = format!("/api/v1/clients/{}", created["id"].as_str().unwrap());

    let res = send(app, reqwest::Method::POST, "/api/v1/clients", &read_only).json(&new_client()).send().await.unwrap();
    assert_eq!(res.status(), 403, "clients:read cannot register");
    assert_eq!(api(app, &path, Some(&read_only)).send().await.unwrap().status(), 200);

    for forbidden in [json!({"type": "public"}), json!({"owner_id": "someone"}), json!({"client_secret": "x"})] {
        let res = send(app, reqwest::Method::PATCH, &path, &t).json(&forbidden).send().await.unwrap();
        assert_eq!(res.status(), 422, "{forbidden}");
    }
    let res = send(app, reqwest::Method::PATCH, &path, &t)
        .json(&json!({"name": "Renamed", "redirect_uris": ["https://new.example.com/cb"], "status": "disabled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!((v["name"].as_str(), v["status"].as_str(), v["type"].as_str()), (Some("Renamed"), Some("disabled"), Some("confidential")));
    assert_eq!(v["redirect_uris"], json!([{"uri": "https://new.example.com/cb", "scopes": null}]));
    assert_eq!(v["scopes"], json!(["tokens:read", "user"]));

    // Half-valid change: nothing of it is kept.
    let res = send(app, reqwest::Method::PATCH, &path, &t).json(&json!({"name": "Half", "redirect_uris": ["http://evil.example.com/cb"]})).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = api(app, &path, Some(&t)).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["name"], "Renamed");

    assert_eq!(send(app, reqwest::Method::DELETE, &path, &read_only).send().await.unwrap().status(), 403);
    assert_eq!(send(app, reqwest::Method::DELETE, &path, &t).send().await.unwrap().status(), 204);
    assert_eq!(api(app, &path, Some(&t)).send().await.unwrap().status(), 404);
    let audited = app.count("SELECT COUNT(*) FROM audit_events WHERE event_type IN ('client.created', 'client.updated', 'client.disabled', 'client.deleted') AND ip = '127.0.0.1'").await;
    assert_eq!(audited, 4, "each change is audited with the caller's address");
}

async fn another_users_client_is_404(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let bob = app.browser();
    let link = app.link(domain::accounts::InvitationKind::Invite, Some("bob@example.com"), domain::accounts::Role::Developer).await;
    app.call(&bob, "sign_up", &[("invitation", &link), ("email", "bob@example.com"), ("display_name", "Bob"), ("password", crate::support::PASSWORD), ("password_confirm", crate::support::PASSWORD)])
        .await;
    let (_, ada) = token(app, "ada@example.com", "clients", "").await;
    let (_, bob) = token(app, "bob@example.com", "clients", "").await;
    let created: Value = send(app, reqwest::Method::POST, "/api/v1/clients", &ada).json(&new_client()).send().await.unwrap().json().await.unwrap();
    let path = format!("/api/v1/clients/{}", created["id"].as_str().unwrap());
    assert_eq!(api(app, &path, Some(&bob)).send().await.unwrap().status(), 404);
    assert_eq!(send(app, reqwest::Method::PATCH, &path, &bob).json(&json!({"name": "mine"})).send().await.unwrap().status(), 404);
    assert_eq!(send(app, reqwest::Method::DELETE, &path, &bob).send().await.unwrap().status(), 404);
    let bobs: Value = api(app, "/api/v1/clients", Some(&bob)).send().await.unwrap().json().await.unwrap();
    assert_eq!(bobs["clients"], json!([]));
    // A developer cannot give a client the admin scope.
    let mut admin = new_client();
    admin["scopes"] = json!(["admin"]);
    assert_eq!(send(app, reqwest::Method::POST, "/api/v1/clients", &bob).json(&admin).send().await.unwrap().status(), 403);
}

crate::both_backends!(
    a_client_is_registered_and_its_secret_shown_only_once,
    bad_clients_are_refused_with_problem_details,
    changes_keep_owner_and_type_and_need_the_clients_scope,
    another_users_client_is_404,
);
