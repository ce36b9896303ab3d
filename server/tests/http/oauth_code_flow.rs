//! The authorization-code flow with PKCE, refresh rotation, token exchange and withdrawing access,
//! driven by the `oauth2` client library; and the attacks on the authorization endpoint by hand.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, Scope,
    TokenResponse, TokenUrl,
};
use serde_json::Value;

use crate::api::token;
use crate::oauth_server::{Registered, confidential_client};
use crate::support::TestApp;

const REDIRECT: &str = "https://app.example.com/cb";

type Lib = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn library(app: &TestApp, c: &Registered) -> Lib {
    BasicClient::new(ClientId::new(c.id.clone()))
        .set_client_secret(ClientSecret::new(c.secret.clone()))
        .set_auth_uri(AuthUrl::new(app.url("/oauth/authorize")).unwrap())
        .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap())
        .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

fn location(res: &reqwest::Response) -> String {
    assert_eq!(res.status(), 303, "expected a redirect");
    res.headers()["location"].to_str().unwrap().to_owned()
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// Runs the browser part of the flow as the signed-in `browser`, allowing on the consent page when
/// asked; returns the query of the final redirect to the app.
async fn authorize(app: &TestApp, browser: &reqwest::Client, url: &str) -> std::collections::HashMap<String, String> {
    let res = browser.get(url).send().await.unwrap();
    let mut next = location(&res);
    if next.starts_with("/oauth/consent?request=") {
        let id = next.trim_start_matches("/oauth/consent?request=").to_owned();
        let page = browser.get(app.url(&next)).send().await.unwrap();
        assert_eq!(page.headers()["x-frame-options"], "DENY", "the consent page cannot be framed");
        let res = app.call(browser, "decide_consent", &[("request", &id), ("decision", "allow")]).await;
        next = if res.status().is_redirection() { res.headers()["location"].to_str().unwrap().to_owned() } else { res.json::<String>().await.unwrap() };
    }
    assert!(next.starts_with(REDIRECT), "{next}");
    query_of(&next)
}

fn start(lib: &Lib, scopes: &[&str]) -> (String, CsrfToken, PkceCodeVerifier) {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = lib.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge);
    for s in scopes {
        req = req.add_scope(Scope::new((*s).into()));
    }
    let (url, state) = req.url();
    (url.to_string(), state, verifier)
}

/// Ada signed in, with a confidential client of hers and the library set up for it.
async fn signed_in_with_client(app: &TestApp, grants: &[&str], scopes: &str) -> (Registered, reqwest::Client, Lib) {
    let c = confidential_client(app, grants, scopes).await;
    let browser = app.browser();
    app.sign_in(&browser, "ada@example.com", crate::support::PASSWORD).await;
    let lib = library(app, &c);
    (c, browser, lib)
}

async fn code_pkce_refresh_rotation_and_remembered_consent(app: &TestApp) {
    let (_, browser, lib) = signed_in_with_client(app, &["authorization_code", "refresh_token"], "user tokens:read").await;
    let (url, state, verifier) = start(&lib, &["user:read"]);
    let q = authorize(app, &browser, &url).await;
    assert_eq!(q["state"], *state.secret(), "state comes back verbatim");
    assert_eq!(q["iss"], app.public, "the issuer is named (RFC 9207)");
    let tokens = lib.exchange_code(AuthorizationCode::new(q["code"].clone())).set_pkce_verifier(verifier).request_async(&http()).await.unwrap();
    assert_eq!(tokens.scopes().unwrap(), &vec![Scope::new("user:read".into())]);
    let first_refresh = tokens.refresh_token().unwrap().clone();
    assert!(first_refresh.secret().starts_with("gar_"));
    let me = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(tokens.access_token().secret()).send().await.unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.consent_granted'").await, 1);

    // Rotation: each use gives the next; the scope can narrow but not widen.
    let second = lib.exchange_refresh_token(&first_refresh).request_async(&http()).await.unwrap();
    let second_refresh = second.refresh_token().unwrap().clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    let wider = lib.exchange_refresh_token(&second_refresh).add_scope(Scope::new("tokens:read".into())).request_async(&http()).await;
    assert!(wider.is_err(), "a refresh cannot widen the scope");

    // Consent is remembered: the next request gets a code without the consent page.
    let (url, _, verifier) = start(&lib, &["user:read"]);
    let res = browser.get(&url).send().await.unwrap();
    let q = query_of(&location(&res));
    let again = lib.exchange_code(AuthorizationCode::new(q["code"].clone())).set_pkce_verifier(verifier).request_async(&http()).await.unwrap();
    assert!(again.refresh_token().is_some());

    // A used refresh token revokes its family: the newest refresh token and access token die too.
    let res = lib.exchange_refresh_token(&first_refresh).request_async(&http()).await;
    assert!(res.is_err());
    let third = RefreshToken::new(second_refresh.secret().clone());
    assert!(lib.exchange_refresh_token(&third).request_async(&http()).await.is_err(), "the family is revoked");
    let me = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(second.access_token().secret()).send().await.unwrap();
    assert_eq!(me.status(), 401, "access tokens of a revoked family stop at the API");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.refresh_reused'").await, 1);
    // The other family (second authorization) lives on.
    assert!(lib.exchange_refresh_token(again.refresh_token().unwrap()).request_async(&http()).await.is_ok());
}

async fn withdrawing_access_kills_the_refresh_tokens(app: &TestApp) {
    let (c, browser, lib) = signed_in_with_client(app, &["authorization_code", "refresh_token"], "user").await;
    let (url, _, verifier) = start(&lib, &[]);
    let q = authorize(app, &browser, &url).await;
    let tokens = lib.exchange_code(AuthorizationCode::new(q["code"].clone())).set_pkce_verifier(verifier).request_async(&http()).await.unwrap();
    let apps: Value = app.call(&browser, "authorized_apps", &[]).await.json().await.unwrap();
    assert_eq!(apps[0]["client_id"], c.id);
    let res = app.call(&browser, "withdraw_app", &[("client_id", &c.id)]).await;
    assert!(res.status().is_success());
    assert!(lib.exchange_refresh_token(tokens.refresh_token().unwrap()).request_async(&http()).await.is_err());
    let apps: Value = app.call(&browser, "authorized_apps", &[]).await.json().await.unwrap();
    assert_eq!(apps, serde_json::json!([]));
    // Withdrawn: the next request asks again.
    let (url, _, _) = start(&lib, &[]);
    let res = browser.get(&url).send().await.unwrap();
    assert!(location(&res).starts_with("/oauth/consent?request="));
}

async fn someone_signed_out_signs_in_first_and_comes_back(app: &TestApp) {
    let c = confidential_client(app, &["authorization_code"], "user").await;
    let lib = library(app, &c);
    let (url, state, _) = start(&lib, &[]);
    let browser = app.browser();
    let res = browser.get(&url).send().await.unwrap();
    assert_eq!(location(&res), "/login");
    let res = app.sign_in(&browser, "ada@example.com", crate::support::PASSWORD).await;
    let back = res.headers().get("location").map(|v| v.to_str().unwrap().to_owned());
    let body = res.text().await.unwrap();
    // Without JavaScript the server function answers with the address; either way it is the request.
    let next = back.unwrap_or(body);
    assert!(next.contains("/oauth/authorize?"), "{next}");
    // Back at the request, signed in now: consent, then the app gets its code and its state.
    let q = authorize(app, &browser, &app.url(&format!("/oauth/authorize?{}", url.split_once('?').unwrap().1))).await;
    assert_eq!(q["state"], *state.secret());
    assert!(q.contains_key("code"));
}

async fn a_refresh_family_ends_at_its_absolute_lifetime(app: &TestApp) {
    let (c, browser, lib) = signed_in_with_client(app, &["authorization_code", "refresh_token"], "user").await;
    let (url, _, verifier) = start(&lib, &[]);
    let code = authorize(app, &browser, &url).await["code"].clone();
    let tokens = lib.exchange_code(AuthorizationCode::new(code)).set_pkce_verifier(verifier).request_async(&http()).await.unwrap();
    let client = app.state.oauth.client(&c.id).await.unwrap().unwrap();
    let refresh = tokens.refresh_token().unwrap().secret();
    // The clock is injected: 24 hours (the default) after the code was redeemed, the family is over
    // however often it was refreshed.
    let end = domain::clock::now_ms() + app.state.oauth.policy().refresh_token_lifetime + 1000;
    let res = app.state.oauth.refresh(&client, refresh, None, &Default::default(), end).await;
    assert!(matches!(res, Err(domain::oauth::OAuthError::InvalidGrant(_))), "{res:?}");
    assert_eq!(app.state.oauth.policy().refresh_token_lifetime, 24 * domain::clock::HOUR);
}

async fn redirect_uri_mismatches_show_an_error_page_and_never_redirect(app: &TestApp) {
    let (c, browser, _) = signed_in_with_client(app, &["authorization_code"], "user").await;
    let base = format!("/oauth/authorize?response_type=code&client_id={}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=xyz", c.id);
    for bad in [
        "https://app.example.com/cb/",
        "https://APP.example.com/cb",
        "https://app.example.com/CB",
        "https://app.example.com/cb?x=1",
        "https://app.example.com/cb#frag",
        "https://app.example.com.evil.com/cb",
        "https://app-example.com/cb",
        "http://app.example.com/cb",
    ] {
        let enc: String = url::form_urlencoded::byte_serialize(bad.as_bytes()).collect();
        let res = browser.get(app.url(&format!("{base}&redirect_uri={enc}"))).send().await.unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert!(res.headers().get("location").is_none(), "{bad}: never redirect");
        assert_eq!(res.headers()["x-frame-options"], "DENY");
        assert!(res.text().await.unwrap().contains("redirect URI is not registered"));
    }
    let res = browser.get(app.url(&base.replace(&c.id, "no-such-client"))).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());
}

async fn missing_or_plain_pkce_and_the_implicit_flow_are_refused_by_redirect(app: &TestApp) {
    let (c, browser, _) = signed_in_with_client(app, &["authorization_code"], "user").await;
    let base = format!("/oauth/authorize?client_id={}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=s%20t", c.id);
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    for (query, error) in [
        ("&response_type=code".to_owned(), "invalid_request"),
        (format!("&response_type=code&code_challenge={challenge}&code_challenge_method=plain"), "invalid_request"),
        (format!("&response_type=code&code_challenge={challenge}"), "invalid_request"),
        (format!("&response_type=token&code_challenge={challenge}&code_challenge_method=S256"), "unsupported_response_type"),
        (format!("&response_type=code&code_challenge={challenge}&code_challenge_method=S256&scope=admin%20everything"), "invalid_scope"),
        (format!("&response_type=code&code_challenge={challenge}&code_challenge_method=S256&state=again"), "invalid_request"),
    ] {
        let res = browser.get(app.url(&format!("{base}{query}"))).send().await.unwrap();
        let q = query_of(&location(&res));
        assert_eq!(q["error"], error, "{query}");
        assert_eq!(q["iss"], app.public);
        if !query.contains("state=again") {
            assert_eq!(q["state"], "s t", "{query}");
        }
    }
}

async fn wrong_verifier_and_code_reuse_fail_and_reuse_revokes(app: &TestApp) {
    let (_, browser, lib) = signed_in_with_client(app, &["authorization_code", "refresh_token"], "user").await;
    let (url, _, verifier) = start(&lib, &[]);
    let code = authorize(app, &browser, &url).await["code"].clone();
    let wrong = PkceCodeVerifier::new("x".repeat(50));
    assert!(lib.exchange_code(AuthorizationCode::new(code.clone())).set_pkce_verifier(wrong).request_async(&http()).await.is_err());
    let res = lib.exchange_code(AuthorizationCode::new(code)).set_pkce_verifier(verifier).request_async(&http()).await;
    assert!(res.is_err(), "a failed attempt spends the code");

    let (url, _, verifier) = start(&lib, &[]);
    let code = authorize(app, &browser, &url).await["code"].clone();
    let verifier_text = verifier.secret().clone();
    let first = lib.exchange_code(AuthorizationCode::new(code.clone())).set_pkce_verifier(verifier).request_async(&http()).await.unwrap();
    let second = lib.exchange_code(AuthorizationCode::new(code)).set_pkce_verifier(PkceCodeVerifier::new(verifier_text)).request_async(&http()).await;
    match second {
        Err(oauth2::RequestTokenError::ServerResponse(e)) => assert_eq!(e.error().as_ref(), "invalid_grant"),
        other => panic!("{other:?}"),
    }
    assert!(lib.exchange_refresh_token(first.refresh_token().unwrap()).request_async(&http()).await.is_err(), "reuse revokes what the code gave");
    let me = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(first.access_token().secret()).send().await.unwrap();
    assert_eq!(me.status(), 401);
    // Both second uses count: the one after the wrong verifier, and this one.
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.code_reused'").await, 2);
}

async fn one_refresh_token_used_a_hundred_times_at_once_succeeds_once(app: &TestApp) {
    let (c, browser, lib) = signed_in_with_client(app, &["authorization_code", "refresh_token"], "user").await;
    let (url, _, verifier) = start(&lib, &[]);
    let code = authorize(app, &browser, &url).await["code"].clone();
    let tokens = lib.exchange_code(AuthorizationCode::new(code)).set_pkce_verifier(verifier).request_async(&http()).await.unwrap();
    let refresh = tokens.refresh_token().unwrap().secret().clone();
    let client = http();
    let calls = (0..100).map(|_| {
        let (client, url, c, refresh) = (client.clone(), app.url("/oauth/token"), (c.id.clone(), c.secret.clone()), refresh.clone());
        tokio::spawn(async move {
            client.post(url).basic_auth(c.0, Some(c.1)).form(&[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())]).send().await.unwrap().status().as_u16()
        })
    });
    let mut statuses = Vec::new();
    for call in calls.collect::<Vec<_>>() {
        statuses.push(call.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");
}

async fn token_exchange_never_grants_more(app: &TestApp) {
    let c = confidential_client(app, &[domain::oauth::TOKEN_EXCHANGE], "user:read tokens:read clients").await;
    let (_, pat) = token(app, "ada@example.com", "user tokens:read", "").await;
    let exchange = |subject: String, scope: Option<&'static str>| {
        let mut form = vec![
            ("grant_type", domain::oauth::TOKEN_EXCHANGE.to_owned()),
            ("subject_token", subject),
            ("subject_token_type", domain::oauth::ACCESS_TOKEN_TYPE.to_owned()),
        ];
        if let Some(s) = scope {
            form.push(("scope", s.to_owned()));
        }
        http().post(app.url("/oauth/token")).basic_auth(&c.id, Some(&c.secret)).form(&form).send()
    };
    let res = exchange(pat.clone(), None).await.unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["scope"], "tokens:read user:read", "only what both the token and the client hold");
    assert_eq!(v["issued_token_type"], domain::oauth::ACCESS_TOKEN_TYPE);
    assert!(v["expires_in"].as_i64().unwrap() <= 300);
    let exchanged = v["access_token"].as_str().unwrap().to_owned();
    // Exchanging again can only narrow.
    let res = exchange(exchanged.clone(), Some("user:read")).await.unwrap();
    assert_eq!(res.status(), 200);
    let narrower: Value = res.json().await.unwrap();
    let res = exchange(narrower["access_token"].as_str().unwrap().to_owned(), Some("tokens:read")).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope");
    let res = exchange(pat.clone(), Some("clients")).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope", "the PAT does not hold clients");
    let res = exchange("gat_notavalidtoken".into(), None).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_grant");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.token_exchanged'").await, 2);
}

async fn a_redirect_uri_can_narrow_the_scopes(app: &TestApp) {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let ada = app.state.accounts.user_by_email(&domain::accounts::Email::parse("ada@example.com").unwrap()).await.unwrap();
    let input = domain::oauth::ClientInput {
        name: "Two doors".into(),
        grant_types: vec!["authorization_code".into()],
        scopes: "user tokens:read".into(),
        redirects: vec![(REDIRECT.into(), None), ("https://narrow.example.com/cb".into(), Some("user:read".into()))],
    };
    let owner = domain::oauth::Owner { id: &ada.id, role: ada.role };
    let (client, _) = app.state.oauth.register(owner, domain::oauth::ClientKind::Public, input, &Default::default()).await.unwrap();
    let browser = app.browser();
    app.sign_in(&browser, "ada@example.com", crate::support::PASSWORD).await;
    let ask = |uri: &str, scope: &str| {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("response_type", "code"), ("client_id", client.id.as_str()), ("redirect_uri", uri), ("scope", scope),
                ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"), ("code_challenge_method", "S256")])
            .finish();
        browser.get(app.url(&format!("/oauth/authorize?{q}"))).send()
    };
    let res = ask("https://narrow.example.com/cb", "tokens:read").await.unwrap();
    assert_eq!(query_of(&location(&res))["error"], "invalid_scope");
    let res = ask(REDIRECT, "tokens:read").await.unwrap();
    assert!(location(&res).starts_with("/oauth/consent?request="), "the other URI allows it");
}

crate::both_backends!(
    a_refresh_family_ends_at_its_absolute_lifetime,
    a_redirect_uri_can_narrow_the_scopes,
    code_pkce_refresh_rotation_and_remembered_consent,
    withdrawing_access_kills_the_refresh_tokens,
    someone_signed_out_signs_in_first_and_comes_back,
    redirect_uri_mismatches_show_an_error_page_and_never_redirect,
    missing_or_plain_pkce_and_the_implicit_flow_are_refused_by_redirect,
    wrong_verifier_and_code_reuse_fail_and_reuse_revokes,
    one_refresh_token_used_a_hundred_times_at_once_succeeds_once,
    token_exchange_never_grants_more,
);
