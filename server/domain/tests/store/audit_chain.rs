//! The audit trail is a hash chain: `verify_chain` finds a changed, removed or inserted record, and
//! concurrent writers never fork it.

use domain::audit::{self, Event, EventType, verify_chain};
use domain::store::Store;

use crate::support::meta;

async fn write(store: &Store, n: usize) {
    for i in 0..n {
        let mut conn = store.pool().acquire().await.unwrap();
        let detail = format!("n={i}");
        audit::record(&mut conn, &meta(), Event { detail: Some(&detail), ..Event::success(EventType::SignIn, Some("user-1")) }).await.unwrap();
    }
}

async fn verify(store: &Store) -> audit::ChainReport {
    let mut conn = store.pool().acquire().await.unwrap();
    verify_chain(&mut conn).await.unwrap()
}

async fn an_untouched_chain_verifies_and_a_changed_record_is_found(store: Store) {
    write(&store, 5).await;
    let report = verify(&store).await;
    assert_eq!((report.checked, report.broken), (5, None));
    sqlx::query("UPDATE audit_events SET detail = 'n=99' WHERE seq = 3").execute(store.pool()).await.unwrap();
    let report = verify(&store).await;
    assert_eq!(report.broken.map(|b| (b.seq, b.why)), Some((3, "the record was changed")));
}

async fn a_removed_record_and_a_cut_off_end_are_found(store: Store) {
    write(&store, 5).await;
    sqlx::query("DELETE FROM audit_events WHERE seq = 5").execute(store.pool()).await.unwrap();
    assert_eq!(verify(&store).await.broken.map(|b| b.seq), Some(5), "the newest record is gone");
    sqlx::query("DELETE FROM audit_events WHERE seq = 2").execute(store.pool()).await.unwrap();
    assert_eq!(verify(&store).await.broken.map(|b| (b.seq, b.why)), Some((2, "a record is missing")));
}

async fn a_record_written_inside_a_failed_transaction_leaves_no_trace(store: Store) {
    write(&store, 2).await;
    {
        let mut tx = store.begin().await.unwrap();
        audit::record(&mut tx, &meta(), Event::success(EventType::SignOut, Some("user-1"))).await.unwrap();
        // Dropped without commit: the change and its audit record go together.
    }
    write(&store, 1).await;
    let report = verify(&store).await;
    assert_eq!((report.checked, report.broken), (3, None));
}

async fn concurrent_writers_keep_one_chain(store: Store) {
    let tasks: Vec<_> = (0..20).map(|_| { let s = store.clone(); tokio::spawn(async move { write(&s, 5).await }) }).collect();
    for t in tasks {
        t.await.unwrap();
    }
    let report = verify(&store).await;
    assert_eq!((report.checked, report.broken), (100, None));
}

async fn the_credential_an_action_used_is_chained_too(store: Store) {
    let mut conn = store.pool().acquire().await.unwrap();
    let with_token = domain::audit::RequestMeta { credential: Some("token:t-1".into()), ..meta() };
    audit::record(&mut conn, &with_token, Event::success(EventType::TokenRevoked, Some("user-1"))).await.unwrap();
    audit::record(&mut conn, &meta(), Event::success(EventType::SignIn, Some("user-1"))).await.unwrap();
    drop(conn);
    assert_eq!(verify(&store).await.broken, None);
    let (who,): (Option<String>,) = sqlx::query_as("SELECT actor_credential FROM audit_events WHERE seq = 1").fetch_one(store.pool()).await.unwrap();
    assert_eq!(who.as_deref(), Some("token:t-1"));
    // Pinning the action on another credential, or adding one, breaks the chain.
    sqlx::query("UPDATE audit_events SET actor_credential = 'token:t-2' WHERE seq = 1").execute(store.pool()).await.unwrap();
    assert_eq!(verify(&store).await.broken.map(|b| b.seq), Some(1));
    sqlx::query("UPDATE audit_events SET actor_credential = 'token:t-1' WHERE seq = 1").execute(store.pool()).await.unwrap();
    sqlx::query("UPDATE audit_events SET actor_credential = 'client:c' WHERE seq = 2").execute(store.pool()).await.unwrap();
    assert_eq!(verify(&store).await.broken.map(|b| b.seq), Some(2));
}

crate::both_backends!(
    the_credential_an_action_used_is_chained_too,
    an_untouched_chain_verifies_and_a_changed_record_is_found,
    a_removed_record_and_a_cut_off_end_are_found,
    a_record_written_inside_a_failed_transaction_leaves_no_trace,
    concurrent_writers_keep_one_chain,
);
