use crate::support::{Backend, PASSWORD, TestApp, totp_code};

pub(crate) const EMAIL: &str = "ada@example.com";

/// Signs up, enrols TOTP over HTTP and returns (secret, recovery codes), signed out afterwards.
pub(crate) async fn enrolled(app: &TestApp) -> (String, Vec<String>) {
    let b = app.browser();
    app.sign_up_admin(&b, EMAIL).await;
    let setup: serde_json::Value = app.call(&b, "begin_totp", &[]).await.json().await.unwrap();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let res = app.call(&b, "confirm_totp", &[("code", &totp_code(&secret, 0))]).await;
    assert_eq!(res.status(), 200);
    let codes: Vec<String> = res.json().await.unwrap();
    assert_eq!(codes.len(), 10);
    assert_eq!(app.call(&b, "sign_out", &[]).await.status(), 200);
    (secret, codes)
}

async fn wrong_password_and_unknown_email_get_the_same_answer(app: &TestApp) {
    app.sign_up_admin(&app.browser(), EMAIL).await;
    let wrong = app.sign_in(&app.browser(), EMAIL, "not the right password").await;
    let unknown = app.sign_in(&app.browser(), "nobody@example.com", PASSWORD).await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (w, u) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(w, u);
    assert!(w.contains("Wrong email or password"), "{w}");
}

async fn password_then_totp_signs_in_and_a_replayed_code_is_refused(app: &TestApp) {
    let (secret, _) = enrolled(app).await;
    let b = app.browser();
    let res = app.sign_in(&b, EMAIL, PASSWORD).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/login/totp");
    assert!(app.overview(&b).await.is_none(), "not signed in before the second factor");
    let code = totp_code(&secret, 1);
    let res = app.call(&b, "verify_totp", &[("code", &code)]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["location"], "/account");
    assert!(app.overview(&b).await.is_some());

    let again = app.browser();
    app.sign_in(&again, EMAIL, PASSWORD).await;
    let res = app.call(&again, "verify_totp", &[("code", &code)]).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("wrong or was already used"));
    let res = app.call(&again, "verify_totp", &[("code", "000000")]).await;
    assert_eq!(res.status(), 401);
    assert!(app.overview(&again).await.is_none());
}

async fn a_second_factor_without_a_password_step_is_refused(app: &TestApp) {
    let (secret, codes) = enrolled(app).await;
    let b = app.browser();
    assert_eq!(app.call(&b, "verify_totp", &[("code", &totp_code(&secret, 1))]).await.status(), 401);
    assert_eq!(app.call(&b, "verify_recovery_code", &[("code", &codes[0])]).await.status(), 401);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes WHERE used_at IS NOT NULL").await, 0);
}

async fn a_recovery_code_signs_in_once(app: &TestApp) {
    let (_, codes) = enrolled(app).await;
    let b = app.browser();
    app.sign_in(&b, EMAIL, PASSWORD).await;
    assert_eq!(app.call(&b, "verify_recovery_code", &[("code", &codes[3])]).await.status(), 200);
    assert_eq!(app.overview(&b).await.unwrap()["recovery_codes_left"], 9);
    let c = app.browser();
    app.sign_in(&c, EMAIL, PASSWORD).await;
    let res = app.call(&c, "verify_recovery_code", &[("code", &codes[3])]).await;
    assert_eq!(res.status(), 401);
    assert!(app.overview(&c).await.is_none());
}

async fn repeated_failures_are_throttled_with_retry_after(app: &TestApp) {
    app.sign_up_admin(&app.browser(), EMAIL).await;
    let b = app.browser();
    for _ in 0..5 {
        assert_eq!(app.sign_in(&b, EMAIL, "wrong password again").await.status(), 401);
    }
    let res = app.sign_in(&b, EMAIL, PASSWORD).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry >= 1);
    assert!(res.text().await.unwrap().contains("try again in"));
}

async fn malformed_form_fields_are_refused_without_side_effects(app: &TestApp) {
    let b = app.browser();
    let res = app.call(&b, "sign_in", &[("email", EMAIL)]).await;
    assert!(res.status().is_client_error(), "missing field: {}", res.status());
    let res = b
        .post(app.url("/rpc/sign_in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=%ZZ&&&password")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "garbage: {}", res.status());
    let res = app.sign_in(&b, "not-an-email", PASSWORD).await;
    assert_eq!(res.status(), 401);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

async fn required_mfa_sends_a_new_admin_to_enrolment(backend: Backend) {
    let app = TestApp::spawn(backend, &["--require-mfa"]).await;
    let b = app.browser();
    app.sign_up_admin(&b, EMAIL).await;
    assert_eq!(app.overview(&b).await.unwrap()["must_enrol"], true);
    app.call(&b, "sign_out", &[]).await;
    let res = app.sign_in(&b, EMAIL, PASSWORD).await;
    assert_eq!(res.headers()["location"], "/account");
    assert_eq!(app.overview(&b).await.unwrap()["must_enrol"], true);
    let setup: serde_json::Value = app.call(&b, "begin_totp", &[]).await.json().await.unwrap();
    let code = totp_code(setup["secret"].as_str().unwrap(), 0);
    assert_eq!(app.call(&b, "confirm_totp", &[("code", &code)]).await.status(), 200);
    assert_eq!(app.overview(&b).await.unwrap()["must_enrol"], false);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_mfa_sends_a_new_admin_to_enrolment_sqlite() {
    required_mfa_sends_a_new_admin_to_enrolment(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_mfa_sends_a_new_admin_to_enrolment_postgres() {
    required_mfa_sends_a_new_admin_to_enrolment(Backend::Postgres).await;
}

crate::both_backends!(
    wrong_password_and_unknown_email_get_the_same_answer,
    password_then_totp_signs_in_and_a_replayed_code_is_refused,
    a_second_factor_without_a_password_step_is_refused,
    a_recovery_code_signs_in_once,
    repeated_failures_are_throttled_with_retry_after,
    malformed_form_fields_are_refused_without_side_effects,
);
