//! The journal: entries, postings and materialised balances.
//!
//! Writing: lock the touched balance rows in one fixed order, check them (open, currency, no
//! overflow), then append entries and postings and set the balances in one statement that
//! carries whole columns as arrays (`UNNEST`). A single post is one round trip: the function
//! `post_entry` (migrations/20260101000002_post_function.sql) does those steps on the server,
//! in autocommit; a batch of 10,000 is six round trips.

use crate::{clamp_limit, corrupt, Attempt, AttemptResult};
use chrono::NaiveDate;
use ledger::{AccountCode, Currency, EntryDraft, Money, Posting, TrialBalance, ValidEntry};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::{BTreeMap, HashMap};
use store::{EntryId, OrgId, Page, Posted, StoreError, StoredEntry, MAX_BATCH_ENTRIES};

/// Locks the balance rows of `codes` in the one order every writer uses and returns each
/// account's currency and balance. Accounts not open in `org_id` are simply absent.
async fn lock_balances(
    conn: &mut PgConnection,
    org_id: OrgId,
    codes: &[&str],
) -> AttemptResult<HashMap<String, (String, i64)>> {
    let rows = sqlx::query(
        "SELECT account_code, currency, balance_minor FROM balances \
         WHERE org_id = $1 AND account_code = ANY($2::text[]) \
         ORDER BY account_code COLLATE \"C\", currency COLLATE \"C\" \
         FOR UPDATE",
    )
    .bind(org_id)
    .bind(codes)
    .fetch_all(conn)
    .await?;
    let mut locked = HashMap::with_capacity(rows.len());
    for row in rows {
        let code: String = row.try_get(0)?;
        let currency: String = row.try_get(1)?;
        let balance: i64 = row.try_get(2)?;
        locked.insert(code, (currency, balance));
    }
    Ok(locked)
}

fn not_open(index: usize, code: &str) -> StoreError {
    StoreError::invalid(format!(
        "postings[{index}].account: account '{code}' is not open in this organisation"
    ))
}

fn wrong_currency(index: usize, code: &str, account_currency: &str, currency: &str) -> StoreError {
    StoreError::invalid(format!(
        "postings[{index}].currency: account '{code}' is in {account_currency}, posting in {currency}"
    ))
}

fn overflow(code: &str) -> StoreError {
    StoreError::invalid(format!(
        "account '{code}': balance would overflow the range of minor units"
    ))
}

/// Checks every posting of `entry` against the locked accounts and applies the entry to the
/// running balances: `Invalid` naming the account when it is not open, is in another currency,
/// or its balance would leave the range of minor units.
fn apply_entry(
    running: &mut HashMap<String, (String, i64)>,
    entry: &ValidEntry,
) -> Result<(), StoreError> {
    let mut deltas: BTreeMap<&str, i128> = BTreeMap::new();
    for (index, posting) in entry.postings().iter().enumerate() {
        let code = posting.account.as_str();
        let currency = posting.amount.currency();
        match running.get(code) {
            None => return Err(not_open(index, code)),
            Some((account_currency, _)) if account_currency != currency.as_str() => {
                return Err(wrong_currency(
                    index,
                    code,
                    account_currency,
                    currency.as_str(),
                ))
            }
            Some(_) => {}
        }
        *deltas.entry(code).or_default() += i128::from(posting.amount.amount_minor());
    }
    for (code, delta) in deltas {
        if let Some((_, balance)) = running.get_mut(code) {
            *balance = i64::try_from(i128::from(*balance) + delta).map_err(|_| overflow(code))?;
        }
    }
    Ok(())
}

/// Per touched account, sorted: code, new balance, postings added.
type BalanceColumns = (Vec<String>, Vec<i64>, Vec<i64>);

/// The columns of the postings of some entries, and the balance deltas per account.
#[derive(Default)]
struct PostingColumns {
    entry_index: Vec<usize>,
    seq: Vec<i32>,
    code: Vec<String>,
    amount: Vec<i64>,
    currency: Vec<String>,
}

impl PostingColumns {
    fn push(&mut self, entry_index: usize, entry: &ValidEntry) {
        for (seq, posting) in entry.postings().iter().enumerate() {
            self.entry_index.push(entry_index);
            // At most ledger::entry::MAX_POSTINGS_PER_ENTRY (1,000) postings per entry.
            self.seq.push(seq as i32);
            self.code.push(posting.account.as_str().to_string());
            self.amount.push(posting.amount.amount_minor());
            self.currency
                .push(posting.amount.currency().as_str().to_string());
        }
    }

    /// Distinct account codes, sorted.
    fn codes(&self) -> Vec<&str> {
        let mut codes: Vec<&str> = self.code.iter().map(String::as_str).collect();
        codes.sort_unstable();
        codes.dedup();
        codes
    }

    /// Per touched account, sorted: its new balance (from `running`, the balances locked and
    /// moved by `apply_entry`) and how many postings it gains. Absolute balances are safe to
    /// write because the rows stay locked until commit.
    fn balance_columns(
        &self,
        running: &HashMap<String, (String, i64)>,
    ) -> Result<BalanceColumns, StoreError> {
        let mut per: BTreeMap<&str, i64> = BTreeMap::new();
        for code in &self.code {
            *per.entry(code).or_default() += 1;
        }
        let mut codes = Vec::with_capacity(per.len());
        let mut balances = Vec::with_capacity(per.len());
        let mut counts = Vec::with_capacity(per.len());
        for (code, count) in per {
            let (_, balance) = running
                .get(code)
                .ok_or_else(|| StoreError::Backend(format!("account '{code}' was not locked")))?;
            codes.push(code.to_string());
            balances.push(*balance);
            counts.push(count);
        }
        Ok((codes, balances, counts))
    }
}

/// What `post` computes once, outside the retry loop: the fingerprint and the postings as
/// columns, borrowed from the entry.
pub(crate) struct EntryPlan<'a> {
    entry: &'a ValidEntry,
    fingerprint: String,
    codes: Vec<&'a str>,
    amounts: Vec<i64>,
    currencies: Vec<String>,
}

impl<'a> EntryPlan<'a> {
    pub(crate) fn new(entry: &'a ValidEntry) -> Result<Self, StoreError> {
        let postings = entry.postings();
        let mut codes = Vec::with_capacity(postings.len());
        let mut amounts = Vec::with_capacity(postings.len());
        let mut currencies = Vec::with_capacity(postings.len());
        for posting in postings {
            codes.push(posting.account.as_str());
            amounts.push(posting.amount.amount_minor());
            currencies.push(posting.amount.currency().as_str().to_owned());
        }
        Ok(EntryPlan {
            entry,
            fingerprint: entry.fingerprint(),
            codes,
            amounts,
            currencies,
        })
    }
}

/// One post in one statement: `post_entry` (migrations/20260101000002_post_function.sql) locks
/// the balance rows in the fixed order, checks them, appends the entry and its postings and
/// moves the balances, and answers a status the store turns into its usual answers.
const POST_ONE: &str = "SELECT o_status, o_entry_id, o_fingerprint, o_posting, o_account, \
                        o_account_currency \
                        FROM post_entry($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

fn key_conflict(key: &str) -> Attempt {
    Attempt::Fail(StoreError::conflict(format!(
        "idempotency key '{key}' was already posted with a different payload"
    )))
}

/// Runs in autocommit: the statement is the transaction, so a post is one round trip.
pub(crate) async fn post(
    pool: &PgPool,
    org_id: OrgId,
    plan: &EntryPlan<'_>,
) -> AttemptResult<Posted> {
    let entry = plan.entry;
    let row = sqlx::query(POST_ONE)
        .bind(org_id)
        .bind(entry.idempotency_key().as_str())
        .bind(&plan.fingerprint)
        .bind(entry.reason().as_str())
        .bind(entry.rule_id().as_str())
        .bind(entry.date())
        .bind(entry.memo())
        .bind(entry.reverses())
        .bind(&plan.codes)
        .bind(&plan.amounts)
        .bind(&plan.currencies)
        .fetch_one(pool)
        .await?;
    answer(&row, plan)
}

/// Several posts in one statement, so in one transaction and one commit: `post_entry` for
/// each, in order. Each answers for itself: a refused post writes nothing and the others
/// commit. The statement first locks every balance the posts touch, in the fixed order, so
/// that two groups touching the same accounts cannot deadlock.
const POST_GROUP: &str = "\
SELECT r.o_status, r.o_entry_id, r.o_fingerprint, r.o_posting, r.o_account, r.o_account_currency
FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[], $6::date[], $7::text[], $8::int8[],
            $9::int4[], $10::int4[])
     WITH ORDINALITY AS u(key, fingerprint, reason, rule_id, date, memo, reverses, first, last, n)
CROSS JOIN LATERAL post_entry($1, u.key, u.fingerprint, u.reason, u.rule_id, u.date, u.memo,
                              u.reverses, ($11::text[])[u.first:u.last],
                              ($12::int8[])[u.first:u.last], ($13::text[])[u.first:u.last]) AS r
WHERE (SELECT count(*) FROM (
          SELECT 1 FROM balances
          WHERE org_id = $1 AND account_code = ANY ($11::text[])
          ORDER BY account_code COLLATE \"C\", currency COLLATE \"C\"
          FOR UPDATE) AS locked) >= 0
ORDER BY u.n";

/// Runs in autocommit, one round trip: each post's answer, or the group's failure (the
/// statement rolled back: nothing of the group is written).
pub(crate) async fn post_group(
    pool: &PgPool,
    org_id: OrgId,
    plans: &[EntryPlan<'_>],
) -> AttemptResult<Vec<AttemptResult<Posted>>> {
    let mut keys = Vec::with_capacity(plans.len());
    let mut fingerprints = Vec::with_capacity(plans.len());
    let mut reasons = Vec::with_capacity(plans.len());
    let mut rule_ids = Vec::with_capacity(plans.len());
    let mut dates = Vec::with_capacity(plans.len());
    let mut memos = Vec::with_capacity(plans.len());
    let mut reverses = Vec::with_capacity(plans.len());
    let mut firsts: Vec<i32> = Vec::with_capacity(plans.len());
    let mut lasts: Vec<i32> = Vec::with_capacity(plans.len());
    let mut codes: Vec<&str> = Vec::new();
    let mut amounts: Vec<i64> = Vec::new();
    let mut currencies: Vec<&str> = Vec::new();
    for plan in plans {
        let entry = plan.entry;
        keys.push(entry.idempotency_key().as_str());
        fingerprints.push(plan.fingerprint.as_str());
        reasons.push(entry.reason().as_str());
        rule_ids.push(entry.rule_id().as_str());
        dates.push(entry.date());
        memos.push(entry.memo());
        reverses.push(entry.reverses());
        // SQL arrays count from 1 and slices include both ends.
        firsts.push(codes.len() as i32 + 1);
        codes.extend(plan.codes.iter().copied());
        amounts.extend(plan.amounts.iter().copied());
        currencies.extend(plan.currencies.iter().map(String::as_str));
        lasts.push(codes.len() as i32);
    }
    let rows = sqlx::query(POST_GROUP)
        .bind(org_id)
        .bind(&keys)
        .bind(&fingerprints)
        .bind(&reasons)
        .bind(&rule_ids)
        .bind(&dates)
        .bind(&memos)
        .bind(&reverses)
        .bind(&firsts)
        .bind(&lasts)
        .bind(&codes)
        .bind(&amounts)
        .bind(&currencies)
        .fetch_all(pool)
        .await?;
    if rows.len() != plans.len() {
        return Err(Attempt::Fail(StoreError::Backend(format!(
            "a group of {} posts answered {} rows",
            plans.len(),
            rows.len()
        ))));
    }
    Ok(rows
        .iter()
        .zip(plans)
        .map(|(row, plan)| answer(row, plan))
        .collect())
}

/// What one row of `post_entry` means for the post of `plan`.
fn answer(row: &PgRow, plan: &EntryPlan<'_>) -> AttemptResult<Posted> {
    let key = plan.entry.idempotency_key().as_str();
    let status: &str = row.try_get(0)?;
    let entry_id: Option<EntryId> = row.try_get(1)?;
    let posted = |created| match entry_id {
        Some(entry_id) => Ok(Posted { entry_id, created }),
        None => Err(Attempt::Fail(StoreError::Backend(format!(
            "post_entry answered '{status}' without an entry id"
        )))),
    };
    match status {
        "created" => posted(true),
        "exists" => {
            let stored: Option<&str> = row.try_get(2)?;
            if stored == Some(plan.fingerprint.as_str()) {
                posted(false)
            } else {
                Err(key_conflict(key))
            }
        }
        "again" => Err(Attempt::Again("idempotency key taken but not visible yet")),
        refused => {
            let index: Option<i32> = row.try_get(3)?;
            let index = index.unwrap_or_default().max(0) as usize;
            let code: Option<&str> = row.try_get(4)?;
            let code = code.unwrap_or_default();
            Err(Attempt::Fail(match refused {
                "not_open" => not_open(index, code),
                "currency" => {
                    let account_currency: Option<&str> = row.try_get(5)?;
                    let currency = plan.currencies.get(index).map_or("", String::as_str);
                    wrong_currency(index, code, account_currency.unwrap_or_default(), currency)
                }
                "overflow" => overflow(code),
                other => StoreError::Backend(format!("post_entry answered '{other}'")),
            }))
        }
    }
}

/// What `post_batch` computes once, outside the retry loop.
pub(crate) struct BatchPlan<'a> {
    entries: &'a [ValidEntry],
    fingerprints: Vec<String>,
    /// For each entry: the index of the first entry of the batch with its key, if earlier.
    same_key_as: Vec<Option<usize>>,
}

impl<'a> BatchPlan<'a> {
    pub(crate) fn new(entries: &'a [ValidEntry]) -> Result<Self, StoreError> {
        if entries.len() > MAX_BATCH_ENTRIES {
            return Err(StoreError::invalid(format!(
                "batch: at most {MAX_BATCH_ENTRIES} entries, got {}",
                entries.len()
            )));
        }
        let fingerprints: Vec<String> = entries.iter().map(ValidEntry::fingerprint).collect();
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
        let mut same_key_as = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let key = entry.idempotency_key().as_str();
            match first.get(key) {
                Some(&j) if fingerprints[j] == fingerprints[i] => same_key_as.push(Some(j)),
                Some(_) => {
                    return Err(StoreError::conflict(format!(
                        "idempotency key '{key}' appears twice in the batch with different payloads"
                    )))
                }
                None => {
                    first.insert(key, i);
                    same_key_as.push(None);
                }
            }
        }
        Ok(BatchPlan {
            entries,
            fingerprints,
            same_key_as,
        })
    }
}

const INSERT_BATCH: &str = "\
WITH e AS (
    INSERT INTO entries (org_id, id, idempotency_key, fingerprint, reason, rule_id, date, memo, reverses)
    SELECT $1, u.id, u.key, u.fingerprint, u.reason, u.rule_id, u.date, u.memo, u.reverses
    FROM UNNEST($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[],
                $8::text[], $9::int8[])
         AS u(id, key, fingerprint, reason, rule_id, date, memo, reverses)
), p AS (
    INSERT INTO postings (org_id, entry_id, seq, account_code, amount_minor, currency)
    SELECT $1, u.entry_id, u.seq, u.code, u.amount, u.currency
    FROM UNNEST($10::int8[], $11::int4[], $12::text[], $13::int8[], $14::text[])
         AS u(entry_id, seq, code, amount, currency)
)
UPDATE balances AS bal
SET balance_minor = d.balance,
    postings_count = bal.postings_count + d.n
FROM UNNEST($15::text[], $16::int8[], $17::int8[]) AS d(code, balance, n)
WHERE bal.org_id = $1 AND bal.account_code = d.code";

pub(crate) async fn post_batch(
    pool: &PgPool,
    org_id: OrgId,
    plan: &BatchPlan<'_>,
) -> AttemptResult<Vec<Posted>> {
    if plan.entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut tx = pool.begin().await?;
    let posted = post_batch_in(&mut tx, org_id, plan).await?;
    if posted.iter().any(|p| p.created) {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(posted)
}

/// Appends the batch inside the caller's transaction (which commits or rolls back).
pub(crate) async fn post_batch_in(
    tx: &mut PgConnection,
    org_id: OrgId,
    plan: &BatchPlan<'_>,
) -> AttemptResult<Vec<Posted>> {
    let entries = plan.entries;
    if entries.is_empty() {
        return Ok(Vec::new());
    }

    // 1. Keys posted before: the same payload is skipped, another payload is a conflict.
    let keys: Vec<&str> = entries
        .iter()
        .zip(&plan.same_key_as)
        .filter(|(_, same)| same.is_none())
        .map(|(e, _)| e.idempotency_key().as_str())
        .collect();
    let rows = sqlx::query(
        "SELECT idempotency_key, id, fingerprint FROM entries \
         WHERE org_id = $1 AND idempotency_key = ANY($2::text[])",
    )
    .bind(org_id)
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await?;
    let mut existing: HashMap<String, (EntryId, String)> = HashMap::with_capacity(rows.len());
    for row in rows {
        existing.insert(row.try_get(0)?, (row.try_get(1)?, row.try_get(2)?));
    }
    let mut results: Vec<Option<Posted>> = vec![None; entries.len()];
    let mut new_entries: Vec<usize> = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        if plan.same_key_as[i].is_some() {
            continue;
        }
        let key = entry.idempotency_key().as_str();
        match existing.get(key) {
            Some((id, fingerprint)) if *fingerprint == plan.fingerprints[i] => {
                results[i] = Some(Posted {
                    entry_id: *id,
                    created: false,
                })
            }
            Some(_) => return Err(key_conflict(key)),
            None => new_entries.push(i),
        }
    }

    if !new_entries.is_empty() {
        // 2. Lock every touched account, check the entries in order against them.
        let mut postings = PostingColumns::default();
        for &i in &new_entries {
            postings.push(i, &entries[i]);
        }
        let mut running = lock_balances(&mut *tx, org_id, &postings.codes()).await?;
        for &i in &new_entries {
            apply_entry(&mut running, &entries[i]).map_err(|e| match e {
                StoreError::Invalid { what } => StoreError::invalid(format!("entries[{i}].{what}")),
                other => other,
            })?;
        }

        // 3. Ids in batch order.
        let mut ids: Vec<EntryId> =
            sqlx::query_scalar("SELECT nextval('entries_id_seq') FROM generate_series(1, $1)")
                .bind(new_entries.len() as i64)
                .fetch_all(&mut *tx)
                .await?;
        if ids.len() != new_entries.len() {
            return Err(Attempt::Fail(StoreError::Backend(format!(
                "asked for {} entry ids, got {}",
                new_entries.len(),
                ids.len()
            ))));
        }
        ids.sort_unstable();
        let mut id_of: HashMap<usize, EntryId> = HashMap::with_capacity(ids.len());
        for (&i, &id) in new_entries.iter().zip(&ids) {
            id_of.insert(i, id);
            results[i] = Some(Posted {
                entry_id: id,
                created: true,
            });
        }

        // 4. Entries, postings and balances in one statement.
        let n = new_entries.len();
        let (mut keys, mut fps, mut reasons, mut rules) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        let (mut dates, mut memos, mut reverses) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for &i in &new_entries {
            let e = &entries[i];
            keys.push(e.idempotency_key().as_str());
            fps.push(plan.fingerprints[i].as_str());
            reasons.push(e.reason().as_str());
            rules.push(e.rule_id().as_str());
            dates.push(e.date());
            memos.push(e.memo());
            reverses.push(e.reverses());
        }
        let posting_entry_ids: Vec<EntryId> =
            postings.entry_index.iter().map(|i| id_of[i]).collect();
        let (codes, new_balances, counts) = postings.balance_columns(&running)?;
        sqlx::query(INSERT_BATCH)
            .bind(org_id)
            .bind(&ids)
            .bind(&keys)
            .bind(&fps)
            .bind(&reasons)
            .bind(&rules)
            .bind(&dates)
            .bind(&memos)
            .bind(&reverses)
            .bind(&posting_entry_ids)
            .bind(&postings.seq)
            .bind(&postings.code)
            .bind(&postings.amount)
            .bind(&postings.currency)
            .bind(&codes)
            .bind(&new_balances)
            .bind(&counts)
            .execute(&mut *tx)
            .await?;
    }

    // Repeats of a key within the batch answer like the first.
    let mut out = Vec::with_capacity(entries.len());
    for i in 0..entries.len() {
        let posted = match plan.same_key_as[i] {
            Some(j) => results[j].map(|p| Posted {
                entry_id: p.entry_id,
                created: false,
            }),
            None => results[i],
        };
        out.push(posted.ok_or_else(|| {
            Attempt::Fail(StoreError::Backend(format!("entries[{i}]: no result")))
        })?);
    }
    Ok(out)
}

/// Rows of entries joined with their postings, ordered by entry id then seq.
fn entries_from_rows(rows: &[PgRow]) -> AttemptResult<Vec<StoredEntry>> {
    let mut out: Vec<StoredEntry> = Vec::new();
    let mut current: Option<(EntryId, EntryDraft)> = None;
    let finish = |(id, draft): (EntryId, EntryDraft)| -> AttemptResult<StoredEntry> {
        let entry =
            ValidEntry::from_stored(draft).map_err(|e| corrupt(format!("entry {id}: {e}")))?;
        Ok(StoredEntry { id, entry })
    };
    for row in rows {
        let id: EntryId = row.try_get("id")?;
        if current.as_ref().map(|(cid, _)| *cid) != Some(id) {
            if let Some(done) = current.take() {
                out.push(finish(done)?);
            }
            current = Some((
                id,
                EntryDraft {
                    idempotency_key: row.try_get("idempotency_key")?,
                    reason: row.try_get("reason")?,
                    rule_id: row.try_get("rule_id")?,
                    date: row.try_get("date")?,
                    memo: row.try_get("memo")?,
                    postings: Vec::new(),
                    reverses: row.try_get("reverses")?,
                },
            ));
        }
        let code: String = row.try_get("account_code")?;
        let currency: String = row.try_get("currency")?;
        let amount: i64 = row.try_get("amount_minor")?;
        let posting = Posting::new(
            AccountCode::parse(&code).map_err(corrupt)?,
            Money::new(amount, Currency::parse(&currency).map_err(corrupt)?),
        );
        if let Some((_, draft)) = current.as_mut() {
            draft.postings.push(posting);
        }
    }
    if let Some(done) = current.take() {
        out.push(finish(done)?);
    }
    Ok(out)
}

const ENTRY_COLUMNS: &str = "e.id, e.idempotency_key, e.reason, e.rule_id, e.date, e.memo, \
                             e.reverses, p.account_code, p.amount_minor, p.currency";

pub(crate) async fn entry(
    pool: &PgPool,
    org_id: OrgId,
    entry_id: EntryId,
) -> AttemptResult<StoredEntry> {
    let rows = sqlx::query(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries e \
         JOIN postings p ON p.org_id = e.org_id AND p.entry_id = e.id \
         WHERE e.org_id = $1 AND e.id = $2 \
         ORDER BY p.seq"
    ))
    .bind(org_id)
    .bind(entry_id)
    .fetch_all(pool)
    .await?;
    entries_from_rows(&rows)?
        .pop()
        .ok_or_else(|| StoreError::not_found(format!("entry {entry_id}")).into())
}

pub(crate) async fn entries(
    pool: &PgPool,
    org_id: OrgId,
    page: Page,
) -> AttemptResult<Vec<StoredEntry>> {
    let rows = sqlx::query(&format!(
        "WITH page AS ( \
             SELECT id FROM entries WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3 \
         ) \
         SELECT {ENTRY_COLUMNS} FROM page \
         JOIN entries e ON e.org_id = $1 AND e.id = page.id \
         JOIN postings p ON p.org_id = $1 AND p.entry_id = page.id \
         ORDER BY e.id, p.seq"
    ))
    .bind(org_id)
    .bind(page.after_id)
    .bind(clamp_limit(page))
    .fetch_all(pool)
    .await?;
    entries_from_rows(&rows)
}

pub(crate) async fn account_entries(
    pool: &PgPool,
    org_id: OrgId,
    account: &AccountCode,
    page: Page,
) -> AttemptResult<Vec<StoredEntry>> {
    let rows = sqlx::query(&format!(
        "WITH page AS ( \
             SELECT DISTINCT entry_id AS id FROM postings \
             WHERE org_id = $1 AND account_code = $2 AND entry_id > $3 \
             ORDER BY entry_id LIMIT $4 \
         ) \
         SELECT {ENTRY_COLUMNS} FROM page \
         JOIN entries e ON e.org_id = $1 AND e.id = page.id \
         JOIN postings p ON p.org_id = $1 AND p.entry_id = page.id \
         ORDER BY e.id, p.seq"
    ))
    .bind(org_id)
    .bind(account.as_str())
    .bind(page.after_id)
    .bind(clamp_limit(page))
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        require_account(pool, org_id, account).await?;
    }
    entries_from_rows(&rows)
}

/// [`store::Store::account_entries_dated`]: a page of the account's entries dated in the
/// window, whole, in one query.
pub(crate) async fn account_entries_dated(
    pool: &PgPool,
    org_id: OrgId,
    account: &AccountCode,
    window: (NaiveDate, NaiveDate),
    page: Page,
) -> AttemptResult<Vec<StoredEntry>> {
    let rows = sqlx::query(&format!(
        "WITH page AS ( \
             SELECT DISTINCT p.entry_id AS id FROM postings p \
             JOIN entries e ON e.org_id = p.org_id AND e.id = p.entry_id \
             WHERE p.org_id = $1 AND p.account_code = $2 AND p.entry_id > $3 \
               AND e.date >= $5 AND e.date < $6 \
             ORDER BY p.entry_id LIMIT $4 \
         ) \
         SELECT {ENTRY_COLUMNS} FROM page \
         JOIN entries e ON e.org_id = $1 AND e.id = page.id \
         JOIN postings p ON p.org_id = $1 AND p.entry_id = page.id \
         ORDER BY e.id, p.seq"
    ))
    .bind(org_id)
    .bind(account.as_str())
    .bind(page.after_id)
    .bind(clamp_limit(page))
    .bind(window.0)
    .bind(window.1)
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        require_account(pool, org_id, account).await?;
    }
    entries_from_rows(&rows)
}

/// [`store::Store::reversal_of`]: through the index `entries_by_reverses` (migration
/// 20260101000007).
pub(crate) async fn reversal_of(
    pool: &PgPool,
    org_id: OrgId,
    entry_id: EntryId,
) -> AttemptResult<Option<EntryId>> {
    let row = sqlx::query(
        "SELECT e.id, (SELECT MIN(r.id) FROM entries r \
                       WHERE r.org_id = e.org_id AND r.reverses = e.id) \
         FROM entries e WHERE e.org_id = $1 AND e.id = $2",
    )
    .bind(org_id)
    .bind(entry_id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => Ok(row.try_get(1)?),
        None => Err(StoreError::not_found(format!("entry {entry_id}")).into()),
    }
}

async fn require_account(pool: &PgPool, org_id: OrgId, account: &AccountCode) -> AttemptResult<()> {
    let found = sqlx::query("SELECT 1 FROM accounts WHERE org_id = $1 AND code = $2")
        .bind(org_id)
        .bind(account.as_str())
        .fetch_optional(pool)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found(format!("account {account}")).into()),
    }
}

fn add_balance(
    tb: &mut TrialBalance,
    code: &str,
    currency: &str,
    mut amount: i128,
) -> AttemptResult<()> {
    let account = AccountCode::parse(code).map_err(corrupt)?;
    let currency = Currency::parse(currency).map_err(corrupt)?;
    // A TrialBalance grows by postings of i64 minor units; feed it the sum in i64 pieces.
    loop {
        let piece = amount.clamp(i128::from(i64::MIN + 1), i128::from(i64::MAX));
        tb.add_posting(&Posting::new(
            account.clone(),
            Money::new(piece as i64, currency),
        ));
        amount -= piece;
        if amount == 0 {
            return Ok(());
        }
    }
}

pub(crate) async fn balances(pool: &PgPool, org_id: OrgId) -> AttemptResult<TrialBalance> {
    let rows = sqlx::query(
        "SELECT account_code, currency, balance_minor FROM balances \
         WHERE org_id = $1 AND postings_count > 0",
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?;
    let mut tb = TrialBalance::new();
    for row in rows {
        let code: String = row.try_get(0)?;
        let currency: String = row.try_get(1)?;
        let balance: i64 = row.try_get(2)?;
        add_balance(&mut tb, &code, &currency, i128::from(balance))?;
    }
    Ok(tb)
}

pub(crate) async fn derived_balances(pool: &PgPool, org_id: OrgId) -> AttemptResult<TrialBalance> {
    // SUM(bigint) is numeric; its text form parses exactly into i128.
    let rows = sqlx::query(
        "SELECT account_code, currency, SUM(amount_minor)::text FROM postings \
         WHERE org_id = $1 GROUP BY account_code, currency",
    )
    .bind(org_id)
    .fetch_all(pool)
    .await?;
    let mut tb = TrialBalance::new();
    for row in rows {
        let code: String = row.try_get(0)?;
        let currency: String = row.try_get(1)?;
        let sum: String = row.try_get(2)?;
        let sum: i128 = sum
            .parse()
            .map_err(|e| corrupt(format!("sum of account {code}: '{sum}': {e}")))?;
        add_balance(&mut tb, &code, &currency, sum)?;
    }
    Ok(tb)
}

pub(crate) async fn account_balance(
    pool: &PgPool,
    org_id: OrgId,
    account: &AccountCode,
) -> AttemptResult<i64> {
    let balance: Option<i64> = sqlx::query_scalar(
        "SELECT balance_minor FROM balances WHERE org_id = $1 AND account_code = $2",
    )
    .bind(org_id)
    .bind(account.as_str())
    .fetch_optional(pool)
    .await?;
    balance.ok_or_else(|| StoreError::not_found(format!("account {account}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn entry(key: &str, postings: &[(&str, i64)]) -> ValidEntry {
        EntryDraft {
            idempotency_key: key.into(),
            reason: "test".into(),
            rule_id: "MANUAL".into(),
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            memo: String::new(),
            postings: postings
                .iter()
                .map(|(a, m)| Posting::new(AccountCode::parse(a).unwrap(), Money::mxn(*m)))
                .collect(),
            reverses: None,
        }
        .validate(|_| Some(Currency::MXN))
        .unwrap()
    }

    fn running(accounts: &[(&str, &str, i64)]) -> HashMap<String, (String, i64)> {
        accounts
            .iter()
            .map(|(c, cur, b)| (c.to_string(), (cur.to_string(), *b)))
            .collect()
    }

    #[test]
    fn apply_entry_names_the_missing_account_and_the_wrong_currency() {
        let mut r = running(&[("a", "MXN", 0)]);
        let err = apply_entry(&mut r, &entry("k", &[("a", 5), ("b", -5)])).unwrap_err();
        assert!(err.to_string().contains("'b' is not open"), "{err}");
        let mut r = running(&[("a", "MXN", 0), ("b", "USD", 0)]);
        let err = apply_entry(&mut r, &entry("k", &[("a", 5), ("b", -5)])).unwrap_err();
        assert!(err.to_string().contains("'b' is in USD"), "{err}");
    }

    #[test]
    fn apply_entry_refuses_overflow_instead_of_wrapping() {
        let mut r = running(&[("a", "MXN", i64::MAX - 1), ("b", "MXN", 0)]);
        let err = apply_entry(&mut r, &entry("k", &[("a", 5), ("b", -5)])).unwrap_err();
        assert!(
            err.to_string().contains("'a': balance would overflow"),
            "{err}"
        );
        apply_entry(&mut r, &entry("k", &[("a", 1), ("b", -1)])).unwrap();
        assert_eq!(r["a"].1, i64::MAX);
        assert_eq!(r["b"].1, -1);
    }

    #[test]
    fn balances_are_netted_per_account_and_sorted() {
        let e1 = entry("k1", &[("b", 5), ("a", -3), ("b", -2)]);
        let e2 = entry("k2", &[("a", 7), ("c", -7)]);
        let mut cols = PostingColumns::default();
        cols.push(0, &e1);
        cols.push(1, &e2);
        assert_eq!(cols.codes(), vec!["a", "b", "c"]);
        let mut r = running(&[("a", "MXN", 10), ("b", "MXN", 0), ("c", "MXN", 0)]);
        apply_entry(&mut r, &e1).unwrap();
        apply_entry(&mut r, &e2).unwrap();
        let (codes, balances, counts) = cols.balance_columns(&r).unwrap();
        assert_eq!(codes, vec!["a", "b", "c"]);
        assert_eq!(balances, vec![14, 3, -7]);
        assert_eq!(counts, vec![2, 2, 1]);
    }

    #[test]
    fn a_batch_with_one_key_twice_and_two_payloads_is_a_conflict() {
        let a = entry("k", &[("a", 1), ("b", -1)]);
        let b = entry("k", &[("a", 2), ("b", -2)]);
        let same = [a.clone(), a.clone()];
        let plan = BatchPlan::new(&same).unwrap();
        assert_eq!(plan.same_key_as, vec![None, Some(0)]);
        let different = [a, b];
        assert!(matches!(
            BatchPlan::new(&different),
            Err(StoreError::Conflict { .. })
        ));
    }
}
