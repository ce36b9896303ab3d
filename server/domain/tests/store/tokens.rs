use domain::Error;
use domain::accounts::Role;
use domain::clock::{DAY, now_ms};
use domain::scopes::ScopeSet;
use domain::store::Store;
use domain::tokens::allowlist::Allowlist;
use domain::policy::InstancePolicy;
use domain::tokens::{Expiry, NewToken, TokenStatus};

use crate::support::{accounts, admin, count, meta, tokens_with};

fn new_token(name: &str, scopes: &str, expiry: Expiry) -> NewToken {
    NewToken {
        name: name.into(),
        note: Some("for CI".into()),
        scopes: ScopeSet::parse(scopes).unwrap(),
        expiry,
        allowlist: Allowlist::parse("10.0.0.0/8").unwrap(),
    }
}

async fn a_token_is_returned_once_and_only_its_digest_is_stored(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let user = admin(&acc, "ada@example.com").await;
    let tokens = tokens_with(store.clone(), InstancePolicy::default());
    let (info, token) = tokens.create(&user, new_token("ci", "tokens:read user", Expiry::Days(30)), &meta()).await.unwrap();
    assert!(token.expose().starts_with("gat_"));
    assert_eq!(info.hint, token.hint());
    assert_eq!(info.scopes, vec!["tokens:read", "user"]);
    assert_eq!(info.allowlist, vec!["10.0.0.0/8"]);
    let expires = info.expires_at.unwrap();
    assert!((expires - now_ms() - 30 * DAY).abs() < 60_000);
    let (stored,): (String,) = sqlx::query_as("SELECT digest FROM personal_tokens").fetch_one(store.pool()).await.unwrap();
    assert_eq!(stored, domain::crypto::sha256_hex(token.expose().as_bytes()));
    let all: Vec<(String,)> = sqlx::query_as(
        "SELECT id || name || COALESCE(note, '') || scopes || digest || hint || COALESCE(allowlist, '') FROM personal_tokens",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(!all[0].0.contains(token.expose()), "no plaintext token in the database");
    let audit: Vec<(String,)> = sqlx::query_as("SELECT COALESCE(detail, '') || COALESCE(target, '') FROM audit_events")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(audit.iter().all(|(t,)| !t.contains(token.expose())));
    let listed = tokens.list(&user.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, TokenStatus::Active);
}

async fn names_are_unique_among_active_tokens_only(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let user = admin(&acc, "ada@example.com").await;
    let tokens = tokens_with(store.clone(), InstancePolicy::default());
    let (first, _) = tokens.create(&user, new_token("deploy", "user", Expiry::Days(7)), &meta()).await.unwrap();
    let dup = tokens.create(&user, new_token("deploy", "user", Expiry::Days(7)), &meta()).await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
    tokens.revoke(&user.id, &first.id, &meta()).await.unwrap();
    tokens.create(&user, new_token("deploy", "user", Expiry::Days(7)), &meta()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM personal_tokens").await, 2);
}

async fn scopes_and_lifetimes_beyond_the_rules_are_refused(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let link = acc.create_invitation(domain::accounts::InvitationKind::Invite, None, Role::Developer, &meta()).await.unwrap();
    let dev = acc
        .sign_up(
            domain::accounts::SignUp { invitation: Some(link), email: "dev@example.com".into(), display_name: "Dev".into(), password: crate::support::PASSWORD.into() },
            &meta(),
        )
        .await
        .unwrap();
    let tokens = tokens_with(store.clone(), InstancePolicy::default());
    assert!(matches!(tokens.create(&dev, new_token("a", "audit:read", Expiry::Days(7)), &meta()).await, Err(Error::Forbidden(_))));
    assert!(matches!(tokens.create(&dev, new_token("a", "user", Expiry::Never), &meta()).await, Err(Error::Invalid(_))));
    assert!(matches!(tokens.create(&dev, new_token("a", "user", Expiry::Days(12)), &meta()).await, Err(Error::Invalid(_))));
    let too_far = Expiry::At(now_ms() + 400 * DAY);
    assert!(matches!(tokens.create(&dev, new_token("a", "user", too_far), &meta()).await, Err(Error::Invalid(_))));
    assert!(matches!(tokens.create(&dev, new_token("a", "user", Expiry::At(now_ms() - 1)), &meta()).await, Err(Error::Invalid(_))));
    assert!(matches!(tokens.create(&dev, new_token(" ", "user", Expiry::Days(7)), &meta()).await, Err(Error::Invalid(_))));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM personal_tokens").await, 0);
    let open = tokens_with(store.clone(), InstancePolicy { allow_no_expiry: true, ..InstancePolicy::default() });
    let (info, _) = open.create(&dev, new_token("forever", "user", Expiry::Never), &meta()).await.unwrap();
    assert_eq!(info.expires_at, None);
}

async fn another_users_token_is_not_found(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let ada = admin(&acc, "ada@example.com").await;
    let eve = admin(&acc, "eve@example.com").await;
    let tokens = tokens_with(store.clone(), InstancePolicy::default());
    let (info, _) = tokens.create(&ada, new_token("ci", "user", Expiry::Days(7)), &meta()).await.unwrap();
    assert!(matches!(tokens.get(&eve.id, &info.id).await, Err(Error::NotFound)));
    assert!(matches!(tokens.revoke(&eve.id, &info.id, &meta()).await, Err(Error::NotFound)));
    assert!(matches!(tokens.regenerate(&eve, &info.id, &meta()).await, Err(Error::NotFound)));
    assert_eq!(tokens.get(&ada.id, &info.id).await.unwrap().status, TokenStatus::Active);
}

async fn regenerating_revokes_the_old_token_and_keeps_the_settings(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let ada = admin(&acc, "ada@example.com").await;
    let tokens = tokens_with(store.clone(), InstancePolicy::default());
    let (old, old_token) = tokens.create(&ada, new_token("ci", "tokens user:email", Expiry::Days(60)), &meta()).await.unwrap();
    let (new, new_token) = tokens.regenerate(&ada, &old.id, &meta()).await.unwrap();
    assert_ne!(old_token, new_token);
    assert_eq!((new.name.as_str(), &new.scopes, &new.allowlist, &new.note), ("ci", &old.scopes, &old.allowlist, &old.note));
    assert!((new.expires_at.unwrap() - new.created_at - 60 * DAY).abs() < 1000);
    assert!(matches!(tokens.get(&ada.id, &old.id).await.unwrap().status, TokenStatus::Revoked { .. }));
    assert!(matches!(tokens.regenerate(&ada, &old.id, &meta()).await, Err(Error::NotFound)), "a revoked token cannot be regenerated");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM personal_tokens WHERE status = 'active'").await, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'token.regenerated'").await, 1);
}

crate::both_backends!(
    a_token_is_returned_once_and_only_its_digest_is_stored,
    names_are_unique_among_active_tokens_only,
    scopes_and_lifetimes_beyond_the_rules_are_refused,
    another_users_token_is_not_found,
    regenerating_revokes_the_old_token_and_keeps_the_settings,
);

mod verification {
    use super::*;
    use domain::tokens::{Refusal, VerifyError};

    fn refused(r: Result<domain::tokens::Principal, VerifyError>) -> Refusal {
        match r {
            Err(VerifyError::Refused(why)) => why,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    async fn a_valid_token_verifies_and_every_bad_one_is_refused(store: Store) {
        let acc = accounts(store.clone(), InstancePolicy::default());
        let ada = admin(&acc, "ada@example.com").await;
        let tokens = tokens_with(store.clone(), InstancePolicy::default());
        let inside: std::net::IpAddr = "10.1.2.3".parse().unwrap();
        let outside: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        let (info, token) = tokens.create(&ada, new_token("ci", "tokens:read", Expiry::Days(7)), &meta()).await.unwrap();
        let now = now_ms();
        let p = tokens.verify(token.expose(), inside, now).await.unwrap();
        assert_eq!((p.user_id.as_str(), p.personal_token_id().unwrap()), (ada.id.as_str(), info.id.as_str()));
        assert!(p.scopes.grants(domain::scopes::Scope::parse("tokens:read").unwrap()));
        assert_eq!(refused(tokens.verify(token.expose(), outside, now).await), Refusal::AddressNotAllowed);
        assert_eq!(refused(tokens.verify("gat_nope", inside, now).await), Refusal::Malformed);
        let unknown = domain::tokens::format::generate(&domain::tokens::format::Prefix::personal());
        assert_eq!(refused(tokens.verify(unknown.expose(), inside, now).await), Refusal::Invalid);
        assert_eq!(refused(tokens.verify(token.expose(), inside, now + 8 * DAY).await), Refusal::Invalid, "expired");
        // Revoking evicts the cached entry at once.
        tokens.revoke(&ada.id, &info.id, &meta()).await.unwrap();
        assert_eq!(refused(tokens.verify(token.expose(), inside, now).await), Refusal::Invalid);
    }

    async fn a_disabled_owners_token_is_refused(store: Store) {
        let acc = accounts(store.clone(), InstancePolicy::default());
        let ada = admin(&acc, "ada@example.com").await;
        let tokens = tokens_with(store.clone(), InstancePolicy::default());
        let (_, token) = tokens.create(&ada, new_token("ci", "user", Expiry::Days(7)), &meta()).await.unwrap();
        sqlx::query("UPDATE users SET status = 'disabled'").execute(store.pool()).await.unwrap();
        let ip = "10.0.0.1".parse().unwrap();
        assert_eq!(refused(tokens.verify(token.expose(), ip, now_ms()).await), Refusal::Invalid);
    }

    crate::both_backends!(a_valid_token_verifies_and_every_bad_one_is_refused, a_disabled_owners_token_is_refused);
}
