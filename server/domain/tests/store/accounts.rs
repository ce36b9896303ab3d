use domain::Error;
use domain::accounts::{InvitationKind, PasswordStep, Role, SignUp};
use domain::policy::InstancePolicy;
use domain::store::Store;

use crate::support::{PASSWORD, accounts, admin, count, meta};

fn form(link: Option<String>, email: &str, password: &str) -> SignUp {
    SignUp { invitation: link, email: email.into(), display_name: "Ada".into(), password: password.into() }
}

async fn a_bootstrap_link_makes_one_admin_and_is_then_spent(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let link = acc.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta()).await.unwrap();
    let user = acc.sign_up(form(Some(link.clone()), "Ada@Example.com", PASSWORD), &meta()).await.unwrap();
    assert_eq!(user.role, Role::Admin);
    assert_eq!(user.email, "ada@example.com");
    let again = acc.sign_up(form(Some(link), "bob@example.com", PASSWORD), &meta()).await;
    assert!(matches!(again, Err(Error::Invalid(_))), "{again:?}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'user.signed_up'").await, 1);
}

async fn a_failed_sign_up_leaves_the_link_usable_and_writes_no_user(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let link = acc.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta()).await.unwrap();
    assert!(matches!(acc.sign_up(form(Some(link.clone()), "ada@example.com", "password1234"), &meta()).await, Err(Error::Invalid(_))));
    assert!(matches!(acc.sign_up(form(Some(link.clone()), "ada@example.com", "short"), &meta()).await, Err(Error::Invalid(_))));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM users").await, 0);
    acc.sign_up(form(Some(link), "ada@example.com", PASSWORD), &meta()).await.unwrap();
}

async fn a_duplicate_email_is_a_conflict_and_does_not_spend_the_invitation(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    admin(&acc, "ada@example.com").await;
    let email = domain::accounts::Email::parse("ada@example.com").unwrap();
    let invite = acc.create_invitation(InvitationKind::Invite, Some(email), Role::Developer, &meta()).await.unwrap();
    let dup = acc.sign_up(form(Some(invite.clone()), "ada@example.com", PASSWORD), &meta()).await;
    assert!(matches!(dup, Err(Error::Conflict(_))), "{dup:?}");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM invitations WHERE used_at IS NULL AND kind = 'invite'").await, 1);
}

async fn an_invitation_binds_its_email_and_role(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let email = domain::accounts::Email::parse("dev@example.com").unwrap();
    let invite = acc.create_invitation(InvitationKind::Invite, Some(email), Role::Auditor, &meta()).await.unwrap();
    let preview = acc.preview_invitation(&invite).await.unwrap();
    assert_eq!(preview.email.as_deref(), Some("dev@example.com"));
    assert!(acc.sign_up(form(Some(invite.clone()), "other@example.com", PASSWORD), &meta()).await.is_err());
    let user = acc.sign_up(form(Some(invite), "dev@example.com", PASSWORD), &meta()).await.unwrap();
    assert_eq!(user.role, Role::Auditor);
}

async fn sign_up_without_a_link_needs_self_registration(store: Store) {
    let closed = accounts(store.clone(), InstancePolicy::default());
    assert!(matches!(closed.sign_up(form(None, "a@example.com", PASSWORD), &meta()).await, Err(Error::Forbidden(_))));
    let open = accounts(store.clone(), InstancePolicy { self_registration: true, ..InstancePolicy::default() });
    assert_eq!(open.sign_up(form(None, "a@example.com", PASSWORD), &meta()).await.unwrap().role, Role::Developer);
}

async fn expired_links_are_refused(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let link = acc.create_invitation(InvitationKind::Bootstrap, None, Role::Admin, &meta()).await.unwrap();
    sqlx::query("UPDATE invitations SET expires_at = 1").execute(store.pool()).await.unwrap();
    assert!(acc.preview_invitation(&link).await.is_err());
    assert!(acc.sign_up(form(Some(link), "ada@example.com", PASSWORD), &meta()).await.is_err());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM users").await, 0);
}

async fn unknown_email_and_wrong_password_fail_alike_and_are_audited(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    admin(&acc, "ada@example.com").await;
    let wrong = acc.sign_in_password("ada@example.com", "not the password", &meta()).await.unwrap_err();
    let unknown = acc.sign_in_password("nobody@example.com", PASSWORD, &meta()).await.unwrap_err();
    assert_eq!(wrong.to_string(), unknown.to_string());
    assert!(matches!(wrong, Error::Unauthorized(_)));
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'sign_in.password' AND outcome = 'failure'").await,
        2
    );
    let audit_text: Vec<(String,)> = sqlx::query_as("SELECT COALESCE(detail, '') || COALESCE(target, '') FROM audit_events")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(audit_text.iter().all(|(t,)| !t.contains('@') && !t.contains(PASSWORD)), "no email or password in the audit trail");
}

async fn repeated_failures_throttle_the_account_and_a_lock_needs_unlocking(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let user = admin(&acc, "ada@example.com").await;
    for _ in 0..5 {
        assert!(matches!(acc.sign_in_password("ada@example.com", "wrong password!", &meta()).await, Err(Error::Unauthorized(_))));
    }
    let throttled = acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await;
    assert!(matches!(throttled, Err(Error::RateLimited { retry_after_secs }) if retry_after_secs >= 1), "{throttled:?}");
    // At the hard limit the account stays locked, whatever the wait.
    sqlx::query("UPDATE login_throttle SET failures = 100, locked_until = 0 WHERE throttle_key LIKE 'acct:%'")
        .execute(store.pool())
        .await
        .unwrap();
    assert!(matches!(acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await, Err(Error::Locked)));
    acc.unlock(&user.id, &meta()).await.unwrap();
    sqlx::query("DELETE FROM login_throttle WHERE throttle_key LIKE 'ip:%'").execute(store.pool()).await.unwrap();
    assert!(matches!(acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await, Ok(PasswordStep::SignedIn(_))));
}

async fn a_success_resets_the_failure_count(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    admin(&acc, "ada@example.com").await;
    for _ in 0..4 {
        let _ = acc.sign_in_password("ada@example.com", "wrong password!", &meta()).await;
    }
    acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM login_throttle WHERE throttle_key LIKE 'acct:%'").await, 0);
}

async fn totp_codes_are_single_use_and_recovery_codes_too(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let user = admin(&acc, "ada@example.com").await;
    let enrol = acc.begin_totp_enrolment(&user.id, &user.email).await.unwrap();
    let seed_text: (String,) = sqlx::query_as("SELECT secret_enc FROM totp_credentials").fetch_one(store.pool()).await.unwrap();
    assert!(!seed_text.0.contains(&enrol.secret_base32), "the seed is sealed at rest");
    let totp = totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, totp_rs::Secret::Encoded(enrol.secret_base32.clone()).to_bytes().unwrap(), None, String::new());
    let now = domain::clock::now_ms() as u64 / 1000;
    let codes = acc.confirm_totp_enrolment(&user.id, &totp.generate(now), &meta()).await.unwrap();
    assert_eq!(codes.0.len(), 10);

    let step = acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await.unwrap();
    assert!(matches!(step, PasswordStep::SecondFactor { .. }));
    // The enrolment code's step is spent; the next step's code works once.
    assert!(acc.sign_in_totp(&user.id, &totp.generate(now), &meta()).await.is_err());
    let next = totp.generate(now + 30);
    acc.sign_in_totp(&user.id, &next, &meta()).await.unwrap();
    assert!(acc.sign_in_totp(&user.id, &next, &meta()).await.is_err());
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'sign_in.totp' AND detail = 'replayed_code'").await,
        2
    );

    acc.sign_in_recovery_code(&user.id, &codes.0[0].to_uppercase(), &meta()).await.unwrap();
    assert!(acc.sign_in_recovery_code(&user.id, &codes.0[0], &meta()).await.is_err());
    assert_eq!(acc.mfa_status(&user.id).await.unwrap().recovery_codes_left, 9);

    let fresh = acc.regenerate_recovery_codes(&user.id, PASSWORD, &meta()).await.unwrap();
    assert!(acc.sign_in_recovery_code(&user.id, &codes.0[1], &meta()).await.is_err(), "old codes die on regeneration");
    acc.sign_in_recovery_code(&user.id, &fresh.0[0], &meta()).await.unwrap();

    assert!(acc.remove_totp(&user.id, "wrong password!", &meta()).await.is_err());
    acc.remove_totp(&user.id, PASSWORD, &meta()).await.unwrap();
    assert!(matches!(acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await, Ok(PasswordStep::SignedIn(_))));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM recovery_codes").await, 0);
}

async fn require_mfa_sends_accounts_without_a_factor_to_enrolment(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy { require_mfa: true, ..InstancePolicy::default() });
    admin(&acc, "ada@example.com").await;
    assert!(matches!(acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await, Ok(PasswordStep::MustEnrol(_))));
}

async fn changing_the_password_needs_the_current_one(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let user = admin(&acc, "ada@example.com").await;
    let new = "a brand new passphrase".to_owned();
    assert!(matches!(acc.change_password(&user.id, "wrong password!", new.clone(), "", &meta()).await, Err(Error::Unauthorized(_))));
    assert!(matches!(acc.change_password(&user.id, PASSWORD, "tiny".into(), "", &meta()).await, Err(Error::Invalid(_))));
    acc.change_password(&user.id, PASSWORD, new.clone(), "", &meta()).await.unwrap();
    assert!(acc.sign_in_password("ada@example.com", PASSWORD, &meta()).await.is_err());
    assert!(acc.sign_in_password("ada@example.com", &new, &meta()).await.is_ok());
}

async fn weak_stored_hashes_are_upgraded_at_sign_in(store: Store) {
    let weak = accounts(store.clone(), InstancePolicy::default());
    admin(&weak, "ada@example.com").await;
    let strong = domain::accounts::Accounts::new(
        store.clone(),
        domain::accounts::PasswordHasher::new((2048, 2, 1), 1).unwrap(),
        std::sync::Arc::new(domain::crypto::MasterKey::generate()),
        domain::policy::LivePolicy::new(InstancePolicy::default()),
        std::sync::Arc::new(domain::accounts::relying_party("http://localhost:3000").unwrap()),
    );
    strong.sign_in_password("ada@example.com", PASSWORD, &meta()).await.unwrap();
    let (phc,): (String,) = sqlx::query_as("SELECT password_hash FROM users").fetch_one(store.pool()).await.unwrap();
    assert!(phc.contains("m=2048"), "{phc}");
}

crate::both_backends!(
    a_bootstrap_link_makes_one_admin_and_is_then_spent,
    a_failed_sign_up_leaves_the_link_usable_and_writes_no_user,
    a_duplicate_email_is_a_conflict_and_does_not_spend_the_invitation,
    an_invitation_binds_its_email_and_role,
    sign_up_without_a_link_needs_self_registration,
    expired_links_are_refused,
    unknown_email_and_wrong_password_fail_alike_and_are_audited,
    repeated_failures_throttle_the_account_and_a_lock_needs_unlocking,
    a_success_resets_the_failure_count,
    totp_codes_are_single_use_and_recovery_codes_too,
    require_mfa_sends_accounts_without_a_factor_to_enrolment,
    changing_the_password_needs_the_current_one,
    weak_stored_hashes_are_upgraded_at_sign_in,
);
