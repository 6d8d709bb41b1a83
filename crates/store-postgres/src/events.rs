//! The domain-event log: appending events (inside a commit's transaction) and reading them.

use crate::{Attempt, AttemptResult};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashMap;
use store::{NewEvent, OrgId, Page, StoreError, StoredEvent};

const COLUMNS: &str = "seq, stream, kind, key, payload, actor, origin, recorded_at";

/// What the events of a registry change found in the log before it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prior {
    /// Not empty, and every event was committed before with the same data.
    pub(crate) replay: bool,
    /// Distinct keys not committed before: what the change's append must create.
    pub(crate) absent: usize,
}

/// Looks up `events` without locking: an event committed before with other data, or some of
/// the events but not all (another change recorded them), is a conflict, answered before the
/// caller changes anything. Read committed: a concurrent call that
/// committed the same events is seen by this statement.
pub(crate) async fn prior(
    tx: &mut PgConnection,
    org_id: OrgId,
    events: &[NewEvent],
) -> AttemptResult<Prior> {
    if events.is_empty() {
        return Ok(Prior {
            replay: false,
            absent: 0,
        });
    }
    let keys: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    let rows = sqlx::query(
        "SELECT key, stream, kind, payload FROM events \
         WHERE org_id = $1 AND key = ANY($2::text[])",
    )
    .bind(org_id)
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await?;
    let mut before: HashMap<String, (String, String, String)> = HashMap::new();
    for row in rows {
        before.insert(
            row.try_get("key")?,
            (
                row.try_get("stream")?,
                row.try_get("kind")?,
                row.try_get("payload")?,
            ),
        );
    }
    let mut absent = std::collections::HashSet::new();
    for event in events {
        match before.get(&event.key) {
            Some((stream, kind, payload)) => {
                if (stream, kind, payload) != (&event.stream, &event.kind, &event.payload) {
                    return Err(StoreError::event_key_conflict(&event.key).into());
                }
            }
            None => {
                absent.insert(event.key.as_str());
            }
        }
    }
    let distinct: std::collections::HashSet<&str> = events.iter().map(|e| e.key.as_str()).collect();
    if !absent.is_empty() && absent.len() < distinct.len() {
        return Err(StoreError::conflict(format!(
            "events: {} of the {} were committed before by another change",
            distinct.len() - absent.len(),
            distinct.len()
        ))
        .into());
    }
    Ok(Prior {
        replay: absent.is_empty(),
        absent: absent.len(),
    })
}

/// Appends a registry change's events after the change (the caller's transaction, which
/// holds the change's row locks: the advisory lock comes after them, as in a commit). When a
/// concurrent call committed some of them since [`prior`] looked, this transaction made its
/// change a second time: it is run again, and then is a replay.
pub(crate) async fn append_after_change(
    tx: &mut PgConnection,
    org_id: OrgId,
    events: &[NewEvent],
    prior: Prior,
) -> AttemptResult<()> {
    let answers = append(tx, org_id, events).await?;
    let created = answers.iter().filter(|(_, created)| *created).count();
    if created < prior.absent {
        return Err(Attempt::Again(
            "a concurrent call committed the same registry change's events",
        ));
    }
    Ok(())
}

/// Appends the events not committed before, in order; the caller owns the transaction and has
/// run `store::check_commit`. Answers (seq, created) per event.
pub(crate) async fn append(
    tx: &mut PgConnection,
    org_id: OrgId,
    events: &[NewEvent],
) -> AttemptResult<Vec<(i64, bool)>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    // Held until commit: one appender per organisation at a time, so seq order is commit order.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    let keys: Vec<&str> = events.iter().map(|e| e.key.as_str()).collect();
    let rows = sqlx::query(
        "SELECT key, seq, stream, kind, payload FROM events \
         WHERE org_id = $1 AND key = ANY($2::text[])",
    )
    .bind(org_id)
    .bind(&keys)
    .fetch_all(&mut *tx)
    .await?;
    let mut before: HashMap<String, (i64, String, String, String)> = HashMap::new();
    for row in rows {
        before.insert(
            row.try_get("key")?,
            (
                row.try_get("seq")?,
                row.try_get("stream")?,
                row.try_get("kind")?,
                row.try_get("payload")?,
            ),
        );
    }
    let next_seq: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(&mut *tx)
            .await?;
    let mut answers = Vec::with_capacity(events.len());
    let mut fresh: Vec<(i64, &NewEvent)> = Vec::new();
    let mut in_commit: HashMap<&str, i64> = HashMap::new();
    for event in events {
        if let Some((seq, stream, kind, payload)) = before.get(&event.key) {
            if (stream, kind, payload) != (&event.stream, &event.kind, &event.payload) {
                return Err(StoreError::event_key_conflict(&event.key).into());
            }
            answers.push((*seq, false));
        } else if let Some(&seq) = in_commit.get(event.key.as_str()) {
            // check_commit made sure a repeated key carries the same data.
            answers.push((seq, false));
        } else {
            let seq = next_seq + fresh.len() as i64;
            in_commit.insert(event.key.as_str(), seq);
            fresh.push((seq, event));
            answers.push((seq, true));
        }
    }
    if !fresh.is_empty() {
        let seqs: Vec<i64> = fresh.iter().map(|(seq, _)| *seq).collect();
        let column =
            |f: fn(&NewEvent) -> &str| -> Vec<&str> { fresh.iter().map(|(_, e)| f(e)).collect() };
        let at: Vec<DateTime<Utc>> = fresh.iter().map(|(_, e)| e.recorded_at).collect();
        sqlx::query(
            "INSERT INTO events (org_id, seq, stream, kind, key, payload, actor, origin, \
             recorded_at) \
             SELECT $1, u.* FROM UNNEST($2::int8[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::text[], $9::timestamptz[]) AS u",
        )
        .bind(org_id)
        .bind(&seqs)
        .bind(column(|e| &e.stream))
        .bind(column(|e| &e.kind))
        .bind(column(|e| &e.key))
        .bind(column(|e| &e.payload))
        .bind(column(|e| &e.actor))
        .bind(column(|e| &e.origin))
        .bind(&at)
        .execute(&mut *tx)
        .await?;
    }
    Ok(answers)
}

fn from_row(row: &PgRow) -> AttemptResult<StoredEvent> {
    Ok(StoredEvent {
        seq: row.try_get("seq")?,
        event: NewEvent {
            stream: row.try_get("stream")?,
            kind: row.try_get("kind")?,
            key: row.try_get("key")?,
            payload: row.try_get("payload")?,
            actor: row.try_get("actor")?,
            origin: row.try_get("origin")?,
            recorded_at: row.try_get("recorded_at")?,
        },
    })
}

pub(crate) async fn events(
    pool: &PgPool,
    org_id: OrgId,
    stream: Option<&str>,
    page: Page,
) -> AttemptResult<Vec<StoredEvent>> {
    let limit = crate::clamp_limit(page);
    let rows = match stream {
        Some(stream) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM events \
                 WHERE org_id = $1 AND stream = $2 AND seq > $3 ORDER BY seq LIMIT $4"
            ))
            .bind(org_id)
            .bind(stream)
            .bind(page.after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM events \
                 WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ))
            .bind(org_id)
            .bind(page.after_id)
            .bind(limit)
            .fetch_all(pool)
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}

pub(crate) async fn event_by_key(
    pool: &PgPool,
    org_id: OrgId,
    key: &str,
) -> AttemptResult<StoredEvent> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM events WHERE org_id = $1 AND key = $2"
    ))
    .bind(org_id)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => from_row(&row),
        None => Err(StoreError::not_found(format!("event '{key}'")).into()),
    }
}
