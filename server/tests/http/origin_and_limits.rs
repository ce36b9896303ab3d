use crate::support::{PASSWORD, TestApp};

async fn writes_from_another_origin_are_refused(app: &TestApp) {
    let c = reqwest::Client::new();
    let form = [("email", "a@example.com"), ("password", PASSWORD)];
    let res = c.post(app.url("/rpc/sign_in")).header("origin", "https://evil.example").form(&form).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let res = c.post(app.url("/rpc/sign_in")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 403, "no Origin and no Referer");
    let res = c
        .post(app.url("/rpc/sign_in"))
        .header("referer", format!("{}.evil.example/login", app.public))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a look-alike Referer");
    let res = c.post(app.url("/rpc/sign_in")).header("referer", format!("{}/login", app.public)).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 401, "a same-origin Referer reaches the handler");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, 1);
}

async fn oversized_bodies_are_refused(app: &TestApp) {
    let big = "x".repeat(server::BODY_LIMIT + 1);
    let res = app.call(&app.browser(), "sign_in", &[("email", "a@example.com"), ("password", &big)]).await;
    assert_eq!(res.status(), 413);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events").await, 0);
}

crate::both_backends!(writes_from_another_origin_are_refused, oversized_bodies_are_refused);
