//! The authorization server through a real OAuth client library (`oauth2`), and the attacks on it
//! by hand: discovery, JWKS, client credentials, introspection, revocation.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthType, ClientId, ClientSecret, IntrospectionUrl, RevocationUrl, Scope, StandardRevocableToken, TokenIntrospectionResponse, TokenResponse,
    TokenUrl,
};
use serde_json::Value;

use crate::support::TestApp;

pub(crate) struct Registered {
    pub id: String,
    pub secret: String,
}

/// Signs up Ada (admin) and registers a confidential client for her with the given grants.
pub(crate) async fn confidential_client(app: &TestApp, grants: &[&str], scopes: &str) -> Registered {
    app.sign_up_admin(&app.browser(), "ada@example.com").await;
    let ada = app.state.accounts.user_by_email(&domain::accounts::Email::parse("ada@example.com").unwrap()).await.unwrap();
    let input = domain::oauth::ClientInput {
        name: "Service".into(),
        grant_types: grants.iter().map(|g| g.to_string()).collect(),
        scopes: scopes.into(),
        redirects: vec![("https://app.example.com/cb".into(), None)],
    };
    let owner = domain::oauth::Owner { id: &ada.id, role: ada.role };
    let (client, secret) = app.state.oauth.register(owner, domain::oauth::ClientKind::Confidential, input, &Default::default()).await.unwrap();
    Registered { id: client.id, secret: secret.unwrap().expose().to_owned() }
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn metadata(app: &TestApp) -> Value {
    reqwest::get(app.url("/.well-known/oauth-authorization-server")).await.unwrap().json().await.unwrap()
}

async fn discovery_names_every_endpoint_and_only_s256(app: &TestApp) {
    let m = metadata(app).await;
    assert_eq!(m["issuer"], app.public);
    for (field, path) in [("token_endpoint", "/oauth/token"), ("jwks_uri", "/.well-known/jwks.json"), ("introspection_endpoint", "/oauth/introspect"), ("revocation_endpoint", "/oauth/revoke")] {
        assert_eq!(m[field], format!("{}{path}", app.public), "{field}");
    }
    assert_eq!(m["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(m["authorization_response_iss_parameter_supported"], true);
    assert!(!m["grant_types_supported"].as_array().unwrap().iter().any(|g| g == "password" || g == "implicit"));
    let jwks: Value = reqwest::get(app.url("/.well-known/jwks.json")).await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!((key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str(), key["use"].as_str()), (Some("OKP"), Some("Ed25519"), Some("EdDSA"), Some("sig")));
    assert!(key.get("d").is_none(), "no private part is published");
}

fn library_client(app: &TestApp, c: &Registered) -> oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
    oauth2::EndpointSet,
    oauth2::EndpointSet,
> {
    BasicClient::new(ClientId::new(c.id.clone()))
        .set_client_secret(ClientSecret::new(c.secret.clone()))
        .set_token_uri(TokenUrl::new(app.url("/oauth/token")).unwrap())
        .set_introspection_url(IntrospectionUrl::new(app.url("/oauth/introspect")).unwrap())
        .set_revocation_url(RevocationUrl::new(app.url("/oauth/revoke")).unwrap())
}

async fn client_credentials_introspection_and_revocation_work_with_a_client_library(app: &TestApp) {
    let c = confidential_client(app, &["client_credentials"], "user tokens:read").await;
    let lib = library_client(app, &c);
    // client_secret_basic (the library's default) and client_secret_post.
    let token = lib.exchange_client_credentials().add_scope(Scope::new("tokens:read".into())).request_async(&http()).await.unwrap();
    assert_eq!(token.scopes().unwrap(), &vec![Scope::new("tokens:read".into())]);
    assert_eq!(token.expires_in().unwrap().as_secs(), 300);
    let by_post = lib.clone().set_auth_type(AuthType::RequestBody).exchange_client_credentials().request_async(&http()).await.unwrap();
    assert_eq!(by_post.scopes().unwrap().len(), 2, "no scope asked: all of the client's");

    let info = lib.introspect(token.access_token()).request_async(&http()).await.unwrap();
    assert!(info.active());
    assert_eq!(info.client_id().map(|c| c.as_str()), Some(c.id.as_str()));
    assert_eq!(info.scopes().unwrap(), &vec![Scope::new("tokens:read".into())]);

    // The library refuses to revoke over plain http (RFC 7009 wants TLS), and the test server speaks
    // http: check that, then revoke with the same form the library sends.
    assert!(lib.revoke_token(StandardRevocableToken::AccessToken(token.access_token().clone())).is_err());
    let res = form(app, "/oauth/revoke", &c, &[("token", token.access_token().secret()), ("token_type_hint", "access_token")]).await;
    assert_eq!(res.status(), 200);
    let res = form(app, "/oauth/revoke", &c, &[("token", "not-a-token")]).await;
    assert_eq!(res.status(), 200, "unknown tokens get the same answer");
    let res = form(app, "/oauth/introspect", &c, &[("token", token.access_token().secret())]).await;
    assert_eq!(res.text().await.unwrap(), r#"{"active":false}"#, "a revoked token is only inactive");
    assert!(lib.introspect(by_post.access_token()).request_async(&http()).await.unwrap().active(), "the other token lives on");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.token_issued'").await, 2);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.token_revoked'").await, 1);
    // Each record names the client that called, as the credential used.
    let unnamed = "SELECT COUNT(*) FROM audit_events WHERE event_type IN ('oauth.token_issued', 'oauth.token_revoked') \
                   AND (actor_credential IS NULL OR actor_credential NOT LIKE 'client:%')";
    assert_eq!(app.count(unnamed).await, 0);
}

async fn form(app: &TestApp, path: &str, c: &Registered, params: &[(&str, &str)]) -> reqwest::Response {
    http().post(app.url(path)).basic_auth(&c.id, Some(&c.secret)).form(params).send().await.unwrap()
}

async fn error_of(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let challenge = res.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let v: Value = res.json().await.unwrap();
    (status, v["error"].as_str().unwrap_or_default().to_owned(), challenge)
}

async fn the_token_endpoint_refuses_what_it_must(app: &TestApp) {
    let c = confidential_client(app, &["client_credentials"], "user").await;
    for grant in ["password", "implicit", "urn:unknown", "authorization_code_x"] {
        let res = form(app, "/oauth/token", &c, &[("grant_type", grant), ("username", "ada"), ("password", "x")]).await;
        assert_eq!(error_of(res).await, (400, "unsupported_grant_type".into(), String::new()), "{grant}");
    }
    let res = form(app, "/oauth/token", &c, &[("grant_type", "client_credentials"), ("scope", "user"), ("scope", "admin")]).await;
    assert_eq!(error_of(res).await.1, "invalid_request", "a repeated parameter");
    let res = form(app, "/oauth/token", &c, &[("grant_type", "client_credentials"), ("scope", "admin")]).await;
    assert_eq!(error_of(res).await.1, "invalid_scope");
    let res = form(app, "/oauth/token", &c, &[("scope", "user")]).await;
    assert_eq!(error_of(res).await.1, "invalid_request", "no grant_type");
    let res = http().post(app.url("/oauth/token")).basic_auth(&c.id, Some(&c.secret)).json(&serde_json::json!({"grant_type": "client_credentials"})).send().await.unwrap();
    assert_eq!(error_of(res).await.1, "invalid_request", "JSON is not a form");

    let wrong = Registered { id: c.id.clone(), secret: format!("{}x", &c.secret[..c.secret.len() - 1]) };
    let res = form(app, "/oauth/token", &wrong, &[("grant_type", "client_credentials")]).await;
    assert_eq!(error_of(res).await, (401, "invalid_client".into(), r#"Basic realm="gatehouse""#.into()));
    let res = http().post(app.url("/oauth/token")).form(&[("grant_type", "client_credentials"), ("client_id", c.id.as_str())]).send().await.unwrap();
    assert_eq!(error_of(res).await.1, "invalid_client", "a confidential client without its secret");
    let res = http()
        .post(app.url("/oauth/token"))
        .basic_auth(&c.id, Some(&c.secret))
        .form(&[("grant_type", "client_credentials"), ("client_secret", c.secret.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.1, "invalid_request", "two authentication methods");
}

async fn a_client_without_the_grant_is_unauthorized_for_it(app: &TestApp) {
    let c = confidential_client(app, &["authorization_code"], "user").await;
    let res = form(app, "/oauth/token", &c, &[("grant_type", "client_credentials")]).await;
    assert_eq!(error_of(res).await.1, "unauthorized_client");
}

async fn introspection_says_only_inactive_for_forged_tokens(app: &TestApp) {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let c = confidential_client(app, &["client_credentials"], "user").await;
    let lib = library_client(app, &c);
    let token = lib.exchange_client_credentials().request_async(&http()).await.unwrap();
    let good = token.access_token().secret().clone();
    let parts: Vec<&str> = good.split('.').collect();
    let claims = String::from_utf8(B64.decode(parts[1]).unwrap()).unwrap();

    // alg "none", no signature.
    let none_header = B64.encode(r#"{"alg":"none","typ":"at+jwt"}"#);
    let none = format!("{none_header}.{}.", parts[1]);
    // Signed by a key the server never published, with the real kid.
    let header: Value = serde_json::from_slice(&B64.decode(parts[0]).unwrap()).unwrap();
    let foreign = ed25519_foreign(&header["kid"].as_str().unwrap().to_owned(), &claims);
    // A changed payload under the real signature.
    let widened = format!("{}.{}.{}", parts[0], B64.encode(claims.replace("\"user\"", "\"admin\"")), parts[2]);
    for (what, t) in [("alg none", none), ("foreign key", foreign), ("tampered", widened), ("junk", "abc".to_owned())] {
        let res = form(app, "/oauth/introspect", &c, &[("token", t.as_str())]).await;
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.text().await.unwrap(), r#"{"active":false}"#, "{what}");
        let api = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(&t).send().await.unwrap();
        assert_eq!(api.status(), 401, "{what}");
    }
    let res = form(app, "/oauth/introspect", &c, &[("token", good.as_str())]).await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["active"], true);
    // Introspection needs a confidential client's credentials.
    let res = http().post(app.url("/oauth/introspect")).form(&[("token", good.as_str())]).send().await.unwrap();
    assert_eq!(error_of(res).await.0, 401);
}

/// A JWT with the given kid and claims, signed by a freshly generated Ed25519 key.
fn ed25519_foreign(kid: &str, claims: &str) -> String {
    use ed25519_dalek::pkcs8::EncodePrivateKey;
    let key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let der = key.to_pkcs8_der().unwrap();
    let header = jsonwebtoken::Header { typ: Some("at+jwt".into()), kid: Some(kid.into()), ..jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA) };
    let claims: Value = serde_json::from_str(claims).unwrap();
    jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes())).unwrap()
}

async fn the_rest_api_takes_access_tokens_with_their_scopes(app: &TestApp) {
    let c = confidential_client(app, &["client_credentials"], "user:read tokens:read").await;
    let lib = library_client(app, &c);
    let token = lib.exchange_client_credentials().add_scope(Scope::new("user:read".into())).request_async(&http()).await.unwrap();
    let t = token.access_token().secret();
    let api = |path: &str| reqwest::Client::new().get(app.url(path)).bearer_auth(t).send();
    let res = api("/api/v1/user").await.unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["name"], "Ada", "a client-credentials token acts for the client's owner");
    let res = api("/api/v1/tokens").await.unwrap();
    assert_eq!(res.status(), 403, "tokens:read was not asked for");
    assert!(res.headers()["www-authenticate"].to_str().unwrap().contains(r#"scope="tokens:read""#));

    let unused = lib.exchange_client_credentials().request_async(&http()).await.unwrap();
    let res = form(app, "/oauth/revoke", &c, &[("token", t.as_str())]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(api("/api/v1/user").await.unwrap().status(), 401, "revoked at the revocation endpoint: refused at once");

    // A disabled client's tokens stop working (this one was never cached).
    let ada = app.state.accounts.user_by_email(&domain::accounts::Email::parse("ada@example.com").unwrap()).await.unwrap();
    let disable = domain::oauth::ClientPatch { status: Some(domain::oauth::ClientStatus::Disabled), ..Default::default() };
    app.state.oauth.change(domain::oauth::Owner { id: &ada.id, role: ada.role }, &c.id, disable, &Default::default()).await.unwrap();
    let res = reqwest::Client::new().get(app.url("/api/v1/user")).bearer_auth(unused.access_token().secret()).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.count("SELECT COUNT(*) FROM token_activity").await, 0, "activity is kept for personal tokens only");
    assert_eq!(app.state.tokens.activity_buffer().stats().pending, 0);
}

async fn single_page_apps_may_call_the_token_endpoint_from_their_origin(app: &TestApp) {
    let res = http()
        .request(reqwest::Method::OPTIONS, app.url("/oauth/token"))
        .header("origin", "https://spa.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    assert!(res.headers().get("access-control-allow-credentials").is_none(), "never with cookies");
    // The answer itself lets the page read its rate-limit headers.
    let res = http().post(app.url("/oauth/token")).header("origin", "https://spa.example.com").form(&[("grant_type", "password")]).send().await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let exposed = res.headers().get("access-control-expose-headers").map(|v| v.to_str().unwrap().to_lowercase()).unwrap_or_default();
    for name in ["x-ratelimit-remaining", "retry-after"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    // Resource servers introspect from their back ends, the authorization endpoint is a page and
    // the REST API takes tokens from programs: no browser of another origin may call them.
    for (method, path) in [("POST", "/oauth/introspect"), ("GET", "/oauth/authorize"), ("GET", "/api/v1/user"), ("POST", "/rpc/sign_in")] {
        let res = http()
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", "https://spa.example.com")
            .header("access-control-request-method", method)
            .send()
            .await
            .unwrap();
        assert!(res.headers().get("access-control-allow-origin").is_none(), "{path}");
    }
}

/// Introspection remembers authenticated clients and verified tokens for a few seconds; every change
/// that ends them must still count at once.
async fn introspection_follows_client_changes_at_once(app: &TestApp) {
    let reader = confidential_client(app, &["client_credentials"], "user:read").await;
    let ada = app.state.accounts.user_by_email(&domain::accounts::Email::parse("ada@example.com").unwrap()).await.unwrap();
    let owner = || domain::oauth::Owner { id: &ada.id, role: ada.role };
    let input = domain::oauth::ClientInput {
        name: "Issuer".into(),
        grant_types: vec!["client_credentials".into()],
        scopes: "user:read".into(),
        redirects: vec![("https://issuer.example.com/cb".into(), None)],
    };
    let (issuer, secret) = app.state.oauth.register(owner(), domain::oauth::ClientKind::Confidential, input, &Default::default()).await.unwrap();
    let issuer = Registered { id: issuer.id, secret: secret.unwrap().expose().to_owned() };
    let token = library_client(app, &issuer).exchange_client_credentials().request_async(&http()).await.unwrap();
    let active = |c: &Registered| {
        let c = Registered { id: c.id.clone(), secret: c.secret.clone() };
        let t = token.access_token().secret().clone();
        async move {
            let res = form(app, "/oauth/introspect", &c, &[("token", t.as_str())]).await;
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.map(|v| v["active"] == true).unwrap_or(false))
        }
    };
    assert_eq!(active(&reader).await, (200, true));
    assert_eq!(active(&reader).await, (200, true), "and again, from the caches");

    // The issuing client disabled: its token is inactive at once.
    let disable = domain::oauth::ClientPatch { status: Some(domain::oauth::ClientStatus::Disabled), ..Default::default() };
    app.state.oauth.change(owner(), &issuer.id, disable, &Default::default()).await.unwrap();
    assert_eq!(active(&reader).await, (200, false));
    let enable = domain::oauth::ClientPatch { status: Some(domain::oauth::ClientStatus::Active), ..Default::default() };
    app.state.oauth.change(owner(), &issuer.id, enable, &Default::default()).await.unwrap();
    assert_eq!(active(&reader).await, (200, true));

    // The reader's secret rotated without grace: the old one is refused at once, the new one works.
    let (_, fresh) = app.state.oauth.rotate_secret(&ada.id, &reader.id, 0, &Default::default()).await.unwrap();
    assert_eq!(active(&reader).await.0, 401);
    let reader = Registered { id: reader.id.clone(), secret: fresh.expose().to_owned() };
    assert_eq!(active(&reader).await, (200, true));

    // The reader deleted: refused at once, though it authenticated a moment ago.
    app.state.oauth.delete(&ada.id, &reader.id, &Default::default()).await.unwrap();
    assert_eq!(active(&reader).await.0, 401);
}

crate::both_backends!(
    introspection_follows_client_changes_at_once,
    single_page_apps_may_call_the_token_endpoint_from_their_origin,
    the_rest_api_takes_access_tokens_with_their_scopes,
    discovery_names_every_endpoint_and_only_s256,
    client_credentials_introspection_and_revocation_work_with_a_client_library,
    the_token_endpoint_refuses_what_it_must,
    a_client_without_the_grant_is_unauthorized_for_it,
    introspection_says_only_inactive_for_forged_tokens,
);
