//! The raw-SQL baseline for benchmarks: the same entry and posting rows the store writes,
//! inserted with one plain `INSERT` per row and nothing else (no idempotency check, no
//! account check, no balance update).
//!
//! Use it on an organisation of its own: its rows have no materialised balances, so that
//! organisation's `balances` no longer equal its `derived_balances`.

use crate::backend;
use ledger::ValidEntry;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::Connection;
use store::StoreError;

/// Inserts `entries` for `org_id` with plain INSERTs: one transaction per entry when
/// `commit_each`, else one transaction for the whole slice. Ids continue after the
/// organisation's largest entry id.
pub async fn insert_raw(
    pool: &SqlitePool,
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
    conn: &mut SqliteConnection,
    org_id: i64,
    entry: &ValidEntry,
) -> Result<(), StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO entries (org_id, id, idempotency_key, fingerprint, reason, rule_id, date, \
         memo, reverses) \
         SELECT ?1, COALESCE(MAX(id), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 \
         FROM entries WHERE org_id = ?1 RETURNING id",
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
    for (seq, p) in entry.postings().iter().enumerate() {
        sqlx::query(
            "INSERT INTO postings (org_id, entry_id, seq, account_code, amount_minor, currency) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(org_id)
        .bind(id)
        .bind(seq as i64)
        .bind(p.account.as_str())
        .bind(p.amount.amount_minor())
        .bind(p.amount.currency().as_str())
        .execute(&mut *conn)
        .await
        .map_err(backend)?;
    }
    Ok(())
}
