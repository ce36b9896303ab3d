//! The rate-limit counter chosen for each store: in the process on SQLite; on PostgreSQL in the
//! database for the groups replicas share (sign-in here), in the process for the API. Both count
//! the same way.

use domain::rate_limit::{Group, LimitTable, RateLimits, Rule, Subject};
use domain::store::{Backend, Store};

fn limits(store: &Store) -> RateLimits {
    let rules: Vec<Rule> = ["sign_in.user=3/m", "sign_in.ip=100/m", "api.token=3/m"].iter().map(|r| r.parse().unwrap()).collect();
    RateLimits::for_store(LimitTable::new(&rules), store)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

async fn a_quota_is_spent_then_waits_and_the_tightest_subject_is_reported(store: Store) {
    let limits = limits(&store);
    let ip = || Subject::Ip(std::net::IpAddr::from([192, 0, 2, 1]));
    let subjects = || [Subject::User("u1".into()), ip()];
    for remaining in [2, 1, 0] {
        let d = limits.check(Group::SignIn, subjects()).await.unwrap().unwrap();
        assert_eq!((d.limit, d.remaining, d.retry_after), (3, remaining, None));
        assert!(d.reset_at >= now() && d.reset_at <= now() + 61, "{d:?}");
    }
    let refused = limits.check(Group::SignIn, subjects()).await.unwrap().unwrap();
    assert_eq!((refused.limit, refused.remaining), (3, 0));
    let wait = refused.retry_after.expect("the fourth is refused");
    assert!((1..=20).contains(&wait), "one request comes back every 20 s: {wait}");
    // Another account from the same address is counted apart (the address has room).
    let other = limits.check(Group::SignIn, [Subject::User("u2".into()), ip()]).await.unwrap().unwrap();
    assert_eq!((other.limit, other.remaining), (3, 2));
    limits.prune();
    let replica = self::limits(&store);
    let spent = !replica.check(Group::SignIn, [Subject::User("u1".into())]).await.unwrap().unwrap().allowed();
    // A second replica's counter sees the spent sign-in quota on PostgreSQL; on SQLite there is one process.
    assert_eq!(spent, store.backend() == Backend::Postgres);
    // API counts stay in each process.
    for _ in 0..3 {
        limits.check(Group::Api, [Subject::Token("t1".into())]).await.unwrap();
    }
    assert!(!limits.check(Group::Api, [Subject::Token("t1".into())]).await.unwrap().unwrap().allowed());
    assert!(replica.check(Group::Api, [Subject::Token("t1".into())]).await.unwrap().unwrap().allowed());
}

crate::both_backends!(a_quota_is_spent_then_waits_and_the_tightest_subject_is_reported);
