//! The journal: appending entries with their postings and materialised balances, and reading
//! them back.

use crate::sql::{json_ints, json_strings, multi_row_insert, rows_per_statement};
use crate::{backend, corrupt};
use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, TrialBalance, ValidEntry};
use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Row};
use std::collections::HashMap;
use store::{EntryId, OrgId, Page, Posted, StoreError, StoreResult, StoredEntry, MAX_PAGE};

/// A batch checked for what needs no database: keys repeated inside the batch resolved to
/// their first occurrence (a different payload is a conflict).
pub(crate) struct Prepared<'a> {
    entries: &'a [ValidEntry],
    /// For each entry, the index of the first entry of the batch with the same key.
    first_of: Vec<usize>,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(entries: &'a [ValidEntry]) -> StoreResult<Self> {
        let mut first_by_key: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
        let mut first_of = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let key = entry.idempotency_key().as_str();
            let first = *first_by_key.entry(key).or_insert(i);
            // Only a repeated key needs the payloads compared; the others are hashed later,
            // while the database reads (see `post`).
            if first != i && entries[first].fingerprint() != entry.fingerprint() {
                return Err(StoreError::conflict(format!(
                    "idempotency key '{key}' appears twice in the batch with different payloads"
                )));
            }
            first_of.push(first);
        }
        Ok(Prepared { entries, first_of })
    }
}

/// Batches at least this long hash their entries on two threads.
const PARALLEL_FINGERPRINTS: usize = 256;

/// `ValidEntry::fingerprint` of the entries at `firsts`, at their index in `entries` (the
/// others left empty); long lists split across two threads.
fn fingerprints(entries: &[ValidEntry], firsts: &[usize]) -> Vec<String> {
    let hash = |part: &[usize]| -> Vec<String> {
        part.iter().map(|&i| entries[i].fingerprint()).collect()
    };
    let hashed = if firsts.len() < PARALLEL_FINGERPRINTS {
        hash(firsts)
    } else {
        let (left, right) = firsts.split_at(firsts.len() / 2);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| hash(right));
            let mut all = hash(left);
            match other.join() {
                Ok(rest) => all.extend(rest),
                // The hashing thread cannot panic short of running out of memory; redo it.
                Err(_) => all.extend(hash(right)),
            }
            all
        })
    };
    let mut out = vec![String::new(); entries.len()];
    for (&i, fingerprint) in firsts.iter().zip(hashed) {
        out[i] = fingerprint;
    }
    out
}

/// What a batch needs to know of the database, read in one statement (see [`READ_STATE`]).
struct State {
    /// Keys of the batch posted before: entry id and fingerprint.
    posted_before: HashMap<String, (EntryId, String)>,
    /// The id the first new entry gets.
    next_id: EntryId,
    /// The entries the batch reverses that exist in this organisation.
    stored_targets: Vec<EntryId>,
}

/// Everything a post reads, in one statement and so in one hand-over to the database thread
/// (each costs a thread switch, which on a busy machine costs more than the query): whether
/// the organisation exists, which keys were posted before, the next entry id, and which
/// reversed entries exist. Neither balances nor accounts are read: the write adds the batch's
/// change to each balance, and a balance's foreign key refuses an account that is not open in
/// this organisation in the posting's currency (see [`write`] and [`name_refused_account`]).
/// The lists travel as JSON (one parameter each, `json_each`), and so do the answers: one row
/// holding every match costs less to hand over than a row per match.
const READ_STATE: &str = "\
SELECT
  (SELECT 1 FROM orgs WHERE id = ?1),
  (SELECT json_group_array(json_array(idempotency_key, id, fingerprint))
     FROM entries INDEXED BY entries_by_key
     WHERE org_id = ?1 AND idempotency_key IN (SELECT value FROM json_each(?2))),
  (SELECT COALESCE(MAX(id), 0) + 1 FROM entries WHERE org_id = ?1),
  (SELECT json_group_array(id) FROM entries
     WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?3)))";

async fn read_state(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    entries: &[ValidEntry],
    firsts: &[usize],
) -> StoreResult<State> {
    let keys = json_strings(
        firsts
            .iter()
            .map(|&i| entries[i].idempotency_key().as_str()),
    );
    let mut targets: Vec<EntryId> = firsts
        .iter()
        .filter_map(|&i| entries[i].reverses())
        .collect();
    targets.sort_unstable();
    targets.dedup();
    let row = sqlx::query(READ_STATE)
        .bind(org_id)
        .bind(keys)
        .bind(json_ints(targets))
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    let org: Option<i64> = row.try_get(0).map_err(backend)?;
    if org.is_none() {
        return Err(StoreError::not_found(format!("organisation {org_id}")));
    }
    let keys: &str = row.try_get(1).map_err(backend)?;
    let keys: Vec<(String, EntryId, String)> =
        serde_json::from_str(keys).map_err(|e| corrupt(format!("entries: {e}")))?;
    let next_id: EntryId = row.try_get(2).map_err(backend)?;
    let stored_targets: &str = row.try_get(3).map_err(backend)?;
    let stored_targets: Vec<EntryId> =
        serde_json::from_str(stored_targets).map_err(|e| corrupt(format!("entries: {e}")))?;
    Ok(State {
        posted_before: keys
            .into_iter()
            .map(|(key, id, fingerprint)| (key, (id, fingerprint)))
            .collect(),
        next_id,
        stored_targets,
    })
}

/// After a balance's foreign key refused the batch: reads the accounts the batch posts to and
/// names the first posting whose account is not open in this organisation, or is open in
/// another currency (the typed error `post` answers instead of the database's bare one).
async fn name_refused_account(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    entries: &[ValidEntry],
    fresh: &[usize],
) -> StoreResult<StoreError> {
    let mut codes: Vec<&str> = fresh
        .iter()
        .flat_map(|&i| entries[i].postings().iter().map(|p| p.account.as_str()))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    let open: Vec<(String, String)> = sqlx::query_as(
        "SELECT code, currency FROM accounts \
         WHERE org_id = ?1 AND code IN (SELECT value FROM json_each(?2))",
    )
    .bind(org_id)
    .bind(json_strings(codes))
    .fetch_all(&mut *conn)
    .await
    .map_err(backend)?;
    let open: HashMap<String, String> = open.into_iter().collect();
    for &i in fresh {
        for posting in entries[i].postings() {
            let code = posting.account.as_str();
            let currency = posting.amount.currency();
            match open.get(code) {
                None => {
                    return Ok(StoreError::invalid(format!(
                        "account '{code}' is not open in this organisation"
                    )))
                }
                Some(open_in) if open_in != currency.as_str() => {
                    return Ok(StoreError::invalid(format!(
                        "account '{code}' is in {open_in}, the posting in {currency}"
                    )))
                }
                Some(_) => {}
            }
        }
    }
    Err(corrupt(
        "a balance's foreign key refused a batch whose accounts are all open",
    ))
}

/// Appends the batch in order, all or nothing; the caller owns the transaction.
///
/// Two statements besides the caller's `BEGIN IMMEDIATE` and `COMMIT`: one reads what the
/// checks need ([`read_state`]), one writes entries, postings and balances ([`write`]).
pub(crate) async fn post(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    batch: Prepared<'_>,
) -> StoreResult<Vec<Posted>> {
    let entries = batch.entries;
    let firsts: Vec<usize> = (0..entries.len())
        .filter(|&i| batch.first_of[i] == i)
        .collect();
    // The database reads while this thread hashes: `join!` polls the read first, which hands
    // the statement to the database thread, then hashes, then waits for the read's answer.
    let (state, fingerprints) = tokio::join!(read_state(conn, org_id, entries, &firsts), async {
        fingerprints(entries, &firsts)
    });
    let State {
        posted_before,
        next_id,
        stored_targets,
    } = state?;

    // Keys posted before: same payload answers the first result, another payload conflicts.
    let mut ids: Vec<EntryId> = vec![0; entries.len()];
    let mut created = vec![false; entries.len()];
    let mut fresh: Vec<usize> = Vec::with_capacity(firsts.len());
    for &i in &firsts {
        let key = entries[i].idempotency_key().as_str();
        match posted_before.get(key) {
            Some((id, fingerprint)) if *fingerprint == fingerprints[i] => ids[i] = *id,
            Some(_) => {
                return Err(StoreError::conflict(format!(
                    "idempotency key '{key}' was already posted with a different payload"
                )))
            }
            None => fresh.push(i),
        }
    }

    if !fresh.is_empty() {
        let deltas = deltas(entries, &fresh)?;
        for (k, &i) in fresh.iter().enumerate() {
            ids[i] = next_id + k as i64;
            created[i] = true;
        }
        check_reversals(entries, &fresh, &ids, next_id, &stored_targets)?;
        let written = write(conn, org_id, entries, fingerprints, &fresh, &ids, &deltas).await;
        match written {
            Err(Refused::Account) => {
                return Err(name_refused_account(conn, org_id, entries, &fresh).await?)
            }
            Err(Refused::Other(e)) => return Err(e),
            Ok(()) => {}
        }
    }

    Ok((0..entries.len())
        .map(|i| {
            let first = batch.first_of[i];
            Posted {
                entry_id: ids[first],
                created: first == i && created[i],
            }
        })
        .collect())
}

/// What the batch adds to each balance, per account and currency (that the account is open in
/// that currency is checked by the database: see [`write`]); each change must fit in `i64`
/// (the new balance is checked by the database too).
fn deltas<'a>(
    entries: &'a [ValidEntry],
    fresh: &[usize],
) -> StoreResult<HashMap<(&'a str, Currency), i128>> {
    let mut deltas: HashMap<(&str, Currency), i128> = HashMap::new();
    for &i in fresh {
        for posting in entries[i].postings() {
            let key = (posting.account.as_str(), posting.amount.currency());
            *deltas.entry(key).or_insert(0) += posting.amount.amount_minor() as i128;
        }
    }
    for ((code, _), delta_minor) in &deltas {
        if i64::try_from(*delta_minor).is_err() {
            return Err(StoreError::invalid(format!(
                "account '{code}': the balance would overflow 64-bit minor units"
            )));
        }
    }
    Ok(deltas)
}

/// A reversal must point at an entry of this organisation posted before it: an earlier entry
/// of the batch, or one of `stored` (the targets found in the database).
fn check_reversals(
    entries: &[ValidEntry],
    fresh: &[usize],
    ids: &[EntryId],
    next_id: EntryId,
    stored: &[EntryId],
) -> StoreResult<()> {
    for &i in fresh {
        if let Some(target) = entries[i].reverses() {
            let earlier = target >= 1 && target < ids[i];
            if !earlier || (target < next_id && !stored.contains(&target)) {
                return Err(StoreError::invalid(format!(
                    "reverses: entry {target} is not an earlier entry of this organisation"
                )));
            }
        }
    }
    Ok(())
}

const INSERT_ENTRIES: &str = "INSERT INTO entries (org_id, id, idempotency_key, fingerprint, \
                              reason, rule_id, date, memo, reverses)";
const ENTRY_PARAMETERS: usize = 9;
const INSERT_POSTINGS: &str =
    "INSERT INTO postings (org_id, entry_id, seq, account_code, amount_minor, currency)";
const POSTING_PARAMETERS: usize = 6;
const UPSERT_BALANCES: &str =
    "INSERT INTO balances (org_id, account_code, currency, balance_minor)";
const UPSERT_BALANCES_TAIL: &str = "ON CONFLICT (org_id, account_code, currency) \
                                    DO UPDATE SET balance_minor = balance_minor + excluded.balance_minor";
const BALANCE_PARAMETERS: usize = 4;

/// Appends the new entries and their postings and adds the batch's change to the balance of
/// every touched account (once per account), all in one multi-statement query: one hand-over
/// to the database thread. A balance that would leave 64 bits becomes a REAL in SQLite's
/// arithmetic, which the column's CHECK refuses; a balance's foreign key refuses an account
/// not open in the posting's currency (`Refused::Account`). Either way the caller's
/// transaction rolls back and nothing is written. Multi-row `INSERT`s with anonymous
/// parameters, which SQLite binds in order across the statements; the statement text depends
/// only on the counts, so sqlx's statement cache keeps it prepared from one batch of the same
/// shape to the next.
async fn write(
    conn: &mut SqliteConnection,
    org_id: OrgId,
    entries: &[ValidEntry],
    mut fingerprints: Vec<String>,
    fresh: &[usize],
    ids: &[EntryId],
    deltas: &HashMap<(&str, Currency), i128>,
) -> Result<(), Refused> {
    let postings: Vec<(EntryId, i64, &Posting, Currency)> = fresh
        .iter()
        .flat_map(|&i| {
            entries[i]
                .postings()
                .iter()
                .enumerate()
                .map(move |(seq, p)| (ids[i], seq as i64, p, p.amount.currency()))
        })
        .collect();
    let mut touched: Vec<(&str, &str, i64)> = Vec::with_capacity(deltas.len());
    for ((code, currency), &delta_minor) in deltas {
        // Checked to fit in `deltas`.
        let delta = i64::try_from(delta_minor).map_err(|_| {
            Refused::Other(StoreError::invalid(format!("account '{code}': overflow")))
        })?;
        touched.push((*code, currency.as_str(), delta));
    }
    // The same accounts in the same order from one batch to the next: the same pages touched
    // in the same order.
    touched.sort_unstable_by(|a, b| a.0.cmp(b.0));

    let mut sql = String::new();
    for chunk in fresh.chunks(rows_per_statement(ENTRY_PARAMETERS)) {
        sql.push_str(&multi_row_insert(
            INSERT_ENTRIES,
            ENTRY_PARAMETERS,
            chunk.len(),
            ";",
        ));
    }
    for chunk in postings.chunks(rows_per_statement(POSTING_PARAMETERS)) {
        sql.push_str(&multi_row_insert(
            INSERT_POSTINGS,
            POSTING_PARAMETERS,
            chunk.len(),
            ";",
        ));
    }
    for chunk in touched.chunks(rows_per_statement(BALANCE_PARAMETERS)) {
        let tail = format!("{UPSERT_BALANCES_TAIL};");
        sql.push_str(&multi_row_insert(
            UPSERT_BALANCES,
            BALANCE_PARAMETERS,
            chunk.len(),
            &tail,
        ));
    }

    // Reserved up front: tens of thousands of values, which a growing vector copied over and
    // over. The fingerprints are moved in: sqlx copies every borrowed text before handing it
    // to its database thread, and an owned one only moves.
    let mut args = SqliteArguments::default();
    args.reserve(
        fresh.len() * ENTRY_PARAMETERS
            + postings.len() * POSTING_PARAMETERS
            + touched.len() * BALANCE_PARAMETERS,
        0,
    );
    for &i in fresh {
        let e = &entries[i];
        add(&mut args, org_id)?;
        add(&mut args, ids[i])?;
        add(&mut args, e.idempotency_key().as_str())?;
        add(&mut args, std::mem::take(&mut fingerprints[i]))?;
        add(&mut args, e.reason().as_str())?;
        add(&mut args, e.rule_id().as_str())?;
        add(&mut args, e.date())?;
        add(&mut args, e.memo())?;
        add(&mut args, e.reverses())?;
    }
    for (entry_id, seq, p, currency) in &postings {
        add(&mut args, org_id)?;
        add(&mut args, *entry_id)?;
        add(&mut args, *seq)?;
        add(&mut args, p.account.as_str())?;
        add(&mut args, p.amount.amount_minor())?;
        add(&mut args, currency.as_str())?;
    }
    for &(code, currency, delta) in &touched {
        add(&mut args, org_id)?;
        add(&mut args, code)?;
        add(&mut args, currency)?;
        add(&mut args, delta)?;
    }
    let query = sqlx::query_with(&sql, args);
    query.execute(&mut *conn).await.map_err(|e| {
        match e.as_database_error().map(|db| db.kind()) {
            Some(sqlx::error::ErrorKind::CheckViolation) => Refused::Other(StoreError::invalid(
                "a balance would overflow 64-bit minor units",
            )),
            Some(sqlx::error::ErrorKind::ForeignKeyViolation) => Refused::Account,
            _ => Refused::Other(backend(e)),
        }
    })?;
    Ok(())
}

/// Appends one value to a statement's arguments.
fn add<'q, T>(args: &mut SqliteArguments<'q>, value: T) -> Result<(), Refused>
where
    T: sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + 'q,
{
    args.add(value)
        .map_err(|e| Refused::Other(StoreError::Backend(format!("binding a value: {e}"))))
}

/// Why [`write`] failed.
enum Refused {
    /// A balance's foreign key: an account not open in this organisation in the posting's
    /// currency (`name_refused_account` says which).
    Account,
    Other(StoreError),
}

// ---- Reading ----

const ENTRY_COLUMNS: &str = "id, idempotency_key, reason, rule_id, date, memo, reverses";

/// Joins entry rows (ordered by id) with their postings (ordered by entry id, then seq).
fn assemble(
    entry_rows: Vec<SqliteRow>,
    posting_rows: Vec<SqliteRow>,
) -> StoreResult<Vec<StoredEntry>> {
    let mut postings = posting_rows.into_iter().peekable();
    let mut out = Vec::with_capacity(entry_rows.len());
    for row in entry_rows {
        let id: EntryId = row.try_get(0).map_err(backend)?;
        let mut lines = Vec::new();
        while let Some(p) = postings.peek() {
            let entry_id: EntryId = p.try_get(0).map_err(backend)?;
            if entry_id < id {
                postings.next();
                continue;
            }
            if entry_id > id {
                break;
            }
            let code: String = p.try_get(1).map_err(backend)?;
            let currency: String = p.try_get(3).map_err(backend)?;
            lines.push(Posting::new(
                AccountCode::parse(&code).map_err(corrupt)?,
                Money::new(
                    p.try_get(2).map_err(backend)?,
                    Currency::parse(&currency).map_err(corrupt)?,
                ),
            ));
            postings.next();
        }
        let draft = EntryDraft {
            idempotency_key: row.try_get(1).map_err(backend)?,
            reason: row.try_get(2).map_err(backend)?,
            rule_id: row.try_get(3).map_err(backend)?,
            date: row.try_get(4).map_err(backend)?,
            memo: row.try_get(5).map_err(backend)?,
            postings: lines,
            reverses: row.try_get(6).map_err(backend)?,
        };
        let entry =
            ValidEntry::from_stored(draft).map_err(|e| corrupt(format!("entry {id}: {e}")))?;
        out.push(StoredEntry { id, entry });
    }
    Ok(out)
}

async fn entries_by_ids(
    pool: &SqlitePool,
    org_id: OrgId,
    ids: &[EntryId],
) -> StoreResult<Vec<StoredEntry>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids = json_ints(ids.iter().copied());
    let entry_rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries \
         WHERE org_id = ?1 AND id IN (SELECT value FROM json_each(?2)) ORDER BY id"
    ))
    .bind(org_id)
    .bind(&ids)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let posting_rows = sqlx::query(
        "SELECT entry_id, account_code, amount_minor, currency FROM postings \
         WHERE org_id = ?1 AND entry_id IN (SELECT value FROM json_each(?2)) \
         ORDER BY entry_id, seq",
    )
    .bind(org_id)
    .bind(&ids)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    assemble(entry_rows, posting_rows)
}

pub(crate) async fn entry(
    pool: &SqlitePool,
    org_id: OrgId,
    entry_id: EntryId,
) -> StoreResult<StoredEntry> {
    entries_by_ids(pool, org_id, &[entry_id])
        .await?
        .pop()
        .ok_or_else(|| StoreError::not_found(format!("entry {entry_id}")))
}

pub(crate) async fn entries(
    pool: &SqlitePool,
    org_id: OrgId,
    page: Page,
) -> StoreResult<Vec<StoredEntry>> {
    let limit = page.limit.min(MAX_PAGE);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let entry_rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries WHERE org_id = ?1 AND id > ?2 ORDER BY id LIMIT ?3"
    ))
    .bind(org_id)
    .bind(page.after_id)
    .bind(limit as i64)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let (Some(first), Some(last)) = (entry_rows.first(), entry_rows.last()) else {
        return Ok(Vec::new());
    };
    // Keyset paging: the page holds every entry id from the first to the last.
    let first: EntryId = first.try_get(0).map_err(backend)?;
    let last: EntryId = last.try_get(0).map_err(backend)?;
    let posting_rows = sqlx::query(
        "SELECT entry_id, account_code, amount_minor, currency FROM postings \
         WHERE org_id = ?1 AND entry_id BETWEEN ?2 AND ?3 ORDER BY entry_id, seq",
    )
    .bind(org_id)
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    assemble(entry_rows, posting_rows)
}

fn trial_balance(rows: Vec<SqliteRow>) -> StoreResult<TrialBalance> {
    let mut tb = TrialBalance::new();
    for row in rows {
        let code: String = row.try_get(0).map_err(backend)?;
        let currency: String = row.try_get(1).map_err(backend)?;
        tb.add_posting(&Posting::new(
            AccountCode::parse(&code).map_err(corrupt)?,
            Money::new(
                row.try_get(2).map_err(backend)?,
                Currency::parse(&currency).map_err(corrupt)?,
            ),
        ));
    }
    Ok(tb)
}

pub(crate) async fn balances(pool: &SqlitePool, org_id: OrgId) -> StoreResult<TrialBalance> {
    let rows =
        sqlx::query("SELECT account_code, currency, balance_minor FROM balances WHERE org_id = ?1")
            .bind(org_id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
    trial_balance(rows)
}

pub(crate) async fn derived_balances(
    pool: &SqlitePool,
    org_id: OrgId,
) -> StoreResult<TrialBalance> {
    let summed = sqlx::query(
        "SELECT account_code, currency, SUM(amount_minor) FROM postings \
         WHERE org_id = ?1 GROUP BY account_code, currency",
    )
    .bind(org_id)
    .fetch_all(pool)
    .await;
    match summed {
        Ok(rows) => trial_balance(rows),
        // SQLite's SUM refuses a running total outside i64 even when the final one fits;
        // then sum every posting here in i128.
        Err(e) if e.to_string().contains("integer overflow") => {
            let rows = sqlx::query(
                "SELECT account_code, currency, amount_minor FROM postings WHERE org_id = ?1",
            )
            .bind(org_id)
            .fetch_all(pool)
            .await
            .map_err(backend)?;
            trial_balance(rows)
        }
        Err(e) => Err(backend(e)),
    }
}

pub(crate) async fn account_balance(
    pool: &SqlitePool,
    org_id: OrgId,
    account: &AccountCode,
) -> StoreResult<i64> {
    let row: Option<(Option<i64>,)> = sqlx::query_as(
        "SELECT b.balance_minor FROM accounts a \
         LEFT JOIN balances b \
           ON b.org_id = a.org_id AND b.account_code = a.code AND b.currency = a.currency \
         WHERE a.org_id = ?1 AND a.code = ?2",
    )
    .bind(org_id)
    .bind(account.as_str())
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    match row {
        Some((balance,)) => Ok(balance.unwrap_or(0)),
        None => Err(StoreError::not_found(format!("account '{account}'"))),
    }
}

pub(crate) async fn account_entries(
    pool: &SqlitePool,
    org_id: OrgId,
    account: &AccountCode,
    page: Page,
) -> StoreResult<Vec<StoredEntry>> {
    require_account(pool, org_id, account).await?;
    let limit = page.limit.min(MAX_PAGE);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let ids = account_entry_ids(pool, org_id, account, page.after_id, limit as usize, None).await?;
    entries_by_ids(pool, org_id, &ids).await
}

/// [`store::Store::account_entries_dated`]: the ids of a page of the account's entries dated
/// in the window (through the block index, as [`account_entries`]), then those entries whole.
pub(crate) async fn account_entries_dated(
    pool: &SqlitePool,
    org_id: OrgId,
    account: &AccountCode,
    window: (NaiveDate, NaiveDate),
    page: Page,
) -> StoreResult<Vec<StoredEntry>> {
    require_account(pool, org_id, account).await?;
    let limit = page.limit.min(MAX_PAGE);
    if limit == 0 || window.0 >= window.1 {
        return Ok(Vec::new());
    }
    let ids = account_entry_ids(
        pool,
        org_id,
        account,
        page.after_id,
        limit as usize,
        Some(window),
    )
    .await?;
    entries_by_ids(pool, org_id, &ids).await
}

/// [`store::Store::reversal_of`]: through the index `entries_by_reverses` (migration 0007).
pub(crate) async fn reversal_of(
    pool: &SqlitePool,
    org_id: OrgId,
    entry_id: EntryId,
) -> StoreResult<Option<EntryId>> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT e.id, (SELECT MIN(r.id) FROM entries r \
                       WHERE r.org_id = e.org_id AND r.reverses = e.id) \
         FROM entries e WHERE e.org_id = ?1 AND e.id = ?2",
    )
    .bind(org_id)
    .bind(entry_id)
    .fetch_optional(pool)
    .await
    .map_err(backend)?;
    match row {
        Some((_, reversal)) => Ok(reversal),
        None => Err(StoreError::not_found(format!("entry {entry_id}"))),
    }
}

async fn require_account(
    pool: &SqlitePool,
    org_id: OrgId,
    account: &AccountCode,
) -> StoreResult<()> {
    let open: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM accounts WHERE org_id = ?1 AND code = ?2")
            .bind(org_id)
            .bind(account.as_str())
            .fetch_optional(pool)
            .await
            .map_err(backend)?;
    match open {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found(format!("account '{account}'"))),
    }
}

/// Entries per block of the postings index `postings_by_block_account` (migration 0006): the
/// query below must spell the block as `entry_id / 1024` for SQLite to use that index.
const ENTRY_BLOCK: i64 = 1024;
/// Blocks one query reads: each is one seek in the index; fewer per query would cost a round
/// trip each, more would read further than a short page needs.
const BLOCKS_PER_QUERY: i64 = 8;

/// Ids of the entries after `after_id` touching `account` (dated `from <= date < until` when a
/// window is given), oldest first, at most `limit`: a few blocks at a time through the index,
/// until the page is full.
async fn account_entry_ids(
    pool: &SqlitePool,
    org_id: OrgId,
    account: &AccountCode,
    after_id: EntryId,
    limit: usize,
    window: Option<(NaiveDate, NaiveDate)>,
) -> StoreResult<Vec<EntryId>> {
    let mut conn = pool.acquire().await.map_err(backend)?;
    let last: Option<EntryId> = sqlx::query_scalar("SELECT MAX(id) FROM entries WHERE org_id = ?1")
        .bind(org_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(backend)?;
    let Some(last) = last else {
        return Ok(Vec::new());
    };
    let last_block = last / ENTRY_BLOCK;
    let mut ids: Vec<EntryId> = Vec::new();
    let mut block = after_id.max(0) / ENTRY_BLOCK;
    while block <= last_block && ids.len() < limit {
        let through = (block + BLOCKS_PER_QUERY - 1).min(last_block);
        let blocks = json_ints(block..=through);
        let left = (limit - ids.len()) as i64;
        let found: Vec<EntryId> = match window {
            None => sqlx::query_scalar(
                "SELECT DISTINCT entry_id FROM postings INDEXED BY postings_by_block_account \
                 WHERE org_id = ?1 AND entry_id / 1024 IN (SELECT value FROM json_each(?2)) \
                   AND account_code = ?3 AND entry_id > ?4 \
                 ORDER BY entry_id LIMIT ?5",
            )
            .bind(org_id)
            .bind(blocks)
            .bind(account.as_str())
            .bind(after_id)
            .bind(left)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?,
            Some((from, until)) => sqlx::query_scalar(
                "SELECT DISTINCT p.entry_id FROM postings p INDEXED BY postings_by_block_account \
                 JOIN entries e ON e.org_id = p.org_id AND e.id = p.entry_id \
                 WHERE p.org_id = ?1 AND p.entry_id / 1024 IN (SELECT value FROM json_each(?2)) \
                   AND p.account_code = ?3 AND p.entry_id > ?4 \
                   AND e.date >= ?6 AND e.date < ?7 \
                 ORDER BY p.entry_id LIMIT ?5",
            )
            .bind(org_id)
            .bind(blocks)
            .bind(account.as_str())
            .bind(after_id)
            .bind(left)
            .bind(from)
            .bind(until)
            .fetch_all(&mut *conn)
            .await
            .map_err(backend)?,
        };
        ids.extend(found);
        block = through + 1;
    }
    Ok(ids)
}
