//! Counting in this process's memory: one keyed GCRA limiter from `governor` per (group, subject
//! kind). Counts are lost on restart and not shared between replicas.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::{NoOpMiddleware, StateInformationMiddleware};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::RateLimiter;

use super::{Decision, Group, LimitTable, Quota, Subject, SubjectKind};

type Keyed = RateLimiter<Subject, DefaultKeyedStateStore<Subject>, DefaultClock, StateInformationMiddleware>;

pub struct InProcess {
    clock: DefaultClock,
    limiters: HashMap<(Group, SubjectKind), (Quota, Keyed)>,
}

impl InProcess {
    pub fn new(table: &LimitTable) -> InProcess {
        let clock = DefaultClock::default();
        let limiters = table
            .entries()
            .map(|(group, kind, quota)| {
                let limiter: Keyed = RateLimiter::<_, _, _, NoOpMiddleware<_>>::new(
                    gcra(quota),
                    DefaultKeyedStateStore::default(),
                    clock.clone(),
                )
                .with_middleware::<StateInformationMiddleware>();
                ((group, kind), (quota, limiter))
            })
            .collect();
        InProcess { clock, limiters }
    }

    fn count(&self, group: Group, subject: &Subject, now_epoch: Duration) -> Option<Decision> {
        let (quota, limiter) = self.limiters.get(&(group, subject.kind()))?;
        let limit = quota.limit.get();
        let interval = quota.interval();
        Some(match limiter.check_key(subject) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                Decision { limit, remaining, reset_at: seconds_up(now_epoch + interval * (limit - remaining)), retry_after: None }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let full = wait + interval * (limit - 1);
                Decision { limit, remaining: 0, reset_at: seconds_up(now_epoch + full), retry_after: Some(seconds_up(wait).max(1)) }
            }
        })
    }
}

/// GCRA with one request back every `period / limit` and bursts of `limit`.
fn gcra(quota: Quota) -> governor::Quota {
    governor::Quota::with_period(quota.interval())
        .unwrap_or_else(|| governor::Quota::per_second(quota.limit))
        .allow_burst(quota.limit)
}

fn seconds_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl InProcess {
    /// Counts one request against every subject with a quota in `group` (the limiters exist only
    /// for those); the tightest outcome, or `None` when no subject has a quota there.
    pub fn count_now(&self, group: Group, subjects: &[Subject]) -> Option<Decision> {
        let now_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        subjects.iter().filter_map(|subject| self.count(group, subject, now_epoch)).reduce(Decision::tighter)
    }

    /// Forgets subjects whose quota is full again, so memory follows the active set.
    pub fn prune(&self) {
        for (_, limiter) in self.limiters.values() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;
    use crate::rate_limit::{RateLimits, Rule};

    fn limits(rules: &[&str]) -> RateLimits {
        let rules: Vec<Rule> = rules.iter().map(|r| r.parse().unwrap()).collect();
        RateLimits::in_process(LimitTable::new(&rules))
    }

    #[tokio::test]
    async fn a_subject_gets_its_quota_then_waits() {
        let limits = limits(&["api.token=3/m"]);
        let token = || [Subject::Token("t1".into())];
        let first = limits.check(Group::Api, token()).await.unwrap().unwrap();
        assert_eq!((first.limit, first.remaining, first.retry_after), (3, 2, None));
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert!(first.reset_at > now && first.reset_at <= now + 21, "one request comes back in 20 s");
        limits.check(Group::Api, token()).await.unwrap();
        let third = limits.check(Group::Api, token()).await.unwrap().unwrap();
        assert_eq!((third.remaining, third.retry_after), (0, None));
        let refused = limits.check(Group::Api, token()).await.unwrap().unwrap();
        assert_eq!(refused.remaining, 0);
        let wait = refused.retry_after.expect("refused");
        assert!((1..=20).contains(&wait), "{wait}");
        // Another token, and the same token in another group, are counted apart.
        assert!(limits.check(Group::Api, [Subject::Token("t2".into())]).await.unwrap().unwrap().allowed());
        assert!(limits.check(Group::Introspection, [Subject::Client("t1".into())]).await.unwrap().unwrap().allowed());
    }

    #[tokio::test]
    async fn the_tightest_subject_is_reported_and_subjects_without_a_quota_are_not_counted() {
        let limits = limits(&["api.token=100/m", "api.user=2/m", "api.ip=off"]);
        let ip = Subject::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let subjects = || [Subject::Token("t".into()), Subject::User("u".into()), ip.clone()];
        let d = limits.check(Group::Api, subjects()).await.unwrap().unwrap();
        assert_eq!((d.limit, d.remaining), (2, 1));
        limits.check(Group::Api, subjects()).await.unwrap();
        assert!(!limits.check(Group::Api, subjects()).await.unwrap().unwrap().allowed());
        assert_eq!(limits.check(Group::Api, [ip]).await.unwrap(), None);
        limits.prune();
    }
}
