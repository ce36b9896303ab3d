//! The token verifier on the request path (DESIGN.md §4): a malformed token (no I/O), a valid token
//! found in the in-process cache, and a valid token looked up in SQLite (cache miss), each with
//! 1,000 and 1,000,000 stored tokens. The baseline in the same run is SHA-256 of a token alone.
//! Run with `cargo bench -p domain --bench verifier`; results go to BENCHMARKS.md.

use std::net::IpAddr;
use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use domain::accounts::{Accounts, InvitationKind, PasswordHasher, Role, SignUp};
use domain::policy::{InstancePolicy, LivePolicy};
use domain::audit::RequestMeta;
use domain::clock::now_ms;
use domain::crypto::{MasterKey, sha256_hex};
use domain::scopes::ScopeSet;
use domain::store::Store;
use domain::store::testing::{TestDatabase, seed_tokens};
use domain::tokens::format::Prefix;
use domain::tokens::{Expiry, NewToken, Tokens};

struct Fixture {
    store: Store,
    tokens: Tokens,
    token: String,
    _db: TestDatabase,
}

async fn fixture(stored: i64) -> Fixture {
    let db = TestDatabase::new(domain::store::Backend::Sqlite).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let accounts = Accounts::new(
        store.clone(),
        PasswordHasher::new((1024, 2, 1), 2).expect("hasher"),
        Arc::new(MasterKey::generate()),
        LivePolicy::new(InstancePolicy::default()),
        Arc::new(domain::accounts::relying_party("http://localhost:3000").expect("rp")),
    );
    let meta = RequestMeta::default();
    let link = accounts.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta).await.expect("link");
    let form = SignUp { invitation: Some(link), email: "bench@example.com".into(), display_name: "Bench".into(), password: "correct horse battery staple".into() };
    let user = accounts.sign_up(form, &meta).await.expect("sign up");
    seed_tokens(&store, &user.id, stored - 1).await.expect("seed");
    let tokens = Tokens::new(store.clone(), Prefix::personal(), LivePolicy::new(InstancePolicy::default()));
    let new = NewToken { name: "bench".into(), note: None, scopes: ScopeSet::parse("user").expect("scope"), expiry: Expiry::Days(30), allowlist: Default::default() };
    let (_, token) = tokens.create(&user, new, &meta).await.expect("token");
    Fixture { store, tokens, token: token.expose().to_owned(), _db: db }
}

fn verifier(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let ip: IpAddr = "192.0.2.1".parse().expect("ip");
    let mut group = c.benchmark_group("verifier");
    for stored in [1_000_i64, 1_000_000] {
        let f = rt.block_on(fixture(stored));
        let last = if f.token.ends_with('x') { 'y' } else { 'x' };
        let malformed = format!("{}{last}", &f.token[..f.token.len() - 1]);
        group.bench_with_input(BenchmarkId::new("baseline_sha256_only", stored), &f.token, |b, t| {
            b.iter(|| sha256_hex(t.as_bytes()))
        });
        group.bench_with_input(BenchmarkId::new("malformed_checksum", stored), &malformed, |b, t| {
            b.to_async(&rt).iter(|| async { f.tokens.verify(t, ip, now_ms()).await.is_err() })
        });
        group.bench_with_input(BenchmarkId::new("valid_cached", stored), &f.token, |b, t| {
            b.to_async(&rt).iter(|| async { f.tokens.verify(t, ip, now_ms()).await.is_ok() })
        });
        group.bench_with_input(BenchmarkId::new("valid_database_lookup", stored), &f.token, |b, t| {
            // A new service per call has an empty cache, so every call asks SQLite.
            b.to_async(&rt).iter(|| async {
                let cold = Tokens::new(f.store.clone(), Prefix::personal(), LivePolicy::new(InstancePolicy::default()));
                cold.verify(t, ip, now_ms()).await.is_ok()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, verifier);
criterion_main!(benches);
