//! The embedded SQLite implementation of [`store::Store`] (ARCHITECTURE-BRIEF.md, "Storage").
//!
//! One database file in WAL mode with `synchronous=FULL` (money must survive a power cut),
//! foreign keys on and a busy timeout. Every write is one transaction opened with
//! `BEGIN IMMEDIATE`, so a writer takes the write lock before it reads what it checks; writers
//! inside one process also queue on an async mutex instead of spinning on SQLITE_BUSY, and all
//! write through one dedicated connection, whose page cache stays warm from one write to the
//! next (readers use a pool of their own).
//!
//! Every table is keyed by `org_id` first and every query filters by it, so another
//! organisation's id answers exactly like a missing one (R-ORG-1). Ids of entries, members and
//! role assignments are numbered per organisation (1, 2, 3, ...), allocated inside the write
//! transaction.
//!
//! Bulk paths (batched posting, member import) use multi-row `INSERT ... VALUES` statements,
//! look up idempotency keys for a whole batch at once (`json_each`), and add the batch's change
//! to each touched materialised balance once per batch; the balance's CHECK refuses a sum that
//! leaves `i64`, and its foreign key an account not open in the posting's currency.
//!
//! It deliberately does not know the programme's rules (what an entry means, who may post it,
//! whether a member's data is plausible): callers hand it validated values from `ledger` and
//! `registry`, and it keeps only the storage rules of the [`store::Store`] contract.

mod checkpoint;
mod events;
mod journal;
mod orgs;
mod people;
mod sql;

pub mod baseline;

use async_trait::async_trait;
use chrono::NaiveDate;
use ledger::{Account, AccountCode, TrialBalance, ValidEntry};
use registry::{Member, MemberEdit, NewMember, NewRoleAssignment, RoleAssignment};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, Sqlite, Transaction};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;
use store::{
    Commit, Committed, EntryId, ImportOutcome, MemberId, NewEvent, NewOrg, Org, OrgId, Page,
    Posted, Store, StoreError, StoreResult, StoredEntry, StoredEvent, PROGRAMME_ORG,
};
use tokio::sync::{MappedMutexGuard, MutexGuard};

/// How long a connection waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Page size of a new database file (an existing file keeps its own): larger pages mean
/// fewer B-tree splits and page writes per batch of postings.
const PAGE_SIZE_BYTES: u32 = 16_384;

/// Page cache per connection (negative: KiB), so a batch's index pages stay in memory.
const CACHE_SIZE: &str = "-32768";
/// Connections of a file database (one writer at a time, readers in parallel under WAL).
const FILE_POOL_CONNECTIONS: u32 = 4;

/// A Tequio store in one SQLite database.
#[derive(Debug)]
pub struct SqliteStore {
    /// Readers (and, in memory, writers too).
    pool: SqlitePool,
    /// Writers of this process take turns here before `BEGIN IMMEDIATE`.
    writer: tokio::sync::Mutex<Writer>,
}

/// Where writes go.
#[derive(Debug)]
enum Writer {
    /// A file database: one connection kept for writes. Its page cache stays warm from one
    /// write to the next (a pooled connection whose turn comes after another connection wrote
    /// starts with its cache discarded), and it is never handed back to a pool between writes.
    Direct(DirectWriter),
    /// In memory: the pool's one connection, which readers share.
    Pooled,
}

#[derive(Debug)]
struct DirectWriter {
    conn: SqliteConnection,
    /// A transaction was begun and not (known to be) ended: a write whose future was dropped,
    /// or whose end failed. The next writer rolls it back first.
    open: bool,
    /// Copies committed pages from the log into the database file in the background.
    checkpointer: checkpoint::Checkpointer,
}

impl SqliteStore {
    /// Opens (creating if missing) the database file at `path` and applies pending migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .page_size(PAGE_SIZE_BYTES)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("cache_size", CACHE_SIZE)
            .pragma("temp_store", "memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_POOL_CONNECTIONS)
            // No ping before each query: a connection to a file in this process cannot have
            // been dropped by a server, and the ping was a second hop to the connection's
            // thread for every query (issue 15: about a tenth of a statement read's CPU).
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .map_err(backend)?;
        migrate(&pool).await?;
        let conn = options
            .pragma(
                "wal_autocheckpoint",
                checkpoint::WRITER_AUTOCHECKPOINT_PAGES.to_string(),
            )
            .connect()
            .await
            .map_err(backend)?;
        Ok(SqliteStore {
            pool: pool.clone(),
            writer: tokio::sync::Mutex::new(Writer::Direct(DirectWriter {
                conn,
                open: false,
                checkpointer: checkpoint::Checkpointer::spawn(pool),
            })),
        })
    }

    /// A private in-memory database, for tests: one connection that is never closed, so every
    /// call sees the same database and it lives as long as the store.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(backend)?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(backend)?;
        migrate(&pool).await?;
        Ok(SqliteStore {
            pool,
            writer: tokio::sync::Mutex::new(Writer::Pooled),
        })
    }

    /// The connection pool, for benchmarks ([`baseline`]) and diagnostics.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Opens a write transaction with `BEGIN IMMEDIATE`, after this process's earlier writers.
    /// Dropped without [`finish`](Self::finish) (a cancelled future), it rolls back: a pooled
    /// transaction when dropped, the direct connection's at the next writer's turn.
    async fn begin(&self) -> StoreResult<Write<'_>> {
        let turn = self.writer.lock().await;
        let direct = MutexGuard::try_map(turn, |writer| match writer {
            Writer::Direct(direct) => Some(direct),
            Writer::Pooled => None,
        });
        match direct {
            Ok(mut direct) => {
                if direct.open {
                    // Nothing to roll back is fine: the transaction may never have begun.
                    let _ = exec(&mut direct.conn, "ROLLBACK").await;
                }
                // Marked before it runs: a dropped future may still begin it.
                direct.open = true;
                exec(&mut direct.conn, "BEGIN IMMEDIATE")
                    .await
                    .map_err(backend)?;
                Ok(Write::Direct(direct))
            }
            Err(turn) => {
                let tx = self
                    .pool
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(backend)?;
                Ok(Write::Pooled { _turn: turn, tx })
            }
        }
    }

    /// Commits when the work succeeded, rolls back when it failed.
    async fn finish<T>(write: Write<'_>, result: StoreResult<T>) -> StoreResult<T> {
        match write {
            Write::Direct(mut direct) => {
                let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
                match exec(&mut direct.conn, end).await {
                    Ok(_) => {
                        direct.open = false;
                        if result.is_ok() {
                            direct.checkpointer.committed();
                        }
                    }
                    Err(e) => {
                        // A failed COMMIT may leave the transaction open: end it now rather
                        // than hold the database's write lock until this process writes again.
                        if exec(&mut direct.conn, "ROLLBACK").await.is_ok() {
                            direct.open = false;
                        }
                        return Err(backend(e));
                    }
                }
                result
            }
            Write::Pooled { tx, .. } => match result {
                Ok(value) => {
                    tx.commit().await.map_err(backend)?;
                    Ok(value)
                }
                Err(e) => {
                    tx.rollback().await.map_err(backend)?;
                    Err(e)
                }
            },
        }
    }
}

/// Runs one statement of transaction control. Boxed: it names the future's type, which the
/// `async_trait` methods need to prove it `Send`.
fn exec<'c>(
    conn: &'c mut SqliteConnection,
    sql: &'static str,
) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + 'c>> {
    Box::pin(async move { sqlx::query(sql).execute(&mut *conn).await.map(drop) })
}

async fn migrate(pool: &SqlitePool) -> StoreResult<()> {
    sqlx::migrate!("./migrations")
        .run(pool)
        .await
        .map_err(|e| StoreError::Backend(format!("migrations: {e}")))
}

/// One write transaction and this process's turn to write.
enum Write<'s> {
    Direct(MappedMutexGuard<'s, DirectWriter>),
    Pooled {
        _turn: MutexGuard<'s, Writer>,
        tx: Transaction<'static, Sqlite>,
    },
}

impl Write<'_> {
    /// The connection the transaction is open on.
    fn conn(&mut self) -> &mut SqliteConnection {
        match self {
            Write::Direct(direct) => &mut direct.conn,
            Write::Pooled { tx, .. } => tx,
        }
    }
}

/// Maps a database error: a uniqueness violation is a conflict, anything else a backend error.
pub(crate) fn backend(e: sqlx::Error) -> StoreError {
    if let Some(db) = e.as_database_error() {
        if db.kind() == sqlx::error::ErrorKind::UniqueViolation {
            return StoreError::conflict(db.message().to_string());
        }
    }
    StoreError::Backend(e.to_string())
}

/// A stored value that does not decode: the database was changed behind the store's back.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("corrupt row: {what}"))
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_org(&self, org: &NewOrg) -> StoreResult<Org> {
        store::check_slug(&org.slug)?;
        let mut w = self.begin().await?;
        let result = orgs::create_org(w.conn(), org).await;
        Self::finish(w, result).await
    }

    async fn org(&self, org_id: OrgId) -> StoreResult<Org> {
        orgs::org(&self.pool, org_id).await
    }

    async fn org_by_slug(&self, slug: &str) -> StoreResult<Org> {
        orgs::org_by_slug(&self.pool, slug).await
    }

    async fn orgs(&self) -> StoreResult<Vec<Org>> {
        orgs::orgs(&self.pool).await
    }

    async fn open_accounts(&self, org_id: OrgId, accounts: &[Account]) -> StoreResult<()> {
        let mut w = self.begin().await?;
        let result = async {
            orgs::require_org(w.conn(), org_id).await?;
            orgs::open_accounts(w.conn(), org_id, accounts).await
        }
        .await;
        Self::finish(w, result).await
    }

    async fn accounts(&self, org_id: OrgId) -> StoreResult<Vec<Account>> {
        orgs::accounts(&self.pool, org_id).await
    }

    async fn post(&self, org_id: OrgId, entry: &ValidEntry) -> StoreResult<Posted> {
        let prepared = journal::Prepared::new(std::slice::from_ref(entry))?;
        let mut w = self.begin().await?;
        let result = journal::post(w.conn(), org_id, prepared).await;
        let posted = Self::finish(w, result).await?;
        posted
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Backend("post: no result for the entry".into()))
    }

    async fn post_batch(&self, org_id: OrgId, entries: &[ValidEntry]) -> StoreResult<Vec<Posted>> {
        if entries.len() > store::MAX_BATCH_ENTRIES {
            return Err(StoreError::invalid(format!(
                "batch of {} entries exceeds the limit of {}",
                entries.len(),
                store::MAX_BATCH_ENTRIES
            )));
        }
        if entries.is_empty() {
            return Ok(Vec::new());
        }
        let prepared = journal::Prepared::new(entries)?;
        let mut w = self.begin().await?;
        let result = journal::post(w.conn(), org_id, prepared).await;
        Self::finish(w, result).await
    }

    async fn entry(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<StoredEntry> {
        journal::entry(&self.pool, org_id, entry_id).await
    }

    async fn entries(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<StoredEntry>> {
        journal::entries(&self.pool, org_id, page).await
    }

    async fn balances(&self, org_id: OrgId) -> StoreResult<TrialBalance> {
        journal::balances(&self.pool, org_id).await
    }

    async fn derived_balances(&self, org_id: OrgId) -> StoreResult<TrialBalance> {
        journal::derived_balances(&self.pool, org_id).await
    }

    async fn account_balance(&self, org_id: OrgId, account: &AccountCode) -> StoreResult<i64> {
        journal::account_balance(&self.pool, org_id, account).await
    }

    async fn account_entries(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        journal::account_entries(&self.pool, org_id, account, page).await
    }

    async fn account_entries_dated(
        &self,
        org_id: OrgId,
        account: &AccountCode,
        from: NaiveDate,
        until: NaiveDate,
        page: Page,
    ) -> StoreResult<Vec<StoredEntry>> {
        journal::account_entries_dated(&self.pool, org_id, account, (from, until), page).await
    }

    async fn reversal_of(&self, org_id: OrgId, entry_id: EntryId) -> StoreResult<Option<EntryId>> {
        journal::reversal_of(&self.pool, org_id, entry_id).await
    }

    async fn import_members(
        &self,
        org_id: OrgId,
        members: &[NewMember],
        events: &[NewEvent],
    ) -> StoreResult<ImportOutcome> {
        if members.len() > store::MAX_IMPORT_MEMBERS {
            return Err(StoreError::invalid(format!(
                "import of {} members exceeds the limit of {}",
                members.len(),
                store::MAX_IMPORT_MEMBERS
            )));
        }
        store::check_events(events)?;
        let mut w = self.begin().await?;
        let result = async {
            // A conflicting event is refused before anything is written. A replay imports
            // nothing new (imports are idempotent by CURP) and appends nothing.
            events::is_replay(w.conn(), org_id, events).await?;
            let outcome = people::import_members(w.conn(), org_id, members).await?;
            events::append(w.conn(), org_id, events).await?;
            Ok(outcome)
        }
        .await;
        Self::finish(w, result).await
    }

    async fn member(&self, org_id: OrgId, member_id: MemberId) -> StoreResult<Member> {
        people::member(&self.pool, org_id, member_id).await
    }

    async fn member_and_account_version(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        account: &AccountCode,
    ) -> StoreResult<(Member, store::AccountVersion)> {
        people::member_and_account_version(&self.pool, org_id, member_id, account).await
    }

    async fn member_by_curp(&self, org_id: OrgId, curp: &str) -> StoreResult<Member> {
        people::member_by_curp(&self.pool, org_id, curp).await
    }

    async fn members(&self, org_id: OrgId, page: Page) -> StoreResult<Vec<Member>> {
        people::members(&self.pool, org_id, page).await
    }

    async fn count_members(&self, org_id: OrgId) -> StoreResult<u64> {
        people::count_members(&self.pool, org_id).await
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
        let mut w = self.begin().await?;
        let result = async {
            if events::is_replay(w.conn(), org_id, events).await? {
                return people::member_in(w.conn(), org_id, member_id).await;
            }
            let member = people::record_leave(w.conn(), org_id, member_id, left_on, reason).await?;
            events::append(w.conn(), org_id, events).await?;
            Ok(member)
        }
        .await;
        Self::finish(w, result).await
    }

    async fn update_member(
        &self,
        org_id: OrgId,
        member_id: MemberId,
        edit: &MemberEdit,
        events: &[NewEvent],
    ) -> StoreResult<Member> {
        store::check_events(events)?;
        let mut w = self.begin().await?;
        let result = async {
            if events::is_replay(w.conn(), org_id, events).await? {
                return people::member_in(w.conn(), org_id, member_id).await;
            }
            let member = people::update_member(w.conn(), org_id, member_id, edit).await?;
            events::append(w.conn(), org_id, events).await?;
            Ok(member)
        }
        .await;
        Self::finish(w, result).await
    }

    async fn assign_roles(
        &self,
        org_id: OrgId,
        assignments: &[NewRoleAssignment],
        events: &[NewEvent],
    ) -> StoreResult<Vec<RoleAssignment>> {
        store::check_assign_roles(assignments, events)?;
        let mut w = self.begin().await?;
        let result = async {
            let replay = events::is_replay(w.conn(), org_id, events).await?;
            let mut answered = Vec::with_capacity(assignments.len());
            for assignment in assignments {
                answered.push(if replay {
                    people::latest_role_like(w.conn(), org_id, assignment).await?
                } else {
                    people::assign_role(w.conn(), org_id, assignment).await?
                });
            }
            if !replay {
                events::append(w.conn(), org_id, events).await?;
            }
            Ok(answered)
        }
        .await;
        Self::finish(w, result).await
    }

    async fn end_role(
        &self,
        org_id: OrgId,
        assignment_id: i64,
        until: NaiveDate,
        events: &[NewEvent],
    ) -> StoreResult<RoleAssignment> {
        store::check_events(events)?;
        let mut w = self.begin().await?;
        let result = async {
            if events::is_replay(w.conn(), org_id, events).await? {
                return people::role_in(w.conn(), org_id, assignment_id).await;
            }
            let ended = people::end_role(w.conn(), org_id, assignment_id, until).await?;
            events::append(w.conn(), org_id, events).await?;
            Ok(ended)
        }
        .await;
        Self::finish(w, result).await
    }

    async fn commit(&self, org_id: OrgId, commit: &Commit) -> StoreResult<Committed> {
        store::check_commit(commit)?;
        let prepared = journal::Prepared::new(&commit.entries)?;
        let mut w = self.begin().await?;
        let result = async {
            if org_id != PROGRAMME_ORG {
                orgs::require_org(w.conn(), org_id).await?;
            } else if !commit.accounts.is_empty() || !commit.entries.is_empty() {
                return Err(StoreError::invalid(
                    "org_id: the programme takes events only, not accounts or entries",
                ));
            }
            if !commit.accounts.is_empty() {
                orgs::open_accounts(w.conn(), org_id, &commit.accounts).await?;
            }
            let events = events::append(w.conn(), org_id, &commit.events).await?;
            let posted = if commit.entries.is_empty() {
                Vec::new()
            } else {
                journal::post(w.conn(), org_id, prepared).await?
            };
            Ok(Committed { events, posted })
        }
        .await;
        Self::finish(w, result).await
    }

    async fn events(
        &self,
        org_id: OrgId,
        stream: Option<&str>,
        page: Page,
    ) -> StoreResult<Vec<StoredEvent>> {
        events::events(&self.pool, org_id, stream, page).await
    }

    async fn event_by_key(&self, org_id: OrgId, key: &str) -> StoreResult<StoredEvent> {
        events::event_by_key(&self.pool, org_id, key).await
    }

    async fn roles(&self, org_id: OrgId) -> StoreResult<Vec<RoleAssignment>> {
        people::roles(&self.pool, org_id).await
    }
}
