//! What tokens did (activity), how they end (expiry, inactivity) and leak reports.

use domain::accounts::User;
use domain::clock::{DAY, now_ms};
use domain::scopes::ScopeSet;
use domain::store::Store;
use domain::tokens::allowlist::Allowlist;
use domain::tokens::format::Token;
use domain::policy::InstancePolicy;
use domain::tokens::{ActivityRecord, Expiry, NewToken, TokenInfo, TokenStatus, Tokens, UpcomingEnd};

use crate::support::{accounts, admin, count, meta, tokens_with};

async fn setup(store: &Store, policy: InstancePolicy, expiry: Expiry) -> (Tokens, User, TokenInfo, Token) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let user = admin(&acc, "ada@example.com").await;
    let tokens = tokens_with(store.clone(), policy);
    let new = NewToken { name: "ci".into(), note: None, scopes: ScopeSet::parse("user tokens").unwrap(), expiry, allowlist: Allowlist::default() };
    let (info, token) = tokens.create(&user, new, &meta()).await.unwrap();
    (tokens, user, info, token)
}

fn call(token_id: &str, at: i64, route: &str, scopes: Option<&str>) -> ActivityRecord {
    ActivityRecord {
        token_id: token_id.into(),
        at,
        method: "GET".into(),
        route: route.into(),
        status: 200,
        ip: Some("192.0.2.9".into()),
        user_agent: Some("curl/8".into()),
        scopes: scopes.map(str::to_owned),
        calls: 1,
    }
}

async fn activity_is_buffered_then_flushed_in_one_batch(store: Store) {
    let (tokens, user, info, _) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    let now = now_ms();
    tokens.record_activity(call(&info.id, now - 2 * DAY, "/api/v1/user", Some("user:read")));
    tokens.record_activity(call(&info.id, now - 1000, "/api/v1/tokens", Some("tokens:read")));
    tokens.record_activity(call(&info.id, now, "/api/v1/user", Some("user:read user:email")));
    // Nothing reaches the database before the flush.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM token_activity").await, 0);
    assert_eq!(tokens.activity_buffer().stats().pending, 3);
    assert_eq!(tokens.flush_activity().await.unwrap(), 3);
    assert_eq!(tokens.flush_activity().await.unwrap(), 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM token_activity").await, 3);
    let stats = tokens.activity_buffer().stats();
    assert_eq!((stats.pending, stats.flushed, stats.dropped), (0, 3, 0));

    let listed = tokens.get(&user.id, &info.id).await.unwrap();
    assert_eq!(listed.last_used_at, Some(now));
    assert_eq!(listed.last_used_ip.as_deref(), Some("192.0.2.9"));
    assert_eq!(listed.last_used_ua.as_deref(), Some("curl/8"));

    // Newest first, two per page, the cursor leads to the rest.
    let first = tokens.activity(&user.id, &info.id, None, 2).await.unwrap();
    assert_eq!(first.records.iter().map(|r| r.at).collect::<Vec<_>>(), vec![now, now - 1000]);
    let second = tokens.activity(&user.id, &info.id, first.next.as_deref(), 2).await.unwrap();
    assert_eq!(second.records.iter().map(|r| r.at).collect::<Vec<_>>(), vec![now - 2 * DAY]);
    assert_eq!(second.next, None);
    assert!(matches!(tokens.activity(&user.id, &info.id, Some("nonsense"), 2).await, Err(domain::Error::Invalid(_))));

    let days = tokens.calls_per_day(&user.id, &info.id, now).await.unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), 3);
    assert_eq!(days.last().unwrap().0, now / DAY * DAY);
    assert_eq!(tokens.scopes_used(&user.id, &info.id).await.unwrap(), vec!["tokens:read", "user:email", "user:read"]);
}

async fn another_users_activity_is_not_found(store: Store) {
    let (tokens, _, info, _) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    let acc = accounts(store.clone(), InstancePolicy::default());
    let eve = admin(&acc, "eve@example.com").await;
    assert!(matches!(tokens.activity(&eve.id, &info.id, None, 10).await, Err(domain::Error::NotFound)));
    assert!(matches!(tokens.calls_per_day(&eve.id, &info.id, now_ms()).await, Err(domain::Error::NotFound)));
}

async fn identical_calls_share_a_row_and_records_of_vanished_tokens_are_skipped(store: Store) {
    let (tokens, user, info, _) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    let now = now_ms() / 1000 * 1000 + 500;
    for i in 0..250 {
        tokens.record_activity(call(&info.id, now - i, "/api/v1/user", Some("user:read")));
    }
    tokens.record_activity(call("0190a0b8-0000-7000-8000-000000000000", now, "/api/v1/user", None));
    tokens.record_activity(call(&info.id, now, "/api/v1/tokens", None));
    assert_eq!(tokens.flush_activity().await.unwrap(), 252);
    // 250 identical calls share a row that counts them; the other route has its own.
    assert_eq!(count(&store, "SELECT COUNT(*) FROM token_activity").await, 2);
    assert_eq!(count(&store, "SELECT CAST(SUM(calls) AS BIGINT) FROM token_activity").await, 251);
    let page = tokens.activity(&user.id, &info.id, None, 10).await.unwrap();
    assert_eq!(page.records.iter().map(|r| r.calls).sum::<u64>(), 251);
    assert!(page.records.iter().all(|r| r.at == now), "a shared row is dated by its latest call");
    let days = tokens.calls_per_day(&user.id, &info.id, now).await.unwrap();
    assert_eq!(days.iter().map(|d| d.1).sum::<u64>(), 251);
    assert_eq!(tokens.get(&user.id, &info.id).await.unwrap().last_used_at, Some(now));
}

async fn a_large_batch_of_different_calls_is_written_whole(store: Store) {
    let (tokens, _, info, _) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    let now = now_ms();
    for i in 0..345 {
        tokens.record_activity(call(&info.id, now - i, &format!("/api/v1/tokens/{i}"), None));
    }
    assert_eq!(tokens.flush_activity().await.unwrap(), 345);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM token_activity").await, 345);
}

async fn ended_tokens_stay_listed_for_ninety_days(store: Store) {
    let (tokens, user, info, _) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    tokens.revoke(&user.id, &info.id, &meta()).await.unwrap();
    assert_eq!(tokens.list(&user.id).await.unwrap().len(), 1, "a fresh revocation stays listed");
    sqlx::query("UPDATE personal_tokens SET status_at = $1").bind(now_ms() - 91 * DAY).execute(store.pool()).await.unwrap();
    assert!(tokens.list(&user.id).await.unwrap().is_empty(), "gone from the list after 90 days");
}

async fn last_used_never_moves_back(store: Store) {
    let (tokens, user, info, _) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    let now = now_ms();
    tokens.record_activity(call(&info.id, now, "/api/v1/user", None));
    tokens.flush_activity().await.unwrap();
    tokens.record_activity(call(&info.id, now - 5000, "/api/v1/user", None));
    tokens.flush_activity().await.unwrap();
    assert_eq!(tokens.get(&user.id, &info.id).await.unwrap().last_used_at, Some(now));
}

async fn tokens_past_their_date_expire_once_even_when_two_sweeps_race(store: Store) {
    let (tokens, user, info, token) = setup(&store, InstancePolicy::default(), Expiry::Days(7)).await;
    let now = now_ms();
    assert_eq!(tokens.sweep_expired(now + 6 * DAY).await.unwrap().expired, 0);
    let later = now + 7 * DAY + 1000;
    let (a, b) = tokio::join!(tokens.sweep_expired(later), tokens.sweep_expired(later));
    assert_eq!(a.unwrap().expired + b.unwrap().expired, 1);
    assert!(matches!(tokens.get(&user.id, &info.id).await.unwrap().status, TokenStatus::Expired { .. }));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'token.expired'").await, 1);
    assert_eq!(tokens.sweep_expired(later).await.unwrap().expired, 0, "idempotent");
    let ip = "192.0.2.1".parse().unwrap();
    assert!(tokens.verify(token.expose(), ip, now).await.is_err(), "an expired token no longer verifies");
}

async fn unused_tokens_expire_for_inactivity(store: Store) {
    let policy = InstancePolicy { inactivity_days: 10, ..InstancePolicy::default() };
    let (tokens, user, info, _) = setup(&store, policy, Expiry::Days(90)).await;
    let new = NewToken { name: "used".into(), note: None, scopes: ScopeSet::parse("user").unwrap(), expiry: Expiry::Days(90), allowlist: Allowlist::default() };
    let (used, _) = tokens.create(&user, new, &meta()).await.unwrap();
    let now = now_ms();
    tokens.record_activity(call(&used.id, now + 8 * DAY, "/api/v1/user", None));
    tokens.flush_activity().await.unwrap();
    let report = tokens.sweep_expired(now + 11 * DAY).await.unwrap();
    assert_eq!((report.expired, report.expired_inactive), (0, 1));
    match tokens.get(&user.id, &info.id).await.unwrap().status {
        TokenStatus::ExpiredInactive { at } => assert_eq!(at, now + 11 * DAY),
        other => panic!("{other:?}"),
    }
    assert_eq!(tokens.get(&user.id, &used.id).await.unwrap().status, TokenStatus::Active);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'token.expired_inactive'").await, 1);
}

async fn inactivity_zero_turns_the_rule_off(store: Store) {
    let policy = InstancePolicy { inactivity_days: 0, ..InstancePolicy::default() };
    let (tokens, user, info, _) = setup(&store, policy, Expiry::Days(90)).await;
    let report = tokens.sweep_expired(now_ms() + 89 * DAY).await.unwrap();
    assert_eq!((report.expired, report.expired_inactive), (0, 0));
    assert_eq!(tokens.get(&user.id, &info.id).await.unwrap().status, TokenStatus::Active);
}

async fn owners_are_warned_a_week_ahead(store: Store) {
    let policy = InstancePolicy { inactivity_days: 20, ..InstancePolicy::default() };
    let (tokens, user, info, _) = setup(&store, policy, Expiry::Days(30)).await;
    let t = tokens.get(&user.id, &info.id).await.unwrap();
    let now = t.created_at;
    assert_eq!(tokens.upcoming_end(&t, now), None);
    assert_eq!(tokens.upcoming_end(&t, now + 13 * DAY), Some(UpcomingEnd::Inactivity(now + 20 * DAY)));
    let plain = tokens_with(store.clone(), InstancePolicy::default());
    assert_eq!(plain.upcoming_end(&t, now + 22 * DAY), None);
    assert_eq!(plain.upcoming_end(&t, now + 23 * DAY), Some(UpcomingEnd::Expires(t.expires_at.unwrap())));
}

async fn old_activity_is_removed_by_the_sweep(store: Store) {
    let (tokens, _, info, _) = setup(&store, InstancePolicy { inactivity_days: 0, ..InstancePolicy::default() }, Expiry::Days(90)).await;
    let now = now_ms();
    tokens.record_activity(call(&info.id, now - 91 * DAY, "/api/v1/user", None));
    tokens.record_activity(call(&info.id, now - DAY, "/api/v1/user", None));
    tokens.flush_activity().await.unwrap();
    assert_eq!(tokens.sweep_expired(now).await.unwrap().activity_removed, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM token_activity").await, 1);
}

async fn a_leak_report_revokes_active_tokens_only(store: Store) {
    let (tokens, user, info, token) = setup(&store, InstancePolicy::default(), Expiry::Days(30)).await;
    let ip = "192.0.2.1".parse().unwrap();
    let now = now_ms();
    tokens.verify(token.expose(), ip, now).await.unwrap();
    let unknown = domain::tokens::format::generate(&domain::tokens::format::Prefix::personal());
    let report = vec!["hello".to_owned(), format!("  {}  ", token.expose()), unknown.expose().to_owned(), token.expose().to_owned()];
    assert_eq!(tokens.report_leaks(&report, &meta(), now).await.unwrap(), 1);
    match tokens.get(&user.id, &info.id).await.unwrap().status {
        TokenStatus::Revoked { reason, .. } => assert_eq!(reason, domain::tokens::LEAKED_REASON),
        other => panic!("{other:?}"),
    }
    assert!(tokens.verify(token.expose(), ip, now).await.is_err(), "the cached entry is evicted");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'token.leak_revoked'").await, 1);
    assert_eq!(tokens.report_leaks(&report, &meta(), now).await.unwrap(), 0);
    let too_many = vec!["x".to_owned(); 1001];
    assert!(matches!(tokens.report_leaks(&too_many, &meta(), now).await, Err(domain::Error::Invalid(_))));
}

crate::both_backends!(
    activity_is_buffered_then_flushed_in_one_batch,
    another_users_activity_is_not_found,
    identical_calls_share_a_row_and_records_of_vanished_tokens_are_skipped,
    a_large_batch_of_different_calls_is_written_whole,
    last_used_never_moves_back,
    ended_tokens_stay_listed_for_ninety_days,
    tokens_past_their_date_expire_once_even_when_two_sweeps_race,
    unused_tokens_expire_for_inactivity,
    inactivity_zero_turns_the_rule_off,
    owners_are_warned_a_week_ahead,
    old_activity_is_removed_by_the_sweep,
    a_leak_report_revokes_active_tokens_only,
);
