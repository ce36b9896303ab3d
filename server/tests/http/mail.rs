//! E-mail notices through a real SMTP server (a local sink the test starts): what is mailed, to
//! whom, in plain text without secrets; and a server that cannot be reached is retried later.

use domain::accounts::Role;
use serde_json::{Value, json};
use server::config::Smtp;
use server::mail::Mailer;

use crate::support::{Backend, MailSink, TestApp};

fn mailer(url: &str, app: &TestApp) -> Mailer {
    let smtp = Smtp { url: url.to_owned(), from: "Gatehouse <gatehouse@example.com>".parse().unwrap() };
    Mailer::new(&smtp, &app.public).unwrap()
}

async fn notices_are_mailed_in_plain_text_without_secrets(backend: Backend) {
    let sink = MailSink::start().await;
    let app = TestApp::spawn(backend, &[]).await;
    let ada = app.browser();
    app.sign_up_admin(&ada, "ada@example.com").await;
    let bob = app.browser();
    app.sign_up_member(&bob, "bob@example.com", Role::Admin).await;
    let created: Value = app
        .call_json(&ada, "create_token", json!({ "input": { "name": "root", "note": "", "scopes": ["admin"], "expiry": "7", "date": "", "allowlist": "" } }))
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();

    let (sent, failed) = mailer(&sink.url(), &app).deliver_due(app.state.accounts.store()).await.unwrap();
    assert_eq!((sent, failed), (2, 0), "one notice to each admin");
    let messages = sink.messages();
    assert_eq!(messages.len(), 2);
    for to in ["ada@example.com", "bob@example.com"] {
        let m = messages.iter().find(|m| m.contains(&format!("<{to}>"))).unwrap_or_else(|| panic!("no mail to {to}: {messages:?}"));
        assert!(m.contains("Subject: A token with the admin scope was created"), "{m}");
        assert!(m.contains("From: Gatehouse <gatehouse@example.com>"), "{m}");
        assert!(m.contains("Content-Type: text/plain"), "{m}");
        assert!(m.contains("root"), "{m}");
        assert!(!m.contains(&token) && !m.contains("gat_"), "never the token: {m}");
        assert!(!m.contains("invite=") && !m.contains("code="), "no link that carries a secret: {m}");
    }
    // Sent once: a second round has nothing to do.
    assert_eq!(mailer(&sink.url(), &app).deliver_due(app.state.accounts.store()).await.unwrap(), (0, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications WHERE mail_state = 'sent'").await, 2);
    app.stop().await;
}

async fn an_unreachable_server_is_retried_later_and_nothing_is_lost(backend: Backend) {
    let app = TestApp::spawn(backend, &[]).await;
    let ada = app.browser();
    app.sign_up_admin(&ada, "ada@example.com").await;
    app.call_json(&ada, "create_token", json!({ "input": { "name": "root", "note": "", "scopes": ["admin"], "expiry": "7", "date": "", "allowlist": "" } }))
        .await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = mailer(&format!("smtp://127.0.0.1:{closed}"), &app);
    assert_eq!(down.deliver_due(app.state.accounts.store()).await.unwrap(), (0, 1));
    assert_eq!(app.count("SELECT COUNT(*) FROM notifications WHERE mail_state = 'pending' AND mail_attempts = 1").await, 1);
    assert_eq!(down.deliver_due(app.state.accounts.store()).await.unwrap(), (0, 0), "not before its backoff");
    // When the server is back and the backoff has passed, the notice goes out.
    sqlx::query("UPDATE notifications SET mail_next_at = 0").execute(app.state.accounts.store().pool()).await.unwrap();
    let sink = MailSink::start().await;
    assert_eq!(mailer(&sink.url(), &app).deliver_due(app.state.accounts.store()).await.unwrap(), (1, 0));
    assert_eq!(sink.messages().len(), 1);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_are_mailed_in_plain_text_without_secrets_sqlite() {
    notices_are_mailed_in_plain_text_without_secrets(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_are_mailed_in_plain_text_without_secrets_postgres() {
    notices_are_mailed_in_plain_text_without_secrets(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_retried_later_and_nothing_is_lost_sqlite() {
    an_unreachable_server_is_retried_later_and_nothing_is_lost(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_retried_later_and_nothing_is_lost_postgres() {
    an_unreachable_server_is_retried_later_and_nothing_is_lost(Backend::Postgres).await;
}
