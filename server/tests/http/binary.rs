//! The `gatehouse` binary as an operator runs it: defaults, one-line configuration errors,
//! operator commands and graceful shutdown.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_gatehouse");

fn gatehouse(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir).env_remove("GATEHOUSE_DATABASE_URL").env_remove("GATEHOUSE_DATA_DIR").env("RUST_LOG", "warn");
    c
}

/// `gatehouse serve` on an ephemeral port, with its stdout lines to read.
fn spawn_serve(dir: &std::path::Path) -> (std::process::Child, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut child = gatehouse(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    (child, lines)
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    for (args, env, names) in [
        (vec!["serve", "--listen", "nowhere"], None, "--listen"),
        (vec!["serve"], Some(("GATEHOUSE_PUBLIC_URL", "ftp://x")), "GATEHOUSE_PUBLIC_URL"),
        (vec!["serve"], Some(("GATEHOUSE_DATABASE_URL", "mysql://x")), "GATEHOUSE_DATABASE_URL"),
        (vec!["serve", "--session-idle-minutes", "0"], None, "--session-idle-minutes"),
    ] {
        let mut cmd = gatehouse(dir.path());
        cmd.args(&args);
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(names), "{err}");
    }
}

#[test]
fn serve_with_defaults_creates_the_data_dir_prints_the_first_admin_link_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, mut lines) = spawn_serve(dir.path());
    let (mut link, mut addr) = (None, None);
    while let Some(Ok(line)) = lines.next() {
        if line.contains("/signup?invite=") {
            link = Some(line.trim().to_owned());
        }
        if let Some(rest) = line.strip_prefix("Gatehouse listening on ") {
            addr = rest.split_whitespace().next().map(|a| a.trim_end_matches(';').to_owned());
            break;
        }
    }
    let link = link.expect("a first-admin link");
    let secret = link.split("invite=").nth(1).unwrap();
    assert!(secret.len() >= 43, "at least 256 bits, base64url: {link}");
    let data = dir.path().join("data");
    assert!(data.join("gatehouse.db").is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(data.join("master.key")).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let addr = addr.expect("a listening line");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let res = reqwest::get(format!("http://{addr}/readyz")).await.unwrap();
        assert_eq!(res.status(), 200);
    });
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "clean exit on SIGTERM: {status}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn operator_commands_migrate_bootstrap_and_invite() {
    let dir = tempfile::tempdir().unwrap();
    let out = gatehouse(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = gatehouse(dir.path()).args(["admin", "bootstrap", "--public-url", "https://gate.example.com"]).output().unwrap();
    let link = String::from_utf8(out.stdout).unwrap();
    assert!(link.starts_with("https://gate.example.com/signup?invite="), "{link}");
    let out = gatehouse(dir.path()).args(["admin", "invite", "dev@example.com", "--role", "auditor"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("dev@example.com"), "the address is not echoed: {stderr}");
    let out = gatehouse(dir.path()).args(["admin", "invite", "not-an-email"]).output().unwrap();
    assert!(!out.status.success());
    let out = gatehouse(dir.path()).args(["admin", "unlock", "nobody@example.com"]).output().unwrap();
    assert!(!out.status.success());
}

/// A running server (with `extra` options) whose first admin, Ops, signed up through the sign-up
/// form, and a token minted for Ops from the CLI.
struct Operated {
    child: std::process::Child,
    addr: String,
    token: String,
}

fn serve_with_an_operator_token(dir: &std::path::Path, extra: &[&str]) -> Operated {
    let link = String::from_utf8(gatehouse(dir).args(["admin", "bootstrap"]).output().unwrap().stdout).unwrap();
    let secret = link.trim().split("invite=").nth(1).unwrap().to_owned();
    let mut child = gatehouse(dir).args(["serve", "--listen", "127.0.0.1:0"]).args(extra).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.strip_prefix("Gatehouse listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    let port = addr.rsplit(':').next().unwrap().to_owned();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let res = reqwest::Client::new()
            .post(format!("http://{addr}/rpc/sign_up"))
            .header("origin", format!("http://localhost:{port}"))
            .form(&[("invitation", secret.as_str()), ("email", "ops@example.com"), ("display_name", "Ops"),
                    ("password", crate::support::PASSWORD), ("password_confirm", crate::support::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    });
    let out = gatehouse(dir)
        .args(["admin", "create-token", "ops@example.com", "--name", "deploy", "--scopes", "user:read", "--days", "7"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("gat_") && token.len() == 40, "{token}");
    assert!(!String::from_utf8(out.stderr).unwrap().contains(&token));
    Operated { child, addr, token }
}

#[test]
fn an_operator_token_calls_the_api_and_is_shown_only_once() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Operated { mut child, addr, token } = serve_with_an_operator_token(dir.path(), &[]);
    rt.block_on(async {
        let res = reqwest::Client::new().get(format!("http://{addr}/api/v1/user")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["name"], "Ops");
    });
    // Same name again, or a scope beyond the account's role, is refused.
    let out = gatehouse(dir.path())
        .args(["admin", "create-token", "ops@example.com", "--name", "deploy", "--scopes", "user:read"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let _ = child.wait();
}

#[test]
fn keys_rotate_publishes_a_second_key_and_list_shows_both() {
    let dir = tempfile::tempdir().unwrap();
    let first = gatehouse(dir.path()).args(["keys", "list"]).output().unwrap();
    assert!(first.status.success());
    let first = String::from_utf8(first.stdout).unwrap();
    assert_eq!(first.lines().count(), 1, "a key exists from the first start: {first}");
    assert!(first.contains("EdDSA Ed25519"));
    let out = gatehouse(dir.path()).args(["keys", "rotate"]).output().unwrap();
    assert!(out.status.success());
    let kid = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert!(String::from_utf8(out.stderr).unwrap().contains("signs from"));
    let listed = String::from_utf8(gatehouse(dir.path()).args(["keys", "list"]).output().unwrap().stdout).unwrap();
    assert_eq!(listed.lines().count(), 2);
    assert!(listed.contains(&kid));
    // Nothing of a private key is ever printed.
    assert!(!listed.contains("PRIVATE") && !listed.contains("\"d\""));
}

#[test]
fn audit_verify_passes_on_an_untouched_trail_and_names_an_edited_record() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..3 {
        assert!(gatehouse(dir.path()).args(["admin", "bootstrap"]).output().unwrap().status.success());
    }
    let out = gatehouse(dir.path()).args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout).unwrap().contains("intact: 3 chained records"));

    let db = dir.path().join("data").join("gatehouse.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query("UPDATE audit_events SET ip = '203.0.113.66' WHERE seq = 2").execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    });
    let out = gatehouse(dir.path()).args(["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("BROKEN at record #2: the record was changed"), "{text}");
}

/// A rolling restart: SIGTERM stops taking connections, lets a request that is half sent finish,
/// writes the activity still buffered, then exits cleanly.
#[test]
fn sigterm_finishes_the_request_in_flight_and_writes_the_buffered_activity() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    // The flush job waits a minute, so only the shutdown can write these calls.
    let Operated { mut child, addr, token } = serve_with_an_operator_token(dir.path(), &["--activity-flush-ms", "60000"]);
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        for _ in 0..3 {
            let res = reqwest::Client::new().get(format!("http://{addr}/api/v1/user")).bearer_auth(&token).send().await.unwrap();
            assert_eq!(res.status(), 200);
        }
    });
    // A leak report whose body is half sent when the signal comes.
    let body = r#"["gat_not_a_real_token_just_text"]"#;
    let (first, rest) = body.split_at(10);
    let mut conn = std::net::TcpStream::connect(&addr).unwrap();
    let head = format!("POST /api/v1/token-leaks HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "still running while a request is in flight");
    assert!(std::net::TcpStream::connect(&addr).is_err(), "no new connections after SIGTERM");
    conn.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "did not stop after the last request");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "clean exit: {status}");
    let db = dir.path().join("data").join("gatehouse.db");
    let calls: i64 = tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.unwrap();
        sqlx::query_scalar("SELECT COALESCE(SUM(calls), 0) FROM token_activity").fetch_one(&mut conn).await.unwrap()
    });
    assert_eq!(calls, 3, "the three calls were written on the way out");
}
