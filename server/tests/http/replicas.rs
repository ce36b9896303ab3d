//! Two `gatehouse serve` processes on one fresh PostgreSQL database, as replicas behind a load
//! balancer: a session and a token made on one work on the other, a token revoked on one is
//! refused by the other within a second (LISTEN/NOTIFY), rate limits are counted across both, and
//! exactly one runs the jobs that must run once — and when it is killed, the other takes over.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use domain::store::Backend;
use domain::store::testing::TestDatabase;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use serde_json::{Value, json};

use crate::support::PASSWORD;

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");
/// Both replicas answer for the same public URL, as behind a load balancer.
const PUBLIC: &str = "http://localhost:3999";

struct Replica {
    child: Child,
    base: String,
    first_admin_link: Option<String>,
    _data: tempfile::TempDir,
}

impl Replica {
    fn start(db_url: &str, master_key: &str) -> Replica {
        let data = tempfile::tempdir().unwrap();
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--public-url", PUBLIC, "--token-sweep-seconds", "1"])
            .args(["--rate-limit", "leak_reports.ip=4/m"])
            .env("GATEHOUSE_DATABASE_URL", db_url)
            .env("GATEHOUSE_MASTER_KEY", master_key)
            .env("GATEHOUSE_DATA_DIR", data.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut link, mut base) = (None, None);
        while let Some(Ok(line)) = lines.next() {
            if line.contains("/signup?invite=") {
                link = Some(line.trim().to_owned());
            }
            if let Some(rest) = line.strip_prefix("Gatehouse listening on ") {
                base = rest.split_whitespace().next().map(|a| format!("http://{}", a.trim_end_matches(';')));
                break;
            }
        }
        // Keep reading stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Replica { child, base: base.expect("the replica says where it listens"), first_admin_link: link, _data: data }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn leads(&self) -> Option<bool> {
        self.jobs().await?["leader"].as_bool()
    }

    async fn token_sweeps(&self) -> u64 {
        self.jobs().await.and_then(|j| j["token_sweeps"].as_u64()).expect("healthz reports the sweeps")
    }

    async fn jobs(&self) -> Option<Value> {
        let health: Value = reqwest::get(self.url("/healthz")).await.ok()?.json().await.ok()?;
        Some(health["jobs"].clone())
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browser() -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(ORIGIN, HeaderValue::from_static(PUBLIC));
    reqwest::Client::builder().cookie_store(true).default_headers(headers).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Waits until `check` holds, up to `limit`; returns how long it took.
async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgresql_behave_as_one() {
    let (db, a, b, link) = pair().await;

    // Sign up on A; the session works on B.
    let ada = ada_on(&a, &link).await;
    let overview: Value = ada.post(b.url("/rpc/account_overview")).send().await.unwrap().json().await.unwrap();
    assert!(!overview.is_null(), "the session made on A is signed in on B");

    // A token created on A works on B; both have it cached after a call.
    let input = json!({ "name": "replicas", "note": "", "scopes": ["user:read", "tokens"], "expiry": "30", "date": "", "allowlist": "" });
    let created: Value = ada.post(a.url("/rpc/create_token")).json(&json!({ "input": input })).send().await.unwrap().json().await.unwrap();
    let (id, token) = (created["id"].as_str().unwrap().to_owned(), created["token"].as_str().unwrap().to_owned());
    let user = |base: &Replica| reqwest::Client::new().get(base.url("/api/v1/user")).bearer_auth(&token).send();
    assert_eq!(user(&b).await.unwrap().status(), 200);
    assert_eq!(user(&a).await.unwrap().status(), 200);

    // Revoked on B, refused by A within a second (A's cache would keep it for 10 s).
    let res = reqwest::Client::new().delete(b.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    let took = within(Duration::from_secs(1), || async { user(&a).await.map(|r| r.status() == 401).unwrap_or(false) }).await;
    assert!(took.is_some(), "A still accepted the token revoked on B a second later");

    // Rate limits are counted across both: two reports on each, then the fifth is refused on either.
    let report = |r: &Replica| reqwest::Client::new().post(r.url("/api/v1/token-leaks")).json(&json!(["nothing"])).send();
    for (i, replica) in [&a, &b, &a, &b].into_iter().enumerate() {
        let res = report(replica).await.unwrap();
        assert_eq!(res.status(), 202, "report {i}");
        assert_eq!(res.headers()["x-ratelimit-remaining"], (3 - i).to_string().as_str());
    }
    assert_eq!(report(&a).await.unwrap().status(), 429);
    assert_eq!(report(&b).await.unwrap().status(), 429);

    // Exactly one replica leads the jobs that must run once.
    let one_leads = within(Duration::from_secs(10), || async {
        matches!((a.leads().await, b.leads().await), (Some(true), Some(false)) | (Some(false), Some(true)))
    })
    .await;
    assert!(one_leads.is_some(), "one leader: A {:?}, B {:?}", a.leads().await, b.leads().await);
    let (mut leader, follower) = if a.leads().await == Some(true) { (a, b) } else { (b, a) };
    // The expiry sweep (every second here) runs on the leader only.
    let (led_before, started) = (leader.token_sweeps().await, Instant::now());
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(follower.leads().await, Some(false), "the follower never leads while the leader lives");
    }
    let ran = leader.token_sweeps().await - led_before;
    assert!(ran >= 2 && ran <= started.elapsed().as_secs() + 1, "the leader swept {ran} times in {:?}", started.elapsed());
    assert_eq!(follower.token_sweeps().await, 0, "the follower never swept");

    // The leader dies without a word (kill -9): the follower takes over and keeps serving.
    leader.child.kill().unwrap();
    leader.child.wait().unwrap();
    let took_over = within(Duration::from_secs(15), || async { follower.leads().await == Some(true) }).await;
    assert!(took_over.is_some(), "the follower took over the jobs");
    let swept = within(Duration::from_secs(5), || async { follower.token_sweeps().await > 0 }).await;
    assert!(swept.is_some(), "the new leader sweeps");
    let overview: Value = ada.post(follower.url("/rpc/account_overview")).send().await.unwrap().json().await.unwrap();
    assert!(!overview.is_null());
    drop(leader);
    drop(follower);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_while_creating_tokens_leaves_nothing_half_written() {
    let (db, mut a, b, link) = pair().await;
    let ada = ada_on(&b, &link).await;

    // Forty creations in flight on A; A is killed (SIGKILL) while they run.
    let create = |base: String, i: usize, client: reqwest::Client| async move {
        let input = json!({ "name": format!("t{i}"), "note": "", "scopes": ["user:read"], "expiry": "30", "date": "", "allowlist": "" });
        let res = client.post(format!("{base}/rpc/create_token")).json(&json!({ "input": input })).send().await.ok()?;
        if !res.status().is_success() {
            return None;
        }
        let v: Value = res.json().await.ok()?;
        v["id"].as_str().map(str::to_owned)
    };
    let calls: Vec<_> = (0..40).map(|i| tokio::spawn(create(a.base.clone(), i, ada.clone()))).collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let mut answered = Vec::new();
    for call in calls {
        if let Some(id) = call.await.unwrap() {
            answered.push(id);
        }
    }

    // Every token that exists was created whole: with its audit record; every creation A answered exists.
    let store = domain::store::Store::connect(&db.url).await.unwrap();
    let tokens: Vec<(String,)> = sqlx::query_as("SELECT id FROM personal_tokens").fetch_all(store.pool()).await.unwrap();
    let audited: Vec<(String,)> = sqlx::query_as("SELECT target FROM audit_events WHERE event_type = 'token.created'").fetch_all(store.pool()).await.unwrap();
    let mut tokens: Vec<String> = tokens.into_iter().map(|(t,)| t).collect();
    let mut audited: Vec<String> = audited.into_iter().map(|(t,)| t).collect();
    tokens.sort();
    audited.sort();
    eprintln!("creations: {} answered, {} stored of 40", answered.len(), tokens.len());
    assert!(answered.len() < 40, "the kill came while creations were still running");
    assert_eq!(tokens, audited, "each token has exactly its creation record");
    assert!(answered.iter().all(|id| tokens.contains(id)), "every creation answered 200 was kept");
    let mut conn = store.pool().acquire().await.unwrap();
    let chain = domain::audit::verify_chain(&mut conn).await.unwrap();
    assert!(chain.broken.is_none(), "the audit chain holds after the kill: {:?}", chain.broken.map(|b| (b.seq, b.why)));
    drop(conn);

    // B keeps serving, the same session included.
    assert!(create(b.base.clone(), 99, ada.clone()).await.is_some(), "B creates tokens after A died");
    store.close().await;
    drop(a);
    drop(b);
    db.cleanup().await;
}

/// A fresh database and two replicas on it (sharing the master key), with the first-admin link.
async fn pair() -> (TestDatabase, Replica, Replica, String) {
    let db = TestDatabase::new(Backend::Postgres).await;
    let master_key = domain::crypto::MasterKey::generate().to_base64();
    let a = Replica::start(&db.url, &master_key);
    let b = Replica::start(&db.url, &master_key);
    let link = a.first_admin_link.clone().or_else(|| b.first_admin_link.clone()).expect("a first-admin link");
    (db, a, b, link)
}

/// Signs Ada up through `r` and returns her browser.
async fn ada_on(r: &Replica, link: &str) -> reqwest::Client {
    let invitation = link.split("invite=").nth(1).unwrap().trim().to_owned();
    let ada = browser();
    let res = ada
        .post(r.url("/rpc/sign_up"))
        .form(&[("invitation", invitation.as_str()), ("email", "ada@example.com"), ("display_name", "Ada"), ("password", PASSWORD), ("password_confirm", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    ada
}

const APP: &str = "https://app.example.com/cb";

/// Registers a confidential client as Ada and runs the code flow with PKCE on `r`: (client id,
/// secret, refresh token).
async fn refresh_token_on(r: &Replica, ada: &reqwest::Client) -> (String, String, String) {
    use base64::Engine;
    use sha2::Digest;
    let input = json!({ "name": "clients", "note": "", "scopes": ["clients"], "expiry": "30", "date": "", "allowlist": "" });
    let pat: Value = ada.post(r.url("/rpc/create_token")).json(&json!({ "input": input })).send().await.unwrap().json().await.unwrap();
    let client: Value = reqwest::Client::new()
        .post(r.url("/api/v1/clients"))
        .bearer_auth(pat["token"].as_str().unwrap())
        .json(&json!({ "name": "App", "type": "confidential", "grant_types": ["authorization_code", "refresh_token"], "scopes": "user:read", "redirect_uris": [APP] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (id, secret) = (client["client_id"].as_str().unwrap().to_owned(), client["client_secret"].as_str().unwrap().to_owned());
    let verifier = "a-long-enough-code-verifier-for-pkce-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    let authorize = reqwest::Url::parse_with_params(&r.url("/oauth/authorize"), &[
        ("response_type", "code"), ("client_id", id.as_str()), ("redirect_uri", APP), ("scope", "user:read"),
        ("state", "s"), ("code_challenge", challenge.as_str()), ("code_challenge_method", "S256"),
    ])
    .unwrap();
    let res = ada.get(authorize).send().await.unwrap();
    let consent = res.headers()["location"].to_str().unwrap().to_owned();
    let request = consent.split("request=").nth(1).expect("the consent page").to_owned();
    let res = ada.post(r.url("/rpc/decide_consent")).form(&[("request", request.as_str()), ("decision", "allow")]).send().await.unwrap();
    let back = if res.status().is_redirection() { res.headers()["location"].to_str().unwrap().to_owned() } else { res.json::<String>().await.unwrap() };
    let code = reqwest::Url::parse(&back).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let tokens: Value = reqwest::Client::new()
        .post(r.url("/oauth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", APP), ("code_verifier", verifier)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (id, secret, tokens["refresh_token"].as_str().expect("a refresh token").to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_while_rotating_refresh_tokens_leaves_one_live_token() {
    let (db, mut a, b, link) = pair().await;
    let ada = ada_on(&b, &link).await;
    let (id, secret, first) = refresh_token_on(&b, &ada).await;

    // The app rotates its refresh token on A, one use after another, until A is killed.
    let last_known = std::sync::Arc::new(std::sync::Mutex::new(first));
    let rotations = {
        let (url, id, secret, last_known) = (a.url("/oauth/token"), id.clone(), secret.clone(), last_known.clone());
        tokio::spawn(async move {
            let mut n = 0;
            loop {
                let current = last_known.lock().unwrap().clone();
                let Ok(res) = reqwest::Client::new()
                    .post(&url)
                    .basic_auth(&id, Some(&secret))
                    .form(&[("grant_type", "refresh_token"), ("refresh_token", current.as_str())])
                    .send()
                    .await
                else {
                    return n;
                };
                let Ok(v) = res.json::<Value>().await else { return n };
                match v["refresh_token"].as_str() {
                    Some(next) => *last_known.lock().unwrap() = next.to_owned(),
                    None => return n,
                }
                n += 1;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let done = rotations.await.unwrap();
    eprintln!("refresh rotations answered before the kill: {done}");
    assert!(done > 0, "rotations ran on A");

    // One family, one live refresh token; every other was used exactly once.
    let store = domain::store::Store::connect(&db.url).await.unwrap();
    let (families, revoked): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(revoked_at) FROM oauth_families").fetch_one(store.pool()).await.unwrap();
    assert_eq!((families, revoked), (1, 0), "no half rotation looked like a reuse");
    let (live,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM oauth_refresh_tokens WHERE used_at IS NULL").fetch_one(store.pool()).await.unwrap();
    assert_eq!(live, 1, "exactly one refresh token of the family is live");

    // The app goes on on B with the last token it got, unless A died after rotating it and
    // before answering; then that token is used and its successor, never seen by the app, is the live one.
    let last = last_known.lock().unwrap().clone();
    let digest = domain::crypto::sha256_hex(last.as_bytes());
    let (used,): (Option<i64>,) = sqlx::query_as("SELECT used_at FROM oauth_refresh_tokens WHERE digest = $1").bind(&digest).fetch_one(store.pool()).await.unwrap();
    let res = reqwest::Client::new()
        .post(b.url("/oauth/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", last.as_str())])
        .send()
        .await
        .unwrap();
    match used {
        None => assert_eq!(res.status(), 200, "the app's last token works on B"),
        Some(_) => assert_eq!(res.status(), 400, "a used token is refused (and ends the family, as any reuse does)"),
    }
    store.close().await;
    drop(a);
    drop(b);
    db.cleanup().await;
}
