//! Benchmark set-up (used by `scripts/bench.sh`): opens the database the given `gatehouse serve`
//! options name (SQLite data directory, or `--database-url` for PostgreSQL) and creates an admin
//! account, `count - 1` placeholder tokens and one real token with scope `user`, a confidential
//! OAuth client allowed client credentials with `user:read`, and a signed-in browser session.
//! Prints `PAT=…`, `CLIENT_ID=…`, `CLIENT_SECRET=…` and `SESSION=…` (the session cookie's value),
//! one per line, for the script to read; they are throw-away credentials of a throw-away database.
//! Usage: `seed_tokens <count> [gatehouse serve options]`.

use std::sync::Arc;

use clap::Parser;
use domain::accounts::{InvitationKind, Role, SignUp};
use domain::audit::RequestMeta;
use domain::clock::now_ms;
use domain::oauth::{ClientInput, ClientKind, Owner};
use domain::scopes::ScopeSet;
use domain::tokens::{Expiry, NewToken};
use server::config::Cli;
use server::session_store::DbSessionStore;
use tower_sessions::Session;
use tower_sessions::cookie::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (count, options) = match args.as_slice() {
        [_, count, options @ ..] => (count.parse::<i64>()?, options),
        _ => return Err("usage: seed_tokens <count> [gatehouse serve options]".into()),
    };
    let cli = ["gatehouse", "serve"].into_iter().map(str::to_owned).chain(options.iter().cloned());
    let config = Cli::try_parse_from(cli)?.settings.resolve()?;
    let state = server::open_state(&config).await?;
    let meta = RequestMeta::default();
    let link = state.accounts.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta).await?;
    let form = SignUp { invitation: Some(link), email: "bench@example.com".into(), display_name: "Bench".into(), password: "correct horse battery staple".into() };
    let user = state.accounts.sign_up(form, &meta).await?;
    domain::store::testing::seed_tokens(state.accounts.store(), &user.id, count - 1).await?;
    let new = NewToken { name: "bench".into(), note: None, scopes: ScopeSet::parse("user")?, expiry: Expiry::Days(30), allowlist: Default::default() };
    let (_, token) = state.tokens.create(&user, new, &meta).await?;

    let input = ClientInput {
        name: "bench service".into(),
        grant_types: vec!["client_credentials".into()],
        scopes: "user:read".into(),
        redirects: vec![("http://localhost:8080/callback".into(), None)],
    };
    let (client, secret) = state.oauth.register(Owner { id: &user.id, role: user.role }, ClientKind::Confidential, input, &meta).await?;
    let secret = secret.ok_or("a confidential client gets a secret")?;

    // The session a browser holds after signing in, saved through the portal's own session store.
    let sessions = Arc::new(DbSessionStore::new(state.accounts.store().clone()));
    let session = Session::new(None, sessions, Some(tower_sessions::Expiry::OnInactivity(Duration::hours(1))));
    let now = now_ms();
    session.insert(app::ssr::keys::USER_ID, &user.id).await?;
    session.insert(app::ssr::keys::CREATED_AT, now).await?;
    session.insert(app::ssr::keys::AUTH_AT, now).await?;
    session.save().await?;
    let session_id = session.id().ok_or("the saved session has an id")?;

    println!("PAT={}", token.expose());
    println!("CLIENT_ID={}", client.id);
    println!("CLIENT_SECRET={}", secret.expose());
    println!("SESSION={session_id}");
    state.accounts.store().close().await;
    Ok(())
}
