//! The admin area on both backends: the runtime policy, managing users, the credentials inventory
//! with bulk revocation, and the notices these changes leave in inboxes.

use std::sync::Arc;

use domain::Error;
use domain::accounts::{Accounts, InvitationKind, PasswordStep, Role, SignUp, User, UserStatus};
use domain::admin::{Admin, AdminActor, CredentialStatus, Reviewer, Sort, SortField, TokenFilter};
use domain::clock::{DAY, now_ms};
use domain::crypto::MasterKey;
use domain::notifications::{self, NoticeKind};
use domain::oauth::{OAuth, OAuthPolicy};
use domain::policy::{InstancePolicy, LivePolicy, PolicySettings};
use domain::scopes::{Scope, ScopeSet};
use domain::store::Store;
use domain::store::sessions::{self, SessionRow};
use domain::tokens::{Expiry, NewToken, TokenStatus, Tokens};
use domain::tokens::format::Prefix;

use crate::support::{PASSWORD, admin, count, meta};

struct World {
    accounts: Accounts,
    tokens: Tokens,
    admin: Admin,
    policy: LivePolicy,
    ada: User,
}

async fn world(store: &Store) -> World {
    let policy = LivePolicy::new(InstancePolicy::default());
    let accounts = Accounts::new(
        store.clone(),
        domain::accounts::PasswordHasher::new((1024, 2, 1), 2).unwrap(),
        Arc::new(MasterKey::generate()),
        policy.clone(),
        Arc::new(domain::accounts::relying_party("http://localhost:3000").unwrap()),
    );
    let tokens = Tokens::new(store.clone(), Prefix::personal(), policy.clone());
    let oauth = OAuth::new(store.clone(), Arc::new(MasterKey::generate()), OAuthPolicy::new("http://localhost:3000"), policy.clone());
    let ada = admin(&accounts, "ada@example.com").await;
    World { admin: Admin::new(store.clone(), tokens.clone(), oauth), accounts, tokens, policy, ada }
}

async fn member(acc: &Accounts, email: &str, role: Role) -> User {
    let link = acc.create_invitation(InvitationKind::Invite, None, role, &meta()).await.unwrap();
    let form = SignUp { invitation: Some(link), email: email.into(), display_name: email.split('@').next().unwrap().into(), password: PASSWORD.into() };
    acc.sign_up(form, &meta()).await.unwrap()
}

fn token(name: &str, scopes: &str, expiry: Expiry) -> NewToken {
    NewToken { name: name.into(), note: None, scopes: ScopeSet::parse(scopes).unwrap(), expiry, allowlist: Default::default() }
}

async fn inbox(store: &Store, user: &User) -> Vec<(NoticeKind, String)> {
    let mut conn = store.pool().acquire().await.unwrap();
    notifications::inbox(&mut conn, &user.id, 100).await.unwrap().into_iter().map(|n| (n.kind, n.message)).collect()
}

async fn a_saved_policy_applies_at_once_survives_a_restart_and_is_audited(store: Store) {
    let w = world(&store).await;
    let bob = member(&w.accounts, "bob@example.com", Role::Developer).await;
    let narrow = PolicySettings { developer_scopes: "user:read tokens:read".into(), max_lifetime_days: 30, ..InstancePolicy::default().settings() };
    w.policy.save(&store, &AdminActor::check(&w.ada).unwrap(), &narrow, &meta()).await.unwrap();
    let refused = w.tokens.create(&bob, token("ci", "tokens", Expiry::Days(7)), &meta()).await.unwrap_err();
    assert!(matches!(refused, Error::Forbidden(_)), "{refused}");
    let later = Expiry::At(now_ms() + 60 * DAY);
    assert!(w.tokens.create(&bob, token("ci", "tokens:read", later), &meta()).await.is_err(), "30 days at most now");
    w.tokens.create(&bob, token("ci", "tokens:read", Expiry::Days(7)), &meta()).await.unwrap();
    let fresh = LivePolicy::new(InstancePolicy::default());
    fresh.reload(&store).await.unwrap();
    assert_eq!(fresh.current().settings(), w.policy.current().settings());
    let (detail,): (String,) = sqlx::query_as("SELECT detail FROM audit_events WHERE event_type = 'policy.changed'").fetch_one(store.pool()).await.unwrap();
    assert_eq!(detail, "max_lifetime_days developer_scopes");
    let bad = PolicySettings { developer_scopes: "admin".into(), ..narrow };
    assert!(matches!(w.policy.save(&store, &AdminActor::check(&w.ada).unwrap(), &bad, &meta()).await, Err(Error::Invalid(_))));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'policy.changed'").await, 1);
}

async fn a_narrowed_policy_takes_scopes_away_from_existing_tokens(store: Store) {
    let w = world(&store).await;
    let bob = member(&w.accounts, "bob@example.com", Role::Developer).await;
    let (_, t) = w.tokens.create(&bob, token("ci", "tokens user", Expiry::Days(7)), &meta()).await.unwrap();
    let ip = "127.0.0.1".parse().unwrap();
    assert!(w.tokens.verify(t.expose(), ip, now_ms()).await.unwrap().scopes.grants(Scope::TOKENS));
    let narrow = PolicySettings { developer_scopes: "user:read".into(), ..InstancePolicy::default().settings() };
    w.policy.save(&store, &AdminActor::check(&w.ada).unwrap(), &narrow, &meta()).await.unwrap();
    w.tokens.forget_verified();
    let p = w.tokens.verify(t.expose(), ip, now_ms()).await.unwrap();
    assert_eq!(p.scopes.to_text(), "user:read");
}

async fn the_last_admin_can_be_neither_demoted_nor_disabled(store: Store) {
    let w = world(&store).await;
    let me = AdminActor::check(&w.ada).unwrap();
    assert!(matches!(w.admin.set_role(&me, &w.ada.id, Role::Developer, &meta()).await, Err(Error::Conflict(_))));
    let eve = member(&w.accounts, "eve@example.com", Role::Admin).await;
    let eve_actor = AdminActor::check(&eve).unwrap();
    assert!(matches!(w.admin.disable(&eve_actor, &w.ada.id, &meta()).await, Ok(())));
    // Ada is disabled: Eve is now the last active admin.
    assert!(matches!(w.admin.set_role(&me, &eve.id, Role::Auditor, &meta()).await, Err(Error::Conflict(_))));
    assert!(matches!(w.admin.disable(&eve_actor, &eve.id, &meta()).await, Err(Error::Conflict(_))));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'").await, 1);
}

async fn disabling_ends_sessions_tokens_and_grants_in_one_go(store: Store) {
    let w = world(&store).await;
    let me = AdminActor::check(&w.ada).unwrap();
    let bob = member(&w.accounts, "bob@example.com", Role::Developer).await;
    let (_, t) = w.tokens.create(&bob, token("ci", "user", Expiry::Days(7)), &meta()).await.unwrap();
    w.tokens.create(&bob, token("deploy", "tokens", Expiry::Days(7)), &meta()).await.unwrap();
    let mut conn = store.pool().acquire().await.unwrap();
    let now = now_ms();
    let session = SessionRow { id_hash: "h1".into(), user_id: Some(bob.id.clone()), data: "{}".into(), ip: None, user_agent: None, created_at: now, last_seen_at: now, expires_at: now + DAY };
    sessions::insert(&mut conn, &session).await.unwrap();
    drop(conn);
    let ip = "127.0.0.1".parse().unwrap();
    w.tokens.verify(t.expose(), ip, now).await.unwrap();
    w.admin.disable(&me, &bob.id, &meta()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM personal_tokens WHERE status = 'active'").await, 0);
    assert!(w.tokens.verify(t.expose(), ip, now_ms()).await.is_err(), "the cached token is refused at once");
    assert_eq!(w.accounts.user(&bob.id).await.unwrap().status, UserStatus::Disabled);
    let (detail,): (String,) = sqlx::query_as("SELECT detail FROM audit_events WHERE event_type = 'user.disabled'").fetch_one(store.pool()).await.unwrap();
    assert_eq!(detail, "1 sessions, 2 tokens, 0 grants ended");
    assert!(w.accounts.sign_in_password("bob@example.com", PASSWORD, &meta()).await.is_err());
    w.admin.enable(&me, &bob.id, &meta()).await.unwrap();
    assert!(w.accounts.sign_in_password("bob@example.com", PASSWORD, &meta()).await.is_ok());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM personal_tokens WHERE status = 'active'").await, 0, "what was ended stays ended");
}

async fn a_demotion_revokes_tokens_beyond_the_new_role_and_tells_the_user(store: Store) {
    let w = world(&store).await;
    let me = AdminActor::check(&w.ada).unwrap();
    let cat = member(&w.accounts, "cat@example.com", Role::Auditor).await;
    w.tokens.create(&cat, token("audit", "audit:read", Expiry::Days(7)), &meta()).await.unwrap();
    w.tokens.create(&cat, token("me", "user:read", Expiry::Days(7)), &meta()).await.unwrap();
    w.admin.set_role(&me, &cat.id, Role::Developer, &meta()).await.unwrap();
    let active: Vec<(String,)> = sqlx::query_as("SELECT name FROM personal_tokens WHERE status = 'active'").fetch_all(store.pool()).await.unwrap();
    assert_eq!(active, vec![("me".to_owned(),)]);
    assert_eq!(w.accounts.user(&cat.id).await.unwrap().role, Role::Developer);
    let notes = inbox(&store, &cat).await;
    assert!(notes.iter().any(|(k, m)| *k == NoticeKind::AccountChanged && m.contains("from auditor to developer")), "{notes:?}");
}

async fn reset_mfa_makes_the_next_sign_in_enrol_again(store: Store) {
    let w = world(&store).await;
    let me = AdminActor::check(&w.ada).unwrap();
    let bob = member(&w.accounts, "bob@example.com", Role::Developer).await;
    let mut conn = store.pool().acquire().await.unwrap();
    domain::store::accounts::upsert_pending_totp(&mut conn, &bob.id, "sealed", now_ms()).await.unwrap();
    sqlx::query("UPDATE totp_credentials SET status = 'active'").execute(&mut *conn).await.unwrap();
    drop(conn);
    assert!(matches!(w.accounts.sign_in_password("bob@example.com", PASSWORD, &meta()).await.unwrap(), PasswordStep::SecondFactor { .. }));
    w.admin.reset_mfa(&me, &bob.id, &meta()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM totp_credentials").await, 0);
    assert!(matches!(w.accounts.sign_in_password("bob@example.com", PASSWORD, &meta()).await.unwrap(), PasswordStep::MustEnrol(_)));
    assert!(inbox(&store, &bob).await.iter().any(|(k, _)| *k == NoticeKind::SecurityChanged));
    let entry = w.admin.user_entry(&Reviewer::check(&w.ada).unwrap(), &bob.id).await.unwrap();
    assert!(entry.must_enrol && !entry.has_totp);
}

async fn the_user_list_searches_and_pages(store: Store) {
    let w = world(&store).await;
    for i in 0..5 {
        member(&w.accounts, &format!("dev{i}@example.com"), Role::Developer).await;
    }
    member(&w.accounts, "under_score@example.com", Role::Auditor).await;
    let me = Reviewer::check(&w.ada).unwrap();
    let page = w.admin.users(&me, "DEV", 2, 2).await.unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.users.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(), ["dev2@example.com", "dev3@example.com"]);
    // `_` is a literal, not a LIKE wildcard.
    assert_eq!(w.admin.users(&me, "r_s", 10, 0).await.unwrap().total, 1);
    assert_eq!(w.admin.users(&me, "", 100, 0).await.unwrap().total, 7);
    assert!(w.admin.users(&me, "", 101, 0).await.is_err());
}

async fn the_inventory_finds_unused_tokens_and_a_bulk_revocation_needs_the_shown_count(store: Store) {
    let w = world(&store).await;
    let me = AdminActor::check(&w.ada).unwrap();
    let reviewer = Reviewer::check(&w.ada).unwrap();
    let bob = member(&w.accounts, "bob@example.com", Role::Developer).await;
    let (old, _) = w.tokens.create(&bob, token("old", "user", Expiry::Days(90)), &meta()).await.unwrap();
    let (old2, _) = w.tokens.create(&bob, token("old2", "tokens", Expiry::Days(90)), &meta()).await.unwrap();
    w.tokens.create(&bob, token("fresh", "user", Expiry::Days(7)), &meta()).await.unwrap();
    w.tokens.create(&w.ada, token("root", "admin", Expiry::Days(30)), &meta()).await.unwrap();
    let long_ago = now_ms() - 91 * DAY;
    sqlx::query("UPDATE personal_tokens SET created_at = $1, last_used_at = $1 WHERE id = $2 OR id = $3")
        .bind(long_ago)
        .bind(&old.id)
        .bind(&old2.id)
        .execute(store.pool())
        .await
        .unwrap();
    let unused = TokenFilter { unused_days: Some(90), ..Default::default() };
    let page = w.admin.tokens(&reviewer, &unused, Sort { field: SortField::Name, descending: false }, 10, 0).await.unwrap();
    assert_eq!(page.items.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["old", "old2"]);
    let admin_scoped = TokenFilter { scope: Some(Scope::ADMIN), ..Default::default() };
    assert_eq!(w.admin.tokens(&reviewer, &admin_scoped, Sort::default(), 10, 0).await.unwrap().total, 1);
    let by_owner = TokenFilter { owner: Some("BOB".into()), ..Default::default() };
    let sorted = w.admin.tokens(&reviewer, &by_owner, Sort { field: SortField::Expires, descending: false }, 2, 0).await.unwrap();
    assert_eq!((sorted.total, sorted.items[0].name.as_str()), (3, "fresh"), "ends first");

    assert_eq!(w.admin.count_active_tokens(&me, &unused).await.unwrap(), 2);
    let stale = w.admin.revoke_tokens_matching(&me, &unused, 1, "unused for 90 days", &meta()).await.unwrap_err();
    assert!(matches!(stale, Error::Conflict(_)), "{stale}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM personal_tokens WHERE status = 'active'").await, 4, "nothing revoked");
    assert_eq!(w.admin.revoke_tokens_matching(&me, &unused, 2, "unused for 90 days", &meta()).await.unwrap(), 2);
    assert!(matches!(w.tokens.get(&bob.id, &old.id).await.unwrap().status, TokenStatus::Revoked { reason, .. } if reason == "unused for 90 days"));
    let ended = TokenFilter { status: Some(CredentialStatus::Ended), ..Default::default() };
    assert_eq!(w.admin.tokens(&reviewer, &ended, Sort::default(), 10, 0).await.unwrap().total, 2);
    let notes = inbox(&store, &bob).await;
    assert_eq!(notes.iter().filter(|(k, m)| *k == NoticeKind::TokenEnded && m.contains("revoked by an admin")).count(), 2, "{notes:?}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'token.revoked'").await, 2);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'credentials.bulk_revoked'").await, 1);
}

async fn admins_hear_of_admin_tokens_and_owners_of_tokens_ending_soon(store: Store) {
    let w = world(&store).await;
    let eve = member(&w.accounts, "eve@example.com", Role::Admin).await;
    w.tokens.create(&w.ada, token("root", "admin", Expiry::Days(7)), &meta()).await.unwrap();
    for who in [&w.ada, &eve] {
        assert!(inbox(&store, who).await.iter().any(|(k, m)| *k == NoticeKind::AdminTokenCreated && m.contains("“root”")));
    }
    w.tokens.sweep_expired(now_ms()).await.unwrap();
    w.tokens.sweep_expired(now_ms()).await.unwrap();
    let expiring: Vec<_> = inbox(&store, &w.ada).await.into_iter().filter(|(k, _)| *k == NoticeKind::TokenExpiring).collect();
    assert_eq!(expiring.len(), 1, "warned once: {expiring:?}");
    w.tokens.sweep_expired(now_ms() + 8 * DAY).await.unwrap();
    assert!(inbox(&store, &w.ada).await.iter().any(|(k, m)| *k == NoticeKind::TokenEnded && m.contains("expired")));
}

async fn a_sign_in_from_a_new_browser_is_reported_but_the_first_one_is_not(store: Store) {
    let w = world(&store).await;
    assert!(w.accounts.note_browser(&w.ada.id, "browser-one", "Chrome 120 on Linux").await.unwrap());
    assert!(inbox(&store, &w.ada).await.is_empty());
    assert!(!w.accounts.note_browser(&w.ada.id, "browser-one", "Chrome 120 on Linux").await.unwrap());
    assert!(w.accounts.note_browser(&w.ada.id, "browser-two", "Firefox 130 on Windows").await.unwrap());
    let notes = inbox(&store, &w.ada).await;
    assert_eq!(notes.len(), 1);
    assert!(notes[0].1.contains("Firefox 130 on Windows"));
    let mut conn = store.pool().acquire().await.unwrap();
    assert_eq!(notifications::unread_count(&mut conn, &w.ada.id).await.unwrap(), 1);
    notifications::mark_read(&mut conn, &w.ada.id, None).await.unwrap();
    assert_eq!(notifications::unread_count(&mut conn, &w.ada.id).await.unwrap(), 0);
    let stored: (String,) = sqlx::query_as("SELECT digest FROM known_browsers LIMIT 1").fetch_one(&mut *conn).await.unwrap();
    assert_eq!(stored.0.len(), 64, "only a digest of the browser's secret is kept");
}

crate::both_backends!(
    a_saved_policy_applies_at_once_survives_a_restart_and_is_audited,
    a_narrowed_policy_takes_scopes_away_from_existing_tokens,
    the_last_admin_can_be_neither_demoted_nor_disabled,
    disabling_ends_sessions_tokens_and_grants_in_one_go,
    a_demotion_revokes_tokens_beyond_the_new_role_and_tells_the_user,
    reset_mfa_makes_the_next_sign_in_enrol_again,
    the_user_list_searches_and_pages,
    the_inventory_finds_unused_tokens_and_a_bulk_revocation_needs_the_shown_count,
    admins_hear_of_admin_tokens_and_owners_of_tokens_ending_soon,
    a_sign_in_from_a_new_browser_is_reported_but_the_first_one_is_not,
);
