//! A multi-host URL (issue 21) against the test server: a host that refuses connections is
//! skipped and the store writes to the one that takes writes. The failover itself (the primary
//! killed mid-write) is proven by `scripts/ha-failover-test` on a pg_auto_failover formation.

mod common;

use chrono::NaiveDate;
use ledger::Currency;
use store::{NewOrg, Store};
use store_postgres::PgStore;

/// `url` with a dead host (port 1 refuses connections) listed before its own host, and
/// `target_session_attrs=read-write`, as `pg_autoctl show uri` writes it.
fn with_dead_host_first(url: &str) -> String {
    let (user, rest) = url.split_once('@').expect("the test URL names a user");
    let joiner = if rest.contains('?') { '&' } else { '?' };
    format!("{user}@127.0.0.1:1,{rest}{joiner}target_session_attrs=read-write")
}

#[tokio::test]
async fn a_multi_host_url_skips_a_dead_host_and_writes_to_the_primary() {
    let Some(admin) = common::admin_url() else {
        return;
    };
    let db = common::TestDb::create(&admin).await;
    let url = with_dead_host_first(&db.url);
    assert!(url.contains("@127.0.0.1:1,127.0.0.1:"), "{url}");
    let store = PgStore::connect_with(&url, 2)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    let org = store
        .create_org(&NewOrg {
            slug: "dos-hosts".into(),
            name: "ODF de dos hosts".into(),
            group_name: "Grupo".into(),
            state: "Morelos".into(),
            municipality: "Cuautla".into(),
            trade: "tejido".into(),
            founded_on: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            currency: Currency::MXN,
            dues_amount_minor: 5_000,
            dues_period_months: 1,
        })
        .await
        .expect("a write through the multi-host URL");
    // The write is in the test database, read back through a single-host store.
    let single = PgStore::connect_with(&db.url, 1).await.unwrap();
    assert_eq!(single.org_by_slug("dos-hosts").await.unwrap().id, org.id);
    store.pool().close().await;
    single.pool().close().await;
}
