//! Runs a test body once per backend, each on its own fresh database.

use std::sync::Arc;

use domain::accounts::{Accounts, InvitationKind, PasswordHasher, Role, SignUp, User};
use domain::policy::{InstancePolicy, LivePolicy};
use domain::tokens::Tokens;
use domain::tokens::format::Prefix;
use domain::audit::RequestMeta;
use domain::crypto::MasterKey;
use domain::store::Store;

pub use domain::store::Backend;
pub use domain::store::testing::TestDatabase;

/// `both_backends!(fn_name, …)`: a `#[tokio::test]` per backend for each `async fn fn_name(Store)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { $crate::support::run(super::$name, $crate::support::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { $crate::support::run(super::$name, $crate::support::Backend::Postgres).await })*
        }
    };
}

pub async fn run<F, Fut>(body: F, backend: Backend)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = TestDatabase::new(backend).await;
    let store = Store::connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    body(store.clone()).await;
    store.close().await;
    db.cleanup().await;
}

/// A cheap hasher: the same algorithm, lower cost, so tests stay fast.
pub fn accounts(store: Store, policy: InstancePolicy) -> Accounts {
    Accounts::new(
        store,
        PasswordHasher::new((1024, 2, 1), 2).unwrap(),
        Arc::new(MasterKey::generate()),
        LivePolicy::new(policy),
        Arc::new(domain::accounts::relying_party("http://localhost:3000").unwrap()),
    )
}

/// The tokens service with the default `gat_` prefix under `policy`.
pub fn tokens_with(store: Store, policy: InstancePolicy) -> Tokens {
    Tokens::new(store, Prefix::personal(), LivePolicy::new(policy))
}

pub fn meta() -> RequestMeta {
    RequestMeta { ip: Some("192.0.2.7".into()), user_agent: Some("tests".into()), method: Some("POST".into()), route: Some("/test".into()), credential: None }
}

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn admin(accounts: &Accounts, email: &str) -> User {
    let link = accounts.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta()).await.unwrap();
    accounts
        .sign_up(
            SignUp { invitation: Some(link), email: email.into(), display_name: "Ada".into(), password: PASSWORD.into() },
            &meta(),
        )
        .await
        .unwrap()
}

pub async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(store.pool()).await.unwrap();
    n
}
