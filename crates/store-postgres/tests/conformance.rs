//! The shared conformance suite (crates/store-conformance) against PostgreSQL, one fresh
//! database per test.

mod common;

use std::sync::Arc;

store_conformance::conformance_suite!(fresh_store);

/// A store on a new database, dropped when the test drops the store. None = skip (not in CI).
async fn fresh_store() -> Option<Arc<dyn store::Store>> {
    let (store, db) = common::fresh_pg().await?;
    Some(Arc::new(common::Guarded::new(store, db)))
}
