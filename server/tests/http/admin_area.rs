//! The admin area over HTTP, as browsers call it: every admin server function, page and export
//! walked as a developer (403), an auditor (reads only) and an admin (behind the step-up guard);
//! disabling, bulk revocation, the policy and the notices they leave, on both databases.

use domain::accounts::Role;
use reqwest::Client;
use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{PASSWORD, TestApp};

/// Every admin write: (server function, JSON body or form) — all must refuse non-admins.
fn writes(target: &str) -> Vec<(&'static str, Option<Value>, Vec<(&'static str, String)>)> {
    let q = json!({ "kind": "tokens", "owner": "", "scope": "", "status": "", "unused_days": null, "no_expiry": false,
                    "expires_within_days": null, "sort": "", "descending": false, "page": 1 });
    let policy = json!({ "input": { "max_lifetime_days": 30, "allow_no_expiry": true, "inactivity_days": 10, "require_mfa": false,
                    "self_registration": true, "developer_scopes": "admin", "auditor_scopes": "", "admin_scopes": "admin" } });
    vec![
        ("admin_set_role", None, vec![("id", target.to_owned()), ("role", "admin".into())]),
        ("admin_set_user_status", None, vec![("id", target.to_owned()), ("active", "false".into())]),
        ("admin_reset_mfa", None, vec![("id", target.to_owned())]),
        ("admin_invite", None, vec![("email", "new@example.com".into()), ("role", "admin".into())]),
        ("revoke_credential", None, vec![("kind", "tokens".into()), ("id", "0190a0b8-0000-7000-8000-000000000000".into())]),
        ("save_policy", Some(policy), vec![]),
        ("count_matching", Some(json!({ "query": q })), vec![]),
        ("bulk_revoke", Some(json!({ "query": q, "confirmed": 0, "reason": "" })), vec![]),
        ("register_webhook", None, vec![("url", "https://hooks.example.com/x".into())]),
        ("set_webhook_status", None, vec![("id", "0190a0b8-0000-7000-8000-000000000000".into()), ("active", "false".into())]),
        ("delete_webhook", None, vec![("id", "0190a0b8-0000-7000-8000-000000000000".into())]),
    ]
}

const READS: [(&str, &str); 5] = [
    ("webhooks_view", ""),
    ("admin_users", "search=&page=1"),
    ("credentials", r#"{"query":{"kind":"tokens","owner":"","scope":"","status":"","unused_days":null,"no_expiry":false,"expires_within_days":null,"sort":"","descending":false,"page":1}}"#),
    ("policy_view", ""),
    ("audit_events", r#"{"query":{"actor":"","target":"","event_type":"","outcome":"","since":"","until":"","cursor":""}}"#),
];

const PAGES: [&str; 6] =
    ["/admin/users", "/admin/credentials", "/admin/credentials?kind=clients", "/admin/policy", "/admin/audit", "/admin/webhooks"];

async fn call(app: &TestApp, c: &Client, name: &str, json_body: &Option<Value>, form: &[(&'static str, String)]) -> reqwest::Response {
    match json_body {
        Some(body) => app.call_json(c, name, body.clone()).await,
        None => {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(c, name, &form).await
        }
    }
}

/// A JSON body for the functions that take JSON, a form for the others.
async fn read(app: &TestApp, c: &Client, name: &str, body: &str) -> reqwest::Response {
    let kind = if body.starts_with('{') { "application/json" } else { "application/x-www-form-urlencoded" };
    c.post(app.url(&format!("/rpc/{name}"))).header("content-type", kind).body(body.to_owned()).send().await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(app.state.accounts.store().pool()).await.unwrap();
    id
}

async fn every_admin_route_refuses_developers_and_lets_auditors_only_read(app: &TestApp) {
    let admin = app.browser();
    app.sign_up_admin(&admin, "ada@example.com").await;
    let (dev, auditor) = (app.browser(), app.browser());
    app.sign_up_member(&dev, "dev@example.com", Role::Developer).await;
    app.sign_up_member(&auditor, "aud@example.com", Role::Auditor).await;
    let target = user_id(app, "dev@example.com").await;

    for (name, body) in READS {
        assert_eq!(read(app, &dev, name, body).await.status(), 403, "developer reads {name}");
        let res = read(app, &auditor, name, body).await;
        assert_eq!(res.status(), 200, "auditor reads {name}: {}", res.text().await.unwrap());
    }
    for path in PAGES {
        let res = dev.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 403, "developer opens {path}");
        assert!(res.text().await.unwrap().contains("Only auditors and admins can see this."));
        assert_eq!(auditor.get(app.url(path)).send().await.unwrap().status(), 200, "auditor opens {path}");
    }
    let export = "/admin/audit/export?format=csv";
    assert_eq!(dev.get(app.url(export)).send().await.unwrap().status(), 403);
    assert_eq!(auditor.get(app.url(export)).send().await.unwrap().status(), 200);
    assert_eq!(app.browser().get(app.url(export)).send().await.unwrap().status(), 303, "signed out: to the sign-in page");

    let audit_events_before = app.count("SELECT COUNT(*) FROM audit_events").await;
    for (name, body, form) in writes(&target) {
        assert_eq!(call(app, &dev, name, &body, &form).await.status(), 403, "developer writes {name}");
        assert_eq!(call(app, &auditor, name, &body, &form).await.status(), 403, "auditor writes {name}");
        assert_eq!(call(app, &app.browser(), name, &body, &form).await.status(), 401, "nobody writes {name}");
    }
    // Nothing changed: no role, status or policy, no invitation, no audit record of a change.
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE role = 'developer' AND status = 'active'").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM instance_policy").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations WHERE email = 'new@example.com'").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhooks").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, audit_events_before);

    // The admin past the step-up window is asked to confirm it's them first.
    app.age_sign_in(60).await;
    for (name, body, form) in writes(&target) {
        let res = call(app, &admin, name, &body, &form).await;
        assert_eq!(res.status(), 403, "admin without step-up writes {name}");
        assert!(res.text().await.unwrap().contains("Confirm it"), "{name}");
    }
}

async fn an_admin_disables_a_colleague_whose_session_and_tokens_end_at_once(app: &TestApp) {
    let admin = app.browser();
    app.sign_up_admin(&admin, "ada@example.com").await;
    let bob = app.browser();
    app.sign_up_member(&bob, "bob@example.com", Role::Developer).await;
    let created: Value = app
        .call_json(&bob, "create_token", json!({ "input": { "name": "ci", "note": "", "scopes": ["user:read"], "expiry": "30", "date": "", "allowlist": "" } }))
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let api = reqwest::Client::new();
    assert_eq!(api.get(app.url("/api/v1/user")).bearer_auth(&token).send().await.unwrap().status(), 200);
    let bob_id = user_id(app, "bob@example.com").await;
    let ada_id = user_id(app, "ada@example.com").await;

    let res = app.call(&admin, "admin_set_user_status", &[("id", &bob_id), ("active", "false")]).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert!(app.overview(&bob).await.is_none(), "Bob's session ended");
    assert_eq!(api.get(app.url("/api/v1/user")).bearer_auth(&token).send().await.unwrap().status(), 401);
    assert_eq!(app.sign_in(&bob, "bob@example.com", PASSWORD).await.status(), 403);

    // The last admin cannot be demoted, nor disable herself.
    let res = app.call(&admin, "admin_set_role", &[("id", &ada_id), ("role", "developer")]).await;
    assert_eq!(res.status(), 409);
    assert_eq!(app.call(&admin, "admin_set_user_status", &[("id", &ada_id), ("active", "false")]).await.status(), 409);
    assert_eq!(app.call(&admin, "admin_set_role", &[("id", &bob_id), ("role", "root")]).await.status(), 422);

    assert_eq!(app.call(&admin, "admin_set_user_status", &[("id", &bob_id), ("active", "true")]).await.status(), 200);
    assert_eq!(app.sign_in(&bob, "bob@example.com", PASSWORD).await.status(), 200);
    assert_eq!(api.get(app.url("/api/v1/user")).bearer_auth(&token).send().await.unwrap().status(), 401, "stays revoked");
    let events: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT event_type, actor_user_id FROM audit_events WHERE event_type IN ('user.disabled', 'user.enabled') ORDER BY seq")
            .fetch_all(app.state.accounts.store().pool())
            .await
            .unwrap();
    assert_eq!(events, vec![("user.disabled".into(), Some(ada_id.clone())), ("user.enabled".into(), Some(ada_id))]);
}

async fn a_bulk_revocation_shows_its_count_first_and_owners_read_why_in_their_inbox(app: &TestApp) {
    let admin = app.browser();
    app.sign_up_admin(&admin, "ada@example.com").await;
    let bob = app.browser();
    app.sign_up_member(&bob, "bob@example.com", Role::Developer).await;
    for name in ["one", "two", "three"] {
        let body = json!({ "input": { "name": name, "note": "", "scopes": ["user:read"], "expiry": "30", "date": "", "allowlist": "" } });
        assert_eq!(app.call_json(&bob, "create_token", body).await.status(), 200);
    }
    sqlx::query("UPDATE personal_tokens SET created_at = created_at - 8640000000 WHERE name <> 'three'").execute(app.state.accounts.store().pool()).await.unwrap();
    let q = json!({ "kind": "tokens", "owner": "bob", "scope": "", "status": "", "unused_days": 90, "no_expiry": false,
                    "expires_within_days": null, "sort": "name", "descending": false, "page": 1 });
    let listed: Value = app.call_json(&admin, "credentials", json!({ "query": q })).await.json().await.unwrap();
    assert_eq!(listed["total"], 2);
    assert_eq!(listed["items"][0]["name"], "one");
    // The same two by their creation day; a malformed day is refused.
    let day = domain::clock::format_date(domain::clock::now_ms() - 50 * domain::clock::DAY);
    let by_day = json!({ "kind": "tokens", "owner": "", "scope": "", "status": "", "unused_days": null, "created_from": "", "created_to": day,
                         "no_expiry": false, "expires_within_days": null, "sort": "", "descending": false, "page": 1 });
    let listed: Value = app.call_json(&admin, "credentials", json!({ "query": by_day })).await.json().await.unwrap();
    assert_eq!(listed["total"], 2);
    let mut bad_day = by_day.clone();
    bad_day["created_to"] = json!("last week");
    assert_eq!(app.call_json(&admin, "credentials", json!({ "query": bad_day })).await.status(), 422);
    let n: i64 = app.call_json(&admin, "count_matching", json!({ "query": q })).await.json().await.unwrap();
    assert_eq!(n, 2);
    let stale = app.call_json(&admin, "bulk_revoke", json!({ "query": q, "confirmed": 3, "reason": "unused" })).await;
    assert_eq!(stale.status(), 409);
    assert_eq!(app.count("SELECT COUNT(*) FROM personal_tokens WHERE status = 'active'").await, 3);
    let done = app.call_json(&admin, "bulk_revoke", json!({ "query": q, "confirmed": 2, "reason": "unused for 90 days" })).await;
    assert_eq!(done.json::<i64>().await.unwrap(), 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM personal_tokens WHERE status = 'active'").await, 1);

    let inbox: Value = app.call(&bob, "inbox", &[]).await.json().await.unwrap();
    let ended: Vec<&str> = inbox["notices"].as_array().unwrap().iter().filter_map(|n| n["message"].as_str()).filter(|m| m.contains("revoked by an admin")).collect();
    assert_eq!(ended.len(), 2, "{inbox}");
    assert!(ended.iter().all(|m| m.ends_with("Reason: unused for 90 days.")));
    assert!(inbox["unread"].as_i64().unwrap() >= 2);
    assert_eq!(app.call(&bob, "mark_read", &[]).await.status(), 200);
    let after: Value = app.call(&bob, "inbox", &[]).await.json().await.unwrap();
    assert_eq!(after["unread"], 0);
    // Another person's inbox is their own.
    let ada_inbox: Value = app.call(&admin, "inbox", &[]).await.json().await.unwrap();
    assert!(ada_inbox["notices"].as_array().unwrap().iter().all(|n| !n["message"].as_str().unwrap().contains("revoked by an admin")));
}

async fn a_saved_policy_applies_to_the_next_request_and_is_in_the_trail(app: &TestApp) {
    let admin = app.browser();
    app.sign_up_admin(&admin, "ada@example.com").await;
    let bob = app.browser();
    app.sign_up_member(&bob, "bob@example.com", Role::Developer).await;
    let policy = |dev_scopes: &str| json!({ "input": { "max_lifetime_days": 30, "allow_no_expiry": false, "inactivity_days": 10,
        "require_mfa": false, "self_registration": false, "developer_scopes": dev_scopes, "auditor_scopes": "user tokens clients audit:read",
        "admin_scopes": "admin" } });
    let bad = app.call_json(&admin, "save_policy", policy("audit:read")).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("developer role cannot hold the scope audit:read"));
    assert_eq!(app.call_json(&admin, "save_policy", policy("user:read")).await.status(), 200);
    let refused = app.call_json(&bob, "create_token", json!({ "input": { "name": "ci", "note": "", "scopes": ["tokens:read"], "expiry": "7", "date": "", "allowlist": "" } })).await;
    assert_eq!(refused.status(), 403);
    let page: Value = app.call(&admin, "policy_view", &[]).await.json().await.unwrap();
    assert_eq!(page["max_lifetime_days"], 30);
    let csv = admin.get(app.url("/admin/audit/export?format=csv&type=policy.changed")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let body = csv.text().await.unwrap();
    assert_eq!(body.lines().count(), 2, "header and one record: {body}");
    assert!(body.contains("max_lifetime_days inactivity_days developer_scopes auditor_scopes admin_scopes"), "{body}");
    assert_eq!(admin.get(app.url("/admin/audit/export?format=xml")).send().await.unwrap().status(), 422);
    assert_eq!(admin.get(app.url("/admin/audit/export?format=csv&since=yesterday")).send().await.unwrap().status(), 422);
}

async fn a_sign_in_from_a_new_browser_lands_in_the_inbox(app: &TestApp) {
    let first = app.browser();
    app.sign_up_admin(&first, "ada@example.com").await;
    app.call(&first, "sign_out", &[]).await;
    assert_eq!(app.sign_in(&first, "ada@example.com", PASSWORD).await.status(), 200);
    let inbox: Value = app.call(&first, "inbox", &[]).await.json().await.unwrap();
    assert_eq!(inbox["notices"], json!([]), "the same browser again is not news");
    let second = app.browser();
    assert_eq!(app.sign_in(&second, "ada@example.com", PASSWORD).await.status(), 200);
    let inbox: Value = app.call(&first, "inbox", &[]).await.json().await.unwrap();
    let notices = inbox["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1, "{inbox}");
    assert_eq!(notices[0]["title"], "New sign-in from a new browser");
    assert!(notices[0]["message"].as_str().unwrap().contains("Chrome 120 on Linux"));
}

both_backends!(
    every_admin_route_refuses_developers_and_lets_auditors_only_read,
    an_admin_disables_a_colleague_whose_session_and_tokens_end_at_once,
    a_bulk_revocation_shows_its_count_first_and_owners_read_why_in_their_inbox,
    a_saved_policy_applies_to_the_next_request_and_is_in_the_trail,
    a_sign_in_from_a_new_browser_lands_in_the_inbox,
);
