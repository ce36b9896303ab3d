//! `TestApp`: boots `build_router` on 127.0.0.1:0 with a fresh database and its own data directory.

use clap::Parser;
use domain::accounts::{InvitationKind, Role};
use domain::audit::RequestMeta;
use domain::store::testing::TestDatabase;
use reqwest::header::{HeaderMap, HeaderValue, ORIGIN};
use server::config::Cli;
use tokio::sync::oneshot;

pub use domain::store::Backend;

pub const PASSWORD: &str = "correct horse battery staple";

/// `both_backends!(fn_name, …)`: a `#[tokio::test]` per backend for each `async fn fn_name(&TestApp)`.
#[macro_export]
/// `both_backends!(with ["--flag", …]; fn_name, …)` starts each app with those settings.
macro_rules! both_backends {
    (with $args:expr; $($name:ident),* $(,)?) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                let app = $crate::support::TestApp::spawn($crate::support::Backend::Sqlite, &$args).await;
                super::$name(&app).await;
                app.stop().await;
            })*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                let app = $crate::support::TestApp::spawn($crate::support::Backend::Postgres, &$args).await;
                super::$name(&app).await;
                app.stop().await;
            })*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::both_backends!(with []; $($name),*);
    };
}

pub struct TestApp {
    /// Where requests go (the listener).
    pub base: String,
    /// The public URL (WebAuthn needs a host name, so `localhost`, not the IP).
    pub public: String,
    pub state: app::ssr::AppState,
    db: TestDatabase,
    _data: tempfile::TempDir,
    shutdown: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    /// `extra` are further command-line settings, e.g. `["--require-mfa"]`.
    pub async fn spawn(backend: Backend, extra: &[&str]) -> TestApp {
        let db = TestDatabase::new(backend).await;
        let data = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // With TLS, requests go to the name the test certificate is for.
        let tls = extra.contains(&"--tls-cert");
        let base = if tls { format!("https://localhost:{}", addr.port()) } else { format!("http://127.0.0.1:{}", addr.port()) };
        let public = format!("{}://localhost:{}", if tls { "https" } else { "http" }, addr.port());
        let mut args = vec![
            "gatehouse".to_owned(),
            "serve".to_owned(),
            "--listen".to_owned(),
            addr.to_string(),
            "--data-dir".to_owned(),
            data.path().display().to_string(),
            "--database-url".to_owned(),
            db.url.clone(),
        ];
        if !extra.contains(&"--public-url") {
            args.extend(["--public-url".to_owned(), public.clone()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let config = Cli::try_parse_from(args).unwrap().settings.resolve().unwrap();
        let state = server::open_state(&config).await.unwrap();
        let router = server::build_router(state.clone(), &config);
        let (shutdown, rx) = oneshot::channel();
        let tls = config.tls.as_ref().map(server::tls::server_config).transpose().unwrap();
        let client_timeout = std::time::Duration::from_secs(config.client_timeout_seconds as u64);
        let server = tokio::spawn(server::serve(listener, router, tls, client_timeout, async {
            let _ = rx.await;
        }));
        TestApp { base, public, state, db, _data: data, shutdown, server }
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.server.await;
        self.state.accounts.store().close().await;
        self.db.cleanup().await;
    }

    /// A browser: its own cookie jar, sends this portal's Origin on every request, does not follow redirects.
    pub fn browser(&self) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_str(&self.public).unwrap());
        reqwest::Client::builder()
            .cookie_store(true)
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36")
            // A request the server never answers fails the test with its URL instead of stalling the suite.
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Calls a server function the way the hydrated app does: a form-encoded POST.
    pub async fn call(&self, client: &reqwest::Client, name: &str, form: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(&format!("/rpc/{name}"))).form(form).send().await.unwrap()
    }

    pub async fn link(&self, kind: InvitationKind, email: Option<&str>, role: Role) -> String {
        let email = email.map(|e| domain::accounts::Email::parse(e).unwrap());
        self.state.accounts.create_invitation(kind, email, role, &RequestMeta::default()).await.unwrap()
    }

    /// Signs up an admin through the HTTP form; the client ends up signed in.
    pub async fn sign_up_admin(&self, client: &reqwest::Client, email: &str) {
        let link = self.link(InvitationKind::Bootstrap, None, Role::Admin).await;
        let res = self
            .call(client, "sign_up", &[
                ("invitation", &link),
                ("email", email),
                ("display_name", "Ada"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ])
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// Signs up someone invited with `role`; the client ends up signed in.
    pub async fn sign_up_member(&self, client: &reqwest::Client, email: &str, role: Role) {
        let link = self.link(InvitationKind::Invite, Some(email), role).await;
        let res = self
            .call(client, "sign_up", &[
                ("invitation", &link),
                ("email", email),
                ("display_name", email.split('@').next().unwrap_or("someone")),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ])
            .await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }

    /// Calls a server function that takes JSON.
    pub async fn call_json(&self, client: &reqwest::Client, name: &str, body: serde_json::Value) -> reqwest::Response {
        client.post(self.url(&format!("/rpc/{name}"))).json(&body).send().await.unwrap()
    }

    pub async fn sign_in(&self, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
        self.call(client, "sign_in", &[("email", email), ("password", password)]).await
    }

    /// The account page's data, or `None` when the client is not signed in.
    pub async fn overview(&self, client: &reqwest::Client) -> Option<serde_json::Value> {
        let res = self.call(client, "account_overview", &[]).await;
        assert_eq!(res.status(), 200);
        let v: serde_json::Value = res.json().await.unwrap();
        (!v.is_null()).then_some(v)
    }

    /// Moves every signed-in session's last authentication `minutes` into the past (past the step-up window).
    pub async fn age_sign_in(&self, minutes: i64) {
        let pool = self.state.accounts.store().pool();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT id_hash, data FROM sessions WHERE user_id IS NOT NULL").fetch_all(pool).await.unwrap();
        for (hash, data) in rows {
            let mut v: serde_json::Value = serde_json::from_str(&data).unwrap();
            v["auth_at"] = serde_json::json!(domain::clock::now_ms() - minutes * domain::clock::MINUTE);
            sqlx::query("UPDATE sessions SET data = $1 WHERE id_hash = $2").bind(v.to_string()).bind(hash).execute(pool).await.unwrap();
        }
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(self.state.accounts.store().pool()).await.unwrap();
        n
    }
}

/// The current TOTP code for a base32 secret, `offset` steps from now.
/// A site folder holding `pkg/<name>` for each `(name, content)`: the browser bundle a test serves
/// with `--site-dir`.
pub fn site_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let site = tempfile::tempdir().unwrap();
    std::fs::create_dir(site.path().join("pkg")).unwrap();
    for (name, content) in files {
        std::fs::write(site.path().join("pkg").join(name), content).unwrap();
    }
    site
}

pub fn totp_code(secret_base32: &str, offset: i64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret_base32.to_owned()).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, None, String::new());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    totp.generate((now + offset * 30) as u64)
}

/// A local SMTP sink for e-mail tests: Debian's aiosmtpd (`python3-aiosmtpd`, installed by the test
/// command) writing every message it receives into a Maildir. Stopped when dropped.
pub struct MailSink {
    pub port: u16,
    dir: tempfile::TempDir,
    child: std::process::Child,
}

impl MailSink {
    pub async fn start() -> MailSink {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the SMTP sink needs Debian's python3-aiosmtpd (the test command installs it)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return MailSink { port, dir, child };
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the SMTP sink did not start on port {port}");
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw (headers and body).
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.path().join("maildir").join("new");
        let Ok(entries) = std::fs::read_dir(new) else { return Vec::new() };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
