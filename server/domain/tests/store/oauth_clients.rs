//! Registering OAuth clients, their redirect URIs, and their secrets with rotation.

use domain::policy::InstancePolicy;
use domain::clock::{DAY, now_ms};
use domain::oauth::{ClientInput, ClientKind, ClientPatch, ClientStatus, GrantType, OAuth, Owner, SettingsPatch};
use domain::store::Store;

use crate::support::{accounts, admin, count, meta};

pub(crate) fn oauth(store: &Store) -> OAuth {
    OAuth::new(store.clone(), std::sync::Arc::new(domain::crypto::MasterKey::generate()), domain::oauth::OAuthPolicy::new("http://localhost:3000"), domain::policy::LivePolicy::new(InstancePolicy::default()))
}

fn input() -> ClientInput {
    ClientInput {
        name: "Deploy bot".into(),
        grant_types: vec!["authorization_code".into(), "refresh_token".into(), "client_credentials".into()],
        scopes: "user tokens:read".into(),
        redirects: vec![("https://app.example.com/cb".into(), None), ("http://127.0.0.1/cb".into(), Some("user:read".into()))],
    }
}

async fn a_confidential_client_gets_one_secret_stored_only_as_a_digest(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let ada = admin(&acc, "ada@example.com").await;
    let oauth = oauth(&store);
    let (client, secret) = oauth.register(Owner { id: &ada.id, role: ada.role }, ClientKind::Confidential, input(), &meta()).await.unwrap();
    let secret = secret.expect("a confidential client gets a secret");
    assert!(secret.expose().starts_with("gac_") && secret.expose().len() == 40);
    assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
    assert_eq!(client.secrets.len(), 1);
    assert_eq!(client.secrets[0].hint, secret.expose()[36..]);
    assert_eq!(client.settings.redirects.len(), 2);
    assert_eq!(client.settings.grant_types, vec![GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials]);
    let plain = format!("SELECT COUNT(*) FROM oauth_client_secrets WHERE digest = '{}' OR hint = '{}'", secret.expose(), secret.expose());
    assert_eq!(count(&store, &plain).await, 0, "no plaintext secret is stored");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'client.created'").await, 1);

    let now = now_ms();
    assert_eq!(oauth.authenticate_client(&client.id, secret.expose(), now).await.unwrap().map(|c| c.id), Some(client.id.clone()));
    let other = domain::tokens::format::generate(&domain::tokens::format::Prefix::new("gac").unwrap());
    assert!(oauth.authenticate_client(&client.id, other.expose(), now).await.unwrap().is_none());
    assert!(oauth.authenticate_client(&client.id, "not-a-secret", now).await.unwrap().is_none());
    assert!(oauth.authenticate_client("someone-else", secret.expose(), now).await.unwrap().is_none());

    let (public, none) = oauth.register(Owner { id: &ada.id, role: ada.role }, ClientKind::Public, ClientInput { grant_types: vec!["authorization_code".into()], ..input() }, &meta()).await.unwrap();
    assert!(none.is_none() && public.secrets.is_empty());
}

async fn rotation_keeps_the_old_secret_for_the_grace_period_only(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let ada = admin(&acc, "ada@example.com").await;
    let oauth = oauth(&store);
    let (client, old) = oauth.register(Owner { id: &ada.id, role: ada.role }, ClientKind::Confidential, input(), &meta()).await.unwrap();
    let old = old.unwrap();
    assert!(oauth.rotate_secret(&ada.id, &client.id, 8, &meta()).await.is_err(), "at most 7 days");
    let (rotated, new) = oauth.rotate_secret(&ada.id, &client.id, 2, &meta()).await.unwrap();
    assert_eq!(rotated.secrets.len(), 2, "both visible");
    assert!(rotated.secrets.iter().any(|s| s.expires_at.is_some()) && rotated.secrets.iter().any(|s| s.expires_at.is_none()));
    let now = now_ms();
    for s in [&old, &new] {
        assert!(oauth.authenticate_client(&client.id, s.expose(), now).await.unwrap().is_some());
    }
    let later = now + 2 * DAY + 1;
    assert!(oauth.authenticate_client(&client.id, old.expose(), later).await.unwrap().is_none(), "the old one dies after the grace");
    assert!(oauth.authenticate_client(&client.id, new.expose(), later).await.unwrap().is_some());

    // Zero days: the previous secret stops at once.
    let (_, newest) = oauth.rotate_secret(&ada.id, &client.id, 0, &meta()).await.unwrap();
    let now = now_ms();
    assert!(oauth.authenticate_client(&client.id, new.expose(), now).await.unwrap().is_none());
    assert!(oauth.authenticate_client(&client.id, old.expose(), now).await.unwrap().is_none(), "a rotation never extends an older grace");
    assert!(oauth.authenticate_client(&client.id, newest.expose(), now).await.unwrap().is_some());
    assert_eq!(oauth.sweep_dead_secrets(now + 3 * DAY).await.unwrap(), 2);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'client.secret_rotated'").await, 2);
}

async fn owners_change_disable_and_delete_only_their_own_clients(store: Store) {
    let acc = accounts(store.clone(), InstancePolicy::default());
    let ada = admin(&acc, "ada@example.com").await;
    let oauth = oauth(&store);
    let (client, secret) = oauth.register(Owner { id: &ada.id, role: ada.role }, ClientKind::Confidential, input(), &meta()).await.unwrap();
    let owner = Owner { id: &ada.id, role: ada.role };
    let changed = SettingsPatch { name: Some("Renamed".into()), redirects: Some(vec![("https://new.example.com/cb".into(), None)]), ..Default::default() };
    let updated = oauth.change(owner, &client.id, ClientPatch { settings: changed, status: None }, &meta()).await.unwrap();
    assert_eq!(updated.settings.scopes, client.settings.scopes, "fields not named are kept");
    assert_eq!((updated.settings.name.as_str(), updated.settings.redirects.len()), ("Renamed", 1));
    assert_eq!(updated.kind, ClientKind::Confidential);
    assert!(updated.redirect("https://new.example.com/cb").is_some() && updated.redirect("https://app.example.com/cb").is_none());

    // A failed change leaves everything as it was.
    let bad = SettingsPatch { name: Some("Half".into()), redirects: Some(vec![("https://ok.example.com/cb".into(), None), ("http://evil.example.com/cb".into(), None)]), ..Default::default() };
    assert!(oauth.change(owner, &client.id, ClientPatch { settings: bad, status: Some(ClientStatus::Disabled) }, &meta()).await.is_err());
    let kept = oauth.client_of(&ada.id, &client.id).await.unwrap();
    assert_eq!((kept.settings.name.as_str(), kept.settings.redirects.len(), kept.status), ("Renamed", 1, ClientStatus::Active));

    assert!(matches!(oauth.client_of("someone-else", &client.id).await, Err(domain::Error::NotFound)));
    assert!(matches!(oauth.delete("someone-else", &client.id, &meta()).await, Err(domain::Error::NotFound)));

    let status = |s| ClientPatch { settings: SettingsPatch::default(), status: Some(s) };
    let disabled = oauth.change(owner, &client.id, status(ClientStatus::Disabled), &meta()).await.unwrap();
    assert_eq!(disabled.status, ClientStatus::Disabled);
    assert!(!disabled.allows(GrantType::ClientCredentials));
    assert!(oauth.authenticate_client(&client.id, secret.as_ref().unwrap().expose(), now_ms()).await.unwrap().is_none());
    oauth.change(owner, &client.id, status(ClientStatus::Active), &meta()).await.unwrap();
    assert!(oauth.authenticate_client(&client.id, secret.as_ref().unwrap().expose(), now_ms()).await.unwrap().is_some());

    oauth.delete(&ada.id, &client.id, &meta()).await.unwrap();
    assert!(oauth.clients_of(&ada.id).await.unwrap().is_empty());
    assert_eq!(count(&store, "SELECT COUNT(*) FROM oauth_client_secrets").await, 0);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM oauth_redirect_uris").await, 0);
    for kind in ["client.updated", "client.disabled", "client.enabled", "client.deleted"] {
        assert_eq!(count(&store, &format!("SELECT COUNT(*) FROM audit_events WHERE event_type = '{kind}'")).await, 1, "{kind}");
    }
}

crate::both_backends!(
    a_confidential_client_gets_one_secret_stored_only_as_a_digest,
    rotation_keeps_the_old_secret_for_the_grace_period_only,
    owners_change_disable_and_delete_only_their_own_clients,
);
