//! The production [`store::Store`] on PostgreSQL (sqlx 0.8, runtime queries only).
//!
//! What it is: tables, migrations (`migrations/`, applied by [`PgStore::connect`]) and
//! transactions that keep the `store` contract on a PostgreSQL server shared by many
//! organisations. Citus-ready: every table is keyed by `org_id` first, every query filters by
//! it and no query joins two organisations' rows, so the tenant tables can be distributed by
//! `org_id` (and `orgs` made a reference table) without changing a query. An id that belongs
//! to another organisation answers exactly like a missing one (R-ORG-1).
//!
//! How it writes money: a post locks the materialised balance rows of the accounts it touches
//! in one fixed order (`SELECT ... FOR UPDATE ... ORDER BY account_code`), which also proves
//! each account is open in this organisation with the posting's currency; then one statement
//! appends the entry and its postings and moves the balances, and the transaction commits. A
//! single post does all of that in one server-side function (`post_entry`, in `migrations/`)
//! called in autocommit: one round trip, and no lock is held across the network. Beyond a few
//! posts of one organisation at once, the others wait and are written together: one statement
//! calls `post_entry` for each, so they share one commit, and each still answers for itself
//! (group commit, `group.rs`).
//! Every transaction takes its locks in one fixed order: the organisation row (key share),
//! then registry rows (members, role assignments) and accounts, then the event log's
//! per-organisation advisory lock (`pg_advisory_xact_lock(org_id)`, held until commit so seq
//! order is commit order), then balance rows in code order. A registry change (import, leave,
//! role) appends its events after its row locks, as a commit appends them after opening its
//! accounts and before posting.
//! Serialization failures (40001), deadlocks (40P01) and lost idempotency races (23505) retry
//! the whole transaction a bounded number of times ([`MAX_ATTEMPTS`]) with jittered backoff.
//! Batches ([`store::Store::post_batch`], [`store::Store::import_members`]) send whole columns
//! as arrays (`INSERT ... SELECT ... FROM UNNEST(...)`) and move each balance once per batch.
//!
//! What it deliberately does not know: the programme's rules (fund splits, dues, credit) and
//! who may do what; those live in the pure crates and the app. It does not validate entries
//! beyond what storage needs (a [`ledger::ValidEntry`] is balanced by construction), nor check
//! members' fields beyond what a row needs ([`registry::NewMember::check`] is the caller's).
//! It does not start or configure the server (`scripts/pg-up` does, for tests).
//!
//! [`baseline`] holds the raw insert path the benchmark compares against.

pub mod baseline;
mod events;
mod group;
mod journal;
mod members;
mod orgs;
mod primary;

use async_trait::async_trait;
use chrono::NaiveDate;
use ledger::{Account, AccountCode, TrialBalance, ValidEntry};
use primary::Primary;
use registry::{Member, MemberEdit, NewMember, NewRoleAssignment, RoleAssignment};
use sqlx::postgres::PgPoolOptions;
use sqlx::{ConnectOptions, PgPool};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use store::{
    Commit, Committed, EntryId, ImportOutcome, MemberId, NewEvent, NewOrg, Org, OrgId, Page,
    Posted, Store, StoreError, StoreResult, StoredEntry, StoredEvent, PROGRAMME_ORG,
};

/// Most times one call runs its transaction before giving up on retryable failures.
pub const MAX_ATTEMPTS: u32 = 12;
/// Connections a pool opened by [`PgStore::connect`] may hold.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 32;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// The PostgreSQL store. Cheap to clone: clones share one pool and one group commit.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// For a multi-host URL: the hosts, and which one the pool writes to (`primary.rs`).
    primary: Option<Arc<Primary>>,
    /// Single posts waiting to be written together (`group.rs`).
    groups: Arc<group::Groups>,
}

impl PgStore {
    /// Connects to `url` (`postgres://user:password@host:port/database`) with a pool of
    /// [`DEFAULT_MAX_CONNECTIONS`] and applies the migrations. A multi-host URL
    /// (`postgres://user:password@h1:p1,h2:p2/database?target_session_attrs=read-write`, what
    /// `pg_autoctl show uri` prints) connects to the first host that takes writes and follows
    /// the primary when it changes (`primary.rs`).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        PgStore::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Like [`PgStore::connect`] with a chosen pool size (at least 1).
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let (options, target) = primary::options(url)?;
        let options = options
            // Every statement would otherwise be logged; the hot path posts thousands a second.
            .disable_statement_logging()
            // Every query is keyed by org_id and shaped for one index; re-planning the posting
            // statement's custom plan on each call cost ~6x the throughput with 16 writers
            // (measured with `tequio bench`), so the server keeps the generic plan.
            .options([("plan_cache_mode", "force_generic_plan")]);
        let pool = PgPoolOptions::new().max_connections(max_connections.max(1));
        let connected = |e: sqlx::Error| StoreError::Backend(format!("connect: {e}"));
        let Some(target) = target else {
            let pool = pool
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(options)
                .await
                .map_err(connected)?;
            return PgStore::with_pool(pool).await;
        };
        let primary = Arc::new(Primary::new(target, options));
        let first = primary.find(primary::FOLLOW_FOR).await?;
        let (serves, current) = (Arc::clone(&primary), Arc::clone(&primary));
        let pool = pool
            .acquire_timeout(primary::ACQUIRE_TIMEOUT)
            // A new connection must land on the primary (it may have just become a standby).
            .after_connect(move |conn, _| {
                let primary = Arc::clone(&serves);
                Box::pin(async move {
                    match primary.serves(conn).await? {
                        true => Ok(()),
                        false => Err(sqlx::Error::Protocol("connected to a standby".into())),
                    }
                })
            })
            // A connection opened before the pool last changed primary is closed, not used.
            .before_acquire(move |_, meta| {
                let fresh = current.is_current(meta.age);
                Box::pin(async move { Ok(fresh) })
            })
            // No connection yet: the first is opened by the migrations below, which follow
            // the primary when the one just found goes before they are done.
            .connect_lazy_with(first);
        // The migrations too run again on the new primary when the old one goes mid-way.
        let mut followed = 0;
        loop {
            let started = std::time::Instant::now();
            match MIGRATOR.run(&pool).await {
                Ok(()) => break,
                Err(
                    sqlx::migrate::MigrateError::Execute(e)
                    | sqlx::migrate::MigrateError::ExecuteMigration(e, _),
                ) if followed < MAX_FOLLOWS && primary::needs_primary(&e) => {
                    followed += 1;
                    tracing::warn!(error = %e, "the PostgreSQL server did not take the migrations");
                    primary.follow(&pool, started, "migrations").await?;
                }
                Err(e) => return Err(StoreError::Backend(format!("migrations: {e}"))),
            }
        }
        Ok(PgStore {
            pool,
            primary: Some(primary),
            groups: Arc::default(),
        })
    }

    /// Uses an existing pool, applying the migrations first.
    pub async fn with_pool(pool: PgPool) -> Result<Self, StoreError> {
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(format!("migrations: {e}")))?;
        Ok(PgStore {
            pool,
            primary: None,
            groups: Arc::default(),
        })
    }

    /// The pool and the primary it follows, for [`retrying`].
    fn follow(&self) -> Follow<'_> {
        Follow {
            pool: &self.pool,
            primary: self.primary.as_ref(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// How one attempt at a transaction ended, when it did not succeed.
#[derive(Debug)]
enum Attempt {
    /// A final answer for the caller (not found, conflict, invalid): never retried.
    Fail(StoreError),
    /// The database failed; retried when the failure is transient.
    Db(sqlx::Error),
    /// The attempt saw a state a concurrent transaction is about to change: run it again.
    Again(&'static str),
}

impl From<sqlx::Error> for Attempt {
    fn from(e: sqlx::Error) -> Self {
        Attempt::Db(e)
    }
}

impl From<StoreError> for Attempt {
    fn from(e: StoreError) -> Self {
        Attempt::Fail(e)
    }
}

type AttemptResult<T> = Result<T, Attempt>;

const SERIALIZATION_FAILURE: &str = "40001";
const DEADLOCK_DETECTED: &str = "40P01";
const UNIQUE_VIOLATION: &str = "23505";
const NUMERIC_OUT_OF_RANGE: &str = "22003";

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    match e {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// Whether running the whole transaction again may succeed.
fn is_transient(e: &sqlx::Error) -> bool {
    matches!(
        sqlstate(e).as_deref(),
        Some(SERIALIZATION_FAILURE | DEADLOCK_DETECTED | UNIQUE_VIOLATION)
    )
}

/// The final error for a database failure.
fn backend(e: sqlx::Error) -> StoreError {
    match sqlstate(&e).as_deref() {
        Some(UNIQUE_VIOLATION) => {
            StoreError::conflict(format!("a concurrent write kept winning: {e}"))
        }
        Some(NUMERIC_OUT_OF_RANGE) => {
            StoreError::invalid(format!("an amount overflows the range of minor units: {e}"))
        }
        _ => StoreError::Backend(e.to_string()),
    }
}

/// A delay of about `2^attempt` milliseconds (capped at 64 ms), jittered to 50..150%.
fn backoff(attempt: u32) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let base_micros: u64 = 1_000u64 << attempt.min(6);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(attempt);
    let jitter = hasher.finish() % base_micros;
    Duration::from_micros(base_micros / 2 + jitter)
}

/// Most times one call follows the primary to a new server before it gives up.
const MAX_FOLLOWS: u32 = 5;

/// Where a transaction runs: the pool, and the primary it follows when the URL named several
/// hosts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Follow<'a> {
    pool: &'a PgPool,
    primary: Option<&'a Arc<Primary>>,
}

/// Runs `attempt` until it succeeds, fails for good, or [`MAX_ATTEMPTS`] are used up.
/// `attempt` must run a whole transaction: whatever it did is rolled back when it fails.
/// With several hosts, a failure that says the server went away or became a standby finds the
/// primary (`primary.rs`) and runs the transaction again: every write is keyed, so one whose
/// first attempt did commit answers as a replay (`created: false`), never a second effect.
async fn retrying<T, F, Fut>(
    follow: Follow<'_>,
    what: &'static str,
    mut attempt: F,
) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AttemptResult<T>>,
{
    let mut tries = 0;
    let mut followed = 0;
    loop {
        tries += 1;
        let started = std::time::Instant::now();
        let err = match attempt().await {
            Ok(value) => return Ok(value),
            Err(Attempt::Fail(e)) => return Err(e),
            Err(Attempt::Db(e))
                if followed < MAX_FOLLOWS
                    && follow.primary.is_some()
                    && primary::needs_primary(&e) =>
            {
                followed += 1;
                tries -= 1;
                tracing::warn!(what, error = %e, "the PostgreSQL server did not take the write");
                if let Some(primary) = follow.primary {
                    primary.follow(follow.pool, started, what).await?;
                }
                continue;
            }
            Err(Attempt::Db(e)) if !is_transient(&e) || tries >= MAX_ATTEMPTS => {
                return Err(backend(e))
            }
            Err(Attempt::Again(why)) if tries >= MAX_ATTEMPTS => {
                return Err(StoreError::Backend(format!(
                    "{what}: gave up after {tries} attempts: {why}"
                )))
            }
            Err(Attempt::Db(e)) => e.to_string(),
            Err(Attempt::Again(why)) => why.to_string(),
        };
        tracing::debug!(what, tries, err, "retrying transaction");
        tokio::time::sleep(backoff(tries)).await;
    }
}

/// A stored text that no longer parses: the database was changed behind the store's back.
fn corrupt(what: impl std::fmt::Display) -> Attempt {
    Attempt::Fail(StoreError::Backend(format!(
        "stored data is corrupt: {what}"
    )))
}

fn clamp_limit(page: Page) -> i64 {
    i64::from(page.limit.min(store::MAX_PAGE))
}

#[async_trait]
impl Store for PgStore {
    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org> {
        retrying(self.follow(), "create_org", || {
            orgs::create_org(&self.pool, org)
        })
        .await
    }

    async fn org(&self, org_id: OrgId) -> StoreResult<Org> {
        retrying(self.follow(), "org", || orgs::org(&self.pool, org_id)).await
    }

    async fn org_by_slug(&self, slug: &str) -> StoreResult<Org> {
        retrying(self.follow(), "org_by_slug", || {
            orgs::org_by_slug(&self.pool, slug)
        })
        .await
    }

    async fn orgs(&self) -> StoreResult<Vec<Org>> {
        retrying(self.follow(), "orgs", || orgs::orgs(&self.pool)).await
    }

    async fn open_accounts(&self, org_id: OrgId, accounts: &[Account]) -> StoreResult<()> {
        retrying(self.follow(), "open_accounts", || {
            orgs::open_accounts(&self.pool, org_id, accounts)
        })
        .await
    }

    async fn accounts(&self, org_id: OrgId) -> StoreResult<Vec<Account>> {
        retrying(self.follow(), "accounts", || {
            orgs::accounts(&self.pool, org_id)
        })
        .await
    }

    async fn post(&self, org_id: OrgId, entry: &ValidEntry) -> StoreResult<Posted> {
        group::post(&self.groups, self.follow(), org_id, entry).await
    }

    async fn post_batch(&self, org_id: OrgId, entries: &[ValidEntry]) -> StoreResult<Vec<Posted>> {
        let plan = journal::BatchPlan::new(entries)?;
        retrying(self.follow(), "post_batch", || {
            journal::post_batch(&self.pool, org_id, &plan)
        })
        .await
    }

    async fn entry(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<StoredEntry> {
        retrying(self.follow(), "entry", || {
            journal::entry(&self.pool, org_id, entry_id)
        })
        .await
    }

    async fn entries(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<StoredEntry>> {
        retrying(self.follow(), "entries", || {
            journal::entries(&self.pool, org_id, page)
        })
        .await
    }

    async fn balances(&self, org_id: OrgId) -> StoreResult<TrialBalance> {
        retrying(self.follow(), "balances", || {
            journal::balances(&self.pool, org_id)
        })
        .await
    }

    async fn derived_balances(&self, org_id: OrgId) -> StoreResult<TrialBalance> {
        retrying(self.follow(), "derived_balances", || {
            journal::derived_balances(&self.pool, org_id)
        })
        .await
    }

    async fn account_balance(&self, org_id: OrgId, account: &AccountCode) -> StoreResult<i64> {
        retrying(self.follow(), "account_balance", || {
            journal::account_balance(&self.pool, org_id, account)
        })
        .await
    }

    async fn account_entries(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        retrying(self.follow(), "account_entries", || {
            journal::account_entries(&self.pool, org_id, account, page)
        })
        .await
    }

    async fn account_entries_dated(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        from: NaiveDate,
        until: NaiveDate,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        retrying(self.follow(), "account_entries_dated", || {
            journal::account_entries_dated(&self.pool, org_id, account, (from, until), page)
        })
        .await
    }

    async fn reversal_of(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<Option<EntryId>> {
        retrying(self.follow(), "reversal_of", || {
            journal::reversal_of(&self.pool, org_id, entry_id)
        })
        .await
    }

    async fn import_members(
        &self,
        org_id: OrgId,
        members: &[NewMember],
        events: &[NewEvent],
    ) -> StoreResult<ImportOutcome> {
        let plan = members::ImportPlan::new(members)?;
        store::check_events(events)?;
        retrying(self.follow(), "import_members", || {
            members::import_members(&self.pool, org_id, &plan, events)
        })
        .await
    }

    async fn member(&self, org_id: OrgId, member_id: MemberId) -> StoreResult<Member> {
        retrying(self.follow(), "member", || {
            members::member(&self.pool, org_id, member_id)
        })
        .await
    }

    async fn member_and_account_version(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        account: &AccountCode,
    ) -> StoreResult<(Member, store::AccountVersion)> {
        retrying(self.follow(), "member_and_account_version", || {
            members::member_and_account_version(&self.pool, org_id, member_id, account)
        })
        .await
    }

    async fn member_by_curp(&self, org_id: OrgId, curp: &str) -> StoreResult<Member> {
        retrying(self.follow(), "member_by_curp", || {
            members::member_by_curp(&self.pool, org_id, curp)
        })
        .await
    }

    async fn members(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<Member>> {
        retrying(self.follow(), "members", || {
            members::members(&self.pool, org_id, page)
        })
        .await
    }

    async fn count_members(&self, org_id: OrgId) -> StoreResult<u64> {
        retrying(self.follow(), "count_members", || {
            members::count_members(&self.pool, org_id)
        })
        .await
    }

    async fn record_leave(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        left_on: NaiveDate,
        reason: &str,
        events: &[NewEvent],
    ) -> StoreResult<Member> {
        store::check_events(events)?;
        retrying(self.follow(), "record_leave", || {
            members::record_leave(&self.pool, org_id, member_id, left_on, reason, events)
        })
        .await
    }

    async fn update_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        edit: &MemberEdit,
        events: &[NewEvent],
    ) -> StoreResult<Member> {
        store::check_events(events)?;
        retrying(self.follow(), "update_member", || {
            members::update_member(&self.pool, org_id, member_id, edit, events)
        })
        .await
    }

    async fn assign_roles(
        &self,
        org_id: OrgId,
        assignments: &[NewRoleAssignment],
        events: &[NewEvent],
    ) -> StoreResult<Vec<RoleAssignment>> {
        store::check_assign_roles(assignments, events)?;
        retrying(self.follow(), "assign_roles", || {
            members::assign_roles(&self.pool, org_id, assignments, events)
        })
        .await
    }

    async fn end_role(
        &self,
        org_id: OrgId,
        assignment_id: i64,
        until: NaiveDate,
        events: &[NewEvent],
    ) -> StoreResult<RoleAssignment> {
        store::check_events(events)?;
        retrying(self.follow(), "end_role", || {
            members::end_role(&self.pool, org_id, assignment_id, until, events)
        })
        .await
    }

    async fn commit(&self, org_id: OrgId, commit: &Commit) -> StoreResult<Committed> {
        store::check_commit(commit)?;
        if org_id == PROGRAMME_ORG && (!commit.accounts.is_empty() || !commit.entries.is_empty()) {
            return Err(StoreError::invalid(
                "org_id: the programme takes events only, not accounts or entries",
            ));
        }
        let plan = journal::BatchPlan::new(&commit.entries)?;
        retrying(self.follow(), "commit", || async {
            let mut tx = self.pool.begin().await?;
            if org_id != PROGRAMME_ORG {
                orgs::require_org(&mut tx, org_id).await?;
            }
            orgs::open_accounts_in(&mut tx, org_id, &commit.accounts).await?;
            let events = events::append(&mut tx, org_id, &commit.events).await?;
            let posted = journal::post_batch_in(&mut tx, org_id, &plan).await?;
            tx.commit().await?;
            Ok(Committed { events, posted })
        })
        .await
    }

    async fn events(
        &self,
        org_id: OrgId,
        stream: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<StoredEvent>> {
        retrying(self.follow(), "events", || {
            events::events(&self.pool, org_id, stream, page)
        })
        .await
    }

    async fn event_by_key(&self, org_id: OrgId, key: &str) -> StoreResult<StoredEvent> {
        retrying(self.follow(), "event_by_key", || {
            events::event_by_key(&self.pool, org_id, key)
        })
        .await
    }

    async fn roles(&self, org_id: OrgId) -> StoreResult<Vec<RoleAssignment>> {
        retrying(self.follow(), "roles", || {
            members::roles(&self.pool, org_id)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for attempt in 1..40 {
            let d = backoff(attempt);
            let base = 1_000u64 << attempt.min(6);
            assert!(d >= Duration::from_micros(base / 2), "{attempt}: {d:?}");
            assert!(d < Duration::from_micros(base * 3 / 2), "{attempt}: {d:?}");
        }
    }

    #[test]
    fn only_serialization_deadlock_and_unique_races_are_transient() {
        assert!(!is_transient(&sqlx::Error::RowNotFound));
        assert!(!is_transient(&sqlx::Error::PoolTimedOut));
    }
}
