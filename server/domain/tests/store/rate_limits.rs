//! The rate-limit counter chosen for each store: in the process on SQLite, in the database on
//! PostgreSQL (shared by replicas). Both count the same way.

use domain::rate_limit::{Group, LimitTable, RateLimits, Rule, Subject};
use domain::store::{Backend, Store};

fn limits(store: &Store) -> RateLimits {
    let rules: Vec<Rule> = ["api.token=3/m", "api.user=100/m"].iter().map(|r| r.parse().unwrap()).collect();
    RateLimits::for_store(LimitTable::new(&rules), store)
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

async fn a_quota_is_spent_then_waits_and_the_tightest_subject_is_reported(store: Store) {
    let limits = limits(&store);
    let subjects = || [Subject::Token("t1".into()), Subject::User("u1".into())];
    for remaining in [2, 1, 0] {
        let d = limits.check(Group::Api, subjects()).await.unwrap().unwrap();
        assert_eq!((d.limit, d.remaining, d.retry_after), (3, remaining, None));
        assert!(d.reset_at >= now() && d.reset_at <= now() + 61, "{d:?}");
    }
    let refused = limits.check(Group::Api, subjects()).await.unwrap().unwrap();
    assert_eq!((refused.limit, refused.remaining), (3, 0));
    let wait = refused.retry_after.expect("the fourth is refused");
    assert!((1..=20).contains(&wait), "one request comes back every 20 s: {wait}");
    // Another token of the same user is counted apart (the user has room).
    let other = limits.check(Group::Api, [Subject::Token("t2".into()), Subject::User("u1".into())]).await.unwrap().unwrap();
    assert_eq!((other.limit, other.remaining), (3, 2));
    limits.prune();
    if store.backend() == Backend::Postgres {
        // A second replica's counter on the same database sees the spent quota.
        let replica = self::limits(&store);
        assert!(!replica.check(Group::Api, [Subject::Token("t1".into())]).await.unwrap().unwrap().allowed());
        assert!(replica.check(Group::Api, [Subject::Token("t3".into())]).await.unwrap().unwrap().allowed());
    }
}

crate::both_backends!(a_quota_is_spent_then_waits_and_the_tightest_subject_is_reported);
