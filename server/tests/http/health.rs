use crate::support::TestApp;

async fn health_and_readiness_answer_json(app: &TestApp) {
    let c = reqwest::Client::new();
    let res = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    let res = c.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "ready");
    assert!(c.get(app.url("/healthz")).send().await.unwrap().headers().contains_key("x-request-id"));
}

async fn readiness_is_503_when_the_database_is_gone(app: &TestApp) {
    app.state.accounts.store().close().await;
    let res = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["status"], "unavailable");
}

async fn pages_render_on_the_server_and_unknown_paths_are_404(app: &TestApp) {
    let res = reqwest::get(app.url("/login")).await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<label for=\"email\">Email</label>"), "{html}");
    assert!(html.contains("/pkg/gatehouse.js"));
    assert_eq!(reqwest::get(app.url("/no/such/page")).await.unwrap().status(), 404);
}

crate::both_backends!(
    health_and_readiness_answer_json,
    readiness_is_503_when_the_database_is_gone,
    pages_render_on_the_server_and_unknown_paths_are_404,
);
