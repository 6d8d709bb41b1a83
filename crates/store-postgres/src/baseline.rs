//! The raw baseline the benchmark compares the store against: the same entry and posting
//! rows as [`store::Store::post`] writes, with one plain `INSERT` per row and nothing else —
//! no idempotency check, no balances, no validation, no locks, no retries.
//!
//! Callers must give keys not used before in `org_id` (the unique index still holds).

use ledger::ValidEntry;
use sqlx::{Acquire, PgConnection, PgPool};
use store::StoreError;

fn backend(e: sqlx::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Inserts `entries` of `org_id` row by row: with `commit_each` every entry in its own
/// transaction, otherwise all of them in one.
pub async fn insert_raw(
    pool: &PgPool,
    org_id: i64,
    entries: &[ValidEntry],
    commit_each: bool,
) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(backend)?;
    if commit_each {
        for entry in entries {
            let mut tx = conn.begin().await.map_err(backend)?;
            insert_one(&mut tx, org_id, entry).await?;
            tx.commit().await.map_err(backend)?;
        }
    } else {
        let mut tx = conn.begin().await.map_err(backend)?;
        for entry in entries {
            insert_one(&mut tx, org_id, entry).await?;
        }
        tx.commit().await.map_err(backend)?;
    }
    Ok(())
}

async fn insert_one(
    conn: &mut PgConnection,
    org_id: i64,
    entry: &ValidEntry,
) -> Result<(), StoreError> {
    let entry_id: i64 = sqlx::query_scalar(
        "INSERT INTO entries (org_id, idempotency_key, fingerprint, reason, rule_id, date, \
                              memo, reverses) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(org_id)
    .bind(entry.idempotency_key().as_str())
    .bind(entry.fingerprint())
    .bind(entry.reason().as_str())
    .bind(entry.rule_id().as_str())
    .bind(entry.date())
    .bind(entry.memo())
    .bind(entry.reverses())
    .fetch_one(&mut *conn)
    .await
    .map_err(backend)?;
    for (seq, posting) in entry.postings().iter().enumerate() {
        sqlx::query(
            "INSERT INTO postings (org_id, entry_id, seq, account_code, amount_minor, currency) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org_id)
        .bind(entry_id)
        // At most ledger::entry::MAX_POSTINGS_PER_ENTRY (1,000) postings per entry.
        .bind(seq as i32)
        .bind(posting.account.as_str())
        .bind(posting.amount.amount_minor())
        .bind(posting.amount.currency().as_str())
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    Ok(())
}
