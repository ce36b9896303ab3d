//! What a token did, seen through the API, and leak reports.

use crate::api::{api, token};
use crate::support::TestApp;

async fn calls_are_recorded_off_the_request_path_and_listed_newest_first(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let (id, t) = token(app, "ada@example.com", "user tokens:read", "").await;
    let client = reqwest::Client::builder().user_agent("scanner/1.0").build().unwrap();
    for _ in 0..2 {
        assert_eq!(client.get(app.url("/api/v1/user")).bearer_auth(&t).send().await.unwrap().status(), 200);
    }
    let res = client.delete(app.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&t).send().await.unwrap();
    assert_eq!(res.status(), 403, "tokens:read does not grant revoking");
    // Recorded in memory only until the flush job runs.
    assert_eq!(app.count("SELECT COUNT(*) FROM token_activity").await, 0);
    assert_eq!(app.state.tokens.activity_buffer().stats().pending, 3);
    assert_eq!(app.state.tokens.flush_activity().await.unwrap(), 3);

    // Page through one record at a time, newest first. The two identical GETs share a row when
    // they fell in the same second (`calls` counts them).
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/tokens/{id}/activity?limit=1");
    loop {
        let res = api(app, &path, Some(&t)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let page: serde_json::Value = res.json().await.unwrap();
        let calls = page["activity"].as_array().unwrap();
        assert_eq!(calls.len(), 1);
        seen.push(calls[0].clone());
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/tokens/{id}/activity?limit=1&cursor={next}"),
            None => break,
        }
    }
    let first = &seen[0];
    assert_eq!((first["method"].as_str(), first["route"].as_str(), first["status"].as_u64()), (Some("DELETE"), Some("/api/v1/tokens/{id}"), Some(403)));
    let user_calls: Vec<&serde_json::Value> = seen.iter().filter(|c| c["route"] == "/api/v1/user").collect();
    assert_eq!(user_calls.iter().map(|c| c["calls"].as_u64().unwrap()).sum::<u64>(), 2);
    assert!(user_calls.iter().all(|c| c["status"] == 200 && c["ip"] == "127.0.0.1" && c["user_agent"] == "scanner/1.0"));
    assert!(seen.windows(2).all(|w| w[0]["at"].as_str() >= w[1]["at"].as_str()), "newest first");

    let me: serde_json::Value = api(app, &format!("/api/v1/tokens/{id}"), Some(&t)).send().await.unwrap().json().await.unwrap();
    assert!(me["last_used_at"].is_string(), "last used is recorded: {me}");
    let user = app.state.accounts.user_by_email(&domain::accounts::Email::parse("ada@example.com").unwrap()).await.unwrap();
    // Only successful calls count as used: user:read (the route) and user:email (the email shown);
    // the refused DELETE used nothing.
    assert_eq!(app.state.tokens.scopes_used(&user.id, &id).await.unwrap(), vec!["user:email", "user:read"]);
    // The activity calls themselves are recorded too, and used tokens:read.
    app.state.tokens.flush_activity().await.unwrap();
    // 3 calls before, then one per activity page and the GET of the token.
    assert_eq!(app.count("SELECT CAST(SUM(calls) AS BIGINT) FROM token_activity").await, 3 + seen.len() as i64 + 1);
    assert_eq!(app.state.tokens.scopes_used(&user.id, &id).await.unwrap(), vec!["tokens:read", "user:email", "user:read"]);
}

async fn activity_of_another_users_token_is_404_and_bad_paging_is_400(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let bob = app.browser();
    let link = app.link(domain::accounts::InvitationKind::Invite, Some("bob@example.com"), domain::accounts::Role::Developer).await;
    let res = app
        .call(&bob, "sign_up", &[("invitation", &link), ("email", "bob@example.com"), ("display_name", "Bob"), ("password", crate::support::PASSWORD), ("password_confirm", crate::support::PASSWORD)])
        .await;
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let (ada_id, _) = token(app, "ada@example.com", "user", "").await;
    let (_, bob_t) = token(app, "bob@example.com", "tokens:read", "").await;
    let res = api(app, &format!("/api/v1/tokens/{ada_id}/activity"), Some(&bob_t)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let (bob_id, _) = token(app, "bob@example.com", "user", "").await;
    let res = api(app, &format!("/api/v1/tokens/{bob_id}/activity?limit=many"), Some(&bob_t)).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let res = api(app, &format!("/api/v1/tokens/{bob_id}/activity?cursor=bogus"), Some(&bob_t)).send().await.unwrap();
    assert_eq!(res.status(), 422);
}

async fn health_reports_the_activity_buffer(app: &TestApp) {
    let v: serde_json::Value = reqwest::get(app.url("/healthz")).await.unwrap().json().await.unwrap();
    assert_eq!(v["token_activity"]["dropped"], 0);
    assert_eq!(v["token_activity"]["pending"], 0);
}

fn leaks(app: &TestApp, body: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(app.url("/api/v1/token-leaks"))
        .header("content-type", "application/json")
        .body(body.to_owned())
}

async fn a_leak_report_revokes_and_answers_the_same_whatever_was_sent(app: &TestApp) {
    let ada = app.browser();
    app.sign_up_admin(&ada, "ada@example.com").await;
    let (id, t) = token(app, "ada@example.com", "user tokens:read", "").await;
    let (_, other) = token(app, "ada@example.com", "user", "").await;
    assert_eq!(api(app, "/api/v1/user", Some(&t)).send().await.unwrap().status(), 200);

    let junk = serde_json::json!(["not a token", "gat_000000000000000000000000000000000000"]).to_string();
    let res = leaks(app, &junk).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let junk_answer = res.text().await.unwrap();
    let real = serde_json::json!(["not a token", t]).to_string();
    let res = leaks(app, &real).send().await.unwrap();
    assert_eq!(res.status(), 202);
    let real_answer = res.text().await.unwrap();
    assert_eq!(junk_answer, real_answer, "the answer never says which strings were tokens");
    assert!(!real_answer.contains(&t));

    assert_eq!(api(app, "/api/v1/user", Some(&t)).send().await.unwrap().status(), 401, "revoked at once");
    let reason: (String, String) = sqlx::query_as("SELECT status, status_reason FROM personal_tokens WHERE id = $1")
        .bind(&id)
        .fetch_one(app.state.accounts.store().pool())
        .await
        .unwrap();
    assert_eq!(reason, ("revoked".to_owned(), domain::tokens::LEAKED_REASON.to_owned()));
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'token.leak_revoked'").await, 1);
    // The owner sees a notice on the tokens page.
    let page: serde_json::Value = app.call(&ada, "tokens_overview", &[]).await.json().await.unwrap();
    let leaked = page["tokens"].as_array().unwrap().iter().find(|x| x["id"] == id.as_str()).unwrap();
    assert!(leaked["notice"].as_str().unwrap().contains("reported as leaked"), "{leaked}");

    // GitHub's secret-scanning shape: objects with a `token` field.
    let github = serde_json::json!([{ "token": other, "type": "gatehouse_personal_token", "url": "https://example.com/x", "source": "content" }]);
    assert_eq!(leaks(app, &github.to_string()).send().await.unwrap().status(), 202);
    assert_eq!(api(app, "/api/v1/user", Some(&other)).send().await.unwrap().status(), 401);
}

async fn leak_reports_are_bounded_and_rate_limited(app: &TestApp) {
    let res = leaks(app, "{\"oops\": 1}").send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let too_many = serde_json::json!(vec!["x"; 1001]).to_string();
    assert_eq!(leaks(app, &too_many).send().await.unwrap().status(), 400);
    let mut limited = None;
    for _ in 0..12 {
        let res = leaks(app, "[]").send().await.unwrap();
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
        assert_eq!(res.status(), 202);
    }
    let res = limited.expect("the eleventh report within a minute is refused");
    assert!(res.headers().contains_key("retry-after"));
}

crate::both_backends!(
    calls_are_recorded_off_the_request_path_and_listed_newest_first,
    activity_of_another_users_token_is_404_and_bad_paging_is_400,
    health_reports_the_activity_buffer,
    a_leak_report_revokes_and_answers_the_same_whatever_was_sent,
    leak_reports_are_bounded_and_rate_limited,
);
