use domain::store::Store;

use crate::support::count;

async fn migrating_twice_changes_nothing(store: Store) {
    store.migrate().await.unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM users").await, 0);
    store.ping().await.unwrap();
}

crate::both_backends!(migrating_twice_changes_nothing);
