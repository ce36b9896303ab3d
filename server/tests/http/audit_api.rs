//! `GET /api/v1/audit`: auditors and admins read the trail with filters and pages; nobody else.

use serde_json::Value;

use crate::api::{api, token};
use crate::support::TestApp;

async fn admins_read_the_trail_filtered_and_paged(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, t) = token(app, "ada@example.com", "audit:read", "").await;
    token(app, "ada@example.com", "user", "").await;
    let all: Value = api(app, "/api/v1/audit", Some(&t)).send().await.unwrap().json().await.unwrap();
    let types: Vec<&str> = all["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"token.created") && types.contains(&"user.signed_up"), "{types:?}");
    assert!(!all.to_string().contains("ada@example.com"), "no email in the trail");

    let created: Value = api(app, "/api/v1/audit?type=token.created&limit=1", Some(&t)).send().await.unwrap().json().await.unwrap();
    assert_eq!(created["events"].as_array().unwrap().len(), 1);
    let next = created["next"].as_str().unwrap();
    let older: Value = api(app, &format!("/api/v1/audit?type=token.created&limit=1&cursor={next}"), Some(&t)).send().await.unwrap().json().await.unwrap();
    assert_eq!(older["events"][0]["type"], "token.created");
    assert_ne!(older["events"][0]["id"], created["events"][0]["id"]);
    assert!(older["next"].is_null(), "two tokens, two events");

    let future: Value = api(app, "/api/v1/audit?since=2999-01-01T00:00:00Z", Some(&t)).send().await.unwrap().json().await.unwrap();
    assert_eq!(future["events"], serde_json::json!([]));
    assert_eq!(api(app, "/api/v1/audit?since=yesterday", Some(&t)).send().await.unwrap().status(), 422);
    assert_eq!(api(app, "/api/v1/audit?outcome=maybe", Some(&t)).send().await.unwrap().status(), 422);
    assert_eq!(api(app, "/api/v1/audit?limit=0", Some(&t)).send().await.unwrap().status(), 422);
    assert_eq!(api(app, "/api/v1/audit?cursor=bogus", Some(&t)).send().await.unwrap().status(), 422);
    assert_eq!(api(app, "/api/v1/audit?nonsense=1", Some(&t)).send().await.unwrap().status(), 400);
}

async fn without_the_scope_or_the_role_it_is_refused(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (_, user_only) = token(app, "ada@example.com", "user", "").await;
    assert_eq!(api(app, "/api/v1/audit", Some(&user_only)).send().await.unwrap().status(), 403);
    // A token made while Ada was admin stops reading the trail once she is a developer (this token
    // was never used before, so nothing of it is cached).
    let (_, t) = token(app, "ada@example.com", "audit:read", "").await;
    sqlx::query("UPDATE users SET role = 'developer'").execute(app.state.accounts.store().pool()).await.unwrap();
    let res = api(app, "/api/v1/audit", Some(&t)).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

crate::both_backends!(admins_read_the_trail_filtered_and_paged, without_the_scope_or_the_role_it_is_refused);
