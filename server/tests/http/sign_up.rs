use domain::accounts::{InvitationKind, Role};

use crate::support::{PASSWORD, TestApp};

async fn a_bootstrap_link_creates_a_signed_in_admin(app: &TestApp) {
    let b = app.browser();
    app.sign_up_admin(&b, "ada@example.com").await;
    let me = app.overview(&b).await.expect("signed in after sign-up");
    assert_eq!(me["role"], "admin");
    assert_eq!(me["email"], "ada@example.com");
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_events WHERE event_type = 'user.signed_up'").await, 1);
}

async fn a_used_link_is_refused_and_writes_nothing(app: &TestApp) {
    let link = app.link(InvitationKind::Bootstrap, None, Role::Admin).await;
    let form = |email: &'static str| {
        vec![("invitation", link.clone()), ("email", email.into()), ("display_name", "Ada".into()),
             ("password", PASSWORD.into()), ("password_confirm", PASSWORD.into())]
    };
    let first = app.browser().post(app.url("/rpc/sign_up")).form(&form("ada@example.com")).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let second = app.browser().post(app.url("/rpc/sign_up")).form(&form("bob@example.com")).send().await.unwrap();
    assert_eq!(second.status(), 422);
    assert!(second.text().await.unwrap().contains("invalid, already used or expired"));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

async fn an_expired_link_is_refused(app: &TestApp) {
    let link = app.link(InvitationKind::Bootstrap, None, Role::Admin).await;
    sqlx::query("UPDATE invitations SET expires_at = 1").execute(app.state.accounts.store().pool()).await.unwrap();
    let res = app.call(&app.browser(), "invitation_info", &[("invitation", &link)]).await;
    assert_eq!(res.status(), 422);
    let res = app
        .call(&app.browser(), "sign_up", &[("invitation", &link), ("email", "a@example.com"), ("display_name", "A"),
              ("password", PASSWORD), ("password_confirm", PASSWORD)])
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

async fn weak_common_and_mismatched_passwords_are_refused(app: &TestApp) {
    let link = app.link(InvitationKind::Bootstrap, None, Role::Admin).await;
    for (pw, confirm, says) in [
        ("short", "short", "at least 12"),
        ("password1234", "password1234", "too common"),
        (PASSWORD, "something else entirely", "differ"),
    ] {
        let res = app
            .call(&app.browser(), "sign_up", &[("invitation", &link), ("email", "a@example.com"), ("display_name", "A"),
                  ("password", pw), ("password_confirm", confirm)])
            .await;
        assert_eq!(res.status(), 422);
        let body = res.text().await.unwrap();
        assert!(body.contains(says), "{body}");
        assert!(!body.contains(pw), "the error never echoes the password");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM invitations WHERE used_at IS NULL").await, 1, "the link is still usable");
}

async fn sign_up_without_a_link_is_forbidden_by_default(app: &TestApp) {
    let res = app.call(&app.browser(), "invitation_info", &[]).await;
    assert_eq!(res.status(), 403);
    let res = app
        .call(&app.browser(), "sign_up", &[("email", "a@example.com"), ("display_name", "A"), ("password", PASSWORD),
              ("password_confirm", PASSWORD)])
        .await;
    assert_eq!(res.status(), 403);
}

async fn an_invitation_prefills_its_email(app: &TestApp) {
    let link = app.link(InvitationKind::Invite, Some("dev@example.com"), Role::Developer).await;
    let res = app.call(&app.browser(), "invitation_info", &[("invitation", &link)]).await;
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["email"], "dev@example.com");
    assert_eq!(v["bootstrap"], false);
    let html = reqwest::get(app.url(&format!("/signup?invite={link}"))).await.unwrap().text().await.unwrap();
    assert!(html.contains("You&#x27;re invited") || html.contains("You're invited"), "{html}");
}

crate::both_backends!(
    a_bootstrap_link_creates_a_signed_in_admin,
    a_used_link_is_refused_and_writes_nothing,
    an_expired_link_is_refused,
    weak_common_and_mismatched_passwords_are_refused,
    sign_up_without_a_link_is_forbidden_by_default,
    an_invitation_prefills_its_email,
);
