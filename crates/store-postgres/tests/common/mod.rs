//! A fresh PostgreSQL database per test.
//!
//! The server comes from `TEQUIO_TEST_PG_URL` (a role with CREATEDB; `scripts/pg-up` prints
//! one). Unset: in CI (`CI` or `TEQUIO_REQUIRE_ALL` set) that is a failure, never a silent
//! skip; elsewhere the test prints one line and passes.

#![allow(dead_code)] // Each test binary uses a different part of this module.

use async_trait::async_trait;
use chrono::NaiveDate;
use ledger::{Account, AccountCode, TrialBalance, ValidEntry};
use registry::{Member, NewMember, NewRoleAssignment, RoleAssignment};
use sqlx::Connection;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use store::{
    Commit, Committed, EntryId, ImportOutcome, MemberId, NewEvent, NewOrg, Org, OrgId, Page,
    Posted, Store, StoreResult, StoredEntry, StoredEvent,
};
use store_postgres::PgStore;

pub const URL_VAR: &str = "TEQUIO_TEST_PG_URL";
const PREFIX: &str = "tequio_t_";
/// Databases a crashed run left behind are dropped once they are this old.
const STALE_SECS: u64 = 6 * 3600;

/// The admin URL, or None when tests should skip (never in CI).
pub fn admin_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some()
            || std::env::var_os("TEQUIO_REQUIRE_ALL").is_some() =>
        {
            panic!(
                "{URL_VAR} is not set but CI (or TEQUIO_REQUIRE_ALL) is: PostgreSQL tests must \
                 run. Start a server with scripts/pg-up and export {URL_VAR}=<the URL it prints>."
            )
        }
        _ => {
            eprintln!("skipping PostgreSQL test: {URL_VAR} is not set (see scripts/pg-up)");
            None
        }
    }
}

/// `url` with its database replaced by `database`.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{PREFIX}{secs}_{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// A database made for one test; dropped (best effort) when this is dropped.
pub struct TestDb {
    pub admin_url: String,
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create(admin_url: &str) -> TestDb {
        let name = unique_name();
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {URL_VAR}: {e}"));
        drop_stale(&mut admin).await;
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let _ = admin.close().await;
        TestDb {
            admin_url: admin_url.to_string(),
            url: url_with_database(admin_url, &name),
            name,
        }
    }
}

/// Drops test databases older than STALE_SECS (a run that crashed before cleaning up).
async fn drop_stale(admin: &mut sqlx::PgConnection) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname::text FROM pg_database WHERE datname LIKE 'tequio\\_t\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    for name in names {
        let created = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|c| c + STALE_SECS < now) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut *admin)
                .await;
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot await: a short-lived thread with its own runtime does it.
        let handle = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                // A connection of the store still closing can make the first try fail.
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                let mut last = String::new();
                for _ in 0..3 {
                    match sqlx::PgConnection::connect(&admin_url).await {
                        Ok(mut admin) => {
                            let done = sqlx::query(&sql).execute(&mut admin).await;
                            let _ = admin.close().await;
                            match done {
                                Ok(_) => return,
                                Err(e) => last = e.to_string(),
                            }
                        }
                        Err(e) => last = e.to_string(),
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                eprintln!("could not drop test database {name}: {last}");
            });
        });
        let _ = handle.join();
    }
}

/// A store on a fresh database, with the database's guard. None = skip (never in CI).
pub async fn fresh_pg() -> Option<(PgStore, TestDb)> {
    let admin = admin_url()?;
    let db = TestDb::create(&admin).await;
    let store = PgStore::connect(&db.url)
        .await
        .unwrap_or_else(|e| panic!("connect the store to {}: {e}", db.name));
    Some((store, db))
}

/// A store that drops its database when the last handle to it goes.
pub struct Guarded {
    store: PgStore,
    _db: TestDb,
}

impl Guarded {
    pub fn new(store: PgStore, db: TestDb) -> Self {
        Guarded { store, _db: db }
    }
}

#[async_trait]
impl Store for Guarded {
    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org> {
        self.store.create_org(org).await
    }
    async fn org(&self, org_id: OrgId) -> StoreResult<Org> {
        self.store.org(org_id).await
    }
    async fn org_by_slug(&self, slug: &str) -> StoreResult<Org> {
        self.store.org_by_slug(slug).await
    }
    async fn orgs(&self) -> StoreResult<Vec<Org>> {
        self.store.orgs().await
    }
    async fn open_accounts(&self, org_id: OrgId, accounts: &[Account]) -> StoreResult<()> {
        self.store.open_accounts(org_id, accounts).await
    }
    async fn accounts(&self, org_id: OrgId) -> StoreResult<Vec<Account>> {
        self.store.accounts(org_id).await
    }
    async fn post(&self, org_id: OrgId, entry: &ValidEntry) -> StoreResult<Posted> {
        self.store.post(org_id, entry).await
    }
    async fn post_batch(&self, org_id: OrgId, entries: &[ValidEntry]) -> StoreResult<Vec<Posted>> {
        self.store.post_batch(org_id, entries).await
    }
    async fn entry(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<StoredEntry> {
        self.store.entry(org_id, entry_id).await
    }
    async fn entries(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<StoredEntry>> {
        self.store.entries(org_id, page).await
    }
    async fn balances(&self, org_id: OrgId) -> StoreResult<TrialBalance> {
        self.store.balances(org_id).await
    }
    async fn derived_balances(&self, org_id: OrgId) -> StoreResult<TrialBalance> {
        self.store.derived_balances(org_id).await
    }
    async fn account_balance(&self, org_id: OrgId, account: &AccountCode) -> StoreResult<i64> {
        self.store.account_balance(org_id, account).await
    }
    async fn account_entries(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        self.store.account_entries(org_id, account, page).await
    }
    async fn account_entries_dated(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        from: NaiveDate,
        until: NaiveDate,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        self.store
            .account_entries_dated(org_id, account, from, until, page)
            .await
    }
    async fn reversal_of(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<Option<EntryId>> {
        self.store.reversal_of(org_id, entry_id).await
    }
    async fn import_members(
        &self,
        org_id: OrgId,
        members: &[NewMember],
        events: &[NewEvent],
    ) -> StoreResult<ImportOutcome> {
        self.store.import_members(org_id, members, events).await
    }
    async fn member(&self, org_id: OrgId, member_id: MemberId) -> StoreResult<Member> {
        self.store.member(org_id, member_id).await
    }
    async fn member_and_account_version(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        account: &AccountCode,
    ) -> StoreResult<(Member, store::AccountVersion)> {
        self.store
            .member_and_account_version(org_id, member_id, account)
            .await
    }
    async fn member_by_curp(&self, org_id: OrgId, curp: &str) -> StoreResult<Member> {
        self.store.member_by_curp(org_id, curp).await
    }
    async fn members(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<Member>> {
        self.store.members(org_id, page).await
    }
    async fn count_members(&self, org_id: OrgId) -> StoreResult<u64> {
        self.store.count_members(org_id).await
    }
    async fn record_leave(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        left_on: NaiveDate,
        reason: &str,
        events: &[NewEvent],
    ) -> StoreResult<Member> {
        self.store
            .record_leave(org_id, member_id, left_on, reason, events)
            .await
    }
    async fn update_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        edit: &registry::MemberEdit,
        events: &[NewEvent],
    ) -> StoreResult<Member> {
        self.store
            .update_member(org_id, member_id, edit, events)
            .await
    }
    async fn assign_role(
        &self,
        org_id: OrgId,
        assignment: &NewRoleAssignment,
        events: &[NewEvent],
    ) -> StoreResult<RoleAssignment> {
        self.store.assign_role(org_id, assignment, events).await
    }
    async fn assign_roles(
        &self,
        org_id: OrgId,
        assignments: &[NewRoleAssignment],
        events: &[NewEvent],
    ) -> StoreResult<Vec<RoleAssignment>> {
        self.store.assign_roles(org_id, assignments, events).await
    }
    async fn end_role(
        &self,
        org_id: OrgId,
        assignment_id: i64,
        until: NaiveDate,
        events: &[NewEvent],
    ) -> StoreResult<RoleAssignment> {
        self.store
            .end_role(org_id, assignment_id, until, events)
            .await
    }
    async fn roles(&self, org_id: OrgId) -> StoreResult<Vec<RoleAssignment>> {
        self.store.roles(org_id).await
    }
    async fn commit(&self, org_id: OrgId, commit: &Commit) -> StoreResult<Committed> {
        self.store.commit(org_id, commit).await
    }
    async fn events(
        &self,
        org_id: OrgId,
        stream: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<StoredEvent>> {
        self.store.events(org_id, stream, page).await
    }
    async fn event_by_key(&self, org_id: OrgId, key: &str) -> StoreResult<StoredEvent> {
        self.store.event_by_key(org_id, key).await
    }
}

#[test]
fn url_with_database_replaces_only_the_path() {
    assert_eq!(
        url_with_database("postgres://u:p@127.0.0.1:5432/tequio", "x"),
        "postgres://u:p@127.0.0.1:5432/x"
    );
    assert_eq!(
        url_with_database("postgres://u:p@h:1/db?sslmode=disable", "x"),
        "postgres://u:p@h:1/x?sslmode=disable"
    );
    assert_eq!(
        url_with_database("postgres://u:p@h:1", "x"),
        "postgres://u:p@h:1/x"
    );
}
