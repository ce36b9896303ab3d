//! Transport: built-in TLS with a generated certificate, slow clients cut off, and the start-up
//! refusals of dangerous settings.

use std::io::Write;
use std::time::Duration;

use clap::Parser;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Backend, TestApp};

/// A self-signed certificate for `localhost` and its key, as PEM files in a fresh folder.
fn certificate() -> (tempfile::TempDir, String, String, reqwest::Certificate) {
    let rcgen::CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, signing_key.serialize_pem()).unwrap();
    let trusted = reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap();
    (dir, cert_path.display().to_string(), key_path.display().to_string(), trusted)
}

async fn https_is_served_with_tls_1_2_and_1_3(backend: Backend) {
    let (_dir, cert, key, trusted) = certificate();
    let app = TestApp::spawn(backend, &["--tls-cert", &cert, "--tls-key", &key]).await;
    assert!(app.base.starts_with("https://localhost:"));
    for (min, max) in [(reqwest::tls::Version::TLS_1_2, reqwest::tls::Version::TLS_1_2), (reqwest::tls::Version::TLS_1_3, reqwest::tls::Version::TLS_1_3)] {
        let client = reqwest::Client::builder()
            .add_root_certificate(trusted.clone())
            .min_tls_version(min)
            .max_tls_version(max)
            .https_only(true)
            .build()
            .unwrap();
        let res = client.get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
        let page = client.get(app.url("/login")).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    // Signed in over https, the session cookie is `__Host-` and Secure.
    let browser = reqwest::Client::builder()
        .add_root_certificate(trusted)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let link = app.link(domain::accounts::InvitationKind::Bootstrap, None, domain::accounts::Role::Admin).await;
    let res = browser
        .post(app.url("/rpc/sign_up"))
        .header("origin", &app.public)
        .form(&[("invitation", link.as_str()), ("email", "ada@example.com"), ("display_name", "Ada"),
                ("password", crate::support::PASSWORD), ("password_confirm", crate::support::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = res.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).find(|c| c.starts_with("__Host-gatehouse=")).expect("session cookie");
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly"), "{cookie}");
    // Plain http to the TLS port gets no answer.
    let plain = reqwest::Client::new().get(app.url("/healthz").replace("https://", "http://")).send().await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_is_served_with_tls_1_2_and_1_3_sqlite() {
    https_is_served_with_tls_1_2_and_1_3(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_is_served_with_tls_1_2_and_1_3_postgres() {
    https_is_served_with_tls_1_2_and_1_3(Backend::Postgres).await;
}

/// Reads what the server sends until it closes the connection (or 5 s pass: then `None`).
async fn until_closed(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut seen)).await;
    read.ok().map(|_| String::from_utf8_lossy(&seen).into_owned())
}

async fn slow_clients_are_cut_off(app: &TestApp) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    // Headers that never end.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n").await.unwrap();
    let answer = until_closed(&mut stream).await.expect("the connection is closed after the client timeout");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    // A connection that never says anything.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    assert!(until_closed(&mut idle).await.is_some(), "an idle connection is closed");
    // A body that stops halfway.
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=")
        .await
        .unwrap();
    let answer = until_closed(&mut stream).await.expect("a stalled body is cut off");
    assert!(answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 400"), "{answer}");
    // A normal request on the same server still works.
    assert_eq!(reqwest::get(app.url("/healthz")).await.unwrap().status(), 200);
}

crate::both_backends!(with ["--client-timeout-seconds", "1"]; slow_clients_are_cut_off);

fn refusal(args: &[&str]) -> String {
    let mut all = vec!["gatehouse", "serve"];
    all.extend(args);
    match server::config::Cli::try_parse_from(all) {
        Err(e) => e.to_string(),
        Ok(cli) => cli.settings.resolve().err().map(|e| e.to_string()).unwrap_or_default(),
    }
}

#[test]
fn dangerous_settings_are_refused_with_a_clear_line() {
    use base64::Engine;
    let text_key = base64::engine::general_purpose::STANDARD.encode(b"my-very-secret-master-key-012345");
    let zero_key = base64::engine::general_purpose::STANDARD.encode([0u8; 32]);
    let cases: [(&[&str], &str); 6] = [
        (&["--public-url", "http://gatehouse.example.com"], "plain http for another machine"),
        (&["--tls-cert", "/tmp/cert.pem"], "--tls-cert and --tls-key"),
        (&["--tls-cert", "/tmp/c.pem", "--tls-key", "/tmp/k.pem", "--public-url", "http://localhost:3000"], "must start with https://"),
        (&["--master-key", &text_key], "not random: it is text"),
        (&["--master-key", &zero_key], "not random"),
        (&["--public-url", "http://10.0.0.5:3000"], "not an IP address"),
    ];
    for (args, message) in cases {
        let got = refusal(args);
        assert!(got.contains(message), "{args:?}: {got}");
    }
    assert_eq!(refusal(&["--public-url", "http://localhost:3000"]), "", "http is fine for this machine");
    assert_eq!(refusal(&["--public-url", "https://gatehouse.example.com"]), "");
}

#[test]
fn a_master_key_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(domain::crypto::MasterKey::generate().to_base64().as_bytes()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let data_dir = dir.path().display().to_string();
    let config = server::config::Cli::try_parse_from(["gatehouse", "serve", "--data-dir", &data_dir]).unwrap().settings.resolve().unwrap();
    let err = server::master_key::load_or_generate(&config).err().expect("refused").to_string();
    assert!(err.contains("chmod 600") && err.contains("mode 644"), "{err}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(server::master_key::load_or_generate(&config).is_ok());
}

#[test]
fn unusable_tls_files_are_named_without_their_content() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nc2VjcmV0LWlzaA==\n-----END CERTIFICATE-----\n").unwrap();
    let files = server::tls::TlsFiles { cert: cert.clone(), key: dir.path().join("missing.pem") };
    let err = server::tls::server_config(&files).err().expect("refused").0;
    assert!(err.contains("--tls-key") && err.contains("missing.pem"), "{err}");
    assert!(!err.contains("c2VjcmV0"), "{err}");
}
