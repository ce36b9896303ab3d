//! Webhooks for audit events: an admin registers a local receiver, events arrive signed with
//! HMAC-SHA-256 over the timestamp and the body, a refused delivery is retried, and the page shows
//! each delivery's state; on both databases.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use server::webhooks::Sender;
use sha2::Sha256;

use crate::both_backends;
use crate::support::TestApp;

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Answers to give, in order; 200 once they run out.
    answers: Arc<Mutex<Vec<StatusCode>>>,
}

async fn start_receiver(r: Receiver) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let r = r.clone();
            async move {
                r.got.lock().unwrap().push((headers, body));
                let mut answers = r.answers.lock().unwrap();
                if answers.is_empty() { StatusCode::OK } else { answers.remove(0) }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}/hook", listener.local_addr().unwrap().port());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn expected_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn audit_events_arrive_signed_and_refused_deliveries_are_retried(app: &TestApp) {
    let admin = app.browser();
    app.sign_up_admin(&admin, "ada@example.com").await;
    let receiver = Receiver { answers: Arc::new(Mutex::new(vec![StatusCode::INTERNAL_SERVER_ERROR])), ..Default::default() };
    let url = start_receiver(receiver.clone()).await;
    assert_eq!(app.call(&admin, "register_webhook", &[("url", "http://hooks.example.com/x")]).await.status(), 422, "https only off this machine");
    let res = app.call(&admin, "register_webhook", &[("url", &url)]).await;
    assert_eq!(res.status(), 200);
    let hook: Value = res.json().await.unwrap();
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let stored: (String,) = sqlx::query_as("SELECT secret_enc FROM webhooks").fetch_one(app.state.accounts.store().pool()).await.unwrap();
    assert!(!stored.0.contains(&secret), "sealed at rest");
    app.call(&admin, "sign_out", &[]).await;

    let sender = Sender::new(app.state.webhooks.clone()).unwrap();
    let (delivered, failed) = sender.deliver_due().await.unwrap();
    assert_eq!((delivered, failed), (1, 1), "webhook.created and session.signed_out; the first is refused once");
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    for (headers, body) in &got {
        let ts = headers["gatehouse-timestamp"].to_str().unwrap();
        assert_eq!(headers["gatehouse-signature"].to_str().unwrap(), expected_signature(&secret, ts, body));
        assert_eq!(headers["content-type"], "application/json");
        let event: Value = serde_json::from_str(body).unwrap();
        assert!(event["event_type"].is_string() && event["id"].is_string(), "{event}");
        assert!(!body.contains(&secret));
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending' AND attempts = 1 AND last_code = 500").await, 1);
    assert_eq!(sender.deliver_due().await.unwrap(), (0, 0), "not before its backoff");
    sqlx::query("UPDATE webhook_deliveries SET next_at = 0 WHERE status = 'pending'").execute(app.state.accounts.store().pool()).await.unwrap();
    assert_eq!(sender.deliver_due().await.unwrap(), (1, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'delivered'").await, 2);

    assert_eq!(app.sign_in(&admin, "ada@example.com", crate::support::PASSWORD).await.status(), 200);
    let page: Value = app.call(&admin, "webhooks_view", &[]).await.json().await.unwrap();
    assert_eq!(page["hooks"][0]["delivered"], 2);
    assert_eq!(page["hooks"][0]["failed"], 0);
    let answers: Vec<&str> = page["hooks"][0]["recent"].as_array().unwrap().iter().filter_map(|d| d["answer"].as_str()).collect();
    assert!(answers.contains(&"HTTP 200"), "{page}");

    // A disabled webhook gets nothing new; deleting it removes its deliveries.
    let id = hook["id"].as_str().unwrap().to_owned();
    assert_eq!(app.call(&admin, "set_webhook_status", &[("id", &id), ("active", "false")]).await.status(), 200);
    app.call(&admin, "sign_out", &[]).await;
    assert_eq!(sender.deliver_due().await.unwrap(), (0, 0));
    assert_eq!(app.sign_in(&admin, "ada@example.com", crate::support::PASSWORD).await.status(), 200);
    assert_eq!(app.call(&admin, "delete_webhook", &[("id", &id)]).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_deliveries").await, 0);
}

both_backends!(audit_events_arrive_signed_and_refused_deliveries_are_retried);
