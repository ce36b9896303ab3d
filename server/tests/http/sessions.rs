use crate::support::{Backend, PASSWORD, TestApp};

const EMAIL: &str = "ada@example.com";

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        // The session cookie, not the browser-recognition cookie (`…gatehouse_browser`).
        .find(|c| c.starts_with("gatehouse_session=") || c.starts_with("__Host-gatehouse="))
        .map(str::to_owned)
}

async fn the_session_id_changes_at_sign_in_and_sign_out_ends_it_on_the_server(app: &TestApp) {
    app.sign_up_admin(&app.browser(), EMAIL).await;
    let b = app.browser();
    let res = app.sign_in(&b, EMAIL, PASSWORD).await;
    let cookie = session_cookie(&res).expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();

    // Signing in again from the same browser issues a new id.
    let res = app.sign_in(&b, EMAIL, PASSWORD).await;
    let pair2 = session_cookie(&res).unwrap().split(';').next().unwrap().to_owned();
    assert_ne!(pair, pair2);

    // The first id is dead; the second works until sign-out, then is dead on the server too.
    let replay = |pair: String| {
        let url = app.url("/rpc/account_overview");
        let origin = app.public.clone();
        async move {
            let res = reqwest::Client::new().post(url).header("cookie", pair).header("origin", origin).send().await.unwrap();
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    assert!(replay(pair).await.is_null());
    assert!(!replay(pair2.clone()).await.is_null());
    assert_eq!(app.call(&b, "sign_out", &[]).await.status(), 200);
    assert!(replay(pair2).await.is_null());
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'session.signed_out'").await, 1);
}

async fn sessions_are_listed_and_one_can_be_revoked(app: &TestApp) {
    let a = app.browser();
    app.sign_up_admin(&a, EMAIL).await;
    let b = app.browser();
    app.sign_in(&b, EMAIL, PASSWORD).await;
    let me = app.overview(&a).await.unwrap();
    let sessions = me["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["browser"], "Chrome 120 on Linux");
    assert_eq!(other["ip"], "127.0.0.1");
    let own = sessions.iter().find(|s| s["current"] == true).unwrap();
    assert_eq!(app.call(&a, "revoke_session", &[("handle", own["handle"].as_str().unwrap())]).await.status(), 422);
    assert_eq!(app.call(&a, "revoke_session", &[("handle", other["handle"].as_str().unwrap())]).await.status(), 200);
    assert!(app.overview(&b).await.is_none(), "the revoked browser is signed out");
    assert!(app.overview(&a).await.is_some());
}

async fn nobody_can_revoke_another_accounts_session(app: &TestApp) {
    let a = app.browser();
    app.sign_up_admin(&a, EMAIL).await;
    let handle = app.overview(&a).await.unwrap()["sessions"][0]["handle"].as_str().unwrap().to_owned();
    let m = app.browser();
    app.sign_up_admin(&m, "mallory@example.com").await;
    assert_eq!(app.call(&m, "revoke_session", &[("handle", &handle)]).await.status(), 404);
    assert!(app.overview(&a).await.is_some());
}

async fn signing_out_everywhere_else_keeps_this_session(app: &TestApp) {
    let a = app.browser();
    app.sign_up_admin(&a, EMAIL).await;
    let others: Vec<_> = (0..2).map(|_| app.browser()).collect();
    for o in &others {
        app.sign_in(o, EMAIL, PASSWORD).await;
    }
    let res = app.call(&a, "revoke_other_sessions", &[]).await;
    assert_eq!(res.json::<u64>().await.unwrap(), 2);
    for o in &others {
        assert!(app.overview(o).await.is_none());
    }
    assert_eq!(app.overview(&a).await.unwrap()["sessions"].as_array().unwrap().len(), 1);
}

async fn changing_the_password_signs_out_other_sessions(app: &TestApp) {
    let a = app.browser();
    app.sign_up_admin(&a, EMAIL).await;
    let b = app.browser();
    app.sign_in(&b, EMAIL, PASSWORD).await;
    let new = "an entirely new passphrase";
    let res = app
        .call(&a, "change_password", &[("current_password", "wrong password!!"), ("new_password", new), ("new_password_confirm", new)])
        .await;
    assert_eq!(res.status(), 401);
    let res = app
        .call(&a, "change_password", &[("current_password", PASSWORD), ("new_password", new), ("new_password_confirm", new)])
        .await;
    assert_eq!(res.status(), 200);
    assert!(app.overview(&a).await.is_some());
    assert!(app.overview(&b).await.is_none());
    assert_eq!(app.sign_in(&app.browser(), EMAIL, new).await.status(), 200);
}

async fn an_https_public_url_makes_host_prefixed_secure_cookies(backend: Backend) {
    let origin = "https://gatehouse.example.com";
    let app = TestApp::spawn(backend, &["--public-url", origin]).await;
    let link = app.link(domain::accounts::InvitationKind::Bootstrap, None, domain::accounts::Role::Admin).await;
    let res = reqwest::Client::new()
        .post(app.url("/rpc/sign_up"))
        .header("origin", origin)
        .form(&[("invitation", link.as_str()), ("email", EMAIL), ("display_name", "Ada"), ("password", PASSWORD),
                ("password_confirm", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = session_cookie(&res).unwrap();
    assert!(cookie.starts_with("__Host-gatehouse="), "{cookie}");
    assert!(cookie.contains("Secure") && cookie.contains("Path=/") && !cookie.contains("Domain"), "{cookie}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_public_url_makes_host_prefixed_secure_cookies_sqlite() {
    an_https_public_url_makes_host_prefixed_secure_cookies(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_public_url_makes_host_prefixed_secure_cookies_postgres() {
    an_https_public_url_makes_host_prefixed_secure_cookies(Backend::Postgres).await;
}

async fn a_session_ends_after_the_absolute_timeout_however_active(app: &TestApp) {
    let a = app.browser();
    app.sign_up_admin(&a, EMAIL).await;
    assert!(app.overview(&a).await.is_some());
    let pool = app.state.accounts.store().pool();
    let (id_hash, data): (String, String) =
        sqlx::query_as("SELECT id_hash, data FROM sessions WHERE user_id IS NOT NULL").fetch_one(pool).await.unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&data).unwrap();
    v["created_at"] = serde_json::json!(domain::clock::now_ms() - 13 * domain::clock::HOUR);
    sqlx::query("UPDATE sessions SET data = $1 WHERE id_hash = $2")
        .bind(v.to_string())
        .bind(&id_hash)
        .execute(pool)
        .await
        .unwrap();
    assert!(app.overview(&a).await.is_none(), "12 h after sign-in the session is over");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL").await, 0, "and deleted");
}

async fn an_idle_session_expires(app: &TestApp) {
    let a = app.browser();
    let link = app.link(domain::accounts::InvitationKind::Bootstrap, None, domain::accounts::Role::Admin).await;
    let res = app
        .call(&a, "sign_up", &[("invitation", &link), ("email", EMAIL), ("display_name", "Ada"), ("password", PASSWORD),
              ("password_confirm", PASSWORD)])
        .await;
    let cookie = session_cookie(&res).unwrap();
    assert!(cookie.contains("Max-Age=1800") || cookie.contains("Expires="), "{cookie}");
    let row_expiry = app.count("SELECT MAX(expires_at) FROM sessions").await;
    let idle = row_expiry - domain::clock::now_ms();
    assert!((29 * domain::clock::MINUTE..=30 * domain::clock::MINUTE).contains(&idle), "{idle}");
    sqlx::query("UPDATE sessions SET expires_at = 1").execute(app.state.accounts.store().pool()).await.unwrap();
    assert!(app.overview(&a).await.is_none());
}

crate::both_backends!(
    a_session_ends_after_the_absolute_timeout_however_active,
    an_idle_session_expires,
    the_session_id_changes_at_sign_in_and_sign_out_ends_it_on_the_server,
    sessions_are_listed_and_one_can_be_revoked,
    nobody_can_revoke_another_accounts_session,
    signing_out_everywhere_else_keeps_this_session,
    changing_the_password_signs_out_other_sessions,
);
