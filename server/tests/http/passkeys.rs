//! Passkeys over HTTP with a software authenticator (webauthn-authenticator-rs's SoftPasskey),
//! including every refusal: replay, another session's challenge, expiry, wrong origin, unknown
//! credential, disabled user, counter regression and malformed JSON.

use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs_proto::{AllowCredentials, CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse};

use crate::support::TestApp;

const EMAIL: &str = "ada@example.com";

async fn rpc_json(app: &TestApp, client: &reqwest::Client, name: &str, body: Value) -> reqwest::Response {
    client.post(app.url(&format!("/rpc/{name}"))).json(&body).send().await.unwrap()
}

/// SoftPasskey cannot store resident keys; the server's check of a registration does not depend on it.
fn non_resident(mut ccr: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(sel) = ccr.public_key.authenticator_selection.as_mut() {
        sel.require_resident_key = false;
        sel.resident_key = None;
    }
    ccr
}

struct Key {
    authenticator: SoftPasskey,
    credential_id: Vec<u8>,
}

async fn add_passkey(app: &TestApp, client: &reqwest::Client, name: &str) -> Key {
    let res = rpc_json(app, client, "begin_passkey_registration", json!({})).await;
    assert_eq!(res.status(), 200);
    let ccr: CreationChallengeResponse = res.json().await.unwrap();
    let sel = ccr.public_key.authenticator_selection.as_ref().unwrap();
    assert!(sel.require_resident_key, "passkeys are discoverable");
    let mut authenticator = SoftPasskey::new(true);
    let reg = authenticator.do_registration(app.public.parse().unwrap(), non_resident(ccr)).unwrap();
    let credential_id = reg.raw_id.to_vec();
    let res = rpc_json(app, client, "finish_passkey_registration", json!({ "name": name, "credential": reg })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    Key { authenticator, credential_id }
}

async fn user_id(app: &TestApp) -> uuid::Uuid {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users").fetch_one(app.state.accounts.store().pool()).await.unwrap();
    id.parse().unwrap()
}

async fn begin_sign_in(app: &TestApp, client: &reqwest::Client) -> RequestChallengeResponse {
    let res = rpc_json(app, client, "begin_passkey_sign_in", json!({ "autofill": false })).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// What a browser returns for a discoverable sign-in: the assertion plus the user handle.
async fn assertion(app: &TestApp, key: &mut Key, mut rcr: RequestChallengeResponse, origin: &str) -> PublicKeyCredential {
    assert!(rcr.public_key.allow_credentials.is_empty(), "discoverable: no email, no credential list");
    rcr.public_key.allow_credentials =
        vec![AllowCredentials { type_: "public-key".into(), id: key.credential_id.clone().into(), transports: None }];
    let mut cred = key.authenticator.do_authentication(origin.parse().unwrap(), rcr).unwrap();
    cred.response.user_handle = Some(user_id(app).await.as_bytes().to_vec().into());
    cred
}

async fn enrolled(app: &TestApp) -> Key {
    let b = app.browser();
    app.sign_up_admin(&b, EMAIL).await;
    add_passkey(app, &b, "Laptop").await
}

async fn audit_count(app: &TestApp, detail: &str) -> i64 {
    app.count(&format!("SELECT COUNT(*) FROM audit_events WHERE outcome = 'failure' AND detail = '{detail}'")).await
}

async fn a_passkey_signs_in_without_an_email_and_counts_as_mfa(app: &TestApp) {
    let mut key = enrolled(app).await;
    let me = app.browser();
    let rcr = begin_sign_in(app, &me).await;
    let cred = assertion(app, &mut key, rcr, &app.public).await;
    let res = rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let view = app.overview(&me).await.expect("signed in");
    assert_eq!(view["passkeys"][0]["name"], "Laptop");
    assert_ne!(view["passkeys"][0]["last_used"], "never");
    assert_eq!(view["must_enrol"], false);
}

async fn a_replayed_assertion_is_refused(app: &TestApp) {
    let mut key = enrolled(app).await;
    let me = app.browser();
    let cred = assertion(app, &mut key, begin_sign_in(app, &me).await, &app.public).await;
    assert_eq!(rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred.clone() })).await.status(), 200);
    let other = app.browser();
    begin_sign_in(app, &other).await;
    let res = rpc_json(app, &other, "finish_passkey_sign_in", json!({ "credential": cred })).await;
    assert_eq!(res.status(), 401);
    assert!(app.overview(&other).await.is_none());
}

async fn an_assertion_for_another_sessions_challenge_is_refused(app: &TestApp) {
    let mut key = enrolled(app).await;
    let (a, b) = (app.browser(), app.browser());
    begin_sign_in(app, &a).await;
    let for_b = assertion(app, &mut key, begin_sign_in(app, &b).await, &app.public).await;
    let res = rpc_json(app, &a, "finish_passkey_sign_in", json!({ "credential": for_b })).await;
    assert_eq!(res.status(), 401);
    assert_eq!(audit_count(app, "wrong_challenge").await, 1);
    assert!(app.overview(&a).await.is_none());
}

async fn an_expired_challenge_is_refused(app: &TestApp) {
    let mut key = enrolled(app).await;
    let me = app.browser();
    let cred = assertion(app, &mut key, begin_sign_in(app, &me).await, &app.public).await;
    // Age the ceremony kept in this browser's session by six minutes.
    let pool = app.state.accounts.store().pool();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id_hash, data FROM sessions").fetch_all(pool).await.unwrap();
    for (id, data) in rows {
        let mut v: Value = serde_json::from_str(&data).unwrap();
        if let Some(c) = v.get_mut("webauthn_ceremony") {
            c["started_at"] = json!(domain::clock::now_ms() - 6 * domain::clock::MINUTE);
            sqlx::query("UPDATE sessions SET data = $1 WHERE id_hash = $2").bind(v.to_string()).bind(id).execute(pool).await.unwrap();
        }
    }
    let res = rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred })).await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("expired"));
}

/// A correctly signed assertion whose client data names another origin (what a phishing page's
/// relay, or a broken client, would send).
async fn assertion_from_origin(app: &TestApp, key: &mut Key, rcr: RequestChallengeResponse, origin: &str) -> PublicKeyCredential {
    use base64::Engine as _;
    use sha2::Digest as _;
    use webauthn_authenticator_rs::AuthenticatorBackendHashedClientData as _;
    let mut options = rcr.public_key;
    options.allow_credentials =
        vec![AllowCredentials { type_: "public-key".into(), id: key.credential_id.clone().into(), transports: None }];
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(options.challenge.as_ref() as &[u8]);
    let client_data = json!({ "type": "webauthn.get", "challenge": challenge, "origin": origin, "crossOrigin": false }).to_string();
    let hash = sha2::Sha256::digest(client_data.as_bytes()).to_vec();
    let mut cred = key.authenticator.perform_auth(hash, options, 60_000).unwrap();
    cred.response.client_data_json = client_data.into_bytes().into();
    cred.response.user_handle = Some(user_id(app).await.as_bytes().to_vec().into());
    cred
}

async fn an_assertion_made_for_another_origin_is_refused(app: &TestApp) {
    let mut key = enrolled(app).await;
    let me = app.browser();
    let rcr = begin_sign_in(app, &me).await;
    let cred = assertion_from_origin(app, &mut key, rcr, "https://gatehouse.evil.example").await;
    let res = rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred })).await;
    assert_eq!(res.status(), 401);
    assert_eq!(audit_count(app, "wrong_origin").await, 1);
    assert!(app.overview(&me).await.is_none());
}

async fn an_unknown_credential_is_refused(app: &TestApp) {
    let mut key = enrolled(app).await;
    sqlx::query("DELETE FROM passkeys").execute(app.state.accounts.store().pool()).await.unwrap();
    let me = app.browser();
    let cred = assertion(app, &mut key, begin_sign_in(app, &me).await, &app.public).await;
    assert_eq!(rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred })).await.status(), 401);
    assert_eq!(audit_count(app, "unknown_credential").await, 1);
}

async fn a_disabled_users_passkey_is_refused(app: &TestApp) {
    let mut key = enrolled(app).await;
    sqlx::query("UPDATE users SET status = 'disabled'").execute(app.state.accounts.store().pool()).await.unwrap();
    let me = app.browser();
    let cred = assertion(app, &mut key, begin_sign_in(app, &me).await, &app.public).await;
    assert_eq!(rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred })).await.status(), 403);
    assert_eq!(audit_count(app, "disabled").await, 1);
    assert!(app.overview(&me).await.is_none());
}

async fn a_signature_counter_regression_is_refused_and_flagged(app: &TestApp) {
    let mut key = enrolled(app).await;
    let pool = app.state.accounts.store().pool();
    let (id, pk): (String, String) = sqlx::query_as("SELECT id, passkey FROM passkeys").fetch_one(pool).await.unwrap();
    let mut v: Value = serde_json::from_str(&pk).unwrap();
    v["cred"]["counter"] = json!(1_000_000);
    sqlx::query("UPDATE passkeys SET passkey = $1 WHERE id = $2").bind(v.to_string()).bind(id).execute(pool).await.unwrap();
    let me = app.browser();
    let cred = assertion(app, &mut key, begin_sign_in(app, &me).await, &app.public).await;
    assert_eq!(rpc_json(app, &me, "finish_passkey_sign_in", json!({ "credential": cred })).await.status(), 401);
    assert_eq!(audit_count(app, "counter_regression").await, 1);
}

async fn malformed_json_is_a_bad_request(app: &TestApp) {
    let me = app.browser();
    begin_sign_in(app, &me).await;
    for body in ["{", "{\"credential\": 42}", "[]"] {
        let res = me
            .post(app.url("/rpc/finish_passkey_sign_in"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
    }
}

async fn credential_changes_need_a_recent_sign_in_and_the_last_way_in_stays(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, EMAIL).await;
    add_passkey(app, &b, "Laptop").await;
    let (pid,): (String,) = sqlx::query_as("SELECT id FROM passkeys").fetch_one(app.state.accounts.store().pool()).await.unwrap();
    // Rename is allowed; then age the sign-in past the step-up window.
    assert_eq!(app.call(&b, "rename_passkey", &[("id", &pid), ("name", "Work laptop")]).await.status(), 200);
    app.age_sign_in(11).await;
    assert_eq!(app.overview(&b).await.unwrap()["recent_auth"], false);
    let res = app.call(&b, "remove_passkey", &[("id", &pid)]).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("Confirm it"));
    assert_eq!(rpc_json(app, &b, "begin_passkey_registration", json!({})).await.status(), 403);
    assert_eq!(app.call(&b, "begin_totp", &[]).await.status(), 403);
    // Step up with the password, then the change goes through.
    assert_eq!(app.call(&b, "step_up_password", &[("password", "wrong password!!")]).await.status(), 401);
    assert_eq!(app.call(&b, "step_up_password", &[("password", crate::support::PASSWORD)]).await.status(), 200);
    assert_eq!(app.overview(&b).await.unwrap()["recent_auth"], true);
    assert_eq!(app.call(&b, "remove_passkey", &[("id", &pid)]).await.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM passkeys").await, 0);
}

crate::both_backends!(
    a_passkey_signs_in_without_an_email_and_counts_as_mfa,
    a_replayed_assertion_is_refused,
    an_assertion_for_another_sessions_challenge_is_refused,
    an_expired_challenge_is_refused,
    an_assertion_made_for_another_origin_is_refused,
    an_unknown_credential_is_refused,
    a_disabled_users_passkey_is_refused,
    a_signature_counter_regression_is_refused_and_flagged,
    malformed_json_is_a_bad_request,
    credential_changes_need_a_recent_sign_in_and_the_last_way_in_stays,
);

async fn a_link_creates_a_passkey_only_account_in_one_step(backend: crate::support::Backend, extra: &[&str]) {
    let app = TestApp::spawn(backend, extra).await;
    let link = app.link(domain::accounts::InvitationKind::Bootstrap, None, domain::accounts::Role::Admin).await;
    let b = app.browser();
    let res = rpc_json(&app, &b, "begin_passkey_sign_up", json!({ "invitation": link, "email": EMAIL, "display_name": "Ada" })).await;
    assert_eq!(res.status(), 200);
    let ccr: CreationChallengeResponse = res.json().await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0, "nothing is written before the passkey exists");
    let mut authenticator = SoftPasskey::new(true);
    let reg = authenticator.do_registration(app.public.parse().unwrap(), non_resident(ccr)).unwrap();
    let res = rpc_json(&app, &b, "finish_passkey_sign_up", json!({ "credential": reg })).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let view = app.overview(&b).await.expect("signed in");
    assert_eq!(view["has_password"], false);
    assert_eq!(view["role"], "admin");
    assert_eq!(view["must_enrol"], false, "a passkey satisfies require-MFA");
    assert_eq!(app.count("SELECT COUNT(*) FROM users WHERE password_hash IS NULL").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations WHERE used_at IS NOT NULL").await, 1);
    // The link is spent: a second sign-up with it is refused before any passkey is made.
    let res = rpc_json(&app, &app.browser(), "begin_passkey_sign_up", json!({ "invitation": link, "email": "b@example.com", "display_name": "B" })).await;
    assert_eq!(res.status(), 422);
    // Password sign-in cannot reach a passkey-only account.
    assert_eq!(app.sign_in(&app.browser(), EMAIL, "any password at all").await.status(), 401);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_creates_a_passkey_only_account_in_one_step_sqlite() {
    a_link_creates_a_passkey_only_account_in_one_step(crate::support::Backend::Sqlite, &["--require-mfa"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_creates_a_passkey_only_account_in_one_step_postgres() {
    a_link_creates_a_passkey_only_account_in_one_step(crate::support::Backend::Postgres, &["--require-mfa"]).await;
}
