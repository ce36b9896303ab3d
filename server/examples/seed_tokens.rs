//! Benchmark set-up (used by `scripts/bench.sh`): in a data directory, creates an admin account,
//! `count - 1` placeholder tokens and one real token with scope `user`, and prints the real token.
//! Usage: `seed_tokens <data-dir> <count>`.

use clap::Parser;
use domain::accounts::{InvitationKind, Role, SignUp};
use domain::audit::RequestMeta;
use domain::scopes::ScopeSet;
use domain::tokens::{Expiry, NewToken};
use server::config::Cli;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, count) = match args.as_slice() {
        [_, dir, count] => (dir.clone(), count.parse::<i64>()?),
        _ => return Err("usage: seed_tokens <data-dir> <count>".into()),
    };
    let config = Cli::try_parse_from(["gatehouse", "serve", "--data-dir", &dir])?.settings.resolve()?;
    let state = server::open_state(&config).await?;
    let meta = RequestMeta::default();
    let link = state.accounts.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta).await?;
    let form = SignUp { invitation: Some(link), email: "bench@example.com".into(), display_name: "Bench".into(), password: "correct horse battery staple".into() };
    let user = state.accounts.sign_up(form, &meta).await?;
    domain::store::testing::seed_tokens(state.accounts.store(), &user.id, count - 1).await?;
    let new = NewToken { name: "bench".into(), note: None, scopes: ScopeSet::parse("user")?, expiry: Expiry::Days(30), allowlist: Default::default() };
    let (_, token) = state.tokens.create(&user, new, &meta).await?;
    println!("{}", token.expose());
    state.accounts.store().close().await;
    Ok(())
}
