//! Operator commands: serve, migrate, admin bootstrap / invite / unlock.

use std::process::ExitCode;

use clap::Parser;
use domain::accounts::{Email, InvitationKind, Role};
use domain::audit::RequestMeta;

use crate::config::{AdminCommand, AuditCommand, Cli, Command, Config, KeysCommand};
use crate::{StartError, build_router, jobs, open_state, open_store, serve, signup_link, telemetry};

/// Parses arguments; a bad setting stops with one line that names it.
pub async fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            eprintln!("gatehouse: {}", rendered.lines().next().unwrap_or("invalid arguments").trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    let config = match cli.settings.resolve() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gatehouse: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let result = match cli.command {
        Command::Serve => run_serve(&config).await,
        Command::Migrate => open_store(&config).await.map(|_| println!("migrations applied")),
        Command::Admin(cmd) => run_admin(&config, cmd).await,
        Command::Keys(cmd) => run_keys(&config, cmd).await,
        Command::Audit(AuditCommand::Verify) => return run_audit_verify(&config).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gatehouse: {e}");
            ExitCode::FAILURE
        }
    }
}

fn operator() -> RequestMeta {
    RequestMeta { method: Some("CLI".into()), route: Some("gatehouse admin".into()), ..Default::default() }
}

async fn run_serve(config: &Config) -> Result<(), StartError> {
    let listener = tokio::net::TcpListener::bind(config.listen).await.map_err(|e| {
        StartError::Config(crate::config::ConfigError(format!("--listen / GATEHOUSE_LISTEN {}: {e}", config.listen)))
    })?;
    let addr = listener.local_addr().map_err(|e| StartError::Config(crate::config::ConfigError(e.to_string())))?;
    // With an ephemeral port (`--listen …:0`) and no public URL, the default names the port actually bound.
    let mut config = config.clone();
    if config.public_origin == "http://localhost:0" {
        config.public_origin = format!("http://localhost:{}", addr.port());
        config.oauth_policy.issuer = config.public_origin.clone();
    }
    let config = &config;
    let state = open_state(config).await?;
    if state.accounts.user_count().await? == 0 {
        let secret = state
            .accounts
            .create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &operator())
            .await?;
        // Printed to stdout for the operator only; never logged.
        println!("No accounts yet. Create the first admin account within 1 hour at:\n\n    {}\n", signup_link(config, &secret));
    }
    // The first signing key is made now, not at the first token request.
    state.oauth.keys().jwks(domain::clock::now_ms()).await?;
    let tls = config.tls.as_ref().map(crate::tls::server_config).transpose()?;
    let transport = if tls.is_some() { " over https (TLS 1.2/1.3)" } else { " over plain http (expects a TLS-terminating proxy in front)" };
    println!("Gatehouse listening on {addr}{transport}; public URL {}", config.public_origin);
    tracing::info!(%addr, "listening");
    let store = state.accounts.store().clone();
    let jobs = jobs::start(store.clone(), state.tokens.clone(), state.oauth.clone(), state.webhooks.clone(), state.policy.clone(), state.limits.clone(), state.leader.clone(), config);
    let router = build_router(state, config);
    let client_timeout = std::time::Duration::from_secs(config.client_timeout_seconds as u64);
    serve(listener, router, tls, client_timeout, shutdown_signal()).await.map_err(|e| StartError::Config(crate::config::ConfigError(e.to_string())))?;
    jobs.stop().await;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn run_admin(config: &Config, cmd: AdminCommand) -> Result<(), StartError> {
    let state = open_state(config).await?;
    match cmd {
        AdminCommand::Bootstrap => {
            let secret = state.accounts.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &operator()).await?;
            println!("{}", signup_link(config, &secret));
            eprintln!("One-time link: creates an admin account, valid for 1 hour.");
        }
        AdminCommand::Invite { email, role } => {
            let email = Email::parse(&email)?;
            let role = Role::parse(&role)?;
            let secret = state.accounts.create_invitation(InvitationKind::Invite, Some(email), role, &operator()).await?;
            println!("{}", signup_link(config, &secret));
            eprintln!("One-time invitation link ({}), valid for 7 days.", role.as_str());
        }
        AdminCommand::CreateToken { email, name, scopes, days } => {
            let user = state.accounts.user_by_email(&Email::parse(&email)?).await?;
            let new = domain::tokens::NewToken {
                name,
                note: Some("created with gatehouse admin create-token".into()),
                scopes: domain::scopes::ScopeSet::parse(&scopes)?,
                expiry: domain::tokens::Expiry::Days(days),
                allowlist: Default::default(),
            };
            let (info, token) = state.tokens.create(&user, new, &operator()).await?;
            println!("{}", token.expose());
            eprintln!("Token {} ({}), shown once; it cannot be retrieved again.", info.id, info.scopes.join(" "));
        }
        AdminCommand::Unlock { email } => {
            let email = Email::parse(&email)?;
            let user = state.accounts.user_by_email(&email).await?;
            state.accounts.unlock(&user.id, &operator()).await?;
            println!("unlocked");
        }
    }
    state.accounts.store().close().await;
    Ok(())
}

/// Exit 0 when the chain holds, 1 when it is broken (with the first broken record), 2 on errors.
async fn run_audit_verify(config: &Config) -> ExitCode {
    let report = async {
        let store = open_store(config).await?;
        let mut conn = store.pool().acquire().await.map_err(|e| StartError::Domain(e.into()))?;
        let report = domain::audit::verify_chain(&mut conn).await?;
        drop(conn);
        store.close().await;
        Ok::<_, StartError>(report)
    };
    match report.await {
        Ok(r) => match r.broken {
            None => {
                println!("audit trail intact: {} chained records ({} from before the chain)", r.checked, r.unchained);
                ExitCode::SUCCESS
            }
            Some(b) => {
                println!("audit trail BROKEN at record #{}: {} ({} records before it verified)", b.seq, b.why, r.checked);
                ExitCode::from(1)
            }
        },
        Err(e) => {
            eprintln!("gatehouse: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run_keys(config: &Config, cmd: KeysCommand) -> Result<(), StartError> {
    let state = open_state(config).await?;
    let now = domain::clock::now_ms();
    let keys = state.oauth.keys();
    match cmd {
        KeysCommand::Rotate => {
            let policy = state.oauth.policy();
            let kid = keys.rotate(now, policy.key_publish_ahead, policy.access_token_lifetime, &operator()).await?;
            println!("{kid}");
            eprintln!("New signing key published; it signs from {} on.", domain::clock::format_utc(now + policy.key_publish_ahead));
        }
        KeysCommand::List => {
            for k in keys.jwks(now).await? {
                println!("{} {} {}", k.kid, k.alg, k.crv);
            }
        }
    }
    state.accounts.store().close().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}
