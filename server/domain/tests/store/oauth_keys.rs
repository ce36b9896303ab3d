//! Signing keys: generated on first use, sealed at rest, published before they sign, kept until
//! their last token has expired.

use std::sync::Arc;

use domain::clock::{HOUR, MINUTE, now_ms};
use domain::crypto::MasterKey;
use domain::oauth::keys::{KeyRing, RELOAD_EVERY};
use domain::oauth::AccessClaims;
use domain::scopes::ScopeSet;
use domain::store::Store;

use crate::support::count;

const ISS: &str = "http://localhost:3000";

fn claims(now: i64) -> AccessClaims {
    AccessClaims::new(ISS, "user-1", "client-1", &ScopeSet::parse("user").unwrap(), now, 5 * MINUTE)
}

async fn kid_of(jwt: &str) -> String {
    jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap()
}

async fn the_first_key_is_made_on_first_use_and_sealed(store: Store) {
    let master = Arc::new(MasterKey::generate());
    let ring = KeyRing::new(store.clone(), master.clone());
    let now = now_ms();
    let signed = claims(now);
    let jwt = ring.sign(&signed, now).await.unwrap();
    assert_eq!(ring.verify(&jwt, ISS, now).await.unwrap().unwrap(), signed);
    assert_eq!(jsonwebtoken::decode_header(&jwt).unwrap().typ.as_deref(), Some("at+jwt"));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM oauth_signing_keys").await, 1);
    // Another process with the same master key uses the same key; with another master key the
    // sealed private key cannot be opened.
    let again = KeyRing::new(store.clone(), master);
    assert_eq!(kid_of(&again.sign(&claims(now), now).await.unwrap()).await, kid_of(&jwt).await);
    assert!(KeyRing::new(store.clone(), Arc::new(MasterKey::generate())).sign(&claims(now), now).await.is_err());
    // Expired, wrong issuer: refused.
    assert!(ring.verify(&jwt, ISS, now + 5 * MINUTE).await.unwrap().is_err());
    assert!(ring.verify(&jwt, "http://elsewhere", now).await.unwrap().is_err());
}

async fn a_rotated_key_is_published_before_it_signs_and_the_old_one_kept_until_its_tokens_expire(store: Store) {
    let ring = KeyRing::new(store.clone(), Arc::new(MasterKey::generate()));
    let t0 = now_ms();
    let old_kid = kid_of(&ring.sign(&claims(t0), t0).await.unwrap()).await;
    let new_kid = ring.rotate(t0, HOUR, 5 * MINUTE, &crate::support::meta()).await.unwrap();
    let published: Vec<String> = ring.jwks(t0).await.unwrap().into_iter().map(|k| k.kid).collect();
    assert_eq!(published, vec![old_kid.clone(), new_kid.clone()], "the new key is published at once");
    assert_eq!(kid_of(&ring.sign(&claims(t0), t0).await.unwrap()).await, old_kid, "but does not sign yet");

    let before = t0 + HOUR - 1;
    let last_old = ring.sign(&claims(before), before).await.unwrap();
    assert_eq!(kid_of(&last_old).await, old_kid);
    let after = t0 + HOUR + 1;
    assert_eq!(kid_of(&ring.sign(&claims(after), after).await.unwrap()).await, new_kid);
    assert!(ring.verify(&last_old, ISS, after).await.unwrap().is_ok(), "old tokens still verify");

    let gone = t0 + HOUR + 5 * MINUTE + RELOAD_EVERY + 1;
    let published: Vec<String> = ring.jwks(gone).await.unwrap().into_iter().map(|k| k.kid).collect();
    assert_eq!(published, vec![new_kid], "the old key leaves once its tokens have expired");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_events WHERE event_type = 'oauth.key_rotated'").await, 1);
}

crate::both_backends!(
    the_first_key_is_made_on_first_use_and_sealed,
    a_rotated_key_is_published_before_it_signs_and_the_old_one_kept_until_its_tokens_expire,
);
