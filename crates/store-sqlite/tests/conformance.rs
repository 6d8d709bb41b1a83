//! The store conformance suite against SQLite: every check on a private in-memory database,
//! and a few on a database file in WAL mode.

use std::sync::Arc;
use store::Store;
use store_sqlite::SqliteStore;

async fn fresh_store() -> Option<Arc<dyn Store>> {
    let store = SqliteStore::open_in_memory()
        .await
        .expect("open an in-memory SQLite store");
    Some(Arc::new(store))
}

store_conformance::conformance_suite!(fresh_store);

mod file_database {
    use super::*;

    /// Runs `check` on a store in a fresh database file, deleted afterwards.
    async fn on_file<F, Fut>(check: F)
    where
        F: FnOnce(Arc<dyn Store>) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("tequio.db");
        let store = Arc::new(SqliteStore::open(&path).await.expect("open file store"));
        check(store.clone()).await;
        // Reopening finds everything again: the migrations are not re-applied.
        drop(store);
        let reopened = SqliteStore::open(&path).await.expect("reopen");
        let orgs = reopened.orgs().await.expect("orgs");
        assert!(!orgs.is_empty());
        for org in orgs {
            store_conformance::assert_books_sound(&reopened, org.id).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_is_all_or_nothing_on_file() {
        on_file(store_conformance::check_a_batch_is_all_or_nothing).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replays_and_conflicts_on_file() {
        on_file(store_conformance::check_same_key_with_another_payload_is_a_conflict).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn members_on_file() {
        on_file(store_conformance::check_a_curp_with_other_data_is_a_conflict_and_imports_nothing)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn random_sequences_on_file() {
        on_file(store_conformance::check_random_sequences_keep_the_books).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_on_file_take_turns() {
        on_file(|store| async move {
            let org = store_conformance::new_org(&*store, "concurrent").await;
            let mut tasks = Vec::new();
            for t in 0..4 {
                let store = store.clone();
                tasks.push(tokio::spawn(async move {
                    for i in 0..25 {
                        let e = store_conformance::entry(
                            &format!("c-{t}-{i}"),
                            &[("odf:bank", 10), ("odf:equity", -10)],
                        );
                        store.post(org.id, &e).await.expect("post");
                    }
                }));
            }
            for task in tasks {
                task.await.expect("writer task");
            }
            let bank = ledger::AccountCode::parse("odf:bank").expect("code");
            assert_eq!(store.account_balance(org.id, &bank).await.ok(), Some(1_000));
        })
        .await;
    }
}
